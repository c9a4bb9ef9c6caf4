//! A group's evaluation report for print: scores per dimension and the enrolment-weighted
//! CVs per stage (V-17, §8.12) as SVG charts, the figures, the members' progress and the
//! consequences, everyone by name.

use edu_contracts::evaluation::{Figure, IndicatorCv, Scorecard};
use edu_domain::Stage;
use maud::{Markup, html};

use super::charts::bar_chart;
use super::{Printable, lines, printable};
use crate::routes::names::Names;

/// The scorecard's print style, allowed by its hash in the page's CSP.
const PRINT_STYLE: &str = r#"body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #999;padding:3px 8px;text-align:left}@media print{a{color:inherit;text-decoration:none}}"#;

const TITLE: &str = "教育集团年度考核评估报告";

/// A number with one decimal, or a dash when there is none.
fn num(v: Option<f64>) -> String {
    v.map_or_else(|| "—".to_owned(), |v| format!("{v:.1}"))
}

/// One figure of a dimension: the indicator, its rule, its value, the points it earned and
/// how many records it was computed from.
fn figure(f: &Figure) -> String {
    let value = f
        .value
        .map_or_else(|| "无数据".to_owned(), |v| format!("{v:.1}{}", f.unit));
    format!(
        "{} [{}]: {value} → {:.1} 分 ({} 条记录)",
        f.title_zh,
        f.rule,
        f.score,
        f.sources.len()
    )
}

/// The report of `card`: `byline` says who opened and completed the round, `who` names the
/// person behind a token subject.
pub fn scorecard_report(
    card: &Scorecard,
    names: &Names,
    byline: &str,
    who: impl Fn(&str) -> String,
) -> Printable {
    let dims: Vec<(String, Option<f64>)> = card
        .dimensions
        .iter()
        .map(|d| (format!("{} ({}%)", d.title_zh, d.weight), Some(d.score)))
        .collect();
    let body = html! {
        h1 { (TITLE) }
        p {
            (names.group(card.group_id)) " · " (card.region.name_zh()) " · "
            (card.school_year.name_zh()) " · 龙头学校 " (names.school(card.lead_school_id))
            " · 统计日 " (card.as_of) " · 政策版本 " (card.policy_version)
        }
        p { "考核轮次:" (byline) }
        h2 { "总分 " (format_args!("{:.1}", card.total)) " · 等级 " (card.grade.name_zh()) }
        h3 { "各维度得分(V-01)" }
        (bar_chart(&dims, None))
        table {
            tr { th { "维度" } th { "权重" } th { "得分" } th { "指标" } }
            @for d in &card.dimensions {
                @let figures: Vec<String> = d.figures.iter().map(figure).collect();
                tr {
                    td { (d.title_zh) }
                    td { (d.weight) "%" }
                    td { (format_args!("{:.1}", d.score)) }
                    td { (lines(figures.iter().map(String::as_str))) }
                }
            }
        }
        h3 { "成员校增值(V-02、V-08)" }
        table {
            tr { th { "学校" } th { "本年" } th { "上年" } th { "增值" } th { "均衡达标" } }
            @for m in &card.members {
                tr {
                    td { (names.school(m.school_id)) }
                    td { (num(m.quality_score)) }
                    td { (num(m.last_year_score)) }
                    td { (num(m.value_added)) }
                    td {
                        @match m.balance_passed {
                            Some(true) => "达标",
                            Some(false) => "未达标",
                            None => "—",
                        }
                    }
                }
            }
        }
        (balance(card))
        h3 { "考核结果运用(X-02)" }
        ul {
            @for c in &card.consequences {
                li {
                    (c.kind.name_zh()) "·" (c.status.name_zh()) " "
                    (c.school_id.map(|s| names.school(s)).unwrap_or_default())
                    " — " (c.reason)
                    @if let Some(by) = c.decided_by.as_deref() { ";决定人 " (who(by)) }
                }
            }
        }
    };
    printable(TITLE, PRINT_STYLE, body)
}

/// V-17, §8.12: the enrolment-weighted CVs of each stage the group spans, ×100 so that the
/// stage's limit (0.50 / 0.45) reads on the same axis.
fn balance(card: &Scorecard) -> Markup {
    let mut stages: Vec<Stage> = card.balance.cv.iter().map(|c| c.stage).collect();
    stages.dedup();
    html! {
        @for stage in stages {
            @let cvs: Vec<&IndicatorCv> =
                card.balance.cv.iter().filter(|c| c.stage == stage).collect();
            @let limit = cvs.first().map_or(0.45, |c| c.limit);
            @let bars: Vec<(String, Option<f64>)> = cvs
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
            h3 {
                "校际加权差异系数 ×100(" (stage.name_zh()) ",V-17、§8.12,限值 "
                (format_args!("{limit:.2}")) ")"
            }
            p { "按在校生数 Pᵢ 加权:X̄ = ΣPᵢXᵢ / ΣPᵢ,S = √(Σ(Pᵢ/ΣP)(Xᵢ − X̄)²),CV = S / X̄" }
            (bar_chart(&bars, Some((limit * 100.0, "限值"))))
        }
    }
}
