//! The membership service end to end: the real service on its own database and its own
//! NATS namespace (edu-testkit), called over the bus exactly as lead-api calls it.
//! Test names carry the RULES.md rule they check (F-01, F-03, F-04, F-06, F-07, F-08,
//! F-09, V-07, X-01, X-02, §8.2, §8.3, §8.4, §8.5).

// A test crate: helpers outside `#[test]` fns may panic too (clippy.toml only covers the fns).
#![allow(clippy::expect_used)]

use std::collections::HashSet;
use std::time::Duration;

use edu_contracts::consent::{
    ConsentDecision, ConsentQuery, ConsentStatus, ConsentVerdict, DecideConsent, ListConsents,
    RequestConsent,
};
use edu_contracts::events::{GroupDissolved, GroupEstablished, MemberAdmitted, MemberExited};
use edu_contracts::membership::{
    Admission, AdmitMember, ChangeScale, CreateGroup, CreateSchool, Dissolution, DissolveGroup,
    ExitMember, GetGroup, Group, GroupHistory, GroupQuery, GroupRef, ImportGroup, ListGroups,
    ListLeadQuality, ListMembers, ListScaleDecisions, MemberExit, MemberQuery, Membership,
    NewGroup, NewLeadQuality, NewSchool, PastMembership, RecordLeadQuality, ScaleChange, School,
    SchoolRef,
};
use edu_contracts::{Actor, EventEnvelope, ServiceName};
use edu_domain::{
    ErrorCode, ExitReason, GroupId, GroupModel, GroupStatus, MemberRole, Problem, SchoolId, Stage,
};
use futures::future::join_all;
use support::{Harness, region};

mod agreements;
mod bad_input;
mod caps;
mod county;
mod events;
mod office;
mod past;
mod races;
mod scale;
mod support;
mod terms;

type TestResult = anyhow::Result<()>;

fn code(r: &Result<impl std::fmt::Debug, Problem>) -> Option<ErrorCode> {
    r.as_ref().err().map(|p| p.code)
}

#[track_caller]
fn refused<T: std::fmt::Debug>(r: Result<T, Problem>, expected: ErrorCode) -> Problem {
    match r {
        Ok(v) => panic!("expected {expected}, got Ok({v:?})"),
        Err(p) => {
            assert_eq!(p.code, expected, "unexpected refusal: {p:?}");
            assert!(
                !p.message.is_empty() && !p.message_zh.is_empty(),
                "bilingual message missing: {p:?}"
            );
            p
        }
    }
}

fn count_type(events: &[EventEnvelope], event_type: &str) -> usize {
    events.iter().filter(|e| e.event_type == event_type).count()
}
