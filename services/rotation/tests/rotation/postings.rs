//! Postings: rosters, directions (E-02, E-03), overlaps, concurrency and membership changes.

use super::*;

#[tokio::test]
async fn csv_import_is_all_or_nothing_and_reports_the_bad_row() {
    let env = env().await;
    let (_, lead, _) = env.group(0).await;
    let bad = "工号,姓名,岗位,学科,骨干级别,符合交流条件\nT1,王芳,学科教师,数学,县级,是\nT2,李强,校工,语文,无,否\n";
    let err = env.import(lead, bad.into()).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::CsvInvalid);
    assert!(!err.message_zh.is_empty());
    assert_eq!(err.details["rows"][0]["line"], 3);
    assert_eq!(err.details["rows"][0]["column"], "岗位");
    assert!(env.teachers(lead).await.is_empty(), "nothing imported");
    let report = env.import(lead, roster("T", 3, 1)).await.unwrap();
    assert_eq!((report.created, report.updated), (3, 0));
    let report = env.import(lead, roster("T", 3, 2)).await.unwrap();
    assert_eq!((report.created, report.updated), (0, 3));
}

#[tokio::test]
async fn e02_e03_directions_overlaps_and_group_bounds() {
    let env = env().await;
    let (group, lead, members) = env.group(1).await;
    let member = members[0];
    env.import(lead, roster("L", 2, 0)).await.unwrap();
    env.import(member, roster("M", 2, 0)).await.unwrap();
    let (lead_t, member_t) = (env.teachers(lead).await, env.teachers(member).await);
    let autumn = Term::Semester {
        school_year: YEAR,
        semester: edu_domain::Semester::Autumn,
    };
    // E-02: secondment lead → member; the payroll stays at home (E-04)
    let p = env
        .propose(group, lead_t[0], member, PostingKind::Secondment, autumn)
        .await
        .unwrap();
    assert_eq!(
        (p.status, p.payroll_unit_id, p.identity_unchanged),
        (PostingStatus::Proposed, lead, true)
    );
    assert_eq!(env.confirm(&p).await.status, PostingStatus::Confirmed);
    // E-02: a secondment member → lead is refused
    let err = env
        .propose(group, member_t[0], lead, PostingKind::Secondment, autumn)
        .await
        .unwrap_err();
    assert_eq!(
        (err.code, err.rule.as_deref()),
        (ErrorCode::PostingDirectionInvalid, Some("E-02"))
    );
    // E-03: shadowing member → lead is accepted, lead → member refused
    env.propose(group, member_t[0], lead, PostingKind::Shadowing, autumn)
        .await
        .unwrap();
    let err = env
        .propose(group, lead_t[1], member, PostingKind::Shadowing, autumn)
        .await
        .unwrap_err();
    assert_eq!(
        (err.code, err.rule.as_deref()),
        (ErrorCode::PostingDirectionInvalid, Some("E-03"))
    );
    // one posting at a time
    let dates = Term::Dates {
        start: day(2025, 10, 1),
        end: day(2025, 10, 31),
    };
    let err = env
        .propose(group, lead_t[0], member, PostingKind::PostHolding, dates)
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::PostingOverlaps);
    // a whole school year's posting still overlaps its last days (the check reads back as
    // far as one school year, the longest term)
    let whole_year = Term::Dates {
        start: day(2026, 9, 1),
        end: day(2027, 8, 31),
    };
    env.propose(
        group,
        lead_t[1],
        member,
        PostingKind::Secondment,
        whole_year,
    )
    .await
    .unwrap();
    let last_days = Term::Dates {
        start: day(2027, 8, 30),
        end: day(2027, 8, 31),
    };
    let err = env
        .propose(
            group,
            lead_t[1],
            member,
            PostingKind::PostHolding,
            last_days,
        )
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::PostingOverlaps);
    // a school outside the group
    let outsider = env.school("集团外中学").await;
    let body = NewPosting {
        group_id: group,
        teacher_id: lead_t[1],
        to_school_id: outsider,
        kind: PostingKind::Secondment,
        term: autumn,
        host_post: "副校长".into(),
    };
    let err = env
        .bus()
        .call::<ProposePosting>(&env.actor, None, body)
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::SchoolNotInGroup);
    // 支教 is off by default (E-12)
    let err = env
        .propose(
            group,
            lead_t[1],
            member,
            PostingKind::SupportTeaching,
            autumn,
        )
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::PostingKindDisabled);
    // a term across two school years
    let across = Term::Dates {
        start: day(2026, 8, 1),
        end: day(2026, 9, 30),
    };
    let err = env
        .propose(group, lead_t[1], member, PostingKind::Secondment, across)
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::ValidationFailed);
    // confirming twice is refused
    let again = env
        .bus()
        .call::<ConfirmPosting>(&env.actor, None, PostingRef { posting_id: p.id })
        .await
        .unwrap_err();
    assert_eq!(again.code, ErrorCode::PostingStateInvalid);
}

/// The overlap check reads only the latest live posting starting by the new term's end
/// (a teacher's live postings never meet, so it is the only one that can reach the start):
/// gaps between postings take new ones, a term that meets or spans one is refused, and a
/// cancelled posting frees its days.
#[tokio::test]
async fn overlap_is_found_before_after_around_and_between_postings() {
    let env = env().await;
    let (group, lead, members) = env.group(1).await;
    let member = members[0];
    env.import(lead, roster("L", 1, 0)).await.unwrap();
    let teacher = env.teachers(lead).await[0];
    let dates = |(m1, d1), (m2, d2)| Term::Dates {
        start: day(2025, m1, d1),
        end: day(2025, m2, d2),
    };
    let propose = |term| env.propose(group, teacher, member, PostingKind::Secondment, term);
    // a long posting in September and a short one in November
    let september = propose(dates((9, 1), (9, 30))).await.unwrap();
    propose(dates((11, 10), (11, 12))).await.unwrap();
    // the October gap takes one; its edges and anything spanning a posting do not
    let october = propose(dates((10, 1), (10, 31))).await.unwrap();
    for (term, overlaps) in [
        (dates((9, 30), (9, 30)), "the last day of September"),
        (dates((9, 1), (12, 31)), "around all three"),
        (dates((11, 1), (11, 10)), "the first day in November"),
        (dates((11, 12), (11, 20)), "the last day in November"),
        (dates((11, 11), (11, 11)), "inside November's"),
        (dates((9, 15), (10, 5)), "across September and October"),
    ] {
        let err = propose(term).await.unwrap_err();
        assert_eq!(err.code, ErrorCode::PostingOverlaps, "{overlaps}");
    }
    propose(dates((11, 13), (11, 20))).await.unwrap();
    propose(dates((11, 1), (11, 9))).await.unwrap();
    // a cancelled posting no longer counts, even as the latest before the term's end
    for cancelled in [&october, &september] {
        env.bus()
            .call::<CancelPosting>(
                &env.actor,
                None,
                PostingClosure {
                    posting_id: cancelled.id,
                    reason: "测试撤回".into(),
                },
            )
            .await
            .unwrap();
    }
    propose(dates((9, 20), (10, 10))).await.unwrap();
    let err = propose(dates((10, 10), (10, 31))).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::PostingOverlaps);
    propose(dates((10, 11), (10, 31))).await.unwrap();
}

#[tokio::test]
async fn fifty_concurrent_overlapping_postings_for_one_teacher_give_one() {
    let env = env().await;
    let (group, lead, members) = env.group(1).await;
    env.import(lead, roster("L", 1, 0)).await.unwrap();
    let teacher = env.teachers(lead).await[0];
    let autumn = Term::Semester {
        school_year: YEAR,
        semester: edu_domain::Semester::Autumn,
    };
    // let the projection catch up with one posting in the spring, then race for the autumn
    env.propose(
        group,
        teacher,
        members[0],
        PostingKind::Secondment,
        month_term(5),
    )
    .await
    .unwrap();
    let calls = (0..50).map(|_| {
        let bus = env.bus().clone();
        let actor = env.actor.clone();
        let body = NewPosting {
            group_id: group,
            teacher_id: teacher,
            to_school_id: members[0],
            kind: PostingKind::Secondment,
            term: autumn,
            host_post: "副校长".into(),
        };
        tokio::spawn(async move { bus.call::<ProposePosting>(&actor, None, body).await })
    });
    let results = futures::future::join_all(calls).await;
    let ok = results.iter().filter(|r| matches!(r, Ok(Ok(_)))).count();
    let overlaps = results
        .iter()
        .filter(|r| matches!(r, Ok(Err(p)) if p.code == ErrorCode::PostingOverlaps))
        .count();
    assert_eq!((ok, overlaps), (1, 49));
}

#[tokio::test]
async fn a_member_leaving_ends_its_running_postings_and_cancels_upcoming_ones() {
    let env = env().await;
    let (group, lead, members) = env.group(1).await;
    env.import(lead, roster("L", 3, 0)).await.unwrap();
    let t = env.teachers(lead).await;
    let today = chrono::Utc::now().date_naive();
    let current = SchoolYear::containing(today);
    // running now (confirmed), upcoming (confirmed), proposed: all within the current school year
    let last = current.last_day().unwrap();
    let running = Term::Dates {
        start: (today - chrono::Days::new(1)).max(current.first_day().unwrap()),
        end: last,
    };
    let p1 = env
        .propose(group, t[0], members[0], PostingKind::Secondment, running)
        .await
        .unwrap();
    env.confirm(&p1).await;
    let upcoming = Term::Dates {
        start: last - chrono::Days::new(5),
        end: last,
    };
    let p2 = env
        .propose(group, t[1], members[0], PostingKind::Secondment, upcoming)
        .await
        .unwrap();
    env.confirm(&p2).await;
    let p3 = env
        .propose(group, t[2], members[0], PostingKind::PostHolding, upcoming)
        .await
        .unwrap();
    let exit = MemberExit {
        group_id: group,
        school_id: members[0],
        reason: ExitReason::BureauDecision,
        note: None,
    };
    env.bus()
        .call::<ExitMember>(&env.actor, None, exit)
        .await
        .unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let (a, b, c) = (
            env.get(p1.id).await,
            env.get(p2.id).await,
            env.get(p3.id).await,
        );
        if a.status == PostingStatus::EndedEarly
            && b.status == PostingStatus::Cancelled
            && c.status == PostingStatus::Cancelled
        {
            assert_eq!(a.ended_on, Some(today));
            assert_eq!(a.closing_reason.as_deref(), Some("member_exited"));
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "postings not closed: {a:?} {b:?} {c:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // the closing events are committed with the closing, so they are on the stream shortly
    let closing = |events: &[edu_contracts::EventEnvelope], t: &str| {
        events.iter().filter(|e| e.event_type == t).count()
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let events = env.bus.events().await.unwrap();
        let counts = (
            closing(&events, "posting.ended"),
            closing(&events, "posting.cancelled"),
        );
        if counts == (1, 2) {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "closing events: {counts:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_member_school_proposes_only_its_own_teachers() {
    let env = env().await;
    let (group, lead, members) = env.group(2).await;
    env.import(members[1], roster("N", 1, 0)).await.unwrap();
    let other = env.teachers(members[1]).await[0];
    // wait for the projection
    env.propose(group, other, lead, PostingKind::Shadowing, month_term(6))
        .await
        .unwrap();
    let actor = Actor {
        sub: "member-0".into(),
        role: Some(edu_domain::Role::MemberAdmin),
        region: Some(region()),
        school_id: Some(members[0]),
    };
    let body = NewPosting {
        group_id: group,
        teacher_id: other,
        to_school_id: lead,
        kind: PostingKind::Shadowing,
        term: month_term(3),
        host_post: "跟岗".into(),
    };
    let err = env
        .bus()
        .call::<ProposePosting>(&actor, None, body)
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Forbidden);
}
