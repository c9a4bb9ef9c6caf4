//! Queries of the consequences: those a round proposes, the bureau's decision,
//! their settlement by what membership did, and the standing sanctions rest on.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use edu_domain::{GroupId, SchoolId};
use uuid::Uuid;

use crate::rounds::store::INSERT_CHUNK;
use crate::schema::{consequences, rounds, scorecards};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = consequences)]
pub struct ConsequenceRow {
    pub consequence_id: Uuid,
    pub evaluation_id: Uuid,
    pub group_id: GroupId,
    pub kind: String,
    pub school_id: Option<SchoolId>,
    pub reason: String,
    pub status: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub note: Option<String>,
}

/// Stores the consequences a round's scorecards propose (multi-row INSERTs in chunks).
pub async fn insert_consequences(
    conn: &mut AsyncPgConnection,
    rows: &[ConsequenceRow],
) -> QueryResult<()> {
    for chunk in rows.chunks(INSERT_CHUNK) {
        diesel::insert_into(consequences::table)
            .values(chunk)
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// a proposed consequence happened (the persuade-out was confirmed, the group
/// dissolved) or was turned down (the persuade-out was rejected).
pub async fn consequence_settled(
    conn: &mut AsyncPgConnection,
    group: GroupId,
    kind: &str,
    school: Option<SchoolId>,
    status: &str,
    at: DateTime<Utc>,
) -> QueryResult<()> {
    // a consequence the bureau confirmed becomes effective when it happens; one still
    // proposed is settled by whatever happened first (a persuade-out, a dissolution).
    let from: &[&str] = if status == "effective" {
        &["proposed", "confirmed"]
    } else {
        &["proposed"]
    };
    // A draft's consequences are not binding: only a completed round's settle.
    let completed = scorecards::table
        .inner_join(rounds::table)
        .filter(rounds::state.eq("completed"))
        .filter(scorecards::group_id.eq(group))
        .select(scorecards::evaluation_id);
    let mut q = diesel::update(consequences::table)
        .filter(consequences::group_id.eq(group))
        .filter(consequences::evaluation_id.eq_any(completed))
        .filter(consequences::kind.eq(kind))
        .filter(consequences::status.eq_any(from))
        .into_boxed();
    if let Some(school) = school {
        q = q.filter(consequences::school_id.eq(school));
    }
    q.set((
        consequences::status.eq(status),
        consequences::decided_at.eq(at),
    ))
    .execute(conn)
    .await
    .map(|_| ())
}

pub async fn consequences_of(
    conn: &mut AsyncPgConnection,
    evaluations: &[Uuid],
) -> QueryResult<Vec<ConsequenceRow>> {
    consequences::table
        .filter(consequences::evaluation_id.eq_any(evaluations))
        .order(consequences::consequence_id)
        .select(ConsequenceRow::as_select())
        .load(conn)
        .await
}

pub async fn consequence_for_update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> QueryResult<Option<ConsequenceRow>> {
    consequences::table
        .find(id)
        .for_update()
        .select(ConsequenceRow::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn decide(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    status: &str,
    by: &str,
    note: Option<&str>,
) -> QueryResult<ConsequenceRow> {
    diesel::update(consequences::table.find(id))
        .set((
            consequences::status.eq(status),
            consequences::decided_by.eq(by),
            consequences::decided_at.eq(Utc::now()),
            consequences::note.eq(note),
        ))
        .returning(ConsequenceRow::as_returning())
        .get_result(conn)
        .await
}

/// the group's latest completed evaluation: (evaluation, grade). A draft is no
/// verdict sanctions may rest on.
pub async fn latest_evaluation(
    conn: &mut AsyncPgConnection,
    group: GroupId,
) -> QueryResult<Option<(Uuid, String)>> {
    scorecards::table
        .inner_join(rounds::table)
        .filter(rounds::state.eq("completed"))
        .filter(scorecards::group_id.eq(group))
        .order(scorecards::school_year.desc())
        .select((scorecards::evaluation_id, scorecards::grade))
        .first(conn)
        .await
        .optional()
}

/// Whether the evaluation proposes (or made) this school's exit, and nobody rejected it.
pub async fn exit_proposed(
    conn: &mut AsyncPgConnection,
    evaluation: Uuid,
    school: SchoolId,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        consequences::table
            .filter(consequences::evaluation_id.eq(evaluation))
            .filter(consequences::kind.eq("member_exit"))
            .filter(consequences::school_id.eq(school))
            .filter(consequences::status.ne("rejected")),
    ))
    .get_result(conn)
    .await
}
