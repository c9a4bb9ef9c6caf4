//! The council's, the group office's and the county view's ids and closed vocabularies as PostgreSQL columns
//! (feature `diesel`, enabled by the services that own them), made by the domain's macros exactly as the domain's own: an
//! id is a `uuid` column, a vocabulary is `text` in its `as_str` spelling, and a spelling the
//! enum does not know reads back as a deserialization error.

use crate::council::{
    CharterKind, CharterStatus, CharterVersionId, DecisionCategory, DecisionId, LeaderPost,
    MajorMatterId, MajorMatterKind, MeetingId, MeetingKind, MinutesStatus, MotionId, MotionStatus,
    ReportId, SeatId, SeatRole, VoteChoice,
};
use crate::county::{DesignationId, WeakRoundId};
use crate::office::{
    CrossAppointmentId, LeaderAction, LeaderRecommendationId, OfficeAppointmentId, OfficePost,
    RecommendationStatus,
};

edu_domain::uuid_columns!(
    SeatId,
    MeetingId,
    MotionId,
    DecisionId,
    ReportId,
    MajorMatterId,
    CharterVersionId
);

edu_domain::spelled_columns!(
    SeatRole,
    LeaderPost,
    MeetingKind,
    DecisionCategory,
    VoteChoice,
    MotionStatus,
    MinutesStatus,
    MajorMatterKind,
    CharterKind,
    CharterStatus,
);

edu_domain::uuid_columns!(
    OfficeAppointmentId,
    LeaderRecommendationId,
    CrossAppointmentId,
    WeakRoundId,
    DesignationId,
    crate::agreements::AgreementId
);

edu_domain::spelled_columns!(OfficePost, LeaderAction, RecommendationStatus);

// the group's funds (G-17), kept by the membership service
edu_domain::uuid_columns!(crate::funds::BudgetId, crate::funds::SpendingId);
edu_domain::spelled_columns!(crate::funds::FundSource, crate::funds::FundUse);
