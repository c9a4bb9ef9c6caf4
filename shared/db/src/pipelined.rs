//! A read-decide-write transaction in two round trips instead of four.
//!
//! diesel-async's `transaction` awaits `BEGIN` alone and `COMMIT` alone, so a transaction
//! that reads (and locks), decides in Rust and writes costs four round trips, each a wake-up
//! of the server process and of the client. [`Tx`] sends `BEGIN` in the same round trip as
//! the first statements and `COMMIT` in the same round trip as the writes: PostgreSQL runs
//! pipelined statements in the order they were sent (diesel-async sends them in the order
//! they are first polled; its statement cache is a fair lock), each with its own Sync, so
//!
//! - a statement that fails aborts the transaction, the ones after it fail too, and the
//!   `COMMIT` behind them ends it as a rollback;
//! - nothing of a transaction is visible before its `COMMIT`, whichever way it ends.
//!
//! diesel's transaction manager does not know of these transactions. So a [`Tx`] never
//! returns its connection to the pool inside one: unless the `COMMIT` (or [`Tx::rollback`])
//! has answered, dropping it (an early return with `?`, a refusal, a cancelled request)
//! sends `ROLLBACK` first, from a task of its own, and closes the connection if even that
//! fails.

use std::sync::atomic::{AtomicBool, Ordering};

use diesel::QueryResult;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::PooledConn;
use crate::idempotency::TxWork;
use crate::prepared::Prepared;

/// One transaction on a pooled connection (see the module documentation).
pub struct Tx {
    /// `None` only once dropped.
    conn: Option<PooledConn>,
    /// `BEGIN` was sent and neither `COMMIT` nor `ROLLBACK` has answered yet.
    open: AtomicBool,
}

/// The refusal for a [`Tx`] used after its connection has gone (it cannot happen through the
/// public methods: only `Drop` takes the connection).
fn gone() -> diesel::result::Error {
    diesel::result::Error::BrokenTransactionManager
}

/// Sends one statement of fixed text (prepared once per connection).
async fn statement(mut conn: &AsyncPgConnection, sql: &'static str) -> QueryResult<()> {
    Prepared::new(sql).execute(&mut conn).await.map(|_| ())
}

impl Tx {
    /// A transaction on `conn`; nothing is sent until [`Tx::begin`].
    pub fn new(conn: PooledConn) -> Self {
        Self {
            conn: Some(conn),
            open: AtomicBool::new(false),
        }
    }

    /// Sends `BEGIN` and the statements of `first` (run concurrently on the connection, so
    /// pipelined) in one round trip, and returns what `first` read.
    pub async fn begin<T, F>(&self, first: F) -> QueryResult<T>
    where
        for<'r> F: AsyncFnOnce(&'r AsyncPgConnection) -> QueryResult<T>
            + TxWork<&'r AsyncPgConnection, QueryResult<T>, Fut: Send>,
    {
        let conn = self.conn.as_deref().ok_or_else(gone)?;
        self.open.store(true, Ordering::Release);
        // `join!` polls `BEGIN` first, so it is sent first.
        let (begun, read) = futures::join!(statement(conn, "BEGIN"), first(conn));
        begun?;
        read
    }

    /// Sends the statements of `last` and `COMMIT` in one round trip. If one of them fails,
    /// the transaction is rolled back and its error returned.
    pub async fn commit<T, F>(self, last: F) -> QueryResult<T>
    where
        for<'r> F: AsyncFnOnce(&'r AsyncPgConnection) -> QueryResult<T>
            + TxWork<&'r AsyncPgConnection, QueryResult<T>, Fut: Send>,
    {
        let conn = self.conn.as_deref().ok_or_else(gone)?;
        let (written, committed) = futures::join!(last(conn), statement(conn, "COMMIT"));
        // A `COMMIT` that answered ended the transaction (as a rollback after a failed
        // statement); one that did not leaves it to `Drop`.
        committed?;
        self.open.store(false, Ordering::Release);
        written
    }

    /// Ends the transaction without writing (a refusal, a replayed request).
    pub async fn rollback(self) -> QueryResult<()> {
        let conn = self.conn.as_deref().ok_or_else(gone)?;
        statement(conn, "ROLLBACK").await?;
        self.open.store(false, Ordering::Release);
        Ok(())
    }
}

impl Drop for Tx {
    fn drop(&mut self) {
        if !*self.open.get_mut() {
            return;
        }
        let Some(conn) = self.conn.take() else {
            return;
        };
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(async move {
                    if let Err(e) = statement(&conn, "ROLLBACK").await {
                        tracing::warn!(error = %e, "closing a connection whose transaction could not be rolled back");
                        drop(deadpool::managed::Object::take(conn));
                    }
                });
            }
            // Outside a runtime nothing can be sent: closing the connection rolls back.
            Err(_) => drop(deadpool::managed::Object::take(conn)),
        }
    }
}
