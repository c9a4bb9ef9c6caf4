//! Policy as data (DESIGN.md): the numbers the rules use, per region, versioned. The
//! defaults are the documents' numbers; a bureau may tighten or loosen them for its region,
//! and every decision records the version it was made under.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::Problem;
use crate::model::GroupModel;

/// A region's policy. Fields evolve additively; missing fields take the defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct Policy {
    /// Version within the region; 0 is the built-in default policy.
    pub version: i32,
    /// F-09: member cap of an alliance group (联盟型), lead not counted (§8.1).
    pub cap_alliance: u8,
    /// F-09: campus cap of a tight group (紧密型).
    pub cap_tight: u8,
    /// F-09: member cap of a trusteeship group (托管型).
    pub cap_trusteeship: u8,
    /// §8.2: whether a trusteeship group may admit members of another stage than its lead.
    pub trusteeship_mixed_stages: bool,
    /// F-08/V-07 (§8.4): whether admissions stop while the lead school's latest recorded
    /// quality trend is not improving. A design inference of the documents, so a bureau may
    /// switch it off.
    pub lead_quality_gate: bool,
    /// E-08: teachers rotated each year, at least this percentage of the eligible ones.
    pub rotation_min_pct: u8,
    /// E-08: backbone teachers (county level or above), at least this percentage of the rotated.
    pub backbone_min_pct: u8,
    /// E-12/E-15: whether 支教 (support teaching) and 走教 (itinerant) postings may be made.
    pub support_postings: bool,
    /// G-06 quorum: more than this percentage of the council's seats present (50: a majority).
    pub council_quorum_over_pct: u8,
    /// G-06 quorum: also every school of the group represented by at least one present seat.
    pub council_quorum_every_school: bool,
    /// G-08 and §8.8: days after a quarter's end by which its written report is due.
    pub council_report_due_days: u16,
    /// R-03: a submitted resource is visible group-wide only after the lead office approves it.
    pub catalogue_review_required: bool,
    /// G-06: council meetings a month, at least.
    pub council_meetings_per_month: u8,
    /// V-06: results showcases (成果展示) a school year, at least.
    pub results_showcases_per_year: u8,
    /// M5/R-09: resources each member school contributes (approved into the library) per
    /// semester, at least.
    pub library_min_per_semester: u8,
    /// Notification feed: an obligation is "due soon" this many days before its due date.
    pub due_soon_days: u8,
    /// F-16: the share of the county's junior schools that groups should cover, in percent.
    pub junior_coverage_min_pct: u8,
    /// F-17: the share of the county's junior schools designated relatively weak in a round,
    /// in percent ("about a third": a target shown beside the count, not a limit).
    pub weak_school_share_pct: u8,
    /// V-01/§8.11: weights of the evaluation dimensions, in percent (they sum to 100).
    pub evaluation_weights: EvaluationWeights,
    /// V-05/X-02: the total scores (0–100) from which a group is graded 优秀 / 良好 / 合格;
    /// below `pass` it is 不合格.
    pub evaluation_grades: GradeThresholds,
}

/// Lowest total score (0–100) of each grade. The documents give none (§8.11); the defaults
/// are the usual 90 / 75 / 60 of Chinese appraisal scales.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct GradeThresholds {
    /// 优秀
    pub excellent: f64,
    /// 良好
    pub good: f64,
    /// 合格
    pub pass: f64,
}

impl Default for GradeThresholds {
    fn default() -> Self {
        Self {
            excellent: 90.0,
            good: 75.0,
            pass: 60.0,
        }
    }
}

/// V-01 dimensions and the value-added component (V-02, V-08), in percent. The documents give
/// no weights for group evaluation (V-11, §8.11): the defaults only split 100 so that member
/// schools' progress weighs most; a bureau sets its own (announced a school year ahead).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct EvaluationWeights {
    pub group_model: u8,
    pub group_size: u8,
    pub management_innovation: u8,
    pub research_linkage: u8,
    pub teaching_quality: u8,
    pub teacher_team: u8,
    pub outcomes: u8,
    /// V-02/V-08: the member schools' progress (增值).
    pub value_added: u8,
}

impl Default for EvaluationWeights {
    fn default() -> Self {
        Self {
            group_model: 5,
            group_size: 5,
            management_innovation: 10,
            research_linkage: 10,
            teaching_quality: 15,
            teacher_team: 15,
            outcomes: 10,
            value_added: 30,
        }
    }
}

impl EvaluationWeights {
    pub fn total(&self) -> u32 {
        [
            self.group_model,
            self.group_size,
            self.management_innovation,
            self.research_linkage,
            self.teaching_quality,
            self.teacher_team,
            self.outcomes,
            self.value_added,
        ]
        .iter()
        .map(|w| u32::from(*w))
        .sum()
    }
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            version: 0,
            cap_alliance: 5,
            cap_tight: 3,
            cap_trusteeship: 5,
            trusteeship_mixed_stages: false,
            lead_quality_gate: true,
            rotation_min_pct: 10,
            backbone_min_pct: 20,
            support_postings: false,
            council_quorum_over_pct: 50,
            council_quorum_every_school: true,
            council_report_due_days: 15,
            catalogue_review_required: true,
            council_meetings_per_month: 1,
            results_showcases_per_year: 1,
            library_min_per_semester: 1,
            due_soon_days: 7,
            junior_coverage_min_pct: 80,
            weak_school_share_pct: 33,
            evaluation_weights: EvaluationWeights::default(),
            evaluation_grades: GradeThresholds::default(),
        }
    }
}

impl Policy {
    /// Checks a policy a bureau proposes: every number within a sane range, the weights
    /// summing to 100. The version is the store's business and is not checked.
    pub fn validate(&self) -> Result<(), Problem> {
        let bad = |field: &str, en: &str, zh: &str| Err(Problem::validation(field, en, zh));
        for (field, cap) in [
            ("cap_alliance", self.cap_alliance),
            ("cap_tight", self.cap_tight),
            ("cap_trusteeship", self.cap_trusteeship),
        ] {
            if !(1..=50).contains(&cap) {
                return bad(
                    field,
                    "a model cap is between 1 and 50",
                    "模式上限须在 1 到 50 之间",
                );
            }
        }
        for (field, pct) in [
            ("rotation_min_pct", self.rotation_min_pct),
            ("backbone_min_pct", self.backbone_min_pct),
        ] {
            if pct > 100 {
                return bad(field, "a percentage is at most 100", "百分比不超过 100");
            }
        }
        if self.council_quorum_over_pct >= 100 {
            return bad(
                "council_quorum_over_pct",
                "the quorum is more than this percentage of seats, so it is below 100",
                "法定人数为超过该比例的席位,须小于 100",
            );
        }
        if !(1..=120).contains(&self.council_report_due_days) {
            return bad(
                "council_report_due_days",
                "the report is due 1 to 120 days after the quarter",
                "书面汇报须在季度结束后 1 到 120 天内提交",
            );
        }
        if self.council_meetings_per_month == 0 || self.council_meetings_per_month > 10 {
            return bad(
                "council_meetings_per_month",
                "council meetings a month: 1 to 10 (G-06 asks at least one)",
                "每月理事会议次数须在 1 到 10 之间(G-06 要求至少一次)",
            );
        }
        if self.results_showcases_per_year == 0 || self.results_showcases_per_year > 10 {
            return bad(
                "results_showcases_per_year",
                "results showcases a year: 1 to 10 (V-06 asks at least one)",
                "每年成果展示次数须在 1 到 10 之间(V-06 要求至少一次)",
            );
        }
        if self.library_min_per_semester > 50 {
            return bad(
                "library_min_per_semester",
                "resources per member and semester: at most 50",
                "每校每学期贡献资源数不超过 50",
            );
        }
        if self.due_soon_days == 0 || self.due_soon_days > 60 {
            return bad(
                "due_soon_days",
                "the due-soon window is 1 to 60 days",
                "临期提醒天数须在 1 到 60 之间",
            );
        }
        if self.junior_coverage_min_pct > 100 || self.weak_school_share_pct > 100 {
            return bad(
                "junior_coverage_min_pct",
                "the coverage line and the weak-school share are percentages: 0 to 100",
                "集团覆盖率底线和薄弱学校比例均为百分比,须在 0 到 100 之间",
            );
        }
        if self.evaluation_weights.total() != 100 {
            return Err(Problem::validation(
                "evaluation_weights",
                "the evaluation weights sum to 100",
                "考核评估各项权重之和须为 100",
            )
            .details(serde_json::json!({
                "field": "evaluation_weights",
                "total": self.evaluation_weights.total(),
            })));
        }
        let g = &self.evaluation_grades;
        if !(0.0 < g.pass && g.pass <= g.good && g.good <= g.excellent && g.excellent <= 100.0) {
            return bad(
                "evaluation_grades",
                "grade thresholds rise from pass to good to excellent, within 0 to 100",
                "等级分数线须满足 0 < 合格 ≤ 良好 ≤ 优秀 ≤ 100",
            );
        }
        Ok(())
    }

    /// F-09: the model's member cap under this policy.
    pub fn model_cap(&self, model: GroupModel) -> u8 {
        match model {
            GroupModel::Alliance => self.cap_alliance,
            GroupModel::Tight => self.cap_tight,
            GroupModel::Trusteeship => self.cap_trusteeship,
        }
    }

    /// F-03 and §8.2: whether a member must share the lead's stage in this model.
    pub fn requires_same_stage(&self, model: GroupModel) -> bool {
        !(model == GroupModel::Trusteeship && self.trusteeship_mixed_stages)
    }

    /// F-08/F-09 and §8.3: the cap that applies to a group: the model's cap, lowered by the
    /// bureau's scale cap, or raised by it only when the bureau recorded an exception.
    pub fn effective_cap(&self, model: GroupModel, scale_cap: Option<u8>, exception: bool) -> u8 {
        let model_cap = self.model_cap(model);
        match scale_cap {
            Some(scale) if exception => scale,
            Some(scale) => scale.min(model_cap),
            None => model_cap,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_caps_are_the_documents_numbers() {
        // F-09: 联盟型 ≤ 5, 紧密型 ≤ 3, 托管型 ≤ 5.
        let p = Policy::default();
        assert_eq!(p.model_cap(GroupModel::Alliance), 5);
        assert_eq!(p.model_cap(GroupModel::Tight), 3);
        assert_eq!(p.model_cap(GroupModel::Trusteeship), 5);
    }

    #[test]
    fn bureau_scale_cap_lowers_and_only_an_exception_raises() {
        // F-08 / §8.3: effectiveCap = min(modelDefault, bureauScale) unless an exception is recorded.
        let p = Policy::default();
        assert_eq!(p.effective_cap(GroupModel::Alliance, Some(3), false), 3);
        assert_eq!(p.effective_cap(GroupModel::Alliance, Some(7), false), 5);
        assert_eq!(p.effective_cap(GroupModel::Alliance, Some(7), true), 7);
        assert_eq!(p.effective_cap(GroupModel::Tight, None, false), 3);
    }

    #[test]
    fn same_stage_unless_trusteeship_policy_allows_mixing() {
        // F-03 / §8.2
        let mut p = Policy::default();
        assert!(p.requires_same_stage(GroupModel::Trusteeship));
        p.trusteeship_mixed_stages = true;
        assert!(!p.requires_same_stage(GroupModel::Trusteeship));
        assert!(p.requires_same_stage(GroupModel::Alliance));
    }

    #[test]
    fn defaults_validate_and_weights_must_sum_to_100() {
        assert!(Policy::default().validate().is_ok());
        let mut p = Policy::default();
        p.evaluation_weights.value_added += 1;
        assert!(p.validate().is_err());
        let p = Policy {
            cap_alliance: 0,
            ..Policy::default()
        };
        assert!(p.validate().is_err());
        let p = Policy {
            council_quorum_over_pct: 100,
            ..Policy::default()
        };
        assert!(p.validate().is_err());
    }

    #[test]
    fn missing_fields_take_defaults() -> Result<(), serde_json::Error> {
        let p: Policy = serde_json::from_str(r#"{"version": 3, "cap_alliance": 4}"#)?;
        assert_eq!((p.version, p.cap_alliance, p.cap_tight), (3, 4, 3));
        Ok(())
    }
}
