//! Starting the service, creating schools and groups, and reading the stream.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use chrono::NaiveDate;
use edu_contracts::membership::{
    Admission, AdmitMember, CreateGroup, CreateSchool, ExitMember, GetGroup, Group, GroupRef,
    ListMembers, MemberExit, MemberList, MemberQuery, Membership, NewGroup, NewSchool, School,
};
use edu_contracts::{Actor, EventEnvelope};
use edu_domain::{ExitReason, GroupModel, Problem, RegionCode, Role, Stage};
use edu_testkit::{TestBus, TestDb};
use tokio::sync::oneshot;

/// 太康县, the home region of the tests.
pub const HOME: &str = "411627";
/// 扶沟县, a neighbouring county (F-04 cross-region members).
pub const OTHER: &str = "411621";

pub fn region(code: &str) -> RegionCode {
    RegionCode::parse(code).expect("test region code")
}

/// The county bureau (the service itself does not authorise; lead-api does).
pub fn bureau() -> Actor {
    Actor {
        sub: "test:bureau".into(),
        role: Some(Role::Bureau),
        region: Some(region(HOME)),
        school_id: None,
    }
}

/// A running membership service with its own database and NATS namespace.
pub struct Harness {
    // Dropped first: stops the service before its database and stream go away.
    shutdown: Option<oneshot::Sender<()>>,
    pub bus: TestBus,
    /// The service's database; dropped (and removed) with the harness.
    pub db: TestDb,
    pub actor: Actor,
    counter: AtomicUsize,
}

impl Harness {
    pub async fn start() -> anyhow::Result<Self> {
        let db = TestDb::new().await?;
        let bus = TestBus::new().await?;
        let host = edu_membership::start(&bus.bus, db.config("membership")).await?;
        let (tx, rx) = oneshot::channel::<()>();
        tokio::spawn(host.run_until(async move {
            let _ = rx.await;
        }));
        Ok(Self {
            shutdown: Some(tx),
            bus,
            db,
            actor: bureau(),
            counter: AtomicUsize::new(0),
        })
    }

    fn next(&self) -> usize {
        self.counter.fetch_add(1, Ordering::Relaxed)
    }

    /// A new school with a unique name.
    pub async fn school(&self, stage: Stage, region_code: &str) -> anyhow::Result<School> {
        let n = self.next();
        let body = NewSchool {
            name: format!("测试{}第{n}学校", stage.name_zh()),
            stage,
            region: region(region_code),
            principal_name: format!("校长{n}"),
            legal_person: format!("测试法人{n}"),
        };
        Ok(self
            .bus
            .bus
            .call::<CreateSchool>(&self.actor, None, body)
            .await?)
    }

    /// `n` new schools of one stage in the home region.
    pub async fn schools(&self, stage: Stage, n: usize) -> anyhow::Result<Vec<School>> {
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            out.push(self.school(stage, HOME).await?);
        }
        Ok(out)
    }

    pub fn new_group(&self, model: GroupModel, lead: &School) -> NewGroup {
        NewGroup {
            name: format!("{}教育集团", lead.name),
            model,
            lead_school_id: lead.id,
            plaque_date: NaiveDate::from_ymd_opt(2022, 6, 30).expect("date"),
            scale_cap: None,
            cap_exception_reason: None,
        }
    }

    pub async fn create_group(&self, body: NewGroup) -> Result<Group, Problem> {
        self.bus
            .bus
            .call::<CreateGroup>(&self.actor, None, body)
            .await
    }

    /// A new group of `model` led by a new home-region school of `stage`.
    pub async fn group(&self, model: GroupModel, stage: Stage) -> anyhow::Result<(Group, School)> {
        let lead = self.school(stage, HOME).await?;
        let group = self.create_group(self.new_group(model, &lead)).await?;
        Ok((group, lead))
    }

    pub async fn admit(&self, group: &Group, school: &School) -> Result<Membership, Problem> {
        self.bus
            .bus
            .call::<AdmitMember>(
                &self.actor,
                None,
                Admission {
                    group_id: group.id,
                    school_id: school.id,
                },
            )
            .await
    }

    pub async fn exit(
        &self,
        group: &Group,
        school: &School,
        reason: ExitReason,
    ) -> Result<Membership, Problem> {
        let body = MemberExit {
            group_id: group.id,
            school_id: school.id,
            reason,
            note: Some("测试退出".into()),
        };
        self.bus
            .bus
            .call::<ExitMember>(&self.actor, None, body)
            .await
    }

    pub async fn members(
        &self,
        group: &Group,
        include_history: bool,
    ) -> anyhow::Result<MemberList> {
        let q = MemberQuery {
            group_id: group.id,
            include_history,
        };
        Ok(self
            .bus
            .bus
            .call::<ListMembers>(&self.actor, None, q)
            .await?)
    }

    /// The groups a school is in now.
    pub async fn members_of_school(&self, school: &School) -> anyhow::Result<Vec<Group>> {
        let q = edu_contracts::membership::GroupQuery {
            region: None,
            school_id: Some(school.id),
            include_dissolved: true,
            paging: Default::default(),
        };
        Ok(self
            .bus
            .bus
            .call::<edu_contracts::membership::ListGroups>(&self.actor, None, q)
            .await?
            .items)
    }

    pub async fn reload(&self, group: &Group) -> anyhow::Result<Group> {
        Ok(self
            .bus
            .bus
            .call::<GetGroup>(&self.actor, None, GroupRef { group_id: group.id })
            .await?)
    }

    /// Waits for at least `n` events, then a little longer so that an unexpected extra
    /// event (a duplicate) would have arrived too.
    pub async fn settled_events(&self, n: usize) -> anyhow::Result<Vec<EventEnvelope>> {
        self.bus.wait_for_events(n).await?;
        tokio::time::sleep(Duration::from_millis(1200)).await;
        self.bus.events().await
    }

    /// Every stream message with its subject and `Nats-Msg-Id`, in stream order.
    pub async fn raw_events(&self) -> anyhow::Result<Vec<(String, Option<String>, EventEnvelope)>> {
        let mut stream = self.bus.bus.ensure_stream().await?;
        let info = stream
            .info()
            .await
            .map_err(|e| anyhow::anyhow!("stream info: {e}"))?;
        let (first, last, count) = (
            info.state.first_sequence,
            info.state.last_sequence,
            info.state.messages,
        );
        let mut out = Vec::new();
        if count == 0 {
            return Ok(out);
        }
        for seq in first..=last {
            let m = stream
                .get_raw_message(seq)
                .await
                .map_err(|e| anyhow::anyhow!("reading {seq}: {e}"))?;
            let msg_id = m.headers.get("Nats-Msg-Id").map(|v| v.as_str().to_owned());
            out.push((
                m.subject.to_string(),
                msg_id,
                serde_json::from_slice(&m.payload)?,
            ));
        }
        Ok(out)
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}
