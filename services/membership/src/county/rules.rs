//! The county view's rules, pure: which schools count as junior schools, the coverage
//! figure (F-16), and rounds that do not overlap (F-17).

use edu_domain::{Problem, Stage};

use crate::error::MembershipError;

/// F-17: a round runs three school years.
pub const ROUND_YEARS: i32 = 3;

/// F-16/F-17 speak of 初中: every school with junior years (初中, 九年一贯制, 十二年一贯制).
pub fn has_junior_years(stage: Stage) -> bool {
    matches!(stage, Stage::Junior | Stage::NineYear | Stage::TwelveYear)
}

/// A share in percent with one decimal; `None` of nothing.
pub fn pct(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| (1000.0 * part as f64 / whole as f64).round() / 10.0)
}

/// F-16: the line is met when the covered share reaches it (a county without junior
/// schools has nothing to cover).
pub fn coverage_met(covered_pct: Option<f64>, line_pct: u8) -> bool {
    covered_pct.is_none_or(|p| p >= f64::from(line_pct))
}

/// F-17: a new round of `first`..`first + 2` must not overlap a round of the county.
pub fn check_round(first: i32, existing: &[(i32, i32)]) -> Result<i32, MembershipError> {
    if !(2000..=2100).contains(&first) {
        return Err(Problem::validation(
            "first_school_year",
            "the school year is between 2000 and 2100",
            "学年须在 2000 到 2100 之间",
        )
        .into());
    }
    let last = first + ROUND_YEARS - 1;
    if let Some(&(a, b)) = existing.iter().find(|(a, b)| first <= *b && *a <= last) {
        return Err(MembershipError::WeakRoundOverlaps { first: a, last: b });
    }
    Ok(last)
}

#[cfg(test)]
mod tests {
    use super::*;
    use edu_domain::ErrorCode;

    #[test]
    fn f16_coverage_is_the_share_of_junior_schools_against_the_line() {
        assert!(has_junior_years(Stage::NineYear));
        assert!(!has_junior_years(Stage::Primary));
        assert_eq!(pct(8, 10), Some(80.0));
        assert_eq!(pct(2, 3), Some(66.7));
        assert_eq!(pct(0, 0), None);
        assert!(coverage_met(Some(80.0), 80));
        assert!(!coverage_met(Some(79.9), 80));
        assert!(coverage_met(None, 80));
    }

    #[test]
    fn f17_rounds_run_three_years_and_do_not_overlap() {
        assert_eq!(check_round(2025, &[]).ok(), Some(2027));
        assert_eq!(check_round(2025, &[(2022, 2024)]).ok(), Some(2027));
        let refused = check_round(2026, &[(2022, 2024), (2025, 2027)]);
        assert_eq!(
            refused.map_err(|e| Problem::from(e).code).err(),
            Some(ErrorCode::WeakRoundOverlaps)
        );
        assert_eq!(
            check_round(1999, &[])
                .map_err(|e| Problem::from(e).code)
                .err(),
            Some(ErrorCode::ValidationFailed)
        );
    }
}
