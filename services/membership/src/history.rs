//! Groups that existed before this system (县里早已组建的集团). The bureau loads a group's
//! past with its real dates — formation and plaque, every admission and exit — and it is
//! replayed in date order through the rules of live writes, under the policy in force on each
//! date: caps and the bureau's scale (F-08, F-09), same stage (F-03), the lead never a member
//! and one group at a time over the whole span (F-01, §8.5), the lead's quality known before
//! the school year (V-07). The first entry a live write would have refused refuses the whole
//! load (one transaction). Its events carry the real dates, so the obligations, the rotation
//! ratios and the first evaluation (V-03) count from them.

use chrono::{DateTime, NaiveDate, Utc};
use edu_bus::outbox;
use edu_contracts::Command;
use edu_contracts::events::{MemberAdmitted, MemberExited};
use edu_contracts::membership::{GroupHistory, MemberList, PastMembership};
use edu_db::idempotency;
use edu_domain::{ExitReason, GroupStatus, MemberRole, MembershipId, Problem, SchoolYear, text};

use crate::admission::insert_membership;
use crate::error::MembershipError;
use crate::rules;
use crate::service::{Formation, MembershipService, Result, establish};
use crate::store::{self, MembershipRow};

/// At most this many stays in one load.
const MAX_MEMBERS: usize = 200;

/// A day as the instant the history records it at (midnight UTC keeps the calendar date).
fn at(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(chrono::NaiveTime::MIN).and_utc()
}

fn invalid(field: &str, en: &str, zh: &str) -> MembershipError {
    Problem::validation(field, en, zh).into()
}

/// The dates of one stay, checked against the group's formation and today.
fn check_stay(
    row: usize,
    stay: &PastMembership,
    formed_on: NaiveDate,
    today: NaiveDate,
) -> Result<()> {
    let fail = |cause: MembershipError| MembershipError::InHistory {
        row,
        on: stay.joined_on,
        cause: Box::new(cause),
    };
    if stay.joined_on < formed_on || stay.joined_on > today {
        return Err(fail(invalid(
            "joined_on",
            "a member joins between the group's formation and today",
            "成员学校加入日期须在集团组建之后、今天之前",
        )));
    }
    match (stay.left_on, stay.exit_reason) {
        (None, None) => Ok(()),
        (Some(left), Some(reason)) => {
            if left <= stay.joined_on || left > today {
                return Err(fail(invalid(
                    "left_on",
                    "a member leaves after it joined and no later than today",
                    "退出日期须晚于加入日期且不晚于今天",
                )));
            }
            if reason == ExitReason::Dissolution {
                return Err(fail(invalid(
                    "exit_reason",
                    "only a dissolution ends a membership for `dissolution`",
                    "仅集团撤销可使用「集团撤销」作为退出原因",
                )));
            }
            Ok(())
        }
        _ => Err(fail(invalid(
            "exit_reason",
            "a member that left needs both its exit date and its reason",
            "已退出的成员学校须同时填写退出日期和退出原因",
        ))),
    }
}

/// One step of the replay: the stay's admission or its exit.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Step {
    /// Exits come first on a day, so a place freed that day can be taken that day.
    Exit,
    Admit,
}

impl MembershipService {
    /// Loads a group's past (bureau): see the module's documentation.
    pub async fn import_group(&self, cmd: Command<GroupHistory>) -> Result<MemberList> {
        let body = &cmd.body;
        let name = text::required("name", &body.name, 100)?;
        let reason = body
            .cap_exception_reason
            .as_deref()
            .map(|r| text::optional("cap_exception_reason", r, 500))
            .transpose()?
            .flatten();
        let notes = body
            .members
            .iter()
            .map(|m| {
                Ok(m.note
                    .as_deref()
                    .map(|n| text::optional("note", n, 500))
                    .transpose()?
                    .flatten())
            })
            .collect::<Result<Vec<_>>>()?;
        if body.members.len() > MAX_MEMBERS {
            return Err(invalid(
                "members",
                "at most 200 member stays in one load",
                "一次最多载入 200 条成员记录",
            ));
        }
        let today = Utc::now().date_naive();
        let formed_on = body.formed_on.unwrap_or(body.plaque_date);
        if formed_on > today {
            return Err(invalid(
                "formed_on",
                "a group's past starts no later than today",
                "集团组建日期不能晚于今天",
            ));
        }
        for (row, stay) in body.members.iter().enumerate() {
            check_stay(row, stay, formed_on, today)?;
        }
        let mut conn = self.conn().await?;
        idempotency::for_request(
            &mut conn,
            "group.import",
            &cmd.actor.sub,
            cmd.idempotency_key.as_deref(),
            &cmd.body,
            async |conn| {
                let lead = store::school(conn, body.lead_school_id)
                    .await?
                    .ok_or(MembershipError::SchoolNotFound)?;
                let region = lead.region()?;
                let policy = store::policy_on(conn, &region, formed_on).await?;
                // F-01/§8.5: the lead is in no other group from the formation on.
                if store::role_during(conn, body.lead_school_id, at(formed_on), None)
                    .await?
                    .is_some()
                {
                    return Err(MembershipError::AlreadyInGroup);
                }
                let formation = Formation {
                    name: &name,
                    model: body.model,
                    lead: &lead,
                    plaque_date: body.plaque_date,
                    scale_cap: body.scale_cap,
                    cap_exception_reason: reason.as_deref(),
                    on: at(formed_on),
                    policy: &policy,
                };
                let (group, exception) = establish(conn, &cmd.actor, formation).await?;
                let group_id = group.id;
                let mut steps: Vec<(NaiveDate, Step, usize)> = Vec::new();
                for (row, stay) in body.members.iter().enumerate() {
                    steps.push((stay.joined_on, Step::Admit, row));
                    if let Some(left) = stay.left_on {
                        steps.push((left, Step::Exit, row));
                    }
                }
                steps.sort();
                let mut active: Vec<usize> = Vec::new();
                let mut rows: Vec<Option<MembershipRow>> = vec![None; body.members.len()];
                let lead_stage = lead.stage()?;
                for (day, step, row) in steps {
                    let stay = &body.members[row];
                    let in_history = |cause: MembershipError| MembershipError::InHistory {
                        row,
                        on: day,
                        cause: Box::new(cause),
                    };
                    match step {
                        Step::Exit => {
                            active.retain(|r| *r != row);
                            let membership = rows[row]
                                .as_ref()
                                .ok_or_else(|| in_history(MembershipError::NotAMember))?;
                            let event = MemberExited {
                                group_id,
                                school_id: stay.school_id,
                                membership_id: membership.id,
                                reason: stay.exit_reason.unwrap_or(ExitReason::Voluntary),
                                note: notes[row].clone(),
                                left_on: Some(day),
                            };
                            outbox::enqueue(
                                conn,
                                &cmd.actor,
                                Some(group_id),
                                Some(stay.school_id),
                                &event,
                            )
                            .await?;
                        }
                        Step::Admit => {
                            let school = store::school(conn, stay.school_id)
                                .await?
                                .ok_or_else(|| in_history(MembershipError::SchoolNotFound))?;
                            let policy = store::policy_on(conn, &region, day).await?;
                            let lead_quality = crate::scale::store::lead_quality_before(
                                conn,
                                lead.id,
                                SchoolYear::containing(day).0,
                            )
                            .await?
                            .map(|q| rules::LeadTrend {
                                school_year: q.school_year,
                                score: q.score,
                                improving: q.improving,
                            });
                            let facts = rules::GroupFacts {
                                name: name.clone(),
                                model: body.model,
                                status: GroupStatus::Active,
                                lead_school_id: lead.id,
                                lead_stage,
                                region: region.clone(),
                                scale_cap: body.scale_cap,
                                cap_exception: exception,
                                active_members: u8::try_from(active.len()).unwrap_or(u8::MAX),
                                lead_quality,
                            };
                            let current_role = store::role_during(
                                conn,
                                stay.school_id,
                                at(day),
                                stay.left_on.map(at),
                            )
                            .await?;
                            let candidate = rules::Candidate {
                                id: stay.school_id,
                                stage: school.stage()?,
                                region: school.region()?,
                                current_role,
                            };
                            let terms =
                                rules::admit(&facts, &candidate, &policy).map_err(in_history)?;
                            let membership = MembershipRow {
                                id: MembershipId::new(),
                                group_id: group.id,
                                school_id: school.id,
                                role: MemberRole::Member.as_str().to_owned(),
                                joined_at: at(day),
                                left_at: stay.left_on.map(at),
                                exit_reason: stay.exit_reason.map(|r| r.as_str().to_owned()),
                                exit_note: notes[row].clone(),
                                plaque_text: terms.plaque_text,
                                legal_person_retained: terms.legal_person_retained,
                                independent_leadership: terms.independent_leadership,
                                cross_region: terms.cross_region,
                                policy_version: policy.version,
                            };
                            insert_membership(conn, &membership)
                                .await
                                .map_err(in_history)?;
                            let event = MemberAdmitted {
                                group_id,
                                school_id: stay.school_id,
                                membership_id: membership.id,
                                plaque_text: membership.plaque_text.clone(),
                                legal_person_retained: membership.legal_person_retained,
                                independent_leadership: Some(membership.independent_leadership),
                                cross_region: membership.cross_region,
                                policy_version: membership.policy_version,
                                region: Some(school.region().map_err(|e| in_history(e.into()))?),
                                school_name: Some(school.name.clone()),
                                principal_name: Some(school.principal_name.clone()),
                                joined_on: Some(day),
                            };
                            outbox::enqueue(
                                conn,
                                &cmd.actor,
                                Some(group_id),
                                Some(stay.school_id),
                                &event,
                            )
                            .await?;
                            active.push(row);
                            rows[row] = Some(membership);
                        }
                    }
                }
                let (view, members) = store::member_list(conn, group_id, true, today)
                    .await?
                    .ok_or(MembershipError::GroupNotFound)?;
                let members = members
                    .into_iter()
                    .map(|(m, name)| m.into_view(name))
                    .collect::<diesel::QueryResult<_>>()?;
                Ok(MemberList {
                    group: view,
                    members,
                })
            },
        )
        .await
    }
}
