//! Motions, votes and the decisions they make (G-07, G-09).

use chrono::{DateTime, NaiveDate, Utc};
use edu_domain::{GroupId, SchoolId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{DecisionId, MeetingId, MotionId, Paging, SeatId};

/// G-07/G-09: what a decision is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[cfg_attr(
    feature = "diesel",
    derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow)
)]
#[cfg_attr(feature = "diesel", diesel(sql_type = diesel::sql_types::Text))]
#[serde(rename_all = "snake_case")]
pub enum DecisionCategory {
    /// 发展规划
    DevelopmentPlan,
    /// 工作目标
    Goals,
    /// 工作计划
    WorkPlan,
    /// 教育资源统筹
    ResourceAllocation,
    /// 教育教学活动
    TeachingActivity,
    /// 成员学校重大事项 (G-09)
    MemberMajorMatter,
    /// 集团章程 (G-14): adopts a version of the group's charter; a version of the development
    /// plan is adopted by a `development_plan` decision (G-07).
    Charter,
}
edu_domain::spelled!(DecisionCategory {
    DevelopmentPlan => "development_plan",
    Goals => "goals",
    WorkPlan => "work_plan",
    ResourceAllocation => "resource_allocation",
    TeachingActivity => "teaching_activity",
    MemberMajorMatter => "member_major_matter",
    Charter => "charter",
});

impl DecisionCategory {
    pub fn name_zh(self) -> &'static str {
        match self {
            Self::DevelopmentPlan => "发展规划",
            Self::Goals => "工作目标",
            Self::WorkPlan => "工作计划",
            Self::ResourceAllocation => "教育资源统筹",
            Self::TeachingActivity => "教育教学活动",
            Self::MemberMajorMatter => "成员学校重大事项",
            Self::Charter => "集团章程",
        }
    }
}

/// A motion put to the meeting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMotion {
    /// Set from the path by the lead-school API.
    #[serde(default)]
    #[schema(ignore)]
    pub meeting_id: MeetingId,
    #[schema(example = "同意二中申报省级课改实验校")]
    pub title: String,
    pub category: DecisionCategory,
    /// A major decision goes into the quarterly report (G-08); a member school's major
    /// matter always is one.
    pub major: bool,
    /// The member school concerned; required for `member_major_matter` (G-09).
    #[serde(default)]
    pub subject_school_id: Option<SchoolId>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[cfg_attr(
    feature = "diesel",
    derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow)
)]
#[cfg_attr(feature = "diesel", diesel(sql_type = diesel::sql_types::Text))]
#[serde(rename_all = "snake_case")]
pub enum VoteChoice {
    Yes,
    No,
    Abstain,
    /// 回避: the seat stays out of the vote for a conflict of interest (a reason is required).
    Recused,
}
edu_domain::spelled!(VoteChoice { Yes => "yes", No => "no", Abstain => "abstain", Recused => "recused" });

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[cfg_attr(
    feature = "diesel",
    derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow)
)]
#[cfg_attr(feature = "diesel", diesel(sql_type = diesel::sql_types::Text))]
#[serde(rename_all = "snake_case")]
pub enum MotionStatus {
    /// Votes are being taken.
    Open,
    Passed,
    Rejected,
}
edu_domain::spelled!(MotionStatus { Open => "open", Passed => "passed", Rejected => "rejected" });

/// One seat's vote.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Vote {
    pub seat_id: SeatId,
    pub choice: VoteChoice,
    /// Why the seat recused itself.
    #[serde(default)]
    pub reason: Option<String>,
}

/// Votes of seats present at the meeting. The motion closes, with its result computed by
/// the service, once every present seat has voted (or recused itself).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Ballot {
    /// Set from the path by the lead-school API.
    #[serde(default)]
    #[schema(ignore)]
    pub motion_id: MotionId,
    pub votes: Vec<Vote>,
}

/// The count of a motion's votes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
pub struct Tally {
    pub yes: u32,
    pub no: u32,
    pub abstain: u32,
    pub recused: u32,
    /// Present seats that have not voted yet.
    pub pending: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Motion {
    pub id: MotionId,
    pub meeting_id: MeetingId,
    pub group_id: GroupId,
    pub title: String,
    pub category: DecisionCategory,
    pub major: bool,
    pub subject_school_id: Option<SchoolId>,
    pub status: MotionStatus,
    pub votes: Vec<Vote>,
    pub tally: Tally,
    /// The decision, once the motion passed.
    pub decision_id: Option<DecisionId>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MotionRef {
    pub motion_id: MotionId,
}

/// A decision of the council (G-07, G-09).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Decision {
    pub id: DecisionId,
    pub group_id: GroupId,
    pub meeting_id: MeetingId,
    pub motion_id: MotionId,
    pub title: String,
    pub category: DecisionCategory,
    pub major: bool,
    pub subject_school_id: Option<SchoolId>,
    pub decided_on: NaiveDate,
    pub tally: Tally,
    pub policy_version: i32,
}

/// G-09: "is there a decision of category X about school S?" — and any other filter of a
/// group's decisions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionQuery {
    pub group_id: Option<GroupId>,
    pub category: Option<DecisionCategory>,
    /// Decisions about this school.
    pub subject_school_id: Option<SchoolId>,
    pub major: Option<bool>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    #[serde(default)]
    pub paging: Paging,
}
