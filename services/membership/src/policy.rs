//! Region policy versions (DESIGN.md "Policy as data"): the bureau reads its region's policy
//! and publishes new versions; each version is kept with its effective date, who published
//! it and why, and goes out whole as `policy.published` so every deciding service can keep
//! its own projection.

use chrono::Utc;
use edu_bus::outbox;
use edu_contracts::Command;
use edu_contracts::events::PolicyPublished;
use edu_contracts::policy::{PolicyChange, PolicyVersion, RegionPolicy, RegionRef};
use edu_db::idempotency;
use edu_domain::{Policy, Problem, RegionCode, text};

use crate::service::{MembershipService, Result};
use crate::store::{self, PolicyRow};

/// Version 0: the documents' defaults, in force wherever the bureau changed nothing (since
/// the county plan of June 2022, F-11).
fn defaults(region: RegionCode) -> PolicyVersion {
    PolicyVersion {
        region,
        version: 0,
        effective_from: chrono::NaiveDate::from_ymd_opt(2022, 6, 1).unwrap_or_default(),
        policy: Policy::default(),
        changed_by: None,
        reason: None,
        created_at: None,
    }
}

impl MembershipService {
    pub async fn get_policy(&self, cmd: Command<RegionRef>) -> Result<RegionPolicy> {
        let region = cmd.body.region;
        let mut conn = self.conn().await?;
        let versions = store::policy_versions(&mut conn, &region)
            .await?
            .into_iter()
            .map(PolicyRow::into_view)
            .collect::<diesel::QueryResult<Vec<_>>>()?;
        let today = Utc::now().date_naive();
        let current = versions
            .iter()
            .find(|v| v.effective_from <= today)
            .cloned()
            .unwrap_or_else(|| defaults(region.clone()));
        Ok(RegionPolicy {
            region,
            current,
            versions,
        })
    }

    /// Publishes the next version of a region's policy, effective today or later.
    pub async fn publish_policy(&self, cmd: Command<PolicyChange>) -> Result<PolicyVersion> {
        let body = &cmd.body;
        body.policy.validate()?;
        let reason = text::required("reason", &body.reason, 500)?;
        let today = Utc::now().date_naive();
        let effective_from = body.effective_from.unwrap_or(today);
        if effective_from < today {
            return Err(Problem::validation(
                "effective_from",
                "a policy takes effect today or later; decisions already made keep their version",
                "政策自今日或以后生效;已作出的决定沿用其当时的政策版本",
            )
            .into());
        }
        let mut conn = self.conn().await?;
        idempotency::for_request(
            &mut conn,
            "policy.publish",
            &cmd.actor.sub,
            cmd.idempotency_key.as_deref(),
            &cmd.body,
            async |conn| {
                store::lock_region_policy(conn, &body.region).await?;
                let version = store::policy_versions(conn, &body.region)
                    .await?
                    .first()
                    .map_or(1, |v| v.version + 1);
                let mut policy = body.policy.clone();
                policy.version = version;
                let row = PolicyRow {
                    region: body.region.as_str().to_owned(),
                    version,
                    body: serde_json::to_value(&policy)
                        .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?,
                    effective_from,
                    created_at: Utc::now(),
                    changed_by: Some(cmd.actor.sub.clone()),
                    reason: Some(reason.clone()),
                };
                store::insert_policy(conn, &row).await?;
                let event = PolicyPublished {
                    region: body.region.clone(),
                    version,
                    effective_from,
                    policy,
                    reason: reason.clone(),
                };
                outbox::enqueue(conn, &cmd.actor, None, None, &event).await?;
                Ok(row.into_view()?)
            },
        )
        .await
    }
}
