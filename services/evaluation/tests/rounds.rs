//! The rounds of the annual evaluation through the bus (V-03): a round opens as a draft for
//! the groups a year past their plaque date, is recomputed after the bureau corrects its
//! data, and completed once; after that the year is final. A retry with the same
//! Idempotency-Key answers the first reply and changes nothing twice.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod common;

use common::{Env, YEAR, bureau, count, day, env, events_until, refused};
use edu_contracts::evaluation::{
    Dimension, EvaluationCompleted, RoundStatus, SaveScoredItems, ScoredItem, ScoredItemsInput,
};
use edu_contracts::evaluation_year::{
    CompleteRound, ListRounds, RecomputeRound, RoundFilter, RoundQuery, RoundState,
};
use edu_contracts::{Event, Paging};
use edu_domain::{ErrorCode, SchoolYear, Stage};
use uuid::Uuid;

async fn complete(
    env: &Env,
    round_id: Uuid,
    actor: &edu_contracts::Actor,
    key: Option<&str>,
) -> Result<edu_contracts::evaluation::Round, edu_domain::Problem> {
    env.bus()
        .call::<CompleteRound>(
            actor,
            key.map(str::to_owned),
            edu_contracts::evaluation::RoundRef { round_id },
        )
        .await
}

async fn drafts(env: &Env) -> u64 {
    let query = RoundQuery {
        region: common::region(),
        school_year: Some(YEAR),
        status: Some(RoundFilter::Draft),
        paging: Paging::default(),
    };
    let page = env
        .bus()
        .call::<ListRounds>(&env.bureau, None, query)
        .await
        .unwrap();
    u64::try_from(page.total).unwrap()
}

/// V-03: a group plaqued on 2025-09-01 is not evaluated for 2025—2026 (as of 2026-08-31):
/// named, it is refused with the day it becomes eligible; in a round of the whole region it
/// is skipped. The round answers at once as a computing draft, and while the draft claims a
/// group another round for it is refused with the draft's id.
#[tokio::test]
async fn v03_a_round_opens_as_a_draft_and_a_young_group_waits_for_its_year() {
    let env = env().await;
    let old = env
        .group("城关", Stage::Junior, day(2024, 9, 1), &["二中"])
        .await;
    let young = env.group("新区", Stage::Junior, day(2025, 9, 1), &[]).await;

    let p = refused(
        env.open(Some(vec![young.id]), None).await,
        ErrorCode::EvaluationTooEarly,
        Some("V-03"),
    );
    assert_eq!(p.details["groups"][0]["group_id"], young.id.to_string());
    assert_eq!(p.details["groups"][0]["eligible_from"], "2026-09-01");

    let round = env.open(None, None).await.unwrap();
    assert_eq!(round.state, RoundState::Draft);
    assert_eq!(round.status, RoundStatus::Computing);
    assert_eq!(round.as_of, day(2026, 8, 31));
    assert_eq!(round.group_ids, vec![old.id]);
    assert_eq!(round.skipped.len(), 1, "{round:?}");
    assert_eq!(round.skipped[0].group_id, young.id);
    assert_eq!(round.skipped[0].reason, "evaluation_too_early");
    assert_eq!(round.skipped[0].eligible_from, Some(day(2026, 9, 1)));

    let computed = env.computed(round.id).await;
    assert_eq!(computed.state, RoundState::Draft);
    assert_eq!(computed.scorecards.len(), 1);
    assert_eq!(computed.scorecards[0].group_id, old.id);

    // the draft claims the group for the year: a second round points to it
    let p = refused(
        env.open(Some(vec![old.id]), None).await,
        ErrorCode::EvaluationDraftExists,
        Some("V-03"),
    );
    assert_eq!(p.details["round_id"], round.id.to_string());
    assert_eq!(drafts(&env).await, 1);
}

/// V-03: a draft opened on incomplete data shows the missing figure as no data; the bureau
/// corrects the data and recomputes; completing makes the round final: a second completion
/// and a recompute are refused, so is another round of the year, and the year's data of the
/// group's schools and its scored items are locked.
#[tokio::test]
async fn v03_a_recomputed_draft_completes_once_and_locks_the_year() {
    let env = env().await;
    let g = env
        .group("草稿", Stage::Junior, day(2024, 9, 1), &["二中", "三中"])
        .await;
    env.scores(g.lead, 80.0, 82.0, 60).await;
    env.scores(g.members[0], 70.0, 72.0, 50).await;
    // the second member's score of this year is not entered yet
    env.save_data(
        g.members[1],
        Stage::Junior,
        SchoolYear(YEAR.0 - 1),
        Some(60.0),
        None,
    )
    .await
    .unwrap();

    let round = env.computed_round(vec![g.id]).await;
    let members_score = |card: &edu_contracts::evaluation::Scorecard| {
        card.figure("teaching_quality.members_score")
            .cloned()
            .unwrap()
    };
    let draft = env.scorecard(round.id, g.id).await.unwrap();
    assert_eq!(
        members_score(&draft).value,
        None,
        "a member's score is missing"
    );
    assert_eq!(members_score(&draft).score, 0.0);

    env.save_data(
        g.members[1],
        Stage::Junior,
        YEAR,
        Some(66.0),
        Some(common::balance(1000, 55)),
    )
    .await
    .unwrap();
    let again = env
        .bus()
        .call::<RecomputeRound>(
            &env.bureau,
            None,
            edu_contracts::evaluation::RoundRef { round_id: round.id },
        )
        .await
        .unwrap();
    assert_eq!(again.status, RoundStatus::Computing);
    env.computed(round.id).await;
    let recomputed = env.scorecard(round.id, g.id).await.unwrap();
    assert_eq!(
        members_score(&recomputed).value,
        Some(69.0),
        "(72 + 66) / 2"
    );
    assert!(
        recomputed.total > draft.total,
        "{} then {}",
        draft.total,
        recomputed.total
    );

    let done = complete(&env, round.id, &env.bureau, None).await.unwrap();
    assert_eq!(done.state, RoundState::Completed);
    assert_eq!(done.completed_by.as_deref(), Some("bureau-411627"));
    assert!(done.completed_at.is_some());
    let p = refused(
        complete(&env, round.id, &env.bureau, None).await,
        ErrorCode::EvaluationRoundStateInvalid,
        Some("V-03"),
    );
    assert_eq!(p.details["reason"], "completed");
    refused(
        env.bus()
            .call::<RecomputeRound>(
                &env.bureau,
                None,
                edu_contracts::evaluation::RoundRef { round_id: round.id },
            )
            .await,
        ErrorCode::EvaluationRoundStateInvalid,
        Some("V-03"),
    );
    refused(
        env.open(Some(vec![g.id]), None).await,
        ErrorCode::EvaluationAlreadyExists,
        Some("V-03"),
    );
    let p = refused(
        env.save_data(g.members[1], Stage::Junior, YEAR, Some(90.0), None)
            .await,
        ErrorCode::EvaluationDataLocked,
        Some("V-03"),
    );
    assert_eq!(p.details["round_ids"][0], round.id.to_string());
    let items = ScoredItemsInput {
        group_id: g.id,
        school_year: YEAR,
        items: vec![ScoredItem {
            dimension: Dimension::GroupModel,
            score: 90.0,
            evidence: "补充材料".into(),
        }],
    };
    refused(
        env.bus()
            .call::<SaveScoredItems>(&env.bureau, None, items)
            .await,
        ErrorCode::EvaluationDataLocked,
        Some("V-03"),
    );
    assert_eq!(drafts(&env).await, 0);
}

/// The same Idempotency-Key twice opens one round and completes it once: the retry gets the
/// first reply, one `evaluation.completed` per group is published. Another officer reusing
/// the key does not get that reply, and cannot complete the round again.
#[tokio::test]
async fn one_key_opens_one_round_and_completes_it_once() {
    let env = env().await;
    let g = env
        .group("幂等", Stage::Junior, day(2024, 9, 1), &["二中"])
        .await;
    let first = env
        .open(Some(vec![g.id]), Some("round-2025"))
        .await
        .unwrap();
    let retry = env
        .open(Some(vec![g.id]), Some("round-2025"))
        .await
        .unwrap();
    assert_eq!(retry.id, first.id);
    assert_eq!(drafts(&env).await, 1);
    env.computed(first.id).await;

    let done = complete(&env, first.id, &env.bureau, Some("complete-2025"))
        .await
        .unwrap();
    let retried = complete(&env, first.id, &env.bureau, Some("complete-2025"))
        .await
        .unwrap();
    assert_eq!(retried.state, RoundState::Completed);
    assert_eq!(retried.completed_at, done.completed_at);
    // another officer's request under that key is another request: refused, not replayed;
    // without a key the round is already completed
    let other = bureau("bureau-411627-2");
    refused(
        complete(&env, first.id, &other, Some("complete-2025")).await,
        ErrorCode::IdempotencyKeyReused,
        None,
    );
    refused(
        complete(&env, first.id, &other, None).await,
        ErrorCode::EvaluationRoundStateInvalid,
        Some("V-03"),
    );
    let completed = env.round(first.id).await.unwrap();
    assert_eq!(completed.completed_by.as_deref(), Some("bureau-411627"));

    events_until(&env.bus, |e| count(e, EvaluationCompleted::TYPE) >= 1).await;
    // the relay has had the time to publish a second one, were there one
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let events = env.bus.events().await.unwrap();
    assert_eq!(count(&events, EvaluationCompleted::TYPE), 1);
    let published = events
        .iter()
        .find(|e| e.event_type == EvaluationCompleted::TYPE)
        .unwrap();
    assert_eq!(published.group_id, Some(g.id));
}

/// Unknown rounds and scorecards are refused `not_found`, and an evaluation day outside the
/// school year is refused as invalid before anything is claimed.
#[tokio::test]
async fn unknown_rounds_and_a_day_outside_the_year_are_refused() {
    let env = env().await;
    let g = env.group("拒绝", Stage::Junior, day(2024, 9, 1), &[]).await;
    refused(env.round(Uuid::now_v7()).await, ErrorCode::NotFound, None);
    refused(
        env.scorecard(Uuid::now_v7(), g.id).await,
        ErrorCode::NotFound,
        None,
    );
    let body = edu_contracts::evaluation::NewRound {
        region: common::region(),
        school_year: YEAR,
        group_ids: Some(vec![g.id]),
        as_of: Some(day(2027, 1, 1)),
    };
    let p = refused(
        env.bus()
            .call::<edu_contracts::evaluation::OpenRound>(&env.bureau, None, body)
            .await,
        ErrorCode::ValidationFailed,
        None,
    );
    assert_eq!(p.details["field"], "as_of", "{p:?}");
    assert_eq!(drafts(&env).await, 0);
}
