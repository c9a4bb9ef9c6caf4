//! The council's ids and closed vocabularies as PostgreSQL columns (feature `diesel`, enabled
//! by the council service only), made by the domain's macros exactly as the domain's own: an
//! id is a `uuid` column, a vocabulary is `text` in its `as_str` spelling, and a spelling the
//! enum does not know reads back as a deserialization error.

use crate::council::{
    DecisionCategory, DecisionId, LeaderPost, MajorMatterId, MajorMatterKind, MeetingId,
    MeetingKind, MinutesStatus, MotionId, MotionStatus, ReportId, SeatId, SeatRole, VoteChoice,
};

edu_domain::uuid_columns!(
    SeatId,
    MeetingId,
    MotionId,
    DecisionId,
    ReportId,
    MajorMatterId
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
);

// the group's funds (G-17), kept by the membership service
edu_domain::uuid_columns!(crate::funds::BudgetId, crate::funds::SpendingId);
edu_domain::spelled_columns!(crate::funds::FundSource, crate::funds::FundUse);
