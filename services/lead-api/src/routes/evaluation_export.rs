//! The evaluation round's exports for people: CSV (UTF-8 with BOM, for Excel), XLSX and a
//! group's printable report with server-side SVG charts. They name what they show — groups,
//! schools, the county, the school year, kinds and statuses in Chinese, people by name — and
//! keep the group's id in a column of its own for whoever matches rows by machine.

use std::fmt::Write as _;

use actix_web::http::header::{ContentDisposition, DispositionParam, DispositionType};
use actix_web::{HttpResponse, get};
use edu_contracts::Paging;
use edu_contracts::evaluation::{
    GetRound, IndicatorCv, ListScorecards, Round, RoundRef, Scorecard, ScorecardQuery,
};
use edu_domain::{GroupId, Problem, Stage};
use uuid::Uuid;

use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::extract::web;
use crate::headers;
use crate::routes::evaluation::{round_of_region, scorecard};
use crate::routes::html::esc;
use crate::routes::names::{Names, person};

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

/// The total's column; the dimensions' scores follow the grade.
const TOTAL_COL: usize = 4;
const FIRST_DIMENSION_COL: usize = TOTAL_COL + 2;

/// The export's columns: group (name, then id), county, school year, total, grade, each
/// dimension's score, the members' value added and the proposed consequences, by name.
fn export_rows(cards: &[Scorecard], names: &Names) -> (Vec<String>, Vec<Vec<String>>) {
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
            let mut row = vec![
                names.group(c.group_id),
                c.group_id.to_string(),
                c.region.name_zh().into_owned(),
                c.school_year.name_zh(),
                format!("{:.1}", c.total),
                c.grade.name_zh().to_owned(),
            ];
            row.extend(c.dimensions.iter().map(|d| format!("{:.1}", d.score)));
            row.push(
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
            );
            row.push(
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
            );
            // what people typed (names, titles) reaches a spreadsheet: no cell runs there
            row.into_iter()
                .map(|cell| edu_domain::text::spreadsheet_cell(&cell).into_owned())
                .collect()
        })
        .collect();
    (header, rows)
}

fn attachment(name: String) -> ContentDisposition {
    ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: vec![DispositionParam::Filename(name)],
    }
}

fn export_failed(what: &str, e: impl std::fmt::Display) -> ApiError {
    tracing::error!(error = %e, "evaluation export: {what}");
    Problem::internal().into()
}

/// A round's scorecards as CSV, UTF-8 with a byte-order mark so that Excel shows the
/// Chinese correctly.
#[utoipa::path(
    tag = "evaluation",
    operation_id = "export_evaluation_round_csv",
    params(("round_id" = String, Path, description = "Round id")),
    responses(
        (status = 200, description = "The scorecards", content_type = "text/csv", body = String),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such round in the caller's region", body = ErrorBody),
        (status = 409, description = "`evaluation_round_computing`: the round is still computing; poll it until `computed`", body = ErrorBody),
        (status = 503, description = "Service unavailable; retry", body = ErrorBody),
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
    let mut out = "\u{feff}".as_bytes().to_vec();
    {
        let mut w = csv::Writer::from_writer(&mut out);
        w.write_record(&header)
            .map_err(|e| export_failed("csv", e))?;
        for row in &rows {
            w.write_record(row).map_err(|e| export_failed("csv", e))?;
        }
        w.flush().map_err(|e| export_failed("csv", e))?;
    }
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(attachment(format!(
            "evaluation-{}-{}.csv",
            round.region.as_str(),
            round.school_year.0
        )))
        .body(out))
}

/// A round's scorecards as an Excel workbook (a sheet of totals and dimension scores).
#[utoipa::path(
    tag = "evaluation",
    operation_id = "export_evaluation_round_xlsx",
    params(("round_id" = String, Path, description = "Round id")),
    responses(
        (status = 200, description = "The workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such round in the caller's region", body = ErrorBody),
        (status = 409, description = "`evaluation_round_computing`: the round is still computing; poll it until `computed`", body = ErrorBody),
        (status = 503, description = "Service unavailable; retry", body = ErrorBody),
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
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let fail = |e: rust_xlsxwriter::XlsxError| export_failed("xlsx", e);
    sheet
        .set_name(format!("{}考核", round.school_year.0))
        .map_err(fail)?;
    let bold = rust_xlsxwriter::Format::new().set_bold();
    for (col, title) in header.iter().enumerate() {
        let col = u16::try_from(col).unwrap_or(u16::MAX);
        sheet
            .write_string_with_format(0, col, title, &bold)
            .map_err(fail)?;
    }
    for (r, (row, card)) in rows.iter().zip(&cards).enumerate() {
        let r = u32::try_from(r + 1).unwrap_or(u32::MAX);
        for (col, cell) in row.iter().enumerate() {
            let col16 = u16::try_from(col).unwrap_or(u16::MAX);
            // numbers as numbers: the total and the dimension scores
            let number = match col {
                TOTAL_COL => Some(card.total),
                c if c >= FIRST_DIMENSION_COL => card
                    .dimensions
                    .get(c - FIRST_DIMENSION_COL)
                    .map(|d| d.score),
                _ => None,
            };
            match number {
                Some(n) => sheet.write_number(r, col16, n).map_err(fail)?,
                None => sheet.write_string(r, col16, cell).map_err(fail)?,
            };
        }
    }
    let bytes = book.save_to_buffer().map_err(fail)?;
    Ok(HttpResponse::Ok()
        .content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        .insert_header(attachment(format!(
            "evaluation-{}-{}.xlsx",
            round.region.as_str(),
            round.school_year.0
        )))
        .body(bytes))
}

/// A horizontal bar chart (0–100) of labelled values, as SVG; a value that is missing
/// shows as 无数据, with no bar.
fn bar_chart(bars: &[(String, Option<f64>)], marker: Option<(f64, &str)>) -> String {
    let (label_w, bar_w, row_h) = (150.0, 360.0, 26.0);
    let height = row_h * bars.len() as f64 + 20.0;
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{height}" role="img" font-size="12">"#,
        w = label_w + bar_w + 60.0
    );
    for (i, (label, value)) in bars.iter().enumerate() {
        let y = i as f64 * row_h + 4.0;
        let len = value.map_or(0.0, |v| bar_w * v.clamp(0.0, 100.0) / 100.0);
        let shown = value.map_or_else(|| "无数据".to_owned(), |v| format!("{v:.1}"));
        let _ = write!(
            svg,
            r##"<text x="0" y="{ty}">{label}</text><rect x="{label_w}" y="{y}" width="{len:.1}" height="18" fill="#3b6ea5"/><text x="{tx:.1}" y="{ty}">{shown}</text>"##,
            ty = y + 14.0,
            label = esc(label),
            tx = label_w + len + 4.0,
        );
    }
    if let Some((at, text)) = marker {
        let x = label_w + bar_w * at.clamp(0.0, 100.0) / 100.0;
        let _ = write!(
            svg,
            r##"<line x1="{x:.1}" y1="0" x2="{x:.1}" y2="{h:.1}" stroke="#c0392b" stroke-dasharray="4 2"/><text x="{x:.1}" y="{h2:.1}" fill="#c0392b">{t}</text>"##,
            h = height - 14.0,
            h2 = height - 2.0,
            t = esc(text),
        );
    }
    svg.push_str("</svg>");
    svg
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

/// The scorecard's print style, allowed by its hash in the page's CSP.
const PRINT_STYLE: &str = r#"body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #999;padding:3px 8px;text-align:left}@media print{a{color:inherit;text-decoration:none}}"#;

fn report_html(
    card: &Scorecard,
    names: &Names,
    byline: &str,
    who: impl Fn(&str) -> String,
) -> String {
    let dims: Vec<(String, Option<f64>)> = card
        .dimensions
        .iter()
        .map(|d| (format!("{} ({}%)", d.title_zh, d.weight), Some(d.score)))
        .collect();
    let style = PRINT_STYLE;
    let mut html = format!(
        r#"<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>教育集团年度考核评估报告</title>
<style>{style}</style></head><body>
<h1>教育集团年度考核评估报告</h1>
<p>{group} · {county} · {year} · 龙头学校 {lead} · 统计日 {as_of} · 政策版本 {policy}</p>
<p>考核轮次:{byline}</p>
<h2>总分 {total:.1} · 等级 {grade}</h2>
<h3>各维度得分(V-01)</h3>{chart}
<table><tr><th>维度</th><th>权重</th><th>得分</th><th>指标</th></tr>"#,
        group = esc(&names.group(card.group_id)),
        county = esc(&card.region.name_zh()),
        year = card.school_year.name_zh(),
        lead = esc(&names.school(card.lead_school_id)),
        byline = esc(byline),
        as_of = card.as_of,
        policy = card.policy_version,
        total = card.total,
        grade = card.grade.name_zh(),
        chart = bar_chart(&dims, None),
    );
    for d in &card.dimensions {
        let figures: Vec<String> = d
            .figures
            .iter()
            .map(|f| {
                let value = f
                    .value
                    .map_or_else(|| "无数据".to_owned(), |v| format!("{v:.1}{}", f.unit));
                format!(
                    "{} [{}]: {} → {:.1} 分 ({} 条记录)",
                    esc(&f.title_zh),
                    esc(&f.rule),
                    esc(&value),
                    f.score,
                    f.sources.len()
                )
            })
            .collect();
        let _ = write!(
            html,
            "<tr><td>{}</td><td>{}%</td><td>{:.1}</td><td>{}</td></tr>",
            esc(&d.title_zh),
            d.weight,
            d.score,
            figures.join("<br>")
        );
    }
    html.push_str("</table><h3>成员校增值(V-02、V-08)</h3><table><tr><th>学校</th><th>本年</th><th>上年</th><th>增值</th><th>均衡达标</th></tr>");
    for m in &card.members {
        let num = |v: Option<f64>| v.map_or_else(|| "—".to_owned(), |v| format!("{v:.1}"));
        let _ = write!(
            html,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&names.school(m.school_id)),
            num(m.quality_score),
            num(m.last_year_score),
            num(m.value_added),
            match m.balance_passed {
                Some(true) => "达标",
                Some(false) => "未达标",
                None => "—",
            }
        );
    }
    html.push_str("</table>");
    // V-17, §8.12: the enrolment-weighted CVs of each stage the group spans, ×100 so that
    // the stage's limit (0.50 / 0.45) reads on the same axis.
    let mut stages: Vec<Stage> = card.balance.cv.iter().map(|c| c.stage).collect();
    stages.dedup();
    for stage in stages {
        let cvs: Vec<&IndicatorCv> = card
            .balance
            .cv
            .iter()
            .filter(|c| c.stage == stage)
            .collect();
        let limit = cvs.first().map_or(0.45, |c| c.limit);
        let bars: Vec<(String, Option<f64>)> = cvs
            .iter()
            .flat_map(|c| {
                [
                    (format!("{} 现状", c.number), c.group_cv.map(|v| v * 100.0)),
                    (
                        format!("{} 含轮岗", c.number),
                        c.group_cv_with_postings.map(|v| v * 100.0),
                    ),
                ]
            })
            .collect();
        let _ = write!(
            html,
            "<h3>校际加权差异系数 ×100({},V-17、§8.12,限值 {:.2})</h3>\
             <p>按在校生数 Pᵢ 加权:X̄ = ΣPᵢXᵢ / ΣPᵢ,S = √(Σ(Pᵢ/ΣP)(Xᵢ − X̄)²),CV = S / X̄</p>{}",
            stage.name_zh(),
            limit,
            bar_chart(&bars, Some((limit * 100.0, "限值")))
        );
    }
    html.push_str("<h3>考核结果运用(X-02)</h3><ul>");
    for c in &card.consequences {
        let about = c.school_id.map(|s| names.school(s)).unwrap_or_default();
        let decided = c
            .decided_by
            .as_deref()
            .map(|by| format!(";决定人 {}", who(by)))
            .unwrap_or_default();
        let _ = write!(
            html,
            "<li>{}·{} {} — {}{}</li>",
            c.kind.name_zh(),
            c.status.name_zh(),
            esc(&about),
            esc(&c.reason),
            esc(&decided),
        );
    }
    html.push_str("</ul></body></html>");
    html
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
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such scorecard visible to the caller", body = ErrorBody),
        (status = 409, description = "`evaluation_round_computing`: the round is still computing; poll it until `computed`", body = ErrorBody),
        (status = 503, description = "Service unavailable; retry", body = ErrorBody),
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
    let html = report_html(&card, &names, &byline(&round, &caller), |by| {
        person(by, &caller)
    });
    Ok(headers::printable(html, PRINT_STYLE))
}
