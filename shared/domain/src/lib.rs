//! Domain vocabulary shared by every service: identifiers, the closed enums of the
//! school-group rules, the school calendar, region policy with the documents' defaults,
//! and the one error shape (`Problem`) with stable codes and bilingual messages.
//!
//! Pure types and rules: no database, HTTP or NATS code lives here.

pub mod calendar;
pub mod error;
pub mod ids;
pub mod model;
pub mod policy;
pub mod rotation;
pub mod text;

pub use calendar::{SchoolYear, Semester};
pub use error::{ErrorCode, Problem};
pub use ids::{
    EventId, GroupId, MembershipId, PostingId, RegionCode, SchoolId, TeacherId, TrainingId,
};
pub use model::{ExitReason, GroupModel, GroupStatus, MemberRole, Role, Stage};
pub use policy::Policy;
pub use rotation::{BackboneLevel, Post, PostingKind, PostingStatus, TrainingKind};
