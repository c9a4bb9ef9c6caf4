//! The council service: its pool, and what every aggregate's operations share. Each write is
//! one transaction with its row locks, its outbox events and (for creates with a key) its
//! idempotency record. Lock order, so that concurrent writes never deadlock: council →
//! meeting → motion.

use chrono::{NaiveDate, Utc};
use diesel::QueryResult;
use diesel_async::AsyncPgConnection;
use edu_db::{DbPool, PooledConn};
use edu_domain::{GroupId, Policy};

use crate::error::CouncilError;
use crate::seats;

pub(crate) type Result<T> = std::result::Result<T, CouncilError>;

pub(crate) fn today() -> NaiveDate {
    Utc::now().date_naive()
}

/// The group's region policy in force on `day` (DESIGN.md "Policy as data"), from the
/// projection of `policy.published`. Every meeting and motion belongs to a council, so a
/// council that is not there is refused rather than judged under another region's policy.
pub(crate) async fn policy_of(
    conn: &mut AsyncPgConnection,
    group: GroupId,
    day: NaiveDate,
) -> Result<Policy> {
    let council = seats::store::council(conn, group, seats::store::Lock::None)
        .await?
        .ok_or(CouncilError::CouncilNotFound)?;
    Ok(edu_bus::policy::in_force(conn, council.region.as_str(), day).await?)
}

/// A stored count or revision number read back as the contract's `u32`. The service never
/// writes a negative one, so one fails the read rather than showing as 0.
pub(crate) fn stored_u32(what: &str, n: i32) -> QueryResult<u32> {
    u32::try_from(n).map_err(|_| {
        diesel::result::Error::DeserializationError(format!("stored {what} {n} is negative").into())
    })
}

/// The council service: its operations over its pool.
#[derive(Clone)]
pub struct CouncilService {
    pool: DbPool,
}

impl CouncilService {
    pub fn new(pool: DbPool) -> Self {
        Self { pool }
    }

    pub(crate) async fn conn(&self) -> Result<PooledConn> {
        Ok(edu_db::conn(&self.pool).await?)
    }
}
