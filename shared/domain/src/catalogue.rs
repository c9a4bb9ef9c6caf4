//! The vocabulary of the shared-course catalogue (优质课程资源库, RULES.md §4).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What a resource is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ResourceKind {
    /// 课程
    Course,
    /// 教案
    LessonPlan,
    /// 课件
    Courseware,
    /// 资料
    Material,
    /// 教具
    TeachingAid,
    /// 教师培训研修资料
    Training,
    /// 教科研成果
    ResearchResult,
    /// 德育资源
    MoralEducation,
}
crate::spelled!(ResourceKind {
    Course => "course",
    LessonPlan => "lesson_plan",
    Courseware => "courseware",
    Material => "material",
    TeachingAid => "teaching_aid",
    Training => "training",
    ResearchResult => "research_result",
    MoralEducation => "moral_education",
});

/// 课程类型.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CourseType {
    /// 国家课程
    National,
    /// 校本课程
    SchoolBased,
    /// 特色课程
    Featured,
    /// 拓展性课程
    Extended,
}
crate::spelled!(CourseType {
    National => "national",
    SchoolBased => "school_based",
    Featured => "featured",
    Extended => "extended",
});

/// 精品课程 quality tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum QualityTier {
    /// 国家级精品
    National,
    /// 省级精品
    Provincial,
    /// 市级精品
    City,
    /// 县级精品
    County,
    /// 校级精品
    School,
    /// Not rated.
    None,
}
crate::spelled!(QualityTier {
    National => "national",
    Provincial => "provincial",
    City => "city",
    County => "county",
    School => "school",
    None => "none",
});

/// Where a resource is in its publication (R-03: the lead school reviews).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ResourceStatus {
    /// Submitted; visible to its owner school and the lead office only.
    PendingReview,
    /// Visible to every active school of the group.
    Published,
    /// Not accepted by the lead office; visible to its owner school and the lead office.
    Rejected,
}
crate::spelled!(ResourceStatus {
    PendingReview => "pending_review",
    Published => "published",
    Rejected => "rejected",
});

/// what a shared facility is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FacilityKind {
    /// 实验室
    Lab,
    /// 场馆
    Venue,
    /// 设施设备
    Equipment,
}
crate::spelled!(FacilityKind { Lab => "lab", Venue => "venue", Equipment => "equipment" });

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BookingStatus {
    Confirmed,
    /// Cancelled, also when the booking or the owning school left the group.
    Cancelled,
}
crate::spelled!(BookingStatus { Confirmed => "confirmed", Cancelled => "cancelled" });

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_round_trip() {
        for k in ResourceKind::ALL {
            assert_eq!(k.as_str().parse::<ResourceKind>().ok(), Some(*k));
        }
        for t in QualityTier::ALL {
            assert_eq!(t.as_str().parse::<QualityTier>().ok(), Some(*t));
        }
    }
}
