//! Trainings and showcases (E-05, E-06), hours (E-19), shadowing coverage (E-09).

use super::*;

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
