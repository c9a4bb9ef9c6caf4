//! The operations of the membership service. Each write is one transaction: row locks,
//! the rule check, the change, the outbox event and the idempotency record commit together.

use chrono::{DateTime, NaiveDate, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use edu_bus::{Bus, outbox};
use edu_contracts::events::{GroupDissolved, GroupEstablished, MemberExited};
use edu_contracts::membership::{
    Admission, Dissolution, Group, GroupQuery, GroupRef, MemberExit, MemberList, MemberQuery,
    Membership, NewGroup, NewSchool, Page, School, SchoolQuery, SchoolRef,
};
use edu_contracts::obligations::{GetStanding, StandingQuery};
use edu_contracts::{Actor, Command};
use edu_db::idempotency;
use edu_db::{DbPool, PooledConn, is_unique_violation};
use edu_domain::{
    ExitReason, GroupId, GroupModel, GroupStatus, MemberRole, MembershipId, Policy, SchoolId, text,
};

use crate::admission::{Consent, admit_in, insert_membership};
use crate::error::MembershipError;
use crate::rules;
use crate::store::{self, GroupRow, MembershipRow, SchoolRow};

pub(crate) type Result<T> = std::result::Result<T, MembershipError>;

/// The group, locked for the rest of the transaction, if it still accepts changes (X-02: a
/// dissolved group accepts none).
pub(crate) async fn open_group(conn: &mut AsyncPgConnection, id: GroupId) -> Result<GroupRow> {
    let group = store::group_for_update(conn, id)
        .await?
        .ok_or(MembershipError::GroupNotFound)?;
    if group.status()? == GroupStatus::Dissolved {
        return Err(MembershipError::GroupDissolved);
    }
    Ok(group)
}

/// The membership service: its operations over its pool.
#[derive(Clone)]
pub struct MembershipService {
    pool: DbPool,
    /// To ask the council (G-09) and the evaluation service before a sanction's
    /// transaction; never awaited inside one.
    pub(crate) bus: Bus,
}

impl MembershipService {
    pub fn new(pool: DbPool, bus: Bus) -> Self {
        Self { pool, bus }
    }

    pub(crate) async fn conn(&self) -> Result<PooledConn> {
        Ok(edu_db::conn(&self.pool).await?)
    }

    pub async fn create_school(&self, cmd: Command<NewSchool>) -> Result<School> {
        let body = &cmd.body;
        let row = SchoolRow {
            id: SchoolId::new(),
            name: text::required("name", &body.name, 100)?,
            stage: body.stage.as_str().to_owned(),
            region: body.region.as_str().to_owned(),
            principal_name: text::required("principal_name", &body.principal_name, 50)?,
            legal_person: text::required("legal_person", &body.legal_person, 100)?,
            created_at: Utc::now(),
        };
        let mut conn = self.conn().await?;
        idempotency::for_request(
            &mut conn,
            "school.create",
            &cmd.actor.sub,
            cmd.idempotency_key.as_deref(),
            &cmd.body,
            async |conn| {
                store::insert_school(conn, &row).await.map_err(|e| {
                    if is_unique_violation(&e, "schools_region_name_key") {
                        MembershipError::SchoolNameTaken(row.name.clone())
                    } else {
                        e.into()
                    }
                })?;
                Ok(row.clone().into_view()?)
            },
        )
        .await
    }

    pub async fn get_school(&self, cmd: Command<SchoolRef>) -> Result<School> {
        let mut conn = self.conn().await?;
        let row = store::school(&mut conn, cmd.body.school_id)
            .await?
            .ok_or(MembershipError::SchoolNotFound)?;
        Ok(row.into_view()?)
    }

    pub async fn list_schools(&self, cmd: Command<SchoolQuery>) -> Result<Page<School>> {
        let q = cmd.body;
        let paging = q.paging.checked()?;
        let mut conn = self.conn().await?;
        let (rows, total) =
            store::list_schools(&mut conn, q.region.as_ref(), &q.ids, paging).await?;
        let items = rows
            .into_iter()
            .map(SchoolRow::into_view)
            .collect::<diesel::QueryResult<_>>()?;
        Ok(Page { items, total })
    }

    /// Establishes a group with its lead school (F-01, F-08, F-09, §8.3, §8.5).
    pub async fn create_group(&self, cmd: Command<NewGroup>) -> Result<Group> {
        let body = &cmd.body;
        let name = text::required("name", &body.name, 100)?;
        let reason = body
            .cap_exception_reason
            .as_deref()
            .map(|r| text::optional("cap_exception_reason", r, 500))
            .transpose()?
            .flatten();
        let mut conn = self.conn().await?;
        idempotency::for_request(
            &mut conn,
            "group.create",
            &cmd.actor.sub,
            cmd.idempotency_key.as_deref(),
            &cmd.body,
            async |conn| {
                let lead = store::school(conn, body.lead_school_id)
                    .await?
                    .ok_or(MembershipError::SchoolNotFound)?;
                let policy = store::current_policy(conn, &lead.region()?).await?;
                match store::current_role(conn, body.lead_school_id).await? {
                    Some(MemberRole::Lead) | Some(MemberRole::Member) => {
                        return Err(MembershipError::AlreadyInGroup);
                    }
                    None => {}
                }
                let formation = Formation {
                    name: &name,
                    model: body.model,
                    lead: &lead,
                    plaque_date: body.plaque_date,
                    scale_cap: body.scale_cap,
                    cap_exception_reason: reason.as_deref(),
                    on: Utc::now(),
                    policy: &policy,
                };
                let (group, _) = establish(conn, &cmd.actor, formation).await?;
                let view = single_view(conn, group).await?;
                Ok(view)
            },
        )
        .await
    }

    pub async fn get_group(&self, cmd: Command<GroupRef>) -> Result<Group> {
        let conn = self.conn().await?;
        let row = store::group(&conn, cmd.body.group_id)
            .await?
            .ok_or(MembershipError::GroupNotFound)?;
        single_view(&conn, row).await
    }

    pub async fn list_groups(&self, cmd: Command<GroupQuery>) -> Result<Page<Group>> {
        let q = cmd.body;
        let paging = q.paging.checked()?;
        let mut conn = self.conn().await?;
        let (rows, total) = store::list_groups(
            &mut conn,
            q.region.as_ref(),
            q.school_id,
            q.include_dissolved,
            paging,
        )
        .await?;
        let items = store::group_views(&conn, rows).await?;
        Ok(Page { items, total })
    }

    /// Admits a member school. The group row is locked for the whole check-and-insert, so
    /// concurrent admissions to one group are serialised and the cap holds (F-08, F-09). A
    /// school of another county is refused here until its bureau consents (F-04,
    /// [`MembershipService::request_consent`]).
    pub async fn admit(&self, cmd: Command<Admission>) -> Result<Membership> {
        let mut conn = self.conn().await?;
        idempotency::for_request(
            &mut conn,
            "member.admit",
            &cmd.actor.sub,
            cmd.idempotency_key.as_deref(),
            &cmd.body,
            async |conn| admit_in(conn, &cmd.actor, &cmd.body, Consent::NotGiven).await,
        )
        .await
    }

    pub async fn list_members(&self, cmd: Command<MemberQuery>) -> Result<MemberList> {
        let q = cmd.body;
        let conn = self.conn().await?;
        let (group, members) = store::member_list(
            &conn,
            q.group_id,
            q.include_history,
            Utc::now().date_naive(),
        )
        .await?
        .ok_or(MembershipError::GroupNotFound)?;
        let members = members
            .into_iter()
            .map(|(m, name)| m.into_view(name))
            .collect::<diesel::QueryResult<_>>()?;
        Ok(MemberList { group, members })
    }

    /// Ends a member's membership with a reason; the record stays (history).
    pub async fn exit(&self, cmd: Command<MemberExit>) -> Result<Membership> {
        let MemberExit {
            group_id,
            school_id,
            reason,
            ref note,
        } = cmd.body;
        let note = note
            .as_deref()
            .map(|n| text::optional("note", n, 500))
            .transpose()?
            .flatten();
        let mut conn = self.conn().await?;
        conn.transaction(async |conn| {
            end_membership(
                conn,
                &cmd.actor,
                group_id,
                school_id,
                reason,
                note.as_deref(),
            )
            .await
        })
        .await
    }

    /// 撤销: ends every membership (reason `dissolution`) and freezes the group. X-02:
    /// the bureau dissolves on a failing evaluation, or records why it does without one.
    pub async fn dissolve(&self, cmd: Command<Dissolution>) -> Result<Group> {
        let group_id = cmd.body.group_id;
        let reason = text::required("reason", &cmd.body.reason, 500)?;
        let override_reason = cmd
            .body
            .override_reason
            .as_deref()
            .map(|r| text::optional("override_reason", r, 500))
            .transpose()?
            .flatten();
        // Asked before the transaction (never await the bus inside one); only needed when
        // the bureau gave no override.
        let failing_evaluation = match override_reason {
            Some(_) => None,
            None => {
                let standing = self
                    .bus
                    .call::<GetStanding>(
                        &cmd.actor,
                        None,
                        StandingQuery {
                            group_id,
                            school_id: None,
                        },
                    )
                    .await
                    .map_err(MembershipError::Upstream)?;
                if !standing.failing {
                    return Err(MembershipError::FailedEvaluationRequired);
                }
                standing.evaluation_id
            }
        };
        let mut conn = self.conn().await?;
        conn.transaction(async |conn| {
            let row = dissolve_group(
                conn,
                &cmd.actor,
                group_id,
                &reason,
                override_reason.as_deref(),
                failing_evaluation,
            )
            .await?;
            single_view(conn, row).await
        })
        .await
    }
}

/// What a group is formed with.
pub(crate) struct Formation<'a> {
    pub name: &'a str,
    pub model: GroupModel,
    pub lead: &'a SchoolRow,
    pub plaque_date: NaiveDate,
    pub scale_cap: Option<u8>,
    pub cap_exception_reason: Option<&'a str>,
    /// When it was formed (now, or a past day for a group loaded with its history).
    pub on: DateTime<Utc>,
    /// The region's policy in force then.
    pub policy: &'a Policy,
}

/// Forms a group inside the caller's transaction: the group row, its lead's membership, the
/// scale decided at formation (F-08, §8.3: above the model's cap only with a reason) and the
/// `group.established` event. Returns the row and whether the cap is an exception.
pub(crate) async fn establish(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    f: Formation<'_>,
) -> Result<(GroupRow, bool)> {
    let exception = rules::check_scale_cap(f.policy, f.model, f.scale_cap, f.cap_exception_reason)?;
    let group = GroupRow {
        id: GroupId::new(),
        name: f.name.to_owned(),
        model: f.model.as_str().to_owned(),
        lead_school_id: f.lead.id,
        region: f.lead.region.clone(),
        plaque_date: f.plaque_date,
        scale_cap: f.scale_cap.map(i16::from),
        cap_exception_reason: f
            .cap_exception_reason
            .filter(|_| exception)
            .map(str::to_owned),
        status: GroupStatus::Active.as_str().to_owned(),
        dissolved_at: None,
        dissolution_reason: None,
        policy_version: f.policy.version,
        created_at: f.on,
    };
    store::insert_group(conn, &group).await?;
    let lead_membership = MembershipRow {
        id: MembershipId::new(),
        group_id: group.id,
        school_id: f.lead.id,
        role: MemberRole::Lead.as_str().to_owned(),
        joined_at: f.on,
        left_at: None,
        exit_reason: None,
        exit_note: None,
        plaque_text: f.name.to_owned(),
        legal_person_retained: true,
        independent_leadership: true,
        cross_region: false,
        policy_version: f.policy.version,
    };
    insert_membership(conn, &lead_membership).await?;
    let effective_cap = f.policy.effective_cap(f.model, f.scale_cap, exception);
    // F-08: a size decided at formation opens the group's scale history.
    if let Some(scale_cap) = f.scale_cap {
        let decision = crate::scale::store::ScaleDecisionRow {
            id: uuid::Uuid::now_v7(),
            group_id: group.id,
            previous_scale_cap: None,
            scale_cap: Some(i16::from(scale_cap)),
            cap_exception: exception,
            effective_cap: i16::from(effective_cap),
            active_members: 0,
            reason: f
                .cap_exception_reason
                .unwrap_or("组建时确定 decided at formation")
                .to_owned(),
            decided_by: actor.sub.clone(),
            decided_at: f.on,
            policy_version: f.policy.version,
        };
        crate::scale::store::insert_scale_decision(conn, &decision).await?;
    }
    let event = GroupEstablished {
        group_id: group.id,
        name: f.name.to_owned(),
        model: f.model,
        lead_school_id: f.lead.id,
        region: f.lead.region()?,
        plaque_date: f.plaque_date,
        effective_cap,
        policy_version: f.policy.version,
        lead_school_name: Some(f.lead.name.clone()),
        lead_principal_name: Some(f.lead.principal_name.clone()),
        // The lead's membership starts then (a past day for a loaded group's history).
        formed_on: Some(f.on.date_naive()),
    };
    outbox::enqueue(conn, actor, Some(group.id), Some(f.lead.id), &event).await?;
    Ok((group, exception))
}

/// Ends a member's membership with a reason, inside the caller's transaction, with the
/// group row locked: the operation `member.exit` and a confirmed evaluation exit.
pub(crate) async fn end_membership(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    group_id: GroupId,
    school_id: SchoolId,
    reason: ExitReason,
    note: Option<&str>,
) -> Result<Membership> {
    let group = open_group(conn, group_id).await?;
    if group.lead_school_id == school_id {
        return Err(MembershipError::LeadCannotExit);
    }
    let ended = store::end_memberships(conn, group_id, Some(school_id), reason, note).await?;
    crate::office::end_cross_with_membership(conn, actor, group_id, Some(school_id)).await?;
    let row = ended
        .into_iter()
        .next()
        .ok_or(MembershipError::NotAMember)?;
    let event = MemberExited {
        group_id,
        school_id,
        membership_id: row.id,
        reason,
        note: note.map(str::to_owned),
        left_on: None,
    };
    outbox::enqueue(conn, actor, Some(group_id), Some(school_id), &event).await?;
    let name = store::school(conn, school_id)
        .await?
        .map(|s| s.name)
        .ok_or(MembershipError::SchoolNotFound)?;
    Ok(row.into_view(name)?)
}

/// 撤销 inside the caller's transaction, with the group row locked: every membership ends
/// (reason `dissolution`) and the group accepts no change any more. The bureau's
/// `group.dissolve` and a confirmed evaluation dissolution both come here.
pub(crate) async fn dissolve_group(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    group_id: GroupId,
    reason: &str,
    override_reason: Option<&str>,
    failing_evaluation: Option<uuid::Uuid>,
) -> Result<GroupRow> {
    let _group = open_group(conn, group_id).await?;
    let ended =
        store::end_memberships(conn, group_id, None, ExitReason::Dissolution, Some(reason)).await?;
    crate::office::end_cross_with_membership(conn, actor, group_id, None).await?;
    let row = store::mark_dissolved(conn, group_id, reason, override_reason).await?;
    let event = GroupDissolved {
        group_id,
        reason: reason.to_owned(),
        school_ids: ended.iter().map(|m| m.school_id).collect(),
        override_reason: override_reason.map(str::to_owned),
        failing_evaluation_id: failing_evaluation,
    };
    outbox::enqueue(conn, actor, Some(group_id), None, &event).await?;
    Ok(row)
}

async fn single_view(conn: &AsyncPgConnection, row: GroupRow) -> Result<Group> {
    let id = row.id;
    store::group_views(conn, vec![row])
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| {
            diesel::result::Error::DeserializationError(format!("group {id} vanished").into())
                .into()
        })
}
