//! The refusals of the charter and development plan, and what a client reads of each: a
//! stable code, both messages, the rule, and the facts behind it.

use chrono::NaiveDate;
use edu_contracts::council::{CharterKind, CharterStatus, CharterVersionId};
use edu_domain::{ErrorCode, GroupId, Problem, SchoolId};
use serde_json::json;

use super::rules::Missing;
use crate::motions::rules::Uncited;

#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    #[error("charter version not found")]
    NotFound,
    /// G-14: one draft of each kind at a time.
    #[error("a draft of the {kind:?} exists")]
    DraftExists {
        kind: CharterKind,
        version_id: CharterVersionId,
        version: u32,
    },
    /// G-14: the version was adopted already (it is in force or was superseded).
    #[error("the version was adopted already")]
    AlreadyAdopted(CharterStatus),
    /// G-14: an adopted version never changes.
    #[error("an adopted version never changes")]
    Final(CharterStatus),
    /// M2: only the version in force is acknowledged.
    #[error("the version is not in force")]
    NotInForce {
        status: CharterStatus,
        /// The version of its kind in force now, if one is.
        in_force: Option<(CharterVersionId, u32)>,
    },
    /// G-14/G-07: the adoption cites no fitting council decision.
    #[error("the adoption needs the council's decision: {missing:?}")]
    DecisionRequired {
        group: GroupId,
        kind: CharterKind,
        changed_on: NaiveDate,
        missing: Missing,
    },
    /// G-01: a milestone's school is not a school of the group.
    #[error("milestone {index}: the school is not in the group")]
    MilestoneSchool { index: usize, school: SchoolId },
    /// M2: the lead school's acknowledgement is implied.
    #[error("the lead school does not acknowledge")]
    AcknowledgedByLead(SchoolId),
    /// M2: a school not in the group has no charter of it to follow.
    #[error("the school is not a member of the group")]
    AcknowledgedByOutsider(SchoolId),
}

fn status_words(status: CharterStatus) -> (&'static str, &'static str) {
    match status {
        CharterStatus::Draft => ("a draft", "草案"),
        CharterStatus::InForce => ("in force", "现行版本"),
        CharterStatus::Superseded => ("superseded", "已被新版本取代"),
    }
}

impl From<Refusal> for Problem {
    fn from(r: Refusal) -> Self {
        match r {
            Refusal::NotFound => Problem::not_found("charter version", "章程版本"),
            Refusal::DraftExists {
                kind,
                version_id,
                version,
            } => Problem::new(
                ErrorCode::CharterDraftExists,
                format!(
                    "the group's {} has a draft already (version {version}): edit that draft, or have the council adopt it, before drafting another",
                    kind.name_en()
                ),
                format!(
                    "{}已有草案(第 {version} 版):请修改该草案或提请理事会通过后再起草新版本",
                    kind.name_zh()
                ),
            )
            .rule("G-14")
            .details(json!({ "kind": kind, "version_id": version_id, "version": version })),
            Refusal::AlreadyAdopted(status) => {
                let (en, zh) = status_words(status);
                Problem::new(
                    ErrorCode::CharterAlreadyAdopted,
                    format!("this version was adopted by the council already ({en}); a change is a new version, adopted by a new decision"),
                    format!("该版本已经理事会通过({zh});如需修改,请起草新版本并提请理事会重新决议"),
                )
                .rule("G-14")
                .details(json!({ "status": status }))
            }
            Refusal::Final(status) => {
                let (en, zh) = status_words(status);
                Problem::new(
                    ErrorCode::CharterVersionFinal,
                    format!("an adopted version never changes (this one is {en}); draft a new version instead"),
                    format!("经理事会通过的版本不得修改(该版本为{zh}),请起草新版本"),
                )
                .rule("G-14")
                .details(json!({ "status": status }))
            }
            Refusal::NotInForce { status, in_force } => {
                let (en, zh) = status_words(status);
                Problem::new(
                    ErrorCode::CharterVersionNotInForce,
                    format!("a member school acknowledges the version in force; this one is {en}"),
                    format!("成员学校确认遵守的是现行版本,该版本为{zh}"),
                )
                .rule("M2")
                .details(json!({
                    "status": status,
                    "in_force_version_id": in_force.map(|(id, _)| id),
                    "in_force_version": in_force.map(|(_, v)| v),
                }))
            }
            Refusal::DecisionRequired {
                group,
                kind,
                changed_on,
                missing,
            } => decision_required(group, kind, changed_on, missing),
            Refusal::MilestoneSchool { index, school } => Problem::new(
                ErrorCode::SchoolNotInGroup,
                format!("milestone {}: the school responsible is not a school of this group", index + 1),
                format!("第 {} 个时间节点的责任学校不是本集团学校", index + 1),
            )
            .rule("G-01")
            .details(json!({ "field": format!("milestones[{index}].school_id"), "school_id": school })),
            Refusal::AcknowledgedByLead(school) => Problem::new(
                ErrorCode::NotAMember,
                "the lead school's acknowledgement is implied: its office drafted the version and the council adopted it; member schools acknowledge",
                "龙头学校起草并经理事会通过,视同已确认;由成员学校确认遵守",
            )
            .rule("M2")
            .details(json!({ "school_id": school, "lead_school": true })),
            Refusal::AcknowledgedByOutsider(school) => Problem::new(
                ErrorCode::NotAMember,
                "only an active member school of the group acknowledges its charter and plan",
                "仅本集团在册成员学校确认遵守集团章程和发展规划",
            )
            .rule("M2")
            .details(json!({ "school_id": school, "lead_school": false })),
        }
    }
}

/// G-14/G-07: what an adoption needs and what its citation lacks. The details name the
/// decision needed (`needed`) and the part missing (`missing`); a decision of another group
/// is not described further, since the caller may not see that group.
fn decision_required(
    group: GroupId,
    kind: CharterKind,
    changed_on: NaiveDate,
    missing: Missing,
) -> Problem {
    let category = kind.decision_category();
    let needed = json!({
        "category": category,
        "group_id": group,
        "decided_on_or_after": changed_on,
    });
    let (what, en, zh, found) = match missing {
        Missing::Cited(Uncited::Citation) => (
            "decision_cited",
            format!(
                "the group's {} is adopted by the council: cite its decision (a passed motion of category {})",
                kind.name_en(),
                category.as_str()
            ),
            format!(
                "{}须经理事会决议通过:请注明理事会的决议(类别为「{}」、已表决通过的议案)",
                kind.name_zh(),
                category.name_zh()
            ),
            json!({}),
        ),
        Missing::Cited(Uncited::Decision(id)) => (
            "decision",
            "the cited decision is not a decision of the council (a motion becomes one when it passes)".to_owned(),
            "所注明的决议不是理事会的决议(议案表决通过后方成为决议)".to_owned(),
            json!({ "decision_id": id }),
        ),
        Missing::Cited(Uncited::SameGroup(id)) => (
            "same_group",
            "the cited council decision is another group's; cite this group's council decision".to_owned(),
            "所注明的决议属于其他集团的理事会,须注明本集团理事会的决议".to_owned(),
            json!({ "decision_id": id }),
        ),
        Missing::SameCategory(id, found) => (
            "same_category",
            format!(
                "the cited council decision is of category {}, not {}",
                found.as_str(),
                category.as_str()
            ),
            format!(
                "所注明的理事会决议类别为「{}」,不是「{}」",
                found.name_zh(),
                category.name_zh()
            ),
            json!({ "decision_id": id, "decision_category": found }),
        ),
        Missing::Unused(id, other) => (
            "unused_decision",
            "the cited council decision adopted another version already; one decision adopts one text".to_owned(),
            "所注明的理事会决议已用于通过另一版本;一项决议只通过一个文本".to_owned(),
            json!({ "decision_id": id, "adopted_version_id": other }),
        ),
        Missing::DecidedOnText {
            decision,
            decided_on,
            changed_on,
        } => (
            "decided_on_this_text",
            format!(
                "the cited council decision was made on {decided_on}, before this draft's text last changed on {changed_on}: put the text as it stands to the council"
            ),
            format!(
                "所注明的理事会决议作出于 {decided_on},早于本草案最后修改日期 {changed_on};请将现稿提交理事会审议"
            ),
            json!({ "decision_id": decision, "decided_on": decided_on }),
        ),
    };
    let mut details = json!({ "missing": what, "needed": needed });
    if let (Some(d), Some(extra)) = (details.as_object_mut(), found.as_object()) {
        d.extend(extra.clone());
    }
    Problem::new(ErrorCode::CouncilDecisionRequired, en, zh)
        .rule(kind.adoption_rule())
        .details(details)
}

#[cfg(test)]
mod tests {
    use super::*;
    use edu_contracts::council::{DecisionCategory, DecisionId};
    use uuid::Uuid;

    #[test]
    fn each_refusal_has_its_code_rule_and_both_messages() {
        let version = CharterVersionId(Uuid::from_u128(5));
        let cases = [
            (
                Refusal::DraftExists {
                    kind: CharterKind::Charter,
                    version_id: version,
                    version: 2,
                },
                ErrorCode::CharterDraftExists,
                "G-14",
            ),
            (
                Refusal::AlreadyAdopted(CharterStatus::InForce),
                ErrorCode::CharterAlreadyAdopted,
                "G-14",
            ),
            (
                Refusal::Final(CharterStatus::Superseded),
                ErrorCode::CharterVersionFinal,
                "G-14",
            ),
            (
                Refusal::NotInForce {
                    status: CharterStatus::Draft,
                    in_force: Some((version, 1)),
                },
                ErrorCode::CharterVersionNotInForce,
                "M2",
            ),
            (
                Refusal::AcknowledgedByLead(SchoolId(Uuid::from_u128(9))),
                ErrorCode::NotAMember,
                "M2",
            ),
        ];
        for (refusal, code, rule) in cases {
            let p = Problem::from(refusal);
            assert_eq!(p.code, code);
            assert_eq!(p.rule.as_deref(), Some(rule));
            assert!(!p.message.is_empty() && !p.message_zh.is_empty());
        }
    }

    #[test]
    fn a_plans_adoption_needs_a_development_plan_decision_under_g07() {
        let day = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap_or_default();
        let id = DecisionId(Uuid::from_u128(3));
        let p = Problem::from(Refusal::DecisionRequired {
            group: GroupId(Uuid::from_u128(1)),
            kind: CharterKind::DevelopmentPlan,
            changed_on: day,
            missing: Missing::SameCategory(id, DecisionCategory::Charter),
        });
        assert_eq!(p.code, ErrorCode::CouncilDecisionRequired);
        assert_eq!(p.rule.as_deref(), Some("G-07"));
        assert_eq!(p.details["missing"], "same_category");
        assert_eq!(p.details["needed"]["category"], "development_plan");
        assert_eq!(p.details["decision_category"], "charter");
        assert_eq!(
            p.message_zh,
            "所注明的理事会决议类别为「集团章程」,不是「发展规划」"
        );
    }
}
