//! The harness of the rotation service's tests: the real membership and rotation services
//! over the bus, against real PostgreSQL and NATS (each test with its own database and bus
//! namespace), with the requests every test makes.

#![allow(dead_code)] // each test binary uses its own part of the harness

use chrono::NaiveDate;
use edu_bus::Bus;
use edu_contracts::Actor;
use edu_contracts::rotation::{ImportReport, ImportTeachers, TeacherImport};
use edu_domain::{Problem, RegionCode, SchoolId, SchoolYear, Stage};
use edu_testkit::county::County;
use edu_testkit::{TestBus, TestDb};

pub const REGION: &str = "411627";
pub const YEAR: SchoolYear = SchoolYear(2025);

pub struct Env {
    pub _db: TestDb,
    pub bus: TestBus,
    pub actor: Actor,
}

pub async fn env() -> Env {
    let db = TestDb::new().await.unwrap();
    let bus = TestBus::new().await.unwrap();
    edu_testkit::serve!(db, bus; edu_membership::start => "membership", edu_rotation::start => "rotation");
    Env {
        _db: db,
        bus,
        actor: Actor::system("test"),
    }
}

pub fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

pub fn region() -> RegionCode {
    RegionCode::parse(REGION).unwrap()
}

/// `n` teachers, the first `backbone` of them county-level backbone, all eligible.
pub fn roster(prefix: &str, n: usize, backbone: usize) -> String {
    let mut csv = String::from("工号,姓名,岗位,学科,骨干级别,符合交流条件\n");
    for i in 0..n {
        let level = if i < backbone { "县级" } else { "无" };
        csv.push_str(&format!(
            "{prefix}{i:03},教师{prefix}{i},学科教师,数学,{level},是\n"
        ));
    }
    csv
}

impl Env {
    pub fn bus(&self) -> &Bus {
        &self.bus.bus
    }

    pub fn county(&self) -> County<'_> {
        County {
            bus: self.bus(),
            actor: &self.actor,
            region: region(),
        }
    }

    pub async fn school(&self, name: &str) -> SchoolId {
        self.county()
            .school(name, Stage::Junior, "校长")
            .await
            .unwrap()
    }

    /// Imports a school's roster for [`YEAR`].
    pub async fn import(&self, school: SchoolId, csv: String) -> Result<ImportReport, Problem> {
        self.import_for(school, YEAR, csv).await
    }

    /// Imports a school's roster with its eligibility in `school_year`.
    pub async fn import_for(
        &self,
        school: SchoolId,
        school_year: SchoolYear,
        csv: String,
    ) -> Result<ImportReport, Problem> {
        let body = TeacherImport {
            school_id: school,
            region: region(),
            school_year,
            csv,
        };
        self.bus()
            .call::<ImportTeachers>(&self.actor, None, body)
            .await
    }
}
