//! The office's, the recommendations' and the cross-appointments' rows (G-10..G-13).

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use edu_contracts::council::LeaderPost;
use edu_contracts::office::{
    CrossAppointment, CrossAppointmentId, LeaderAction, LeaderRecommendation,
    LeaderRecommendationId, OfficeAppointment, OfficeAppointmentId, OfficePost,
    RecommendationStatus,
};
use edu_domain::{GroupId, SchoolId};

use crate::schema::{cross_appointments, leader_recommendations, office_appointments};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = office_appointments, treat_none_as_default_value = false)]
pub struct OfficeRow {
    pub id: OfficeAppointmentId,
    pub group_id: GroupId,
    pub school_id: SchoolId,
    pub post: OfficePost,
    pub person_name: String,
    pub staff_no: Option<String>,
    pub appointed_on: NaiveDate,
    pub ended_on: Option<NaiveDate>,
    pub end_reason: Option<String>,
    pub appointed_by: String,
    pub recorded_at: DateTime<Utc>,
}

impl From<OfficeRow> for OfficeAppointment {
    fn from(r: OfficeRow) -> Self {
        Self {
            id: r.id,
            group_id: r.group_id,
            school_id: r.school_id,
            post: r.post,
            person_name: r.person_name,
            staff_no: r.staff_no,
            appointed_on: r.appointed_on,
            ended_on: r.ended_on,
            end_reason: r.end_reason,
            appointed_by: r.appointed_by,
            recorded_at: r.recorded_at,
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = leader_recommendations, treat_none_as_default_value = false)]
pub struct RecommendationRow {
    pub id: LeaderRecommendationId,
    pub group_id: GroupId,
    pub school_id: SchoolId,
    pub action: LeaderAction,
    pub post: LeaderPost,
    pub person_name: String,
    pub reason: String,
    pub status: RecommendationStatus,
    pub recommended_by: String,
    pub recommended_at: DateTime<Utc>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_note: Option<String>,
}

impl From<RecommendationRow> for LeaderRecommendation {
    fn from(r: RecommendationRow) -> Self {
        Self {
            id: r.id,
            group_id: r.group_id,
            school_id: r.school_id,
            action: r.action,
            post: r.post,
            person_name: r.person_name,
            reason: r.reason,
            status: r.status,
            recommended_by: r.recommended_by,
            recommended_at: r.recommended_at,
            decided_by: r.decided_by,
            decided_at: r.decided_at,
            decision_note: r.decision_note,
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = cross_appointments, treat_none_as_default_value = false)]
pub struct CrossRow {
    pub id: CrossAppointmentId,
    pub group_id: GroupId,
    pub school_id: SchoolId,
    pub person_name: String,
    pub appointed_on: NaiveDate,
    pub ended_on: Option<NaiveDate>,
    pub end_reason: Option<String>,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

impl From<CrossRow> for CrossAppointment {
    fn from(r: CrossRow) -> Self {
        Self {
            id: r.id,
            group_id: r.group_id,
            school_id: r.school_id,
            person_name: r.person_name,
            post: LeaderPost::VicePrincipal,
            // G-13: 不占龙头学校校级领导职数.
            counts_against_lead_quota: false,
            appointed_on: r.appointed_on,
            ended_on: r.ended_on,
            end_reason: r.end_reason,
            recorded_by: r.recorded_by,
            recorded_at: r.recorded_at,
        }
    }
}

/// A group's office appointments, oldest first.
pub async fn office_rows(
    conn: &mut AsyncPgConnection,
    group: GroupId,
) -> QueryResult<Vec<OfficeRow>> {
    office_appointments::table
        .filter(office_appointments::group_id.eq(group))
        .order((office_appointments::appointed_on, office_appointments::id))
        .select(OfficeRow::as_select())
        .load(conn)
        .await
}

pub async fn insert_office(conn: &mut AsyncPgConnection, row: &OfficeRow) -> QueryResult<()> {
    diesel::insert_into(office_appointments::table)
        .values(row)
        .execute(conn)
        .await
        .map(|_| ())
}

/// One appointment, locked for its end.
pub async fn office_for_update(
    conn: &mut AsyncPgConnection,
    id: OfficeAppointmentId,
) -> QueryResult<Option<OfficeRow>> {
    office_appointments::table
        .find(id)
        .for_update()
        .select(OfficeRow::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn end_office(
    conn: &mut AsyncPgConnection,
    id: OfficeAppointmentId,
    on: NaiveDate,
    reason: Option<&str>,
) -> QueryResult<()> {
    diesel::update(office_appointments::table.find(id))
        .set((
            office_appointments::ended_on.eq(on),
            office_appointments::end_reason.eq(reason),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// A group's recommendations, newest first.
pub async fn recommendation_rows(
    conn: &mut AsyncPgConnection,
    group: GroupId,
) -> QueryResult<Vec<RecommendationRow>> {
    leader_recommendations::table
        .filter(leader_recommendations::group_id.eq(group))
        .order((
            leader_recommendations::recommended_at.desc(),
            leader_recommendations::id.desc(),
        ))
        .select(RecommendationRow::as_select())
        .load(conn)
        .await
}

pub async fn insert_recommendation(
    conn: &mut AsyncPgConnection,
    row: &RecommendationRow,
) -> QueryResult<()> {
    diesel::insert_into(leader_recommendations::table)
        .values(row)
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn recommendation_for_update(
    conn: &mut AsyncPgConnection,
    id: LeaderRecommendationId,
) -> QueryResult<Option<RecommendationRow>> {
    leader_recommendations::table
        .find(id)
        .for_update()
        .select(RecommendationRow::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn decide_recommendation(
    conn: &mut AsyncPgConnection,
    row: &RecommendationRow,
) -> QueryResult<()> {
    diesel::update(leader_recommendations::table.find(row.id))
        .set((
            leader_recommendations::status.eq(row.status),
            leader_recommendations::decided_by.eq(&row.decided_by),
            leader_recommendations::decided_at.eq(row.decided_at),
            leader_recommendations::decision_note.eq(&row.decision_note),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// A group's cross-appointments, oldest first.
pub async fn cross_rows(
    conn: &mut AsyncPgConnection,
    group: GroupId,
) -> QueryResult<Vec<CrossRow>> {
    cross_appointments::table
        .filter(cross_appointments::group_id.eq(group))
        .order((cross_appointments::appointed_on, cross_appointments::id))
        .select(CrossRow::as_select())
        .load(conn)
        .await
}

pub async fn insert_cross(conn: &mut AsyncPgConnection, row: &CrossRow) -> QueryResult<()> {
    diesel::insert_into(cross_appointments::table)
        .values(row)
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn cross_for_update(
    conn: &mut AsyncPgConnection,
    id: CrossAppointmentId,
) -> QueryResult<Option<CrossRow>> {
    cross_appointments::table
        .find(id)
        .for_update()
        .select(CrossRow::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn end_cross(
    conn: &mut AsyncPgConnection,
    id: CrossAppointmentId,
    on: NaiveDate,
    reason: Option<&str>,
) -> QueryResult<()> {
    diesel::update(cross_appointments::table.find(id))
        .set((
            cross_appointments::ended_on.eq(on),
            cross_appointments::end_reason.eq(reason),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}
