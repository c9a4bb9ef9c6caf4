//! What the bureau receives from a council: the quarterly written report of its major
//! decisions (G-08, with the member schools' major matters of the quarter, G-09), and the
//! sweep that raises an overdue report once.

pub mod rules;
pub(crate) mod store;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{NaiveDate, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use edu_bus::outbox;
use edu_contracts::council::{
    DecisionId, Quarter, QuarterlyReport, ReportId, ReportQuery, ReportRef, ReportState,
    ReportStatus, ReportSubmission,
};
use edu_contracts::events::{ReportOverdue, ReportSubmitted};
use edu_contracts::{Actor, Command};
use edu_db::idempotency;
use edu_domain::{GroupId, Problem};

use crate::error::CouncilError;
use crate::major_matters;
use crate::meetings::{self, rules::minutes_text};
use crate::motions::{
    self, decision_view,
    store::{DecisionFilter, DecisionRow},
};
use crate::seats::{self, store::CouncilRow};
use crate::service::{CouncilService, Result, today};
use store::ReportRow;

impl CouncilService {
    /// A quarter's report: as submitted, or generated from the quarter's major decisions;
    /// either way with the member schools' major matters recorded in the quarter (G-09).
    pub async fn get_report(&self, cmd: Command<ReportRef>) -> Result<QuarterlyReport> {
        let ReportRef { group_id, period } = cmd.body;
        let mut conn = self.conn().await?;
        let council = seats::store::council(&mut conn, group_id, seats::store::Lock::None)
            .await?
            .ok_or(CouncilError::CouncilNotFound)?;
        sweep_group(&mut conn, &council, today()).await?;
        report_view(&mut conn, &council, period).await
    }

    /// Submits a quarter's report once the quarter has ended. It must list every major
    /// decision of the quarter (G-08); the council row is locked, and decisions are
    /// recorded under a share lock of it, so none can slip in between the check and the
    /// insert.
    pub async fn submit_report(&self, cmd: Command<ReportSubmission>) -> Result<QuarterlyReport> {
        let body = &cmd.body;
        let summary = minutes_text("summary", &body.summary)?;
        if body.decision_ids.len() > 500 {
            return Err(Problem::validation(
                "decision_ids",
                "a report lists at most 500 decisions",
                "书面汇报最多列入 500 项决策",
            )
            .into());
        }
        let listed: BTreeSet<DecisionId> = body.decision_ids.iter().copied().collect();
        let period = body.period;
        let mut conn = self.conn().await?;
        idempotency::for_request(
            &mut conn,
            "report.submit",
            &cmd.actor.sub,
            cmd.idempotency_key.as_deref(),
            &cmd.body,
            async |conn| {
                let council =
                    seats::store::council(conn, body.group_id, seats::store::Lock::Update)
                        .await?
                        .ok_or(CouncilError::CouncilNotFound)?;
                if council.frozen_on.is_some() {
                    return Err(CouncilError::Frozen);
                }
                let (Some(first), Some(last)) = (period.first_day(), period.last_day()) else {
                    return Err(CouncilError::QuarterNotEnded(period));
                };
                let day = today();
                if day <= last {
                    return Err(CouncilError::QuarterNotEnded(period));
                }
                if store::report(conn, body.group_id, period).await?.is_some() {
                    return Err(CouncilError::ReportSubmitted);
                }
                let major = quarter_major_decisions(conn, body.group_id, first, last).await?;
                let major_ids: BTreeSet<DecisionId> = major.iter().map(|d| d.id).collect();
                if let Some(other) = listed.iter().find(|id| !major_ids.contains(id)) {
                    return Err(Problem::validation(
                        "decision_ids",
                        &format!("{other} is not a major decision of this group in {period}"),
                        &format!("{other} 不是本集团 {period} 的重大决策"),
                    )
                    .into());
                }
                let missing: Vec<DecisionId> = major
                    .iter()
                    .filter(|d| !listed.contains(&d.id))
                    .map(|d| d.id)
                    .collect();
                if !missing.is_empty() {
                    return Err(CouncilError::ReportMissing(missing));
                }
                let p = edu_bus::policy::in_force(conn, council.region.as_str(), today()).await?;
                let due_on = rules::due_on(period, p.council_report_due_days)?;
                let row = ReportRow {
                    id: ReportId::new(),
                    group_id: council.group_id,
                    year: period.year,
                    quarter: i16::from(period.quarter),
                    summary: summary.clone(),
                    due_on,
                    late: day > due_on,
                    policy_version: p.version,
                    submitted_at: Utc::now(),
                };
                let ids: Vec<DecisionId> = major.iter().map(|d| d.id).collect();
                store::insert_report(conn, &row, &ids).await?;
                let event = ReportSubmitted {
                    report_id: row.id,
                    group_id: body.group_id,
                    period,
                    decision_ids: ids.clone(),
                    due_on,
                    late: row.late,
                };
                outbox::enqueue(
                    conn,
                    &cmd.actor,
                    Some(body.group_id),
                    Some(council.lead_school_id),
                    &event,
                )
                .await?;
                report_view(conn, &council, period).await
            },
        )
        .await
    }

    /// A group's quarters with their report state, or a region's overdue reports.
    pub async fn list_reports(&self, cmd: Command<ReportQuery>) -> Result<Vec<ReportStatus>> {
        let mut conn = self.conn().await?;
        let day = today();
        match cmd.body {
            ReportQuery::Group { group_id } => {
                let council = seats::store::council(&mut conn, group_id, seats::store::Lock::None)
                    .await?
                    .ok_or(CouncilError::CouncilNotFound)?;
                sweep_group(&mut conn, &council, day).await?;
                report_statuses(&mut conn, &council, day).await
            }
            ReportQuery::RegionOverdue { region } => {
                let mut out = Vec::new();
                for council in seats::store::councils_of_region(&mut conn, &region).await? {
                    sweep_group(&mut conn, &council, day).await?;
                    out.extend(
                        report_statuses(&mut conn, &council, day)
                            .await?
                            .into_iter()
                            .filter(|r| r.state == ReportState::Overdue),
                    );
                }
                Ok(out)
            }
        }
    }

    /// Raises `report.overdue` for every live group's quarter past its due date without a
    /// report (once per group and quarter); run periodically and on reads.
    pub async fn sweep_all(&self) -> Result<()> {
        let mut conn = self.conn().await?;
        let day = today();
        for group in seats::store::all_live_councils(&mut conn).await? {
            if let Some(council) =
                seats::store::council(&mut conn, group, seats::store::Lock::None).await?
            {
                sweep_group(&mut conn, &council, day).await?;
            }
        }
        Ok(())
    }
}

async fn quarter_major_decisions(
    conn: &mut AsyncPgConnection,
    group: GroupId,
    first: NaiveDate,
    last: NaiveDate,
) -> diesel::QueryResult<Vec<DecisionRow>> {
    let filter = DecisionFilter {
        group: Some(group),
        category: None,
        subject: None,
        major: Some(true),
        from: Some(first),
        to: Some(last),
    };
    Ok(motions::store::find_decisions(conn, &filter, None).await?.0)
}

/// Raises `report.overdue` for the group's quarters past due without a report, each once.
/// One decision per group: its events carry its region's policy version.
async fn sweep_group(
    conn: &mut AsyncPgConnection,
    council: &CouncilRow,
    day: NaiveDate,
) -> Result<()> {
    outbox::decision(sweep_group_once(conn, council, day)).await
}

async fn sweep_group_once(
    conn: &mut AsyncPgConnection,
    council: &CouncilRow,
    day: NaiveDate,
) -> Result<()> {
    if council.frozen_on.is_some() {
        return Ok(());
    }
    let group = council.group_id;
    // the overdue reports go into the group's county's audit trail
    let actor = Actor::system_in("council", council.region.clone());
    let due_days = edu_bus::policy::in_force(conn, council.region.as_str(), day)
        .await?
        .council_report_due_days;
    let submitted: BTreeSet<(i32, i16)> = store::reports_of(conn, group)
        .await?
        .into_iter()
        .map(|r| (r.year, r.quarter))
        .collect();
    let mut overdue: Vec<(Quarter, NaiveDate)> = Vec::new();
    for q in rules::quarters(council.plaque_date, day) {
        if submitted.contains(&(q.year, i16::from(q.quarter))) {
            continue;
        }
        let due = rules::due_on(q, due_days)?;
        if day > due {
            overdue.push((q, due));
        }
    }
    for (period, due_on) in overdue {
        conn.transaction(async |conn| {
            if store::mark_overdue(conn, group, period, due_on).await? {
                let event = ReportOverdue {
                    group_id: group,
                    period,
                    due_on,
                };
                outbox::enqueue(
                    conn,
                    &actor,
                    Some(group),
                    Some(council.lead_school_id),
                    &event,
                )
                .await?;
            }
            Ok::<_, diesel::result::Error>(())
        })
        .await?;
    }
    Ok(())
}

async fn report_statuses(
    conn: &mut AsyncPgConnection,
    council: &CouncilRow,
    day: NaiveDate,
) -> Result<Vec<ReportStatus>> {
    let group = council.group_id;
    let due_days = edu_bus::policy::in_force(conn, council.region.as_str(), day)
        .await?
        .council_report_due_days;
    let reports: BTreeMap<(i32, i16), ReportRow> = store::reports_of(conn, group)
        .await?
        .into_iter()
        .map(|r| ((r.year, r.quarter), r))
        .collect();
    rules::quarters(council.plaque_date, day)
        .into_iter()
        .map(|q| {
            let report = reports.get(&(q.year, i16::from(q.quarter)));
            let due_on = match report {
                Some(r) => r.due_on,
                None => rules::due_on(q, due_days)?,
            };
            Ok(ReportStatus {
                group_id: group,
                group_name: council.name.clone(),
                period: q,
                state: rules::report_state(q, report.map(|r| r.late), day, due_on),
                due_on,
                report_id: report.map(|r| r.id),
                submitted_at: report.map(|r| r.submitted_at),
            })
        })
        .collect()
}

async fn report_view(
    conn: &mut AsyncPgConnection,
    council: &CouncilRow,
    period: Quarter,
) -> Result<QuarterlyReport> {
    let group = council.group_id;
    let (Some(first), Some(last)) = (period.first_day(), period.last_day()) else {
        return Err(Problem::validation("period", "invalid quarter", "季度无效").into());
    };
    let report = store::report(conn, group, period).await?;
    let decisions = match &report {
        Some(r) => store::report_decisions(conn, r.id).await?,
        None => quarter_major_decisions(conn, group, first, last).await?,
    };
    let p = edu_bus::policy::in_force(conn, council.region.as_str(), today()).await?;
    let due_on = match &report {
        Some(r) => r.due_on,
        None => rules::due_on(period, p.council_report_due_days)?,
    };
    let held = meetings::store::held_meeting_count(conn, group, first, last).await?;
    let major_matters = major_matters::recorded_in(conn, group, first, last).await?;
    Ok(QuarterlyReport {
        id: report.as_ref().map(|r| r.id),
        group_id: group,
        group_name: council.name.clone(),
        period,
        state: rules::report_state(period, report.as_ref().map(|r| r.late), today(), due_on),
        due_on,
        summary: report.as_ref().map(|r| r.summary.clone()),
        decisions: decisions
            .into_iter()
            .map(decision_view)
            .collect::<diesel::QueryResult<_>>()?,
        major_matters,
        meetings_held: u32::try_from(held).unwrap_or(u32::MAX),
        submitted_at: report.as_ref().map(|r| r.submitted_at),
        policy_version: report.as_ref().map_or(p.version, |r| r.policy_version),
    })
}
