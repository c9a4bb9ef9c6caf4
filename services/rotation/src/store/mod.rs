//! Queries of the `rotation` schema; every function composes inside a transaction.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use edu_contracts::rotation::{ConsentStatus, Paging, Posting, PostingConsent, PostingPhase};
use edu_domain::{
    BackboneLevel, GroupId, Post, PostingId, PostingKind, PostingStatus, RegionCode, SchoolId,
    SchoolYear, TeacherId,
};

use crate::rules;
use crate::schema::{self, teacher_eligibility, teachers};

/// A teacher's home school is in the group (bound after it) today, in the membership view.
const AT_A_SCHOOL_OF: &str = "teachers.home_school_id IN (SELECT school_id FROM membership_schools \
                              WHERE active AND group_id = ";

mod compliance;
mod postings;
mod trainings;

pub use compliance::*;
pub use postings::*;
pub use trainings::*;

pub(crate) fn parse<T: std::str::FromStr>(what: &str, value: &str) -> QueryResult<T> {
    value.parse().map_err(|_| corrupt(what, value))
}

pub(crate) fn corrupt(what: &str, value: &str) -> diesel::result::Error {
    diesel::result::Error::DeserializationError(
        format!("stored {what} {value:?} is not valid").into(),
    )
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = teachers)]
pub struct TeacherRow {
    pub id: TeacherId,
    pub home_school_id: SchoolId,
    pub home_region: RegionCode,
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
#[diesel(table_name = schema::postings, treat_none_as_default_value = false)]
pub struct PostingRow {
    pub id: PostingId,
    pub group_id: GroupId,
    pub teacher_id: TeacherId,
    pub from_school_id: SchoolId,
    pub to_school_id: SchoolId,
    pub kind: String,
    pub host_post: String,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub school_year: i32,
    pub status: String,
    pub payroll_unit_id: SchoolId,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub ended_on: Option<NaiveDate>,
    pub closing_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    /// F-04: the teacher's county, whose bureau consents to a posting across counties.
    pub consent_region: Option<RegionCode>,
    pub consent_to_region: Option<RegionCode>,
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
        let region = |field: &str, value: &Option<RegionCode>| {
            value.clone().ok_or_else(|| corrupt(field, "NULL"))
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
            id: self.id,
            group_id: self.group_id,
            teacher_id: self.teacher_id,
            teacher_name: teacher.name.clone(),
            backbone: teacher.backbone()?,
            from_school_id: self.from_school_id,
            to_school_id: self.to_school_id,
            kind: self.kind()?,
            host_post: self.host_post,
            start: self.start_date,
            end: self.end_date,
            school_year: SchoolYear(self.school_year),
            status,
            phase,
            payroll_unit_id: self.payroll_unit_id,
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
) -> QueryResult<Vec<(String, TeacherId)>> {
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
    id: TeacherId,
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
    teacher: TeacherId,
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
    ids: &[TeacherId],
) -> QueryResult<Vec<TeacherRow>> {
    teachers::table
        .filter(teachers::id.eq_any(ids))
        .select(TeacherRow::as_select())
        .load(conn)
        .await
}
