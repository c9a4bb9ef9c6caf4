//! The committed `openapi/openapi.json` is what the code generates. To change it on
//! purpose: `EDU_UPDATE_OPENAPI=1 cargo nextest run -p edu-lead-api openapi`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

use std::path::PathBuf;

#[test]
fn committed_openapi_matches_the_code() {
    let generated = edu_lead_api::openapi().to_pretty_json().unwrap() + "\n";
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../openapi/openapi.json");
    if std::env::var_os("EDU_UPDATE_OPENAPI").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "openapi/openapi.json is out of date with the code; regenerate it with \
         EDU_UPDATE_OPENAPI=1 cargo nextest run -p edu-lead-api openapi, review and commit it"
    );
}
