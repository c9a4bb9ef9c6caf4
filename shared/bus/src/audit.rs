//! Reading a service's audit trail (`edu_contracts::audit`). The database writes it: every
//! outbox row is appended to its county's chain when its transaction commits
//! (`shared/db/migrations/…_audit_chain`), so no service code can forget to, and the events
//! of one county queue only behind each other.
//!
//! Read here: a page of a county's chain for the lead-school API's signed export (each
//! service answers `audit.records`), and a whole chain checked by [`verify`] for
//! `edugroup audit verify`.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use edu_contracts::audit::{
    AuditPage, AuditQuery, AuditRecord, ChainHead, ChainReport, ChainVerifier, Hash, PAGE_LIMIT,
};
use edu_contracts::{Command, ServiceName};
use edu_db::schema::{audit_heads, audit_records};
use edu_domain::{EventId, Problem, Role};

/// The chain key of a county in the tables: its code, or `''` for events of no county.
pub fn chain_key(county: Option<&str>) -> &str {
    county.unwrap_or("")
}

/// Content bytes per page at most: a page travels in one bus message (1 MB at most), and
/// JSON escaping of the content can nearly double it.
const PAGE_BYTES: usize = 256 * 1024;

/// Records read at once by [`verify`].
const VERIFY_BATCH: i64 = 1000;

#[derive(Queryable, Selectable)]
#[diesel(table_name = audit_records)]
struct RecordRow {
    seq: i64,
    event_id: uuid::Uuid,
    event_type: String,
    content: String,
    prev_hash: Vec<u8>,
    hash: Vec<u8>,
}

/// A stored hash: 32 bytes. Anything else is no SHA-256 value; it stands for one that matches
/// nothing, so the check reports the record as altered instead of failing to read it.
fn stored_hash(bytes: &[u8]) -> Hash {
    Hash::from_slice(bytes).unwrap_or(Hash([0xff; 32]))
}

impl From<RecordRow> for AuditRecord {
    fn from(r: RecordRow) -> Self {
        Self {
            seq: r.seq,
            event_id: EventId(r.event_id),
            event_type: r.event_type,
            content: r.content,
            prev_hash: stored_hash(&r.prev_hash),
            hash: stored_hash(&r.hash),
        }
    }
}

/// The chain's head: its newest record's number and hash, none before its first record.
pub async fn head(conn: &mut AsyncPgConnection, chain: &str) -> QueryResult<Option<ChainHead>> {
    let row: Option<(i64, Vec<u8>)> = audit_heads::table
        .find(chain)
        .select((audit_heads::seq, audit_heads::hash))
        .first(conn)
        .await
        .optional()?;
    Ok(row.map(|(seq, hash)| ChainHead {
        seq,
        hash: stored_hash(&hash),
    }))
}

/// The chain's records after `after_seq`, oldest first: at most `limit`, fewer once their
/// contents reach [`PAGE_BYTES`] (one at least).
pub async fn records(
    conn: &mut AsyncPgConnection,
    chain: &str,
    after_seq: i64,
    limit: u16,
) -> QueryResult<Vec<AuditRecord>> {
    let rows: Vec<RecordRow> = audit_records::table
        .filter(audit_records::chain.eq(chain))
        .filter(audit_records::seq.gt(after_seq))
        .order(audit_records::seq)
        .limit(i64::from(limit))
        .select(RecordRow::as_select())
        .load(conn)
        .await?;
    let mut bytes = 0;
    let mut page = Vec::with_capacity(rows.len());
    for row in rows {
        if !page.is_empty() && bytes + row.content.len() > PAGE_BYTES {
            break;
        }
        bytes += row.content.len();
        page.push(AuditRecord::from(row));
    }
    Ok(page)
}

/// Checks a county's whole chain (`county` none: the records of no county) in one snapshot
/// (a read-only repeatable-read transaction: the head and the records as of one moment,
/// while writers go on).
pub async fn verify(
    conn: &mut AsyncPgConnection,
    county: Option<&str>,
) -> QueryResult<ChainReport> {
    let chain = chain_key(county).to_owned();
    conn.build_transaction()
        .repeatable_read()
        .read_only()
        .run(async |conn| {
            let mut verifier = ChainVerifier::new(county, head(conn, &chain).await?);
            let mut after = 0;
            loop {
                let rows: Vec<RecordRow> = audit_records::table
                    .filter(audit_records::chain.eq(&chain))
                    .filter(audit_records::seq.gt(after))
                    .order(audit_records::seq)
                    .limit(VERIFY_BATCH)
                    .select(RecordRow::as_select())
                    .load(conn)
                    .await?;
                let Some(last) = rows.last() else {
                    break;
                };
                after = last.seq;
                for row in rows {
                    verifier.push(&AuditRecord::from(row));
                }
            }
            Ok(verifier.finish())
        })
        .await
}

/// `audit.records`: a page of a county's chain, for that county's bureau and auditors (the
/// lead-school API checks this first; a service answers no one else either).
pub async fn page(
    pool: &edu_db::DbPool,
    service: ServiceName,
    cmd: Command<AuditQuery>,
) -> Result<AuditPage, Problem> {
    let AuditQuery {
        county,
        after_seq,
        limit,
    } = cmd.body;
    let overseer = matches!(cmd.actor.role, Some(Role::Bureau | Role::Auditor));
    if !overseer || cmd.actor.region.as_ref() != Some(&county) {
        return Err(Problem::forbidden(
            "only the county's bureau and auditors read its audit trail",
            "仅本县教育局及审计人员可查阅本县审计记录",
        ));
    }
    if limit == 0 || limit > PAGE_LIMIT {
        return Err(Problem::validation(
            "limit",
            &format!("limit must be between 1 and {PAGE_LIMIT}"),
            &format!("limit 必须在 1 到 {PAGE_LIMIT} 之间"),
        ));
    }
    let chain = chain_key(Some(county.as_str())).to_owned();
    let mut conn = edu_db::conn(pool)
        .await
        .map_err(|e| e.into_problem(service.as_str()))?;
    let (head, records) = conn
        .build_transaction()
        .repeatable_read()
        .read_only()
        .run(async |conn| {
            let head = head(conn, &chain).await?;
            let records = records(conn, &chain, after_seq, limit).await?;
            Ok::<_, diesel::result::Error>((head, records))
        })
        .await
        .map_err(|e| edu_db::StoreError::from(e).into_problem(service.as_str()))?;
    Ok(AuditPage {
        service: service.as_str().to_owned(),
        county,
        head,
        records,
    })
}
