//! The rotation service over the bus, against real PostgreSQL and NATS, with the real
//! membership service feeding its projection.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

use std::time::Duration;

use chrono::NaiveDate;
use edu_contracts::Actor;
use edu_contracts::membership::{
    Admission, AdmitMember, CreateGroup, ExitMember, MemberExit, NewGroup,
};
use edu_contracts::rotation::{
    CancelPosting, Compliance, ComplianceQuery, ConfirmPosting, GetCompliance, GetGroupsCompliance,
    GetPosting, GroupsComplianceQuery, ListTeachers, NewPosting, Paging, Posting, PostingClosure,
    PostingRef, ProposePosting, Scope, TeacherQuery, Term,
};
use edu_domain::{
    ErrorCode, ExitReason, GroupId, GroupModel, PostingKind, PostingStatus, Problem, SchoolId,
    SchoolYear, TeacherId,
};

#[path = "../common/mod.rs"]
mod common;

use common::{Env, YEAR, day, env, region, roster};

mod e08;
mod postings;
mod trainings;

impl Env {
    /// A lead and `members` member schools; waits until the rotation service has seen them.
    async fn group(&self, members: usize) -> (GroupId, SchoolId, Vec<SchoolId>) {
        self.group_led_by("龙头中学", members).await
    }

    /// [`Env::group`] with its lead school named `lead_name` (a second group of a test).
    async fn group_led_by(
        &self,
        lead_name: &str,
        members: usize,
    ) -> (GroupId, SchoolId, Vec<SchoolId>) {
        let lead = self.school(lead_name).await;
        let body = NewGroup {
            name: format!("{lead_name}教育集团"),
            model: GroupModel::Alliance,
            lead_school_id: lead,
            plaque_date: day(2024, 9, 1),
            scale_cap: None,
            cap_exception_reason: None,
        };
        let group = self
            .bus()
            .call::<CreateGroup>(&self.actor, None, body)
            .await
            .unwrap()
            .id;
        let mut ids = Vec::new();
        for i in 0..members {
            let school = self.school(&format!("成员中学{i}")).await;
            self.bus()
                .call::<AdmitMember>(
                    &self.actor,
                    None,
                    Admission {
                        group_id: group,
                        school_id: school,
                    },
                )
                .await
                .unwrap();
            ids.push(school);
        }
        (group, lead, ids)
    }

    async fn teachers(&self, school: SchoolId) -> Vec<TeacherId> {
        let q = TeacherQuery {
            school_id: school,
            school_year: YEAR,
            paging: Paging {
                limit: 200,
                offset: 0,
            },
        };
        self.bus()
            .call::<ListTeachers>(&self.actor, None, q)
            .await
            .unwrap()
            .items
            .into_iter()
            .map(|t| t.id)
            .collect()
    }

    /// Proposes, retrying while the projection has not yet seen the group's schools.
    async fn propose(
        &self,
        group: GroupId,
        teacher: TeacherId,
        to: SchoolId,
        kind: PostingKind,
        term: Term,
    ) -> Result<Posting, Problem> {
        let body = NewPosting {
            group_id: group,
            teacher_id: teacher,
            to_school_id: to,
            kind,
            term,
            host_post: "初二数学".into(),
        };
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let r = self
                .bus()
                .call::<ProposePosting>(&self.actor, None, body.clone())
                .await;
            let waiting = matches!(&r, Err(p) if p.code == ErrorCode::SchoolNotInGroup || p.code == ErrorCode::NotFound);
            if !waiting || tokio::time::Instant::now() > deadline {
                return r;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn confirm(&self, posting: &Posting) -> Posting {
        self.bus()
            .call::<ConfirmPosting>(
                &self.actor,
                None,
                PostingRef {
                    posting_id: posting.id,
                },
            )
            .await
            .unwrap()
    }

    async fn get(&self, id: edu_domain::PostingId) -> Posting {
        self.bus()
            .call::<GetPosting>(&self.actor, None, PostingRef { posting_id: id })
            .await
            .unwrap()
    }

    async fn compliance(&self, group: GroupId, as_of: NaiveDate) -> Compliance {
        let q = ComplianceQuery {
            scope: Scope::Group { group_id: group },
            school_year: YEAR,
            as_of: Some(as_of),
        };
        self.bus()
            .call::<GetCompliance>(&self.actor, None, q)
            .await
            .unwrap()
    }
}

fn month_term(month: u32) -> Term {
    // one-week postings inside the 2025–2026 school year, one per teacher
    let start = if month >= 9 {
        day(2025, month, 1)
    } else {
        day(2026, month, 1)
    };
    Term::Dates {
        start,
        end: start + chrono::Days::new(6),
    }
}
