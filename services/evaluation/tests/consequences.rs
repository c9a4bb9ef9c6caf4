//! X-02 through the bus: a scorecard proposes its consequences; nothing binds until the
//! bureau completes the round and confirms one; a confirmed member exit takes effect in
//! membership with no second step, and the evaluation standing sanctions ask for follows.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod common;

use common::{Env, day, env, refused, until};
use edu_contracts::evaluation::{
    Consequence, ConsequenceDecision, ConsequenceKind, ConsequenceStatus, DecideConsequence,
    RoundRef,
};
use edu_contracts::evaluation_year::CompleteRound;
use edu_contracts::membership::{GetGroup, GroupRef};
use edu_contracts::obligations::{GetStanding, StandingQuery};
use edu_domain::{ErrorCode, GroupId, Problem, SchoolId, Stage};
use uuid::Uuid;

async fn decide(
    env: &Env,
    round_id: Uuid,
    group_id: GroupId,
    consequence_id: Uuid,
    note: Option<&str>,
) -> Result<Consequence, Problem> {
    let body = ConsequenceDecision {
        round_id,
        group_id,
        consequence_id,
        confirm: true,
        note: note.map(str::to_owned),
    };
    env.bus()
        .call::<DecideConsequence>(&env.bureau, None, body)
        .await
}

async fn failing(env: &Env, group_id: GroupId, school_id: Option<SchoolId>) -> bool {
    let query = StandingQuery {
        group_id,
        school_id,
    };
    env.bus()
        .call::<GetStanding>(&env.bureau, None, query)
        .await
        .unwrap()
        .failing
}

#[tokio::test]
async fn x02_a_proposed_exit_binds_once_the_round_is_completed_and_the_bureau_confirms() {
    let env = env().await;
    let g = env
        .group("后果", Stage::Junior, day(2024, 9, 1), &["二中", "三中"])
        .await;
    let (falling, rising) = (g.members[0], g.members[1]);
    env.scores(g.lead, 80.0, 82.0, 60).await;
    env.scores(falling, 70.0, 65.0, 40).await;
    env.scores(rising, 60.0, 66.0, 55).await;
    let round = env.computed_round(vec![g.id]).await;
    let card = env.scorecard(round.id, g.id).await.unwrap();
    let of_kind = |kind| {
        card.consequences
            .iter()
            .find(|c| c.kind == kind)
            .cloned()
            .unwrap()
    };
    let (warning, exit) = (
        of_kind(ConsequenceKind::Warning),
        of_kind(ConsequenceKind::MemberExit),
    );
    assert_eq!(exit.school_id, Some(falling));
    assert!(
        card.consequences
            .iter()
            .all(|c| c.status == ConsequenceStatus::Proposed)
    );
    // a draft is no verdict: nothing is decided, and sanctions find no evaluation yet
    let p = refused(
        decide(&env, round.id, g.id, warning.id, None).await,
        ErrorCode::EvaluationRoundNotCompleted,
        Some("X-02"),
    );
    assert_eq!(p.details["round_id"], round.id.to_string());
    assert!(!failing(&env, g.id, None).await);

    env.bus()
        .call::<CompleteRound>(&env.bureau, None, RoundRef { round_id: round.id })
        .await
        .unwrap();
    // the completed 不合格 fails the group, and the member whose exit it proposes
    assert!(failing(&env, g.id, None).await);
    assert!(failing(&env, g.id, Some(falling)).await);
    assert!(!failing(&env, g.id, Some(rising)).await);

    let decided = decide(&env, round.id, g.id, warning.id, Some("通报"))
        .await
        .unwrap();
    assert_eq!(decided.status, ConsequenceStatus::Confirmed);
    assert_eq!(decided.decided_by.as_deref(), Some("bureau-411627"));
    assert_eq!(decided.note.as_deref(), Some("通报"));
    // deciding it again changes nothing
    let p = refused(
        decide(&env, round.id, g.id, warning.id, None).await,
        ErrorCode::ConsequenceStateInvalid,
        Some("X-02"),
    );
    assert_eq!(p.details["reason"], "already decided");
    // a consequence of another scorecard is not this one's
    refused(
        decide(&env, round.id, g.id, Uuid::now_v7(), None).await,
        ErrorCode::NotFound,
        None,
    );

    // the confirmed exit takes effect without a second step: membership ends the stay,
    // and the consequence becomes effective
    decide(&env, round.id, g.id, exit.id, Some("考核不合格"))
        .await
        .unwrap();
    let group = until(
        || {
            env.bus()
                .call::<GetGroup>(&env.system, None, GroupRef { group_id: g.id })
        },
        |r| {
            r.as_ref()
                .is_ok_and(|g| !g.active_school_ids.contains(&falling))
        },
    )
    .await
    .unwrap();
    assert!(!group.active_school_ids.contains(&falling), "{group:?}");
    assert!(group.active_school_ids.contains(&rising));
    let card = until(
        || env.scorecard(round.id, g.id),
        |c| {
            c.as_ref().is_ok_and(|c| {
                c.consequences
                    .iter()
                    .any(|c| c.id == exit.id && c.status == ConsequenceStatus::Effective)
            })
        },
    )
    .await
    .unwrap();
    let settled = card.consequences.iter().find(|c| c.id == exit.id).unwrap();
    assert_eq!(settled.status, ConsequenceStatus::Effective, "{settled:?}");
}
