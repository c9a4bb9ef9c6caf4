//! The council service over the bus, against real PostgreSQL and NATS, with the real
//! membership service feeding its projection.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

#[path = "../common/mod.rs"]
mod common;

use common::{
    LEAD_PRINCIPAL, REGION, count, day, env, events_until, member_principal, refused, yes,
};
use edu_contracts::council::{
    CadenceQuery, CirculateMinutes, CorrectMinutes, Council, DecisionCategory, DecisionQuery,
    FindDecisions, GetCadence, GetReport, LeaderPost, ListReports, MeetingKind, MeetingRef,
    MinutesCorrection, MinutesDraft, MinutesStatus, MonthState, MotionStatus, Paging,
    PublishMinutes, Quarter, ReportQuery, ReportState, ReportSubmission, SeatAppointment, SeatId,
    SeatRole, SubmitReport, Vote, VoteChoice, WriteMinutes,
};
use edu_contracts::membership::{ExitMember, MemberExit};
use edu_domain::{ErrorCode, ExitReason, RegionCode};

mod meetings;
mod reports;
mod seats;
