//! What the rotation service keeps of the membership service's events: which schools are
//! active in which group (a posting's two ends must be), each school's stays in a group
//! with their dates (a past posting's two ends must have been), which member is under an open
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
use edu_domain::{GroupId, MemberRole, RegionCode};
use futures::future::BoxFuture;
use serde::de::DeserializeOwned;

use crate::service::close_for_membership;
use crate::{stays, store};

/// The durable consumer's name.
pub const CONSUMER: &str = "rotation-membership";

pub struct MembershipProjection;

fn payload<E: Event + DeserializeOwned>(event: &EventEnvelope) -> QueryResult<E> {
    serde_json::from_value(event.payload.clone()).map_err(|e| {
        diesel::result::Error::DeserializationError(format!("{} payload: {e}", E::TYPE).into())
    })
}

/// The system acting for the group's county: the postings it ends or cancels go into that
/// county's audit trail (a group never seen acts for no county).
async fn system_for(conn: &mut AsyncPgConnection, group: GroupId) -> QueryResult<Actor> {
    let region = store::group_region(conn, group)
        .await?
        .and_then(|r| RegionCode::parse(&r).ok());
    Ok(match region {
        Some(region) => Actor::system_in("rotation", region),
        None => Actor::system("rotation"),
    })
}

impl EventHandler for MembershipProjection {
    fn handle<'a>(
        &'a self,
        conn: &'a mut AsyncPgConnection,
        event: &'a EventEnvelope,
    ) -> BoxFuture<'a, QueryResult<Applied>> {
        Box::pin(async move {
            // The day of the event, for membership changes that carry no date of their own.
            let day = event.occurred_at.date_naive();
            let applied = match event.event_type.as_str() {
                GroupEstablished::TYPE => {
                    let e: GroupEstablished = payload(event)?;
                    store::group_established(conn, e.group_id, e.region.as_str(), e.lead_school_id)
                        .await?;
                    let formed_on = e.formed_on.unwrap_or(e.plaque_date);
                    stays::open(
                        conn,
                        e.group_id,
                        e.lead_school_id,
                        MemberRole::Lead,
                        formed_on,
                    )
                    .await
                }
                MemberAdmitted::TYPE => {
                    let e: MemberAdmitted = payload(event)?;
                    store::set_school(conn, e.group_id, e.school_id, MemberRole::Member, true)
                        .await?;
                    if let Some(region) = &e.region {
                        store::set_school_region(conn, e.group_id, e.school_id, region).await?;
                    }
                    let joined_on = e.joined_on.unwrap_or(day);
                    stays::open(conn, e.group_id, e.school_id, MemberRole::Member, joined_on).await
                }
                MemberExited::TYPE => {
                    let e: MemberExited = payload(event)?;
                    store::set_school(conn, e.group_id, e.school_id, MemberRole::Member, false)
                        .await?;
                    let left_on = e.left_on.unwrap_or(day);
                    stays::close(conn, e.group_id, Some(e.school_id), left_on).await?;
                    store::set_persuade_out(conn, e.group_id, e.school_id, false).await?;
                    let actor = system_for(conn, e.group_id).await?;
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
                    stays::close(conn, e.group_id, None, day).await?;
                    let actor = system_for(conn, e.group_id).await?;
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
