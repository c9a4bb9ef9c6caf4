//! The harness of the council service's tests: the council and membership services over a
//! private bus namespace and database, a group with its council, meetings, motions and votes.

#![allow(dead_code)] // each test binary uses its own part of the harness
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

use std::time::Duration;

use chrono::NaiveDate;
use edu_bus::Bus;
use edu_contracts::Actor;
use edu_contracts::council::{
    Attendance, Ballot, CastVotes, Council, CouncilComposition, DecisionCategory, GetCouncil,
    GroupScope, LeaderPost, Meeting, MeetingKind, Motion, NewMeeting, NewMotion, ProposeMotion,
    RecordAttendance, ScheduleMeeting, SeatAppointment, SeatId, SeatRole, SetCouncil, Vote,
    VoteChoice,
};
use edu_contracts::membership::{Dissolution, DissolveGroup};
use edu_domain::{ErrorCode, GroupId, Problem, RegionCode, SchoolId, Stage};
use edu_testkit::county::County;
use edu_testkit::{TestBus, TestDb};

pub const REGION: &str = "411627";

pub struct Env {
    _db: TestDb,
    pub bus: TestBus,
    pub actor: Actor,
}

pub async fn env() -> Env {
    let db = TestDb::new().await.unwrap();
    let bus = TestBus::new().await.unwrap();
    edu_testkit::serve!(db, bus; edu_membership::start => "membership", edu_council::start => "council");
    Env {
        _db: db,
        bus,
        actor: Actor::system("test"),
    }
}

pub fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// A lead school and its members, with their principals.
pub struct Group {
    pub id: GroupId,
    pub lead: SchoolId,
    pub members: Vec<SchoolId>,
}

pub const LEAD_PRINCIPAL: &str = "王建国";

pub fn member_principal(i: usize) -> String {
    format!("成员校长{i}")
}

impl Env {
    pub fn bus(&self) -> &Bus {
        &self.bus.bus
    }

    pub fn county(&self) -> County<'_> {
        County {
            bus: self.bus(),
            actor: &self.actor,
            region: RegionCode::parse(REGION).unwrap(),
        }
    }

    pub async fn school(&self, name: &str, principal: &str) -> SchoolId {
        self.county()
            .school(name, Stage::Junior, principal)
            .await
            .unwrap()
    }

    /// A group founded 2025-09-01 with `members` members; waits until the council has
    /// a vice-chair for each.
    pub async fn group(&self, members: usize) -> Group {
        self.group_named("", members).await
    }

    /// [`Env::group`] with its schools' and its own name prefixed by `prefix`: a second
    /// group of the county needs other names (school names are unique in a region).
    pub async fn group_named(&self, prefix: &str, members: usize) -> Group {
        let lead = self
            .school(&format!("{prefix}龙头中学"), LEAD_PRINCIPAL)
            .await;
        let county = self.county();
        let id = county
            .alliance(&format!("{prefix}龙头中学教育集团"), lead, day(2025, 9, 1))
            .await
            .unwrap();
        let mut ids = Vec::new();
        for i in 0..members {
            let school = self
                .school(&format!("{prefix}成员中学{i}"), &member_principal(i))
                .await;
            county.admit(id, school).await.unwrap();
            ids.push(school);
        }
        self.council_until(id, |c| {
            c.seats
                .iter()
                .filter(|s| s.role == SeatRole::ViceChair)
                .count()
                == members
        })
        .await;
        Group {
            id,
            lead,
            members: ids,
        }
    }

    pub async fn council(&self, group: GroupId) -> Result<Council, Problem> {
        self.bus()
            .call::<GetCouncil>(&self.actor, None, GroupScope { group_id: group })
            .await
    }

    /// Polls the council until `ok` holds (the projection is asynchronous).
    pub async fn council_until(&self, group: GroupId, ok: impl Fn(&Council) -> bool) -> Council {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(c) = self.council(group).await
                && ok(&c)
            {
                return c;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "council never reached the expected state: {:?}",
                self.council(group).await
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Dissolves the group (without an evaluation, on the bureau's recorded reason) and waits
    /// until its council is frozen.
    pub async fn dissolve(&self, group: GroupId) {
        self.bus()
            .call::<DissolveGroup>(
                &self.actor,
                None,
                Dissolution {
                    group_id: group,
                    reason: "撤销".into(),
                    override_reason: Some("no evaluation yet (test)".into()),
                },
            )
            .await
            .unwrap();
        self.council_until(group, |c| c.frozen).await;
    }

    /// The chair, vice-chairs and a secretary-general (the lead's vice-principal).
    pub async fn complete_council(&self, g: &Group) -> Council {
        let mut seats = vec![SeatAppointment {
            role: SeatRole::Chair,
            school_id: g.lead,
            holder_name: LEAD_PRINCIPAL.into(),
            post: LeaderPost::Principal,
        }];
        for (i, m) in g.members.iter().enumerate() {
            seats.push(SeatAppointment {
                role: SeatRole::ViceChair,
                school_id: *m,
                holder_name: member_principal(i),
                post: LeaderPost::Principal,
            });
        }
        seats.push(SeatAppointment {
            role: SeatRole::SecretaryGeneral,
            school_id: g.lead,
            holder_name: "赵秘书".into(),
            post: LeaderPost::VicePrincipal,
        });
        self.set(g.id, seats).await.unwrap()
    }

    pub async fn set(
        &self,
        group: GroupId,
        seats: Vec<SeatAppointment>,
    ) -> Result<Council, Problem> {
        self.bus()
            .call::<SetCouncil>(
                &self.actor,
                None,
                CouncilComposition {
                    group_id: group,
                    seats,
                },
            )
            .await
    }

    pub async fn meeting(&self, group: GroupId, kind: MeetingKind, on: NaiveDate) -> Meeting {
        let body = NewMeeting {
            group_id: group,
            kind,
            title: format!("{} {on}", kind.name_zh()),
            held_on: on,
            start_time: None,
            duration_minutes: None,
            place: Some("龙头中学会议室".into()),
            online_link: None,
            agenda: Vec::new(),
        };
        self.bus()
            .call::<ScheduleMeeting>(&self.actor, None, body)
            .await
            .unwrap()
    }

    pub async fn attend(
        &self,
        meeting: &Meeting,
        present: Vec<SeatId>,
    ) -> Result<Meeting, Problem> {
        self.bus()
            .call::<RecordAttendance>(
                &self.actor,
                None,
                Attendance {
                    meeting_id: meeting.id,
                    present,
                },
            )
            .await
    }

    pub async fn motion(
        &self,
        meeting: &Meeting,
        category: DecisionCategory,
        subject: Option<SchoolId>,
    ) -> Result<Motion, Problem> {
        let body = NewMotion {
            meeting_id: meeting.id,
            title: format!("{} 议案", category.name_zh()),
            category,
            major: true,
            subject_school_id: subject,
        };
        self.bus()
            .call::<ProposeMotion>(&self.actor, None, body)
            .await
    }

    pub async fn vote(&self, motion: &Motion, votes: Vec<Vote>) -> Result<Motion, Problem> {
        self.bus()
            .call::<CastVotes>(
                &self.actor,
                None,
                Ballot {
                    motion_id: motion.id,
                    votes,
                },
            )
            .await
    }

    /// A held council meeting with every seat present and one passed major decision.
    pub async fn decided(
        &self,
        council: &Council,
        on: NaiveDate,
        category: DecisionCategory,
        subject: Option<SchoolId>,
    ) -> Motion {
        let m = self
            .meeting(council.group_id, MeetingKind::Council, on)
            .await;
        let all: Vec<SeatId> = council.seats.iter().map(|s| s.id).collect();
        self.attend(&m, all.clone()).await.unwrap();
        let motion = self.motion(&m, category, subject).await.unwrap();
        self.vote(&motion, yes(&all)).await.unwrap()
    }
}

/// Polls the stream until `ok` holds for its events (the relay is asynchronous).
pub async fn events_until(
    bus: &TestBus,
    ok: impl Fn(&[edu_contracts::EventEnvelope]) -> bool,
) -> Vec<edu_contracts::EventEnvelope> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let events = bus.events().await.unwrap();
        if ok(&events) || tokio::time::Instant::now() > deadline {
            return events;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub fn count(events: &[edu_contracts::EventEnvelope], t: &str) -> usize {
    events.iter().filter(|e| e.event_type == t).count()
}

pub fn yes(seats: &[SeatId]) -> Vec<Vote> {
    seats
        .iter()
        .map(|s| Vote {
            seat_id: *s,
            choice: VoteChoice::Yes,
            reason: None,
        })
        .collect()
}

pub fn refused<T: std::fmt::Debug>(r: Result<T, Problem>, code: ErrorCode) -> Problem {
    let p = r.expect_err("expected a refusal");
    assert_eq!(p.code, code, "{p:?}");
    assert!(!p.message.is_empty() && !p.message_zh.is_empty());
    p
}
