//! `edugroup audit verify` as an operator runs it: the binary against a database the
//! membership service wrote to through its real write paths. An intact county passes; a
//! record changed in SQL behind the triggers' back is named, and the exit code says so.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

use std::process::Output;

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::Uuid as SqlUuid;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use edu_contracts::Actor;
use edu_contracts::membership::{
    Admission, AdmitMember, CreateGroup, CreateSchool, NewGroup, NewSchool,
};
use edu_domain::{GroupModel, RegionCode, Role, Stage};
use edu_testkit::{TestBus, TestDb};

const COUNTY: &str = "411627";

/// Runs the binary against the test's database.
async fn edugroup(db: &TestDb, args: &[&str]) -> Output {
    let url = db.url();
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_edugroup"))
            .args(&args)
            .env("EDUGROUP_DATABASE_URL", url)
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[derive(QueryableByName)]
struct Event {
    #[diesel(sql_type = SqlUuid)]
    event_id: uuid::Uuid,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_verify_names_the_record_changed_in_sql() {
    let db = TestDb::new().await.unwrap();
    let bus = TestBus::new().await.unwrap();
    let migrated = edugroup(&db, &["migrate"]).await;
    assert!(migrated.status.success(), "{migrated:?}");
    let host = edu_membership::start(&bus.bus, db.config("membership"))
        .await
        .unwrap();
    tokio::spawn(host.run_until(std::future::pending()));

    // a bureau forms a group and admits two members: three events of the county
    let region = RegionCode::parse(COUNTY).unwrap();
    let bureau = Actor {
        sub: "bureau-411627".into(),
        role: Some(Role::Bureau),
        region: Some(region.clone()),
        school_id: None,
    };
    let mut schools = Vec::new();
    for name in [
        "太康县第一初级中学",
        "太康县第二初级中学",
        "太康县第三初级中学",
    ] {
        let school = NewSchool {
            name: name.into(),
            stage: Stage::Junior,
            region: region.clone(),
            principal_name: "校长".into(),
            legal_person: name.into(),
        };
        schools.push(
            bus.bus
                .call::<CreateSchool>(&bureau, None, school)
                .await
                .unwrap(),
        );
    }
    let group = NewGroup {
        name: "太康县第一初级中学教育集团".into(),
        model: GroupModel::Alliance,
        lead_school_id: schools[0].id,
        plaque_date: NaiveDate::from_ymd_opt(2024, 9, 1).unwrap(),
        scale_cap: None,
        cap_exception_reason: None,
    };
    let group = bus
        .bus
        .call::<CreateGroup>(&bureau, None, group)
        .await
        .unwrap();
    for school in &schools[1..] {
        let admission = Admission {
            group_id: group.id,
            school_id: school.id,
        };
        bus.bus
            .call::<AdmitMember>(&bureau, None, admission)
            .await
            .unwrap();
    }

    let intact = edugroup(&db, &["audit", "verify", "--county", COUNTY]).await;
    let text = stdout(&intact);
    assert!(intact.status.success(), "{intact:?}");
    assert!(text.contains("太康县"), "{text}");
    assert!(
        text.lines()
            .any(|l| l.contains("membership") && l.contains("OK") && l.contains("3 records")),
        "{text}"
    );

    // the second record (the first admission) is changed in SQL, as a superuser can
    let mut conn = AsyncPgConnection::establish(&db.url()).await.unwrap();
    let second: Event = diesel::sql_query(
        "SELECT event_id FROM membership.audit_records WHERE chain = $1 AND seq = 2",
    )
    .bind::<diesel::sql_types::Text, _>(COUNTY)
    .get_result(&mut conn)
    .await
    .unwrap();
    TestDb::execute(
        &db,
        &format!(
            "SET session_replication_role = replica; \
         UPDATE membership.audit_records SET content = replace(content, 'bureau-411627', 'nobody') \
          WHERE chain = '{COUNTY}' AND seq = 2"
        ),
    )
    .await
    .unwrap();

    let broken = edugroup(&db, &["audit", "verify", "--county", COUNTY]).await;
    let text = stdout(&broken);
    assert!(!broken.status.success(), "{text}");
    let line = text
        .lines()
        .find(|l| l.contains("membership"))
        .unwrap_or_default();
    assert!(line.contains("BROKEN"), "{text}");
    assert!(line.contains("record 第 2 条"), "{text}");
    assert!(line.contains(&second.event_id.to_string()), "{text}");
    assert!(line.contains("altered"), "{text}");
    assert!(
        String::from_utf8_lossy(&broken.stderr).contains("审计链已被破坏"),
        "{broken:?}"
    );
    // another county's trail is untouched
    let other = edugroup(&db, &["audit", "verify", "--county", "411621"]).await;
    assert!(other.status.success(), "{other:?}");
}
