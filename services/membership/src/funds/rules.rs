//! The rules of the group's funds (G-17, G-10), pure: no database, no bus. Money is an
//! integer number of fen; every sum is checked, never wrapped.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use edu_contracts::funds::{Account, Budget, FundSource, FundUse, Spending, UseAmount};
use edu_domain::{ErrorCode, Problem, SchoolId, SchoolYear};
use serde_json::json;

/// School years the funds are kept for, by their starting calendar year.
const SCHOOL_YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// The largest amount one record may carry: 10 billion yuan, far above any county's budget
/// and far below what an `i64` sum of many records could overflow.
pub const MAX_FEN: i64 = 1_000_000_000_000;

/// Fen as people read yuan: `1234567` is `12,345.67`.
pub fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let abs = fen.unsigned_abs();
    let digits = (abs / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{sign}{grouped}.{:02}", abs % 100)
}

pub fn check_year(school_year: i32) -> Result<SchoolYear, Problem> {
    if SCHOOL_YEARS.contains(&school_year) {
        Ok(SchoolYear(school_year))
    } else {
        Err(Problem::validation(
            "school_year",
            "the school year is between 2000 and 2100",
            "学年须在 2000 到 2100 之间",
        ))
    }
}

/// A budget's amount: 0 (nothing budgeted this year) up to [`MAX_FEN`].
pub fn check_budget_amount(amount_fen: i64) -> Result<i64, Problem> {
    if (0..=MAX_FEN).contains(&amount_fen) {
        Ok(amount_fen)
    } else {
        Err(Problem::validation(
            "amount_fen",
            "the amount is in fen, from 0 to 1000000000000",
            "金额以分为单位,须在 0 到 1000000000000 之间",
        ))
    }
}

/// A spending's amount: more than 0, up to [`MAX_FEN`].
pub fn check_spending_amount(amount_fen: i64) -> Result<i64, Problem> {
    if (1..=MAX_FEN).contains(&amount_fen) {
        Ok(amount_fen)
    } else {
        Err(Problem::validation(
            "amount_fen",
            "the amount is in fen, more than 0 and at most 1000000000000",
            "金额以分为单位,须大于 0 且不超过 1000000000000",
        ))
    }
}

/// G-17: a school year's funds pay for that school year: the spending's day lies within it
/// (1 September to 31 August).
pub fn check_spent_on(school_year: SchoolYear, spent_on: NaiveDate) -> Result<(), Problem> {
    if SchoolYear::containing(spent_on) == school_year {
        return Ok(());
    }
    Err(Problem::new(
        ErrorCode::SpendingOutsideSchoolYear,
        format!(
            "{spent_on} is outside school year {school_year} (1 September to 31 August); record it in its own school year"
        ),
        format!(
            "支出日期 {spent_on} 不在{}内(9月1日至次年8月31日),请记入其所属学年",
            school_year.name_zh()
        ),
    )
    .rule("G-17")
    .details(json!({
        "school_year": school_year.0,
        "spent_on": spent_on,
        "first_day": school_year.first_day(),
        "last_day": school_year.last_day(),
    })))
}

/// G-10 (人权、事权、财权): the bureau's special fund is the group's money, administered by the
/// lead school's office; only the lead school spends it. A school's own budget is spent by
/// that school.
pub fn check_spender(source: FundSource, school: SchoolId, lead: SchoolId) -> Result<(), Problem> {
    if source == FundSource::School || school == lead {
        return Ok(());
    }
    Err(Problem::forbidden(
        "the bureau's special fund is administered and spent by the lead school's office",
        "县教育局专项经费由龙头学校集团办公室统一管理和支出",
    )
    .rule("G-10"))
}

/// The budget-exceeded refusal: what the budget is, what was spent and what remains.
fn exceeded(
    source: FundSource,
    budget_fen: i64,
    spent_fen: i64,
    amount_fen: i64,
    en: String,
    zh: String,
) -> Problem {
    Problem::new(ErrorCode::BudgetExceeded, en, zh)
        .rule("G-17")
        .details(json!({
            "source": source,
            "budget_fen": budget_fen,
            "spent_fen": spent_fen,
            "remaining_fen": budget_fen.saturating_sub(spent_fen),
            "amount_fen": amount_fen,
        }))
}

/// G-17: spending stays within the source's budget of the school year (no budget on record
/// is a budget of 0).
pub fn check_within_budget(
    source: FundSource,
    budget_fen: i64,
    spent_fen: i64,
    amount_fen: i64,
) -> Result<(), Problem> {
    let after = spent_fen.checked_add(amount_fen);
    if after.is_some_and(|a| a <= budget_fen) {
        return Ok(());
    }
    let remaining = budget_fen.saturating_sub(spent_fen);
    Err(exceeded(
        source,
        budget_fen,
        spent_fen,
        amount_fen,
        format!(
            "this spending of {} yuan exceeds the budget: {} yuan budgeted, {} spent, {} remaining",
            yuan(amount_fen),
            yuan(budget_fen),
            yuan(spent_fen),
            yuan(remaining)
        ),
        format!(
            "本笔支出 {} 元超出预算:{}预算 {} 元,已支出 {} 元,剩余 {} 元",
            yuan(amount_fen),
            source.name_zh(),
            yuan(budget_fen),
            yuan(spent_fen),
            yuan(remaining)
        ),
    ))
}

/// G-17: a corrected budget covers what was spent against it already.
pub fn check_covers_spent(
    source: FundSource,
    amount_fen: i64,
    spent_fen: i64,
) -> Result<(), Problem> {
    if amount_fen >= spent_fen {
        return Ok(());
    }
    Err(exceeded(
        source,
        amount_fen,
        spent_fen,
        0,
        format!(
            "a budget of {} yuan is less than the {} yuan spent against it already; reverse spending first",
            yuan(amount_fen),
            yuan(spent_fen)
        ),
        format!(
            "预算 {} 元少于已支出的 {} 元;请先冲销相应支出",
            yuan(amount_fen),
            yuan(spent_fen)
        ),
    ))
}

/// A reversal reverses one spending once; a reversal is not reversed.
pub fn check_reversible(entry: &Spending) -> Result<(), Problem> {
    if entry.reverses.is_none() && entry.reversed_by.is_none() {
        return Ok(());
    }
    let (en, zh) = if entry.reverses.is_some() {
        ("this entry is itself a reversal", "该记录本身是冲销记录")
    } else {
        (
            "this spending was reversed already",
            "该笔支出已冲销,不能重复冲销",
        )
    };
    Err(Problem::new(ErrorCode::SpendingAlreadyReversed, en, zh)
        .rule("G-17")
        .details(json!({ "spending_id": entry.id, "reversed_by": entry.reversed_by })))
}

/// Marks every budget record that a later one of the same source and school replaced.
/// `budgets` is in the order they were recorded.
pub fn mark_superseded(budgets: &mut [Budget]) {
    let mut seen = std::collections::BTreeSet::new();
    for b in budgets.iter_mut().rev() {
        b.superseded = !seen.insert((b.source.as_str(), b.school_id));
    }
}

/// The accounts of a group's year: the bureau's fund (spent by the lead school), then each
/// school's own budget in `schools`' order, then any other school found in the records.
/// `budgets` are marked ([`mark_superseded`]); `entries` include reversals.
pub fn accounts(
    lead: SchoolId,
    schools: &[SchoolId],
    budgets: &[Budget],
    entries: &[Spending],
) -> Vec<Account> {
    let mut order: Vec<(FundSource, SchoolId)> = vec![(FundSource::Bureau, lead)];
    let mut push = |key: (FundSource, SchoolId)| {
        if !order.contains(&key) {
            order.push(key);
        }
    };
    push((FundSource::School, lead));
    for s in schools {
        push((FundSource::School, *s));
    }
    for b in budgets {
        if let Some(s) = b.school_id {
            push((FundSource::School, s));
        }
    }
    for e in entries.iter().filter(|e| e.source == FundSource::School) {
        push((FundSource::School, e.school_id));
    }
    order
        .into_iter()
        .map(|(source, school)| {
            let budget_fen = budgets
                .iter()
                .filter(|b| !b.superseded && b.source == source)
                .filter(|b| source == FundSource::Bureau || b.school_id == Some(school))
                .map(|b| b.amount_fen)
                .sum::<i64>();
            let mut by_use: BTreeMap<FundUse, i64> = FundUse::ALL.iter().map(|u| (*u, 0)).collect();
            let mut spent_fen = 0i64;
            for e in entries.iter().filter(|e| e.source == source) {
                if source == FundSource::School && e.school_id != school {
                    continue;
                }
                spent_fen = spent_fen.saturating_add(e.amount_fen);
                let slot = by_use.entry(e.fund_use).or_default();
                *slot = slot.saturating_add(e.amount_fen);
            }
            Account {
                source,
                school_id: school,
                budget_fen,
                spent_fen,
                remaining_fen: budget_fen.saturating_sub(spent_fen),
                by_use: FundUse::ALL
                    .iter()
                    .map(|u| UseAmount {
                        fund_use: *u,
                        amount_fen: by_use.get(u).copied().unwrap_or(0),
                    })
                    .collect(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use edu_contracts::funds::{BudgetId, SpendingId};
    use edu_domain::GroupId;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    fn budget(source: FundSource, school: Option<SchoolId>, amount_fen: i64) -> Budget {
        Budget {
            id: BudgetId::new(),
            group_id: GroupId(uuid::Uuid::nil()),
            school_year: 2025,
            source,
            school_id: school,
            amount_fen,
            document_ref: None,
            note: None,
            supersedes: None,
            superseded: false,
            recorded_by: "t".into(),
            recorded_at: Utc::now(),
        }
    }

    fn spend(source: FundSource, school: SchoolId, amount_fen: i64, fund_use: FundUse) -> Spending {
        Spending {
            id: SpendingId::new(),
            group_id: GroupId(uuid::Uuid::nil()),
            school_id: school,
            school_year: 2025,
            source,
            spent_on: day(2025, 10, 1),
            amount_fen,
            fund_use,
            payee: "p".into(),
            description: None,
            voucher_no: "v".into(),
            reverses: None,
            reversed_by: None,
            reason: None,
            recorded_by: "t".into(),
            recorded_at: Utc::now(),
        }
    }

    #[test]
    fn yuan_groups_thousands_and_keeps_two_decimals() {
        assert_eq!(yuan(0), "0.00");
        assert_eq!(yuan(5), "0.05");
        assert_eq!(yuan(123_456_789), "1,234,567.89");
        assert_eq!(yuan(-100_000), "-1,000.00");
    }

    #[test]
    fn g17_spending_within_its_school_year_only() {
        let y = SchoolYear(2025);
        assert!(check_spent_on(y, day(2025, 9, 1)).is_ok());
        assert!(check_spent_on(y, day(2026, 8, 31)).is_ok());
        let p = check_spent_on(y, day(2025, 8, 31)).err();
        assert_eq!(
            p.map(|p| p.code),
            Some(ErrorCode::SpendingOutsideSchoolYear)
        );
        assert!(check_spent_on(y, day(2026, 9, 1)).is_err());
    }

    #[test]
    fn g17_spending_up_to_the_budget_and_not_a_fen_more() {
        assert!(check_within_budget(FundSource::School, 1000, 400, 600).is_ok());
        let p = check_within_budget(FundSource::School, 1000, 400, 601).err();
        let p = p.map(|p| (p.code, p.rule, p.details["remaining_fen"].clone()));
        assert_eq!(
            p,
            Some((ErrorCode::BudgetExceeded, Some("G-17".into()), json!(600)))
        );
        // no budget on record is a budget of 0
        assert!(check_within_budget(FundSource::Bureau, 0, 0, 1).is_err());
        // no overflow past i64
        assert!(check_within_budget(FundSource::Bureau, i64::MAX, i64::MAX, 1).is_err());
    }

    #[test]
    fn g17_a_corrected_budget_covers_what_was_spent() {
        assert!(check_covers_spent(FundSource::Bureau, 500, 500).is_ok());
        let p = check_covers_spent(FundSource::Bureau, 499, 500).err();
        assert_eq!(p.map(|p| p.code), Some(ErrorCode::BudgetExceeded));
    }

    #[test]
    fn g10_only_the_lead_school_spends_the_bureaus_fund() {
        let (lead, member) = (SchoolId::new(), SchoolId::new());
        assert!(check_spender(FundSource::Bureau, lead, lead).is_ok());
        assert!(check_spender(FundSource::School, member, lead).is_ok());
        let p = check_spender(FundSource::Bureau, member, lead).err();
        assert_eq!(
            p.map(|p| (p.code, p.rule)),
            Some((ErrorCode::Forbidden, Some("G-10".into())))
        );
    }

    #[test]
    fn amounts_are_bounded_fen() {
        assert!(check_budget_amount(0).is_ok());
        assert!(check_budget_amount(-1).is_err());
        assert!(check_spending_amount(0).is_err());
        assert!(check_spending_amount(MAX_FEN).is_ok());
        assert!(check_spending_amount(MAX_FEN + 1).is_err());
    }

    #[test]
    fn g17_a_reversal_is_once_and_not_reversed_itself() {
        let lead = SchoolId::new();
        let mut e = spend(FundSource::School, lead, 10, FundUse::Travel);
        assert!(check_reversible(&e).is_ok());
        e.reversed_by = Some(SpendingId::new());
        assert!(check_reversible(&e).is_err());
        let mut r = spend(FundSource::School, lead, -10, FundUse::Travel);
        r.reverses = Some(SpendingId::new());
        let p = check_reversible(&r).err();
        assert_eq!(p.map(|p| p.code), Some(ErrorCode::SpendingAlreadyReversed));
    }

    #[test]
    fn g17_the_statement_sums_per_source_school_and_use() {
        let (lead, member) = (SchoolId::new(), SchoolId::new());
        let mut budgets = vec![
            budget(FundSource::Bureau, None, 1_000_000),
            budget(FundSource::School, Some(member), 300_000),
            budget(FundSource::Bureau, None, 2_000_000),
        ];
        mark_superseded(&mut budgets);
        assert_eq!(
            budgets.iter().map(|b| b.superseded).collect::<Vec<_>>(),
            vec![true, false, false]
        );
        let mut reversed = spend(FundSource::Bureau, lead, 50_000, FundUse::Travel);
        reversed.reversed_by = Some(SpendingId::new());
        let mut reversal = spend(FundSource::Bureau, lead, -50_000, FundUse::Travel);
        reversal.reverses = Some(reversed.id);
        let entries = vec![
            spend(FundSource::Bureau, lead, 400_000, FundUse::BrandBuilding),
            reversed,
            reversal,
            spend(FundSource::School, member, 100_000, FundUse::Travel),
            spend(FundSource::School, member, 20_000, FundUse::Travel),
        ];
        let accounts = accounts(lead, &[lead, member], &budgets, &entries);
        let figures: Vec<_> = accounts
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
            .collect();
        assert_eq!(
            figures,
            vec![
                (FundSource::Bureau, lead, 2_000_000, 400_000, 1_600_000),
                (FundSource::School, lead, 0, 0, 0),
                (FundSource::School, member, 300_000, 120_000, 180_000),
            ]
        );
        let travel = |a: &Account| {
            a.by_use
                .iter()
                .find(|u| u.fund_use == FundUse::Travel)
                .map(|u| u.amount_fen)
        };
        assert_eq!(travel(&accounts[0]), Some(0), "reversed to nothing");
        assert_eq!(travel(&accounts[2]), Some(120_000));
        assert!(accounts.iter().all(|a| a.by_use.len() == 10));
    }
}
