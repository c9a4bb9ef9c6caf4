//! Queries of the quarterly reports and the overdue ones raised; every function composes
//! inside a transaction.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use edu_contracts::council::{DecisionId, Quarter, ReportId};
use edu_domain::GroupId;

use crate::motions::store::DecisionRow;
use crate::schema::{decisions, overdue_reports, report_decisions, reports};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = reports)]
pub struct ReportRow {
    pub id: ReportId,
    pub group_id: GroupId,
    pub year: i32,
    pub quarter: i16,
    pub summary: String,
    pub due_on: NaiveDate,
    pub late: bool,
    pub policy_version: i32,
    pub submitted_at: DateTime<Utc>,
}

pub async fn report(
    conn: &mut AsyncPgConnection,
    g: GroupId,
    q: Quarter,
) -> QueryResult<Option<ReportRow>> {
    reports::table
        .filter(reports::group_id.eq(g))
        .filter(reports::year.eq(q.year))
        .filter(reports::quarter.eq(i16::from(q.quarter)))
        .select(ReportRow::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn reports_of(conn: &mut AsyncPgConnection, g: GroupId) -> QueryResult<Vec<ReportRow>> {
    reports::table
        .filter(reports::group_id.eq(g))
        .select(ReportRow::as_select())
        .load(conn)
        .await
}

pub async fn insert_report(
    conn: &mut AsyncPgConnection,
    row: &ReportRow,
    decision_ids: &[DecisionId],
) -> QueryResult<()> {
    diesel::insert_into(reports::table)
        .values(row)
        .execute(conn)
        .await?;
    let links: Vec<_> = decision_ids
        .iter()
        .map(|d| {
            (
                report_decisions::report_id.eq(row.id),
                report_decisions::decision_id.eq(*d),
            )
        })
        .collect();
    if !links.is_empty() {
        diesel::insert_into(report_decisions::table)
            .values(&links)
            .execute(conn)
            .await?;
    }
    Ok(())
}

pub async fn report_decisions(
    conn: &mut AsyncPgConnection,
    report_id: ReportId,
) -> QueryResult<Vec<DecisionRow>> {
    decisions::table
        .inner_join(report_decisions::table)
        .filter(report_decisions::report_id.eq(report_id))
        .order((decisions::decided_on, decisions::id))
        .select(DecisionRow::as_select())
        .load(conn)
        .await
}

/// Records that a quarter's report is overdue; true the first time only.
pub async fn mark_overdue(
    conn: &mut AsyncPgConnection,
    g: GroupId,
    q: Quarter,
    due_on: NaiveDate,
) -> QueryResult<bool> {
    let n = diesel::insert_into(overdue_reports::table)
        .values((
            overdue_reports::group_id.eq(g),
            overdue_reports::year.eq(q.year),
            overdue_reports::quarter.eq(i16::from(q.quarter)),
            overdue_reports::due_on.eq(due_on),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(n == 1)
}
