//! The audit trail on the real PostgreSQL: every event written through the outbox is a
//! record of its county's hash chain; the records refuse change; a row changed, deleted or
//! moved behind the triggers' back (as a superuser can) is named by the check; concurrent
//! writers of one county make one unbroken chain, and one county's lock holds up no other.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

use std::time::Duration;

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use diesel_async::{AsyncConnection, RunQueryDsl, SimpleAsyncConnection};
use edu_bus::{audit, outbox};
use edu_contracts::audit::{BreakKind, ChainReport};
use edu_contracts::events::MemberAdmitted;
use edu_contracts::{Actor, Command};
use edu_db::{DbConfig, DbPool};
use edu_domain::{EventId, RegionCode, Role};
use edu_testkit::TestDb;

type TestResult = anyhow::Result<()>;

const SCHEMA: &str = "probe";
const COUNTY: &str = "411627";
const OTHER: &str = "411621";

fn bureau(region: &str) -> Actor {
    Actor {
        sub: format!("bureau-{region}"),
        role: Some(Role::Bureau),
        region: Some(RegionCode::parse(region).unwrap()),
        school_id: None,
    }
}

fn admitted() -> MemberAdmitted {
    edu_testkit::sample_admission()
}

async fn setup(db: &TestDb) -> anyhow::Result<(DbConfig, DbPool)> {
    let config = db.config(SCHEMA);
    edu_db::migrate(&config, &[]).await?;
    let pool = edu_db::pool(&config)?;
    Ok((config, pool))
}

/// One event of `actor`, written and committed in a transaction of its own.
async fn write(pool: &DbPool, actor: &Actor) -> anyhow::Result<EventId> {
    let mut conn = pool.get().await?;
    let id = conn
        .transaction(async |conn| outbox::enqueue(conn, actor, None, None, &admitted()).await)
        .await?;
    Ok(id)
}

async fn verify(pool: &DbPool, county: Option<&str>) -> anyhow::Result<ChainReport> {
    let mut conn = pool.get().await?;
    Ok(audit::verify(&mut conn, county).await?)
}

/// SQL run behind the triggers' back, as a superuser can (`session_replication_role`
/// switches ordinary triggers off for the session).
async fn tamper(db: &TestDb, sql: &str) -> TestResult {
    db.execute(&format!(
        "SET session_replication_role = replica; SET search_path = {SCHEMA}; {sql}"
    ))
    .await
}

/// Five events of the county, with their ids in chain order.
async fn five(pool: &DbPool) -> anyhow::Result<Vec<EventId>> {
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(write(pool, &bureau(COUNTY)).await?);
    }
    assert_eq!(verify(pool, Some(COUNTY)).await?.broken, None);
    Ok(ids)
}

#[derive(QueryableByName)]
struct Stored {
    #[diesel(sql_type = Text)]
    chain: String,
    #[diesel(sql_type = BigInt)]
    seq: i64,
    #[diesel(sql_type = Text)]
    content: String,
    #[diesel(sql_type = Text)]
    envelope: String,
}

#[tokio::test]
async fn every_event_is_a_record_of_its_countys_chain() -> TestResult {
    let db = TestDb::new().await?;
    let (_, pool) = setup(&db).await?;
    let a1 = write(&pool, &bureau(COUNTY)).await?;
    let b1 = write(&pool, &bureau(OTHER)).await?;
    let system = write(&pool, &Actor::system("probe")).await?;
    let for_county = Actor::system_in("probe", RegionCode::parse(COUNTY)?);
    let mut conn = pool.get().await?;
    // two events of one transaction: appended in the order written
    let (a2, a3) = conn
        .transaction(async |conn| {
            let first = outbox::enqueue(conn, &for_county, None, None, &admitted()).await?;
            let second = outbox::enqueue(conn, &bureau(COUNTY), None, None, &admitted()).await?;
            Ok::<_, diesel::result::Error>((first, second))
        })
        .await?;
    // a rolled-back write leaves no record
    let rolled_back: Result<EventId, diesel::result::Error> = conn
        .transaction(async |conn| {
            outbox::enqueue(conn, &bureau(COUNTY), None, None, &admitted()).await?;
            Err(diesel::result::Error::RollbackTransaction)
        })
        .await;
    assert!(rolled_back.is_err());

    let county = verify(&pool, Some(COUNTY)).await?;
    assert_eq!((county.count, county.broken), (3, None));
    assert_eq!(county.head.map(|h| h.seq), Some(3));
    let other = verify(&pool, Some(OTHER)).await?;
    assert_eq!((other.count, other.broken), (1, None));
    let none = verify(&pool, None).await?;
    assert_eq!((none.count, none.broken), (1, None));
    assert_eq!(verify(&pool, Some("110101")).await?.count, 0);

    // the record is the envelope exactly as the outbox holds it (and the relay publishes it)
    let stored: Vec<Stored> = diesel::sql_query(
        "SELECT r.chain, r.seq, r.content, o.envelope::text AS envelope \
           FROM audit_records r JOIN outbox o ON o.id = r.event_id ORDER BY r.chain, r.seq",
    )
    .load(&mut conn)
    .await?;
    assert!(stored.iter().all(|s| s.content == s.envelope));
    let order: Vec<(String, i64)> = stored.iter().map(|s| (s.chain.clone(), s.seq)).collect();
    assert_eq!(
        order,
        [
            (String::new(), 1),
            (OTHER.into(), 1),
            (COUNTY.into(), 1),
            (COUNTY.into(), 2),
            (COUNTY.into(), 3),
        ]
    );
    let page = audit::records(&mut conn, COUNTY, 0, 10).await?;
    let ids: Vec<EventId> = page.iter().map(|r| r.event_id).collect();
    assert_eq!(ids, [a1, a2, a3]);
    let page = audit::records(&mut conn, "", 0, 10).await?;
    assert_eq!(page[0].event_id, system);
    assert_eq!(
        audit::records(&mut conn, OTHER, 0, 10).await?[0].event_id,
        b1
    );
    Ok(())
}

#[tokio::test]
async fn records_and_heads_refuse_change() -> TestResult {
    let db = TestDb::new().await?;
    let (_, pool) = setup(&db).await?;
    write(&pool, &bureau(COUNTY)).await?;
    let mut conn = pool.get().await?;
    for sql in [
        "UPDATE audit_records SET content = '{}'",
        "DELETE FROM audit_records",
        "TRUNCATE audit_records",
        "DELETE FROM audit_heads",
        "UPDATE audit_heads SET seq = 0",
    ] {
        let refused = conn.batch_execute(sql).await.unwrap_err().to_string();
        assert!(
            refused.contains("append-only") || refused.contains("only moves forward"),
            "{sql}: {refused}"
        );
    }
    assert_eq!(verify(&pool, Some(COUNTY)).await?.broken, None);
    Ok(())
}

#[tokio::test]
async fn a_record_altered_in_sql_is_named() -> TestResult {
    let db = TestDb::new().await?;
    let (_, pool) = setup(&db).await?;
    let ids = five(&pool).await?;
    tamper(
        &db,
        &format!(
            "UPDATE audit_records SET content = replace(content, 'bureau-{COUNTY}', 'someone') \
              WHERE chain = '{COUNTY}' AND seq = 3"
        ),
    )
    .await?;
    let broken = verify(&pool, Some(COUNTY)).await?.broken.unwrap();
    assert_eq!(broken.kind, BreakKind::Altered);
    assert_eq!((broken.seq, broken.event_id), (3, Some(ids[2])));
    assert_eq!(broken.event_type.as_deref(), Some("member.admitted"));
    Ok(())
}

#[tokio::test]
async fn a_record_deleted_in_sql_is_named() -> TestResult {
    let db = TestDb::new().await?;
    let (_, pool) = setup(&db).await?;
    five(&pool).await?;
    tamper(
        &db,
        &format!("DELETE FROM audit_records WHERE chain = '{COUNTY}' AND seq = 3"),
    )
    .await?;
    let broken = verify(&pool, Some(COUNTY)).await?.broken.unwrap();
    assert_eq!((broken.kind, broken.seq), (BreakKind::Removed, 3));
    // the newest one deleted: the head still names it
    let db = TestDb::new().await?;
    let (_, pool) = setup(&db).await?;
    five(&pool).await?;
    tamper(
        &db,
        &format!("DELETE FROM audit_records WHERE chain = '{COUNTY}' AND seq = 5"),
    )
    .await?;
    let broken = verify(&pool, Some(COUNTY)).await?.broken.unwrap();
    assert_eq!((broken.kind, broken.seq), (BreakKind::Removed, 5));
    Ok(())
}

#[tokio::test]
async fn records_swapped_in_sql_are_named() -> TestResult {
    let db = TestDb::new().await?;
    let (_, pool) = setup(&db).await?;
    let ids = five(&pool).await?;
    let at = |seq: i64| format!("chain = '{COUNTY}' AND seq = {seq}");
    tamper(
        &db,
        &format!(
            "UPDATE audit_records SET seq = -3 WHERE {};\
             UPDATE audit_records SET seq = 3 WHERE {};\
             UPDATE audit_records SET seq = 4 WHERE {};",
            at(3),
            at(4),
            at(-3)
        ),
    )
    .await?;
    let broken = verify(&pool, Some(COUNTY)).await?.broken.unwrap();
    // the first record out of place is the one now third: the fourth event
    assert_eq!(broken.kind, BreakKind::Reordered);
    assert_eq!((broken.seq, broken.event_id), (3, Some(ids[3])));
    Ok(())
}

#[tokio::test]
async fn concurrent_writers_of_one_county_make_one_unbroken_chain() -> TestResult {
    let db = TestDb::new().await?;
    let (config, _) = setup(&db).await?;
    let mut big = config.clone();
    big.pool_size = 8;
    let pool = edu_db::pool(&big)?;
    const EACH: usize = 25;
    let writer = |region: &'static str| {
        let pool = pool.clone();
        tokio::spawn(async move {
            for _ in 0..EACH {
                write(&pool, &bureau(region)).await?;
            }
            anyhow::Ok(())
        })
    };
    let writers = [
        writer(COUNTY),
        writer(COUNTY),
        writer(COUNTY),
        writer(OTHER),
    ];
    for w in writers {
        w.await??;
    }
    let county = verify(&pool, Some(COUNTY)).await?;
    assert_eq!((county.count, county.broken), (3 * EACH as u64, None));
    assert_eq!(county.head.map(|h| h.seq), Some(3 * EACH as i64));
    let other = verify(&pool, Some(OTHER)).await?;
    assert_eq!((other.count, other.broken), (EACH as u64, None));
    Ok(())
}

#[tokio::test]
async fn one_countys_chain_lock_holds_up_no_other_county() -> TestResult {
    let db = TestDb::new().await?;
    let (config, pool) = setup(&db).await?;
    write(&pool, &bureau(COUNTY)).await?;
    // somebody holds the county's chain head (a transaction committing its events)
    let mut holder = edu_db::connect(&config).await?;
    holder
        .batch_execute(&format!(
            "BEGIN; SELECT * FROM audit_heads WHERE chain = '{COUNTY}' FOR UPDATE"
        ))
        .await?;
    // another county's writes go on
    let other = tokio::time::timeout(Duration::from_secs(5), write(&pool, &bureau(OTHER))).await;
    assert!(
        other.is_ok(),
        "another county waited for this county's chain"
    );
    // the same county's write waits, at its commit, and goes through once the head is free
    let waiting = tokio::spawn({
        let pool = pool.clone();
        async move { write(&pool, &bureau(COUNTY)).await }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!waiting.is_finished(), "the county's chain was not locked");
    holder.batch_execute("COMMIT").await?;
    tokio::time::timeout(Duration::from_secs(5), waiting).await???;
    let county = verify(&pool, Some(COUNTY)).await?;
    assert_eq!((county.count, county.broken), (2, None));
    Ok(())
}

#[tokio::test]
async fn a_page_is_for_the_countys_bureau_and_auditors_only() -> TestResult {
    use edu_contracts::ServiceName;
    use edu_contracts::audit::AuditQuery;
    let db = TestDb::new().await?;
    let (_, pool) = setup(&db).await?;
    let ids = five(&pool).await?;
    let query = |actor: Actor, after_seq: i64| Command {
        actor,
        idempotency_key: None,
        body: AuditQuery {
            county: RegionCode::parse(COUNTY).unwrap(),
            after_seq,
            limit: 2,
        },
    };
    let page = audit::page(&pool, ServiceName::Membership, query(bureau(COUNTY), 2)).await?;
    assert_eq!(page.head.map(|h| h.seq), Some(5));
    let got: Vec<EventId> = page.records.iter().map(|r| r.event_id).collect();
    assert_eq!(got, ids[2..4]);
    let mut auditor = bureau(COUNTY);
    auditor.role = Some(Role::Auditor);
    assert!(
        audit::page(&pool, ServiceName::Membership, query(auditor, 0))
            .await
            .is_ok()
    );
    let mut lead = bureau(COUNTY);
    lead.role = Some(Role::LeadAdmin);
    for refused in [bureau(OTHER), lead, Actor::system("probe")] {
        let problem = audit::page(&pool, ServiceName::Membership, query(refused, 0))
            .await
            .unwrap_err();
        assert_eq!(problem.code, edu_domain::ErrorCode::Forbidden);
    }
    Ok(())
}
