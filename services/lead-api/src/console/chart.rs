//! The rotation chart (E-08) as SVG, drawn on the server from the figures the page already
//! has from `GET …/rotation`: the share of eligible teachers rotated and the backbone share
//! of those rotated, confirmed so far and forecast for the year's end, against the policy's
//! minimums. It draws numbers; it decides nothing.

use actix_web::HttpResponse;
use actix_web::http::header;
use edu_domain::Problem;
use serde::Deserialize;

use crate::error::ApiError;
use crate::extract::web;

#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Zh,
    En,
}

/// The figures to draw, percentages 0–100.
#[derive(Debug, Deserialize)]
pub struct RotationQuery {
    ratio: f64,
    ratio_forecast: f64,
    ratio_min: f64,
    share: f64,
    share_forecast: f64,
    share_min: f64,
    #[serde(default)]
    lang: Lang,
}

impl RotationQuery {
    fn values(&self) -> [(&'static str, f64); 6] {
        [
            ("ratio", self.ratio),
            ("ratio_forecast", self.ratio_forecast),
            ("ratio_min", self.ratio_min),
            ("share", self.share),
            ("share_forecast", self.share_forecast),
            ("share_min", self.share_min),
        ]
    }

    fn check(&self) -> Result<(), Problem> {
        for (name, v) in self.values() {
            if !(v.is_finite() && (0.0..=100.0).contains(&v)) {
                return Err(Problem::validation(
                    name,
                    &format!("{name} must be a percentage from 0 to 100"),
                    &format!("{name} 须为 0 至 100 的百分数"),
                ));
            }
        }
        Ok(())
    }
}

const WIDTH: f64 = 640.0;
const LEFT: f64 = 190.0;
const RIGHT: f64 = 600.0;
const BAR: f64 = 18.0;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

struct Section<'a> {
    title: &'a str,
    actual: f64,
    forecast: f64,
    min: f64,
}

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

/// The chart as an SVG document.
pub fn rotation_svg(q: &RotationQuery) -> String {
    let l = labels(q.lang);
    let top = q.values().iter().map(|(_, v)| *v).fold(30.0_f64, f64::max);
    let scale_max = ((top * 1.1 / 10.0).ceil() * 10.0).min(100.0);
    let x = |v: f64| LEFT + (RIGHT - LEFT) * v / scale_max;
    let sections = [
        Section {
            title: l.ratio,
            actual: q.ratio,
            forecast: q.ratio_forecast,
            min: q.ratio_min,
        },
        Section {
            title: l.share,
            actual: q.share,
            forecast: q.share_forecast,
            min: q.share_min,
        },
    ];
    let height = 60.0 + sections.len() as f64 * 80.0 + 20.0;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{height}\" \
         viewBox=\"0 0 {WIDTH} {height}\" font-family=\"system-ui, 'PingFang SC', 'Microsoft YaHei', \
         'Noto Sans CJK SC', sans-serif\" font-size=\"12\" role=\"img\">\
         <title>{}</title>\
         <text x=\"10\" y=\"22\" font-size=\"15\" font-weight=\"bold\">{}</text>",
        esc(l.title),
        esc(l.title)
    );
    let grid_bottom = height - 20.0;
    let mut tick = 0.0;
    while tick <= scale_max {
        svg.push_str(&format!(
            "<line x1=\"{x:.1}\" y1=\"40\" x2=\"{x:.1}\" y2=\"{grid_bottom}\" stroke=\"#e3e3e3\"/>\
             <text x=\"{x:.1}\" y=\"{y}\" text-anchor=\"middle\" fill=\"#777\">{tick}%</text>",
            x = x(tick),
            y = grid_bottom + 14.0,
        ));
        tick += 10.0;
    }
    for (i, s) in sections.iter().enumerate() {
        let y0 = 60.0 + i as f64 * 80.0;
        svg.push_str(&format!(
            "<text x=\"10\" y=\"{:.1}\" font-weight=\"bold\">{}</text>",
            y0 + 4.0,
            esc(s.title)
        ));
        for (j, (label, value, opacity)) in
            [(l.actual, s.actual, 1.0), (l.forecast, s.forecast, 0.55)]
                .into_iter()
                .enumerate()
        {
            let y = y0 + 12.0 + j as f64 * (BAR + 6.0);
            let colour = if value >= s.min { "#2e7d32" } else { "#e65100" };
            svg.push_str(&format!(
                "<text x=\"{lx}\" y=\"{ty:.1}\" text-anchor=\"end\">{label}</text>\
                 <rect x=\"{LEFT}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{BAR}\" fill=\"{colour}\" \
                 fill-opacity=\"{opacity}\"/>\
                 <text x=\"{vx:.1}\" y=\"{ty:.1}\">{value:.1}%</text>",
                lx = LEFT - 8.0,
                ty = y + 13.0,
                label = esc(label),
                w = (x(value) - LEFT).max(0.0),
                vx = x(value) + 4.0,
            ));
        }
        let mx = x(s.min);
        svg.push_str(&format!(
            "<line x1=\"{mx:.1}\" y1=\"{y1:.1}\" x2=\"{mx:.1}\" y2=\"{y2:.1}\" stroke=\"#c62828\" \
             stroke-width=\"2\" stroke-dasharray=\"5 3\"/>\
             <text x=\"{mx:.1}\" y=\"{ty:.1}\" fill=\"#c62828\" text-anchor=\"middle\">{min} {v}%</text>",
            y1 = y0 + 8.0,
            y2 = y0 + 12.0 + 2.0 * (BAR + 6.0),
            ty = y0 + 4.0,
            min = esc(l.min),
            v = s.min,
        ));
    }
    svg.push_str("</svg>");
    svg
}

/// `GET /console/charts/rotation.svg?ratio=…&ratio_forecast=…&ratio_min=…&share=…&share_forecast=…&share_min=…&lang=zh|en`
pub async fn rotation(q: web::Query<RotationQuery>) -> Result<HttpResponse, ApiError> {
    q.check()?;
    Ok(HttpResponse::Ok()
        .content_type("image/svg+xml; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(rotation_svg(&q)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(ratio: f64) -> RotationQuery {
        RotationQuery {
            ratio,
            ratio_forecast: 12.5,
            ratio_min: 10.0,
            share: 0.0,
            share_forecast: 25.0,
            share_min: 20.0,
            lang: Lang::Zh,
        }
    }

    #[test]
    fn draws_both_figures_against_their_minimums() {
        let svg = rotation_svg(&query(4.0));
        assert!(svg.starts_with("<svg"));
        assert!(svg.ends_with("</svg>"));
        assert!(svg.contains("4.0%"));
        assert!(svg.contains("12.5%"));
        assert!(svg.contains("下限 10%"));
        assert!(svg.contains("下限 20%"));
        // below the minimum in orange, above it in green
        assert!(svg.contains("#e65100"));
        assert!(svg.contains("#2e7d32"));
    }

    #[test]
    fn refuses_what_is_not_a_percentage() {
        assert!(query(f64::NAN).check().is_err());
        assert!(query(101.0).check().is_err());
        assert!(query(-1.0).check().is_err());
        assert!(query(100.0).check().is_ok());
    }

    #[test]
    fn english_labels() {
        let mut q = query(50.0);
        q.lang = Lang::En;
        let svg = rotation_svg(&q);
        assert!(svg.contains("year-end forecast"));
        assert!(svg.contains("minimum 10%"));
    }
}
