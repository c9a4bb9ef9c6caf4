//! The evaluation year's life (RULES.md §6, V-03, X-02): a round is opened as a **draft**
//! (computed, nothing final), recomputed from corrected data while it is one, and
//! **completed** by the bureau — only then are its grades final, the year's data of its
//! groups locked and its consequences open to the bureau's decision. Also the bureau's
//! rounds listed for its region, the group's scored items read back, and the schools' data
//! of a year imported from a spreadsheet all-or-none. Owned by the evaluation service.

use chrono::{DateTime, NaiveDate, Utc};
use edu_domain::{ErrorCode, GroupId, Problem, RegionCode, SchoolYear};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::evaluation::{Round, RoundRef, RoundStatus, SchoolData, SchoolDataInput, ScoredItems};
use crate::rotation::CsvRowError;
use crate::{Page, Paging};

crate::operation!(Evaluation, ListRounds, "round.list", RoundQuery => Page<RoundSummary>);
crate::operation!(Evaluation, RecomputeRound, "round.recompute", RoundRef => Round);
crate::operation!(Evaluation, CompleteRound, "round.complete", RoundRef => Round);
crate::operation!(Evaluation, GetScoredItems, "scored_items.get", ScoredItemsRef => ScoredItems);
crate::operation!(Evaluation, ImportSchoolData, "school_data.import", SchoolDataImport => SchoolDataImported);

/// Whether a round is final.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RoundState {
    /// Computed for the bureau to check: recomputed after a data correction, nothing final,
    /// its consequences not open to decision.
    Draft,
    /// Completed by the bureau: the grades are final, the year's data of its groups locked
    /// (V-03), its consequences can be confirmed. Rounds from before drafts existed
    /// are completed ones.
    #[default]
    Completed,
}
edu_domain::spelled!(RoundState { Draft => "draft", Completed => "completed" });

/// What a list of rounds keeps: a state (`draft`, `completed`) or a computation status
/// (`computing`, `computed`, `failed`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RoundFilter {
    Draft,
    Completed,
    Computing,
    Computed,
    Failed,
}
edu_domain::spelled!(RoundFilter { Draft => "draft", Completed => "completed", Computing => "computing", Computed => "computed", Failed => "failed" });

/// The rounds of a region, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoundQuery {
    pub region: RegionCode,
    #[serde(default)]
    pub school_year: Option<SchoolYear>,
    #[serde(default)]
    pub status: Option<RoundFilter>,
    #[serde(default)]
    pub paging: Paging,
}

/// A round as a list shows it (its scorecards are on the round itself).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RoundSummary {
    #[schema(value_type = String, format = Uuid)]
    pub id: Uuid,
    pub region: RegionCode,
    pub school_year: SchoolYear,
    pub as_of: NaiveDate,
    pub policy_version: i32,
    pub opened_by: String,
    pub opened_at: DateTime<Utc>,
    pub status: RoundStatus,
    pub state: RoundState,
    pub completed_at: Option<DateTime<Utc>>,
    pub completed_by: Option<String>,
    /// How many groups the round evaluates.
    pub groups: u32,
    /// The round in the lead-school API.
    pub href: String,
}

impl RoundSummary {
    pub fn of(round: &Round) -> Self {
        Self {
            id: round.id,
            region: round.region.clone(),
            school_year: round.school_year,
            as_of: round.as_of,
            policy_version: round.policy_version,
            opened_by: round.opened_by.clone(),
            opened_at: round.opened_at,
            status: round.status,
            state: round.state,
            completed_at: round.completed_at,
            completed_by: round.completed_by.clone(),
            groups: u32::try_from(round.group_ids.len()).unwrap_or(u32::MAX),
            href: format!("/api/v1/evaluation-rounds/{}", round.id),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoredItemsRef {
    pub group_id: GroupId,
    pub school_year: SchoolYear,
}

/// The spreadsheet columns of a school's yearly data: (field, Chinese header). The header
/// or the field name names a column; a school is named by `学校` (its name or id).
pub const SCHOOL_DATA_COLUMNS: [(&str, &str); 9] = [
    ("quality_score", "质量得分"),
    ("enrolment", "在校生数"),
    ("teachers_above_degree", "高于规定学历教师数"),
    ("backbone_teachers", "县级及以上骨干教师数"),
    ("pe_art_teachers", "体育艺术专任教师数"),
    ("teaching_area_m2", "教学及辅助用房面积"),
    ("sports_area_m2", "体育运动场馆面积"),
    ("equipment_value_yuan", "教学仪器设备值"),
    ("multimedia_rooms", "网络多媒体教室数"),
];

/// The column naming the school.
pub const SCHOOL_COLUMN: &str = "学校";

/// The Chinese header of a field of [`SCHOOL_DATA_COLUMNS`] (`balance.` prefix allowed).
pub fn column_header(field: &str) -> &str {
    let key = field.strip_prefix("balance.").unwrap_or(field);
    SCHOOL_DATA_COLUMNS
        .iter()
        .find(|(f, _)| *f == key)
        .map_or(field, |(_, zh)| zh)
}

/// One row of an imported spreadsheet, with its line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportedRow {
    /// 1-based line of the sheet (the header is line 1).
    pub line: u64,
    pub data: SchoolDataInput,
}

/// A school year's data of many schools, stored all-or-none.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SchoolDataImport {
    pub region: RegionCode,
    pub school_year: SchoolYear,
    pub rows: Vec<ImportedRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SchoolDataImported {
    pub school_year: SchoolYear,
    /// Each school's data as stored now.
    pub schools: Vec<SchoolData>,
}

/// `xlsx_invalid`: the rows of a sheet that cannot be imported (nothing was), each with its
/// line, its column's header and why, in `details.rows`.
pub fn rows_invalid(rows: &[CsvRowError]) -> Problem {
    Problem::new(
        ErrorCode::XlsxInvalid,
        format!(
            "{} row(s) of the sheet cannot be imported; nothing was imported",
            rows.len()
        ),
        format!("表格中有 {} 处无法导入,未导入任何数据", rows.len()),
    )
    .details(serde_json::json!({ "rows": rows }))
}
