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

/// Every schema the document refers to is in it: a type named only in a query's parameters is
/// not collected by itself, and a client (or the fuzz) then cannot read the operation.
#[test]
fn every_schema_reference_resolves() {
    let document = serde_json::to_value(edu_lead_api::openapi()).unwrap();
    let schemas = document["components"]["schemas"].as_object().unwrap();
    let mut unresolved = Vec::new();
    let mut stack = vec![&document];
    while let Some(node) = stack.pop() {
        match node {
            serde_json::Value::Object(map) => {
                if let Some(reference) = map.get("$ref").and_then(|r| r.as_str())
                    && let Some(name) = reference.strip_prefix("#/components/schemas/")
                    && !schemas.contains_key(name)
                {
                    unresolved.push(name.to_owned());
                }
                stack.extend(map.values());
            }
            serde_json::Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
    unresolved.sort();
    unresolved.dedup();
    assert!(unresolved.is_empty(), "unresolved schemas: {unresolved:?}");
}
