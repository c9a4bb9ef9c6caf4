//! The evaluation service's handle (its pool and its bus) and the few helpers every
//! aggregate's operations share: a stored value that does not read back, a refused input,
//! the days of a school year.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use chrono::NaiveDate;
use edu_bus::Bus;
use edu_db::{DbPool, PooledConn};
use edu_domain::{Problem, SchoolYear};
use uuid::Uuid;

use crate::error::EvaluationError;

pub(crate) type Result<T> = std::result::Result<T, EvaluationError>;

#[derive(Clone)]
pub struct EvaluationService {
    pub(crate) pool: DbPool,
    pub(crate) bus: Bus,
    /// The rounds this process computes now.
    pub(crate) computing: Arc<Mutex<HashSet<Uuid>>>,
}

impl EvaluationService {
    pub fn new(pool: DbPool, bus: Bus) -> Self {
        Self {
            pool,
            bus,
            computing: Arc::default(),
        }
    }

    pub(crate) async fn conn(&self) -> Result<PooledConn> {
        Ok(edu_db::conn(&self.pool).await?)
    }
}

pub(crate) fn corrupt(what: &str, e: impl std::fmt::Display) -> EvaluationError {
    EvaluationError::from(diesel::result::Error::DeserializationError(
        format!("stored {what}: {e}").into(),
    ))
}

pub(crate) fn invalid(field: &str, en: &str, zh: &str) -> EvaluationError {
    EvaluationError::Invalid(Problem::validation(field, en, zh))
}

pub(crate) fn year_days(year: SchoolYear) -> Result<(NaiveDate, NaiveDate)> {
    if !(2000..=2100).contains(&year.0) {
        return Err(invalid(
            "school_year",
            "the school year is between 2000 and 2100",
            "学年须在 2000 到 2100 之间",
        ));
    }
    year.first_day()
        .zip(year.last_day())
        .ok_or_else(|| invalid("school_year", "invalid school year", "学年无效"))
}
