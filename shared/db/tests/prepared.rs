//! `Prepared` statements are planned once per connection (diesel's statement cache keeps
//! them by their text), unlike `sql_query`.

use diesel::QueryableByName;
use diesel::sql_types::{Integer, Text};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use edu_db::prepared::Prepared;
use edu_testkit::TestDb;

#[derive(QueryableByName)]
struct Echo {
    #[diesel(sql_type = Integer)]
    n: i32,
    #[diesel(sql_type = Text)]
    s: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

#[tokio::test]
async fn a_prepared_statement_is_planned_once_and_binds_in_order() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    let mut conn = AsyncPgConnection::establish(&db.url()).await?;
    for (n, s) in [(1, "一"), (2, "two")] {
        let echo: Echo = Prepared::new("SELECT /* prepared-test */ ")
            .bind::<Integer, _>(n)
            .sql(" + 1 AS n, ")
            .bind::<Text, _>(s)
            .sql(" AS s")
            .get_result(&mut conn)
            .await?;
        assert_eq!((echo.n, echo.s.as_str()), (n + 1, s));
    }
    let prepared: Count = diesel::sql_query(
        "SELECT count(*) AS n FROM pg_prepared_statements WHERE statement LIKE '%prepared' || '-test%'",
    )
    .get_result(&mut conn)
    .await?;
    assert_eq!(
        prepared.n, 1,
        "one server-side statement for both executions"
    );
    Ok(())
}
