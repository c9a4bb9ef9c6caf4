//! The bureau's annual evaluation (考核评估, RULES.md §6, V-01..V-17, Q-12, X-02, X-03):
//! the data the bureau enters (quality scores, balance inputs, scored items), evaluation
//! rounds with one scorecard per group and school year, the indicator tree with links to
//! the records behind every figure, the balance indicators and their coefficients of
//! variation, the grade and the consequences the bureau confirms. Owned by the evaluation
//! service.

use chrono::{DateTime, NaiveDate, Utc};
use edu_domain::{GroupId, Problem, RegionCode, SchoolId, SchoolYear, Stage};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{Event, Page, Paging, ServiceName};

crate::operation!(Evaluation, SaveSchoolData, "school_data.save", SchoolDataInput => SchoolData);
crate::operation!(Evaluation, GetSchoolData, "school_data.get", SchoolDataRef => SchoolData);
crate::operation!(Evaluation, SaveScoredItems, "scored_items.save", ScoredItemsInput => ScoredItems);
crate::operation!(Evaluation, OpenRound, "round.open", NewRound => Round);
crate::operation!(Evaluation, GetRound, "round.get", RoundRef => Round);
crate::operation!(Evaluation, ListScorecards, "scorecard.list", ScorecardQuery => Page<Scorecard>);
crate::operation!(Evaluation, GetScorecard, "scorecard.get", ScorecardRef => Scorecard);
crate::operation!(Evaluation, DecideConsequence, "consequence.decide", ConsequenceDecision => Consequence);

/// what the bureau enters per school and year to compute the seven balance
/// indicators (优质均衡). Counts are head counts; areas in m²; the equipment value in yuan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BalanceInputs {
    /// Students enrolled (在校生): the school's weight Pᵢ in the enrolment-weighted CVs
    /// (V-17, §8.12).
    #[schema(minimum = 1)]
    pub enrolment: u32,
    /// Teachers above the required degree (高于规定学历教师).
    pub teachers_above_degree: u32,
    /// County-level-or-above backbone teachers (县级及以上骨干教师).
    pub backbone_teachers: u32,
    /// PE and art (music, fine arts) teachers (体育、艺术专任教师).
    pub pe_art_teachers: u32,
    /// Teaching and auxiliary floor area (教学及辅助用房面积), m².
    pub teaching_area_m2: f64,
    /// Sports ground area (体育运动场馆面积), m².
    pub sports_area_m2: f64,
    /// Teaching equipment value (教学仪器设备值), yuan.
    pub equipment_value_yuan: f64,
    /// Networked multimedia classrooms (网络多媒体教室).
    pub multimedia_rooms: u32,
}

/// A school's data for one school year, entered by the bureau: its quality score (V-08,
/// V-09: the value added is the change against last year's) and its balance inputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SchoolDataInput {
    pub school_id: SchoolId,
    /// The school's region and stage (the lead-school API takes them from membership).
    pub region: RegionCode,
    pub stage: Stage,
    pub school_year: SchoolYear,
    /// The school's quality score of the year (0–100), from the county's quality tests.
    #[serde(default)]
    pub quality_score: Option<f64>,
    #[serde(default)]
    pub balance: Option<BalanceInputs>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SchoolData {
    pub school_id: SchoolId,
    pub region: RegionCode,
    pub stage: Stage,
    pub school_year: SchoolYear,
    pub quality_score: Option<f64>,
    pub balance: Option<BalanceInputs>,
    pub entered_by: String,
    pub entered_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SchoolDataRef {
    pub school_id: SchoolId,
    pub school_year: SchoolYear,
}

/// The V-01 dimensions with their policy weights (`evaluation_weights`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    /// 集团办学模式
    GroupModel,
    /// 办学规模
    GroupSize,
    /// 管理创新: internal governance and operation (V-03).
    ManagementInnovation,
    /// 教科研联动: resource sharing and joint training (V-03, R-03, E-05).
    ResearchLinkage,
    /// 教育教学质量
    TeachingQuality,
    /// 教师队伍建设 (E-08)
    TeacherTeam,
    /// 办学成效 (V-06)
    Outcomes,
    /// 增值: the member schools' progress (V-02, V-08).
    ValueAdded,
}
edu_domain::spelled!(Dimension {
    GroupModel => "group_model",
    GroupSize => "group_size",
    ManagementInnovation => "management_innovation",
    ResearchLinkage => "research_linkage",
    TeachingQuality => "teaching_quality",
    TeacherTeam => "teacher_team",
    Outcomes => "outcomes",
    ValueAdded => "value_added",
});

impl Dimension {
    pub fn name_zh(self) -> &'static str {
        match self {
            Self::GroupModel => "集团办学模式",
            Self::GroupSize => "办学规模",
            Self::ManagementInnovation => "管理创新",
            Self::ResearchLinkage => "教科研联动",
            Self::TeachingQuality => "教育教学质量",
            Self::TeacherTeam => "教师队伍建设",
            Self::Outcomes => "办学成效",
            Self::ValueAdded => "成员校增值",
        }
    }

    /// Dimensions the bureau scores by hand, with evidence (model, size, management
    /// innovation, research linkage, outcomes); the others are computed only.
    pub fn takes_scored_item(self) -> bool {
        matches!(
            self,
            Self::GroupModel
                | Self::GroupSize
                | Self::ManagementInnovation
                | Self::ResearchLinkage
                | Self::Outcomes
        )
    }
}

/// A dimension the bureau scores by hand (0–100), with its evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScoredItem {
    pub dimension: Dimension,
    #[schema(minimum = 0, maximum = 100)]
    pub score: f64,
    #[schema(example = "集团章程修订、集团办公室实体化运行")]
    pub evidence: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoredItemsInput {
    pub group_id: GroupId,
    pub school_year: SchoolYear,
    pub items: Vec<ScoredItem>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ScoredItems {
    pub group_id: GroupId,
    pub school_year: SchoolYear,
    pub items: Vec<ScoredItem>,
}

/// The bureau opens a round for its region and a school year: every group of the region
/// eligible by V-03 (or only `group_ids`) gets its scorecard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewRound {
    pub region: RegionCode,
    pub school_year: SchoolYear,
    /// Only these groups; every one must be eligible and not yet evaluated this year.
    #[serde(default)]
    pub group_ids: Option<Vec<GroupId>>,
    /// The day the figures are counted on: default the school year's last day, or today
    /// while the year runs.
    #[serde(default)]
    pub as_of: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoundRef {
    pub round_id: Uuid,
}

/// 优秀 / 良好 / 合格 / 不合格 (thresholds: policy `evaluation_grades`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Grade {
    Excellent,
    Good,
    Pass,
    Fail,
}
edu_domain::spelled!(Grade { Excellent => "excellent", Good => "good", Pass => "pass", Fail => "fail" });

impl Grade {
    pub fn name_zh(self) -> &'static str {
        match self {
            Self::Excellent => "优秀",
            Self::Good => "良好",
            Self::Pass => "合格",
            Self::Fail => "不合格",
        }
    }
}

/// A group the round left out, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SkippedGroup {
    pub group_id: GroupId,
    /// `evaluation_too_early` (V-03) or `evaluation_already_exists`.
    pub reason: String,
    /// For a group too early: the first day it can be evaluated.
    pub eligible_from: Option<NaiveDate>,
}

/// One line per scorecard of a round.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ScorecardLine {
    pub evaluation_id: Uuid,
    pub group_id: GroupId,
    pub total: f64,
    pub grade: Grade,
    /// Links to the scorecard in the lead-school API.
    pub href: String,
}

/// Where a round is: opening it claims its groups and answers at once; the scorecards are
/// computed afterwards as the evaluation service's own work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RoundStatus {
    /// Opened; its scorecards are being computed (poll the round).
    Computing,
    /// Every scorecard is stored.
    Computed,
    /// Stopped by `failure`; nothing was stored and its groups can be evaluated again.
    Failed,
}
edu_domain::spelled!(RoundStatus { Computing => "computing", Computed => "computed", Failed => "failed" });

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Round {
    #[schema(value_type = String, format = Uuid)]
    pub id: Uuid,
    pub region: RegionCode,
    pub school_year: SchoolYear,
    pub as_of: NaiveDate,
    pub policy_version: i32,
    pub opened_by: String,
    pub opened_at: DateTime<Utc>,
    pub status: RoundStatus,
    /// A draft (recomputed at will, nothing final) or completed (final, V-03, X-02).
    #[serde(default)]
    pub state: crate::evaluation_year::RoundState,
    /// When the bureau completed it, and who.
    #[serde(default)]
    pub completed_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub completed_by: Option<String>,
    /// When the round was computed or failed.
    #[serde(default)]
    pub computed_at: Option<DateTime<Utc>>,
    /// Why a failed round stopped.
    #[serde(default)]
    pub failure: Option<Problem>,
    /// The groups the round evaluates (those claimed when it opened).
    pub group_ids: Vec<GroupId>,
    /// Empty until the round is computed.
    pub scorecards: Vec<ScorecardLine>,
    pub skipped: Vec<SkippedGroup>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScorecardRef {
    pub round_id: Uuid,
    pub group_id: GroupId,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScorecardQuery {
    pub round_id: Uuid,
    #[serde(default)]
    pub paging: Paging,
}

/// What a record behind a figure is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    Meeting,
    Report,
    Training,
    Posting,
    Resource,
    /// A school's data the bureau entered for the year.
    SchoolData,
    /// A dimension the bureau scored by hand.
    ScoredItem,
}

/// A record a figure was computed from, with where to read it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Source {
    pub kind: SourceKind,
    /// The record's id (the school's id for school data, none for a scored item).
    #[schema(value_type = Option<String>, format = Uuid)]
    pub id: Option<Uuid>,
    /// The record in the lead-school API.
    pub href: String,
}

/// One figure of the indicator tree: its value against its target, scored 0–100.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Figure {
    /// Stable within a scorecard, e.g. `teacher_team.rotation_ratio`; drill-down uses it.
    pub key: String,
    pub rule: String,
    pub title: String,
    pub title_zh: String,
    /// None when the data behind it is missing (scored 0).
    pub value: Option<f64>,
    pub target: Option<f64>,
    pub unit: String,
    pub score: f64,
    pub sources: Vec<Source>,
}

/// A V-01 dimension: its weight, its score (the mean of its figures) and its figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DimensionScore {
    pub dimension: Dimension,
    pub title_zh: String,
    /// Percent (policy `evaluation_weights`).
    pub weight: u8,
    pub score: f64,
    pub figures: Vec<Figure>,
}

/// one of the seven indicators of one school.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct BalanceIndicator {
    /// 1..7 in the national table's order.
    pub number: u8,
    pub key: String,
    pub title_zh: String,
    pub value: f64,
    pub threshold: f64,
    pub met: bool,
    /// value / threshold, in percent.
    pub reached_pct: f64,
}

/// a school's seven indicators and its pass: six met and the seventh ≥ 85 %.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SchoolBalance {
    pub school_id: SchoolId,
    pub indicators: Vec<BalanceIndicator>,
    pub met: u8,
    pub passed: bool,
}

/// V-17, §8.12: one indicator's enrolment-weighted coefficient of variation (加权差异系数)
/// across the schools of one stage (学段). Each school i counts with its enrolment Pᵢ
/// (`BalanceInputs.enrolment`) and its value Xᵢ of the indicator:
/// X̄ = ΣPᵢXᵢ / ΣPᵢ, S = √(Σ(Pᵢ/ΣP)(Xᵢ − X̄)²), CV = S / X̄, to 3 decimals. A school
/// spanning stages counts in each of them with the share of its enrolment (and of its
/// resources) the standard ratios give it: 九年一贯制 primary : junior = 1 : 1.1,
/// 十二年一贯制 primary : junior : senior = 1 : 1.1 : 1.32.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct IndicatorCv {
    /// The stage the CV is across: `primary`, `junior` or `senior` (V-17 is per stage).
    pub stage: Stage,
    pub number: u8,
    pub key: String,
    /// Across the group's schools as entered; none for fewer than two schools with data in
    /// this stage or a zero mean.
    pub group_cv: Option<f64>,
    /// Across the group's schools with the confirmed postings running on `as_of` applied
    /// (postings move teachers: indicators 1–2).
    pub group_cv_with_postings: Option<f64>,
    /// Across every school of the county with data this year in this stage.
    pub county_cv: Option<f64>,
    /// 0.50 primary, 0.45 junior (and senior, for which V-17 sets no line).
    pub limit: f64,
    /// `group_cv` ≤ `limit`; none without a `group_cv` (missing data is not a pass).
    pub group_within: Option<bool>,
    /// `county_cv` ≤ `limit`; none without a `county_cv`.
    pub county_within: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Balance {
    /// The stage whose Q-12 thresholds apply to the schools (the lead school's; junior
    /// thresholds for any stage other than primary).
    pub stage: Stage,
    pub schools: Vec<SchoolBalance>,
    /// Schools of the group without balance data this year.
    pub missing: Vec<SchoolId>,
    /// The seven indicators' CVs (enrolment-weighted, V-17, §8.12) for each stage the
    /// group's schools span, primary first: seven for a group of one stage, fourteen for a
    /// group of 九年一贯制 schools.
    pub cv: Vec<IndicatorCv>,
}

/// A member school's progress (V-02: the focus): quality this year and last, the value
/// added, the balance pass, and whether it fails.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MemberProgress {
    pub school_id: SchoolId,
    pub quality_score: Option<f64>,
    pub last_year_score: Option<f64>,
    pub value_added: Option<f64>,
    pub balance_passed: Option<bool>,
    /// Its quality fell (negative value added) or it failed the balance pass rule.
    pub failing: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConsequenceKind {
    /// 奖励 next year.
    Reward,
    /// 警告 to the group.
    Warning,
    /// 成员学校退出: takes effect when the bureau confirms it: the school leaves with
    /// exit reason `evaluation`.
    MemberExit,
    /// 集团撤销: takes effect when the bureau confirms it: every membership ends with
    /// exit reason `dissolution` and the group is dissolved.
    Dissolution,
}
edu_domain::spelled!(ConsequenceKind { Reward => "reward", Warning => "warning", MemberExit => "member_exit", Dissolution => "dissolution" });

impl ConsequenceKind {
    /// The label the console and the printed reports use.
    pub fn name_zh(self) -> &'static str {
        match self {
            Self::Reward => "奖励",
            Self::Warning => "警告",
            Self::MemberExit => "成员校退出",
            Self::Dissolution => "撤销集团",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConsequenceStatus {
    /// Proposed by the evaluation; nothing has changed yet.
    Proposed,
    /// The bureau confirmed it; a member exit or a dissolution then takes effect at once.
    Confirmed,
    /// The bureau rejected it.
    Rejected,
    /// The member exit or the dissolution happened (the bureau confirmed it, or confirmed a
    /// persuade-out of the school, or dissolved the group).
    Effective,
}
edu_domain::spelled!(ConsequenceStatus { Proposed => "proposed", Confirmed => "confirmed", Rejected => "rejected", Effective => "effective" });

impl ConsequenceStatus {
    /// The label the console and the printed reports use.
    pub fn name_zh(self) -> &'static str {
        match self {
            Self::Proposed => "待确认",
            Self::Confirmed => "已确认",
            Self::Rejected => "未采纳",
            Self::Effective => "已生效",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Consequence {
    #[schema(value_type = String, format = Uuid)]
    pub id: Uuid,
    pub kind: ConsequenceKind,
    /// The member school, for a member exit.
    pub school_id: Option<SchoolId>,
    pub reason: String,
    pub status: ConsequenceStatus,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub note: Option<String>,
}

/// A group's evaluation for a school year (V-02: lead + members, members' progress first).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Scorecard {
    /// The evaluation's id (what sanctions cite as the failing evaluation).
    #[schema(value_type = String, format = Uuid)]
    pub id: Uuid,
    #[schema(value_type = String, format = Uuid)]
    pub round_id: Uuid,
    pub group_id: GroupId,
    pub region: RegionCode,
    pub school_year: SchoolYear,
    pub as_of: NaiveDate,
    pub plaque_date: NaiveDate,
    pub policy_version: i32,
    pub lead_school_id: SchoolId,
    pub member_school_ids: Vec<SchoolId>,
    /// Σ weight × dimension score / 100.
    pub total: f64,
    pub grade: Grade,
    pub dimensions: Vec<DimensionScore>,
    pub members: Vec<MemberProgress>,
    pub balance: Balance,
    pub consequences: Vec<Consequence>,
    pub computed_at: DateTime<Utc>,
}

impl Scorecard {
    /// The figure with this key.
    pub fn figure(&self, key: &str) -> Option<&Figure> {
        self.dimensions
            .iter()
            .flat_map(|d| d.figures.iter())
            .find(|f| f.key == key)
    }
}

/// The bureau confirms or rejects a proposed reward or warning.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConsequenceDecision {
    pub round_id: Uuid,
    pub group_id: GroupId,
    pub consequence_id: Uuid,
    pub confirm: bool,
    #[serde(default)]
    pub note: Option<String>,
}

/// `evaluation.completed`: a group's scorecard of a school year, final: published when the
/// bureau completes its round (a draft publishes nothing), with the consequences it proposes
/// . Sanctions ask for the standing; nothing changes until the bureau acts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvaluationCompleted {
    pub evaluation_id: Uuid,
    pub round_id: Uuid,
    pub group_id: GroupId,
    pub school_year: SchoolYear,
    pub total: f64,
    pub grade: Grade,
    pub policy_version: i32,
    pub proposed: Vec<ProposedConsequence>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProposedConsequence {
    pub consequence_id: Uuid,
    pub kind: ConsequenceKind,
    #[serde(default)]
    pub school_id: Option<SchoolId>,
}

impl Event for EvaluationCompleted {
    const SERVICE: ServiceName = ServiceName::Evaluation;
    const TYPE: &'static str = "evaluation.completed";
    const VERSION: u32 = 1;
}

/// `consequence.decided`: the bureau confirmed or rejected a reward or a warning.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConsequenceDecided {
    pub evaluation_id: Uuid,
    pub consequence_id: Uuid,
    pub group_id: GroupId,
    pub kind: ConsequenceKind,
    pub confirmed: bool,
    #[serde(default)]
    pub note: Option<String>,
    /// The member school of a member exit (added later: older events lack it).
    #[serde(default)]
    pub school_id: Option<SchoolId>,
}

impl Event for ConsequenceDecided {
    const SERVICE: ServiceName = ServiceName::Evaluation;
    const TYPE: &'static str = "consequence.decided";
    const VERSION: u32 = 1;
}
