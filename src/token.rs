//! `token`: mints a bearer token for a role, signed with the HS256 secret the settings give
//! under a profile's rules — so `edugroup token` mints only tokens a deployment accepts, and
//! the development tool the ones signed with the public development secret.

use std::time::Duration;

use clap::Args;
use edu_auth::{Minter, TokenRequest};
use edu_domain::{RegionCode, Role, SchoolId};

use crate::config::{Profile, Settings};

/// Who a token speaks for and how long it lives (its county is given beside it).
#[derive(Debug, Clone, Args)]
pub struct TokenClaims {
    /// bureau, lead_admin, member_admin, teacher or auditor.
    #[arg(long, value_parser = parse_role)]
    pub role: Role,
    /// The school a lead_admin, member_admin or teacher acts for.
    #[arg(long)]
    pub school: Option<SchoolId>,
    /// Who the token speaks for; a teacher's is their 工号 in the school's roster.
    #[arg(long, default_value = "dev")]
    pub sub: String,
    #[arg(long, default_value = "")]
    pub name: String,
    /// Validity in hours.
    #[arg(long, default_value_t = 12)]
    pub hours: u64,
}

fn parse_role(s: &str) -> Result<Role, String> {
    s.parse()
}

impl TokenClaims {
    /// The token of these claims in county `region`, refused when the settings are unsafe
    /// under `profile` (outside development: the public development secret, a short secret,
    /// no secret at all).
    pub fn mint(
        &self,
        settings: &Settings,
        profile: Profile,
        region: &str,
    ) -> anyhow::Result<String> {
        let request = TokenRequest {
            sub: self.sub.clone(),
            name: self.name.clone(),
            role: self.role,
            region: RegionCode::parse(region).map_err(|p| anyhow::anyhow!(p.message))?,
            school_id: self.school,
            ttl: Duration::from_secs(self.hours.saturating_mul(3600)),
        };
        Minter::new(&settings.auth(profile)?)?.mint(&request)
    }
}
