//! The refusals of the evaluation service.

use edu_db::StoreError;
use edu_domain::Problem;

#[derive(Debug, thiserror::Error)]
pub enum EvaluationError {
    #[error("group not found")]
    GroupNotFound,
    /// Another service's answer, passed on as it came.
    #[error("{0}")]
    Upstream(Problem),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for EvaluationError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Store(e.into())
    }
}

impl From<EvaluationError> for Problem {
    fn from(e: EvaluationError) -> Self {
        match e {
            EvaluationError::GroupNotFound => Problem::not_found("group", "教育集团"),
            EvaluationError::Upstream(p) => p,
            EvaluationError::Store(e) => e.into_problem("evaluation"),
        }
    }
}
