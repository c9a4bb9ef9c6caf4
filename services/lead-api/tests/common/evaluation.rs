//! The evaluation tests' groups, data and waits (tests/evaluation.rs, tests/evaluation_year.rs).

use actix_web::http::StatusCode;
use serde_json::{Value, json};

use super::{Env, REGION, until};

pub struct Group {
    pub id: String,
    pub lead: String,
    pub members: Vec<String>,
}

/// An alliance group of schools of `stage` plaqued on `plaque`, with its members admitted.
pub async fn group(env: &Env, name: &str, stage: &str, plaque: &str, members: &[&str]) -> Group {
    let lead = env.school(&format!("{name}一中"), stage, REGION).await;
    let body = json!({"name": format!("{name}教育集团"), "model": "alliance", "lead_school_id": lead, "plaque_date": plaque});
    let (status, g) = env.post(&env.bureau(), "/groups", body).await;
    assert_eq!(status, StatusCode::CREATED, "{g}");
    let id = g["id"].as_str().unwrap().to_owned();
    let mut out = Vec::new();
    for m in members {
        let school = env.school(&format!("{name}{m}"), stage, REGION).await;
        let (status, body) = env.admit(&env.bureau(), &id, &school).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        out.push(school);
    }
    Group {
        id,
        lead,
        members: out,
    }
}

/// Waits until the evaluation service's projection knows every member of the group.
pub async fn members_known(env: &Env, g: &Group) {
    let ledger = format!("/groups/{}/obligations?period=2025", g.id);
    let bureau = env.bureau();
    let (status, body) = until(
        || env.get(&bureau, &ledger),
        |s, l| {
            s == StatusCode::OK
                && g.members.iter().all(|m| {
                    l["obligations"]
                        .as_array()
                        .is_some_and(|o| o.iter().any(|o| o["school_id"] == m.as_str()))
                })
        },
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

/// The round once it is no longer computing.
pub async fn computed(env: &Env, round_id: &str) -> Value {
    let path = format!("/evaluation-rounds/{round_id}");
    let bureau = env.bureau();
    let (_, round) = until(
        || env.get(&bureau, &path),
        |_, r| r["status"] != "computing",
    )
    .await;
    assert_eq!(round["status"], "computed", "{round}");
    round
}

pub fn balance(enrolment: u32, teachers: u32) -> Value {
    json!({"enrolment": enrolment, "teachers_above_degree": teachers, "backbone_teachers": 12,
           "pe_art_teachers": 10, "teaching_area_m2": 6000.0, "sports_area_m2": 12000.0,
           "equipment_value_yuan": 3000000.0, "multimedia_rooms": 30})
}

/// The bureau enters a school's quality scores of two years (and this year's balance).
pub async fn school_data(env: &Env, school: &str, last: f64, now: f64, teachers: u32) {
    let bureau = env.bureau();
    let (status, body) = env
        .put(
            &bureau,
            &format!("/evaluation-data/2024/schools/{school}"),
            json!({ "quality_score": last }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = env
        .put(
            &bureau,
            &format!("/evaluation-data/2025/schools/{school}"),
            json!({ "quality_score": now, "balance": balance(1000, teachers) }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["stage"], "junior", "{body}");
}
