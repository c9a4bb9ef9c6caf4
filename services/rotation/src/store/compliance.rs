//! The E-08 tallies, each one aggregate query over a group or a region.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Integer, Nullable, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use edu_domain::{
    BackboneLevel, GroupId, PostingId, PostingStatus, SchoolId, SchoolYear, TeacherId,
};

use super::AT_A_SCHOOL_OF;
use crate::schema::{postings, teacher_eligibility, teachers};

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
) -> QueryResult<Vec<(TeacherId, String, SchoolId, String)>> {
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
    pub group_id: GroupId,
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
) -> QueryResult<Vec<(TeacherId, String, SchoolId, String, PostingId, NaiveDate)>> {
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
