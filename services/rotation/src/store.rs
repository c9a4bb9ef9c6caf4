//! Queries of the `rotation` schema; every function composes inside a transaction.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Bool, Integer, Jsonb, Nullable, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use edu_contracts::rotation::{ConsentStatus, Paging, Posting, PostingConsent, PostingPhase};
use edu_db::prepared::Prepared;
use edu_domain::{
    BackboneLevel, GroupId, MemberRole, Policy, Post, PostingId, PostingKind, PostingStatus,
    RegionCode, SchoolId, SchoolYear, TeacherId,
};
use uuid::Uuid;

use crate::rules;
use crate::schema::{postings, teacher_eligibility, teachers};

pub(crate) fn parse<T: std::str::FromStr>(what: &str, value: &str) -> QueryResult<T> {
    value.parse().map_err(|_| corrupt(what, value))
}

fn corrupt(what: &str, value: &str) -> diesel::result::Error {
    diesel::result::Error::DeserializationError(
        format!("stored {what} {value:?} is not valid").into(),
    )
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = teachers)]
pub struct TeacherRow {
    pub id: Uuid,
    pub home_school_id: Uuid,
    pub home_region: String,
    pub staff_no: String,
    pub name: String,
    pub post: String,
    pub subject: String,
    pub backbone: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TeacherRow {
    pub fn post(&self) -> QueryResult<Post> {
        parse("post", &self.post)
    }

    pub fn backbone(&self) -> QueryResult<BackboneLevel> {
        parse("backbone", &self.backbone)
    }
}

// None is bound as NULL, so the INSERT has one text and is prepared once per connection
// (with DEFAULT for None, diesel builds and PostgreSQL parses and plans it on every call).
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = postings, treat_none_as_default_value = false)]
pub struct PostingRow {
    pub id: Uuid,
    pub group_id: Uuid,
    pub teacher_id: Uuid,
    pub from_school_id: Uuid,
    pub to_school_id: Uuid,
    pub kind: String,
    pub host_post: String,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub school_year: i32,
    pub status: String,
    pub payroll_unit_id: Uuid,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub ended_on: Option<NaiveDate>,
    pub closing_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    /// F-04: the teacher's county, whose bureau consents to a posting across counties.
    pub consent_region: Option<String>,
    pub consent_to_region: Option<String>,
    pub consent_status: Option<String>,
    pub consent_decided_by: Option<String>,
    pub consent_decided_at: Option<DateTime<Utc>>,
    pub consent_note: Option<String>,
}

impl PostingRow {
    /// F-04: where the consent of the teacher's county stands (`None`: within one county).
    pub fn consent_status(&self) -> QueryResult<Option<ConsentStatus>> {
        self.consent_status
            .as_deref()
            .map(|s| ConsentStatus::parse(s).ok_or_else(|| corrupt("consent_status", s)))
            .transpose()
    }

    pub fn consent(&self) -> QueryResult<Option<PostingConsent>> {
        let Some(status) = self.consent_status()? else {
            return Ok(None);
        };
        let region = |field: &str, value: &Option<String>| {
            let value = value.as_deref().unwrap_or_default();
            RegionCode::parse(value).map_err(|_| corrupt(field, value))
        };
        Ok(Some(PostingConsent {
            region: region("consent_region", &self.consent_region)?,
            to_region: region("consent_to_region", &self.consent_to_region)?,
            status,
            decided_by: self.consent_decided_by.clone(),
            decided_at: self.consent_decided_at,
            note: self.consent_note.clone(),
        }))
    }

    pub fn status(&self) -> QueryResult<PostingStatus> {
        parse("status", &self.status)
    }

    pub fn kind(&self) -> QueryResult<PostingKind> {
        parse("kind", &self.kind)
    }

    /// The last day served or planned.
    pub fn last_day(&self) -> NaiveDate {
        self.ended_on.unwrap_or(self.end_date)
    }

    pub fn into_view(self, teacher: &TeacherRow, today: NaiveDate) -> QueryResult<Posting> {
        let status = self.status()?;
        let phase = match status {
            PostingStatus::Proposed | PostingStatus::Cancelled => PostingPhase::Upcoming,
            _ => rules::phase(status, self.start_date, self.last_day(), today),
        };
        let consent = self.consent()?;
        Ok(Posting {
            id: PostingId(self.id),
            group_id: GroupId(self.group_id),
            teacher_id: TeacherId(self.teacher_id),
            teacher_name: teacher.name.clone(),
            backbone: teacher.backbone()?,
            from_school_id: SchoolId(self.from_school_id),
            to_school_id: SchoolId(self.to_school_id),
            kind: self.kind()?,
            host_post: self.host_post,
            start: self.start_date,
            end: self.end_date,
            school_year: SchoolYear(self.school_year),
            status,
            phase,
            payroll_unit_id: SchoolId(self.payroll_unit_id),
            identity_unchanged: true,
            confirmed_at: self.confirmed_at,
            ended_on: self.ended_on,
            closing_reason: self.closing_reason,
            created_at: self.created_at,
            consent,
        })
    }
}

/// Serialises roster imports of one school (they upsert by staff number).
pub async fn lock_school_roster(conn: &mut AsyncPgConnection, school: SchoolId) -> QueryResult<()> {
    diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext('edu.roster.' || $1))")
        .bind::<diesel::sql_types::Text, _>(school.to_string())
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn teachers_by_staff_no(
    conn: &mut AsyncPgConnection,
    school: SchoolId,
) -> QueryResult<Vec<(String, Uuid)>> {
    teachers::table
        .filter(teachers::home_school_id.eq(school.0))
        .select((teachers::staff_no, teachers::id))
        .load(conn)
        .await
}

pub async fn insert_teacher(conn: &mut AsyncPgConnection, row: &TeacherRow) -> QueryResult<()> {
    diesel::insert_into(teachers::table)
        .values(row)
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn update_teacher(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    row: &TeacherRow,
) -> QueryResult<()> {
    diesel::update(teachers::table.find(id))
        .set((
            teachers::name.eq(&row.name),
            teachers::post.eq(&row.post),
            teachers::subject.eq(&row.subject),
            teachers::backbone.eq(&row.backbone),
            teachers::home_region.eq(&row.home_region),
            teachers::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn set_eligibility(
    conn: &mut AsyncPgConnection,
    teacher: Uuid,
    year: SchoolYear,
    eligible: bool,
) -> QueryResult<()> {
    diesel::insert_into(teacher_eligibility::table)
        .values((
            teacher_eligibility::teacher_id.eq(teacher),
            teacher_eligibility::school_year.eq(year.0),
            teacher_eligibility::eligible.eq(eligible),
        ))
        .on_conflict((
            teacher_eligibility::teacher_id,
            teacher_eligibility::school_year,
        ))
        .do_update()
        .set(teacher_eligibility::eligible.eq(eligible))
        .execute(conn)
        .await
        .map(|_| ())
}

/// A school's teachers with their eligibility in `year`.
pub async fn roster(
    conn: &mut AsyncPgConnection,
    school: SchoolId,
    year: SchoolYear,
    paging: Option<Paging>,
) -> QueryResult<(Vec<(TeacherRow, Option<bool>)>, i64)> {
    let total = teachers::table
        .filter(teachers::home_school_id.eq(school.0))
        .count()
        .get_result(conn)
        .await?;
    let mut q = teachers::table
        .left_join(
            teacher_eligibility::table.on(teacher_eligibility::teacher_id
                .eq(teachers::id)
                .and(teacher_eligibility::school_year.eq(year.0))),
        )
        .filter(teachers::home_school_id.eq(school.0))
        .order(teachers::staff_no)
        .select((
            TeacherRow::as_select(),
            teacher_eligibility::eligible.nullable(),
        ))
        .into_boxed();
    if let Some(p) = paging {
        q = q.limit(i64::from(p.limit)).offset(i64::from(p.offset));
    }
    Ok((q.load(conn).await?, total))
}

pub async fn teachers_by_id(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
) -> QueryResult<Vec<TeacherRow>> {
    teachers::table
        .filter(teachers::id.eq_any(ids))
        .select(TeacherRow::as_select())
        .load(conn)
        .await
}

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
    from_role: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    to_role: Option<String>,
    #[diesel(sql_type = Nullable<diesel::sql_types::Uuid>)]
    pub overlapping: Option<Uuid>,
    /// The group's region (its policy applies).
    #[diesel(sql_type = Nullable<Text>)]
    pub region: Option<String>,
    /// The receiving school is under an open persuade-out.
    #[diesel(sql_type = Nullable<Bool>)]
    pub receiver_under_persuade_out: Option<bool>,
    /// The receiving school's county (F-04), when the membership events said it.
    #[diesel(sql_type = Nullable<Text>)]
    pub receiver_region: Option<String>,
    /// The region's policy version in force on the day asked for, if one was published.
    #[diesel(sql_type = Nullable<Integer>)]
    policy_version: Option<i32>,
    #[diesel(sql_type = Nullable<Jsonb>)]
    policy_body: Option<serde_json::Value>,
}

impl PostingContext {
    /// The region's policy in force (DESIGN.md "Policy as data"), or the defaults.
    pub fn policy(&mut self) -> QueryResult<Policy> {
        let region = self.region.as_deref().unwrap_or_default();
        let stored = self.policy_version.zip(self.policy_body.take());
        edu_bus::policy::stored(region, stored)
    }

    /// The sending school's role, when it is an active school of the group.
    pub fn sender_role(&self) -> QueryResult<Option<MemberRole>> {
        self.from_role
            .as_deref()
            .map(|r| parse("role", r))
            .transpose()
    }

    /// The receiving school's role, when it is an active school of the group.
    pub fn receiver_role(&self) -> QueryResult<Option<MemberRole>> {
        self.to_role
            .as_deref()
            .map(|r| parse("role", r))
            .transpose()
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

pub async fn confirm(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<PostingRow> {
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
    id: Uuid,
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

// ---- compliance ----

/// A teacher's home school is in the group (bound after it) today, in the membership view.
const AT_A_SCHOOL_OF: &str = "teachers.home_school_id IN (SELECT school_id FROM membership_schools \
                              WHERE active AND group_id = ";

/// Who is in scope: a group's active schools, or a region.
pub enum ScopeFilter<'a> {
    Group(GroupId),
    Region(&'a str),
}

/// Teachers in scope eligible in `year`: (id, name, home school, backbone).
pub async fn eligible_teachers(
    conn: &mut AsyncPgConnection,
    scope: &ScopeFilter<'_>,
    year: SchoolYear,
) -> QueryResult<Vec<(Uuid, String, Uuid, String)>> {
    let mut q = teachers::table
        .inner_join(teacher_eligibility::table)
        .filter(teacher_eligibility::school_year.eq(year.0))
        .filter(teacher_eligibility::eligible)
        .into_boxed();
    q = match scope {
        ScopeFilter::Group(g) => q.filter(
            diesel::dsl::sql::<Bool>(AT_A_SCHOOL_OF)
                .bind::<diesel::sql_types::Uuid, _>(*g)
                .sql(")"),
        ),
        ScopeFilter::Region(r) => q.filter(teachers::home_region.eq(r.to_string())),
    };
    q.order(teachers::name)
        .select((
            teachers::id,
            teachers::name,
            teachers::home_school_id,
            teachers::backbone,
        ))
        .load(conn)
        .await
}

/// E-08 counts of one group: eligible teachers of its active schools; teachers rotated
/// (confirmed or ended-early postings of the group in the year) by `as_of` and in the
/// whole year, and of those the backbone teachers (county level or above).
#[derive(Debug, Clone, QueryableByName)]
pub struct GroupTally {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub group_id: Uuid,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub eligible: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub rotated: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub backbone: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub year_rotated: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub year_backbone: i64,
}

/// The [`GroupTally`] of one group, or of every group of a region: one aggregate query
/// either way (a province's round asks once, not once per group).
pub async fn group_tallies(
    conn: &mut AsyncPgConnection,
    scope: &ScopeFilter<'_>,
    year: SchoolYear,
    as_of: NaiveDate,
) -> QueryResult<Vec<GroupTally>> {
    let backbone: Vec<&str> = BackboneLevel::ALL
        .iter()
        .filter(|b| b.counts_as_backbone())
        .map(|b| b.as_str())
        .collect();
    let statuses = vec![
        PostingStatus::Confirmed.as_str(),
        PostingStatus::EndedEarly.as_str(),
    ];
    let (group, region) = match scope {
        ScopeFilter::Group(g) => (Some(g.0), None),
        ScopeFilter::Region(r) => (None, Some((*r).to_owned())),
    };
    diesel::sql_query(
        "WITH g AS (SELECT group_id FROM membership_groups \
                     WHERE group_id = $1 OR region = $2), \
              elig AS (SELECT gs.group_id, count(*) AS eligible \
                       FROM g JOIN membership_schools gs USING (group_id) \
                       JOIN teachers t ON t.home_school_id = gs.school_id \
                       JOIN teacher_eligibility e ON e.teacher_id = t.id \
                       WHERE gs.active AND e.school_year = $3 AND e.eligible \
                       GROUP BY gs.group_id), \
              rot AS (SELECT p.group_id, p.teacher_id, min(p.start_date) AS first_start, \
                             bool_or(t.backbone = ANY($5)) AS backbone \
                      FROM g JOIN postings p USING (group_id) \
                      JOIN teachers t ON t.id = p.teacher_id \
                      WHERE p.status = ANY($6) AND p.school_year = $3 \
                      GROUP BY p.group_id, p.teacher_id), \
              r AS (SELECT group_id, \
                           count(*) FILTER (WHERE first_start <= $4) AS rotated, \
                           count(*) FILTER (WHERE first_start <= $4 AND backbone) AS backbone, \
                           count(*) AS year_rotated, \
                           count(*) FILTER (WHERE backbone) AS year_backbone \
                    FROM rot GROUP BY group_id) \
         SELECT g.group_id, COALESCE(elig.eligible, 0) AS eligible, \
                COALESCE(r.rotated, 0) AS rotated, COALESCE(r.backbone, 0) AS backbone, \
                COALESCE(r.year_rotated, 0) AS year_rotated, \
                COALESCE(r.year_backbone, 0) AS year_backbone \
         FROM g LEFT JOIN elig USING (group_id) LEFT JOIN r USING (group_id) \
         ORDER BY g.group_id",
    )
    .bind::<Nullable<diesel::sql_types::Uuid>, _>(group)
    .bind::<Nullable<Text>, _>(region)
    .bind::<Integer, _>(year.0)
    .bind::<diesel::sql_types::Date, _>(as_of)
    .bind::<diesel::sql_types::Array<Text>, _>(backbone)
    .bind::<diesel::sql_types::Array<Text>, _>(statuses)
    .load(conn)
    .await
}

/// Confirmed (or ended-early) postings in scope in the school year:
/// (teacher id, name, home school, backbone, posting id, start).
pub async fn rotations(
    conn: &mut AsyncPgConnection,
    scope: &ScopeFilter<'_>,
    year: SchoolYear,
) -> QueryResult<Vec<(Uuid, String, Uuid, String, Uuid, NaiveDate)>> {
    // A term lies within one school year, so the year's postings are those of its year.
    let mut q = postings::table
        .inner_join(teachers::table)
        .filter(postings::status.eq_any([
            PostingStatus::Confirmed.as_str(),
            PostingStatus::EndedEarly.as_str(),
        ]))
        .filter(postings::school_year.eq(year.0))
        .into_boxed();
    q = match scope {
        ScopeFilter::Group(g) => q.filter(postings::group_id.eq(g.0)),
        ScopeFilter::Region(r) => q.filter(teachers::home_region.eq(r.to_string())),
    };
    q.order((teachers::id, postings::start_date))
        .select((
            teachers::id,
            teachers::name,
            teachers::home_school_id,
            teachers::backbone,
            postings::id,
            postings::start_date,
        ))
        .load(conn)
        .await
}

// ---- trainings (E-05, E-06, E-19) ----

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::schema::trainings)]
pub struct TrainingRow {
    pub id: Uuid,
    pub group_id: Uuid,
    pub kind: String,
    pub title: String,
    pub subject: Option<String>,
    pub held_on: NaiveDate,
    pub school_year: i32,
    pub semester: String,
    pub hours: i16,
    pub provider_school_id: Uuid,
    pub created_at: DateTime<Utc>,
}

pub async fn insert_training(
    conn: &mut AsyncPgConnection,
    row: &TrainingRow,
    participants: &[Uuid],
) -> QueryResult<()> {
    use crate::schema::{training_participants as tp, trainings};
    diesel::insert_into(trainings::table)
        .values(row)
        .execute(conn)
        .await?;
    let rows: Vec<_> = participants
        .iter()
        .map(|t| (tp::training_id.eq(row.id), tp::teacher_id.eq(*t)))
        .collect();
    diesel::insert_into(tp::table)
        .values(rows)
        .execute(conn)
        .await
        .map(|_| ())
}

/// How many of `teachers` belong to an active school of the group.
pub async fn count_group_teachers(
    conn: &mut AsyncPgConnection,
    group: GroupId,
    teachers_: &[Uuid],
) -> QueryResult<i64> {
    teachers::table
        .filter(teachers::id.eq_any(teachers_))
        .filter(
            diesel::dsl::sql::<Bool>(AT_A_SCHOOL_OF)
                .bind::<diesel::sql_types::Uuid, _>(group)
                .sql(")"),
        )
        .count()
        .get_result(conn)
        .await
}

pub async fn trainings(
    conn: &mut AsyncPgConnection,
    group: GroupId,
    year: SchoolYear,
) -> QueryResult<Vec<(TrainingRow, Vec<Uuid>)>> {
    use crate::schema::{training_participants as tp, trainings};
    let rows: Vec<TrainingRow> = trainings::table
        .filter(trainings::group_id.eq(group.0))
        .filter(trainings::school_year.eq(year.0))
        .order((trainings::held_on, trainings::id))
        .select(TrainingRow::as_select())
        .load(conn)
        .await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let participants: Vec<(Uuid, Uuid)> = tp::table
        .filter(tp::training_id.eq_any(&ids))
        .select((tp::training_id, tp::teacher_id))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let who = participants
                .iter()
                .filter(|(t, _)| *t == r.id)
                .map(|(_, p)| *p)
                .collect();
            (r, who)
        })
        .collect())
}

#[derive(QueryableByName)]
pub struct HoursRow {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub id: Uuid,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub name: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub hours: i64,
}

/// E-19: every teacher of a school with the training hours credited in a school year.
pub async fn training_hours(
    conn: &mut AsyncPgConnection,
    school: SchoolId,
    year: SchoolYear,
) -> QueryResult<Vec<HoursRow>> {
    diesel::sql_query(
        "SELECT t.id, t.name, COALESCE(SUM(tr.hours), 0)::bigint AS hours
         FROM teachers t
         LEFT JOIN training_participants tp ON tp.teacher_id = t.id
         LEFT JOIN trainings tr ON tr.id = tp.training_id AND tr.school_year = $2
         WHERE t.home_school_id = $1
         GROUP BY t.id, t.name
         ORDER BY t.name",
    )
    .bind::<diesel::sql_types::Uuid, _>(school.0)
    .bind::<diesel::sql_types::Integer, _>(year.0)
    .load(conn)
    .await
}

#[derive(QueryableByName)]
pub struct CoverageRow {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub id: Uuid,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub name: String,
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub home_school_id: Uuid,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub backbone: String,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    pub covered: bool,
}

/// E-09: the group's member-school managers and subject teachers, and whether each has a
/// confirmed shadowing posting that started within `[since, as_of]`.
pub async fn shadowing_coverage(
    conn: &mut AsyncPgConnection,
    group: GroupId,
    since: NaiveDate,
    as_of: NaiveDate,
) -> QueryResult<Vec<CoverageRow>> {
    diesel::sql_query(
        "SELECT t.id, t.name, t.home_school_id, t.backbone,
                EXISTS (SELECT 1 FROM postings p
                        WHERE p.teacher_id = t.id AND p.kind = 'shadowing'
                          AND p.status IN ('confirmed', 'ended_early')
                          AND p.start_date BETWEEN $2 AND $3) AS covered
         FROM teachers t
         JOIN membership_schools gs ON gs.school_id = t.home_school_id
         WHERE gs.group_id = $1 AND gs.active AND gs.role = 'member'
           AND t.post IN ('middle_manager', 'subject_teacher')
         ORDER BY t.name",
    )
    .bind::<diesel::sql_types::Uuid, _>(group.0)
    .bind::<diesel::sql_types::Date, _>(since)
    .bind::<diesel::sql_types::Date, _>(as_of)
    .load(conn)
    .await
}
