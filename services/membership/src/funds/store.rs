//! Queries of the group's funds (G-17). The callers hold the group's row lock for every
//! write, so a budget in force and a sum of spending read here stay true until they commit.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use edu_contracts::funds::{Budget, BudgetId, FundSource, FundUse, Spending, SpendingId};
use edu_domain::{GroupId, SchoolId};

use crate::schema::{fund_budgets, fund_spending};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = fund_budgets, treat_none_as_default_value = false)]
pub struct BudgetRow {
    pub id: BudgetId,
    pub group_id: GroupId,
    pub school_year: i32,
    pub source: FundSource,
    pub school_id: Option<SchoolId>,
    pub amount_fen: i64,
    pub document_ref: Option<String>,
    pub note: Option<String>,
    pub supersedes: Option<BudgetId>,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

impl BudgetRow {
    pub fn into_view(self, superseded: bool) -> Budget {
        Budget {
            id: self.id,
            group_id: self.group_id,
            school_year: self.school_year,
            source: self.source,
            school_id: self.school_id,
            amount_fen: self.amount_fen,
            document_ref: self.document_ref,
            note: self.note,
            supersedes: self.supersedes,
            superseded,
            recorded_by: self.recorded_by,
            recorded_at: self.recorded_at,
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = fund_spending, treat_none_as_default_value = false)]
pub struct SpendingRow {
    pub id: SpendingId,
    pub group_id: GroupId,
    pub school_id: SchoolId,
    pub school_year: i32,
    pub source: FundSource,
    pub spent_on: NaiveDate,
    pub amount_fen: i64,
    pub fund_use: FundUse,
    pub payee: String,
    pub description: Option<String>,
    pub voucher_no: String,
    pub reverses: Option<SpendingId>,
    pub reason: Option<String>,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

impl SpendingRow {
    pub fn into_view(self, reversed_by: Option<SpendingId>) -> Spending {
        Spending {
            id: self.id,
            group_id: self.group_id,
            school_id: self.school_id,
            school_year: self.school_year,
            source: self.source,
            spent_on: self.spent_on,
            amount_fen: self.amount_fen,
            fund_use: self.fund_use,
            payee: self.payee,
            description: self.description,
            voucher_no: self.voucher_no,
            reverses: self.reverses,
            reversed_by,
            reason: self.reason,
            recorded_by: self.recorded_by,
            recorded_at: self.recorded_at,
        }
    }
}

pub async fn insert_budget(conn: &mut AsyncPgConnection, row: &BudgetRow) -> QueryResult<()> {
    diesel::insert_into(fund_budgets::table)
        .values(row)
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn insert_spending(conn: &mut AsyncPgConnection, row: &SpendingRow) -> QueryResult<()> {
    diesel::insert_into(fund_spending::table)
        .values(row)
        .execute(conn)
        .await
        .map(|_| ())
}

/// The budget in force of a source (a school's, or the bureau's when `school` is `None`).
pub async fn budget_in_force(
    conn: &mut AsyncPgConnection,
    group: GroupId,
    school_year: i32,
    school: Option<SchoolId>,
) -> QueryResult<Option<BudgetRow>> {
    let mut q = fund_budgets::table
        .filter(fund_budgets::group_id.eq(group.0))
        .filter(fund_budgets::school_year.eq(school_year))
        .into_boxed();
    q = match school {
        Some(s) => q.filter(fund_budgets::school_id.eq(s.0)),
        None => q.filter(fund_budgets::school_id.is_null()),
    };
    q.order((fund_budgets::recorded_at.desc(), fund_budgets::id.desc()))
        .select(BudgetRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// What was spent against a source in the year, net of reversals: the bureau's fund of the
/// group (`school` `None`), or a school's own budget.
pub async fn spent(
    conn: &mut AsyncPgConnection,
    group: GroupId,
    school_year: i32,
    school: Option<SchoolId>,
) -> QueryResult<i64> {
    let mut q = fund_spending::table
        .filter(fund_spending::group_id.eq(group.0))
        .filter(fund_spending::school_year.eq(school_year))
        .into_boxed();
    q = match school {
        Some(s) => q
            .filter(fund_spending::source.eq(FundSource::School))
            .filter(fund_spending::school_id.eq(s.0)),
        None => q.filter(fund_spending::source.eq(FundSource::Bureau)),
    };
    // SUM of bigint is numeric in PostgreSQL; fen sums stay far inside bigint (MAX_FEN).
    q.select(sql::<BigInt>("COALESCE(SUM(amount_fen), 0)::bigint"))
        .first(conn)
        .await
}

/// One entry, with the entry that reversed it, if any.
pub async fn spending(
    conn: &mut AsyncPgConnection,
    id: SpendingId,
) -> QueryResult<Option<Spending>> {
    let Some(row) = fund_spending::table
        .find(id.0)
        .select(SpendingRow::as_select())
        .first(conn)
        .await
        .optional()?
    else {
        return Ok(None);
    };
    let reversed_by = fund_spending::table
        .filter(fund_spending::reverses.eq(id.0))
        .select(fund_spending::id)
        .first::<uuid::Uuid>(conn)
        .await
        .optional()?;
    Ok(Some(row.into_view(reversed_by.map(SpendingId))))
}

/// Every budget record of a group's year, in the order they were recorded.
pub async fn budgets(
    conn: &mut AsyncPgConnection,
    group: GroupId,
    school_year: i32,
) -> QueryResult<Vec<BudgetRow>> {
    fund_budgets::table
        .filter(fund_budgets::group_id.eq(group.0))
        .filter(fund_budgets::school_year.eq(school_year))
        .order((fund_budgets::recorded_at, fund_budgets::id))
        .select(BudgetRow::as_select())
        .load(conn)
        .await
}

/// Every entry of a group's year, newest first, each with the entry that reversed it.
pub async fn entries(
    conn: &mut AsyncPgConnection,
    group: GroupId,
    school_year: i32,
) -> QueryResult<Vec<Spending>> {
    let rows: Vec<SpendingRow> = fund_spending::table
        .filter(fund_spending::group_id.eq(group.0))
        .filter(fund_spending::school_year.eq(school_year))
        .order((fund_spending::recorded_at.desc(), fund_spending::id.desc()))
        .select(SpendingRow::as_select())
        .load(conn)
        .await?;
    let reversed: std::collections::HashMap<SpendingId, SpendingId> = rows
        .iter()
        .filter_map(|r| r.reverses.map(|of| (of, r.id)))
        .collect();
    Ok(rows
        .into_iter()
        .map(|r| {
            let by = reversed.get(&r.id).copied();
            r.into_view(by)
        })
        .collect())
}
