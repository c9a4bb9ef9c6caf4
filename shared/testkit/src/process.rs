//! Real processes for tests that start programs: a scratch directory, a child process that
//! is killed when its handle drops, a free port, a private nats-server. Every handle is a
//! guard, so a failing test leaves nothing running; on a panic a process's guard prints the
//! tail of its log.

use std::fs::File;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

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
        std::fs::create_dir_all(&path)
            .unwrap_or_else(|e| panic!("creating {}: {e}", path.display()));
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

/// `command` with no input and its output appended to `log`.
fn to_log<'c>(command: &'c mut Command, log: &Path) -> &'c mut Command {
    let out = File::options()
        .create(true)
        .append(true)
        .open(log)
        .unwrap_or_else(|e| panic!("opening {}: {e}", log.display()));
    let err = out
        .try_clone()
        .unwrap_or_else(|e| panic!("opening {}: {e}", log.display()));
    command
        .stdin(Stdio::null())
        .stdout(Stdio::from(out))
        .stderr(Stdio::from(err))
}

/// A child process, killed and reaped on drop; its output goes to `log`.
pub struct Proc {
    pub name: String,
    child: Option<Child>,
    log: PathBuf,
}

impl Proc {
    pub fn spawn(name: &str, mut command: Command, log: PathBuf) -> Self {
        let child = to_log(&mut command, &log)
            .spawn()
            .unwrap_or_else(|e| panic!("starting {name}: {e}"));
        Self {
            name: name.to_owned(),
            child: Some(child),
            log,
        }
    }

    /// Runs a short-lived program to its end, its output appended to `log`; did it succeed?
    pub fn run(mut command: Command, log: &Path) -> bool {
        to_log(&mut command, log)
            .status()
            .is_ok_and(|s| s.success())
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

    /// SIGTERM: the process may stop gracefully.
    pub fn terminate(&self) {
        if let Some(child) = &self.child {
            let sent = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status();
            assert!(sent.is_ok_and(|s| s.success()), "SIGTERM to {}", self.name);
        }
    }

    /// Waits for the process to end by itself; its exit code, or a failed test.
    pub async fn exit_code(&mut self, within: Duration) -> Option<i32> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if let Some(status) = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                return status.code();
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{} still runs after {within:?}",
                self.name
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The file its output goes to.
    pub fn log(&self) -> &Path {
        &self.log
    }

    /// What the process logged so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn print_log_tail(&self) {
        let text = self.log_text();
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
        self.proc.log_text()
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

/// The nats-server of the Debian package, else the first on `PATH`.
pub fn nats_server_binary() -> &'static str {
    if Path::new("/usr/sbin/nats-server").exists() {
        "/usr/sbin/nats-server"
    } else {
        "nats-server"
    }
}

/// A command for one of the system's binaries without the `EDUGROUP_*` variables of the
/// test's own environment (a developer's shell may carry some), so that only what the test
/// sets configures it; no backtraces in its output.
pub fn clean_command(program: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut command = Command::new(program);
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("EDUGROUP_") {
            command.env_remove(key);
        }
    }
    command.env("RUST_BACKTRACE", "0");
    command
}

/// Runs `program` ([`clean_command`]) with `args` and `env` to its end, without input:
/// whether it succeeded, and its output (stdout, then stderr).
pub fn run_clean(program: &str, args: &[&str], env: &[(String, String)]) -> (bool, String) {
    let out = clean_command(program)
        .args(args)
        .envs(env.iter().cloned())
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("running {program}: {e}"));
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

/// The commands a clap `--help` lists, `help` aside, in its order.
pub fn help_commands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .map(str::to_owned)
        .collect()
}
