//! 集团化办学专项经费 (G-17): the bureau's special fund granted to a group each school year,
//! each school's own group funds budget, spending against either, reversals and the group's
//! yearly statement. Budgets are kept in total per source and year, not split by use (see
//! `edu_contracts::funds`); every spending names one of the ten uses and the statement sums
//! them.
//!
//! Every write locks the group's row first (as admissions do), so the budget in force and the
//! sum spent that a write checks cannot change before it commits: two spends that together
//! exceed the budget cannot both pass. Nothing is deleted or updated: a corrected budget is a
//! new record superseding the old one, a mistaken spending is reversed by an entry of the
//! opposite amount.

use chrono::Utc;
use diesel_async::AsyncPgConnection;
use edu_bus::outbox;
use edu_contracts::Command;
use edu_contracts::funds::{
    Budget, BudgetId, FundSource, FundsBudgeted, FundsGranted, FundsReversed, FundsSpent,
    NewBudget, NewGrant, NewSpending, Reversal, Spending, SpendingId, SpendingRef, Statement,
    StatementQuery,
};
use edu_db::idempotency;
use edu_domain::{ErrorCode, MemberRole, Problem, SchoolId, text};
use store::{BudgetRow, SpendingRow};

use crate::error::MembershipError;
use crate::service::{MembershipService, Result};
use crate::store::GroupRow;

pub mod rules;
mod store;

/// G-17: the school is the group's lead or one of its active members.
async fn check_in_group(
    conn: &mut AsyncPgConnection,
    group: &GroupRow,
    school: SchoolId,
) -> Result<()> {
    let active = crate::store::active_schools(conn, &[group.id]).await?;
    if active.iter().any(|a| a.school_id == school) {
        return Ok(());
    }
    Err(Problem::new(
        ErrorCode::SchoolNotInGroup,
        "this school is not a school of the group: it keeps no group funds of the group",
        "该校不是本集团学校,不能登记本集团的集团化办学经费",
    )
    .rule("G-17")
    .details(serde_json::json!({ "school_id": school, "group_id": group.id }))
    .into())
}

fn note(raw: Option<&str>) -> Result<Option<String>> {
    Ok(raw
        .map(|n| text::optional("note", n, 1000))
        .transpose()?
        .flatten())
}

impl MembershipService {
    /// G-17: the bureau grants its special fund to a group for a school year; a later grant
    /// of the year supersedes the one in force, which must not fall below what was spent.
    pub async fn grant_funds(&self, cmd: Command<NewGrant>) -> Result<Budget> {
        let body = &cmd.body;
        rules::check_year(body.school_year)?;
        let amount = rules::check_budget_amount(body.amount_fen)?;
        let document_ref = text::required("document_ref", &body.document_ref, 100)?;
        let note = note(body.note.as_deref())?;
        let mut conn = self.conn().await?;
        idempotency::for_request(
            &mut conn,
            "funds.grant",
            &cmd.actor.sub,
            cmd.idempotency_key.as_deref(),
            &cmd.body,
            async |conn| {
                let group = crate::service::open_group(conn, body.group_id).await?;
                let current =
                    store::budget_in_force(conn, group.id, body.school_year, None).await?;
                let spent = store::spent(conn, group.id, body.school_year, None).await?;
                rules::check_covers_spent(FundSource::Bureau, amount, spent)?;
                let row = BudgetRow {
                    id: BudgetId::new(),
                    group_id: group.id,
                    school_year: body.school_year,
                    source: FundSource::Bureau,
                    school_id: None,
                    amount_fen: amount,
                    document_ref: Some(document_ref.clone()),
                    note: note.clone(),
                    supersedes: current.map(|c| c.id),
                    recorded_by: cmd.actor.sub.clone(),
                    recorded_at: Utc::now(),
                };
                store::insert_budget(conn, &row).await?;
                let event = FundsGranted {
                    budget_id: row.id,
                    group_id: group.id,
                    school_year: row.school_year,
                    amount_fen: amount,
                    document_ref: document_ref.clone(),
                    supersedes: row.supersedes,
                };
                outbox::enqueue(conn, &cmd.actor, Some(group.id), None, &event).await?;
                Ok(row.into_view(false))
            },
        )
        .await
    }

    /// G-17: a school of the group budgets its own group funds for a school year; a later
    /// budget supersedes the one in force, which must not fall below what was spent.
    pub async fn set_budget(&self, cmd: Command<NewBudget>) -> Result<Budget> {
        let body = &cmd.body;
        rules::check_year(body.school_year)?;
        let amount = rules::check_budget_amount(body.amount_fen)?;
        let document_ref = body
            .document_ref
            .as_deref()
            .map(|d| text::optional("document_ref", d, 100))
            .transpose()?
            .flatten();
        let note = note(body.note.as_deref())?;
        let mut conn = self.conn().await?;
        idempotency::for_request(
            &mut conn,
            "funds.budget",
            &cmd.actor.sub,
            cmd.idempotency_key.as_deref(),
            &cmd.body,
            async |conn| {
                let group = crate::service::open_group(conn, body.group_id).await?;
                check_in_group(conn, &group, body.school_id).await?;
                let school = Some(body.school_id);
                let current =
                    store::budget_in_force(conn, group.id, body.school_year, school).await?;
                let spent = store::spent(conn, group.id, body.school_year, school).await?;
                rules::check_covers_spent(FundSource::School, amount, spent)?;
                let row = BudgetRow {
                    id: BudgetId::new(),
                    group_id: group.id,
                    school_year: body.school_year,
                    source: FundSource::School,
                    school_id: school,
                    amount_fen: amount,
                    document_ref: document_ref.clone(),
                    note: note.clone(),
                    supersedes: current.map(|c| c.id),
                    recorded_by: cmd.actor.sub.clone(),
                    recorded_at: Utc::now(),
                };
                store::insert_budget(conn, &row).await?;
                let event = FundsBudgeted {
                    budget_id: row.id,
                    group_id: group.id,
                    school_id: body.school_id,
                    school_year: row.school_year,
                    amount_fen: amount,
                    supersedes: row.supersedes,
                };
                outbox::enqueue(conn, &cmd.actor, Some(group.id), school, &event).await?;
                Ok(row.into_view(false))
            },
        )
        .await
    }

    /// G-17: a school's office records spending against the bureau's fund (the lead school's
    /// office only, G-10) or its own budget, within the school year and the budget.
    pub async fn record_spending(&self, cmd: Command<NewSpending>) -> Result<Spending> {
        let body = &cmd.body;
        let year = rules::check_year(body.school_year)?;
        let amount = rules::check_spending_amount(body.amount_fen)?;
        let payee = text::required("payee", &body.payee, 200)?;
        let voucher_no = text::required("voucher_no", &body.voucher_no, 100)?;
        let description = body
            .description
            .as_deref()
            .map(|d| text::optional("description", d, 1000))
            .transpose()?
            .flatten();
        rules::check_spent_on(year, body.spent_on)?;
        let mut conn = self.conn().await?;
        idempotency::for_request(
            &mut conn,
            "funds.spend",
            &cmd.actor.sub,
            cmd.idempotency_key.as_deref(),
            &cmd.body,
            async |conn| {
                let group = crate::service::open_group(conn, body.group_id).await?;
                check_in_group(conn, &group, body.school_id).await?;
                rules::check_spender(body.source, body.school_id, group.lead_school_id)?;
                let account = match body.source {
                    FundSource::Bureau => None,
                    FundSource::School => Some(body.school_id),
                };
                let budget = store::budget_in_force(conn, group.id, body.school_year, account)
                    .await?
                    .map_or(0, |b| b.amount_fen);
                let spent = store::spent(conn, group.id, body.school_year, account).await?;
                rules::check_within_budget(body.source, budget, spent, amount)?;
                let row = SpendingRow {
                    id: SpendingId::new(),
                    group_id: group.id,
                    school_id: body.school_id,
                    school_year: body.school_year,
                    source: body.source,
                    spent_on: body.spent_on,
                    amount_fen: amount,
                    fund_use: body.fund_use,
                    payee: payee.clone(),
                    description: description.clone(),
                    voucher_no: voucher_no.clone(),
                    reverses: None,
                    reason: None,
                    recorded_by: cmd.actor.sub.clone(),
                    recorded_at: Utc::now(),
                };
                store::insert_spending(conn, &row).await?;
                let event = FundsSpent {
                    spending_id: row.id,
                    group_id: group.id,
                    school_id: row.school_id,
                    school_year: row.school_year,
                    source: row.source,
                    spent_on: row.spent_on,
                    amount_fen: amount,
                    fund_use: row.fund_use,
                    voucher_no: voucher_no.clone(),
                };
                outbox::enqueue(
                    conn,
                    &cmd.actor,
                    Some(group.id),
                    Some(row.school_id),
                    &event,
                )
                .await?;
                Ok(row.into_view(None))
            },
        )
        .await
    }

    /// G-17: a mistaken spending is reversed by an entry of the opposite amount, once; the
    /// entry itself stays.
    pub async fn reverse_spending(&self, cmd: Command<Reversal>) -> Result<Spending> {
        let body = &cmd.body;
        let reason = text::required("reason", &body.reason, 500)?;
        let mut conn = self.conn().await?;
        idempotency::for_request(
            &mut conn,
            "funds.reverse",
            &cmd.actor.sub,
            cmd.idempotency_key.as_deref(),
            &cmd.body,
            async |conn| {
                let found = store::spending(conn, body.spending_id).await?;
                let entry = found.ok_or_else(not_found)?;
                let group = crate::service::open_group(conn, entry.group_id).await?;
                // read again under the group's lock: a reversal that committed meanwhile counts
                let entry = store::spending(conn, body.spending_id)
                    .await?
                    .ok_or_else(not_found)?;
                rules::check_reversible(&entry)?;
                let row = SpendingRow {
                    id: SpendingId::new(),
                    group_id: group.id,
                    school_id: entry.school_id,
                    school_year: entry.school_year,
                    source: entry.source,
                    spent_on: entry.spent_on,
                    amount_fen: -entry.amount_fen,
                    fund_use: entry.fund_use,
                    payee: entry.payee.clone(),
                    description: entry.description.clone(),
                    voucher_no: entry.voucher_no.clone(),
                    reverses: Some(entry.id),
                    reason: Some(reason.clone()),
                    recorded_by: cmd.actor.sub.clone(),
                    recorded_at: Utc::now(),
                };
                store::insert_spending(conn, &row).await?;
                let event = FundsReversed {
                    spending_id: row.id,
                    reverses: entry.id,
                    group_id: group.id,
                    school_id: row.school_id,
                    school_year: row.school_year,
                    source: row.source,
                    amount_fen: entry.amount_fen,
                    reason: reason.clone(),
                };
                outbox::enqueue(
                    conn,
                    &cmd.actor,
                    Some(group.id),
                    Some(row.school_id),
                    &event,
                )
                .await?;
                Ok(row.into_view(None))
            },
        )
        .await
    }

    /// One entry of the ledger (the lead-school API asks whose it is before a reversal).
    pub async fn get_spending(&self, cmd: Command<SpendingRef>) -> Result<Spending> {
        let mut conn = self.conn().await?;
        store::spending(&mut conn, cmd.body.spending_id)
            .await?
            .ok_or_else(not_found)
    }

    /// G-17: a group's funds of a school year: per source and school the budget in force,
    /// spent, remaining and spent per use; every budget record and entry of the year. A
    /// dissolved group's statement stays readable.
    pub async fn funds_statement(&self, cmd: Command<StatementQuery>) -> Result<Statement> {
        let q = &cmd.body;
        rules::check_year(q.school_year)?;
        let mut conn = self.conn().await?;
        let group = crate::store::group(&conn, q.group_id)
            .await?
            .ok_or(MembershipError::GroupNotFound)?;
        let active = crate::store::active_schools(&conn, &[group.id]).await?;
        let schools: Vec<SchoolId> = active
            .iter()
            .filter(|a| a.role == MemberRole::Member.as_str())
            .map(|a| a.school_id)
            .collect();
        let mut budgets: Vec<Budget> = store::budgets(&mut conn, group.id, q.school_year)
            .await?
            .into_iter()
            .map(|b| b.into_view(false))
            .collect();
        rules::mark_superseded(&mut budgets);
        let entries = store::entries(&mut conn, group.id, q.school_year).await?;
        let accounts = rules::accounts(group.lead_school_id, &schools, &budgets, &entries);
        let sum = |f: fn(&edu_contracts::funds::Account) -> i64| {
            accounts.iter().map(f).fold(0i64, i64::saturating_add)
        };
        let (budget_fen, spent_fen) = (sum(|a| a.budget_fen), sum(|a| a.spent_fen));
        Ok(Statement {
            group_id: group.id,
            school_year: q.school_year,
            budget_fen,
            spent_fen,
            remaining_fen: budget_fen.saturating_sub(spent_fen),
            accounts,
            budgets,
            entries,
        })
    }
}

fn not_found() -> MembershipError {
    Problem::not_found("spending", "支出记录").into()
}
