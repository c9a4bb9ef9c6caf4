//! Wire envelopes: the command every request travels in, the `{"ok"}|{"error"}` reply,
//! and the event envelope (DESIGN.md, "Messages").

use chrono::{DateTime, Utc};
use edu_domain::{EventId, GroupId, Problem, RegionCode, Role, SchoolId};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

/// Who asked. Recorded on every event for the audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Actor {
    /// Token subject, or `system:<service>` for the system itself.
    pub sub: String,
    /// `None` for the system.
    #[serde(default)]
    pub role: Option<Role>,
    /// The county the actor acts in; for the system, the county it acts for (none when it
    /// acts for no county). An event's audit record is chained in this county's trail.
    #[serde(default)]
    pub region: Option<RegionCode>,
    #[serde(default)]
    pub school_id: Option<SchoolId>,
}

impl Actor {
    /// The system acting on its own, for no county in particular.
    pub fn system(component: &str) -> Self {
        Self {
            sub: format!("system:{component}"),
            role: None,
            region: None,
            school_id: None,
        }
    }

    /// The system acting for one county (demo data, a county's overdue reports, reactions
    /// to a group's events): what it writes goes into that county's audit trail.
    pub fn system_in(component: &str, region: RegionCode) -> Self {
        Self {
            region: Some(region),
            ..Self::system(component)
        }
    }
}

/// A request as it travels to a service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Command<T> {
    pub actor: Actor,
    /// The HTTP `Idempotency-Key` of a creating request: a retry returns the first result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
    pub body: T,
}

/// A service's answer: `{"ok": …}` or `{"error": {"code": …}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reply<T> {
    Ok(T),
    Error(Problem),
}

impl<T> From<Result<T, Problem>> for Reply<T> {
    fn from(r: Result<T, Problem>) -> Self {
        match r {
            Ok(v) => Self::Ok(v),
            Err(p) => Self::Error(p),
        }
    }
}

impl<T> From<Reply<T>> for Result<T, Problem> {
    fn from(r: Reply<T>) -> Self {
        match r {
            Reply::Ok(v) => Ok(v),
            Reply::Error(p) => Err(p),
        }
    }
}

/// A domain event as stored in the outbox and published on JetStream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventEnvelope {
    /// UUIDv7; also the `Nats-Msg-Id`, and the key consumers deduplicate on.
    pub id: EventId,
    /// `<entity>.<verb>`, e.g. `member.admitted`.
    #[serde(rename = "type")]
    pub event_type: String,
    pub version: u32,
    pub occurred_at: DateTime<Utc>,
    pub actor: Actor,
    /// The version of the region's policy the decision that wrote this event consulted
    /// (0: the documents' defaults); `None` when no policy rule was consulted, and in
    /// envelopes written before the field existed. With `actor` (who), `occurred_at`
    /// (when), `type` and `payload` (what), the audit record of a write.
    #[serde(default)]
    pub policy_version: Option<i32>,
    #[serde(default)]
    pub group_id: Option<GroupId>,
    #[serde(default)]
    pub school_id: Option<SchoolId>,
    pub payload: Value,
}

impl EventEnvelope {
    /// The envelope of `event`, with a fresh id, the time now and no policy version: what the
    /// outbox writes before it stamps the decision's policy version.
    pub fn of<E: crate::Event>(
        actor: Actor,
        group_id: Option<GroupId>,
        school_id: Option<SchoolId>,
        event: &E,
    ) -> serde_json::Result<Self> {
        Ok(Self {
            id: EventId::new(),
            event_type: E::TYPE.to_owned(),
            version: E::VERSION,
            occurred_at: Utc::now(),
            actor,
            policy_version: None,
            group_id,
            school_id,
            payload: serde_json::to_value(event)?,
        })
    }

    /// The payload read back as the event its type names.
    pub fn decode<E: crate::Event>(&self) -> serde_json::Result<E> {
        E::deserialize(&self.payload)
    }
}
