//! Quality balance (优质均衡): each school's seven per-100-students indicators against the
//! Q-12 thresholds, and the enrolment-weighted coefficient of variation per stage (V-17,
//! §8.12), for the group, the county and with the group's postings counted.

use std::collections::BTreeMap;

use edu_contracts::evaluation::{
    Balance, BalanceIndicator, BalanceInputs, IndicatorCv, SchoolBalance,
};
use edu_domain::{SchoolId, Stage};

use crate::scorecards::rules::{GroupFacts, RunningPosting, round1, round3};

#[cfg(test)]
mod tests;

/// the seventh indicator must reach this share of its threshold.
const BALANCE_SEVENTH_MIN_PCT: f64 = 85.0;

/// Q-12 thresholds (primary / junior); every stage other than primary takes the junior ones.
pub(super) fn thresholds(stage: Stage) -> [f64; 7] {
    match stage {
        Stage::Primary => [4.2, 1.0, 0.9, 4.5, 7.5, 2000.0, 2.3],
        _ => [5.3, 1.0, 0.9, 5.8, 10.2, 2500.0, 2.4],
    }
}

/// V-17: the limit of the between-school coefficient of variation of a stage (学段): 0.50
/// primary, 0.45 junior; V-17 sets no line for senior, which keeps the junior one.
pub fn cv_limit(stage: Stage) -> f64 {
    match stage {
        Stage::Primary => 0.50,
        _ => 0.45,
    }
}

/// The stages a coefficient of variation is taken across (V-17 is per stage).
pub const CV_STAGES: [Stage; 3] = [Stage::Primary, Stage::Junior, Stage::Senior];

/// §8.12: the stages a school of `stage` counts in, each with its standard ratio: 九年一贯制
/// primary : junior = 1 : 1.1, 十二年一贯制 primary : junior : senior = 1 : 1.1 : 1.32. (The
/// method's 完全中学, junior : senior = 1 : 1.2, is no stage of this model.)
pub fn stage_parts(stage: Stage) -> &'static [(Stage, f64)] {
    match stage {
        Stage::Primary => &[(Stage::Primary, 1.0)],
        Stage::Junior => &[(Stage::Junior, 1.0)],
        Stage::Senior => &[(Stage::Senior, 1.0)],
        Stage::NineYear => &[(Stage::Primary, 1.0), (Stage::Junior, 1.1)],
        Stage::TwelveYear => &[
            (Stage::Primary, 1.0),
            (Stage::Junior, 1.1),
            (Stage::Senior, 1.32),
        ],
    }
}

pub(super) const INDICATORS: [(&str, &str); 7] = [
    ("teachers_above_degree", "每百名学生拥有高于规定学历教师数"),
    ("backbone_teachers", "每百名学生拥有县级及以上骨干教师数"),
    ("pe_art_teachers", "每百名学生拥有体育、艺术专任教师数"),
    ("teaching_area", "生均教学及辅助用房面积(m²)"),
    ("sports_area", "生均体育运动场馆面积(m²)"),
    ("equipment_value", "生均教学仪器设备值(元)"),
    ("multimedia_rooms", "每百名学生拥有网络多媒体教室数"),
];

/// the seven values of a school (per 100 students, or per student for areas and
/// equipment).
pub fn indicator_values(b: &BalanceInputs) -> [f64; 7] {
    let students = f64::from(b.enrolment.max(1));
    let per100 = |n: u32| f64::from(n) * 100.0 / students;
    [
        per100(b.teachers_above_degree),
        per100(b.backbone_teachers),
        per100(b.pe_art_teachers),
        b.teaching_area_m2 / students,
        b.sports_area_m2 / students,
        b.equipment_value_yuan / students,
        per100(b.multimedia_rooms),
    ]
}

/// a school passes when it meets at least 6 of the 7 and the remaining one reaches
/// at least 85 % of its threshold.
pub fn school_balance(school: SchoolId, b: &BalanceInputs, stage: Stage) -> SchoolBalance {
    let values = indicator_values(b);
    let limits = thresholds(stage);
    let indicators: Vec<BalanceIndicator> = (0..7)
        .map(|i| {
            let reached = if limits[i] > 0.0 {
                100.0 * values[i] / limits[i]
            } else {
                100.0
            };
            BalanceIndicator {
                number: (i + 1) as u8,
                key: INDICATORS[i].0.to_owned(),
                title_zh: INDICATORS[i].1.to_owned(),
                value: round3(values[i]),
                threshold: limits[i],
                met: values[i] >= limits[i],
                reached_pct: round1(reached),
            }
        })
        .collect();
    let met = indicators.iter().filter(|i| i.met).count();
    let passed = match met {
        7 => true,
        6 => indicators
            .iter()
            .all(|i| i.met || i.reached_pct >= BALANCE_SEVENTH_MIN_PCT),
        _ => false,
    };
    SchoolBalance {
        school_id: school,
        indicators,
        met: met as u8,
        passed,
    }
}

/// V-17, §8.12: the enrolment-weighted coefficient of variation (加权差异系数) of one
/// indicator, from each school's enrolment Pᵢ and value Xᵢ: X̄ = ΣPᵢXᵢ / ΣPᵢ,
/// S = √(Σ(Pᵢ/ΣP)(Xᵢ − X̄)²), CV = S / X̄, to 3 decimals. The county method counts every
/// pupil alike, so a small school moves the figure less than a large one, and the weighting
/// alone can decide pass or fail (§8.12's example). None for fewer than two schools, no
/// enrolment or a zero mean.
pub fn coefficient_of_variation(schools: &[(f64, f64)]) -> Option<f64> {
    if schools.len() < 2 {
        return None;
    }
    let enrolment: f64 = schools.iter().map(|(p, _)| p).sum();
    if enrolment <= 0.0 {
        return None;
    }
    let mean = schools.iter().map(|(p, x)| p * x).sum::<f64>() / enrolment;
    if mean <= 0.0 {
        return None;
    }
    let var = schools
        .iter()
        .map(|(p, x)| p / enrolment * (x - mean).powi(2))
        .sum::<f64>();
    Some(round3(var.sqrt() / mean))
}

/// V-17: the coefficient of variation of each indicator per stage, over a set of schools.
///
/// §8.12 splits a school spanning stages by the standard ratios. [`BalanceInputs`] holds
/// one enrolment and one figure of each resource for the whole school, not per stage, so
/// the ratios apportion all of them: the part of a school in a stage takes the share
/// kₛ / Σk of its enrolment and of each resource (a 九年一贯制 school of 2100 pupils counts
/// 1000 in the primary CVs and 1100 in the junior ones). Its per-pupil values are then the
/// whole school's in every part, and the split decides the weight it carries in each
/// stage's CV against the single-stage schools.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StageCvs([[Option<f64>; 7]; 3]);

impl StageCvs {
    pub fn of<'a>(schools: impl IntoIterator<Item = (Stage, &'a BalanceInputs)>) -> Self {
        let mut parts: [Vec<(f64, [f64; 7])>; 3] = Default::default();
        for (stage, b) in schools {
            let values = indicator_values(b);
            let split = stage_parts(stage);
            let total: f64 = split.iter().map(|(_, k)| k).sum();
            for (part, k) in split {
                if let Some(slot) = CV_STAGES.iter().position(|s| s == part) {
                    parts[slot].push((f64::from(b.enrolment) * k / total, values));
                }
            }
        }
        Self(parts.map(|schools| {
            std::array::from_fn(|i| {
                let column: Vec<(f64, f64)> = schools.iter().map(|(p, x)| (*p, x[i])).collect();
                coefficient_of_variation(&column)
            })
        }))
    }

    /// The CV of each indicator across the schools' parts in `stage` (one of [`CV_STAGES`]).
    pub fn of_stage(&self, stage: Stage) -> [Option<f64>; 7] {
        CV_STAGES
            .iter()
            .position(|s| *s == stage)
            .map_or([None; 7], |slot| self.0[slot])
    }
}

/// Postings move teachers (DOMAIN.md §6): each running posting moves one teacher above the
/// required degree (a posted teacher is a qualified one) and, for a backbone teacher, one
/// backbone teacher from the sending school to the receiving school.
pub fn with_postings(
    inputs: &BTreeMap<SchoolId, BalanceInputs>,
    postings: &[RunningPosting],
) -> BTreeMap<SchoolId, BalanceInputs> {
    let mut out = inputs.clone();
    for p in postings {
        let (from, to) = (p.from, p.to);
        if !(out.contains_key(&from) && out.contains_key(&to)) {
            continue;
        }
        let n = p.postings;
        if let Some(s) = out.get_mut(&from) {
            s.teachers_above_degree = s.teachers_above_degree.saturating_sub(n);
            if p.backbone {
                s.backbone_teachers = s.backbone_teachers.saturating_sub(n);
            }
        }
        if let Some(s) = out.get_mut(&to) {
            s.teachers_above_degree = s.teachers_above_degree.saturating_add(n);
            if p.backbone {
                s.backbone_teachers = s.backbone_teachers.saturating_add(n);
            }
        }
    }
    out
}

/// Q-12/V-17: the schools' seven indicators, and the CVs of the group (as entered and with
/// the running postings applied) and of the county, for each stage the group's schools span
/// (invariant 23: every one enrolment-weighted, §8.12).
pub fn of_group(f: &GroupFacts, county: &StageCvs) -> Balance {
    let stage = f
        .this_year
        .get(&f.lead)
        .map(|d| d.stage)
        .or_else(|| f.this_year.values().next().map(|d| d.stage))
        .unwrap_or(Stage::Primary);
    let schools: Vec<SchoolId> = std::iter::once(f.lead)
        .chain(f.members.iter().copied())
        .collect();
    let stage_of = |s: &SchoolId| f.this_year.get(s).map_or(stage, |d| d.stage);
    let inputs: BTreeMap<SchoolId, BalanceInputs> = schools
        .iter()
        .filter_map(|s| {
            f.this_year
                .get(s)
                .and_then(|d| d.balance.clone())
                .map(|b| (*s, b))
        })
        .collect();
    let moved = with_postings(&inputs, &f.running_postings);
    let now = StageCvs::of(inputs.iter().map(|(s, b)| (stage_of(s), b)));
    let after = StageCvs::of(moved.iter().map(|(s, b)| (stage_of(s), b)));
    // The stages the group's schools span, with data or without: a CV without data shows
    // as none, never as a pass.
    let spanned: Vec<Stage> = CV_STAGES
        .into_iter()
        .filter(|cv_stage| {
            std::iter::once(stage)
                .chain(schools.iter().map(stage_of))
                .any(|s| stage_parts(s).iter().any(|(part, _)| part == cv_stage))
        })
        .collect();
    Balance {
        stage,
        schools: inputs
            .iter()
            .map(|(s, b)| school_balance(*s, b, stage))
            .collect(),
        missing: schools
            .iter()
            .filter(|s| !inputs.contains_key(s))
            .copied()
            .collect(),
        cv: spanned
            .into_iter()
            .flat_map(|cv_stage| {
                let (now, after, county) = (
                    now.of_stage(cv_stage),
                    after.of_stage(cv_stage),
                    county.of_stage(cv_stage),
                );
                let limit = cv_limit(cv_stage);
                (0..7).map(move |i| IndicatorCv {
                    stage: cv_stage,
                    number: (i + 1) as u8,
                    key: INDICATORS[i].0.to_owned(),
                    group_cv: now[i],
                    group_cv_with_postings: after[i],
                    county_cv: county[i],
                    limit,
                    group_within: now[i].map(|cv| cv <= limit),
                    county_within: county[i].map(|cv| cv <= limit),
                })
            })
            .collect(),
    }
}
