//! The operations of the rotation service. Each write is one transaction with its outbox
//! events (and its idempotency record when the request carried a key).

use chrono::{NaiveDate, Utc};
use edu_db::{DbPool, PooledConn};

use crate::error::RotationError;

mod compliance;
mod postings;
mod teachers;
mod trainings;

pub(crate) use postings::{NewRow, close_for_membership, close_one, facts, new_row, teacher_of};

pub(crate) type Result<T> = std::result::Result<T, RotationError>;

pub(crate) fn today() -> NaiveDate {
    Utc::now().date_naive()
}

/// The rotation service: its operations over its pool.
#[derive(Clone)]
pub struct RotationService {
    pool: DbPool,
}

impl RotationService {
    pub fn new(pool: DbPool) -> Self {
        Self { pool }
    }

    pub(crate) async fn conn(&self) -> Result<PooledConn> {
        Ok(edu_db::conn(&self.pool).await?)
    }
}
