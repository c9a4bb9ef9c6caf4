//! The membership view on the real database: each membership event keeps the groups, the
//! schools now and their stays as every consuming service reads them.

use chrono::{DateTime, NaiveDate, Utc};
use diesel_async::AsyncPgConnection;
use edu_bus::membership_view::{self as view, Change, Lock, Stay};
use edu_contracts::council::DecisionId;
use edu_contracts::events::{
    GroupDissolved, GroupEstablished, MemberAdmitted, MemberExited, PersuadeOutDecided,
    PersuadeOutProposed,
};
use edu_contracts::{Actor, Event, EventEnvelope};
use edu_domain::{
    ExitReason, GroupId, GroupModel, MemberRole, MembershipId, PersuadeOutId, RegionCode, SchoolId,
};
use edu_testkit::TestDb;

type TestResult = anyhow::Result<()>;

fn day(s: &str) -> anyhow::Result<NaiveDate> {
    Ok(s.parse()?)
}

async fn database() -> anyhow::Result<(TestDb, AsyncPgConnection)> {
    let db = TestDb::new().await?;
    let config = db.config("viewer");
    edu_db::migrate(&config, &[view::MIGRATIONS, edu_bus::policy::MIGRATIONS]).await?;
    let conn = edu_db::connect(&config).await?;
    Ok((db, conn))
}

/// The envelope of `event`, as it would arrive at `at`.
fn arriving<E: Event>(event: &E, at: DateTime<Utc>) -> anyhow::Result<EventEnvelope> {
    let mut envelope = EventEnvelope::of(Actor::system("membership"), None, None, event)?;
    envelope.occurred_at = at;
    Ok(envelope)
}

fn established(
    group: GroupId,
    lead: SchoolId,
    formed_on: Option<NaiveDate>,
) -> anyhow::Result<GroupEstablished> {
    Ok(GroupEstablished {
        group_id: group,
        name: "太康县第一初级中学教育集团".into(),
        model: GroupModel::Alliance,
        lead_school_id: lead,
        region: RegionCode::parse("411627")?,
        plaque_date: day("2025-09-01")?,
        effective_cap: 5,
        policy_version: 0,
        lead_school_name: Some("太康县第一初级中学".into()),
        lead_principal_name: Some("王校长".into()),
        formed_on,
    })
}

fn admitted(group: GroupId, school: SchoolId, joined_on: Option<NaiveDate>) -> MemberAdmitted {
    MemberAdmitted {
        group_id: group,
        school_id: school,
        membership_id: MembershipId::new(),
        plaque_text: "太康县第一初级中学教育集团成员学校".into(),
        legal_person_retained: true,
        independent_leadership: Some(true),
        cross_region: false,
        policy_version: 0,
        region: None,
        school_name: Some("太康县逊母口镇第一初级中学".into()),
        principal_name: Some("李校长".into()),
        joined_on,
    }
}

fn exited(group: GroupId, school: SchoolId, left_on: Option<NaiveDate>) -> MemberExited {
    MemberExited {
        group_id: group,
        school_id: school,
        membership_id: MembershipId::new(),
        reason: ExitReason::Voluntary,
        note: None,
        left_on,
    }
}

/// The school's name and whether a persuade-out of it is open, as the view holds them.
async fn school_row(
    conn: &mut AsyncPgConnection,
    group: GroupId,
    school: SchoolId,
) -> anyhow::Result<(Option<String>, bool)> {
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;
    Ok(view::membership_schools::table
        .find((group, school))
        .select((
            view::membership_schools::name,
            view::membership_schools::under_persuade_out,
        ))
        .first(conn)
        .await?)
}

fn at(s: &str) -> anyhow::Result<DateTime<Utc>> {
    Ok(s.parse()?)
}

#[tokio::test]
async fn a_group_its_members_and_their_stays() -> TestResult {
    let (_db, mut conn) = database().await?;
    let (group, lead, member) = (GroupId::new(), SchoolId::new(), SchoolId::new());
    // The bureau loaded a group formed before its plaque: the lead's stay begins at formation.
    let formed = established(group, lead, Some(day("2024-09-01")?))?;
    let change = view::apply(&mut conn, &arriving(&formed, at("2026-10-01T08:00:00Z")?)?).await?;
    assert_eq!(
        change,
        Some(Change::Established {
            event: formed,
            on: day("2024-09-01")?
        })
    );
    // A member admitted without a date of its own joined on the day of its event.
    let joins = admitted(group, member, None);
    view::apply(&mut conn, &arriving(&joins, at("2026-10-02T08:00:00Z")?)?).await?;

    let g = view::group(&mut conn, group, Lock::None)
        .await?
        .ok_or_else(|| anyhow::anyhow!("group"))?;
    assert_eq!(g.region.as_str(), "411627");
    assert_eq!(g.lead_school_id, lead);
    assert_eq!(g.plaque_date, Some(day("2025-09-01")?));
    assert_eq!(g.dissolved_on, None);
    assert_eq!(
        view::role_now(&mut conn, group, lead, Lock::None).await?,
        Some(MemberRole::Lead)
    );
    assert_eq!(
        view::role_now(&mut conn, group, member, Lock::None).await?,
        Some(MemberRole::Member)
    );
    let mut now = vec![lead, member];
    now.sort();
    assert_eq!(view::schools_now(&mut conn, group).await?, now);
    assert_eq!(
        view::role_through(
            &mut conn,
            group,
            lead,
            (day("2024-09-01")?, day("2026-12-01")?)
        )
        .await?,
        Some(MemberRole::Lead)
    );
    assert_eq!(
        view::role_through(
            &mut conn,
            group,
            member,
            (day("2026-10-01")?, day("2026-10-05")?)
        )
        .await?,
        None,
        "the member was not in the group the day before it joined"
    );
    Ok(())
}

#[tokio::test]
async fn a_member_that_leaves_and_comes_back_has_two_stays() -> TestResult {
    let (_db, mut conn) = database().await?;
    let (group, lead, member) = (GroupId::new(), SchoolId::new(), SchoolId::new());
    view::apply(
        &mut conn,
        &arriving(
            &established(group, lead, None)?,
            at("2025-09-01T08:00:00Z")?,
        )?,
    )
    .await?;
    let joins = admitted(group, member, Some(day("2025-09-10")?));
    view::apply(&mut conn, &arriving(&joins, at("2025-09-10T08:00:00Z")?)?).await?;
    // A redelivery of the admission opens no second stay.
    view::apply(&mut conn, &arriving(&joins, at("2025-09-10T08:00:00Z")?)?).await?;
    let leaves = exited(group, member, Some(day("2026-01-31")?));
    view::apply(&mut conn, &arriving(&leaves, at("2026-02-01T08:00:00Z")?)?).await?;
    assert_eq!(
        view::role_now(&mut conn, group, member, Lock::None).await?,
        None
    );
    // It comes back; the event no longer names it: the name it had is kept.
    let mut returns = admitted(group, member, None);
    returns.school_name = None;
    view::apply(&mut conn, &arriving(&returns, at("2026-03-01T08:00:00Z")?)?).await?;

    let stays: Vec<Stay> = view::stays(&mut conn, group)
        .await?
        .into_iter()
        .filter(|s| s.school_id == member)
        .collect();
    assert_eq!(stays.len(), 2);
    assert_eq!(
        (stays[0].joined_on, stays[0].left_on),
        (day("2025-09-10")?, Some(day("2026-01-31")?))
    );
    assert_eq!(
        (stays[1].joined_on, stays[1].left_on),
        (day("2026-03-01")?, None)
    );
    // It left on 2026-01-31: in the group the day before, no longer that day.
    assert!(stays[0].covers(day("2026-01-30")?) && !stays[0].covers(day("2026-01-31")?));
    assert_eq!(
        view::role_now(&mut conn, group, member, Lock::None).await?,
        Some(MemberRole::Member)
    );
    let (name, _) = school_row(&mut conn, group, member).await?;
    assert_eq!(name.as_deref(), Some("太康县逊母口镇第一初级中学"));
    Ok(())
}

#[tokio::test]
async fn a_persuade_out_is_open_until_decided_and_a_dissolution_ends_every_stay() -> TestResult {
    let (_db, mut conn) = database().await?;
    let (group, lead, member) = (GroupId::new(), SchoolId::new(), SchoolId::new());
    view::apply(
        &mut conn,
        &arriving(
            &established(group, lead, None)?,
            at("2025-09-01T08:00:00Z")?,
        )?,
    )
    .await?;
    view::apply(
        &mut conn,
        &arriving(&admitted(group, member, None), at("2025-09-02T08:00:00Z")?)?,
    )
    .await?;
    let proposed = PersuadeOutProposed {
        persuade_out_id: PersuadeOutId::new(),
        group_id: group,
        school_id: member,
        reason: "连续两次考核不合格".into(),
        decision_id: DecisionId::new(),
        warning_ids: vec![],
        failing_evaluation_id: None,
        policy_version: 0,
    };
    view::apply(
        &mut conn,
        &arriving(&proposed, at("2026-03-01T08:00:00Z")?)?,
    )
    .await?;
    assert!(
        school_row(&mut conn, group, member).await?.1,
        "X-01: the persuade-out is open"
    );
    let decided = PersuadeOutDecided {
        persuade_out_id: proposed.persuade_out_id,
        group_id: group,
        school_id: member,
        confirmed: false,
        note: None,
    };
    view::apply(&mut conn, &arriving(&decided, at("2026-03-05T08:00:00Z")?)?).await?;
    assert!(
        !school_row(&mut conn, group, member).await?.1,
        "X-01: the bureau decided it"
    );

    let dissolved = GroupDissolved {
        group_id: group,
        reason: "考核不合格".into(),
        school_ids: vec![lead, member],
        override_reason: None,
        failing_evaluation_id: None,
    };
    view::apply(
        &mut conn,
        &arriving(&dissolved, at("2026-07-15T08:00:00Z")?)?,
    )
    .await?;
    let g = view::group(&mut conn, group, Lock::None)
        .await?
        .ok_or_else(|| anyhow::anyhow!("group"))?;
    assert_eq!(g.dissolved_on, Some(day("2026-07-15")?));
    assert!(view::schools_now(&mut conn, group).await?.is_empty());
    let stays = view::stays(&mut conn, group).await?;
    assert_eq!(stays.len(), 2);
    let last = day("2026-07-15")?;
    assert!(stays.iter().all(|s| s.left_on == Some(last)));
    Ok(())
}

#[tokio::test]
async fn events_the_view_does_not_keep_change_nothing() -> TestResult {
    let (_db, mut conn) = database().await?;
    let other = EventEnvelope {
        event_type: "posting.confirmed".into(),
        ..arriving(&admitted(GroupId::new(), SchoolId::new(), None), Utc::now())?
    };
    assert_eq!(view::apply(&mut conn, &other).await?, None);
    Ok(())
}
