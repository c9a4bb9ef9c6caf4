//! The catalogue's reaction to the membership events, beyond the membership view every
//! service keeps (`edu_bus::membership_view`: which schools are active in which group, the
//! library's readers and providers; reads check it, so access ends at once): when a school
//! leaves or a group dissolves, future facility bookings by or at the school are cancelled.

use diesel::QueryResult;
use diesel_async::AsyncPgConnection;
use edu_bus::membership_view::{Change, Reactions};
use edu_contracts::EventEnvelope;
use futures::future::BoxFuture;

use crate::store;

/// The durable consumer's name.
pub const CONSUMER: &str = "catalogue-membership";

pub struct CatalogueReactions;

impl Reactions for CatalogueReactions {
    fn react<'a>(
        &'a self,
        conn: &'a mut AsyncPgConnection,
        _event: &'a EventEnvelope,
        change: Change,
    ) -> BoxFuture<'a, QueryResult<()>> {
        Box::pin(async move {
            match change {
                // §5: the school loses access at once but keeps its own contributions.
                Change::Exited { event, .. } => {
                    store::cancel_future_bookings(conn, event.group_id, Some(event.school_id))
                        .await?;
                }
                // the library becomes read-only, for the bureau.
                Change::Dissolved { event, .. } => {
                    store::cancel_future_bookings(conn, event.group_id, None).await?;
                }
                _ => {}
            }
            Ok(())
        })
    }
}
