//! The vocabulary of teacher rotation (交流轮岗, RULES.md §3).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// E-01: who rotates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Post {
    /// 校级领导
    SchoolLeader,
    /// 中层管理人员
    MiddleManager,
    /// 学科教师
    SubjectTeacher,
}
crate::spelled!(Post { SchoolLeader => "school_leader", MiddleManager => "middle_manager", SubjectTeacher => "subject_teacher" });

impl Post {
    pub fn name_zh(self) -> &'static str {
        match self {
            Self::SchoolLeader => "校级领导",
            Self::MiddleManager => "中层管理人员",
            Self::SubjectTeacher => "学科教师",
        }
    }
}

/// 骨干教师 level. E-08 counts county level or above.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum BackboneLevel {
    None,
    /// 校级骨干
    School,
    /// 县级骨干
    County,
    /// 市级骨干
    City,
    /// 省级骨干
    Province,
}
crate::spelled!(BackboneLevel { None => "none", School => "school", County => "county", City => "city", Province => "province" });

impl BackboneLevel {
    /// E-08: "骨干教师" in the rotation ratio means county level or above.
    pub fn counts_as_backbone(self) -> bool {
        self >= Self::County
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Self::None => "无",
            Self::School => "校级",
            Self::County => "县级",
            Self::City => "市级",
            Self::Province => "省级",
        }
    }
}

/// How a teacher is posted (E-02, E-03, E-12).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PostingKind {
    /// 挂职: lead → member (E-02).
    Secondment,
    /// 任职 (担任): lead → member (E-02).
    PostHolding,
    /// 跟岗学习: member → lead (E-03).
    Shadowing,
    /// 支教: when the region's policy enables it (E-12).
    SupportTeaching,
    /// 走教: when the region's policy enables it (E-15).
    Itinerant,
}
crate::spelled!(PostingKind {
    Secondment => "secondment",
    PostHolding => "post_holding",
    Shadowing => "shadowing",
    SupportTeaching => "support_teaching",
    Itinerant => "itinerant",
});

impl PostingKind {
    pub fn name_zh(self) -> &'static str {
        match self {
            Self::Secondment => "挂职",
            Self::PostHolding => "任职",
            Self::Shadowing => "跟岗学习",
            Self::SupportTeaching => "支教",
            Self::Itinerant => "走教",
        }
    }
}

/// A posting's life cycle: proposed by the sending side, confirmed by the receiving school,
/// then active and completed by its dates; or cancelled before it starts, or ended early.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PostingStatus {
    Proposed,
    Confirmed,
    Cancelled,
    /// Ended before its planned end (with a reason).
    EndedEarly,
}
crate::spelled!(PostingStatus { Proposed => "proposed", Confirmed => "confirmed", Cancelled => "cancelled", EndedEarly => "ended_early" });

/// What the lead school delivers to member staff each semester (E-05, E-06).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TrainingKind {
    /// 学科培训 (E-05)
    Subject,
    /// 教师专项培训 (E-05)
    Special,
    /// 入职培训 (E-05)
    Induction,
    /// 课堂教学展示, by subject group (E-06)
    TeachingShowcase,
}
crate::spelled!(TrainingKind { Subject => "subject", Special => "special", Induction => "induction", TeachingShowcase => "teaching_showcase" });

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn county_level_and_above_count_as_backbone() {
        // E-08: 县级及以上骨干
        assert!(!BackboneLevel::None.counts_as_backbone());
        assert!(!BackboneLevel::School.counts_as_backbone());
        assert!(BackboneLevel::County.counts_as_backbone());
        assert!(BackboneLevel::Province.counts_as_backbone());
    }

    #[test]
    fn spellings_match_serde() -> Result<(), serde_json::Error> {
        for k in PostingKind::ALL {
            assert_eq!(serde_json::to_value(k)?, serde_json::json!(k.as_str()));
        }
        for s in PostingStatus::ALL {
            assert_eq!(serde_json::to_value(s)?, serde_json::json!(s.as_str()));
        }
        Ok(())
    }
}
