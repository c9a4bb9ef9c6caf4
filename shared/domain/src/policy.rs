//! Policy as data (DESIGN.md): the numbers the rules use, per region, versioned. The
//! defaults are the documents' numbers; a bureau may tighten or loosen them for its region,
//! and every decision records the version it was made under.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

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
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            version: 0,
            cap_alliance: 5,
            cap_tight: 3,
            cap_trusteeship: 5,
            trusteeship_mixed_stages: false,
            rotation_min_pct: 10,
            backbone_min_pct: 20,
            support_postings: false,
            council_quorum_over_pct: 50,
            council_quorum_every_school: true,
            council_report_due_days: 15,
            catalogue_review_required: true,
        }
    }
}

impl Policy {
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
    fn missing_fields_take_defaults() -> Result<(), serde_json::Error> {
        let p: Policy = serde_json::from_str(r#"{"version": 3, "cap_alliance": 4}"#)?;
        assert_eq!((p.version, p.cap_alliance, p.cap_tight), (3, 4, 3));
        Ok(())
    }
}
