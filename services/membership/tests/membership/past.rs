//! Groups that already exist: their past loaded with real dates, by the live rules; exit and
//! dissolution keep history, the lead cannot exit (F-01).

use super::*;

fn day(y: i32, m: u32, d: u32) -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

fn stay(
    school: &edu_contracts::membership::School,
    joined: chrono::NaiveDate,
    left: Option<(chrono::NaiveDate, ExitReason)>,
) -> PastMembership {
    PastMembership {
        school_id: school.id,
        joined_on: joined,
        left_on: left.map(|(d, _)| d),
        exit_reason: left.map(|(_, r)| r),
        note: None,
    }
}

fn history(lead: &edu_contracts::membership::School, members: Vec<PastMembership>) -> GroupHistory {
    GroupHistory {
        name: format!("{}教育集团", lead.name),
        model: GroupModel::Tight,
        lead_school_id: lead.id,
        plaque_date: day(2022, 6, 30),
        formed_on: Some(day(2022, 6, 20)),
        scale_cap: None,
        cap_exception_reason: None,
        members,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn f09_s85_a_groups_past_is_loaded_with_its_real_dates_by_the_live_rules() -> TestResult {
    let h = Harness::start().await?;
    let lead = h.school(Stage::Primary, support::HOME).await?;
    let s = h.schools(Stage::Primary, 5).await?;
    let import = |body: GroupHistory| h.bus.bus.call::<ImportGroup>(&h.actor, None, body);

    // F-09 on a past day: a tight group had three campuses on 2023-09-01; a fourth that day
    // is refused, naming the entry and the date, and nothing is loaded.
    let full = vec![
        stay(&s[0], day(2022, 9, 1), None),
        stay(&s[1], day(2022, 9, 1), None),
        stay(&s[2], day(2023, 3, 1), None),
        stay(&s[3], day(2023, 9, 1), None),
    ];
    let p = refused(
        import(history(&lead, full)).await,
        ErrorCode::GroupCapExceeded,
    );
    assert_eq!(p.details["history"]["row"], 3);
    assert_eq!(p.details["history"]["date"], "2023-09-01");
    assert!(
        p.message_zh.starts_with("第 4 条成员记录"),
        "{}",
        p.message_zh
    );
    assert!(
        h.members_of_school(&lead).await?.is_empty(),
        "nothing was loaded"
    );

    // A campus that left on 2023-09-01 frees its place that very day.
    let list = import(history(
        &lead,
        vec![
            stay(&s[0], day(2022, 9, 1), None),
            stay(
                &s[1],
                day(2022, 9, 1),
                Some((day(2023, 9, 1), ExitReason::Voluntary)),
            ),
            stay(&s[2], day(2023, 3, 1), None),
            stay(&s[3], day(2023, 9, 1), None),
        ],
    ))
    .await?;
    assert_eq!(list.group.plaque_date, day(2022, 6, 30));
    assert_eq!(list.group.created_at.date_naive(), day(2022, 6, 20));
    assert_eq!(list.group.active_members, 3);
    let joined: Vec<_> = list
        .members
        .iter()
        .map(|m| {
            (
                m.school_id,
                m.joined_at.date_naive(),
                m.left_at.map(|l| l.date_naive()),
            )
        })
        .collect();
    assert!(joined.contains(&(s[1].id, day(2022, 9, 1), Some(day(2023, 9, 1)))));
    assert!(joined.contains(&(s[3].id, day(2023, 9, 1), None)));
    assert!(
        list.members
            .iter()
            .filter(|m| m.role == MemberRole::Member)
            .all(|m| {
                !m.legal_person_retained
                    && !m.independent_leadership
                    && m.plaque_text.ends_with("校区")
            })
    );

    // The events carry the real days, in the order they happened.
    let events = h.settled_events(6).await?;
    let days: Vec<(String, Option<serde_json::Value>)> = events
        .iter()
        .filter(|e| e.event_type.starts_with("member."))
        .map(|e| {
            let d = e
                .payload
                .get("joined_on")
                .or(e.payload.get("left_on"))
                .cloned();
            (e.event_type.clone(), d)
        })
        .collect();
    assert_eq!(
        days,
        vec![
            (
                "member.admitted".into(),
                Some(serde_json::json!("2022-09-01"))
            ),
            (
                "member.admitted".into(),
                Some(serde_json::json!("2022-09-01"))
            ),
            (
                "member.admitted".into(),
                Some(serde_json::json!("2023-03-01"))
            ),
            (
                "member.exited".into(),
                Some(serde_json::json!("2023-09-01"))
            ),
            (
                "member.admitted".into(),
                Some(serde_json::json!("2023-09-01"))
            ),
        ]
    );

    // §8.5 over time: s[4] was in another group until 2024-01-01; it cannot have joined a
    // second one in 2023, but can from 2024-01-01.
    let other_lead = h.school(Stage::Primary, support::HOME).await?;
    import(history(
        &other_lead,
        vec![stay(
            &s[4],
            day(2022, 9, 1),
            Some((day(2024, 1, 1), ExitReason::Voluntary)),
        )],
    ))
    .await?;
    let third_lead = h.school(Stage::Primary, support::HOME).await?;
    let p = refused(
        import(history(
            &third_lead,
            vec![stay(&s[4], day(2023, 9, 1), None)],
        ))
        .await,
        ErrorCode::SchoolAlreadyInGroup,
    );
    assert_eq!(p.details["history"]["row"], 0);
    import(history(
        &third_lead,
        vec![stay(&s[4], day(2024, 1, 1), None)],
    ))
    .await?;

    // Dates out of order are refused as bad input.
    let fourth_lead = h.school(Stage::Primary, support::HOME).await?;
    let mut early = history(&fourth_lead, vec![stay(&s[0], day(2022, 1, 1), None)]);
    early.members[0].school_id = h.school(Stage::Primary, support::HOME).await?.id;
    let p = refused(import(early).await, ErrorCode::ValidationFailed);
    assert_eq!(p.details["field"], "joined_on");
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Exit and dissolution: history kept, the lead cannot exit (F-01)
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn x01_exit_keeps_history_and_frees_the_place() -> TestResult {
    let h = Harness::start().await?;
    let (group, lead) = h.group(GroupModel::Tight, Stage::Junior).await?;
    let schools = h.schools(Stage::Junior, 4).await?;
    for s in &schools[..3] {
        h.admit(&group, s).await?;
    }
    refused(
        h.admit(&group, &schools[3]).await,
        ErrorCode::GroupCapExceeded,
    );

    let leaver = &schools[0];
    let exited = h.exit(&group, leaver, ExitReason::PersuadedOut).await?;
    assert!(exited.left_at.is_some());
    assert_eq!(exited.exit_reason, Some(ExitReason::PersuadedOut));
    assert_eq!(exited.exit_note.as_deref(), Some("测试退出"));
    assert_eq!(exited.school_name, leaver.name);

    // The current list no longer has it; the history does, with when and why.
    let current = h.members(&group, false).await?;
    assert!(current.members.iter().all(|m| m.school_id != leaver.id));
    assert_eq!(current.members.len(), 3, "the lead and two members");
    assert_eq!(current.group.active_members, 2);
    let history = h.members(&group, true).await?;
    assert_eq!(history.members.len(), 4);
    // The list's group view (one statement) is the group's own view, history or not.
    let own = h.reload(&group).await?;
    assert_eq!(current.group, own);
    assert_eq!(history.group, own);
    let past = history
        .members
        .iter()
        .find(|m| m.school_id == leaver.id)
        .expect("exited member in history");
    assert!(past.left_at.is_some());
    assert_eq!(past.exit_reason, Some(ExitReason::PersuadedOut));
    assert_eq!(past.id, exited.id);

    // F-01: the lead cannot exit; a non-member cannot exit; nor can the leaver twice.
    let p = refused(
        h.exit(&group, &lead, ExitReason::Voluntary).await,
        ErrorCode::LeadCannotExit,
    );
    assert_eq!(p.rule.as_deref(), Some("F-01"));
    refused(
        h.exit(&group, &schools[3], ExitReason::Voluntary).await,
        ErrorCode::NotAMember,
    );
    refused(
        h.exit(&group, leaver, ExitReason::Voluntary).await,
        ErrorCode::NotAMember,
    );

    // The freed place can be used ...
    h.admit(&group, &schools[3]).await?;
    assert_eq!(h.reload(&group).await?.active_members, 3);
    // ... and the exited school can join another group.
    let (other, _) = h.group(GroupModel::Alliance, Stage::Junior).await?;
    let rejoined = h.admit(&other, leaver).await?;
    assert_ne!(
        rejoined.id, exited.id,
        "a new membership record, the old one stays history"
    );
    // It is not a member of its old group any more: exiting there is refused.
    refused(
        h.exit(&group, leaver, ExitReason::Voluntary).await,
        ErrorCode::NotAMember,
    );
    // Now in the other group, it cannot come back to the first one even when there is room.
    h.exit(&group, &schools[1], ExitReason::Voluntary).await?;
    refused(
        h.admit(&group, leaver).await,
        ErrorCode::SchoolAlreadyInGroup,
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn x02_dissolution_ends_every_membership_and_freezes_the_group() -> TestResult {
    let h = Harness::start().await?;
    let (group, lead) = h.group(GroupModel::Alliance, Stage::Junior).await?;
    let schools = h.schools(Stage::Junior, 3).await?;
    h.admit(&group, &schools[0]).await?;
    h.admit(&group, &schools[1]).await?;

    let dissolved = h
        .bus
        .bus
        .call::<DissolveGroup>(
            &h.actor,
            None,
            Dissolution {
                group_id: group.id,
                reason: "年度考核不合格".into(),
                override_reason: Some("no evaluation yet (test)".into()),
            },
        )
        .await?;
    assert_eq!(dissolved.status, GroupStatus::Dissolved);
    assert!(dissolved.dissolved_at.is_some());
    assert_eq!(
        dissolved.dissolution_reason.as_deref(),
        Some("年度考核不合格")
    );
    assert_eq!(dissolved.active_members, 0);
    assert!(dissolved.active_school_ids.is_empty());

    let history = h.members(&group, true).await?;
    assert_eq!(
        history.members.len(),
        3,
        "the lead and both members, kept as history"
    );
    for m in &history.members {
        assert!(m.left_at.is_some(), "{m:?}");
        assert_eq!(m.exit_reason, Some(ExitReason::Dissolution));
    }
    let current = h.members(&group, false).await?;
    assert!(current.members.is_empty());
    assert_eq!(current.group, h.reload(&group).await?);
    assert_eq!(current.group.status, GroupStatus::Dissolved);
    assert_eq!(history.group, current.group);

    // a dissolved group accepts no change.
    let p = refused(
        h.admit(&group, &schools[2]).await,
        ErrorCode::GroupDissolved,
    );
    assert_eq!(p.rule.as_deref(), Some("X-02"));
    refused(
        h.exit(&group, &schools[0], ExitReason::Voluntary).await,
        ErrorCode::GroupDissolved,
    );
    refused(
        h.exit(&group, &lead, ExitReason::Voluntary).await,
        ErrorCode::GroupDissolved,
    );
    let again = h
        .bus
        .bus
        .call::<DissolveGroup>(
            &h.actor,
            None,
            Dissolution {
                group_id: group.id,
                reason: "再次撤销".into(),
                override_reason: Some("no evaluation yet (test)".into()),
            },
        )
        .await;
    refused(again, ErrorCode::GroupDissolved);

    // Its former schools are free again: the lead may lead a new group, members may join it.
    let fresh = h
        .create_group(h.new_group(GroupModel::Alliance, &lead))
        .await?;
    h.admit(&fresh, &schools[0]).await?;
    // Dissolved groups are hidden from lists unless asked for.
    let q = |include_dissolved| GroupQuery {
        region: None,
        school_id: None,
        include_dissolved,
        paging: Default::default(),
    };
    let active = h
        .bus
        .bus
        .call::<ListGroups>(&h.actor, None, q(false))
        .await?;
    assert_eq!(
        active.items.iter().map(|g| g.id).collect::<Vec<_>>(),
        vec![fresh.id]
    );
    assert_eq!(
        h.bus
            .bus
            .call::<ListGroups>(&h.actor, None, q(true))
            .await?
            .total,
        2
    );
    Ok(())
}
