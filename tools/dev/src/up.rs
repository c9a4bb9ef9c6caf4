//! `edugroup-dev up`: every service and the lead-school API in one process, with the demo
//! county and a token per role, on a bus of its own; prints where to look.

use std::path::Path;
use std::time::Duration;

use anyhow::Context as _;
use edu_auth::{Minter, TokenRequest};
use edu_domain::{RegionCode, Role};
use edu_lead_api::{AuditSigner, DevToken};
use edugroup::config::{INSECURE_BUS_WARNING, Profile, Settings};
use edugroup::system::{
    connect_bus, ensure_database, lead_api_state, run_backend, shutdown_channel, stop_signal,
};

use crate::demo;
use crate::devbus::{DevBus, UpBus, up_bus};

/// Runs until Ctrl-C or SIGTERM; `dev_state_dir` is where its own bus keeps its state.
pub async fn up(
    settings: &Settings,
    dev_state_dir: Option<&Path>,
    with_demo: bool,
) -> anyhow::Result<()> {
    // Ctrl-C and SIGTERM from here on stop `up` cleanly, even while it starts: killed halfway
    // by a signal's default action, it would leave its own nats-server running.
    let mut stop_requested = std::pin::pin!(stop_signal());
    // the development secret off loopback stops here, before anything starts
    let auth = settings.auth(Profile::Development)?;
    let signer = settings.audit_signer(Profile::Development)?;
    let dev_signer = signer.as_ref().is_some_and(AuditSigner::is_development);
    let up_bus = up_bus(settings, dev_state_dir)?;
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
        let running = run_backend(
            &bus,
            |schema| settings.db(schema),
            settings.catalogue(),
            &stopped,
        )
        .await?;
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
