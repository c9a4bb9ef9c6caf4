//! F-04 across counties: a group may take a school of another county, but only with that
//! county's consent. Admitting such a school records a request (the admission itself is
//! refused with `county_consent_required` until then); the school's own county bureau
//! approves it, and the admission then runs through every rule as of that moment, or
//! declines it with a reason. Until approved the school is not a member, so the group sees
//! none of its data.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use edu_contracts::Command;
use edu_contracts::consent::{
    ConsentDecision, ConsentQuery, ConsentRequest, ConsentStatus, ConsentVerdict,
};
use edu_contracts::membership::{Admission, Page};
use edu_db::idempotency;
use edu_domain::{GroupId, MembershipId, Problem, RegionCode, Role, SchoolId, text};
use uuid::Uuid;

use crate::admission::{Consent, admit_in, check_admission};
use crate::error::MembershipError;
use crate::schema::{consent_requests, groups, schools};
use crate::service::{MembershipService, Result};
use crate::store::corrupt;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = consent_requests)]
struct ConsentRow {
    id: Uuid,
    group_id: GroupId,
    school_id: SchoolId,
    group_region: String,
    school_region: String,
    requested_by: String,
    requested_at: DateTime<Utc>,
    status: String,
    decided_by: Option<String>,
    decided_at: Option<DateTime<Utc>>,
    reason: Option<String>,
    membership_id: Option<Uuid>,
}

impl ConsentRow {
    fn status(&self) -> QueryResult<ConsentStatus> {
        ConsentStatus::parse(&self.status).ok_or_else(|| corrupt("consent status", &self.status))
    }

    fn into_view(self, group_name: String, school_name: String) -> QueryResult<ConsentRequest> {
        let region = |r: &str| RegionCode::parse(r).map_err(|_| corrupt("region", r));
        Ok(ConsentRequest {
            id: self.id,
            group_id: self.group_id,
            group_name,
            group_region: region(&self.group_region)?,
            school_id: self.school_id,
            school_name,
            school_region: region(&self.school_region)?,
            status: self.status()?,
            requested_by: self.requested_by,
            requested_at: self.requested_at,
            decided_by: self.decided_by,
            decided_at: self.decided_at,
            reason: self.reason,
            membership_id: self.membership_id.map(MembershipId),
        })
    }
}

/// The request with its group's and school's names.
async fn view(conn: &mut AsyncPgConnection, row: ConsentRow) -> Result<ConsentRequest> {
    let mut views = views(conn, vec![row]).await?;
    views.pop().ok_or(MembershipError::ConsentNotFound)
}

async fn views(conn: &mut AsyncPgConnection, rows: Vec<ConsentRow>) -> Result<Vec<ConsentRequest>> {
    let group_ids: Vec<GroupId> = rows.iter().map(|r| r.group_id).collect();
    let school_ids: Vec<SchoolId> = rows.iter().map(|r| r.school_id).collect();
    let group_names: std::collections::HashMap<GroupId, String> = groups::table
        .filter(groups::id.eq_any(&group_ids))
        .select((groups::id, groups::name))
        .load(conn)
        .await?
        .into_iter()
        .collect();
    let school_names: std::collections::HashMap<SchoolId, String> = schools::table
        .filter(schools::id.eq_any(&school_ids))
        .select((schools::id, schools::name))
        .load(conn)
        .await?
        .into_iter()
        .collect();
    let views = rows
        .into_iter()
        .map(|row| {
            let group = group_names.get(&row.group_id).cloned().unwrap_or_default();
            let school = school_names
                .get(&row.school_id)
                .cloned()
                .unwrap_or_default();
            row.into_view(group, school)
        })
        .collect::<QueryResult<_>>()?;
    Ok(views)
}

impl MembershipService {
    /// Records a request for a school of another county to join (F-04), if every admission
    /// rule allows it now; a request already waiting for the same school and group is the
    /// answer again.
    pub async fn request_consent(&self, cmd: Command<Admission>) -> Result<ConsentRequest> {
        let mut conn = self.conn().await?;
        idempotency::for_request(
            &mut conn,
            "consent.request",
            &cmd.actor.sub,
            cmd.idempotency_key.as_deref(),
            &cmd.body,
            async |conn| {
                let check = check_admission(conn, &cmd.body).await?;
                if !check.terms.cross_region {
                    return Err(Problem::validation(
                        "school_id",
                        "this school is of the group's county: admit it directly, no consent is needed",
                        "该校与集团同属一县,可直接吸收,无需征得同意",
                    )
                    .into());
                }
                let waiting = consent_requests::table
                    .filter(consent_requests::group_id.eq(check.group.id))
                    .filter(consent_requests::school_id.eq(check.school.id))
                    .filter(consent_requests::status.eq(ConsentStatus::Pending.as_str()))
                    .select(ConsentRow::as_select())
                    .first(conn)
                    .await
                    .optional()?;
                let row = match waiting {
                    Some(row) => row,
                    None => {
                        let row = ConsentRow {
                            id: Uuid::now_v7(),
                            group_id: check.group.id,
                            school_id: check.school.id,
                            group_region: check.group.region.clone(),
                            school_region: check.school.region.clone(),
                            requested_by: cmd.actor.sub.clone(),
                            requested_at: Utc::now(),
                            status: ConsentStatus::Pending.as_str().to_owned(),
                            decided_by: None,
                            decided_at: None,
                            reason: None,
                            membership_id: None,
                        };
                        diesel::insert_into(consent_requests::table)
                            .values(&row)
                            .execute(conn)
                            .await?;
                        row
                    }
                };
                view(conn, row).await
            },
        )
        .await
    }

    /// The school's county bureau approves (the admission runs through the rules as of now)
    /// or declines (with a reason). A decision stands.
    pub async fn decide_consent(&self, cmd: Command<ConsentDecision>) -> Result<ConsentRequest> {
        let reason = cmd
            .body
            .reason
            .as_deref()
            .map(|r| text::optional("reason", r, 500))
            .transpose()?
            .flatten();
        if cmd.body.decision == ConsentVerdict::Decline && reason.is_none() {
            return Err(Problem::validation(
                "reason",
                "say why the county declines",
                "不同意时须说明理由",
            )
            .into());
        }
        let mut conn = self.conn().await?;
        idempotency::for_request(
            &mut conn,
            "consent.decide",
            &cmd.actor.sub,
            cmd.idempotency_key.as_deref(),
            &cmd.body,
            async |conn| {
                let row = consent_requests::table
                    .find(cmd.body.request_id)
                    .select(ConsentRow::as_select())
                    .for_update()
                    .first(conn)
                    .await
                    .optional()?
                    .ok_or(MembershipError::ConsentNotFound)?;
                // F-04: the school's own county decides, nobody else.
                let school_county = cmd.actor.role == Some(Role::Bureau)
                    && cmd.actor.region.as_ref().map(RegionCode::as_str)
                        == Some(row.school_region.as_str());
                if !school_county {
                    return Err(Problem::forbidden(
                        "only the bureau of the school's county decides this request",
                        "仅该校所在县教育局可作出决定",
                    )
                    .into());
                }
                let status = row.status()?;
                if status != ConsentStatus::Pending {
                    return Err(MembershipError::ConsentDecided(status.as_str()));
                }
                let membership = match cmd.body.decision {
                    ConsentVerdict::Approve => {
                        let admission = Admission {
                            group_id: row.group_id,
                            school_id: row.school_id,
                        };
                        Some(admit_in(conn, &cmd.actor, &admission, Consent::Given).await?)
                    }
                    ConsentVerdict::Decline => None,
                };
                let status = match membership {
                    Some(_) => ConsentStatus::Approved,
                    None => ConsentStatus::Declined,
                };
                let row = diesel::update(consent_requests::table.find(row.id))
                    .set((
                        consent_requests::status.eq(status.as_str()),
                        consent_requests::decided_by.eq(&cmd.actor.sub),
                        consent_requests::decided_at.eq(Utc::now()),
                        consent_requests::reason.eq(&reason),
                        consent_requests::membership_id.eq(membership.map(|m| m.id.0)),
                    ))
                    .returning(ConsentRow::as_returning())
                    .get_result(conn)
                    .await?;
                view(conn, row).await
            },
        )
        .await
    }

    /// Requests about a county (its groups' or its schools') or one group, newest first.
    pub async fn list_consents(&self, cmd: Command<ConsentQuery>) -> Result<Page<ConsentRequest>> {
        let q = cmd.body;
        let paging = q.paging.checked()?;
        let filtered = || {
            let mut query = consent_requests::table.into_boxed();
            if let Some(region) = &q.region {
                query = query.filter(
                    consent_requests::group_region
                        .eq(region.as_str().to_owned())
                        .or(consent_requests::school_region.eq(region.as_str().to_owned())),
                );
            }
            if let Some(group) = q.group_id {
                query = query.filter(consent_requests::group_id.eq(group.0));
            }
            if let Some(status) = q.status {
                query = query.filter(consent_requests::status.eq(status.as_str()));
            }
            query
        };
        let mut conn = self.conn().await?;
        let total: i64 = filtered().count().get_result(&mut conn).await?;
        let rows = filtered()
            .order((consent_requests::requested_at.desc(), consent_requests::id))
            .limit(i64::from(paging.limit))
            .offset(i64::from(paging.offset))
            .select(ConsentRow::as_select())
            .load(&mut conn)
            .await?;
        Ok(Page {
            items: views(&mut conn, rows).await?,
            total,
        })
    }
}
