//! The harness of the HTTP tests: the real actix `App` against real services, PostgreSQL and
//! NATS (each test with its own database and bus namespace), tokens, and request helpers.

#![allow(dead_code)] // each test binary uses its own part of the harness

pub mod evaluation;
pub mod rotation;

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::{test, web};
use edu_auth::{AuthConfig, Minter, TokenRequest, Verifier};
use edu_domain::{RegionCode, Role, SchoolId};
use edu_lead_api::{AppState, AuditSigner};
use edu_testkit::{TestBus, TestDb};
use secrecy::SecretString;
use serde_json::{Value, json};

pub const REGION: &str = "411627";
pub const OTHER_REGION: &str = "411621";

pub struct Env {
    pub db: TestDb,
    pub bus: TestBus,
    minter: Minter,
    state: web::Data<AppState>,
}

fn auth() -> AuthConfig {
    AuthConfig {
        issuer: "edugroup-test".into(),
        audience: "edugroup".into(),
        hs256_secret: Some(SecretString::from("lead-api-test-secret-0123456789abcdef")),
        jwks: None,
        max_lifetime: edu_auth::DEFAULT_MAX_LIFETIME,
    }
}

/// The API with every service behind it (membership, rotation, catalogue, council,
/// evaluation), each in its own schema of the test's database.
pub async fn env() -> Env {
    env_with(|state| state).await
}

/// The key the test API signs audit exports with (`openssl genpkey -algorithm ed25519`).
pub fn audit_signer() -> AuditSigner {
    AuditSigner::from_pem(include_str!("../fixtures/audit-signing-key.pem")).unwrap()
}

/// [`env`] with the API's state configured further (rate limits, HSTS).
pub async fn env_with(configure: impl FnOnce(AppState) -> AppState) -> Env {
    let db = TestDb::new().await.unwrap();
    let bus = TestBus::new().await.unwrap();
    edu_testkit::serve!(db, bus;
        edu_membership::start => "membership",
        edu_rotation::start => "rotation",
        edu_catalogue::start => "catalogue",
        edu_council::start => "council",
        edu_evaluation::start => "evaluation",
    );
    let verifier = Verifier::new(&auth()).await.unwrap();
    let state = web::Data::new(configure(
        AppState::new(bus.bus.clone(), verifier)
            .await
            .unwrap()
            .with_audit_signer(Some(audit_signer())),
    ));
    Env {
        db,
        bus,
        minter: Minter::new(&auth()).unwrap(),
        state,
    }
}

impl Env {
    pub fn token(&self, role: Role, region: &str, school: Option<SchoolId>) -> String {
        self.minter
            .mint(&TokenRequest {
                sub: format!("{}-{region}", role.as_str()),
                name: String::new(),
                role,
                region: RegionCode::parse(region).unwrap(),
                school_id: school,
                ttl: Duration::from_secs(600),
            })
            .unwrap()
    }

    /// A token with its own subject and the person's name (the `name` claim).
    pub fn named_token(
        &self,
        role: Role,
        school: Option<SchoolId>,
        sub: &str,
        name: &str,
    ) -> String {
        self.minter
            .mint(&TokenRequest {
                sub: sub.to_owned(),
                name: name.to_owned(),
                role,
                region: RegionCode::parse(REGION).unwrap(),
                school_id: school,
                ttl: Duration::from_secs(600),
            })
            .unwrap()
    }

    pub fn bureau(&self) -> String {
        self.token(Role::Bureau, REGION, None)
    }

    /// A token of a school's office (`LeadAdmin`, `MemberAdmin`) or teacher.
    pub fn school_token(&self, role: Role, school: &str) -> String {
        self.token(role, REGION, Some(school.parse().unwrap()))
    }

    /// The response's status, headers and body (JSON, or `Null`).
    pub async fn call(
        &self,
        req: test::TestRequest,
    ) -> (StatusCode, actix_web::http::header::HeaderMap, web::Bytes) {
        let app = test::init_service(edu_lead_api::app(self.state.clone())).await;
        let resp = test::call_service(&app, req.to_request()).await;
        let status = resp.status();
        let headers = resp.headers().clone();
        (status, headers, test::read_body(resp).await)
    }

    pub async fn send(&self, req: test::TestRequest) -> (StatusCode, Value) {
        let (status, _, body) = self.call(req).await;
        (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
    }

    pub async fn post(&self, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
        let req = test::TestRequest::post()
            .uri(&format!("/api/v1{path}"))
            .insert_header(("Authorization", format!("Bearer {token}")))
            .set_json(body);
        self.send(req).await
    }

    pub async fn put(&self, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
        let req = test::TestRequest::put()
            .uri(&format!("/api/v1{path}"))
            .insert_header(("Authorization", format!("Bearer {token}")))
            .set_json(body);
        self.send(req).await
    }

    pub async fn get(&self, token: &str, path: &str) -> (StatusCode, Value) {
        let req = test::TestRequest::get()
            .uri(&format!("/api/v1{path}"))
            .insert_header(("Authorization", format!("Bearer {token}")));
        self.send(req).await
    }

    pub async fn school(&self, name: &str, stage: &str, region: &str) -> String {
        let token = self.token(Role::Bureau, region, None);
        let body = json!({"name": name, "stage": stage, "region": region, "principal_name": "校长", "legal_person": name});
        let (status, school) = self.post(&token, "/schools", body).await;
        assert_eq!(status, StatusCode::CREATED, "{school}");
        school["id"].as_str().unwrap().to_owned()
    }

    pub async fn group(&self, name: &str, model: &str, lead: &str) -> String {
        let body = json!({"name": name, "model": model, "lead_school_id": lead, "plaque_date": "2025-09-01"});
        let (status, group) = self.post(&self.bureau(), "/groups", body).await;
        assert_eq!(status, StatusCode::CREATED, "{group}");
        group["id"].as_str().unwrap().to_owned()
    }

    /// A junior-school alliance group of this county led by `lead`, named `<lead>教育集团`, with
    /// `members` admitted by the bureau in that order: its id, the lead's and the members'.
    pub async fn alliance_of(&self, lead: &str, members: &[&str]) -> (String, String, Vec<String>) {
        let lead_id = self.school(lead, "junior", REGION).await;
        let id = self
            .group(&format!("{lead}教育集团"), "alliance", &lead_id)
            .await;
        let mut ids = Vec::new();
        for name in members {
            let school = self.school(name, "junior", REGION).await;
            let (status, body) = self.admit(&self.bureau(), &id, &school).await;
            assert_eq!(status, StatusCode::CREATED, "{body}");
            ids.push(school);
        }
        (id, lead_id, ids)
    }

    pub async fn admit(&self, token: &str, group: &str, school: &str) -> (StatusCode, Value) {
        self.post(
            token,
            &format!("/groups/{group}/members"),
            json!({ "school_id": school }),
        )
        .await
    }
}

/// A refusal with its status, stable code and both messages.
pub fn assert_refusal(status: StatusCode, body: &Value, expected: StatusCode, code: &str) {
    assert_eq!(status, expected, "{body}");
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(
        !body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .is_empty(),
        "{body}"
    );
    assert!(
        !body["error"]["message_zh"]
            .as_str()
            .unwrap_or_default()
            .is_empty(),
        "{body}"
    );
}

/// The answers of requests sent at once for one thing only one may have: exactly one is 201
/// Created, every other the refusal `code` (409 Conflict) citing `rule` (RULES.md), if any.
/// Answers the winner's body.
pub fn assert_one_created(
    answers: Vec<(StatusCode, Value)>,
    code: &str,
    rule: Option<&str>,
) -> Value {
    let (won, lost): (Vec<_>, Vec<_>) = answers
        .into_iter()
        .partition(|(status, _)| *status == StatusCode::CREATED);
    assert_eq!(won.len(), 1, "{won:?}");
    for (status, body) in &lost {
        assert_refusal(*status, body, StatusCode::CONFLICT, code);
        assert_eq!(body["error"]["rule"].as_str(), rule, "{body}");
    }
    won.into_iter().map(|(_, body)| body).next().unwrap()
}

/// Repeats `call` until `ok` holds (projections are asynchronous, ≤ 15 s); answers the last
/// reply.
pub async fn until<F, Fut>(call: F, ok: impl Fn(StatusCode, &Value) -> bool) -> (StatusCode, Value)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = (StatusCode, Value)>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let (status, body) = call().await;
        if ok(status, &body) || tokio::time::Instant::now() > deadline {
            return (status, body);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

impl Env {
    /// The council of `group` (lead school `lead`, `members` member schools) gets a
    /// secretary-general and holds a council meeting on `on` with everyone present; with
    /// `about`, it decides that member school's major matter (G-09), unanimously, and
    /// answers the decision's id.
    pub async fn council_meeting(
        &self,
        group: &str,
        lead: &str,
        members: usize,
        on: &str,
        about: Option<&str>,
    ) -> Option<String> {
        let token = self.school_token(Role::LeadAdmin, lead);
        let council_path = format!("/groups/{group}/council");
        let (status, council) = until(
            || self.get(&token, &council_path),
            |s, c| s == StatusCode::OK && c["seats"].as_array().map_or(0, Vec::len) == members + 1,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{council}");
        let mut seats: Vec<Value> = council["seats"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| json!({"role": s["role"], "school_id": s["school_id"], "holder_name": s["holder_name"], "post": s["post"]}))
            .collect();
        seats.push(json!({"role": "secretary_general", "school_id": lead, "holder_name": "赵秘书", "post": "vice_principal"}));
        let (status, council) = self
            .put(&token, &council_path, json!({ "seats": seats }))
            .await;
        assert_eq!(status, StatusCode::OK, "{council}");
        let meeting = self.held_meeting(&token, group, &council, on).await;
        let school = about?;
        let motion = json!({"title": "劝退该成员学校", "category": "member_major_matter", "major": true, "subject_school_id": school});
        Some(self.passed(&token, &meeting, &council, motion).await)
    }

    /// Once [`Env::council_meeting`] completed the council: another meeting on `on`, everyone
    /// present, where the council passes a motion of `category` titled `title` (the charter,
    /// the development plan, …); answers the decision's id.
    pub async fn council_decision(
        &self,
        group: &str,
        lead: &str,
        on: &str,
        category: &str,
        title: &str,
    ) -> String {
        let token = self.school_token(Role::LeadAdmin, lead);
        let (status, council) = self.get(&token, &format!("/groups/{group}/council")).await;
        assert_eq!(status, StatusCode::OK, "{council}");
        let meeting = self.held_meeting(&token, group, &council, on).await;
        let motion = json!({"title": title, "category": category, "major": true});
        self.passed(&token, &meeting, &council, motion).await
    }

    /// A council meeting held on `on` with every seat of `council` present; its id.
    async fn held_meeting(&self, token: &str, group: &str, council: &Value, on: &str) -> String {
        let body = json!({"kind": "council", "title": format!("{on} 理事会议"), "held_on": on, "place": "一中会议室"});
        let (status, meeting) = self
            .post(token, &format!("/groups/{group}/meetings"), body)
            .await;
        assert_eq!(status, StatusCode::CREATED, "{meeting}");
        let meeting = meeting["id"].as_str().unwrap().to_owned();
        let (status, body) = self
            .post(
                token,
                &format!("/meetings/{meeting}/attendance"),
                json!({ "present": seat_ids(council) }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        meeting
    }

    /// `motion` put to the held meeting and passed by every seat; the decision's id.
    async fn passed(&self, token: &str, meeting: &str, council: &Value, motion: Value) -> String {
        let (status, m) = self
            .post(token, &format!("/meetings/{meeting}/motions"), motion)
            .await;
        assert_eq!(status, StatusCode::CREATED, "{m}");
        let votes: Vec<Value> = seat_ids(council)
            .iter()
            .map(|s| json!({"seat_id": s, "choice": "yes"}))
            .collect();
        let (status, m) = self
            .post(
                token,
                &format!("/motions/{}/votes", m["id"].as_str().unwrap()),
                json!({ "votes": votes }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{m}");
        assert_eq!(m["status"], "passed", "{m}");
        m["decision_id"].as_str().unwrap().to_owned()
    }
}

/// The ids of a council's seats.
fn seat_ids(council: &Value) -> Vec<Value> {
    council["seats"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].clone())
        .collect()
}

/// A valid new resource (a lesson plan).
pub fn resource() -> Value {
    json!({
        "kind": "lesson_plan", "subject": "数学", "stage": "junior", "grade": "八年级",
        "course_type": "national", "tier": "county", "title": "大单元教学设计",
        "description": "八年级数学", "authors": ["张老师"], "tags": ["函数"],
    })
}

/// A valid new facility (a lab).
pub fn facility() -> Value {
    json!({"name": "物理实验室", "kind": "lab", "capacity": 48})
}

/// A valid new council meeting.
pub fn meeting() -> Value {
    json!({
        "kind": "council", "title": "理事会", "held_on": "2026-10-15", "start_time": "14:30:00",
        "place": "会议室", "agenda": [{"title": "审议交流方案", "owner": "集团办公室", "documents": []}],
    })
}

/// Whether a write's answer shows that the service behind it already knew the group: the
/// rotation service learns groups and their schools from membership events, asynchronously,
/// and answers `not_found` (the group) or `school_not_in_group` until it has.
pub fn group_known(reply: &Value) -> bool {
    !matches!(
        reply["error"]["code"].as_str(),
        Some("not_found" | "school_not_in_group")
    )
}

/// The first UUID (8-4-4-4-12 hex digits) in `text`: an id where a name belongs.
pub fn uuid_in(text: &str) -> Option<&str> {
    (0..text.len().saturating_sub(35)).find_map(|i| {
        let s = text.get(i..i + 36)?;
        let shaped = s.bytes().enumerate().all(|(j, c)| {
            if [8, 13, 18, 23].contains(&j) {
                c == b'-'
            } else {
                c.is_ascii_hexdigit()
            }
        });
        shaped.then_some(s)
    })
}

/// A printable page's Content-Security-Policy allows its one `<style>` by that style's
/// SHA-256 and nothing else inline (a printed report keeps its look under the policy).
pub fn assert_print_style_allowed(headers: &actix_web::http::header::HeaderMap, html: &str) {
    use base64::Engine as _;
    use sha2::Digest as _;
    let style = html
        .split_once("<style>")
        .and_then(|(_, rest)| rest.split_once("</style>"))
        .map(|(style, _)| style)
        .expect("a print style");
    let hash = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(style));
    let csp = headers
        .get(actix_web::http::header::CONTENT_SECURITY_POLICY)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(
        csp.contains(&format!("style-src 'self' 'sha256-{hash}'")),
        "{csp}"
    );
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert!(!html.contains(" style=\""), "an inline style attribute");
}
