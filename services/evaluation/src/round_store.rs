//! Queries of the annual evaluation: the bureau's data, the facts of a whole
//! region's groups read in one query per table (a round of a province-sized region reads
//! a handful of result sets, not one per group), rounds, scorecards and consequences.

use std::io::Write;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::Json;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use edu_bus::membership_view::{membership_groups, membership_stays};
use uuid::Uuid;

use crate::schema::{
    adoptions, consequences, meetings, postings, reports, resources, round_groups, rounds,
    school_data, scorecards, scored_items, trainings,
};

// ---- projection ----

pub async fn resource_adopted(
    conn: &mut AsyncPgConnection,
    event_id: Uuid,
    (resource, group, owner, adopter): (Uuid, Uuid, Uuid, Uuid),
    on: NaiveDate,
) -> QueryResult<()> {
    diesel::insert_into(adoptions::table)
        .values((
            adoptions::event_id.eq(event_id),
            adoptions::resource_id.eq(resource),
            adoptions::group_id.eq(group),
            adoptions::owner_school_id.eq(owner),
            adoptions::adopting_school_id.eq(adopter),
            adoptions::adopted_on.eq(on),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await
        .map(|_| ())
}

/// a proposed consequence happened (the persuade-out was confirmed, the group
/// dissolved) or was turned down (the persuade-out was rejected).
pub async fn consequence_settled(
    conn: &mut AsyncPgConnection,
    group: Uuid,
    kind: &str,
    school: Option<Uuid>,
    status: &str,
    at: DateTime<Utc>,
) -> QueryResult<()> {
    // a consequence the bureau confirmed becomes effective when it happens; one still
    // proposed is settled by whatever happened first (a persuade-out, a dissolution).
    let from: &[&str] = if status == "effective" {
        &["proposed", "confirmed"]
    } else {
        &["proposed"]
    };
    // A draft's consequences are not binding: only a completed round's settle.
    let completed = scorecards::table
        .inner_join(rounds::table)
        .filter(rounds::state.eq("completed"))
        .filter(scorecards::group_id.eq(group))
        .select(scorecards::evaluation_id);
    let mut q = diesel::update(consequences::table)
        .filter(consequences::group_id.eq(group))
        .filter(consequences::evaluation_id.eq_any(completed))
        .filter(consequences::kind.eq(kind))
        .filter(consequences::status.eq_any(from))
        .into_boxed();
    if let Some(school) = school {
        q = q.filter(consequences::school_id.eq(school));
    }
    q.set((
        consequences::status.eq(status),
        consequences::decided_at.eq(at),
    ))
    .execute(conn)
    .await
    .map(|_| ())
}

// ---- the bureau's data ----

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = school_data)]
pub struct SchoolDataRow {
    pub school_id: Uuid,
    pub school_year: i32,
    pub region: String,
    pub stage: String,
    pub quality_score: Option<f64>,
    pub balance: Option<serde_json::Value>,
    pub entered_by: String,
    pub entered_at: DateTime<Utc>,
}

pub async fn save_school_data(
    conn: &mut AsyncPgConnection,
    row: &SchoolDataRow,
) -> QueryResult<SchoolDataRow> {
    diesel::insert_into(school_data::table)
        .values(row)
        .on_conflict((school_data::school_id, school_data::school_year))
        .do_update()
        .set(row)
        .returning(SchoolDataRow::as_returning())
        .get_result(conn)
        .await
}

pub async fn school_data_of(
    conn: &mut AsyncPgConnection,
    school: Uuid,
    year: i32,
) -> QueryResult<Option<SchoolDataRow>> {
    school_data::table
        .find((school, year))
        .select(SchoolDataRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// Every school's data of a region for these years (the county's CV needs them all).
pub async fn region_school_data(
    conn: &mut AsyncPgConnection,
    region: &str,
    years: &[i32],
) -> QueryResult<Vec<SchoolDataRow>> {
    school_data::table
        .filter(school_data::region.eq(region))
        .filter(school_data::school_year.eq_any(years))
        .select(SchoolDataRow::as_select())
        .load(conn)
        .await
}

pub async fn save_scored_items(
    conn: &mut AsyncPgConnection,
    (group, year): (Uuid, i32),
    items: &serde_json::Value,
    by: &str,
) -> QueryResult<()> {
    let now = Utc::now();
    diesel::insert_into(scored_items::table)
        .values((
            scored_items::group_id.eq(group),
            scored_items::school_year.eq(year),
            scored_items::items.eq(items),
            scored_items::entered_by.eq(by),
            scored_items::entered_at.eq(now),
        ))
        .on_conflict((scored_items::group_id, scored_items::school_year))
        .do_update()
        .set((
            scored_items::items.eq(items),
            scored_items::entered_by.eq(by),
            scored_items::entered_at.eq(now),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn region_scored_items(
    conn: &mut AsyncPgConnection,
    groups: &[Uuid],
    year: i32,
) -> QueryResult<Vec<(Uuid, serde_json::Value)>> {
    scored_items::table
        .filter(scored_items::group_id.eq_any(groups))
        .filter(scored_items::school_year.eq(year))
        .select((scored_items::group_id, scored_items::items))
        .load(conn)
        .await
}

// ---- a region's facts ----

#[derive(Debug, Clone, Queryable)]
pub struct RegionGroup {
    pub group_id: Uuid,
    pub lead_school_id: Uuid,
    pub plaque_date: NaiveDate,
}

/// The region's groups not dissolved before `from`.
pub async fn region_groups(
    conn: &mut AsyncPgConnection,
    region: &str,
    from: NaiveDate,
) -> QueryResult<Vec<RegionGroup>> {
    membership_groups::table
        .filter(membership_groups::region.eq(region))
        .filter(
            membership_groups::dissolved_on
                .is_null()
                .or(membership_groups::dissolved_on.ge(from)),
        )
        .order(membership_groups::group_id)
        // Every group.established event carries its plaque date (see store::group).
        .select((
            membership_groups::group_id,
            membership_groups::lead_school_id,
            membership_groups::plaque_date.assume_not_null(),
        ))
        .load(conn)
        .await
}

/// (group, school) of the members in the group at some point from `from` on. The
/// projection dates an admission by its event, so a group registered after the fact still
/// counts the members it has.
pub async fn members_since(
    conn: &mut AsyncPgConnection,
    groups: &[Uuid],
    from: NaiveDate,
) -> QueryResult<Vec<(Uuid, Uuid)>> {
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

pub type MeetingRow = (Uuid, Uuid, String, NaiveDate, Vec<Uuid>);

pub async fn meetings_of(
    conn: &mut AsyncPgConnection,
    groups: &[Uuid],
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
    groups: &[Uuid],
    years: (i32, i32),
) -> QueryResult<Vec<(Uuid, Uuid, i32, i32, bool)>> {
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
    groups: &[Uuid],
    (from, to): (NaiveDate, NaiveDate),
) -> QueryResult<Vec<(Uuid, Uuid, String, NaiveDate)>> {
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
    groups: &[Uuid],
    (from, to): (NaiveDate, NaiveDate),
) -> QueryResult<Vec<(Uuid, Uuid, Uuid, NaiveDate)>> {
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
    groups: &[Uuid],
    (from, to): (NaiveDate, NaiveDate),
) -> QueryResult<Vec<(Uuid, Uuid, Uuid, Uuid)>> {
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
    groups: &[Uuid],
    day: NaiveDate,
) -> QueryResult<Vec<(Uuid, Uuid, Uuid, bool, i64)>> {
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

// ---- rounds and scorecards ----

/// V-03: the groups of `groups` a round already claimed for the school year (evaluated, or
/// being evaluated).
pub async fn claimed(
    conn: &mut AsyncPgConnection,
    groups: &[Uuid],
    year: i32,
) -> QueryResult<Vec<Uuid>> {
    round_groups::table
        .filter(round_groups::group_id.eq_any(groups))
        .filter(round_groups::school_year.eq(year))
        .order(round_groups::group_id)
        .select(round_groups::group_id)
        .load(conn)
        .await
}

/// The groups a round evaluates.
pub async fn round_group_ids(conn: &mut AsyncPgConnection, round: Uuid) -> QueryResult<Vec<Uuid>> {
    round_groups::table
        .filter(round_groups::round_id.eq(round))
        .order(round_groups::group_id)
        .select(round_groups::group_id)
        .load(conn)
        .await
}

/// The grades of a school year's completed scorecards (last year's: the trend of a group;
/// a draft's grade is not final).
pub async fn grades_of(
    conn: &mut AsyncPgConnection,
    groups: &[Uuid],
    year: i32,
) -> QueryResult<Vec<(Uuid, String)>> {
    scorecards::table
        .inner_join(rounds::table)
        .filter(rounds::state.eq("completed"))
        .filter(scorecards::group_id.eq_any(groups))
        .filter(scorecards::school_year.eq(year))
        .select((scorecards::group_id, scorecards::grade))
        .load(conn)
        .await
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = rounds)]
pub struct RoundRow {
    pub round_id: Uuid,
    pub region: String,
    pub school_year: i32,
    pub as_of: NaiveDate,
    pub policy_version: i32,
    pub opened_by: String,
    pub opened_at: DateTime<Utc>,
    pub skipped: serde_json::Value,
    pub status: String,
    pub failure: Option<serde_json::Value>,
    pub computed_at: Option<DateTime<Utc>>,
    pub actor: Option<serde_json::Value>,
    pub state: String,
    pub completed_at: Option<DateTime<Utc>>,
    pub completed_by: Option<String>,
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
    pub group_id: Uuid,
    pub school_year: i32,
    pub total: f64,
    pub grade: String,
    pub body: JsonDocument,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = consequences)]
pub struct ConsequenceRow {
    pub consequence_id: Uuid,
    pub evaluation_id: Uuid,
    pub group_id: Uuid,
    pub kind: String,
    pub school_id: Option<Uuid>,
    pub reason: String,
    pub status: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub note: Option<String>,
}

/// Rows per multi-row INSERT (PostgreSQL allows 65,535 bind parameters per statement).
const INSERT_CHUNK: usize = 1000;

/// Opens a round (`computing`) and claims its groups for the school year (V-03).
pub async fn open_round(
    conn: &mut AsyncPgConnection,
    round: &RoundRow,
    groups: &[Uuid],
) -> QueryResult<()> {
    diesel::insert_into(rounds::table)
        .values(round)
        .execute(conn)
        .await?;
    for chunk in groups.chunks(INSERT_CHUNK) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|g| {
                (
                    round_groups::round_id.eq(round.round_id),
                    round_groups::group_id.eq(*g),
                    round_groups::school_year.eq(round.school_year),
                )
            })
            .collect();
        diesel::insert_into(round_groups::table)
            .values(rows)
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// Stores a round's scorecards and consequences (multi-row INSERTs in chunks).
pub async fn insert_scorecards(
    conn: &mut AsyncPgConnection,
    cards: &[NewScorecard],
    consequences_rows: &[ConsequenceRow],
) -> QueryResult<()> {
    for chunk in cards.chunks(INSERT_CHUNK) {
        diesel::insert_into(scorecards::table)
            .values(chunk)
            .execute(conn)
            .await?;
    }
    for chunk in consequences_rows.chunks(INSERT_CHUNK) {
        diesel::insert_into(consequences::table)
            .values(chunk)
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// A computing round ends: `computed`, or `failed` with its refusal (and its groups
/// released, so that the bureau can open another round for them).
pub async fn finish_round(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    failure: Option<&serde_json::Value>,
) -> QueryResult<()> {
    let status = if failure.is_some() {
        diesel::delete(round_groups::table.filter(round_groups::round_id.eq(id)))
            .execute(conn)
            .await?;
        "failed"
    } else {
        "computed"
    };
    diesel::update(rounds::table.find(id))
        .filter(rounds::status.eq("computing"))
        .set((
            rounds::status.eq(status),
            rounds::failure.eq(failure),
            rounds::computed_at.eq(Utc::now()),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Rounds still computing that were opened before `before` (oldest first).
pub async fn computing_rounds(
    conn: &mut AsyncPgConnection,
    before: DateTime<Utc>,
) -> QueryResult<Vec<Uuid>> {
    rounds::table
        .filter(rounds::status.eq("computing"))
        .filter(rounds::opened_at.lt(before))
        .order(rounds::opened_at)
        .select(rounds::round_id)
        .load(conn)
        .await
}

pub async fn round(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<RoundRow>> {
    rounds::table
        .find(id)
        .select(RoundRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// (evaluation, group, total, grade) of a round's scorecards.
pub async fn round_lines(
    conn: &mut AsyncPgConnection,
    round: Uuid,
) -> QueryResult<Vec<(Uuid, Uuid, f64, String)>> {
    scorecards::table
        .filter(scorecards::round_id.eq(round))
        .order(scorecards::group_id)
        .select((
            scorecards::evaluation_id,
            scorecards::group_id,
            scorecards::total,
            scorecards::grade,
        ))
        .load(conn)
        .await
}

pub async fn scorecard(
    conn: &mut AsyncPgConnection,
    round: Uuid,
    group: Uuid,
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

pub async fn consequences_of(
    conn: &mut AsyncPgConnection,
    evaluations: &[Uuid],
) -> QueryResult<Vec<ConsequenceRow>> {
    consequences::table
        .filter(consequences::evaluation_id.eq_any(evaluations))
        .order(consequences::consequence_id)
        .select(ConsequenceRow::as_select())
        .load(conn)
        .await
}

pub async fn consequence_for_update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> QueryResult<Option<ConsequenceRow>> {
    consequences::table
        .find(id)
        .for_update()
        .select(ConsequenceRow::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn decide(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    status: &str,
    by: &str,
    note: Option<&str>,
) -> QueryResult<ConsequenceRow> {
    diesel::update(consequences::table.find(id))
        .set((
            consequences::status.eq(status),
            consequences::decided_by.eq(by),
            consequences::decided_at.eq(Utc::now()),
            consequences::note.eq(note),
        ))
        .returning(ConsequenceRow::as_returning())
        .get_result(conn)
        .await
}

/// the group's latest completed evaluation: (evaluation, grade). A draft is no
/// verdict sanctions may rest on.
pub async fn latest_evaluation(
    conn: &mut AsyncPgConnection,
    group: Uuid,
) -> QueryResult<Option<(Uuid, String)>> {
    scorecards::table
        .inner_join(rounds::table)
        .filter(rounds::state.eq("completed"))
        .filter(scorecards::group_id.eq(group))
        .order(scorecards::school_year.desc())
        .select((scorecards::evaluation_id, scorecards::grade))
        .first(conn)
        .await
        .optional()
}

/// Whether the evaluation proposes (or made) this school's exit, and nobody rejected it.
pub async fn exit_proposed(
    conn: &mut AsyncPgConnection,
    evaluation: Uuid,
    school: Uuid,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        consequences::table
            .filter(consequences::evaluation_id.eq(evaluation))
            .filter(consequences::kind.eq("member_exit"))
            .filter(consequences::school_id.eq(school))
            .filter(consequences::status.ne("rejected")),
    ))
    .get_result(conn)
    .await
}
