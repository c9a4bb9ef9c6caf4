//! `edugroup-dev up`'s own bus: a nats-server child on a loopback port that only lets in the
//! development credentials (`edu_bus::dev`), with its JetStream store in the state directory
//! beside them, stopped when `up` ends. `up` thus never depends on, nor exposes itself
//! through, whatever anonymous server a machine may run.

use std::fs::{DirBuilder, File};
use std::os::unix::fs::DirBuilderExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use edu_bus::BusConfig;
use edu_bus::dev::DevCredentials;
use edugroup::config::Settings;

/// The nats-server of the Debian package (deploy/dev-stack.sh installs it), else the first
/// on `PATH`.
const DEBIAN_NATS_SERVER: &str = "/usr/sbin/nats-server";
/// `up`'s server files under the state directory: its pid, log, ports file and JetStream store.
const SERVER_DIR: &str = "up-nats";
const PID_FILE: &str = "nats-server.pid";
const LOG_FILE: &str = "nats-server.log";
/// How long the server may take to listen, and to stop after SIGTERM.
const START_WITHIN: Duration = Duration::from_secs(15);
const STOP_WITHIN: Duration = Duration::from_secs(10);

/// Where `up` finds its bus.
pub enum UpBus {
    /// A nats-server of its own, logging in with the development credentials kept in this
    /// directory.
    Own { state_dir: PathBuf },
    /// The server `EDUGROUP_NATS_URL` names, reached as [`Settings::bus`] says.
    Given(BusConfig),
}

/// `up`'s bus: the server given by `EDUGROUP_NATS_URL`, reached as `serve` reaches it, or else
/// one of its own keeping its state in `state_dir` (`EDUGROUP_DEV_STATE_DIR`, else the
/// default) — then the bus settings that only make sense with a given server are refused
/// rather than ignored.
pub fn up_bus(settings: &Settings, state_dir: Option<&Path>) -> anyhow::Result<UpBus> {
    if settings.nats_url.is_some() {
        return Ok(UpBus::Given(settings.bus()?));
    }
    anyhow::ensure!(
        settings.nats_user.is_none() && settings.nats_password.is_none() && !settings.insecure_bus,
        "`up` runs a NATS server of its own with the development credentials; EDUGROUP_NATS_USER, EDUGROUP_NATS_PASSWORD and --insecure-bus apply to a server given by EDUGROUP_NATS_URL only  up 自带需凭据的 NATS 服务器;这些设置仅在指定 EDUGROUP_NATS_URL 时适用"
    );
    Ok(UpBus::Own {
        state_dir: edu_bus::dev::state_dir(state_dir)?,
    })
}

/// The running server; dropping it stops the server.
pub struct DevBus {
    child: Child,
    url: String,
    credentials: DevCredentials,
    log: PathBuf,
}

impl DevBus {
    /// Makes the development credentials if this installation has none yet, then starts
    /// nats-server with them on a port the server picks itself (so no other process can take
    /// it in between), and waits until it listens.
    pub async fn start(state_dir: &Path) -> anyhow::Result<Self> {
        let credentials = DevCredentials::load_or_create(state_dir)?;
        let dir = state_dir.join(SERVER_DIR);
        DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&dir)
            .with_context(|| format!("creating {}", dir.display()))?;
        refuse_a_running_server(&dir)?;
        remove_old_ports_files(&dir);
        let log = dir.join(LOG_FILE);
        let out = File::create(&log).with_context(|| format!("creating {}", log.display()))?;
        let err = out.try_clone()?;
        let binary = nats_server_binary();
        let child = Command::new(&binary)
            .arg("-c")
            .arg(credentials.path())
            .args(["-p", "-1"])
            .arg("-sd")
            .arg(&dir)
            .arg("-P")
            .arg(dir.join(PID_FILE))
            .arg("--ports_file_dir")
            .arg(&dir)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            // In `up`'s process group: Ctrl-C in the terminal stops the server too, even while
            // `up` is still starting and not yet listening for it, so it never outlives `up`.
            .spawn()
            .with_context(|| {
                format!(
                    "starting {} (install the Debian package nats-server; deploy/dev-stack.sh does)",
                    binary.display()
                )
            })?;
        let mut bus = Self {
            child,
            url: String::new(),
            credentials,
            log,
        };
        bus.url = bus.wait_listening(&dir).await?;
        Ok(bus)
    }

    /// How the services reach it: its URL, logged in.
    pub fn config(&self) -> BusConfig {
        let mut config = BusConfig::new(&self.url);
        self.credentials.apply(&mut config);
        config
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// The file the credentials are kept in.
    pub fn credentials_path(&self) -> &Path {
        self.credentials.path()
    }

    /// The client URL from the ports file nats-server writes once it listens.
    async fn wait_listening(&mut self, dir: &Path) -> anyhow::Result<String> {
        let ports = dir.join(format!("nats-server_{}.ports", self.child.id()));
        let deadline = Instant::now() + START_WITHIN;
        loop {
            if let Some(status) = self.child.try_wait()? {
                anyhow::bail!(
                    "nats-server stopped at start ({status}); its log, {}:\n{}",
                    self.log.display(),
                    log_tail(&self.log)
                );
            }
            // read until it parses: the server may be writing it right now
            let url = std::fs::read(&ports)
                .ok()
                .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
                .and_then(|v| v["nats"][0].as_str().map(str::to_owned));
            if let Some(url) = url {
                return Ok(url);
            }
            anyhow::ensure!(
                Instant::now() < deadline,
                "nats-server does not listen after {START_WITHIN:?}; its log, {}:\n{}",
                self.log.display(),
                log_tail(&self.log)
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for DevBus {
    /// SIGTERM, so nats-server writes its JetStream store out and exits; SIGKILL if it has
    /// not within [`STOP_WITHIN`].
    fn drop(&mut self) {
        if !matches!(self.child.try_wait(), Ok(None)) {
            return;
        }
        let asked = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .stdin(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        let deadline = Instant::now() + STOP_WITHIN;
        while asked && Instant::now() < deadline {
            if !matches!(self.child.try_wait(), Ok(None)) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        tracing::warn!("nats-server did not stop on SIGTERM; killing it");
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn nats_server_binary() -> PathBuf {
    if Path::new(DEBIAN_NATS_SERVER).exists() {
        PathBuf::from(DEBIAN_NATS_SERVER)
    } else {
        PathBuf::from("nats-server")
    }
}

/// Two servers on one JetStream store would corrupt it, and nats-server 2.9 does not lock it:
/// refuses while the server of another `up` (or one an `up` killed with SIGKILL left behind)
/// still runs on this store.
fn refuse_a_running_server(dir: &Path) -> anyhow::Result<()> {
    let Some(pid) = std::fs::read_to_string(dir.join(PID_FILE))
        .ok()
        .and_then(|p| p.trim().parse::<u32>().ok())
    else {
        return Ok(());
    };
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    let cmdline = String::from_utf8_lossy(&cmdline);
    anyhow::ensure!(
        !(cmdline.contains("nats-server") && cmdline.contains(&*dir.to_string_lossy())),
        "another `edugroup-dev up` runs its bus on {} (nats-server, pid {pid}): stop that `up`, or `kill {pid}` if it is left over; a second system needs EDUGROUP_DEV_STATE_DIR of its own  另一个 up 正在使用该消息总线目录",
        dir.display()
    );
    Ok(())
}

/// A server killed with SIGKILL leaves its ports file behind; the pid in its name may come
/// round again.
fn remove_old_ports_files(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with("nats-server_") && name.ends_with(".ports") {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

fn log_tail(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

    use std::path::Path;

    use edugroup::config::Settings;

    use super::{UpBus, up_bus};

    fn settings(flags: &[&str]) -> Settings {
        Settings::from_flags(flags).unwrap()
    }

    #[test]
    fn up_runs_its_own_bus_unless_given_a_server() {
        let dir = Path::new("/var/tmp/edugroup-up-state");
        let own = up_bus(&settings(&[]), Some(dir)).unwrap();
        assert!(matches!(own, UpBus::Own { state_dir } if state_dir == dir));
        // settings for a given server without the server: refused, not silently ignored
        for flags in [
            &["--insecure-bus"][..],
            &["--nats-user", "u", "--nats-password", "p"],
        ] {
            let refused = up_bus(&settings(flags), None).err().unwrap().to_string();
            assert!(refused.contains("EDUGROUP_NATS_URL"), "{refused}");
        }
        let given = ["--nats-url", "nats://127.0.0.1:4222"];
        assert!(
            up_bus(&settings(&given), None).is_err(),
            "a given server needs credentials too"
        );
        let insecure = up_bus(&settings(&[&given[..], &["--insecure-bus"]].concat()), None);
        assert!(matches!(insecure, Ok(UpBus::Given(c)) if !c.logs_in()));
    }
}
