//! A quarter's written report to the bureau (G-08) for print: the group, its county and the
//! quarter by name, the quarter's major decisions with the schools they concern by name,
//! and the member schools' major matters recorded in it (G-09).

use edu_contracts::council::{QuarterlyReport, ReportState};
use edu_contracts::membership::Group;
use maud::html;

use super::{Printable, lines, printable};
use crate::routes::names::Names;

/// The report's print style (A4, 宋体), allowed by its hash in the page's CSP.
const PRINT_STYLE: &str = "@page{size:A4;margin:20mm}body{font-family:\"SimSun\",\"Songti SC\",serif;font-size:12pt;color:#000}\
h1{font-size:18pt;text-align:center}table{width:100%;border-collapse:collapse}\
th,td{border:1px solid #000;padding:4px;vertical-align:top}dl{display:grid;grid-template-columns:8em 1fr}";

fn state_zh(state: ReportState) -> &'static str {
    match state {
        ReportState::Open => "季度未结束",
        ReportState::Due => "待报送",
        ReportState::Overdue => "逾期未报",
        ReportState::Submitted => "已报送",
        ReportState::SubmittedLate => "已报送(逾期)",
    }
}

/// The printable report: a heading, the facts, the summary, one row per major decision and
/// one per member school's major matter recorded in the quarter with the decision it cites.
pub fn quarterly_report(r: &QuarterlyReport, group: &Group, names: &Names) -> Printable {
    let heading = format!("{}理事会重大决策书面汇报", r.period.name_zh());
    let submitted = r
        .submitted_at
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|| "—".to_owned());
    let body = html! {
        h1 { (r.group_name) br; (heading) }
        dl {
            dt { "报送对象" } dd { (group.region.name_zh()) "教育局(G-08)" }
            dt { "状态" } dd { (state_zh(r.state)) }
            dt { "报送期限" } dd { (r.due_on) }
            dt { "报送时间" } dd { (submitted) }
            dt { "召开会议" } dd { (r.meetings_held) " 次" }
            dt { "政策版本" } dd { (r.policy_version) }
        }
        h2 { "一、综述" }
        p {
            @match r.summary.as_deref() {
                Some(summary) => (lines(summary.split('\n'))),
                None => "(尚未报送)",
            }
        }
        h2 { "二、重大决策" }
        table {
            thead {
                tr {
                    th { "序号" } th { "决策日期" } th { "类别" } th { "事项" } th { "涉及学校" }
                    th { "赞成/反对/弃权/回避" }
                }
            }
            tbody {
                @for (i, d) in r.decisions.iter().enumerate() {
                    tr {
                        td { (i + 1) }
                        td { (d.decided_on) }
                        td { (d.category.name_zh()) }
                        td { (d.title) }
                        td { (d.subject_school_id.map(|s| names.school(s)).unwrap_or_default()) }
                        td {
                            (d.tally.yes) "/" (d.tally.no) "/" (d.tally.abstain) "/"
                            (d.tally.recused)
                        }
                    }
                }
                @if r.decisions.is_empty() {
                    tr { td colspan="6" { "本季度无重大决策" } }
                }
            }
        }
        h2 { "三、成员学校重大事项(G-09)" }
        table {
            thead {
                tr {
                    th { "序号" } th { "生效日期" } th { "学校" } th { "类别" } th { "事项" }
                    th { "依据的理事会决策(决策日期)" } th { "登记日期" }
                }
            }
            tbody {
                @for (i, m) in r.major_matters.iter().enumerate() {
                    tr {
                        td { (i + 1) }
                        td { (m.effective_on) }
                        td { (m.school_name) }
                        td { (m.kind.name_zh()) }
                        td {
                            (m.title)
                            @if let Some(description) = m.description.as_deref() {
                                br; small { (description) }
                            }
                        }
                        td { (m.decision_title) "(" (m.decided_on) ")" }
                        td { (m.recorded_at.format("%Y-%m-%d")) }
                    }
                }
                @if r.major_matters.is_empty() {
                    tr { td colspan="7" { "本季度未登记成员学校重大事项" } }
                }
            }
        }
    };
    printable(&format!("{} {heading}", r.group_name), PRINT_STYLE, body)
}
