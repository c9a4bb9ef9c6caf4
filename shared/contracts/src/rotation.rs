//! Operations and views of the teacher rotation service (交流轮岗, RULES.md §3).

use chrono::{DateTime, NaiveDate, Utc};
use edu_domain::{
    BackboneLevel, GroupId, Post, PostingId, PostingKind, PostingStatus, RegionCode, SchoolId,
    SchoolYear, Semester, TeacherId, TrainingId, TrainingKind,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use crate::consent::{ConsentStatus, ConsentVerdict};
pub use crate::{Page, Paging};

crate::operation!(Rotation, ImportTeachers, "teacher.import", TeacherImport => ImportReport);
crate::operation!(Rotation, ListTeachers, "teacher.list", TeacherQuery => Page<Teacher>);
crate::operation!(Rotation, ExportTeachers, "teacher.export", TeacherQuery => CsvDocument);
crate::operation!(Rotation, ProposePosting, "posting.propose", NewPosting => Posting);
crate::operation!(Rotation, GetPosting, "posting.get", PostingRef => Posting);
crate::operation!(Rotation, ListPostings, "posting.list", PostingQuery => Page<Posting>);
crate::operation!(Rotation, ConfirmPosting, "posting.confirm", PostingRef => Posting);
crate::operation!(Rotation, CancelPosting, "posting.cancel", PostingClosure => Posting);
crate::operation!(Rotation, EndPosting, "posting.end", PostingClosure => Posting);
crate::operation!(Rotation, DecidePostingConsent, "posting.consent.decide", PostingConsentDecision => Posting);
crate::operation!(Rotation, ListPostingConsents, "posting.consent.list", PostingConsentQuery => Page<Posting>);
crate::operation!(Rotation, LoadPastPostings, "posting.load_past", PastPostings => PastPostingsLoaded);
crate::operation!(Rotation, GetCompliance, "compliance.get", ComplianceQuery => Compliance);
crate::operation!(Rotation, GetGroupsCompliance, "compliance.groups", GroupsComplianceQuery => GroupsCompliance);
crate::operation!(Rotation, RecordTraining, "training.record", NewTraining => Training);
crate::operation!(Rotation, ListTrainings, "training.list", TrainingQuery => TrainingList);
crate::operation!(Rotation, GetTrainingHours, "training.hours", HoursQuery => TrainingHours);
crate::operation!(Rotation, GetShadowingCoverage, "shadowing.coverage", CoverageQuery => ShadowingCoverage);

/// A school's roster as CSV (UTF-8; Chinese or English headers), with the school year the
/// eligibility column refers to. All rows are imported, or none.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeacherImport {
    pub school_id: SchoolId,
    /// The school's region (the lead-school API takes it from the membership service).
    pub region: RegionCode,
    pub school_year: SchoolYear,
    pub csv: String,
}

/// What an import changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ImportReport {
    pub created: u32,
    pub updated: u32,
}

/// One thing wrong in an uploaded CSV (in `details.rows` of a `csv_invalid` refusal).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CsvRowError {
    /// 1-based line of the file (the header is line 1).
    pub line: u64,
    pub column: String,
    pub reason: String,
}

/// A teacher. The home school is the personnel and payroll unit and never changes through
/// a posting (E-04).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Teacher {
    pub id: TeacherId,
    pub home_school_id: SchoolId,
    /// 工号, unique within the home school.
    pub staff_no: String,
    pub name: String,
    pub post: Post,
    pub subject: String,
    pub backbone: BackboneLevel,
    /// Eligible for exchange (符合交流条件) in the queried school year.
    pub eligible: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeacherQuery {
    pub school_id: SchoolId,
    pub school_year: SchoolYear,
    #[serde(default)]
    pub paging: Paging,
}

/// A CSV file (UTF-8 with BOM, for Excel).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CsvDocument {
    pub csv: String,
}

/// When a posting runs: a semester of a school year, or dates within one school year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case", try_from = "TermFields")]
pub enum Term {
    Semester {
        school_year: SchoolYear,
        semester: Semester,
    },
    Dates {
        start: NaiveDate,
        end: NaiveDate,
    },
}

/// A [`Term`] as it arrives, read flat: serde reads an internally tagged enum through a
/// buffer that forgets where a bad field was, and the lead-school API names that field to
/// the clerk (`term.start`, not just `term`).
#[derive(Deserialize)]
struct TermFields {
    #[serde(rename = "type")]
    kind: TermKind,
    #[serde(default)]
    school_year: Option<SchoolYear>,
    #[serde(default)]
    semester: Option<Semester>,
    #[serde(default)]
    start: Option<NaiveDate>,
    #[serde(default)]
    end: Option<NaiveDate>,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum TermKind {
    Semester,
    Dates,
}

impl TryFrom<TermFields> for Term {
    type Error = String;

    /// A field the kind needs and the term lacks is serde's own "missing field" refusal.
    fn try_from(f: TermFields) -> Result<Self, Self::Error> {
        fn needs<T>(value: Option<T>, name: &str) -> Result<T, String> {
            value.ok_or_else(|| format!("missing field `{name}`"))
        }
        Ok(match f.kind {
            TermKind::Semester => Self::Semester {
                school_year: needs(f.school_year, "school_year")?,
                semester: needs(f.semester, "semester")?,
            },
            TermKind::Dates => Self::Dates {
                start: needs(f.start, "start")?,
                end: needs(f.end, "end")?,
            },
        })
    }
}

/// A posting proposed by the sending side.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPosting {
    pub group_id: GroupId,
    pub teacher_id: TeacherId,
    /// The receiving school; the sending school is the teacher's home school.
    pub to_school_id: SchoolId,
    pub kind: PostingKind,
    pub term: Term,
    /// The post held at the host school, e.g. 副校长 or 初二数学.
    #[schema(example = "教务处副主任")]
    pub host_post: String,
}

/// A group's past postings (交流轮岗 before this system), loaded by the bureau with their
/// real dates. Every entry is judged by the rules of a live proposal and confirmation; the
/// first one they refuse refuses the whole load.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PastPostings {
    pub group_id: GroupId,
    pub postings: Vec<PastPosting>,
}

/// One past posting. The teacher is named by the home school and its staff number (工号):
/// the home school's roster of that school year is loaded first (teacher import).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PastPosting {
    /// The teacher's home school, the sending school and payroll unit (E-04).
    pub from_school_id: SchoolId,
    /// 工号 in the home school's roster.
    #[schema(example = "T001")]
    pub staff_no: String,
    /// The receiving school.
    pub to_school_id: SchoolId,
    pub kind: PostingKind,
    /// The post held at the host school, e.g. 副校长 or 初二数学.
    #[schema(example = "教务处副主任")]
    pub host_post: String,
    /// First day; no later than today.
    pub start: NaiveDate,
    /// Planned last day, in the same school year as `start`.
    pub end: NaiveDate,
    /// The last day served, when the posting ended early (between `start` and `end`, no
    /// later than today).
    #[serde(default)]
    pub ended_on: Option<NaiveDate>,
}

/// What a past load created: every posting, confirmed (or ended early), in the order sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PastPostingsLoaded {
    pub group_id: GroupId,
    pub count: u32,
    pub postings: Vec<Posting>,
}

/// Where a posting is in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PostingPhase {
    Upcoming,
    Active,
    Completed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Posting {
    pub id: PostingId,
    pub group_id: GroupId,
    pub teacher_id: TeacherId,
    pub teacher_name: String,
    pub backbone: BackboneLevel,
    pub from_school_id: SchoolId,
    pub to_school_id: SchoolId,
    pub kind: PostingKind,
    pub host_post: String,
    pub start: NaiveDate,
    /// Planned last day.
    pub end: NaiveDate,
    pub school_year: SchoolYear,
    pub status: PostingStatus,
    /// For confirmed postings, by today's date.
    pub phase: PostingPhase,
    /// E-04: the payroll unit is the home school, always.
    pub payroll_unit_id: SchoolId,
    /// E-04: 身份性质不变.
    pub identity_unchanged: bool,
    pub confirmed_at: Option<DateTime<Utc>>,
    /// Last day actually served, when ended early.
    pub ended_on: Option<NaiveDate>,
    pub closing_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    /// F-04: a posting that takes a teacher into another county waits for the consent of the
    /// teacher's own county bureau; `None` for a posting within one county.
    #[serde(default)]
    pub consent: Option<PostingConsent>,
}

/// F-04: the consent a posting across counties needs, from the bureau of the county whose
/// school employs the teacher (the home school stays the payroll unit, E-04).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PostingConsent {
    /// The teacher's county, whose bureau decides.
    pub region: RegionCode,
    /// The county the teacher would go to.
    pub to_region: RegionCode,
    pub status: ConsentStatus,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    /// The bureau's note (required to decline).
    pub note: Option<String>,
}

/// The teacher's county bureau decides a posting across counties (F-04).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PostingConsentDecision {
    pub posting_id: PostingId,
    /// `approve` lets the receiving school confirm it; `decline` cancels it.
    pub decision: ConsentVerdict,
    /// Why; required to decline.
    #[serde(default)]
    pub note: Option<String>,
}

/// The postings across counties a county's bureau decides.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PostingConsentQuery {
    pub region: RegionCode,
    pub status: Option<ConsentStatus>,
    #[serde(default)]
    pub paging: Paging,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PostingRef {
    pub posting_id: PostingId,
}

/// Cancel (before it starts) or end early (once started), with a reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PostingClosure {
    pub posting_id: PostingId,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PostingQuery {
    pub group_id: Option<GroupId>,
    /// Postings from or to this school.
    pub school_id: Option<SchoolId>,
    pub teacher_id: Option<TeacherId>,
    pub school_year: Option<SchoolYear>,
    #[serde(default)]
    pub paging: Paging,
}

/// Whose rotation figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Scope {
    Group { group_id: GroupId },
    Region { region: RegionCode },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComplianceQuery {
    pub scope: Scope,
    pub school_year: SchoolYear,
    /// "Rotated so far" counts confirmed postings started by this day (default today).
    pub as_of: Option<NaiveDate>,
}

/// A teacher behind a figure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TeacherRef {
    pub teacher_id: TeacherId,
    pub name: String,
    pub home_school_id: SchoolId,
    pub backbone: BackboneLevel,
    /// The postings that make the teacher count as rotated (empty for eligible-only).
    pub posting_ids: Vec<PostingId>,
}

/// E-08 figures at one point in time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RotationFigures {
    /// Distinct teachers rotated (a teacher counts once a year).
    pub rotated: u32,
    /// Of those, backbone teachers of county level or above.
    pub backbone_rotated: u32,
    /// rotated / eligible, in percent.
    pub ratio_pct: f64,
    /// backbone_rotated / rotated, in percent.
    pub backbone_share_pct: f64,
    pub ratio_met: bool,
    pub share_met: bool,
    /// More rotated teachers needed to meet the ratio.
    pub shortfall: u32,
    /// More backbone rotated teachers needed to meet the share (once the ratio is met).
    pub backbone_shortfall: u32,
}

/// E-08 compliance of a group or a county for one school year, with its forecast.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Compliance {
    pub scope: Scope,
    pub school_year: SchoolYear,
    pub as_of: NaiveDate,
    pub policy_version: i32,
    /// E-08 thresholds in force (percent).
    pub rotation_min_pct: u8,
    pub backbone_min_pct: u8,
    /// Teachers eligible for exchange this year.
    pub eligible: u32,
    /// Confirmed postings started by `as_of`.
    pub actual: RotationFigures,
    /// Counting every confirmed posting of the year, including future ones: the year-end
    /// projection. Its shortfalls are the postings still to plan before `deadline`.
    pub forecast: RotationFigures,
    /// The school year's last day.
    pub deadline: NaiveDate,
    pub eligible_teachers: Vec<TeacherRef>,
    pub rotated_teachers: Vec<TeacherRef>,
}

/// E-08 figures of every group of a region at once (a province's evaluation round asks
/// once instead of once per group): the counts only, no teacher lists.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupsComplianceQuery {
    pub region: RegionCode,
    pub school_year: SchoolYear,
    /// As in [`ComplianceQuery`] (default today).
    pub as_of: Option<NaiveDate>,
}

/// One group's E-08 figures: those [`Compliance`] gives for the group, the same day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupFigures {
    pub group_id: GroupId,
    pub eligible: u32,
    pub actual: RotationFigures,
    pub forecast: RotationFigures,
}

/// E-08 of each group of a region under the region's policy in force on `as_of`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupsCompliance {
    pub region: RegionCode,
    pub school_year: SchoolYear,
    pub as_of: NaiveDate,
    pub policy_version: i32,
    pub rotation_min_pct: u8,
    pub backbone_min_pct: u8,
    pub deadline: NaiveDate,
    /// Groups of the region the rotation service knows, dissolved ones included.
    pub groups: Vec<GroupFigures>,
}

/// A training or teaching showcase the lead school held for the group (E-05, E-06).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTraining {
    pub group_id: GroupId,
    pub kind: TrainingKind,
    #[schema(example = "初中数学大单元教学设计")]
    pub title: String,
    /// The subject group (E-06 showcases are organised by subject).
    #[serde(default)]
    pub subject: Option<String>,
    pub held_on: NaiveDate,
    /// 学时 credited to each participant (E-19: 72 a year).
    #[schema(minimum = 1, maximum = 200)]
    pub hours: u16,
    /// Teachers of the group's schools who took part.
    pub participant_ids: Vec<TeacherId>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Training {
    pub id: TrainingId,
    pub group_id: GroupId,
    pub kind: TrainingKind,
    pub title: String,
    pub subject: Option<String>,
    pub held_on: NaiveDate,
    pub school_year: SchoolYear,
    pub semester: Semester,
    pub hours: u16,
    /// E-05: the lead school provides.
    pub provider_school_id: SchoolId,
    pub participant_ids: Vec<TeacherId>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingQuery {
    pub group_id: GroupId,
    pub school_year: SchoolYear,
    pub semester: Option<Semester>,
}

/// A group's trainings of a school year, and per semester which required kinds were held.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TrainingList {
    pub items: Vec<Training>,
    pub semesters: Vec<SemesterTrainings>,
}

/// E-05/E-06: each semester, subject, special and induction training and a showcase.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SemesterTrainings {
    pub semester: Semester,
    pub held: Vec<TrainingKind>,
    pub missing: Vec<TrainingKind>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HoursQuery {
    pub school_id: SchoolId,
    pub school_year: SchoolYear,
}

/// E-19: training hours of a school's teachers in a school year against 72.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TrainingHours {
    pub school_id: SchoolId,
    pub school_year: SchoolYear,
    pub required_hours: u16,
    pub teachers: Vec<TeacherHours>,
    /// Share of the school's teachers who reached the required hours, in percent.
    pub completion_pct: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TeacherHours {
    pub teacher_id: TeacherId,
    pub name: String,
    pub hours: u32,
    pub met: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoverageQuery {
    pub group_id: GroupId,
    /// The rolling three years end on this day (default today).
    pub as_of: Option<NaiveDate>,
}

/// E-09: member-school managers and subject teachers who shadowed at the lead school
/// within the rolling three years, and those who have not yet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ShadowingCoverage {
    pub group_id: GroupId,
    pub since: NaiveDate,
    pub as_of: NaiveDate,
    pub staff: u32,
    pub covered: u32,
    pub coverage_pct: f64,
    pub not_yet: Vec<TeacherRef>,
}
