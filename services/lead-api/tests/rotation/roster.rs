//! Rosters: imported whole or not at all, exported for Excel.

use super::*;

#[actix_web::test]
async fn a_roster_is_imported_whole_or_not_at_all_and_exported_for_excel() {
    let env = env().await;
    let g = group_of_two(&env).await;
    let member_admin = &g.member_admin;
    // line 3 has an unknown post: 422, the line is named, nothing is imported
    let bad = format!(
        "{HEADER}\nT001,张三,学科教师,数学,县级,是\nT002,李四,校长,语文,无,是\nT003,王五,中层管理人员,英语,校级,否\n"
    );
    let (status, body) = import(&env, member_admin, &g.member, bad.as_bytes()).await;
    assert_refusal(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "csv_invalid",
    );
    assert_eq!(body["error"]["details"]["rows"][0]["line"], 3, "{body}");
    let list = format!("/schools/{}/teachers?school_year=2025", g.member);
    let (status, page) = env.get(member_admin, &list).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["total"], 0, "{page}");
    // Chinese and English values, with a BOM as Excel writes it
    let good = format!(
        "\u{feff}{HEADER}\nT001,张三,学科教师,数学,县级,是\nT002,李四,school_leader,语文,none,yes\nT003,王五,中层管理人员,英语,校级,否\n"
    );
    let (status, body) = import(&env, member_admin, &g.member, good.as_bytes()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["created"], 3, "{body}");
    let (_, page) = env.get(member_admin, &list).await;
    assert_eq!(page["total"], 3, "{page}");
    let zhang = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["staff_no"] == "T001")
        .unwrap();
    assert_eq!(zhang["post"], "subject_teacher");
    assert_eq!(zhang["backbone"], "county");
    assert_eq!(zhang["eligible"], true);
    assert_eq!(zhang["home_school_id"], g.member.as_str());
    // the export: CSV with a UTF-8 BOM, as an attachment
    let req = test::TestRequest::get()
        .uri(&format!(
            "/api/v1/schools/{}/teachers/export?school_year=2025",
            g.member
        ))
        .insert_header(("Authorization", format!("Bearer {member_admin}")));
    let (status, headers, body) = env.call(req).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        headers.get(header::CONTENT_TYPE).unwrap(),
        "text/csv; charset=utf-8"
    );
    let disposition = headers
        .get(header::CONTENT_DISPOSITION)
        .unwrap()
        .to_str()
        .unwrap();
    assert!(disposition.starts_with("attachment"), "{disposition}");
    assert!(
        disposition.contains(&format!("teachers-{}-2025.csv", g.member)),
        "{disposition}"
    );
    let text = String::from_utf8(body.to_vec()).unwrap();
    assert!(text.starts_with('\u{feff}'), "{text}");
    assert!(text.contains("T001") && text.contains("王五"), "{text}");
    // the group's lead office reads a member's roster; the bureau too; another group's lead does not
    let lead_admin = &g.lead_admin;
    assert_eq!(env.get(lead_admin, &list).await.0, StatusCode::OK);
    assert_eq!(env.get(&env.bureau(), &list).await.0, StatusCode::OK);
    let other_lead = env.school("三中", "junior", REGION).await;
    env.group("三中教育集团", "alliance", &other_lead).await;
    let other_admin = env.school_token(Role::LeadAdmin, &other_lead);
    let (status, body) = env.get(&other_admin, &list).await;
    assert_refusal(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, body) = import(&env, &other_admin, &g.member, good.as_bytes()).await;
    assert_refusal(status, &body, StatusCode::FORBIDDEN, "forbidden");
    // another region's bureau does not learn the school exists
    let far_bureau = env.token(Role::Bureau, OTHER_REGION, None);
    let (status, body) = env.get(&far_bureau, &list).await;
    assert_refusal(status, &body, StatusCode::NOT_FOUND, "not_found");
    let (status, body) = import(&env, &far_bureau, &g.member, good.as_bytes()).await;
    assert_refusal(status, &body, StatusCode::NOT_FOUND, "not_found");
    // a file that is not UTF-8 (GBK from an old Excel), and a JSON body
    let gbk: &[u8] = b"\xb9\xa4\xba\xc5,\xd0\xd5\xc3\xfb\n";
    let (status, body) = import(&env, member_admin, &g.member, gbk).await;
    assert_refusal(status, &body, StatusCode::BAD_REQUEST, "validation_failed");
    let req = test::TestRequest::post()
        .uri(&format!(
            "/api/v1/schools/{}/teachers/import?school_year=2025",
            g.member
        ))
        .insert_header(("Authorization", format!("Bearer {member_admin}")))
        .set_json(json!({"csv": good}));
    let (status, body) = env.send(req).await;
    assert_refusal(status, &body, StatusCode::BAD_REQUEST, "validation_failed");
    // over 2 MiB; and under it, but more than one bus message carries
    let huge = vec![b'x'; edu_lead_api::CSV_LIMIT + 1];
    let (status, body) = import(&env, member_admin, &g.member, &huge).await;
    assert_refusal(
        status,
        &body,
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
    );
    let max_payload = env.bus.bus.client().server_info().max_payload;
    if max_payload < edu_lead_api::CSV_LIMIT {
        let big = vec![b'x'; max_payload];
        let (status, body) = import(&env, member_admin, &g.member, &big).await;
        assert_refusal(
            status,
            &body,
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
        );
    }
    // the school year is required
    let (status, body) = env
        .get(member_admin, &format!("/schools/{}/teachers", g.member))
        .await;
    assert_refusal(status, &body, StatusCode::BAD_REQUEST, "validation_failed");
}
