//! The rotation rules as pure functions.

use chrono::NaiveDate;
use edu_contracts::rotation::{PostingPhase, RotationFigures, Term};
use edu_domain::{
    MemberRole, Policy, PostingKind, PostingStatus, Problem, SchoolId, SchoolYear, Semester,
};

use crate::error::RotationError;

/// E-02/E-03 (and E-12 for the kinds a policy may enable): who may send whom where.
pub fn check_direction(
    kind: PostingKind,
    from: MemberRole,
    to: MemberRole,
    policy: &Policy,
) -> Result<(), RotationError> {
    let ok = match kind {
        PostingKind::Secondment | PostingKind::PostHolding => {
            from == MemberRole::Lead && to == MemberRole::Member
        }
        PostingKind::Shadowing => from == MemberRole::Member && to == MemberRole::Lead,
        PostingKind::SupportTeaching | PostingKind::Itinerant => {
            if !policy.support_postings {
                return Err(RotationError::KindDisabled(kind));
            }
            true
        }
    };
    if ok {
        Ok(())
    } else {
        Err(RotationError::Direction(kind))
    }
}

/// What every posting between two schools of a group meets, proposed live or loaded from
/// the group's past: both ends in the group (their roles, `None` when not), two different
/// schools, and the direction its kind allows (E-02, E-03, E-12). Answers both roles.
pub fn check_ends(
    kind: PostingKind,
    (from, to): (SchoolId, SchoolId),
    (from_role, to_role): (Option<MemberRole>, Option<MemberRole>),
    policy: &Policy,
) -> Result<(MemberRole, MemberRole), RotationError> {
    let from_role = from_role.ok_or(RotationError::SchoolNotInGroup)?;
    let to_role = to_role.ok_or(RotationError::SchoolNotInGroup)?;
    if from == to {
        return Err(RotationError::Direction(kind));
    }
    check_direction(kind, from_role, to_role, policy)?;
    Ok((from_role, to_role))
}

/// a member under an open persuade-out (劝退) is given no new
/// lead-to-member postings while the bureau decides.
pub fn check_receiver(
    from: MemberRole,
    to: MemberRole,
    receiver_under_persuade_out: bool,
) -> Result<(), RotationError> {
    if from == MemberRole::Lead && to == MemberRole::Member && receiver_under_persuade_out {
        return Err(RotationError::UnderPersuadeOut);
    }
    Ok(())
}

/// The first and last day of a term, and its school year. Dates stay within one school
/// year (Sep–Aug); semesters are autumn Sep–Jan and spring Feb–Jul (DOMAIN.md §4).
pub fn resolve_term(term: Term) -> Result<(NaiveDate, NaiveDate, SchoolYear), Problem> {
    let invalid = |en: &str, zh: &str| Problem::validation("term", en, zh);
    match term {
        Term::Semester {
            school_year,
            semester,
        } => {
            let y = school_year.0;
            let (start, end) = match semester {
                Semester::Autumn => (
                    NaiveDate::from_ymd_opt(y, 9, 1),
                    NaiveDate::from_ymd_opt(y + 1, 1, 31),
                ),
                Semester::Spring => (
                    NaiveDate::from_ymd_opt(y + 1, 2, 1),
                    NaiveDate::from_ymd_opt(y + 1, 7, 31),
                ),
            };
            match (start, end) {
                (Some(s), Some(e)) if (2000..=2100).contains(&y) => Ok((s, e, school_year)),
                _ => Err(invalid("the school year is out of range", "学年超出范围")),
            }
        }
        Term::Dates { start, end } => {
            if start > end {
                return Err(invalid(
                    "the term ends before it starts",
                    "结束日期早于开始日期",
                ));
            }
            let year = SchoolYear::containing(start);
            if SchoolYear::containing(end) != year {
                return Err(invalid(
                    "a term lies within one school year (1 September to 31 August)",
                    "交流期限须在同一学年内(9月1日至次年8月31日)",
                ));
            }
            Ok((start, end, year))
        }
    }
}

/// The semester a training counts for: August's trainings prepare the coming autumn.
pub fn training_semester(held_on: NaiveDate) -> (SchoolYear, Semester) {
    Semester::containing(held_on).unwrap_or((
        SchoolYear(SchoolYear::containing(held_on).0 + 1),
        Semester::Autumn,
    ))
}

/// Where a posting is in time on `today`.
pub fn phase(
    status: PostingStatus,
    start: NaiveDate,
    last_day: NaiveDate,
    today: NaiveDate,
) -> PostingPhase {
    if status == PostingStatus::EndedEarly || today > last_day {
        PostingPhase::Completed
    } else if today < start {
        PostingPhase::Upcoming
    } else {
        PostingPhase::Active
    }
}

fn pct(part: u32, whole: u32) -> f64 {
    if whole == 0 {
        0.0
    } else {
        f64::from(part) * 100.0 / f64::from(whole)
    }
}

/// `ceil(whole × pct / 100)` in integers.
fn required(whole: u32, min_pct: u8) -> u32 {
    (whole * u32::from(min_pct)).div_ceil(100)
}

/// E-08: rotated ≥ 10 % of eligible, backbone ≥ 20 % of rotated (policy percentages). The
/// backbone shortfall is counted against the number of rotations the ratio requires, so
/// planning the missing rotations as backbone teachers closes both gaps.
pub fn figures(eligible: u32, rotated: u32, backbone: u32, policy: &Policy) -> RotationFigures {
    let needed_total = required(eligible, policy.rotation_min_pct);
    let target_total = rotated.max(needed_total);
    let needed_backbone = required(target_total, policy.backbone_min_pct);
    RotationFigures {
        rotated,
        backbone_rotated: backbone,
        ratio_pct: pct(rotated, eligible),
        backbone_share_pct: pct(backbone, rotated),
        ratio_met: rotated >= needed_total,
        share_met: backbone >= required(rotated, policy.backbone_min_pct)
            && (rotated > 0 || needed_total == 0),
        shortfall: needed_total.saturating_sub(rotated),
        backbone_shortfall: needed_backbone.saturating_sub(backbone),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn x01_no_lead_to_member_posting_under_an_open_persuade_out() {
        assert!(matches!(
            check_receiver(MemberRole::Lead, MemberRole::Member, true),
            Err(RotationError::UnderPersuadeOut)
        ));
        assert!(check_receiver(MemberRole::Lead, MemberRole::Member, false).is_ok());
        // Shadowing at the lead school stays possible: it is the member's own learning.
        assert!(check_receiver(MemberRole::Member, MemberRole::Lead, false).is_ok());
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    #[test]
    fn e02_e03_direction_by_kind() {
        let p = Policy::default();
        use MemberRole::{Lead, Member};
        assert!(check_direction(PostingKind::Secondment, Lead, Member, &p).is_ok());
        assert!(check_direction(PostingKind::PostHolding, Lead, Member, &p).is_ok());
        assert!(matches!(
            check_direction(PostingKind::Secondment, Member, Lead, &p),
            Err(RotationError::Direction(_))
        ));
        assert!(check_direction(PostingKind::Shadowing, Member, Lead, &p).is_ok());
        assert!(matches!(
            check_direction(PostingKind::Shadowing, Lead, Member, &p),
            Err(RotationError::Direction(_))
        ));
        assert!(matches!(
            check_direction(PostingKind::SupportTeaching, Lead, Member, &p),
            Err(RotationError::KindDisabled(_))
        ));
        let enabled = Policy {
            support_postings: true,
            ..Policy::default()
        };
        assert!(check_direction(PostingKind::Itinerant, Member, Member, &enabled).is_ok());
    }

    #[test]
    fn terms_resolve_within_one_school_year() {
        let autumn = Term::Semester {
            school_year: SchoolYear(2025),
            semester: Semester::Autumn,
        };
        assert_eq!(
            resolve_term(autumn).ok(),
            Some((d(2025, 9, 1), d(2026, 1, 31), SchoolYear(2025)))
        );
        let spring = Term::Semester {
            school_year: SchoolYear(2025),
            semester: Semester::Spring,
        };
        assert_eq!(
            resolve_term(spring).ok(),
            Some((d(2026, 2, 1), d(2026, 7, 31), SchoolYear(2025)))
        );
        assert!(
            resolve_term(Term::Dates {
                start: d(2026, 3, 1),
                end: d(2026, 2, 1)
            })
            .is_err()
        );
        assert!(
            resolve_term(Term::Dates {
                start: d(2026, 3, 1),
                end: d(2026, 9, 2)
            })
            .is_err()
        );
        assert!(
            resolve_term(Term::Dates {
                start: d(2026, 3, 1),
                end: d(2026, 8, 31)
            })
            .is_ok()
        );
    }

    #[test]
    fn e08_ratio_and_backbone_share() {
        let p = Policy::default();
        // 19 of 200: 9.5 %, one short
        let f = figures(200, 19, 4, &p);
        assert!((f.ratio_pct - 9.5).abs() < 1e-9);
        assert!(!f.ratio_met);
        assert_eq!(f.shortfall, 1);
        // 20 of 200 with 3 backbone: ratio met, share 15 % < 20 %, one backbone short
        let f = figures(200, 20, 3, &p);
        assert!(f.ratio_met && !f.share_met);
        assert_eq!((f.shortfall, f.backbone_shortfall), (0, 1));
        // 20 with 4 backbone passes
        let f = figures(200, 20, 4, &p);
        assert!(f.ratio_met && f.share_met);
        assert_eq!((f.shortfall, f.backbone_shortfall), (0, 0));
        // nobody rotated: both unmet, the plan needs 20 with 4 backbone
        let f = figures(200, 0, 0, &p);
        assert!(!f.ratio_met && !f.share_met);
        assert_eq!((f.shortfall, f.backbone_shortfall), (20, 4));
    }

    #[test]
    fn august_trainings_count_for_the_coming_autumn() {
        assert_eq!(
            training_semester(d(2026, 8, 20)),
            (SchoolYear(2026), Semester::Autumn)
        );
        assert_eq!(
            training_semester(d(2026, 3, 2)),
            (SchoolYear(2025), Semester::Spring)
        );
    }

    #[test]
    fn phases() {
        let s = PostingStatus::Confirmed;
        assert_eq!(
            phase(s, d(2025, 9, 1), d(2026, 1, 31), d(2025, 8, 1)),
            PostingPhase::Upcoming
        );
        assert_eq!(
            phase(s, d(2025, 9, 1), d(2026, 1, 31), d(2025, 9, 1)),
            PostingPhase::Active
        );
        assert_eq!(
            phase(s, d(2025, 9, 1), d(2026, 1, 31), d(2026, 2, 1)),
            PostingPhase::Completed
        );
        assert_eq!(
            phase(
                PostingStatus::EndedEarly,
                d(2025, 9, 1),
                d(2025, 10, 1),
                d(2025, 9, 5)
            ),
            PostingPhase::Completed
        );
    }
}
