//! Warnings and persuade-outs (X-01, §8.7).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use edu_contracts::council::DecisionId;
use edu_contracts::sanctions::{PersuadeOut, PersuadeOutStatus, Warning};
use edu_domain::{GroupId, MemberRole, MembershipId, PersuadeOutId, SchoolId, WarningId};
use uuid::Uuid;

use super::{MembershipRow, corrupt, parse};
use crate::schema::{memberships, persuade_outs, warnings};

/// The school's active membership in the group, as a member (not the lead).
pub async fn active_member(
    conn: &mut AsyncPgConnection,
    group: GroupId,
    school: SchoolId,
) -> QueryResult<Option<MembershipRow>> {
    memberships::table
        .filter(memberships::group_id.eq(group.0))
        .filter(memberships::school_id.eq(school.0))
        .filter(memberships::left_at.is_null())
        .filter(memberships::role.eq(MemberRole::Member.as_str()))
        .select(MembershipRow::as_select())
        .first(conn)
        .await
        .optional()
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = warnings)]
pub struct WarningRow {
    pub id: WarningId,
    pub group_id: GroupId,
    pub school_id: SchoolId,
    pub membership_id: MembershipId,
    pub reason: String,
    pub evidence: serde_json::Value,
    pub issued_by: String,
    pub issued_at: DateTime<Utc>,
}

impl WarningRow {
    /// `active`: issued during the membership that is still running.
    pub fn into_view(self, active: bool) -> QueryResult<Warning> {
        let evidence: Vec<String> = serde_json::from_value(self.evidence)
            .map_err(|_| corrupt("warning evidence", &self.id.to_string()))?;
        Ok(Warning {
            id: self.id,
            group_id: self.group_id,
            school_id: self.school_id,
            membership_id: self.membership_id,
            reason: self.reason,
            evidence,
            issued_by: self.issued_by,
            issued_at: self.issued_at,
            active,
        })
    }
}

pub async fn insert_warning(conn: &mut AsyncPgConnection, row: &WarningRow) -> QueryResult<()> {
    diesel::insert_into(warnings::table)
        .values(row)
        .execute(conn)
        .await
        .map(|_| ())
}

/// The warnings issued during one membership (those are the active ones while it lasts).
pub async fn warnings_of_membership(
    conn: &mut AsyncPgConnection,
    membership: MembershipId,
) -> QueryResult<Vec<WarningId>> {
    warnings::table
        .filter(warnings::membership_id.eq(membership))
        .order(warnings::issued_at)
        .select(warnings::id)
        .load(conn)
        .await
}

/// A group's warnings (or one school's), newest first, each with whether it is active.
pub async fn warnings(
    conn: &mut AsyncPgConnection,
    group: GroupId,
    school: Option<SchoolId>,
) -> QueryResult<Vec<(WarningRow, bool)>> {
    let mut q = warnings::table
        .inner_join(memberships::table)
        .filter(warnings::group_id.eq(group.0))
        .into_boxed();
    if let Some(school) = school {
        q = q.filter(warnings::school_id.eq(school.0));
    }
    q.order((warnings::issued_at.desc(), warnings::id))
        .select((WarningRow::as_select(), memberships::left_at.is_null()))
        .load(conn)
        .await
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = persuade_outs)]
pub struct PersuadeOutRow {
    pub id: PersuadeOutId,
    pub group_id: GroupId,
    pub school_id: SchoolId,
    pub membership_id: MembershipId,
    pub reason: String,
    pub status: String,
    pub warning_ids: Vec<WarningId>,
    pub failing_evaluation_id: Option<Uuid>,
    pub decision_id: DecisionId,
    pub proposed_by: String,
    pub proposed_at: DateTime<Utc>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_note: Option<String>,
    pub policy_version: i32,
}

impl PersuadeOutRow {
    pub fn into_view(self) -> QueryResult<PersuadeOut> {
        Ok(PersuadeOut {
            id: self.id,
            group_id: self.group_id,
            school_id: self.school_id,
            status: parse::<PersuadeOutStatus>("persuade-out status", &self.status)?,
            reason: self.reason,
            warning_ids: self.warning_ids,
            failing_evaluation_id: self.failing_evaluation_id,
            decision_id: self.decision_id,
            proposed_by: self.proposed_by,
            proposed_at: self.proposed_at,
            decided_by: self.decided_by,
            decided_at: self.decided_at,
            decision_note: self.decision_note,
            policy_version: self.policy_version,
        })
    }
}

pub async fn insert_persuade_out(
    conn: &mut AsyncPgConnection,
    row: &PersuadeOutRow,
) -> QueryResult<()> {
    diesel::insert_into(persuade_outs::table)
        .values(row)
        .execute(conn)
        .await
        .map(|_| ())
}

/// The school's open (proposed) persuade-out in the group, if any.
pub async fn open_persuade_out(
    conn: &mut AsyncPgConnection,
    group: GroupId,
    school: SchoolId,
) -> QueryResult<Option<PersuadeOutRow>> {
    persuade_outs::table
        .filter(persuade_outs::group_id.eq(group.0))
        .filter(persuade_outs::school_id.eq(school.0))
        .filter(persuade_outs::status.eq(PersuadeOutStatus::Proposed.as_str()))
        .select(PersuadeOutRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// Records the bureau's decision on a persuade-out.
pub async fn decide_persuade_out(
    conn: &mut AsyncPgConnection,
    id: PersuadeOutId,
    status: PersuadeOutStatus,
    by: &str,
    note: Option<&str>,
) -> QueryResult<PersuadeOutRow> {
    diesel::update(persuade_outs::table.find(id))
        .set((
            persuade_outs::status.eq(status.as_str()),
            persuade_outs::decided_by.eq(by),
            persuade_outs::decided_at.eq(diesel::dsl::now),
            persuade_outs::decision_note.eq(note),
        ))
        .returning(PersuadeOutRow::as_returning())
        .get_result(conn)
        .await
}

/// A group's persuade-outs (or one school's), newest first.
pub async fn persuade_outs(
    conn: &mut AsyncPgConnection,
    group: GroupId,
    school: Option<SchoolId>,
) -> QueryResult<Vec<PersuadeOutRow>> {
    let mut q = persuade_outs::table
        .filter(persuade_outs::group_id.eq(group.0))
        .into_boxed();
    if let Some(school) = school {
        q = q.filter(persuade_outs::school_id.eq(school.0));
    }
    q.order((persuade_outs::proposed_at.desc(), persuade_outs::id))
        .select(PersuadeOutRow::as_select())
        .load(conn)
        .await
}
