//! The council's reaction to the membership events, beyond the membership view every service
//! keeps (`edu_bus::membership_view`: the group's schools with their principals and their
//! stays, which judge the group's past meetings): a council seeded when a group is
//! established (the lead principal in the chair, G-03), a vice-chair seat for each admitted
//! member's principal (G-04), the seats of a school that exits vacated (G-02), and the council
//! frozen when the group is dissolved.

use chrono::Utc;
use diesel::QueryResult;
use diesel_async::AsyncPgConnection;
use edu_bus::membership_view::{Change, Reactions};
use edu_contracts::EventEnvelope;
use futures::future::BoxFuture;

use crate::seats::{self, store::CouncilRow};

/// The durable consumer's name.
pub const CONSUMER: &str = "council-membership";

pub struct CouncilReactions;

impl Reactions for CouncilReactions {
    fn react<'a>(
        &'a self,
        conn: &'a mut AsyncPgConnection,
        _event: &'a EventEnvelope,
        change: Change,
    ) -> BoxFuture<'a, QueryResult<()>> {
        Box::pin(async move {
            match change {
                Change::Established { event: e, .. } => {
                    let row = CouncilRow {
                        group_id: e.group_id,
                        name: e.name,
                        region: e.region,
                        lead_school_id: e.lead_school_id,
                        plaque_date: e.plaque_date,
                        frozen_on: None,
                        created_at: Utc::now(),
                    };
                    seats::seed_council(conn, &row, e.lead_principal_name.as_deref()).await
                }
                Change::Admitted { event: e, .. } => {
                    seats::seat_member(conn, e.group_id, e.school_id, e.principal_name.as_deref())
                        .await
                }
                Change::Exited { event: e, .. } => {
                    seats::unseat_member(conn, e.group_id, e.school_id).await
                }
                Change::Dissolved { event: e, .. } => seats::freeze(conn, e.group_id).await,
                _ => Ok(()),
            }
        })
    }
}
