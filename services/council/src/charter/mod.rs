//! 集团章程 and 集团发展规划 (G-14, L4, M2; G-01, G-07): the group's charter and development plan
//! in versions. The lead school's office drafts a version (one draft of each kind at a time)
//! and edits it; the council adopts it by a passed motion of the kind's category (`charter`,
//! `development_plan`), and the version adopted supersedes the one in force; an adopted
//! version never changes. Each active member school acknowledges the version in force (the
//! lead school's acknowledgement is implied). The council owns the decisions, so the citation
//! is checked and the adoption written in one transaction that share-locks the decision, with
//! the council share-locked against dissolution and the group's kind of document locked
//! against a concurrent draft or adoption.

pub mod refusals;
pub mod rules;
mod store;

use std::collections::BTreeMap;

use chrono::{NaiveDate, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use edu_bus::outbox;
use edu_contracts::Command;
use edu_contracts::council::{
    Acknowledgement, CharterAcknowledgement, CharterAdoption, CharterAdoptionRecord, CharterDraft,
    CharterInForce, CharterKind, CharterStatus, CharterVersion, CharterVersionId,
    CharterVersionRef, DecisionId, GroupCharter, GroupScope, Milestone, NewCharterVersion,
};
use edu_contracts::events::{CharterAcknowledged, CharterAdopted, CharterDrafted, CharterEdited};
use edu_db::idempotency;
use edu_domain::{GroupId, MemberRole, SchoolId, SchoolYear};

use crate::error::CouncilError;
use crate::service::{CouncilService, Result, stored_u32};
use crate::{motions, seats};
use refusals::Refusal;
use rules::{CitedDecision, Due, Text};
use store::{AckRow, Lock, MilestoneRow, VersionRow};

impl CouncilService {
    /// The lead school's office drafts the next version of the charter or the development
    /// plan (G-14, L4); refused while a draft of that kind exists. Emits `charter.drafted`.
    pub async fn draft_charter(&self, cmd: Command<NewCharterVersion>) -> Result<CharterVersion> {
        let body = &cmd.body;
        let text = rules::check_text(body.kind, &body.title, &body.body, &body.milestones)?;
        let mut conn = self.conn().await?;
        idempotency::for_request(
            &mut conn,
            "charter.draft",
            &cmd.actor.sub,
            cmd.idempotency_key.as_deref(),
            &cmd.body,
            async |conn| {
                let (group, kind) = (body.group_id, body.kind);
                seats::live_council_for_share(conn, group).await?;
                store::lock_kind(conn, group, kind).await?;
                if let Some(draft) = store::one_in(conn, group, kind, CharterStatus::Draft).await? {
                    return Err(Refusal::DraftExists {
                        kind,
                        version_id: draft.id,
                        version: stored_u32("version", draft.version)?,
                    }
                    .into());
                }
                rules::check_schools(&text, &seats::active_schools(conn, group).await?)?;
                let number = store::last_number(conn, group, kind).await?.unwrap_or(0) + 1;
                let row = VersionRow {
                    id: CharterVersionId::new(),
                    group_id: group,
                    kind,
                    version: number,
                    title: text.title.clone(),
                    body: text.body.clone(),
                    status: CharterStatus::Draft,
                    drafted_by: cmd.actor.sub.clone(),
                    drafted_at: Utc::now(),
                    edited_by: None,
                    edited_at: None,
                    decision_id: None,
                    adopted_by: None,
                    adopted_at: None,
                    superseded_by: None,
                    superseded_at: None,
                };
                store::insert_version(conn, &row).await?;
                store::replace_milestones(conn, row.id, &milestone_rows(&row, &text)).await?;
                let event = CharterDrafted {
                    version_id: row.id,
                    group_id: group,
                    kind,
                    version: stored_u32("version", number)?,
                    title: row.title.clone(),
                };
                outbox::enqueue(conn, &cmd.actor, Some(group), None, &event).await?;
                version_view(conn, row.id).await
            },
        )
        .await
    }

    /// The draft's new text, as a whole; an adopted version never changes (G-14). A text
    /// that says what the draft says already changes nothing (a retried `PUT`). Emits
    /// `charter.edited`.
    pub async fn edit_charter(&self, cmd: Command<CharterDraft>) -> Result<CharterVersion> {
        let body = &cmd.body;
        let mut conn = self.conn().await?;
        let group = version_group(&mut conn, body.version_id).await?;
        conn.transaction(async |conn| {
            seats::live_council_for_share(conn, group).await?;
            let row = store::version(conn, body.version_id, Lock::Update)
                .await?
                .ok_or(Refusal::NotFound)?;
            rules::check_editable(row.status)?;
            let text = rules::check_text(row.kind, &body.title, &body.body, &body.milestones)?;
            rules::check_schools(&text, &seats::active_schools(conn, group).await?)?;
            let milestones = milestone_rows(&row, &text);
            let before = store::milestones_of(conn, &[row.id]).await?;
            let unchanged = row.title == text.title
                && row.body == text.body
                && same_milestones(&before, &milestones);
            if unchanged {
                return version_view(conn, row.id).await;
            }
            store::update_text(
                conn,
                row.id,
                (&text.title, &text.body),
                (&cmd.actor.sub, Utc::now()),
            )
            .await?;
            store::replace_milestones(conn, row.id, &milestones).await?;
            let event = CharterEdited {
                version_id: row.id,
                group_id: group,
                kind: row.kind,
                version: stored_u32("version", row.version)?,
                title: text.title.clone(),
            };
            outbox::enqueue(conn, &cmd.actor, Some(group), None, &event).await?;
            version_view(conn, row.id).await
        })
        .await
    }

    /// The council's decision adopts the draft (G-14 for the charter, G-07 for the plan): a
    /// passed motion of this group of the kind's category, made no earlier than the day the
    /// draft's text last changed, that adopted no other version. The version in force of its
    /// kind is superseded in the same transaction. Emits `charter.adopted`.
    pub async fn adopt_charter(&self, cmd: Command<CharterAdoption>) -> Result<CharterVersion> {
        let body = &cmd.body;
        let mut conn = self.conn().await?;
        let group = version_group(&mut conn, body.version_id).await?;
        idempotency::for_request(
            &mut conn,
            "charter.adopt",
            &cmd.actor.sub,
            cmd.idempotency_key.as_deref(),
            &cmd.body,
            async |conn| {
                seats::live_council_for_share(conn, group).await?;
                let kind = store::version(conn, body.version_id, Lock::None)
                    .await?
                    .ok_or(Refusal::NotFound)?
                    .kind;
                store::lock_kind(conn, group, kind).await?;
                let row = store::version(conn, body.version_id, Lock::Update)
                    .await?
                    .ok_or(Refusal::NotFound)?;
                rules::check_adoptable(row.status)?;
                let changed_on = rules::changed_on(row.drafted_at, row.edited_at);
                let found = match body.decision_id {
                    Some(id) => cited(conn, id).await?,
                    None => None,
                };
                let decision =
                    rules::check_citation(group, kind, changed_on, body.decision_id, found)
                        .map_err(|missing| Refusal::DecisionRequired {
                            group,
                            kind,
                            changed_on,
                            missing,
                        })?;
                let now = Utc::now();
                let before = store::one_in(conn, group, kind, CharterStatus::InForce).await?;
                if let Some(old) = &before {
                    store::supersede(conn, old.id, row.id, now).await?;
                }
                store::adopt(conn, row.id, decision.id, (&cmd.actor.sub, now)).await?;
                let event = CharterAdopted {
                    version_id: row.id,
                    group_id: group,
                    kind,
                    version: stored_u32("version", row.version)?,
                    decision_id: decision.id,
                    superseded_version_id: before.map(|b| b.id),
                };
                outbox::enqueue(conn, &cmd.actor, Some(group), None, &event).await?;
                version_view(conn, row.id).await
            },
        )
        .await
    }

    /// A member school's office acknowledges the version in force: the school follows it
    /// (M2). Acknowledging it again answers the first acknowledgement and changes nothing.
    /// Emits `charter.acknowledged` once.
    pub async fn acknowledge_charter(
        &self,
        cmd: Command<CharterAcknowledgement>,
    ) -> Result<Acknowledgement> {
        let body = &cmd.body;
        let mut conn = self.conn().await?;
        let group = version_group(&mut conn, body.version_id).await?;
        idempotency::for_request(
            &mut conn,
            "charter.acknowledge",
            &cmd.actor.sub,
            cmd.idempotency_key.as_deref(),
            &cmd.body,
            async |conn| {
                seats::live_council_for_share(conn, group).await?;
                let row = store::version(conn, body.version_id, Lock::Share)
                    .await?
                    .ok_or(Refusal::NotFound)?;
                let schools = seats::store::schools(conn, group).await?;
                let active: Vec<_> = seats::active_schools(conn, group).await?;
                rules::check_acknowledging(body.school_id, &active)?;
                if row.status != CharterStatus::InForce {
                    let in_force =
                        match store::one_in(conn, group, row.kind, CharterStatus::InForce).await? {
                            Some(v) => Some((v.id, stored_u32("version", v.version)?)),
                            None => None,
                        };
                    return Err(Refusal::NotInForce {
                        status: row.status,
                        in_force,
                    }
                    .into());
                }
                let ack = AckRow {
                    version_id: row.id,
                    group_id: group,
                    school_id: body.school_id,
                    acknowledged_by: cmd.actor.sub.clone(),
                    acknowledged_at: Utc::now(),
                };
                if store::insert_acknowledgement(conn, &ack).await? {
                    let event = CharterAcknowledged {
                        version_id: row.id,
                        group_id: group,
                        school_id: body.school_id,
                        kind: row.kind,
                        version: stored_u32("version", row.version)?,
                    };
                    let school = Some(body.school_id);
                    outbox::enqueue(conn, &cmd.actor, Some(group), school, &event).await?;
                }
                let acks = store::acknowledgements_of(conn, &[row.id]).await?;
                let names: BTreeMap<SchoolId, String> = schools
                    .into_iter()
                    .map(|s| (s.school_id, s.name.unwrap_or_default()))
                    .collect();
                Ok(acknowledgement(
                    row.id,
                    body.school_id,
                    MemberRole::Member,
                    &names,
                    &acks,
                ))
            },
        )
        .await
    }

    pub async fn get_charter_version(
        &self,
        cmd: Command<CharterVersionRef>,
    ) -> Result<CharterVersion> {
        let mut conn = self.conn().await?;
        version_view(&mut conn, cmd.body.version_id).await
    }

    /// The group's charter and development plan: the versions in force with each school's
    /// acknowledgement (M2), and every version, newest first.
    pub async fn get_charter(&self, cmd: Command<GroupScope>) -> Result<GroupCharter> {
        let group = cmd.body.group_id;
        let mut conn = self.conn().await?;
        seats::store::council(&mut conn, group, seats::store::Lock::None)
            .await?
            .ok_or(CouncilError::CouncilNotFound)?;
        let rows = store::versions_of_group(&mut conn, group).await?;
        let history = versions_view(&mut conn, group, rows).await?;
        let in_force: Vec<CharterVersionId> = history
            .iter()
            .filter(|v| v.status == CharterStatus::InForce)
            .map(|v| v.id)
            .collect();
        let acks = store::acknowledgements_of(&mut conn, &in_force).await?;
        let schools = seats::store::schools(&mut conn, group).await?;
        let names: BTreeMap<SchoolId, String> = schools
            .iter()
            .map(|s| (s.school_id, s.name.clone().unwrap_or_default()))
            .collect();
        // the lead school first, then the members in the order they joined, each as they are
        // in the group today
        let stays = edu_bus::membership_view::stays(&mut conn, group).await?;
        let joined = |school: &SchoolId| {
            stays
                .iter()
                .rposition(|s| s.school_id == *school && s.left_on.is_none())
        };
        let mut now: Vec<(SchoolId, MemberRole)> = schools
            .iter()
            .filter(|s| s.active)
            .map(|s| (s.school_id, s.role))
            .collect();
        now.sort_by_key(|(id, role)| (*role != MemberRole::Lead, joined(id), *id));
        let of_kind = |kind: CharterKind| {
            history
                .iter()
                .find(|v| v.kind == kind && v.status == CharterStatus::InForce)
                .map(|v| in_force_view(v.clone(), &now, &names, &acks))
        };
        let charter = of_kind(CharterKind::Charter);
        let development_plan = of_kind(CharterKind::DevelopmentPlan);
        Ok(GroupCharter {
            group_id: group,
            charter,
            development_plan,
            history,
        })
    }
}

/// The group of a version; the version not there is 404.
async fn version_group(conn: &mut AsyncPgConnection, id: CharterVersionId) -> Result<GroupId> {
    Ok(store::version(conn, id, Lock::None)
        .await?
        .ok_or(Refusal::NotFound)?
        .group_id)
}

/// The cited decision, share-locked, with the version it adopted already, if any.
async fn cited(conn: &mut AsyncPgConnection, id: DecisionId) -> Result<Option<CitedDecision>> {
    let Some(d) = motions::store::decision_for_share(conn, id).await? else {
        return Ok(None);
    };
    Ok(Some(CitedDecision {
        id: d.id,
        group: d.group_id,
        category: d.category,
        decided_on: d.decided_on,
        adopted: store::adopted_by_decision(conn, id).await?,
    }))
}

fn milestone_rows(version: &VersionRow, text: &Text) -> Vec<MilestoneRow> {
    text.milestones
        .iter()
        .zip(0..)
        .map(|(m, position)| {
            let (due_on, school_year, semester) = match m.due {
                Due::Day(day) => (Some(day), None, None),
                Due::Term(year, semester) => (None, Some(year.0), semester),
            };
            MilestoneRow {
                version_id: version.id,
                position,
                due_on,
                school_year,
                semester: semester.map(|s| store::semester_text(s).to_owned()),
                what: m.what.clone(),
                group_id: version.group_id,
                school_id: m.school,
            }
        })
        .collect()
}

fn same_milestones(before: &[MilestoneRow], after: &[MilestoneRow]) -> bool {
    let key = |m: &MilestoneRow| {
        (
            m.position,
            m.due_on,
            m.school_year,
            m.semester.clone(),
            m.what.clone(),
            m.school_id,
        )
    };
    before.len() == after.len() && before.iter().zip(after).all(|(a, b)| key(a) == key(b))
}

/// One version as the service answers it.
async fn version_view(
    conn: &mut AsyncPgConnection,
    id: CharterVersionId,
) -> Result<CharterVersion> {
    let row = store::version(conn, id, Lock::None)
        .await?
        .ok_or(Refusal::NotFound)?;
    let group = row.group_id;
    let mut views = versions_view(conn, group, vec![row]).await?;
    Ok(views.pop().ok_or(Refusal::NotFound)?)
}

/// Versions of one group with their milestones, their adoption's decision and the names of
/// the schools responsible.
async fn versions_view(
    conn: &mut AsyncPgConnection,
    group: GroupId,
    rows: Vec<VersionRow>,
) -> Result<Vec<CharterVersion>> {
    let ids: Vec<CharterVersionId> = rows.iter().map(|r| r.id).collect();
    let milestones = store::milestones_of(conn, &ids).await?;
    let decision_ids: Vec<DecisionId> = rows.iter().filter_map(|r| r.decision_id).collect();
    let decisions: BTreeMap<DecisionId, (String, NaiveDate)> =
        store::decisions_named(conn, &decision_ids)
            .await?
            .into_iter()
            .map(|(id, title, day)| (id, (title, day)))
            .collect();
    // display text: a school no membership event named shows an empty name
    let names = edu_bus::membership_view::school_names(conn, &[group]).await?;
    let name = |school: SchoolId| names.get(&(group, school)).cloned().unwrap_or_default();
    rows.into_iter()
        .map(|r| {
            let mine = milestones
                .iter()
                .filter(|m| m.version_id == r.id)
                .map(|m| {
                    Ok(Milestone {
                        due_on: m.due_on,
                        school_year: m.school_year.map(SchoolYear),
                        semester: m.semester.as_deref().map(store::semester_of).transpose()?,
                        what: m.what.clone(),
                        school_id: m.school_id,
                        school_name: name(m.school_id),
                    })
                })
                .collect::<diesel::QueryResult<Vec<_>>>()?;
            let adoption = match (r.decision_id, r.adopted_by, r.adopted_at) {
                (Some(decision_id), Some(adopted_by), Some(adopted_at)) => {
                    let (decision_title, decided_on) = decisions
                        .get(&decision_id)
                        .cloned()
                        .ok_or(diesel::result::Error::NotFound)?;
                    Some(CharterAdoptionRecord {
                        decision_id,
                        decision_title,
                        decided_on,
                        adopted_by,
                        adopted_at,
                    })
                }
                _ => None,
            };
            Ok(CharterVersion {
                id: r.id,
                group_id: r.group_id,
                kind: r.kind,
                version: stored_u32("version", r.version)?,
                title: r.title,
                body: r.body,
                milestones: mine,
                status: r.status,
                drafted_by: r.drafted_by,
                drafted_at: r.drafted_at,
                edited_by: r.edited_by,
                edited_at: r.edited_at,
                adoption,
                superseded_by: r.superseded_by,
                superseded_at: r.superseded_at,
            })
        })
        .collect::<Result<Vec<_>>>()
}

/// A version in force with every school of the group today: the lead school's
/// acknowledgement implied, each member's as recorded, or not yet.
fn in_force_view(
    version: CharterVersion,
    schools: &[(SchoolId, MemberRole)],
    names: &BTreeMap<SchoolId, String>,
    acks: &[AckRow],
) -> CharterInForce {
    let acknowledgements: Vec<Acknowledgement> = schools
        .iter()
        .map(|(school, role)| acknowledgement(version.id, *school, *role, names, acks))
        .collect();
    let count = |ok: fn(&Acknowledgement) -> bool| {
        u32::try_from(acknowledgements.iter().filter(|a| ok(a)).count()).unwrap_or(u32::MAX)
    };
    CharterInForce {
        acknowledged: count(|a| a.role == MemberRole::Member && a.acknowledged_at.is_some()),
        members: count(|a| a.role == MemberRole::Member),
        version,
        acknowledgements,
    }
}

fn acknowledgement(
    version: CharterVersionId,
    school: SchoolId,
    role: MemberRole,
    names: &BTreeMap<SchoolId, String>,
    acks: &[AckRow],
) -> Acknowledgement {
    let ack = acks
        .iter()
        .find(|a| a.version_id == version && a.school_id == school);
    Acknowledgement {
        version_id: version,
        school_id: school,
        school_name: names.get(&school).cloned().unwrap_or_default(),
        role,
        implied: role == MemberRole::Lead,
        acknowledged_by: ack.map(|a| a.acknowledged_by.clone()),
        acknowledged_at: ack.map(|a| a.acknowledged_at),
    }
}

impl From<Refusal> for CouncilError {
    fn from(r: Refusal) -> Self {
        Self::Charter(r)
    }
}
