//! The rotation service over the bus, against real PostgreSQL and NATS, with the real
//! membership service feeding its projection.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

use std::time::Duration;

use chrono::NaiveDate;
use edu_contracts::Actor;
use edu_contracts::membership::{
    Admission, AdmitMember, CreateGroup, ExitMember, MemberExit, NewGroup,
};
use edu_contracts::rotation::{
    CancelPosting, Compliance, ComplianceQuery, ConfirmPosting, GetCompliance, GetGroupsCompliance,
    GetPosting, GroupsComplianceQuery, ListTeachers, NewPosting, Paging, Posting, PostingClosure,
    PostingRef, ProposePosting, Scope, TeacherQuery, Term,
};
use edu_domain::{
    ErrorCode, ExitReason, GroupId, GroupModel, PostingKind, PostingStatus, Problem, SchoolId,
    SchoolYear, TeacherId,
};

mod common;

use common::{Env, YEAR, day, env, region, roster};

impl Env {
    /// A lead and `members` member schools; waits until the rotation service has seen them.
    async fn group(&self, members: usize) -> (GroupId, SchoolId, Vec<SchoolId>) {
        self.group_led_by("龙头中学", members).await
    }

    /// [`Env::group`] with its lead school named `lead_name` (a second group of a test).
    async fn group_led_by(
        &self,
        lead_name: &str,
        members: usize,
    ) -> (GroupId, SchoolId, Vec<SchoolId>) {
        let lead = self.school(lead_name).await;
        let body = NewGroup {
            name: format!("{lead_name}教育集团"),
            model: GroupModel::Alliance,
            lead_school_id: lead,
            plaque_date: day(2024, 9, 1),
            scale_cap: None,
            cap_exception_reason: None,
        };
        let group = self
            .bus()
            .call::<CreateGroup>(&self.actor, None, body)
            .await
            .unwrap()
            .id;
        let mut ids = Vec::new();
        for i in 0..members {
            let school = self.school(&format!("成员中学{i}")).await;
            self.bus()
                .call::<AdmitMember>(
                    &self.actor,
                    None,
                    Admission {
                        group_id: group,
                        school_id: school,
                    },
                )
                .await
                .unwrap();
            ids.push(school);
        }
        (group, lead, ids)
    }

    async fn teachers(&self, school: SchoolId) -> Vec<TeacherId> {
        let q = TeacherQuery {
            school_id: school,
            school_year: YEAR,
            paging: Paging {
                limit: 200,
                offset: 0,
            },
        };
        self.bus()
            .call::<ListTeachers>(&self.actor, None, q)
            .await
            .unwrap()
            .items
            .into_iter()
            .map(|t| t.id)
            .collect()
    }

    /// Proposes, retrying while the projection has not yet seen the group's schools.
    async fn propose(
        &self,
        group: GroupId,
        teacher: TeacherId,
        to: SchoolId,
        kind: PostingKind,
        term: Term,
    ) -> Result<Posting, Problem> {
        let body = NewPosting {
            group_id: group,
            teacher_id: teacher,
            to_school_id: to,
            kind,
            term,
            host_post: "初二数学".into(),
        };
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let r = self
                .bus()
                .call::<ProposePosting>(&self.actor, None, body.clone())
                .await;
            let waiting = matches!(&r, Err(p) if p.code == ErrorCode::SchoolNotInGroup || p.code == ErrorCode::NotFound);
            if !waiting || tokio::time::Instant::now() > deadline {
                return r;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn confirm(&self, posting: &Posting) -> Posting {
        self.bus()
            .call::<ConfirmPosting>(
                &self.actor,
                None,
                PostingRef {
                    posting_id: posting.id,
                },
            )
            .await
            .unwrap()
    }

    async fn get(&self, id: edu_domain::PostingId) -> Posting {
        self.bus()
            .call::<GetPosting>(&self.actor, None, PostingRef { posting_id: id })
            .await
            .unwrap()
    }

    async fn compliance(&self, group: GroupId, as_of: NaiveDate) -> Compliance {
        let q = ComplianceQuery {
            scope: Scope::Group { group_id: group },
            school_year: YEAR,
            as_of: Some(as_of),
        };
        self.bus()
            .call::<GetCompliance>(&self.actor, None, q)
            .await
            .unwrap()
    }
}

fn month_term(month: u32) -> Term {
    // one-week postings inside the 2025–2026 school year, one per teacher
    let start = if month >= 9 {
        day(2025, month, 1)
    } else {
        day(2026, month, 1)
    };
    Term::Dates {
        start,
        end: start + chrono::Days::new(6),
    }
}

/// E-08: a group whose lead has 200 eligible teachers, `rotated` of them posted to a member
/// (the first `backbone` being backbone teachers).
async fn e08_scenario(rotated: usize, backbone: usize) -> Compliance {
    let env = env().await;
    let (group, lead, members) = env.group(1).await;
    env.import(lead, roster("L", 200, backbone)).await.unwrap();
    let teachers = env.teachers(lead).await;
    for t in teachers.iter().take(rotated) {
        let p = env
            .propose(
                group,
                *t,
                members[0],
                PostingKind::Secondment,
                month_term(10),
            )
            .await
            .unwrap();
        env.confirm(&p).await;
    }
    env.compliance(group, day(2026, 8, 31)).await
}

#[tokio::test]
async fn e08_nineteen_of_two_hundred_is_nine_and_a_half_percent_one_short() {
    let c = e08_scenario(19, 4).await;
    assert_eq!(c.eligible, 200);
    assert_eq!(c.actual.rotated, 19);
    assert!((c.actual.ratio_pct - 9.5).abs() < 1e-9);
    assert!(!c.actual.ratio_met);
    assert_eq!(c.actual.shortfall, 1);
    assert_eq!((c.rotation_min_pct, c.backbone_min_pct), (10, 20));
    assert_eq!(c.rotated_teachers.len(), 19);
    assert!(c.rotated_teachers.iter().all(|t| t.posting_ids.len() == 1));
}

#[tokio::test]
async fn e08_twenty_with_three_backbone_misses_the_share() {
    let c = e08_scenario(20, 3).await;
    assert!(c.actual.ratio_met);
    assert!(!c.actual.share_met);
    assert!((c.actual.backbone_share_pct - 15.0).abs() < 1e-9);
    assert_eq!(c.actual.backbone_shortfall, 1);
}

#[tokio::test]
async fn e08_twenty_with_four_backbone_passes() {
    let c = e08_scenario(20, 4).await;
    assert!(c.actual.ratio_met && c.actual.share_met);
    assert_eq!((c.actual.shortfall, c.actual.backbone_shortfall), (0, 0));
}

#[tokio::test]
async fn forecast_counts_confirmed_future_postings_and_says_what_is_missing() {
    let env = env().await;
    let (group, lead, members) = env.group(1).await;
    env.import(lead, roster("L", 50, 1)).await.unwrap();
    let teachers = env.teachers(lead).await;
    // one posting in October (already started on 1 December), two in March (future)
    for (t, month) in teachers.iter().zip([10, 3, 3]) {
        let p = env
            .propose(
                group,
                *t,
                members[0],
                PostingKind::Secondment,
                month_term(month),
            )
            .await
            .unwrap();
        env.confirm(&p).await;
    }
    // a proposal not yet confirmed does not count
    env.propose(
        group,
        teachers[3],
        members[0],
        PostingKind::Secondment,
        month_term(4),
    )
    .await
    .unwrap();
    let c = env.compliance(group, day(2025, 12, 1)).await;
    assert_eq!((c.actual.rotated, c.forecast.rotated), (1, 3));
    // 10 % of 50 = 5: two more, and with one backbone so far the share of 5 needs 1 → 0 more
    assert_eq!(c.forecast.shortfall, 2);
    assert_eq!(c.forecast.backbone_shortfall, 0);
    assert_eq!(c.deadline, day(2026, 8, 31));

    // every group of the region at once (a province's evaluation round): the same figures
    let (quiet, _, _) = env.group_led_by("实验中学", 0).await;
    let query = GroupsComplianceQuery {
        region: region(),
        school_year: YEAR,
        as_of: Some(day(2025, 12, 1)),
    };
    let mut all = None;
    for _ in 0..100 {
        let answer = env
            .bus()
            .call::<GetGroupsCompliance>(&env.actor, None, query.clone())
            .await
            .unwrap();
        // until rotation's projection has seen the second group
        if answer.groups.len() == 2 {
            all = Some(answer);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let all = all.expect("both groups");
    assert_eq!(
        (all.policy_version, all.rotation_min_pct, all.deadline),
        (c.policy_version, c.rotation_min_pct, c.deadline)
    );
    for g in &all.groups {
        let one = env.compliance(g.group_id, day(2025, 12, 1)).await;
        assert_eq!(
            (g.eligible, &g.actual, &g.forecast),
            (one.eligible, &one.actual, &one.forecast)
        );
    }
    let quiet = all.groups.iter().find(|g| g.group_id == quiet).unwrap();
    assert_eq!((quiet.eligible, quiet.actual.rotated), (0, 0));
}

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
async fn e05_e06_e19_trainings_per_semester_and_hours_per_teacher() {
    use edu_contracts::rotation::{
        GetTrainingHours, HoursQuery, ListTrainings, NewTraining, RecordTraining, TrainingQuery,
    };
    use edu_domain::{Semester, TrainingKind};
    let env = env().await;
    let (group, lead, members) = env.group(1).await;
    env.import(members[0], roster("M", 3, 0)).await.unwrap();
    let staff = env.teachers(members[0]).await;
    // wait for the projection through a harmless proposal (shadowing member → lead)
    env.propose(group, staff[2], lead, PostingKind::Shadowing, month_term(6))
        .await
        .unwrap();
    let record = |kind: TrainingKind, hours: u16, who: Vec<TeacherId>| NewTraining {
        group_id: group,
        kind,
        title: format!("{}培训", kind.as_str()),
        subject: Some("数学".into()),
        held_on: day(2025, 10, 15),
        hours,
        participant_ids: who,
    };
    for (kind, hours) in [
        (TrainingKind::Subject, 40),
        (TrainingKind::Special, 32),
        (TrainingKind::Induction, 8),
        (TrainingKind::TeachingShowcase, 4),
    ] {
        let who = if kind == TrainingKind::Induction {
            vec![staff[1]]
        } else {
            vec![staff[0]]
        };
        let t = env
            .bus()
            .call::<RecordTraining>(&env.actor, None, record(kind, hours, who))
            .await
            .unwrap();
        assert_eq!(
            (t.semester, t.school_year, t.provider_school_id),
            (Semester::Autumn, YEAR, lead)
        ); // E-05: the lead provides
    }
    let list = env
        .bus()
        .call::<ListTrainings>(
            &env.actor,
            None,
            TrainingQuery {
                group_id: group,
                school_year: YEAR,
                semester: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(list.items.len(), 4);
    let autumn = list
        .semesters
        .iter()
        .find(|s| s.semester == Semester::Autumn)
        .unwrap();
    assert!(autumn.missing.is_empty());
    let spring = list
        .semesters
        .iter()
        .find(|s| s.semester == Semester::Spring)
        .unwrap();
    assert_eq!(spring.missing.len(), 4);
    // E-19: 40 + 32 + 4 = 76 ≥ 72 for the first teacher; 8 for the second; none for the third
    let hours = env
        .bus()
        .call::<GetTrainingHours>(
            &env.actor,
            None,
            HoursQuery {
                school_id: members[0],
                school_year: YEAR,
            },
        )
        .await
        .unwrap();
    let of = |t: TeacherId| {
        hours
            .teachers
            .iter()
            .find(|h| h.teacher_id == t)
            .map(|h| (h.hours, h.met))
    };
    assert_eq!(
        (of(staff[0]), of(staff[1]), of(staff[2])),
        (Some((76, true)), Some((8, false)), Some((0, false)))
    );
    assert!((hours.completion_pct - 100.0 / 3.0).abs() < 1e-9);
    // a participant from outside the group is refused
    let outsider = env.school("集团外中学").await;
    env.import(outsider, roster("X", 1, 0)).await.unwrap();
    let stranger = env.teachers(outsider).await[0];
    let err = env
        .bus()
        .call::<RecordTraining>(
            &env.actor,
            None,
            record(TrainingKind::Subject, 4, vec![stranger]),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::ValidationFailed);
}

#[tokio::test]
async fn e09_shadowing_coverage_over_three_years() {
    use edu_contracts::rotation::{CoverageQuery, GetShadowingCoverage};
    let env = env().await;
    let (group, lead, members) = env.group(1).await;
    let csv = "工号,姓名,岗位,学科,骨干级别,符合交流条件\nM1,甲,学科教师,数学,无,是\nM2,乙,中层管理人员,语文,无,是\nM3,丙,校级领导,,无,否\n";
    env.import(members[0], csv.into()).await.unwrap();
    let staff = env.teachers(members[0]).await; // ordered by staff number
    let p = env
        .propose(
            group,
            staff[0],
            lead,
            PostingKind::Shadowing,
            month_term(11),
        )
        .await
        .unwrap();
    env.confirm(&p).await;
    let q = CoverageQuery {
        group_id: group,
        as_of: Some(day(2026, 6, 30)),
    };
    let c = env
        .bus()
        .call::<GetShadowingCoverage>(&env.actor, None, q)
        .await
        .unwrap();
    // managers and subject teachers count (the school leader does not): 1 of 2 shadowed
    assert_eq!((c.staff, c.covered), (2, 1));
    assert!((c.coverage_pct - 50.0).abs() < 1e-9);
    assert_eq!(
        c.not_yet.iter().map(|t| t.teacher_id).collect::<Vec<_>>(),
        vec![staff[1]]
    );
    assert_eq!(c.since, day(2023, 6, 30));
    // three years later the November 2025 shadowing no longer counts
    let q = CoverageQuery {
        group_id: group,
        as_of: Some(day(2028, 12, 1)),
    };
    let c = env
        .bus()
        .call::<GetShadowingCoverage>(&env.actor, None, q)
        .await
        .unwrap();
    assert_eq!(c.covered, 0);
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
