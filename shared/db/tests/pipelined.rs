//! `Tx`: a transaction whose `BEGIN` and `COMMIT` travel with its statements. Whatever way
//! it ends (committed, a failed write, a refusal between reading and writing, an explicit
//! rollback), the writes are all or nothing, the row lock is released, and the pooled
//! connection goes back outside any transaction.

use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Integer};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use edu_db::pipelined::Tx;
use edu_db::prepared::Prepared;
use edu_db::{DbError, DbPool};
use edu_testkit::TestDb;

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct Balance {
    #[diesel(sql_type = Integer)]
    balance: i32,
}

struct Fixture {
    _db: TestDb,
    pool: DbPool,
    /// A connection outside the pool: sees only what was committed.
    outside: AsyncPgConnection,
}

async fn fixture() -> anyhow::Result<Fixture> {
    let db = TestDb::new().await?;
    let config = db.config("pipelined");
    edu_db::migrate(&config, &[]).await?;
    let mut outside = edu_db::connect(&config).await?;
    outside
        .batch_execute(
            "CREATE TABLE accounts (id int PRIMARY KEY, balance int NOT NULL);
             CREATE TABLE entries (id int PRIMARY KEY, account int NOT NULL);
             INSERT INTO accounts VALUES (1, 100);",
        )
        .await?;
    let pool = edu_db::pool(&config)?;
    Ok(Fixture {
        _db: db,
        pool,
        outside,
    })
}

/// The account locked and read with `BEGIN`.
async fn lock_account(mut conn: &AsyncPgConnection) -> Result<i32, DbError> {
    Prepared::new("SELECT balance FROM accounts WHERE id = 1 FOR UPDATE")
        .get_result::<Balance>(&mut conn)
        .await
        .map(|b| b.balance)
}

async fn insert_entry(mut conn: &AsyncPgConnection, id: i32) -> Result<usize, DbError> {
    Prepared::new("INSERT INTO entries (id, account) VALUES (")
        .bind::<Integer, _>(id)
        .sql(", 1)")
        .execute(&mut conn)
        .await
}

async fn set_balance(mut conn: &AsyncPgConnection, balance: i32) -> Result<usize, DbError> {
    Prepared::new("UPDATE accounts SET balance = ")
        .bind::<Integer, _>(balance)
        .sql(" WHERE id = 1")
        .execute(&mut conn)
        .await
}

impl Fixture {
    async fn entries(&mut self) -> anyhow::Result<i64> {
        Ok(diesel::sql_query("SELECT count(*) AS n FROM entries")
            .get_result::<Count>(&mut self.outside)
            .await?
            .n)
    }

    async fn balance(&mut self) -> anyhow::Result<i32> {
        Ok(
            diesel::sql_query("SELECT balance FROM accounts WHERE id = 1")
                .get_result::<Balance>(&mut self.outside)
                .await?
                .balance,
        )
    }

    /// Every connection of the pool (taken at once, so a connection still rolling back is
    /// waited for) runs outside a transaction: its write is visible outside at once. Then
    /// the account's lock is free (taken outside without waiting).
    async fn pool_is_clean(&mut self) -> anyhow::Result<()> {
        let before = self.entries().await?;
        let size = self.pool.status().max_size;
        let mut conns = Vec::new();
        for _ in 0..size {
            conns.push(self.pool.get().await?);
        }
        for (i, conn) in conns.iter().enumerate() {
            insert_entry(conn, 1000 + i32::try_from(i)?).await?;
            assert_eq!(
                self.entries().await?,
                before + i64::try_from(i)? + 1,
                "a pooled connection was left inside a transaction"
            );
        }
        drop(conns);
        self.outside
            .transaction(async |c| {
                c.batch_execute("SELECT 1 FROM accounts WHERE id = 1 FOR UPDATE NOWAIT")
                    .await
            })
            .await?;
        self.outside
            .batch_execute("DELETE FROM entries WHERE id >= 1000")
            .await?;
        Ok(())
    }
}

#[tokio::test]
async fn a_committed_transaction_writes_everything() -> anyhow::Result<()> {
    let mut f = fixture().await?;
    let tx = Tx::new(f.pool.get().await?);
    let balance = tx.begin(async |c| lock_account(c).await).await?;
    assert_eq!(balance, 100);
    tx.commit(async |c| futures::try_join!(insert_entry(c, 1), set_balance(c, balance - 10)))
        .await?;
    assert_eq!((f.entries().await?, f.balance().await?), (1, 90));
    f.pool_is_clean().await
}

#[tokio::test]
async fn a_failed_write_rolls_back_the_others_sent_with_it() -> anyhow::Result<()> {
    let mut f = fixture().await?;
    f.outside
        .batch_execute("INSERT INTO entries VALUES (7, 1)")
        .await?;
    let tx = Tx::new(f.pool.get().await?);
    let balance = tx.begin(async |c| lock_account(c).await).await?;
    // The balance is updated first; the entry then collides with entry 7.
    let written = tx
        .commit(async |c| futures::try_join!(set_balance(c, balance - 10), insert_entry(c, 7)))
        .await;
    assert!(
        matches!(
            written,
            Err(DbError::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _
            ))
        ),
        "the collision is reported: {written:?}"
    );
    assert_eq!((f.entries().await?, f.balance().await?), (1, 100));
    f.pool_is_clean().await
}

#[tokio::test]
async fn a_refusal_after_reading_releases_the_lock_and_writes_nothing() -> anyhow::Result<()> {
    let mut f = fixture().await?;
    let refused = async {
        let tx = Tx::new(f.pool.get().await?);
        let balance = tx.begin(async |c| lock_account(c).await).await?;
        if balance < 1_000 {
            // An early return drops `tx` between its BEGIN and its COMMIT.
            anyhow::bail!("insufficient balance");
        }
        tx.commit(async |c| insert_entry(c, 1).await).await?;
        Ok(())
    }
    .await;
    assert!(refused.is_err());
    assert_eq!(f.entries().await?, 0);
    f.pool_is_clean().await
}

#[tokio::test]
async fn an_explicit_rollback_keeps_the_connection() -> anyhow::Result<()> {
    let mut f = fixture().await?;
    let tx = Tx::new(f.pool.get().await?);
    tx.begin(async |c| futures::try_join!(lock_account(c), set_balance(c, 0)))
        .await?;
    tx.rollback().await?;
    assert_eq!(f.balance().await?, 100);
    f.pool_is_clean().await
}

#[tokio::test]
async fn a_cancelled_transaction_is_rolled_back() -> anyhow::Result<()> {
    let mut f = fixture().await?;
    let pool = f.pool.clone();
    // The request is dropped while its first round trip waits on a lock held outside.
    f.outside
        .batch_execute("BEGIN; SELECT 1 FROM accounts WHERE id = 1 FOR UPDATE")
        .await?;
    let cancelled = tokio::time::timeout(std::time::Duration::from_millis(200), async move {
        let tx = Tx::new(pool.get().await?);
        tx.begin(async |c| futures::try_join!(set_balance(c, 0), lock_account(c)))
            .await?;
        tx.commit(async |c| insert_entry(c, 1).await).await?;
        anyhow::Ok(())
    })
    .await;
    assert!(
        cancelled.is_err(),
        "the request waits on the lock until cancelled"
    );
    f.outside.batch_execute("COMMIT").await?;
    f.pool_is_clean().await?;
    assert_eq!((f.entries().await?, f.balance().await?), (0, 100));
    Ok(())
}
