//! The group's scale (F-08): the bureau decides it on the lead school's quality evaluation,
//! "on condition that the lead school's quality keeps rising". The bureau records the lead's
//! quality each school year and may change a group's scale cap at any time; both are kept as
//! history. Admissions read the latest record (the gate itself is in [`rules::admit`]).

use chrono::Utc;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use edu_bus::outbox;
use edu_contracts::Command;
use edu_contracts::events::{GroupScaleChanged, LeadQualityRecorded};
use edu_contracts::membership::{
    GroupRef, LeadQuality, NewLeadQuality, ScaleChange, ScaleDecision, SchoolRef,
};
use edu_db::idempotency;
use edu_domain::{GroupId, MemberRole, SchoolId, text};
use uuid::Uuid;

use crate::error::MembershipError;
use crate::rules;
use crate::sanctions::evidence;
use crate::schema::memberships;
use crate::service::{MembershipService, Result};
use store::{LeadQualityRow, ScaleDecisionRow};

pub(crate) mod store;

/// School years the bureau may record, by their starting calendar year.
const SCHOOL_YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

impl MembershipService {
    /// F-08: the bureau sets a group's scale cap after formation, with a reason, under the
    /// policy in force (cited on the decision). A cap below today's members removes nobody.
    pub async fn change_scale(&self, cmd: Command<ScaleChange>) -> Result<ScaleDecision> {
        let body = &cmd.body;
        let reason = text::required("reason", &body.reason, 500)?;
        let mut conn = self.conn().await?;
        idempotency::for_request(
            &mut conn,
            "group.scale.change",
            &cmd.actor.sub,
            cmd.idempotency_key.as_deref(),
            &cmd.body,
            async |conn| {
                let group = crate::service::open_group(conn, body.group_id).await?;
                let model = group.model()?;
                let policy = crate::store::current_policy(conn, &group.region()?).await?;
                // §8.3: above the model's cap only as an exception, whose reason is this one.
                let exception =
                    rules::check_scale_cap(&policy, model, body.scale_cap, Some(&reason))?;
                let active = crate::store::active_schools(conn, &[group.id])
                    .await?
                    .iter()
                    .filter(|a| a.role == MemberRole::Member.as_str())
                    .count();
                let active = u8::try_from(active).unwrap_or(u8::MAX);
                let effective = policy.effective_cap(model, body.scale_cap, exception);
                let row = ScaleDecisionRow {
                    id: Uuid::now_v7(),
                    group_id: group.id,
                    previous_scale_cap: group.scale_cap,
                    scale_cap: body.scale_cap.map(i16::from),
                    cap_exception: exception,
                    effective_cap: i16::from(effective),
                    active_members: i16::from(active),
                    reason: reason.clone(),
                    decided_by: cmd.actor.sub.clone(),
                    decided_at: Utc::now(),
                    policy_version: policy.version,
                };
                store::insert_scale_decision(conn, &row).await?;
                store::set_scale_cap(
                    conn,
                    body.group_id,
                    row.scale_cap,
                    exception.then_some(reason.as_str()),
                )
                .await?;
                let event = GroupScaleChanged {
                    group_id: body.group_id,
                    previous_scale_cap: group.scale_cap(),
                    scale_cap: body.scale_cap,
                    effective_cap: effective,
                    active_members: active,
                    reason: reason.clone(),
                    policy_version: policy.version,
                };
                outbox::enqueue(conn, &cmd.actor, Some(body.group_id), None, &event).await?;
                Ok(row.into_view()?)
            },
        )
        .await
    }

    /// F-08: every scale decision of a group, oldest first (formation included).
    pub async fn list_scale_decisions(&self, cmd: Command<GroupRef>) -> Result<Vec<ScaleDecision>> {
        let mut conn = self.conn().await?;
        crate::store::group(&conn, cmd.body.group_id)
            .await?
            .ok_or(MembershipError::GroupNotFound)?;
        let rows = store::scale_decisions(&mut conn, cmd.body.group_id).await?;
        Ok(rows
            .into_iter()
            .map(ScaleDecisionRow::into_view)
            .collect::<QueryResult<_>>()?)
    }

    /// F-08/V-07: the bureau records a lead school's quality of a school year: its score,
    /// whether it improved on the year before (stated, or derived from that year's score),
    /// the evidence and who recorded it. A second record of the same year corrects the first.
    pub async fn record_lead_quality(&self, cmd: Command<NewLeadQuality>) -> Result<LeadQuality> {
        let body = &cmd.body;
        if !SCHOOL_YEARS.contains(&body.school_year) {
            return Err(edu_domain::Problem::validation(
                "school_year",
                "the school year is between 2000 and 2100",
                "学年须在 2000 到 2100 之间",
            )
            .into());
        }
        let evidence = evidence(&body.evidence)?;
        let note = body
            .note
            .as_deref()
            .map(|n| text::optional("note", n, 1000))
            .transpose()?
            .flatten();
        let mut conn = self.conn().await?;
        idempotency::for_request(
            &mut conn,
            "lead_quality.record",
            &cmd.actor.sub,
            cmd.idempotency_key.as_deref(),
            &cmd.body,
            async |conn| {
                crate::store::school(conn, body.school_id)
                    .await?
                    .ok_or(MembershipError::SchoolNotFound)?;
                let records = store::lead_quality_records(conn, body.school_id).await?;
                let previous = records
                    .iter()
                    .find(|r| r.school_year == body.school_year - 1)
                    .map(|r| r.score);
                let improving = rules::lead_improving(body.score, body.improving, previous)?;
                let row = LeadQualityRow {
                    id: Uuid::now_v7(),
                    school_id: body.school_id,
                    school_year: body.school_year,
                    score: body.score,
                    improving,
                    evidence: serde_json::json!(evidence),
                    note: note.clone(),
                    recorded_by: cmd.actor.sub.clone(),
                    recorded_at: Utc::now(),
                };
                store::insert_lead_quality(conn, &row).await?;
                let group_id = led_group(conn, body.school_id).await?;
                let event = LeadQualityRecorded {
                    school_id: body.school_id,
                    school_year: body.school_year,
                    score: body.score,
                    improving,
                    group_id,
                };
                outbox::enqueue(conn, &cmd.actor, group_id, Some(body.school_id), &event).await?;
                Ok(row.into_view(false)?)
            },
        )
        .await
    }

    /// A school's quality records, the latest school year first; within a year the record
    /// in force first and the ones it corrected after it (`superseded`).
    pub async fn list_lead_quality(&self, cmd: Command<SchoolRef>) -> Result<Vec<LeadQuality>> {
        let mut conn = self.conn().await?;
        crate::store::school(&mut conn, cmd.body.school_id)
            .await?
            .ok_or(MembershipError::SchoolNotFound)?;
        let rows = store::lead_quality_records(&mut conn, cmd.body.school_id).await?;
        let mut seen = std::collections::BTreeSet::new();
        Ok(rows
            .into_iter()
            .map(|r| {
                let superseded = !seen.insert(r.school_year);
                r.into_view(superseded)
            })
            .collect::<QueryResult<_>>()?)
    }
}

/// The group the school leads now, if any.
async fn led_group(conn: &mut AsyncPgConnection, school: SchoolId) -> QueryResult<Option<GroupId>> {
    memberships::table
        .filter(memberships::school_id.eq(school.0))
        .filter(memberships::left_at.is_null())
        .filter(memberships::role.eq(MemberRole::Lead.as_str()))
        .select(memberships::group_id)
        .first::<Uuid>(conn)
        .await
        .optional()
        .map(|g| g.map(GroupId))
}
