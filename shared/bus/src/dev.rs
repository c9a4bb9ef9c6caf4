//! The development bus's login: one NATS user with a random password, made once per
//! installation and kept outside the repository, so that neither `edugroup-dev up` nor the dev
//! stack runs a bus that every local process may use as any service.
//!
//! The file is a nats-server configuration (loopback, JetStream, the user): a server runs with
//! `nats-server -c <file> -p <port> -sd <store>`, a client reads the user and password from it.
//! `edugroup-dev up` and deploy/dev-stack.sh both make it when it is missing — whichever comes
//! first — in the same format, and the test kit reads it.

use std::fs::{DirBuilder, OpenOptions};
use std::io::{ErrorKind, Read as _, Write as _};
use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};

use anyhow::Context as _;

use crate::BusConfig;

/// Overrides where the development bus keeps its state (the credentials, `up`'s JetStream
/// store).
pub const STATE_DIR_VAR: &str = "EDUGROUP_DEV_STATE_DIR";
/// The credentials file in the state directory.
pub const CREDENTIALS_FILE: &str = "nats-credentials.conf";
/// The one user of the development bus.
pub const USER: &str = "edugroup";
/// Random bytes in a password (printed as hex): 192 bits.
const PASSWORD_BYTES: usize = 24;

/// The state directory of the development bus: `explicit` (`EDUGROUP_DEV_STATE_DIR`), else
/// `$XDG_STATE_HOME/edugroup`, else `$HOME/.local/state/edugroup` — for root too, so the
/// dev stack and `up` of one user agree.
pub fn state_dir(explicit: Option<&Path>) -> anyhow::Result<PathBuf> {
    if let Some(dir) = explicit {
        return Ok(dir.to_owned());
    }
    // the XDG spec ignores a relative XDG_STATE_HOME
    if let Some(xdg) = std::env::var_os("XDG_STATE_HOME").map(PathBuf::from)
        && xdg.is_absolute()
    {
        return Ok(xdg.join("edugroup"));
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .filter(|h| h.is_absolute())
        .with_context(|| {
            format!("HOME is not set: set {STATE_DIR_VAR} to a directory for the development bus's state")
        })?;
    Ok(home.join(".local/state/edugroup"))
}

/// The state directory the test kit and scripts use: `EDUGROUP_DEV_STATE_DIR` or the default.
pub fn state_dir_from_env() -> anyhow::Result<PathBuf> {
    state_dir(
        std::env::var_os(STATE_DIR_VAR)
            .map(PathBuf::from)
            .as_deref(),
    )
}

/// The development bus's user and password, and the file they are kept in.
#[derive(Clone)]
pub struct DevCredentials {
    path: PathBuf,
    user: String,
    password: String,
}

impl std::fmt::Debug for DevCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DevCredentials")
            .field("path", &self.path)
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

impl DevCredentials {
    /// The credentials in `dir`, made first (directory 0700, file 0600) when there are none.
    pub fn load_or_create(dir: &Path) -> anyhow::Result<Self> {
        if let Some(found) = Self::load(dir)? {
            return Ok(found);
        }
        create(dir)?;
        Self::load(dir)?.with_context(|| {
            format!(
                "{} vanished right after it was made",
                dir.join(CREDENTIALS_FILE).display()
            )
        })
    }

    /// The credentials in `dir`, if any were made. Refuses a file other users may read.
    pub fn load(dir: &Path) -> anyhow::Result<Option<Self>> {
        let path = dir.join(CREDENTIALS_FILE);
        let mut file = match std::fs::File::open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
        };
        let mode = file
            .metadata()
            .with_context(|| format!("reading {}", path.display()))?
            .permissions()
            .mode();
        anyhow::ensure!(
            mode & 0o077 == 0,
            "{} holds the development bus's password but other users may read it (mode {:o}): run `chmod 600 {}`  开发消息总线的凭据文件可被其他用户读取,请执行 chmod 600",
            path.display(),
            mode & 0o777,
            path.display()
        );
        let mut text = String::new();
        file.read_to_string(&mut text)
            .with_context(|| format!("reading {}", path.display()))?;
        let (user, password) = parse(&text).with_context(|| {
            format!(
                "{} is not a credentials file edugroup made (no plain `user:` and `password:`): remove it to make a new one",
                path.display()
            )
        })?;
        Ok(Some(Self {
            path,
            user,
            password,
        }))
    }

    /// The file they are kept in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn user(&self) -> &str {
        &self.user
    }

    pub fn password(&self) -> &str {
        &self.password
    }

    /// Logs `config` in with these credentials.
    pub fn apply(&self, config: &mut BusConfig) {
        config.credentials = Some((self.user.clone(), self.password.clone()));
    }
}

/// The file's text; deploy/dev-stack.sh (`ensure_dev_credentials`) writes the same.
fn render(password: &str) -> String {
    format!(
        "# The development NATS bus of edugroup: its one user and password, made once for this\n\
         # installation by `edugroup-dev up` or deploy/dev-stack.sh. Keep it private (mode 0600).\n\
         # A server: nats-server -c <this file> -p <port> -sd <store dir>\n\
         host: 127.0.0.1\n\
         jetstream: enabled\n\
         authorization {{\n  user: {USER}\n  password: \"{password}\"\n}}\n"
    )
}

/// `user:` and `password:` of an `authorization` block; plain words only, so no quoting
/// rule of the NATS config format can make the client and the server read them differently.
fn parse(text: &str) -> Option<(String, String)> {
    let mut user = None;
    let mut password = None;
    for line in text.lines().map(str::trim) {
        if let Some(v) = line.strip_prefix("user:") {
            user = Some(word(v)?);
        } else if let Some(v) = line.strip_prefix("password:") {
            password = Some(word(v)?);
        }
    }
    Some((user?, password?))
}

fn word(value: &str) -> Option<String> {
    let value = value.trim();
    let value = value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(value);
    let plain = !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    plain.then(|| value.to_owned())
}

/// Writes a new credentials file without ever showing a half-written one: a private temporary
/// file, linked to its name only if no other process made one meanwhile (then theirs stays).
fn create(dir: &Path) -> anyhow::Result<()> {
    DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .with_context(|| format!("creating {}", dir.display()))?;
    let path = dir.join(CREDENTIALS_FILE);
    let temporary = dir.join(format!(".{CREDENTIALS_FILE}.{}", std::process::id()));
    let _ = std::fs::remove_file(&temporary);
    let written = (|| {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&temporary)?;
        file.write_all(render(&random_password()?).as_bytes())?;
        file.sync_all()?;
        match std::fs::hard_link(&temporary, &path) {
            Err(e) if e.kind() != ErrorKind::AlreadyExists => Err(e),
            _ => Ok(()),
        }
    })();
    let _ = std::fs::remove_file(&temporary);
    written.with_context(|| format!("writing {}", path.display()))
}

fn random_password() -> std::io::Result<String> {
    let mut bytes = [0u8; PASSWORD_BYTES];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

    use super::*;

    struct Scratch(PathBuf);

    impl Scratch {
        fn new() -> Self {
            let id = uuid::Uuid::now_v7().simple().to_string();
            Self(std::env::temp_dir().join(format!("edu-bus-dev-{id}")))
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn credentials_are_made_once_private_and_random() {
        let scratch = Scratch::new();
        let dir = scratch.0.join("state");
        assert!(DevCredentials::load(&dir).unwrap().is_none());
        let first = DevCredentials::load_or_create(&dir).unwrap();
        assert_eq!(first.user(), USER);
        assert_eq!(first.password().len(), PASSWORD_BYTES * 2);
        let again = DevCredentials::load_or_create(&dir).unwrap();
        assert_eq!(again.password(), first.password(), "made once, then kept");
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(first.path()), 0o600);
        assert_eq!(mode(&dir), 0o700);
        assert!(!format!("{first:?}").contains(first.password()));

        let elsewhere = Scratch::new();
        let other = DevCredentials::load_or_create(&elsewhere.0).unwrap();
        assert_ne!(other.password(), first.password());
    }

    #[test]
    fn a_file_others_may_read_or_edugroup_did_not_make_is_refused() {
        let scratch = Scratch::new();
        let made = DevCredentials::load_or_create(&scratch.0).unwrap();
        std::fs::set_permissions(made.path(), std::fs::Permissions::from_mode(0o644)).unwrap();
        let refused = DevCredentials::load(&scratch.0).unwrap_err().to_string();
        assert!(refused.contains("chmod 600"), "{refused}");

        std::fs::set_permissions(made.path(), std::fs::Permissions::from_mode(0o600)).unwrap();
        std::fs::write(
            made.path(),
            "authorization { user: a, password: $FROM_ENV }\n",
        )
        .unwrap();
        let refused = DevCredentials::load(&scratch.0).unwrap_err().to_string();
        assert!(refused.contains("remove it"), "{refused}");
    }

    #[test]
    fn the_state_dir_follows_the_override_then_xdg_then_home() {
        assert_eq!(
            state_dir(Some(Path::new("/srv/edu"))).unwrap(),
            Path::new("/srv/edu")
        );
        let default = state_dir(None).unwrap();
        assert!(default.ends_with("edugroup"), "{}", default.display());
        assert!(default.is_absolute());
    }

    #[test]
    fn the_file_parses_as_written() {
        let text = render("0123abcd");
        assert_eq!(parse(&text), Some((USER.to_owned(), "0123abcd".to_owned())));
        assert_eq!(parse("user: a\n"), None);
        assert_eq!(parse("user: a\npassword: \"b c\"\n"), None);
    }
}
