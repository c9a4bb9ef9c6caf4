//! The county's audit trail over HTTP: its bureau (and auditors) download a signed export
//! of every service's chain that verifies with the published key; nobody else of the county
//! and no other county's bureau gets it; a changed, cut or re-signed export fails the check.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod common;

use actix_web::http::{StatusCode, header};
use actix_web::test;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use common::{OTHER_REGION, REGION, assert_refusal, audit_signer, env, env_with};
use edu_contracts::audit::{BreakKind, Hash};
use edu_domain::{Role, SchoolId};
use edu_lead_api::AuditSigner;
use edu_lead_api::audit_export::{self, ExportError};
use serde_json::Value;

async fn download(env: &common::Env, token: &str, region: &str) -> (StatusCode, Vec<u8>, String) {
    let req = test::TestRequest::get()
        .uri(&format!("/api/v1/regions/{region}/audit/export"))
        .insert_header(("Authorization", format!("Bearer {token}")));
    let (status, headers, body) = env.call(req).await;
    let kind = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, body.to_vec(), kind)
}

/// A county with a group and a member: events of the county in membership's chain.
async fn county_with_a_group(env: &common::Env) -> String {
    let lead = env.school("审计一中", "junior", REGION).await;
    let member = env.school("审计二中", "junior", REGION).await;
    let group = env.group("审计一中教育集团", "alliance", &lead).await;
    let (status, body) = env.admit(&env.bureau(), &group, &member).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    group
}

#[actix_web::test]
async fn the_bureau_downloads_a_signed_export_that_verifies() {
    let env = env().await;
    let group = county_with_a_group(&env).await;

    let (status, key) = env.get(&env.bureau(), "/audit/public-key").await;
    assert_eq!(status, StatusCode::OK, "{key}");
    let key = key["public_key"].as_str().unwrap().to_owned();
    assert_eq!(key, audit_signer().public_key());

    let (status, export, kind) = download(&env, &env.bureau(), REGION).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&export)
    );
    assert_eq!(kind, "application/x-ndjson");
    let report = audit_export::verify(&export, Some(&key), None).unwrap();
    assert_eq!(report.header.county.as_str(), REGION);
    assert_eq!(report.header.county_name, "太康县");
    assert!(report.key_pinned && !report.header.development_key);
    let services: Vec<&str> = report.chains.iter().map(|(s, _)| s.as_str()).collect();
    assert_eq!(
        services,
        [
            "membership",
            "rotation",
            "catalogue",
            "council",
            "evaluation"
        ]
    );
    assert!(report.chains.iter().all(|(_, c)| c.broken.is_none()));
    let (_, membership) = &report.chains[0];
    // the group formed and its member admitted, both by this county's bureau
    assert!(membership.count >= 2, "{membership:?}");
    let text = String::from_utf8(export.clone()).unwrap();
    assert!(
        text.contains(&group),
        "the group's events are in the export"
    );

    // the county's auditors read it too
    let auditor = env.token(Role::Auditor, REGION, None);
    let (status, by_auditor, _) = download(&env, &auditor, REGION).await;
    assert_eq!(status, StatusCode::OK);
    assert!(audit_export::verify(&by_auditor, Some(&key), None).is_ok());

    // another county's bureau gets its own county's trail, never this one's
    let other = env.token(Role::Bureau, OTHER_REGION, None);
    let (status, body) = env
        .get(&other, &format!("/regions/{REGION}/audit/export"))
        .await;
    assert_refusal(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, theirs, _) = download(&env, &other, OTHER_REGION).await;
    assert_eq!(status, StatusCode::OK);
    let theirs = audit_export::verify(&theirs, Some(&key), None).unwrap();
    assert!(theirs.chains.iter().all(|(_, c)| c.count == 0));

    // nobody of a school reads the county's trail
    let lead = env.token(Role::LeadAdmin, REGION, Some(SchoolId::new()));
    let (status, body) = env
        .get(&lead, &format!("/regions/{REGION}/audit/export"))
        .await;
    assert_refusal(status, &body, StatusCode::FORBIDDEN, "forbidden");
}

/// The export's lines before its signature, with membership's first record changed.
fn with_first_record_changed(lines: &[&str]) -> Vec<u8> {
    let mut out = Vec::new();
    for line in &lines[..lines.len() - 1] {
        let mut value: Value = serde_json::from_str(line).unwrap();
        if value["kind"] == "record" && value["seq"] == 1 && value["service"] == "membership" {
            let content = value["content"]
                .as_str()
                .unwrap()
                .replace("bureau", "nobody");
            value["content"] = Value::String(content);
        }
        out.extend(serde_json::to_vec(&value).unwrap());
        out.push(b'\n');
    }
    out
}

#[actix_web::test]
async fn a_changed_cut_or_re_signed_export_fails_the_check() {
    let env = env().await;
    county_with_a_group(&env).await;
    let (status, export, _) = download(&env, &env.bureau(), REGION).await;
    assert_eq!(status, StatusCode::OK);
    let key = audit_signer().public_key();
    assert!(audit_export::verify(&export, Some(&key), None).is_ok());
    let text = String::from_utf8(export).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let signature = lines[lines.len() - 1];

    // a record changed under the original signature line
    let mut changed = with_first_record_changed(&lines);
    assert_ne!(changed, text.as_bytes()[..changed.len()]);
    changed.extend(signature.as_bytes());
    changed.push(b'\n');
    assert!(matches!(
        audit_export::verify(&changed, Some(&key), None),
        Err(ExportError::Changed { .. })
    ));
    // a record dropped
    let record = lines
        .iter()
        .position(|l| l.contains(r#""kind":"record""#))
        .unwrap();
    let mut dropped = lines.clone();
    dropped.remove(record);
    let dropped = dropped.join("\n") + "\n";
    assert!(matches!(
        audit_export::verify(dropped.as_bytes(), Some(&key), None),
        Err(ExportError::Changed { .. })
    ));
    // cut off before its signature
    let cut = lines[..lines.len() - 1].join("\n") + "\n";
    assert_eq!(
        audit_export::verify(cut.as_bytes(), Some(&key), None).unwrap_err(),
        ExportError::Unsigned
    );
    // the signature itself changed
    let mut sig: Value = serde_json::from_str(signature).unwrap();
    let mut bytes = BASE64.decode(sig["signature"].as_str().unwrap()).unwrap();
    bytes[0] ^= 1;
    sig["signature"] = Value::String(BASE64.encode(bytes));
    let mut bad = cut.clone().into_bytes();
    bad.extend(serde_json::to_vec(&sig).unwrap());
    bad.push(b'\n');
    assert!(matches!(
        audit_export::verify(&bad, Some(&key), None),
        Err(ExportError::BadSignature { .. })
    ));
    // changed and signed again with another key: refused against the county's key; with
    // the key the file names, the chain check still names the changed record
    let mut forged = with_first_record_changed(&lines);
    let digest = Hash::of(&forged);
    let resigned = audit_export::signature_line(&AuditSigner::development(), &digest);
    forged.extend(audit_export::line_bytes(&resigned).unwrap());
    assert!(matches!(
        audit_export::verify(&forged, Some(&key), None),
        Err(ExportError::OtherKey { .. })
    ));
    let unpinned = audit_export::verify(&forged, None, None).unwrap();
    assert!(!unpinned.key_pinned);
    let (service, membership) = &unpinned.chains[0];
    assert_eq!(service, "membership");
    let broken = membership.broken.as_ref().unwrap();
    assert_eq!((broken.kind, broken.seq), (BreakKind::Altered, 1));
}

#[actix_web::test]
async fn without_a_signing_key_the_export_is_refused_plainly() {
    let env = env_with(|state| state.with_audit_signer(None)).await;
    let (status, body) = env
        .get(&env.bureau(), &format!("/regions/{REGION}/audit/export"))
        .await;
    assert_refusal(
        status,
        &body,
        StatusCode::SERVICE_UNAVAILABLE,
        "audit_signing_unconfigured",
    );
    let (status, body) = env.get(&env.bureau(), "/audit/public-key").await;
    assert_refusal(
        status,
        &body,
        StatusCode::SERVICE_UNAVAILABLE,
        "audit_signing_unconfigured",
    );
}

#[actix_web::test]
async fn a_long_trail_is_exported_page_by_page() {
    let env = env().await;
    // more events than one page holds, written as one transaction of the council's
    env.db
        .execute(&format!(
            "INSERT INTO council.outbox (id, event_type, envelope) \
             SELECT id, 'meeting.held', json_build_object('id', id, 'type', 'meeting.held', \
                    'actor', json_build_object('sub', 'clerk', 'region', '{REGION}'), \
                    'payload', json_build_object('n', n)) \
               FROM (SELECT gen_random_uuid() AS id, n FROM generate_series(1, {}) n) e",
            2 * edu_contracts::audit::PAGE_LIMIT + 7
        ))
        .await
        .unwrap();
    let (status, export, _) = download(&env, &env.bureau(), REGION).await;
    assert_eq!(status, StatusCode::OK);
    let report = audit_export::verify(&export, Some(&audit_signer().public_key()), None).unwrap();
    let (service, council) = &report.chains[3];
    assert_eq!(service, "council");
    assert_eq!(
        council.count,
        2 * u64::from(edu_contracts::audit::PAGE_LIMIT) + 7
    );
    assert_eq!(council.broken, None);
}

#[actix_web::test]
async fn a_chain_rewritten_whole_since_an_earlier_export_shows_against_it() {
    let env = env().await;
    let group = county_with_a_group(&env).await;
    let key = audit_signer().public_key();
    let (_, first, _) = download(&env, &env.bureau(), REGION).await;
    let first = audit_export::verify(&first, Some(&key), None).unwrap();

    // the county goes on: a later export holds the earlier one's records unchanged
    let third = env.school("审计三中", "junior", REGION).await;
    let (status, body) = env.admit(&env.bureau(), &group, &third).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (_, second, _) = download(&env, &env.bureau(), REGION).await;
    let second = audit_export::verify(&second, Some(&key), Some(&first)).unwrap();
    assert_eq!(second.chains[0].1.count, first.chains[0].1.count + 1);
    assert!(!second.since_earlier.is_empty());
    assert!(second.since_earlier.iter().all(|(_, b)| b.is_none()));

    // someone who can write the tables rewrites membership's chain from its first record
    // on, every hash recomputed and the head moved: the chain itself checks out ...
    env.db
        .execute(&format!(
            "SET session_replication_role = replica; SET search_path = membership;
             UPDATE audit_records SET content = replace(content, 'bureau-{REGION}', 'nobody-{REGION}')
              WHERE chain = '{REGION}' AND seq = 1;
             DO $$ DECLARE r record; prev bytea := decode(repeat('00', 32), 'hex'); BEGIN
               FOR r IN SELECT seq, content FROM audit_records WHERE chain = '{REGION}' ORDER BY seq LOOP
                 UPDATE audit_records SET prev_hash = prev,
                        hash = sha256(prev || convert_to(r.content, 'UTF8'))
                  WHERE chain = '{REGION}' AND seq = r.seq RETURNING hash INTO prev;
               END LOOP;
               UPDATE audit_heads SET hash = prev WHERE chain = '{REGION}';
             END $$;"
        ))
        .await
        .unwrap();
    let (_, rewritten, _) = download(&env, &env.bureau(), REGION).await;
    let alone = audit_export::verify(&rewritten, Some(&key), None).unwrap();
    assert!(alone.chains.iter().all(|(_, c)| c.broken.is_none()));
    // ... but not against the export the bureau kept
    let against = audit_export::verify(&rewritten, Some(&key), Some(&second)).unwrap();
    let (service, changed) = &against.since_earlier[0];
    assert_eq!(service, "membership");
    let changed = changed.as_ref().unwrap();
    assert_eq!(changed.kind, BreakKind::Altered);
    assert_eq!(changed.seq, second.chains[0].1.head.unwrap().seq);
    // and an export of another county is no earlier export of this one
    let other = env.token(Role::Bureau, OTHER_REGION, None);
    let (_, theirs, _) = download(&env, &other, OTHER_REGION).await;
    assert!(matches!(
        audit_export::verify(&theirs, Some(&key), Some(&second)),
        Err(ExportError::OtherCounty { .. })
    ));
}
