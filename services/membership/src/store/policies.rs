//! The region's policy versions (DESIGN.md "Policy as data").

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use edu_contracts::policy::PolicyVersion;
use edu_domain::{Policy, RegionCode};

use super::corrupt;
use crate::schema::region_policies;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = region_policies)]
pub struct PolicyRow {
    pub region: String,
    pub version: i32,
    pub body: serde_json::Value,
    pub effective_from: NaiveDate,
    pub created_at: DateTime<Utc>,
    pub changed_by: Option<String>,
    pub reason: Option<String>,
}

impl PolicyRow {
    pub fn into_view(self) -> QueryResult<PolicyVersion> {
        let mut policy: Policy =
            serde_json::from_value(self.body).map_err(|_| corrupt("policy", &self.region))?;
        policy.version = self.version;
        Ok(PolicyVersion {
            region: RegionCode::parse(&self.region).map_err(|_| corrupt("region", &self.region))?,
            version: self.version,
            effective_from: self.effective_from,
            policy,
            changed_by: self.changed_by,
            reason: self.reason,
            created_at: Some(self.created_at),
        })
    }
}

/// Every version of a region's policy, newest first.
pub async fn policy_versions(
    conn: &mut AsyncPgConnection,
    region: &RegionCode,
) -> QueryResult<Vec<PolicyRow>> {
    region_policies::table
        .filter(region_policies::region.eq(region.as_str()))
        .order(region_policies::version.desc())
        .select(PolicyRow::as_select())
        .load(conn)
        .await
}

/// Serialises the region's policy publications until the transaction ends, so versions are
/// numbered without gaps or collisions.
pub async fn lock_region_policy(
    conn: &mut AsyncPgConnection,
    region: &RegionCode,
) -> QueryResult<()> {
    diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext('membership.policy.' || $1))")
        .bind::<diesel::sql_types::Text, _>(region.as_str())
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn insert_policy(conn: &mut AsyncPgConnection, row: &PolicyRow) -> QueryResult<()> {
    diesel::insert_into(region_policies::table)
        .values(row)
        .execute(conn)
        .await
        .map(|_| ())
}
