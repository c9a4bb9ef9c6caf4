//! The group's scale after formation (F-08), the lead's quality gate (V-07, §8.4), and the
//! evaluation's consequences taking effect.

use super::*;

fn scale(group: &edu_contracts::membership::Group, cap: Option<u8>, reason: &str) -> ScaleChange {
    ScaleChange {
        group_id: group.id,
        scale_cap: cap,
        reason: reason.into(),
    }
}

fn quality(school: SchoolId, year: i32, score: f64, improving: Option<bool>) -> NewLeadQuality {
    NewLeadQuality {
        school_id: school,
        school_year: year,
        score,
        improving,
        evidence: vec!["县教育局2025学年质量评估报告第3页".into()],
        note: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn f08_bureau_changes_the_scale_after_formation_and_keeps_its_history() -> TestResult {
    let h = Harness::start().await?;
    let (group, _) = h.group(GroupModel::Alliance, Stage::Junior).await?;
    let schools = h.schools(Stage::Junior, 4).await?;
    for s in &schools[..3] {
        h.admit(&group, s).await?;
    }
    let call = |c: ScaleChange| h.bus.bus.call::<ChangeScale>(&h.actor, None, c);

    // A reason is required.
    let p = refused(
        call(scale(&group, Some(2), "  ")).await,
        ErrorCode::ValidationFailed,
    );
    assert_eq!(p.details["field"], "reason");

    // Lowering the cap below today's three members removes nobody; it stops admissions.
    let lowered = call(scale(&group, Some(2), "龙头学校质量评估持平,规模降为2所")).await?;
    assert_eq!(
        (
            lowered.previous_scale_cap,
            lowered.scale_cap,
            lowered.effective_cap
        ),
        (None, Some(2), 2)
    );
    assert_eq!(lowered.active_members, 3);
    assert_eq!(
        lowered.policy_version, 0,
        "the decision cites the policy in force"
    );
    let reloaded = h.reload(&group).await?;
    assert_eq!((reloaded.effective_cap, reloaded.active_members), (2, 3));
    assert_eq!(h.members(&group, false).await?.members.len(), 4, "lead + 3");
    let p = refused(
        h.admit(&group, &schools[3]).await,
        ErrorCode::GroupCapExceeded,
    );
    assert_eq!(p.rule.as_deref(), Some("F-08"), "the bureau's scale binds");

    // §8.3: above the model's cap it is an exception, whose reason is the decision's.
    let raised = call(scale(&group, Some(6), "新建校区并入,经局务会研究同意")).await?;
    assert!(raised.cap_exception);
    assert_eq!(raised.effective_cap, 6);
    let reloaded = h.reload(&group).await?;
    assert_eq!(
        reloaded.cap_exception_reason.as_deref(),
        Some("新建校区并入,经局务会研究同意")
    );
    h.admit(&group, &schools[3]).await?;

    // Back to the model's cap: no exception left on the group.
    let reset = call(scale(&group, None, "恢复模式上限")).await?;
    assert_eq!((reset.scale_cap, reset.effective_cap), (None, 5));
    assert_eq!(h.reload(&group).await?.cap_exception_reason, None);

    let history = h
        .bus
        .bus
        .call::<ListScaleDecisions>(&h.actor, None, GroupRef { group_id: group.id })
        .await?;
    assert_eq!(
        history.iter().map(|d| d.scale_cap).collect::<Vec<_>>(),
        vec![Some(2), Some(6), None]
    );
    assert!(history.iter().all(|d| d.decided_by == "test:bureau"));
    let events = h.settled_events(1).await?;
    assert_eq!(count_type(&events, "group.scale_changed"), 3);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn f08_scale_decided_at_formation_opens_the_history() -> TestResult {
    let h = Harness::start().await?;
    let lead = h.school(Stage::Junior, support::HOME).await?;
    let mut body = h.new_group(GroupModel::Alliance, &lead);
    body.scale_cap = Some(3);
    let group = h.create_group(body).await?;
    let history = h
        .bus
        .bus
        .call::<ListScaleDecisions>(&h.actor, None, GroupRef { group_id: group.id })
        .await?;
    assert_eq!(history.len(), 1);
    assert_eq!(
        (history[0].scale_cap, history[0].effective_cap),
        (Some(3), 3)
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn v07_f08_no_admission_while_the_leads_quality_is_not_improving() -> TestResult {
    let h = Harness::start().await?;
    let (group, lead) = h.group(GroupModel::Alliance, Stage::Junior).await?;
    let schools = h.schools(Stage::Junior, 3).await?;
    let record = |q: NewLeadQuality| h.bus.bus.call::<RecordLeadQuality>(&h.actor, None, q);

    // Nothing recorded yet: the gate has nothing to go on and stays open.
    h.admit(&group, &schools[0]).await?;

    // The first year needs the bureau to say whether it improved.
    let p = refused(
        record(quality(lead.id, 2024, 80.0, None)).await,
        ErrorCode::ValidationFailed,
    );
    assert_eq!(p.details["field"], "improving");
    let y2024 = record(quality(lead.id, 2024, 80.0, Some(true))).await?;
    assert!(y2024.improving);
    h.admit(&group, &schools[1]).await?;

    // 2025 scores lower than 2024: derived "not improving", and admissions stop.
    let y2025 = record(quality(lead.id, 2025, 78.5, None)).await?;
    assert!(!y2025.improving);
    assert_eq!(y2025.recorded_by, "test:bureau");
    let p = refused(
        h.admit(&group, &schools[2]).await,
        ErrorCode::LeadQualityNotImproving,
    );
    assert_eq!(p.rule.as_deref(), Some("V-07"));
    assert_eq!(p.details["school_year"], 2025);
    assert_eq!(p.details["lead_school_id"], serde_json::json!(lead.id));
    assert_eq!(h.reload(&group).await?.active_members, 2, "nobody removed");

    // The bureau corrects 2025 after a re-evaluation: the later record is the one in force.
    record(quality(lead.id, 2025, 82.0, Some(true))).await?;
    h.admit(&group, &schools[2]).await?;
    let records = h
        .bus
        .bus
        .call::<ListLeadQuality>(&h.actor, None, SchoolRef { school_id: lead.id })
        .await?;
    assert_eq!(
        records
            .iter()
            .map(|r| (r.school_year, r.score, r.superseded))
            .collect::<Vec<_>>(),
        vec![(2025, 82.0, false), (2025, 78.5, true), (2024, 80.0, false)]
    );
    let events = h.settled_events(1).await?;
    let recorded: Vec<_> = events
        .iter()
        .filter(|e| e.event_type == "lead_quality.recorded")
        .collect();
    assert_eq!(recorded.len(), 3);
    assert!(recorded.iter().all(|e| e.group_id == Some(group.id)));
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s84_region_policy_may_switch_the_lead_quality_gate_off() -> TestResult {
    use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};

    let h = Harness::start().await?;
    let (group, lead) = h.group(GroupModel::Alliance, Stage::Junior).await?;
    let school = h.school(Stage::Junior, support::HOME).await?;
    h.bus
        .bus
        .call::<RecordLeadQuality>(&h.actor, None, quality(lead.id, 2025, 70.0, Some(false)))
        .await?;
    refused(
        h.admit(&group, &school).await,
        ErrorCode::LeadQualityNotImproving,
    );
    let mut conn = AsyncPgConnection::establish(&h.db.url()).await?;
    conn.batch_execute(&format!(
        "INSERT INTO membership.region_policies (region, version, body, effective_from) VALUES          ('{home}', 1, '{{\"lead_quality_gate\": false}}', current_date - 1)",
        home = support::HOME
    ))
    .await?;
    let m = h.admit(&group, &school).await?;
    assert_eq!(m.policy_version, 1);
    Ok(())
}

/// Publishes the evaluation service's `consequence.decided` as it would (same subject, the
/// event id as `Nats-Msg-Id`), `times` times with one id: a redelivery must change nothing.
async fn publish_decision(
    h: &Harness,
    decision: &edu_contracts::evaluation::ConsequenceDecided,
    times: usize,
) -> TestResult {
    use edu_contracts::Event;
    use edu_contracts::evaluation::ConsequenceDecided;
    let envelope = EventEnvelope {
        id: edu_domain::EventId::new(),
        event_type: ConsequenceDecided::TYPE.to_owned(),
        version: ConsequenceDecided::VERSION,
        occurred_at: chrono::Utc::now(),
        actor: support::bureau(),
        policy_version: None,
        group_id: Some(decision.group_id),
        school_id: decision.school_id,
        payload: serde_json::to_value(decision)?,
    };
    let subject = h
        .bus
        .bus
        .config()
        .event_subject(ServiceName::Evaluation, ConsequenceDecided::TYPE);
    h.bus.bus.ensure_stream().await?;
    for _ in 0..times {
        // A fresh Nats-Msg-Id each time: the stream keeps both, the consumer's inbox dedups.
        let mut headers = async_nats::HeaderMap::new();
        headers.insert("Nats-Msg-Id", uuid::Uuid::now_v7().to_string().as_str());
        h.bus
            .bus
            .jetstream()
            .publish_with_headers(
                subject.clone(),
                headers,
                serde_json::to_vec(&envelope)?.into(),
            )
            .await
            .map_err(|e| anyhow::anyhow!("publish: {e}"))?
            .await
            .map_err(|e| anyhow::anyhow!("ack: {e}"))?;
    }
    Ok(())
}

/// Waits until `check` holds of the group's member list (history included).
async fn until_members(
    h: &Harness,
    group: &edu_contracts::membership::Group,
    check: impl Fn(&edu_contracts::membership::MemberList) -> bool,
) -> anyhow::Result<edu_contracts::membership::MemberList> {
    for _ in 0..100 {
        let list = h.members(group, true).await?;
        if check(&list) {
            return Ok(list);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    anyhow::bail!("the member list never got there")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn x02_a_confirmed_evaluation_exit_takes_effect_once() -> TestResult {
    use edu_contracts::evaluation::{ConsequenceDecided, ConsequenceKind};
    let h = Harness::start().await?;
    let (group, _) = h.group(GroupModel::Alliance, Stage::Junior).await?;
    let schools = h.schools(Stage::Junior, 2).await?;
    for s in &schools {
        h.admit(&group, s).await?;
    }
    let decision = |kind, school_id, confirmed| ConsequenceDecided {
        evaluation_id: uuid::Uuid::now_v7(),
        consequence_id: uuid::Uuid::now_v7(),
        group_id: group.id,
        kind,
        confirmed,
        note: Some("连续两年考核不合格".into()),
        school_id,
    };
    // A rejected exit changes nothing.
    publish_decision(
        &h,
        &decision(ConsequenceKind::MemberExit, Some(schools[1].id), false),
        1,
    )
    .await?;
    // A confirmed one, delivered twice, ends the membership once, with reason `evaluation`.
    publish_decision(
        &h,
        &decision(ConsequenceKind::MemberExit, Some(schools[0].id), true),
        2,
    )
    .await?;
    let list = until_members(&h, &group, |l| l.group.active_members == 1).await?;
    let left = list
        .members
        .iter()
        .find(|m| m.school_id == schools[0].id)
        .expect("the exited member stays in the history");
    assert_eq!(left.exit_reason, Some(ExitReason::Evaluation));
    assert!(
        left.exit_note
            .as_deref()
            .is_some_and(|n| n.contains("连续两年考核不合格"))
    );
    assert!(
        list.members
            .iter()
            .any(|m| m.school_id == schools[1].id && m.left_at.is_none())
    );
    let events = h.settled_events(1).await?;
    let exits: Vec<_> = events
        .iter()
        .filter(|e| e.event_type == "member.exited")
        .collect();
    assert_eq!(exits.len(), 1, "once, whatever the redeliveries");
    assert_eq!(
        exits[0].actor.sub, "test:bureau",
        "as the bureau who confirmed it"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn x02_a_confirmed_evaluation_dissolution_dissolves_the_group() -> TestResult {
    use edu_contracts::evaluation::{ConsequenceDecided, ConsequenceKind};
    let h = Harness::start().await?;
    let (group, _) = h.group(GroupModel::Alliance, Stage::Junior).await?;
    let member = h.school(Stage::Junior, support::HOME).await?;
    h.admit(&group, &member).await?;
    let evaluation_id = uuid::Uuid::now_v7();
    let decided = ConsequenceDecided {
        evaluation_id,
        consequence_id: uuid::Uuid::now_v7(),
        group_id: group.id,
        kind: ConsequenceKind::Dissolution,
        confirmed: true,
        note: None,
        school_id: None,
    };
    publish_decision(&h, &decided, 2).await?;
    let list = until_members(&h, &group, |l| l.group.status == GroupStatus::Dissolved).await?;
    assert!(
        list.members
            .iter()
            .all(|m| m.exit_reason == Some(ExitReason::Dissolution) && m.left_at.is_some()),
        "{:?}",
        list.members
    );
    let events = h.settled_events(1).await?;
    let dissolved: Vec<_> = events
        .iter()
        .filter(|e| e.event_type == "group.dissolved")
        .collect();
    assert_eq!(dissolved.len(), 1);
    let payload: GroupDissolved = serde_json::from_value(dissolved[0].payload.clone())?;
    assert_eq!(payload.failing_evaluation_id, Some(evaluation_id));
    // Nothing is accepted any more.
    let p = refused(
        h.admit(&group, &h.school(Stage::Junior, support::HOME).await?)
            .await,
        ErrorCode::GroupDissolved,
    );
    assert_eq!(p.rule.as_deref(), Some("X-02"));
    Ok(())
}
