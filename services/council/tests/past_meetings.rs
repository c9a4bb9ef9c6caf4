//! A group's past council meetings, loaded by the bureau with their real dates, over the bus
//! against real PostgreSQL and NATS, with the real membership service loading the group's
//! past memberships (the stays the council judges each meeting by).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod common;

use chrono::{Days, NaiveDate, Utc};
use common::{Env, LEAD_PRINCIPAL, count, day, env, events_until, refused};
use edu_contracts::council::{
    CadenceQuery, GetCadence, ListMeetings, LoadPastMeetings, MeetingKind, MeetingQuery,
    MinutesStatus, MonthState, Paging, PastMeeting, PastMeetings, PastMeetingsLoaded, SeatRole,
};
use edu_contracts::events::MeetingHeld;
use edu_contracts::membership::{GroupHistory, ImportGroup, PastMembership};
use edu_domain::{ErrorCode, ExitReason, GroupId, GroupModel, Problem, SchoolId};
use serde_json::json;

/// A group loaded with its past: plaque 2024-09-01; `a` in it from then on; `b` from
/// 2025-03-01 until it left on 2025-07-01; `c` from 2025-09-01.
struct Past {
    id: GroupId,
    lead: SchoolId,
    a: SchoolId,
    b: SchoolId,
    c: SchoolId,
}

async fn past_group(env: &Env) -> Past {
    let lead = env.school("老集团一中", LEAD_PRINCIPAL).await;
    let a = env.school("老集团二中", "甲校长").await;
    let b = env.school("老集团三中", "乙校长").await;
    let c = env.school("老集团四中", "丙校长").await;
    let stay = |school, joined_on, left_on: Option<NaiveDate>| PastMembership {
        school_id: school,
        joined_on,
        left_on,
        exit_reason: left_on.map(|_| ExitReason::Voluntary),
        note: None,
    };
    let history = GroupHistory {
        name: "老集团一中教育集团".into(),
        model: GroupModel::Alliance,
        lead_school_id: lead,
        plaque_date: day(2024, 9, 1),
        formed_on: None,
        scale_cap: None,
        cap_exception_reason: None,
        members: vec![
            stay(a, day(2024, 9, 1), None),
            stay(b, day(2025, 3, 1), Some(day(2025, 7, 1))),
            stay(c, day(2025, 9, 1), None),
        ],
    };
    let id = env
        .bus()
        .call::<ImportGroup>(&env.actor, None, history)
        .await
        .unwrap()
        .group
        .id;
    // the projection takes the events in order: `c`'s seat means `b`'s stay is closed too
    env.council_until(id, |council| {
        council
            .seats
            .iter()
            .any(|s| s.role == SeatRole::ViceChair && s.school_id == c)
    })
    .await;
    Past { id, lead, a, b, c }
}

fn meeting(kind: MeetingKind, on: NaiveDate, present: &[SchoolId]) -> PastMeeting {
    PastMeeting {
        kind,
        title: format!("{} {on}", kind.name_zh()),
        held_on: on,
        place: Some("老集团一中会议室".into()),
        schools_present: present.to_vec(),
        minutes_summary: None,
    }
}

async fn load(
    env: &Env,
    group: GroupId,
    key: Option<&str>,
    meetings: Vec<PastMeeting>,
) -> Result<PastMeetingsLoaded, Problem> {
    env.bus()
        .call::<LoadPastMeetings>(
            &env.actor,
            key.map(str::to_owned),
            PastMeetings {
                group_id: group,
                meetings,
            },
        )
        .await
}

async fn meetings_in(env: &Env, group: GroupId, year: i32) -> i64 {
    let query = MeetingQuery {
        group_id: group,
        year: Some(year),
        kind: None,
        paging: Paging::default(),
    };
    env.bus()
        .call::<ListMeetings>(&env.actor, None, query)
        .await
        .unwrap()
        .total
}

async fn cadence(env: &Env, group: GroupId, year: i32) -> edu_contracts::council::Cadence {
    env.bus()
        .call::<GetCadence>(
            &env.actor,
            None,
            CadenceQuery {
                group_id: group,
                year,
            },
        )
        .await
        .unwrap()
}

/// Loads `meetings`, expecting the refusal `code` for the entry `row`: named (0-based) with
/// its day in `details.entry` beside the cause's details, and in both messages.
async fn refused_entry(
    env: &Env,
    group: GroupId,
    meetings: Vec<PastMeeting>,
    code: ErrorCode,
    row: usize,
) -> Problem {
    let on = meetings[row].held_on.to_string();
    let p = refused(load(env, group, None, meetings).await, code);
    assert_eq!(p.details["entry"], json!({"row": row, "date": on}), "{p:?}");
    assert!(
        p.message.contains(&on) && p.message_zh.contains(&on),
        "{p:?}"
    );
    p
}

#[tokio::test]
async fn g06_g15_past_meetings_count_in_the_cadence_of_their_months() {
    let env = env().await;
    let g = past_group(&env).await;
    let mut planning = meeting(MeetingKind::WorkPlanning, day(2025, 2, 20), &[g.lead, g.a]);
    planning.minutes_summary = Some("审议2025年集团工作计划".into());
    let mut unplaced = meeting(MeetingKind::Council, day(2025, 5, 15), &[g.lead]);
    unplaced.place = None;
    let loaded = load(
        &env,
        g.id,
        None,
        vec![
            meeting(MeetingKind::Council, day(2025, 1, 10), &[g.lead, g.a]),
            planning,
            meeting(MeetingKind::Council, day(2025, 4, 10), &[g.lead, g.a, g.b]),
            unplaced,
        ],
    )
    .await
    .unwrap();
    assert_eq!(loaded.group_id, g.id);
    let m = &loaded.meetings;
    assert_eq!(m.len(), 4);
    assert!(m.iter().all(|x| x.held));
    // G-02: the seats of 2025-04-10 are the three schools in the group that day, the lead's
    // in the chair (G-03), the members' as vice-chairs (G-04); `c` had not joined yet
    assert_eq!(m[2].attendance.len(), 3);
    assert!(m[2].attendance.iter().all(|s| s.present));
    assert!(
        m[2].attendance
            .iter()
            .any(|s| s.school_id == g.lead && s.role == SeatRole::Chair)
    );
    assert!(!m[2].attendance.iter().any(|s| s.school_id == g.c));
    assert!(m[2].quorum.as_ref().unwrap().met);
    // the quorum the live attendance computes: 1 of 3 seats, the members absent
    let q = m[3].quorum.as_ref().unwrap();
    assert_eq!((q.seats, q.present, q.met), (3, 1, false));
    assert_eq!(m[3].place, None);
    // the minutes given are the published minutes
    let minutes = m[1].minutes.as_ref().unwrap();
    assert_eq!(minutes.status, MinutesStatus::Published);
    assert_eq!(minutes.text, "审议2025年集团工作计划");

    // G-06: January, April and May met; February (only the planning meeting) and March did not
    let year = cadence(&env, g.id, 2025).await;
    let states: Vec<MonthState> = year.months.iter().map(|x| x.state).collect();
    assert_eq!(
        &states[..5],
        &[
            MonthState::Met,
            MonthState::Missing,
            MonthState::Missing,
            MonthState::Met,
            MonthState::Met,
        ]
    );
    assert_eq!(year.months[0].meeting_ids, vec![m[0].id]);
    // G-15 / M2: the planning meeting was held; of today's members `a` attended it
    let held = &year.yearly[0];
    assert_eq!(held.kind, MeetingKind::WorkPlanning);
    assert!(held.held);
    assert_eq!(held.members_attended, vec![g.a]);
    assert_eq!(held.members_absent, vec![g.c]);
    assert_eq!(meetings_in(&env, g.id, 2025).await, 4);

    // each is a `meeting.held` with its real day, as the evaluation projection reads it
    let events = events_until(&env.bus, |e| count(e, "meeting.held") == 4).await;
    let held: Vec<MeetingHeld> = events
        .iter()
        .filter(|e| e.event_type == "meeting.held")
        .map(|e| serde_json::from_value(e.payload.clone()).unwrap())
        .collect();
    assert_eq!(held.len(), 4);
    let may = held.iter().find(|e| e.held_on == day(2025, 5, 15)).unwrap();
    assert_eq!((may.seats, may.present, may.quorum_met), (3, 1, false));
    assert_eq!(may.schools_present, vec![g.lead]);
    assert_eq!(may.meeting_id, m[3].id);
}

#[tokio::test]
async fn g02_a_school_present_outside_its_stay_refuses_the_whole_load_naming_the_entry() {
    let env = env().await;
    let g = past_group(&env).await;
    // `b` joined on 2025-03-01: it had no seat on 2025-02-14
    let early = vec![
        meeting(MeetingKind::Council, day(2025, 1, 10), &[g.lead, g.a]),
        meeting(MeetingKind::Council, day(2025, 2, 14), &[g.lead, g.b]),
    ];
    let p = refused_entry(&env, g.id, early, ErrorCode::SchoolNotInGroup, 1).await;
    assert_eq!(p.rule.as_deref(), Some("G-02"));
    assert_eq!(p.details["school_id"], json!(g.b));
    // nothing of the load was written, not even its first entry
    assert_eq!(meetings_in(&env, g.id, 2025).await, 0);
    assert_eq!(
        cadence(&env, g.id, 2025).await.months[0].state,
        MonthState::Missing
    );
    // `b` left on 2025-07-01: from that day on it had no seat
    let left = vec![meeting(
        MeetingKind::Council,
        day(2025, 7, 1),
        &[g.lead, g.b],
    )];
    refused_entry(&env, g.id, left, ErrorCode::SchoolNotInGroup, 0).await;
    // a school that never was in the group
    let stranger = env.school("别处中学", "丁校长").await;
    let never = vec![meeting(MeetingKind::Council, day(2025, 10, 9), &[stranger])];
    refused_entry(&env, g.id, never, ErrorCode::SchoolNotInGroup, 0).await;

    // the refused loads sent no `meeting.held`: the one accepted next is the only one
    load(
        &env,
        g.id,
        None,
        vec![meeting(
            MeetingKind::Council,
            day(2025, 6, 30),
            &[g.lead, g.b],
        )],
    )
    .await
    .unwrap();
    let events = events_until(&env.bus, |e| count(e, "meeting.held") >= 1).await;
    assert_eq!(count(&events, "meeting.held"), 1);
    assert_eq!(meetings_in(&env, g.id, 2025).await, 1);
}

#[tokio::test]
async fn g06_a_meeting_after_today_or_before_the_plaque_is_refused() {
    let env = env().await;
    let g = past_group(&env).await;
    let tomorrow = Utc::now()
        .date_naive()
        .checked_add_days(Days::new(1))
        .unwrap();
    let late = vec![
        meeting(MeetingKind::Council, day(2025, 1, 10), &[g.lead]),
        meeting(MeetingKind::AnnualSummary, tomorrow, &[g.lead]),
    ];
    let p = refused_entry(&env, g.id, late, ErrorCode::MeetingStateInvalid, 1).await;
    assert_eq!(p.rule.as_deref(), Some("G-06"));
    let early = vec![meeting(MeetingKind::Council, day(2024, 8, 31), &[g.lead])];
    let p = refused_entry(&env, g.id, early, ErrorCode::MeetingStateInvalid, 0).await;
    assert_eq!(p.details["plaque_date"], "2024-09-01");

    // the live writes' text limits, named with their entry
    let mut long = meeting(MeetingKind::Council, day(2025, 1, 10), &[g.lead]);
    long.title = "长".repeat(101);
    let p = refused_entry(&env, g.id, vec![long], ErrorCode::ValidationFailed, 0).await;
    assert_eq!(p.details["field"], "title");
    refused(
        load(&env, g.id, None, Vec::new()).await,
        ErrorCode::ValidationFailed,
    );
    assert_eq!(meetings_in(&env, g.id, 2025).await, 0);
    assert_eq!(meetings_in(&env, g.id, 2024).await, 0);
}

#[tokio::test]
async fn a_load_replayed_with_its_key_answers_the_first_reply_and_x02_a_dissolved_group_takes_none()
{
    let env = env().await;
    let g = past_group(&env).await;
    let body = vec![meeting(
        MeetingKind::Council,
        day(2025, 10, 9),
        &[g.lead, g.a, g.c],
    )];
    let first = load(&env, g.id, Some("past-1"), body.clone())
        .await
        .unwrap();
    let again = load(&env, g.id, Some("past-1"), body).await.unwrap();
    assert_eq!(first, again);
    assert_eq!(meetings_in(&env, g.id, 2025).await, 1);
    // the same key for another body
    let other = vec![meeting(MeetingKind::Council, day(2025, 11, 6), &[g.lead])];
    refused(
        load(&env, g.id, Some("past-1"), other.clone()).await,
        ErrorCode::IdempotencyKeyReused,
    );
    assert_eq!(meetings_in(&env, g.id, 2025).await, 1);

    // a dissolved group's council takes no more records
    env.dissolve(g.id).await;
    let p = refused(
        load(&env, g.id, None, other).await,
        ErrorCode::GroupDissolved,
    );
    assert_eq!(p.rule.as_deref(), Some("X-02"));
}
