//! Golden envelopes: the group's funds (G-17).

use super::*;
use edu_contracts::funds::{
    BudgetId, FundSource, FundUse, FundsBudgeted, FundsGranted, FundsReversed, FundsSpent,
    SpendingId,
};

const GRANT: u128 = 0x90;
const BUDGET: u128 = 0x91;
const SPENDING: u128 = 0x92;
const REVERSAL: u128 = 0x93;

fn funds_golden<E: Event + PartialEq + Debug>(
    name: &str,
    n: u128,
    school: Option<u128>,
    event: &E,
) {
    assert_eq!(E::SERVICE, ServiceName::Membership);
    event_golden(name, envelope(n, event, Some(GROUP), school), event);
}

#[test]
fn golden_funds_granted() {
    let event = FundsGranted {
        budget_id: BudgetId(id(GRANT)),
        group_id: GroupId(id(GROUP)),
        school_year: 2025,
        amount_fen: 50_000_000,
        document_ref: "太教财〔2025〕12号".into(),
        supersedes: None,
    };
    funds_golden("event_funds_granted", 60, None, &event);
}

#[test]
fn golden_funds_budgeted() {
    let event = FundsBudgeted {
        budget_id: BudgetId(id(BUDGET)),
        group_id: GroupId(id(GROUP)),
        school_id: SchoolId(id(MEMBER)),
        school_year: 2025,
        amount_fen: 10_000_000,
        supersedes: Some(BudgetId(id(BUDGET - 0x10))),
    };
    funds_golden("event_funds_budgeted", 61, Some(MEMBER), &event);
}

#[test]
fn golden_funds_spent() {
    let event = FundsSpent {
        spending_id: SpendingId(id(SPENDING)),
        group_id: GroupId(id(GROUP)),
        school_id: SchoolId(id(LEAD)),
        school_year: 2025,
        source: FundSource::Bureau,
        spent_on: NaiveDate::from_ymd_opt(2025, 10, 15).expect("date"),
        amount_fen: 1_250_000,
        fund_use: FundUse::QualityCourses,
        voucher_no: "记-2025-10-031".into(),
    };
    funds_golden("event_funds_spent", 62, Some(LEAD), &event);
}

#[test]
fn golden_funds_reversed() {
    let event = FundsReversed {
        spending_id: SpendingId(id(REVERSAL)),
        reverses: SpendingId(id(SPENDING)),
        group_id: GroupId(id(GROUP)),
        school_id: SchoolId(id(LEAD)),
        school_year: 2025,
        source: FundSource::Bureau,
        amount_fen: 1_250_000,
        reason: "凭证号录入错误,冲销后重新登记".into(),
    };
    funds_golden("event_funds_reversed", 63, Some(LEAD), &event);
}
