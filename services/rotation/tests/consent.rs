//! F-04 in the rotation service, over the bus against real PostgreSQL and NATS: a posting that
//! takes a teacher into another county waits for the bureau of the teacher's county, the
//! receiving school cannot confirm it meanwhile, and only that bureau decides.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

use std::time::Duration;

use edu_contracts::Actor;
use edu_contracts::consent::{ConsentDecision, ConsentVerdict, DecideConsent, RequestConsent};
use edu_contracts::membership::{Admission, CreateGroup, CreateSchool, NewGroup, NewSchool};
use edu_contracts::rotation::{
    ConfirmPosting, ConsentStatus, DecidePostingConsent, ImportTeachers, ListPostingConsents,
    ListTeachers, NewPosting, Paging, PostingConsentDecision, PostingConsentQuery, PostingRef,
    ProposePosting, TeacherImport, TeacherQuery, Term,
};
use edu_domain::{
    ErrorCode, GroupModel, PostingKind, PostingStatus, RegionCode, Role, SchoolId, Semester, Stage,
};

mod common;

use common::{Env, YEAR, day, env, region};

const FAR: &str = "411621";

fn bureau_of(code: &str) -> Actor {
    Actor {
        sub: format!("bureau-{code}"),
        role: Some(Role::Bureau),
        region: RegionCode::parse(code).ok(),
        school_id: None,
    }
}

async fn far_school(env: &Env) -> SchoolId {
    let body = NewSchool {
        name: "邻县中学".into(),
        stage: Stage::Junior,
        region: RegionCode::parse(FAR).unwrap(),
        principal_name: "校长".into(),
        legal_person: "邻县中学".into(),
    };
    env.bus()
        .call::<CreateSchool>(&env.actor, None, body)
        .await
        .unwrap()
        .id
}

#[tokio::test]
async fn f04_a_posting_into_another_county_waits_for_the_teachers_own_bureau() {
    let env = env().await;
    let lead = env.school("龙头中学").await;
    let body = NewGroup {
        name: "龙头中学教育集团".into(),
        model: GroupModel::Alliance,
        lead_school_id: lead,
        plaque_date: day(2024, 9, 1),
        scale_cap: None,
        cap_exception_reason: None,
    };
    let group = env
        .bus()
        .call::<CreateGroup>(&env.actor, None, body)
        .await
        .unwrap()
        .id;
    // the far school joins with its own county's consent
    let far = far_school(&env).await;
    let admission = Admission {
        group_id: group,
        school_id: far,
    };
    let request = env
        .bus()
        .call::<RequestConsent>(&bureau_of(common::REGION), None, admission)
        .await
        .unwrap();
    let decision = ConsentDecision {
        request_id: request.id,
        decision: ConsentVerdict::Approve,
        reason: None,
    };
    env.bus()
        .call::<DecideConsent>(&bureau_of(FAR), None, decision)
        .await
        .unwrap();
    let roster = TeacherImport {
        school_id: far,
        region: RegionCode::parse(FAR).unwrap(),
        school_year: YEAR,
        csv: "工号,姓名,岗位,学科,骨干级别,符合交流条件\nF001,韩老师,学科教师,英语,无,是\n".into(),
    };
    let report = env
        .bus()
        .call::<ImportTeachers>(&env.actor, None, roster)
        .await
        .unwrap();
    assert_eq!(report.created, 1);
    let query = TeacherQuery {
        school_id: far,
        school_year: YEAR,
        paging: Paging::default(),
    };
    let teacher = env
        .bus()
        .call::<ListTeachers>(&env.actor, None, query)
        .await
        .unwrap()
        .items[0]
        .id;

    // the far school's teacher shadows at the lead school (this county)
    let body = NewPosting {
        group_id: group,
        teacher_id: teacher,
        to_school_id: lead,
        kind: PostingKind::Shadowing,
        term: Term::Semester {
            school_year: edu_domain::SchoolYear(YEAR.0 + 2),
            semester: Semester::Autumn,
        },
        host_post: "跟岗学员".into(),
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let posting = loop {
        let r = env
            .bus()
            .call::<ProposePosting>(&env.actor, None, body.clone())
            .await;
        match r {
            Err(p)
                if matches!(p.code, ErrorCode::SchoolNotInGroup | ErrorCode::NotFound)
                    && tokio::time::Instant::now() < deadline =>
            {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            r => break r.unwrap(),
        }
    };
    let consent = posting.consent.clone().expect("a posting across counties");
    assert_eq!(consent.status, ConsentStatus::Pending);
    assert_eq!(consent.region.as_str(), FAR);
    assert_eq!(consent.to_region, region());

    // not confirmable yet
    let refused = env
        .bus()
        .call::<ConfirmPosting>(
            &env.actor,
            None,
            PostingRef {
                posting_id: posting.id,
            },
        )
        .await
        .unwrap_err();
    assert_eq!(refused.code, ErrorCode::CountyConsentRequired);
    assert_eq!(refused.rule.as_deref(), Some("F-04"));

    // the group's county does not decide; the teacher's does
    let approve = PostingConsentDecision {
        posting_id: posting.id,
        decision: ConsentVerdict::Approve,
        note: None,
    };
    let refused = env
        .bus()
        .call::<DecidePostingConsent>(&bureau_of(common::REGION), None, approve.clone())
        .await
        .unwrap_err();
    assert_eq!(refused.code, ErrorCode::Forbidden);
    let waiting = env
        .bus()
        .call::<ListPostingConsents>(
            &bureau_of(FAR),
            None,
            PostingConsentQuery {
                region: RegionCode::parse(FAR).unwrap(),
                status: Some(ConsentStatus::Pending),
                paging: Paging::default(),
            },
        )
        .await
        .unwrap();
    assert_eq!(waiting.total, 1);
    assert_eq!(waiting.items[0].id, posting.id);
    let approved = env
        .bus()
        .call::<DecidePostingConsent>(&bureau_of(FAR), None, approve)
        .await
        .unwrap();
    assert_eq!(
        approved.consent.map(|c| c.status),
        Some(ConsentStatus::Approved)
    );
    let confirmed = env
        .bus()
        .call::<ConfirmPosting>(
            &env.actor,
            None,
            PostingRef {
                posting_id: posting.id,
            },
        )
        .await
        .unwrap();
    assert_eq!(confirmed.status, PostingStatus::Confirmed);
}
