//! Charts as SVG: the rotation chart (E-08) the console shows, and the horizontal bars of
//! the evaluation report. They draw numbers; they decide nothing. Every element is closed
//! explicitly (`<rect …></rect>`), so the same markup is well-formed XML on its own and
//! parses the same way inside an HTML page.

use maud::{Markup, html};
use serde::Deserialize;

const SVG_NS: &str = "http://www.w3.org/2000/svg";

/// The language of the chart's labels.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Zh,
    En,
}

/// One figure of the rotation chart, percentages 0–100: confirmed so far, forecast for the
/// year's end, and the policy's minimum.
#[derive(Debug, Clone, Copy)]
pub struct Figure {
    pub actual: f64,
    pub forecast: f64,
    pub min: f64,
}

/// The rotation chart's figures: the share of eligible teachers rotated and the backbone
/// share of those rotated.
#[derive(Debug, Clone, Copy)]
pub struct RotationChart {
    pub ratio: Figure,
    pub share: Figure,
    pub lang: Lang,
}

const WIDTH: f64 = 640.0;
const LEFT: f64 = 190.0;
const RIGHT: f64 = 600.0;
const BAR: f64 = 18.0;

struct Labels {
    title: &'static str,
    actual: &'static str,
    forecast: &'static str,
    min: &'static str,
    ratio: &'static str,
    share: &'static str,
}

fn labels(lang: Lang) -> Labels {
    match lang {
        Lang::Zh => Labels {
            title: "交流轮岗比例(E-08)",
            actual: "已确认",
            forecast: "学年末预测",
            min: "下限",
            ratio: "交流人数 / 符合条件教师",
            share: "骨干教师 / 交流人数",
        },
        Lang::En => Labels {
            title: "Teacher rotation (E-08)",
            actual: "confirmed",
            forecast: "year-end forecast",
            min: "minimum",
            ratio: "rotated / eligible teachers",
            share: "backbone / rotated",
        },
    }
}

/// One decimal, as the chart's coordinates and values are written.
fn d1(v: f64) -> String {
    format!("{v:.1}")
}

/// The rotation chart as an SVG document.
pub fn rotation_chart(chart: &RotationChart) -> String {
    let l = labels(chart.lang);
    let sections = [(l.ratio, chart.ratio), (l.share, chart.share)];
    let top = sections
        .iter()
        .flat_map(|(_, f)| [f.actual, f.forecast, f.min])
        .fold(30.0_f64, f64::max);
    let scale_max = ((top * 1.1 / 10.0).ceil() * 10.0).min(100.0);
    let x = |v: f64| LEFT + (RIGHT - LEFT) * v / scale_max;
    let height = 60.0 + sections.len() as f64 * 80.0 + 20.0;
    let grid_bottom = height - 20.0;
    let ticks =
        std::iter::successors(Some(0.0_f64), |t| Some(t + 10.0)).take_while(|t| *t <= scale_max);
    let svg = html! {
        svg xmlns=(SVG_NS) width=(WIDTH) height=(height)
            viewBox=(format_args!("0 0 {WIDTH} {height}"))
            font-family="system-ui, 'PingFang SC', 'Microsoft YaHei', 'Noto Sans CJK SC', sans-serif"
            font-size="12" role="img" {
            title { (l.title) }
            text x="10" y="22" font-size="15" font-weight="bold" { (l.title) }
            @for tick in ticks {
                line x1=(d1(x(tick))) y1="40" x2=(d1(x(tick))) y2=(grid_bottom) stroke="#e3e3e3" {}
                text x=(d1(x(tick))) y=(grid_bottom + 14.0) text-anchor="middle" fill="#777" {
                    (tick) "%"
                }
            }
            @for (i, (title, figure)) in sections.iter().enumerate() {
                @let y0 = 60.0 + i as f64 * 80.0;
                text x="10" y=(d1(y0 + 4.0)) font-weight="bold" { (title) }
                @for (j, (label, value, opacity)) in
                    [(l.actual, figure.actual, 1.0), (l.forecast, figure.forecast, 0.55)]
                        .into_iter()
                        .enumerate()
                {
                    @let y = y0 + 12.0 + j as f64 * (BAR + 6.0);
                    @let colour = if value >= figure.min { "#2e7d32" } else { "#e65100" };
                    text x=(LEFT - 8.0) y=(d1(y + 13.0)) text-anchor="end" { (label) }
                    rect x=(LEFT) y=(d1(y)) width=(d1((x(value) - LEFT).max(0.0))) height=(BAR)
                        fill=(colour) fill-opacity=(opacity) {}
                    text x=(d1(x(value) + 4.0)) y=(d1(y + 13.0)) { (d1(value)) "%" }
                }
                @let mx = d1(x(figure.min));
                line x1=(mx) y1=(d1(y0 + 8.0)) x2=(mx) y2=(d1(y0 + 12.0 + 2.0 * (BAR + 6.0)))
                    stroke="#c62828" stroke-width="2" stroke-dasharray="5 3" {}
                text x=(mx) y=(d1(y0 + 4.0)) fill="#c62828" text-anchor="middle" {
                    (l.min) " " (figure.min) "%"
                }
            }
        }
    };
    svg.into_string()
}

/// A horizontal bar chart (0–100) of labelled values, as SVG; a value that is missing shows
/// as 无数据, with no bar. `marker` draws a dashed line at a value with its label.
pub(super) fn bar_chart(bars: &[(String, Option<f64>)], marker: Option<(f64, &str)>) -> Markup {
    let (label_w, bar_w, row_h) = (150.0, 360.0, 26.0);
    let height = row_h * bars.len() as f64 + 20.0;
    html! {
        svg xmlns=(SVG_NS) width=(label_w + bar_w + 60.0) height=(height) role="img" font-size="12" {
            @for (i, (label, value)) in bars.iter().enumerate() {
                @let y = i as f64 * row_h + 4.0;
                @let len = value.map_or(0.0, |v| bar_w * v.clamp(0.0, 100.0) / 100.0);
                text x="0" y=(y + 14.0) { (label) }
                rect x=(label_w) y=(y) width=(d1(len)) height="18" fill="#3b6ea5" {}
                text x=(d1(label_w + len + 4.0)) y=(y + 14.0) {
                    @match value {
                        Some(v) => (d1(*v)),
                        None => "无数据",
                    }
                }
            }
            @if let Some((at, text)) = marker {
                @let x = d1(label_w + bar_w * at.clamp(0.0, 100.0) / 100.0);
                line x1=(x) y1="0" x2=(x) y2=(d1(height - 14.0)) stroke="#c0392b" stroke-dasharray="4 2" {}
                text x=(x) y=(d1(height - 2.0)) fill="#c0392b" { (text) }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_name_what_they_show_escaped_and_missing_values_as_no_data() {
        let svg = bar_chart(
            &[
                ("<b>师资</b> (30%)".to_owned(), Some(51.5)),
                ("X-1 现状".to_owned(), None),
            ],
            Some((45.0, "限值")),
        )
        .into_string();
        assert!(
            svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""),
            "{svg}"
        );
        assert!(svg.ends_with("</svg>"), "{svg}");
        assert!(svg.contains("&lt;b&gt;师资&lt;/b&gt; (30%)"), "{svg}");
        assert!(svg.contains(">51.5<") && svg.contains(">无数据<"), "{svg}");
        assert!(
            svg.contains(">限值<") && svg.contains("stroke-dasharray=\"4 2\""),
            "{svg}"
        );
        // every element closed, so the SVG is XML as well as HTML
        assert_eq!(svg.matches("<rect").count(), svg.matches("</rect>").count());
        assert_eq!(svg.matches("<line").count(), svg.matches("</line>").count());
    }
}
