//! `edugroup`: the one binary that composes the school-group system.
//!
//! - `edugroup up` runs every service and the lead-school API in one process with demo data,
//!   on a nats-server of its own that lets in only the development credentials (`devbus`);
//! - `edugroup serve <service>` runs one service (start as many as you like: they share the
//!   load through NATS queue groups);
//! - `edugroup token` mints development tokens; `edugroup migrate` migrates every schema;
//! - `edugroup openapi` prints the API's OpenAPI document;
//! - `edugroup audit verify` checks a county's audit trail.

mod audit;
mod config;
mod demo;
mod devbus;

use std::time::Duration;

use anyhow::Context as _;
use clap::{Parser, Subcommand, ValueEnum};
use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
use edu_auth::{AuthConfig, Minter, TokenRequest, Verifier};
use edu_bus::Bus;
use edu_bus::server::ServiceHost;
use edu_domain::{RegionCode, Role, SchoolId};
use edu_lead_api::{AppState, AuditSigner, DevToken};
use tokio::sync::watch;

use crate::config::{INSECURE_BUS_WARNING, Profile, Settings, UpBus};
use crate::devbus::DevBus;

/// mimalloc instead of glibc's malloc: under load the services allocate and free small
/// buffers on many threads, and glibc's arenas spent about 5 % of the process's CPU on it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    /// Run every service and the API in one process, with demo data, on a NATS server of its
    /// own that requires the development credentials (or on EDUGROUP_NATS_URL); print where to
    /// look.
    Up {
        /// Don't create the demo county.
        #[arg(long)]
        no_demo: bool,
    },
    /// Run one service in this process (it refuses a NATS server without credentials unless
    /// told --insecure-bus).
    Serve { service: Service },
    /// Mint a development token (HS256, signed with EDUGROUP_JWT_SECRET).
    Token {
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// County code (六位行政区划代码).
        #[arg(long, default_value = demo::REGION)]
        region: String,
        /// The school a lead_admin, member_admin or teacher acts for.
        #[arg(long)]
        school: Option<SchoolId>,
        /// Who the token speaks for; a teacher's is their 工号 in the school's roster.
        #[arg(long, default_value = "dev")]
        sub: String,
        #[arg(long, default_value = "")]
        name: String,
        /// Validity in hours.
        #[arg(long, default_value_t = 12)]
        hours: u64,
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Service {
    Membership,
    Rotation,
    Catalogue,
    Council,
    Evaluation,
    LeadApi,
}

impl Service {
    const BACKEND: [Service; 5] = [
        Self::Membership,
        Self::Rotation,
        Self::Catalogue,
        Self::Council,
        Self::Evaluation,
    ];

    fn schema(self) -> &'static str {
        match self {
            Self::Membership => "membership",
            Self::Rotation => "rotation",
            Self::Catalogue => "catalogue",
            Self::Council => "council",
            Self::Evaluation => "evaluation",
            Self::LeadApi => "lead_api",
        }
    }

    fn migrations(self) -> &'static [edu_db::EmbeddedMigrations] {
        match self {
            Self::Membership => edu_membership::MIGRATIONS,
            Self::Rotation => edu_rotation::MIGRATIONS,
            Self::Catalogue => edu_catalogue::MIGRATIONS,
            Self::Council => edu_council::MIGRATIONS,
            Self::Evaluation => edu_evaluation::MIGRATIONS,
            Self::LeadApi => &[],
        }
    }

    async fn start(self, bus: &Bus, settings: &Settings) -> anyhow::Result<ServiceHost> {
        let db = settings.db(self.schema());
        match self {
            Self::Membership => edu_membership::start(bus, db).await,
            Self::Rotation => edu_rotation::start(bus, db).await,
            Self::Catalogue => edu_catalogue::start_with(bus, db, settings.catalogue()).await,
            Self::Council => edu_council::start(bus, db).await,
            Self::Evaluation => edu_evaluation::start(bus, db).await,
            Self::LeadApi => anyhow::bail!("the lead-api is not a bus service"),
        }
    }
}

fn parse_role(s: &str) -> Result<Role, String> {
    s.parse()
}

fn init_tracing(default: &str) {
    let filter =
        tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| default.into());
    tracing_subscriber::fmt().with_env_filter(filter).init();
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    config::check_environment()?;
    let cli = Cli::parse();
    let settings = cli.settings;
    match cli.command {
        Command::Up { no_demo } => {
            init_tracing("warn,edugroup=info");
            up(&settings, !no_demo).await
        }
        Command::Serve { service } => {
            init_tracing("info");
            serve(&settings, service).await
        }
        Command::Token {
            role,
            region,
            school,
            sub,
            name,
            hours,
        } => {
            let request = TokenRequest {
                sub,
                name,
                role,
                region: RegionCode::parse(&region).map_err(|p| anyhow::anyhow!(p.message))?,
                school_id: school,
                ttl: Duration::from_secs(hours * 3600),
            };
            println!(
                "{}",
                Minter::new(&settings.auth(Profile::Development)?)?.mint(&request)?
            );
            Ok(())
        }
        Command::Migrate => {
            init_tracing("info");
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

/// Listens for Ctrl-C and SIGTERM from the moment it is called (not from its first poll);
/// resolves at the first of them.
fn stop_signal() -> impl Future<Output = ()> {
    use tokio::signal::unix::{SignalKind, signal};
    let interrupt = signal(SignalKind::interrupt());
    let terminate = signal(SignalKind::terminate());
    async move {
        let (Ok(mut interrupt), Ok(mut terminate)) = (interrupt, terminate) else {
            // no handlers: the signals keep their default action and end the process
            return std::future::pending().await;
        };
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
    }
}

fn shutdown_channel() -> (
    watch::Sender<bool>,
    impl Fn() -> std::pin::Pin<Box<dyn Future<Output = ()> + Send>>,
) {
    let (tx, rx) = watch::channel(false);
    let wait = move || {
        let mut rx = rx.clone();
        Box::pin(async move {
            let _ = rx.wait_for(|stop| *stop).await;
        }) as std::pin::Pin<Box<dyn Future<Output = ()> + Send>>
    };
    (tx, wait)
}

async fn connect_bus(config: edu_bus::BusConfig, name: &str) -> anyhow::Result<Bus> {
    let bus = Bus::connect(config, name).await?;
    bus.ensure_stream().await?;
    Ok(bus)
}

async fn lead_api_state(
    settings: &Settings,
    auth: &AuthConfig,
    signer: Option<AuditSigner>,
    bus: Bus,
) -> anyhow::Result<AppState> {
    let verifier = Verifier::new(auth).await?;
    match &signer {
        Some(signer) => {
            tracing::info!(public_key = %signer.public_key(), development = signer.is_development(), "audit exports are signed")
        }
        None => tracing::warn!(
            "EDUGROUP_AUDIT_SIGNING_KEY is not set: audit exports answer 503 audit_signing_unconfigured"
        ),
    }
    Ok(AppState::new(bus, verifier)
        .await?
        .with_max_in_flight(settings.http_max_in_flight)
        .with_hsts(settings.hsts)
        .with_rate_limits(settings.rate_limits())
        .with_audit_signer(signer))
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
    host.run_until(stop_signal()).await;
    Ok(())
}

async fn up(settings: &Settings, with_demo: bool) -> anyhow::Result<()> {
    // Ctrl-C and SIGTERM from here on stop `up` cleanly, even while it starts: killed halfway
    // by a signal's default action, it would leave its own nats-server running.
    let mut stop_requested = std::pin::pin!(stop_signal());
    // the development secret off loopback stops here, before anything starts
    let auth = settings.auth(Profile::Development)?;
    let signer = settings.audit_signer(Profile::Development)?;
    let dev_signer = signer.as_ref().is_some_and(AuditSigner::is_development);
    let up_bus = settings.up_bus()?;
    // declared before everything that uses the bus, so it is dropped (stopped) after them
    let mut own_bus = None;
    let start = async {
        ensure_database(&settings.database_url).await?;
        let bus_config = match up_bus {
            UpBus::Own { state_dir } => own_bus.insert(DevBus::start(&state_dir).await?).config(),
            UpBus::Given(config) => config,
        };
        let bus_line = bus_banner_line(own_bus.as_ref(), &bus_config);
        let bus = connect_bus(bus_config, "edugroup-up").await?;
        let (stop, stopped) = shutdown_channel();
        let mut running = Vec::new();
        for service in Service::BACKEND {
            let host = service
                .start(&bus, settings)
                .await
                .with_context(|| format!("starting {}", service.schema()))?;
            running.push(tokio::spawn(host.run_until(stopped())));
        }
        let demo = if with_demo {
            Some(
                demo::seed(&bus)
                    .await
                    .map_err(|p| anyhow::anyhow!("demo data: {p}"))?,
            )
        } else {
            None
        };
        let tokens = match &demo {
            Some(demo) => demo_tokens(settings, demo)?,
            None => Vec::new(),
        };
        // The sign-in page offers the demo tokens only in development: the development secret
        // and no production identity provider.
        let offered = if settings.jwks.is_none() && settings.uses_dev_secret(Profile::Development) {
            tokens.clone()
        } else {
            Vec::new()
        };
        let state = lead_api_state(settings, &auth, signer, bus)
            .await?
            .with_dev_tokens(offered);
        let (server, addrs) = edu_lead_api::serve(&settings.api(), state)?;
        let base = addrs
            .first()
            .map(|a| format!("http://{a}"))
            .unwrap_or_default();
        print_banner(
            settings,
            &base,
            &bus_line,
            demo.as_ref(),
            &tokens,
            dev_signer,
        );
        anyhow::Ok((server, stop, running))
    };
    let (server, stop, running) = tokio::select! {
        started = start => started?,
        () = &mut stop_requested => return Ok(()),
    };
    let handle = server.handle();
    tokio::select! {
        served = server => served.context("HTTP server")?,
        () = &mut stop_requested => handle.stop(true).await,
    }
    let _ = stop.send(true);
    for task in running {
        let _ = task.await;
    }
    Ok(())
}

/// What `up`'s banner says of its bus: where it is and how it is logged in to.
fn bus_banner_line(own_bus: Option<&DevBus>, config: &edu_bus::BusConfig) -> String {
    match own_bus {
        Some(own) => format!(
            "{}  login required 需凭据登录 (user {}; credentials 凭据 {})",
            own.url(),
            edu_bus::dev::USER,
            own.credentials_path().display()
        ),
        None if config.logs_in() => {
            "EDUGROUP_NATS_URL, with the credentials given 使用所给凭据".to_owned()
        }
        None => {
            tracing::warn!("{INSECURE_BUS_WARNING}");
            format!("EDUGROUP_NATS_URL — {INSECURE_BUS_WARNING}")
        }
    }
}

/// How long the demo tokens last: 7 days, or the longest a token may live when that is less.
fn demo_token_ttl(settings: &Settings) -> anyhow::Result<Duration> {
    Ok(DEMO_TOKEN_TTL.min(settings.auth(Profile::Development)?.max_lifetime))
}
const DEMO_TOKEN_TTL: Duration = Duration::from_secs(7 * 24 * 3600);

/// A token per demo role, for the banner and the console's sign-in page.
fn demo_tokens(settings: &Settings, demo: &demo::Demo) -> anyhow::Result<Vec<DevToken>> {
    let minter = Minter::new(&settings.auth(Profile::Development)?)?;
    let ttl = demo_token_ttl(settings)?;
    let region = RegionCode::parse(demo::REGION).map_err(|p| anyhow::anyhow!(p.message))?;
    let member = demo.alliance.active_school_ids.get(1).copied();
    let roles = [
        (Role::Bureau, None, "太康县教育局"),
        (
            Role::LeadAdmin,
            Some(demo.alliance.lead_school_id),
            "一初中集团办公室",
        ),
        (Role::MemberAdmin, member, "二初中"),
        (
            Role::Teacher,
            Some(demo.teacher.school_id),
            demo.teacher.name.as_str(),
        ),
        (Role::Auditor, None, "审计"),
    ];
    roles
        .into_iter()
        .map(|(role, school, name)| {
            // a teacher's token names their roster row: its subject is the 工号
            let sub = match role {
                Role::Teacher => demo.teacher.staff_no.clone(),
                _ => format!("demo-{}", role.as_str()),
            };
            let token = minter.mint(&TokenRequest {
                sub,
                name: name.to_owned(),
                role,
                region: region.clone(),
                school_id: school,
                ttl,
            })?;
            Ok(DevToken {
                role: role.as_str().to_owned(),
                name: name.to_owned(),
                token,
            })
        })
        .collect()
}

fn print_banner(
    settings: &Settings,
    base: &str,
    bus: &str,
    demo: Option<&demo::Demo>,
    tokens: &[DevToken],
    dev_signer: bool,
) {
    println!();
    println!("edugroup is up  集团化办学管理平台已启动");
    println!("  console  控制台   {base}/");
    println!("  API docs 接口文档 {base}/docs/");
    println!("  OpenAPI           {base}/api-docs/openapi.json");
    println!("  readiness         {base}/readyz");
    println!("  bus      消息总线 {bus}");
    if settings.uses_dev_secret(Profile::Development) {
        println!(
            "  (the public development JWT secret is in use, on {} only; `serve` refuses it: set EDUGROUP_JWT_SECRET or EDUGROUP_JWKS in production)",
            settings.bind
        );
    }
    if dev_signer {
        println!(
            "  (audit exports are signed with the public development key, which proves nothing; `serve` refuses it: set EDUGROUP_AUDIT_SIGNING_KEY in production)"
        );
    }
    if let Some(demo) = demo {
        println!();
        println!("demo county 演示数据: region {}; groups:", demo::REGION);
        for g in [&demo.alliance, &demo.tight] {
            println!(
                "  {}  {} ({}), {} of {} members",
                g.id,
                g.name,
                g.model.name_zh(),
                g.active_members,
                g.effective_cap
            );
        }
        println!(
            "  {} junior schools are not in a group yet (GET {base}/api/v1/schools)",
            demo.free_junior_schools
        );
        println!();
        let hours = demo_token_ttl(settings).map_or(0, |ttl| ttl.as_secs() / 3600);
        println!(
            "tokens (valid {hours} hours; in development the console's sign-in page offers them) 令牌:"
        );
        for t in tokens {
            println!("  {:<13} {}", t.role, t.token);
        }
        println!();
        println!("try: curl -H \"Authorization: Bearer <bureau token>\" {base}/api/v1/groups");
    }
}

/// Creates the system's database when it does not exist yet.
async fn ensure_database(url: &str) -> anyhow::Result<()> {
    let (server, name) = url
        .rsplit_once('/')
        .context("EDUGROUP_DATABASE_URL has no database name")?;
    let name = name.split('?').next().unwrap_or(name);
    anyhow::ensure!(
        !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'),
        "database name {name:?} must be a plain identifier"
    );
    if AsyncPgConnection::establish(url).await.is_ok() {
        return Ok(());
    }
    let mut admin = AsyncPgConnection::establish(&format!("{server}/postgres"))
        .await
        .context("connecting to PostgreSQL (is it running? see deploy/dev-stack.sh)")?;
    if let Err(e) = admin
        .batch_execute(&format!("CREATE DATABASE \"{name}\""))
        .await
    {
        // Another process may have created it meanwhile.
        AsyncPgConnection::establish(url)
            .await
            .map_err(|_| e)
            .context("creating the database")?;
    }
    Ok(())
}
