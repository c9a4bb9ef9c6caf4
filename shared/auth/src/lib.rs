//! Authentication of the lead-school API: JWT validation with pinned algorithms and
//! required `iss`, `aud` (a string or an array, RFC 7519 §4.1.3) and `exp`; `nbf` honoured,
//! `iat` in the future refused, lifetimes capped; HS256 with a shared secret for development, RS256,
//! ES256 or EdDSA from a JWKS file or URL for production identity providers; and token
//! minting for development (`edugroup token`).
//!
//! Backend: jsonwebtoken with `aws_lc_rs`. Measured for this project (STYLE.md): RS256
//! verification costs ~20 µs with aws-lc-rs against ~184 µs with the pure-Rust backend,
//! ES256 53 µs against 282 µs; aws-lc-rs is already the TLS backend of NATS and HTTPS here.

use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use anyhow::Context as _;
use chrono::Utc;
use edu_domain::{ErrorCode, Problem, RegionCode, Role, SchoolId};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{
    Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, decode_header, encode,
};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

/// What a token says about its bearer (DESIGN.md, "Auth and tenancy").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    #[serde(default)]
    pub name: String,
    pub role: Role,
    /// County code: the region a bureau or auditor governs, or the region of the school.
    pub region: RegionCode,
    /// The school a lead admin, member admin or teacher acts for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub school_id: Option<SchoolId>,
    pub iss: String,
    pub aud: Audience,
    pub exp: i64,
    #[serde(default)]
    pub iat: i64,
}

/// The `aud` claim: one audience, or several (RFC 7519 §4.1.3; identity providers send an
/// array when a token serves more than one system). Validation accepts a token when one of
/// them is ours.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Audience {
    One(String),
    Many(Vec<String>),
}

impl From<&str> for Audience {
    fn from(audience: &str) -> Self {
        Self::One(audience.to_owned())
    }
}

/// The longest a token may live (`exp` − `iat`) unless configured otherwise: a working day.
pub const DEFAULT_MAX_LIFETIME: Duration = Duration::from_secs(12 * 3600);
/// Clock difference tolerated between the identity provider and this server.
const LEEWAY_SECS: u64 = 30;

/// Where the public keys of an identity provider come from.
#[derive(Debug, Clone)]
pub enum JwksSource {
    File(PathBuf),
    Url(String),
}

/// How tokens are checked.
#[derive(Debug, Clone)]
pub struct AuthConfig {
    pub issuer: String,
    pub audience: String,
    /// HS256 secret (development, or a deployment without an identity provider). Either
    /// this or `jwks`, or both; with `jwks` alone HS256 is off.
    pub hs256_secret: Option<SecretString>,
    pub jwks: Option<JwksSource>,
    /// The longest lifetime (`exp` − `iat`) a token may claim; a longer one is refused.
    pub max_lifetime: Duration,
}

/// Why a token was refused. Every case is a 401.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("no bearer token")]
    Missing,
    #[error("token expired")]
    Expired,
    #[error("bad signature")]
    BadSignature,
    #[error("algorithm not accepted")]
    Algorithm,
    #[error("wrong issuer or audience")]
    WrongAudience,
    #[error("unknown signing key")]
    UnknownKey,
    #[error("malformed token or claims")]
    Malformed,
    #[error("token not valid yet")]
    NotYetValid,
    #[error("token issued in the future")]
    IssuedInFuture,
    #[error("token lifetime too long")]
    LifetimeTooLong,
}

impl From<AuthError> for Problem {
    fn from(e: AuthError) -> Self {
        let (en, zh) = match e {
            AuthError::Missing => ("a bearer token is required", "需要提供 Bearer 令牌"),
            AuthError::Expired => (
                "the token has expired; sign in again",
                "令牌已过期,请重新登录",
            ),
            AuthError::BadSignature => ("the token's signature is invalid", "令牌签名无效"),
            AuthError::Algorithm => (
                "the token's signing algorithm is not accepted",
                "不接受该令牌的签名算法",
            ),
            AuthError::WrongAudience => (
                "the token was issued for another system",
                "该令牌不是为本系统签发的",
            ),
            AuthError::UnknownKey => (
                "the token was signed with an unknown key",
                "令牌的签名密钥未知",
            ),
            AuthError::Malformed => (
                "the token or its claims are malformed",
                "令牌或其声明格式错误",
            ),
            AuthError::NotYetValid => ("the token is not valid yet (nbf)", "令牌尚未生效(nbf)"),
            AuthError::IssuedInFuture => (
                "the token claims to be issued in the future; check the clocks",
                "令牌签发时间晚于当前时间,请检查时钟",
            ),
            AuthError::LifetimeTooLong => (
                "the token lives longer than this system accepts; ask for a shorter one",
                "令牌有效期超过本系统允许的上限,请重新签发",
            ),
        };
        Problem::new(ErrorCode::Unauthenticated, en, zh)
    }
}

struct JwksKey {
    kid: String,
    algorithm: Algorithm,
    key: DecodingKey,
}

/// Verifies bearer tokens. Cheap to share (`Arc` inside).
#[derive(Clone)]
pub struct Verifier {
    issuer: String,
    audience: String,
    hs256: Option<DecodingKey>,
    jwks: Arc<RwLock<Vec<JwksKey>>>,
    max_lifetime: i64,
}

/// Algorithms accepted from a JWKS (pinned: never what a token's header merely claims).
const JWKS_ALGORITHMS: [Algorithm; 3] = [Algorithm::RS256, Algorithm::ES256, Algorithm::EdDSA];
const JWKS_REFRESH: Duration = Duration::from_secs(600);

impl Verifier {
    /// Loads the keys. A JWKS URL is fetched now and refreshed every ten minutes.
    pub async fn new(config: &AuthConfig) -> anyhow::Result<Self> {
        anyhow::ensure!(
            config.hs256_secret.is_some() || config.jwks.is_some(),
            "auth needs an HS256 secret or a JWKS source"
        );
        let hs256 = config
            .hs256_secret
            .as_ref()
            .map(|s| DecodingKey::from_secret(s.expose_secret().as_bytes()));
        let keys = match &config.jwks {
            Some(source) => load_jwks(source).await?,
            None => Vec::new(),
        };
        let verifier = Self {
            issuer: config.issuer.clone(),
            audience: config.audience.clone(),
            hs256,
            jwks: Arc::new(RwLock::new(keys)),
            max_lifetime: i64::try_from(config.max_lifetime.as_secs()).unwrap_or(i64::MAX),
        };
        tracing::info!(
            algorithms = ?verifier.algorithms(),
            issuer = %verifier.issuer,
            audience = %verifier.audience,
            max_lifetime_secs = verifier.max_lifetime,
            "accepting bearer tokens"
        );
        if let Some(JwksSource::Url(url)) = &config.jwks {
            let (url, jwks) = (url.clone(), Arc::clone(&verifier.jwks));
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(JWKS_REFRESH).await;
                    match load_jwks(&JwksSource::Url(url.clone())).await {
                        Ok(keys) => {
                            if let Ok(mut slot) = jwks.write() {
                                *slot = keys;
                            }
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "JWKS refresh failed; keeping the old keys")
                        }
                    }
                }
            });
        }
        Ok(verifier)
    }

    /// Checks a token and returns its claims.
    pub fn verify(&self, token: &str) -> Result<Claims, AuthError> {
        let header = decode_header(token).map_err(map_error)?;
        let claims = match header.alg {
            Algorithm::HS256 => {
                let key = self.hs256.as_ref().ok_or(AuthError::Algorithm)?;
                decode::<Claims>(token, key, &self.validation(Algorithm::HS256))
                    .map_err(map_error)?
                    .claims
            }
            alg if JWKS_ALGORITHMS.contains(&alg) => {
                let kid = header.kid.ok_or(AuthError::UnknownKey)?;
                let keys = self.jwks.read().map_err(|_| AuthError::UnknownKey)?;
                let key = keys
                    .iter()
                    .find(|k| k.kid == kid)
                    .ok_or(AuthError::UnknownKey)?;
                if key.algorithm != alg {
                    return Err(AuthError::Algorithm);
                }
                decode::<Claims>(token, &key.key, &self.validation(key.algorithm))
                    .map_err(map_error)?
                    .claims
            }
            _ => return Err(AuthError::Algorithm),
        };
        if claims.role.is_school_bound() && claims.school_id.is_none() {
            return Err(AuthError::Malformed);
        }
        self.check_times(&claims, Utc::now().timestamp())?;
        Ok(claims)
    }

    /// `iat` not after now (within the leeway), and the lifetime within the maximum: from
    /// `iat`, or from now when the token does not say when it was issued.
    fn check_times(&self, claims: &Claims, now: i64) -> Result<(), AuthError> {
        let leeway = i64::try_from(LEEWAY_SECS).unwrap_or(0);
        if claims.iat > now + leeway {
            return Err(AuthError::IssuedInFuture);
        }
        let issued = if claims.iat > 0 { claims.iat } else { now };
        if claims.exp.saturating_sub(issued) > self.max_lifetime.saturating_add(leeway) {
            return Err(AuthError::LifetimeTooLong);
        }
        Ok(())
    }

    /// The algorithms a token may be signed with here.
    pub fn algorithms(&self) -> Vec<Algorithm> {
        let mut algorithms = Vec::new();
        if self.hs256.is_some() {
            algorithms.push(Algorithm::HS256);
        }
        if let Ok(keys) = self.jwks.read() {
            for key in keys.iter() {
                if !algorithms.contains(&key.algorithm) {
                    algorithms.push(key.algorithm);
                }
            }
        }
        algorithms
    }

    fn validation(&self, algorithm: Algorithm) -> Validation {
        let mut v = Validation::new(algorithm);
        v.set_issuer(&[&self.issuer]);
        v.set_audience(&[&self.audience]);
        v.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        v.validate_nbf = true;
        v.leeway = LEEWAY_SECS;
        v
    }
}

fn map_error(e: jsonwebtoken::errors::Error) -> AuthError {
    match e.kind() {
        ErrorKind::ExpiredSignature => AuthError::Expired,
        ErrorKind::ImmatureSignature => AuthError::NotYetValid,
        ErrorKind::InvalidSignature => AuthError::BadSignature,
        ErrorKind::InvalidAlgorithm
        | ErrorKind::InvalidAlgorithmName
        | ErrorKind::InvalidKeyFormat => AuthError::Algorithm,
        ErrorKind::InvalidAudience | ErrorKind::InvalidIssuer => AuthError::WrongAudience,
        _ => AuthError::Malformed,
    }
}

async fn load_jwks(source: &JwksSource) -> anyhow::Result<Vec<JwksKey>> {
    let body = match source {
        JwksSource::File(path) => tokio::fs::read_to_string(path)
            .await
            .with_context(|| format!("reading JWKS {}", path.display()))?,
        JwksSource::Url(url) => {
            reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()?
                .get(url)
                .send()
                .await
                .and_then(reqwest::Response::error_for_status)
                .with_context(|| format!("fetching JWKS {url}"))?
                .text()
                .await?
        }
    };
    let set: JwkSet = serde_json::from_str(&body).context("parsing JWKS")?;
    let mut keys = Vec::new();
    for jwk in &set.keys {
        let (Some(kid), Some(alg)) = (jwk.common.key_id.clone(), jwk.common.key_algorithm) else {
            tracing::warn!("JWKS key without kid or alg skipped");
            continue;
        };
        let Ok(algorithm) = Algorithm::try_from(alg) else {
            continue;
        };
        if !JWKS_ALGORITHMS.contains(&algorithm) {
            tracing::warn!(
                kid,
                ?algorithm,
                "JWKS key with an algorithm we do not accept skipped"
            );
            continue;
        }
        let key = DecodingKey::from_jwk(jwk).with_context(|| format!("JWKS key {kid}"))?;
        keys.push(JwksKey {
            kid,
            algorithm,
            key,
        });
    }
    anyhow::ensure!(
        !keys.is_empty(),
        "the JWKS holds no usable RS256, ES256 or EdDSA key"
    );
    Ok(keys)
}

/// Mints development tokens (HS256).
pub struct Minter {
    key: EncodingKey,
    issuer: String,
    audience: String,
    max_lifetime: Duration,
}

/// Who a minted token is for.
#[derive(Debug, Clone)]
pub struct TokenRequest {
    pub sub: String,
    pub name: String,
    pub role: Role,
    pub region: RegionCode,
    pub school_id: Option<SchoolId>,
    pub ttl: Duration,
}

impl Minter {
    pub fn new(config: &AuthConfig) -> anyhow::Result<Self> {
        let secret = config
            .hs256_secret
            .as_ref()
            .context("minting tokens needs the HS256 secret")?;
        Ok(Self {
            key: EncodingKey::from_secret(secret.expose_secret().as_bytes()),
            issuer: config.issuer.clone(),
            audience: config.audience.clone(),
            max_lifetime: config.max_lifetime,
        })
    }

    pub fn mint(&self, req: &TokenRequest) -> anyhow::Result<String> {
        anyhow::ensure!(
            !req.role.is_school_bound() || req.school_id.is_some(),
            "role {} needs a school",
            req.role.as_str()
        );
        // a token the verifier of the same configuration would refuse is not minted
        anyhow::ensure!(
            req.ttl <= self.max_lifetime,
            "a token may live at most {} hours here",
            self.max_lifetime.as_secs() / 3600
        );
        let now = Utc::now().timestamp();
        let claims = Claims {
            sub: req.sub.clone(),
            name: req.name.clone(),
            role: req.role,
            region: req.region.clone(),
            school_id: req.school_id,
            iss: self.issuer.clone(),
            aud: Audience::One(self.audience.clone()),
            exp: now + i64::try_from(req.ttl.as_secs()).unwrap_or(i64::MAX / 2),
            iat: now,
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.key).context("signing the token")
    }
}
