//! The seats of past meetings; every function composes inside a transaction.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::schema::seats;
use crate::seats::store::SeatRow;

/// The seats of past meetings, vacated from the start: kept for the record, never active.
pub async fn insert_seats(conn: &mut AsyncPgConnection, rows: &[SeatRow]) -> QueryResult<()> {
    diesel::insert_into(seats::table)
        .values(rows)
        .execute(conn)
        .await
        .map(|_| ())
}
