//! Queries of the `catalogue` schema; every function composes inside a transaction.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::dsl::{count, max};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::Text;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use edu_contracts::catalogue::{
    COUNT_CAP, FileInfo, Paging, ResourceFilter, ResourceSummary, ResourceVersion,
};
use edu_domain::{GroupId, ResourceId, ResourceStatus, SchoolId};
use uuid::Uuid;

use crate::rules::{self, GroupFacts, Reach};
use crate::schema::{adoptions, resources, versions};
use edu_bus::membership_view::GroupView;

mod facilities;
mod sharing;
mod uploads;

pub use facilities::*;
pub use sharing::*;
pub use uploads::*;

diesel::define_sql_function! {
    /// Position of `needle` in `haystack` (1-based), 0 when absent.
    fn strpos(haystack: Text, needle: Text) -> Integer;
}

pub fn parse<T: std::str::FromStr>(what: &str, value: &str) -> QueryResult<T> {
    value.parse().map_err(|_| {
        diesel::result::Error::DeserializationError(
            format!("stored {what} {value:?} is not valid").into(),
        )
    })
}

// ---- the membership view ----------------------------------------------------------------

/// What the catalogue's rules need of a group.
impl From<GroupView> for GroupFacts {
    fn from(g: GroupView) -> Self {
        Self {
            region: g.region.as_str().to_owned(),
            lead_school_id: g.lead_school_id,
            dissolved: g.dissolved_on.is_some(),
        }
    }
}

// ---- resources and versions -------------------------------------------------------------

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = resources)]
pub struct ResourceRow {
    pub id: ResourceId,
    pub group_id: GroupId,
    pub owner_school_id: SchoolId,
    pub kind: String,
    pub subject: String,
    pub stage: String,
    pub grade: String,
    pub course_type: String,
    pub tier: String,
    pub status: String,
    pub title: String,
    pub description: String,
    pub tags: Vec<String>,
    pub latest_version: i32,
    pub search_text: String,
    pub search_tokens: Vec<String>,
    pub review_note: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl ResourceRow {
    pub fn status(&self) -> QueryResult<ResourceStatus> {
        parse("status", &self.status)
    }

    pub fn owner(&self) -> SchoolId {
        self.owner_school_id
    }

    pub fn group(&self) -> GroupId {
        self.group_id
    }

    /// The view for a school that adopted `adopted` (if any), with `adoptions` adopters.
    pub fn summary(&self, adopted: Option<i32>, adoptions: i64) -> QueryResult<ResourceSummary> {
        Ok(ResourceSummary {
            id: self.id,
            group_id: self.group(),
            owner_school_id: self.owner(),
            kind: parse("kind", &self.kind)?,
            subject: self.subject.clone(),
            stage: parse("stage", &self.stage)?,
            grade: self.grade.clone(),
            course_type: parse("course_type", &self.course_type)?,
            tier: parse("tier", &self.tier)?,
            status: self.status()?,
            title: self.title.clone(),
            description: self.description.clone(),
            tags: self.tags.clone(),
            latest_version: self.latest_version,
            adopted_version: adopted,
            newer_version_available: rules::newer_version_available(adopted, self.latest_version),
            adoptions,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = versions)]
pub struct VersionRow {
    pub resource_id: ResourceId,
    pub number: i32,
    pub title: String,
    pub description: String,
    pub authors: Vec<String>,
    pub tags: Vec<String>,
    pub file_sha256: Option<String>,
    pub file_size: Option<i64>,
    pub file_name: Option<String>,
    pub file_content_type: Option<String>,
    pub change_note: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl VersionRow {
    pub fn file(&self) -> Option<FileInfo> {
        match (
            &self.file_sha256,
            self.file_size,
            &self.file_name,
            &self.file_content_type,
        ) {
            (Some(sha256), Some(size), Some(name), Some(content_type)) => Some(FileInfo {
                sha256: sha256.clone(),
                size: u64::try_from(size).unwrap_or_default(),
                file_name: name.clone(),
                content_type: content_type.clone(),
            }),
            _ => None,
        }
    }

    pub fn view(&self) -> ResourceVersion {
        ResourceVersion {
            number: self.number,
            title: self.title.clone(),
            description: self.description.clone(),
            authors: self.authors.clone(),
            tags: self.tags.clone(),
            file: self.file(),
            change_note: self.change_note.clone(),
            created_at: self.created_at,
        }
    }
}

pub async fn insert_resource(conn: &mut AsyncPgConnection, row: &ResourceRow) -> QueryResult<()> {
    diesel::insert_into(resources::table)
        .values(row)
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn insert_version(conn: &mut AsyncPgConnection, row: &VersionRow) -> QueryResult<()> {
    diesel::insert_into(versions::table)
        .values(row)
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn resource(
    conn: &mut AsyncPgConnection,
    id: ResourceId,
    lock: bool,
) -> QueryResult<Option<ResourceRow>> {
    let q = resources::table.find(id.0).select(ResourceRow::as_select());
    if lock {
        q.for_update().first(conn).await.optional()
    } else {
        q.first(conn).await.optional()
    }
}

/// After a new version: the resource shows the latest text, searchable.
pub async fn set_latest(conn: &mut AsyncPgConnection, row: &ResourceRow) -> QueryResult<()> {
    diesel::update(resources::table.find(row.id))
        .set((
            resources::title.eq(&row.title),
            resources::description.eq(&row.description),
            resources::tags.eq(&row.tags),
            resources::latest_version.eq(row.latest_version),
            resources::search_text.eq(&row.search_text),
            resources::search_tokens.eq(&row.search_tokens),
            resources::search_version.eq(rules::SEARCH_VERSION),
            resources::updated_at.eq(row.updated_at),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn set_status(
    conn: &mut AsyncPgConnection,
    id: ResourceId,
    status: ResourceStatus,
    note: Option<&str>,
) -> QueryResult<()> {
    diesel::update(resources::table.find(id.0))
        .set((
            resources::status.eq(status.as_str()),
            resources::review_note.eq(note),
            resources::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn versions_of(
    conn: &mut AsyncPgConnection,
    id: ResourceId,
) -> QueryResult<Vec<VersionRow>> {
    versions::table
        .filter(versions::resource_id.eq(id.0))
        .order(versions::number.asc())
        .select(VersionRow::as_select())
        .load(conn)
        .await
}

pub async fn version(
    conn: &mut AsyncPgConnection,
    id: ResourceId,
    number: i32,
) -> QueryResult<Option<VersionRow>> {
    versions::table
        .find((id.0, number))
        .select(VersionRow::as_select())
        .first(conn)
        .await
        .optional()
}

type Boxed<'a> = resources::BoxedQuery<'a, Pg>;

fn filtered<'a>(
    group: GroupId,
    reach: Reach,
    school: Option<SchoolId>,
    filter: &'a ResourceFilter,
    query: &'a rules::Query,
) -> Boxed<'a> {
    let mut q: Boxed<'a> = resources::table
        .filter(resources::group_id.eq(group.0))
        .into_boxed();
    let own = school.map_or(Uuid::nil(), |s| s.0);
    match reach {
        Reach::Lead | Reach::Oversight => {}
        Reach::Member => {
            q = q.filter(
                resources::status
                    .eq(ResourceStatus::Published.as_str())
                    .or(resources::owner_school_id.eq(own)),
            );
        }
        Reach::OwnOnly => q = q.filter(resources::owner_school_id.eq(own)),
    }
    if let Some(s) = &filter.subject {
        q = q.filter(resources::subject.eq(s.as_str()));
    }
    if let Some(s) = filter.stage {
        q = q.filter(resources::stage.eq(s.as_str()));
    }
    if let Some(g) = &filter.grade {
        q = q.filter(resources::grade.eq(g.as_str()));
    }
    if let Some(k) = filter.kind {
        q = q.filter(resources::kind.eq(k.as_str()));
    }
    if let Some(t) = filter.tier {
        q = q.filter(resources::tier.eq(t.as_str()));
    }
    if let Some(o) = filter.owner_school_id {
        q = q.filter(resources::owner_school_id.eq(o.0));
    }
    if let Some(s) = filter.status {
        q = q.filter(resources::status.eq(s.as_str()));
    }
    if !query.tokens.is_empty() {
        q = q.filter(resources::search_tokens.contains(query.tokens.clone()));
    }
    for term in &query.terms {
        q = q.filter(strpos(resources::search_text, term.as_str()).gt(0));
    }
    q
}

/// One page of a group's resources as `reach` sees them, newest first, with the number of
/// matches counted up to `COUNT_CAP + 1` (so that the caller knows whether there are more).
pub async fn search(
    conn: &mut AsyncPgConnection,
    group: GroupId,
    reach: Reach,
    school: Option<SchoolId>,
    filter: &ResourceFilter,
    query: &rules::Query,
    paging: Paging,
) -> QueryResult<(Vec<ResourceRow>, i64)> {
    let counted: Vec<Uuid> = filtered(group, reach, school, filter, query)
        .select(resources::id)
        .limit(COUNT_CAP + 1)
        .load(conn)
        .await?;
    let total = counted.len() as i64;
    let rows = filtered(group, reach, school, filter, query)
        .order((resources::updated_at.desc(), resources::id.desc()))
        .limit(i64::from(paging.limit))
        .offset(i64::from(paging.offset))
        .select(ResourceRow::as_select())
        .load(conn)
        .await?;
    Ok((rows, total))
}

/// For each resource: the version `school` adopted last, and how many schools adopted it.
pub async fn adoption_facts(
    conn: &mut AsyncPgConnection,
    ids: &[ResourceId],
    school: Option<SchoolId>,
) -> QueryResult<HashMap<ResourceId, (Option<i32>, i64)>> {
    let counts: Vec<(ResourceId, i64)> = adoptions::table
        .filter(adoptions::resource_id.eq_any(ids))
        .group_by(adoptions::resource_id)
        .select((
            adoptions::resource_id,
            count(adoptions::school_id).aggregate_distinct(),
        ))
        .load(conn)
        .await?;
    let mine: Vec<(ResourceId, Option<i32>)> = match school {
        Some(s) => {
            adoptions::table
                .filter(adoptions::resource_id.eq_any(ids))
                .filter(adoptions::school_id.eq(s.0))
                .group_by(adoptions::resource_id)
                .select((adoptions::resource_id, max(adoptions::version)))
                .load(conn)
                .await?
        }
        None => Vec::new(),
    };
    let mut facts: HashMap<ResourceId, (Option<i32>, i64)> = HashMap::new();
    for (id, n) in counts {
        facts.entry(id).or_default().1 = n;
    }
    for (id, v) in mine {
        facts.entry(id).or_default().0 = v;
    }
    Ok(facts)
}

/// Records an adoption (the same school and version twice changes nothing).
pub async fn adopt(
    conn: &mut AsyncPgConnection,
    id: ResourceId,
    school: SchoolId,
    version: i32,
) -> QueryResult<DateTime<Utc>> {
    diesel::insert_into(adoptions::table)
        .values((
            adoptions::resource_id.eq(id.0),
            adoptions::school_id.eq(school.0),
            adoptions::version.eq(version),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    adoptions::table
        .find((id.0, school.0, version))
        .select(adoptions::adopted_at)
        .first(conn)
        .await
}

/// Schools whose latest adoption of the resource is older than `latest`.
pub async fn adopters_behind(
    conn: &mut AsyncPgConnection,
    id: ResourceId,
    latest: i32,
) -> QueryResult<i64> {
    let per_school: Vec<(Uuid, Option<i32>)> = adoptions::table
        .filter(adoptions::resource_id.eq(id.0))
        .group_by(adoptions::school_id)
        .select((adoptions::school_id, max(adoptions::version)))
        .load(conn)
        .await?;
    Ok(per_school
        .iter()
        .filter(|(_, v)| v.is_some_and(|v| v < latest))
        .count() as i64)
}
