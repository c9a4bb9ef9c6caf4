//! A group's member list in one statement: the group, its lead's stage, its region's policy
//! and every membership with its school.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use edu_contracts::membership::Group;
use edu_domain::{GroupId, MembershipId, SchoolId};

use super::{ActiveSchool, GroupRow, MembershipRow, corrupt, group_view};

/// One row of [`member_list`]: the group (the same on every row), its lead school's stage,
/// its region's current policy, and one membership with its school's name and region (none
/// when the group has no membership to list).
#[derive(QueryableByName)]
struct MemberListRow {
    #[diesel(embed)]
    group: GroupRow,
    #[diesel(sql_type = diesel::sql_types::Text)]
    lead_stage: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Integer>)]
    current_policy_version: Option<i32>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Jsonb>)]
    current_policy_body: Option<serde_json::Value>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Uuid>)]
    m_id: Option<MembershipId>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Uuid>)]
    m_school_id: Option<SchoolId>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    m_role: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>)]
    m_joined_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>)]
    m_left_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    m_exit_reason: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    m_exit_note: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    m_plaque_text: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Bool>)]
    m_legal_person_retained: Option<bool>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Bool>)]
    m_independent_leadership: Option<bool>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Bool>)]
    m_cross_region: Option<bool>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Integer>)]
    m_policy_version: Option<i32>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    school_name: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    school_region: Option<String>,
}

impl MemberListRow {
    /// The membership of this row with its school's name and region, if there is one. Its
    /// columns are NOT NULL in their tables: only the outer join leaves them empty, all at once.
    fn membership(&mut self) -> QueryResult<Option<(MembershipRow, String, String)>> {
        let Some(id) = self.m_id else {
            return Ok(None);
        };
        fn present<T>(value: Option<T>, column: &str) -> QueryResult<T> {
            value.ok_or_else(|| corrupt("membership column", column))
        }
        let row = MembershipRow {
            id,
            group_id: self.group.id,
            school_id: present(self.m_school_id, "school_id")?,
            role: present(self.m_role.take(), "role")?,
            joined_at: present(self.m_joined_at, "joined_at")?,
            left_at: self.m_left_at,
            exit_reason: self.m_exit_reason.take(),
            exit_note: self.m_exit_note.take(),
            plaque_text: present(self.m_plaque_text.take(), "plaque_text")?,
            legal_person_retained: present(self.m_legal_person_retained, "legal_person_retained")?,
            independent_leadership: present(
                self.m_independent_leadership,
                "independent_leadership",
            )?,
            cross_region: present(self.m_cross_region, "cross_region")?,
            policy_version: present(self.m_policy_version, "policy_version")?,
        };
        let name = present(self.school_name.take(), "school name")?;
        let region = present(self.school_region.take(), "school region")?;
        Ok(Some((row, name, region)))
    }
}

/// A group's view and its memberships (the active ones, or all with `include_history`) with
/// their schools' names, in order of joining; `None` if there is no such group.
///
/// One statement, prepared once per connection: the group by its key, its lead school's stage,
/// its region's policy in force `today`, and its memberships joined with their schools. The
/// group's active schools are the listed memberships without an end.
pub async fn member_list(
    mut conn: &AsyncPgConnection,
    group: GroupId,
    include_history: bool,
    today: NaiveDate,
) -> QueryResult<Option<(Group, Vec<(MembershipRow, String)>)>> {
    use diesel::sql_types::{Bool, Date, Uuid as SqlUuid};
    let mut rows: Vec<MemberListRow> = edu_db::prepared::Prepared::new(
        "SELECT g.id, g.name, g.model, g.lead_school_id, g.region, g.plaque_date, g.scale_cap, \
                g.cap_exception_reason, g.status, g.dissolved_at, g.dissolution_reason, \
                g.policy_version, g.created_at, l.stage AS lead_stage, \
                pv.version AS current_policy_version, pv.body AS current_policy_body, \
                m.id AS m_id, m.school_id AS m_school_id, m.role AS m_role, \
                m.joined_at AS m_joined_at, m.left_at AS m_left_at, \
                m.exit_reason AS m_exit_reason, m.exit_note AS m_exit_note, \
                m.plaque_text AS m_plaque_text, \
                m.legal_person_retained AS m_legal_person_retained, \
                m.independent_leadership AS m_independent_leadership, \
                m.cross_region AS m_cross_region, m.policy_version AS m_policy_version, \
                s.name AS school_name, s.region AS school_region \
           FROM groups g \
           JOIN schools l ON l.id = g.lead_school_id \
           LEFT JOIN LATERAL (SELECT version, body FROM region_policies \
                  WHERE region = g.region AND effective_from <= ",
    )
    .bind::<Date, _>(today)
    .sql(
        " ORDER BY version DESC LIMIT 1) pv ON true \
           LEFT JOIN (memberships m JOIN schools s ON s.id = m.school_id) \
             ON m.group_id = g.id AND (m.left_at IS NULL OR ",
    )
    .bind::<Bool, _>(include_history)
    .sql(") WHERE g.id = ")
    .bind::<SqlUuid, _>(group.0)
    .sql(" ORDER BY m.joined_at, m.id")
    .load(&mut conn)
    .await?;
    let Some(first) = rows.first_mut() else {
        return Ok(None);
    };
    let policy = edu_bus::policy::stored(
        &first.group.region,
        first
            .current_policy_version
            .zip(first.current_policy_body.take()),
    )?;
    let mut memberships = Vec::with_capacity(rows.len());
    let mut active = Vec::with_capacity(rows.len());
    for row in &mut rows {
        let Some((m, name, region)) = row.membership()? else {
            continue;
        };
        if m.left_at.is_none() {
            active.push(ActiveSchool {
                group_id: m.group_id,
                school_id: m.school_id,
                role: m.role.clone(),
                region,
            });
        }
        memberships.push((m, name));
    }
    let schools: Vec<&ActiveSchool> = active.iter().collect();
    let group = rows
        .into_iter()
        .next()
        .map(|first| group_view(first.group, &first.lead_stage, &schools, &policy))
        .transpose()?;
    Ok(group.map(|group| (group, memberships)))
}
