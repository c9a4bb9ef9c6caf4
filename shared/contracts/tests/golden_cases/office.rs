//! Golden envelopes: the group's administration (G-10..G-13, R-10) and the county view (F-17).

use super::*;
use edu_contracts::council::LeaderPost;
use edu_contracts::office::{
    CrossAppointmentChanged, CrossAppointmentId, LeaderAction, LeaderRecommendationDecided,
    LeaderRecommendationId, LeaderRecommended, OfficeAppointmentEnded, OfficeAppointmentId,
    OfficePost, OfficerAppointed, RecommendationStatus,
};

const APPOINTMENT: u128 = 0x90;
const APPOINTMENT_2: u128 = 0x91;
const RECOMMENDATION: u128 = 0x92;
const CROSS: u128 = 0x93;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

fn office_golden<E: Event + PartialEq + Debug>(name: &str, n: u128, school: u128, event: &E) {
    assert_eq!(E::SERVICE, ServiceName::Membership);
    event_golden(name, envelope(n, event, Some(GROUP), Some(school)), event);
}

#[test]
fn golden_office_appointed() {
    // G-11: a new director takes over from the one in post.
    let event = OfficerAppointed {
        group_id: GroupId(id(GROUP)),
        appointment_id: OfficeAppointmentId(id(APPOINTMENT_2)),
        post: OfficePost::Director,
        appointed_on: day(2026, 9, 1),
        replaces: Some(OfficeAppointmentId(id(APPOINTMENT))),
    };
    office_golden("event_office_appointed", 90, LEAD, &event);
}

#[test]
fn golden_office_appointment_ended() {
    let event = OfficeAppointmentEnded {
        group_id: GroupId(id(GROUP)),
        appointment_id: OfficeAppointmentId(id(APPOINTMENT)),
        post: OfficePost::DeputyDirector,
        ended_on: day(2027, 7, 31),
    };
    office_golden("event_office_appointment_ended", 91, LEAD, &event);
}

#[test]
fn golden_leader_recommended() {
    // G-12: the lead recommends; names stay in the membership service.
    let event = LeaderRecommended {
        group_id: GroupId(id(GROUP)),
        school_id: SchoolId(id(MEMBER)),
        recommendation_id: LeaderRecommendationId(id(RECOMMENDATION)),
        action: LeaderAction::Appoint,
        post: LeaderPost::VicePrincipal,
    };
    office_golden("event_leader_recommended", 92, MEMBER, &event);
}

#[test]
fn golden_leader_recommendation_decided() {
    let event = LeaderRecommendationDecided {
        group_id: GroupId(id(GROUP)),
        school_id: SchoolId(id(MEMBER)),
        recommendation_id: LeaderRecommendationId(id(RECOMMENDATION)),
        status: RecommendationStatus::Rejected,
    };
    office_golden("event_leader_recommendation_decided", 93, MEMBER, &event);
}

#[test]
fn golden_cross_appointment_changed() {
    // G-13: a member principal as the lead's vice-principal, ended.
    let event = CrossAppointmentChanged {
        group_id: GroupId(id(GROUP)),
        school_id: SchoolId(id(MEMBER)),
        appointment_id: CrossAppointmentId(id(CROSS)),
        appointed_on: day(2026, 9, 1),
        ended_on: Some(day(2027, 7, 31)),
    };
    office_golden("event_cross_appointment_changed", 94, MEMBER, &event);
}

#[test]
fn golden_weak_round_opened() {
    // F-17: a three-year round of weak-school designation in the county.
    let event = edu_contracts::county::WeakRoundOpened {
        round_id: edu_contracts::county::WeakRoundId(id(0x95)),
        region: RegionCode::parse("411627").expect("region"),
        first_school_year: 2025,
        last_school_year: 2027,
    };
    assert_eq!(
        <edu_contracts::county::WeakRoundOpened as Event>::SERVICE,
        ServiceName::Membership
    );
    event_golden(
        "event_weak_round_opened",
        envelope(95, &event, None, None),
        &event,
    );
}

#[test]
fn golden_weak_school_changed() {
    // F-17: a designated school leaves the list before the round ends.
    let event = edu_contracts::county::WeakSchoolChanged {
        round_id: edu_contracts::county::WeakRoundId(id(0x95)),
        designation_id: edu_contracts::county::DesignationId(id(0x96)),
        school_id: SchoolId(id(MEMBER)),
        lifted_on: Some(day(2026, 7, 1)),
    };
    office_golden("event_weak_school_changed", 96, MEMBER, &event);
}

#[test]
fn golden_agreement_changed() {
    // a sharing agreement between the lead and a member, terminated early.
    use edu_contracts::agreements::{AgreementChanged, AgreementId, SharingScope};
    let event = AgreementChanged {
        group_id: GroupId(id(GROUP)),
        agreement_id: AgreementId(id(0x97)),
        school_ids: vec![SchoolId(id(LEAD)), SchoolId(id(MEMBER))],
        scopes: vec![SharingScope::Teaching, SharingScope::StaffExchange],
        starts_on: day(2025, 9, 1),
        ends_on: day(2028, 8, 31),
        ended_on: Some(day(2026, 7, 31)),
    };
    assert_eq!(
        <AgreementChanged as Event>::SERVICE,
        ServiceName::Membership
    );
    event_golden(
        "event_agreement_changed",
        envelope(97, &event, Some(GROUP), None),
        &event,
    );
}
