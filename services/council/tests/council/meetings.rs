//! Meetings: quorum, votes and decisions (G-07, G-09), minutes, and the monthly cadence (G-06, G-15, V-06).

use super::*;

#[tokio::test]
async fn quorum_votes_decisions_and_the_g09_query() {
    let env = env().await;
    let g = env.group(2).await;
    let c = env.complete_council(&g).await;
    let lead_seats: Vec<SeatId> = c
        .seats
        .iter()
        .filter(|s| s.school_id == g.lead)
        .map(|s| s.id)
        .collect();
    let all: Vec<SeatId> = c.seats.iter().map(|s| s.id).collect();

    // a future meeting cannot record attendance
    let later = env
        .meeting(g.id, MeetingKind::Council, day(2099, 1, 10))
        .await;
    refused(
        env.attend(&later, all.clone()).await,
        ErrorCode::MeetingStateInvalid,
    );

    let m = env
        .meeting(g.id, MeetingKind::Council, day(2026, 3, 12))
        .await;
    // a motion needs a held meeting
    refused(
        env.motion(&m, DecisionCategory::WorkPlan, None).await,
        ErrorCode::MeetingStateInvalid,
    );
    // only the lead's seats present: no quorum, no vote
    let held = env.attend(&m, lead_seats.clone()).await.unwrap();
    let q = held.quorum.clone().unwrap();
    assert!(!q.met);
    assert_eq!(q.schools_absent.len(), 2);
    let subject = g.members[0];
    let motion = env
        .motion(&m, DecisionCategory::MemberMajorMatter, Some(subject))
        .await
        .unwrap();
    let p = refused(
        env.vote(&motion, yes(&lead_seats)).await,
        ErrorCode::QuorumNotMet,
    );
    assert_eq!(p.rule.as_deref(), Some("G-09"));

    // everyone present: the vote goes ahead
    let held = env.attend(&m, all.clone()).await.unwrap();
    assert!(held.quorum.unwrap().met);
    // the subject school's vice-chair recuses itself (conflict of interest)
    let subject_seat = c.seats.iter().find(|s| s.school_id == subject).unwrap().id;
    let no_reason = Vote {
        seat_id: subject_seat,
        choice: VoteChoice::Recused,
        reason: None,
    };
    refused(
        env.vote(&motion, vec![no_reason]).await,
        ErrorCode::ValidationFailed,
    );
    let recusal = Vote {
        seat_id: subject_seat,
        choice: VoteChoice::Recused,
        reason: Some("本校事项,回避".into()),
    };
    let open = env.vote(&motion, vec![recusal.clone()]).await.unwrap();
    assert_eq!(open.status, MotionStatus::Open);
    refused(
        env.vote(&motion, vec![recusal]).await,
        ErrorCode::AlreadyVoted,
    );
    // attendance is fixed once votes are cast
    refused(
        env.attend(&m, all.clone()).await,
        ErrorCode::MeetingStateInvalid,
    );
    let others: Vec<SeatId> = all.iter().copied().filter(|s| *s != subject_seat).collect();
    let mut votes = yes(&others);
    votes[0].choice = VoteChoice::No;
    let closed = env.vote(&motion, votes).await.unwrap();
    // 2 yes, 1 no, 1 recused: passed, computed by the service
    assert_eq!(closed.status, MotionStatus::Passed);
    assert_eq!(
        (closed.tally.yes, closed.tally.no, closed.tally.recused),
        (2, 1, 1)
    );
    let decision = closed.decision_id.unwrap();
    refused(
        env.vote(&motion, yes(&[all[0]])).await,
        ErrorCode::MotionClosed,
    );

    // G-09: is there a member-major-matter decision about this school?
    let q = DecisionQuery {
        group_id: None,
        category: Some(DecisionCategory::MemberMajorMatter),
        subject_school_id: Some(subject),
        major: None,
        from: None,
        to: None,
        paging: Paging::default(),
    };
    let found = env
        .bus()
        .call::<FindDecisions>(&env.actor, None, q.clone())
        .await
        .unwrap();
    assert_eq!(found.total, 1);
    assert_eq!(found.items[0].id, decision);
    let other = DecisionQuery {
        subject_school_id: Some(g.members[1]),
        ..q
    };
    let none = env
        .bus()
        .call::<FindDecisions>(&env.actor, None, other)
        .await
        .unwrap();
    assert_eq!(none.total, 0);

    // G-09: a member major matter about the lead school is refused
    refused(
        env.motion(&m, DecisionCategory::MemberMajorMatter, Some(g.lead))
            .await,
        ErrorCode::SchoolNotInGroup,
    );

    // meeting.held and decision.recorded are on the stream
    let events = events_until(&env.bus, |e| {
        count(e, "meeting.held") >= 1 && count(e, "decision.recorded") >= 1
    })
    .await;
    assert_eq!(count(&events, "meeting.held"), 1);
    assert_eq!(count(&events, "decision.recorded"), 1);
}

#[tokio::test]
async fn twenty_concurrent_votes_of_one_seat_count_once() {
    let env = env().await;
    let g = env.group(1).await;
    let c = env.complete_council(&g).await;
    let all: Vec<SeatId> = c.seats.iter().map(|s| s.id).collect();
    let m = env
        .meeting(g.id, MeetingKind::Council, day(2026, 2, 5))
        .await;
    env.attend(&m, all.clone()).await.unwrap();
    let motion = env.motion(&m, DecisionCategory::Goals, None).await.unwrap();
    let tries = (0..20).map(|_| env.vote(&motion, yes(&[all[0]])));
    let results = futures::future::join_all(tries).await;
    let ok = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(ok, 1, "{results:?}");
    for r in results.into_iter().filter(|r| r.is_err()) {
        refused(r, ErrorCode::AlreadyVoted);
    }
}

#[tokio::test]
async fn minutes_draft_circulated_published_then_immutable() {
    let env = env().await;
    let g = env.group(1).await;
    let c = env.complete_council(&g).await;
    let all: Vec<SeatId> = c.seats.iter().map(|s| s.id).collect();
    let m = env
        .meeting(g.id, MeetingKind::Council, day(2026, 1, 8))
        .await;
    let draft = |text: &str, seat: Option<SeatId>| MinutesDraft {
        meeting_id: m.id,
        text: text.into(),
        seat_id: seat,
    };
    // not before the meeting is held
    refused(
        env.bus()
            .call::<WriteMinutes>(&env.actor, None, draft("纪要", None))
            .await,
        ErrorCode::MeetingStateInvalid,
    );
    // the lead principal present, the secretary-general absent
    env.attend(&m, vec![all[0], all[1]]).await.unwrap();
    let mref = MeetingRef { meeting_id: m.id };
    refused(
        env.bus()
            .call::<PublishMinutes>(&env.actor, None, mref.clone())
            .await,
        ErrorCode::MinutesStateInvalid,
    );
    let v1 = env
        .bus()
        .call::<WriteMinutes>(&env.actor, None, draft("一、审议工作计划", None))
        .await
        .unwrap();
    assert_eq!((v1.status, v1.revision), (MinutesStatus::Draft, 1));
    // publishing skips circulation: refused
    refused(
        env.bus()
            .call::<PublishMinutes>(&env.actor, None, mref.clone())
            .await,
        ErrorCode::MinutesStateInvalid,
    );
    env.bus()
        .call::<CirculateMinutes>(&env.actor, None, mref.clone())
        .await
        .unwrap();
    // while circulated, only an attendee amends
    refused(
        env.bus()
            .call::<WriteMinutes>(&env.actor, None, draft("改", None))
            .await,
        ErrorCode::MinutesStateInvalid,
    );
    let absent = c
        .seats
        .iter()
        .find(|s| s.role == SeatRole::SecretaryGeneral)
        .unwrap()
        .id;
    refused(
        env.bus()
            .call::<WriteMinutes>(&env.actor, None, draft("改", Some(absent)))
            .await,
        ErrorCode::SeatNotPresent,
    );
    let amended = env
        .bus()
        .call::<WriteMinutes>(
            &env.actor,
            None,
            draft("一、审议并通过工作计划", Some(all[1])),
        )
        .await
        .unwrap();
    assert_eq!(amended.revision, 2);
    assert_eq!(amended.history[1].seat_id, Some(all[1]));
    let published = env
        .bus()
        .call::<PublishMinutes>(&env.actor, None, mref.clone())
        .await
        .unwrap();
    assert_eq!(published.status, MinutesStatus::Published);
    // published minutes never change
    refused(
        env.bus()
            .call::<WriteMinutes>(&env.actor, None, draft("偷改", None))
            .await,
        ErrorCode::MinutesPublished,
    );
    refused(
        env.bus()
            .call::<WriteMinutes>(&env.actor, None, draft("偷改", Some(all[1])))
            .await,
        ErrorCode::MinutesPublished,
    );
    refused(
        env.bus()
            .call::<CirculateMinutes>(&env.actor, None, mref.clone())
            .await,
        ErrorCode::MinutesPublished,
    );
    refused(
        env.attend(&m, all.clone()).await,
        ErrorCode::MinutesPublished,
    );
    // a correction is a new, linked record; the text stays
    let corrected = env
        .bus()
        .call::<CorrectMinutes>(
            &env.actor,
            None,
            MinutesCorrection {
                meeting_id: m.id,
                text: "第一项应为“审议并原则通过”".into(),
                reason: "措辞更正".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(corrected.text, "一、审议并通过工作计划");
    assert_eq!(corrected.corrections.len(), 1);
}

#[tokio::test]
async fn g06_g15_v06_cadence_shows_missing_months_and_who_attended() {
    let env = env().await;
    let g = env.group(2).await;
    let c = env.complete_council(&g).await;
    env.decided(&c, day(2026, 1, 15), DecisionCategory::WorkPlan, None)
        .await;
    env.decided(&c, day(2026, 3, 12), DecisionCategory::Goals, None)
        .await;
    // a planning meeting member 0 attended and member 1 missed (M2)
    let planning = env
        .meeting(g.id, MeetingKind::WorkPlanning, day(2026, 2, 20))
        .await;
    let present: Vec<SeatId> = c
        .seats
        .iter()
        .filter(|s| s.school_id != g.members[1])
        .map(|s| s.id)
        .collect();
    env.attend(&planning, present).await.unwrap();
    let cadence = env
        .bus()
        .call::<GetCadence>(
            &env.actor,
            None,
            CadenceQuery {
                group_id: g.id,
                year: 2026,
            },
        )
        .await
        .unwrap();
    // G-06: February had no council meeting (the planning meeting does not count)
    assert_eq!(cadence.months[0].state, MonthState::Met);
    assert_eq!(cadence.months[1].state, MonthState::Missing);
    assert_eq!(cadence.months[2].state, MonthState::Met);
    assert!(cadence.months_missing.contains(&2));
    assert!(!cadence.months_missing.contains(&1));
    let planning = &cadence.yearly[0];
    assert_eq!(planning.kind, MeetingKind::WorkPlanning);
    assert!(planning.held);
    assert_eq!(planning.members_attended, vec![g.members[0]]);
    assert_eq!(planning.members_absent, vec![g.members[1]]);
    // G-15 / V-06: no summary meeting and no showcase yet
    assert!(!cadence.yearly[1].held && !cadence.yearly[2].held);
    // before the group was founded, months do not apply
    let before = env
        .bus()
        .call::<GetCadence>(
            &env.actor,
            None,
            CadenceQuery {
                group_id: g.id,
                year: 2025,
            },
        )
        .await
        .unwrap();
    assert_eq!(before.months[7].state, MonthState::NotApplicable);
    assert_eq!(before.months[8].state, MonthState::Missing);
}
