//! A group's past postings loaded with their real dates (E-02, E-03, E-04, E-08), over the
//! bus, with the real membership service loading the group's past and feeding the stays.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod common;

use std::time::Duration;

use chrono::NaiveDate;
use common::{Env, day, env, roster};
use edu_contracts::membership::{GroupHistory, ImportGroup, PastMembership};
use edu_contracts::rotation::{
    Compliance, ComplianceQuery, GetCompliance, ListPostings, LoadPastPostings, Paging,
    PastPosting, PastPostings, PastPostingsLoaded, PostingQuery, Scope,
};
use edu_domain::{
    ErrorCode, GroupId, GroupModel, PostingKind, PostingStatus, Problem, SchoolId, SchoolYear,
};
use serde_json::json;

/// The school year the past postings are in.
const PAST: SchoolYear = SchoolYear(2023);

/// A group formed on 2022-09-01 with member `a` since then and member `b` since 2024-03-01;
/// the lead's ten teachers (L000 a backbone teacher) are on its 2023 roster.
struct Past {
    group: GroupId,
    lead: SchoolId,
    a: SchoolId,
    b: SchoolId,
}

async fn past_group(env: &Env) -> Past {
    let lead = env.school("老集团一中").await;
    let a = env.school("老集团二中").await;
    let b = env.school("老集团三中").await;
    let stay = |school_id, joined_on| PastMembership {
        school_id,
        joined_on,
        left_on: None,
        exit_reason: None,
        note: None,
    };
    let history = GroupHistory {
        name: "老集团一中教育集团".into(),
        model: GroupModel::Alliance,
        lead_school_id: lead,
        plaque_date: day(2022, 9, 10),
        formed_on: Some(day(2022, 9, 1)),
        scale_cap: None,
        cap_exception_reason: None,
        members: vec![stay(a, day(2022, 9, 1)), stay(b, day(2024, 3, 1))],
    };
    let group = env
        .bus()
        .call::<ImportGroup>(&env.actor, None, history)
        .await
        .unwrap()
        .group
        .id;
    env.import_for(lead, PAST, roster("L", 10, 1))
        .await
        .unwrap();
    Past { group, lead, a, b }
}

fn entry(
    past: &Past,
    staff_no: &str,
    to: SchoolId,
    kind: PostingKind,
    (start, end): (NaiveDate, NaiveDate),
) -> PastPosting {
    PastPosting {
        from_school_id: past.lead,
        staff_no: staff_no.into(),
        to_school_id: to,
        kind,
        host_post: "初二数学".into(),
        start,
        end,
        ended_on: None,
    }
}

impl Env {
    async fn load(
        &self,
        group: GroupId,
        key: Option<&str>,
        postings: Vec<PastPosting>,
    ) -> Result<PastPostingsLoaded, Problem> {
        let body = PastPostings {
            group_id: group,
            postings,
        };
        self.bus()
            .call::<LoadPastPostings>(&self.actor, key.map(str::to_owned), body)
            .await
    }

    /// [`Env::load`], retried while the rotation service has not yet learnt the group's
    /// past from the membership events (≤ 10 s).
    async fn load_once_known(
        &self,
        group: GroupId,
        key: Option<&str>,
        postings: Vec<PastPosting>,
    ) -> Result<PastPostingsLoaded, Problem> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let r = self.load(group, key, postings.clone()).await;
            let waiting = matches!(&r, Err(p) if p.code == ErrorCode::SchoolNotInGroup || p.code == ErrorCode::NotFound);
            if !waiting || tokio::time::Instant::now() > deadline {
                return r;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The refusal of a load (without a key): its code, and the entry it names (0-based).
    async fn refusal(
        &self,
        group: GroupId,
        postings: Vec<PastPosting>,
        (code, row): (ErrorCode, usize),
    ) -> Problem {
        let refused = self.load(group, None, postings).await.unwrap_err();
        assert_eq!(refused.code, code, "{refused:?}");
        assert_eq!(refused.details["entry"]["row"], row, "{refused:?}");
        refused
    }

    async fn past_compliance(&self, group: GroupId) -> Compliance {
        let q = ComplianceQuery {
            scope: Scope::Group { group_id: group },
            school_year: PAST,
            as_of: Some(day(2024, 8, 31)),
        };
        self.bus()
            .call::<GetCompliance>(&self.actor, None, q)
            .await
            .unwrap()
    }

    async fn postings_in(&self, group: GroupId, year: SchoolYear) -> i64 {
        let q = PostingQuery {
            group_id: Some(group),
            school_id: None,
            teacher_id: None,
            school_year: Some(year),
            paging: Paging::default(),
        };
        self.bus()
            .call::<ListPostings>(&self.actor, None, q)
            .await
            .unwrap()
            .total
    }
}

/// E-08: postings of 2023 loaded in 2026 count in 2023's figures, the early end included;
/// the load replays by its idempotency key and refuses the key with another body.
#[tokio::test]
async fn e08_a_past_load_counts_in_its_school_years_figures_and_replays_by_key() {
    let env = env().await;
    let past = past_group(&env).await;
    let mut second = entry(
        &past,
        "L001",
        past.a,
        PostingKind::PostHolding,
        (day(2024, 2, 1), day(2024, 7, 10)),
    );
    second.ended_on = Some(day(2024, 5, 31));
    let postings = vec![
        entry(
            &past,
            "L000",
            past.a,
            PostingKind::Secondment,
            (day(2023, 9, 1), day(2024, 1, 15)),
        ),
        second,
    ];
    let loaded = env
        .load_once_known(past.group, Some("past-2023"), postings.clone())
        .await
        .unwrap();
    assert_eq!(loaded.count, 2);
    assert_eq!(loaded.postings[0].status, PostingStatus::Confirmed);
    assert_eq!(loaded.postings[1].status, PostingStatus::EndedEarly);
    assert_eq!(loaded.postings[1].ended_on, Some(day(2024, 5, 31)));
    // E-04: the home school sends and pays.
    assert!(
        loaded
            .postings
            .iter()
            .all(|p| p.payroll_unit_id == past.lead)
    );

    let figures = env.past_compliance(past.group).await;
    assert_eq!(figures.eligible, 10);
    assert_eq!(figures.actual.rotated, 2);
    assert_eq!(figures.actual.backbone_rotated, 1);
    assert!(figures.actual.ratio_met && figures.actual.share_met);

    // The same key and body: the first reply, nothing written twice.
    let again = env
        .load(past.group, Some("past-2023"), postings)
        .await
        .unwrap();
    assert_eq!(again, loaded);
    assert_eq!(env.postings_in(past.group, PAST).await, 2);
    // The same key with another body is refused.
    let other = vec![entry(
        &past,
        "L002",
        past.a,
        PostingKind::Secondment,
        (day(2023, 9, 1), day(2023, 9, 30)),
    )];
    let refused = env
        .load(past.group, Some("past-2023"), other)
        .await
        .unwrap_err();
    assert_eq!(refused.code, ErrorCode::IdempotencyKeyReused);
}

/// E-02: a member not yet in the group on the posting's dates refuses the whole load, which
/// names the entry and its first day; the entries before it are not written either.
#[tokio::test]
async fn e02_a_school_not_yet_in_the_group_refuses_the_whole_load_naming_the_entry() {
    let env = env().await;
    let past = past_group(&env).await;
    // `b` joined on 2024-03-01: a posting of April 2024 to it is fine (and tells that the
    // rotation service has learnt every stay of the group).
    let april = (day(2024, 4, 1), day(2024, 4, 30));
    env.load_once_known(
        past.group,
        None,
        vec![entry(&past, "L009", past.b, PostingKind::Secondment, april)],
    )
    .await
    .unwrap();
    let october = (day(2023, 10, 1), day(2023, 12, 31));
    let both = vec![
        entry(&past, "L000", past.a, PostingKind::Secondment, october),
        entry(&past, "L001", past.b, PostingKind::Secondment, october),
    ];
    let refused = env
        .refusal(past.group, both, (ErrorCode::SchoolNotInGroup, 1))
        .await;
    assert_eq!(refused.rule.as_deref(), Some("E-02"));
    assert_eq!(refused.details["entry"]["date"], "2023-10-01");
    assert!(
        refused.message_zh.contains("第 2 条交流记录"),
        "{refused:?}"
    );
    // Atomic: entry 0 was judged fine but is not written; April's posting (same school
    // year) is the only one.
    assert_eq!(env.postings_in(past.group, PAST).await, 1);
    assert_eq!(env.past_compliance(past.group).await.actual.rotated, 1);
    // E-03: shadowing goes member → lead, never lead → member.
    let shadowing = vec![entry(
        &past,
        "L002",
        past.a,
        PostingKind::Shadowing,
        october,
    )];
    let refused = env
        .refusal(
            past.group,
            shadowing,
            (ErrorCode::PostingDirectionInvalid, 0),
        )
        .await;
    assert_eq!(refused.rule.as_deref(), Some("E-03"));
}

/// A teacher is in one posting at a time: two entries of one load that overlap refuse it,
/// as does an entry overlapping a posting already recorded.
#[tokio::test]
async fn overlapping_entries_of_one_load_are_refused_and_nothing_is_written() {
    let env = env().await;
    let past = past_group(&env).await;
    let autumn = (day(2023, 9, 1), day(2023, 12, 31));
    let winter = (day(2023, 11, 1), day(2024, 1, 31));
    let refused = env
        .load_once_known(
            past.group,
            None,
            vec![
                entry(&past, "L000", past.a, PostingKind::Secondment, autumn),
                entry(&past, "L001", past.a, PostingKind::Secondment, autumn),
                entry(&past, "L000", past.a, PostingKind::PostHolding, winter),
            ],
        )
        .await
        .unwrap_err();
    assert_eq!(refused.code, ErrorCode::PostingOverlaps, "{refused:?}");
    assert_eq!(
        refused.details["entry"],
        json!({"row": 2, "date": "2023-11-01"})
    );
    assert_eq!(env.postings_in(past.group, PAST).await, 0);
    // Recorded first, the autumn posting then meets the winter one of a later load.
    let first = vec![entry(
        &past,
        "L000",
        past.a,
        PostingKind::Secondment,
        autumn,
    )];
    env.load(past.group, None, first).await.unwrap();
    let later = vec![entry(
        &past,
        "L000",
        past.a,
        PostingKind::PostHolding,
        winter,
    )];
    env.refusal(past.group, later, (ErrorCode::PostingOverlaps, 0))
        .await;
    // A teacher not on the home school's roster is not found, naming the entry.
    let stranger = vec![entry(
        &past,
        "X999",
        past.a,
        PostingKind::Secondment,
        winter,
    )];
    env.refusal(past.group, stranger, (ErrorCode::NotFound, 0))
        .await;
}
