//! Sharing inside the group and the brand rule (R-11, M7): a share outside the group or into
//! another group is refused and the refusal kept on record (invariant 17); the library's
//! reuse figures (辐射).

use std::collections::BTreeMap;

use chrono::Utc;
use edu_bus::membership_view::{self as view, Lock};
use edu_bus::outbox;
use edu_contracts::Command;
use edu_contracts::catalogue::{
    BrandRefusal, BrandRefusalQuery, NewShare, Page, ResourceReuse, Reuse, ReuseQuery, SchoolReuse,
    Share, ShareTarget, SubjectReuse,
};
use edu_contracts::events::ResourceExportRefused;
use edu_db::idempotency;
use edu_domain::{ErrorCode, Problem, SchoolId, text};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{CatalogueService, Result, facts, reach, readable};
use crate::error::CatalogueError;
use crate::rules::{self, Reach};
use crate::store::{self, RefusalRow, ShareRow};

/// The outcome of a share: a refusal is committed too (R-11: the attempt is recorded).
#[derive(Serialize, Deserialize)]
enum ShareOutcome {
    Shared(Share),
    Refused(ShareTarget),
}

impl CatalogueService {
    /// R-11/M7: a share stays inside the group (a recommendation to one of its schools); a
    /// share outside it, or into another group, is refused. The refusal is not a rollback:
    /// its record (invariant 17) and its event are written in the transaction that decides
    /// it, which commits them with the idempotency key's reply (`ShareOutcome::Refused`), and
    /// only then is the refusal answered. A retry with the same key replays that reply and
    /// records nothing again; each attempt without a key is an attempt of its own.
    pub async fn share(&self, cmd: Command<NewShare>) -> Result<Share> {
        // Least privilege: sharing is a school office's act; an auditor only reads and a
        // teacher uses what the office shared.
        if !rules::is_school_office(cmd.actor.role) {
            return Err(Problem::forbidden(
                "only a school's office shares the group's resources",
                "仅学校办公室可分享集团资源",
            )
            .into());
        }
        let note = match &cmd.body.share.note {
            Some(n) => text::optional("note", n, 500)?,
            None => None,
        };
        let mut conn = self.conn().await?;
        let outcome = idempotency::for_request(
            &mut conn,
            "resource.share",
            &cmd.actor.sub,
            cmd.idempotency_key.as_deref(),
            &cmd.body,
            async |conn| {
                let (row, reader) =
                    readable(conn, &cmd.actor, cmd.body.resource_id, Lock::Share).await?;
                let target = cmd.body.share.target;
                let (target_school, target_group, inside) = match target {
                    ShareTarget::School { school_id } => {
                        let active =
                            view::school_active(conn, row.group(), school_id, Lock::Share).await?;
                        (
                            Some(school_id),
                            None,
                            rules::share_stays_in_group(false, active == Some(true)),
                        )
                    }
                    ShareTarget::Group { group_id } => (
                        None,
                        Some(group_id),
                        rules::share_stays_in_group(group_id == row.group(), false),
                    ),
                };
                if !inside {
                    let refusal = RefusalRow {
                        id: Uuid::now_v7(),
                        group_id: row.group_id,
                        resource_id: row.id,
                        resource_title: row.title.clone(),
                        requested_by: cmd.actor.sub.clone(),
                        requested_by_role: cmd.actor.role.map(|r| r.as_str().to_owned()),
                        requested_by_school_id: cmd.actor.school_id,
                        target_school_id: target_school,
                        target_group_id: target_group,
                        rule: rules::BRAND_RULE.to_owned(),
                        code: ErrorCode::BrandTransferForbidden.as_str().to_owned(),
                        created_at: Utc::now(),
                    };
                    store::insert_refusal(conn, &refusal).await?;
                    let event = ResourceExportRefused {
                        resource: facts(&row)?,
                        requested_by_school_id: cmd.actor.school_id,
                        target,
                        rule: rules::BRAND_RULE.to_owned(),
                    };
                    outbox::enqueue(
                        conn,
                        &cmd.actor,
                        Some(row.group()),
                        cmd.actor.school_id,
                        &event,
                    )
                    .await?;
                    return Ok(ShareOutcome::Refused(target));
                }
                if reader.group.dissolved {
                    return Err(CatalogueError::GroupDissolved);
                }
                if reader.reach == Reach::OwnOnly {
                    return Err(CatalogueError::SchoolNotInGroup);
                }
                let record = ShareRow {
                    resource: row.id,
                    target_school,
                    target_group,
                    by_school: cmd.actor.school_id,
                    by: &cmd.actor.sub,
                    note: note.as_deref(),
                };
                let created_at = store::insert_share(conn, &record).await?;
                Ok(ShareOutcome::Shared(Share {
                    resource_id: row.id,
                    target,
                    shared_by_school_id: cmd.actor.school_id,
                    note: note.clone(),
                    created_at,
                }))
            },
        )
        .await?;
        match outcome {
            ShareOutcome::Shared(share) => Ok(share),
            ShareOutcome::Refused(target) => Err(CatalogueError::BrandTransfer(target)),
        }
    }

    /// R-11 (invariant 17): a group's refused transfers (of one resource, if named), newest
    /// first, for the lead office and the group's bureau and auditors. A group beyond the
    /// caller's reach, or one its school has left, does not exist for them.
    pub async fn list_brand_refusals(
        &self,
        cmd: Command<BrandRefusalQuery>,
    ) -> Result<Page<BrandRefusal>> {
        let BrandRefusalQuery {
            group_id,
            resource_id,
            paging,
        } = cmd.body;
        let paging = paging.checked()?;
        let mut conn = self.conn().await?;
        let reader = reach(&mut conn, &cmd.actor, group_id, Lock::None).await?;
        if reader.reach == Reach::OwnOnly {
            return Err(CatalogueError::GroupNotFound);
        }
        if !rules::reads_refusals(reader.reach) {
            return Err(CatalogueError::NotBrandOverseer);
        }
        let (rows, total) = store::refusals_of(&mut conn, group_id, resource_id, paging).await?;
        let items = rows
            .iter()
            .map(RefusalRow::view)
            .collect::<diesel::QueryResult<_>>()?;
        Ok(Page { items, total })
    }

    /// Reuse analytics of a group's library (the lead school's reach, 辐射).
    pub async fn reuse(&self, cmd: Command<ReuseQuery>) -> Result<Reuse> {
        let group = cmd.body.group_id;
        let mut conn = self.conn().await?;
        let reader = reach(&mut conn, &cmd.actor, group, Lock::None).await?;
        if reader.reach == Reach::OwnOnly {
            return Err(CatalogueError::GroupNotFound);
        }
        let rows = store::reuse_by_resource(&mut conn, group).await?;
        let made = store::adoptions_made(&mut conn, group).await?;
        let mut schools: BTreeMap<SchoolId, SchoolReuse> = BTreeMap::new();
        let mut subjects: BTreeMap<String, SubjectReuse> = BTreeMap::new();
        let blank = |school_id: SchoolId| SchoolReuse {
            school_id,
            resources: 0,
            adoptions_received: 0,
            adoptions_made: 0,
        };
        for r in &rows {
            let s = schools
                .entry(r.owner_school_id)
                .or_insert_with(|| blank(r.owner_school_id));
            s.resources += 1;
            s.adoptions_received += r.adopters;
            let subject = subjects
                .entry(r.subject.clone())
                .or_insert_with(|| SubjectReuse {
                    subject: r.subject.clone(),
                    resources: 0,
                    adoptions: 0,
                });
            subject.resources += 1;
            subject.adoptions += r.adopters;
        }
        for (school, n) in made {
            schools
                .entry(school)
                .or_insert_with(|| blank(school))
                .adoptions_made = n;
        }
        let mut schools: Vec<SchoolReuse> = schools.into_values().collect();
        schools.sort_by_key(|s| std::cmp::Reverse(s.adoptions_received));
        let mut subjects: Vec<SubjectReuse> = subjects.into_values().collect();
        subjects.sort_by_key(|s| std::cmp::Reverse(s.adoptions));
        Ok(Reuse {
            group_id: group,
            published_resources: rows.len() as i64,
            adoptions: rows.iter().map(|r| r.adopters).sum(),
            resources: rows
                .into_iter()
                .map(|r| ResourceReuse {
                    resource_id: r.id,
                    title: r.title,
                    owner_school_id: r.owner_school_id,
                    subject: r.subject,
                    adopting_schools: r.adopters,
                })
                .collect(),
            schools,
            subjects,
        })
    }
}
