//! Admission (F-01, F-03, F-08/F-09, §8.5, V-07): the checks an admission passes, the
//! membership it inserts, and the admission itself inside a transaction that the consent
//! path (F-04) shares.

use chrono::Utc;
use diesel_async::AsyncPgConnection;
use edu_bus::outbox;
use edu_contracts::Actor;
use edu_contracts::events::MemberAdmitted;
use edu_contracts::membership::{Admission, Membership};
use edu_db::is_unique_violation;
use edu_domain::{MemberRole, MembershipId};

use crate::error::MembershipError;
use crate::rules;
use crate::store::{self, MembershipRow};

use crate::service::Result;

/// Inserts a membership; the partial unique index turns a concurrent second group for the
/// same school into `school_already_in_group` (§8.5).
pub(crate) async fn insert_membership(
    conn: &mut AsyncPgConnection,
    row: &MembershipRow,
) -> Result<()> {
    store::insert_membership(conn, row).await.map_err(|e| {
        if is_unique_violation(&e, "memberships_one_active_group") {
            MembershipError::AlreadyInGroup
        } else {
            e.into()
        }
    })
}

/// Whether the school's county bureau consented to this admission (F-04).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Consent {
    NotGiven,
    Given,
}

/// What an admission would be, checked under the group's row lock: the group, the school,
/// the policy in force and the terms the rules give (F-01, F-03, F-06/F-07, F-08/F-09, §8.5,
/// V-07), or the rule's refusal.
pub(crate) struct AdmissionCheck {
    pub group: store::GroupRow,
    pub school: store::SchoolRow,
    pub policy_version: i32,
    pub terms: rules::Terms,
}

pub(crate) async fn check_admission(
    conn: &mut AsyncPgConnection,
    body: &Admission,
) -> Result<AdmissionCheck> {
    let group = store::group_for_update(conn, body.group_id)
        .await?
        .ok_or(MembershipError::GroupNotFound)?;
    let school = store::school(conn, body.school_id)
        .await?
        .ok_or(MembershipError::SchoolNotFound)?;
    let region = group.region()?;
    let policy = store::current_policy(conn, &region).await?;
    let lead = store::school(conn, group.lead_school_id)
        .await?
        .ok_or(MembershipError::SchoolNotFound)?;
    let active = store::active_schools(conn, &[group.id]).await?;
    let lead_quality = crate::scale::store::latest_lead_quality(conn, group.lead_school_id)
        .await?
        .map(|q| rules::LeadTrend {
            school_year: q.school_year,
            score: q.score,
            improving: q.improving,
        });
    let facts = rules::GroupFacts {
        name: group.name.clone(),
        model: group.model()?,
        status: group.status()?,
        lead_school_id: group.lead_school_id,
        lead_stage: lead.stage()?,
        region,
        scale_cap: group.scale_cap(),
        cap_exception: group.cap_exception_reason.is_some(),
        active_members: u8::try_from(
            active
                .iter()
                .filter(|a| a.role == MemberRole::Member.as_str())
                .count(),
        )
        .unwrap_or(u8::MAX),
        lead_quality,
    };
    let candidate = rules::Candidate {
        id: body.school_id,
        stage: school.stage()?,
        region: school.region()?,
        current_role: store::current_role(conn, body.school_id).await?,
    };
    let terms = rules::admit(&facts, &candidate, &policy)?;
    Ok(AdmissionCheck {
        group,
        school,
        policy_version: policy.version,
        terms,
    })
}

/// Admits the school if the rules allow it now, inside the caller's transaction: the
/// membership and its event. A school of another county needs `Consent::Given` (F-04).
pub(crate) async fn admit_in(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    body: &Admission,
    consent: Consent,
) -> Result<Membership> {
    let AdmissionCheck {
        group,
        school,
        policy_version,
        terms,
    } = check_admission(conn, body).await?;
    if terms.cross_region && consent == Consent::NotGiven {
        return Err(MembershipError::CountyConsentRequired {
            school_region: school.region()?,
            group_region: group.region()?,
        });
    }
    let row = MembershipRow {
        id: MembershipId::new(),
        group_id: group.id,
        school_id: school.id,
        role: MemberRole::Member.as_str().to_owned(),
        joined_at: Utc::now(),
        left_at: None,
        exit_reason: None,
        exit_note: None,
        plaque_text: terms.plaque_text,
        legal_person_retained: terms.legal_person_retained,
        independent_leadership: terms.independent_leadership,
        cross_region: terms.cross_region,
        policy_version,
    };
    insert_membership(conn, &row).await?;
    let event = MemberAdmitted {
        group_id: body.group_id,
        school_id: body.school_id,
        membership_id: row.id,
        plaque_text: row.plaque_text.clone(),
        legal_person_retained: row.legal_person_retained,
        independent_leadership: Some(row.independent_leadership),
        cross_region: row.cross_region,
        policy_version: row.policy_version,
        region: Some(school.region()?),
        school_name: Some(school.name.clone()),
        principal_name: Some(school.principal_name.clone()),
        joined_on: None,
    };
    outbox::enqueue(
        conn,
        actor,
        Some(body.group_id),
        Some(body.school_id),
        &event,
    )
    .await?;
    Ok(row.into_view(school.name)?)
}
