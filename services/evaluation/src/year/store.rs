//! Queries of the bureau's data of a school year: each school's figures, the dimensions
//! scored by hand, and the lock a completed round puts on them (V-03).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use edu_bus::membership_view::membership_schools;
use edu_domain::{GroupId, RegionCode, SchoolId};
use uuid::Uuid;

use crate::schema::{round_groups, rounds, school_data, scored_items};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = school_data)]
pub struct SchoolDataRow {
    pub school_id: SchoolId,
    pub school_year: i32,
    pub region: RegionCode,
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
    school: SchoolId,
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
    region: &RegionCode,
    years: &[i32],
) -> QueryResult<Vec<SchoolDataRow>> {
    school_data::table
        .filter(school_data::region.eq(region.clone()))
        .filter(school_data::school_year.eq_any(years))
        .select(SchoolDataRow::as_select())
        .load(conn)
        .await
}

pub async fn save_scored_items(
    conn: &mut AsyncPgConnection,
    (group, year): (GroupId, i32),
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
    groups: &[GroupId],
    year: i32,
) -> QueryResult<Vec<(GroupId, serde_json::Value)>> {
    scored_items::table
        .filter(scored_items::group_id.eq_any(groups))
        .filter(scored_items::school_year.eq(year))
        .select((scored_items::group_id, scored_items::items))
        .load(conn)
        .await
}

/// V-03: the completed rounds of the school year that evaluate a group the school was in
/// (its data is then final).
pub async fn completed_for_school(
    conn: &mut AsyncPgConnection,
    school: SchoolId,
    year: i32,
) -> QueryResult<Vec<Uuid>> {
    let groups: Vec<GroupId> = membership_schools::table
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
    group: GroupId,
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
    group: GroupId,
    year: i32,
) -> QueryResult<Option<serde_json::Value>> {
    scored_items::table
        .find((group, year))
        .select(scored_items::items)
        .first(conn)
        .await
        .optional()
}
