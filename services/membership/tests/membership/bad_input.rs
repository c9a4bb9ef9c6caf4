//! Bad input: refused with a stable code, judged afresh on retry; the region's policy
//! version sets caps and mixed stages (F-09, §8.2).

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_refused_with_a_stable_code() -> TestResult {
    let h = Harness::start().await?;
    let new_school = |name: &str| NewSchool {
        name: name.to_owned(),
        stage: Stage::Junior,
        region: region(support::HOME),
        principal_name: "王建国".into(),
        legal_person: "太康县教育体育局".into(),
    };
    let create = |body: NewSchool| h.bus.bus.call::<CreateSchool>(&h.actor, None, body);

    let p = refused(create(new_school("")).await, ErrorCode::ValidationFailed);
    assert_eq!(p.details["field"], "name");
    refused(create(new_school("   ")).await, ErrorCode::ValidationFailed);
    refused(
        create(new_school(&"校".repeat(101))).await,
        ErrorCode::ValidationFailed,
    );
    // 100 characters (300 bytes) is fine: the bound counts characters.
    create(new_school(&"校".repeat(100))).await?;
    refused(
        create(new_school("太康\0一中")).await,
        ErrorCode::ValidationFailed,
    );
    refused(
        create(NewSchool {
            principal_name: String::new(),
            ..new_school("无校长学校")
        })
        .await,
        ErrorCode::ValidationFailed,
    );

    // Unique per region; the same name elsewhere is another school.
    create(new_school("太康县第一初级中学")).await?;
    let p = refused(
        create(new_school("  太康县第一初级中学 ")).await,
        ErrorCode::SchoolNameTaken,
    );
    assert_eq!(p.details["name"], "太康县第一初级中学");
    create(NewSchool {
        region: region(support::OTHER),
        ..new_school("太康县第一初级中学")
    })
    .await?;

    // Unknown ids.
    let school = h.school(Stage::Junior, support::HOME).await?;
    let unknown_group = GroupId::new();
    refused(
        h.bus
            .bus
            .call::<GetGroup>(
                &h.actor,
                None,
                GroupRef {
                    group_id: unknown_group,
                },
            )
            .await,
        ErrorCode::NotFound,
    );
    let admission = Admission {
        group_id: unknown_group,
        school_id: school.id,
    };
    refused(
        h.bus
            .bus
            .call::<AdmitMember>(&h.actor, None, admission)
            .await,
        ErrorCode::NotFound,
    );
    let exit = MemberExit {
        group_id: unknown_group,
        school_id: school.id,
        reason: ExitReason::Voluntary,
        note: None,
    };
    refused(
        h.bus.bus.call::<ExitMember>(&h.actor, None, exit).await,
        ErrorCode::NotFound,
    );
    let (group, _) = h.group(GroupModel::Alliance, Stage::Junior).await?;
    let admission = Admission {
        group_id: group.id,
        school_id: SchoolId::new(),
    };
    refused(
        h.bus
            .bus
            .call::<AdmitMember>(&h.actor, None, admission)
            .await,
        ErrorCode::NotFound,
    );
    let no_lead = NewGroup {
        lead_school_id: SchoolId::new(),
        ..h.new_group(GroupModel::Alliance, &school)
    };
    refused(h.create_group(no_lead).await, ErrorCode::NotFound);
    refused(
        h.create_group(NewGroup {
            scale_cap: Some(0),
            ..h.new_group(GroupModel::Alliance, &school)
        })
        .await,
        ErrorCode::ValidationFailed,
    );

    // Paging is bounded: 1..=200.
    for limit in [0, 201] {
        let q = edu_contracts::membership::SchoolQuery {
            region: None,
            ids: vec![],
            paging: edu_contracts::membership::Paging { limit, offset: 0 },
        };
        let p = refused(
            h.bus
                .bus
                .call::<edu_contracts::membership::ListSchools>(&h.actor, None, q)
                .await,
            ErrorCode::ValidationFailed,
        );
        assert_eq!(p.details["field"], "limit");
    }

    // An undecodable request body (unknown field in a deny_unknown_fields body).
    let raw = serde_json::json!({
        "actor": h.actor,
        "body": { "name": "x", "stage": "junior", "region": "411627", "principal_name": "p", "legal_person": "l", "extra": 1 }
    });
    let subject = h
        .bus
        .bus
        .config()
        .request_subject(ServiceName::Membership, "school.create");
    let reply = h
        .bus
        .bus
        .client()
        .request(subject, serde_json::to_vec(&raw)?.into())
        .await?;
    let reply: serde_json::Value = serde_json::from_slice(&reply.payload)?;
    assert_eq!(reply["error"]["code"], "validation_failed", "{reply}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idempotent_refusals_are_judged_afresh_and_creates_replay() -> TestResult {
    let h = Harness::start().await?;

    // A keyed group.create and school.create replay their first result (no second row,
    // no SchoolNameTaken, no second group.established).
    let lead = h.school(Stage::Junior, support::HOME).await?;
    let key = Some(uuid::Uuid::now_v7().to_string());
    let body = h.new_group(GroupModel::Tight, &lead);
    let first = h
        .bus
        .bus
        .call::<CreateGroup>(&h.actor, key.clone(), body.clone())
        .await?;
    let again = h
        .bus
        .bus
        .call::<CreateGroup>(&h.actor, key.clone(), body)
        .await?;
    assert_eq!(first.id, again.id);
    let school_body = NewSchool {
        name: "太康县城关镇第一初级中学".into(),
        stage: Stage::Junior,
        region: region(support::HOME),
        principal_name: "李明".into(),
        legal_person: "太康县城关镇第一初级中学".into(),
    };
    let school_key = Some(uuid::Uuid::now_v7().to_string());
    let a = h
        .bus
        .bus
        .call::<CreateSchool>(&h.actor, school_key.clone(), school_body.clone())
        .await?;
    let b = h
        .bus
        .bus
        .call::<CreateSchool>(&h.actor, school_key, school_body.clone())
        .await?;
    assert_eq!(a.id, b.id);
    refused(
        h.bus
            .bus
            .call::<CreateSchool>(&h.actor, None, school_body)
            .await,
        ErrorCode::SchoolNameTaken,
    );

    // A refusal stores nothing under its key: once the group has room, the same retry succeeds.
    let group = first;
    let schools = h.schools(Stage::Junior, 3).await?;
    for s in &schools {
        h.admit(&group, s).await?;
    }
    let admit_key = Some(uuid::Uuid::now_v7().to_string());
    let admission = Admission {
        group_id: group.id,
        school_id: a.id,
    };
    let full = h
        .bus
        .bus
        .call::<AdmitMember>(&h.actor, admit_key.clone(), admission.clone())
        .await;
    refused(full, ErrorCode::GroupCapExceeded);
    h.exit(&group, &schools[0], ExitReason::Voluntary).await?;
    let admitted = h
        .bus
        .bus
        .call::<AdmitMember>(&h.actor, admit_key.clone(), admission.clone())
        .await?;
    assert_eq!(admitted.school_id, a.id);

    // The key belongs to who sent it: another actor with the same key and body is refused.
    let other_actor = edu_contracts::Actor {
        sub: "test:someone-else".into(),
        ..h.actor.clone()
    };
    let stolen = h
        .bus
        .bus
        .call::<AdmitMember>(&other_actor, admit_key, admission)
        .await;
    refused(stolen, ErrorCode::IdempotencyKeyReused);

    let events = h.settled_events(5).await?;
    assert_eq!(count_type(&events, "group.established"), 1);
    assert_eq!(count_type(&events, "member.admitted"), 4);
    assert_eq!(count_type(&events, "member.exited"), 1);
    Ok(())
}

/// Policy as data (§8.2, §8.3, F-09 "原则上"): a region's newer policy version changes the
/// caps and lets trusteeship groups mix stages; decisions record the version.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn f09_s82_region_policy_version_sets_caps_and_mixed_stages() -> TestResult {
    use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};

    let h = Harness::start().await?;
    let mut conn = AsyncPgConnection::establish(&h.db.url()).await?;
    conn.batch_execute(&format!(
        "INSERT INTO membership.region_policies (region, version, body, effective_from) VALUES \
         ('{home}', 2, '{{\"cap_alliance\": 2, \"trusteeship_mixed_stages\": true}}', current_date - 1), \
         ('{home}', 3, '{{\"cap_alliance\": 1}}', current_date + 30)",
        home = support::HOME
    ))
    .await?;

    // Version 2 is in force (version 3 is not yet effective).
    let (alliance, _) = h.group(GroupModel::Alliance, Stage::Junior).await?;
    assert_eq!((alliance.effective_cap, alliance.policy_version), (2, 2));
    let schools = h.schools(Stage::Junior, 3).await?;
    let m = h.admit(&alliance, &schools[0]).await?;
    assert_eq!(m.policy_version, 2);
    h.admit(&alliance, &schools[1]).await?;
    let p = refused(
        h.admit(&alliance, &schools[2]).await,
        ErrorCode::GroupCapExceeded,
    );
    assert_eq!(p.rule.as_deref(), Some("F-09"));
    assert_eq!(p.details["cap"], 2);
    assert_eq!(p.details["policy_version"], 2);
    // The member list's group view reads the same version in force (cap 2, not 1).
    let listed = h.members(&alliance, false).await?.group;
    assert_eq!((listed.effective_cap, listed.active_members), (2, 2));
    assert_eq!(listed, h.reload(&alliance).await?);

    // §8.2: under version 2 a trusteeship group may mix stages; alliance groups may not.
    let (trusteeship, _) = h.group(GroupModel::Trusteeship, Stage::Junior).await?;
    assert_eq!(
        trusteeship.effective_cap, 5,
        "unchanged fields keep the documents' defaults"
    );
    h.admit(
        &trusteeship,
        &h.school(Stage::Primary, support::HOME).await?,
    )
    .await?;
    let primary = h.school(Stage::Primary, support::HOME).await?;
    refused(h.admit(&alliance, &primary).await, ErrorCode::StageMismatch);

    // Another region still has the built-in defaults (version 0): F-03 applies to trusteeship.
    let far_lead = h.school(Stage::Junior, support::OTHER).await?;
    let far = h
        .create_group(h.new_group(GroupModel::Trusteeship, &far_lead))
        .await?;
    assert_eq!((far.effective_cap, far.policy_version), (5, 0));
    let far_primary = h.school(Stage::Primary, support::OTHER).await?;
    let p = refused(h.admit(&far, &far_primary).await, ErrorCode::StageMismatch);
    assert_eq!(p.rule.as_deref(), Some("F-03"));

    // The audit record of every write names who, when, what and the policy
    // version its decision consulted; an exit consults no policy rule.
    let started = chrono::Utc::now() - chrono::Duration::minutes(5);
    h.exit(&alliance, &schools[0], ExitReason::Voluntary)
        .await?;
    let events = h.settled_events(7).await?;
    let audit: Vec<(&str, Option<GroupId>, Option<i32>)> = events
        .iter()
        .map(|e| (e.event_type.as_str(), e.group_id, e.policy_version))
        .collect();
    assert_eq!(
        audit,
        [
            ("group.established", Some(alliance.id), Some(2)),
            ("member.admitted", Some(alliance.id), Some(2)),
            ("member.admitted", Some(alliance.id), Some(2)),
            ("group.established", Some(trusteeship.id), Some(2)),
            ("member.admitted", Some(trusteeship.id), Some(2)),
            ("group.established", Some(far.id), Some(0)),
            ("member.exited", Some(alliance.id), None),
        ]
    );
    for e in &events {
        assert_eq!(e.actor, support::bureau(), "who: {}", e.event_type);
        assert!(
            e.occurred_at > started && e.occurred_at <= chrono::Utc::now(),
            "when: {}",
            e.event_type
        );
        assert!(e.payload.is_object(), "what: {}", e.event_type);
    }
    Ok(())
}
