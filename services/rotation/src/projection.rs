//! What the rotation service keeps of the membership service's events: which schools are
//! active in which group (a posting's two ends must be), which member is under an open
//! persuade-out, the region policy versions, and the reaction to a school leaving or
//! a group dissolving (its open postings are cancelled or ended, with events).

use diesel::QueryResult;
use diesel_async::AsyncPgConnection;
use edu_bus::consumer::{Applied, EventHandler};
use edu_contracts::events::{
    GroupDissolved, GroupEstablished, MemberAdmitted, MemberExited, PersuadeOutDecided,
    PersuadeOutProposed, PolicyPublished,
};
use edu_contracts::{Actor, Event, EventEnvelope};
use edu_domain::MemberRole;
use futures::future::BoxFuture;
use serde::de::DeserializeOwned;

use crate::service::close_for_membership;
use crate::store;

/// The durable consumer's name.
pub const CONSUMER: &str = "rotation-membership";

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
            let actor = Actor::system("rotation");
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
                    let e: MemberExited = payload(event)?;
                    store::set_school(conn, e.group_id, e.school_id, MemberRole::Member, false)
                        .await?;
                    store::set_persuade_out(conn, e.group_id, e.school_id, false).await?;
                    close_for_membership(
                        conn,
                        &actor,
                        e.group_id,
                        Some(e.school_id),
                        "member_exited",
                    )
                    .await
                }
                GroupDissolved::TYPE => {
                    let e: GroupDissolved = payload(event)?;
                    store::group_dissolved(conn, e.group_id).await?;
                    close_for_membership(conn, &actor, e.group_id, None, "group_dissolved").await
                }
                PolicyPublished::TYPE => edu_bus::policy::record(conn, &payload(event)?).await,
                PersuadeOutProposed::TYPE => {
                    let e: PersuadeOutProposed = payload(event)?;
                    store::set_persuade_out(conn, e.group_id, e.school_id, true).await
                }
                PersuadeOutDecided::TYPE => {
                    let e: PersuadeOutDecided = payload(event)?;
                    store::set_persuade_out(conn, e.group_id, e.school_id, false).await
                }
                _ => return Ok(Applied::Ignored),
            };
            applied.map(|()| Applied::Changed)
        })
    }
}
