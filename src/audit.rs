//! `edugroup audit …`: checks of the audit trail (SECURITY.md, "Audit trail"). A county's
//! trail is one hash chain in each service's schema; `verify` recomputes each of them from
//! the database and names the first record that is not as it was written; `verify-export`
//! does the same with a signed export the bureau downloaded, after its signature.

use std::path::Path;

use anyhow::Context as _;
use edu_contracts::audit::{ChainBreak, ChainReport};
use edu_domain::RegionCode;
use edu_lead_api::audit_export;

use edugroup::config::Settings;
use edugroup::system::Service;

/// The chain asked for: a county, or the records of no county (`none`).
#[derive(Debug, Clone)]
pub struct County(Option<RegionCode>);

impl County {
    pub fn parse(s: &str) -> Result<Self, String> {
        if s == "none" {
            return Ok(Self(None));
        }
        RegionCode::parse(s)
            .map(|r| Self(Some(r)))
            .map_err(|p| format!("{} / {}", p.message, p.message_zh))
    }

    fn code(&self) -> Option<&str> {
        self.0.as_ref().map(RegionCode::as_str)
    }

    fn title(&self) -> String {
        match &self.0 {
            Some(r) => format!("{} {}", r.as_str(), r.name_zh()),
            None => "none (records of no county 无所属县的记录)".to_owned(),
        }
    }
}

/// One line of the report per service: OK with the count and head, or the first break.
pub fn report_line(service: &str, report: &ChainReport) -> String {
    match (&report.broken, &report.head) {
        (None, Some(head)) => format!(
            "  {service:<11} OK 完好   {} records 条记录, head 链头 #{} {}",
            report.count, head.seq, head.hash
        ),
        (None, None) => format!("  {service:<11} OK 完好   no records 无记录"),
        (Some(b), _) => format!("  {service:<11} BROKEN 已破坏  {}", describe(b)),
    }
}

/// The break, naming the record in both languages.
pub fn describe(b: &ChainBreak) -> String {
    let event = match (&b.event_id, &b.event_type) {
        (Some(id), Some(kind)) => format!(" (event 事件 {id}, {kind})"),
        _ => String::new(),
    };
    format!(
        "record 第 {} 条{event}: {} {} — {} / {}",
        b.seq,
        b.kind.as_str(),
        b.kind.name_zh(),
        b.detail,
        b.detail_zh
    )
}

/// `edugroup audit verify --county …`: every service's chain of the county, from the
/// database. Fails (exit code 1) when any chain is broken.
pub async fn verify(settings: &Settings, county: &County) -> anyhow::Result<()> {
    println!(
        "audit trail check 审计链校验 — county 县: {}",
        county.title()
    );
    let mut broken = Vec::new();
    for service in Service::BACKEND {
        let schema = service.schema();
        let mut conn = edu_db::connect(&settings.db(schema)).await?;
        let report = edu_bus::audit::verify(&mut conn, county.code())
            .await
            .with_context(|| {
                format!("reading the audit trail of schema {schema} (is it migrated? `edugroup migrate`)")
            })?;
        println!("{}", report_line(schema, &report));
        if report.broken.is_some() {
            broken.push(schema);
        }
    }
    anyhow::ensure!(
        broken.is_empty(),
        "the audit trail is broken in {} 审计链已被破坏: {}",
        broken.len(),
        broken.join(", ")
    );
    Ok(())
}

/// A downloaded export, its signature and chains checked (against `earlier`, when given).
fn read_export(
    path: &Path,
    public_key: Option<&str>,
    earlier: Option<&audit_export::ExportReport>,
) -> anyhow::Result<audit_export::ExportReport> {
    let bytes =
        std::fs::read(path).with_context(|| format!("reading the export {}", path.display()))?;
    audit_export::verify(&bytes, public_key, earlier).map_err(|e| {
        anyhow::anyhow!(
            "the export {} does not verify 导出文件校验未通过: {e}",
            path.display()
        )
    })
}

/// `edugroup audit verify-export <file>`: a downloaded export's signature (with the key
/// the county published, when given), then every chain in it, and with `previous` (an
/// earlier export the bureau kept) that no chain was rewritten since. Fails (exit code 1)
/// when the file is not what the system signed or a chain in it is broken or rewritten.
pub fn verify_export(
    path: &Path,
    public_key: Option<&str>,
    previous: Option<&Path>,
) -> anyhow::Result<()> {
    let earlier = previous
        .map(|p| read_export(p, public_key, None))
        .transpose()?;
    let report = read_export(path, public_key, earlier.as_ref())?;
    let h = &report.header;
    println!(
        "audit export check 审计导出校验 — county 县: {} {}, exported 导出于 {} by {}",
        h.county, h.county_name, h.exported_at, h.exported_by
    );
    println!(
        "  signature 签名  OK  Ed25519, key 公钥 {}",
        report.public_key
    );
    if !report.key_pinned {
        println!(
            "  (checked with the key the file names: compare it with GET /api/v1/audit/public-key, or give --public-key 未指定公钥:请与系统公布的公钥核对)"
        );
    }
    if audit_export::is_development_key(&report.public_key) {
        println!(
            "  (signed with the public development key: the signature proves nothing 使用公开的开发密钥签名,签名不具证明力)"
        );
    }
    let mut broken = Vec::new();
    for (service, chain) in &report.chains {
        println!("{}", report_line(service, chain));
        if chain.broken.is_some() {
            broken.push(service.as_str());
        }
    }
    if let Some(earlier) = &earlier {
        println!(
            "against the earlier export 对照先前导出 ({}):",
            earlier.header.exported_at
        );
        for (service, changed) in &report.since_earlier {
            match changed {
                None => {
                    println!("  {service:<11} OK 一致   its records are all still here, unchanged")
                }
                Some(b) => {
                    println!("  {service:<11} REWRITTEN 已被改写  {}", describe(b));
                    broken.push(service.as_str());
                }
            }
        }
    }
    anyhow::ensure!(
        broken.is_empty(),
        "the exported audit trail is broken in {} 导出的审计链已被破坏: {}",
        broken.len(),
        broken.join(", ")
    );
    Ok(())
}
