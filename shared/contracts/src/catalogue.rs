//! Operations and views of the shared-course catalogue (优质课程资源库, RULES.md §4):
//! resources with immutable versions and their files, review, search, adoptions and reuse
//! analytics, the brand rule (R-11, M7), and the group's shared facilities.

use chrono::{DateTime, Utc};
use edu_domain::{
    BookingId, BookingStatus, CourseType, ErrorCode, FacilityId, FacilityKind, GroupId,
    QualityTier, ResourceId, ResourceKind, ResourceStatus, Role, SchoolId, Stage, UploadId,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

pub use crate::{Page, Paging};

crate::operation!(Catalogue, SubmitResource, "resource.submit", NewResource => Resource);
crate::operation!(Catalogue, GetResource, "resource.get", ResourceRef => Resource);
crate::operation!(Catalogue, SearchResources, "resource.search", ResourceSearch => ResourcePage);
crate::operation!(Catalogue, AddVersion, "resource.version.add", NewVersion => Resource);
crate::operation!(Catalogue, ReviewResource, "resource.review", Review => Resource);
crate::operation!(Catalogue, AdoptResource, "resource.adopt", NewAdoption => Adoption);
crate::operation!(Catalogue, ListAdopters, "resource.adopters", ResourceRef => Adopters);
crate::operation!(Catalogue, ShareResource, "resource.share", NewShare => Share);
crate::operation!(Catalogue, ListBrandRefusals, "brand_refusal.list", BrandRefusalQuery => Page<BrandRefusal>);
crate::operation!(Catalogue, GetReuse, "reuse.get", ReuseQuery => Reuse);
crate::operation!(Catalogue, BeginUpload, "upload.begin", NewUpload => Upload);
crate::operation!(Catalogue, UploadChunk, "upload.chunk", Chunk => Upload);
crate::operation!(Catalogue, FinishUpload, "upload.finish", UploadFinish => Upload);
crate::operation!(Catalogue, ReadFile, "file.read", FileRead => FileChunk);
crate::operation!(Catalogue, RegisterFacility, "facility.register", NewFacility => Facility);
crate::operation!(Catalogue, ListFacilities, "facility.list", FacilityQuery => Page<Facility>);
crate::operation!(Catalogue, BookFacility, "booking.create", NewBooking => Booking);
crate::operation!(Catalogue, ListBookings, "booking.list", BookingQuery => Page<Booking>);

/// Largest file a resource version may carry (a service may be configured lower).
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;
/// Largest chunk of a file in one bus message (NATS's default `max_payload` is 1 MiB; base64
/// and the envelope must fit around it).
pub const CHUNK_BYTES: usize = 512 * 1024;

/// The descriptive content of a resource version: each update makes a new, immutable one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VersionContent {
    #[schema(example = "一次函数的图像与性质")]
    pub title: String,
    #[serde(default)]
    #[schema(example = "八年级数学大单元教学设计,含分层练习与实验探究活动")]
    pub description: String,
    /// Names of the authors (teachers of the owner school).
    #[serde(default)]
    pub authors: Vec<String>,
    #[serde(default)]
    #[schema(example = json!(["函数", "大单元"]))]
    pub tags: Vec<String>,
    /// A finished upload of the caller's school (see `POST /groups/{group_id}/files`).
    #[serde(default)]
    pub upload_id: Option<UploadId>,
    /// What changed (versions after the first).
    #[serde(default)]
    pub change_note: Option<String>,
}

/// A resource a school of the group submits (M5/R-09: every school is a provider). The
/// caller's school is the owner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewResource {
    pub group_id: GroupId,
    pub kind: ResourceKind,
    pub subject: String,
    pub stage: Stage,
    /// 年级, e.g. 八年级; empty for all grades of the stage.
    #[serde(default)]
    pub grade: String,
    pub course_type: CourseType,
    pub tier: QualityTier,
    pub content: VersionContent,
}

/// The file of a version, stored by its content hash.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FileInfo {
    /// Lowercase hex SHA-256 of the content.
    pub sha256: String,
    pub size: u64,
    pub file_name: String,
    pub content_type: String,
}

/// One immutable version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ResourceVersion {
    pub number: i32,
    pub title: String,
    pub description: String,
    pub authors: Vec<String>,
    pub tags: Vec<String>,
    pub file: Option<FileInfo>,
    pub change_note: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// A resource as the caller sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ResourceSummary {
    pub id: ResourceId,
    pub group_id: GroupId,
    pub owner_school_id: SchoolId,
    pub kind: ResourceKind,
    pub subject: String,
    pub stage: Stage,
    pub grade: String,
    pub course_type: CourseType,
    pub tier: QualityTier,
    pub status: ResourceStatus,
    /// The latest version's title, description and tags.
    pub title: String,
    pub description: String,
    pub tags: Vec<String>,
    pub latest_version: i32,
    /// The version the caller's school adopted, if it did.
    pub adopted_version: Option<i32>,
    /// The caller's school adopted an older version than the latest: a newer one exists.
    /// Adopters are never moved to it silently.
    pub newer_version_available: bool,
    /// Distinct schools that adopted it.
    pub adoptions: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A page of search results. Matches are counted up to [`COUNT_CAP`]: counting every match
/// of a frequent word in a large library would cost more than the page itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ResourcePage {
    pub items: Vec<ResourceSummary>,
    /// How many match, counted up to 1,000.
    pub total: i64,
    /// `total` is exact (false: more than 1,000 match; narrow the search).
    pub total_exact: bool,
}

/// Search results are counted up to this many.
pub const COUNT_CAP: i64 = 1000;

/// A resource with every version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Resource {
    #[serde(flatten)]
    pub summary: ResourceSummary,
    /// Oldest first.
    pub versions: Vec<ResourceVersion>,
    pub review_note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceRef {
    pub resource_id: ResourceId,
}

/// Keyword search and filters over a group's library.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ResourceFilter {
    /// Keywords, Chinese or English: every word must occur in the title, description or tags
    /// (two-character Chinese words such as 函数 or 实验 included).
    #[serde(default)]
    pub q: Option<String>,
    #[serde(default)]
    pub subject: Option<String>,
    #[serde(default)]
    pub stage: Option<Stage>,
    #[serde(default)]
    pub grade: Option<String>,
    #[serde(default)]
    pub kind: Option<ResourceKind>,
    #[serde(default)]
    pub tier: Option<QualityTier>,
    #[serde(default)]
    pub owner_school_id: Option<SchoolId>,
    #[serde(default)]
    pub status: Option<ResourceStatus>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceSearch {
    pub group_id: GroupId,
    #[serde(default)]
    pub filter: ResourceFilter,
    #[serde(default)]
    pub paging: Paging,
}

/// A new version of a resource (the owner school's office).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewVersion {
    pub resource_id: ResourceId,
    pub content: VersionContent,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Approve,
    Reject,
}

/// The lead office's review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewBody {
    pub decision: Decision,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Review {
    pub resource_id: ResourceId,
    pub review: ReviewBody,
}

/// A school adopts a version for its teaching (the latest when none is named).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdoptionBody {
    #[serde(default)]
    pub version: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewAdoption {
    pub resource_id: ResourceId,
    pub adoption: AdoptionBody,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Adoption {
    pub resource_id: ResourceId,
    pub school_id: SchoolId,
    pub version: i32,
    pub latest_version: i32,
    pub newer_version_available: bool,
    pub adopted_at: DateTime<Utc>,
}

/// A school that adopted a resource: the version it adopted last, and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Adopter {
    pub school_id: SchoolId,
    pub version: i32,
    pub adopted_at: DateTime<Utc>,
    /// It adopted an older version than the latest.
    pub newer_version_available: bool,
}

/// Who adopted a resource (R-05: the schools of its group), most recent adoption first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Adopters {
    pub resource_id: ResourceId,
    pub latest_version: i32,
    pub items: Vec<Adopter>,
}

/// Whom a resource is shared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ShareTarget {
    School { school_id: SchoolId },
    Group { group_id: GroupId },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShareBody {
    pub target: ShareTarget,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewShare {
    pub resource_id: ResourceId,
    pub share: ShareBody,
}

/// A recommendation of a resource to a school of its own group (the only share allowed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Share {
    pub resource_id: ResourceId,
    pub target: ShareTarget,
    pub shared_by_school_id: Option<SchoolId>,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// The refused transfers of one group's resources, newest first; with `resource_id`,
/// of that resource only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BrandRefusalQuery {
    pub group_id: GroupId,
    #[serde(default)]
    pub resource_id: Option<ResourceId>,
    #[serde(default)]
    pub paging: Paging,
}

/// Who asked for a transfer that was refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Requester {
    /// The token subject.
    pub sub: String,
    /// Null for the system itself, and for refusals recorded before roles were kept.
    pub role: Option<Role>,
    pub school_id: Option<SchoolId>,
}

/// R-11 (invariant 17): a transfer or re-export of a group's resource to a school or group
/// outside the group that was refused, as recorded in the transaction that refused it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct BrandRefusal {
    /// The record's id.
    pub id: Uuid,
    pub group_id: GroupId,
    pub resource_id: ResourceId,
    /// The resource's title when the transfer was refused.
    #[schema(example = "校本课程:家乡的河")]
    pub resource_title: String,
    pub requested_by: Requester,
    /// Where the resource was to go: a school outside the group, or another group.
    pub target: ShareTarget,
    /// The RULES.md rule the refusal enforced.
    #[schema(example = "R-11")]
    pub rule: String,
    /// The code the caller was refused with.
    pub code: ErrorCode,
    pub refused_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReuseQuery {
    pub group_id: GroupId,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ResourceReuse {
    pub resource_id: ResourceId,
    pub title: String,
    pub owner_school_id: SchoolId,
    pub subject: String,
    pub adopting_schools: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SchoolReuse {
    pub school_id: SchoolId,
    /// Published resources it owns.
    pub resources: i64,
    /// Adoptions of its resources by other schools (its reach, 辐射).
    pub adoptions_received: i64,
    /// Resources of others it adopted.
    pub adoptions_made: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SubjectReuse {
    pub subject: String,
    pub resources: i64,
    pub adoptions: i64,
}

/// Reuse analytics of a group's library: the evidence of the lead school's reach (辐射).
/// An adoption is one school adopting one resource (any version), counted once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Reuse {
    pub group_id: GroupId,
    pub published_resources: i64,
    pub adoptions: i64,
    /// Most adopted first.
    pub resources: Vec<ResourceReuse>,
    pub schools: Vec<SchoolReuse>,
    pub subjects: Vec<SubjectReuse>,
}

/// Starts an upload into a group's library (the caller's school uploads).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewUpload {
    pub group_id: GroupId,
    pub file_name: String,
    pub content_type: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Upload {
    pub id: UploadId,
    pub group_id: GroupId,
    pub school_id: SchoolId,
    pub file_name: String,
    pub content_type: String,
    /// Bytes received so far.
    pub received: u64,
    /// Set once the upload is finished and its hash verified.
    pub sha256: Option<String>,
    pub finished: bool,
}

/// The next chunk of an upload: `offset` must be the bytes received so far (a resent chunk
/// that is already stored is accepted and changes nothing).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Chunk {
    pub upload_id: UploadId,
    pub offset: u64,
    /// Base64 (standard alphabet) of at most [`CHUNK_BYTES`] bytes.
    pub data: String,
}

/// Ends an upload: the stored bytes must have this SHA-256 and size.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UploadFinish {
    pub upload_id: UploadId,
    pub sha256: String,
    pub size: u64,
}

/// Reads a piece of a version's file (the latest version when none is named).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileRead {
    pub resource_id: ResourceId,
    #[serde(default)]
    pub version: Option<i32>,
    pub offset: u64,
}

/// A piece of a file, at most [`CHUNK_BYTES`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileChunk {
    pub file: FileInfo,
    pub version: i32,
    pub offset: u64,
    /// Base64 (standard alphabet).
    pub data: String,
}

/// a facility a school of the group offers to the others (its own office registers it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewFacility {
    pub group_id: GroupId,
    #[schema(example = "物理实验室")]
    pub name: String,
    pub kind: FacilityKind,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub capacity: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Facility {
    pub id: FacilityId,
    pub group_id: GroupId,
    pub owner_school_id: SchoolId,
    pub name: String,
    pub kind: FacilityKind,
    pub description: String,
    pub capacity: Option<u32>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FacilityQuery {
    pub group_id: GroupId,
    #[serde(default)]
    pub paging: Paging,
}

/// A time slot `[start, end)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BookingBody {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    #[schema(example = "八年级物理分组实验")]
    pub purpose: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewBooking {
    pub facility_id: FacilityId,
    pub booking: BookingBody,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Booking {
    pub id: BookingId,
    pub facility_id: FacilityId,
    pub group_id: GroupId,
    pub school_id: SchoolId,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub purpose: String,
    pub status: BookingStatus,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BookingQuery {
    pub facility_id: FacilityId,
    #[serde(default)]
    pub paging: Paging,
}
