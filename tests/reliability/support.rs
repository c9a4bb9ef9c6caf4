//! Real processes for the reliability tests: a private PostgreSQL server, the `edugroup`
//! binary as one process per service, the load they are put under; the process guards, the
//! scratch directory and the private nats-server come from `edu_testkit::process`. Every
//! handle is a guard: dropping it kills the process (SIGKILL, then reaps it) or removes the
//! directory, so a failing test leaves nothing behind. On a panic the guards print the tail
//! of each process's log.
//!
//! Over 600 lines because it is the one harness of every reliability scenario (faults, bus
//! access, cluster, load): the processes, their configuration and the load share their guards.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use diesel::QueryableByName;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use edu_auth::{AuthConfig, Minter, TokenRequest};
use edu_contracts::EventEnvelope;
use edu_domain::{RegionCode, Role, SchoolId};
use secrecy::SecretString;

use edu_testkit::process::clean_command;
pub use edu_testkit::process::{NatsServer, Proc, ScratchDir, free_port};

pub const REGION: &str = "411627";
const JWT_SECRET: &str = "reliability-test-secret-0123456789abcdef";
const JWT_ISSUER: &str = "edugroup-reliability";

/// The token settings the spawned API is started with.
pub fn auth() -> AuthConfig {
    AuthConfig {
        issuer: JWT_ISSUER.into(),
        audience: "edugroup".into(),
        hs256_secret: Some(SecretString::from(JWT_SECRET)),
        jwks: None,
        max_lifetime: edu_auth::DEFAULT_MAX_LIFETIME,
    }
}

/// The `sub` of [`token`]'s tokens.
pub fn sub(role: Role, region: &str) -> String {
    format!("{}-{region}", role.as_str())
}

pub fn token(role: Role, region: &str, school: Option<SchoolId>) -> String {
    Minter::new(&auth())
        .and_then(|m| {
            m.mint(&TokenRequest {
                sub: sub(role, region),
                name: String::new(),
                role,
                region: RegionCode::parse(region).map_err(|p| anyhow::anyhow!(p.message))?,
                school_id: school,
                ttl: Duration::from_secs(3600),
            })
        })
        .unwrap()
}

/// The services of the binary, in start order, the API last.
pub const PROCESSES: [&str; 6] = [
    "membership",
    "rotation",
    "catalogue",
    "council",
    "evaluation",
    "lead-api",
];

/// A copy of a deploy/ nats-server config, in `dir`, whose JetStream store is `dir/<name>-js`
/// (nats-server refuses `-sd` next to a configured `store_dir`) and whose ports are moved
/// (`ports`: from, to); answers its path.
pub fn private_config(source: &str, dir: &Path, name: &str, ports: &[(u16, u16)]) -> String {
    let store = dir.join(format!("{name}-js"));
    let mut text = std::fs::read_to_string(source).unwrap();
    for (from, to) in ports {
        text = text.replace(&format!("127.0.0.1:{from}"), &format!("127.0.0.1:{to}"));
    }
    let text: String = text
        .lines()
        .map(|line| {
            if line.trim_start().starts_with("store_dir:") {
                format!("  store_dir: \"{}\"\n", store.display())
            } else {
                format!("{line}\n")
            }
        })
        .collect();
    let path = dir.join(format!("{name}.conf"));
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

/// The directory of the newest PostgreSQL server programs the Debian packages installed
/// (`/usr/lib/postgresql/<major>/bin`, as deploy/dev-stack.sh picks them); none: `$PATH`.
fn pg_bin() -> PathBuf {
    std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| Some((e.file_name().to_str()?.parse::<u32>().ok()?, e.path())))
        .filter(|(_, path)| path.join("bin/initdb").exists())
        .max_by_key(|(major, _)| *major)
        .map(|(_, path)| path.join("bin"))
        .unwrap_or_default()
}

/// A private PostgreSQL server, never the shared cluster on 5432 (other tests use it, so it
/// is never restarted): a fresh cluster made by `initdb` under `dir/<name>`, trust auth on
/// 127.0.0.1 only, its own port and socket directory, the server's default settings
/// (`fsync` on). As root, the programs run as the `postgres` user (initdb and postgres refuse
/// root) and the cluster's directory is handed to it. Stopped like a crash with
/// [`PgServer::stop_immediate`] and started again on the same data directory; dropping it
/// stops the server the same way (then kills and reaps it), the [`ScratchDir`] holding `dir`
/// removes the files.
pub struct PgServer {
    pub port: u16,
    /// The cluster's directory: `data/` and the server's Unix socket.
    home: PathBuf,
    proc: Proc,
}

impl PgServer {
    pub async fn start(name: &str, dir: &Path, port: u16) -> Self {
        let home = dir.join(name);
        std::fs::create_dir_all(&home).unwrap();
        if let Some((uid, gid)) = pg_user() {
            std::os::unix::fs::chown(&home, Some(uid), Some(gid)).unwrap();
        }
        let log = dir.join(format!("{name}.log"));
        let data = home.join("data");
        let mut initdb = pg_command(&home, "initdb");
        initdb
            .arg("-D")
            .arg(&data)
            // UTF-8 whatever the machine's locale: the system stores Chinese text
            .args(["-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C"])
            // only initdb's own final flush; the server keeps fsync on
            .arg("--no-sync");
        assert!(
            Proc::run(initdb, &log),
            "initdb of {name} failed, see {}",
            log.display()
        );
        let mut server = Self {
            port,
            proc: Self::spawn(name, &home, port, log),
            home,
        };
        server.wait_accepting().await;
        server
    }

    fn spawn(name: &str, home: &Path, port: u16, log: PathBuf) -> Proc {
        let mut command = pg_command(home, "postgres");
        command
            .arg("-D")
            .arg(home.join("data"))
            .args(["-c", "listen_addresses=127.0.0.1", "-p", &port.to_string()])
            .arg("-k")
            .arg(home);
        Proc::spawn(name, command, log)
    }

    /// What the server (and initdb, pg_ctl) logged so far.
    pub fn log_text(&self) -> String {
        self.proc.log_text()
    }

    /// The URL of the server's `postgres` database.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// `pg_ctl stop -m immediate`: the postmaster and every backend quit at once, without a
    /// checkpoint, as in a crash; the next start replays the WAL.
    pub fn stop_immediate(&mut self) {
        if !self.proc.is_running() {
            return;
        }
        let mut stop = pg_command(&self.home, "pg_ctl");
        stop.arg("-D")
            .arg(self.home.join("data"))
            .args(["stop", "-m", "immediate", "-w"]);
        let stopped = Proc::run(stop, self.proc.log());
        // the postmaster has exited (or failed to stop: then it is killed): reap it
        self.proc.kill9();
        assert!(
            stopped || std::thread::panicking(),
            "pg_ctl stop -m immediate failed, see {}",
            self.proc.log().display()
        );
    }

    /// Starts the server again on the same port and data directory, and waits until it
    /// accepts connections (after its crash recovery).
    pub async fn restart(&mut self) {
        self.stop_immediate();
        let log = self.proc.log().to_owned();
        self.proc = Self::spawn(&self.proc.name.clone(), &self.home, self.port, log);
        self.wait_accepting().await;
    }

    async fn wait_accepting(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            match AsyncPgConnection::establish(&self.url()).await {
                Ok(_) => return,
                Err(e) => assert!(
                    Instant::now() < deadline && self.proc.is_running(),
                    "PostgreSQL on port {} does not accept connections: {e}",
                    self.port
                ),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        self.stop_immediate();
    }
}

/// A PostgreSQL program, run in `home` and, when we are root, as the `postgres` user.
fn pg_command(home: &Path, program: &str) -> Command {
    use std::os::unix::process::CommandExt as _;
    let mut command = Command::new(pg_bin().join(program));
    command.current_dir(home);
    if let Some((uid, gid)) = pg_user() {
        command.uid(uid).gid(gid);
    }
    command
}

/// The uid and gid of the `postgres` user when this process runs as root (PostgreSQL refuses
/// to run as root); `None` otherwise (the programs run as ourselves).
fn pg_user() -> Option<(u32, u32)> {
    use std::os::unix::fs::MetadataExt as _;
    if std::fs::metadata("/proc/self").ok()?.uid() != 0 {
        return None;
    }
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap();
    let line = passwd
        .lines()
        .find(|l| l.starts_with("postgres:"))
        .expect("running as root needs a postgres user to run PostgreSQL as");
    let mut fields = line.split(':').skip(2);
    let mut id = || fields.next().and_then(|f| f.parse().ok());
    Some((id().unwrap(), id().unwrap()))
}

/// How an `edugroup` process reaches its dependencies.
#[derive(Clone)]
pub struct SystemEnv {
    pub database_url: String,
    pub nats_url: String,
    pub dir: PathBuf,
    pub api_port: u16,
    pub nats_login: NatsLogin,
}

/// How an `edugroup serve` process logs in to NATS.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum NatsLogin {
    /// As its own user of deploy/nats/nats-auth.conf ([`nats_user`], [`nats_password`]).
    OwnUser,
    /// Not at all, told so (`--insecure-bus`): the test's private server is anonymous.
    Insecure,
    /// Not at all, and not told so: `serve` refuses to start.
    Missing,
}

/// The NATS user of an `edugroup serve <service>` process in deploy/nats/nats-auth.conf.
pub fn nats_user(service: &str) -> String {
    service.replace('-', "_")
}

/// The test's password of a NATS user.
pub fn nats_password(user: &str) -> String {
    format!("test-password-of-{user}")
}

impl SystemEnv {
    /// `edugroup serve <service>` with this environment (and nothing else of ours).
    pub fn serve(&self, service: &str) -> Proc {
        self.serve_with(service, &[])
    }

    /// [`SystemEnv::serve`] with further variables.
    pub fn serve_with(&self, service: &str, env: &[(&str, &str)]) -> Proc {
        let mut command = clean_command(env!("CARGO_BIN_EXE_edugroup"));
        command
            .args(["serve", service])
            .env("EDUGROUP_DATABASE_URL", &self.database_url)
            .env("EDUGROUP_NATS_URL", &self.nats_url)
            .env("EDUGROUP_DB_POOL_SIZE", "4")
            .env("EDUGROUP_BIND", format!("127.0.0.1:{}", self.api_port))
            .env("EDUGROUP_HTTP_WORKERS", "2")
            .env("EDUGROUP_JWT_SECRET", JWT_SECRET)
            .env("EDUGROUP_JWT_ISSUER", JWT_ISSUER)
            .env("EDUGROUP_FILES_DIR", self.dir.join("files"))
            // the load of these tests is one client on purpose
            .env("EDUGROUP_RATE_PER_ADDRESS", "0")
            .env("EDUGROUP_RATE_PER_TOKEN", "0")
            .env("RUST_LOG", "warn,edu_bus=info");
        command.envs(env.iter().copied());
        match self.nats_login {
            NatsLogin::OwnUser => {
                let user = nats_user(service);
                command
                    .env("EDUGROUP_NATS_PASSWORD", nats_password(&user))
                    .env("EDUGROUP_NATS_USER", user);
            }
            NatsLogin::Insecure => {
                command.env("EDUGROUP_INSECURE_BUS", "1");
            }
            NatsLogin::Missing => {}
        }
        Proc::spawn(service, command, self.dir.join(format!("{service}.log")))
    }

    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.api_port)
    }
}

/// Waits until the API answers `/readyz` with 200 (every service and its database up).
pub async fn wait_ready(http: &reqwest::Client, base: &str, within: Duration) {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let last = match http.get(format!("{base}/readyz")).send().await {
            Ok(r) if r.status() == 200 => return,
            Ok(r) => r.text().await.unwrap_or_default(),
            Err(e) => e.to_string(),
        };
        assert!(
            tokio::time::Instant::now() < deadline,
            "the system is not ready after {within:?}: {last}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A group of two schools with a roster of teachers at the lead school, made through the
/// HTTP API; ready for trainings once the rotation service has seen the group.
pub struct Fixture {
    pub group: String,
    pub teachers: Vec<String>,
    pub lead_admin: String,
}

impl Fixture {
    pub async fn create(http: &reqwest::Client, base: &str) -> Self {
        let bureau = token(Role::Bureau, REGION, None);
        let post = |path: &str, token: &str, body: serde_json::Value| {
            http.post(format!("{base}/api/v1{path}"))
                .bearer_auth(token)
                .json(&body)
                .send()
        };
        let mut schools = Vec::new();
        for name in ["可靠性龙头中学", "可靠性成员中学"] {
            let body = serde_json::json!({"name": name, "stage": "junior", "region": REGION, "principal_name": "校长", "legal_person": name});
            let r = post("/schools", &bureau, body).await.unwrap();
            assert_eq!(r.status(), 201);
            let school: serde_json::Value = r.json().await.unwrap();
            schools.push(school["id"].as_str().unwrap().to_owned());
        }
        let body = serde_json::json!({"name": "可靠性集团", "model": "alliance", "lead_school_id": schools[0], "plaque_date": "2024-09-01"});
        let r = post("/groups", &bureau, body).await.unwrap();
        assert_eq!(r.status(), 201);
        let group: serde_json::Value = r.json().await.unwrap();
        let group = group["id"].as_str().unwrap().to_owned();
        let r = post(
            &format!("/groups/{group}/members"),
            &bureau,
            serde_json::json!({"school_id": schools[1]}),
        )
        .await
        .unwrap();
        assert_eq!(r.status(), 201);
        let lead = schools[0].clone();
        let lead_admin = token(Role::LeadAdmin, REGION, Some(lead.parse().unwrap()));
        let mut csv = String::from("工号,姓名,岗位,学科,骨干级别,符合交流条件\n");
        for i in 0..8 {
            csv.push_str(&format!("R{i:03},可靠性教师{i},学科教师,数学,无,是\n"));
        }
        let r = http
            .post(format!(
                "{base}/api/v1/schools/{lead}/teachers/import?school_year=2025"
            ))
            .bearer_auth(&lead_admin)
            .header("Content-Type", "text/csv; charset=utf-8")
            .body(csv)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
        let page: serde_json::Value = http
            .get(format!(
                "{base}/api/v1/schools/{lead}/teachers?school_year=2025&limit=200"
            ))
            .bearer_auth(&lead_admin)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let teachers = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["id"].as_str().unwrap().to_owned())
            .collect();
        Self {
            group,
            teachers,
            lead_admin,
        }
    }

    /// A training body, `title` unique per logical request.
    pub fn training(&self, title: &str, n: usize) -> serde_json::Value {
        let teacher = &self.teachers[n % self.teachers.len()];
        serde_json::json!({"kind": "subject", "title": title, "subject": "数学", "held_on": "2025-10-15", "hours": 2, "participant_ids": [teacher]})
    }

    /// Records trainings until the first one is accepted (the rotation service learns the
    /// group from membership's events, asynchronously).
    pub async fn wait_until_trainings_accepted(&self, http: &reqwest::Client, base: &str) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            let r = http
                .post(format!("{base}/api/v1/groups/{}/trainings", self.group))
                .bearer_auth(&self.lead_admin)
                .json(&self.training("warm-up", 0))
                .send()
                .await
                .unwrap();
            let status = r.status();
            if status == 201 {
                return;
            }
            let body = r.text().await.unwrap_or_default();
            assert!(
                tokio::time::Instant::now() < deadline,
                "trainings still refused: {status} {body}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// Every service and the API in this process, on a real socket, against the test's own
/// database and bus namespace on the shared servers (cheaper than processes; for tests that
/// inject no process faults).
pub struct InProcess {
    pub base: String,
    pub http: reqwest::Client,
    _db: edu_testkit::TestDb,
    _bus: edu_testkit::TestBus,
}

impl InProcess {
    pub async fn start() -> Self {
        let db = edu_testkit::TestDb::new().await.unwrap();
        let bus = edu_testkit::TestBus::new().await.unwrap();
        edugroup::system::run_backend(
            &bus.bus,
            |schema| db.config(schema),
            Default::default(),
            std::future::pending,
        )
        .await
        .unwrap();
        let verifier = edu_auth::Verifier::new(&auth()).await.unwrap();
        let state = edu_lead_api::AppState::new(bus.bus.clone(), verifier)
            .await
            .unwrap();
        let config = edu_lead_api::ApiConfig {
            bind: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
            workers: 2,
        };
        let (server, addrs) = edu_lead_api::serve(&config, state).unwrap();
        tokio::spawn(server);
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap();
        Self {
            base: format!("http://{}", addrs[0]),
            http,
            _db: db,
            _bus: bus,
        }
    }
}

/// A client gives up on one HTTP attempt after this; a request that needs it is a hang.
pub const CLIENT_TIMEOUT: Duration = Duration::from_secs(15);
/// Load generators running at once.
pub const WORKERS: usize = 4;
/// The longest a client honours `Retry-After` here, so the load stays steady.
const MAX_BACKOFF: Duration = Duration::from_millis(500);
/// A logical request is abandoned (and counted) after retrying this long.
const GIVE_UP_AFTER: Duration = Duration::from_secs(60);

/// What the load saw, per logical request and per HTTP attempt.
#[derive(Default)]
pub struct Tally {
    /// Logical requests started.
    pub sent: usize,
    /// HTTP attempts, retries included.
    pub attempts: usize,
    /// Logical requests answered 2xx: title → training id.
    pub accepted: HashMap<String, String>,
    /// Attempts answered 503.
    pub refused: usize,
    pub refused_without_retry_after: usize,
    /// Attempts that ran into the client's timeout.
    pub hung: usize,
    /// Attempts that could not reach the API.
    pub transport_errors: usize,
    /// Answers other than 2xx and 503.
    pub unexpected: Vec<String>,
    /// Logical requests abandoned after [`GIVE_UP_AFTER`].
    pub abandoned: usize,
    pub slowest: Duration,
}

/// A steady write load through the HTTP API: trainings titled `<prefix>-<worker>-<n>`, each
/// with its own `Idempotency-Key`, retried on 503 (honouring Retry-After) and on transport
/// errors, by [`WORKERS`] workers until [`Load::stop`].
pub struct Load {
    http: reqwest::Client,
    base: String,
    fixture: Fixture,
    prefix: String,
    stop: AtomicBool,
    accepted: AtomicUsize,
    pub tally: tokio::sync::Mutex<Tally>,
    started: Instant,
    workers: std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>,
}

impl Load {
    /// Starts the workers.
    pub fn start(http: &reqwest::Client, base: &str, fixture: Fixture, prefix: &str) -> Arc<Self> {
        let load = Arc::new(Self {
            http: http.clone(),
            base: base.to_owned(),
            fixture,
            prefix: prefix.to_owned(),
            stop: AtomicBool::new(false),
            accepted: AtomicUsize::new(0),
            tally: tokio::sync::Mutex::new(Tally::default()),
            started: Instant::now(),
            workers: std::sync::Mutex::new(Vec::new()),
        });
        let workers = (0..WORKERS)
            .map(|w| tokio::spawn(Arc::clone(&load).worker(w)))
            .collect();
        *load.workers.lock().unwrap() = workers;
        load
    }

    /// Stops the workers once their requests in flight are settled; answers how long the
    /// load ran (for [`Load::verify`]).
    pub async fn stop(&self) -> Duration {
        self.stop.store(true, Ordering::Relaxed);
        let workers = std::mem::take(&mut *self.workers.lock().unwrap());
        for w in workers {
            w.await.unwrap();
        }
        self.started.elapsed()
    }

    async fn worker(self: Arc<Self>, worker: usize) {
        let mut n = 0;
        while !self.stop.load(Ordering::Relaxed) {
            n += 1;
            let title = format!("{}-{worker}-{n}", self.prefix);
            self.one(&title, worker * 1000 + n).await;
        }
    }

    /// One logical request, retried with its key until it is accepted or refused for good.
    async fn one(&self, title: &str, n: usize) {
        let key = uuid::Uuid::now_v7().to_string();
        let body = self.fixture.training(title, n);
        let url = format!(
            "{}/api/v1/groups/{}/trainings",
            self.base, self.fixture.group
        );
        let started = Instant::now();
        self.tally.lock().await.sent += 1;
        loop {
            let attempt = Instant::now();
            let sent = self
                .http
                .post(&url)
                .bearer_auth(&self.fixture.lead_admin)
                .header("Idempotency-Key", &key)
                .json(&body)
                .send()
                .await;
            let took = attempt.elapsed();
            let mut backoff = Duration::from_millis(200);
            {
                let mut t = self.tally.lock().await;
                t.attempts += 1;
                t.slowest = t.slowest.max(took);
                match sent {
                    Ok(r) if r.status().is_success() => {
                        let training: serde_json::Value = match r.json().await {
                            Ok(v) => v,
                            Err(e) => {
                                t.unexpected.push(format!("undecodable 2xx: {e}"));
                                return;
                            }
                        };
                        let id = training["id"].as_str().unwrap_or_default().to_owned();
                        t.accepted.insert(title.to_owned(), id);
                        self.accepted.fetch_add(1, Ordering::Relaxed);
                        return;
                    }
                    Ok(r) if r.status() == 503 => {
                        t.refused += 1;
                        match r
                            .headers()
                            .get("Retry-After")
                            .and_then(|v| v.to_str().ok())
                            .and_then(|v| v.parse::<u64>().ok())
                        {
                            Some(secs) => backoff = Duration::from_secs(secs).min(MAX_BACKOFF),
                            None => t.refused_without_retry_after += 1,
                        }
                    }
                    Ok(r) => {
                        let status = r.status();
                        let text = r.text().await.unwrap_or_default();
                        t.unexpected.push(format!("{status} {text}"));
                        return;
                    }
                    Err(e) if e.is_timeout() => t.hung += 1,
                    Err(_) => t.transport_errors += 1,
                }
                if started.elapsed() > GIVE_UP_AFTER {
                    t.abandoned += 1;
                    return;
                }
            }
            tokio::time::sleep(backoff).await;
        }
    }

    /// Waits until `more` further requests have been accepted: the system recovered.
    pub async fn wait_for_progress(&self, more: usize, what: &str) -> Duration {
        let from = self.accepted.load(Ordering::Relaxed);
        let started = Instant::now();
        while self.accepted.load(Ordering::Relaxed) < from + more {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "no recovery within 60 s after {what}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        started.elapsed()
    }

    /// After [`Load::stop`] (which answered `ran`): each accepted request's row is in the database once (rotation's
    /// outbox drained), its `training.held` event on the stream (read through `nats_url`) once
    /// and its effect in the consumer (evaluation) once; nothing unexpected, no 503 without
    /// Retry-After, nothing hung or abandoned. Prints sent / accepted / refused / lost /
    /// duplicated under `label` and fails unless lost and duplicated are 0.
    pub async fn verify(&self, database_url: &str, nats_url: &str, label: &str, ran: Duration) {
        use diesel_async::RunQueryDsl as _;
        let mut conn = AsyncPgConnection::establish(database_url).await.unwrap();
        let deadline = Instant::now() + Duration::from_secs(60);
        while count(
            &mut conn,
            "SELECT count(*) AS n FROM rotation.outbox_pending",
        )
        .await
            > 0
        {
            assert!(Instant::now() < deadline, "the outbox did not drain");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        // The database: one row per accepted request, none twice.
        let rows: Vec<Row> = diesel::sql_query(format!(
            "SELECT id::text AS id, title FROM rotation.trainings WHERE title LIKE '{}-%'",
            self.prefix
        ))
        .get_results(&mut conn)
        .await
        .unwrap();
        let tally = self.tally.lock().await;
        let mut by_title: HashMap<&str, Vec<&str>> = HashMap::new();
        for r in &rows {
            by_title.entry(&r.title).or_default().push(&r.id);
        }
        let duplicated_rows = by_title.values().filter(|ids| ids.len() > 1).count();
        let lost_rows = tally
            .accepted
            .iter()
            .filter(|(title, id)| by_title.get(title.as_str()) != Some(&vec![id.as_str()]))
            .count();

        // The stream: one training.held per row.
        let row_ids: HashSet<&str> = rows.iter().map(|r| r.id.as_str()).collect();
        // The audit trail: each event names who asked.
        let writer = sub(Role::LeadAdmin, REGION);
        let mut per_training: HashMap<String, usize> = HashMap::new();
        let mut unattributed = 0;
        for e in stream_events(nats_url).await {
            if e.event_type == "training.held" {
                let id = e.payload["training_id"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                if row_ids.contains(id.as_str()) {
                    if e.actor.sub != writer {
                        unattributed += 1;
                    }
                    *per_training.entry(id).or_default() += 1;
                }
            }
        }
        let duplicated_events = per_training.values().filter(|n| **n > 1).count();
        let lost_events = row_ids
            .iter()
            .filter(|id| !per_training.contains_key(**id))
            .count();

        // The consumer (evaluation) applied each event once.
        let deadline = Instant::now() + Duration::from_secs(60);
        let consumed = loop {
            let seen: Vec<Row> = diesel::sql_query(
                "SELECT training_id::text AS id, '' AS title FROM evaluation.trainings",
            )
            .get_results(&mut conn)
            .await
            .unwrap();
            let seen: HashSet<String> = seen.into_iter().map(|r| r.id).collect();
            let missing = row_ids.iter().filter(|id| !seen.contains(**id)).count();
            if missing == 0 || Instant::now() > deadline {
                break missing;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        };
        let inbox_duplicates = count(
            &mut conn,
            "SELECT count(*) AS n FROM (SELECT 1 FROM evaluation.inbox GROUP BY consumer, event_id HAVING count(*) > 1) d",
        )
        .await;

        let lost = lost_rows + lost_events + consumed;
        let duplicated = duplicated_rows + duplicated_events + inbox_duplicates as usize;
        println!(
            "{label} over {:.1} s: sent {} accepted {} refused {} (503 answers, {} retries in all) lost {} duplicated {}",
            ran.as_secs_f64(),
            tally.sent,
            tally.accepted.len(),
            tally.refused,
            tally.attempts - tally.sent,
            lost,
            duplicated
        );
        println!(
            "  rows {} (accepted or abandoned), events {} ({unattributed} not naming {writer}), consumer effects missing {consumed}; transport errors {}, hung {}, abandoned {}, slowest attempt {:?}",
            rows.len(),
            per_training.len(),
            tally.transport_errors,
            tally.hung,
            tally.abandoned,
            tally.slowest
        );
        assert_eq!(
            lost, 0,
            "lost rows {lost_rows}, events {lost_events}, effects {consumed}"
        );
        assert_eq!(duplicated, 0);
        assert_eq!(unattributed, 0, "events not naming {writer} as their actor");
        assert!(tally.unexpected.is_empty(), "{:?}", tally.unexpected);
        assert_eq!(tally.refused_without_retry_after, 0);
        assert_eq!(tally.hung, 0, "attempts hit the {CLIENT_TIMEOUT:?} timeout");
        assert_eq!(tally.abandoned, 0);
        assert_eq!(tally.sent, tally.accepted.len());
    }
}

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = diesel::sql_types::Text)]
    id: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    title: String,
}

#[derive(QueryableByName)]
pub struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub n: i64,
}

/// The `n` of a `SELECT count(...) AS n` query.
pub async fn count(conn: &mut AsyncPgConnection, sql: &str) -> i64 {
    use diesel_async::RunQueryDsl as _;
    diesel::sql_query(sql)
        .get_result::<Count>(conn)
        .await
        .unwrap()
        .n
}

/// Every event of a system's stream (the services' default `EDU_EVENTS`).
pub async fn stream_events(nats_url: &str) -> Vec<EventEnvelope> {
    let client = async_nats::connect(nats_url).await.unwrap();
    let js = async_nats::jetstream::new(client);
    let stream = js.get_stream("EDU_EVENTS").await.unwrap();
    let info = stream.get_info().await.unwrap();
    let mut events = Vec::new();
    if info.state.messages == 0 {
        return events;
    }
    for seq in info.state.first_sequence..=info.state.last_sequence {
        if let Ok(m) = stream.get_raw_message(seq).await {
            events.push(serde_json::from_slice(&m.payload).unwrap());
        }
    }
    events
}
