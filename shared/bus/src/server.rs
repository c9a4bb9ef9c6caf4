//! Hosting a service on the bus as a NATS micro service (ADR-32): discoverable through
//! `$SRV.PING/INFO/STATS`, every endpoint a queue subscription so that more instances share
//! the load, each endpoint served with bounded concurrency.

use std::future::Future;
use std::sync::Arc;

use async_nats::HeaderMap;
use async_nats::service::{Service, ServiceExt};
use bytes::Bytes;
use edu_contracts::audit::{AUDIT_RECORDS, AuditQuery};
use edu_contracts::{Command, HealthReply, Operation, Reply, ServiceName};
use edu_db::DbPool;
use edu_domain::Problem;
use futures::StreamExt;
use tokio::sync::Notify;
use tokio::task::JoinSet;

use crate::Bus;

/// Serves each operation with a method of a cloneable service value whose errors convert
/// into [`Problem`]: `serve_operations!(host, service, { ops::AdmitMember => admit, … })`.
#[macro_export]
macro_rules! serve_operations {
    ($host:expr, $service:expr, { $($op:ty => $method:ident),+ $(,)? }) => {{
        $(
            let s = $service.clone();
            $host
                .serve::<$op, _, _>(move |cmd| {
                    let s = s.clone();
                    async move { s.$method(cmd).await.map_err($crate::__Problem::from) }
                })
                .await?;
        )+
    }};
}

/// The name of the endpoint every service answers for readiness checks.
pub const HEALTH: &str = "health";

/// Requests one endpoint of one instance works on at once.
const CONCURRENCY: usize = 64;

/// A service registered on the bus, with the tasks serving its endpoints.
pub struct ServiceHost {
    pub(crate) bus: Bus,
    name: ServiceName,
    service: Service,
    tasks: JoinSet<()>,
    /// Wakes the outbox relay after a handler wrote an event.
    outbox_written: Arc<Notify>,
}

impl ServiceHost {
    /// Everything a service needs before it registers its endpoints: its schema migrated
    /// (infrastructure tables and `migrations`), its pool, its presence on the bus and its
    /// outbox relay running.
    pub async fn start_with_db(
        bus: &Bus,
        name: ServiceName,
        description: &str,
        db: edu_db::DbConfig,
        migrations: &'static [diesel_migrations::EmbeddedMigrations],
    ) -> anyhow::Result<(Self, DbPool)> {
        edu_db::migrate(&db, migrations).await?;
        let pool = edu_db::pool(&db)?;
        let mut host = Self::start(bus, name, description, pool.clone()).await?;
        host.tasks.spawn(crate::relay::run(
            bus.clone(),
            pool.clone(),
            name,
            Arc::clone(&host.outbox_written),
        ));
        Ok((host, pool))
    }

    /// Registers the micro service, its `health` endpoint (which checks `pool`) and its
    /// `audit.records` endpoint (a page of a county's audit trail in `pool`'s schema).
    pub async fn start(
        bus: &Bus,
        name: ServiceName,
        description: &str,
        pool: DbPool,
    ) -> anyhow::Result<Self> {
        let service = bus
            .client()
            .service_builder()
            .description(description)
            .start(name.as_str(), env!("CARGO_PKG_VERSION"))
            .await
            .map_err(|e| anyhow::anyhow!("starting the {} service on NATS: {e}", name.as_str()))?;
        let mut host = Self {
            bus: bus.clone(),
            name,
            service,
            tasks: JoinSet::new(),
            outbox_written: Arc::new(Notify::new()),
        };
        let audit_pool = pool.clone();
        let health = host.endpoint(HEALTH).await?;
        host.tasks
            .spawn(health.for_each_concurrent(4, move |request| {
                let pool = pool.clone();
                async move {
                    let reply = HealthReply {
                        service: name.as_str().to_owned(),
                        database: edu_db::ping(&pool).await,
                    };
                    let body = serde_json::to_vec(&reply).unwrap_or_default();
                    respond(request, Bytes::from(body), None).await;
                }
            }));
        // every service's part of a county's audit trail, for the bureau's signed export
        host.serve_named(AUDIT_RECORDS, move |cmd: Command<AuditQuery>| {
            let pool = audit_pool.clone();
            async move { crate::audit::page(&pool, name, cmd).await }
        })
        .await?;
        Ok(host)
    }

    async fn endpoint(&self, op: &str) -> anyhow::Result<async_nats::service::endpoint::Endpoint> {
        self.service
            .group(self.bus.config().service_group(self.name))
            .endpoint(op.to_owned())
            .await
            .map_err(|e| anyhow::anyhow!("registering {}.{op}: {e}", self.name.as_str()))
    }

    /// Serves `Op` with `handler`. Undecodable requests are refused as `validation_failed`.
    pub async fn serve<Op, F, Fut>(&mut self, handler: F) -> anyhow::Result<()>
    where
        Op: Operation,
        F: Fn(Command<Op::Request>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Op::Reply, Problem>> + Send,
    {
        self.serve_named(Op::NAME, handler).await
    }

    /// Serves the endpoint `op` with `handler` (what [`Self::serve`] does for an
    /// [`Operation`], also for the endpoints every service has).
    async fn serve_named<Req, Rep, F, Fut>(&mut self, op: &str, handler: F) -> anyhow::Result<()>
    where
        Req: serde::de::DeserializeOwned + Send + 'static,
        Rep: serde::Serialize + Send + 'static,
        F: Fn(Command<Req>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Rep, Problem>> + Send,
    {
        let endpoint = self.endpoint(op).await?;
        let handler = Arc::new(handler);
        let outbox_written = Arc::clone(&self.outbox_written);
        self.tasks
            .spawn(endpoint.for_each_concurrent(CONCURRENCY, move |request| {
                let handler = Arc::clone(&handler);
                let outbox_written = Arc::clone(&outbox_written);
                async move {
                    let result =
                        match serde_json::from_slice::<Command<Req>>(&request.message.payload) {
                            Ok(command) => {
                                let (result, written) =
                                    crate::outbox::track(handler(command)).await;
                                if written {
                                    outbox_written.notify_one();
                                }
                                result
                            }
                            Err(e) => Err(Problem::validation(
                                "body",
                                &format!("malformed request: {e}"),
                                &format!("请求格式错误: {e}"),
                            )),
                        };
                    let error = result
                        .as_ref()
                        .err()
                        .map(|p| (p.code.as_str(), p.code.http_status()));
                    let headers = error.map(|(code, status)| {
                        let mut h = HeaderMap::new();
                        h.insert(async_nats::service::NATS_SERVICE_ERROR, code);
                        h.insert(
                            async_nats::service::NATS_SERVICE_ERROR_CODE,
                            status.to_string().as_str(),
                        );
                        h
                    });
                    let body = serde_json::to_vec(&Reply::from(result)).unwrap_or_default();
                    respond(request, Bytes::from(body), headers).await;
                }
            }));
        Ok(())
    }

    /// Runs an idempotent event consumer alongside the endpoints.
    pub fn spawn_consumer<H: crate::consumer::EventHandler>(
        &mut self,
        pool: DbPool,
        spec: crate::consumer::ConsumerSpec,
        handler: Arc<H>,
    ) {
        self.tasks.spawn(crate::consumer::run(
            self.bus.clone(),
            pool,
            spec,
            handler,
            Arc::clone(&self.outbox_written),
        ));
    }

    /// Runs a background task of the service (e.g. a periodic check) for as long as it serves.
    pub fn spawn_task(&mut self, task: impl Future<Output = ()> + Send + 'static) {
        self.tasks.spawn(task);
    }

    /// Serves until the process is asked to stop, then unregisters.
    pub async fn run_until(mut self, shutdown: impl Future<Output = ()>) {
        tokio::select! {
            _ = shutdown => {}
            Some(ended) = self.tasks.join_next() => {
                tracing::error!(service = self.name.as_str(), ?ended, "an endpoint stopped");
            }
        }
        self.tasks.abort_all();
        if let Err(e) = self.service.stop().await {
            tracing::warn!(error = %e, "stopping the service");
        }
    }
}

async fn respond(request: async_nats::service::Request, body: Bytes, headers: Option<HeaderMap>) {
    let sent = match headers {
        Some(h) => request.respond_with_headers(Ok(body), h).await,
        None => request.respond(Ok(body)).await,
    };
    if let Err(e) = sent {
        tracing::warn!(error = %e, "could not send a reply");
    }
}
