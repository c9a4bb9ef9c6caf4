//! `edugroup-dev`: the development tool of the school-group system, never part of the
//! production binary `edugroup`.
//!
//! - `edugroup-dev up` runs every service and the lead-school API in one process with the
//!   demo county (`demo`), written through the services' own operations, on a nats-server of
//!   its own that lets in only the development credentials (`devbus`), and prints a token
//!   per role;
//! - `edugroup-dev token` mints development tokens (the public development secret unless
//!   EDUGROUP_JWT_SECRET is set).

mod demo;
mod devbus;
mod up;

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use edugroup::config::{self, Profile, Settings};
use edugroup::token::TokenClaims;

#[derive(Parser)]
#[command(
    name = "edugroup-dev",
    version,
    about = "集团化办学 development tool: the whole system in one process with demo data, development tokens"
)]
struct Cli {
    #[command(flatten)]
    settings: Settings,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run every service and the API in one process, with demo data, on a NATS server of its
    /// own that requires the development credentials (or on EDUGROUP_NATS_URL); print where to
    /// look.
    Up {
        /// Don't create the demo county.
        #[arg(long)]
        no_demo: bool,
        /// Where `up` keeps its own bus: the development credentials (made once, mode 0600)
        /// and the JetStream store. Default: $XDG_STATE_HOME/edugroup, else
        /// ~/.local/state/edugroup.
        #[arg(long, env = edu_bus::dev::STATE_DIR_VAR)]
        dev_state_dir: Option<PathBuf>,
    },
    /// Mint a development token (HS256, signed with EDUGROUP_JWT_SECRET, else with the public
    /// development secret, which only `edugroup-dev up` accepts).
    Token {
        /// County code (六位行政区划代码).
        #[arg(long, default_value = demo::REGION)]
        region: String,
        #[command(flatten)]
        claims: TokenClaims,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    config::check_environment()?;
    let cli = Cli::parse();
    let settings = cli.settings;
    match cli.command {
        Command::Up {
            no_demo,
            dev_state_dir,
        } => {
            // (`edugroup` covers this tool's own logs too: a target matches by its prefix)
            edugroup::system::init_tracing("warn,edugroup=info");
            up::up(&settings, dev_state_dir.as_deref(), !no_demo).await
        }
        Command::Token { region, claims } => {
            println!("{}", claims.mint(&settings, Profile::Development, &region)?);
            Ok(())
        }
    }
}
