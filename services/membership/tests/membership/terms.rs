//! Terms of membership: F-06 / F-07 (legal person, plaque), F-04 (cross region).

use super::*;

/// F-04: the group's side asks, the school's county bureau approves; what the approval
/// admitted. Along the way: the group's own bureau cannot approve for the other county, a
/// request asked twice is the same request, and a decided request stays decided.
async fn consent_of_the_other_county(
    h: &Harness,
    group: &Group,
    school: &School,
) -> anyhow::Result<Membership> {
    let admission = Admission {
        group_id: group.id,
        school_id: school.id,
    };
    let request = h
        .bus
        .bus
        .call::<RequestConsent>(&h.actor, None, admission.clone())
        .await?;
    assert_eq!(request.status, ConsentStatus::Pending);
    assert_eq!(request.school_region, region(support::OTHER));
    assert_eq!(request.group_name, group.name);
    let again = h
        .bus
        .bus
        .call::<RequestConsent>(&h.actor, None, admission)
        .await?;
    assert_eq!(
        again.id, request.id,
        "one open request per school and group"
    );
    assert!(
        !h.reload(group)
            .await?
            .regions
            .contains(&region(support::OTHER)),
        "not a member while the request waits"
    );
    let approve = ConsentDecision {
        request_id: request.id,
        decision: ConsentVerdict::Approve,
        reason: None,
    };
    refused(
        h.bus
            .bus
            .call::<DecideConsent>(&h.actor, None, approve.clone())
            .await,
        ErrorCode::Forbidden,
    );
    let other_bureau = Actor {
        sub: "test:other-bureau".into(),
        region: Some(region(support::OTHER)),
        ..support::bureau()
    };
    let decided = h
        .bus
        .bus
        .call::<DecideConsent>(&other_bureau, None, approve.clone())
        .await?;
    assert_eq!(decided.status, ConsentStatus::Approved);
    assert_eq!(decided.decided_by.as_deref(), Some("test:other-bureau"));
    refused(
        h.bus
            .bus
            .call::<DecideConsent>(&other_bureau, None, approve)
            .await,
        ErrorCode::ConsentStateInvalid,
    );
    let listed = h
        .bus
        .bus
        .call::<ListConsents>(
            &other_bureau,
            None,
            ConsentQuery {
                region: Some(region(support::OTHER)),
                group_id: None,
                status: None,
                paging: Default::default(),
            },
        )
        .await?;
    assert_eq!(listed.total, 1);
    let members = h
        .bus
        .bus
        .call::<ListMembers>(
            &h.actor,
            None,
            MemberQuery {
                group_id: group.id,
                include_history: false,
            },
        )
        .await?;
    let membership = members
        .members
        .into_iter()
        .find(|m| m.school_id == school.id)
        .expect("admitted on consent");
    assert_eq!(Some(membership.id), decided.membership_id);
    Ok(membership)
}

/// F-04: the school's county may decline, with a reason; the school stays out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn f04_the_other_county_declines_and_the_school_stays_out() -> TestResult {
    let h = Harness::start().await?;
    let (alliance, _) = h.group(GroupModel::Alliance, Stage::Junior).await?;
    let far = h.school(Stage::Junior, support::OTHER).await?;
    let request = h
        .bus
        .bus
        .call::<RequestConsent>(
            &h.actor,
            None,
            Admission {
                group_id: alliance.id,
                school_id: far.id,
            },
        )
        .await?;
    let other_bureau = Actor {
        sub: "test:other-bureau".into(),
        region: Some(region(support::OTHER)),
        ..support::bureau()
    };
    let decline = |reason: Option<&str>| ConsentDecision {
        request_id: request.id,
        decision: ConsentVerdict::Decline,
        reason: reason.map(str::to_owned),
    };
    let p = refused(
        h.bus
            .bus
            .call::<DecideConsent>(&other_bureau, None, decline(None))
            .await,
        ErrorCode::ValidationFailed,
    );
    assert_eq!(p.details["field"], "reason");
    let declined = h
        .bus
        .bus
        .call::<DecideConsent>(&other_bureau, None, decline(Some("该校已加入本县集团")))
        .await?;
    assert_eq!(declined.status, ConsentStatus::Declined);
    assert_eq!(declined.reason.as_deref(), Some("该校已加入本县集团"));
    assert_eq!(
        h.reload(&alliance).await?.active_members,
        alliance.active_members,
        "the school stays out"
    );
    refused(
        h.admit(&alliance, &far).await,
        ErrorCode::CountyConsentRequired,
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn f06_f07_f04_plaque_legal_person_and_cross_region() -> TestResult {
    let h = Harness::start().await?;

    // F-07: a tight group's member is a campus of one legal person.
    let (tight, _) = h.group(GroupModel::Tight, Stage::Primary).await?;
    let campus = h
        .admit(&tight, &h.school(Stage::Primary, support::HOME).await?)
        .await?;
    assert!(
        campus.plaque_text.ends_with("校区"),
        "{}",
        campus.plaque_text
    );
    assert_eq!(campus.plaque_text, format!("{}校区", tight.name));
    assert!(!campus.legal_person_retained);
    assert!(!campus.independent_leadership, "F-07: one leadership team");
    assert_eq!(campus.role, MemberRole::Member);
    assert!(!campus.cross_region);

    // F-06: an alliance member keeps its legal person and adds "…成员学校".
    let (alliance, _) = h.group(GroupModel::Alliance, Stage::Junior).await?;
    let member = h
        .admit(&alliance, &h.school(Stage::Junior, support::HOME).await?)
        .await?;
    assert!(
        member.plaque_text.ends_with("成员学校"),
        "{}",
        member.plaque_text
    );
    assert!(member.legal_person_retained);
    assert!(
        member.independent_leadership,
        "F-06: its own leadership body"
    );
    assert!(!member.cross_region);
    assert_eq!(
        h.reload(&alliance).await?.regions,
        vec![region(support::HOME)]
    );

    // F-04: a member from another region is allowed and flagged, with its own county's
    // consent: admitting it directly is refused and nothing changes until that bureau agrees.
    let far = h.school(Stage::Junior, support::OTHER).await?;
    let p = refused(
        h.admit(&alliance, &far).await,
        ErrorCode::CountyConsentRequired,
    );
    assert_eq!(p.rule.as_deref(), Some("F-04"));
    assert_eq!(p.details["school_region"], support::OTHER);
    let far_member = consent_of_the_other_county(&h, &alliance, &far).await?;
    assert!(far_member.cross_region);
    let alliance = h.reload(&alliance).await?;
    assert_eq!(alliance.regions.len(), 2);
    assert!(
        alliance.regions.contains(&region(support::HOME))
            && alliance.regions.contains(&region(support::OTHER))
    );
    assert_eq!(
        alliance.region,
        region(support::HOME),
        "the group stays with the lead's bureau"
    );

    // F-04: the other region's bureau sees the group through its member school.
    let q = GroupQuery {
        region: Some(region(support::OTHER)),
        school_id: None,
        include_dissolved: false,
        paging: Default::default(),
    };
    let seen = h.bus.bus.call::<ListGroups>(&h.actor, None, q).await?;
    assert_eq!(
        seen.items.iter().map(|g| g.id).collect::<Vec<_>>(),
        vec![alliance.id]
    );
    Ok(())
}
