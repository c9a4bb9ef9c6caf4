//! A group's past postings (交流轮岗 before this system), loaded by its bureau with their
//! real dates so that the yearly ratios (E-08) count them from the first day. Every entry is
//! judged, in the order sent, by the rules of a live proposal and its confirmation: the
//! teacher of the sending school's roster (E-04), two different schools, the direction of
//! its kind under the region's policy in force on its first day (E-02, E-03, E-12), both
//! schools in the group through its whole term (their stays), no overlap with the teacher's
//! other postings (those of the same load included). The first entry refused refuses the
//! whole load (one transaction), naming it in `details.entry`. Each posting is written
//! confirmed (or ended early) with the events a live one would have produced.
//!
//! Not judged: an open persuade-out is today's state, not the past's.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;

use chrono::{NaiveDate, Utc};
use diesel_async::AsyncPgConnection;
use edu_bus::membership_view::{self as view, Lock};
use edu_bus::outbox;
use edu_contracts::Command;
use edu_contracts::events::{PostingConfirmed, PostingEnded, PostingProposed};
use edu_contracts::rotation::{PastPosting, PastPostings, PastPostingsLoaded, Posting, Term};
use edu_db::idempotency;
use edu_domain::{PostingStatus, Problem, SchoolId, SchoolYear, TeacherId, text};

use crate::error::RotationError;
use crate::service::{NewRow, Result, RotationService, facts, new_row, today};
use crate::{rules, store};

/// At most this many postings in one load.
const MAX_ENTRIES: usize = 200;

/// Why a loaded posting ended before its planned last day.
const ENDED_EARLY: &str = "提前结束(历史记录载入) ended early, as loaded from the group's past";

fn invalid(field: &str, en: &str, zh: &str) -> RotationError {
    Problem::validation(field, en, zh).into()
}

/// An entry's dates: its term within one school year, started by `today`, and the early end
/// within the term and by `today`.
fn term_of(entry: &PastPosting, today: NaiveDate) -> Result<(NaiveDate, NaiveDate, SchoolYear)> {
    if entry.start > today {
        return Err(invalid(
            "start",
            "a past posting starts no later than today; plan a later one as a live posting",
            "历史交流记录的开始日期不能晚于今天;今后的交流请按正常流程提出",
        ));
    }
    let term = rules::resolve_term(Term::Dates {
        start: entry.start,
        end: entry.end,
    })?;
    if let Some(ended_on) = entry.ended_on
        && (ended_on < entry.start || ended_on > entry.end || ended_on > today)
    {
        return Err(invalid(
            "ended_on",
            "an early end lies between the posting's first and planned last day, and no later than today",
            "提前结束日期须在交流起止日期之间,且不晚于今天",
        ));
    }
    Ok(term)
}

/// The rosters of the sending schools, read once each: staff number → teacher.
type Rosters = BTreeMap<SchoolId, BTreeMap<String, TeacherId>>;

impl RotationService {
    /// Loads a group's past postings (bureau): see the module's documentation.
    pub async fn load_past(&self, cmd: Command<PastPostings>) -> Result<PastPostingsLoaded> {
        let body = &cmd.body;
        if body.postings.is_empty() || body.postings.len() > MAX_ENTRIES {
            return Err(invalid(
                "postings",
                "a load has 1 to 200 postings",
                "一次载入 1 到 200 条交流记录",
            ));
        }
        let today = today();
        let mut conn = self.conn().await?;
        idempotency::for_request(
            &mut conn,
            "posting.load_past",
            &cmd.actor.sub,
            cmd.idempotency_key.as_deref(),
            body,
            async |conn| {
                let group = view::group(conn, body.group_id, Lock::None)
                    .await?
                    .ok_or(RotationError::GroupNotFound)?;
                if group.dissolved_on.is_some() {
                    return Err(RotationError::GroupDissolved);
                }
                let mut rosters = Rosters::new();
                let mut postings = Vec::with_capacity(body.postings.len());
                for (index, entry) in body.postings.iter().enumerate() {
                    let posting = load_one(conn, &cmd, &mut rosters, entry, today)
                        .await
                        .map_err(|cause| match cause {
                            RotationError::Store(_) => cause,
                            cause => RotationError::InEntry {
                                index,
                                on: entry.start,
                                cause: Box::new(cause),
                            },
                        })?;
                    postings.push(posting);
                }
                Ok(PastPostingsLoaded {
                    group_id: body.group_id,
                    count: u32::try_from(postings.len()).unwrap_or(u32::MAX),
                    postings,
                })
            },
        )
        .await
    }
}

/// Judges one entry and writes it with its events, inside the load's transaction.
async fn load_one(
    conn: &mut AsyncPgConnection,
    cmd: &Command<PastPostings>,
    rosters: &mut Rosters,
    entry: &PastPosting,
    today: NaiveDate,
) -> Result<Posting> {
    let group = cmd.body.group_id;
    let host_post = text::required("host_post", &entry.host_post, 100)?;
    let (start, end, school_year) = term_of(entry, today)?;
    let last_day = entry.ended_on.unwrap_or(end);
    // E-04: the teacher is on the sending (home) school's roster.
    let roster = match rosters.entry(entry.from_school_id) {
        Entry::Occupied(known) => known.into_mut(),
        Entry::Vacant(slot) => {
            let staff = store::teachers_by_staff_no(conn, entry.from_school_id).await?;
            slot.insert(staff.into_iter().collect())
        }
    };
    let teacher = *roster
        .get(entry.staff_no.trim())
        .ok_or(RotationError::TeacherNotFound)?;
    // The teacher locked, as for a live proposal, with the overlap over the days served and
    // the region's policy in force on the first day.
    let (teacher, mut context) = store::locked_teacher_with_context(
        conn,
        group,
        entry.to_school_id,
        teacher,
        (start, last_day),
        start,
    )
    .await?
    .ok_or(RotationError::TeacherNotFound)?;
    let roles = (
        view::role_through(conn, group, entry.from_school_id, (start, last_day)).await?,
        view::role_through(conn, group, entry.to_school_id, (start, last_day)).await?,
    );
    let policy = context.policy()?;
    let ends = (entry.from_school_id, entry.to_school_id);
    rules::check_ends(entry.kind, ends, roles, &policy)?;
    if let Some(other) = context.overlapping {
        return Err(RotationError::Overlaps { other });
    }
    let new = NewRow {
        group,
        to: entry.to_school_id,
        kind: entry.kind,
        host_post,
        term: (start, end, school_year),
    };
    let mut row = new_row(&teacher, new, PostingStatus::Confirmed);
    row.confirmed_at = Some(Utc::now());
    if let Some(ended_on) = entry.ended_on {
        row.status = PostingStatus::EndedEarly.as_str().to_owned();
        row.ended_on = Some(ended_on);
        row.closing_reason = Some(ENDED_EARLY.to_owned());
    }
    store::insert_posting(conn, &row).await?;
    // The events of a live posting's life: proposed by the sender, confirmed by the
    // receiver, and ended early.
    let posting = facts(&row, &teacher)?;
    let (from, to) = (Some(entry.from_school_id), Some(entry.to_school_id));
    let proposed = PostingProposed {
        posting: posting.clone(),
    };
    outbox::enqueue(conn, &cmd.actor, Some(group), from, &proposed).await?;
    let confirmed = PostingConfirmed {
        posting: posting.clone(),
    };
    outbox::enqueue(conn, &cmd.actor, Some(group), to, &confirmed).await?;
    if let Some(ended_on) = entry.ended_on {
        let ended = PostingEnded {
            posting,
            ended_on,
            reason: ENDED_EARLY.to_owned(),
        };
        outbox::enqueue(conn, &cmd.actor, Some(group), from, &ended).await?;
    }
    Ok(row.into_view(&teacher, today)?)
}
