//! A county's audit trail (SECURITY.md, "Audit trail"): the signed export its bureau and
//! auditors download, and the key that checks it. The format is in
//! [`crate::audit_export`]; each service keeps its own chain and answers `audit.records`.

use std::collections::VecDeque;
use std::sync::Arc;

use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType};
use actix_web::web::Bytes;
use actix_web::{HttpResponse, get};
use chrono::Utc;
use edu_bus::Bus;
use edu_contracts::audit::{AuditPage, AuditQuery, Hash, PAGE_LIMIT};
use edu_contracts::{Actor, ServiceName};
use edu_domain::{ErrorCode, Problem, RegionCode};
use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::audit_export::{self, AuditSigner, ChainLine, Header, Line, RecordLine};
use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::extract::web;
use crate::responses::NoToken;
use crate::{AppState, scope};

/// The key that signs this installation's audit exports.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPublicKey {
    #[schema(example = "Ed25519")]
    pub algorithm: String,
    /// The 32-byte Ed25519 public key, base64: give it to `edugroup audit verify-export
    /// --public-key`.
    pub public_key: String,
    /// The public development key: exports signed with it prove nothing.
    pub development_key: bool,
}

fn signer(state: &AppState) -> Result<Arc<AuditSigner>, ApiError> {
    state.audit_signer.clone().ok_or_else(|| {
        ApiError(Problem::new(
            ErrorCode::AuditSigningUnconfigured,
            "this installation has no key to sign audit exports: its operator sets EDUGROUP_AUDIT_SIGNING_KEY",
            "本系统尚未配置审计导出签名密钥(EDUGROUP_AUDIT_SIGNING_KEY),暂不能导出",
        ))
    })
}

/// The public key of audit exports (any signed-in role: it is public).
#[utoipa::path(
    tag = "audit",
    operation_id = "get_audit_public_key",
    responses(
        (status = 200, description = "The key that signs audit exports", body = AuditPublicKey),
        (status = 503, description = "`audit_signing_unconfigured`: no signing key is configured", body = ErrorBody),
        NoToken,
    ),
    security(("bearer" = [])),
)]
#[get("/audit/public-key")]
pub async fn get_audit_public_key(
    state: web::Data<AppState>,
    _caller: Caller,
) -> Result<web::Json<AuditPublicKey>, ApiError> {
    let signer = signer(&state)?;
    Ok(web::Json(AuditPublicKey {
        algorithm: "Ed25519".to_owned(),
        public_key: signer.public_key(),
        development_key: signer.is_development(),
    }))
}

/// The county's audit trail, signed: every service's chain of the county's records (each
/// event's envelope as written, with its hash and the previous record's hash), as JSON
/// Lines ending in an Ed25519 signature. `edugroup audit verify-export` checks it. The
/// county's bureau and auditors only.
#[utoipa::path(
    tag = "audit",
    operation_id = "export_audit_trail",
    params(("region" = RegionCode, Path, description = "Six-digit county code")),
    responses(
        (status = 200, description = "JSON Lines: a header, per service a chain line and its records, a signature line", content_type = "application/x-ndjson", body = String),
        (status = 400, description = "Invalid region", body = ErrorBody),
        (status = 403, description = "Not the county's bureau or auditor", body = ErrorBody),
        (status = 503, description = "A service did not answer (retry), or `audit_signing_unconfigured`: no signing key is configured", body = ErrorBody),
        NoToken,
    ),
    security(("bearer" = [])),
)]
#[get("/regions/{region}/audit/export")]
pub async fn export_audit_trail(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<RegionCode>,
) -> Result<HttpResponse, ApiError> {
    let county = path.into_inner();
    scope::can_read_audit_trail(&caller, &county)?;
    let signer = signer(&state)?;
    let actor = caller.actor();
    // Every service's first page before answering: one that does not answer is a 503, not
    // a file cut off after its 200.
    let firsts = futures::future::try_join_all(
        ServiceName::ALL.map(|service| state.bus.audit_page(service, &actor, page(&county, 0))),
    )
    .await?;
    let exported_at = Utc::now();
    let header = Line::Header(Header {
        format: audit_export::FORMAT.to_owned(),
        version: audit_export::VERSION,
        county_name: county.name_zh().into_owned(),
        county: county.clone(),
        exported_at,
        exported_by: caller.0.sub.clone(),
        public_key: signer.public_key(),
        development_key: signer.is_development(),
    });
    let export = Export {
        bus: state.bus.clone(),
        actor,
        county: county.clone(),
        signer,
        digest: Sha256::new(),
        header: Some(header),
        firsts: ServiceName::ALL.into_iter().zip(firsts).collect(),
        cursor: None,
        signed: false,
    };
    let body = futures::stream::unfold(export, |mut export| async move {
        let chunk = export.next().await;
        if let Some(Err(e)) = &chunk {
            tracing::warn!(error = %e, "audit export cut off");
        }
        chunk.map(|chunk| (chunk, export))
    });
    let name = format!("audit-{county}-{}.jsonl", exported_at.format("%Y%m%d"));
    Ok(HttpResponse::Ok()
        .content_type("application/x-ndjson")
        .insert_header(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![DispositionParam::Filename(name)],
        })
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .streaming(body))
}

fn page(county: &RegionCode, after_seq: i64) -> AuditQuery {
    AuditQuery {
        county: county.clone(),
        after_seq,
        limit: PAGE_LIMIT,
    }
}

/// Where the export is in a service's chain: read up to `after`, to end at `until` (the
/// chain's head when the export began; records appended since are the next export's).
struct Cursor {
    service: ServiceName,
    after: i64,
    until: i64,
}

/// The export as it is written, chunk by chunk, hashing what it writes.
struct Export {
    bus: Bus,
    actor: Actor,
    county: RegionCode,
    signer: Arc<AuditSigner>,
    digest: Sha256,
    header: Option<Line>,
    firsts: VecDeque<(ServiceName, AuditPage)>,
    cursor: Option<Cursor>,
    signed: bool,
}

impl Export {
    /// The next chunk: the header, a chain line with its first page, a further page, and
    /// last the signature; none after it.
    async fn next(&mut self) -> Option<Result<Bytes, ApiError>> {
        loop {
            let lines = if let Some(header) = self.header.take() {
                vec![header]
            } else if let Some(cursor) = self.cursor.take() {
                match self.further(cursor).await {
                    Ok(lines) => lines,
                    Err(e) => return Some(Err(e)),
                }
            } else if let Some((service, first)) = self.firsts.pop_front() {
                self.first(service, first)
            } else if !self.signed {
                self.signed = true;
                let digest = Hash(std::mem::take(&mut self.digest).finalize().into());
                let line = audit_export::signature_line(&self.signer, &digest);
                return Some(encode(&[line]).map(Bytes::from));
            } else {
                return None;
            };
            if lines.is_empty() {
                continue;
            }
            let chunk = match encode(&lines) {
                Ok(chunk) => chunk,
                Err(e) => return Some(Err(e)),
            };
            self.digest.update(&chunk);
            return Some(Ok(Bytes::from(chunk)));
        }
    }

    /// A service's chain line and the records of its first page.
    fn first(&mut self, service: ServiceName, page: AuditPage) -> Vec<Line> {
        let until = page.head.map_or(0, |h| h.seq);
        let mut lines = vec![Line::Chain(ChainLine {
            service: service.as_str().to_owned(),
            head: page.head,
        })];
        lines.extend(self.records(service, page, until));
        lines
    }

    /// The next page of the chain the cursor is in.
    async fn further(&mut self, cursor: Cursor) -> Result<Vec<Line>, ApiError> {
        let query = page(&self.county, cursor.after);
        let next = self
            .bus
            .audit_page(cursor.service, &self.actor, query)
            .await?;
        Ok(self.records(cursor.service, next, cursor.until).collect())
    }

    /// A page's records up to `until`; the cursor moves past them while more are due.
    fn records(
        &mut self,
        service: ServiceName,
        page: AuditPage,
        until: i64,
    ) -> impl Iterator<Item = Line> + use<> {
        let records: Vec<_> = page
            .records
            .into_iter()
            .filter(|r| r.seq <= until)
            .collect();
        if let Some(last) = records.last()
            && last.seq < until
        {
            self.cursor = Some(Cursor {
                service,
                after: last.seq,
                until,
            });
        }
        records.into_iter().map(move |record| {
            Line::Record(RecordLine {
                service: service.as_str().to_owned(),
                record,
            })
        })
    }
}

fn encode(lines: &[Line]) -> Result<Vec<u8>, ApiError> {
    let mut chunk = Vec::new();
    for line in lines {
        chunk.extend(audit_export::line_bytes(line).map_err(|e| {
            tracing::error!(error = %e, "audit export: encoding a line");
            ApiError(Problem::internal())
        })?);
    }
    Ok(chunk)
}
