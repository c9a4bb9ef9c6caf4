//! The operations of the catalogue service. Each write is one transaction with its outbox
//! events (and its idempotency record when the request carried a key); the rules of
//! `rules.rs` are applied inside it, on rows read (and locked) in it.

use std::collections::BTreeMap;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::Utc;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use edu_bus::membership_view::{self as view, Lock};
use edu_bus::outbox;
use edu_contracts::catalogue::{
    Adoption, BrandRefusal, BrandRefusalQuery, CHUNK_BYTES, COUNT_CAP, Chunk, Decision, FileChunk,
    FileRead, NewAdoption, NewResource, NewShare, NewUpload, NewVersion, Page, Resource,
    ResourcePage, ResourceRef, ResourceReuse, ResourceSearch, Reuse, ReuseQuery, Review,
    SchoolReuse, Share, ShareTarget, SubjectReuse, Upload, UploadFinish, VersionContent,
};
use edu_contracts::events::{
    ResourceAdopted, ResourceExportRefused, ResourceFacts, ResourcePublished, ResourceRejected,
    ResourceSubmitted, ResourceVersionAdded,
};
use edu_contracts::{Actor, Command};
use edu_db::idempotency;
use edu_db::{DbPool, PooledConn};
use edu_domain::{
    ErrorCode, GroupId, Policy, Problem, ResourceId, ResourceStatus, SchoolId, UploadId, text,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::CatalogueError;
use crate::files::{FileStore, Sealed, is_sha256};
use crate::rules::{self, GroupFacts, Reach, Viewer};
use crate::store::{self, RefusalRow, ResourceRow, ShareRow, UploadRow, VersionRow};

mod adopters;
mod facilities;

type Result<T> = std::result::Result<T, CatalogueError>;

/// The catalogue service: its operations over its pool and its file store.
#[derive(Clone)]
pub struct CatalogueService {
    pool: DbPool,
    files: Arc<dyn FileStore>,
    max_file_bytes: u64,
}

/// A version's content, validated.
struct Content {
    title: String,
    description: String,
    authors: Vec<String>,
    tags: Vec<String>,
    upload_id: Option<UploadId>,
    change_note: Option<String>,
}

fn list(field: &str, items: &[String], max_items: usize, max_chars: usize) -> Result<Vec<String>> {
    if items.len() > max_items {
        return Err(Problem::validation(
            field,
            &format!("{field} has at most {max_items} entries"),
            &format!("{field} 最多 {max_items} 项"),
        )
        .into());
    }
    let mut out = Vec::new();
    for item in items {
        let item = text::required(field, item, max_chars)?;
        if !out.contains(&item) {
            out.push(item);
        }
    }
    Ok(out)
}

impl Content {
    fn parse(c: &VersionContent) -> Result<Self> {
        Ok(Self {
            title: text::required("title", &c.title, 200)?,
            description: text::optional("description", &c.description, 4000)?.unwrap_or_default(),
            authors: list("authors", &c.authors, 20, 50)?,
            tags: list("tags", &c.tags, 20, 30)?,
            upload_id: c.upload_id,
            change_note: match &c.change_note {
                Some(n) => text::optional("change_note", n, 500)?,
                None => None,
            },
        })
    }
}

/// The outcome of a share: a refusal is committed too (R-11: the attempt is recorded).
#[derive(Serialize, Deserialize)]
enum ShareOutcome {
    Shared(Share),
    Refused(ShareTarget),
}

fn facts(row: &ResourceRow) -> Result<ResourceFacts> {
    Ok(ResourceFacts {
        resource_id: ResourceId(row.id),
        group_id: row.group(),
        owner_school_id: row.owner(),
        kind: store::parse("kind", &row.kind)?,
        subject: row.subject.clone(),
        tier: store::parse("tier", &row.tier)?,
        title: row.title.clone(),
        version: row.latest_version,
    })
}

/// What a reader of one resource is: the group's facts, their reach, their school.
struct Reader {
    group: GroupFacts,
    reach: Reach,
    school: Option<SchoolId>,
}

async fn viewer(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    group: GroupId,
    lock: Lock,
) -> Result<Option<(GroupFacts, Viewer)>> {
    let Some(group_view) = view::group(conn, group, lock).await? else {
        return Ok(None);
    };
    let facts = GroupFacts::from(group_view);
    let school_active = match actor.school_id {
        Some(s) => view::school_active(conn, group, s, lock).await?,
        None => None,
    };
    let viewer = Viewer {
        role: actor.role,
        region: actor.region.as_ref().map(|r| r.as_str().to_owned()),
        school_id: actor.school_id,
        school_active,
    };
    Ok(Some((facts, viewer)))
}

/// The reach of `actor` into `group`; a group beyond reach does not exist for them.
async fn reach(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    group: GroupId,
    lock: Lock,
) -> Result<Reader> {
    let (facts, viewer) = viewer(conn, actor, group, lock)
        .await?
        .ok_or(CatalogueError::GroupNotFound)?;
    let reach = rules::reach(&viewer, &facts).ok_or(CatalogueError::GroupNotFound)?;
    Ok(Reader {
        group: facts,
        reach,
        school: viewer.school_id,
    })
}

/// The school an office writes for: an office (not a teacher, not the bureau: the library
/// is read-only for it) of an active school of a group that is not dissolved.
async fn writer(conn: &mut AsyncPgConnection, actor: &Actor, group: GroupId) -> Result<SchoolId> {
    let r = reach(conn, actor, group, Lock::Share).await?;
    if r.group.dissolved {
        return Err(CatalogueError::GroupDissolved);
    }
    match r.reach {
        Reach::OwnOnly => Err(CatalogueError::SchoolNotInGroup),
        Reach::Oversight => Err(CatalogueError::NotAnOffice),
        Reach::Lead | Reach::Member => match r.school {
            Some(s) if rules::is_school_office(actor.role) => Ok(s),
            _ => Err(CatalogueError::NotAnOffice),
        },
    }
}

/// A resource the actor may see (404 otherwise, for a resource in a group they are not in).
async fn readable(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    id: ResourceId,
    lock: Lock,
) -> Result<(ResourceRow, Reader)> {
    // A write locks the resource itself for update, and the group's view for share.
    let row = store::resource(conn, id, lock == Lock::Share)
        .await?
        .ok_or(CatalogueError::ResourceNotFound)?;
    let reader = reach(conn, actor, row.group(), lock)
        .await
        .map_err(|e| match e {
            CatalogueError::GroupNotFound => CatalogueError::ResourceNotFound,
            other => other,
        })?;
    if !rules::sees(reader.reach, reader.school, row.owner(), row.status()?) {
        return Err(CatalogueError::ResourceNotFound);
    }
    Ok((row, reader))
}

async fn full_view(
    conn: &mut AsyncPgConnection,
    row: &ResourceRow,
    school: Option<SchoolId>,
) -> Result<Resource> {
    let adoption = store::adoption_facts(conn, &[row.id], school).await?;
    let (adopted, adopters) = adoption.get(&row.id).copied().unwrap_or_default();
    let versions = store::versions_of(conn, ResourceId(row.id)).await?;
    Ok(Resource {
        summary: row.summary(adopted, adopters)?,
        versions: versions.iter().map(VersionRow::view).collect(),
        review_note: row.review_note.clone(),
    })
}

impl CatalogueService {
    pub fn new(pool: DbPool, files: Arc<dyn FileStore>, max_file_bytes: u64) -> Self {
        Self {
            pool,
            files,
            max_file_bytes,
        }
    }

    async fn conn(&self) -> Result<PooledConn> {
        Ok(edu_db::conn(&self.pool).await?)
    }

    /// The region's policy in force today (DESIGN.md "Policy as data"; the defaults until
    /// the bureau publishes a version).
    async fn policy(conn: &mut AsyncPgConnection, region: &str) -> Result<Policy> {
        Ok(edu_bus::policy::in_force(conn, region, Utc::now().date_naive()).await?)
    }

    /// A finished upload of `school` in `group`, as a version's file.
    async fn attach(
        &self,
        conn: &mut AsyncPgConnection,
        upload: Option<UploadId>,
        group: GroupId,
        school: SchoolId,
    ) -> Result<Option<UploadRow>> {
        let Some(id) = upload else { return Ok(None) };
        let row = store::upload_for_update(conn, id)
            .await?
            .filter(|u| u.group_id == group.0 && u.school_id == school.0)
            .ok_or(CatalogueError::UploadNotFound)?;
        if !row.finished {
            return Err(CatalogueError::UploadState("the upload is not finished"));
        }
        Ok(Some(row))
    }

    fn version_row(
        id: Uuid,
        number: i32,
        content: &Content,
        file: Option<&UploadRow>,
    ) -> VersionRow {
        VersionRow {
            resource_id: id,
            number,
            title: content.title.clone(),
            description: content.description.clone(),
            authors: content.authors.clone(),
            tags: content.tags.clone(),
            file_sha256: file.and_then(|f| f.sha256.clone()),
            file_size: file.map(|f| f.received),
            file_name: file.map(|f| f.file_name.clone()),
            file_content_type: file.map(|f| f.content_type.clone()),
            change_note: content.change_note.clone(),
            created_at: Utc::now(),
        }
    }

    /// M5/R-09: any active school of the group contributes; R-03: it waits for the lead
    /// office's review when the policy asks for one.
    pub async fn submit(&self, cmd: Command<NewResource>) -> Result<Resource> {
        let body = &cmd.body;
        let content = Content::parse(&body.content)?;
        let subject = text::required("subject", &body.subject, 50)?;
        let grade = text::optional("grade", &body.grade, 20)?.unwrap_or_default();
        let mut conn = self.conn().await?;
        idempotency::for_request(
            &mut conn,
            "resource.submit",
            &cmd.actor.sub,
            cmd.idempotency_key.as_deref(),
            &cmd.body,
            async |conn| {
                let school = writer(conn, &cmd.actor, body.group_id).await?;
                let region = view::group(conn, body.group_id, Lock::None)
                    .await?
                    .ok_or(CatalogueError::GroupNotFound)?
                    .region;
                let status = rules::initial_status(&Self::policy(conn, region.as_str()).await?);
                let file = self
                    .attach(conn, content.upload_id, body.group_id, school)
                    .await?;
                let id = ResourceId::new();
                let text = rules::search_text(
                    &subject,
                    &content.title,
                    &content.description,
                    &content.tags,
                );
                let now = Utc::now();
                let row = ResourceRow {
                    id: id.0,
                    group_id: body.group_id.0,
                    owner_school_id: school.0,
                    kind: body.kind.as_str().to_owned(),
                    subject: subject.clone(),
                    stage: body.stage.as_str().to_owned(),
                    grade: grade.clone(),
                    course_type: body.course_type.as_str().to_owned(),
                    tier: body.tier.as_str().to_owned(),
                    status: status.as_str().to_owned(),
                    title: content.title.clone(),
                    description: content.description.clone(),
                    tags: content.tags.clone(),
                    latest_version: 1,
                    search_tokens: rules::index_tokens(&text),
                    search_text: text,
                    review_note: None,
                    created_at: now,
                    updated_at: now,
                };
                store::insert_resource(conn, &row).await?;
                store::insert_version(conn, &Self::version_row(id.0, 1, &content, file.as_ref()))
                    .await?;
                let facts = facts(&row)?;
                let (group, owner) = (Some(body.group_id), Some(school));
                let submitted = ResourceSubmitted {
                    resource: facts.clone(),
                    review_required: status == ResourceStatus::PendingReview,
                };
                outbox::enqueue(conn, &cmd.actor, group, owner, &submitted).await?;
                if status == ResourceStatus::Published {
                    let published = ResourcePublished { resource: facts };
                    outbox::enqueue(conn, &cmd.actor, group, owner, &published).await?;
                }
                full_view(conn, &row, Some(school)).await
            },
        )
        .await
    }

    pub async fn get(&self, cmd: Command<ResourceRef>) -> Result<Resource> {
        let mut conn = self.conn().await?;
        let (row, reader) =
            readable(&mut conn, &cmd.actor, cmd.body.resource_id, Lock::None).await?;
        full_view(&mut conn, &row, reader.school).await
    }

    /// Keyword search (Chinese bigrams, Latin prefixes) and filters over what the caller sees.
    pub async fn search(&self, cmd: Command<ResourceSearch>) -> Result<ResourcePage> {
        let ResourceSearch {
            group_id,
            filter,
            paging,
        } = cmd.body;
        let paging = paging.checked()?;
        let query = rules::parse_query(filter.q.as_deref().unwrap_or_default())?;
        for (field, value, max) in [
            ("subject", &filter.subject, 50),
            ("grade", &filter.grade, 20),
        ] {
            if let Some(v) = value {
                text::required(field, v, max)?;
            }
        }
        let mut conn = self.conn().await?;
        let reader = reach(&mut conn, &cmd.actor, group_id, Lock::None).await?;
        let (rows, total) = store::search(
            &mut conn,
            group_id,
            reader.reach,
            reader.school,
            &filter,
            &query,
            paging,
        )
        .await?;
        let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
        let adoption = store::adoption_facts(&mut conn, &ids, reader.school).await?;
        let items = rows
            .iter()
            .map(|r| {
                let (adopted, adopters) = adoption.get(&r.id).copied().unwrap_or_default();
                Ok(r.summary(adopted, adopters)?)
            })
            .collect::<Result<_>>()?;
        Ok(ResourcePage {
            items,
            total: total.min(COUNT_CAP),
            total_exact: total <= COUNT_CAP,
        })
    }

    /// A new immutable version by the owner school; adopters stay on theirs and are told.
    pub async fn add_version(&self, cmd: Command<NewVersion>) -> Result<Resource> {
        let content = Content::parse(&cmd.body.content)?;
        let mut conn = self.conn().await?;
        idempotency::for_request(
            &mut conn,
            "resource.version.add",
            &cmd.actor.sub,
            cmd.idempotency_key.as_deref(),
            &cmd.body,
            async |conn| {
                let (mut row, reader) =
                    readable(conn, &cmd.actor, cmd.body.resource_id, Lock::Share).await?;
                if reader.school != Some(row.owner()) || !rules::is_school_office(cmd.actor.role) {
                    return Err(CatalogueError::NotOwner);
                }
                if reader.group.dissolved {
                    return Err(CatalogueError::GroupDissolved);
                }
                if reader.reach == Reach::OwnOnly {
                    return Err(CatalogueError::SchoolNotInGroup);
                }
                let file = self
                    .attach(conn, content.upload_id, row.group(), row.owner())
                    .await?;
                let number = row.latest_version + 1;
                store::insert_version(
                    conn,
                    &Self::version_row(row.id, number, &content, file.as_ref()),
                )
                .await?;
                let text = rules::search_text(
                    &row.subject,
                    &content.title,
                    &content.description,
                    &content.tags,
                );
                row.title = content.title.clone();
                row.description = content.description.clone();
                row.tags = content.tags.clone();
                row.latest_version = number;
                row.search_tokens = rules::index_tokens(&text);
                row.search_text = text;
                row.updated_at = Utc::now();
                store::set_latest(conn, &row).await?;
                // A rejected resource is resubmitted by its next version.
                if row.status()? == ResourceStatus::Rejected {
                    let policy = Self::policy(conn, &reader.group.region).await?;
                    let status = rules::initial_status(&policy);
                    store::set_status(conn, ResourceId(row.id), status, None).await?;
                    row.status = status.as_str().to_owned();
                    row.review_note = None;
                }
                let behind = store::adopters_behind(conn, ResourceId(row.id), number).await?;
                let event = ResourceVersionAdded {
                    resource: facts(&row)?,
                    adopters_behind: u32::try_from(behind).unwrap_or(u32::MAX),
                };
                outbox::enqueue(
                    conn,
                    &cmd.actor,
                    Some(row.group()),
                    Some(row.owner()),
                    &event,
                )
                .await?;
                full_view(conn, &row, reader.school).await
            },
        )
        .await
    }

    /// the lead school's office approves (published group-wide) or rejects.
    pub async fn review(&self, cmd: Command<Review>) -> Result<Resource> {
        let note = match &cmd.body.review.note {
            Some(n) => text::optional("note", n, 500)?,
            None => None,
        };
        let mut conn = self.conn().await?;
        conn.transaction(async |conn| {
            let (mut row, reader) =
                readable(conn, &cmd.actor, cmd.body.resource_id, Lock::Share).await?;
            if reader.reach != Reach::Lead {
                return Err(CatalogueError::NotLeadOffice);
            }
            if reader.group.dissolved {
                return Err(CatalogueError::GroupDissolved);
            }
            let status = row.status()?;
            if status != ResourceStatus::PendingReview {
                return Err(CatalogueError::ResourceState(
                    status,
                    "only a resource pending review can be reviewed",
                ));
            }
            let (next, group, owner) = match cmd.body.review.decision {
                Decision::Approve => (ResourceStatus::Published, row.group(), row.owner()),
                Decision::Reject => (ResourceStatus::Rejected, row.group(), row.owner()),
            };
            store::set_status(conn, ResourceId(row.id), next, note.as_deref()).await?;
            row.status = next.as_str().to_owned();
            row.review_note = note.clone();
            let facts = facts(&row)?;
            match next {
                ResourceStatus::Published => {
                    let e = ResourcePublished { resource: facts };
                    outbox::enqueue(conn, &cmd.actor, Some(group), Some(owner), &e).await?;
                }
                _ => {
                    let e = ResourceRejected {
                        resource: facts,
                        note: note.clone(),
                    };
                    outbox::enqueue(conn, &cmd.actor, Some(group), Some(owner), &e).await?;
                }
            }
            full_view(conn, &row, reader.school).await
        })
        .await
    }

    /// A school of the group adopts a published resource's version for its teaching.
    pub async fn adopt(&self, cmd: Command<NewAdoption>) -> Result<Adoption> {
        let mut conn = self.conn().await?;
        idempotency::for_request(
            &mut conn,
            "resource.adopt",
            &cmd.actor.sub,
            cmd.idempotency_key.as_deref(),
            &cmd.body,
            async |conn| {
                let (row, _) = readable(conn, &cmd.actor, cmd.body.resource_id, Lock::None).await?;
                let school = writer(conn, &cmd.actor, row.group()).await?;
                let status = row.status()?;
                if status != ResourceStatus::Published {
                    return Err(CatalogueError::ResourceState(
                        status,
                        "only published resources can be adopted",
                    ));
                }
                if school == row.owner() {
                    return Err(Problem::validation(
                        "resource_id",
                        "a school does not adopt its own resource",
                        "学校无需采用本校提供的资源",
                    )
                    .into());
                }
                let version = cmd.body.adoption.version.unwrap_or(row.latest_version);
                store::version(conn, ResourceId(row.id), version)
                    .await?
                    .ok_or(CatalogueError::VersionNotFound)?;
                let adopted_at = store::adopt(conn, ResourceId(row.id), school, version).await?;
                let event = ResourceAdopted {
                    resource: facts(&row)?,
                    adopting_school_id: school,
                };
                outbox::enqueue(conn, &cmd.actor, Some(row.group()), Some(school), &event).await?;
                Ok(Adoption {
                    resource_id: ResourceId(row.id),
                    school_id: school,
                    version,
                    latest_version: row.latest_version,
                    newer_version_available: rules::newer_version_available(
                        Some(version),
                        row.latest_version,
                    ),
                    adopted_at,
                })
            },
        )
        .await
    }

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
                        requested_by_school_id: cmd.actor.school_id.map(|s| s.0),
                        target_school_id: target_school.map(|s| s.0),
                        target_group_id: target_group.map(|g| g.0),
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
                    resource: ResourceId(row.id),
                    target_school,
                    target_group,
                    by_school: cmd.actor.school_id,
                    by: &cmd.actor.sub,
                    note: note.as_deref(),
                };
                let created_at = store::insert_share(conn, &record).await?;
                Ok(ShareOutcome::Shared(Share {
                    resource_id: ResourceId(row.id),
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
        let mut schools: BTreeMap<Uuid, SchoolReuse> = BTreeMap::new();
        let mut subjects: BTreeMap<String, SubjectReuse> = BTreeMap::new();
        let blank = |id: Uuid| SchoolReuse {
            school_id: SchoolId(id),
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
                    resource_id: ResourceId(r.id),
                    title: r.title,
                    owner_school_id: SchoolId(r.owner_school_id),
                    subject: r.subject,
                    adopting_schools: r.adopters,
                })
                .collect(),
            schools,
            subjects,
        })
    }

    // ---- files ---------------------------------------------------------------------------

    pub async fn begin_upload(&self, cmd: Command<NewUpload>) -> Result<Upload> {
        let file_name = text::required("file_name", &cmd.body.file_name, 200)?;
        if file_name.contains(['/', '\\']) {
            return Err(Problem::validation(
                "file_name",
                "file_name is a name, not a path",
                "file_name 不能包含路径",
            )
            .into());
        }
        let content_type = text::required("content_type", &cmd.body.content_type, 100)?;
        let mut conn = self.conn().await?;
        idempotency::for_request(
            &mut conn,
            "upload.begin",
            &cmd.actor.sub,
            cmd.idempotency_key.as_deref(),
            &cmd.body,
            async |conn| {
                let school = writer(conn, &cmd.actor, cmd.body.group_id).await?;
                let row = UploadRow {
                    id: UploadId::new().0,
                    group_id: cmd.body.group_id.0,
                    school_id: school.0,
                    file_name: file_name.clone(),
                    content_type: content_type.clone(),
                    received: 0,
                    sha256: None,
                    finished: false,
                    created_at: Utc::now(),
                };
                store::insert_upload(conn, &row).await?;
                Ok(row.view())
            },
        )
        .await
    }

    /// The uploading school's open upload, locked (another school's is not found).
    async fn own_upload(
        conn: &mut AsyncPgConnection,
        actor: &Actor,
        id: UploadId,
    ) -> Result<UploadRow> {
        store::upload_for_update(conn, id)
            .await?
            .filter(|u| actor.school_id.is_some_and(|s| s.0 == u.school_id))
            .ok_or(CatalogueError::UploadNotFound)
    }

    /// Appends a chunk at `offset`; a chunk already stored is accepted and changes nothing.
    pub async fn upload_chunk(&self, cmd: Command<Chunk>) -> Result<Upload> {
        let data = BASE64.decode(cmd.body.data.as_bytes()).map_err(|_| {
            Problem::validation("data", "data is not base64", "data 不是有效的 base64")
        })?;
        if data.len() > CHUNK_BYTES {
            return Err(Problem::validation(
                "data",
                "a chunk is at most 512 KiB",
                "单个分片最大 512 KiB",
            )
            .into());
        }
        let offset = cmd.body.offset;
        let end = offset.saturating_add(data.len() as u64);
        if end > self.max_file_bytes {
            return Err(CatalogueError::TooLarge(self.max_file_bytes));
        }
        let mut conn = self.conn().await?;
        conn.transaction(async |conn| {
            let mut row = Self::own_upload(conn, &cmd.actor, cmd.body.upload_id).await?;
            if row.finished {
                return Err(CatalogueError::UploadState("the upload is finished"));
            }
            let received = u64::try_from(row.received).unwrap_or_default();
            if end <= received {
                return Ok(row.view());
            }
            if offset > received {
                return Err(CatalogueError::UploadState(
                    "a chunk starts after the bytes received so far",
                ));
            }
            self.files
                .write_chunk(UploadId(row.id), offset, &data)
                .await?;
            row.received = i64::try_from(end).unwrap_or(i64::MAX);
            store::set_received(conn, UploadId(row.id), row.received).await?;
            Ok(row.view())
        })
        .await
    }

    /// Seals an upload: its bytes must have the declared SHA-256 and size.
    pub async fn finish_upload(&self, cmd: Command<UploadFinish>) -> Result<Upload> {
        let sha256 = cmd.body.sha256.to_ascii_lowercase();
        if !is_sha256(&sha256) {
            return Err(Problem::validation(
                "sha256",
                "sha256 is 64 hexadecimal characters",
                "sha256 必须是 64 位十六进制字符",
            )
            .into());
        }
        if cmd.body.size > self.max_file_bytes {
            return Err(CatalogueError::TooLarge(self.max_file_bytes));
        }
        let mut conn = self.conn().await?;
        conn.transaction(async |conn| {
            let mut row = Self::own_upload(conn, &cmd.actor, cmd.body.upload_id).await?;
            if row.finished {
                return match row.sha256 == Some(sha256.clone()) {
                    true => Ok(row.view()),
                    false => Err(CatalogueError::UploadState("the upload is finished")),
                };
            }
            match self
                .files
                .seal(UploadId(row.id), &sha256, cmd.body.size)
                .await?
            {
                Sealed::Mismatch { sha256, size } => {
                    Err(CatalogueError::HashMismatch { sha256, size })
                }
                Sealed::Stored => {
                    store::finish_upload(conn, UploadId(row.id), &sha256).await?;
                    row.sha256 = Some(sha256.clone());
                    row.finished = true;
                    Ok(row.view())
                }
            }
        })
        .await
    }

    /// A piece of a version's file, for whoever may see the resource (nobody outside the group).
    pub async fn read_file(&self, cmd: Command<FileRead>) -> Result<FileChunk> {
        let mut conn = self.conn().await?;
        let (row, _) = readable(&mut conn, &cmd.actor, cmd.body.resource_id, Lock::None).await?;
        let number = cmd.body.version.unwrap_or(row.latest_version);
        let version = store::version(&mut conn, ResourceId(row.id), number)
            .await?
            .ok_or(CatalogueError::VersionNotFound)?;
        drop(conn);
        let file = version.file().ok_or(CatalogueError::FileNotFound)?;
        let offset = cmd.body.offset;
        if offset > file.size {
            return Err(Problem::validation(
                "offset",
                "offset is beyond the end of the file",
                "offset 超出文件长度",
            )
            .into());
        }
        let len = usize::try_from(file.size - offset)
            .unwrap_or(CHUNK_BYTES)
            .min(CHUNK_BYTES);
        let data = self.files.read(&file.sha256, offset, len).await?;
        Ok(FileChunk {
            file,
            version: number,
            offset,
            data: BASE64.encode(data),
        })
    }
}
