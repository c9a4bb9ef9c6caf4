//! Token verification: every accepted algorithm, and every way a token must be refused.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

use std::path::PathBuf;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use edu_auth::{AuthConfig, AuthError, Claims, JwksSource, Minter, TokenRequest, Verifier};
use edu_domain::{RegionCode, Role, SchoolId};
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use secrecy::SecretString;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn config() -> AuthConfig {
    AuthConfig {
        issuer: "edugroup-dev".into(),
        audience: "edugroup".into(),
        hs256_secret: Some(SecretString::from(
            "test-secret-that-is-long-enough-0123456789",
        )),
        jwks: Some(JwksSource::File(fixture("jwks.json"))),
        max_lifetime: edu_auth::DEFAULT_MAX_LIFETIME,
    }
}

fn claims(exp_in: i64) -> Claims {
    let now = chrono::Utc::now().timestamp();
    Claims {
        sub: "u-1".into(),
        name: "王老师".into(),
        role: Role::LeadAdmin,
        region: RegionCode::parse("411627").unwrap(),
        school_id: Some(SchoolId::new()),
        iss: "edugroup-dev".into(),
        aud: "edugroup".into(),
        exp: now + exp_in,
        iat: now,
    }
}

fn sign(alg: Algorithm, kid: &str, pem: &str, claims: &Claims) -> String {
    let pem = std::fs::read(fixture(pem)).unwrap();
    let key = match alg {
        Algorithm::RS256 => EncodingKey::from_rsa_pem(&pem),
        Algorithm::ES256 => EncodingKey::from_ec_pem(&pem),
        _ => EncodingKey::from_ed_pem(&pem),
    }
    .unwrap();
    let mut header = Header::new(alg);
    header.kid = Some(kid.into());
    encode(&header, claims, &key).unwrap()
}

#[tokio::test]
async fn hs256_minted_tokens_verify() {
    let cfg = config();
    let v = Verifier::new(&cfg).await.unwrap();
    let school = SchoolId::new();
    let token = Minter::new(&cfg)
        .unwrap()
        .mint(&TokenRequest {
            sub: "dev".into(),
            name: "开发".into(),
            role: Role::MemberAdmin,
            region: RegionCode::parse("411627").unwrap(),
            school_id: Some(school),
            ttl: Duration::from_secs(60),
        })
        .unwrap();
    let c = v.verify(&token).unwrap();
    assert_eq!((c.role, c.school_id), (Role::MemberAdmin, Some(school)));
}

#[tokio::test]
async fn rs256_es256_eddsa_from_jwks_verify() {
    let v = Verifier::new(&config()).await.unwrap();
    let c = claims(300);
    for (alg, kid, pem) in [
        (Algorithm::RS256, "rsa-1", "rsa.pem"),
        (Algorithm::ES256, "ec-1", "ec.pem"),
        (Algorithm::EdDSA, "ed-1", "ed.pem"),
    ] {
        assert_eq!(
            v.verify(&sign(alg, kid, pem, &c)).as_ref(),
            Ok(&c),
            "{alg:?}"
        );
    }
}

#[tokio::test]
async fn refusals() {
    let v = Verifier::new(&config()).await.unwrap();
    // expired (beyond the 30 s leeway)
    assert_eq!(
        v.verify(&sign(Algorithm::RS256, "rsa-1", "rsa.pem", &claims(-120))),
        Err(AuthError::Expired)
    );
    // wrong audience
    let mut other = claims(300);
    other.aud = "another-system".into();
    assert_eq!(
        v.verify(&sign(Algorithm::RS256, "rsa-1", "rsa.pem", &other)),
        Err(AuthError::WrongAudience)
    );
    // wrong issuer
    let mut other = claims(300);
    other.iss = "someone-else".into();
    assert_eq!(
        v.verify(&sign(Algorithm::ES256, "ec-1", "ec.pem", &other)),
        Err(AuthError::WrongAudience)
    );
    // a key id the JWKS doesn't have
    assert_eq!(
        v.verify(&sign(Algorithm::RS256, "nope", "rsa.pem", &claims(300))),
        Err(AuthError::UnknownKey)
    );
    // a kid whose key has another algorithm (alg confusion)
    assert_eq!(
        v.verify(&sign(Algorithm::EdDSA, "rsa-1", "ed.pem", &claims(300))),
        Err(AuthError::Algorithm)
    );
    // a tampered payload: the signature no longer matches
    let token = sign(Algorithm::RS256, "rsa-1", "rsa.pem", &claims(300));
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    let mut tampered = claims(300);
    tampered.role = Role::Bureau;
    parts[1] = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&tampered).unwrap());
    assert_eq!(v.verify(&parts.join(".")), Err(AuthError::BadSignature));
    // alg: none
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims(300)).unwrap());
    assert!(v.verify(&format!("{header}.{body}.")).is_err());
    // garbage
    assert_eq!(v.verify("not-a-token"), Err(AuthError::Malformed));
    // a school-bound role without a school
    let mut no_school = claims(300);
    no_school.school_id = None;
    assert_eq!(
        v.verify(&sign(Algorithm::RS256, "rsa-1", "rsa.pem", &no_school)),
        Err(AuthError::Malformed)
    );
}

#[tokio::test]
async fn hs256_is_refused_when_only_jwks_is_configured() {
    let mut cfg = config();
    let token = Minter::new(&cfg).unwrap().mint(&TokenRequest {
        sub: "dev".into(),
        name: String::new(),
        role: Role::Bureau,
        region: RegionCode::parse("411627").unwrap(),
        school_id: None,
        ttl: Duration::from_secs(60),
    });
    cfg.hs256_secret = None;
    let v = Verifier::new(&cfg).await.unwrap();
    assert_eq!(v.verify(&token.unwrap()), Err(AuthError::Algorithm));
}

/// A token signed with `claims` as JSON, so a test can send what a real identity provider
/// sends (an `aud` array, `nbf`) or what a forger would (no `iat`, a far `exp`).
fn sign_json(claims: &serde_json::Value) -> String {
    let pem = std::fs::read(fixture("rsa.pem")).unwrap();
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("rsa-1".into());
    encode(&header, claims, &EncodingKey::from_rsa_pem(&pem).unwrap()).unwrap()
}

fn json_claims(now: i64) -> serde_json::Value {
    serde_json::json!({
        "sub": "u-1", "role": "bureau", "region": "411627", "iss": "edugroup-dev",
        "aud": "edugroup", "iat": now, "exp": now + 300,
    })
}

#[tokio::test]
async fn an_audience_array_is_accepted_when_it_names_this_system() {
    let v = Verifier::new(&config()).await.unwrap();
    let now = chrono::Utc::now().timestamp();
    let mut c = json_claims(now);
    c["aud"] = serde_json::json!(["account", "edugroup"]);
    let claims = v.verify(&sign_json(&c)).unwrap();
    assert_eq!(claims.role, Role::Bureau);
    c["aud"] = serde_json::json!(["account", "another-system"]);
    assert_eq!(v.verify(&sign_json(&c)), Err(AuthError::WrongAudience));
}

#[tokio::test]
async fn nbf_future_iat_and_overlong_lifetimes_are_refused() {
    let v = Verifier::new(&config()).await.unwrap();
    let now = chrono::Utc::now().timestamp();
    // not valid before ten minutes from now; valid once nbf has passed
    let mut c = json_claims(now);
    c["nbf"] = serde_json::json!(now + 600);
    assert_eq!(v.verify(&sign_json(&c)), Err(AuthError::NotYetValid));
    c["nbf"] = serde_json::json!(now - 5);
    assert!(v.verify(&sign_json(&c)).is_ok());
    // issued an hour from now (beyond the 30 s clock leeway); within the leeway is fine
    let mut c = json_claims(now);
    c["iat"] = serde_json::json!(now + 3600);
    c["exp"] = serde_json::json!(now + 3900);
    assert_eq!(v.verify(&sign_json(&c)), Err(AuthError::IssuedInFuture));
    c["iat"] = serde_json::json!(now + 10);
    c["exp"] = serde_json::json!(now + 310);
    assert!(v.verify(&sign_json(&c)).is_ok());
    // living longer than the configured maximum (12 h), with or without iat
    let mut c = json_claims(now);
    c["exp"] = serde_json::json!(now + 13 * 3600);
    assert_eq!(v.verify(&sign_json(&c)), Err(AuthError::LifetimeTooLong));
    c.as_object_mut().unwrap().remove("iat");
    c["exp"] = serde_json::json!(now + 100 * 24 * 3600);
    assert_eq!(v.verify(&sign_json(&c)), Err(AuthError::LifetimeTooLong));
    // every one of these is a 401 with the stable code
    let problem = edu_domain::Problem::from(AuthError::LifetimeTooLong);
    assert_eq!(problem.code.as_str(), "unauthenticated");
}

#[test]
fn a_minter_does_not_mint_what_its_verifier_would_refuse() {
    let minter = Minter::new(&config()).unwrap();
    let request = TokenRequest {
        sub: "dev".into(),
        name: String::new(),
        role: Role::Bureau,
        region: RegionCode::parse("411627").unwrap(),
        school_id: None,
        ttl: Duration::from_secs(24 * 3600),
    };
    assert!(minter.mint(&request).is_err());
}
