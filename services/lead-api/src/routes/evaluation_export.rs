//! The evaluation round's exports for people: CSV (UTF-8 with BOM, for Excel), XLSX and a
//! group's printable report with server-side SVG charts ([`render::scorecard_report`]). They name what they show — groups,
//! schools, the county, the school year, kinds and statuses in Chinese, people by name — and
//! keep the group's id in a column of its own for whoever matches rows by machine.

use std::fmt::Write as _;

use actix_web::{HttpResponse, get};
use edu_contracts::Paging;
use edu_contracts::evaluation::{
    GetRound, ListScorecards, Round, RoundRef, Scorecard, ScorecardQuery,
};
use edu_domain::GroupId;
use uuid::Uuid;

use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::extract::web;
use crate::responses::{NoToken, RoundComputing, RoundNotInRegion, Unavailable};
use crate::routes::evaluation::{round_of_region, scorecard};
use crate::routes::names::{Names, person};
use crate::routes::spreadsheet::{self, Cell};
use crate::{headers, render};

/// Scorecards fetched per page by the exports.
const EXPORT_PAGE: u16 = 200;

/// Every scorecard of a round, a page at a time.
async fn all_scorecards(
    state: &AppState,
    caller: &Caller,
    round_id: Uuid,
) -> Result<Vec<Scorecard>, ApiError> {
    let mut out = Vec::new();
    loop {
        let offset = u32::try_from(out.len()).unwrap_or(u32::MAX);
        let q = ScorecardQuery {
            round_id,
            paging: Paging {
                limit: EXPORT_PAGE,
                offset,
            },
        };
        let page = state
            .bus
            .call::<ListScorecards>(&caller.actor(), None, q)
            .await?;
        let done = page.items.is_empty();
        out.extend(page.items);
        if done || i64::try_from(out.len()).unwrap_or(i64::MAX) >= page.total {
            return Ok(out);
        }
    }
}

/// The names an export of these scorecards mentions.
async fn names_of(
    state: &AppState,
    caller: &Caller,
    cards: &[Scorecard],
) -> Result<Names, ApiError> {
    let schools = cards.iter().flat_map(|c| {
        c.members
            .iter()
            .map(|m| m.school_id)
            .chain(c.consequences.iter().filter_map(|k| k.school_id))
            .chain([c.lead_school_id])
    });
    Names::of(
        state,
        caller,
        cards.iter().map(|c| c.group_id),
        schools.collect::<Vec<_>>(),
    )
    .await
}

/// The export's columns: group (name, then id), county, school year, total, grade, each
/// dimension's score, the members' value added and the proposed consequences, by name.
fn export_rows(cards: &[Scorecard], names: &Names) -> (Vec<String>, Vec<Vec<Cell>>) {
    let mut header = vec![
        "集团 group".to_owned(),
        "集团编号 group_id".to_owned(),
        "县(区) county".to_owned(),
        "学年 school_year".to_owned(),
        "总分 total".to_owned(),
        "等级 grade".to_owned(),
    ];
    if let Some(first) = cards.first() {
        header.extend(
            first
                .dimensions
                .iter()
                .map(|d| format!("{} {} ({}%)", d.title_zh, d.dimension.as_str(), d.weight)),
        );
    }
    header.push("成员校增值 members' value added".to_owned());
    header.push("拟运用结果 proposed consequences".to_owned());
    let rows = cards
        .iter()
        .map(|c| {
            let score = |n: f64| Cell::number(n, format!("{n:.1}"));
            let mut row = vec![
                Cell::text(names.group(c.group_id)),
                Cell::text(c.group_id.to_string()),
                Cell::text(c.region.name_zh()),
                Cell::text(c.school_year.name_zh()),
                score(c.total),
                Cell::text(c.grade.name_zh()),
            ];
            row.extend(c.dimensions.iter().map(|d| score(d.score)));
            row.push(Cell::text(
                c.members
                    .iter()
                    .map(|m| {
                        let added = m
                            .value_added
                            .map_or_else(|| "—".to_owned(), |v| format!("{v:+.1}"));
                        format!("{} {added}", names.school(m.school_id))
                    })
                    .collect::<Vec<_>>()
                    .join(";"),
            ));
            row.push(Cell::text(
                c.consequences
                    .iter()
                    .map(|k| {
                        let about = k
                            .school_id
                            .map(|s| format!(" {}", names.school(s)))
                            .unwrap_or_default();
                        format!("{}·{}{about}", k.kind.name_zh(), k.status.name_zh())
                    })
                    .collect::<Vec<_>>()
                    .join(";"),
            ));
            // what people typed (names, titles) reaches a spreadsheet: the writer
            // neutralises every text cell
            row
        })
        .collect();
    (header, rows)
}

/// A round's scorecards as CSV, UTF-8 with a byte-order mark so that Excel shows the
/// Chinese correctly.
#[utoipa::path(
    tag = "evaluation",
    operation_id = "export_evaluation_round_csv",
    params(("round_id" = String, Path, description = "Round id")),
    responses(
        (status = 200, description = "The scorecards", content_type = "text/csv", body = String),
        NoToken, RoundNotInRegion, RoundComputing, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[get("/evaluation-rounds/{round_id}/export.csv")]
pub async fn export_evaluation_round_csv(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let round = round_of_region(&state, &caller, path.into_inner()).await?;
    let cards = all_scorecards(&state, &caller, round.id).await?;
    let names = names_of(&state, &caller, &cards).await?;
    let (header, rows) = export_rows(&cards, &names);
    let file = format!(
        "evaluation-{}-{}.csv",
        round.region.as_str(),
        round.school_year.0
    );
    spreadsheet::csv_response(file, &header, &rows)
}

/// A round's scorecards as an Excel workbook (a sheet of totals and dimension scores).
#[utoipa::path(
    tag = "evaluation",
    operation_id = "export_evaluation_round_xlsx",
    params(("round_id" = String, Path, description = "Round id")),
    responses(
        (status = 200, description = "The workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
        NoToken, RoundNotInRegion, RoundComputing, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[get("/evaluation-rounds/{round_id}/export.xlsx")]
pub async fn export_evaluation_round_xlsx(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let round = round_of_region(&state, &caller, path.into_inner()).await?;
    let cards = all_scorecards(&state, &caller, round.id).await?;
    let names = names_of(&state, &caller, &cards).await?;
    let (header, rows) = export_rows(&cards, &names);
    let file = format!(
        "evaluation-{}-{}.xlsx",
        round.region.as_str(),
        round.school_year.0
    );
    let sheet = format!("{}考核", round.school_year.0);
    spreadsheet::xlsx_response(file, &sheet, &header, &rows)
}

/// Who opened and completed the round, by name where the reader's token gives it.
fn byline(round: &Round, caller: &Caller) -> String {
    let mut line = format!(
        "开启 {} {}",
        person(&round.opened_by, caller),
        round.opened_at.format("%Y-%m-%d")
    );
    if let (Some(by), Some(at)) = (&round.completed_by, round.completed_at) {
        let _ = write!(
            line,
            " · 完成 {} {}",
            person(by, caller),
            at.format("%Y-%m-%d")
        );
    }
    line
}

/// A group's report for print: scores per dimension and the enrolment-weighted CVs per
/// stage (V-17, §8.12) as SVG charts, the figures, the members' progress and the
/// consequences.
#[utoipa::path(
    tag = "evaluation",
    operation_id = "print_scorecard",
    params(
        ("round_id" = String, Path, description = "Round id"),
        ("group_id" = GroupId, Path, description = "Group id"),
    ),
    responses(
        (status = 200, description = "The report, HTML for print", content_type = "text/html", body = String),
        (status = 404, description = "No such scorecard visible to the caller", body = ErrorBody),
        NoToken, RoundComputing, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[get("/evaluation-rounds/{round_id}/groups/{group_id}/report.html")]
pub async fn print_scorecard(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, GroupId)>,
) -> Result<HttpResponse, ApiError> {
    let (round_id, group_id) = path.into_inner();
    let card = scorecard(&state, &caller, round_id, group_id).await?;
    // the scorecard is visible, so is the round it belongs to (a member school's too)
    let round = state
        .bus
        .call::<GetRound>(&caller.actor(), None, RoundRef { round_id })
        .await?;
    let names = names_of(&state, &caller, std::slice::from_ref(&card)).await?;
    let report = render::scorecard_report(&card, &names, &byline(&round, &caller), |by| {
        person(by, &caller)
    });
    Ok(headers::printable(report))
}
