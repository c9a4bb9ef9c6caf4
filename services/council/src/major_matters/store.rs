//! Queries of member schools' major matters; every function composes inside a transaction.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use edu_bus::membership_view as view;
use edu_contracts::council::{DecisionId, MajorMatterId, MajorMatterKind, Paging};
use edu_domain::{GroupId, SchoolId};

use crate::schema::{decisions, major_matters};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = major_matters)]
pub struct MajorMatterRow {
    pub id: MajorMatterId,
    pub group_id: GroupId,
    pub school_id: SchoolId,
    pub kind: MajorMatterKind,
    pub title: String,
    pub description: Option<String>,
    pub effective_on: NaiveDate,
    pub decision_id: DecisionId,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

/// A major matter with what its view shows of the decision it cites and of its school.
pub struct Listed {
    pub row: MajorMatterRow,
    pub decision_title: String,
    pub decided_on: NaiveDate,
    pub school_name: String,
}

pub async fn insert(conn: &mut AsyncPgConnection, row: &MajorMatterRow) -> QueryResult<()> {
    diesel::insert_into(major_matters::table)
        .values(row)
        .execute(conn)
        .await
        .map(|_| ())
}

/// Which major matters a read wants.
pub enum Filter {
    /// One, by id.
    Id(MajorMatterId),
    /// A group's (or one school's of it), newest first by effective date.
    Group {
        group: GroupId,
        school: Option<SchoolId>,
    },
    /// A group's recorded in `[from, to)`, oldest first (G-08).
    Recorded {
        group: GroupId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    },
}

/// The matters `filter` wants with their decision and school, a page of them if `paging`,
/// and how many match in all.
pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: &Filter,
    paging: Option<Paging>,
) -> QueryResult<(Vec<Listed>, i64)> {
    // Every matter has its decision (a foreign key): the join drops nothing.
    let filtered = || {
        let q = major_matters::table
            .inner_join(decisions::table)
            .into_boxed();
        match *filter {
            Filter::Id(id) => q.filter(major_matters::id.eq(id)),
            Filter::Group { group, school } => {
                let q = q.filter(major_matters::group_id.eq(group));
                match school {
                    Some(s) => q.filter(major_matters::school_id.eq(s)),
                    None => q,
                }
            }
            Filter::Recorded { group, from, to } => q
                .filter(major_matters::group_id.eq(group))
                .filter(major_matters::recorded_at.ge(from))
                .filter(major_matters::recorded_at.lt(to)),
        }
    };
    let total = filtered().count().get_result(conn).await?;
    let q = filtered().select((
        MajorMatterRow::as_select(),
        decisions::title,
        decisions::decided_on,
    ));
    let mut q = match filter {
        Filter::Recorded { .. } => q.order((major_matters::recorded_at, major_matters::id)),
        _ => q.order((
            major_matters::effective_on.desc(),
            major_matters::recorded_at.desc(),
            major_matters::id.desc(),
        )),
    };
    if let Some(p) = paging {
        q = q.limit(i64::from(p.limit)).offset(i64::from(p.offset));
    }
    let rows: Vec<(MajorMatterRow, String, NaiveDate)> = q.load(conn).await?;
    // Each matter's school is a school of its group in the membership view (a foreign key);
    // its name is display text, empty for a school no membership event named (older events).
    let groups: Vec<GroupId> = rows.iter().map(|(row, ..)| row.group_id).collect();
    let names = view::school_names(conn, &groups).await?;
    let listed = rows
        .into_iter()
        .map(|(row, decision_title, decided_on)| Listed {
            school_name: names
                .get(&(row.group_id, row.school_id))
                .cloned()
                .unwrap_or_default(),
            row,
            decision_title,
            decided_on,
        })
        .collect();
    Ok((listed, total))
}
