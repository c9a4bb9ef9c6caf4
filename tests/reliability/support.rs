//! Real processes for the reliability tests: a private nats-server, the `edugroup` binary as
//! one process per service, a scratch directory. Every handle is a guard: dropping it kills
//! the process (SIGKILL, then reaps it) or removes the directory, so a failing test leaves
//! nothing behind. On a panic the guards print the tail of each process's log.

use std::fs::File;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use edu_auth::{AuthConfig, Minter, TokenRequest};
use edu_domain::{RegionCode, Role, SchoolId};
use secrecy::SecretString;

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
    }
}

pub fn token(role: Role, region: &str, school: Option<SchoolId>) -> String {
    Minter::new(&auth())
        .and_then(|m| {
            m.mint(&TokenRequest {
                sub: format!("{}-{region}", role.as_str()),
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

/// A free loopback port for a child to bind, below Linux's ephemeral range (32768+): a port
/// the kernel picked for us could meanwhile be handed to some outgoing connection.
pub fn free_port() -> u16 {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    for attempt in 0..1000u32 {
        let n = seed
            .wrapping_add(NEXT.fetch_add(7919, std::sync::atomic::Ordering::Relaxed))
            .wrapping_add(attempt);
        let port = 20_000 + (n % 12_000) as u16;
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free port between 20000 and 32000")
}

/// A directory under the system's temp dir, removed on drop.
pub struct ScratchDir(PathBuf);

impl ScratchDir {
    pub fn new(label: &str) -> Self {
        let id = uuid::Uuid::now_v7().simple().to_string();
        let path = std::env::temp_dir().join(format!("edugroup-{label}-{}", &id[id.len() - 12..]));
        std::fs::create_dir_all(&path).unwrap();
        Self(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A child process, killed and reaped on drop; its output goes to `log`.
pub struct Proc {
    pub name: String,
    child: Option<Child>,
    log: PathBuf,
}

impl Proc {
    pub fn spawn(name: &str, mut command: Command, log: PathBuf) -> Self {
        let out = File::options()
            .create(true)
            .append(true)
            .open(&log)
            .unwrap();
        let err = out.try_clone().unwrap();
        let child = command
            .stdin(Stdio::null())
            .stdout(Stdio::from(out))
            .stderr(Stdio::from(err))
            .spawn()
            .unwrap_or_else(|e| panic!("starting {name}: {e}"));
        Self {
            name: name.to_owned(),
            child: Some(child),
            log,
        }
    }

    /// SIGKILL, no chance to clean up: the fault the tests inject.
    pub fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub fn is_running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }

    fn print_log_tail(&self) {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        let tail = &lines[lines.len().saturating_sub(30)..];
        eprintln!("---- last lines of {} ({}):", self.name, self.log.display());
        for line in tail {
            eprintln!("{line}");
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.print_log_tail();
        }
        self.kill9();
    }
}

/// Waits until something accepts connections on the port.
pub async fn wait_for_port(port: u16, within: Duration) {
    let deadline = tokio::time::Instant::now() + within;
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    while std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "nothing listens on port {port} after {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A private nats-server with JetStream, on its own port and store directory (never the
/// shared one on 4222), started from a config file or from flags.
pub struct NatsServer {
    pub port: u16,
    args: Vec<String>,
    env: Vec<(String, String)>,
    dir: PathBuf,
    proc: Proc,
}

impl NatsServer {
    /// `-js` with a store under `dir`, plus `extra` arguments (e.g. `-c <file>`, which these
    /// flags override) and `env` (e.g. the passwords a config file refers to).
    pub async fn start(
        name: &str,
        dir: &Path,
        port: u16,
        extra: &[String],
        env: &[(String, String)],
    ) -> Self {
        let mut args = vec![
            "-a".to_owned(),
            "127.0.0.1".to_owned(),
            "-p".to_owned(),
            port.to_string(),
            // no monitoring port: it would collide with other servers
            "-m".to_owned(),
            "0".to_owned(),
        ];
        if !extra.iter().any(|a| a == "-c") {
            let store = dir.join(format!("{name}-js"));
            args.extend([
                "-js".to_owned(),
                "-sd".to_owned(),
                store.display().to_string(),
            ]);
        }
        args.extend_from_slice(extra);
        let proc = Self::spawn(name, dir, &args, env);
        wait_for_port(port, Duration::from_secs(10)).await;
        Self {
            port,
            args,
            env: env.to_vec(),
            dir: dir.to_owned(),
            proc,
        }
    }

    fn spawn(name: &str, dir: &Path, args: &[String], env: &[(String, String)]) -> Proc {
        let mut command = Command::new(nats_server_binary());
        command.args(args).envs(env.iter().cloned());
        Proc::spawn(name, command, dir.join(format!("{name}.log")))
    }

    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// What the server logged so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.proc.log).unwrap_or_default()
    }

    pub fn kill9(&mut self) {
        self.proc.kill9();
    }

    /// Starts the server again with the same port and store.
    pub async fn restart(&mut self) {
        self.proc.kill9();
        self.proc = Self::spawn(&self.proc.name.clone(), &self.dir, &self.args, &self.env);
        wait_for_port(self.port, Duration::from_secs(10)).await;
    }
}

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

pub fn nats_server_binary() -> &'static str {
    if Path::new("/usr/sbin/nats-server").exists() {
        "/usr/sbin/nats-server"
    } else {
        "nats-server"
    }
}

/// How an `edugroup` process reaches its dependencies.
#[derive(Clone)]
pub struct SystemEnv {
    pub database_url: String,
    pub nats_url: String,
    pub dir: PathBuf,
    pub api_port: u16,
    /// Each process logs in to NATS as its own user ([`nats_user`], [`nats_password`]).
    pub nats_auth: bool,
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
        let mut command = Command::new(env!("CARGO_BIN_EXE_edugroup"));
        for (key, _) in std::env::vars() {
            if key.starts_with("EDUGROUP_") {
                command.env_remove(key);
            }
        }
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
            .env("RUST_LOG", "warn,edu_bus=info");
        if self.nats_auth {
            let user = nats_user(service);
            command
                .env("EDUGROUP_NATS_PASSWORD", nats_password(&user))
                .env("EDUGROUP_NATS_USER", user);
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
        let hosts = [
            edu_membership::start(&bus.bus, db.config("membership")).await,
            edu_rotation::start(&bus.bus, db.config("rotation")).await,
            edu_catalogue::start(&bus.bus, db.config("catalogue")).await,
            edu_council::start(&bus.bus, db.config("council")).await,
            edu_evaluation::start(&bus.bus, db.config("evaluation")).await,
        ];
        for host in hosts {
            tokio::spawn(host.unwrap().run_until(std::future::pending()));
        }
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
