//! `edugroup`: the production binary of the school-group system.
//!
//! - `edugroup serve <service>` runs one service (start as many as you like: they share the
//!   load through NATS queue groups);
//! - `edugroup migrate` migrates every schema;
//! - `edugroup token` mints a token with the deployment's own HS256 secret;
//! - `edugroup openapi` prints the API's OpenAPI document;
//! - `edugroup audit verify` checks a county's audit trail.
//!
//! Running everything in one process with demo data is the development tool's job
//! (`edugroup-dev up`, tools/dev): this binary holds no demo data, mints no token with the
//! public development secret and starts no nats-server.

mod audit;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use edugroup::config::{self, INSECURE_BUS_WARNING, Profile, Settings};
use edugroup::system::{self, Service, connect_bus, ensure_database, lead_api_state};
use edugroup::token::TokenClaims;

#[derive(Parser)]
#[command(name = "edugroup", version, about = "集团化办学 school-group system")]
struct Cli {
    #[command(flatten)]
    settings: Settings,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run one service in this process (it refuses a NATS server without credentials unless
    /// told --insecure-bus).
    Serve { service: Service },
    /// Mint a token signed with the deployment's own HS256 secret (EDUGROUP_JWT_SECRET), one
    /// `serve` accepts; never with the public development secret.
    Token {
        /// County code (六位行政区划代码).
        #[arg(long)]
        region: String,
        #[command(flatten)]
        claims: TokenClaims,
    },
    /// Create the database if needed and migrate every service's schema.
    Migrate,
    /// Print the OpenAPI document of the lead-school API.
    Openapi,
    /// Check the audit trail: the hash chains of every write's record.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check a county's chain in every service's schema and name the first record that was
    /// altered, removed or reordered (exit code 1 if any).
    Verify {
        /// County code (六位行政区划代码), or `none` for the records of no county.
        #[arg(long, value_parser = audit::County::parse)]
        county: audit::County,
    },
    /// Check a downloaded export (GET /api/v1/regions/{code}/audit/export): its signature,
    /// then every chain in it (exit code 1 if either fails).
    VerifyExport {
        /// The export file (JSON Lines).
        file: std::path::PathBuf,
        /// The county's published key (base64, GET /api/v1/audit/public-key); without it the
        /// key the file names is used, and the output says so.
        #[arg(long)]
        public_key: Option<String>,
        /// An earlier export of the county the bureau kept: each chain must still hold its
        /// records unchanged (a chain rewritten whole in the database shows only this way).
        #[arg(long)]
        previous: Option<std::path::PathBuf>,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    config::check_environment()?;
    let cli = Cli::parse();
    let settings = cli.settings;
    match cli.command {
        Command::Serve { service } => {
            system::init_tracing("info");
            serve(&settings, service).await
        }
        Command::Token { region, claims } => {
            println!("{}", claims.mint(&settings, Profile::Production, &region)?);
            Ok(())
        }
        Command::Migrate => {
            system::init_tracing("info");
            ensure_database(&settings.database_url).await?;
            for service in Service::BACKEND {
                edu_db::migrate(&settings.db(service.schema()), service.migrations()).await?;
                println!("migrated schema {}", service.schema());
            }
            Ok(())
        }
        Command::Openapi => {
            println!("{}", edu_lead_api::openapi().to_pretty_json()?);
            Ok(())
        }
        Command::Audit { command } => match command {
            AuditCommand::Verify { county } => audit::verify(&settings, &county).await,
            AuditCommand::VerifyExport {
                file,
                public_key,
                previous,
            } => audit::verify_export(&file, public_key.as_deref(), previous.as_deref()),
        },
    }
}

async fn serve(settings: &Settings, service: Service) -> anyhow::Result<()> {
    // an unsafe token or signing configuration stops the API before it touches anything
    let api = match service {
        Service::LeadApi => Some((
            settings.auth(Profile::Production)?,
            settings.audit_signer(Profile::Production)?,
        )),
        _ => None,
    };
    // and so does a bus without credentials, unless asked for
    let bus_config = settings.bus()?;
    if !bus_config.logs_in() {
        tracing::warn!("{INSECURE_BUS_WARNING}");
    }
    let bus = connect_bus(bus_config, &format!("edugroup-{}", service.schema())).await?;
    if let Some((auth, signer)) = api {
        let state = lead_api_state(settings, &auth, signer, bus).await?;
        let (server, addrs) = edu_lead_api::serve(&settings.api(), state)?;
        tracing::info!(?addrs, "lead-api listening");
        return server.await.context("HTTP server");
    }
    ensure_database(&settings.database_url).await?;
    let host = service.start(&bus, settings).await?;
    tracing::info!(service = service.schema(), "serving");
    host.run_until(system::stop_signal()).await;
    Ok(())
}
