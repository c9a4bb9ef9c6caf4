//! The group's own administration (S3 §二(二)): its management office at the lead school
//! (G-10, G-11; invariant 11), the lead school's recommendations about member schools'
//! leaders, which the bureau decides (G-12), and member principals appointed
//! vice-principal of the lead school outside its quota of school-level leaders (G-13).
//! Every change is kept: appointments end, recommendations are decided, nothing is deleted.

use chrono::Utc;
use diesel_async::AsyncPgConnection;
use edu_bus::outbox;
use edu_contracts::Command;
use edu_contracts::membership::GroupRef;
use edu_contracts::office::{
    AppointmentEnd, CrossAppointment, CrossAppointmentChanged, CrossAppointmentId,
    LeaderRecommendation, LeaderRecommendationDecided, LeaderRecommended, LeaderVerdict,
    NewCrossAppointment, NewLeaderRecommendation, NewOfficeAppointment, Office, OfficeAppointment,
    OfficeAppointmentEnded, OfficeAppointmentId, OfficePost, OfficerAppointed,
    RecommendationStatus,
};
use edu_db::idempotency;
use edu_domain::{GroupId, MemberRole, SchoolId, text};

use crate::error::{CROSS_APPOINTMENT_OPEN, MembershipError};
use crate::service::{MembershipService, Result};
use store::{CrossRow, OfficeRow, RecommendationRow};

pub(crate) mod rules;
pub(crate) mod store;

/// The school is an active member (not the lead) of the group.
async fn active_member(
    conn: &mut AsyncPgConnection,
    group: GroupId,
    school: SchoolId,
) -> Result<()> {
    let member = crate::store::active_schools(conn, &[group])
        .await?
        .iter()
        .any(|a| a.school_id == school && a.role == MemberRole::Member.as_str());
    if member {
        Ok(())
    } else {
        Err(MembershipError::NotAMember)
    }
}

fn note(field: &str, raw: Option<&str>, max: usize) -> Result<Option<String>> {
    Ok(raw
        .map(|n| text::optional(field, n, max))
        .transpose()?
        .flatten())
}

impl MembershipService {
    /// G-10/G-11: appoints a person of the lead school to the group's office. A new
    /// director takes over from the one in post that day; a third deputy is refused.
    pub async fn appoint_officer(
        &self,
        cmd: Command<NewOfficeAppointment>,
    ) -> Result<OfficeAppointment> {
        let body = &cmd.body;
        let person_name = text::required("person_name", &body.person_name, 50)?;
        let staff_no = note("staff_no", body.staff_no.as_deref(), 32)?;
        let mut conn = self.conn().await?;
        idempotency::for_request(
            &mut conn,
            "office.appoint",
            &cmd.actor.sub,
            cmd.idempotency_key.as_deref(),
            &cmd.body,
            async |conn| {
                let group = crate::service::open_group(conn, body.group_id).await?;
                rules::check_start(body.appointed_on, group.plaque_date)?;
                let in_post: Vec<rules::InPost> = store::office_rows(conn, group.id)
                    .await?
                    .iter()
                    .filter(|r| r.ended_on.is_none())
                    .map(|r| (r.id, r.post, r.appointed_on))
                    .collect();
                let replaces = rules::appoint(body.post, body.appointed_on, &in_post)?;
                if let Some(previous) = replaces {
                    store::end_office(conn, previous, body.appointed_on, Some("继任 succeeded"))
                        .await?;
                }
                let row = OfficeRow {
                    id: OfficeAppointmentId::new(),
                    group_id: group.id,
                    school_id: group.lead_school_id,
                    post: body.post,
                    person_name: person_name.clone(),
                    staff_no: staff_no.clone(),
                    appointed_on: body.appointed_on,
                    ended_on: None,
                    end_reason: None,
                    appointed_by: cmd.actor.sub.clone(),
                    recorded_at: Utc::now(),
                };
                store::insert_office(conn, &row).await?;
                let event = OfficerAppointed {
                    group_id: group.id,
                    appointment_id: row.id,
                    post: row.post,
                    appointed_on: row.appointed_on,
                    replaces,
                };
                outbox::enqueue(
                    conn,
                    &cmd.actor,
                    Some(group.id),
                    Some(group.lead_school_id),
                    &event,
                )
                .await?;
                Ok(row.into())
            },
        )
        .await
    }

    /// G-10: an office appointment ends (the person leaves the post).
    pub async fn end_office_appointment(
        &self,
        cmd: Command<AppointmentEnd>,
    ) -> Result<OfficeAppointment> {
        let body = &cmd.body;
        let reason = note("reason", body.reason.as_deref(), 200)?;
        let mut conn = self.conn().await?;
        idempotency::for_request(
            &mut conn,
            "office.end",
            &cmd.actor.sub,
            cmd.idempotency_key.as_deref(),
            &cmd.body,
            async |conn| {
                let id = OfficeAppointmentId(body.appointment_id);
                let row = store::office_for_update(conn, id)
                    .await?
                    .filter(|r| r.group_id == body.group_id)
                    .ok_or(MembershipError::AppointmentNotFound)?;
                crate::service::open_group(conn, row.group_id).await?;
                rules::check_end(row.appointed_on, row.ended_on, body.ended_on)?;
                store::end_office(conn, id, body.ended_on, reason.as_deref()).await?;
                let event = OfficeAppointmentEnded {
                    group_id: row.group_id,
                    appointment_id: id,
                    post: row.post,
                    ended_on: body.ended_on,
                };
                outbox::enqueue(
                    conn,
                    &cmd.actor,
                    Some(row.group_id),
                    Some(row.school_id),
                    &event,
                )
                .await?;
                Ok(OfficeRow {
                    ended_on: Some(body.ended_on),
                    end_reason: reason.clone(),
                    ..row
                }
                .into())
            },
        )
        .await
    }

    /// The group's administration: the office in post and its history, the
    /// cross-appointments and the leader recommendations.
    pub async fn get_office(&self, cmd: Command<GroupRef>) -> Result<Office> {
        let mut conn = self.conn().await?;
        let group = crate::store::group(&conn, cmd.body.group_id)
            .await?
            .ok_or(MembershipError::GroupNotFound)?;
        let history: Vec<OfficeAppointment> = store::office_rows(&mut conn, group.id)
            .await?
            .into_iter()
            .map(Into::into)
            .collect();
        let in_post = |post: OfficePost| {
            history
                .iter()
                .filter(move |a| a.post == post && a.ended_on.is_none())
                .cloned()
        };
        let director = in_post(OfficePost::Director).next();
        let deputies: Vec<OfficeAppointment> = in_post(OfficePost::DeputyDirector).collect();
        let cross_appointments = store::cross_rows(&mut conn, group.id)
            .await?
            .into_iter()
            .map(Into::into)
            .collect();
        let recommendations = store::recommendation_rows(&mut conn, group.id)
            .await?
            .into_iter()
            .map(Into::into)
            .collect();
        Ok(Office {
            group_id: group.id,
            lead_school_id: group.lead_school_id,
            staffed: director.is_some(),
            director,
            deputies,
            history,
            cross_appointments,
            recommendations,
        })
    }

    /// G-12: the lead school recommends appointing or removing a member school's leader;
    /// the bureau decides.
    pub async fn recommend_leader(
        &self,
        cmd: Command<NewLeaderRecommendation>,
    ) -> Result<LeaderRecommendation> {
        let body = &cmd.body;
        let person_name = text::required("person_name", &body.person_name, 50)?;
        let reason = text::required("reason", &body.reason, 1000)?;
        let mut conn = self.conn().await?;
        idempotency::for_request(
            &mut conn,
            "leader.recommend",
            &cmd.actor.sub,
            cmd.idempotency_key.as_deref(),
            &cmd.body,
            async |conn| {
                let group = crate::service::open_group(conn, body.group_id).await?;
                active_member(conn, group.id, body.school_id).await?;
                let row = RecommendationRow {
                    id: edu_contracts::office::LeaderRecommendationId::new(),
                    group_id: group.id,
                    school_id: body.school_id,
                    action: body.action,
                    post: body.post,
                    person_name: person_name.clone(),
                    reason: reason.clone(),
                    status: RecommendationStatus::Proposed,
                    recommended_by: cmd.actor.sub.clone(),
                    recommended_at: Utc::now(),
                    decided_by: None,
                    decided_at: None,
                    decision_note: None,
                };
                store::insert_recommendation(conn, &row).await?;
                let event = LeaderRecommended {
                    group_id: group.id,
                    school_id: row.school_id,
                    recommendation_id: row.id,
                    action: row.action,
                    post: row.post,
                };
                outbox::enqueue(
                    conn,
                    &cmd.actor,
                    Some(group.id),
                    Some(row.school_id),
                    &event,
                )
                .await?;
                Ok(row.into())
            },
        )
        .await
    }

    /// G-12: the bureau accepts or rejects a recommendation, once.
    pub async fn decide_leader_recommendation(
        &self,
        cmd: Command<LeaderVerdict>,
    ) -> Result<LeaderRecommendation> {
        let body = &cmd.body;
        let decision_note = note("note", body.note.as_deref(), 500)?;
        let mut conn = self.conn().await?;
        idempotency::for_request(
            &mut conn,
            "leader.decide",
            &cmd.actor.sub,
            cmd.idempotency_key.as_deref(),
            &cmd.body,
            async |conn| {
                let row = store::recommendation_for_update(conn, body.recommendation_id)
                    .await?
                    .filter(|r| r.group_id == body.group_id)
                    .ok_or(MembershipError::RecommendationNotFound)?;
                if row.status != RecommendationStatus::Proposed {
                    return Err(MembershipError::RecommendationDecided(row.status.as_str()));
                }
                let row = RecommendationRow {
                    status: if body.accept {
                        RecommendationStatus::Accepted
                    } else {
                        RecommendationStatus::Rejected
                    },
                    decided_by: Some(cmd.actor.sub.clone()),
                    decided_at: Some(Utc::now()),
                    decision_note: decision_note.clone(),
                    ..row
                };
                store::decide_recommendation(conn, &row).await?;
                let event = LeaderRecommendationDecided {
                    group_id: row.group_id,
                    school_id: row.school_id,
                    recommendation_id: row.id,
                    status: row.status,
                };
                outbox::enqueue(
                    conn,
                    &cmd.actor,
                    Some(row.group_id),
                    Some(row.school_id),
                    &event,
                )
                .await?;
                Ok(row.into())
            },
        )
        .await
    }

    /// G-13: a member school's principal (as the school is registered) is appointed
    /// vice-principal of the lead school; the post is outside the lead's quota.
    pub async fn record_cross_appointment(
        &self,
        cmd: Command<NewCrossAppointment>,
    ) -> Result<CrossAppointment> {
        let body = &cmd.body;
        let mut conn = self.conn().await?;
        idempotency::for_request(
            &mut conn,
            "cross_appointment.record",
            &cmd.actor.sub,
            cmd.idempotency_key.as_deref(),
            &cmd.body,
            async |conn| {
                let group = crate::service::open_group(conn, body.group_id).await?;
                rules::check_start(body.appointed_on, group.plaque_date)?;
                active_member(conn, group.id, body.school_id).await?;
                let school = crate::store::school(conn, body.school_id)
                    .await?
                    .ok_or(MembershipError::SchoolNotFound)?;
                let open = store::cross_rows(conn, group.id)
                    .await?
                    .iter()
                    .any(|r| r.school_id == school.id && r.ended_on.is_none());
                if open {
                    return Err(MembershipError::AppointmentState(CROSS_APPOINTMENT_OPEN));
                }
                let row = CrossRow {
                    id: CrossAppointmentId::new(),
                    group_id: group.id,
                    school_id: school.id,
                    person_name: school.principal_name,
                    appointed_on: body.appointed_on,
                    ended_on: None,
                    end_reason: None,
                    recorded_by: cmd.actor.sub.clone(),
                    recorded_at: Utc::now(),
                };
                store::insert_cross(conn, &row).await?;
                cross_changed(conn, &cmd, &row).await?;
                Ok(row.into())
            },
        )
        .await
    }

    /// G-13: the cross-appointment ends.
    pub async fn end_cross_appointment(
        &self,
        cmd: Command<AppointmentEnd>,
    ) -> Result<CrossAppointment> {
        let body = &cmd.body;
        let reason = note("reason", body.reason.as_deref(), 200)?;
        let mut conn = self.conn().await?;
        idempotency::for_request(
            &mut conn,
            "cross_appointment.end",
            &cmd.actor.sub,
            cmd.idempotency_key.as_deref(),
            &cmd.body,
            async |conn| {
                let id = CrossAppointmentId(body.appointment_id);
                let row = store::cross_for_update(conn, id)
                    .await?
                    .filter(|r| r.group_id == body.group_id)
                    .ok_or(MembershipError::AppointmentNotFound)?;
                crate::service::open_group(conn, row.group_id).await?;
                rules::check_end(row.appointed_on, row.ended_on, body.ended_on)?;
                store::end_cross(conn, id, body.ended_on, reason.as_deref()).await?;
                let row = CrossRow {
                    ended_on: Some(body.ended_on),
                    end_reason: reason.clone(),
                    ..row
                };
                cross_changed(conn, &cmd, &row).await?;
                Ok(row.into())
            },
        )
        .await
    }
}

/// G-13 rests on membership: when a member leaves (or the group is dissolved, `school`
/// None), its principal's appointment at the lead school ends that day, in the same
/// transaction as the exit.
pub(crate) async fn end_cross_with_membership(
    conn: &mut AsyncPgConnection,
    actor: &edu_contracts::Actor,
    group: GroupId,
    school: Option<SchoolId>,
) -> Result<()> {
    let today = Utc::now().date_naive();
    let open: Vec<CrossRow> = store::cross_rows(conn, group)
        .await?
        .into_iter()
        .filter(|r| r.ended_on.is_none() && school.is_none_or(|s| s == r.school_id))
        .collect();
    for row in open {
        let on = today.max(row.appointed_on);
        store::end_cross(conn, row.id, on, Some("成员学校退出集团 membership ended")).await?;
        let event = CrossAppointmentChanged {
            group_id: group,
            school_id: row.school_id,
            appointment_id: row.id,
            appointed_on: row.appointed_on,
            ended_on: Some(on),
        };
        outbox::enqueue(conn, actor, Some(group), Some(row.school_id), &event).await?;
    }
    Ok(())
}

async fn cross_changed<T>(
    conn: &mut AsyncPgConnection,
    cmd: &Command<T>,
    row: &CrossRow,
) -> Result<()> {
    let event = CrossAppointmentChanged {
        group_id: row.group_id,
        school_id: row.school_id,
        appointment_id: row.id,
        appointed_on: row.appointed_on,
        ended_on: row.ended_on,
    };
    outbox::enqueue(
        conn,
        &cmd.actor,
        Some(row.group_id),
        Some(row.school_id),
        &event,
    )
    .await?;
    Ok(())
}
