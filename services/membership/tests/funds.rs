//! The group's funds (G-17, G-10) end to end: the real membership service on its own
//! database and NATS namespace, called over the bus exactly as lead-api calls it.

#![allow(clippy::expect_used)]

#[allow(dead_code)] // the helpers of the membership tests; these use a part of them
#[path = "membership/support.rs"]
mod support;

use chrono::NaiveDate;
use edu_contracts::funds::{
    Budget, FundSource, FundUse, GetSpending, GetStatement, GrantFunds, NewBudget, NewGrant,
    NewSpending, RecordSpending, Reversal, ReverseSpending, SetBudget, Spending, SpendingRef,
    Statement, StatementQuery,
};
use edu_contracts::membership::{Dissolution, DissolveGroup, Group, School};
use edu_domain::{ErrorCode, GroupModel, Problem, SchoolId, Stage};
use futures::future::join_all;
use support::Harness;

type TestResult = anyhow::Result<()>;

#[track_caller]
fn refused<T: std::fmt::Debug>(r: Result<T, Problem>, expected: ErrorCode) -> Problem {
    match r {
        Ok(v) => panic!("expected {expected}, got Ok({v:?})"),
        Err(p) => {
            assert_eq!(p.code, expected, "unexpected refusal: {p:?}");
            assert!(!p.message.is_empty() && !p.message_zh.is_empty(), "{p:?}");
            p
        }
    }
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

/// A group of three: the lead and two members.
async fn group_of_three(h: &Harness) -> anyhow::Result<(Group, School, School, School)> {
    let (group, lead) = h.group(GroupModel::Alliance, Stage::Junior).await?;
    let schools = h.schools(Stage::Junior, 2).await?;
    for s in &schools {
        h.admit(&group, s).await?;
    }
    let [a, b]: [School; 2] = schools.try_into().expect("two schools");
    Ok((group, lead, a, b))
}

fn grant(group: &Group, amount_fen: i64) -> NewGrant {
    NewGrant {
        group_id: group.id,
        school_year: 2025,
        amount_fen,
        document_ref: "太教财〔2025〕12号".into(),
        note: None,
    }
}

fn budget(group: &Group, school: SchoolId, amount_fen: i64) -> NewBudget {
    NewBudget {
        group_id: group.id,
        school_id: school,
        school_year: 2025,
        amount_fen,
        document_ref: None,
        note: Some("2025学年集团化办学专项经费".into()),
    }
}

fn spend(group: &Group, school: SchoolId, source: FundSource, amount_fen: i64) -> NewSpending {
    NewSpending {
        group_id: group.id,
        school_id: school,
        school_year: 2025,
        source,
        spent_on: day(2025, 10, 15),
        amount_fen,
        fund_use: FundUse::QualityCourses,
        payee: "太康县印刷厂".into(),
        description: Some("校本课程教材印制".into()),
        voucher_no: "记-2025-10-031".into(),
    }
}

impl Harness {
    async fn grant(&self, body: NewGrant) -> Result<Budget, Problem> {
        self.bus
            .bus
            .call::<GrantFunds>(&self.actor, None, body)
            .await
    }
    async fn budget(&self, body: NewBudget) -> Result<Budget, Problem> {
        self.bus
            .bus
            .call::<SetBudget>(&self.actor, None, body)
            .await
    }
    async fn spend(&self, body: NewSpending) -> Result<Spending, Problem> {
        self.bus
            .bus
            .call::<RecordSpending>(&self.actor, None, body)
            .await
    }
    async fn reverse(&self, spending: &Spending) -> Result<Spending, Problem> {
        let body = Reversal {
            spending_id: spending.id,
            reason: "凭证号录入错误".into(),
        };
        self.bus
            .bus
            .call::<ReverseSpending>(&self.actor, None, body)
            .await
    }
    async fn statement(&self, group: &Group) -> anyhow::Result<Statement> {
        let q = StatementQuery {
            group_id: group.id,
            school_year: 2025,
        };
        Ok(self
            .bus
            .bus
            .call::<GetStatement>(&self.actor, None, q)
            .await?)
    }
}

/// (source, school, budget, spent, remaining) of every account.
fn figures(s: &Statement) -> Vec<(FundSource, SchoolId, i64, i64, i64)> {
    s.accounts
        .iter()
        .map(|a| {
            (
                a.source,
                a.school_id,
                a.budget_fen,
                a.spent_fen,
                a.remaining_fen,
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn g17_grants_budgets_spending_and_the_statement() -> TestResult {
    let h = Harness::start().await?;
    let (group, lead, a, b) = group_of_three(&h).await?;

    // the bureau's grant, then its correction: the first stays on record, superseded
    let first = h.grant(grant(&group, 1_000_000)).await?;
    let corrected = h.grant(grant(&group, 2_000_000)).await?;
    assert_eq!(corrected.supersedes, Some(first.id));
    assert_eq!(
        (corrected.source, corrected.school_id),
        (FundSource::Bureau, None)
    );
    let p = refused(
        h.grant(NewGrant {
            document_ref: " ".into(),
            ..grant(&group, 1)
        })
        .await,
        ErrorCode::ValidationFailed,
    );
    assert_eq!(p.details["field"], "document_ref");
    refused(
        h.grant(grant(&group, -1)).await,
        ErrorCode::ValidationFailed,
    );

    // each school budgets its own funds
    h.budget(budget(&group, a.id, 300_000)).await?;
    h.budget(budget(&group, lead.id, 500_000)).await?;

    // the lead office spends the bureau's fund (G-10); a member may not
    h.spend(spend(&group, lead.id, FundSource::Bureau, 400_000))
        .await?;
    let p = refused(
        h.spend(spend(&group, a.id, FundSource::Bureau, 1)).await,
        ErrorCode::Forbidden,
    );
    assert_eq!(p.rule.as_deref(), Some("G-10"));

    // G-17: beyond the budget is refused, with what remains; up to it passes
    h.spend(NewSpending {
        fund_use: FundUse::Travel,
        ..spend(&group, a.id, FundSource::School, 100_000)
    })
    .await?;
    let p = refused(
        h.spend(spend(&group, a.id, FundSource::School, 200_001))
            .await,
        ErrorCode::BudgetExceeded,
    );
    assert_eq!(p.rule.as_deref(), Some("G-17"));
    assert_eq!(
        (
            &p.details["budget_fen"],
            &p.details["spent_fen"],
            &p.details["remaining_fen"]
        ),
        (&300_000.into(), &100_000.into(), &200_000.into())
    );
    assert!(
        p.message_zh.contains("剩余 2,000.00 元"),
        "{}",
        p.message_zh
    );
    h.spend(spend(&group, a.id, FundSource::School, 200_000))
        .await?;
    // a school with no budget on record has a budget of 0
    refused(
        h.spend(spend(&group, b.id, FundSource::School, 1)).await,
        ErrorCode::BudgetExceeded,
    );
    // a corrected budget below what was spent is refused
    refused(
        h.budget(budget(&group, a.id, 299_999)).await,
        ErrorCode::BudgetExceeded,
    );

    // outside the school year's dates; a school outside the group
    let p = refused(
        h.spend(NewSpending {
            spent_on: day(2026, 9, 1),
            ..spend(&group, lead.id, FundSource::School, 1)
        })
        .await,
        ErrorCode::SpendingOutsideSchoolYear,
    );
    assert_eq!(p.details["last_day"], "2026-08-31");
    let stranger = h.school(Stage::Junior, support::HOME).await?;
    refused(
        h.spend(spend(&group, stranger.id, FundSource::School, 1))
            .await,
        ErrorCode::SchoolNotInGroup,
    );
    refused(
        h.budget(budget(&group, stranger.id, 1)).await,
        ErrorCode::SchoolNotInGroup,
    );

    // the statement: per source and school, and per use
    let s = h.statement(&group).await?;
    assert_eq!(
        figures(&s),
        vec![
            (FundSource::Bureau, lead.id, 2_000_000, 400_000, 1_600_000),
            (FundSource::School, lead.id, 500_000, 0, 500_000),
            (FundSource::School, a.id, 300_000, 300_000, 0),
            (FundSource::School, b.id, 0, 0, 0),
        ]
    );
    assert_eq!(
        (s.budget_fen, s.spent_fen, s.remaining_fen),
        (2_800_000, 700_000, 2_100_000)
    );
    let used = |i: usize, u: FundUse| {
        s.accounts[i]
            .by_use
            .iter()
            .find(|x| x.fund_use == u)
            .map(|x| x.amount_fen)
    };
    assert_eq!(used(2, FundUse::Travel), Some(100_000));
    assert_eq!(used(2, FundUse::QualityCourses), Some(200_000));
    assert_eq!(
        s.budgets.iter().map(|b| b.superseded).collect::<Vec<_>>(),
        vec![true, false, false, false]
    );
    assert_eq!(s.entries.len(), 3);

    let events = h.settled_events(6).await?;
    let count = |t: &str| events.iter().filter(|e| e.event_type == t).count();
    assert_eq!(
        (
            count("funds.granted"),
            count("funds.budgeted"),
            count("funds.spent")
        ),
        (2, 2, 3)
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn g17_race_twenty_spends_against_a_budget_for_ten() -> TestResult {
    let h = Harness::start().await?;
    let (group, lead, a, _) = group_of_three(&h).await?;
    h.grant(grant(&group, 1_000)).await?;
    h.budget(budget(&group, a.id, 500)).await?;

    // the bureau's fund by the lead, and a member's own budget, at once
    let calls = (0..20)
        .map(|_| spend(&group, lead.id, FundSource::Bureau, 100))
        .chain((0..10).map(|_| spend(&group, a.id, FundSource::School, 100)))
        .map(|body| {
            let bus = h.bus.bus.clone();
            let actor = h.actor.clone();
            tokio::spawn(async move { bus.call::<RecordSpending>(&actor, None, body).await })
        });
    let results: Vec<Result<Spending, Problem>> = join_all(calls)
        .await
        .into_iter()
        .map(|r| r.expect("task"))
        .collect();
    let passed = |source: FundSource| {
        results
            .iter()
            .filter(|r| r.as_ref().is_ok_and(|s| s.source == source))
            .count()
    };
    assert_eq!(
        (passed(FundSource::Bureau), passed(FundSource::School)),
        (10, 5)
    );
    let refusals: Vec<ErrorCode> = results
        .iter()
        .filter_map(|r| r.as_ref().err().map(|p| p.code))
        .collect();
    assert_eq!(refusals, vec![ErrorCode::BudgetExceeded; 15]);
    let s = h.statement(&group).await?;
    assert_eq!(
        (s.accounts[0].spent_fen, s.accounts[0].remaining_fen),
        (1_000, 0)
    );
    assert_eq!(s.accounts[2].spent_fen, 500);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn g17_a_mistaken_spending_is_reversed_once_and_kept() -> TestResult {
    let h = Harness::start().await?;
    let (group, lead, _, _) = group_of_three(&h).await?;
    h.grant(grant(&group, 1_000)).await?;
    let spent = h
        .spend(spend(&group, lead.id, FundSource::Bureau, 1_000))
        .await?;
    refused(
        h.spend(spend(&group, lead.id, FundSource::Bureau, 1)).await,
        ErrorCode::BudgetExceeded,
    );

    // five reversals at once: one passes
    let calls = (0..5).map(|_| {
        let bus = h.bus.bus.clone();
        let actor = h.actor.clone();
        let body = Reversal {
            spending_id: spent.id,
            reason: "重复登记".into(),
        };
        tokio::spawn(async move { bus.call::<ReverseSpending>(&actor, None, body).await })
    });
    let results: Vec<Result<Spending, Problem>> = join_all(calls)
        .await
        .into_iter()
        .map(|r| r.expect("task"))
        .collect();
    let reversals: Vec<&Spending> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
    assert_eq!(reversals.len(), 1, "{results:?}");
    let reversal = reversals[0].clone();
    assert!(
        results
            .iter()
            .filter_map(|r| r.as_ref().err())
            .all(|p| p.code == ErrorCode::SpendingAlreadyReversed)
    );
    assert_eq!(
        (reversal.amount_fen, reversal.reverses),
        (-1_000, Some(spent.id))
    );
    // a reversal is not reversed; the original now names its reversal
    refused(
        h.reverse(&reversal).await,
        ErrorCode::SpendingAlreadyReversed,
    );
    let original = h
        .bus
        .bus
        .call::<GetSpending>(
            &h.actor,
            None,
            SpendingRef {
                spending_id: spent.id,
            },
        )
        .await?;
    assert_eq!(original.reversed_by, Some(reversal.id));

    // the budget is free again; both entries stay on record
    h.spend(spend(&group, lead.id, FundSource::Bureau, 600))
        .await?;
    let s = h.statement(&group).await?;
    assert_eq!(
        (s.accounts[0].spent_fen, s.accounts[0].remaining_fen),
        (600, 400)
    );
    assert_eq!(s.entries.len(), 3);
    let events = h.settled_events(1).await?;
    assert_eq!(
        events
            .iter()
            .filter(|e| e.event_type == "funds.reversed")
            .count(),
        1
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn g17_idempotent_spending_and_a_dissolved_groups_funds() -> TestResult {
    let h = Harness::start().await?;
    let (group, lead, _, _) = group_of_three(&h).await?;
    h.grant(grant(&group, 1_000)).await?;
    let key = Some("funds-spend-2025-10-031".to_owned());
    let body = spend(&group, lead.id, FundSource::Bureau, 700);
    let first = h
        .bus
        .bus
        .call::<RecordSpending>(&h.actor, key.clone(), body.clone())
        .await?;
    let again = h
        .bus
        .bus
        .call::<RecordSpending>(&h.actor, key.clone(), body.clone())
        .await?;
    assert_eq!(first, again, "a retry answers the first result");
    let other = NewSpending {
        amount_fen: 1,
        ..body
    };
    refused(
        h.bus.bus.call::<RecordSpending>(&h.actor, key, other).await,
        ErrorCode::IdempotencyKeyReused,
    );
    assert_eq!(h.statement(&group).await?.spent_fen, 700);

    // a dissolved group's funds take no change; its statement stays readable
    h.bus
        .bus
        .call::<DissolveGroup>(
            &h.actor,
            None,
            Dissolution {
                group_id: group.id,
                reason: "撤并".into(),
                override_reason: Some("县政府决定撤并".into()),
            },
        )
        .await?;
    refused(
        h.spend(spend(&group, lead.id, FundSource::Bureau, 1)).await,
        ErrorCode::GroupDissolved,
    );
    refused(
        h.grant(grant(&group, 2_000)).await,
        ErrorCode::GroupDissolved,
    );
    refused(h.reverse(&first).await, ErrorCode::GroupDissolved);
    let s = h.statement(&group).await?;
    assert_eq!((s.budget_fen, s.spent_fen), (1_000, 700));
    Ok(())
}
