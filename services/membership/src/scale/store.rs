//! Queries of the group's scale decisions and the lead school's yearly quality (F-08, V-07).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use edu_contracts::membership::{LeadQuality, ScaleDecision};
use edu_domain::{GroupId, SchoolId};
use uuid::Uuid;

use crate::schema::{groups, lead_quality, scale_decisions};
use crate::store::{GroupRow, corrupt};

// ---- scale decisions (F-08) ----

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = scale_decisions, treat_none_as_default_value = false)]
pub struct ScaleDecisionRow {
    pub id: Uuid,
    pub group_id: GroupId,
    pub previous_scale_cap: Option<i16>,
    pub scale_cap: Option<i16>,
    pub cap_exception: bool,
    pub effective_cap: i16,
    pub active_members: i16,
    pub reason: String,
    pub decided_by: String,
    pub decided_at: DateTime<Utc>,
    pub policy_version: i32,
}

impl ScaleDecisionRow {
    pub fn into_view(self) -> QueryResult<ScaleDecision> {
        let small = |what: &str, v: i16| u8::try_from(v).map_err(|_| corrupt(what, &v.to_string()));
        Ok(ScaleDecision {
            id: self.id,
            group_id: self.group_id,
            previous_scale_cap: self
                .previous_scale_cap
                .map(|c| small("previous scale cap", c))
                .transpose()?,
            scale_cap: self.scale_cap.map(|c| small("scale cap", c)).transpose()?,
            cap_exception: self.cap_exception,
            effective_cap: small("effective cap", self.effective_cap)?,
            active_members: small("active members", self.active_members)?,
            reason: self.reason,
            decided_by: self.decided_by,
            decided_at: self.decided_at,
            policy_version: self.policy_version,
        })
    }
}

pub async fn insert_scale_decision(
    conn: &mut AsyncPgConnection,
    row: &ScaleDecisionRow,
) -> QueryResult<()> {
    diesel::insert_into(scale_decisions::table)
        .values(row)
        .execute(conn)
        .await
        .map(|_| ())
}

/// A group's scale decisions, oldest first.
pub async fn scale_decisions(
    conn: &mut AsyncPgConnection,
    group: GroupId,
) -> QueryResult<Vec<ScaleDecisionRow>> {
    scale_decisions::table
        .filter(scale_decisions::group_id.eq(group.0))
        .order((scale_decisions::decided_at, scale_decisions::id))
        .select(ScaleDecisionRow::as_select())
        .load(conn)
        .await
}

/// Sets a group's scale cap and the exception's reason (None when it is no exception).
pub async fn set_scale_cap(
    conn: &mut AsyncPgConnection,
    group: GroupId,
    scale_cap: Option<i16>,
    exception_reason: Option<&str>,
) -> QueryResult<GroupRow> {
    diesel::update(groups::table.find(group.0))
        .set((
            groups::scale_cap.eq(scale_cap),
            groups::cap_exception_reason.eq(exception_reason),
        ))
        .returning(GroupRow::as_returning())
        .get_result(conn)
        .await
}

// ---- the lead school's quality (F-08, V-07) ----

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = lead_quality, treat_none_as_default_value = false)]
pub struct LeadQualityRow {
    pub id: Uuid,
    pub school_id: SchoolId,
    pub school_year: i32,
    pub score: f64,
    pub improving: bool,
    pub evidence: serde_json::Value,
    pub note: Option<String>,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

impl LeadQualityRow {
    pub fn into_view(self, superseded: bool) -> QueryResult<LeadQuality> {
        let evidence: Vec<String> = serde_json::from_value(self.evidence)
            .map_err(|_| corrupt("lead quality evidence", &self.id.to_string()))?;
        Ok(LeadQuality {
            id: self.id,
            school_id: self.school_id,
            school_year: self.school_year,
            score: self.score,
            improving: self.improving,
            evidence,
            note: self.note,
            recorded_by: self.recorded_by,
            recorded_at: self.recorded_at,
            superseded,
        })
    }
}

pub async fn insert_lead_quality(
    conn: &mut AsyncPgConnection,
    row: &LeadQualityRow,
) -> QueryResult<()> {
    diesel::insert_into(lead_quality::table)
        .values(row)
        .execute(conn)
        .await
        .map(|_| ())
}

/// A school's quality records, the latest school year first and, within a year, the latest
/// record (the one in force) first.
pub async fn lead_quality_records(
    conn: &mut AsyncPgConnection,
    school: SchoolId,
) -> QueryResult<Vec<LeadQualityRow>> {
    lead_quality::table
        .filter(lead_quality::school_id.eq(school.0))
        .order((
            lead_quality::school_year.desc(),
            lead_quality::recorded_at.desc(),
            lead_quality::id.desc(),
        ))
        .select(LeadQualityRow::as_select())
        .load(conn)
        .await
}

/// latest record of an earlier school year.
pub async fn lead_quality_before(
    conn: &mut AsyncPgConnection,
    school: SchoolId,
    year: i32,
) -> QueryResult<Option<LeadQualityRow>> {
    lead_quality::table
        .filter(lead_quality::school_id.eq(school.0))
        .filter(lead_quality::school_year.lt(year))
        .order((
            lead_quality::school_year.desc(),
            lead_quality::recorded_at.desc(),
            lead_quality::id.desc(),
        ))
        .select(LeadQualityRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// F-08/V-07: the school's latest recorded quality (its latest school year, latest record).
pub async fn latest_lead_quality(
    conn: &mut AsyncPgConnection,
    school: SchoolId,
) -> QueryResult<Option<LeadQualityRow>> {
    lead_quality_before(conn, school, i32::MAX).await
}
