//! Queries of the membership schema. Every function takes `&mut AsyncPgConnection` so the
//! service composes them inside one transaction.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use edu_contracts::membership::{Group, Membership, Paging, School};
use edu_domain::{
    ExitReason, GroupId, GroupModel, GroupStatus, MemberRole, MembershipId, Policy, RegionCode,
    SchoolId, Stage,
};

use crate::schema::{groups, memberships, region_policies, schools};

mod members;
mod policies;
mod sanctions;

pub use members::*;
pub use policies::*;
pub use sanctions::*;

pub(crate) fn corrupt(what: &str, value: &str) -> diesel::result::Error {
    diesel::result::Error::DeserializationError(
        format!("stored {what} {value:?} is not valid").into(),
    )
}

fn parse<T: std::str::FromStr>(what: &str, value: &str) -> QueryResult<T> {
    value.parse().map_err(|_| corrupt(what, value))
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = schools)]
pub struct SchoolRow {
    pub id: SchoolId,
    pub name: String,
    pub stage: String,
    pub region: String,
    pub principal_name: String,
    pub legal_person: String,
    pub created_at: DateTime<Utc>,
}

impl SchoolRow {
    pub fn stage(&self) -> QueryResult<Stage> {
        parse("stage", &self.stage)
    }

    pub fn region(&self) -> QueryResult<RegionCode> {
        RegionCode::parse(&self.region).map_err(|_| corrupt("region", &self.region))
    }

    pub fn into_view(self) -> QueryResult<School> {
        Ok(School {
            id: self.id,
            stage: self.stage()?,
            region: self.region()?,
            name: self.name,
            principal_name: self.principal_name,
            legal_person: self.legal_person,
            created_at: self.created_at,
        })
    }
}

#[derive(Debug, Clone, Queryable, QueryableByName, Selectable, Insertable)]
#[diesel(table_name = groups)]
pub struct GroupRow {
    pub id: GroupId,
    pub name: String,
    pub model: String,
    pub lead_school_id: SchoolId,
    pub region: String,
    pub plaque_date: NaiveDate,
    pub scale_cap: Option<i16>,
    pub cap_exception_reason: Option<String>,
    pub status: String,
    pub dissolved_at: Option<DateTime<Utc>>,
    pub dissolution_reason: Option<String>,
    pub policy_version: i32,
    pub created_at: DateTime<Utc>,
}

impl GroupRow {
    pub fn model(&self) -> QueryResult<GroupModel> {
        parse("model", &self.model)
    }

    pub fn status(&self) -> QueryResult<GroupStatus> {
        parse("status", &self.status)
    }

    pub fn region(&self) -> QueryResult<RegionCode> {
        RegionCode::parse(&self.region).map_err(|_| corrupt("region", &self.region))
    }

    pub fn scale_cap(&self) -> Option<u8> {
        self.scale_cap.and_then(|c| u8::try_from(c).ok())
    }
}

/// An active school of a group, with what the group view needs of it.
#[derive(Debug, Clone, Queryable)]
pub struct ActiveSchool {
    pub group_id: GroupId,
    pub school_id: SchoolId,
    pub role: String,
    pub region: String,
}

// None is bound as NULL, so the INSERT has one text and is prepared once per connection
// (with DEFAULT for None, diesel builds and PostgreSQL parses and plans it on every call).
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = memberships, treat_none_as_default_value = false)]
pub struct MembershipRow {
    pub id: MembershipId,
    pub group_id: GroupId,
    pub school_id: SchoolId,
    pub role: String,
    pub joined_at: DateTime<Utc>,
    pub left_at: Option<DateTime<Utc>>,
    pub exit_reason: Option<String>,
    pub exit_note: Option<String>,
    pub plaque_text: String,
    pub legal_person_retained: bool,
    pub cross_region: bool,
    pub policy_version: i32,
    pub independent_leadership: bool,
}

impl MembershipRow {
    pub fn into_view(self, school_name: String) -> QueryResult<Membership> {
        Ok(Membership {
            id: self.id,
            group_id: self.group_id,
            school_id: self.school_id,
            school_name,
            role: parse::<MemberRole>("role", &self.role)?,
            joined_at: self.joined_at,
            left_at: self.left_at,
            exit_reason: self
                .exit_reason
                .as_deref()
                .map(|r| parse::<ExitReason>("exit reason", r))
                .transpose()?,
            exit_note: self.exit_note,
            plaque_text: self.plaque_text,
            legal_person_retained: self.legal_person_retained,
            independent_leadership: self.independent_leadership,
            cross_region: self.cross_region,
            policy_version: self.policy_version,
        })
    }
}

pub async fn insert_school(conn: &mut AsyncPgConnection, row: &SchoolRow) -> QueryResult<()> {
    diesel::insert_into(schools::table)
        .values(row)
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn school(conn: &mut AsyncPgConnection, id: SchoolId) -> QueryResult<Option<SchoolRow>> {
    schools::table
        .find(id.0)
        .select(SchoolRow::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn list_schools(
    conn: &mut AsyncPgConnection,
    region: Option<&RegionCode>,
    ids: &[SchoolId],
    paging: Paging,
) -> QueryResult<(Vec<SchoolRow>, i64)> {
    let filtered = || {
        let mut q = schools::table.into_boxed();
        if let Some(region) = region {
            q = q.filter(schools::region.eq(region.as_str().to_owned()));
        }
        if !ids.is_empty() {
            q = q.filter(schools::id.eq_any(ids.iter().map(|i| i.0).collect::<Vec<_>>()));
        }
        q
    };
    let total = filtered().count().get_result(conn).await?;
    let rows = filtered()
        .order((schools::name, schools::id))
        .limit(i64::from(paging.limit))
        .offset(i64::from(paging.offset))
        .select(SchoolRow::as_select())
        .load(conn)
        .await?;
    Ok((rows, total))
}

/// The policy in force for a region today: its latest effective version, or the defaults.
pub async fn current_policy(conn: &AsyncPgConnection, region: &RegionCode) -> QueryResult<Policy> {
    policy_on(conn, region, Utc::now().date_naive()).await
}

/// The policy in force for a region on a day: its latest version effective by then, or the
/// defaults.
pub async fn policy_on(
    mut conn: &AsyncPgConnection,
    region: &RegionCode,
    day: NaiveDate,
) -> QueryResult<Policy> {
    let row: Option<(i32, serde_json::Value)> = region_policies::table
        .filter(region_policies::region.eq(region.as_str()))
        .filter(region_policies::effective_from.le(day))
        .order(region_policies::version.desc())
        .select((region_policies::version, region_policies::body))
        .first(&mut conn)
        .await
        .optional()?;
    // Through the shared decoding: the write this decides carries the version.
    edu_bus::policy::stored(region.as_str(), row)
}

pub async fn insert_group(conn: &mut AsyncPgConnection, row: &GroupRow) -> QueryResult<()> {
    diesel::insert_into(groups::table)
        .values(row)
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn group(mut conn: &AsyncPgConnection, id: GroupId) -> QueryResult<Option<GroupRow>> {
    groups::table
        .find(id.0)
        .select(GroupRow::as_select())
        .first(&mut conn)
        .await
        .optional()
}

/// The group row, locked until the transaction ends: admissions, exits and dissolution of
/// one group are serialised on it, which makes the cap check race-free.
pub async fn group_for_update(
    conn: &mut AsyncPgConnection,
    id: GroupId,
) -> QueryResult<Option<GroupRow>> {
    groups::table
        .find(id.0)
        .select(GroupRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

pub async fn list_groups(
    conn: &mut AsyncPgConnection,
    region: Option<&RegionCode>,
    school: Option<SchoolId>,
    include_dissolved: bool,
    paging: Paging,
) -> QueryResult<(Vec<GroupRow>, i64)> {
    let filtered = || {
        let mut q = groups::table.into_boxed();
        if !include_dissolved {
            q = q.filter(groups::status.eq(GroupStatus::Active.as_str()));
        }
        if let Some(region) = region {
            // F-04: a bureau sees the groups led from its region and those with a school in it.
            let in_region = memberships::table
                .inner_join(schools::table)
                .filter(memberships::left_at.is_null())
                .filter(schools::region.eq(region.as_str().to_owned()))
                .select(memberships::group_id);
            q = q.filter(
                groups::region
                    .eq(region.as_str().to_owned())
                    .or(groups::id.eq_any(in_region)),
            );
        }
        if let Some(school) = school {
            let current = memberships::table
                .filter(memberships::school_id.eq(school.0))
                .filter(memberships::left_at.is_null())
                .select(memberships::group_id);
            q = q.filter(groups::id.eq_any(current));
        }
        q
    };
    let total = filtered().count().get_result(conn).await?;
    let rows = filtered()
        .order((groups::created_at.desc(), groups::id))
        .limit(i64::from(paging.limit))
        .offset(i64::from(paging.offset))
        .select(GroupRow::as_select())
        .load(conn)
        .await?;
    Ok((rows, total))
}

pub async fn active_schools(
    mut conn: &AsyncPgConnection,
    group_ids: &[GroupId],
) -> QueryResult<Vec<ActiveSchool>> {
    memberships::table
        .inner_join(schools::table)
        .filter(memberships::group_id.eq_any(group_ids))
        .filter(memberships::left_at.is_null())
        .order(memberships::joined_at)
        .select((
            memberships::group_id,
            memberships::school_id,
            memberships::role,
            schools::region,
        ))
        .load(&mut conn)
        .await
}

/// Where a school is now: its active membership's role, if any.
pub async fn current_role(
    conn: &mut AsyncPgConnection,
    school: SchoolId,
) -> QueryResult<Option<MemberRole>> {
    let role: Option<String> = memberships::table
        .filter(memberships::school_id.eq(school.0))
        .filter(memberships::left_at.is_null())
        .select(memberships::role)
        .first(conn)
        .await
        .optional()?;
    role.map(|r| parse("role", &r)).transpose()
}

pub async fn insert_membership(
    conn: &mut AsyncPgConnection,
    row: &MembershipRow,
) -> QueryResult<()> {
    diesel::insert_into(memberships::table)
        .values(row)
        .execute(conn)
        .await
        .map(|_| ())
}

/// Ends active memberships of a group (all of them, or one school's); returns the ended rows.
pub async fn end_memberships(
    conn: &mut AsyncPgConnection,
    group: GroupId,
    school: Option<SchoolId>,
    reason: ExitReason,
    note: Option<&str>,
) -> QueryResult<Vec<MembershipRow>> {
    let mut target = diesel::update(memberships::table)
        .filter(memberships::group_id.eq(group.0))
        .filter(memberships::left_at.is_null())
        .into_boxed();
    if let Some(school) = school {
        target = target.filter(memberships::school_id.eq(school.0));
    }
    target
        .set((
            memberships::left_at.eq(diesel::dsl::now),
            memberships::exit_reason.eq(reason.as_str()),
            memberships::exit_note.eq(note),
        ))
        .returning(MembershipRow::as_returning())
        .get_results(conn)
        .await
}

pub async fn mark_dissolved(
    conn: &mut AsyncPgConnection,
    group: GroupId,
    reason: &str,
    override_reason: Option<&str>,
) -> QueryResult<GroupRow> {
    diesel::update(groups::table.find(group.0))
        .set((
            groups::status.eq(GroupStatus::Dissolved.as_str()),
            groups::dissolved_at.eq(diesel::dsl::now),
            groups::dissolution_reason.eq(reason),
            groups::dissolution_override_reason.eq(override_reason),
        ))
        .returning(GroupRow::as_returning())
        .get_result(conn)
        .await
}

/// Builds the API views of groups, reading their active schools in one query.
///
/// Its reads are independent and sent together (pipelined: one round trip).
pub async fn group_views(conn: &AsyncPgConnection, rows: Vec<GroupRow>) -> QueryResult<Vec<Group>> {
    let ids: Vec<GroupId> = rows.iter().map(|g| g.id).collect();
    let lead_ids: Vec<SchoolId> = rows.iter().map(|g| g.lead_school_id).collect();
    let lead_stages = async {
        let mut conn = conn;
        schools::table
            .filter(schools::id.eq_any(&lead_ids))
            .select((schools::id, schools::stage))
            .load::<(SchoolId, String)>(&mut conn)
            .await
    };
    let regions = rows
        .iter()
        .map(|g| g.region.clone())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .map(|region| {
            RegionCode::parse(&region)
                .map(|code| (region.clone(), code))
                .map_err(|_| corrupt("region", &region))
        })
        .collect::<QueryResult<Vec<_>>>()?;
    let policies = futures::future::try_join_all(regions.iter().map(|(region, code)| async move {
        Ok::<_, diesel::result::Error>((region.clone(), current_policy(conn, code).await?))
    }));
    let (active, lead_stages, policies) =
        futures::try_join!(active_schools(conn, &ids), lead_stages, policies)?;
    let policies: std::collections::BTreeMap<String, Policy> = policies.into_iter().collect();
    rows.into_iter()
        .map(|row| {
            let schools: Vec<&ActiveSchool> =
                active.iter().filter(|a| a.group_id == row.id).collect();
            let stage = lead_stages
                .iter()
                .find(|(id, _)| *id == row.lead_school_id)
                .map(|(_, stage)| stage.as_str())
                .ok_or_else(|| corrupt("lead school of group", &row.id.to_string()))?;
            let policy = policies.get(&row.region).cloned().unwrap_or_default();
            group_view(row, stage, &schools, &policy)
        })
        .collect()
}

/// The API view of one group, from its row, its lead school's stage, its active schools (in
/// order of joining) and its region's current policy.
fn group_view(
    row: GroupRow,
    lead_stage: &str,
    schools: &[&ActiveSchool],
    policy: &Policy,
) -> QueryResult<Group> {
    let mut regions: Vec<RegionCode> = Vec::new();
    for s in schools {
        let r = RegionCode::parse(&s.region).map_err(|_| corrupt("region", &s.region))?;
        if !regions.contains(&r) {
            regions.push(r);
        }
    }
    let model = row.model()?;
    let members = schools
        .iter()
        .filter(|s| s.role == MemberRole::Member.as_str())
        .count();
    Ok(Group {
        id: row.id,
        model,
        lead_school_id: row.lead_school_id,
        region: row.region()?,
        stage: parse::<Stage>("stage", lead_stage)?,
        plaque_date: row.plaque_date,
        effective_cap: policy.effective_cap(
            model,
            row.scale_cap(),
            row.cap_exception_reason.is_some(),
        ),
        scale_cap: row.scale_cap(),
        active_members: u8::try_from(members).unwrap_or(u8::MAX),
        active_school_ids: schools.iter().map(|s| s.school_id).collect(),
        regions,
        status: row.status()?,
        dissolved_at: row.dissolved_at,
        dissolution_reason: row.dissolution_reason,
        cap_exception_reason: row.cap_exception_reason,
        policy_version: row.policy_version,
        created_at: row.created_at,
        name: row.name,
    })
}

/// §8.5/F-01 over time: the role of a membership of the school that overlaps `[from, to)`
/// (`to` open-ended when `None`), in any group, if there is one.
pub async fn role_during(
    conn: &mut AsyncPgConnection,
    school: SchoolId,
    from: DateTime<Utc>,
    to: Option<DateTime<Utc>>,
) -> QueryResult<Option<MemberRole>> {
    let mut q = memberships::table
        .filter(memberships::school_id.eq(school.0))
        .filter(
            memberships::left_at
                .is_null()
                .or(memberships::left_at.gt(from)),
        )
        .into_boxed();
    if let Some(to) = to {
        q = q.filter(memberships::joined_at.lt(to));
    }
    let role: Option<String> = q
        .order(memberships::role)
        .select(memberships::role)
        .first(conn)
        .await
        .optional()?;
    role.map(|r| parse("role", &r)).transpose()
}
