//! A quarter's written report to the bureau (G-08) as a printable document: the group, its
//! county and the quarter by name, the quarter's major decisions with the schools they
//! concern by name, and the member schools' major matters recorded in it (G-09).

use std::fmt::Write as _;

use actix_web::{HttpResponse, get};
use edu_contracts::council::QuarterlyReport;
use edu_contracts::membership::Group;
use edu_domain::GroupId;

use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::extract::web;
use crate::headers;
use crate::routes::council::fetch_report;
use crate::routes::html::esc;
use crate::routes::names::Names;

/// A quarter's report as a printable HTML document (A4, for 打印 or "save as PDF").
#[utoipa::path(
    tag = "council",
    operation_id = "print_report",
    params(
        ("group_id" = GroupId, Path, description = "Group id"),
        ("period" = String, Path, description = "The quarter, e.g. `2026-Q1`"),
    ),
    responses(
        (status = 200, description = "The report, HTML for print", content_type = "text/html", body = String),
        (status = 400, description = "Invalid period", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such group visible to the caller", body = ErrorBody),
        (status = 503, description = "Service unavailable; retry", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
#[get("/groups/{group_id}/reports/{period}/print")]
pub async fn print_report(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(GroupId, String)>,
) -> Result<HttpResponse, ApiError> {
    let (group_id, raw) = path.into_inner();
    let (report, group) = fetch_report(&state, &caller, group_id, &raw).await?;
    let subjects = report.decisions.iter().filter_map(|d| d.subject_school_id);
    let names = Names::of(&state, &caller, [], subjects.collect::<Vec<_>>()).await?;
    Ok(headers::printable(
        report_html(&report, &group, &names),
        PRINT_STYLE,
    ))
}

fn state_zh(report: &QuarterlyReport) -> &'static str {
    use edu_contracts::council::ReportState as S;
    match report.state {
        S::Open => "季度未结束",
        S::Due => "待报送",
        S::Overdue => "逾期未报",
        S::Submitted => "已报送",
        S::SubmittedLate => "已报送(逾期)",
    }
}

/// The printable report: a heading, the facts, the summary, one row per major decision and
/// one per member school's major matter recorded in the quarter with the decision it cites.
/// The report's print style (A4, 宋体), allowed by its hash in the page's CSP.
const PRINT_STYLE: &str = "@page{size:A4;margin:20mm}body{font-family:\"SimSun\",\"Songti SC\",serif;font-size:12pt;color:#000}\
h1{font-size:18pt;text-align:center}table{width:100%;border-collapse:collapse}\
th,td{border:1px solid #000;padding:4px;vertical-align:top}dl{display:grid;grid-template-columns:8em 1fr}";

fn report_html(r: &QuarterlyReport, group: &Group, names: &Names) -> String {
    let style = PRINT_STYLE;
    let mut rows = String::new();
    for (i, d) in r.decisions.iter().enumerate() {
        let subject = d
            .subject_school_id
            .map(|s| names.school(s))
            .unwrap_or_default();
        let _ = write!(
            rows,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}/{}/{}/{}</td></tr>",
            i + 1,
            d.decided_on,
            esc(d.category.name_zh()),
            esc(&d.title),
            esc(&subject),
            d.tally.yes,
            d.tally.no,
            d.tally.abstain,
            d.tally.recused,
        );
    }
    if rows.is_empty() {
        rows.push_str("<tr><td colspan=\"6\">本季度无重大决策</td></tr>");
    }
    let mut matters = String::new();
    for (i, m) in r.major_matters.iter().enumerate() {
        let description = m
            .description
            .as_deref()
            .map(|d| format!("<br><small>{}</small>", esc(d)))
            .unwrap_or_default();
        let _ = write!(
            matters,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}{}</td><td>{}({})</td><td>{}</td></tr>",
            i + 1,
            m.effective_on,
            esc(&m.school_name),
            esc(m.kind.name_zh()),
            esc(&m.title),
            description,
            esc(&m.decision_title),
            m.decided_on,
            m.recorded_at.format("%Y-%m-%d"),
        );
    }
    if matters.is_empty() {
        matters.push_str("<tr><td colspan=\"7\">本季度未登记成员学校重大事项</td></tr>");
    }
    let summary = r
        .summary
        .as_deref()
        .map(|s| esc(s).replace('\n', "<br>"))
        .unwrap_or_else(|| "(尚未报送)".to_owned());
    let submitted = r
        .submitted_at
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|| "—".to_owned());
    format!(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
<title>{name} {period}理事会重大决策书面汇报</title>\
<style>{style}</style>\
</head><body>\n<h1>{name}<br>{period}理事会重大决策书面汇报</h1>\n\
<dl><dt>报送对象</dt><dd>{county}教育局(G-08)</dd><dt>状态</dt><dd>{state}</dd>\
<dt>报送期限</dt><dd>{due}</dd><dt>报送时间</dt><dd>{submitted}</dd>\
<dt>召开会议</dt><dd>{held} 次</dd><dt>政策版本</dt><dd>{policy}</dd></dl>\n\
<h2>一、综述</h2>\n<p>{summary}</p>\n<h2>二、重大决策</h2>\n\
<table><thead><tr><th>序号</th><th>决策日期</th><th>类别</th><th>事项</th><th>涉及学校</th>\
<th>赞成/反对/弃权/回避</th></tr></thead><tbody>{rows}</tbody></table>\n\
<h2>三、成员学校重大事项(G-09)</h2>\n\
<table><thead><tr><th>序号</th><th>生效日期</th><th>学校</th><th>类别</th><th>事项</th>\
<th>依据的理事会决策(决策日期)</th><th>登记日期</th></tr></thead><tbody>{matters}</tbody></table>\n</body></html>\n",
        name = esc(&r.group_name),
        period = r.period.name_zh(),
        county = esc(&group.region.name_zh()),
        state = state_zh(r),
        due = r.due_on,
        held = r.meetings_held,
        policy = r.policy_version,
    )
}
