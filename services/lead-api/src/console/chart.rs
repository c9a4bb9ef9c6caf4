//! The rotation chart (E-08) as SVG, drawn on the server ([`render::rotation_chart`]) from
//! the figures the page already has from `GET …/rotation`: the share of eligible teachers
//! rotated and the backbone share of those rotated, confirmed so far and forecast for the
//! year's end, against the policy's minimums. Here: the query, checked, and the response.

use actix_web::HttpResponse;
use actix_web::http::header;
use edu_domain::Problem;
use serde::Deserialize;

use crate::error::ApiError;
use crate::extract::web;
use crate::render::{self, Figure, Lang, RotationChart};

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

    fn chart(&self) -> RotationChart {
        RotationChart {
            ratio: Figure {
                actual: self.ratio,
                forecast: self.ratio_forecast,
                min: self.ratio_min,
            },
            share: Figure {
                actual: self.share,
                forecast: self.share_forecast,
                min: self.share_min,
            },
            lang: self.lang,
        }
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

/// `GET /console/charts/rotation.svg?ratio=…&ratio_forecast=…&ratio_min=…&share=…&share_forecast=…&share_min=…&lang=zh|en`
pub async fn rotation(q: web::Query<RotationQuery>) -> Result<HttpResponse, ApiError> {
    q.check()?;
    Ok(HttpResponse::Ok()
        .content_type("image/svg+xml; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(render::rotation_chart(&q.chart())))
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
        let svg = render::rotation_chart(&query(4.0).chart());
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
        let svg = render::rotation_chart(&q.chart());
        assert!(svg.contains("year-end forecast"));
        assert!(svg.contains("minimum 10%"));
    }
}
