//! The audit trail (SECURITY.md, "Audit trail"): every event a service writes is also a
//! record of a hash chain in that service's schema, one chain per county. A record's hash is
//! `SHA-256(prev_hash || content)`, where `content` is the event's envelope exactly as it was
//! written (and published) and `prev_hash` the previous record's hash ([`GENESIS`] for the
//! first). The chain head (the newest record's number and hash) is kept beside the records.
//!
//! This module holds what travels (a page of a chain, asked of each service by the lead-school
//! API for the bureau's export) and the one check of a chain, [`ChainVerifier`], used by
//! `edugroup audit verify`, `edugroup audit verify-export` and the tests.

use std::fmt;

use edu_domain::{EventId, RegionCode};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

mod verify;

pub use verify::{BreakKind, ChainBreak, ChainReport, ChainVerifier};

/// Every service answers `edu.<service>.v1.audit.records` with a page of a county's chain.
pub const AUDIT_RECORDS: &str = "audit.records";

/// Records in one page at most (a page stays well below the bus's 1 MB message size).
pub const PAGE_LIMIT: u16 = 500;

/// A page of a county's chain: the records after `after_seq`, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    pub county: RegionCode,
    /// The last record already read (0: from the start).
    #[serde(default)]
    pub after_seq: i64,
    /// Records at most (1..=[`PAGE_LIMIT`]); a page may hold fewer when they are large.
    pub limit: u16,
}

/// One page of a service's chain of a county, with the chain's head when it was read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditPage {
    pub service: String,
    pub county: RegionCode,
    /// None: the county has no record in this service yet.
    pub head: Option<ChainHead>,
    pub records: Vec<AuditRecord>,
}

/// The newest record of a chain as written: its number and hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainHead {
    pub seq: i64,
    pub hash: Hash,
}

/// One record of a chain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditRecord {
    /// Its place in the chain, from 1.
    pub seq: i64,
    pub event_id: EventId,
    #[serde(rename = "type")]
    pub event_type: String,
    /// The event's envelope (JSON) exactly as written: the bytes the hash covers.
    pub content: String,
    pub prev_hash: Hash,
    pub hash: Hash,
}

/// A SHA-256 value, written as 64 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Hash(pub [u8; 32]);

/// The `prev_hash` of a chain's first record.
pub const GENESIS: Hash = Hash([0; 32]);

impl Hash {
    /// A hash from 64 hex digits.
    pub fn parse(hex: &str) -> Option<Self> {
        let digits = hex.as_bytes();
        if digits.len() != 64 {
            return None;
        }
        let mut out = [0u8; 32];
        for (byte, pair) in out.iter_mut().zip(digits.chunks_exact(2)) {
            let high = char::from(pair[0]).to_digit(16)?;
            let low = char::from(pair[1]).to_digit(16)?;
            *byte = u8::try_from(high * 16 + low).ok()?;
        }
        Some(Self(out))
    }

    /// A hash from the 32 bytes the database keeps.
    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        <[u8; 32]>::try_from(bytes).ok().map(Self)
    }

    /// SHA-256 of `bytes`.
    pub fn of(bytes: &[u8]) -> Self {
        Self(Sha256::digest(bytes).into())
    }
}

impl fmt::Display for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash({self})")
    }
}

impl Serialize for Hash {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Hash {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let hex = String::deserialize(d)?;
        Self::parse(&hex)
            .ok_or_else(|| serde::de::Error::custom("a hash is 64 lowercase hex digits"))
    }
}

/// `SHA-256(prev_hash || content)`: a record's hash (computed by the database when it
/// appends, `shared/db/migrations/…_audit_chain`; recomputed here).
pub fn record_hash(prev_hash: &Hash, content: &str) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update(prev_hash.0);
    hasher.update(content.as_bytes());
    Hash(hasher.finalize().into())
}
