//! Domain vocabulary shared by every service: identifiers, the closed enums of the
//! school-group rules, the school calendar, region policy with the documents' defaults,
//! and the one error shape (`Problem`) with stable codes and bilingual messages.
//!
//! Pure types and rules: no database, HTTP or NATS code lives here. The one exception is the
//! `diesel` feature ([`sql`]), which lets a service's rows hold these types as columns.

pub mod calendar;
pub mod catalogue;
pub mod error;
pub mod ids;
pub mod model;
pub mod policy;
pub mod region;
pub mod rotation;
#[cfg(feature = "diesel")]
pub mod sql;
pub mod text;

pub use calendar::{SchoolYear, Semester};
pub use catalogue::{
    BookingStatus, CourseType, FacilityKind, QualityTier, ResourceKind, ResourceStatus,
};
pub use error::{ErrorCode, Problem};
pub use ids::{
    BookingId, EventId, FacilityId, GroupId, MembershipId, PersuadeOutId, PostingId, RegionCode,
    ResourceId, SchoolId, TeacherId, TrainingId, UploadId, WarningId,
};
pub use model::{ExitReason, GroupModel, GroupStatus, MemberRole, Role, Stage};
pub use policy::{EvaluationWeights, GradeThresholds, Policy};
pub use rotation::{BackboneLevel, Post, PostingKind, PostingStatus, TrainingKind};
