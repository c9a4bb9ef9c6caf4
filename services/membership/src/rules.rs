//! The membership rules as pure functions over facts read inside the transaction.

use chrono::NaiveDate;
use edu_domain::{GroupModel, GroupStatus, MemberRole, Policy, RegionCode, SchoolId, Stage};
use uuid::Uuid;

use crate::error::MembershipError;

/// What a group is, as far as admitting a member goes.
pub struct GroupFacts {
    pub name: String,
    pub model: GroupModel,
    pub status: GroupStatus,
    pub lead_school_id: SchoolId,
    pub lead_stage: Stage,
    pub region: RegionCode,
    pub scale_cap: Option<u8>,
    pub cap_exception: bool,
    pub active_members: u8,
    /// F-08/V-07: the lead school's latest recorded quality, if the bureau recorded any.
    pub lead_quality: Option<LeadTrend>,
}

/// The lead school's latest recorded quality trend (F-08, V-07).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LeadTrend {
    pub school_year: i32,
    pub score: f64,
    pub improving: bool,
}

/// The school applying.
pub struct Candidate {
    pub id: SchoolId,
    pub stage: Stage,
    pub region: RegionCode,
    /// Its current place in any group.
    pub current_role: Option<MemberRole>,
}

/// The terms a member is admitted on (F-04, F-06, F-07).
#[derive(Debug, PartialEq)]
pub struct Terms {
    pub plaque_text: String,
    pub legal_person_retained: bool,
    pub independent_leadership: bool,
    pub cross_region: bool,
}

/// Decides an admission.
pub fn admit(
    group: &GroupFacts,
    school: &Candidate,
    policy: &Policy,
) -> Result<Terms, MembershipError> {
    if group.status == GroupStatus::Dissolved {
        return Err(MembershipError::GroupDissolved);
    }
    // F-01: the lead is never a member, of its own group or of another.
    if school.id == group.lead_school_id || school.current_role == Some(MemberRole::Lead) {
        return Err(MembershipError::LeadCannotBeMember);
    }
    // §8.5: one group at a time.
    if school.current_role == Some(MemberRole::Member) {
        return Err(MembershipError::AlreadyInGroup);
    }
    // F-03 (§8.2: trusteeship groups may mix stages when the policy says so).
    if policy.requires_same_stage(group.model) && school.stage != group.lead_stage {
        return Err(MembershipError::StageMismatch {
            lead: group.lead_stage,
            school: school.stage,
        });
    }
    // F-08/V-07 (§8.4): the bureau sizes a group on condition that its lead school's
    // quality keeps rising; while the latest record says it does not, the group does not grow.
    if policy.lead_quality_gate
        && let Some(trend) = group.lead_quality
        && !trend.improving
    {
        return Err(MembershipError::LeadQualityNotImproving {
            lead_school_id: group.lead_school_id,
            school_year: trend.school_year,
            score: trend.score,
        });
    }
    // F-08/F-09: active members (lead not counted, §8.1) ≤ effective cap.
    let cap = policy.effective_cap(group.model, group.scale_cap, group.cap_exception);
    if group.active_members >= cap {
        return Err(MembershipError::CapExceeded {
            cap,
            active: group.active_members,
            model: group.model,
            scale_cap: group.scale_cap,
            policy_version: policy.version,
        });
    }
    Ok(Terms {
        plaque_text: group.model.plaque_text(&group.name),
        legal_person_retained: group.model.member_keeps_legal_person(),
        independent_leadership: group.model.member_keeps_own_leadership(),
        // F-04: allowed, and flagged.
        cross_region: school.region != group.region,
    })
}

/// §8.3: a bureau scale cap above the model's cap is an exception that needs a reason.
pub fn check_scale_cap(
    policy: &Policy,
    model: GroupModel,
    scale_cap: Option<u8>,
    reason: Option<&str>,
) -> Result<bool, MembershipError> {
    match scale_cap {
        Some(0) => Err(edu_domain::Problem::validation(
            "scale_cap",
            "scale_cap must be at least 1",
            "办学规模上限至少为 1",
        )
        .into()),
        Some(scale) if scale > policy.model_cap(model) => match reason {
            Some(_) => Ok(true),
            None => Err(MembershipError::CapExceptionReasonRequired {
                scale_cap: scale,
                model_cap: policy.model_cap(model),
            }),
        },
        _ => Ok(false),
    }
}

/// F-08/V-07: whether the lead's quality improved on the year before: as the bureau says,
/// or else by comparing with the score of the year before, which must then be on record.
pub fn lead_improving(
    score: f64,
    stated: Option<bool>,
    previous_score: Option<f64>,
) -> Result<bool, MembershipError> {
    if !(0.0..=100.0).contains(&score) {
        return Err(edu_domain::Problem::validation(
            "score",
            "the quality score is between 0 and 100",
            "质量评估得分须在 0 到 100 之间",
        )
        .into());
    }
    match (stated, previous_score) {
        (Some(improving), _) => Ok(improving),
        (None, Some(previous)) => Ok(score > previous),
        (None, None) => Err(edu_domain::Problem::validation(
            "improving",
            "no score of the year before is on record: say whether quality improved",
            "没有上一学年的得分记录:请注明质量是否提升",
        )
        .into()),
    }
}

/// X-01/§8.7: a persuade-out rests on at least one active warning or a failing evaluation.
pub fn persuade_out_grounds(
    active_warnings: &[edu_domain::WarningId],
    failing_evaluation: Option<Uuid>,
) -> Result<(), MembershipError> {
    if active_warnings.is_empty() && failing_evaluation.is_none() {
        return Err(MembershipError::WarningOrFailedEvaluationRequired);
    }
    Ok(())
}

/// G-09: the council decision (category member_major_matter, about the school, during its
/// membership) a persuade-out rests on: the one named, or else the latest.
pub fn council_decision(
    found: &[(Uuid, NaiveDate)],
    wanted: Option<Uuid>,
) -> Result<Uuid, MembershipError> {
    let pick = match wanted {
        Some(id) => found.iter().find(|(d, _)| *d == id),
        None => found.iter().max_by_key(|(d, on)| (*on, *d)),
    };
    pick.map(|(d, _)| *d)
        .ok_or(MembershipError::CouncilDecisionRequired {
            decision_id: wanted,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn x01_persuade_out_needs_a_warning_or_a_failing_evaluation() {
        assert!(matches!(
            persuade_out_grounds(&[], None),
            Err(MembershipError::WarningOrFailedEvaluationRequired)
        ));
        assert!(persuade_out_grounds(&[edu_domain::WarningId::new()], None).is_ok());
        assert!(persuade_out_grounds(&[], Some(Uuid::now_v7())).is_ok());
    }

    #[test]
    fn g09_persuade_out_needs_the_councils_decision() {
        let d = |m| NaiveDate::from_ymd_opt(2026, m, 1).unwrap_or_default();
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        assert!(matches!(
            council_decision(&[], None),
            Err(MembershipError::CouncilDecisionRequired { decision_id: None })
        ));
        assert!(matches!(council_decision(&[(a, d(3)), (b, d(2))], None), Ok(x) if x == a));
        assert!(matches!(council_decision(&[(a, d(3)), (b, d(2))], Some(b)), Ok(x) if x == b));
        assert!(matches!(
            council_decision(&[(a, d(3))], Some(b)),
            Err(MembershipError::CouncilDecisionRequired { decision_id: Some(x) }) if x == b
        ));
    }

    fn region(code: &str) -> RegionCode {
        RegionCode::parse(code).unwrap_or_else(|_| panic!("bad region in test"))
    }

    fn group(model: GroupModel, active: u8) -> GroupFacts {
        GroupFacts {
            name: "太康一中教育集团".into(),
            model,
            status: GroupStatus::Active,
            lead_school_id: SchoolId::new(),
            lead_stage: Stage::Junior,
            region: region("411627"),
            scale_cap: None,
            cap_exception: false,
            active_members: active,
            lead_quality: None,
        }
    }

    fn candidate(stage: Stage) -> Candidate {
        Candidate {
            id: SchoolId::new(),
            stage,
            region: region("411627"),
            current_role: None,
        }
    }

    #[test]
    fn f09_caps_by_model() {
        let p = Policy::default();
        assert!(
            admit(
                &group(GroupModel::Alliance, 4),
                &candidate(Stage::Junior),
                &p
            )
            .is_ok()
        );
        assert!(matches!(
            admit(
                &group(GroupModel::Alliance, 5),
                &candidate(Stage::Junior),
                &p
            ),
            Err(MembershipError::CapExceeded {
                cap: 5,
                active: 5,
                ..
            })
        ));
        assert!(matches!(
            admit(&group(GroupModel::Tight, 3), &candidate(Stage::Junior), &p),
            Err(MembershipError::CapExceeded { cap: 3, .. })
        ));
    }

    #[test]
    fn f08_bureau_scale_cap_lowers_the_cap() {
        let mut g = group(GroupModel::Alliance, 2);
        g.scale_cap = Some(2);
        let err = admit(&g, &candidate(Stage::Junior), &Policy::default()).err();
        assert!(matches!(
            err,
            Some(MembershipError::CapExceeded {
                cap: 2,
                scale_cap: Some(2),
                ..
            })
        ));
    }

    #[test]
    fn f03_same_stage_unless_trusteeship_may_mix() {
        let mut p = Policy::default();
        let err = admit(
            &group(GroupModel::Alliance, 0),
            &candidate(Stage::Primary),
            &p,
        )
        .err();
        assert!(matches!(
            err,
            Some(MembershipError::StageMismatch {
                lead: Stage::Junior,
                school: Stage::Primary
            })
        ));
        p.trusteeship_mixed_stages = true;
        assert!(
            admit(
                &group(GroupModel::Trusteeship, 0),
                &candidate(Stage::Primary),
                &p
            )
            .is_ok()
        );
    }

    #[test]
    fn f01_lead_is_never_a_member_and_one_group_at_a_time() {
        let p = Policy::default();
        let g = group(GroupModel::Alliance, 0);
        let mut own_lead = candidate(Stage::Junior);
        own_lead.id = g.lead_school_id;
        assert!(matches!(
            admit(&g, &own_lead, &p),
            Err(MembershipError::LeadCannotBeMember)
        ));
        let mut other_lead = candidate(Stage::Junior);
        other_lead.current_role = Some(MemberRole::Lead);
        assert!(matches!(
            admit(&g, &other_lead, &p),
            Err(MembershipError::LeadCannotBeMember)
        ));
        let mut member = candidate(Stage::Junior);
        member.current_role = Some(MemberRole::Member);
        assert!(matches!(
            admit(&g, &member, &p),
            Err(MembershipError::AlreadyInGroup)
        ));
    }

    #[test]
    fn f06_f07_f04_terms_by_model_and_region() -> Result<(), MembershipError> {
        let p = Policy::default();
        let t = admit(&group(GroupModel::Tight, 0), &candidate(Stage::Junior), &p)?;
        assert_eq!(t.plaque_text, "太康一中教育集团校区");
        assert!(!t.legal_person_retained && !t.independent_leadership && !t.cross_region);
        let mut far = candidate(Stage::Junior);
        far.region = region("411621");
        let t = admit(&group(GroupModel::Alliance, 0), &far, &p)?;
        assert_eq!(t.plaque_text, "太康一中教育集团成员学校");
        assert!(t.legal_person_retained && t.independent_leadership && t.cross_region);
        let t = admit(
            &group(GroupModel::Trusteeship, 0),
            &candidate(Stage::Junior),
            &p,
        )?;
        assert!(t.legal_person_retained && t.independent_leadership);
        Ok(())
    }

    #[test]
    fn f08_v07_no_admission_while_the_leads_quality_is_not_improving() {
        let mut p = Policy::default();
        let mut g = group(GroupModel::Alliance, 1);
        let trend = |improving| LeadTrend {
            school_year: 2025,
            score: 81.0,
            improving,
        };
        g.lead_quality = Some(trend(true));
        assert!(admit(&g, &candidate(Stage::Junior), &p).is_ok());
        g.lead_quality = Some(trend(false));
        assert!(matches!(
            admit(&g, &candidate(Stage::Junior), &p),
            Err(MembershipError::LeadQualityNotImproving {
                school_year: 2025,
                ..
            })
        ));
        // §8.4: a design inference, so the region's policy may switch the gate off.
        p.lead_quality_gate = false;
        assert!(admit(&g, &candidate(Stage::Junior), &p).is_ok());
    }

    #[test]
    fn f08_improving_is_stated_or_compared_with_the_year_before() {
        assert!(matches!(
            lead_improving(80.0, Some(false), Some(70.0)),
            Ok(false)
        ));
        assert!(matches!(lead_improving(80.0, None, Some(70.0)), Ok(true)));
        assert!(matches!(lead_improving(80.0, None, Some(80.0)), Ok(false)));
        assert!(matches!(
            lead_improving(80.0, None, None),
            Err(MembershipError::Invalid(_))
        ));
        assert!(matches!(
            lead_improving(100.5, Some(true), None),
            Err(MembershipError::Invalid(_))
        ));
    }

    #[test]
    fn dissolved_group_accepts_nothing() {
        let mut g = group(GroupModel::Alliance, 0);
        g.status = GroupStatus::Dissolved;
        assert!(matches!(
            admit(&g, &candidate(Stage::Junior), &Policy::default()),
            Err(MembershipError::GroupDissolved)
        ));
    }

    #[test]
    fn scale_cap_exception_needs_a_reason() {
        let p = Policy::default();
        assert!(matches!(
            check_scale_cap(&p, GroupModel::Tight, Some(3), None),
            Ok(false)
        ));
        assert!(matches!(
            check_scale_cap(&p, GroupModel::Tight, Some(4), None),
            Err(MembershipError::CapExceptionReasonRequired {
                scale_cap: 4,
                model_cap: 3
            })
        ));
        assert!(matches!(
            check_scale_cap(&p, GroupModel::Tight, Some(4), Some("新校区")),
            Ok(true)
        ));
        assert!(matches!(
            check_scale_cap(&p, GroupModel::Tight, Some(0), None),
            Err(MembershipError::Invalid(_))
        ));
    }
}
