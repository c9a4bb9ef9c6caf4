//! Adoptions: a school of the group adopts a published version for its teaching, and who
//! adopted a resource: the schools that took it, each with the version it adopted last. Read
//! under the same rule as the resource itself (a reader who may not see the resource learns
//! nothing about it, 404).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use edu_bus::membership_view::Lock;
use edu_bus::outbox;
use edu_contracts::Command;
use edu_contracts::catalogue::{Adopter, Adopters, Adoption, NewAdoption, ResourceRef};
use edu_contracts::events::ResourceAdopted;
use edu_db::idempotency;
use edu_domain::{Problem, ResourceId, ResourceStatus, SchoolId};

use super::{CatalogueService, Result, facts, readable, writer};
use crate::error::CatalogueError;
use crate::rules::{self};
use crate::schema::adoptions;
use crate::store::{self};

/// Each adopting school's latest adopted version and when it adopted it, newest first (a
/// group has a handful of schools: sorted here).
async fn latest_adoptions(
    conn: &mut AsyncPgConnection,
    id: ResourceId,
) -> QueryResult<Vec<(SchoolId, i32, DateTime<Utc>)>> {
    let mut rows: Vec<(SchoolId, i32, DateTime<Utc>)> = adoptions::table
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
        let items = latest_adoptions(&mut conn, row.id)
            .await?
            .into_iter()
            .map(|(school_id, version, adopted_at)| Adopter {
                school_id,
                version,
                adopted_at,
                newer_version_available: rules::newer_version_available(
                    Some(version),
                    row.latest_version,
                ),
            })
            .collect();
        Ok(Adopters {
            resource_id: row.id,
            latest_version: row.latest_version,
            items,
        })
    }
}

impl CatalogueService {
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
                store::version(conn, row.id, version)
                    .await?
                    .ok_or(CatalogueError::VersionNotFound)?;
                let adopted_at = store::adopt(conn, row.id, school, version).await?;
                let event = ResourceAdopted {
                    resource: facts(&row)?,
                    adopting_school_id: school,
                };
                outbox::enqueue(conn, &cmd.actor, Some(row.group()), Some(school), &event).await?;
                Ok(Adoption {
                    resource_id: row.id,
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
}
