//! Queries of the `catalogue` schema; every function composes inside a transaction.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::dsl::{count, max};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use edu_contracts::catalogue::{
    Booking, BrandRefusal, COUNT_CAP, Facility, FileInfo, Paging, Requester, ResourceFilter,
    ResourceSummary, ResourceVersion, ShareTarget, Upload,
};
use edu_domain::{
    BookingId, BookingStatus, ErrorCode, FacilityId, GroupId, ResourceId, ResourceStatus, SchoolId,
    UploadId,
};
use uuid::Uuid;

use crate::rules::{self, GroupFacts, Reach};
use crate::schema::{
    adoptions, bookings, export_refusals, facilities, resources, shares, uploads, versions,
};
use edu_bus::membership_view::GroupView;

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

/// §5 exit and dissolution: future bookings made by, or at a facility of, a school that is
/// no longer in the group are cancelled (`school` = `None`: every school of the group).
pub async fn cancel_future_bookings(
    conn: &mut AsyncPgConnection,
    group: GroupId,
    school: Option<SchoolId>,
) -> QueryResult<usize> {
    let confirmed = BookingStatus::Confirmed.as_str();
    let cancelled = BookingStatus::Cancelled.as_str();
    let future = bookings::table
        .filter(bookings::group_id.eq(group.0))
        .filter(bookings::status.eq(confirmed))
        .filter(bookings::ends_at.gt(diesel::dsl::now));
    match school {
        None => {
            diesel::update(future)
                .set(bookings::status.eq(cancelled))
                .execute(conn)
                .await
        }
        Some(s) => {
            let owned = facilities::table
                .filter(facilities::owner_school_id.eq(s.0))
                .select(facilities::id);
            diesel::update(
                future.filter(
                    bookings::school_id
                        .eq(s.0)
                        .or(bookings::facility_id.eq_any(owned)),
                ),
            )
            .set(bookings::status.eq(cancelled))
            .execute(conn)
            .await
        }
    }
}

// ---- uploads -----------------------------------------------------------------------------

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = uploads)]
pub struct UploadRow {
    pub id: Uuid,
    pub group_id: Uuid,
    pub school_id: Uuid,
    pub file_name: String,
    pub content_type: String,
    pub received: i64,
    pub sha256: Option<String>,
    pub finished: bool,
    pub created_at: DateTime<Utc>,
}

impl UploadRow {
    pub fn view(&self) -> Upload {
        Upload {
            id: UploadId(self.id),
            group_id: GroupId(self.group_id),
            school_id: SchoolId(self.school_id),
            file_name: self.file_name.clone(),
            content_type: self.content_type.clone(),
            received: u64::try_from(self.received).unwrap_or_default(),
            sha256: self.sha256.clone(),
            finished: self.finished,
        }
    }
}

pub async fn insert_upload(conn: &mut AsyncPgConnection, row: &UploadRow) -> QueryResult<()> {
    diesel::insert_into(uploads::table)
        .values(row)
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn upload_for_update(
    conn: &mut AsyncPgConnection,
    id: UploadId,
) -> QueryResult<Option<UploadRow>> {
    uploads::table
        .find(id.0)
        .select(UploadRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

pub async fn set_received(conn: &mut AsyncPgConnection, id: UploadId, n: i64) -> QueryResult<()> {
    diesel::update(uploads::table.find(id.0))
        .set(uploads::received.eq(n))
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn finish_upload(
    conn: &mut AsyncPgConnection,
    id: UploadId,
    sha256: &str,
) -> QueryResult<()> {
    diesel::update(uploads::table.find(id.0))
        .set((uploads::sha256.eq(sha256), uploads::finished.eq(true)))
        .execute(conn)
        .await
        .map(|_| ())
}

// ---- resources and versions -------------------------------------------------------------

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = resources)]
pub struct ResourceRow {
    pub id: Uuid,
    pub group_id: Uuid,
    pub owner_school_id: Uuid,
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
        SchoolId(self.owner_school_id)
    }

    pub fn group(&self) -> GroupId {
        GroupId(self.group_id)
    }

    /// The view for a school that adopted `adopted` (if any), with `adoptions` adopters.
    pub fn summary(&self, adopted: Option<i32>, adoptions: i64) -> QueryResult<ResourceSummary> {
        Ok(ResourceSummary {
            id: ResourceId(self.id),
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
    pub resource_id: Uuid,
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
    ids: &[Uuid],
    school: Option<SchoolId>,
) -> QueryResult<HashMap<Uuid, (Option<i32>, i64)>> {
    let counts: Vec<(Uuid, i64)> = adoptions::table
        .filter(adoptions::resource_id.eq_any(ids))
        .group_by(adoptions::resource_id)
        .select((
            adoptions::resource_id,
            count(adoptions::school_id).aggregate_distinct(),
        ))
        .load(conn)
        .await?;
    let mine: Vec<(Uuid, Option<i32>)> = match school {
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
    let mut facts: HashMap<Uuid, (Option<i32>, i64)> = HashMap::new();
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

// ---- shares and refusals ----------------------------------------------------------------

pub struct ShareRow<'a> {
    pub resource: ResourceId,
    pub target_school: Option<SchoolId>,
    pub target_group: Option<GroupId>,
    pub by_school: Option<SchoolId>,
    pub by: &'a str,
    pub note: Option<&'a str>,
}

pub async fn insert_share(
    conn: &mut AsyncPgConnection,
    row: &ShareRow<'_>,
) -> QueryResult<DateTime<Utc>> {
    diesel::insert_into(shares::table)
        .values((
            shares::id.eq(Uuid::now_v7()),
            shares::resource_id.eq(row.resource.0),
            shares::target_school_id.eq(row.target_school.map(|s| s.0)),
            shares::target_group_id.eq(row.target_group.map(|g| g.0)),
            shares::shared_by_school_id.eq(row.by_school.map(|s| s.0)),
            shares::shared_by.eq(row.by),
            shares::note.eq(row.note),
        ))
        .returning(shares::created_at)
        .get_result(conn)
        .await
}

/// R-11 (invariant 17): one refused transfer or re-export, written with its event in the
/// transaction that refused it.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = export_refusals)]
pub struct RefusalRow {
    pub id: Uuid,
    pub group_id: Uuid,
    pub resource_id: Uuid,
    pub resource_title: String,
    pub requested_by: String,
    /// `None` for the system, and for refusals recorded before roles were kept.
    pub requested_by_role: Option<String>,
    pub requested_by_school_id: Option<Uuid>,
    pub target_school_id: Option<Uuid>,
    pub target_group_id: Option<Uuid>,
    pub rule: String,
    pub code: String,
    pub created_at: DateTime<Utc>,
}

impl RefusalRow {
    pub fn view(&self) -> QueryResult<BrandRefusal> {
        let target = match (self.target_school_id, self.target_group_id) {
            (Some(school), None) => ShareTarget::School {
                school_id: SchoolId(school),
            },
            (None, Some(group)) => ShareTarget::Group {
                group_id: GroupId(group),
            },
            _ => {
                return Err(diesel::result::Error::DeserializationError(
                    format!("stored refusal {} has not exactly one target", self.id).into(),
                ));
            }
        };
        Ok(BrandRefusal {
            id: self.id,
            group_id: GroupId(self.group_id),
            resource_id: ResourceId(self.resource_id),
            resource_title: self.resource_title.clone(),
            requested_by: Requester {
                sub: self.requested_by.clone(),
                role: self
                    .requested_by_role
                    .as_deref()
                    .map(|r| parse("role", r))
                    .transpose()?,
                school_id: self.requested_by_school_id.map(SchoolId),
            },
            target,
            rule: self.rule.clone(),
            code: error_code(&self.code)?,
            refused_at: self.created_at,
        })
    }
}

/// A stored error code, read by its stable spelling (the one the caller was sent).
fn error_code(value: &str) -> QueryResult<ErrorCode> {
    serde_json::from_value(serde_json::Value::String(value.to_owned())).map_err(|_| {
        diesel::result::Error::DeserializationError(
            format!("stored code {value:?} is not valid").into(),
        )
    })
}

pub async fn insert_refusal(conn: &mut AsyncPgConnection, row: &RefusalRow) -> QueryResult<()> {
    diesel::insert_into(export_refusals::table)
        .values(row)
        .execute(conn)
        .await
        .map(|_| ())
}

/// One page of a group's refusals (of one resource, if named), newest first, and how many
/// there are in all.
pub async fn refusals_of(
    conn: &mut AsyncPgConnection,
    group: GroupId,
    resource: Option<ResourceId>,
    paging: Paging,
) -> QueryResult<(Vec<RefusalRow>, i64)> {
    let filtered = || {
        let mut q = export_refusals::table
            .filter(export_refusals::group_id.eq(group.0))
            .into_boxed();
        if let Some(r) = resource {
            q = q.filter(export_refusals::resource_id.eq(r.0));
        }
        q
    };
    let total = filtered().count().get_result(conn).await?;
    let rows = filtered()
        .order((
            export_refusals::created_at.desc(),
            export_refusals::id.desc(),
        ))
        .limit(i64::from(paging.limit))
        .offset(i64::from(paging.offset))
        .select(RefusalRow::as_select())
        .load(conn)
        .await?;
    Ok((rows, total))
}

// ---- reuse analytics --------------------------------------------------------------------

#[derive(QueryableByName)]
pub struct ResourceReuseRow {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = SqlUuid)]
    pub owner_school_id: Uuid,
    #[diesel(sql_type = Text)]
    pub subject: String,
    #[diesel(sql_type = BigInt)]
    pub adopters: i64,
}

/// Published resources of a group with their distinct adopting schools, most adopted first.
pub async fn reuse_by_resource(
    conn: &mut AsyncPgConnection,
    group: GroupId,
) -> QueryResult<Vec<ResourceReuseRow>> {
    diesel::sql_query(
        "SELECT r.id, r.title, r.owner_school_id, r.subject,
                count(DISTINCT a.school_id) AS adopters
           FROM resources r LEFT JOIN adoptions a ON a.resource_id = r.id
          WHERE r.group_id = $1 AND r.status = 'published'
          GROUP BY r.id
          ORDER BY adopters DESC, r.updated_at DESC",
    )
    .bind::<SqlUuid, _>(group.0)
    .load(conn)
    .await
}

/// Per adopting school: the distinct resources of the group it adopted.
pub async fn adoptions_made(
    conn: &mut AsyncPgConnection,
    group: GroupId,
) -> QueryResult<Vec<(Uuid, i64)>> {
    adoptions::table
        .inner_join(resources::table.on(resources::id.eq(adoptions::resource_id)))
        .filter(resources::group_id.eq(group.0))
        .group_by(adoptions::school_id)
        .select((
            adoptions::school_id,
            count(adoptions::resource_id).aggregate_distinct(),
        ))
        .load(conn)
        .await
}

// ---- facilities and bookings ------------------------------------------------------------

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = facilities)]
pub struct FacilityRow {
    pub id: Uuid,
    pub group_id: Uuid,
    pub owner_school_id: Uuid,
    pub name: String,
    pub kind: String,
    pub description: String,
    pub capacity: Option<i32>,
    pub created_at: DateTime<Utc>,
}

impl FacilityRow {
    pub fn view(&self) -> QueryResult<Facility> {
        Ok(Facility {
            id: FacilityId(self.id),
            group_id: GroupId(self.group_id),
            owner_school_id: SchoolId(self.owner_school_id),
            name: self.name.clone(),
            kind: parse("kind", &self.kind)?,
            description: self.description.clone(),
            capacity: self.capacity.and_then(|c| u32::try_from(c).ok()),
            created_at: self.created_at,
        })
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = bookings)]
pub struct BookingRow {
    pub id: Uuid,
    pub facility_id: Uuid,
    pub group_id: Uuid,
    pub school_id: Uuid,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub purpose: String,
    pub status: String,
    pub created_at: DateTime<Utc>,
}

impl BookingRow {
    pub fn view(&self) -> QueryResult<Booking> {
        Ok(Booking {
            id: BookingId(self.id),
            facility_id: FacilityId(self.facility_id),
            group_id: GroupId(self.group_id),
            school_id: SchoolId(self.school_id),
            start: self.starts_at,
            end: self.ends_at,
            purpose: self.purpose.clone(),
            status: parse("status", &self.status)?,
            created_at: self.created_at,
        })
    }
}

pub async fn insert_facility(conn: &mut AsyncPgConnection, row: &FacilityRow) -> QueryResult<()> {
    diesel::insert_into(facilities::table)
        .values(row)
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn facility(
    conn: &mut AsyncPgConnection,
    id: FacilityId,
) -> QueryResult<Option<FacilityRow>> {
    facilities::table
        .find(id.0)
        .select(FacilityRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// The facility, locked: bookings of one facility queue here, one transaction at a time.
/// (Two inserts racing on the exclusion constraint alone can deadlock each other, each
/// waiting for the other's uncommitted row; the constraint stays as the guarantee.)
pub async fn facility_for_booking(
    conn: &mut AsyncPgConnection,
    id: FacilityId,
) -> QueryResult<Option<FacilityRow>> {
    facilities::table
        .find(id.0)
        .select(FacilityRow::as_select())
        .for_no_key_update()
        .first(conn)
        .await
        .optional()
}

pub async fn facilities_of(
    conn: &mut AsyncPgConnection,
    group: GroupId,
    paging: Paging,
) -> QueryResult<(Vec<FacilityRow>, i64)> {
    let total = facilities::table
        .filter(facilities::group_id.eq(group.0))
        .count()
        .get_result(conn)
        .await?;
    let rows = facilities::table
        .filter(facilities::group_id.eq(group.0))
        .order((facilities::name.asc(), facilities::id.asc()))
        .limit(i64::from(paging.limit))
        .offset(i64::from(paging.offset))
        .select(FacilityRow::as_select())
        .load(conn)
        .await?;
    Ok((rows, total))
}

/// Inserts a confirmed booking; an overlap fails on `bookings_no_overlap`.
pub async fn insert_booking(conn: &mut AsyncPgConnection, row: &BookingRow) -> QueryResult<()> {
    diesel::insert_into(bookings::table)
        .values(row)
        .execute(conn)
        .await
        .map(|_| ())
}

/// A facility's bookings that have not ended yet, soonest first.
pub async fn bookings_of(
    conn: &mut AsyncPgConnection,
    facility: FacilityId,
    paging: Paging,
) -> QueryResult<(Vec<BookingRow>, i64)> {
    let base = bookings::table
        .filter(bookings::facility_id.eq(facility.0))
        .filter(bookings::ends_at.gt(diesel::dsl::now));
    let total = base.count().get_result(conn).await?;
    let rows = base
        .order((bookings::starts_at.asc(), bookings::id.asc()))
        .limit(i64::from(paging.limit))
        .offset(i64::from(paging.offset))
        .select(BookingRow::as_select())
        .load(conn)
        .await?;
    Ok((rows, total))
}
