//! Caps: F-09 (model defaults), F-08 (bureau scale), §8.3 (exception with a reason); who may
//! join: F-03 (same stage), F-01 (lead never a member), §8.5 (one group per school).

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn f09_alliance_group_admits_five_and_refuses_the_sixth() -> TestResult {
    let h = Harness::start().await?;
    let (group, _lead) = h.group(GroupModel::Alliance, Stage::Junior).await?;
    assert_eq!(group.effective_cap, 5);
    let schools = h.schools(Stage::Junior, 6).await?;
    for s in &schools[..5] {
        h.admit(&group, s).await?;
    }
    let p = refused(
        h.admit(&group, &schools[5]).await,
        ErrorCode::GroupCapExceeded,
    );
    assert_eq!(p.rule.as_deref(), Some("F-09"));
    assert_eq!(p.details["cap"], 5);
    assert_eq!(p.details["active_members"], 5);
    assert_eq!(p.details["model"], "alliance");
    let group = h.reload(&group).await?;
    assert_eq!(group.active_members, 5, "§8.1: the lead is not counted");
    assert_eq!(
        group.active_school_ids.len(),
        6,
        "the lead and five members"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn f09_tight_group_refuses_its_fourth_member() -> TestResult {
    let h = Harness::start().await?;
    let (group, _lead) = h.group(GroupModel::Tight, Stage::Primary).await?;
    assert_eq!(group.effective_cap, 3);
    let schools = h.schools(Stage::Primary, 4).await?;
    for s in &schools[..3] {
        h.admit(&group, s).await?;
    }
    let p = refused(
        h.admit(&group, &schools[3]).await,
        ErrorCode::GroupCapExceeded,
    );
    assert_eq!(p.rule.as_deref(), Some("F-09"));
    assert_eq!(p.details["cap"], 3);
    assert_eq!(h.reload(&group).await?.active_members, 3);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn f08_bureau_scale_cap_binds_and_exceptions_need_a_reason() -> TestResult {
    let h = Harness::start().await?;

    // F-08: the bureau's scale decision lowers the cap to 2; the refusal names F-08.
    let lead = h.school(Stage::Junior, support::HOME).await?;
    let group = h
        .create_group(NewGroup {
            scale_cap: Some(2),
            ..h.new_group(GroupModel::Alliance, &lead)
        })
        .await?;
    assert_eq!((group.scale_cap, group.effective_cap), (Some(2), 2));
    let schools = h.schools(Stage::Junior, 3).await?;
    h.admit(&group, &schools[0]).await?;
    h.admit(&group, &schools[1]).await?;
    let p = refused(
        h.admit(&group, &schools[2]).await,
        ErrorCode::GroupCapExceeded,
    );
    assert_eq!(p.rule.as_deref(), Some("F-08"));
    assert_eq!(p.details["cap"], 2);
    assert_eq!(p.details["scale_cap"], 2);

    // §8.3: a scale above the model's cap (5) without a reason is refused ...
    let lead = h.school(Stage::Junior, support::HOME).await?;
    let no_reason = h
        .create_group(NewGroup {
            scale_cap: Some(7),
            ..h.new_group(GroupModel::Alliance, &lead)
        })
        .await;
    let p = refused(no_reason, ErrorCode::CapExceptionReasonRequired);
    assert_eq!(p.details["scale_cap"], 7);
    assert_eq!(p.details["model_cap"], 5);
    // ... and a blank reason counts as none.
    let blank = h
        .create_group(NewGroup {
            scale_cap: Some(7),
            cap_exception_reason: Some("   ".into()),
            ..h.new_group(GroupModel::Alliance, &lead)
        })
        .await;
    refused(blank, ErrorCode::CapExceptionReasonRequired);

    // ... and with a recorded reason the group may grow past 5.
    let group = h
        .create_group(NewGroup {
            scale_cap: Some(7),
            cap_exception_reason: Some("新建城区学校集中,教育局特批".into()),
            ..h.new_group(GroupModel::Alliance, &lead)
        })
        .await?;
    assert_eq!(group.effective_cap, 7);
    assert_eq!(
        group.cap_exception_reason.as_deref(),
        Some("新建城区学校集中,教育局特批")
    );
    let schools = h.schools(Stage::Junior, 6).await?;
    for s in &schools {
        h.admit(&group, s).await?;
    }
    assert_eq!(
        h.reload(&group).await?.active_members,
        6,
        "a 6th member beyond the F-09 default"
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Who may join: F-03 (same stage), F-01 (lead never a member), §8.5 (one group per school)
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn f03_junior_group_refuses_a_primary_school() -> TestResult {
    let h = Harness::start().await?;
    let (group, _lead) = h.group(GroupModel::Alliance, Stage::Junior).await?;
    let primary = h.school(Stage::Primary, support::HOME).await?;
    let p = refused(h.admit(&group, &primary).await, ErrorCode::StageMismatch);
    assert_eq!(p.rule.as_deref(), Some("F-03"));
    assert_eq!(p.details["lead_stage"], "junior");
    assert_eq!(p.details["school_stage"], "primary");
    assert_eq!(h.reload(&group).await?.active_members, 0);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s85_f01_one_group_per_school_and_leads_are_never_members() -> TestResult {
    let h = Harness::start().await?;
    let (a, lead_a) = h.group(GroupModel::Alliance, Stage::Junior).await?;
    let (b, lead_b) = h.group(GroupModel::Alliance, Stage::Junior).await?;
    let school = h.school(Stage::Junior, support::HOME).await?;
    h.admit(&a, &school).await?;

    // §8.5: already a member of A.
    refused(h.admit(&b, &school).await, ErrorCode::SchoolAlreadyInGroup);
    // ... and admitting it to A again is refused too (no second active row).
    refused(h.admit(&a, &school).await, ErrorCode::SchoolAlreadyInGroup);
    // F-01: the lead of another group.
    let p = refused(h.admit(&a, &lead_b).await, ErrorCode::LeadCannotBeMember);
    assert_eq!(p.rule.as_deref(), Some("F-01"));
    // F-01: the group's own lead.
    refused(h.admit(&a, &lead_a).await, ErrorCode::LeadCannotBeMember);
    // A school already in a group cannot lead a new one either.
    refused(
        h.create_group(h.new_group(GroupModel::Alliance, &school))
            .await,
        ErrorCode::SchoolAlreadyInGroup,
    );

    assert_eq!(h.reload(&a).await?.active_members, 1);
    assert_eq!(h.reload(&b).await?.active_members, 0);
    Ok(())
}
