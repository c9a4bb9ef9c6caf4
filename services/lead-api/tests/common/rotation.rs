//! The rotation tests' group, rosters, postings and trainings (tests/rotation.rs,
//! tests/me.rs).

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::test;
use chrono::Utc;
use edu_domain::{Role, SchoolYear};
use serde_json::{Value, json};

use super::{Env, REGION};

pub const HEADER: &str = "工号,姓名,岗位,学科,骨干级别,符合交流条件";

/// A lead school and a member school in one alliance group, with each school's office token.
pub struct Group {
    pub id: String,
    pub lead: String,
    pub member: String,
    pub lead_admin: String,
    pub member_admin: String,
}

impl Group {
    /// The lead office imports its roster; answers the teachers' ids by 工号.
    pub async fn lead_roster(&self, env: &Env, rows: &[&str]) -> Vec<(String, String)> {
        roster(env, &self.lead_admin, &self.lead, rows).await
    }

    /// The member school imports its roster; answers the teachers' ids by 工号.
    pub async fn member_roster(&self, env: &Env, rows: &[&str]) -> Vec<(String, String)> {
        roster(env, &self.member_admin, &self.member, rows).await
    }
}

pub async fn group_of_two(env: &Env) -> Group {
    let lead = env.school("一中", "junior", REGION).await;
    let id = env.group("一中教育集团", "alliance", &lead).await;
    let member = env.school("二中", "junior", REGION).await;
    let (status, body) = env.admit(&env.bureau(), &id, &member).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    Group {
        lead_admin: env.school_token(Role::LeadAdmin, &lead),
        member_admin: env.school_token(Role::MemberAdmin, &member),
        id,
        lead,
        member,
    }
}

/// Uploads a roster as `text/csv`.
pub async fn import(env: &Env, token: &str, school: &str, csv: &[u8]) -> (StatusCode, Value) {
    let req = test::TestRequest::post()
        .uri(&format!(
            "/api/v1/schools/{school}/teachers/import?school_year=2025"
        ))
        .insert_header(("Authorization", format!("Bearer {token}")))
        .insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
        .set_payload(csv.to_vec());
    env.send(req).await
}

/// Imports a roster and answers the teachers' ids by 工号.
pub async fn roster(env: &Env, token: &str, school: &str, rows: &[&str]) -> Vec<(String, String)> {
    let csv = std::iter::once(HEADER)
        .chain(rows.iter().copied())
        .collect::<Vec<_>>()
        .join("\n");
    let (status, body) = import(env, token, school, csv.as_bytes()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, page) = env
        .get(
            token,
            &format!("/schools/{school}/teachers?school_year=2025&limit=200"),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["staff_no"].as_str().unwrap().to_owned(),
                t["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

pub fn teacher(roster: &[(String, String)], staff_no: &str) -> String {
    roster
        .iter()
        .find(|(no, _)| no == staff_no)
        .map(|(_, id)| id.clone())
        .unwrap()
}

pub fn autumn_2025() -> Value {
    json!({"type": "semester", "school_year": 2025, "semester": "autumn"})
}

/// The autumn semester of next school year: always still to come.
pub fn next_autumn() -> Value {
    let next_year = SchoolYear::containing(Utc::now().date_naive()).0 + 1;
    json!({"type": "semester", "school_year": next_year, "semester": "autumn"})
}

pub fn posting(teacher: &str, to: &str, kind: &str, term: Value) -> Value {
    json!({"teacher_id": teacher, "to_school_id": to, "kind": kind, "term": term, "host_post": "教务处副主任"})
}

/// Proposes a posting. The rotation service learns the group's schools from membership
/// events, asynchronously: the first proposal of a test waits (≤ 5 s) until it has (it
/// answers `not_found` or `school_not_in_group` until then).
pub async fn propose(env: &Env, token: &str, group: &str, body: Value) -> (StatusCode, Value) {
    let path = format!("/groups/{group}/postings");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let (status, reply) = env.post(token, &path, body.clone()).await;
        if super::group_known(&reply) || tokio::time::Instant::now() > deadline {
            return (status, reply);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Records a training for the group.
pub async fn train(env: &Env, token: &str, group: &str, body: Value) -> (StatusCode, Value) {
    env.post(token, &format!("/groups/{group}/trainings"), body)
        .await
}

pub fn training(kind: &str, held_on: &str, hours: u16, participants: &[&str]) -> Value {
    json!({"kind": kind, "title": format!("{kind} {held_on}"), "subject": "数学", "held_on": held_on, "hours": hours, "participant_ids": participants})
}
