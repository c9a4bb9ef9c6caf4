//! Hand-written SQL that PostgreSQL plans once per connection.
//!
//! diesel's `sql_query` marks its statement unsafe to cache, so every execution is parsed,
//! analysed and planned again; for a statement with several subqueries the planning costs
//! more than running it. [`Prepared`] is the same text-plus-binds query, built in order
//! (`sql`, `bind`, `sql`, …, each bind rendering its own `$n`), that diesel's statement
//! cache keeps by its text: the second execution on a connection only binds and executes.
//! Only for fixed text: a statement whose text varies would fill the cache.

use std::marker::PhantomData;

use diesel::QueryResult;
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::serialize::ToSql;
use diesel::sql_types::{HasSqlType, Untyped};

/// A statement of fixed text with bind parameters; load it into a `QueryableByName` type
/// with diesel-async's `RunQueryDsl`.
#[must_use = "a query does nothing until it is run"]
pub struct Prepared<'a> {
    parts: Vec<Part<'a>>,
}

enum Part<'a> {
    Sql(&'static str),
    Bind(Box<dyn QueryFragment<Pg> + Send + 'a>),
}

/// One bind parameter of SQL type `ST`.
struct Bound<ST, V> {
    value: V,
    sql_type: PhantomData<ST>,
}

impl<ST, V> QueryFragment<Pg> for Bound<ST, V>
where
    Pg: HasSqlType<ST>,
    V: ToSql<ST, Pg>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_bind_param::<ST, V>(&self.value)
    }
}

impl<'a> Prepared<'a> {
    /// Starts the statement with `sql`.
    pub fn new(sql: &'static str) -> Self {
        Self {
            parts: vec![Part::Sql(sql)],
        }
    }

    /// Appends more text.
    pub fn sql(mut self, sql: &'static str) -> Self {
        self.parts.push(Part::Sql(sql));
        self
    }

    /// Appends a bind parameter (`$n`, numbered in order of appearance).
    pub fn bind<ST, V>(mut self, value: V) -> Self
    where
        Pg: HasSqlType<ST>,
        V: ToSql<ST, Pg> + Send + 'a,
        ST: Send + 'a,
    {
        self.parts.push(Part::Bind(Box::new(Bound {
            value,
            sql_type: PhantomData::<ST>,
        })));
        self
    }
}

impl QueryFragment<Pg> for Prepared<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        for part in &self.parts {
            match part {
                Part::Sql(sql) => out.push_sql(sql),
                Part::Bind(bind) => bind.walk_ast(out.reborrow())?,
            }
        }
        Ok(())
    }
}

/// Cached by its text and bind types (no static id), like any dynamic diesel query.
impl QueryId for Prepared<'_> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl Query for Prepared<'_> {
    type SqlType = Untyped;
}
