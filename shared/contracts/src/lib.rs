//! The messages services exchange: typed request/reply operations, the command envelope
//! every request travels in, and the domain events with their envelope. lead-api and every
//! service depend on this crate and on no service crate. Golden JSON tests pin the wire format.

pub mod envelope;
pub mod events;
pub mod membership;

use serde::Serialize;
use serde::de::DeserializeOwned;

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
