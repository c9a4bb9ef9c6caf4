//! Postings: the context a proposal is decided in, their rows and lists.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Integer, Jsonb, Nullable, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use edu_contracts::rotation::Paging;
use edu_db::prepared::Prepared;
use edu_domain::{
    GroupId, MemberRole, Policy, PostingId, PostingStatus, RegionCode, SchoolId, SchoolYear,
    TeacherId,
};

use super::{PostingRow, TeacherRow};
use crate::schema::{postings, teachers};

/// What deciding a new posting needs besides the teacher, read in one statement: the group
/// (`None` when membership never announced it), the active roles of the sending school (the
/// teacher's home school, E-04) and the receiving one, and another live posting of the
/// teacher whose days meet `[start, end]`. See [`locked_teacher_with_context`].
///
/// The overlap check reads one entry of the teacher's index, not the teacher's history. A
/// teacher's live postings never meet one another: this check, made under the teacher's
/// lock, is the only way one is added, and closing one only shortens it (an early end is a
/// day within its term). So, in order of first day, their last days rise too, and the latest
/// one starting by `end` is the only one that can reach `start`.
#[derive(Debug, QueryableByName)]
pub struct PostingContext {
    #[diesel(sql_type = Nullable<Bool>)]
    pub dissolved: Option<bool>,
    #[diesel(sql_type = Nullable<Text>)]
    from_role: Option<MemberRole>,
    #[diesel(sql_type = Nullable<Text>)]
    to_role: Option<MemberRole>,
    #[diesel(sql_type = Nullable<diesel::sql_types::Uuid>)]
    pub overlapping: Option<PostingId>,
    /// The group's region (its policy applies).
    #[diesel(sql_type = Nullable<Text>)]
    pub region: Option<RegionCode>,
    /// The receiving school is under an open persuade-out.
    #[diesel(sql_type = Nullable<Bool>)]
    pub receiver_under_persuade_out: Option<bool>,
    /// The receiving school's county (F-04), when the membership events said it.
    #[diesel(sql_type = Nullable<Text>)]
    pub receiver_region: Option<RegionCode>,
    /// The region's policy version in force on the day asked for, if one was published.
    #[diesel(sql_type = Nullable<Integer>)]
    policy_version: Option<i32>,
    #[diesel(sql_type = Nullable<Jsonb>)]
    policy_body: Option<serde_json::Value>,
}

impl PostingContext {
    /// The region's policy in force (DESIGN.md "Policy as data"), or the defaults.
    pub fn policy(&mut self) -> QueryResult<Policy> {
        let region = self.region.as_ref().map_or("", RegionCode::as_str);
        let stored = self.policy_version.zip(self.policy_body.take());
        edu_bus::policy::stored(region, stored)
    }

    /// The sending school's role, when it is an active school of the group.
    pub fn sender_role(&self) -> Option<MemberRole> {
        self.from_role
    }

    /// The receiving school's role, when it is an active school of the group.
    pub fn receiver_role(&self) -> Option<MemberRole> {
        self.to_role
    }
}

/// The teacher, locked, and the context of its new posting, sent together (pipelined: one
/// round trip). PostgreSQL runs a connection's statements in the order sent, and
/// `try_join!` polls, so sends, the lock first: the context statement starts once the lock
/// is granted, and its overlap answer sees every posting of the teacher committed before and
/// holds until commit (postings of one teacher are decided one at a time). The context is
/// `None` when there is no such teacher.
pub async fn locked_teacher_with_context(
    conn: &AsyncPgConnection,
    group: GroupId,
    to: SchoolId,
    teacher: TeacherId,
    term: (NaiveDate, NaiveDate),
    policy_day: NaiveDate,
) -> QueryResult<Option<(TeacherRow, PostingContext)>> {
    let lock = async {
        let mut conn = conn;
        teachers::table
            .find(teacher.0)
            .select(TeacherRow::as_select())
            .for_update()
            .first(&mut conn)
            .await
            .optional()
    };
    let context = posting_context(conn, group, to, teacher, term, policy_day);
    let (teacher, context) = futures::try_join!(lock, context)?;
    Ok(teacher.map(|t| (t, context)))
}

async fn posting_context(
    mut conn: &AsyncPgConnection,
    group: GroupId,
    to: SchoolId,
    teacher: TeacherId,
    (start, end): (NaiveDate, NaiveDate),
    policy_day: NaiveDate,
) -> QueryResult<PostingContext> {
    use diesel::sql_types::{Date, Uuid as SqlUuid};
    // Prepared once per connection: planning its subqueries costs more than running them.
    Prepared::new(
        "SELECT g.dissolved_on IS NOT NULL AS dissolved, g.region, pv.version AS policy_version, pv.body AS policy_body, \
                (SELECT under_persuade_out FROM membership_schools \
                  WHERE group_id = p.group_id AND school_id = p.to_school AND active) \
                  AS receiver_under_persuade_out, \
                (SELECT region FROM membership_schools \
                  WHERE group_id = p.group_id AND school_id = p.to_school AND active) \
                  AS receiver_region, \
                (SELECT gs.role FROM membership_schools gs JOIN teachers t \
                    ON t.id = p.teacher AND gs.school_id = t.home_school_id \
                  WHERE gs.group_id = p.group_id AND gs.active) \
                  AS from_role, \
                (SELECT role FROM membership_schools \
                  WHERE group_id = p.group_id AND school_id = p.to_school AND active) \
                  AS to_role, \
                (SELECT latest.id FROM (SELECT id, coalesce(ended_on, end_date) AS last_day \
                    FROM postings \
                   WHERE teacher_id = p.teacher AND status <> 'cancelled' \
                     AND start_date <= p.last_day \
                   ORDER BY start_date DESC LIMIT 1) latest \
                  WHERE latest.last_day >= p.first_day) AS overlapping \
           FROM (VALUES (",
    )
    .bind::<SqlUuid, _>(group.0)
    .sql(", ")
    .bind::<SqlUuid, _>(to.0)
    .sql(", ")
    .bind::<SqlUuid, _>(teacher.0)
    .sql(", ")
    .bind::<Date, _>(start)
    .sql(", ")
    .bind::<Date, _>(end)
    .sql(", ")
    .bind::<Date, _>(policy_day)
    .sql(
        ")) AS p(group_id, to_school, teacher, first_day, last_day, policy_day) \
           LEFT JOIN membership_groups g ON g.group_id = p.group_id \
           LEFT JOIN LATERAL (SELECT version, body FROM policy_versions \
                  WHERE region = g.region AND effective_from <= p.policy_day \
                  ORDER BY version DESC LIMIT 1) pv ON true",
    )
    .get_result(&mut conn)
    .await
}

pub async fn insert_posting(mut conn: &AsyncPgConnection, row: &PostingRow) -> QueryResult<()> {
    diesel::insert_into(postings::table)
        .values(row)
        .execute(&mut conn)
        .await
        .map(|_| ())
}

pub async fn posting(
    conn: &mut AsyncPgConnection,
    id: PostingId,
) -> QueryResult<Option<PostingRow>> {
    postings::table
        .find(id.0)
        .select(PostingRow::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn posting_for_update(
    conn: &mut AsyncPgConnection,
    id: PostingId,
) -> QueryResult<Option<PostingRow>> {
    postings::table
        .find(id.0)
        .select(PostingRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

pub async fn confirm(conn: &mut AsyncPgConnection, id: PostingId) -> QueryResult<PostingRow> {
    diesel::update(postings::table.find(id))
        .set((
            postings::status.eq(PostingStatus::Confirmed.as_str()),
            postings::confirmed_at.eq(diesel::dsl::now),
        ))
        .returning(PostingRow::as_returning())
        .get_result(conn)
        .await
}

/// Cancels (`ended_on` None) or ends early (`ended_on` the last day served).
pub async fn close(
    conn: &mut AsyncPgConnection,
    id: PostingId,
    ended_on: Option<NaiveDate>,
    reason: &str,
) -> QueryResult<PostingRow> {
    let status = if ended_on.is_some() {
        PostingStatus::EndedEarly
    } else {
        PostingStatus::Cancelled
    };
    diesel::update(postings::table.find(id))
        .set((
            postings::status.eq(status.as_str()),
            postings::ended_on.eq(ended_on),
            postings::closing_reason.eq(reason),
        ))
        .returning(PostingRow::as_returning())
        .get_result(conn)
        .await
}

/// Filters of a posting list.
pub struct PostingFilter {
    pub group: Option<GroupId>,
    pub school: Option<SchoolId>,
    pub teacher: Option<TeacherId>,
    pub year: Option<SchoolYear>,
}

pub async fn list_postings(
    conn: &mut AsyncPgConnection,
    f: &PostingFilter,
    paging: Paging,
) -> QueryResult<(Vec<(PostingRow, TeacherRow)>, i64)> {
    let filtered = || {
        let mut q = postings::table.inner_join(teachers::table).into_boxed();
        if let Some(g) = f.group {
            q = q.filter(postings::group_id.eq(g.0));
        }
        if let Some(s) = f.school {
            q = q.filter(
                postings::from_school_id
                    .eq(s.0)
                    .or(postings::to_school_id.eq(s.0)),
            );
        }
        if let Some(t) = f.teacher {
            q = q.filter(postings::teacher_id.eq(t.0));
        }
        if let Some(y) = f.year {
            q = q.filter(postings::school_year.eq(y.0));
        }
        q
    };
    let total = filtered().count().get_result(conn).await?;
    let rows = filtered()
        .order((postings::start_date, postings::id))
        .limit(i64::from(paging.limit))
        .offset(i64::from(paging.offset))
        .select((PostingRow::as_select(), TeacherRow::as_select()))
        .load(conn)
        .await?;
    Ok((rows, total))
}

/// Live (proposed or confirmed) postings of a group, optionally only those touching a school.
pub async fn open_postings(
    conn: &mut AsyncPgConnection,
    group: GroupId,
    school: Option<SchoolId>,
) -> QueryResult<Vec<PostingRow>> {
    let open = postings::table
        .filter(postings::group_id.eq(group.0))
        .filter(postings::status.eq_any([
            PostingStatus::Proposed.as_str(),
            PostingStatus::Confirmed.as_str(),
        ]));
    // Locking clauses cannot be boxed, hence two spelled-out queries.
    match school {
        Some(s) => {
            open.filter(
                postings::from_school_id
                    .eq(s.0)
                    .or(postings::to_school_id.eq(s.0)),
            )
            .select(PostingRow::as_select())
            .for_update()
            .load(conn)
            .await
        }
        None => {
            open.select(PostingRow::as_select())
                .for_update()
                .load(conn)
                .await
        }
    }
}
