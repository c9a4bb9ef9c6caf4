//! The group's postings as an iCalendar file for office calendars (交流轮岗 in Outlook, 钉钉,
//! 企业微信) through the real actix `App`, against the real membership and rotation services.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod common;

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::test;
use common::rotation::{autumn_2025, group_of_two, next_autumn, posting, propose, teacher};
use common::{Env, OTHER_REGION, REGION, assert_refusal, env};
use edu_domain::Role;
use serde_json::json;

/// Fetches the group's postings as iCalendar.
async fn calendar(env: &Env, token: &str, path: &str) -> (StatusCode, header::HeaderMap, String) {
    let req = test::TestRequest::get()
        .uri(&format!("/api/v1{path}"))
        .insert_header(("Authorization", format!("Bearer {token}")));
    let (status, headers, body) = env.call(req).await;
    (status, headers, String::from_utf8(body.to_vec()).unwrap())
}

#[actix_web::test]
async fn the_groups_postings_export_as_an_office_calendar() {
    let env = env().await;
    let g = group_of_two(&env).await;
    let lead_admin = &g.lead_admin;
    let member_admin = &g.member_admin;
    let lead_staff = g
        .lead_roster(
            &env,
            &[
                "L001,王芳,学科教师,数学,县级,是",
                "L002,赵二,学科教师,语文,无,是",
            ],
        )
        .await;
    let member_staff = g
        .member_roster(&env, &["M001,孙三,中层管理人员,英语,无,是"])
        .await;
    let sun = teacher(&member_staff, "M001");
    // 王芳 seconded in autumn 2025 as 初二数学, confirmed
    let mut body = posting(
        &teacher(&lead_staff, "L001"),
        &g.member,
        "secondment",
        autumn_2025(),
    );
    body["host_post"] = json!("初二数学");
    let (status, p1) = propose(&env, lead_admin, &g.id, body).await;
    assert_eq!(status, StatusCode::CREATED, "{p1}");
    let p1_id = p1["id"].as_str().unwrap();
    let (status, body) = env
        .post(
            member_admin,
            &format!("/postings/{p1_id}/confirm"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // 孙三 proposed to shadow in spring 2026, not confirmed: tentative
    let term = json!({"type": "dates", "start": "2026-03-02", "end": "2026-06-30"});
    let (status, p2) = env
        .post(
            member_admin,
            &format!("/groups/{}/postings", g.id),
            posting(&sun, &g.lead, "shadowing", term),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{p2}");
    let p2_id = p2["id"].as_str().unwrap();
    // 赵二's upcoming posting is cancelled: not in the calendar
    let (status, p3) = env
        .post(
            lead_admin,
            &format!("/groups/{}/postings", g.id),
            posting(
                &teacher(&lead_staff, "L002"),
                &g.member,
                "post_holding",
                next_autumn(),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{p3}");
    let p3_id = p3["id"].as_str().unwrap();
    let (status, body) = env
        .post(
            lead_admin,
            &format!("/postings/{p3_id}/cancel"),
            json!({"reason": "岗位调整"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let ics = format!("/groups/{}/postings.ics", g.id);
    let (status, headers, text) = calendar(&env, member_admin, &ics).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(
        headers.get(header::CONTENT_TYPE).unwrap(),
        "text/calendar; charset=utf-8"
    );
    let disposition = headers
        .get(header::CONTENT_DISPOSITION)
        .unwrap()
        .to_str()
        .unwrap();
    assert!(disposition.starts_with("attachment"), "{disposition}");
    assert!(
        disposition.contains(&format!("postings-{}.ics", g.id)),
        "{disposition}"
    );
    // CRLF line endings only, no physical line longer than 75 octets
    assert!(text.ends_with("\r\n"), "{text:?}");
    for line in text[..text.len() - 2].split("\r\n") {
        assert!(!line.contains('\n') && !line.contains('\r'), "{line:?}");
        assert!(line.len() <= 75, "{line:?}");
    }
    let text = text.replace("\r\n ", "");
    assert!(
        text.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"),
        "{text}"
    );
    assert!(
        text.contains("PRODID:-//edugroup//postings//ZH\r\n"),
        "{text}"
    );
    assert!(text.trim_end().ends_with("END:VCALENDAR"), "{text}");
    assert_eq!(text.matches("BEGIN:VEVENT\r\n").count(), 2, "{text}");
    assert_eq!(text.matches("END:VEVENT\r\n").count(), 2, "{text}");
    assert!(!text.contains(p3_id), "{text}");
    // each event with its UID and dates (DTEND exclusive)
    let event = |id: &str| {
        text.split("BEGIN:VEVENT\r\n")
            .find(|e| e.contains(&format!("UID:{id}@edugroup\r\n")))
            .unwrap_or_else(|| panic!("no event for {id}: {text}"))
            .to_owned()
    };
    let e1 = event(p1_id);
    assert!(e1.contains("DTSTART;VALUE=DATE:20250901\r\n"), "{e1}");
    assert!(e1.contains("DTEND;VALUE=DATE:20260201\r\n"), "{e1}");
    assert!(e1.contains("SUMMARY:挂职 王芳 · 初二数学\r\n"), "{e1}");
    assert!(e1.contains("STATUS:CONFIRMED\r\n"), "{e1}");
    assert!(e1.contains("DTSTAMP:"), "{e1}");
    let e2 = event(p2_id);
    assert!(e2.contains("DTSTART;VALUE=DATE:20260302\r\n"), "{e2}");
    assert!(e2.contains("DTEND;VALUE=DATE:20260701\r\n"), "{e2}");
    assert!(
        e2.contains("SUMMARY:跟岗学习 孙三 · 教务处副主任\r\n"),
        "{e2}"
    );
    assert!(e2.contains("STATUS:TENTATIVE\r\n"), "{e2}");
    assert!(e2.contains(&g.member), "{e2}");
    // filtered by teacher, and by school year
    let (status, _, one) = calendar(&env, lead_admin, &format!("{ics}?teacher_id={sun}")).await;
    assert_eq!(status, StatusCode::OK, "{one}");
    assert_eq!(one.matches("BEGIN:VEVENT").count(), 1, "{one}");
    assert!(one.contains(p2_id), "{one}");
    let (_, _, none) = calendar(&env, &env.bureau(), &format!("{ics}?year=2024")).await;
    assert_eq!(none.matches("BEGIN:VEVENT").count(), 0, "{none}");
    assert!(none.contains("BEGIN:VCALENDAR"), "{none}");
    // a school outside the group, another region's bureau: no such group
    let other_lead = env.school("三中", "junior", REGION).await;
    env.group("三中教育集团", "alliance", &other_lead).await;
    let other_admin = env.school_token(Role::LeadAdmin, &other_lead);
    let req = test::TestRequest::get()
        .uri(&format!("/api/v1{ics}"))
        .insert_header(("Authorization", format!("Bearer {other_admin}")));
    let (status, body) = env.send(req).await;
    assert_refusal(status, &body, StatusCode::NOT_FOUND, "not_found");
    let far_bureau = env.token(Role::Bureau, OTHER_REGION, None);
    let (status, body) = env
        .get(&far_bureau, &format!("/groups/{}/postings.ics", g.id))
        .await;
    assert_refusal(status, &body, StatusCode::NOT_FOUND, "not_found");
    // unknown filters are refused
    let (status, body) = env
        .get(
            member_admin,
            &format!("/groups/{}/postings.ics?school_year=2025", g.id),
        )
        .await;
    assert_refusal(status, &body, StatusCode::BAD_REQUEST, "validation_failed");
}
