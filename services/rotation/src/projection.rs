//! The rotation service's reaction to the membership events, beyond the membership view every
//! service keeps (`edu_bus::membership_view`: which schools are in which group and since when,
//! their counties, open persuade-outs): when a school leaves or a group is dissolved, its open
//! postings are cancelled or ended, with events.

use diesel::QueryResult;
use diesel_async::AsyncPgConnection;
use edu_bus::membership_view::{self as view, Change, Lock, Reactions};
use edu_contracts::{Actor, EventEnvelope};
use edu_domain::GroupId;
use futures::future::BoxFuture;

use crate::service::close_for_membership;

/// The durable consumer's name.
pub const CONSUMER: &str = "rotation-membership";

pub struct RotationReactions;

/// The system acting for the group's county: the postings it ends or cancels go into that
/// county's audit trail (a group never seen acts for no county).
async fn system_for(conn: &mut AsyncPgConnection, group: GroupId) -> QueryResult<Actor> {
    Ok(match view::group(conn, group, Lock::None).await? {
        Some(g) => Actor::system_in("rotation", g.region),
        None => Actor::system("rotation"),
    })
}

impl Reactions for RotationReactions {
    fn react<'a>(
        &'a self,
        conn: &'a mut AsyncPgConnection,
        _event: &'a EventEnvelope,
        change: Change,
    ) -> BoxFuture<'a, QueryResult<()>> {
        Box::pin(async move {
            let (group, school, reason) = match change {
                Change::Exited { event, .. } => {
                    (event.group_id, Some(event.school_id), "member_exited")
                }
                Change::Dissolved { event, .. } => (event.group_id, None, "group_dissolved"),
                _ => return Ok(()),
            };
            let actor = system_for(conn, group).await?;
            close_for_membership(conn, &actor, group, school, reason).await
        })
    }
}
