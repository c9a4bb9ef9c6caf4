//! Races: the cap and one-group-per-school hold under concurrency (F-09, §8.5); idempotency
//! keys: a retry returns the first result, never a second row or event.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn race_f09_fifty_schools_compete_for_the_last_place() -> TestResult {
    let h = Harness::start().await?;
    let (group, _lead) = h.group(GroupModel::Alliance, Stage::Junior).await?;
    for s in h.schools(Stage::Junior, 4).await? {
        h.admit(&group, &s).await?;
    }
    let contenders = h.schools(Stage::Junior, 50).await?;

    let calls = contenders.iter().map(|s| {
        let bus = h.bus.bus.clone();
        let actor = h.actor.clone();
        let body = Admission {
            group_id: group.id,
            school_id: s.id,
        };
        tokio::spawn(async move { bus.call::<AdmitMember>(&actor, None, body).await })
    });
    let results: Vec<Result<Membership, Problem>> = join_all(calls)
        .await
        .into_iter()
        .map(|r| r.expect("task"))
        .collect();

    let admitted: Vec<&Membership> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
    assert_eq!(
        admitted.len(),
        1,
        "exactly one admission: {:?}",
        results.iter().map(code).collect::<Vec<_>>()
    );
    let refusals: Vec<ErrorCode> = results
        .iter()
        .filter_map(|r| r.as_ref().err().map(|p| p.code))
        .collect();
    assert_eq!(refusals.len(), 49);
    assert!(
        refusals.iter().all(|c| *c == ErrorCode::GroupCapExceeded),
        "{refusals:?}"
    );

    let group = h.reload(&group).await?;
    assert_eq!(group.active_members, group.effective_cap);
    assert_eq!(group.active_members, 5);
    let members = h.members(&group, true).await?;
    assert_eq!(
        members
            .members
            .iter()
            .filter(|m| m.role == MemberRole::Member)
            .count(),
        5
    );
    assert!(members.members.iter().any(|m| m.id == admitted[0].id));
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn race_s85_one_school_into_ten_groups_at_once() -> TestResult {
    let h = Harness::start().await?;
    let mut groups = Vec::new();
    for _ in 0..10 {
        groups.push(h.group(GroupModel::Alliance, Stage::Junior).await?.0);
    }
    let school = h.school(Stage::Junior, support::HOME).await?;

    let calls = groups.iter().map(|g| {
        let bus = h.bus.bus.clone();
        let actor = h.actor.clone();
        let body = Admission {
            group_id: g.id,
            school_id: school.id,
        };
        tokio::spawn(async move { bus.call::<AdmitMember>(&actor, None, body).await })
    });
    let results: Vec<Result<Membership, Problem>> = join_all(calls)
        .await
        .into_iter()
        .map(|r| r.expect("task"))
        .collect();

    let admitted: Vec<&Membership> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
    assert_eq!(
        admitted.len(),
        1,
        "exactly one admission: {:?}",
        results.iter().map(code).collect::<Vec<_>>()
    );
    let refusals: Vec<ErrorCode> = results
        .iter()
        .filter_map(|r| r.as_ref().err().map(|p| p.code))
        .collect();
    assert_eq!(refusals.len(), 9);
    assert!(
        refusals
            .iter()
            .all(|c| *c == ErrorCode::SchoolAlreadyInGroup),
        "{refusals:?}"
    );

    // The school is in exactly one group, the one that admitted it.
    let q = GroupQuery {
        region: None,
        school_id: Some(school.id),
        include_dissolved: true,
        paging: Default::default(),
    };
    let page = h.bus.bus.call::<ListGroups>(&h.actor, None, q).await?;
    assert_eq!(page.total, 1);
    assert_eq!(page.items[0].id, admitted[0].group_id);
    let mut total = 0;
    for g in &groups {
        total += h.reload(g).await?.active_members;
    }
    assert_eq!(total, 1);
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Idempotency keys: a retry returns the first result, never a second row or event
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idempotent_admission_retries_return_the_first_result() -> TestResult {
    let h = Harness::start().await?;
    let (group, _lead) = h.group(GroupModel::Alliance, Stage::Junior).await?;
    let school = h.school(Stage::Junior, support::HOME).await?;
    let other = h.school(Stage::Junior, support::HOME).await?;
    let key = Some(uuid::Uuid::now_v7().to_string());
    let body = Admission {
        group_id: group.id,
        school_id: school.id,
    };

    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(
            h.bus
                .bus
                .call::<AdmitMember>(&h.actor, key.clone(), body.clone())
                .await?
                .id,
        );
    }
    assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
    assert_eq!(h.reload(&group).await?.active_members, 1);
    assert_eq!(
        h.members(&group, true).await?.members.len(),
        2,
        "the lead and one member row"
    );

    // The same key for another request is refused.
    let reused = h
        .bus
        .bus
        .call::<AdmitMember>(
            &h.actor,
            key.clone(),
            Admission {
                group_id: group.id,
                school_id: other.id,
            },
        )
        .await;
    refused(reused, ErrorCode::IdempotencyKeyReused);
    // A malformed key is refused before anything happens.
    let bad = h
        .bus
        .bus
        .call::<AdmitMember>(&h.actor, Some("带 空格".into()), body.clone())
        .await;
    refused(bad, ErrorCode::ValidationFailed);

    // One member.admitted event only (the group.established event makes two).
    let events = h.settled_events(2).await?;
    assert_eq!(count_type(&events, "member.admitted"), 1, "{events:#?}");
    assert_eq!(count_type(&events, "group.established"), 1);
    assert_eq!(events.len(), 2);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idempotent_concurrent_retries_with_one_key_make_one_row() -> TestResult {
    let h = Harness::start().await?;
    let (group, _lead) = h.group(GroupModel::Alliance, Stage::Junior).await?;
    let school = h.school(Stage::Junior, support::HOME).await?;
    let key = uuid::Uuid::now_v7().to_string();

    let calls = (0..5).map(|_| {
        let bus = h.bus.bus.clone();
        let actor = h.actor.clone();
        let key = Some(key.clone());
        let body = Admission {
            group_id: group.id,
            school_id: school.id,
        };
        tokio::spawn(async move { bus.call::<AdmitMember>(&actor, key, body).await })
    });
    let results: Vec<Result<Membership, Problem>> = join_all(calls)
        .await
        .into_iter()
        .map(|r| r.expect("task"))
        .collect();
    let ids: HashSet<_> = results
        .iter()
        .map(|r| r.as_ref().map(|m| m.id).map_err(|p| p.code))
        .collect();
    assert_eq!(ids.len(), 1, "all Ok with one id: {results:?}");
    assert!(results.iter().all(Result::is_ok));

    let history = h.members(&group, true).await?;
    assert_eq!(
        history
            .members
            .iter()
            .filter(|m| m.school_id == school.id)
            .count(),
        1
    );
    let events = h.settled_events(2).await?;
    assert_eq!(count_type(&events, "member.admitted"), 1);
    Ok(())
}
