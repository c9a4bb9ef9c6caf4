//! Shares inside the group, the refused ones on record (R-11, invariant 17), and the
//! library's reuse figures.

use chrono::{DateTime, Utc};
use diesel::dsl::count;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use edu_contracts::catalogue::{BrandRefusal, Paging, Requester, ShareTarget};
use edu_domain::{ErrorCode, GroupId, ResourceId, SchoolId};
use uuid::Uuid;

use super::parse;
use crate::schema::{adoptions, export_refusals, resources, shares};

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
    pub group_id: GroupId,
    pub resource_id: ResourceId,
    pub resource_title: String,
    pub requested_by: String,
    /// `None` for the system, and for refusals recorded before roles were kept.
    pub requested_by_role: Option<String>,
    pub requested_by_school_id: Option<SchoolId>,
    pub target_school_id: Option<SchoolId>,
    pub target_group_id: Option<GroupId>,
    pub rule: String,
    pub code: String,
    pub created_at: DateTime<Utc>,
}

impl RefusalRow {
    pub fn view(&self) -> QueryResult<BrandRefusal> {
        let target = match (self.target_school_id, self.target_group_id) {
            (Some(school), None) => ShareTarget::School { school_id: school },
            (None, Some(group)) => ShareTarget::Group { group_id: group },
            _ => {
                return Err(diesel::result::Error::DeserializationError(
                    format!("stored refusal {} has not exactly one target", self.id).into(),
                ));
            }
        };
        Ok(BrandRefusal {
            id: self.id,
            group_id: self.group_id,
            resource_id: self.resource_id,
            resource_title: self.resource_title.clone(),
            requested_by: Requester {
                sub: self.requested_by.clone(),
                role: self
                    .requested_by_role
                    .as_deref()
                    .map(|r| parse("role", r))
                    .transpose()?,
                school_id: self.requested_by_school_id,
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
    pub id: ResourceId,
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = SqlUuid)]
    pub owner_school_id: SchoolId,
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
) -> QueryResult<Vec<(SchoolId, i64)>> {
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
