//! Sharing agreements (R-10, M6): the lead office records what two or more active schools of
//! the group agreed to share — brand, management, institutions, teaching, research, staff
//! exchange — and for how long; an agreement is terminated early with a reason, never
//! deleted. Whether a posting or a share rests on one is [`Agreement::covers`].

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use edu_bus::outbox;
use edu_contracts::Command;
use edu_contracts::agreements::{
    Agreement, AgreementChanged, AgreementEnd, AgreementId, NewAgreement, SharingScope,
};
use edu_contracts::membership::GroupRef;
use edu_db::idempotency;
use edu_domain::{GroupId, Problem, SchoolId, text};
use uuid::Uuid;

use crate::error::MembershipError;
use crate::schema::sharing_agreements;
use crate::service::{MembershipService, Result};
use crate::store::corrupt;

/// R-10 sets no term; ten years bounds a typo in the year.
const MAX_TERM_YEARS: i32 = 10;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = sharing_agreements, treat_none_as_default_value = false)]
struct AgreementRow {
    id: AgreementId,
    group_id: GroupId,
    title: String,
    school_ids: Vec<Uuid>,
    scopes: Vec<String>,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    ended_on: Option<NaiveDate>,
    end_reason: Option<String>,
    document_ref: Option<String>,
    recorded_by: String,
    recorded_at: DateTime<Utc>,
}

impl AgreementRow {
    fn into_view(self) -> QueryResult<Agreement> {
        let scopes = self
            .scopes
            .iter()
            .map(|s| {
                s.parse::<SharingScope>()
                    .map_err(|_| corrupt("sharing scope", s))
            })
            .collect::<QueryResult<_>>()?;
        Ok(Agreement {
            id: self.id,
            group_id: self.group_id,
            title: self.title,
            school_ids: self.school_ids.into_iter().map(SchoolId).collect(),
            scopes,
            starts_on: self.starts_on,
            ends_on: self.ends_on,
            ended_on: self.ended_on,
            end_reason: self.end_reason,
            document_ref: self.document_ref,
            recorded_by: self.recorded_by,
            recorded_at: self.recorded_at,
        })
    }
}

/// two or more distinct parties, at least one scope, a term that ends after it starts
/// and within ten years.
fn check_terms(
    body: &NewAgreement,
) -> std::result::Result<(Vec<SchoolId>, Vec<SharingScope>), Problem> {
    let mut parties = body.school_ids.clone();
    parties.sort();
    parties.dedup();
    if parties.len() < 2 {
        return Err(Problem::validation(
            "school_ids",
            "an agreement has two or more schools of the group as parties",
            "协议须有两所及以上集团学校作为协议方",
        )
        .rule("R-10"));
    }
    let mut scopes = body.scopes.clone();
    scopes.sort();
    scopes.dedup();
    if scopes.is_empty() {
        return Err(Problem::validation(
            "scopes",
            "an agreement names what it shares (brand, management, institutions, teaching, research, staff exchange)",
            "协议须写明共享内容(品牌、管理、制度、教学、教研、干部教师交流)",
        )
        .rule("R-10"));
    }
    let too_long = body.ends_on.year() - body.starts_on.year() > MAX_TERM_YEARS;
    if body.ends_on < body.starts_on || too_long {
        return Err(Problem::validation(
            "ends_on",
            "an agreement ends on or after its first day, within ten years",
            "协议到期日不得早于生效日,期限不超过十年",
        ));
    }
    Ok((parties, scopes))
}

impl MembershipService {
    /// R-10/M6: records a sharing agreement among active schools of the group.
    pub async fn record_agreement(&self, cmd: Command<NewAgreement>) -> Result<Agreement> {
        let body = &cmd.body;
        let title = text::required("title", &body.title, 100)?;
        let document_ref = body
            .document_ref
            .as_deref()
            .map(|d| text::optional("document_ref", d, 100))
            .transpose()?
            .flatten();
        let (parties, scopes) = check_terms(body)?;
        let mut conn = self.conn().await?;
        idempotency::for_request(
            &mut conn,
            "agreement.record",
            &cmd.actor.sub,
            cmd.idempotency_key.as_deref(),
            &cmd.body,
            async |conn| {
                let group = crate::service::open_group(conn, body.group_id).await?;
                let active = crate::store::active_schools(conn, &[group.id]).await?;
                if !parties
                    .iter()
                    .all(|p| active.iter().any(|a| a.school_id == *p))
                {
                    return Err(MembershipError::NotAMember);
                }
                let row = AgreementRow {
                    id: AgreementId::new(),
                    group_id: group.id,
                    title: title.clone(),
                    school_ids: parties.iter().map(|p| p.0).collect(),
                    scopes: scopes.iter().map(|s| s.as_str().to_owned()).collect(),
                    starts_on: body.starts_on,
                    ends_on: body.ends_on,
                    ended_on: None,
                    end_reason: None,
                    document_ref: document_ref.clone(),
                    recorded_by: cmd.actor.sub.clone(),
                    recorded_at: Utc::now(),
                };
                diesel::insert_into(sharing_agreements::table)
                    .values(&row)
                    .execute(conn)
                    .await?;
                let view = row.into_view()?;
                changed(conn, &cmd, &view).await?;
                Ok(view)
            },
        )
        .await
    }

    /// an agreement is terminated before its term, with the reason.
    pub async fn end_agreement(&self, cmd: Command<AgreementEnd>) -> Result<Agreement> {
        let body = &cmd.body;
        let reason = text::required("reason", &body.reason, 500)?;
        let mut conn = self.conn().await?;
        idempotency::for_request(
            &mut conn,
            "agreement.end",
            &cmd.actor.sub,
            cmd.idempotency_key.as_deref(),
            &cmd.body,
            async |conn| {
                let row: AgreementRow = sharing_agreements::table
                    .find(body.agreement_id)
                    .for_update()
                    .select(AgreementRow::as_select())
                    .first(conn)
                    .await
                    .optional()?
                    .filter(|r: &AgreementRow| r.group_id == body.group_id)
                    .ok_or(MembershipError::AgreementNotFound)?;
                if row.ended_on.is_some() {
                    return Err(MembershipError::AgreementEnded);
                }
                if body.ended_on < row.starts_on {
                    return Err(Problem::validation(
                        "ended_on",
                        "an agreement ends on or after its first day",
                        "协议终止日不得早于生效日",
                    )
                    .into());
                }
                diesel::update(sharing_agreements::table.find(row.id))
                    .set((
                        sharing_agreements::ended_on.eq(body.ended_on),
                        sharing_agreements::end_reason.eq(&reason),
                    ))
                    .execute(conn)
                    .await?;
                let view = AgreementRow {
                    ended_on: Some(body.ended_on),
                    end_reason: Some(reason.clone()),
                    ..row
                }
                .into_view()?;
                changed(conn, &cmd, &view).await?;
                Ok(view)
            },
        )
        .await
    }

    /// The group's agreements, oldest first.
    pub async fn list_agreements(&self, cmd: Command<GroupRef>) -> Result<Vec<Agreement>> {
        let mut conn = self.conn().await?;
        crate::store::group(&conn, cmd.body.group_id)
            .await?
            .ok_or(MembershipError::GroupNotFound)?;
        let rows: Vec<AgreementRow> = sharing_agreements::table
            .filter(sharing_agreements::group_id.eq(cmd.body.group_id))
            .order((sharing_agreements::starts_on, sharing_agreements::id))
            .select(AgreementRow::as_select())
            .load(&mut conn)
            .await?;
        Ok(rows
            .into_iter()
            .map(AgreementRow::into_view)
            .collect::<QueryResult<_>>()?)
    }
}

async fn changed<T>(conn: &mut AsyncPgConnection, cmd: &Command<T>, a: &Agreement) -> Result<()> {
    let event = AgreementChanged {
        group_id: a.group_id,
        agreement_id: a.id,
        school_ids: a.school_ids.clone(),
        scopes: a.scopes.clone(),
        starts_on: a.starts_on,
        ends_on: a.ends_on,
        ended_on: a.ended_on,
    };
    outbox::enqueue(conn, &cmd.actor, Some(a.group_id), None, &event).await?;
    Ok(())
}
