//! The operations of the catalogue service. Each write is one transaction with its outbox
//! events (and its idempotency record when the request carried a key); the rules of
//! `rules.rs` are applied inside it, on rows read (and locked) in it.

use std::sync::Arc;

use chrono::Utc;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use edu_bus::membership_view::{self as view, Lock};
use edu_bus::outbox;
use edu_contracts::catalogue::{
    COUNT_CAP, Decision, NewResource, NewVersion, Resource, ResourcePage, ResourceRef,
    ResourceSearch, Review, VersionContent,
};
use edu_contracts::events::{
    ResourceFacts, ResourcePublished, ResourceRejected, ResourceSubmitted, ResourceVersionAdded,
};
use edu_contracts::{Actor, Command};
use edu_db::idempotency;
use edu_db::{DbPool, PooledConn};
use edu_domain::{GroupId, Policy, Problem, ResourceId, ResourceStatus, SchoolId, UploadId, text};

use crate::error::CatalogueError;
use crate::files::FileStore;
use crate::rules::{self, GroupFacts, Reach, Viewer};
use crate::store::{self, ResourceRow, UploadRow, VersionRow};

mod adoption;
mod facilities;
mod sharing;
mod uploads;

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

fn facts(row: &ResourceRow) -> Result<ResourceFacts> {
    Ok(ResourceFacts {
        resource_id: row.id,
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
    let versions = store::versions_of(conn, row.id).await?;
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
            .filter(|u| u.group_id == group && u.school_id == school)
            .ok_or(CatalogueError::UploadNotFound)?;
        if !row.finished {
            return Err(CatalogueError::UploadState("the upload is not finished"));
        }
        Ok(Some(row))
    }

    fn version_row(
        id: ResourceId,
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
                    id,
                    group_id: body.group_id,
                    owner_school_id: school,
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
                store::insert_version(conn, &Self::version_row(id, 1, &content, file.as_ref()))
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
        let ids: Vec<ResourceId> = rows.iter().map(|r| r.id).collect();
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
                    store::set_status(conn, row.id, status, None).await?;
                    row.status = status.as_str().to_owned();
                    row.review_note = None;
                }
                let behind = store::adopters_behind(conn, row.id, number).await?;
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
            store::set_status(conn, row.id, next, note.as_deref()).await?;
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
}
