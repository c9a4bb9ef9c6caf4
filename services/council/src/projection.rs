//! What the council keeps of the membership service's events: a council seeded when a group
//! is established (the lead principal in the chair, G-03), a vice-chair seat for each admitted
//! member's principal (G-04), the seats of a school that exits vacated (G-02), the council
//! frozen when the group is dissolved, each school's stays in the group with their dates (for
//! the group's past meetings), and the region policy versions (quorum, report due).

use chrono::Utc;
use diesel::QueryResult;
use diesel_async::AsyncPgConnection;
use edu_bus::consumer::{Applied, EventHandler};
use edu_contracts::events::{
    GroupDissolved, GroupEstablished, MemberAdmitted, MemberExited, PolicyPublished,
};
use edu_contracts::{Event, EventEnvelope};
use futures::future::BoxFuture;
use serde::de::DeserializeOwned;

use crate::store::CouncilRow;
use crate::{past, service};

/// The durable consumer's name.
pub const CONSUMER: &str = "council-membership";

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
                    let row = CouncilRow {
                        group_id: e.group_id.0,
                        name: e.name,
                        region: e.region.as_str().to_owned(),
                        lead_school_id: e.lead_school_id.0,
                        plaque_date: e.plaque_date,
                        frozen_on: None,
                        created_at: Utc::now(),
                    };
                    let name = e.lead_school_name.unwrap_or_default();
                    let principal = e.lead_principal_name.unwrap_or_default();
                    service::seed_council(conn, &row, &name, &principal).await?;
                    past::stay_began(conn, e.group_id, e.lead_school_id, e.plaque_date).await
                }
                MemberAdmitted::TYPE => {
                    let e: MemberAdmitted = payload(event)?;
                    let name = e.school_name.unwrap_or_default();
                    let principal = e.principal_name.unwrap_or_default();
                    service::seat_member(conn, e.group_id, e.school_id, &name, &principal).await?;
                    let on = past::day_of(event, e.joined_on);
                    past::stay_began(conn, e.group_id, e.school_id, on).await
                }
                MemberExited::TYPE => {
                    let e: MemberExited = payload(event)?;
                    service::unseat_member(conn, e.group_id, e.school_id).await?;
                    let on = past::day_of(event, e.left_on);
                    past::stays_ended(conn, e.group_id, Some(e.school_id), on).await
                }
                GroupDissolved::TYPE => {
                    let e: GroupDissolved = payload(event)?;
                    service::freeze(conn, e.group_id).await?;
                    past::stays_ended(conn, e.group_id, None, past::day_of(event, None)).await
                }
                PolicyPublished::TYPE => edu_bus::policy::record(conn, &payload(event)?).await,
                _ => return Ok(Applied::Ignored),
            };
            applied.map(|()| Applied::Changed)
        })
    }
}
