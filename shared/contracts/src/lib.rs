//! The messages services exchange: typed request/reply operations, the command envelope
//! every request travels in, and the domain events with their envelope. lead-api and every
//! service depend on this crate and on no service crate. Golden JSON tests pin the wire format.

pub mod agreements;
pub mod audit;
pub mod catalogue;
pub mod consent;
pub mod council;
pub mod county;
pub mod envelope;
pub mod evaluation;
pub mod evaluation_year;
pub mod events;
pub mod funds;
pub mod membership;
pub mod obligations;
pub mod office;
pub mod policy;
pub mod rotation;
pub mod sanctions;
#[cfg(feature = "diesel")]
mod sql;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use envelope::{Actor, Command, EventEnvelope, Reply};

/// The services of the system. Their spelling is the middle part of every subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ServiceName {
    Membership,
    Rotation,
    Catalogue,
    Council,
    Evaluation,
}

impl ServiceName {
    pub const ALL: [ServiceName; 5] = [
        Self::Membership,
        Self::Rotation,
        Self::Catalogue,
        Self::Council,
        Self::Evaluation,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Membership => "membership",
            Self::Rotation => "rotation",
            Self::Catalogue => "catalogue",
            Self::Council => "council",
            Self::Evaluation => "evaluation",
        }
    }
}

/// Declares an operation of a service: `operation!(Service, Type, "resource.verb", Req => Reply)`.
#[macro_export]
macro_rules! operation {
    ($service:ident, $op:ident, $name:literal, $req:ty => $reply:ty) => {
        #[doc = concat!("`edu.<service>.v1.", $name, "`")]
        pub struct $op;
        impl $crate::Operation for $op {
            const SERVICE: $crate::ServiceName = $crate::ServiceName::$service;
            const NAME: &'static str = $name;
            type Request = $req;
            type Reply = $reply;
        }
    };
}

/// One request/reply operation of a service: `edu.<service>.v1.<NAME>`.
pub trait Operation {
    const SERVICE: ServiceName;
    /// `<resource>.<verb>`, e.g. `member.admit`.
    const NAME: &'static str;
    type Request: Serialize + DeserializeOwned + Send + Sync + 'static;
    type Reply: Serialize + DeserializeOwned + Send + Sync + 'static;
}

/// A domain event: a fact in the past tense published on `edu.events.<service>.<TYPE>`.
pub trait Event: Serialize + DeserializeOwned {
    const SERVICE: ServiceName;
    /// `<entity>.<verb>`, e.g. `member.admitted`.
    const TYPE: &'static str;
    const VERSION: u32;
}

/// Every service also answers `edu.<service>.v1.health` with this reply: it is up, and
/// whether its own database answered.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct HealthReply {
    pub service: String,
    pub database: bool,
}

/// A page of results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// How many match in all.
    pub total: i64,
}

/// Paging of a list: at most `limit` (1..=200, default 50) items after `offset`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, utoipa::IntoParams,
)]
#[serde(deny_unknown_fields)]
pub struct Paging {
    #[serde(default = "Paging::default_limit")]
    #[param(minimum = 1, maximum = 200, default = 50)]
    pub limit: u16,
    #[serde(default)]
    #[param(minimum = 0, default = 0)]
    pub offset: u32,
}

impl Paging {
    pub const MAX_LIMIT: u16 = 200;

    /// A list query's paging: what the caller gave, the defaults for what it left out.
    pub fn or_default(limit: Option<u16>, offset: Option<u32>) -> Self {
        let defaults = Self::default();
        Self {
            limit: limit.unwrap_or(defaults.limit),
            offset: offset.unwrap_or(defaults.offset),
        }
    }

    /// The largest page from `offset` on: for reading a whole list page by page.
    pub fn largest_from(offset: u32) -> Self {
        Self {
            limit: Self::MAX_LIMIT,
            offset,
        }
    }

    /// The paging if its limit is within 1..=200.
    pub fn checked(self) -> Result<Self, edu_domain::Problem> {
        if self.limit == 0 || self.limit > Self::MAX_LIMIT {
            return Err(edu_domain::Problem::validation(
                "limit",
                "limit must be between 1 and 200",
                "limit 必须在 1 到 200 之间",
            ));
        }
        Ok(self)
    }
    fn default_limit() -> u16 {
        50
    }
}

impl Default for Paging {
    fn default() -> Self {
        Self {
            limit: Self::default_limit(),
            offset: 0,
        }
    }
}
