//! Queries of the scorecards: the facts of a whole region's groups read in one query per
//! table (a round of a province-sized region reads a handful of result sets, not one per
//! group), and the scorecards a round stores.

use std::io::Write;

use chrono::NaiveDate;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::Json;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use edu_bus::membership_view::membership_stays;
use edu_domain::{GroupId, SchoolId};
use uuid::Uuid;

use crate::rounds::store::INSERT_CHUNK;
use crate::schema::{
    adoptions, meetings, postings, reports, resources, rounds, scorecards, trainings,
};

/// (group, school) of the members in the group at some point from `from` on. The
/// projection dates an admission by its event, so a group registered after the fact still
/// counts the members it has.
pub async fn members_since(
    conn: &mut AsyncPgConnection,
    groups: &[GroupId],
    from: NaiveDate,
) -> QueryResult<Vec<(GroupId, SchoolId)>> {
    membership_stays::table
        .filter(membership_stays::group_id.eq_any(groups))
        .filter(membership_stays::role.eq("member"))
        .filter(
            membership_stays::left_on
                .is_null()
                .or(membership_stays::left_on.ge(from)),
        )
        .order((membership_stays::group_id, membership_stays::school_id))
        .select((membership_stays::group_id, membership_stays::school_id))
        .distinct()
        .load(conn)
        .await
}

pub type MeetingRow = (GroupId, Uuid, String, NaiveDate, Vec<SchoolId>);

pub async fn meetings_of(
    conn: &mut AsyncPgConnection,
    groups: &[GroupId],
    (from, to): (NaiveDate, NaiveDate),
) -> QueryResult<Vec<MeetingRow>> {
    meetings::table
        .filter(meetings::group_id.eq_any(groups))
        .filter(meetings::held_on.between(from, to))
        .order((meetings::held_on, meetings::meeting_id))
        .select((
            meetings::group_id,
            meetings::meeting_id,
            meetings::kind,
            meetings::held_on,
            meetings::schools_present,
        ))
        .load(conn)
        .await
}

pub async fn reports_of(
    conn: &mut AsyncPgConnection,
    groups: &[GroupId],
    years: (i32, i32),
) -> QueryResult<Vec<(GroupId, Uuid, i32, i32, bool)>> {
    reports::table
        .filter(reports::group_id.eq_any(groups))
        .filter(reports::year.between(years.0, years.1))
        .select((
            reports::group_id,
            reports::report_id,
            reports::year,
            reports::quarter,
            reports::late,
        ))
        .load(conn)
        .await
}

pub async fn trainings_of(
    conn: &mut AsyncPgConnection,
    groups: &[GroupId],
    (from, to): (NaiveDate, NaiveDate),
) -> QueryResult<Vec<(GroupId, Uuid, String, NaiveDate)>> {
    trainings::table
        .filter(trainings::group_id.eq_any(groups))
        .filter(trainings::held_on.between(from, to))
        .select((
            trainings::group_id,
            trainings::training_id,
            trainings::kind,
            trainings::held_on,
        ))
        .load(conn)
        .await
}

pub async fn resources_of(
    conn: &mut AsyncPgConnection,
    groups: &[GroupId],
    (from, to): (NaiveDate, NaiveDate),
) -> QueryResult<Vec<(GroupId, Uuid, SchoolId, NaiveDate)>> {
    resources::table
        .filter(resources::group_id.eq_any(groups))
        .filter(resources::published_on.between(from, to))
        .select((
            resources::group_id,
            resources::resource_id,
            resources::owner_school_id,
            resources::published_on,
        ))
        .load(conn)
        .await
}

pub async fn adoptions_of(
    conn: &mut AsyncPgConnection,
    groups: &[GroupId],
    (from, to): (NaiveDate, NaiveDate),
) -> QueryResult<Vec<(GroupId, Uuid, SchoolId, SchoolId)>> {
    adoptions::table
        .filter(adoptions::group_id.eq_any(groups))
        .filter(adoptions::adopted_on.between(from, to))
        .select((
            adoptions::group_id,
            adoptions::resource_id,
            adoptions::owner_school_id,
            adoptions::adopting_school_id,
        ))
        .load(conn)
        .await
}

/// Confirmed postings running on `day`, counted in the database per group, sending school,
/// receiving school and whether the teacher is a backbone one: (group, from, to, backbone,
/// postings). A province runs ~0.9 M postings; the balance needs only these counts.
pub async fn running_postings(
    conn: &mut AsyncPgConnection,
    groups: &[GroupId],
    day: NaiveDate,
) -> QueryResult<Vec<(GroupId, SchoolId, SchoolId, bool, i64)>> {
    postings::table
        .filter(postings::group_id.eq_any(groups))
        .filter(postings::cancelled.eq(false))
        .filter(postings::start_date.le(day))
        .filter(postings::end_date.ge(day))
        .group_by((
            postings::group_id,
            postings::from_school_id,
            postings::to_school_id,
            postings::backbone,
        ))
        .order((
            postings::group_id,
            postings::from_school_id,
            postings::to_school_id,
            postings::backbone,
        ))
        .select((
            postings::group_id,
            postings::from_school_id,
            postings::to_school_id,
            postings::backbone,
            diesel::dsl::count_star(),
        ))
        .load(conn)
        .await
}

/// The grades of a school year's completed scorecards (last year's: the trend of a group;
/// a draft's grade is not final).
pub async fn grades_of(
    conn: &mut AsyncPgConnection,
    groups: &[GroupId],
    year: i32,
) -> QueryResult<Vec<(GroupId, String)>> {
    scorecards::table
        .inner_join(rounds::table)
        .filter(rounds::state.eq("completed"))
        .filter(scorecards::group_id.eq_any(groups))
        .filter(scorecards::school_year.eq(year))
        .select((scorecards::group_id, scorecards::grade))
        .load(conn)
        .await
}

/// A stored scorecard: its id (what its consequences cite) and its body.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = scorecards)]
pub struct ScorecardRow {
    pub evaluation_id: Uuid,
    pub body: serde_json::Value,
}

/// A JSON document serialized once, straight from its struct, and bound as json as it is
/// (a province's round writes 2,000 scorecards: no `serde_json::Value` built in between).
#[derive(Debug, Clone, diesel::expression::AsExpression)]
#[diesel(sql_type = Json)]
pub struct JsonDocument(Vec<u8>);

impl JsonDocument {
    pub fn of(value: &impl serde::Serialize) -> serde_json::Result<Self> {
        serde_json::to_vec(value).map(Self)
    }
}

impl ToSql<Json, Pg> for JsonDocument {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        // json's binary format is the document's text.
        out.write_all(&self.0)?;
        Ok(IsNull::No)
    }
}

/// A scorecard as a round stores it.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = scorecards)]
pub struct NewScorecard {
    pub evaluation_id: Uuid,
    pub round_id: Uuid,
    pub group_id: GroupId,
    pub school_year: i32,
    pub total: f64,
    pub grade: String,
    pub body: JsonDocument,
}

/// Stores a round's scorecards (multi-row INSERTs in chunks).
pub async fn insert_scorecards(
    conn: &mut AsyncPgConnection,
    cards: &[NewScorecard],
) -> QueryResult<()> {
    for chunk in cards.chunks(INSERT_CHUNK) {
        diesel::insert_into(scorecards::table)
            .values(chunk)
            .execute(conn)
            .await?;
    }
    Ok(())
}

pub async fn scorecard(
    conn: &mut AsyncPgConnection,
    round: Uuid,
    group: GroupId,
) -> QueryResult<Option<ScorecardRow>> {
    scorecards::table
        .filter(scorecards::round_id.eq(round))
        .filter(scorecards::group_id.eq(group))
        .select(ScorecardRow::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn scorecard_page(
    conn: &mut AsyncPgConnection,
    round: Uuid,
    (limit, offset): (i64, i64),
) -> QueryResult<(Vec<ScorecardRow>, i64)> {
    let rows = scorecards::table
        .filter(scorecards::round_id.eq(round))
        .order(scorecards::group_id)
        .limit(limit)
        .offset(offset)
        .select(ScorecardRow::as_select())
        .load(conn)
        .await?;
    let total = scorecards::table
        .filter(scorecards::round_id.eq(round))
        .count()
        .get_result(conn)
        .await?;
    Ok((rows, total))
}
