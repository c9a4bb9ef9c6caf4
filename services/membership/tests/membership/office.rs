//! The group's own administration over the bus: its office (G-10, G-11; invariant 11), the
//! lead school's leader recommendations decided by the bureau (G-12), and member principals
//! as vice-principals of the lead outside its quota (G-13).

use chrono::NaiveDate;
use edu_contracts::council::LeaderPost;
use edu_contracts::office::{
    AppointOfficer, AppointmentEnd, DecideLeaderRecommendation, EndCrossAppointment,
    EndOfficeAppointment, GetOffice, LeaderAction, LeaderVerdict, NewCrossAppointment,
    NewLeaderRecommendation, NewOfficeAppointment, OfficePost, RecommendLeader,
    RecommendationStatus, RecordCrossAppointment,
};

use super::*;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

fn appointment(group: &Group, post: OfficePost, name: &str, on: NaiveDate) -> NewOfficeAppointment {
    NewOfficeAppointment {
        group_id: group.id,
        post,
        person_name: name.into(),
        staff_no: Some(format!("L-{name}")),
        appointed_on: on,
    }
}

fn end(group: &Group, id: uuid::Uuid, on: NaiveDate) -> AppointmentEnd {
    AppointmentEnd {
        group_id: group.id,
        appointment_id: id,
        ended_on: on,
        reason: Some("调任".into()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn g10_g11_one_director_up_to_two_deputies_and_every_appointment_kept() -> TestResult {
    let h = Harness::start().await?;
    let (group, lead) = h.group(GroupModel::Alliance, Stage::Junior).await?;
    let appoint = |a: NewOfficeAppointment| h.bus.bus.call::<AppointOfficer>(&h.actor, None, a);
    let office = || {
        h.bus
            .bus
            .call::<GetOffice>(&h.actor, None, GroupRef { group_id: group.id })
    };

    // a new group's office has nobody in post: invariant 11 is not met yet
    let empty = office().await?;
    assert!(!empty.staffed);
    assert!(empty.director.is_none() && empty.history.is_empty());

    // not before the group's plaque date
    let p = refused(
        appoint(appointment(
            &group,
            OfficePost::Director,
            "李晓明",
            day(2022, 6, 1),
        ))
        .await,
        ErrorCode::ValidationFailed,
    );
    assert_eq!(p.details["field"], "appointed_on");
    // the name is required
    let p = refused(
        appoint(appointment(
            &group,
            OfficePost::Director,
            "  ",
            day(2022, 9, 1),
        ))
        .await,
        ErrorCode::ValidationFailed,
    );
    assert_eq!(p.details["field"], "person_name");

    let first = appoint(appointment(
        &group,
        OfficePost::Director,
        "李晓明",
        day(2022, 9, 1),
    ))
    .await?;
    assert_eq!(
        first.school_id, lead.id,
        "G-10: the office sits at the lead school"
    );
    let d1 = appoint(appointment(
        &group,
        OfficePost::DeputyDirector,
        "王丽",
        day(2022, 9, 1),
    ))
    .await?;
    appoint(appointment(
        &group,
        OfficePost::DeputyDirector,
        "赵强",
        day(2022, 9, 1),
    ))
    .await?;
    // G-11: a third deputy is refused while two are in post
    let p = refused(
        appoint(appointment(
            &group,
            OfficePost::DeputyDirector,
            "孙敏",
            day(2023, 9, 1),
        ))
        .await,
        ErrorCode::OfficeFull,
    );
    assert_eq!(p.rule.as_deref(), Some("G-11"));

    // a successor director takes over the same day; a successor cannot start earlier
    refused(
        appoint(appointment(
            &group,
            OfficePost::Director,
            "周杰",
            day(2022, 8, 1),
        ))
        .await,
        ErrorCode::ValidationFailed,
    );
    let second = appoint(appointment(
        &group,
        OfficePost::Director,
        "周杰",
        day(2024, 9, 1),
    ))
    .await?;
    // a deputy leaves; a new one may come
    let ended = h
        .bus
        .bus
        .call::<EndOfficeAppointment>(&h.actor, None, end(&group, d1.id.0, day(2024, 7, 31)))
        .await?;
    assert_eq!(ended.ended_on, Some(day(2024, 7, 31)));
    refused(
        h.bus
            .bus
            .call::<EndOfficeAppointment>(&h.actor, None, end(&group, d1.id.0, day(2024, 8, 31)))
            .await,
        ErrorCode::AppointmentStateInvalid,
    );
    appoint(appointment(
        &group,
        OfficePost::DeputyDirector,
        "孙敏",
        day(2024, 9, 1),
    ))
    .await?;

    let now = office().await?;
    assert!(now.staffed);
    assert_eq!(now.director.as_ref().map(|d| d.id), Some(second.id));
    let deputies: Vec<&str> = now
        .deputies
        .iter()
        .map(|d| d.person_name.as_str())
        .collect();
    assert_eq!(deputies, ["赵强", "孙敏"]);
    assert_eq!(now.history.len(), 5, "every appointment is kept");
    let replaced = now
        .history
        .iter()
        .find(|a| a.id == first.id)
        .expect("the first director");
    assert_eq!(replaced.ended_on, Some(day(2024, 9, 1)));

    // another group's appointment is not found through this group
    let (other, _) = h.group(GroupModel::Alliance, Stage::Junior).await?;
    refused(
        h.bus
            .bus
            .call::<EndOfficeAppointment>(&h.actor, None, end(&other, second.id.0, day(2025, 1, 1)))
            .await,
        ErrorCode::NotFound,
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn g11_two_concurrent_directors_leave_one_in_post() -> TestResult {
    let h = Harness::start().await?;
    let (group, _) = h.group(GroupModel::Alliance, Stage::Junior).await?;
    let calls = ["甲", "乙", "丙", "丁"].map(|name| {
        h.bus.bus.call::<AppointOfficer>(
            &h.actor,
            None,
            appointment(&group, OfficePost::Director, name, day(2023, 9, 1)),
        )
    });
    for r in join_all(calls).await {
        r?;
    }
    let office = h
        .bus
        .bus
        .call::<GetOffice>(&h.actor, None, GroupRef { group_id: group.id })
        .await?;
    let in_post = office
        .history
        .iter()
        .filter(|a| a.post == OfficePost::Director && a.ended_on.is_none())
        .count();
    assert_eq!(in_post, 1, "invariant 11: one director in post");
    assert_eq!(office.history.len(), 4);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn g12_the_lead_recommends_and_the_bureau_decides_once() -> TestResult {
    let h = Harness::start().await?;
    let (group, _) = h.group(GroupModel::Alliance, Stage::Junior).await?;
    let member = h.school(Stage::Junior, support::HOME).await?;
    let outsider = h.school(Stage::Junior, support::HOME).await?;
    h.admit(&group, &member).await?;
    let recommend = |school: SchoolId, key: Option<&str>| {
        h.bus.bus.call::<RecommendLeader>(
            &h.actor,
            key.map(str::to_owned),
            NewLeaderRecommendation {
                group_id: group.id,
                school_id: school,
                action: LeaderAction::Remove,
                post: LeaderPost::Principal,
                person_name: "张伟".into(),
                reason: "连续两年集团考核不合格".into(),
            },
        )
    };
    // only about a member school of the group
    refused(recommend(outsider.id, None).await, ErrorCode::NotAMember);
    let rec = recommend(member.id, Some("rec-1")).await?;
    assert_eq!(rec.status, RecommendationStatus::Proposed);
    // the same key does nothing twice
    let again = recommend(member.id, Some("rec-1")).await?;
    assert_eq!(again.id, rec.id);

    let decide = |accept: bool| {
        h.bus.bus.call::<DecideLeaderRecommendation>(
            &h.actor,
            None,
            LeaderVerdict {
                group_id: group.id,
                recommendation_id: rec.id,
                accept,
                note: Some("经局党组研究同意".into()),
            },
        )
    };
    let decided = decide(true).await?;
    assert_eq!(decided.status, RecommendationStatus::Accepted);
    assert!(decided.decided_at.is_some());
    let p = refused(decide(false).await, ErrorCode::RecommendationStateInvalid);
    assert_eq!(p.rule.as_deref(), Some("G-12"));

    let office = h
        .bus
        .bus
        .call::<GetOffice>(&h.actor, None, GroupRef { group_id: group.id })
        .await?;
    assert_eq!(
        office.recommendations.len(),
        1,
        "one recommendation, not two"
    );
    assert_eq!(
        office.recommendations[0].status,
        RecommendationStatus::Accepted
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn g13_a_member_principal_is_vice_principal_of_the_lead_outside_its_quota() -> TestResult {
    let h = Harness::start().await?;
    let (group, lead) = h.group(GroupModel::Alliance, Stage::Junior).await?;
    let member = h.school(Stage::Junior, support::HOME).await?;
    h.admit(&group, &member).await?;
    let record = |school: SchoolId| {
        h.bus.bus.call::<RecordCrossAppointment>(
            &h.actor,
            None,
            NewCrossAppointment {
                group_id: group.id,
                school_id: school,
                appointed_on: day(2023, 9, 1),
            },
        )
    };
    // the lead's own principal is no member principal
    refused(record(lead.id).await, ErrorCode::NotAMember);
    let cross = record(member.id).await?;
    assert_eq!(cross.person_name, member.principal_name);
    assert_eq!(cross.post, LeaderPost::VicePrincipal);
    assert!(
        !cross.counts_against_lead_quota,
        "G-13: 不占龙头学校校级领导职数"
    );
    // one in post per member school
    let p = refused(record(member.id).await, ErrorCode::AppointmentStateInvalid);
    assert_eq!(p.rule.as_deref(), Some("G-13"));
    // once it ends, the school's principal may be appointed again
    h.bus
        .bus
        .call::<EndCrossAppointment>(&h.actor, None, end(&group, cross.id.0, day(2024, 7, 31)))
        .await?;
    record(member.id).await?;
    let office = h
        .bus
        .bus
        .call::<GetOffice>(&h.actor, None, GroupRef { group_id: group.id })
        .await?;
    assert_eq!(office.cross_appointments.len(), 2);
    assert_eq!(
        office.cross_appointments[0].ended_on,
        Some(day(2024, 7, 31))
    );

    // the member leaves the group: its principal's appointment at the lead ends with it
    h.exit(&group, &member, ExitReason::Voluntary).await?;
    let office = h
        .bus
        .bus
        .call::<GetOffice>(&h.actor, None, GroupRef { group_id: group.id })
        .await?;
    assert!(
        office
            .cross_appointments
            .iter()
            .all(|c| c.ended_on.is_some())
    );

    // every change went out through the outbox
    let events = h.settled_events(7).await?;
    assert_eq!(count_type(&events, "cross_appointment.changed"), 4);
    Ok(())
}
