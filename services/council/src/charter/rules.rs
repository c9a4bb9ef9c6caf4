//! The rules of the group's charter and development plan as pure functions: what a version's
//! text must say (G-01: the plan's timetable and roadmap), which council decision adopts it
//! (G-14, G-07), and which school acknowledges it (M2).

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use edu_contracts::council::{
    CharterKind, CharterStatus, CharterVersionId, DecisionCategory, DecisionId, NewMilestone,
};
use edu_domain::{GroupId, Problem, SchoolId, SchoolYear, Semester, text};

use super::refusals::Refusal;
use crate::meetings::rules::minutes_text;
use crate::motions::rules::{Uncited, cited_of_group};
use crate::seats::rules::GroupSchool;

/// A title's longest, in characters.
pub const TITLE_MAX: usize = 200;
/// A milestone's `what`, in characters.
pub const WHAT_MAX: usize = 500;
/// The most milestones a plan has.
pub const MILESTONES_MAX: usize = 100;

/// When a milestone falls due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    Day(NaiveDate),
    /// A school year, or one of its semesters.
    Term(SchoolYear, Option<Semester>),
}

/// A milestone as checked: trimmed, bounded, with one time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedMilestone {
    pub due: Due,
    pub what: String,
    pub school: SchoolId,
}

/// A version's text as checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    pub title: String,
    pub body: String,
    pub milestones: Vec<CheckedMilestone>,
}

fn in_calendar(year: i32) -> bool {
    (2000..=2100).contains(&year)
}

/// Checks what a version says by itself: a title, a body of plain text (line breaks kept),
/// and for the development plan its timetable and roadmap (G-01): 1 to 100 milestones, each
/// falling due on a day or in a school year (or one of its semesters), saying what and naming
/// the school responsible. A charter has no milestones.
pub fn check_text(
    kind: CharterKind,
    title: &str,
    body: &str,
    milestones: &[NewMilestone],
) -> Result<Text, Problem> {
    let title = text::required("title", title, TITLE_MAX)?;
    let body = minutes_text("body", body)?;
    match kind {
        CharterKind::Charter if !milestones.is_empty() => {
            return Err(Problem::validation(
                "milestones",
                "a charter has no milestones: the timetable and roadmap belong to the development plan",
                "集团章程不设时间节点,时间表和线路图属于集团发展规划",
            ));
        }
        CharterKind::DevelopmentPlan if milestones.is_empty() => {
            return Err(Problem::validation(
                "milestones",
                "the development plan carries its timetable and roadmap: give at least one milestone",
                "集团发展规划须包含时间表和线路图:至少列出一个时间节点",
            )
            .rule("G-01"));
        }
        _ => {}
    }
    if milestones.len() > MILESTONES_MAX {
        return Err(Problem::validation(
            "milestones",
            "a development plan has at most 100 milestones",
            "发展规划的时间节点不超过 100 个",
        ));
    }
    let checked = milestones
        .iter()
        .enumerate()
        .map(|(i, m)| check_milestone(i, m))
        .collect::<Result<_, _>>()?;
    Ok(Text {
        title,
        body,
        milestones: checked,
    })
}

fn check_milestone(i: usize, m: &NewMilestone) -> Result<CheckedMilestone, Problem> {
    let field = |name: &str| format!("milestones[{i}].{name}");
    if m.what.trim().is_empty() {
        return Err(Problem::validation(
            &field("what"),
            &format!("milestone {}: say what is to be done", i + 1),
            &format!("第 {} 个时间节点须写明任务", i + 1),
        ));
    }
    let what = text::required(&field("what"), &m.what, WHAT_MAX)?;
    let due = match (m.due_on, m.school_year, m.semester) {
        (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
            return Err(Problem::validation(
                &field("due_on"),
                "a milestone falls due on a day or in a school year (or one of its semesters), not both",
                "时间节点为某一日期或某一学年(学期),二者择一",
            ));
        }
        (Some(day), None, None) if in_calendar(day.year()) => Due::Day(day),
        (Some(_), None, None) => {
            return Err(Problem::validation(
                &field("due_on"),
                "the milestone's day is out of range",
                "时间节点日期超出范围",
            ));
        }
        (None, Some(year), semester) if in_calendar(year.0) => Due::Term(year, semester),
        (None, Some(_), _) => {
            return Err(Problem::validation(
                &field("school_year"),
                "the milestone's school year is out of range",
                "时间节点学年超出范围",
            ));
        }
        (None, None, Some(_)) => {
            return Err(Problem::validation(
                &field("school_year"),
                "a semester belongs to a school year: give the school_year too",
                "学期须注明所属学年(school_year)",
            ));
        }
        (None, None, None) => {
            return Err(Problem::validation(
                &field("due_on"),
                "a milestone says when: a day (due_on), or a school year (school_year) with or without a semester",
                "时间节点须注明时间:某一日期(due_on),或某一学年(school_year)及学期",
            ));
        }
    };
    Ok(CheckedMilestone {
        due,
        what,
        school: m.school_id,
    })
}

/// G-01: the school responsible for each milestone is a school of the group today, the lead
/// school or a member.
pub fn check_schools(text: &Text, schools: &[GroupSchool]) -> Result<(), Refusal> {
    match text
        .milestones
        .iter()
        .enumerate()
        .find(|(_, m)| !schools.iter().any(|s| s.id == m.school))
    {
        Some((index, m)) => Err(Refusal::MilestoneSchool {
            index,
            school: m.school,
        }),
        None => Ok(()),
    }
}

/// A council decision as the adoption check needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CitedDecision {
    pub id: DecisionId,
    pub group: GroupId,
    pub category: DecisionCategory,
    pub decided_on: NaiveDate,
    /// The version the decision adopted already, if any.
    pub adopted: Option<CharterVersionId>,
}

/// What an adoption's citation lacks (G-14, G-07), the first of the checks in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Missing {
    /// None is cited, the council has no such decision, or it is another group's.
    Cited(Uncited),
    /// The decision is of another category than the kind's.
    SameCategory(DecisionId, DecisionCategory),
    /// The decision adopted another version already: one decision adopts one text.
    Unused(DecisionId, CharterVersionId),
    /// The decision was made before the draft's text last changed: the council did not
    /// decide on this text.
    DecidedOnText {
        decision: DecisionId,
        decided_on: NaiveDate,
        changed_on: NaiveDate,
    },
}

/// The day a draft's text last changed (its drafting or its last edit), in the service's
/// calendar (UTC, as the council's quarters).
pub fn changed_on(drafted_at: DateTime<Utc>, edited_at: Option<DateTime<Utc>>) -> NaiveDate {
    edited_at.unwrap_or(drafted_at).date_naive()
}

/// G-14/G-07: the cited decision is this group's council's, of the kind's category, has
/// adopted no other version, and was made no earlier than the day the draft's text last
/// changed. `found` is the decision `cited` names, if the council has it.
pub fn check_citation(
    group: GroupId,
    kind: CharterKind,
    changed_on: NaiveDate,
    cited: Option<DecisionId>,
    found: Option<CitedDecision>,
) -> Result<CitedDecision, Missing> {
    let d = cited_of_group(group, cited, found, |d| (d.id, d.group)).map_err(Missing::Cited)?;
    let id = d.id;
    if d.category != kind.decision_category() {
        return Err(Missing::SameCategory(id, d.category));
    }
    if let Some(other) = d.adopted {
        return Err(Missing::Unused(id, other));
    }
    if d.decided_on < changed_on {
        return Err(Missing::DecidedOnText {
            decision: id,
            decided_on: d.decided_on,
            changed_on,
        });
    }
    Ok(d)
}

/// G-14: only a draft is adopted; an adopted version (in force or superseded) is final.
pub fn check_adoptable(status: CharterStatus) -> Result<(), Refusal> {
    match status {
        CharterStatus::Draft => Ok(()),
        adopted => Err(Refusal::AlreadyAdopted(adopted)),
    }
}

/// G-14: only a draft is edited; an adopted version never changes.
pub fn check_editable(status: CharterStatus) -> Result<(), Refusal> {
    match status {
        CharterStatus::Draft => Ok(()),
        adopted => Err(Refusal::Final(adopted)),
    }
}

/// M2: a member school of the group acknowledges; the lead school's acknowledgement is
/// implied, and a school not in the group has nothing to follow.
pub fn check_acknowledging(school: SchoolId, schools: &[GroupSchool]) -> Result<(), Refusal> {
    match schools.iter().find(|s| s.id == school) {
        Some(s) if !s.lead => Ok(()),
        Some(_) => Err(Refusal::AcknowledgedByLead(school)),
        None => Err(Refusal::AcknowledgedByOutsider(school)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_days::d;
    use uuid::Uuid;

    const GROUP: GroupId = GroupId(Uuid::from_u128(1));
    const LEAD: SchoolId = SchoolId(Uuid::from_u128(10));
    const MEMBER: SchoolId = SchoolId(Uuid::from_u128(11));
    const OUTSIDER: SchoolId = SchoolId(Uuid::from_u128(12));

    fn milestone(
        due_on: Option<NaiveDate>,
        year: Option<i32>,
        sem: Option<Semester>,
    ) -> NewMilestone {
        NewMilestone {
            due_on,
            school_year: year.map(SchoolYear),
            semester: sem,
            what: " 建成集团课程资源库 ".into(),
            school_id: MEMBER,
        }
    }

    fn field(r: Result<Text, Problem>) -> Option<serde_json::Value> {
        r.err().map(|p| p.details["field"].clone())
    }

    #[test]
    fn g01_a_plan_has_milestones_and_a_charter_none() {
        let plan = [
            milestone(Some(d(2027, 6, 30)), None, None),
            milestone(None, Some(2026), Some(Semester::Autumn)),
            milestone(None, Some(2027), None),
        ];
        let t = check_text(
            CharterKind::DevelopmentPlan,
            " 三年规划 ",
            "第一章\n总则",
            &plan,
        );
        let t = t.ok();
        assert_eq!(t.as_ref().map(|t| t.title.as_str()), Some("三年规划"));
        assert_eq!(t.as_ref().map(|t| t.body.as_str()), Some("第一章\n总则"));
        let dues: Vec<Due> = t
            .map(|t| t.milestones.iter().map(|m| m.due).collect())
            .unwrap_or_default();
        assert_eq!(
            dues,
            [
                Due::Day(d(2027, 6, 30)),
                Due::Term(SchoolYear(2026), Some(Semester::Autumn)),
                Due::Term(SchoolYear(2027), None)
            ]
        );
        let p = check_text(CharterKind::DevelopmentPlan, "规划", "正文", &[]).err();
        assert_eq!(p.as_ref().and_then(|p| p.rule.as_deref()), Some("G-01"));
        assert_eq!(
            p.map(|p| p.details["field"].clone()),
            Some(serde_json::json!("milestones"))
        );
        assert_eq!(
            field(check_text(CharterKind::Charter, "章程", "正文", &plan)),
            Some(serde_json::json!("milestones"))
        );
        assert!(check_text(CharterKind::Charter, "章程", "第一条\n第二条", &[]).is_ok());
    }

    #[test]
    fn each_milestone_says_when_once_and_what() {
        let bad = |m: NewMilestone| {
            field(check_text(
                CharterKind::DevelopmentPlan,
                "规划",
                "正文",
                &[m],
            ))
        };
        assert_eq!(
            bad(milestone(Some(d(2027, 6, 30)), Some(2026), None)),
            Some(serde_json::json!("milestones[0].due_on"))
        );
        assert_eq!(
            bad(milestone(None, None, None)),
            Some(serde_json::json!("milestones[0].due_on"))
        );
        assert_eq!(
            bad(milestone(None, None, Some(Semester::Spring))),
            Some(serde_json::json!("milestones[0].school_year"))
        );
        assert_eq!(
            bad(milestone(None, Some(2200), None)),
            Some(serde_json::json!("milestones[0].school_year"))
        );
        let blank = NewMilestone {
            what: "  ".into(),
            ..milestone(Some(d(2027, 6, 30)), None, None)
        };
        assert_eq!(bad(blank), Some(serde_json::json!("milestones[0].what")));
        let many = vec![milestone(Some(d(2027, 6, 30)), None, None); MILESTONES_MAX + 1];
        assert_eq!(
            field(check_text(
                CharterKind::DevelopmentPlan,
                "规划",
                "正文",
                &many
            )),
            Some(serde_json::json!("milestones"))
        );
        // the body keeps its lines but not other control characters, and is bounded
        assert_eq!(
            field(check_text(CharterKind::Charter, "章程", "第一条\u{0}", &[])),
            Some(serde_json::json!("body"))
        );
        assert_eq!(
            field(check_text(
                CharterKind::Charter,
                "章程",
                &"条".repeat(20_001),
                &[]
            )),
            Some(serde_json::json!("body"))
        );
    }

    fn schools() -> [GroupSchool; 2] {
        [
            GroupSchool {
                id: LEAD,
                lead: true,
                principal_name: None,
            },
            GroupSchool {
                id: MEMBER,
                lead: false,
                principal_name: None,
            },
        ]
    }

    #[test]
    fn g01_the_school_responsible_is_of_the_group() {
        let mut m = milestone(Some(d(2027, 6, 30)), None, None);
        let ok = check_text(CharterKind::DevelopmentPlan, "规划", "正文", &[m.clone()]);
        assert!(ok.is_ok_and(|t| check_schools(&t, &schools()).is_ok()));
        m.school_id = OUTSIDER;
        let t = check_text(
            CharterKind::DevelopmentPlan,
            "规划",
            "正文",
            &[m.clone(), m],
        );
        assert!(matches!(
            t.map(|t| check_schools(&t, &schools())),
            Ok(Err(Refusal::MilestoneSchool { index: 0, school })) if school == OUTSIDER
        ));
    }

    fn decision() -> CitedDecision {
        CitedDecision {
            id: DecisionId(Uuid::from_u128(100)),
            group: GROUP,
            category: DecisionCategory::Charter,
            decided_on: d(2026, 3, 12),
            adopted: None,
        }
    }

    fn check(found: &CitedDecision, kind: CharterKind, changed: NaiveDate) -> Result<(), Missing> {
        check_citation(GROUP, kind, changed, Some(found.id), Some(found.clone())).map(|_| ())
    }

    #[test]
    fn g14_the_councils_decision_of_the_kinds_category_adopts() {
        let ok = decision();
        assert_eq!(check(&ok, CharterKind::Charter, d(2026, 3, 12)), Ok(()));
        assert_eq!(check(&ok, CharterKind::Charter, d(2026, 3, 1)), Ok(()));
        let plan = CitedDecision {
            category: DecisionCategory::DevelopmentPlan,
            ..ok.clone()
        };
        assert_eq!(
            check(&plan, CharterKind::DevelopmentPlan, d(2026, 3, 1)),
            Ok(())
        );
    }

    #[test]
    fn g14_each_missing_part_is_named() {
        let ok = decision();
        let day = d(2026, 3, 1);
        assert_eq!(
            check_citation(GROUP, CharterKind::Charter, day, None, None),
            Err(Missing::Cited(Uncited::Citation))
        );
        assert_eq!(
            check_citation(GROUP, CharterKind::Charter, day, Some(ok.id), None),
            Err(Missing::Cited(Uncited::Decision(ok.id)))
        );
        let other_group = CitedDecision {
            group: GroupId(Uuid::from_u128(2)),
            ..ok.clone()
        };
        assert_eq!(
            check(&other_group, CharterKind::Charter, day),
            Err(Missing::Cited(Uncited::SameGroup(ok.id)))
        );
        // a charter decision does not adopt the plan, nor a plan decision the charter
        assert_eq!(
            check(&ok, CharterKind::DevelopmentPlan, day),
            Err(Missing::SameCategory(ok.id, DecisionCategory::Charter))
        );
        let work_plan = CitedDecision {
            category: DecisionCategory::WorkPlan,
            ..ok.clone()
        };
        assert_eq!(
            check(&work_plan, CharterKind::Charter, day),
            Err(Missing::SameCategory(ok.id, DecisionCategory::WorkPlan))
        );
        let used = CitedDecision {
            adopted: Some(CharterVersionId(Uuid::from_u128(7))),
            ..ok.clone()
        };
        assert_eq!(
            check(&used, CharterKind::Charter, day),
            Err(Missing::Unused(ok.id, CharterVersionId(Uuid::from_u128(7))))
        );
        assert_eq!(
            check(&ok, CharterKind::Charter, d(2026, 3, 13)),
            Err(Missing::DecidedOnText {
                decision: ok.id,
                decided_on: d(2026, 3, 12),
                changed_on: d(2026, 3, 13),
            })
        );
    }

    #[test]
    fn g14_only_a_draft_changes_or_is_adopted() {
        assert!(check_editable(CharterStatus::Draft).is_ok());
        assert!(check_adoptable(CharterStatus::Draft).is_ok());
        for adopted in [CharterStatus::InForce, CharterStatus::Superseded] {
            assert!(matches!(check_editable(adopted), Err(Refusal::Final(s)) if s == adopted));
            assert!(
                matches!(check_adoptable(adopted), Err(Refusal::AlreadyAdopted(s)) if s == adopted)
            );
        }
    }

    #[test]
    fn m2_a_member_school_acknowledges() {
        assert!(check_acknowledging(MEMBER, &schools()).is_ok());
        assert!(matches!(
            check_acknowledging(LEAD, &schools()),
            Err(Refusal::AcknowledgedByLead(s)) if s == LEAD
        ));
        assert!(matches!(
            check_acknowledging(OUTSIDER, &schools()),
            Err(Refusal::AcknowledgedByOutsider(s)) if s == OUTSIDER
        ));
    }

    #[test]
    fn the_text_changes_on_its_last_edit() {
        let drafted = d(2026, 3, 1).and_hms_opt(8, 0, 0).map(|t| t.and_utc());
        let edited = d(2026, 3, 5).and_hms_opt(8, 0, 0).map(|t| t.and_utc());
        let drafted = drafted.unwrap_or_default();
        assert_eq!(changed_on(drafted, None), d(2026, 3, 1));
        assert_eq!(changed_on(drafted, edited), d(2026, 3, 5));
    }
}
