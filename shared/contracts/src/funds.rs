//! 集团化办学专项经费 (G-17): the bureau's special fund granted to a group each school year,
//! each school's own group funds budget, the spending against them and the group's yearly
//! statement. The membership service keeps them (the group's money is the group's business,
//! administered by the lead school's office, G-10).
//!
//! Money is always an integer number of fen (分, 1/100 yuan): never a float.
//!
//! Budgets are kept **in total**, per source and school year, not split by use: G-17 names the
//! uses the funds may pay for, not an allocation among them, so the budget check is on the
//! total and every spending names its use, which the statement sums per use.

use chrono::{DateTime, NaiveDate, Utc};
use edu_domain::{GroupId, SchoolId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

crate::operation!(Membership, GrantFunds, "funds.grant", NewGrant => Budget);
crate::operation!(Membership, SetBudget, "funds.budget", NewBudget => Budget);
crate::operation!(Membership, RecordSpending, "funds.spend", NewSpending => Spending);
crate::operation!(Membership, ReverseSpending, "funds.reverse", Reversal => Spending);
crate::operation!(Membership, GetSpending, "funds.spending.get", SpendingRef => Spending);
crate::operation!(Membership, GetStatement, "funds.statement", StatementQuery => Statement);

edu_domain::uuid_id!(
    /// A budget record: the bureau's grant to a group or a school's own budget (G-17).
    BudgetId
);
edu_domain::uuid_id!(
    /// One spending entry, or the entry that reverses one (G-17).
    SpendingId
);

/// Where the money comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[cfg_attr(
    feature = "diesel",
    derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow)
)]
#[cfg_attr(feature = "diesel", diesel(sql_type = diesel::sql_types::Text))]
#[serde(rename_all = "snake_case")]
pub enum FundSource {
    /// 县教育局专项经费: the bureau's special fund for the group, administered by the lead
    /// school's office (G-10 财权).
    Bureau,
    /// 学校集团化办学专项经费: a school's own budget for group work.
    School,
}
edu_domain::spelled!(FundSource { Bureau => "bureau", School => "school" });

impl FundSource {
    pub fn name_zh(self) -> &'static str {
        match self {
            Self::Bureau => "县教育局专项经费",
            Self::School => "学校集团化办学专项经费",
        }
    }
}

/// The ten uses G-17 names for the group's funds; nothing else is paid from them.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[cfg_attr(
    feature = "diesel",
    derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow)
)]
#[cfg_attr(feature = "diesel", diesel(sql_type = diesel::sql_types::Text))]
#[serde(rename_all = "snake_case")]
pub enum FundUse {
    /// 集团文化建设
    GroupCulture,
    /// 品牌建设
    BrandBuilding,
    /// 优质课程开发
    QualityCourses,
    /// 教研指导
    ResearchGuidance,
    /// 联合培养人才
    JointTraining,
    /// 资源共享
    ResourceSharing,
    /// 学校特色活动
    CharacteristicActivities,
    /// 教学改革实验
    TeachingReform,
    /// 信息化一体管理
    InformationManagement,
    /// 差旅
    Travel,
}
edu_domain::spelled!(FundUse {
    GroupCulture => "group_culture",
    BrandBuilding => "brand_building",
    QualityCourses => "quality_courses",
    ResearchGuidance => "research_guidance",
    JointTraining => "joint_training",
    ResourceSharing => "resource_sharing",
    CharacteristicActivities => "characteristic_activities",
    TeachingReform => "teaching_reform",
    InformationManagement => "information_management",
    Travel => "travel",
});

impl FundUse {
    pub fn name_zh(self) -> &'static str {
        match self {
            Self::GroupCulture => "集团文化建设",
            Self::BrandBuilding => "品牌建设",
            Self::QualityCourses => "优质课程开发",
            Self::ResearchGuidance => "教研指导",
            Self::JointTraining => "联合培养人才",
            Self::ResourceSharing => "资源共享",
            Self::CharacteristicActivities => "学校特色活动",
            Self::TeachingReform => "教学改革实验",
            Self::InformationManagement => "信息化一体管理",
            Self::Travel => "差旅",
        }
    }
}

/// G-17: the bureau grants its special fund to a group for a school year. A later grant of
/// the same year supersedes the earlier one (a correction or a supplement is recorded as the
/// year's new total); the earlier one stays on record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewGrant {
    /// Set from the path by the lead-school API.
    #[serde(default)]
    #[schema(ignore)]
    pub group_id: GroupId,
    /// The school year, by its starting calendar year (2025 = 2025–2026).
    #[schema(example = 2025)]
    pub school_year: i32,
    /// The year's total in fen (分): 200000000 is 2,000,000.00 yuan.
    #[schema(example = 50_000_000)]
    pub amount_fen: i64,
    /// 文号: the bureau's document granting it (required, up to 100 characters).
    #[schema(example = "太教财〔2025〕12号")]
    pub document_ref: String,
    #[serde(default)]
    pub note: Option<String>,
}

/// G-17: a school of the group budgets its own group funds for a school year. A later budget
/// of the same school and year supersedes the earlier one, which stays on record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewBudget {
    #[serde(default)]
    #[schema(ignore)]
    pub group_id: GroupId,
    /// The school whose budget it is (the lead-school API sets the caller's school).
    #[serde(default)]
    #[schema(ignore)]
    pub school_id: SchoolId,
    #[schema(example = 2025)]
    pub school_year: i32,
    /// The year's total in fen.
    #[schema(example = 10_000_000)]
    pub amount_fen: i64,
    /// The school's own budget document, if any.
    #[serde(default)]
    pub document_ref: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

/// A budget record: the bureau's grant (`source` bureau, no school) or a school's budget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Budget {
    pub id: BudgetId,
    pub group_id: GroupId,
    pub school_year: i32,
    pub source: FundSource,
    /// The school whose budget it is; none for the bureau's grant.
    pub school_id: Option<SchoolId>,
    pub amount_fen: i64,
    pub document_ref: Option<String>,
    pub note: Option<String>,
    /// The record this one replaced, if it is a correction.
    pub supersedes: Option<BudgetId>,
    /// A later record of the same source, school and year replaced this one.
    pub superseded: bool,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

/// A school's office records spending against a source (G-17). The bureau's fund is spent by
/// the lead school's office only (G-10); a school's own budget by that school's office.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSpending {
    #[serde(default)]
    #[schema(ignore)]
    pub group_id: GroupId,
    /// The school that spends (the lead-school API sets the caller's school).
    #[serde(default)]
    #[schema(ignore)]
    pub school_id: SchoolId,
    #[schema(example = 2025)]
    pub school_year: i32,
    pub source: FundSource,
    /// The day it was spent: within the school year (1 September – 31 August).
    pub spent_on: NaiveDate,
    /// In fen, more than 0.
    #[schema(example = 1_250_000)]
    pub amount_fen: i64,
    #[serde(rename = "use")]
    pub fund_use: FundUse,
    /// 收款方 (up to 200 characters).
    #[schema(example = "太康县印刷厂")]
    pub payee: String,
    /// 用途说明 (up to 1000 characters).
    #[serde(default)]
    pub description: Option<String>,
    /// 凭证号 (up to 100 characters).
    #[schema(example = "记-2025-10-031")]
    pub voucher_no: String,
}

/// A mistaken spending is reversed by an entry of the opposite amount, never deleted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Reversal {
    #[serde(default)]
    #[schema(ignore)]
    pub spending_id: SpendingId,
    /// Why (required, up to 500 characters).
    #[schema(example = "凭证号录入错误,冲销后重新登记")]
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpendingRef {
    pub spending_id: SpendingId,
}

/// One entry of the ledger: a spending (`amount_fen` > 0) or the reversal of one
/// (`amount_fen` < 0, `reverses` set).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Spending {
    pub id: SpendingId,
    pub group_id: GroupId,
    pub school_id: SchoolId,
    pub school_year: i32,
    pub source: FundSource,
    pub spent_on: NaiveDate,
    pub amount_fen: i64,
    #[serde(rename = "use")]
    pub fund_use: FundUse,
    pub payee: String,
    pub description: Option<String>,
    pub voucher_no: String,
    /// The entry this one reverses.
    pub reverses: Option<SpendingId>,
    /// The entry that reversed this one.
    pub reversed_by: Option<SpendingId>,
    pub reason: Option<String>,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatementQuery {
    pub group_id: GroupId,
    pub school_year: i32,
}

/// What was spent on one use.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct UseAmount {
    #[serde(rename = "use")]
    pub fund_use: FundUse,
    pub amount_fen: i64,
}

/// One account of the statement: the bureau's fund of the group, or one school's budget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Account {
    pub source: FundSource,
    /// The school whose budget it is; for the bureau's fund, the lead school, which spends it.
    pub school_id: SchoolId,
    /// The budget in force (0 when none is recorded).
    pub budget_fen: i64,
    /// Spent, net of reversals.
    pub spent_fen: i64,
    pub remaining_fen: i64,
    /// Every one of the ten uses, in G-17's order, with what was spent on it.
    pub by_use: Vec<UseAmount>,
}

/// A group's funds of one school year (G-17).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Statement {
    pub group_id: GroupId,
    pub school_year: i32,
    /// The bureau's fund first, then the lead school's budget, then the members' in the order
    /// they joined (schools with neither budget nor spending are listed with zeros).
    pub accounts: Vec<Account>,
    pub budget_fen: i64,
    pub spent_fen: i64,
    pub remaining_fen: i64,
    /// Every budget record of the year, the ones in force and the ones they superseded.
    pub budgets: Vec<Budget>,
    /// Every entry of the year, newest first.
    pub entries: Vec<Spending>,
}

// ---- events (kept beside the funds' messages, published as edu.events.membership.funds.*) ----

/// `funds.granted`: the bureau granted (or corrected) a group's special fund of a school year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FundsGranted {
    pub budget_id: BudgetId,
    pub group_id: GroupId,
    pub school_year: i32,
    pub amount_fen: i64,
    pub document_ref: String,
    /// The grant this one corrects.
    #[serde(default)]
    pub supersedes: Option<BudgetId>,
}

impl crate::Event for FundsGranted {
    const SERVICE: crate::ServiceName = crate::ServiceName::Membership;
    const TYPE: &'static str = "funds.granted";
    const VERSION: u32 = 1;
}

/// `funds.budgeted`: a school budgeted (or corrected) its own group funds of a school year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FundsBudgeted {
    pub budget_id: BudgetId,
    pub group_id: GroupId,
    pub school_id: SchoolId,
    pub school_year: i32,
    pub amount_fen: i64,
    #[serde(default)]
    pub supersedes: Option<BudgetId>,
}

impl crate::Event for FundsBudgeted {
    const SERVICE: crate::ServiceName = crate::ServiceName::Membership;
    const TYPE: &'static str = "funds.budgeted";
    const VERSION: u32 = 1;
}

/// `funds.spent`: a school's office recorded spending against a source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FundsSpent {
    pub spending_id: SpendingId,
    pub group_id: GroupId,
    pub school_id: SchoolId,
    pub school_year: i32,
    pub source: FundSource,
    pub spent_on: NaiveDate,
    pub amount_fen: i64,
    #[serde(rename = "use")]
    pub fund_use: FundUse,
    pub voucher_no: String,
}

impl crate::Event for FundsSpent {
    const SERVICE: crate::ServiceName = crate::ServiceName::Membership;
    const TYPE: &'static str = "funds.spent";
    const VERSION: u32 = 1;
}

/// `funds.reversed`: a spending was reversed by an entry of the opposite amount.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FundsReversed {
    /// The reversing entry.
    pub spending_id: SpendingId,
    /// The entry it reverses.
    pub reverses: SpendingId,
    pub group_id: GroupId,
    pub school_id: SchoolId,
    pub school_year: i32,
    pub source: FundSource,
    /// The amount given back to the budget (positive).
    pub amount_fen: i64,
    pub reason: String,
}

impl crate::Event for FundsReversed {
    const SERVICE: crate::ServiceName = crate::ServiceName::Membership;
    const TYPE: &'static str = "funds.reversed";
    const VERSION: u32 = 1;
}
