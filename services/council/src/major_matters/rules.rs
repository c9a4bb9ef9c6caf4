//! The rules of a member school's major matter as pure functions: what a request must say,
//! which school it may concern, and which council decision it must cite (G-09, invariant 10).

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Utc};
use edu_contracts::council::{DecisionCategory, DecisionId, MajorMatterKind, NewMajorMatter};
use edu_domain::{GroupId, Problem, SchoolId, text};

use crate::error::CouncilError;
use crate::motions::rules::{Uncited, cited_of_group};
use crate::seats::rules::GroupSchool;

/// The free texts of a request, trimmed and bounded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Texts {
    pub title: String,
    pub description: Option<String>,
}

/// Checks what the request says by itself: a title, a description that `other` cannot do
/// without, and an effective date the council's calendar covers.
pub fn texts(body: &NewMajorMatter) -> Result<Texts, Problem> {
    let title = text::required("title", &body.title, 200)?;
    let description = body
        .description
        .as_deref()
        .map(|d| text::optional("description", d, 2000))
        .transpose()?
        .flatten();
    if body.kind == MajorMatterKind::Other && description.is_none() {
        return Err(Problem::validation(
            "description",
            "a major matter of kind other says what it is in its description",
            "类别为「其他」的重大事项须在说明中写明具体事项",
        ));
    }
    if !(2000..=2100).contains(&body.effective_on.year()) {
        return Err(Problem::validation(
            "effective_on",
            "the effective date is out of range",
            "生效日期超出范围",
        ));
    }
    Ok(Texts { title, description })
}

/// G-09: the matter concerns an active member school of the group. The lead school's own
/// matters are not member schools' major matters.
pub fn check_school(school: SchoolId, schools: &[GroupSchool]) -> Result<(), CouncilError> {
    match schools.iter().find(|s| s.id == school) {
        Some(s) if !s.lead => Ok(()),
        Some(_) => Err(CouncilError::MatterOfLead(school)),
        None => Err(CouncilError::MatterOfNonMember(school)),
    }
}

/// A council decision as the citation check needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CitedDecision {
    pub id: DecisionId,
    pub group: GroupId,
    pub category: DecisionCategory,
    pub subject: Option<SchoolId>,
    pub decided_on: NaiveDate,
}

/// What a major matter's citation lacks (G-09), the first of the checks in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Missing {
    /// None is cited, the council has no such decision, or it is another group's.
    Cited(Uncited),
    /// The decision is of another category than `member_major_matter`.
    SameCategory(DecisionId, DecisionCategory),
    /// The decision is about another school.
    SameSchool(DecisionId, Option<SchoolId>),
    /// The decision was made after the matter takes effect: the council decides first.
    DecidedInTime {
        decision: DecisionId,
        decided_on: NaiveDate,
        effective_on: NaiveDate,
    },
}

/// G-09: the cited decision is the council's decision of category `member_major_matter`
/// about `school`, of `group`, made no later than the day the matter takes effect.
/// `found` is the decision `cited` names, if the council has it; answers that decision.
pub fn check_citation(
    group: GroupId,
    school: SchoolId,
    effective_on: NaiveDate,
    cited: Option<DecisionId>,
    found: Option<CitedDecision>,
) -> Result<CitedDecision, Missing> {
    let d = cited_of_group(group, cited, found, |d| (d.id, d.group)).map_err(Missing::Cited)?;
    let id = d.id;
    if d.category != DecisionCategory::MemberMajorMatter {
        return Err(Missing::SameCategory(id, d.category));
    }
    if d.subject != Some(school) {
        return Err(Missing::SameSchool(id, d.subject));
    }
    if d.decided_on > effective_on {
        return Err(Missing::DecidedInTime {
            decision: id,
            decided_on: d.decided_on,
            effective_on,
        });
    }
    Ok(d)
}

/// G-08: the instants a quarter's days span, `[first 00:00, day after last 00:00)` in UTC,
/// the service's calendar (a quarter's report is submitted once its last UTC day is over, so
/// what was recorded in it no longer changes by then).
pub fn days_span(first: NaiveDate, last: NaiveDate) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let end = last.succ_opt()?;
    Some((
        first.and_time(NaiveTime::MIN).and_utc(),
        end.and_time(NaiveTime::MIN).and_utc(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_days::d;
    use uuid::Uuid;

    const GROUP: GroupId = GroupId(Uuid::from_u128(1));
    const LEAD: SchoolId = SchoolId(Uuid::from_u128(10));
    const MEMBER: SchoolId = SchoolId(Uuid::from_u128(11));
    const OTHER_MEMBER: SchoolId = SchoolId(Uuid::from_u128(12));

    fn decision() -> CitedDecision {
        CitedDecision {
            id: DecisionId(Uuid::from_u128(100)),
            group: GROUP,
            category: DecisionCategory::MemberMajorMatter,
            subject: Some(MEMBER),
            decided_on: d(2026, 3, 12),
        }
    }

    fn check(found: &CitedDecision, effective_on: NaiveDate) -> Result<(), Missing> {
        check_citation(
            GROUP,
            MEMBER,
            effective_on,
            Some(found.id),
            Some(found.clone()),
        )
        .map(|_| ())
    }

    #[test]
    fn g09_the_councils_decision_about_the_school_is_cited() {
        let ok = decision();
        assert_eq!(check(&ok, d(2026, 3, 12)), Ok(()));
        assert_eq!(check(&ok, d(2026, 9, 1)), Ok(()));
    }

    #[test]
    fn g09_each_missing_part_is_named() {
        let ok = decision();
        assert_eq!(
            check_citation(GROUP, MEMBER, d(2026, 4, 1), None, None),
            Err(Missing::Cited(Uncited::Citation))
        );
        assert_eq!(
            check_citation(GROUP, MEMBER, d(2026, 4, 1), Some(ok.id), None),
            Err(Missing::Cited(Uncited::Decision(ok.id)))
        );
        // an id the request names is checked, not another decision that happens to be found
        let elsewhere = DecisionId(Uuid::from_u128(101));
        assert_eq!(
            check_citation(
                GROUP,
                MEMBER,
                d(2026, 4, 1),
                Some(elsewhere),
                Some(ok.clone())
            ),
            Err(Missing::Cited(Uncited::Decision(elsewhere)))
        );
        let other_group = CitedDecision {
            group: GroupId(Uuid::from_u128(2)),
            ..ok.clone()
        };
        assert_eq!(
            check(&other_group, d(2026, 4, 1)),
            Err(Missing::Cited(Uncited::SameGroup(ok.id)))
        );
        let other_category = CitedDecision {
            category: DecisionCategory::WorkPlan,
            subject: None,
            ..ok.clone()
        };
        assert_eq!(
            check(&other_category, d(2026, 4, 1)),
            Err(Missing::SameCategory(ok.id, DecisionCategory::WorkPlan))
        );
        let other_school = CitedDecision {
            subject: Some(OTHER_MEMBER),
            ..ok.clone()
        };
        assert_eq!(
            check(&other_school, d(2026, 4, 1)),
            Err(Missing::SameSchool(ok.id, Some(OTHER_MEMBER)))
        );
        assert_eq!(
            check(&ok, d(2026, 3, 11)),
            Err(Missing::DecidedInTime {
                decision: ok.id,
                decided_on: d(2026, 3, 12),
                effective_on: d(2026, 3, 11),
            })
        );
    }

    #[test]
    fn g09_the_school_is_an_active_member_not_the_lead() {
        let schools = [
            GroupSchool {
                id: LEAD,
                lead: true,
                principal_name: Some("王建国".into()),
            },
            GroupSchool {
                id: MEMBER,
                lead: false,
                principal_name: Some("李明".into()),
            },
        ];
        assert!(check_school(MEMBER, &schools).is_ok());
        assert!(matches!(
            check_school(LEAD, &schools),
            Err(CouncilError::MatterOfLead(s)) if s == LEAD
        ));
        assert!(matches!(
            check_school(OTHER_MEMBER, &schools),
            Err(CouncilError::MatterOfNonMember(s)) if s == OTHER_MEMBER
        ));
    }

    fn body(kind: MajorMatterKind, description: Option<&str>) -> NewMajorMatter {
        NewMajorMatter {
            group_id: GROUP,
            school_id: MEMBER,
            kind,
            title: "  任命李明为二中校长 ".into(),
            description: description.map(Into::into),
            effective_on: d(2026, 3, 16),
            decision_id: None,
        }
    }

    #[test]
    fn texts_are_trimmed_and_other_needs_a_description() {
        let t = texts(&body(
            MajorMatterKind::PrincipalAppointmentOrRemoval,
            Some("  "),
        ));
        assert_eq!(
            t.ok(),
            Some(Texts {
                title: "任命李明为二中校长".into(),
                description: None
            })
        );
        let p = texts(&body(MajorMatterKind::Other, None)).err();
        assert_eq!(
            p.map(|p| p.details["field"].clone()),
            Some(serde_json::json!("description"))
        );
        assert!(texts(&body(MajorMatterKind::Other, Some("校服采购"))).is_ok());
        let mut far = body(MajorMatterKind::Budget, None);
        far.effective_on = d(2200, 1, 1);
        assert!(texts(&far).is_err());
    }

    #[test]
    fn g08_a_quarter_spans_its_utc_days() {
        let span = days_span(d(2026, 1, 1), d(2026, 3, 31));
        let (from, to) = span.unwrap();
        assert_eq!(from.to_rfc3339(), "2026-01-01T00:00:00+00:00");
        assert_eq!(to.to_rfc3339(), "2026-04-01T00:00:00+00:00");
    }
}
