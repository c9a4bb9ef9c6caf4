//! The one check of a chain: [`ChainVerifier`] reads records in order and reports every
//! break it finds (changed, missing, reordered, foreign records), with what it names.

use std::collections::HashSet;

use edu_domain::EventId;
use serde::{Deserialize, Serialize};

use super::{AuditRecord, ChainHead, GENESIS, Hash, record_hash};

/// How a chain was found broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BreakKind {
    /// A record's content (or its hash, or the chain head) was changed.
    Altered,
    /// Records are missing.
    Removed,
    /// A record is intact but not where it was written.
    Reordered,
    /// A record that was never written in its place.
    Inserted,
}

impl BreakKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Altered => "altered",
            Self::Removed => "removed",
            Self::Reordered => "reordered",
            Self::Inserted => "inserted",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Self::Altered => "被篡改",
            Self::Removed => "被删除",
            Self::Reordered => "被调换顺序",
            Self::Inserted => "被插入",
        }
    }
}

/// The first place where a chain is not as it was written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainBreak {
    pub kind: BreakKind,
    /// The record's number (for missing records, the first missing number).
    pub seq: i64,
    /// The record named, when it is there to be named.
    pub event_id: Option<EventId>,
    pub event_type: Option<String>,
    /// What was found, in English and in Chinese.
    pub detail: String,
    pub detail_zh: String,
}

/// The outcome of checking one chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    /// Records checked.
    pub count: u64,
    pub head: Option<ChainHead>,
    /// None: every record is as it was written.
    pub broken: Option<ChainBreak>,
}

/// A record as far as a break report needs it.
#[derive(Debug, Clone)]
struct Named {
    seq: i64,
    event_id: EventId,
    event_type: String,
}

impl Named {
    fn of(r: &AuditRecord) -> Self {
        Self {
            seq: r.seq,
            event_id: r.event_id,
            event_type: r.event_type.clone(),
        }
    }

    fn broken(&self, kind: BreakKind, detail: String, detail_zh: String) -> ChainBreak {
        ChainBreak {
            kind,
            seq: self.seq,
            event_id: Some(self.event_id),
            event_type: Some(self.event_type.clone()),
            detail,
            detail_zh,
        }
    }
}

/// A record whose `prev_hash` is not its predecessor's hash: what happened is known only
/// once every hash of the chain has been seen.
#[derive(Debug)]
struct BrokenLink {
    record: Named,
    prev_hash: Hash,
    previous: Option<Named>,
    before_previous: Option<Hash>,
}

/// "record 3 is missing" or "records 3–5 are missing", in English and in Chinese.
fn missing(first: i64, last: i64) -> (String, String) {
    if first == last {
        (
            format!("record {first} is missing"),
            format!("第 {first} 条记录缺失"),
        )
    } else {
        (
            format!("records {first}–{last} are missing"),
            format!("第 {first}–{last} 条记录缺失"),
        )
    }
}

/// Checks one chain record by record, oldest first, in constant memory per record (the
/// hashes seen are kept to tell a moved record from a missing one).
#[derive(Debug)]
pub struct ChainVerifier {
    county: Option<String>,
    head: Option<ChainHead>,
    count: u64,
    previous: Option<(Named, Hash)>,
    before_previous: Option<Hash>,
    seen: HashSet<Hash>,
    broken: Option<ChainBreak>,
    link: Option<BrokenLink>,
}

impl ChainVerifier {
    /// A check of the chain of `county` (none: the records of no county) whose head, read
    /// with the records (in one snapshot), is `head`.
    pub fn new(county: Option<&str>, head: Option<ChainHead>) -> Self {
        Self {
            county: county.map(str::to_owned),
            head,
            count: 0,
            previous: None,
            before_previous: None,
            seen: HashSet::new(),
            broken: None,
            link: None,
        }
    }

    fn found(&self) -> bool {
        self.broken.is_some() || self.link.is_some()
    }

    /// The next record, in the order of its number.
    pub fn push(&mut self, record: &AuditRecord) {
        self.count += 1;
        if !self.found() {
            self.check(record);
        }
        self.seen.insert(record.hash);
        let previous = self.previous.replace((Named::of(record), record.hash));
        self.before_previous = previous.map(|(_, hash)| hash);
    }

    fn check(&mut self, record: &AuditRecord) {
        let named = Named::of(record);
        let expected = self.previous.as_ref().map_or(1, |(p, _)| p.seq + 1);
        if record.seq < expected {
            self.broken = Some(named.broken(
                BreakKind::Reordered,
                format!("record {} comes after record {}", record.seq, expected - 1),
                format!("第 {} 条记录排在第 {} 条之后", record.seq, expected - 1),
            ));
            return;
        }
        if record.seq > expected {
            let (missing, missing_zh) = missing(expected, record.seq - 1);
            self.broken = Some(ChainBreak {
                kind: BreakKind::Removed,
                seq: expected,
                event_id: None,
                event_type: None,
                detail: format!(
                    "{missing} (before record {}, event {})",
                    record.seq, record.event_id
                ),
                detail_zh: format!(
                    "{missing_zh}(位于第 {} 条记录、事件 {} 之前)",
                    record.seq, record.event_id
                ),
            });
            return;
        }
        if let Some(head) = self.head
            && record.seq > head.seq
        {
            self.broken = Some(named.broken(
                BreakKind::Inserted,
                format!(
                    "the chain head is record {}: this one was never appended",
                    head.seq
                ),
                format!("链头为第 {} 条记录:该记录并非按链追加写入", head.seq),
            ));
            return;
        }
        if self.head.is_none() {
            self.broken = Some(named.broken(
                BreakKind::Removed,
                "the chain's head (its newest record as written) is missing".to_owned(),
                "链头(最新记录的编号与哈希)缺失".to_owned(),
            ));
            return;
        }
        if !self.matches_content(record) {
            self.broken = Some(named.broken(
                BreakKind::Altered,
                "its event id, type or county does not match its content".to_owned(),
                "记录的事件编号、类型或所属县与其内容不符".to_owned(),
            ));
            return;
        }
        if record_hash(&record.prev_hash, &record.content) != record.hash {
            self.broken = Some(named.broken(
                BreakKind::Altered,
                "its hash does not match its content: the content was changed".to_owned(),
                "记录的哈希与内容不符:内容已被改动".to_owned(),
            ));
            return;
        }
        let expected_prev = self.previous.as_ref().map_or(GENESIS, |(_, h)| *h);
        if record.prev_hash != expected_prev {
            self.link = Some(BrokenLink {
                record: named,
                prev_hash: record.prev_hash,
                previous: self.previous.as_ref().map(|(p, _)| p.clone()),
                before_previous: self.before_previous,
            });
        }
    }

    /// Whether the record's columns say what its content says (a record moved to another
    /// county's chain, or relabelled, is altered even if its bytes are intact).
    fn matches_content(&self, record: &AuditRecord) -> bool {
        let Ok(envelope) = serde_json::from_str::<serde_json::Value>(&record.content) else {
            return false;
        };
        let id_matches = envelope["id"].as_str() == Some(record.event_id.to_string().as_str());
        let type_matches = envelope["type"].as_str() == Some(record.event_type.as_str());
        // the chain of an event: the region of its actor (a token's region; the system names
        // the county it acts for), none for an event of no county
        let county_matches = match &envelope["actor"]["region"] {
            serde_json::Value::Null => self.county.is_none(),
            serde_json::Value::String(region) => self.county.as_ref() == Some(region),
            _ => false,
        };
        id_matches && type_matches && county_matches
    }

    /// The verdict, once every record was pushed.
    pub fn finish(mut self) -> ChainReport {
        if self.broken.is_none() {
            self.broken = match self.link.take() {
                Some(link) => Some(self.classify(link)),
                None => self.check_head(),
            };
        }
        ChainReport {
            count: self.count,
            head: self.head,
            broken: self.broken,
        }
    }

    fn classify(&self, link: BrokenLink) -> ChainBreak {
        if let Some(previous) = link.previous.as_ref()
            && link.before_previous == Some(link.prev_hash)
        {
            return previous.broken(
                BreakKind::Inserted,
                format!(
                    "record {} was written right after record {}: the record between them was put there",
                    link.record.seq,
                    previous.seq - 1
                ),
                format!(
                    "第 {} 条记录写入时紧接第 {} 条:两者之间的记录为插入",
                    link.record.seq,
                    previous.seq - 1
                ),
            );
        }
        if link.prev_hash == GENESIS || self.seen.contains(&link.prev_hash) {
            return link.record.broken(
                BreakKind::Reordered,
                "it is intact but was written after another record of the chain: records were moved"
                    .to_owned(),
                "记录本身完好,但写入时位于链中另一条记录之后:记录顺序被调换".to_owned(),
            );
        }
        link.record.broken(
            BreakKind::Removed,
            "the record it was written after is missing (removed, or replaced with a recomputed hash)"
                .to_owned(),
            "其写入时的前一条记录已不在链中(被删除,或被改写并重算哈希)".to_owned(),
        )
    }

    fn check_head(&self) -> Option<ChainBreak> {
        let head = self.head?;
        match &self.previous {
            None => {
                let (detail, detail_zh) = missing(1, head.seq);
                Some(ChainBreak {
                    kind: BreakKind::Removed,
                    seq: 1,
                    event_id: None,
                    event_type: None,
                    detail,
                    detail_zh,
                })
            }
            Some((last, _)) if last.seq < head.seq => {
                let (missing, missing_zh) = missing(last.seq + 1, head.seq);
                Some(ChainBreak {
                    kind: BreakKind::Removed,
                    seq: last.seq + 1,
                    event_id: None,
                    event_type: None,
                    detail: format!("{missing}: the chain head is record {}", head.seq),
                    detail_zh: format!("{missing_zh}:链头为第 {} 条", head.seq),
                })
            }
            Some((last, hash)) if *hash != head.hash => Some(last.broken(
                BreakKind::Altered,
                "the newest record is not the one the chain head names (rewritten with a recomputed hash)"
                    .to_owned(),
                "最新记录与链头记载的不符(被改写并重算哈希)".to_owned(),
            )),
            Some(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

    use super::*;

    fn content(n: u128, region: Option<&str>) -> String {
        serde_json::json!({
            "id": uuid::Uuid::from_u128(n),
            "type": "member.admitted",
            "actor": {"sub": "bureau", "region": region},
            "payload": {"n": n as u64},
        })
        .to_string()
    }

    /// A chain of `n` records of county 411627 as the database writes it.
    fn chain(n: u128) -> (Vec<AuditRecord>, ChainHead) {
        let mut prev = GENESIS;
        let mut records = Vec::new();
        for i in 1..=n {
            let content = content(i, Some("411627"));
            let hash = record_hash(&prev, &content);
            records.push(AuditRecord {
                seq: i64::try_from(i).unwrap(),
                event_id: EventId(uuid::Uuid::from_u128(i)),
                event_type: "member.admitted".into(),
                content,
                prev_hash: prev,
                hash,
            });
            prev = hash;
        }
        let head = ChainHead {
            seq: i64::try_from(n).unwrap(),
            hash: prev,
        };
        (records, head)
    }

    fn verify(records: &[AuditRecord], head: Option<ChainHead>) -> ChainReport {
        let mut v = ChainVerifier::new(Some("411627"), head);
        records.iter().for_each(|r| v.push(r));
        v.finish()
    }

    fn broken(records: &[AuditRecord], head: ChainHead) -> ChainBreak {
        verify(records, Some(head)).broken.expect("a break")
    }

    #[test]
    fn hashes_are_hex_and_chain_from_zero() {
        let h = record_hash(&GENESIS, "abc");
        assert_eq!(Hash::parse(&h.to_string()), Some(h));
        assert_eq!(Hash::parse("zz"), None);
        assert_eq!(
            serde_json::to_string(&GENESIS).unwrap(),
            format!("\"{}\"", "0".repeat(64))
        );
        // SHA-256 of 32 zero bytes then "abc", as PostgreSQL's sha256() computes it
        let mut bytes = vec![0u8; 32];
        bytes.extend_from_slice(b"abc");
        assert_eq!(h, Hash::of(&bytes));
    }

    #[test]
    fn an_intact_chain_passes_with_its_count_and_head() {
        let (records, head) = chain(5);
        let report = verify(&records, Some(head));
        assert_eq!(report.broken, None);
        assert_eq!(report.count, 5);
        assert_eq!(verify(&[], None).broken, None);
    }

    #[test]
    fn an_altered_record_is_named() {
        let (mut records, head) = chain(5);
        records[2].content = records[2].content.replace("bureau", "someone");
        let b = broken(&records, head);
        assert_eq!((b.kind, b.seq), (BreakKind::Altered, 3));
        assert_eq!(b.event_id, Some(records[2].event_id));
        // relabelled: the columns no longer say what the content says
        let (mut records, head) = chain(5);
        records[1].event_type = "member.exited".into();
        assert_eq!(broken(&records, head).kind, BreakKind::Altered);
        // a record of another county moved into this chain
        let mut v = ChainVerifier::new(Some("411621"), Some(head));
        let (records, _) = chain(5);
        records.iter().for_each(|r| v.push(r));
        assert_eq!(v.finish().broken.unwrap().kind, BreakKind::Altered);
    }

    #[test]
    fn a_removed_record_is_named_by_its_number() {
        let (mut records, head) = chain(5);
        records.remove(2);
        let b = broken(&records, head);
        assert_eq!((b.kind, b.seq, b.event_id), (BreakKind::Removed, 3, None));
        // removed and the later ones renumbered: the record after the gap is named
        let (mut records, head) = chain(5);
        records.remove(2);
        for r in &mut records[2..] {
            r.seq -= 1;
        }
        let b = broken(&records, head);
        assert_eq!((b.kind, b.seq), (BreakKind::Removed, 3));
        assert_eq!(b.event_id, Some(EventId(uuid::Uuid::from_u128(4))));
        // the newest ones removed: the head says how many there were
        let (records, head) = chain(5);
        let b = broken(&records[..3], head);
        assert_eq!((b.kind, b.seq), (BreakKind::Removed, 4));
    }

    #[test]
    fn swapped_records_are_named_as_reordered() {
        let (mut records, head) = chain(5);
        records.swap(2, 3);
        records[2].seq = 3;
        records[3].seq = 4;
        let b = broken(&records, head);
        assert_eq!((b.kind, b.seq), (BreakKind::Reordered, 3));
        assert_eq!(b.event_id, Some(EventId(uuid::Uuid::from_u128(4))));
    }

    #[test]
    fn an_inserted_record_is_named() {
        let (mut records, head) = chain(5);
        let forged = content(99, Some("411627"));
        let hash = record_hash(&records[1].hash, &forged);
        records.insert(
            2,
            AuditRecord {
                seq: 3,
                event_id: EventId(uuid::Uuid::from_u128(99)),
                event_type: "member.admitted".into(),
                content: forged,
                prev_hash: records[1].hash,
                hash,
            },
        );
        for r in &mut records[3..] {
            r.seq += 1;
        }
        let b = broken(&records, head);
        assert_eq!((b.kind, b.seq), (BreakKind::Inserted, 3));
        assert_eq!(b.event_id, Some(EventId(uuid::Uuid::from_u128(99))));
    }

    #[test]
    fn a_rewritten_newest_record_differs_from_the_head() {
        let (mut records, head) = chain(3);
        records[2].content = content(77, Some("411627"));
        records[2].event_id = EventId(uuid::Uuid::from_u128(77));
        records[2].hash = record_hash(&records[2].prev_hash, &records[2].content);
        let b = broken(&records, head);
        assert_eq!((b.kind, b.seq), (BreakKind::Altered, 3));
    }
}
