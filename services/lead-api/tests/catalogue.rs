//! The shared-course catalogue (优质课程资源库, RULES.md §4) through the real actix `App`,
//! against the real services, PostgreSQL and NATS: the "done when" list over HTTP.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod common;

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::test;
use chrono::Utc;
use common::{Env, OTHER_REGION, REGION, assert_one_created, assert_refusal, env};
use edu_domain::Role;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// A group of a lead and two members, with their offices' tokens.
struct Group {
    id: String,
    lead: String,
    a: String,
    b: String,
    a_id: String,
    b_id: String,
}

/// Percent-encodes a query value (Chinese keywords).
fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Repeats `f` until its status is `want` (the catalogue learns membership from events).
async fn until<F, Fut>(want: StatusCode, f: F) -> (StatusCode, Value)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = (StatusCode, Value)>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let (status, body) = f().await;
        if status == want || tokio::time::Instant::now() > deadline {
            return (status, body);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn group(env: &Env, name: &str) -> Group {
    let lead_id = env.school(&format!("{name}一中"), "junior", REGION).await;
    let id = env
        .group(&format!("{name}一中教育集团"), "alliance", &lead_id)
        .await;
    let mut members = Vec::new();
    for n in ["二中", "三中"] {
        let school = env.school(&format!("{name}{n}"), "junior", REGION).await;
        let (status, body) = env.admit(&env.bureau(), &id, &school).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        members.push(school);
    }
    let g = Group {
        lead: env.school_token(Role::LeadAdmin, &lead_id),
        a: env.school_token(Role::MemberAdmin, &members[0]),
        b: env.school_token(Role::MemberAdmin, &members[1]),
        a_id: members[0].clone(),
        b_id: members[1].clone(),
        id,
    };
    for token in [&g.lead, &g.a, &g.b] {
        let path = format!("/groups/{}/resources", g.id);
        let (status, body) = until(StatusCode::OK, || env.get(token, &path)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    g
}

fn resource(title: &str, tags: &[&str]) -> Value {
    json!({
        "kind": "lesson_plan", "subject": "数学", "stage": "junior", "grade": "八年级",
        "course_type": "national", "tier": "county", "title": title,
        "description": "八年级数学大单元教学设计", "authors": ["张老师"], "tags": tags,
    })
}

/// Submits as `token` and approves as the lead office; answers the resource id.
async fn published(env: &Env, g: &Group, token: &str, body: Value) -> String {
    let (status, r) = env
        .post(token, &format!("/groups/{}/resources", g.id), body)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{r}");
    let id = r["id"].as_str().unwrap().to_owned();
    let (status, r) = env
        .post(
            &g.lead,
            &format!("/resources/{id}/approval"),
            json!({"decision": "approve"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    id
}

async fn upload(env: &Env, token: &str, group: &str, bytes: &[u8]) -> (StatusCode, Value) {
    let req = test::TestRequest::post()
        .uri(&format!(
            "/api/v1/groups/{group}/files?name={}",
            enc("浮力实验.pptx")
        ))
        .insert_header(("Authorization", format!("Bearer {token}")))
        .insert_header((header::CONTENT_TYPE, "application/vnd.ms-powerpoint"))
        .set_payload(bytes.to_vec());
    env.send(req).await
}

async fn download(env: &Env, token: &str, id: &str) -> (StatusCode, Vec<u8>) {
    let req = test::TestRequest::get()
        .uri(&format!("/api/v1/resources/{id}/file"))
        .insert_header(("Authorization", format!("Bearer {token}")));
    let (status, _, body) = env.call(req).await;
    (status, body.to_vec())
}

#[actix_web::test]
async fn publish_review_see_and_nobody_outside_gets_metadata_or_file() {
    let env = env().await;
    let g = group(&env, "甲").await;
    let bytes: Vec<u8> = (0..1_200_000u32).map(|i| (i % 253) as u8).collect();
    let (status, up) = upload(&env, &g.a, &g.id, &bytes).await;
    assert_eq!(status, StatusCode::CREATED, "{up}");
    let sha: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(up["sha256"], sha.as_str());
    let mut body = resource("浮力实验课件", &["实验"]);
    body["upload_id"] = up["id"].clone();
    let (status, r) = env
        .post(&g.a, &format!("/groups/{}/resources", g.id), body)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{r}");
    // pending until the lead office approves; the other member does not see it yet.
    assert_eq!(r["status"], "pending_review");
    let id = r["id"].as_str().unwrap().to_owned();
    let (status, body) = env.get(&g.b, &format!("/resources/{id}")).await;
    assert_refusal(status, &body, StatusCode::NOT_FOUND, "not_found");
    let (status, body) = env
        .post(
            &g.a,
            &format!("/resources/{id}/approval"),
            json!({"decision": "approve"}),
        )
        .await;
    assert_refusal(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, body) = env
        .post(
            &g.lead,
            &format!("/resources/{id}/approval"),
            json!({"decision": "approve"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // the other members see it and download it, byte for byte.
    let (status, seen) = env.get(&g.b, &format!("/resources/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{seen}");
    assert_eq!(seen["versions"][0]["file"]["size"], 1_200_000);
    let (status, got) = download(&env, &g.b, &id).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(got, bytes);
    // A school outside the group: 404 for metadata and file.
    let other_lead = env.school("乙一中", "junior", REGION).await;
    env.group("乙一中教育集团", "alliance", &other_lead).await;
    let outsider = env.school_token(Role::LeadAdmin, &other_lead);
    let (status, body) = env.get(&outsider, &format!("/resources/{id}")).await;
    assert_refusal(status, &body, StatusCode::NOT_FOUND, "not_found");
    let (status, _) = download(&env, &outsider, &id).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = env
        .get(&outsider, &format!("/groups/{}/resources", g.id))
        .await;
    assert_refusal(status, &body, StatusCode::NOT_FOUND, "not_found");
    // A file whose declared hash is not its content is refused, and nothing is stored.
    let req = test::TestRequest::post()
        .uri(&format!("/api/v1/groups/{}/files?name=x.bin", g.id))
        .insert_header(("Authorization", format!("Bearer {}", g.a)))
        .insert_header(("X-Content-SHA256", "0".repeat(64)))
        .set_payload(b"abc".to_vec());
    let (status, body) = env.send(req).await;
    assert_refusal(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "file_hash_mismatch",
    );
}

#[actix_web::test]
async fn sharing_outside_is_refused_with_brand_transfer_forbidden_and_recorded() {
    let env = env().await;
    let g = group(&env, "丙").await;
    let id = published(&env, &g, &g.a, resource("校本课程:家乡的河", &[])).await;
    let (status, body) = env
        .post(
            &g.a,
            &format!("/resources/{id}/shares"),
            json!({"target": {"type": "school", "school_id": g.b_id}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    // least privilege: an auditor only reads, a teacher uses what the office shared
    let auditor = env.token(Role::Auditor, REGION, None);
    let teacher = env.school_token(Role::Teacher, &g.a_id);
    for token in [auditor, teacher] {
        let (status, body) = env
            .post(
                &token,
                &format!("/resources/{id}/shares"),
                json!({"target": {"type": "school", "school_id": g.b_id}}),
            )
            .await;
        assert_refusal(status, &body, StatusCode::FORBIDDEN, "forbidden");
    }
    let outside = env.school("县外合作学校", "junior", REGION).await;
    let (status, body) = env
        .post(
            &g.a,
            &format!("/resources/{id}/shares"),
            json!({"target": {"type": "school", "school_id": outside}, "note": "想给兄弟学校用"}),
        )
        .await;
    // R-11/M7: 403 with the stable code and the rule.
    assert_refusal(
        status,
        &body,
        StatusCode::FORBIDDEN,
        "brand_transfer_forbidden",
    );
    assert_eq!(body["error"]["rule"], "R-11");
    // The refusal is on the stream: who, what, to whom.
    let mut refusal = None;
    for _ in 0..200 {
        let events = env.bus.events().await.unwrap();
        refusal = events
            .into_iter()
            .find(|e| e.event_type == "resource.export_refused");
        if refusal.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let refusal = refusal.expect("resource.export_refused on the stream");
    assert_eq!(refusal.actor.sub, format!("member_admin-{REGION}"));
    assert_eq!(refusal.actor.school_id.unwrap().to_string(), g.a_id);
    assert_eq!(refusal.payload["resource_id"], id.as_str());
    assert_eq!(refusal.payload["target"]["school_id"], outside.as_str());
}

/// R-11 (invariant 17) through the API: a member school's office tries to share a group
/// resource with a school of another group and is refused with `brand_transfer_forbidden`
/// citing R-11 (403, the share's status for this refusal since it exists; a retry with the
/// same key gets the same answer). The refusal is on record at once: the group's bureau, its
/// county's auditor and the lead office list it (who, which resource, to whom, when); the
/// group's member offices and teachers may not (403), another county's bureau and another
/// group's lead office are told the group does not exist (404).
#[actix_web::test]
async fn r11_a_refused_share_is_listed_for_the_bureau_and_the_lead_office_only() {
    let env = env().await;
    let g = group(&env, "庚").await;
    let other = group(&env, "辛").await;
    let id = published(&env, &g, &g.a, resource("校本课程:家乡的河", &[])).await;
    for _ in 0..2 {
        let req = test::TestRequest::post()
            .uri(&format!("/api/v1/resources/{id}/shares"))
            .insert_header(("Authorization", format!("Bearer {}", g.a)))
            .insert_header(("Idempotency-Key", "share-to-another-group-1"))
            .set_json(json!({"target": {"type": "school", "school_id": other.a_id}}));
        let (status, body) = env.send(req).await;
        assert_refusal(
            status,
            &body,
            StatusCode::FORBIDDEN,
            "brand_transfer_forbidden",
        );
        assert_eq!(body["error"]["rule"], "R-11", "{body}");
    }

    let path = format!("/groups/{}/brand-refusals", g.id);
    let auditor = env.token(Role::Auditor, REGION, None);
    for token in [&env.bureau(), &auditor, &g.lead] {
        let (status, page) = env.get(token, &path).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert_eq!(page["total"], 1, "{page}");
        let r = &page["items"][0];
        assert_eq!(r["group_id"], g.id.as_str());
        assert_eq!(r["resource_id"], id.as_str());
        assert_eq!(r["resource_title"], "校本课程:家乡的河");
        assert_eq!(r["requested_by"]["sub"], format!("member_admin-{REGION}"));
        assert_eq!(r["requested_by"]["role"], "member_admin");
        assert_eq!(r["requested_by"]["school_id"], g.a_id.as_str());
        assert_eq!(
            r["target"],
            json!({"type": "school", "school_id": other.a_id})
        );
        assert_eq!(r["rule"], "R-11");
        assert_eq!(r["code"], "brand_transfer_forbidden");
        assert!(r["refused_at"].is_string(), "{r}");
    }
    // One resource's: this one has it, another has none.
    let (status, page) = env.get(&g.lead, &format!("{path}?resource_id={id}")).await;
    assert_eq!((status, page["total"].clone()), (StatusCode::OK, json!(1)));
    let quiet = published(&env, &g, &g.b, resource("德育案例", &[])).await;
    let (status, page) = env
        .get(&g.lead, &format!("{path}?resource_id={quiet}&limit=10"))
        .await;
    assert_eq!((status, page["total"].clone()), (StatusCode::OK, json!(0)));

    let teacher = env.school_token(Role::Teacher, &g.a_id);
    for token in [&g.a, &g.b, &teacher] {
        let (status, body) = env.get(token, &path).await;
        assert_refusal(status, &body, StatusCode::FORBIDDEN, "forbidden");
        assert_eq!(body["error"]["rule"], "R-11", "{body}");
    }
    let far = env.token(Role::Bureau, OTHER_REGION, None);
    for token in [&far, &other.lead] {
        let (status, body) = env.get(token, &path).await;
        assert_refusal(status, &body, StatusCode::NOT_FOUND, "not_found");
        assert!(!body.to_string().contains(&id), "{body}");
    }
    // The other group has nothing on record; bad paging is a 400.
    let (status, page) = env
        .get(&other.lead, &format!("/groups/{}/brand-refusals", other.id))
        .await;
    assert_eq!((status, page["total"].clone()), (StatusCode::OK, json!(0)));
    let (status, body) = env.get(&g.lead, &format!("{path}?limit=0")).await;
    assert_refusal(status, &body, StatusCode::BAD_REQUEST, "validation_failed");
}

#[actix_web::test]
async fn after_exit_a_school_keeps_only_its_own_resources() {
    let env = env().await;
    let g = group(&env, "丁").await;
    let mine = published(&env, &g, &g.a, resource("本校德育案例", &[])).await;
    let theirs = published(&env, &g, &g.b, resource("兄弟学校的课件", &[])).await;
    let (status, _) = env.get(&g.a, &format!("/resources/{theirs}")).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = env
        .post(
            &env.bureau(),
            &format!("/groups/{}/members/{}/exit", g.id, g.a_id),
            json!({"reason": "voluntary"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let theirs_path = format!("/resources/{theirs}");
    let (status, body) = until(StatusCode::NOT_FOUND, || env.get(&g.a, &theirs_path)).await;
    assert_refusal(status, &body, StatusCode::NOT_FOUND, "not_found");
    let (status, body) = env.get(&g.a, &format!("/resources/{mine}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, page) = env.get(&g.a, &format!("/groups/{}/resources", g.id)).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["total"], 1);
    assert_eq!(page["items"][0]["title"], "本校德育案例");
    let (status, body) = env
        .post(
            &g.a,
            &format!("/groups/{}/resources", g.id),
            resource("新课件", &[]),
        )
        .await;
    assert_refusal(status, &body, StatusCode::CONFLICT, "school_not_in_group");
}

#[actix_web::test]
async fn a_new_version_leaves_adopters_on_theirs_with_a_newer_version_flag() {
    let env = env().await;
    let g = group(&env, "戊").await;
    let id = published(&env, &g, &g.a, resource("一次函数的图像与性质", &["函数"])).await;
    let (status, adoption) = env
        .post(&g.b, &format!("/resources/{id}/adoptions"), json!({}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{adoption}");
    assert_eq!(adoption["version"], 1);
    let (status, updated) = env
        .post(
            &g.a,
            &format!("/resources/{id}/versions"),
            json!({"title": "一次函数的图像与性质(修订)", "change_note": "补充分层作业"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{updated}");
    assert_eq!(updated["latest_version"], 2);
    let (status, seen) = env.get(&g.b, &format!("/resources/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{seen}");
    assert_eq!(seen["adopted_version"], 1);
    assert_eq!(seen["newer_version_available"], true);
    assert_eq!(seen["versions"][0]["title"], "一次函数的图像与性质");
    // Chinese search finds it by a two-character word, in the latest title.
    let (status, page) = env
        .get(
            &g.b,
            &format!("/groups/{}/resources?q={}", g.id, enc("函数")),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["total"], 1);
    assert_eq!(page["items"][0]["newer_version_available"], true);
    let (status, page) = env
        .get(
            &g.b,
            &format!("/groups/{}/resources?q={}", g.id, enc("实验")),
        )
        .await;
    assert_eq!((status, page["total"].clone()), (StatusCode::OK, json!(0)));
    // Reuse figures count the adoption for the owner school.
    let (status, reuse) = env
        .get(&g.lead, &format!("/groups/{}/resource-reuse", g.id))
        .await;
    assert_eq!(status, StatusCode::OK, "{reuse}");
    assert_eq!(reuse["adoptions"], 1);
    // Bad input: 400, never a 500.
    let (status, body) = env
        .get(&g.b, &format!("/groups/{}/resources?kind=poster", g.id))
        .await;
    assert_refusal(status, &body, StatusCode::BAD_REQUEST, "validation_failed");
}

/// R-01 through the API: twenty bookings of one slot sent at once by two schools (ten each)
/// give exactly one booking; the nineteen others are refused with `facility_already_booked`.
#[actix_web::test]
async fn twenty_bookings_of_one_slot_at_once_give_exactly_one() {
    let env = env().await;
    let g = group(&env, "己").await;
    let (status, lab) = env
        .post(
            &g.lead,
            &format!("/groups/{}/facilities", g.id),
            json!({"name": "物理实验室", "kind": "lab", "capacity": 48}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{lab}");
    let lab = lab["id"].as_str().unwrap().to_owned();
    let start = Utc::now() + chrono::Duration::days(2);
    let slot = json!({
        "start": start, "end": start + chrono::Duration::minutes(90), "purpose": "分组实验",
    });
    let path = format!("/facilities/{lab}/bookings");
    let tries = (0..20).map(|i| {
        let school = if i % 2 == 0 { &g.a } else { &g.b };
        env.post(school, &path, slot.clone())
    });
    let booking = assert_one_created(
        futures::future::join_all(tries).await,
        "facility_already_booked",
        Some("R-01"),
    );
    assert_eq!(booking["facility_id"], lab.as_str());
    let (status, page) = env.get(&g.lead, &path).await;
    assert_eq!((status, page["total"].clone()), (StatusCode::OK, json!(1)));
}

/// R-03 follows the region's policy (DESIGN.md "Policy as data"): once the bureau turns the
/// review off, a member's submission is visible group-wide at once.
#[actix_web::test]
async fn r03_review_follows_the_regions_policy() {
    let env = env().await;
    let g = group(&env, "政策").await;
    let path = format!("/groups/{}/resources", g.id);
    let (status, r) = env.post(&g.a, &path, resource("函数图像", &["函数"])).await;
    assert_eq!(status, StatusCode::CREATED, "{r}");
    assert_eq!(r["status"], "pending_review");

    let off = json!({"policy": {"catalogue_review_required": false}, "reason": "试点免审"});
    let (status, body) = env
        .put(&env.bureau(), &format!("/regions/{REGION}/policy"), off)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // the catalogue learns the new version from its event
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let (status, r) = env.post(&g.a, &path, resource("浮力实验", &["实验"])).await;
        assert_eq!(status, StatusCode::CREATED, "{r}");
        if r["status"] == "published" {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{r}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[actix_web::test]
async fn a_member_finds_by_subject_and_reads_who_adopted_inside_the_group_only() {
    let env = env().await;
    let g = group(&env, "庚").await;
    let mut body = resource("勾股定理的证明", &["几何"]);
    body["description"] = json!("直角三角形三边关系");
    let id = published(&env, &g, &g.a, body).await;
    // The subject is searched (the title never says 数学).
    let (status, page) = env
        .get(
            &g.b,
            &format!("/groups/{}/resources?q={}", g.id, enc("数学")),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["total"], 1);
    assert_eq!(page["items"][0]["id"], id.as_str());
    let path = format!("/resources/{id}/adoptions");
    let (status, list) = env.get(&g.b, &path).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(list["items"], json!([]));
    let (status, adopted) = env.post(&g.b, &path, json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{adopted}");
    // The group's schools, its bureau and its county's auditors read the adopters.
    let auditor = env.token(Role::Auditor, REGION, None);
    for token in [&g.a, &g.b, &g.lead, &env.bureau(), &auditor] {
        let (status, list) = env.get(token, &path).await;
        assert_eq!(status, StatusCode::OK, "{list}");
        assert_eq!(list["latest_version"], 1);
        assert_eq!(list["items"][0]["school_id"], g.b_id.as_str());
        assert_eq!(list["items"][0]["version"], 1);
        assert_eq!(list["items"][0]["newer_version_available"], false);
    }
    // Another group's office, another county's bureau: the resource does not exist.
    let other_lead = env.school("辛一中", "junior", REGION).await;
    env.group("辛一中教育集团", "alliance", &other_lead).await;
    let outsiders = [
        env.school_token(Role::LeadAdmin, &other_lead),
        env.token(Role::Bureau, OTHER_REGION, None),
    ];
    for token in &outsiders {
        let (status, body) = env.get(token, &path).await;
        assert_refusal(status, &body, StatusCode::NOT_FOUND, "not_found");
    }
    let req = test::TestRequest::get().uri(&format!("/api/v1{path}"));
    let (status, _) = env.send(req).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[actix_web::test]
async fn downloads_are_never_sniffed_and_never_served_as_html() {
    let env = env().await;
    let g = group(&env, "壬").await;
    for (declared, served) in [
        ("application/pdf", "application/pdf"),
        ("text/html; charset=utf-8", "application/octet-stream"),
    ] {
        let req = test::TestRequest::post()
            .uri(&format!("/api/v1/groups/{}/files?name=x", g.id))
            .insert_header(("Authorization", format!("Bearer {}", g.a)))
            .insert_header((header::CONTENT_TYPE, declared))
            .set_payload(b"<script>alert(1)</script>".to_vec());
        let (status, up) = env.send(req).await;
        assert_eq!(status, StatusCode::CREATED, "{up}");
        let mut body = resource(declared, &[]);
        body["upload_id"] = up["id"].clone();
        let id = published(&env, &g, &g.a, body).await;
        let req = test::TestRequest::get()
            .uri(&format!("/api/v1/resources/{id}/file"))
            .insert_header(("Authorization", format!("Bearer {}", g.b)));
        let (status, headers, _) = env.call(req).await;
        assert_eq!(status, StatusCode::OK);
        let h = |name: header::HeaderName| headers.get(name).unwrap().to_str().unwrap().to_owned();
        assert_eq!(h(header::CONTENT_TYPE), served, "{declared}");
        assert_eq!(h(header::X_CONTENT_TYPE_OPTIONS), "nosniff");
        assert_eq!(h(header::CONTENT_SECURITY_POLICY), "sandbox");
        assert!(h(header::CONTENT_DISPOSITION).starts_with("attachment"));
    }
}
