//! The development bus requires a login: `edugroup-dev up` runs a nats-server of its own that
//! lets in only the development credentials, made once per installation (by `up` or by
//! deploy/dev-stack.sh, the same file either way) and kept private, and stops it on exit.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use edu_bus::dev::{CREDENTIALS_FILE, DevCredentials, USER};
use edu_testkit::TestDb;
use edu_testkit::process::{NatsServer, Proc, ScratchDir, clean_command, free_port};

async fn connect(url: &str, login: Option<(&str, &str)>) -> anyhow::Result<async_nats::Client> {
    let mut options = async_nats::ConnectOptions::new().connection_timeout(Duration::from_secs(3));
    if let Some((user, password)) = login {
        options = options.user_and_password(user.to_owned(), password.to_owned());
    }
    Ok(options.connect(url).await?)
}

/// Anonymous and wrong logins are refused; the development credentials get in, and may use
/// JetStream.
async fn only_the_credentials_get_in(url: &str, credentials: &DevCredentials) {
    assert!(
        connect(url, None).await.is_err(),
        "{url} let in an anonymous client"
    );
    assert!(
        connect(url, Some((USER, "guessed"))).await.is_err(),
        "{url} let in a wrong password"
    );
    let client = connect(url, Some((credentials.user(), credentials.password())))
        .await
        .unwrap();
    let js = async_nats::jetstream::new(client);
    let stream = js
        .create_stream(async_nats::jetstream::stream::Config {
            name: "DEV_BUS_CHECK".into(),
            subjects: vec!["dev-bus-check".into()],
            storage: async_nats::jetstream::stream::StorageType::Memory,
            ..Default::default()
        })
        .await;
    assert!(
        stream.is_ok(),
        "no JetStream for the development user: {stream:?}"
    );
    js.delete_stream("DEV_BUS_CHECK").await.unwrap();
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// A file of the repository (this crate is tools/dev).
fn repository(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

/// `edugroup-dev up --no-demo` with the given state directory and database, its log in `dir`.
fn spawn_up(dir: &Path, state: &Path, db: &TestDb, name: &str) -> Proc {
    let mut command = clean_command(env!("CARGO_BIN_EXE_edugroup-dev"));
    command
        .args(["up", "--no-demo"])
        .env("EDUGROUP_DATABASE_URL", db.url())
        .env("EDUGROUP_DEV_STATE_DIR", state)
        .env("EDUGROUP_BIND", "127.0.0.1:0")
        .env("EDUGROUP_FILES_DIR", dir.join("files"))
        .env("RUST_LOG", "warn");
    Proc::spawn(name, command, dir.join(format!("{name}.log")))
}

/// [`spawn_up`], and the bus line of its banner once it is up.
async fn up(dir: &Path, state: &Path, db: &TestDb, name: &str) -> (Proc, String) {
    let mut process = spawn_up(dir, state, db, name);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(90);
    loop {
        let log = process.log_text();
        if let Some(line) = log.lines().find(|l| l.starts_with("  bus      消息总线 ")) {
            return (process, line.to_owned());
        }
        assert!(process.is_running(), "{name} stopped: {log}");
        assert!(
            tokio::time::Instant::now() < deadline,
            "{name} is not up: {log}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn bus_url(banner_line: &str) -> String {
    banner_line
        .split_whitespace()
        .find(|word| word.starts_with("nats://"))
        .unwrap_or_else(|| panic!("no URL in {banner_line:?}"))
        .to_owned()
}

fn is_alive(pid: &str) -> bool {
    Path::new("/proc").join(pid.trim()).exists()
}

/// Kills the nats-server of an `up` the test killed with SIGKILL on its way out (a failing
/// assertion drops `up` so), which would outlive it.
struct OwnServerGuard(PathBuf);

impl Drop for OwnServerGuard {
    fn drop(&mut self) {
        let Ok(pid) = std::fs::read_to_string(self.0.join("up-nats/nats-server.pid")) else {
            return;
        };
        let cmdline = std::fs::read(format!("/proc/{}/cmdline", pid.trim())).unwrap_or_default();
        if String::from_utf8_lossy(&cmdline).contains(&*self.0.to_string_lossy()) {
            let _ = Command::new("kill").args(["-KILL", pid.trim()]).status();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn up_runs_its_own_bus_that_lets_in_only_the_development_credentials() {
    let dir = ScratchDir::new("up-bus");
    let state = dir.path().join("state");
    let _guard = OwnServerGuard(state.clone());
    let db = TestDb::new().await.unwrap();
    let (mut first, line) = up(dir.path(), &state, &db, "up").await;

    let path = state.join(CREDENTIALS_FILE);
    assert!(line.contains("login required"), "{line}");
    assert!(line.contains(&path.display().to_string()), "{line}");
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(&state), 0o700);
    let credentials = DevCredentials::load(&state).unwrap().unwrap();
    let url = bus_url(&line);
    only_the_credentials_get_in(&url, &credentials).await;

    // a second system on the same store would corrupt it: refused while the first runs
    let other_db = TestDb::new().await.unwrap();
    let mut second = spawn_up(dir.path(), &state, &other_db, "up-2");
    assert_eq!(second.exit_code(Duration::from_secs(60)).await, Some(1));
    assert!(
        second.log_text().contains("another `edugroup-dev up`"),
        "{}",
        second.log_text()
    );

    // stopped, `up` stops its server
    let pid = std::fs::read_to_string(state.join("up-nats/nats-server.pid")).unwrap();
    assert!(is_alive(&pid));
    first.terminate();
    assert_eq!(first.exit_code(Duration::from_secs(30)).await, Some(0));
    assert!(!is_alive(&pid), "nats-server {pid} outlived `up`");
    assert!(connect(&url, None).await.is_err());

    // started again, the same credentials: they were made once
    let (mut again, line) = up(dir.path(), &state, &db, "up-again").await;
    let kept = DevCredentials::load(&state).unwrap().unwrap();
    assert_eq!(kept.password(), credentials.password());
    only_the_credentials_get_in(&bus_url(&line), &kept).await;
    again.terminate();
    assert_eq!(again.exit_code(Duration::from_secs(30)).await, Some(0));
}

/// deploy/dev-stack.sh makes the same file `up` would (and keeps it), a nats-server started
/// with it as the dev stack starts one refuses anonymous clients, and the script tells that
/// server from an anonymous one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dev_stack_makes_the_credentials_up_reads_and_its_server_requires_them() {
    let dir = ScratchDir::new("dev-stack-bus");
    let state = dir.path().join("state");
    let dev_stack = |function: &str, port: u16| {
        let out = Command::new("bash")
            .arg("-c")
            .arg(format!(
                "source {} --lib && {function} {port}",
                repository("deploy/dev-stack.sh").display()
            ))
            .env("EDUGROUP_DEV_STATE_DIR", &state)
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr),
        )
    };
    let (made, out) = dev_stack("ensure_dev_credentials", 0);
    assert!(made, "{out}");
    let credentials = DevCredentials::load(&state).unwrap().unwrap();
    assert_eq!(credentials.user(), USER);
    assert_eq!(mode(credentials.path()), 0o600);
    assert_eq!(mode(&state), 0o700);
    let (again, out) = dev_stack("ensure_dev_credentials", 0);
    assert!(again, "{out}");
    let kept = DevCredentials::load_or_create(&state).unwrap();
    assert_eq!(kept.password(), credentials.password(), "made once");

    // as deploy/dev-stack.sh starts it (the store moved into the scratch directory)
    let port = free_port();
    let server = NatsServer::start(
        "nats-dev",
        dir.path(),
        port,
        &[
            "-c".to_owned(),
            credentials.path().display().to_string(),
            "-js".to_owned(),
            "-sd".to_owned(),
            dir.path().join("nats-dev-js").display().to_string(),
        ],
        &[],
    )
    .await;
    only_the_credentials_get_in(&server.url(), &credentials).await;
    assert!(dev_stack("nats_requires_auth", port).0);
    let anonymous = NatsServer::start("nats-anonymous", dir.path(), free_port(), &[], &[]).await;
    assert!(!dev_stack("nats_requires_auth", anonymous.port).0);

    std::fs::set_permissions(credentials.path(), std::fs::Permissions::from_mode(0o644)).unwrap();
    let (accepted, out) = dev_stack("ensure_dev_credentials", 0);
    assert!(!accepted && out.contains("chmod 600"), "{out}");
}
