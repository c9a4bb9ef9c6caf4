//! The bus: NATS connection, subjects, typed request/reply with the `{"ok"}|{"error"}`
//! envelope, hosting of NATS micro services, the JetStream stream `EDU_EVENTS`, the
//! transactional outbox with its relay, and an idempotent consumer helper.
//!
//! Subjects are built only here (STYLE.md). A `prefix` (default `edu`) lets tests run many
//! isolated systems against one nats-server.

pub mod audit;
pub mod consumer;
pub mod dev;
pub mod membership_view;
pub mod outbox;
pub mod policy;
pub mod relay;
pub mod server;

#[doc(hidden)]
pub use edu_domain::Problem as __Problem;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use async_nats::jetstream;
use async_nats::{ConnectOptions, Event as NatsEvent, RequestErrorKind};
use bytes::Bytes;
use edu_contracts::audit::{AUDIT_RECORDS, AuditPage, AuditQuery};
use edu_contracts::{Actor, Command, HealthReply, Operation, Reply, ServiceName};
use edu_domain::Problem;
use tokio::sync::watch;

/// How to reach NATS and which names to use there.
#[derive(Debug, Clone)]
pub struct BusConfig {
    pub url: String,
    /// First token of every subject: `edu` in production.
    pub prefix: String,
    /// The JetStream stream for domain events.
    pub stream: String,
    /// How long a caller waits for a service's reply.
    pub request_timeout: Duration,
    /// NATS user and password (deploy/ gives each service its own).
    pub credentials: Option<(String, String)>,
    /// Copies of the stream JetStream keeps when this process creates it: 1 on a single
    /// server, 3 on the 3-node cluster of deploy/ (an existing stream is left as it is).
    pub stream_replicas: usize,
}

impl BusConfig {
    pub fn new(url: &str) -> Self {
        Self {
            url: url.to_owned(),
            prefix: "edu".to_owned(),
            stream: "EDU_EVENTS".to_owned(),
            request_timeout: Duration::from_secs(5),
            credentials: None,
            stream_replicas: 1,
        }
    }

    /// Whether connecting logs in with a user and password.
    pub fn logs_in(&self) -> bool {
        self.credentials.is_some()
    }

    /// Whether the URL carries a user, password or token. The client sends none of them (only
    /// [`BusConfig::credentials`]), so such a URL would connect anonymously.
    pub fn url_has_credentials(&self) -> bool {
        self.url
            .parse::<async_nats::ServerAddr>()
            .is_ok_and(|a| a.has_user_pass())
    }

    /// Whether the server is on this machine: a loopback address or `localhost`.
    pub fn is_loopback(&self) -> bool {
        self.url.parse::<async_nats::ServerAddr>().is_ok_and(|a| {
            a.host() == "localhost"
                || a.host()
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        })
    }

    /// `edu.<service>.v1.<op>`
    pub fn request_subject(&self, service: ServiceName, op: &str) -> String {
        format!("{}.{}.v1.{op}", self.prefix, service.as_str())
    }

    /// `edu.<service>.v1`: the group a service's endpoints live under.
    pub fn service_group(&self, service: ServiceName) -> String {
        format!("{}.{}.v1", self.prefix, service.as_str())
    }

    /// `edu.events.<service>.<entity>.<verb>`
    pub fn event_subject(&self, service: ServiceName, event_type: &str) -> String {
        format!("{}.events.{}.{event_type}", self.prefix, service.as_str())
    }

    /// `edu.events.<service>.>`: every event of one service.
    pub fn service_events(&self, service: ServiceName) -> String {
        format!("{}.events.{}.>", self.prefix, service.as_str())
    }

    /// `edu.events.>`: everything the stream holds.
    pub fn events_wildcard(&self) -> String {
        format!("{}.events.>", self.prefix)
    }
}

/// How long JetStream remembers a `Nats-Msg-Id`. The relay re-publishes at most
/// [`relay::REPUBLISH_WINDOW`] back, which must stay inside this window.
pub const DUPLICATE_WINDOW: Duration = Duration::from_secs(300);

/// How long [`Bus::ensure_stream`] keeps trying to create the stream.
pub const STREAM_READY_WITHIN: Duration = Duration::from_secs(30);

/// A connected bus.
#[derive(Clone)]
pub struct Bus {
    client: async_nats::Client,
    js: jetstream::Context,
    config: Arc<BusConfig>,
    reconnects: watch::Receiver<u64>,
}

impl Bus {
    /// Connects (retrying in the background if NATS is not up yet) and names the connection.
    pub async fn connect(config: BusConfig, name: &str) -> anyhow::Result<Self> {
        let (tx, reconnects) = watch::channel(0u64);
        let tx = Arc::new(tx);
        let mut options = ConnectOptions::new()
            .name(name)
            .retry_on_initial_connect()
            .connection_timeout(Duration::from_secs(3))
            .request_timeout(Some(config.request_timeout))
            .event_callback(move |event| {
                let tx = Arc::clone(&tx);
                async move {
                    match event {
                        NatsEvent::Connected => {
                            tx.send_modify(|n| *n += 1);
                            tracing::info!("nats connected");
                        }
                        NatsEvent::Disconnected => tracing::warn!("nats disconnected"),
                        other => tracing::debug!(event = %other, "nats event"),
                    }
                }
            });
        if let Some((user, password)) = &config.credentials {
            options = options.user_and_password(user.clone(), password.clone());
        }
        let client = options
            .connect(&config.url)
            .await
            .with_context(|| format!("connecting to NATS at {}", config.url))?;
        let js = jetstream::new(client.clone());
        Ok(Self {
            client,
            js,
            config: Arc::new(config),
            reconnects,
        })
    }

    pub fn config(&self) -> &BusConfig {
        &self.config
    }

    pub fn client(&self) -> &async_nats::Client {
        &self.client
    }

    pub fn jetstream(&self) -> &jetstream::Context {
        &self.js
    }

    /// Counts (re)connections; the relay re-publishes its recent window after each reconnect.
    pub fn reconnects(&self) -> watch::Receiver<u64> {
        self.reconnects.clone()
    }

    pub fn is_connected(&self) -> bool {
        matches!(
            self.client.connection_state(),
            async_nats::connection::State::Connected
        )
    }

    /// Creates the events stream if it is missing (file storage, the duplicate window the
    /// relay relies on, [`BusConfig::stream_replicas`] copies). A NATS cluster just started
    /// refuses until JetStream has elected its meta leader: it retries,
    /// with backoff, for [`STREAM_READY_WITHIN`], then fails.
    pub async fn ensure_stream(&self) -> anyhow::Result<jetstream::stream::Stream> {
        let config = jetstream::stream::Config {
            name: self.config.stream.clone(),
            subjects: vec![self.events_wildcard()],
            duplicate_window: DUPLICATE_WINDOW,
            storage: jetstream::stream::StorageType::File,
            num_replicas: self.config.stream_replicas,
            ..Default::default()
        };
        let started = std::time::Instant::now();
        let mut delay = Duration::from_millis(100);
        loop {
            let error = match self.js.get_or_create_stream(config.clone()).await {
                Ok(stream) => return Ok(stream),
                Err(e) => e,
            };
            if started.elapsed() + delay > STREAM_READY_WITHIN {
                anyhow::bail!(
                    "creating stream {} (tried for {:?}): {error}",
                    self.config.stream,
                    started.elapsed()
                );
            }
            tracing::warn!(stream = %self.config.stream, %error, retry_in = ?delay, "creating the events stream; retrying");
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(2));
        }
    }

    fn events_wildcard(&self) -> String {
        self.config.events_wildcard()
    }

    /// Calls an operation of a service and waits for its reply. A refusal comes back as the
    /// service's [`Problem`]; a service that does not answer becomes `service_unavailable`.
    pub async fn call<Op: Operation>(
        &self,
        actor: &Actor,
        idempotency_key: Option<String>,
        body: Op::Request,
    ) -> Result<Op::Reply, Problem> {
        self.call_named(Op::SERVICE, Op::NAME, actor, idempotency_key, body)
            .await
    }

    /// A page of a county's audit trail in one service (every service answers it).
    pub async fn audit_page(
        &self,
        service: ServiceName,
        actor: &Actor,
        query: AuditQuery,
    ) -> Result<AuditPage, Problem> {
        self.call_named(service, AUDIT_RECORDS, actor, None, query)
            .await
    }

    async fn call_named<Req: serde::Serialize, Rep: serde::de::DeserializeOwned>(
        &self,
        service: ServiceName,
        op: &str,
        actor: &Actor,
        idempotency_key: Option<String>,
        body: Req,
    ) -> Result<Rep, Problem> {
        let command = Command {
            actor: actor.clone(),
            idempotency_key,
            body,
        };
        let payload = serde_json::to_vec(&command).map_err(|e| {
            tracing::error!(error = %e, op, "encoding a request");
            Problem::internal()
        })?;
        let reply = self.request(service, op, payload.into()).await?;
        let reply: Reply<Rep> = serde_json::from_slice(&reply).map_err(|e| {
            tracing::error!(error = %e, service = service.as_str(), op, "undecodable reply");
            Problem::internal()
        })?;
        reply.into()
    }

    /// Asks a service's `health` endpoint (the service answers, and so does its database).
    pub async fn health(&self, service: ServiceName) -> Result<HealthReply, Problem> {
        let reply = self.request(service, server::HEALTH, Bytes::new()).await?;
        serde_json::from_slice(&reply).map_err(|_| Problem::unavailable(service.as_str()))
    }

    async fn request(
        &self,
        service: ServiceName,
        op: &str,
        payload: Bytes,
    ) -> Result<Bytes, Problem> {
        let subject = self.config.request_subject(service, op);
        match self.client.request(subject, payload).await {
            Ok(message) => Ok(message.payload),
            Err(e) => {
                match e.kind() {
                    RequestErrorKind::NoResponders | RequestErrorKind::TimedOut => {
                        tracing::warn!(service = service.as_str(), op, error = %e, "service did not answer");
                    }
                    _ => {
                        tracing::error!(service = service.as_str(), op, error = %e, "request failed")
                    }
                }
                Err(Problem::unavailable(service.as_str()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_follow_the_design() {
        let c = BusConfig::new("nats://127.0.0.1:4222");
        assert_eq!(
            c.request_subject(ServiceName::Membership, "member.admit"),
            "edu.membership.v1.member.admit"
        );
        assert_eq!(c.service_group(ServiceName::Council), "edu.council.v1");
        assert_eq!(
            c.event_subject(ServiceName::Membership, "member.admitted"),
            "edu.events.membership.member.admitted"
        );
        assert_eq!(c.events_wildcard(), "edu.events.>");
    }

    #[test]
    fn a_login_is_a_user_and_password_never_one_in_the_url() {
        let mut c = BusConfig::new("nats://127.0.0.1:4222");
        assert!(!c.logs_in() && !c.url_has_credentials());
        c.credentials = Some(("membership".into(), "secret".into()));
        assert!(c.logs_in());
        for url in ["nats://u:p@127.0.0.1:4222", "nats://token@127.0.0.1:4222"] {
            let c = BusConfig::new(url);
            assert!(c.url_has_credentials() && !c.logs_in(), "{url}");
        }
    }

    #[test]
    fn loopback_means_this_machine_only() {
        for url in [
            "nats://127.0.0.1:4222",
            "nats://localhost",
            "nats://[::1]:4222",
            "127.0.0.2:9",
        ] {
            assert!(BusConfig::new(url).is_loopback(), "{url}");
        }
        for url in [
            "nats://nats:4222",
            "nats://10.0.0.5:4222",
            "nats://0.0.0.0:4222",
            "not a url",
        ] {
            assert!(!BusConfig::new(url).is_loopback(), "{url}");
        }
    }
}
