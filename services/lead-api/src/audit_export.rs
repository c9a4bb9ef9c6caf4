//! The bureau's signed export of its county's audit trail (SECURITY.md, "Audit trail"), and
//! its check (`edugroup audit verify-export`).
//!
//! An export is JSON Lines (`application/x-ndjson`), one object per line with its `kind`:
//! a `header` (county, time, who exported it, the signing key), then per service a `chain`
//! line (the chain's head when the export began) followed by that chain's `record` lines,
//! oldest first, and last a `signature` line: Ed25519 over the SHA-256 of every byte before
//! that line. The records are the chains as the services keep them, so whoever holds an
//! export can recompute every hash; the signature says this system wrote the file, and an
//! earlier export's head hashes pin what the database may not rewrite later.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{DateTime, Utc};
use ed25519_dalek::pkcs8::DecodePrivateKey as _;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use edu_contracts::audit::{
    AuditRecord, BreakKind, ChainBreak, ChainHead, ChainReport, ChainVerifier, Hash,
};
use edu_domain::RegionCode;
use serde::{Deserialize, Serialize};

/// The `format` of the header line.
pub const FORMAT: &str = "edugroup.audit-export";
/// The version of the line layout.
pub const VERSION: u32 = 1;

/// The seed of the development signing key. It is public (it is in this repository): `up`
/// signs with it when no key is configured, `serve` refuses it, and `verify-export` says
/// that an export signed with it proves nothing.
const DEV_SEED_TEXT: &[u8] = b"edugroup-development-audit-signing-key";

/// The key that signs exports.
pub struct AuditSigner {
    key: SigningKey,
    /// It is the public development key.
    development: bool,
}

impl fmt::Debug for AuditSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // the private key never reaches a log
        write!(f, "AuditSigner({})", self.public_key())
    }
}

impl AuditSigner {
    /// An Ed25519 private key in PKCS#8 PEM (`openssl genpkey -algorithm ed25519`).
    pub fn from_pem(pem: &str) -> anyhow::Result<Self> {
        let key = SigningKey::from_pkcs8_pem(pem)
            .map_err(|e| anyhow::anyhow!("not an Ed25519 private key in PKCS#8 PEM: {e}"))?;
        let development = key.verifying_key() == development_key().verifying_key();
        Ok(Self { key, development })
    }

    /// The public development key (see [`DEV_SEED_TEXT`]).
    pub fn development() -> Self {
        Self {
            key: development_key(),
            development: true,
        }
    }

    /// Whether this is the public development key.
    pub fn is_development(&self) -> bool {
        self.development
    }

    /// The public key: 32 bytes, base64.
    pub fn public_key(&self) -> String {
        BASE64.encode(self.key.verifying_key().as_bytes())
    }

    fn sign(&self, digest: &Hash) -> String {
        BASE64.encode(self.key.sign(&digest.0).to_bytes())
    }
}

fn development_key() -> SigningKey {
    SigningKey::from_bytes(&Hash::of(DEV_SEED_TEXT).0)
}

/// Whether `public_key` (base64) is the public development key.
pub fn is_development_key(public_key: &str) -> bool {
    public_key == AuditSigner::development().public_key()
}

/// One line of an export.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Line {
    Header(Header),
    Chain(ChainLine),
    Record(RecordLine),
    Signature(SignatureLine),
}

/// What the export is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Header {
    pub format: String,
    pub version: u32,
    pub county: RegionCode,
    pub county_name: String,
    pub exported_at: DateTime<Utc>,
    /// The token subject of who downloaded it.
    pub exported_by: String,
    /// The key that signs the last line (base64 of the 32-byte Ed25519 public key).
    pub public_key: String,
    /// Signed with the public development key: the signature proves nothing.
    pub development_key: bool,
}

/// A service's chain of the county: its head when the export began; its records follow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChainLine {
    pub service: String,
    pub head: Option<ChainHead>,
}

/// One record of the chain named by the last `chain` line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordLine {
    pub service: String,
    #[serde(flatten)]
    pub record: AuditRecord,
}

/// Ed25519 over the SHA-256 of every byte before this line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignatureLine {
    pub algorithm: String,
    pub sha256: Hash,
    pub public_key: String,
    pub signature: String,
}

/// A line as it is written: its JSON and a newline.
pub fn line_bytes(line: &Line) -> serde_json::Result<Vec<u8>> {
    let mut bytes = serde_json::to_vec(line)?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// The last line of an export whose other lines hash to `digest`.
pub fn signature_line(signer: &AuditSigner, digest: &Hash) -> Line {
    Line::Signature(SignatureLine {
        algorithm: "Ed25519".to_owned(),
        sha256: *digest,
        public_key: signer.public_key(),
        signature: signer.sign(digest),
    })
}

/// Why an export is not what this system signed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ExportError {
    #[error(
        "line {line} is not a line of an audit export: {reason} / 第 {line} 行不是审计导出文件的内容"
    )]
    Malformed { line: usize, reason: String },
    #[error("the export has no signature line (cut off?) / 导出文件缺少签名行(不完整?)")]
    Unsigned,
    #[error(
        "the export was changed after it was signed: its SHA-256 is {actual}, the signature covers {signed} / 导出文件签名后被改动"
    )]
    Changed { signed: Hash, actual: Hash },
    #[error("the signature does not verify with key {key} / 签名校验失败")]
    BadSignature { key: String },
    #[error(
        "signed with key {found}, not with the key given ({expected}) / 签名密钥与指定的公钥不符"
    )]
    OtherKey { found: String, expected: String },
    #[error(
        "the earlier export is of county {earlier}, this one of {this} / 两份导出文件不属于同一县"
    )]
    OtherCounty { earlier: String, this: String },
}

/// What a valid export holds.
#[derive(Debug)]
pub struct ExportReport {
    pub header: Header,
    /// The key that signed it (base64), and whether it was the one the caller gave.
    pub public_key: String,
    pub key_pinned: bool,
    /// Each service's chain as exported, checked.
    pub chains: Vec<(String, ChainReport)>,
    /// Checked against an earlier export: for each service it had records of, whether this
    /// export still holds its newest record unchanged (none) or not (a rewrite since).
    pub since_earlier: Vec<(String, Option<ChainBreak>)>,
}

fn malformed(line: usize, reason: impl Into<String>) -> ExportError {
    ExportError::Malformed {
        line,
        reason: reason.into(),
    }
}

fn verifying_key(base64: &str) -> Option<VerifyingKey> {
    let bytes: [u8; 32] = BASE64.decode(base64).ok()?.try_into().ok()?;
    VerifyingKey::from_bytes(&bytes).ok()
}

/// Checks an export: its signature (with `trusted`, the base64 public key the county
/// published, when given; else with the key the file names), then every chain in it, and,
/// given an `earlier` export of the county, that each chain still holds the earlier one's
/// newest record unchanged. As the records are chained, that one hash pins every record
/// before it: a chain rewritten consistently in the database since shows here.
pub fn verify(
    bytes: &[u8],
    trusted: Option<&str>,
    earlier: Option<&ExportReport>,
) -> Result<ExportReport, ExportError> {
    let body = bytes.strip_suffix(b"\n").ok_or(ExportError::Unsigned)?;
    let signed_len = body.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let (signed, last) = body.split_at(signed_len);
    let Ok(Line::Signature(signature)) = serde_json::from_slice::<Line>(last) else {
        return Err(ExportError::Unsigned);
    };
    let actual = Hash::of(signed);
    if actual != signature.sha256 {
        return Err(ExportError::Changed {
            signed: signature.sha256,
            actual,
        });
    }
    if let Some(expected) = trusted
        && expected != signature.public_key
    {
        return Err(ExportError::OtherKey {
            found: signature.public_key,
            expected: expected.to_owned(),
        });
    }
    let bad_signature = || ExportError::BadSignature {
        key: signature.public_key.clone(),
    };
    let key = verifying_key(&signature.public_key).ok_or_else(bad_signature)?;
    let sig = BASE64
        .decode(&signature.signature)
        .ok()
        .and_then(|b| Signature::from_slice(&b).ok())
        .ok_or_else(bad_signature)?;
    key.verify_strict(&signature.sha256.0, &sig)
        .map_err(|_| bad_signature())?;
    let read = read_chains(signed, earlier)?;
    Ok(ExportReport {
        header: read.header,
        public_key: signature.public_key,
        key_pinned: trusted.is_some(),
        chains: read.chains,
        since_earlier: read.since_earlier,
    })
}

/// The signed part of an export, read.
struct Read {
    header: Header,
    chains: Vec<(String, ChainReport)>,
    since_earlier: Vec<(String, Option<ChainBreak>)>,
}

/// One service's chain being read.
struct Reading {
    service: String,
    verifier: ChainVerifier,
    /// The earlier export's head of this chain, and whether this export holds that record
    /// with the same hash (none: not seen yet).
    kept: Option<ChainHead>,
    kept_found: Option<bool>,
}

impl Reading {
    fn push(&mut self, record: &AuditRecord) {
        if let Some(kept) = self.kept
            && kept.seq == record.seq
        {
            self.kept_found = Some(kept.hash == record.hash);
        }
        self.verifier.push(record);
    }

    fn finish(self, read: &mut Read) {
        if let Some(kept) = self.kept {
            let changed = match self.kept_found {
                Some(true) => None,
                Some(false) => Some(kept_break(
                    BreakKind::Altered,
                    kept.seq,
                    format!(
                        "record {} differs from the earlier export's: the chain was rewritten up to it since",
                        kept.seq
                    ),
                    format!("第 {} 条记录与先前导出的不同:此后链被改写", kept.seq),
                )),
                None => Some(kept_break(
                    BreakKind::Removed,
                    kept.seq,
                    format!(
                        "record {}, the earlier export's newest, is not in this export",
                        kept.seq
                    ),
                    format!("先前导出中的最新记录(第 {} 条)不在本次导出中", kept.seq),
                )),
            };
            read.since_earlier.push((self.service.clone(), changed));
        }
        read.chains.push((self.service, self.verifier.finish()));
    }
}

fn kept_break(kind: BreakKind, seq: i64, detail: String, detail_zh: String) -> ChainBreak {
    ChainBreak {
        kind,
        seq,
        event_id: None,
        event_type: None,
        detail,
        detail_zh,
    }
}

/// The header and each chain of the signed part, each chain checked.
fn read_chains(signed: &[u8], earlier: Option<&ExportReport>) -> Result<Read, ExportError> {
    let mut lines = signed.split(|&b| b == b'\n').filter(|l| !l.is_empty());
    let parse = |n: usize, bytes: &[u8]| {
        serde_json::from_slice::<Line>(bytes).map_err(|e| malformed(n, e.to_string()))
    };
    let header = match lines.next().map(|l| parse(1, l)).transpose()? {
        Some(Line::Header(h)) if h.format == FORMAT && h.version == VERSION => h,
        _ => {
            return Err(malformed(
                1,
                "the first line is not an audit export's header",
            ));
        }
    };
    if let Some(earlier) = earlier
        && earlier.header.county != header.county
    {
        return Err(ExportError::OtherCounty {
            earlier: earlier.header.county.to_string(),
            this: header.county.to_string(),
        });
    }
    let kept = |service: &str| {
        earlier.and_then(|e| {
            e.chains
                .iter()
                .find(|(s, _)| s == service)
                .and_then(|(_, c)| c.head)
        })
    };
    let county = header.county.to_string();
    let mut read = Read {
        header,
        chains: Vec::new(),
        since_earlier: Vec::new(),
    };
    let mut current: Option<Reading> = None;
    for (i, bytes) in lines.enumerate() {
        let n = i + 2;
        match parse(n, bytes)? {
            Line::Chain(chain) => {
                if let Some(reading) = current.take() {
                    reading.finish(&mut read);
                }
                current = Some(Reading {
                    kept: kept(&chain.service),
                    kept_found: None,
                    verifier: ChainVerifier::new(Some(&county), chain.head),
                    service: chain.service,
                });
            }
            Line::Record(r) => match current.as_mut() {
                Some(reading) if reading.service == r.service => reading.push(&r.record),
                _ => return Err(malformed(n, "a record outside its service's chain")),
            },
            Line::Header(_) | Line::Signature(_) => {
                return Err(malformed(n, "a header or signature inside the export"));
            }
        }
    }
    if let Some(reading) = current {
        reading.finish(&mut read);
    }
    Ok(read)
}
