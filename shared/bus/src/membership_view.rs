//! The membership view: what a service that depends on a group's make-up keeps of the
//! membership service's events (DESIGN.md "Ownership": no service reads another's tables).
//! One definition of the tables ([`MIGRATIONS`], in the service's own schema), one piece of
//! code that keeps them ([`apply`]), and the queries the services ask of them.
//!
//! - `membership_groups`: each group, its county, lead school, plaque date and dissolution;
//! - `membership_schools`: each school's place in a group today (`active`), its name and
//!   principal (G-03, G-04), its county (F-04) and whether a persuade-out of it is open;
//! - `membership_stays`: each stay of a school in a group with its dates, the lead's from the
//!   group's formation, so a past posting or meeting is judged against who was in the group on
//!   its days (E-02, E-03, G-02, G-06).
//!
//! A service handles the membership events with [`MembershipConsumer`] and adds its own
//! reaction to each [`Change`] ([`Reactions`]), in the same transaction; the policy versions
//! (`policy.published`) come on the same stream and are recorded here too.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Date, Nullable, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use diesel_migrations::{EmbeddedMigrations, embed_migrations};
use edu_contracts::events::{
    GroupDissolved, GroupEstablished, MemberAdmitted, MemberExited, PersuadeOutDecided,
    PersuadeOutProposed, PolicyPublished,
};
use edu_contracts::{Event, EventEnvelope, ServiceName};
use edu_domain::{GroupId, MemberRole, RegionCode, SchoolId};
use futures::future::BoxFuture;

use crate::consumer::{Applied, EventHandler, payload};

/// The view's tables, for a service's migration list.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("membership_view_migrations");

diesel::table! {
    membership_groups (group_id) {
        group_id -> Uuid,
        name -> Nullable<Text>,
        region -> Text,
        lead_school_id -> Uuid,
        plaque_date -> Nullable<Date>,
        dissolved_on -> Nullable<Date>,
    }
}

diesel::table! {
    membership_schools (group_id, school_id) {
        group_id -> Uuid,
        school_id -> Uuid,
        role -> Text,
        name -> Nullable<Text>,
        principal_name -> Nullable<Text>,
        region -> Nullable<Text>,
        active -> Bool,
        under_persuade_out -> Bool,
    }
}

diesel::table! {
    membership_stays (id) {
        id -> Int8,
        group_id -> Uuid,
        school_id -> Uuid,
        role -> Text,
        joined_on -> Date,
        left_on -> Nullable<Date>,
    }
}

diesel::joinable!(membership_schools -> membership_groups (group_id));
diesel::joinable!(membership_stays -> membership_groups (group_id));
diesel::allow_tables_to_appear_in_same_query!(
    membership_groups,
    membership_schools,
    membership_stays
);

/// What a membership event changed in the view, with the day it took effect: what a service
/// reacts to.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// A group was established; its lead school's stay began `on` (its formation).
    Established {
        event: GroupEstablished,
        on: NaiveDate,
    },
    /// A school joined a group `on` that day.
    Admitted {
        event: MemberAdmitted,
        on: NaiveDate,
    },
    /// A school left a group `on` that day (from then on it is not in it).
    Exited { event: MemberExited, on: NaiveDate },
    /// A group was dissolved `on` that day, and every school's stay ended then.
    Dissolved {
        event: GroupDissolved,
        on: NaiveDate,
    },
    /// A persuade-out of a member was proposed.
    PersuadeOutProposed(PersuadeOutProposed),
    /// The bureau decided a persuade-out.
    PersuadeOutDecided(PersuadeOutDecided),
    /// A region published a policy version.
    PolicyPublished(PolicyPublished),
}

/// Keeps the view for one event, inside the consumer's transaction; `None` for an event the
/// view does not keep. Applying an event twice changes nothing more (the inbox also keeps
/// a redelivered event from coming here twice).
pub async fn apply(
    conn: &mut AsyncPgConnection,
    event: &EventEnvelope,
) -> QueryResult<Option<Change>> {
    // A change that carries no date of its own happened on the day of its event.
    let day = event.occurred_at.date_naive();
    let change = match event.event_type.as_str() {
        GroupEstablished::TYPE => {
            let e: GroupEstablished = payload(event)?;
            let on = e.formed_on.unwrap_or(e.plaque_date);
            established(conn, &e, on).await?;
            Change::Established { event: e, on }
        }
        MemberAdmitted::TYPE => {
            let e: MemberAdmitted = payload(event)?;
            let on = e.joined_on.unwrap_or(day);
            admitted(conn, &e, on).await?;
            Change::Admitted { event: e, on }
        }
        MemberExited::TYPE => {
            let e: MemberExited = payload(event)?;
            let on = e.left_on.unwrap_or(day);
            left(conn, e.group_id, Some(e.school_id), on).await?;
            Change::Exited { event: e, on }
        }
        GroupDissolved::TYPE => {
            let e: GroupDissolved = payload(event)?;
            diesel::update(membership_groups::table.find(e.group_id))
                .set(membership_groups::dissolved_on.eq(day))
                .execute(conn)
                .await?;
            left(conn, e.group_id, None, day).await?;
            Change::Dissolved { event: e, on: day }
        }
        PersuadeOutProposed::TYPE => {
            let e: PersuadeOutProposed = payload(event)?;
            persuade_out(conn, e.group_id, e.school_id, true).await?;
            Change::PersuadeOutProposed(e)
        }
        PersuadeOutDecided::TYPE => {
            let e: PersuadeOutDecided = payload(event)?;
            persuade_out(conn, e.group_id, e.school_id, false).await?;
            Change::PersuadeOutDecided(e)
        }
        PolicyPublished::TYPE => {
            let e: PolicyPublished = payload(event)?;
            crate::policy::record(conn, &e).await?;
            Change::PolicyPublished(e)
        }
        _ => return Ok(None),
    };
    Ok(Some(change))
}

async fn established(
    conn: &mut AsyncPgConnection,
    e: &GroupEstablished,
    on: NaiveDate,
) -> QueryResult<()> {
    diesel::insert_into(membership_groups::table)
        .values((
            membership_groups::group_id.eq(e.group_id),
            membership_groups::name.eq(&e.name),
            membership_groups::region.eq(&e.region),
            membership_groups::lead_school_id.eq(e.lead_school_id),
            membership_groups::plaque_date.eq(e.plaque_date),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    let school = SchoolNow {
        group_id: e.group_id,
        school_id: e.lead_school_id,
        role: MemberRole::Lead,
        name: e.lead_school_name.clone(),
        principal_name: e.lead_principal_name.clone(),
        region: Some(e.region.clone()),
    };
    joined(conn, &school, on).await
}

async fn admitted(
    conn: &mut AsyncPgConnection,
    e: &MemberAdmitted,
    on: NaiveDate,
) -> QueryResult<()> {
    let school = SchoolNow {
        group_id: e.group_id,
        school_id: e.school_id,
        role: MemberRole::Member,
        name: e.school_name.clone(),
        principal_name: e.principal_name.clone(),
        region: e.region.clone(),
    };
    joined(conn, &school, on).await
}

/// A school's place in a group as an admission (or a formation, for the lead) tells it.
#[derive(Insertable)]
#[diesel(table_name = membership_schools)]
struct SchoolNow {
    group_id: GroupId,
    school_id: SchoolId,
    role: MemberRole,
    name: Option<String>,
    principal_name: Option<String>,
    region: Option<RegionCode>,
}

/// The school is in the group from `on`: its place today (what the event does not tell is
/// kept from an earlier stay), and a stay opened unless one is open already.
async fn joined(
    conn: &mut AsyncPgConnection,
    school: &SchoolNow,
    on: NaiveDate,
) -> QueryResult<()> {
    let kept = |column: &str| {
        sql::<Nullable<Text>>(&format!(
            "COALESCE(excluded.{column}, membership_schools.{column})"
        ))
    };
    diesel::insert_into(membership_schools::table)
        .values((school, membership_schools::active.eq(true)))
        .on_conflict((membership_schools::group_id, membership_schools::school_id))
        .do_update()
        .set((
            membership_schools::role.eq(school.role),
            membership_schools::name.eq(kept("name")),
            membership_schools::principal_name.eq(kept("principal_name")),
            membership_schools::region.eq(kept("region")),
            membership_schools::active.eq(true),
            membership_schools::under_persuade_out.eq(false),
        ))
        .execute(conn)
        .await?;
    diesel::sql_query(
        "INSERT INTO membership_stays (group_id, school_id, role, joined_on) \
         VALUES ($1, $2, $3, $4) \
         ON CONFLICT (group_id, school_id) WHERE left_on IS NULL DO NOTHING",
    )
    .bind::<SqlUuid, _>(school.group_id)
    .bind::<SqlUuid, _>(school.school_id)
    .bind::<Text, _>(school.role)
    .bind::<Date, _>(on)
    .execute(conn)
    .await
    .map(|_| ())
}

/// The school (or every school, on dissolution) is out of the group from `on` (a stay ends
/// no earlier than it began); an open persuade-out of it has nothing left to act on.
async fn left(
    conn: &mut AsyncPgConnection,
    group: GroupId,
    school: Option<SchoolId>,
    on: NaiveDate,
) -> QueryResult<()> {
    let mut now = diesel::update(membership_schools::table)
        .filter(membership_schools::group_id.eq(group))
        .into_boxed();
    if let Some(school) = school {
        now = now.filter(membership_schools::school_id.eq(school));
    }
    now.set((
        membership_schools::active.eq(false),
        membership_schools::under_persuade_out.eq(false),
    ))
    .execute(conn)
    .await?;
    diesel::sql_query(
        "UPDATE membership_stays SET left_on = GREATEST(joined_on, $3) \
         WHERE group_id = $1 AND ($2::uuid IS NULL OR school_id = $2) AND left_on IS NULL",
    )
    .bind::<SqlUuid, _>(group)
    .bind::<Nullable<SqlUuid>, _>(school)
    .bind::<Date, _>(on)
    .execute(conn)
    .await
    .map(|_| ())
}

async fn persuade_out(
    conn: &mut AsyncPgConnection,
    group: GroupId,
    school: SchoolId,
    open: bool,
) -> QueryResult<()> {
    diesel::update(membership_schools::table.find((group, school)))
        .set(membership_schools::under_persuade_out.eq(open))
        .execute(conn)
        .await
        .map(|_| ())
}

/// A service's own reaction to a change of the view, in the same transaction (seating a
/// council, ending postings, cancelling bookings, …).
pub trait Reactions: Send + Sync + 'static {
    fn react<'a>(
        &'a self,
        conn: &'a mut AsyncPgConnection,
        event: &'a EventEnvelope,
        change: Change,
    ) -> BoxFuture<'a, QueryResult<()>>;
}

/// The consumer of the membership events: keeps the view, then the service's reactions.
pub struct MembershipConsumer<R>(pub R);

impl<R: Reactions> EventHandler for MembershipConsumer<R> {
    fn handle<'a>(
        &'a self,
        conn: &'a mut AsyncPgConnection,
        event: &'a EventEnvelope,
    ) -> BoxFuture<'a, QueryResult<Applied>> {
        Box::pin(async move {
            let Some(change) = apply(conn, event).await? else {
                return Ok(Applied::Ignored);
            };
            self.0.react(conn, event, change).await?;
            Ok(Applied::Changed)
        })
    }
}

impl crate::server::ServiceHost {
    /// Keeps the membership view in this service's schema from membership's events, through
    /// the durable consumer `consumer`, and runs `reactions` on each change.
    pub fn follow_membership<R: Reactions>(
        &mut self,
        pool: edu_db::DbPool,
        consumer: &str,
        reactions: R,
    ) {
        let spec = crate::consumer::ConsumerSpec {
            name: consumer.to_owned(),
            filter_subject: self.bus.config().service_events(ServiceName::Membership),
        };
        self.spawn_consumer(
            pool,
            spec,
            std::sync::Arc::new(MembershipConsumer(reactions)),
        );
    }
}

// ---- what the services ask of the view ----

/// A group as the view knows it.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = membership_groups)]
pub struct GroupView {
    pub group_id: GroupId,
    pub name: Option<String>,
    pub region: RegionCode,
    pub lead_school_id: SchoolId,
    pub plaque_date: Option<NaiveDate>,
    pub dissolved_on: Option<NaiveDate>,
}

/// One stay of a school in a group.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = membership_stays)]
pub struct Stay {
    pub school_id: SchoolId,
    pub role: MemberRole,
    pub joined_on: NaiveDate,
    /// The day it left (from then on it is not in the group, as membership records an
    /// exit); `None` while the stay lasts.
    pub left_on: Option<NaiveDate>,
}

impl Stay {
    /// Whether the school was in the group on `day`.
    pub fn covers(&self, day: NaiveDate) -> bool {
        self.joined_on <= day && self.left_on.is_none_or(|left| day < left)
    }
}

/// How a write reads the view: with a share lock, a concurrent exit or dissolution waits for
/// the writing transaction (and the write sees the school still in the group, or waits).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lock {
    None,
    Share,
}

pub async fn group(
    conn: &mut AsyncPgConnection,
    group: GroupId,
    lock: Lock,
) -> QueryResult<Option<GroupView>> {
    let q = membership_groups::table
        .find(group)
        .select(GroupView::as_select());
    match lock {
        Lock::None => q.first(conn).await.optional(),
        Lock::Share => q.for_share().first(conn).await.optional(),
    }
}

/// The school's role in the group today, if it is in it.
pub async fn role_now(
    conn: &mut AsyncPgConnection,
    group: GroupId,
    school: SchoolId,
    lock: Lock,
) -> QueryResult<Option<MemberRole>> {
    let q = membership_schools::table
        .find((group, school))
        .filter(membership_schools::active)
        .select(membership_schools::role);
    match lock {
        Lock::None => q.first(conn).await.optional(),
        Lock::Share => q.for_share().first(conn).await.optional(),
    }
}

/// Whether the school is in the group today (`None`: it never was).
pub async fn school_active(
    conn: &mut AsyncPgConnection,
    group: GroupId,
    school: SchoolId,
    lock: Lock,
) -> QueryResult<Option<bool>> {
    let q = membership_schools::table
        .find((group, school))
        .select(membership_schools::active);
    match lock {
        Lock::None => q.first(conn).await.optional(),
        Lock::Share => q.for_share().first(conn).await.optional(),
    }
}

/// The schools in the group today.
pub async fn schools_now(
    conn: &mut AsyncPgConnection,
    group: GroupId,
) -> QueryResult<Vec<SchoolId>> {
    membership_schools::table
        .filter(membership_schools::group_id.eq(group))
        .filter(membership_schools::active)
        .order(membership_schools::school_id)
        .select(membership_schools::school_id)
        .load(conn)
        .await
}

/// The names of the schools the groups have had, where an event told them.
pub async fn school_names(
    conn: &mut AsyncPgConnection,
    groups: &[GroupId],
) -> QueryResult<BTreeMap<(GroupId, SchoolId), String>> {
    let rows: Vec<(GroupId, SchoolId, String)> = membership_schools::table
        .filter(membership_schools::group_id.eq_any(groups))
        .filter(membership_schools::name.is_not_null())
        .select((
            membership_schools::group_id,
            membership_schools::school_id,
            membership_schools::name.assume_not_null(),
        ))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(g, s, name)| ((g, s), name))
        .collect())
}

/// Every stay of every school in the group, earliest first.
pub async fn stays(conn: &mut AsyncPgConnection, group: GroupId) -> QueryResult<Vec<Stay>> {
    membership_stays::table
        .filter(membership_stays::group_id.eq(group))
        .order((membership_stays::joined_on, membership_stays::school_id))
        .select(Stay::as_select())
        .load(conn)
        .await
}

/// The role of `school` in the group through every day of `[first, last]` (one stay covers
/// them all), if it was in the group that whole time.
pub async fn role_through(
    conn: &mut AsyncPgConnection,
    group: GroupId,
    school: SchoolId,
    (first, last): (NaiveDate, NaiveDate),
) -> QueryResult<Option<MemberRole>> {
    membership_stays::table
        .filter(membership_stays::group_id.eq(group))
        .filter(membership_stays::school_id.eq(school))
        .filter(membership_stays::joined_on.le(first))
        .filter(
            membership_stays::left_on
                .is_null()
                .or(membership_stays::left_on.gt(last)),
        )
        .select(membership_stays::role)
        .first(conn)
        .await
        .optional()
}
