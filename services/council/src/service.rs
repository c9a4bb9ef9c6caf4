//! The operations of the council service. Each write is one transaction with its row locks,
//! its outbox events and (for creates with a key) its idempotency record. Lock order, so
//! that concurrent writes never deadlock: council → meeting → motion.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use edu_bus::outbox;
use edu_contracts::council::{
    AgendaItem, Attendance, Ballot, Cadence, CadenceQuery, Correction, Council, CouncilComposition,
    Decision, DecisionCategory, DecisionId, DecisionQuery, GroupScope, LeaderPost, Meeting,
    MeetingId, MeetingKind, MeetingQuery, MeetingRef, Minutes, MinutesCorrection, MinutesDraft,
    MinutesRevision, MinutesStatus, MonthCadence, MonthState, Motion, MotionId, MotionRef,
    MotionStatus, NewMeeting, NewMotion, Page, Quarter, QuarterlyReport, ReportId, ReportQuery,
    ReportRef, ReportState, ReportStatus, ReportSubmission, Seat, SeatAttendance, SeatId, SeatRole,
    Tally, Vote, VoteChoice, YearlyMeeting,
};
use edu_contracts::events::{DecisionRecorded, ReportOverdue, ReportSubmitted};
use edu_contracts::{Actor, Command};
use edu_db::idempotency;
use edu_db::{DbPool, PooledConn};
use edu_domain::{GroupId, MemberRole, Policy, Problem, RegionCode, SchoolId, text};
use uuid::Uuid;

use crate::error::CouncilError;
use crate::major_matters;
use crate::rules::{self, GroupSchool};
use crate::store::{
    self, AgendaRow, CorrectionRow, CouncilRow, DecisionFilter, DecisionRow, MeetingFilter,
    MeetingRow, MeetingSeatRow, MinutesRow, MotionRow, ReportRow, RevisionRow, SeatRow, VoteRow,
    parse,
};

mod minutes;
mod reports;
mod seats;

pub use seats::{freeze, seat_member, seed_council, unseat_member};

type Result<T> = std::result::Result<T, CouncilError>;

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

/// The group's region policy in force on `day` (DESIGN.md "Policy as data"), from the
/// projection of `policy.published`; the defaults while the council is not known yet.
async fn policy_of(
    conn: &mut AsyncPgConnection,
    group: GroupId,
    day: NaiveDate,
) -> diesel::QueryResult<Policy> {
    let region = store::council(conn, group, store::Lock::None)
        .await?
        .map(|c| c.region)
        .unwrap_or_default();
    edu_bus::policy::in_force(conn, &region, day).await
}

/// The council service: its operations over its pool.
#[derive(Clone)]
pub struct CouncilService {
    pool: DbPool,
}

impl CouncilService {
    pub fn new(pool: DbPool) -> Self {
        Self { pool }
    }

    pub(crate) async fn conn(&self) -> Result<PooledConn> {
        Ok(edu_db::conn(&self.pool).await?)
    }

    // ---- council composition (G-02..G-05) ----

    pub async fn get_council(&self, cmd: Command<GroupScope>) -> Result<Council> {
        let mut conn = self.conn().await?;
        let council = store::council(&mut conn, cmd.body.group_id, store::Lock::None)
            .await?
            .ok_or(CouncilError::CouncilNotFound)?;
        council_view(&mut conn, council).await
    }

    /// The chair sets the whole council; the service checks it against membership (G-02 to
    /// G-05) with the council locked. Seats that stay keep their id; the others are vacated
    /// (kept for the record) and new ones created.
    pub async fn set_council(&self, cmd: Command<CouncilComposition>) -> Result<Council> {
        let mut seats = Vec::with_capacity(cmd.body.seats.len());
        if cmd.body.seats.len() > 100 {
            return Err(Problem::validation(
                "seats",
                "a council has at most 100 seats",
                "理事会席位不超过 100 个",
            )
            .into());
        }
        for s in &cmd.body.seats {
            let mut s = s.clone();
            s.holder_name = text::required("holder_name", &s.holder_name, 50)?;
            seats.push(s);
        }
        let group = cmd.body.group_id;
        let mut conn = self.conn().await?;
        conn.transaction(async |conn| {
            let council = store::council(conn, group, store::Lock::Update)
                .await?
                .ok_or(CouncilError::CouncilNotFound)?;
            if council.frozen_on.is_some() {
                return Err(CouncilError::Frozen);
            }
            let schools = active_schools(conn, group).await?;
            rules::check_composition(&seats, &schools)?;
            let current = store::active_seats(conn, group).await?;
            let mut kept = BTreeSet::new();
            for s in &seats {
                let same = current.iter().find(|c| {
                    !kept.contains(&c.id)
                        && c.role == s.role.as_str()
                        && c.school_id == s.school_id.0
                        && c.holder_name == s.holder_name
                        && c.post == s.post.as_str()
                });
                match same {
                    Some(c) => {
                        kept.insert(c.id);
                    }
                    None => {
                        let row = seat_row(group, s.school_id, s.role, &s.holder_name, s.post);
                        kept.insert(row.id);
                        store::insert_seat(conn, &row).await?;
                    }
                }
            }
            let gone: Vec<Uuid> = current
                .iter()
                .map(|c| c.id)
                .filter(|id| !kept.contains(id))
                .collect();
            store::vacate(conn, &gone, "replaced").await?;
            council_view(conn, council).await
        })
        .await
    }

    // ---- meetings ----

    /// Schedules (or records) a meeting with its ordered agenda.
    pub async fn schedule(&self, cmd: Command<NewMeeting>) -> Result<Meeting> {
        let body = &cmd.body;
        let title = text::required("title", &body.title, 100)?;
        let place = body
            .place
            .as_deref()
            .map(|p| text::optional("place", p, 200))
            .transpose()?
            .flatten();
        let link = body
            .online_link
            .as_deref()
            .map(|p| text::optional("online_link", p, 500))
            .transpose()?
            .flatten();
        if place.is_none() && link.is_none() {
            return Err(Problem::validation(
                "place",
                "a meeting has a place or an online link",
                "会议须有地点或线上会议链接",
            )
            .into());
        }
        if !(2000..=2100).contains(&body.held_on.year()) {
            return Err(Problem::validation(
                "held_on",
                "the meeting day is out of range",
                "会议日期超出范围",
            )
            .into());
        }
        let duration = match (body.start_time, body.duration_minutes) {
            (_, Some(d)) if !(15..=720).contains(&d) => {
                return Err(Problem::validation(
                    "duration_minutes",
                    "a meeting lasts 15 to 720 minutes",
                    "会议时长须在 15 到 720 分钟之间",
                )
                .into());
            }
            (_, Some(d)) => Some(i32::from(d)),
            (Some(_), None) => Some(120),
            (None, None) => None,
        };
        if body.agenda.len() > 50 {
            return Err(Problem::validation(
                "agenda",
                "an agenda has at most 50 items",
                "议程不超过 50 项",
            )
            .into());
        }
        let id = MeetingId::new();
        let mut agenda = Vec::with_capacity(body.agenda.len());
        for (i, item) in body.agenda.iter().enumerate() {
            if item.documents.len() > 20 {
                return Err(Problem::validation(
                    "agenda.documents",
                    "an agenda item links at most 20 documents",
                    "每个议程项最多关联 20 份文件",
                )
                .into());
            }
            let documents = item
                .documents
                .iter()
                .map(|d| text::required("agenda.documents", d, 500))
                .collect::<std::result::Result<Vec<_>, _>>()?;
            agenda.push(AgendaRow {
                meeting_id: id.0,
                position: i32::try_from(i).unwrap_or(i32::MAX),
                title: text::required("agenda.title", &item.title, 200)?,
                owner: text::required("agenda.owner", &item.owner, 50)?,
                documents: serde_json::Value::from(documents),
            });
        }
        let row = MeetingRow {
            id: id.0,
            group_id: body.group_id.0,
            kind: body.kind.as_str().to_owned(),
            title,
            held_on: body.held_on,
            start_time: body.start_time,
            duration_minutes: duration,
            place,
            online_link: link,
            held_at: None,
            // Set under the region's policy in force on the meeting's day, below.
            policy_version: 0,
            created_at: Utc::now(),
        };
        let mut conn = self.conn().await?;
        idempotency::for_request(
            &mut conn,
            "meeting.schedule",
            &cmd.actor.sub,
            cmd.idempotency_key.as_deref(),
            &cmd.body,
            async |conn| {
                let council = live_council_for_share(conn, body.group_id).await?;
                let mut row = row.clone();
                row.policy_version = edu_bus::policy::in_force(conn, &council.region, row.held_on)
                    .await?
                    .version;
                store::insert_meeting(conn, &row, &agenda).await?;
                meeting_view(conn, row).await
            },
        )
        .await
    }

    pub async fn get_meeting(&self, cmd: Command<MeetingRef>) -> Result<Meeting> {
        let mut conn = self.conn().await?;
        let row = store::meeting(&mut conn, cmd.body.meeting_id.0)
            .await?
            .ok_or(CouncilError::MeetingNotFound)?;
        meeting_view(&mut conn, row).await
    }

    pub async fn list_meetings(&self, cmd: Command<MeetingQuery>) -> Result<Page<Meeting>> {
        let q = cmd.body;
        let paging = q.paging.checked()?;
        let (from, to) = match q.year {
            Some(y) if (2000..=2100).contains(&y) => (
                NaiveDate::from_ymd_opt(y, 1, 1),
                NaiveDate::from_ymd_opt(y, 12, 31),
            ),
            Some(_) => {
                return Err(
                    Problem::validation("year", "year is out of range", "年份超出范围").into(),
                );
            }
            None => (None, None),
        };
        let filter = MeetingFilter {
            group: q.group_id,
            from,
            to,
            kind: q.kind.map(|k| k.as_str().to_owned()),
            held_only: false,
        };
        let mut conn = self.conn().await?;
        let (rows, total) = store::list_meetings(&mut conn, &filter, Some(paging)).await?;
        let items = meeting_views(&mut conn, rows).await?;
        Ok(Page { items, total })
    }

    /// Records who was present (every other seat of the council was absent). The first
    /// recording makes the meeting held (`meeting.held`); attendance is fixed once a vote
    /// is cast or the minutes are published.
    pub async fn attendance(&self, cmd: Command<Attendance>) -> Result<Meeting> {
        let present: BTreeSet<Uuid> = cmd.body.present.iter().map(|s| s.0).collect();
        let mut conn = self.conn().await?;
        conn.transaction(async |conn| {
            let group = meeting_group(conn, cmd.body.meeting_id).await?;
            live_council_for_share(conn, group).await?;
            let meeting = store::meeting_for_update(conn, cmd.body.meeting_id.0)
                .await?
                .ok_or(CouncilError::MeetingNotFound)?;
            if meeting.held_on > today() {
                return Err(CouncilError::NotYetHeld);
            }
            if store::meeting_has_votes(conn, meeting.id).await? {
                return Err(CouncilError::MeetingState(
                    "attendance is fixed once votes are cast",
                    "已开始表决,出席情况不能再修改",
                ));
            }
            if minutes_status(conn, meeting.id).await? == Some(MinutesStatus::Published) {
                return Err(CouncilError::MinutesPublished);
            }
            let seats = store::active_seats(conn, group).await?;
            if let Some(unknown) = present.iter().find(|p| !seats.iter().any(|s| s.id == **p)) {
                return Err(Problem::validation(
                    "present",
                    &format!("{unknown} is not a seat of this council"),
                    &format!("{unknown} 不是本理事会的席位"),
                )
                .into());
            }
            let rows: Vec<MeetingSeatRow> = seats
                .iter()
                .map(|s| MeetingSeatRow {
                    meeting_id: meeting.id,
                    seat_id: s.id,
                    school_id: s.school_id,
                    role: s.role.clone(),
                    holder_name: s.holder_name.clone(),
                    present: present.contains(&s.id),
                })
                .collect();
            store::set_attendance(conn, meeting.id, &rows).await?;
            if meeting.held_at.is_none() {
                store::mark_held(conn, meeting.id).await?;
                let policy = policy_of(conn, group, meeting.held_on).await?;
                let event = rules::meeting_held(
                    MeetingId(meeting.id),
                    group,
                    parse("kind", &meeting.kind)?,
                    meeting.held_on,
                    &seat_presence(&rows),
                    &policy,
                );
                outbox::enqueue(conn, &cmd.actor, Some(group), None, &event).await?;
            }
            let meeting = store::meeting(conn, meeting.id)
                .await?
                .ok_or(CouncilError::MeetingNotFound)?;
            meeting_view(conn, meeting).await
        })
        .await
    }

    // ---- motions, votes, decisions ----

    /// Puts a motion to a held meeting whose minutes are not yet published.
    pub async fn propose_motion(&self, cmd: Command<NewMotion>) -> Result<Motion> {
        let body = &cmd.body;
        let title = text::required("title", &body.title, 200)?;
        // G-09: a member school's major matter names the school and is a major decision.
        if body.category == DecisionCategory::MemberMajorMatter {
            if body.subject_school_id.is_none() {
                return Err(Problem::validation(
                    "subject_school_id",
                    "a member school's major matter names the school it concerns",
                    "成员学校重大事项须注明所涉学校",
                )
                .into());
            }
            if !body.major {
                return Err(Problem::validation(
                    "major",
                    "a member school's major matter is a major decision",
                    "成员学校重大事项属于重大决策",
                )
                .into());
            }
        }
        let mut conn = self.conn().await?;
        idempotency::for_request(
            &mut conn,
            "motion.propose",
            &cmd.actor.sub,
            cmd.idempotency_key.as_deref(),
            &cmd.body,
            async |conn| {
                let group = meeting_group(conn, body.meeting_id).await?;
                live_council_for_share(conn, group).await?;
                let meeting = store::meeting_for_update(conn, body.meeting_id.0)
                    .await?
                    .ok_or(CouncilError::MeetingNotFound)?;
                if meeting.held_at.is_none() {
                    return Err(CouncilError::MeetingState(
                        "record the meeting's attendance before putting motions to it",
                        "请先登记会议出席情况,再提出议案",
                    ));
                }
                if minutes_status(conn, meeting.id).await? == Some(MinutesStatus::Published) {
                    return Err(CouncilError::MinutesPublished);
                }
                if let Some(subject) = body.subject_school_id {
                    let schools = active_schools(conn, group).await?;
                    let school = schools.iter().find(|s| s.id == subject);
                    let ok = match school {
                        // G-09: a member school's major matter is about a member school
                        Some(s) if body.category == DecisionCategory::MemberMajorMatter => !s.lead,
                        Some(_) => true,
                        None => false,
                    };
                    if !ok {
                        return Err(CouncilError::SubjectNotMember(subject));
                    }
                }
                let row = MotionRow {
                    id: MotionId::new().0,
                    meeting_id: meeting.id,
                    group_id: group.0,
                    title: title.clone(),
                    category: body.category.as_str().to_owned(),
                    major: body.major,
                    subject_school_id: body.subject_school_id.map(|s| s.0),
                    status: MotionStatus::Open.as_str().to_owned(),
                    created_at: Utc::now(),
                    closed_at: None,
                };
                store::insert_motion(conn, &row).await?;
                motion_view(conn, row).await
            },
        )
        .await
    }

    pub async fn get_motion(&self, cmd: Command<MotionRef>) -> Result<Motion> {
        let mut conn = self.conn().await?;
        let row = store::motion(&mut conn, cmd.body.motion_id.0)
            .await?
            .ok_or(CouncilError::MotionNotFound)?;
        motion_view(&mut conn, row).await
    }

    /// Records votes of present seats. Refused without quorum (by default a majority of
    /// seats and every school represented). When every present seat has voted, the service
    /// computes the result; a passed motion becomes a decision (`decision.recorded`).
    pub async fn vote(&self, cmd: Command<Ballot>) -> Result<Motion> {
        let mut ballot = Vec::with_capacity(cmd.body.votes.len());
        if cmd.body.votes.is_empty() || cmd.body.votes.len() > 100 {
            return Err(Problem::validation(
                "votes",
                "a ballot has 1 to 100 votes",
                "每次提交 1 到 100 票",
            )
            .into());
        }
        let mut seen = BTreeSet::new();
        for v in &cmd.body.votes {
            if !seen.insert(v.seat_id) {
                return Err(Problem::validation(
                    "votes",
                    "a seat votes once",
                    "每个席位只能表决一次",
                )
                .into());
            }
            let reason = v
                .reason
                .as_deref()
                .map(|r| text::optional("reason", r, 200))
                .transpose()?
                .flatten();
            if v.choice == VoteChoice::Recused && reason.is_none() {
                return Err(Problem::validation(
                    "reason",
                    "a recusal gives its reason (the conflict of interest)",
                    "回避须说明理由(利益冲突)",
                )
                .into());
            }
            ballot.push(VoteRow {
                motion_id: cmd.body.motion_id.0,
                seat_id: v.seat_id.0,
                choice: v.choice.as_str().to_owned(),
                reason,
                cast_at: Utc::now(),
            });
        }
        let mut conn = self.conn().await?;
        conn.transaction(async |conn| {
            let motion = store::motion(conn, cmd.body.motion_id.0)
                .await?
                .ok_or(CouncilError::MotionNotFound)?;
            let group = GroupId(motion.group_id);
            live_council_for_share(conn, group).await?;
            let meeting = store::meeting_for_update(conn, motion.meeting_id)
                .await?
                .ok_or(CouncilError::MeetingNotFound)?;
            let motion = store::motion_for_update(conn, motion.id)
                .await?
                .ok_or(CouncilError::MotionNotFound)?;
            let status: MotionStatus = parse("status", &motion.status)?;
            if status != MotionStatus::Open {
                return Err(CouncilError::MotionClosed(status));
            }
            let seats = store::meeting_seats(conn, &[meeting.id]).await?;
            let policy = policy_of(conn, GroupId(meeting.group_id), meeting.held_on).await?;
            let q = rules::quorum(&seat_presence(&seats), &policy);
            if !q.met {
                return Err(CouncilError::Quorum(q));
            }
            let existing = store::votes_of(conn, &[motion.id]).await?;
            for v in &ballot {
                if !seats.iter().any(|s| s.seat_id == v.seat_id && s.present) {
                    return Err(CouncilError::SeatNotPresent(SeatId(v.seat_id)));
                }
                if existing.iter().any(|e| e.seat_id == v.seat_id) {
                    return Err(CouncilError::AlreadyVoted(SeatId(v.seat_id)));
                }
            }
            store::insert_votes(conn, &ballot).await?;
            let choices = existing
                .iter()
                .chain(ballot.iter())
                .map(|v| parse::<VoteChoice>("choice", &v.choice))
                .collect::<diesel::QueryResult<Vec<_>>>()?;
            let tally = rules::tally(&choices, q.present);
            if let Some(result) = rules::result(&tally) {
                store::close_motion(conn, motion.id, result.as_str()).await?;
                if result == MotionStatus::Passed {
                    record_decision(conn, &cmd.actor, &motion, &meeting, &tally).await?;
                }
            }
            let motion = store::motion(conn, motion.id)
                .await?
                .ok_or(CouncilError::MotionNotFound)?;
            motion_view(conn, motion).await
        })
        .await
    }

    /// G-09: decisions by group, category, school concerned, majorness and dates.
    pub async fn find_decisions(&self, cmd: Command<DecisionQuery>) -> Result<Page<Decision>> {
        let q = cmd.body;
        let paging = q.paging.checked()?;
        let filter = DecisionFilter {
            group: q.group_id,
            category: q.category.map(|c| c.as_str().to_owned()),
            subject: q.subject_school_id,
            major: q.major,
            from: q.from,
            to: q.to,
        };
        let mut conn = self.conn().await?;
        let (rows, total) = store::find_decisions(&mut conn, &filter, Some(paging)).await?;
        let items = rows
            .into_iter()
            .map(decision_view)
            .collect::<diesel::QueryResult<_>>()?;
        Ok(Page { items, total })
    }
}

// ---- helpers ----

pub(crate) fn seat_row(
    group: GroupId,
    school: SchoolId,
    role: SeatRole,
    holder: &str,
    post: LeaderPost,
) -> SeatRow {
    SeatRow {
        id: SeatId::new().0,
        group_id: group.0,
        school_id: school.0,
        role: role.as_str().to_owned(),
        holder_name: holder.to_owned(),
        post: post.as_str().to_owned(),
        active: true,
        since: Utc::now(),
        vacated_at: None,
        vacated_reason: None,
    }
}

/// Long free text (minutes, report summaries): 1..=20000 characters.
pub(crate) fn minutes_text(field: &str, raw: &str) -> std::result::Result<String, Problem> {
    let s = raw.trim();
    if s.is_empty() || s.chars().count() > 20_000 {
        return Err(Problem::validation(
            field,
            &format!("{field} has 1 to 20000 characters"),
            &format!("{field} 须为 1 到 20000 个字符"),
        ));
    }
    if s.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(Problem::validation(
            field,
            &format!("{field} must not contain control characters"),
            &format!("{field} 不能包含控制字符"),
        ));
    }
    Ok(s.to_owned())
}

pub(crate) fn seat_presence(rows: &[MeetingSeatRow]) -> Vec<(SchoolId, bool)> {
    rows.iter()
        .map(|r| (SchoolId(r.school_id), r.present))
        .collect()
}

pub(crate) async fn active_schools(
    conn: &mut AsyncPgConnection,
    group: GroupId,
) -> diesel::QueryResult<Vec<GroupSchool>> {
    Ok(store::schools(conn, group)
        .await?
        .into_iter()
        .filter(|s| s.active)
        .map(|s| GroupSchool {
            id: s.school_id,
            lead: s.role == MemberRole::Lead,
            // Events written before principals were named leave it unknown.
            principal_name: s.principal_name.unwrap_or_default(),
        })
        .collect())
}

/// The group of a meeting (immutable, so read without a lock before locking in order).
async fn meeting_group(conn: &mut AsyncPgConnection, id: MeetingId) -> Result<GroupId> {
    store::meeting(conn, id.0)
        .await?
        .map(|m| GroupId(m.group_id))
        .ok_or(CouncilError::MeetingNotFound)
}

/// The council, share-locked, refusing a frozen one.
pub(crate) async fn live_council_for_share(
    conn: &mut AsyncPgConnection,
    group: GroupId,
) -> Result<CouncilRow> {
    let council = store::council(conn, group, store::Lock::Share)
        .await?
        .ok_or(CouncilError::CouncilNotFound)?;
    if council.frozen_on.is_some() {
        return Err(CouncilError::Frozen);
    }
    Ok(council)
}

/// A held meeting of a live council, locked (for the minutes' steps).
async fn locked_held_meeting(conn: &mut AsyncPgConnection, id: MeetingId) -> Result<MeetingRow> {
    let group = meeting_group(conn, id).await?;
    live_council_for_share(conn, group).await?;
    let meeting = store::meeting_for_update(conn, id.0)
        .await?
        .ok_or(CouncilError::MeetingNotFound)?;
    if meeting.held_at.is_none() {
        return Err(CouncilError::MeetingState(
            "minutes are kept of a held meeting: record its attendance first",
            "会议召开(登记出席情况)后方可撰写纪要",
        ));
    }
    Ok(meeting)
}

async fn minutes_status(
    conn: &mut AsyncPgConnection,
    meeting: Uuid,
) -> diesel::QueryResult<Option<MinutesStatus>> {
    store::minutes_of(conn, &[meeting])
        .await?
        .pop()
        .map(|m| parse("status", &m.status))
        .transpose()
}

async fn record_decision(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    motion: &MotionRow,
    meeting: &MeetingRow,
    tally: &Tally,
) -> Result<()> {
    let count = |n: u32| i32::try_from(n).unwrap_or(i32::MAX);
    let policy = policy_of(conn, GroupId(motion.group_id), meeting.held_on).await?;
    let row = DecisionRow {
        id: DecisionId::new().0,
        group_id: motion.group_id,
        meeting_id: meeting.id,
        motion_id: motion.id,
        title: motion.title.clone(),
        category: motion.category.clone(),
        major: motion.major,
        subject_school_id: motion.subject_school_id,
        decided_on: meeting.held_on,
        yes: count(tally.yes),
        no: count(tally.no),
        abstain: count(tally.abstain),
        recused: count(tally.recused),
        policy_version: policy.version,
        created_at: Utc::now(),
    };
    store::insert_decision(conn, &row).await?;
    let event = DecisionRecorded {
        decision_id: DecisionId(row.id),
        group_id: GroupId(row.group_id),
        meeting_id: MeetingId(row.meeting_id),
        category: parse("category", &row.category)?,
        major: row.major,
        subject_school_id: row.subject_school_id.map(SchoolId),
        title: row.title.clone(),
        decided_on: row.decided_on,
        policy_version: row.policy_version,
    };
    outbox::enqueue(
        conn,
        actor,
        Some(GroupId(row.group_id)),
        row.subject_school_id.map(SchoolId),
        &event,
    )
    .await?;
    Ok(())
}

async fn council_view(conn: &mut AsyncPgConnection, council: CouncilRow) -> Result<Council> {
    let group = GroupId(council.group_id);
    let schools = store::schools(conn, group).await?;
    let names: BTreeMap<SchoolId, String> = schools
        .iter()
        .filter_map(|s| Some((s.school_id, s.name.clone()?)))
        .collect();
    let mut seats = store::active_seats(conn, group)
        .await?
        .into_iter()
        .map(|s| {
            Ok(Seat {
                id: SeatId(s.id),
                role: parse("role", &s.role)?,
                school_id: SchoolId(s.school_id),
                school_name: names
                    .get(&SchoolId(s.school_id))
                    .cloned()
                    .unwrap_or_default(),
                holder_name: s.holder_name,
                post: parse("post", &s.post)?,
                since: s.since,
            })
        })
        .collect::<diesel::QueryResult<Vec<_>>>()?;
    seats.sort_by_key(|s| (SeatRole::ALL.iter().position(|r| *r == s.role), s.since));
    let active = active_schools(conn, group).await?;
    let roles: Vec<(SeatRole, SchoolId)> = seats.iter().map(|s| (s.role, s.school_id)).collect();
    let region = RegionCode::parse(&council.region)?;
    Ok(Council {
        group_id: group,
        group_name: council.name,
        region,
        lead_school_id: SchoolId(council.lead_school_id),
        missing: rules::missing_roles(&roles, &active),
        seats,
        frozen: council.frozen_on.is_some(),
    })
}

fn decision_view(row: DecisionRow) -> diesel::QueryResult<Decision> {
    let count = |n: i32| u32::try_from(n).unwrap_or_default();
    Ok(Decision {
        id: DecisionId(row.id),
        group_id: GroupId(row.group_id),
        meeting_id: MeetingId(row.meeting_id),
        motion_id: MotionId(row.motion_id),
        category: parse("category", &row.category)?,
        title: row.title,
        major: row.major,
        subject_school_id: row.subject_school_id.map(SchoolId),
        decided_on: row.decided_on,
        tally: Tally {
            yes: count(row.yes),
            no: count(row.no),
            abstain: count(row.abstain),
            recused: count(row.recused),
            pending: 0,
        },
        policy_version: row.policy_version,
    })
}

async fn motion_view(conn: &mut AsyncPgConnection, row: MotionRow) -> Result<Motion> {
    let seats = store::meeting_seats(conn, &[row.meeting_id]).await?;
    let votes = store::votes_of(conn, &[row.id]).await?;
    let decisions = store::decisions_of_motions(conn, &[row.id]).await?;
    Ok(motion_from(row, &seats, &votes, &decisions)?)
}

fn motion_from(
    row: MotionRow,
    seats: &[MeetingSeatRow],
    votes: &[VoteRow],
    decisions: &[(Uuid, Uuid)],
) -> diesel::QueryResult<Motion> {
    let present = u32::try_from(
        seats
            .iter()
            .filter(|s| s.meeting_id == row.meeting_id && s.present)
            .count(),
    )
    .unwrap_or(u32::MAX);
    let mine: Vec<Vote> = votes
        .iter()
        .filter(|v| v.motion_id == row.id)
        .map(|v| {
            Ok(Vote {
                seat_id: SeatId(v.seat_id),
                choice: parse("choice", &v.choice)?,
                reason: v.reason.clone(),
            })
        })
        .collect::<diesel::QueryResult<_>>()?;
    let choices: Vec<VoteChoice> = mine.iter().map(|v| v.choice).collect();
    Ok(Motion {
        id: MotionId(row.id),
        meeting_id: MeetingId(row.meeting_id),
        group_id: GroupId(row.group_id),
        title: row.title,
        category: parse("category", &row.category)?,
        major: row.major,
        subject_school_id: row.subject_school_id.map(SchoolId),
        status: parse("status", &row.status)?,
        tally: rules::tally(&choices, present),
        votes: mine,
        decision_id: decisions
            .iter()
            .find(|(m, _)| *m == row.id)
            .map(|(_, d)| DecisionId(*d)),
        created_at: row.created_at,
    })
}

async fn minutes_view(conn: &mut AsyncPgConnection, meeting: Uuid) -> Result<Minutes> {
    let rows = store::minutes_of(conn, &[meeting]).await?;
    let revisions = store::revisions_of(conn, &[meeting]).await?;
    let corrections = store::corrections_of(conn, &[meeting]).await?;
    rows.into_iter()
        .next()
        .map(|m| minutes_from(m, &revisions, &corrections))
        .transpose()?
        .ok_or(CouncilError::MeetingNotFound)
}

fn minutes_from(
    row: MinutesRow,
    revisions: &[RevisionRow],
    corrections: &[CorrectionRow],
) -> diesel::QueryResult<Minutes> {
    Ok(Minutes {
        meeting_id: MeetingId(row.meeting_id),
        status: parse("status", &row.status)?,
        text: row.text,
        revision: u32::try_from(row.revision).unwrap_or_default(),
        history: revisions
            .iter()
            .filter(|r| r.meeting_id == row.meeting_id)
            .map(|r| MinutesRevision {
                revision: u32::try_from(r.revision).unwrap_or_default(),
                by: r.by_sub.clone(),
                seat_id: r.seat_id.map(SeatId),
                at: r.created_at,
            })
            .collect(),
        circulated_at: row.circulated_at,
        published_at: row.published_at,
        corrections: corrections
            .iter()
            .filter(|c| c.meeting_id == row.meeting_id)
            .map(|c| Correction {
                id: c.id,
                text: c.text.clone(),
                reason: c.reason.clone(),
                by: c.by_sub.clone(),
                created_at: c.created_at,
            })
            .collect(),
    })
}

async fn meeting_view(conn: &mut AsyncPgConnection, row: MeetingRow) -> Result<Meeting> {
    meeting_views(conn, vec![row])
        .await?
        .pop()
        .ok_or(CouncilError::MeetingNotFound)
}

/// Meetings with their agenda, attendance, quorum, motions and minutes (batched queries).
pub(crate) async fn meeting_views(
    conn: &mut AsyncPgConnection,
    rows: Vec<MeetingRow>,
) -> Result<Vec<Meeting>> {
    let ids: Vec<Uuid> = rows.iter().map(|m| m.id).collect();
    let agenda = store::agenda(conn, &ids).await?;
    let seats = store::meeting_seats(conn, &ids).await?;
    let motions = store::motions_of(conn, &ids).await?;
    let motion_ids: Vec<Uuid> = motions.iter().map(|m| m.id).collect();
    let votes = store::votes_of(conn, &motion_ids).await?;
    let decisions = store::decisions_of_motions(conn, &motion_ids).await?;
    let minutes = store::minutes_of(conn, &ids).await?;
    let revisions = store::revisions_of(conn, &ids).await?;
    let corrections = store::corrections_of(conn, &ids).await?;
    let mut out = Vec::with_capacity(rows.len());
    for m in rows {
        // Quorum under the group's region policy in force on the meeting's day.
        let p = match m.held_at {
            Some(_) => policy_of(conn, GroupId(m.group_id), m.held_on).await?,
            None => Policy::default(),
        };
        let mine: Vec<MeetingSeatRow> = seats
            .iter()
            .filter(|s| s.meeting_id == m.id)
            .cloned()
            .collect();
        let mut attendance = mine
            .iter()
            .map(|s| {
                Ok(SeatAttendance {
                    seat_id: SeatId(s.seat_id),
                    role: parse("role", &s.role)?,
                    school_id: SchoolId(s.school_id),
                    holder_name: s.holder_name.clone(),
                    present: s.present,
                })
            })
            .collect::<diesel::QueryResult<Vec<_>>>()?;
        attendance.sort_by_key(|a| SeatRole::ALL.iter().position(|r| *r == a.role));
        let items = agenda
            .iter()
            .filter(|a| a.meeting_id == m.id)
            .map(|a| AgendaItem {
                title: a.title.clone(),
                owner: a.owner.clone(),
                documents: serde_json::from_value(a.documents.clone()).unwrap_or_default(),
            })
            .collect();
        let meeting_motions = motions
            .iter()
            .filter(|x| x.meeting_id == m.id)
            .cloned()
            .map(|x| motion_from(x, &mine, &votes, &decisions))
            .collect::<diesel::QueryResult<Vec<_>>>()?;
        let minutes = minutes
            .iter()
            .find(|x| x.meeting_id == m.id)
            .cloned()
            .map(|x| minutes_from(x, &revisions, &corrections))
            .transpose()?;
        out.push(Meeting {
            id: MeetingId(m.id),
            group_id: GroupId(m.group_id),
            kind: parse("kind", &m.kind)?,
            title: m.title,
            held_on: m.held_on,
            start_time: m.start_time,
            duration_minutes: m.duration_minutes.and_then(|d| u16::try_from(d).ok()),
            place: m.place,
            online_link: m.online_link,
            agenda: items,
            held: m.held_at.is_some(),
            quorum: m.held_at.map(|_| rules::quorum(&seat_presence(&mine), &p)),
            attendance,
            motions: meeting_motions,
            minutes,
            policy_version: m.policy_version,
            created_at: m.created_at,
        });
    }
    Ok(out)
}
