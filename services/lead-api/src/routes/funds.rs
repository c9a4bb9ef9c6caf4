//! 集团化办学专项经费 (G-17): the bureau grants its special fund to a group, each school's
//! office budgets its own group funds and records spending, the statement per school year
//! and its exports. The membership service keeps the money's rules (budget, year, who spends
//! the bureau's fund, G-10); this front checks who may call and whose school it is.

use actix_web::{HttpResponse, get, post};
use edu_contracts::funds::{
    Budget, FundSource, GetSpending, GetStatement, GrantFunds, NewBudget, NewGrant, NewSpending,
    RecordSpending, Reversal, ReverseSpending, SetBudget, Spending, SpendingId, SpendingRef,
    Statement, StatementQuery,
};
use edu_domain::{GroupId, SchoolYear};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::{Caller, IdempotencyKey};
use crate::error::{ApiError, ErrorBody};
use crate::extract::web;
use crate::responses::{
    GroupNotVisible, InvalidQuery, KeyReused, NoToken, OnlyGroupBureau, Unavailable,
};
use crate::routes::groups::{visible_group, writable_group};
use crate::routes::names::Names;
use crate::routes::spreadsheet::{self, Cell};
use crate::{AppState, scope};

/// Record the bureau's special fund (专项经费) of a school year for a group (G-17; the bureau
/// of the group's county). A later grant of the year supersedes the one in force (the old
/// one stays on record) and must cover what was spent of it (`budget_exceeded`). Emits
/// `funds.granted`.
#[utoipa::path(
    tag = "funds",
    operation_id = "grant_group_funds",
    params(("group_id" = GroupId, Path, description = "Group id"), IdempotencyKey),
    request_body = NewGrant,
    responses(
        (status = 201, description = "Granted", body = Budget),
        (status = 400, description = "Invalid input (an amount below 0, no `document_ref`, a school year outside 2000–2100)", body = ErrorBody),
        (status = 409, description = "`budget_exceeded` (G-17: less than already spent), `group_dissolved` (X-02)", body = ErrorBody),
        NoToken, OnlyGroupBureau, GroupNotVisible, KeyReused, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/groups/{group_id}/funds/grants")]
pub async fn grant_group_funds(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    path: web::Path<GroupId>,
    body: web::Json<NewGrant>,
) -> Result<HttpResponse, ApiError> {
    let group = writable_group(&state, &caller, path.into_inner()).await?;
    scope::bureau_of(&caller, &group.region)?;
    let mut grant = body.into_inner();
    grant.group_id = group.id;
    let budget = state
        .bus
        .call::<GrantFunds>(&caller.actor(), key.0, grant)
        .await?;
    Ok(HttpResponse::Created().json(budget))
}

/// Record the caller's school's own group funds budget (学校集团化办学专项经费) of a school
/// year (G-17; the office of a school of the group, for its own school). A later budget of
/// the year supersedes the one in force and must cover what was spent of it. Emits
/// `funds.budgeted`.
#[utoipa::path(
    tag = "funds",
    operation_id = "set_school_funds_budget",
    params(("group_id" = GroupId, Path, description = "Group id"), IdempotencyKey),
    request_body = NewBudget,
    responses(
        (status = 201, description = "Budgeted", body = Budget),
        (status = 400, description = "Invalid input (an amount below 0, a school year outside 2000–2100)", body = ErrorBody),
        (status = 403, description = "Not the office of a school of the group", body = ErrorBody),
        (status = 409, description = "`budget_exceeded` (G-17: less than already spent), `school_not_in_group`, `group_dissolved` (X-02)", body = ErrorBody),
        NoToken, GroupNotVisible, KeyReused, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/groups/{group_id}/funds/budgets")]
pub async fn set_school_funds_budget(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    path: web::Path<GroupId>,
    body: web::Json<NewBudget>,
) -> Result<HttpResponse, ApiError> {
    let group = writable_group(&state, &caller, path.into_inner()).await?;
    let school = scope::funds_office(&caller, &group)?;
    let mut budget = body.into_inner();
    budget.group_id = group.id;
    budget.school_id = school;
    let budget = state
        .bus
        .call::<SetBudget>(&caller.actor(), key.0, budget)
        .await?;
    Ok(HttpResponse::Created().json(budget))
}

/// Record spending of the caller's school (G-17): against the bureau's special fund (`source`
/// `bureau`: the lead school's office only, which administers the group's money, G-10) or the
/// school's own budget (`school`). Refused beyond the budget in force with `budget_exceeded`
/// (409; `details` has `budget_fen`, `spent_fen`, `remaining_fen`), outside the school year's
/// dates with `spending_outside_school_year` (422). Emits `funds.spent`.
#[utoipa::path(
    tag = "funds",
    operation_id = "record_funds_spending",
    params(("group_id" = GroupId, Path, description = "Group id"), IdempotencyKey),
    request_body = NewSpending,
    responses(
        (status = 201, description = "Recorded", body = Spending),
        (status = 400, description = "Invalid input (an amount of 0 or less, no payee or voucher number, an unknown use)", body = ErrorBody),
        (status = 403, description = "Not the office of a school of the group; the bureau's fund spent by another than the lead school (G-10)", body = ErrorBody),
        (status = 409, description = "`budget_exceeded` (G-17), `school_not_in_group`, `group_dissolved` (X-02)", body = ErrorBody),
        (status = 422, description = "`spending_outside_school_year` (G-17), `idempotency_key_reused`", body = ErrorBody),
        NoToken, GroupNotVisible, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/groups/{group_id}/funds/spending")]
pub async fn record_funds_spending(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    path: web::Path<GroupId>,
    body: web::Json<NewSpending>,
) -> Result<HttpResponse, ApiError> {
    let group = writable_group(&state, &caller, path.into_inner()).await?;
    let school = scope::funds_office(&caller, &group)?;
    let mut spending = body.into_inner();
    spending.group_id = group.id;
    spending.school_id = school;
    let spending = state
        .bus
        .call::<RecordSpending>(&caller.actor(), key.0, spending)
        .await?;
    Ok(HttpResponse::Created().json(spending))
}

/// Reverse a mistaken spending by an entry of the opposite amount (G-17; the office of the
/// school that recorded it). The spending stays on record; a spending is reversed once
/// (`spending_already_reversed`). Emits `funds.reversed`.
#[utoipa::path(
    tag = "funds",
    operation_id = "reverse_funds_spending",
    params(("spending_id" = SpendingId, Path, description = "Spending id"), IdempotencyKey),
    request_body = Reversal,
    responses(
        (status = 201, description = "The reversing entry", body = Spending),
        (status = 400, description = "Invalid input (no reason)", body = ErrorBody),
        (status = 403, description = "Not the office of the school that recorded it", body = ErrorBody),
        (status = 404, description = "No such spending visible to the caller", body = ErrorBody),
        (status = 409, description = "`spending_already_reversed` (G-17), `group_dissolved` (X-02)", body = ErrorBody),
        NoToken, KeyReused, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/funds/spending/{spending_id}/reversal")]
pub async fn reverse_funds_spending(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    path: web::Path<SpendingId>,
    body: web::Json<Reversal>,
) -> Result<HttpResponse, ApiError> {
    let spending_id = path.into_inner();
    let entry = state
        .bus
        .call::<GetSpending>(&caller.actor(), None, SpendingRef { spending_id })
        .await?;
    let group = writable_group(&state, &caller, entry.group_id).await?;
    scope::can_reverse_spending(&caller, &group, &entry)?;
    let mut reversal = body.into_inner();
    reversal.spending_id = spending_id;
    let reversed = state
        .bus
        .call::<ReverseSpending>(&caller.actor(), key.0, reversal)
        .await?;
    Ok(HttpResponse::Created().json(reversed))
}

/// Which school year's funds.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FundsParams {
    /// The school year, by its first calendar year (2025 = 2025–2026).
    #[param(value_type = i32, example = 2025, minimum = 2000, maximum = 2100)]
    pub year: SchoolYear,
}

/// The statement, to those who may read the group's funds.
async fn statement(
    state: &AppState,
    caller: &Caller,
    group_id: GroupId,
    year: SchoolYear,
) -> Result<Statement, ApiError> {
    let group = visible_group(state, caller, group_id).await?;
    scope::can_read_funds(caller, &group)?;
    let q = StatementQuery {
        group_id: group.id,
        school_year: year.0,
    };
    Ok(state
        .bus
        .call::<GetStatement>(&caller.actor(), None, q)
        .await?)
}

/// A group's funds of a school year (G-17): per source and school the budget in force,
/// spent, remaining and spent per use; every budget record (corrections marked
/// `superseded`) and every entry, newest first. For the group's schools' offices and the
/// bureau and auditors of the group's county.
#[utoipa::path(
    tag = "funds",
    operation_id = "get_group_funds",
    params(("group_id" = GroupId, Path, description = "Group id"), FundsParams),
    responses(
        (status = 200, description = "The statement", body = Statement),
        (status = 403, description = "Not the group's bureau, auditor or a school office of the group", body = ErrorBody),
        InvalidQuery, NoToken, GroupNotVisible, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[get("/groups/{group_id}/funds")]
pub async fn get_group_funds(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<GroupId>,
    query: web::Query<FundsParams>,
) -> Result<web::Json<Statement>, ApiError> {
    Ok(web::Json(
        statement(&state, &caller, path.into_inner(), query.year).await?,
    ))
}

/// Yuan from fen for a spreadsheet: the number, and its text `1234.56`.
fn yuan(fen: i64) -> Cell {
    let text = format!(
        "{}{}.{:02}",
        if fen < 0 { "-" } else { "" },
        fen.unsigned_abs() / 100,
        fen.unsigned_abs() % 100
    );
    // a spreadsheet holds numbers as floats; the figures were summed in fen
    Cell::number(text.parse().unwrap_or_default(), text)
}

/// The statement's rows: one per account, then the group's total.
fn export_rows(s: &Statement, names: &Names) -> (Vec<String>, Vec<Vec<Cell>>) {
    let mut header: Vec<String> = [
        "集团 group",
        "学年 school_year",
        "经费来源 source",
        "学校 school",
        "预算(元) budget",
        "已支出(元) spent",
        "剩余(元) remaining",
    ]
    .map(str::to_owned)
    .to_vec();
    header.extend(
        edu_contracts::funds::FundUse::ALL
            .iter()
            .map(|u| format!("{}(元) {}", u.name_zh(), u.as_str())),
    );
    let group = names.group(s.group_id);
    let year = SchoolYear(s.school_year).name_zh();
    let mut rows: Vec<Vec<Cell>> = s
        .accounts
        .iter()
        .map(|a| {
            let school = match a.source {
                FundSource::Bureau => format!("{}(龙头学校管理)", names.school(a.school_id)),
                FundSource::School => names.school(a.school_id),
            };
            let mut row = vec![
                Cell::text(group.clone()),
                Cell::text(year.clone()),
                Cell::text(a.source.name_zh()),
                Cell::text(school),
                yuan(a.budget_fen),
                yuan(a.spent_fen),
                yuan(a.remaining_fen),
            ];
            row.extend(a.by_use.iter().map(|u| yuan(u.amount_fen)));
            row
        })
        .collect();
    let mut total = vec![
        Cell::text(group),
        Cell::text(year),
        Cell::text("合计"),
        Cell::text(""),
        yuan(s.budget_fen),
        yuan(s.spent_fen),
        yuan(s.remaining_fen),
    ];
    total.extend(edu_contracts::funds::FundUse::ALL.iter().map(|u| {
        yuan(
            s.accounts
                .iter()
                .flat_map(|a| &a.by_use)
                .filter(|x| x.fund_use == *u)
                .map(|x| x.amount_fen)
                .fold(0i64, i64::saturating_add),
        )
    }));
    rows.push(total);
    (header, rows)
}

async fn export(
    state: &AppState,
    caller: &Caller,
    group_id: GroupId,
    year: SchoolYear,
) -> Result<(Statement, Vec<String>, Vec<Vec<Cell>>), ApiError> {
    let s = statement(state, caller, group_id, year).await?;
    let names = Names::of(
        state,
        caller,
        [s.group_id],
        s.accounts.iter().map(|a| a.school_id).collect::<Vec<_>>(),
    )
    .await?;
    let (header, rows) = export_rows(&s, &names);
    Ok((s, header, rows))
}

/// The statement as an Excel workbook: one row per source and school, the group's total
/// last; amounts in yuan, spending per use in columns of their own.
#[utoipa::path(
    tag = "funds",
    operation_id = "export_group_funds_xlsx",
    params(("group_id" = GroupId, Path, description = "Group id"), FundsParams),
    responses(
        (status = 200, description = "The workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
        (status = 403, description = "Not the group's bureau, auditor or a school office of the group", body = ErrorBody),
        InvalidQuery, NoToken, GroupNotVisible, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[get("/groups/{group_id}/funds/export.xlsx")]
pub async fn export_group_funds_xlsx(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<GroupId>,
    query: web::Query<FundsParams>,
) -> Result<HttpResponse, ApiError> {
    let (s, header, rows) = export(&state, &caller, path.into_inner(), query.year).await?;
    let file = format!("funds-{}-{}.xlsx", s.group_id, s.school_year);
    let sheet = format!("{}学年经费", s.school_year);
    spreadsheet::xlsx_response(file, &sheet, &header, &rows)
}

/// The statement as CSV (UTF-8 with a byte-order mark, for Excel).
#[utoipa::path(
    tag = "funds",
    operation_id = "export_group_funds_csv",
    params(("group_id" = GroupId, Path, description = "Group id"), FundsParams),
    responses(
        (status = 200, description = "The statement", content_type = "text/csv", body = String),
        (status = 403, description = "Not the group's bureau, auditor or a school office of the group", body = ErrorBody),
        InvalidQuery, NoToken, GroupNotVisible, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[get("/groups/{group_id}/funds/export.csv")]
pub async fn export_group_funds_csv(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<GroupId>,
    query: web::Query<FundsParams>,
) -> Result<HttpResponse, ApiError> {
    let (s, header, rows) = export(&state, &caller, path.into_inner(), query.year).await?;
    let file = format!("funds-{}-{}.csv", s.group_id, s.school_year);
    spreadsheet::csv_response(file, &header, &rows)
}
