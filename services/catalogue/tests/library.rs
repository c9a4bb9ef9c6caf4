//! The library as a member school uses it to choose what to adopt: a search by subject or
//! word that finds the resources (Chinese included), and who adopted a resource. Against
//! real PostgreSQL and NATS, with the real membership service feeding the projection.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod common;

use common::*;
use edu_contracts::catalogue::{Adopters, ListAdopters};

fn q(words: &str) -> ResourceFilter {
    ResourceFilter {
        q: Some(words.into()),
        ..Default::default()
    }
}

impl Env {
    /// A published resource of `owner` in `subject`.
    async fn published_in(&self, g: &Group, owner: &Actor, subject: &str, c: VersionContent) {
        let body = NewResource {
            group_id: g.id,
            kind: ResourceKind::Courseware,
            subject: subject.into(),
            stage: Stage::Junior,
            grade: String::new(),
            course_type: CourseType::National,
            tier: QualityTier::School,
            content: c,
        };
        let r = self
            .bus()
            .call::<SubmitResource>(owner, None, body)
            .await
            .unwrap();
        self.review(&g.lead, r.summary.id, Decision::Approve)
            .await
            .unwrap();
    }

    async fn adopters(&self, actor: &Actor, id: ResourceId) -> Result<Adopters, Problem> {
        self.bus()
            .call::<ListAdopters>(actor, None, ResourceRef { resource_id: id })
            .await
    }
}

/// Three maths resources whose titles never say 数学, and one of physics.
async fn library(env: &Env, g: &Group) {
    let owner = &g.members[0];
    for (title, tags) in [
        ("勾股定理的证明", vec!["几何"]),
        ("一次函数的图像与性质", vec!["函数"]),
        ("二次函数与实际问题", vec![]),
    ] {
        env.published_in(g, owner, "数学", content(title, "八年级课件", &tags))
            .await;
    }
    env.published_in(g, owner, "物理", content("测量小灯泡的电功率", "", &[]))
        .await;
}

#[tokio::test]
async fn a_search_for_a_subject_finds_the_resources_of_that_subject() {
    let env = env().await;
    let g = env.group("数", 2).await;
    library(&env, &g).await;
    let reader = &g.members[1];
    let found = env.search(reader, g.id, q("数学")).await.unwrap();
    assert_eq!(
        (found.total, titles(&found)),
        (
            3,
            vec![
                "一次函数的图像与性质".to_owned(),
                "二次函数与实际问题".to_owned(),
                "勾股定理的证明".to_owned(),
            ]
        )
    );
    let found = env.search(reader, g.id, q("勾股")).await.unwrap();
    assert_eq!(titles(&found), vec!["勾股定理的证明".to_owned()]);
    // Every word must match, across fields: subject and tag, subject and title.
    assert_eq!(
        env.search(reader, g.id, q("数学 几何"))
            .await
            .unwrap()
            .total,
        1
    );
    assert_eq!(
        env.search(reader, g.id, q("物理 函数"))
            .await
            .unwrap()
            .total,
        0
    );
    assert_eq!(env.search(reader, g.id, q("物理")).await.unwrap().total, 1);
}

#[tokio::test]
async fn resources_indexed_before_the_subject_counted_are_indexed_again_at_start() {
    let env = env().await;
    let g = env.group("旧", 1).await;
    library(&env, &g).await;
    // As the rows were before: indexed without their subject.
    env.db
        .execute(
            "UPDATE catalogue.resources SET search_text = lower(title), \
             search_tokens = '{}', search_version = 0",
        )
        .await
        .unwrap();
    let reader = &g.members[0];
    assert_eq!(env.search(reader, g.id, q("数学")).await.unwrap().total, 0);
    // Another instance starts (as after an upgrade) and indexes them again.
    let host = edu_catalogue::start(env.bus(), env.db.config("catalogue"))
        .await
        .unwrap();
    edu_testkit::run_in_background(host);
    assert_eq!(env.search(reader, g.id, q("数学")).await.unwrap().total, 3);
    assert_eq!(env.search(reader, g.id, q("勾股")).await.unwrap().total, 1);
}

#[tokio::test]
async fn the_adopters_of_a_resource_are_read_by_its_group_only() {
    let env = env().await;
    let g = env.group("采", 2).await;
    let other = env.group("外", 1).await;
    let (owner, adopter) = (&g.members[0], &g.members[1]);
    let id = env.published(&g, owner, "勾股定理").await;
    assert!(env.adopters(adopter, id).await.unwrap().items.is_empty());
    env.adopt(adopter, id, None).await.unwrap();
    env.adopt(&g.lead, id, None).await.unwrap();
    let next = content("勾股定理(第二版)", "", &[]);
    env.bus()
        .call::<AddVersion>(
            owner,
            None,
            NewVersion {
                resource_id: id,
                content: next,
            },
        )
        .await
        .unwrap();
    env.adopt(&g.lead, id, Some(2)).await.unwrap();
    for reader in [owner, adopter, &g.lead, &bureau()] {
        let list = env.adopters(reader, id).await.unwrap();
        assert_eq!(list.latest_version, 2);
        let seen: Vec<_> = list
            .items
            .iter()
            .map(|a| (a.school_id, a.version, a.newer_version_available))
            .collect();
        assert_eq!(
            seen,
            vec![
                (school_of(&g.lead), 2, false),
                (school_of(adopter), 1, true),
            ]
        );
    }
    // Outside the group the resource does not exist, its adopters neither.
    assert_eq!(
        code(env.adopters(&other.members[0], id).await),
        ErrorCode::NotFound
    );
    assert_eq!(
        code(env.adopters(&other.lead, ResourceId::new()).await),
        ErrorCode::NotFound
    );
}
