//! What the catalogue keeps of the membership service's events: which schools are active in
//! which group (the library's readers and providers), and the reaction to a school leaving
//! or a group dissolving: access ends at once (reads check the projection), future facility
//! bookings by or at the school are cancelled.

use diesel::QueryResult;
use diesel_async::AsyncPgConnection;
use edu_bus::consumer::{Applied, EventHandler};
use edu_contracts::events::{
    GroupDissolved, GroupEstablished, MemberAdmitted, MemberExited, PolicyPublished,
};
use edu_contracts::{Event, EventEnvelope};
use edu_domain::MemberRole;
use futures::future::BoxFuture;
use serde::de::DeserializeOwned;

use crate::store;

/// The durable consumer's name.
pub const CONSUMER: &str = "catalogue-membership";

pub struct MembershipProjection;

fn payload<E: Event + DeserializeOwned>(event: &EventEnvelope) -> QueryResult<E> {
    serde_json::from_value(event.payload.clone()).map_err(|e| {
        diesel::result::Error::DeserializationError(format!("{} payload: {e}", E::TYPE).into())
    })
}

impl EventHandler for MembershipProjection {
    fn handle<'a>(
        &'a self,
        conn: &'a mut AsyncPgConnection,
        event: &'a EventEnvelope,
    ) -> BoxFuture<'a, QueryResult<Applied>> {
        Box::pin(async move {
            let applied = match event.event_type.as_str() {
                GroupEstablished::TYPE => {
                    let e: GroupEstablished = payload(event)?;
                    store::group_established(conn, e.group_id, e.region.as_str(), e.lead_school_id)
                        .await
                }
                MemberAdmitted::TYPE => {
                    let e: MemberAdmitted = payload(event)?;
                    store::set_school(conn, e.group_id, e.school_id, MemberRole::Member, true).await
                }
                MemberExited::TYPE => {
                    // §5: the school loses access at once but keeps its own contributions.
                    let e: MemberExited = payload(event)?;
                    store::set_school(conn, e.group_id, e.school_id, MemberRole::Member, false)
                        .await?;
                    store::cancel_future_bookings(conn, e.group_id, Some(e.school_id))
                        .await
                        .map(|_| ())
                }
                // DESIGN.md "Policy as data": R-03's review follows the region's policy.
                PolicyPublished::TYPE => edu_bus::policy::record(conn, &payload(event)?).await,
                GroupDissolved::TYPE => {
                    // the library becomes read-only, for the bureau.
                    let e: GroupDissolved = payload(event)?;
                    store::group_dissolved(conn, e.group_id).await?;
                    store::cancel_future_bookings(conn, e.group_id, None)
                        .await
                        .map(|_| ())
                }
                _ => return Ok(Applied::Ignored),
            };
            applied.map(|()| Applied::Changed)
        })
    }
}
