//! Keeps the search index of the library current. The tokens are made in Rust
//! (`rules::index_tokens`, bigrams of Chinese and prefixes of Latin words, kept in the GIN
//! indexed `search_tokens`), so when the way they are made changes, the rows indexed before
//! are found by their `search_version` and indexed again when the service starts. Several
//! instances starting at once write the same values: harmless.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::rules;
use crate::schema::resources;

/// Rows indexed again per round trip.
const BATCH: i64 = 500;

type Stale = (Uuid, String, String, String, Vec<String>);

/// Indexes every row written under an older search version again; returns how many.
pub async fn refresh(conn: &mut AsyncPgConnection) -> QueryResult<u64> {
    let mut done = 0u64;
    loop {
        let stale: Vec<Stale> = resources::table
            .filter(resources::search_version.lt(rules::SEARCH_VERSION))
            .select((
                resources::id,
                resources::subject,
                resources::title,
                resources::description,
                resources::tags,
            ))
            .limit(BATCH)
            .load(conn)
            .await?;
        if stale.is_empty() {
            return Ok(done);
        }
        for (id, subject, title, description, tags) in stale {
            let text = rules::search_text(&subject, &title, &description, &tags);
            diesel::update(resources::table.find(id))
                .set((
                    resources::search_tokens.eq(rules::index_tokens(&text)),
                    resources::search_text.eq(text),
                    resources::search_version.eq(rules::SEARCH_VERSION),
                ))
                .execute(conn)
                .await?;
            done += 1;
        }
    }
}
