//! Queries of the evaluation year's life: the claims of drafts and completed rounds (V-03),
//! a draft recomputed or completed, the region's rounds listed, and the lock on a completed
//! year's data.

use chrono::Utc;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use edu_bus::membership_view::membership_schools;
use uuid::Uuid;

use crate::round_store::RoundRow;
use crate::schema::{consequences, round_groups, rounds, scorecards, scored_items};

/// V-03: (group, round, state) of the rounds claiming `groups` for the school year.
pub async fn claims(
    conn: &mut AsyncPgConnection,
    groups: &[Uuid],
    year: i32,
) -> QueryResult<Vec<(Uuid, Uuid, String)>> {
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
) -> QueryResult<Vec<(Uuid, Uuid, i32, f64, String)>> {
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
    region: &str,
    year: Option<i32>,
    filter: Option<ListFilter<'_>>,
    (limit, offset): (i64, i64),
) -> QueryResult<(Vec<RoundRow>, i64)> {
    let query = || {
        let mut q = rounds::table
            .filter(rounds::region.eq(region.to_owned()))
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

/// V-03: the completed rounds of the school year that evaluate a group the school was in
/// (its data is then final).
pub async fn completed_for_school(
    conn: &mut AsyncPgConnection,
    school: Uuid,
    year: i32,
) -> QueryResult<Vec<Uuid>> {
    let groups: Vec<Uuid> = membership_schools::table
        .filter(membership_schools::school_id.eq(school))
        .select(membership_schools::group_id)
        .load(conn)
        .await?;
    round_groups::table
        .inner_join(rounds::table)
        .filter(round_groups::group_id.eq_any(groups))
        .filter(round_groups::school_year.eq(year))
        .filter(rounds::state.eq("completed"))
        .select(rounds::round_id)
        .distinct()
        .load(conn)
        .await
}

/// V-03: the completed round of the school year that evaluates the group, if any.
pub async fn completed_for_group(
    conn: &mut AsyncPgConnection,
    group: Uuid,
    year: i32,
) -> QueryResult<Vec<Uuid>> {
    round_groups::table
        .inner_join(rounds::table)
        .filter(round_groups::group_id.eq(group))
        .filter(round_groups::school_year.eq(year))
        .filter(rounds::state.eq("completed"))
        .select(rounds::round_id)
        .load(conn)
        .await
}

pub async fn scored_items_of(
    conn: &mut AsyncPgConnection,
    group: Uuid,
    year: i32,
) -> QueryResult<Option<serde_json::Value>> {
    scored_items::table
        .find((group, year))
        .select(scored_items::items)
        .first(conn)
        .await
        .optional()
}
