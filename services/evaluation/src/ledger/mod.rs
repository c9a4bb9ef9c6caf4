//! The obligation ledger (G-06, G-08, G-15, V-06, M2, M5, E-05, E-06, E-08 as a KPI, E-09)
//! and a school's notification feed. Reads only this service's projection; E-08's figures
//! come from the rotation service over the bus.

pub mod rules;
mod store;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use chrono::{Datelike, Days, NaiveDate, NaiveTime, Utc};
use edu_contracts::Command;
use edu_contracts::obligations::{
    Feed, FeedQuery, Ledger, LedgerQuery, LedgerSummary, Notification, NotificationKind,
    Obligation, ObligationStatus, Obligor, Period, RecordKind, RecordLink,
};
use edu_contracts::rotation::{ComplianceQuery, GetCompliance, Scope};
use edu_db::PooledConn;
use edu_domain::{GroupId, Policy, PostingKind, SchoolYear, Semester};

use crate::error::EvaluationError;
use crate::service::{EvaluationService, Result};
use rules::{Facts, MeetingFact, PostingFact, ReportFact, SchoolFact};

pub(crate) use store::group;

/// Missed obligations stay in a school's feed this long after their due date.
const OVERDUE_LOOKBACK_DAYS: u64 = 45;
/// Changes shown in a feed.
const CHANGES_SHOWN: i64 = 20;

fn corrupt(what: &str, value: &str) -> diesel::result::Error {
    diesel::result::Error::DeserializationError(
        format!("stored {what} {value:?} is not valid").into(),
    )
}

fn parse<T: std::str::FromStr>(what: &str, value: &str) -> diesel::QueryResult<T> {
    value.parse().map_err(|_| corrupt(what, value))
}

impl EvaluationService {
    /// The group's facts for a period and the region policy in force on `as_of`.
    async fn facts(
        conn: &mut PooledConn,
        group_id: GroupId,
        (from, to): (NaiveDate, NaiveDate),
        as_of: NaiveDate,
    ) -> Result<(Facts, Policy)> {
        let group = store::group(conn, group_id)
            .await?
            .ok_or(EvaluationError::GroupNotFound)?;
        let policy = edu_bus::policy::in_force(conn, group.region.as_str(), as_of).await?;
        let schools = store::schools(conn, group_id)
            .await?
            .into_iter()
            .map(|s| SchoolFact {
                id: s.school_id,
                role: s.role,
                joined_on: s.joined_on,
                left_on: s.left_on,
            })
            .collect();
        // The group's meetings, read by the same query the scorecards read a region's with.
        let meetings = crate::scorecards::store::meetings_of(conn, &[group_id], (from, to))
            .await?
            .into_iter()
            .map(|(_, id, kind, held_on, present)| {
                Ok(MeetingFact {
                    id,
                    kind: parse("meeting kind", &kind)?,
                    held_on,
                    present,
                })
            })
            .collect::<diesel::QueryResult<_>>()?;
        let reports = store::reports_of(conn, group_id)
            .await?
            .into_iter()
            .map(|r| {
                // A stored quarter outside 1..=4 is no report of any quarter: refused as
                // corrupt rather than counted as quarter 0.
                let quarter = u32::try_from(r.quarter)
                    .ok()
                    .filter(|q| (1..=4).contains(q))
                    .ok_or_else(|| corrupt("report quarter", &r.quarter.to_string()))?;
                Ok(ReportFact {
                    year: r.year,
                    quarter,
                    id: r.report_id,
                    submitted_on: r.submitted_on,
                })
            })
            .collect::<diesel::QueryResult<_>>()?;
        let trainings = store::trainings_between(conn, group_id, (from, to))
            .await?
            .into_iter()
            .map(|(id, kind, on)| Ok((id, parse("training kind", &kind)?, on)))
            .collect::<diesel::QueryResult<_>>()?;
        let postings = store::postings_between(conn, group_id, (from, to))
            .await?
            .into_iter()
            .map(|p| {
                Ok(PostingFact {
                    id: p.posting_id,
                    from: p.from_school_id,
                    to: p.to_school_id,
                    kind: parse::<PostingKind>("posting kind", &p.kind)?,
                    start: p.start_date,
                    end: p.end_date,
                })
            })
            .collect::<diesel::QueryResult<_>>()?;
        let resources = store::resources_between(conn, group_id, (from, to)).await?;
        let facts = Facts {
            group: group_id,
            plaque_date: group.plaque_date,
            dissolved_on: group.dissolved_on,
            schools,
            meetings,
            reports,
            trainings,
            postings,
            resources,
        };
        Ok((facts, policy))
    }

    /// E-08 as a warning KPI of the school year (§8.10): the ratio and the backbone share,
    /// from the rotation service's figures.
    async fn rotation_kpis(
        &self,
        cmd: &Command<LedgerQuery>,
        year: SchoolYear,
        as_of: NaiveDate,
        facts: &Facts,
    ) -> Result<Vec<Obligation>> {
        let c = self
            .bus
            .call::<GetCompliance>(
                &cmd.actor,
                None,
                ComplianceQuery {
                    scope: Scope::Group {
                        group_id: cmd.body.group_id,
                    },
                    school_year: year,
                    as_of: Some(as_of),
                },
            )
            .await
            .map_err(EvaluationError::Upstream)?;
        let records: Vec<RecordLink> = c
            .rotated_teachers
            .iter()
            .flat_map(|t| t.posting_ids.iter())
            .filter_map(|id| facts.postings.iter().find(|p| p.id == *id))
            .map(|p| RecordLink {
                kind: RecordKind::Posting,
                id: p.id.0,
                href: format!("/api/v1/postings/{}", p.id),
                on: p.start,
            })
            .collect();
        let kpi =
            |key: &str, title: String, title_zh: String, met: bool, required: u32, counted: u32| {
                Obligation {
                    key: format!("{key}/{}", year.0),
                    rule: "E-08".to_owned(),
                    title,
                    title_zh,
                    obligor: Obligor::Group,
                    school_id: None,
                    due_on: c.deadline,
                    status: rules::status(met, c.deadline, as_of, false),
                    required,
                    counted,
                    kpi: true,
                    records: records.clone(),
                }
            };
        Ok(vec![
            kpi(
                "E-08/ratio",
                format!(
                    "teachers rotated: at least {}% of the {} eligible (policy version {})",
                    c.rotation_min_pct, c.eligible, c.policy_version
                ),
                format!(
                    "交流轮岗教师不低于符合条件教师({} 人)的 {}%(政策版本 {})",
                    c.eligible, c.rotation_min_pct, c.policy_version
                ),
                c.actual.ratio_met,
                c.actual.rotated + c.actual.shortfall,
                c.actual.rotated,
            ),
            kpi(
                "E-08/backbone",
                format!(
                    "backbone teachers: at least {}% of those rotated",
                    c.backbone_min_pct
                ),
                format!("骨干教师不低于交流轮岗教师的 {}%", c.backbone_min_pct),
                c.actual.share_met,
                c.actual.backbone_rotated + c.actual.backbone_shortfall,
                c.actual.backbone_rotated,
            ),
        ])
    }

    pub async fn ledger(&self, cmd: Command<LedgerQuery>) -> Result<Ledger> {
        let q = &cmd.body;
        let as_of = q.as_of.unwrap_or_else(|| Utc::now().date_naive());
        let (from, to) = q.period.days().ok_or_else(|| {
            EvaluationError::Upstream(edu_domain::Problem::validation(
                "period",
                "the period has no calendar days",
                "期间无效",
            ))
        })?;
        let mut conn = self.conn().await?;
        let (facts, policy) = Self::facts(&mut conn, q.group_id, (from, to), as_of).await?;
        drop(conn);
        let mut obligations = rules::obligations(q.period, &facts, &policy, as_of);
        if let Period::SchoolYear(year) = q.period
            && facts.plaque_date <= to
        {
            obligations.extend(self.rotation_kpis(&cmd, year, as_of, &facts).await?);
        }
        if let Some(school) = q.school_id {
            obligations.retain(|o| o.obligor == Obligor::Group || o.school_id == Some(school));
        }
        obligations.sort_by(|a, b| (a.due_on, &a.key).cmp(&(b.due_on, &b.key)));
        let count = |s: ObligationStatus| {
            u32::try_from(obligations.iter().filter(|o| o.status == s).count()).unwrap_or(u32::MAX)
        };
        let summary = LedgerSummary {
            met: count(ObligationStatus::Met),
            missing: count(ObligationStatus::Missing),
            overdue: count(ObligationStatus::Overdue),
            upcoming: count(ObligationStatus::Upcoming),
        };
        Ok(Ledger {
            group_id: q.group_id,
            period: q.period,
            from,
            to,
            as_of,
            policy_version: policy.version,
            summary,
            obligations,
        })
    }

    /// A school's feed: its (and its group's) obligations due soon, those overdue or missed
    /// lately, and the last changes that concern it.
    pub async fn feed(&self, cmd: Command<FeedQuery>) -> Result<Feed> {
        let school = cmd.body.school_id;
        let as_of = cmd.body.as_of.unwrap_or_else(|| Utc::now().date_naive());
        let mut conn = self.conn().await?;
        let group = store::current_group(&mut conn, school).await?;
        let mut items = Vec::new();
        let mut region = None;
        if let Some(group_id) = group {
            let mut seen: BTreeMap<String, Obligation> = BTreeMap::new();
            // The region's policy in force on the day (due-soon window included), read
            // with the group: never a default policy standing in for it.
            let row = store::group(&mut conn, group_id)
                .await?
                .ok_or(EvaluationError::GroupNotFound)?;
            let policy = edu_bus::policy::in_force(&mut conn, row.region.as_str(), as_of).await?;
            for period in feed_periods(as_of) {
                let Some(days) = period.days() else { continue };
                let (facts, _) = Self::facts(&mut conn, group_id, days, as_of).await?;
                for o in rules::obligations(period, &facts, &policy, as_of) {
                    if o.obligor == Obligor::Group || o.school_id == Some(school) {
                        seen.entry(o.key.clone()).or_insert(o);
                    }
                }
            }
            region = Some(row.region);
            let soon = as_of
                .checked_add_days(Days::new(u64::from(policy.due_soon_days)))
                .unwrap_or(as_of);
            let lookback = as_of
                .checked_sub_days(Days::new(OVERDUE_LOOKBACK_DAYS))
                .unwrap_or(as_of);
            let mut due: Vec<&Obligation> = seen
                .values()
                .filter(|o| match o.status {
                    ObligationStatus::Upcoming => o.due_on <= soon,
                    ObligationStatus::Overdue => true,
                    ObligationStatus::Missing => o.due_on >= lookback,
                    ObligationStatus::Met => false,
                })
                .collect();
            due.sort_by(|a, b| (a.due_on, &a.key).cmp(&(b.due_on, &b.key)));
            items.extend(due.into_iter().map(|o| Notification {
                kind: if o.status == ObligationStatus::Upcoming {
                    NotificationKind::DueSoon
                } else {
                    NotificationKind::Overdue
                },
                rule: Some(o.rule.clone()),
                title: o.title.clone(),
                title_zh: o.title_zh.clone(),
                obligation_key: Some(o.key.clone()),
                due_on: Some(o.due_on),
                at: o.due_on.and_time(NaiveTime::MIN).and_utc(),
            }));
        }
        let changes =
            store::notifications_for(&mut conn, school, group, region.as_ref(), CHANGES_SHOWN)
                .await?;
        items.extend(changes.into_iter().map(|n| Notification {
            kind: NotificationKind::Changed,
            rule: n.rule,
            title: n.title,
            title_zh: n.title_zh,
            obligation_key: None,
            due_on: None,
            at: n.at,
        }));
        Ok(Feed {
            school_id: school,
            group_id: group,
            as_of,
            items,
        })
    }
}

/// The periods whose obligations a feed looks at: this and last month, this and last
/// quarter, this semester and this school year.
fn feed_periods(day: NaiveDate) -> Vec<Period> {
    let mut out = vec![Period::month_of(day)];
    let first_of_month = day.with_day(1).unwrap_or(day);
    if let Some(prev) = first_of_month.pred_opt() {
        out.push(Period::month_of(prev));
    }
    let quarter = (day.month() - 1) / 3 + 1;
    out.push(Period::Quarter {
        year: day.year(),
        quarter,
    });
    out.push(if quarter == 1 {
        Period::Quarter {
            year: day.year() - 1,
            quarter: 4,
        }
    } else {
        Period::Quarter {
            year: day.year(),
            quarter: quarter - 1,
        }
    });
    if let Some((year, semester)) = Semester::containing(day) {
        let start_year = match semester {
            Semester::Autumn => year.0,
            Semester::Spring => year.0 + 1,
        };
        out.push(Period::Semester {
            year: start_year,
            semester,
        });
    }
    out.push(Period::SchoolYear(SchoolYear::containing(day)));
    out
}
