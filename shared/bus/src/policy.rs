//! The policy projection every service that decides with policy keeps (DESIGN.md "Policy as
//! data"): the versions of its regions' policies from `policy.published` events, and the one
//! in force on a day. A service adds [`MIGRATIONS`] to its own and handles the event in a
//! consumer of the membership service's events with [`record`].

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use diesel_migrations::{EmbeddedMigrations, embed_migrations};
use edu_contracts::events::PolicyPublished;
use edu_domain::Policy;

/// The projection's table, for a service's migration list.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("policy_migrations");

diesel::table! {
    policy_versions (region, version) {
        region -> Text,
        version -> Int4,
        effective_from -> Date,
        body -> Jsonb,
        received_at -> Timestamptz,
    }
}

/// Keeps a published version (a redelivery changes nothing).
pub async fn record(conn: &mut AsyncPgConnection, event: &PolicyPublished) -> QueryResult<()> {
    let body = serde_json::to_value(&event.policy)
        .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
    diesel::insert_into(policy_versions::table)
        .values((
            policy_versions::region.eq(event.region.as_str()),
            policy_versions::version.eq(event.version),
            policy_versions::effective_from.eq(event.effective_from),
            policy_versions::body.eq(body),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await
        .map(|_| ())
}

/// The region's policy in force on `day`: its latest version effective by then, or the
/// documents' defaults (version 0).
pub async fn in_force(
    conn: &mut AsyncPgConnection,
    region: &str,
    day: NaiveDate,
) -> QueryResult<Policy> {
    let row: Option<(i32, serde_json::Value)> = policy_versions::table
        .filter(policy_versions::region.eq(region))
        .filter(policy_versions::effective_from.le(day))
        .order(policy_versions::version.desc())
        .select((policy_versions::version, policy_versions::body))
        .first(conn)
        .await
        .optional()?;
    stored(region, row)
}

/// The policy a stored version `(version, body)` describes, or the defaults for `None`;
/// for services that read the version in force within a larger query of their own. The
/// current [`crate::outbox::decision`] notes the version: its events carry it.
pub fn stored(region: &str, row: Option<(i32, serde_json::Value)>) -> QueryResult<Policy> {
    let policy = decode(region, row)?;
    crate::outbox::consulted(policy.version);
    Ok(policy)
}

fn decode(region: &str, row: Option<(i32, serde_json::Value)>) -> QueryResult<Policy> {
    match row {
        None => Ok(Policy::default()),
        Some((version, body)) => {
            let mut policy: Policy = serde_json::from_value(body).map_err(|e| {
                diesel::result::Error::DeserializationError(
                    format!("stored policy of {region} v{version}: {e}").into(),
                )
            })?;
            policy.version = version;
            Ok(policy)
        }
    }
}
