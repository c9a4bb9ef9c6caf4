//! Who adopted a resource: the schools of its group that took it for their teaching, each with
//! the version it adopted last. Read under the same rule as the resource itself (a reader who
//! may not see the resource learns nothing about it, 404).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use edu_bus::membership_view::Lock;
use edu_contracts::Command;
use edu_contracts::catalogue::{Adopter, Adopters, ResourceRef};
use edu_domain::{ResourceId, SchoolId};

use super::{CatalogueService, Result, readable};
use crate::rules;
use crate::schema::adoptions;
use uuid::Uuid;

/// Each adopting school's latest adopted version and when it adopted it, newest first (a
/// group has a handful of schools: sorted here).
async fn latest_adoptions(
    conn: &mut AsyncPgConnection,
    id: ResourceId,
) -> QueryResult<Vec<(Uuid, i32, DateTime<Utc>)>> {
    let mut rows: Vec<(Uuid, i32, DateTime<Utc>)> = adoptions::table
        .filter(adoptions::resource_id.eq(id.0))
        .distinct_on(adoptions::school_id)
        .order((adoptions::school_id, adoptions::version.desc()))
        .select((
            adoptions::school_id,
            adoptions::version,
            adoptions::adopted_at,
        ))
        .load(conn)
        .await?;
    rows.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
    Ok(rows)
}

impl CatalogueService {
    /// The schools that adopted a resource, as its readers see it.
    pub async fn adopters(&self, cmd: Command<ResourceRef>) -> Result<Adopters> {
        let mut conn = self.conn().await?;
        let (row, _) = readable(&mut conn, &cmd.actor, cmd.body.resource_id, Lock::None).await?;
        let items = latest_adoptions(&mut conn, ResourceId(row.id))
            .await?
            .into_iter()
            .map(|(school_id, version, adopted_at)| Adopter {
                school_id: SchoolId(school_id),
                version,
                adopted_at,
                newer_version_available: rules::newer_version_available(
                    Some(version),
                    row.latest_version,
                ),
            })
            .collect();
        Ok(Adopters {
            resource_id: ResourceId(row.id),
            latest_version: row.latest_version,
            items,
        })
    }
}
