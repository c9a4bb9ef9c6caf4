//! The harness of the evaluation service's tests: membership, council, rotation and
//! evaluation over a private bus namespace and database (evaluation learns groups, stays,
//! meetings and postings from their events, and asks rotation for E-08), a bureau that
//! enters a school year's data and opens rounds, and the waits the asynchronous projections
//! need.

#![allow(dead_code)] // each test binary uses its own part of the harness
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

use std::future::Future;
use std::time::Duration;

use chrono::NaiveDate;
use edu_bus::Bus;
use edu_contracts::Actor;
use edu_contracts::evaluation::{
    BalanceInputs, GetRound, GetScorecard, NewRound, OpenRound, Round, RoundRef, RoundStatus,
    SaveSchoolData, SchoolData, SchoolDataInput, Scorecard, ScorecardRef,
};
use edu_contracts::obligations::{
    Feed, FeedQuery, GetLedger, GetNotifications, Ledger, LedgerQuery, Period,
};
use edu_domain::{ErrorCode, GroupId, Problem, RegionCode, Role, SchoolId, SchoolYear, Stage};
use edu_testkit::county::County;
use edu_testkit::{TestBus, TestDb};

pub const REGION: &str = "411627";

/// The school year every test evaluates: 2025—2026, evaluated as of its last day.
pub const YEAR: SchoolYear = SchoolYear(2025);

pub struct Env {
    /// For the few tests that look at what a corrupt stored row does.
    pub db: TestDb,
    pub bus: TestBus,
    /// Creates schools and groups (membership's own checks are not under test here).
    pub system: Actor,
    /// The county's education bureau: enters the data, opens and completes rounds.
    pub bureau: Actor,
}

pub async fn env() -> Env {
    let db = TestDb::new().await.unwrap();
    let bus = TestBus::new().await.unwrap();
    edu_testkit::serve!(db, bus;
        edu_membership::start => "membership",
        edu_council::start => "council",
        edu_rotation::start => "rotation",
        edu_evaluation::start => "evaluation",
    );
    Env {
        db,
        bus,
        system: Actor::system("test"),
        bureau: bureau("bureau-411627"),
    }
}

/// A bureau officer of the test county, named by `sub`.
pub fn bureau(sub: &str) -> Actor {
    Actor {
        sub: sub.to_owned(),
        role: Some(Role::Bureau),
        region: Some(region()),
        school_id: None,
    }
}

pub fn region() -> RegionCode {
    RegionCode::parse(REGION).unwrap()
}

pub fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// A lead school and its members.
pub struct Group {
    pub id: GroupId,
    pub lead: SchoolId,
    pub members: Vec<SchoolId>,
}

impl Group {
    /// The lead first, then the members.
    pub fn schools(&self) -> Vec<SchoolId> {
        std::iter::once(self.lead)
            .chain(self.members.iter().copied())
            .collect()
    }
}

/// Q-12 inputs of a school: `teachers` teachers above the required degree for `enrolment`
/// pupils, every other indicator comfortably met.
pub fn balance(enrolment: u32, teachers: u32) -> BalanceInputs {
    BalanceInputs {
        enrolment,
        teachers_above_degree: teachers,
        backbone_teachers: 12,
        pe_art_teachers: 10,
        teaching_area_m2: 6000.0,
        sports_area_m2: 12000.0,
        equipment_value_yuan: 3_000_000.0,
        multimedia_rooms: 30,
    }
}

impl Env {
    pub fn bus(&self) -> &Bus {
        &self.bus.bus
    }

    pub fn county(&self) -> County<'_> {
        County {
            bus: self.bus(),
            actor: &self.system,
            region: region(),
        }
    }

    pub async fn school(&self, name: &str, stage: Stage) -> SchoolId {
        let principal = format!("{name}校长");
        self.county().school(name, stage, &principal).await.unwrap()
    }

    /// An alliance group named `name` of `stage` schools plaqued on `plaque`, its members
    /// admitted; returns once the evaluation service knows the group.
    pub async fn group(
        &self,
        name: &str,
        stage: Stage,
        plaque: NaiveDate,
        members: &[&str],
    ) -> Group {
        let lead = self.school(&format!("{name}一中"), stage).await;
        let county = self.county();
        let id = county
            .alliance(&format!("{name}教育集团"), lead, plaque)
            .await
            .unwrap();
        let mut ids = Vec::new();
        for m in members {
            let school = self.school(&format!("{name}{m}"), stage).await;
            county.admit(id, school).await.unwrap();
            ids.push(school);
        }
        until(|| self.ledger(id, "2025-03"), Result::is_ok)
            .await
            .unwrap();
        for school in &ids {
            let feed = until(
                || self.feed(*school),
                |f| f.as_ref().is_ok_and(|f| f.group_id == Some(id)),
            )
            .await;
            assert_eq!(
                feed.unwrap().group_id,
                Some(id),
                "the member is not known yet"
            );
        }
        Group {
            id,
            lead,
            members: ids,
        }
    }

    /// A school's feed, which names the group evaluation knows it in.
    pub async fn feed(&self, school: SchoolId) -> Result<Feed, Problem> {
        let query = FeedQuery {
            school_id: school,
            as_of: None,
        };
        self.bus()
            .call::<GetNotifications>(&self.bureau, None, query)
            .await
    }

    pub async fn ledger(&self, group: GroupId, period: &str) -> Result<Ledger, Problem> {
        let query = LedgerQuery {
            group_id: group,
            period: period.parse::<Period>().unwrap(),
            school_id: None,
            as_of: None,
        };
        self.bus()
            .call::<GetLedger>(&self.bureau, None, query)
            .await
    }

    /// The bureau's entry of a school's data of `year`.
    pub async fn save_data(
        &self,
        school: SchoolId,
        stage: Stage,
        year: SchoolYear,
        quality_score: Option<f64>,
        balance: Option<BalanceInputs>,
    ) -> Result<SchoolData, Problem> {
        let body = SchoolDataInput {
            school_id: school,
            region: region(),
            stage,
            school_year: year,
            quality_score,
            balance,
        };
        self.bus()
            .call::<SaveSchoolData>(&self.bureau, None, body)
            .await
    }

    /// A junior school's quality score last year and this year, and this year's balance
    /// with `teachers` qualified teachers per 1000 pupils.
    pub async fn scores(&self, school: SchoolId, last: f64, now: f64, teachers: u32) {
        let last_year = SchoolYear(YEAR.0 - 1);
        self.save_data(school, Stage::Junior, last_year, Some(last), None)
            .await
            .unwrap();
        let data = self
            .save_data(
                school,
                Stage::Junior,
                YEAR,
                Some(now),
                Some(balance(1000, teachers)),
            )
            .await
            .unwrap();
        assert_eq!(data.quality_score, Some(now));
    }

    /// Opens a round of the school year for `groups` (every group of the region when none).
    pub async fn open(
        &self,
        groups: Option<Vec<GroupId>>,
        key: Option<&str>,
    ) -> Result<Round, Problem> {
        let body = NewRound {
            region: region(),
            school_year: YEAR,
            group_ids: groups,
            as_of: None,
        };
        self.bus()
            .call::<OpenRound>(&self.bureau, key.map(str::to_owned), body)
            .await
    }

    pub async fn round(&self, round_id: uuid::Uuid) -> Result<Round, Problem> {
        self.bus()
            .call::<GetRound>(&self.bureau, None, RoundRef { round_id })
            .await
    }

    /// The round once its computation has ended; it must have ended `computed`.
    pub async fn computed(&self, round_id: uuid::Uuid) -> Round {
        let round = until(
            || self.round(round_id),
            |r| r.as_ref().is_ok_and(|r| r.status != RoundStatus::Computing),
        )
        .await
        .unwrap();
        assert_eq!(round.status, RoundStatus::Computed, "{round:?}");
        round
    }

    /// Opens a round for `groups` and waits until it is computed.
    pub async fn computed_round(&self, groups: Vec<GroupId>) -> Round {
        let round = self.open(Some(groups), None).await.unwrap();
        self.computed(round.id).await
    }

    pub async fn scorecard(
        &self,
        round_id: uuid::Uuid,
        group: GroupId,
    ) -> Result<Scorecard, Problem> {
        let body = ScorecardRef {
            round_id,
            group_id: group,
        };
        self.bus()
            .call::<GetScorecard>(&self.bureau, None, body)
            .await
    }
}

/// Calls `call` until `ok` holds for its answer (projections follow events), at most twenty
/// seconds; then returns the last answer for the test to assert on.
pub async fn until<T, F, Fut>(call: F, ok: impl Fn(&T) -> bool) -> T
where
    F: Fn() -> Fut,
    Fut: Future<Output = T>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let answer = call().await;
        if ok(&answer) || tokio::time::Instant::now() > deadline {
            return answer;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The refusal `r` must be, with its code, both messages and, when given, its rule.
pub fn refused<T: std::fmt::Debug>(
    r: Result<T, Problem>,
    code: ErrorCode,
    rule: Option<&str>,
) -> Problem {
    let p = r.expect_err("expected a refusal");
    assert_eq!(p.code, code, "{p:?}");
    assert!(!p.message.is_empty() && !p.message_zh.is_empty(), "{p:?}");
    if let Some(rule) = rule {
        assert_eq!(p.rule.as_deref(), Some(rule), "{p:?}");
    }
    p
}

/// Polls the stream until `ok` holds for its events (the relay is asynchronous).
pub async fn events_until(
    bus: &TestBus,
    ok: impl Fn(&[edu_contracts::EventEnvelope]) -> bool,
) -> Vec<edu_contracts::EventEnvelope> {
    until(|| async { bus.events().await.unwrap() }, |e| ok(e)).await
}

pub fn count(events: &[edu_contracts::EventEnvelope], t: &str) -> usize {
    events.iter().filter(|e| e.event_type == t).count()
}
