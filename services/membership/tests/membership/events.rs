//! Events: one per change, on the right subject, through the outbox relay; discovery and
//! health (the NATS micro-service protocol).

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_are_published_once_each_on_their_subjects() -> TestResult {
    let h = Harness::start().await?;
    let (group, lead) = h.group(GroupModel::Alliance, Stage::Junior).await?;
    let school = h.school(Stage::Junior, support::HOME).await?;
    let membership = h.admit(&group, &school).await?;
    h.exit(&group, &school, ExitReason::Voluntary).await?;
    h.bus
        .bus
        .call::<DissolveGroup>(
            &h.actor,
            None,
            Dissolution {
                group_id: group.id,
                reason: "合并重组".into(),
                override_reason: Some("no evaluation yet (test)".into()),
            },
        )
        .await?;

    h.settled_events(4).await?;
    let raw = h.raw_events().await?;
    let prefix = &h.bus.bus.config().prefix;
    let types: Vec<&str> = raw.iter().map(|(_, _, e)| e.event_type.as_str()).collect();
    // In commit order, each once.
    assert_eq!(
        types,
        [
            "group.established",
            "member.admitted",
            "member.exited",
            "group.dissolved"
        ]
    );
    let mut ids = HashSet::new();
    for (subject, msg_id, e) in &raw {
        assert_eq!(
            subject,
            &format!("{prefix}.events.membership.{}", e.event_type)
        );
        assert_eq!(
            msg_id.as_deref(),
            Some(e.id.to_string().as_str()),
            "Nats-Msg-Id is the event id"
        );
        assert!(ids.insert(e.id));
        assert_eq!(e.version, 1);
        assert_eq!(e.actor, h.actor, "the audit trail names who asked");
        assert_eq!(e.group_id, Some(group.id));
    }
    let envelope = |t: &str| {
        raw.iter()
            .map(|(_, _, e)| e)
            .find(|e| e.event_type == t)
            .expect(t)
            .clone()
    };

    let e = envelope("group.established");
    assert_eq!(e.school_id, Some(lead.id));
    let p: GroupEstablished = serde_json::from_value(e.payload)?;
    assert_eq!(
        (p.group_id, p.lead_school_id, p.model, p.effective_cap),
        (group.id, lead.id, GroupModel::Alliance, 5)
    );

    let e = envelope("member.admitted");
    assert_eq!(e.school_id, Some(school.id));
    let p: MemberAdmitted = serde_json::from_value(e.payload)?;
    assert_eq!(
        (p.group_id, p.school_id, p.membership_id),
        (group.id, school.id, membership.id)
    );
    assert!(p.legal_person_retained && p.plaque_text.ends_with("成员学校"));

    let e = envelope("member.exited");
    assert_eq!(e.school_id, Some(school.id));
    let p: MemberExited = serde_json::from_value(e.payload)?;
    assert_eq!(
        (p.school_id, p.membership_id, p.reason),
        (school.id, membership.id, ExitReason::Voluntary)
    );

    let e = envelope("group.dissolved");
    assert_eq!(e.school_id, None);
    let p: GroupDissolved = serde_json::from_value(e.payload)?;
    assert_eq!(p.reason, "合并重组");
    assert_eq!(
        p.school_ids,
        vec![lead.id],
        "the member had already left; only the lead's membership ended"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_publish_no_events() -> TestResult {
    let h = Harness::start().await?;
    let (group, lead) = h.group(GroupModel::Tight, Stage::Junior).await?;
    for s in h.schools(Stage::Junior, 3).await? {
        h.admit(&group, &s).await?;
    }
    let extra = h.school(Stage::Junior, support::HOME).await?;
    refused(h.admit(&group, &extra).await, ErrorCode::GroupCapExceeded);
    refused(h.admit(&group, &lead).await, ErrorCode::LeadCannotBeMember);
    refused(
        h.exit(&group, &extra, ExitReason::Voluntary).await,
        ErrorCode::NotAMember,
    );
    let events = h.settled_events(4).await?;
    assert_eq!(
        events.len(),
        4,
        "group.established and three admissions only"
    );
    assert_eq!(count_type(&events, "member.admitted"), 3);
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Discovery and health (ADR-32 micro service)
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovery_ping_info_and_health() -> TestResult {
    let h = Harness::start().await?;
    let client = h.bus.bus.client();

    let reply = client
        .request("$SRV.PING.membership".to_string(), "".into())
        .await?;
    let ping: serde_json::Value = serde_json::from_slice(&reply.payload)?;
    assert_eq!(ping["name"], "membership");
    assert_eq!(ping["type"], "io.nats.micro.v1.ping_response");

    // Other tests' services answer too (one nats-server); find ours by its endpoints.
    let inbox = client.new_inbox();
    let mut replies = client.subscribe(inbox.clone()).await?;
    client
        .publish_with_reply("$SRV.INFO.membership".to_string(), inbox, "".into())
        .await?;
    client.flush().await?;
    let ours = format!("{}.membership.v1.", h.bus.bus.config().prefix);
    let mut found = None;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(3);
    while let Ok(Some(message)) =
        tokio::time::timeout_at(deadline, futures::StreamExt::next(&mut replies)).await
    {
        let info: serde_json::Value = serde_json::from_slice(&message.payload)?;
        let endpoints = info["endpoints"].as_array().cloned().unwrap_or_default();
        if endpoints
            .iter()
            .any(|e| e["subject"].as_str().is_some_and(|s| s.starts_with(&ours)))
        {
            found = Some(info);
            break;
        }
    }
    let info = found.expect("our membership instance answers $SRV.INFO");
    assert_eq!(info["name"], "membership");
    let subjects: HashSet<String> = info["endpoints"]
        .as_array()
        .expect("endpoints")
        .iter()
        .filter_map(|e| e["subject"].as_str().map(str::to_owned))
        .collect();
    for op in [
        "health",
        "school.create",
        "group.create",
        "member.admit",
        "member.exit",
        "group.dissolve",
    ] {
        assert!(
            subjects.contains(&format!("{ours}{op}")),
            "{op} missing from {subjects:?}"
        );
    }

    let health = h.bus.bus.health(ServiceName::Membership).await?;
    assert_eq!(health.service, "membership");
    assert!(health.database);
    Ok(())
}
