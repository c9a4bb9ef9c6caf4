//! What the catalogue's service tests share: a database and NATS of their own, the
//! membership and catalogue services on them, groups of schools and their offices, and the
//! calls the tests make.

#![allow(dead_code, unused_imports, clippy::unwrap_used, clippy::expect_used)]

pub use std::time::Duration;

pub use base64::Engine as _;
pub use base64::engine::general_purpose::STANDARD as BASE64;
pub use chrono::{NaiveDate, Utc};
pub use edu_bus::Bus;
pub use edu_contracts::Actor;
pub use edu_contracts::catalogue::{
    AddVersion, AdoptResource, AdoptionBody, BeginUpload, BookFacility, BookingBody, BrandRefusal,
    BrandRefusalQuery, Chunk, Decision, Facility, FileRead, FinishUpload, GetResource, GetReuse,
    ListBrandRefusals, NewAdoption, NewBooking, NewFacility, NewResource, NewShare, NewUpload,
    NewVersion, Page, Paging, ReadFile, RegisterFacility, Resource, ResourceFilter, ResourcePage,
    ResourceRef, ResourceSearch, ReuseQuery, Review, ReviewBody, ReviewResource, SearchResources,
    ShareBody, ShareResource, ShareTarget, SubmitResource, UploadChunk, UploadFinish,
    VersionContent,
};
pub use edu_contracts::membership::{
    Admission, AdmitMember, CreateGroup, CreateSchool, Dissolution, DissolveGroup, ExitMember,
    MemberExit, NewGroup, NewSchool,
};
pub use edu_domain::{
    CourseType, ErrorCode, ExitReason, GroupId, GroupModel, Problem, QualityTier, RegionCode,
    ResourceId, ResourceKind, ResourceStatus, Role, SchoolId, Stage,
};
pub use edu_testkit::county::County;
use edu_testkit::{TestBus, TestDb};
pub use sha2::{Digest, Sha256};

pub const REGION: &str = "411627";

pub struct Env {
    pub db: TestDb,
    pub bus: TestBus,
    pub system: Actor,
}

pub async fn env() -> Env {
    let db = TestDb::new().await.unwrap();
    let bus = TestBus::new().await.unwrap();
    edu_testkit::serve!(db, bus; edu_membership::start => "membership", edu_catalogue::start => "catalogue");
    Env {
        db,
        bus,
        system: Actor::system("test"),
    }
}

pub fn region() -> RegionCode {
    RegionCode::parse(REGION).unwrap()
}

pub fn office(role: Role, school: SchoolId) -> Actor {
    Actor {
        sub: format!("{}-{school}", role.as_str()),
        role: Some(role),
        region: Some(region()),
        school_id: Some(school),
    }
}

pub fn bureau() -> Actor {
    Actor {
        sub: "bureau".into(),
        role: Some(Role::Bureau),
        region: Some(region()),
        school_id: None,
    }
}

/// A group: its id, the lead office and the members' offices.
pub struct Group {
    pub id: GroupId,
    pub lead: Actor,
    pub members: Vec<Actor>,
}

pub fn school_of(actor: &Actor) -> SchoolId {
    actor.school_id.unwrap()
}

pub fn content(title: &str, description: &str, tags: &[&str]) -> VersionContent {
    VersionContent {
        title: title.into(),
        description: description.into(),
        authors: vec!["张老师".into()],
        tags: tags.iter().map(|t| (*t).to_owned()).collect(),
        upload_id: None,
        change_note: None,
    }
}

pub fn code<T: std::fmt::Debug>(r: Result<T, Problem>) -> ErrorCode {
    r.expect_err("a refusal").code
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

    pub async fn school(&self, name: &str) -> SchoolId {
        self.county()
            .school(name, Stage::Junior, "校长")
            .await
            .unwrap()
    }

    /// A lead and `members` member schools; waits until the catalogue has seen them all.
    pub async fn group(&self, name: &str, members: usize) -> Group {
        let lead = self.school(&format!("{name}龙头中学")).await;
        let plaque = NaiveDate::from_ymd_opt(2024, 9, 1).unwrap();
        let county = self.county();
        let id = county
            .alliance(&format!("{name}教育集团"), lead, plaque)
            .await
            .unwrap();
        let mut offices = Vec::new();
        for i in 0..members {
            let school = self.school(&format!("{name}成员中学{i}")).await;
            county.admit(id, school).await.unwrap();
            offices.push(office(Role::MemberAdmin, school));
        }
        let group = Group {
            id,
            lead: office(Role::LeadAdmin, lead),
            members: offices,
        };
        for actor in std::iter::once(&group.lead).chain(&group.members) {
            self.until(
                || self.search(actor, id, ResourceFilter::default()),
                |r| r.is_ok(),
            )
            .await
            .unwrap();
        }
        group
    }

    /// A lab of the group's lead school, registered by its office.
    pub async fn lab(&self, group: &Group, name: &str) -> Facility {
        let body = NewFacility {
            group_id: group.id,
            name: name.into(),
            kind: edu_domain::FacilityKind::Lab,
            description: String::new(),
            capacity: Some(48),
        };
        self.bus()
            .call::<RegisterFacility>(&group.lead, None, body)
            .await
            .unwrap()
    }

    /// Polls `f` until `done` holds (events reach the projection asynchronously).
    pub async fn until<T, F, Fut>(&self, f: F, done: impl Fn(&T) -> bool) -> T
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = T>,
    {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let value = f().await;
            if done(&value) || tokio::time::Instant::now() > deadline {
                return value;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn submit(
        &self,
        actor: &Actor,
        group: GroupId,
        content: VersionContent,
    ) -> Result<Resource, Problem> {
        let body = NewResource {
            group_id: group,
            kind: ResourceKind::LessonPlan,
            subject: "数学".into(),
            stage: Stage::Junior,
            grade: "八年级".into(),
            course_type: CourseType::National,
            tier: QualityTier::County,
            content,
        };
        self.bus().call::<SubmitResource>(actor, None, body).await
    }

    pub async fn get(&self, actor: &Actor, id: ResourceId) -> Result<Resource, Problem> {
        self.bus()
            .call::<GetResource>(actor, None, ResourceRef { resource_id: id })
            .await
    }

    pub async fn search(
        &self,
        actor: &Actor,
        group: GroupId,
        filter: ResourceFilter,
    ) -> Result<ResourcePage, Problem> {
        let body = ResourceSearch {
            group_id: group,
            filter,
            paging: Paging::default(),
        };
        self.bus().call::<SearchResources>(actor, None, body).await
    }

    pub async fn review(
        &self,
        actor: &Actor,
        id: ResourceId,
        decision: Decision,
    ) -> Result<Resource, Problem> {
        let body = Review {
            resource_id: id,
            review: ReviewBody {
                decision,
                note: None,
            },
        };
        self.bus().call::<ReviewResource>(actor, None, body).await
    }

    /// A resource of `owner`, approved by the lead office.
    pub async fn published(&self, g: &Group, owner: &Actor, title: &str) -> ResourceId {
        let r = self
            .submit(owner, g.id, content(title, "", &[]))
            .await
            .unwrap();
        self.review(&g.lead, r.summary.id, Decision::Approve)
            .await
            .unwrap();
        r.summary.id
    }

    pub async fn share(
        &self,
        actor: &Actor,
        id: ResourceId,
        target: ShareTarget,
    ) -> Result<edu_contracts::catalogue::Share, Problem> {
        let body = NewShare {
            resource_id: id,
            share: ShareBody { target, note: None },
        };
        self.bus().call::<ShareResource>(actor, None, body).await
    }

    /// A share sent with an idempotency key (HTTP `Idempotency-Key`).
    pub async fn share_keyed(
        &self,
        actor: &Actor,
        id: ResourceId,
        target: ShareTarget,
        key: &str,
    ) -> Result<edu_contracts::catalogue::Share, Problem> {
        let body = NewShare {
            resource_id: id,
            share: ShareBody {
                target,
                note: Some("想给兄弟学校用".into()),
            },
        };
        self.bus()
            .call::<ShareResource>(actor, Some(key.to_owned()), body)
            .await
    }

    /// The group's refused transfers (of one resource, if named), as `actor` reads them.
    pub async fn refusals(
        &self,
        actor: &Actor,
        group: GroupId,
        resource: Option<ResourceId>,
        paging: Paging,
    ) -> Result<Page<BrandRefusal>, Problem> {
        let body = BrandRefusalQuery {
            group_id: group,
            resource_id: resource,
            paging,
        };
        self.bus()
            .call::<ListBrandRefusals>(actor, None, body)
            .await
    }

    /// The `resource.export_refused` events on the stream once `n` are there (or the wait
    /// is over).
    pub async fn export_refused_events(&self, n: usize) -> Vec<edu_contracts::EventEnvelope> {
        let refused = || async {
            self.bus
                .events()
                .await
                .unwrap()
                .into_iter()
                .filter(|e| e.event_type == "resource.export_refused")
                .collect::<Vec<_>>()
        };
        self.until(refused, |e| e.len() >= n).await
    }

    pub async fn adopt(
        &self,
        actor: &Actor,
        id: ResourceId,
        version: Option<i32>,
    ) -> Result<edu_contracts::catalogue::Adoption, Problem> {
        let body = NewAdoption {
            resource_id: id,
            adoption: AdoptionBody { version },
        };
        self.bus().call::<AdoptResource>(actor, None, body).await
    }

    pub async fn exit(&self, group: GroupId, school: SchoolId) {
        let body = MemberExit {
            group_id: group,
            school_id: school,
            reason: ExitReason::Voluntary,
            note: None,
        };
        self.bus()
            .call::<ExitMember>(&self.system, None, body)
            .await
            .unwrap();
    }
}

pub fn titles(page: &ResourcePage) -> Vec<String> {
    let mut t: Vec<String> = page.items.iter().map(|r| r.title.clone()).collect();
    t.sort();
    t
}
