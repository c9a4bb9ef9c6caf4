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
    MeetingRow, MeetingSeatRow, MinutesRow, MotionRow, ReportRow, RevisionRow, SchoolRow, SeatRow,
    VoteRow, parse,
};

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

    // ---- minutes: draft → circulated → published ----

    /// Writes the minutes' text: freely while a draft; while circulated only as an
    /// attendee's amendment (its seat named); never once published.
    pub async fn write_minutes(&self, cmd: Command<MinutesDraft>) -> Result<Minutes> {
        let body = &cmd.body;
        let text = minutes_text("text", &body.text)?;
        let mut conn = self.conn().await?;
        conn.transaction(async |conn| {
            let meeting = locked_held_meeting(conn, body.meeting_id).await?;
            let current = store::minutes_of(conn, &[meeting.id]).await?.pop();
            let status = current
                .as_ref()
                .map(|m| parse::<MinutesStatus>("status", &m.status))
                .transpose()?;
            match status {
                Some(MinutesStatus::Published) => return Err(CouncilError::MinutesPublished),
                Some(MinutesStatus::Circulated) => {
                    let Some(seat) = body.seat_id else {
                        return Err(CouncilError::MinutesState(
                            status,
                            "circulated minutes change only by an attendee's amendment (name the seat)",
                            "纪要传阅期间,只能由出席人员提出修改(须注明席位)",
                        ));
                    };
                    let seats = store::meeting_seats(conn, &[meeting.id]).await?;
                    if !seats.iter().any(|s| s.seat_id == seat.0 && s.present) {
                        return Err(CouncilError::SeatNotPresent(seat));
                    }
                }
                Some(MinutesStatus::Draft) | None => {
                    if body.seat_id.is_some() {
                        return Err(CouncilError::MinutesState(
                            status,
                            "attendees amend the minutes once they are circulated",
                            "纪要传阅后,出席人员方可提出修改",
                        ));
                    }
                }
            }
            let revision = current.as_ref().map_or(1, |m| m.revision + 1);
            let row = MinutesRow {
                meeting_id: meeting.id,
                status: status
                    .unwrap_or(MinutesStatus::Draft)
                    .as_str()
                    .to_owned(),
                text: text.clone(),
                revision,
                circulated_at: None,
                published_at: None,
            };
            let rev = RevisionRow {
                meeting_id: meeting.id,
                revision,
                text: text.clone(),
                by_sub: cmd.actor.sub.clone(),
                seat_id: body.seat_id.map(|s| s.0),
                created_at: Utc::now(),
            };
            store::write_minutes(conn, &row, &rev).await?;
            minutes_view(conn, meeting.id).await
        })
        .await
    }

    /// Sends draft minutes to the attendees for amendment.
    pub async fn circulate(&self, cmd: Command<MeetingRef>) -> Result<Minutes> {
        self.advance(cmd, MinutesStatus::Draft, MinutesStatus::Circulated)
            .await
    }

    /// Publishes circulated minutes; from then on they never change.
    pub async fn publish(&self, cmd: Command<MeetingRef>) -> Result<Minutes> {
        self.advance(cmd, MinutesStatus::Circulated, MinutesStatus::Published)
            .await
    }

    async fn advance(
        &self,
        cmd: Command<MeetingRef>,
        from: MinutesStatus,
        to: MinutesStatus,
    ) -> Result<Minutes> {
        let mut conn = self.conn().await?;
        conn.transaction(async |conn| {
            let meeting = locked_held_meeting(conn, cmd.body.meeting_id).await?;
            let status = minutes_status(conn, meeting.id).await?;
            if status == Some(MinutesStatus::Published) {
                return Err(CouncilError::MinutesPublished);
            }
            if status != Some(from) {
                let (en, zh) = match to {
                    MinutesStatus::Circulated => (
                        "only draft minutes are circulated (write them first)",
                        "只有草稿状态的纪要可以传阅(请先撰写纪要)",
                    ),
                    _ => (
                        "minutes are circulated to the attendees before they are published",
                        "纪要须先经出席人员传阅,方可发布",
                    ),
                };
                return Err(CouncilError::MinutesState(status, en, zh));
            }
            store::set_minutes_status(conn, meeting.id, to.as_str()).await?;
            minutes_view(conn, meeting.id).await
        })
        .await
    }

    /// Corrects published minutes with a new record linked to them.
    pub async fn correct(&self, cmd: Command<MinutesCorrection>) -> Result<Minutes> {
        let body = &cmd.body;
        let text = minutes_text("text", &body.text)?;
        let reason = text::required("reason", &body.reason, 500)?;
        let mut conn = self.conn().await?;
        idempotency::for_request(
            &mut conn,
            "minutes.correct",
            &cmd.actor.sub,
            cmd.idempotency_key.as_deref(),
            &cmd.body,
            async |conn| {
                let meeting = locked_held_meeting(conn, body.meeting_id).await?;
                let status = minutes_status(conn, meeting.id).await?;
                if status != Some(MinutesStatus::Published) {
                    return Err(CouncilError::MinutesState(
                        status,
                        "only published minutes take corrections; edit the draft instead",
                        "只有已发布的纪要才能更正;草稿请直接修改",
                    ));
                }
                let row = CorrectionRow {
                    id: Uuid::now_v7(),
                    meeting_id: meeting.id,
                    text: text.clone(),
                    reason: reason.clone(),
                    by_sub: cmd.actor.sub.clone(),
                    created_at: Utc::now(),
                };
                store::insert_correction(conn, &row).await?;
                minutes_view(conn, meeting.id).await
            },
        )
        .await
    }

    // ---- quarterly reports (G-08) ----

    /// A quarter's report: as submitted, or generated from the quarter's major decisions;
    /// either way with the member schools' major matters recorded in the quarter (G-09).
    pub async fn get_report(&self, cmd: Command<ReportRef>) -> Result<QuarterlyReport> {
        let ReportRef { group_id, period } = cmd.body;
        let mut conn = self.conn().await?;
        let council = store::council(&mut conn, group_id, store::Lock::None)
            .await?
            .ok_or(CouncilError::CouncilNotFound)?;
        sweep_group(&mut conn, &council, today()).await?;
        report_view(&mut conn, &council, period).await
    }

    /// Submits a quarter's report once the quarter has ended. It must list every major
    /// decision of the quarter (G-08); the council row is locked, and decisions are
    /// recorded under a share lock of it, so none can slip in between the check and the
    /// insert.
    pub async fn submit_report(&self, cmd: Command<ReportSubmission>) -> Result<QuarterlyReport> {
        let body = &cmd.body;
        let summary = minutes_text("summary", &body.summary)?;
        if body.decision_ids.len() > 500 {
            return Err(Problem::validation(
                "decision_ids",
                "a report lists at most 500 decisions",
                "书面汇报最多列入 500 项决策",
            )
            .into());
        }
        let listed: BTreeSet<Uuid> = body.decision_ids.iter().map(|d| d.0).collect();
        let period = body.period;
        let mut conn = self.conn().await?;
        idempotency::for_request(
            &mut conn,
            "report.submit",
            &cmd.actor.sub,
            cmd.idempotency_key.as_deref(),
            &cmd.body,
            async |conn| {
                let council = store::council(conn, body.group_id, store::Lock::Update)
                    .await?
                    .ok_or(CouncilError::CouncilNotFound)?;
                if council.frozen_on.is_some() {
                    return Err(CouncilError::Frozen);
                }
                let (Some(first), Some(last)) = (period.first_day(), period.last_day()) else {
                    return Err(CouncilError::QuarterNotEnded(period));
                };
                let day = today();
                if day <= last {
                    return Err(CouncilError::QuarterNotEnded(period));
                }
                if store::report(conn, body.group_id, period).await?.is_some() {
                    return Err(CouncilError::ReportSubmitted);
                }
                let major = quarter_major_decisions(conn, body.group_id, first, last).await?;
                let major_ids: BTreeSet<Uuid> = major.iter().map(|d| d.id).collect();
                if let Some(other) = listed.iter().find(|id| !major_ids.contains(id)) {
                    return Err(Problem::validation(
                        "decision_ids",
                        &format!("{other} is not a major decision of this group in {period}"),
                        &format!("{other} 不是本集团 {period} 的重大决策"),
                    )
                    .into());
                }
                let missing: Vec<DecisionId> = major
                    .iter()
                    .filter(|d| !listed.contains(&d.id))
                    .map(|d| DecisionId(d.id))
                    .collect();
                if !missing.is_empty() {
                    return Err(CouncilError::ReportMissing(missing));
                }
                let p = edu_bus::policy::in_force(conn, &council.region, today()).await?;
                let due_on = period.due_on(p.council_report_due_days).unwrap_or(last);
                let row = ReportRow {
                    id: ReportId::new().0,
                    group_id: council.group_id,
                    year: period.year,
                    quarter: i16::from(period.quarter),
                    summary: summary.clone(),
                    due_on,
                    late: day > due_on,
                    policy_version: p.version,
                    submitted_at: Utc::now(),
                };
                let ids: Vec<Uuid> = major.iter().map(|d| d.id).collect();
                store::insert_report(conn, &row, &ids).await?;
                let event = ReportSubmitted {
                    report_id: ReportId(row.id),
                    group_id: body.group_id,
                    period,
                    decision_ids: ids.iter().copied().map(DecisionId).collect(),
                    due_on,
                    late: row.late,
                };
                outbox::enqueue(
                    conn,
                    &cmd.actor,
                    Some(body.group_id),
                    Some(SchoolId(council.lead_school_id)),
                    &event,
                )
                .await?;
                report_view(conn, &council, period).await
            },
        )
        .await
    }

    /// A group's quarters with their report state, or a region's overdue reports.
    pub async fn list_reports(&self, cmd: Command<ReportQuery>) -> Result<Vec<ReportStatus>> {
        let mut conn = self.conn().await?;
        let day = today();
        match cmd.body {
            ReportQuery::Group { group_id } => {
                let council = store::council(&mut conn, group_id, store::Lock::None)
                    .await?
                    .ok_or(CouncilError::CouncilNotFound)?;
                sweep_group(&mut conn, &council, day).await?;
                report_statuses(&mut conn, &council, day).await
            }
            ReportQuery::RegionOverdue { region } => {
                let mut out = Vec::new();
                for council in store::councils_of_region(&mut conn, region.as_str()).await? {
                    sweep_group(&mut conn, &council, day).await?;
                    out.extend(
                        report_statuses(&mut conn, &council, day)
                            .await?
                            .into_iter()
                            .filter(|r| r.state == ReportState::Overdue),
                    );
                }
                Ok(out)
            }
        }
    }

    /// Raises `report.overdue` for every live group's quarter past its due date without a
    /// report (once per group and quarter); run periodically and on reads.
    pub async fn sweep_all(&self) -> Result<()> {
        let mut conn = self.conn().await?;
        let day = today();
        for group in store::all_live_councils(&mut conn).await? {
            if let Some(council) = store::council(&mut conn, group, store::Lock::None).await? {
                sweep_group(&mut conn, &council, day).await?;
            }
        }
        Ok(())
    }

    // ---- cadence (G-06, G-15, V-06, M2) ----

    pub async fn cadence(&self, cmd: Command<CadenceQuery>) -> Result<Cadence> {
        let CadenceQuery { group_id, year } = cmd.body;
        let (Some(from), Some(to)) = (
            NaiveDate::from_ymd_opt(year, 1, 1),
            NaiveDate::from_ymd_opt(year, 12, 31),
        ) else {
            return Err(Problem::validation("year", "year is out of range", "年份超出范围").into());
        };
        if !(2000..=2100).contains(&year) {
            return Err(Problem::validation("year", "year is out of range", "年份超出范围").into());
        }
        let mut conn = self.conn().await?;
        let council = store::council(&mut conn, group_id, store::Lock::None)
            .await?
            .ok_or(CouncilError::CouncilNotFound)?;
        let filter = MeetingFilter {
            group: group_id,
            from: Some(from),
            to: Some(to),
            kind: None,
            held_only: true,
        };
        let (held, _) = store::list_meetings(&mut conn, &filter, None).await?;
        let ids: Vec<Uuid> = held.iter().map(|m| m.id).collect();
        let seats = store::meeting_seats(&mut conn, &ids).await?;
        let day = today();
        let mut months = Vec::with_capacity(12);
        for month in 1..=12 {
            let meeting_ids: Vec<MeetingId> = held
                .iter()
                .filter(|m| m.kind == MeetingKind::Council.as_str() && m.held_on.month() == month)
                .map(|m| MeetingId(m.id))
                .collect();
            let state = rules::month_state(
                year,
                month,
                meeting_ids.len(),
                council.plaque_date,
                council.frozen_on,
                day,
            );
            months.push(MonthCadence {
                month,
                state,
                meeting_ids,
            });
        }
        let members: Vec<SchoolId> = active_schools(&mut conn, group_id)
            .await?
            .into_iter()
            .filter(|s| !s.lead)
            .map(|s| s.id)
            .collect();
        let yearly = [
            MeetingKind::WorkPlanning,
            MeetingKind::AnnualSummary,
            MeetingKind::ResultsShowcase,
        ]
        .into_iter()
        .map(|kind| {
            let these: Vec<Uuid> = held
                .iter()
                .filter(|m| m.kind == kind.as_str())
                .map(|m| m.id)
                .collect();
            let attended: BTreeSet<SchoolId> = seats
                .iter()
                .filter(|s| s.present && these.contains(&s.meeting_id))
                .map(|s| SchoolId(s.school_id))
                .collect();
            YearlyMeeting {
                kind,
                held: !these.is_empty(),
                meeting_ids: these.into_iter().map(MeetingId).collect(),
                members_attended: members
                    .iter()
                    .copied()
                    .filter(|m| attended.contains(m))
                    .collect(),
                members_absent: members
                    .iter()
                    .copied()
                    .filter(|m| !attended.contains(m))
                    .collect(),
            }
        })
        .collect();
        let months_missing = months
            .iter()
            .filter(|m| m.state == MonthState::Missing)
            .map(|m| m.month)
            .collect();
        Ok(Cadence {
            group_id,
            year,
            months,
            months_missing,
            yearly,
        })
    }
}

// ---- the projection's writes (membership events), used by projection.rs ----

/// `group.established`: the council with its chair, the lead school's principal (G-03).
pub async fn seed_council(
    conn: &mut AsyncPgConnection,
    row: &CouncilRow,
    lead_name: &str,
    lead_principal: &str,
) -> diesel::QueryResult<()> {
    if !store::insert_council(conn, row).await? {
        return Ok(());
    }
    let group = GroupId(row.group_id);
    let lead = SchoolId(row.lead_school_id);
    store::upsert_school(
        conn,
        &SchoolRow {
            group_id: row.group_id,
            school_id: lead.0,
            role: MemberRole::Lead.as_str().to_owned(),
            name: lead_name.to_owned(),
            principal_name: lead_principal.to_owned(),
            active: true,
        },
    )
    .await?;
    store::insert_seat(
        conn,
        &seat_row(
            group,
            lead,
            SeatRole::Chair,
            lead_principal,
            LeaderPost::Principal,
        ),
    )
    .await
}

/// `member.admitted`: the school and a vice-chair seat for its principal (G-04).
pub async fn seat_member(
    conn: &mut AsyncPgConnection,
    group: GroupId,
    school: SchoolId,
    name: &str,
    principal: &str,
) -> diesel::QueryResult<()> {
    let Some(council) = store::council(conn, group, store::Lock::Update).await? else {
        tracing::warn!(group.id = %group, "member admitted to a group the council has not seen");
        return Ok(());
    };
    if council.frozen_on.is_some() {
        return Ok(());
    }
    store::upsert_school(
        conn,
        &SchoolRow {
            group_id: group.0,
            school_id: school.0,
            role: MemberRole::Member.as_str().to_owned(),
            name: name.to_owned(),
            principal_name: principal.to_owned(),
            active: true,
        },
    )
    .await?;
    let has_vice = store::active_seats(conn, group)
        .await?
        .iter()
        .any(|s| s.school_id == school.0 && s.role == SeatRole::ViceChair.as_str());
    if !has_vice {
        let row = seat_row(
            group,
            school,
            SeatRole::ViceChair,
            principal,
            LeaderPost::Principal,
        );
        store::insert_seat(conn, &row).await?;
    }
    Ok(())
}

/// `member.exited`: the school leaves the council; every seat it held is vacated (G-02).
pub async fn unseat_member(
    conn: &mut AsyncPgConnection,
    group: GroupId,
    school: SchoolId,
) -> diesel::QueryResult<()> {
    if store::council(conn, group, store::Lock::Update)
        .await?
        .is_none()
    {
        return Ok(());
    }
    store::deactivate_school(conn, group, school).await?;
    store::vacate_school(conn, group, school, "member_exited").await
}

/// `group.dissolved`: the council is frozen; its records stay.
pub async fn freeze(conn: &mut AsyncPgConnection, group: GroupId) -> diesel::QueryResult<()> {
    if store::council(conn, group, store::Lock::Update)
        .await?
        .is_none()
    {
        return Ok(());
    }
    store::freeze(conn, group, today()).await
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
            id: SchoolId(s.school_id),
            lead: s.role == MemberRole::Lead.as_str(),
            principal_name: s.principal_name,
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

async fn quarter_major_decisions(
    conn: &mut AsyncPgConnection,
    group: GroupId,
    first: NaiveDate,
    last: NaiveDate,
) -> diesel::QueryResult<Vec<DecisionRow>> {
    let filter = DecisionFilter {
        group: Some(group),
        category: None,
        subject: None,
        major: Some(true),
        from: Some(first),
        to: Some(last),
    };
    Ok(store::find_decisions(conn, &filter, None).await?.0)
}

/// Raises `report.overdue` for the group's quarters past due without a report, each once.
/// One decision per group: its events carry its region's policy version.
async fn sweep_group(
    conn: &mut AsyncPgConnection,
    council: &CouncilRow,
    day: NaiveDate,
) -> Result<()> {
    outbox::decision(sweep_group_once(conn, council, day)).await
}

async fn sweep_group_once(
    conn: &mut AsyncPgConnection,
    council: &CouncilRow,
    day: NaiveDate,
) -> Result<()> {
    if council.frozen_on.is_some() {
        return Ok(());
    }
    let group = GroupId(council.group_id);
    let due_days = edu_bus::policy::in_force(conn, &council.region, day)
        .await?
        .council_report_due_days;
    let submitted: BTreeSet<(i32, i16)> = store::reports_of(conn, group)
        .await?
        .into_iter()
        .map(|r| (r.year, r.quarter))
        .collect();
    let overdue: Vec<(Quarter, NaiveDate)> = rules::quarters(council.plaque_date, day)
        .into_iter()
        .filter(|q| !submitted.contains(&(q.year, i16::from(q.quarter))))
        .filter_map(|q| q.due_on(due_days).map(|due| (q, due)))
        .filter(|(_, due)| day > *due)
        .collect();
    for (period, due_on) in overdue {
        conn.transaction(async |conn| {
            if store::mark_overdue(conn, group, period, due_on).await? {
                let event = ReportOverdue {
                    group_id: group,
                    period,
                    due_on,
                };
                let actor = Actor::system("council");
                outbox::enqueue(
                    conn,
                    &actor,
                    Some(group),
                    Some(SchoolId(council.lead_school_id)),
                    &event,
                )
                .await?;
            }
            Ok::<_, diesel::result::Error>(())
        })
        .await?;
    }
    Ok(())
}

async fn report_statuses(
    conn: &mut AsyncPgConnection,
    council: &CouncilRow,
    day: NaiveDate,
) -> Result<Vec<ReportStatus>> {
    let group = GroupId(council.group_id);
    let due_days = edu_bus::policy::in_force(conn, &council.region, day)
        .await?
        .council_report_due_days;
    let reports: BTreeMap<(i32, i16), ReportRow> = store::reports_of(conn, group)
        .await?
        .into_iter()
        .map(|r| ((r.year, r.quarter), r))
        .collect();
    Ok(rules::quarters(council.plaque_date, day)
        .into_iter()
        .map(|q| {
            let report = reports.get(&(q.year, i16::from(q.quarter)));
            let due_on = report
                .map(|r| r.due_on)
                .or_else(|| q.due_on(due_days))
                .unwrap_or(day);
            ReportStatus {
                group_id: group,
                group_name: council.name.clone(),
                period: q,
                state: rules::report_state(q, report.map(|r| r.late), day, due_on),
                due_on,
                report_id: report.map(|r| ReportId(r.id)),
                submitted_at: report.map(|r| r.submitted_at),
            }
        })
        .collect())
}

async fn report_view(
    conn: &mut AsyncPgConnection,
    council: &CouncilRow,
    period: Quarter,
) -> Result<QuarterlyReport> {
    let group = GroupId(council.group_id);
    let (Some(first), Some(last)) = (period.first_day(), period.last_day()) else {
        return Err(Problem::validation("period", "invalid quarter", "季度无效").into());
    };
    let report = store::report(conn, group, period).await?;
    let decisions = match &report {
        Some(r) => store::report_decisions(conn, r.id).await?,
        None => quarter_major_decisions(conn, group, first, last).await?,
    };
    let p = edu_bus::policy::in_force(conn, &council.region, today()).await?;
    let due_on = report
        .as_ref()
        .map(|r| r.due_on)
        .or_else(|| period.due_on(p.council_report_due_days))
        .unwrap_or(last);
    let held = store::held_meeting_count(conn, group, first, last).await?;
    let major_matters = major_matters::recorded_in(conn, group, first, last).await?;
    Ok(QuarterlyReport {
        id: report.as_ref().map(|r| ReportId(r.id)),
        group_id: group,
        group_name: council.name.clone(),
        period,
        state: rules::report_state(period, report.as_ref().map(|r| r.late), today(), due_on),
        due_on,
        summary: report.as_ref().map(|r| r.summary.clone()),
        decisions: decisions
            .into_iter()
            .map(decision_view)
            .collect::<diesel::QueryResult<_>>()?,
        major_matters,
        meetings_held: u32::try_from(held).unwrap_or(u32::MAX),
        submitted_at: report.as_ref().map(|r| r.submitted_at),
        policy_version: report.as_ref().map_or(p.version, |r| r.policy_version),
    })
}

async fn council_view(conn: &mut AsyncPgConnection, council: CouncilRow) -> Result<Council> {
    let group = GroupId(council.group_id);
    let schools = store::schools(conn, group).await?;
    let names: BTreeMap<Uuid, String> = schools
        .iter()
        .map(|s| (s.school_id, s.name.clone()))
        .collect();
    let mut seats = store::active_seats(conn, group)
        .await?
        .into_iter()
        .map(|s| {
            Ok(Seat {
                id: SeatId(s.id),
                role: parse("role", &s.role)?,
                school_id: SchoolId(s.school_id),
                school_name: names.get(&s.school_id).cloned().unwrap_or_default(),
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
