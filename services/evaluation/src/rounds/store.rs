//! Queries of the rounds: opening one and claiming its groups for the school year (V-03),
//! its computation's end, a draft recomputed or completed, the region's rounds listed.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use edu_bus::membership_view::membership_groups;
use edu_domain::{GroupId, RegionCode, SchoolId};
use uuid::Uuid;

use crate::schema::{consequences, round_groups, rounds, scorecards};

/// Rows per multi-row INSERT (PostgreSQL allows 65,535 bind parameters per statement).
pub(crate) const INSERT_CHUNK: usize = 1000;

#[derive(Debug, Clone, Queryable)]
pub struct RegionGroup {
    pub group_id: GroupId,
    pub lead_school_id: SchoolId,
    pub plaque_date: NaiveDate,
}

/// The region's groups not dissolved before `from`.
pub async fn region_groups(
    conn: &mut AsyncPgConnection,
    region: &RegionCode,
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
        // Every group.established event carries its plaque date (see `ledger::store::group`).
        .select((
            membership_groups::group_id,
            membership_groups::lead_school_id,
            membership_groups::plaque_date.assume_not_null(),
        ))
        .load(conn)
        .await
}

/// V-03: the groups of `groups` a round already claimed for the school year (evaluated, or
/// being evaluated).
pub async fn claimed(
    conn: &mut AsyncPgConnection,
    groups: &[GroupId],
    year: i32,
) -> QueryResult<Vec<GroupId>> {
    round_groups::table
        .filter(round_groups::group_id.eq_any(groups))
        .filter(round_groups::school_year.eq(year))
        .order(round_groups::group_id)
        .select(round_groups::group_id)
        .load(conn)
        .await
}

/// The groups a round evaluates.
pub async fn round_group_ids(
    conn: &mut AsyncPgConnection,
    round: Uuid,
) -> QueryResult<Vec<GroupId>> {
    round_groups::table
        .filter(round_groups::round_id.eq(round))
        .order(round_groups::group_id)
        .select(round_groups::group_id)
        .load(conn)
        .await
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = rounds)]
pub struct RoundRow {
    pub round_id: Uuid,
    pub region: RegionCode,
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

/// Opens a round (`computing`) and claims its groups for the school year (V-03).
pub async fn open_round(
    conn: &mut AsyncPgConnection,
    round: &RoundRow,
    groups: &[GroupId],
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
) -> QueryResult<Vec<(Uuid, GroupId, f64, String)>> {
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

/// V-03: (group, round, state) of the rounds claiming `groups` for the school year.
pub async fn claims(
    conn: &mut AsyncPgConnection,
    groups: &[GroupId],
    year: i32,
) -> QueryResult<Vec<(GroupId, Uuid, String)>> {
    round_groups::table
        .inner_join(rounds::table)
        .filter(round_groups::group_id.eq_any(groups))
        .filter(round_groups::school_year.eq(year))
        .order((round_groups::group_id, rounds::opened_at.desc()))
        .select((round_groups::group_id, rounds::round_id, rounds::state))
        .load(conn)
        .await
}

/// The round, its row locked until the transaction ends.
pub async fn round_for_update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> QueryResult<Option<RoundRow>> {
    rounds::table
        .find(id)
        .for_update()
        .select(RoundRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// A draft computes again: its scorecards and their consequences are dropped and it is
/// `computing` for `actor` (its groups stay claimed).
pub async fn restart_round(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    actor: &serde_json::Value,
) -> QueryResult<RoundRow> {
    let cards = scorecards::table
        .filter(scorecards::round_id.eq(id))
        .select(scorecards::evaluation_id);
    diesel::delete(consequences::table.filter(consequences::evaluation_id.eq_any(cards)))
        .execute(conn)
        .await?;
    diesel::delete(scorecards::table.filter(scorecards::round_id.eq(id)))
        .execute(conn)
        .await?;
    diesel::update(rounds::table.find(id))
        .set((
            rounds::status.eq("computing"),
            rounds::failure.eq(None::<serde_json::Value>),
            rounds::computed_at.eq(None::<chrono::DateTime<Utc>>),
            rounds::actor.eq(actor),
        ))
        .returning(RoundRow::as_returning())
        .get_result(conn)
        .await
}

pub async fn complete_round(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    by: &str,
) -> QueryResult<RoundRow> {
    diesel::update(rounds::table.find(id))
        .set((
            rounds::state.eq("completed"),
            rounds::completed_at.eq(Utc::now()),
            rounds::completed_by.eq(by),
        ))
        .returning(RoundRow::as_returning())
        .get_result(conn)
        .await
}

/// (evaluation, group, school year, total, grade) of a round's scorecards.
pub async fn round_cards(
    conn: &mut AsyncPgConnection,
    round: Uuid,
) -> QueryResult<Vec<(Uuid, GroupId, i32, f64, String)>> {
    scorecards::table
        .filter(scorecards::round_id.eq(round))
        .order(scorecards::group_id)
        .select((
            scorecards::evaluation_id,
            scorecards::group_id,
            scorecards::school_year,
            scorecards::total,
            scorecards::grade,
        ))
        .load(conn)
        .await
}

/// What a list of rounds keeps: a column and its value.
pub enum ListFilter<'a> {
    State(&'a str),
    Status(&'a str),
}

/// A region's rounds, newest first, with their total.
pub async fn list_rounds(
    conn: &mut AsyncPgConnection,
    region: &RegionCode,
    year: Option<i32>,
    filter: Option<ListFilter<'_>>,
    (limit, offset): (i64, i64),
) -> QueryResult<(Vec<RoundRow>, i64)> {
    let query = || {
        let mut q = rounds::table
            .filter(rounds::region.eq(region.clone()))
            .into_boxed();
        if let Some(y) = year {
            q = q.filter(rounds::school_year.eq(y));
        }
        match &filter {
            Some(ListFilter::State(s)) => q = q.filter(rounds::state.eq((*s).to_owned())),
            Some(ListFilter::Status(s)) => q = q.filter(rounds::status.eq((*s).to_owned())),
            None => {}
        }
        q
    };
    let rows = query()
        .order((rounds::opened_at.desc(), rounds::round_id))
        .limit(limit)
        .offset(offset)
        .select(RoundRow::as_select())
        .load(conn)
        .await?;
    let total = query().count().get_result(conn).await?;
    Ok((rows, total))
}

/// (round, groups it claims) of these rounds.
pub async fn group_counts(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
) -> QueryResult<Vec<(Uuid, i64)>> {
    round_groups::table
        .filter(round_groups::round_id.eq_any(ids))
        .group_by(round_groups::round_id)
        .select((round_groups::round_id, diesel::dsl::count_star()))
        .load(conn)
        .await
}
