//! Sharing agreements over the bus (R-10, M6): parties of the group, scopes, term; kept,
//! terminated once, every change an event.

use chrono::NaiveDate;
use edu_contracts::agreements::{
    AgreementEnd, EndAgreement, ListAgreements, NewAgreement, RecordAgreement, SharingScope,
};

use super::*;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r10_agreements_bind_active_schools_of_the_group_and_end_once() -> TestResult {
    let h = Harness::start().await?;
    let (group, lead) = h.group(GroupModel::Alliance, Stage::Junior).await?;
    let member = h.school(Stage::Junior, support::HOME).await?;
    let outsider = h.school(Stage::Junior, support::HOME).await?;
    h.admit(&group, &member).await?;
    let record = |parties: Vec<SchoolId>, scopes: Vec<SharingScope>, key: Option<&str>| {
        h.bus.bus.call::<RecordAgreement>(
            &h.actor,
            key.map(str::to_owned),
            NewAgreement {
                group_id: group.id,
                title: "教学与交流协议".into(),
                school_ids: parties,
                scopes,
                starts_on: day(2025, 9, 1),
                ends_on: day(2028, 8, 31),
                document_ref: None,
            },
        )
    };
    let staff = vec![SharingScope::StaffExchange, SharingScope::Teaching];
    let p = refused(
        record(vec![lead.id, lead.id], staff.clone(), None).await,
        ErrorCode::ValidationFailed,
    );
    assert_eq!(p.details["field"], "school_ids");
    refused(
        record(vec![lead.id, member.id], vec![], None).await,
        ErrorCode::ValidationFailed,
    );
    refused(
        record(vec![lead.id, outsider.id], staff.clone(), None).await,
        ErrorCode::NotAMember,
    );
    let agreement = record(vec![member.id, lead.id], staff.clone(), Some("agr-1")).await?;
    let again = record(vec![member.id, lead.id], staff, Some("agr-1")).await?;
    assert_eq!(again.id, agreement.id, "the same key does nothing twice");
    assert!(agreement.covers(
        lead.id,
        member.id,
        SharingScope::StaffExchange,
        day(2026, 3, 1)
    ));
    assert!(!agreement.covers(lead.id, member.id, SharingScope::Brand, day(2026, 3, 1)));

    let end = |on: NaiveDate| {
        h.bus.bus.call::<EndAgreement>(
            &h.actor,
            None,
            AgreementEnd {
                group_id: group.id,
                agreement_id: agreement.id,
                ended_on: on,
                reason: "合并办学".into(),
            },
        )
    };
    refused(end(day(2025, 8, 1)).await, ErrorCode::ValidationFailed);
    let ended = end(day(2026, 7, 31)).await?;
    assert!(!ended.covers(lead.id, member.id, SharingScope::Teaching, day(2026, 9, 1)));
    let p = refused(
        end(day(2026, 8, 31)).await,
        ErrorCode::AgreementStateInvalid,
    );
    assert_eq!(p.rule.as_deref(), Some("R-10"));
    let listed = h
        .bus
        .bus
        .call::<ListAgreements>(&h.actor, None, GroupRef { group_id: group.id })
        .await?;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].ended_on, Some(day(2026, 7, 31)));
    let events = h.settled_events(4).await?;
    assert_eq!(count_type(&events, "agreement.changed"), 2);
    Ok(())
}
