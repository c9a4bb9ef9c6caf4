//! Trainings and showcases (E-05, E-06), training hours (E-19), shadowing coverage (E-09).

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::Bool;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use edu_domain::{GroupId, SchoolId, SchoolYear, TeacherId, TrainingId};

use super::AT_A_SCHOOL_OF;
use crate::schema::teachers;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::schema::trainings)]
pub struct TrainingRow {
    pub id: TrainingId,
    pub group_id: GroupId,
    pub kind: String,
    pub title: String,
    pub subject: Option<String>,
    pub held_on: NaiveDate,
    pub school_year: i32,
    pub semester: String,
    pub hours: i16,
    pub provider_school_id: SchoolId,
    pub created_at: DateTime<Utc>,
}

pub async fn insert_training(
    conn: &mut AsyncPgConnection,
    row: &TrainingRow,
    participants: &[TeacherId],
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
    teachers_: &[TeacherId],
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
) -> QueryResult<Vec<(TrainingRow, Vec<TeacherId>)>> {
    use crate::schema::{training_participants as tp, trainings};
    let rows: Vec<TrainingRow> = trainings::table
        .filter(trainings::group_id.eq(group.0))
        .filter(trainings::school_year.eq(year.0))
        .order((trainings::held_on, trainings::id))
        .select(TrainingRow::as_select())
        .load(conn)
        .await?;
    let ids: Vec<TrainingId> = rows.iter().map(|r| r.id).collect();
    let participants: Vec<(TrainingId, TeacherId)> = tp::table
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
    pub id: TeacherId,
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
    pub id: TeacherId,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub name: String,
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub home_school_id: SchoolId,
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
