//! Bad input at the door: tokens that must not pass (bad signature, `alg: none`, expired,
//! not yet valid, issued in the future, living too long, signed with the public development
//! secret, wrong audience or issuer, another algorithm, garbage) are 401 with `WWW-Authenticate`;
//! bodies over their limits are 413 `payload_too_large`, refused before they are read whole.

use std::io::{Read, Write};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use edu_domain::Role;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use crate::support::{InProcess, NatsLogin, REGION, ScratchDir, SystemEnv, free_port, token};

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap()
}

/// Claims of a valid bureau token, to be spoiled one at a time.
fn claims() -> Value {
    json!({"sub": "intruder", "role": "bureau", "region": REGION, "iss": "edugroup-reliability", "aud": "edugroup", "exp": now() + 600, "iat": now()})
}

fn sign(claims: &Value, secret: &[u8]) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret),
    )
    .unwrap()
}

const SECRET: &[u8] = b"reliability-test-secret-0123456789abcdef";

async fn status_of(sys: &InProcess, token: &str) -> (u16, Value, bool) {
    let r = sys
        .http
        .get(format!("{}/api/v1/groups", sys.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let challenge = r.headers().get("WWW-Authenticate").is_some();
    (
        r.status().as_u16(),
        r.json().await.unwrap_or(Value::Null),
        challenge,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_tokens_are_refused_with_401() {
    let sys = InProcess::start().await;
    // the control: the same claims, rightly signed, pass
    let (status, body, _) = status_of(&sys, &sign(&claims(), SECRET)).await;
    assert_eq!(status, 200, "{body}");

    let mut cases: Vec<(&str, String)> = Vec::new();
    cases.push((
        "bad signature",
        sign(&claims(), b"another-secret-0123456789abcdef012345"),
    ));
    let good = sign(&claims(), SECRET);
    let (head_payload, _) = good.rsplit_once('.').unwrap();
    cases.push(("signature stripped", format!("{head_payload}.")));
    let none_header = B64.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = B64.encode(serde_json::to_vec(&claims()).unwrap());
    cases.push(("alg none", format!("{none_header}.{payload}.")));
    cases.push((
        "alg none, signature kept",
        format!(
            "{none_header}.{payload}.{}",
            good.rsplit('.').next().unwrap()
        ),
    ));
    let mut expired = claims();
    expired["exp"] = json!(now() - 3600);
    cases.push(("expired", sign(&expired, SECRET)));
    let mut audience = claims();
    audience["aud"] = json!("another-system");
    cases.push(("wrong audience", sign(&audience, SECRET)));
    let mut issuer = claims();
    issuer["iss"] = json!("someone-else");
    cases.push(("wrong issuer", sign(&issuer, SECRET)));
    let mut no_exp = claims();
    no_exp.as_object_mut().unwrap().remove("exp");
    cases.push(("no exp", sign(&no_exp, SECRET)));
    let mut bad_role = claims();
    bad_role["role"] = json!("superuser");
    cases.push(("unknown role", sign(&bad_role, SECRET)));
    let hs384 = jsonwebtoken::encode(
        &Header::new(Algorithm::HS384),
        &claims(),
        &EncodingKey::from_secret(SECRET),
    )
    .unwrap();
    cases.push(("another algorithm (HS384)", hs384));
    let mut immature = claims();
    immature["nbf"] = json!(now() + 600);
    cases.push(("nbf ten minutes ahead", sign(&immature, SECRET)));
    let mut future = claims();
    future["iat"] = json!(now() + 3600);
    future["exp"] = json!(now() + 4000);
    cases.push(("iat an hour ahead", sign(&future, SECRET)));
    let mut forever = claims();
    forever["exp"] = json!(now() + 10 * 365 * 24 * 3600);
    cases.push(("a ten-year lifetime", sign(&forever, SECRET)));
    cases.push((
        "signed with the public development secret",
        sign(
            &claims(),
            b"edugroup-development-secret-change-me-in-production",
        ),
    ));
    cases.push(("garbage", "not.a.token".to_owned()));
    cases.push(("empty", String::new()));

    // an audience array naming this system (RFC 7519 §4.1.3, as identity providers send it)
    let mut audiences = claims();
    audiences["aud"] = json!(["account", "edugroup"]);
    let (status, body, _) = status_of(&sys, &sign(&audiences, SECRET)).await;
    assert_eq!(status, 200, "aud array: {body}");

    for (what, bad) in &cases {
        let (status, body, challenge) = status_of(&sys, bad).await;
        assert_eq!(status, 401, "{what}: {body}");
        assert_eq!(body["error"]["code"], "unauthenticated", "{what}: {body}");
        assert!(challenge, "{what}: no WWW-Authenticate");
    }
    // no Authorization header at all, and another scheme
    let r = sys
        .http
        .get(format!("{}/api/v1/groups", sys.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = sys
        .http
        .get(format!("{}/api/v1/groups", sys.base))
        .header("Authorization", format!("Basic {}", B64.encode("a:b")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    println!("bad tokens: {} kinds refused with 401", cases.len() + 2);
}

/// Sends only the head of a request that declares a large body, and reads the answer: the
/// server must refuse from the declared length, without waiting for the body.
fn declared_length_answer(
    base: &str,
    path: &str,
    token: &str,
    content_type: &str,
    length: u64,
) -> String {
    let addr = base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nContent-Type: {content_type}\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(&[b'x'; 1024]).unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_over_their_limits_are_refused_with_413() {
    let sys = InProcess::start().await;
    let bureau = token(Role::Bureau, REGION, None);
    // JSON: 64 KiB
    let name = "校".repeat(edu_lead_api::JSON_LIMIT / 3 + 10);
    let r = sys
        .http
        .post(format!("{}/api/v1/schools", sys.base))
        .bearer_auth(&bureau)
        .json(&json!({"name": name, "stage": "junior", "region": REGION, "principal_name": "校长", "legal_person": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "payload_too_large", "{body}");

    // a roster CSV: 2 MiB, sent whole
    let r = sys
        .http
        .post(format!("{}/api/v1/schools", sys.base))
        .bearer_auth(&bureau)
        .json(&json!({"name": "限额中学", "stage": "junior", "region": REGION, "principal_name": "校长", "legal_person": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let school: Value = r.json().await.unwrap();
    let school = school["id"].as_str().unwrap();
    let csv = "工号,姓名,岗位,学科,骨干级别,符合交流条件\n".to_owned()
        + &"T0001,教师,学科教师,数学,无,是\n".repeat(edu_lead_api::CSV_LIMIT / 30 + 10);
    let r = sys
        .http
        .post(format!(
            "{}/api/v1/schools/{school}/teachers/import?school_year=2025",
            sys.base
        ))
        .bearer_auth(&bureau)
        .header("Content-Type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "payload_too_large", "{body}");

    // declared lengths over the limits: answered from the head alone
    let group = uuid::Uuid::now_v7();
    let lead_admin = token(Role::LeadAdmin, REGION, Some(uuid::Uuid::now_v7().into()));
    for (path, token, content_type, length) in [
        (
            format!("/api/v1/groups/{group}/files?name=big.bin"),
            &lead_admin,
            "application/octet-stream",
            edu_contracts::catalogue::MAX_FILE_BYTES + 1,
        ),
        (
            "/api/v1/schools".to_owned(),
            &bureau,
            "application/json",
            edu_lead_api::JSON_LIMIT as u64 * 16,
        ),
    ] {
        let started = std::time::Instant::now();
        let answer = declared_length_answer(&sys.base, &path, token, content_type, length);
        assert!(
            answer.starts_with("HTTP/1.1 413"),
            "{path}: {}",
            answer.lines().next().unwrap_or_default()
        );
        assert!(answer.contains("payload_too_large"), "{path}: {answer}");
        assert!(started.elapsed() < Duration::from_secs(10));
    }
}

/// The public development secret never reaches a deployment: `edugroup serve lead-api` with it
/// stops at once, saying why, before it connects to anything.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_refuses_to_start_with_the_public_development_secret() {
    let dir = ScratchDir::new("dev-secret");
    let system = SystemEnv {
        database_url: "postgres://nobody@127.0.0.1:1/none".into(),
        nats_url: "nats://127.0.0.1:1".into(),
        dir: dir.path().to_owned(),
        api_port: free_port(),
        nats_login: NatsLogin::Insecure,
    };
    for (secret, says) in [
        (
            "edugroup-development-secret-change-me-in-production",
            "public",
        ),
        ("short-secret", "32 bytes"),
    ] {
        let mut api = system.serve_with("lead-api", &[("EDUGROUP_JWT_SECRET", secret)]);
        let code = api.exit_code(Duration::from_secs(20)).await;
        assert_eq!(code, Some(1), "serve with {secret:?}: {}", api.log_text());
        assert!(api.log_text().contains(says), "{}", api.log_text());
    }
}
