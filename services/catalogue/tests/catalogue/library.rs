//! Publishing, review and search: a member publishes, the lead approves, the group reads.

use super::*;

#[tokio::test]
async fn a_member_publishes_the_lead_approves_the_others_see_it() {
    let env = env().await;
    let g = env.group("甲", 2).await;
    let (a, b) = (&g.members[0], &g.members[1]);
    let r = env
        .submit(a, g.id, content("一次函数的图像", "", &["函数"]))
        .await
        .unwrap();
    // review comes first (the default policy asks for it).
    assert_eq!(r.summary.status, ResourceStatus::PendingReview);
    assert_eq!(r.versions.len(), 1);
    let id = r.summary.id;
    assert_eq!(code(env.get(b, id).await), ErrorCode::NotFound);
    assert_eq!(
        env.search(b, g.id, ResourceFilter::default())
            .await
            .unwrap()
            .total,
        0
    );
    // Only the lead office reviews.
    assert_eq!(
        code(env.review(a, id, Decision::Approve).await),
        ErrorCode::Forbidden
    );
    let approved = env.review(&g.lead, id, Decision::Approve).await.unwrap();
    assert_eq!(approved.summary.status, ResourceStatus::Published);
    assert_eq!(
        code(env.review(&g.lead, id, Decision::Approve).await),
        ErrorCode::ResourceStateInvalid
    );
    // every school of the group sees it now.
    assert_eq!(
        env.get(b, id).await.unwrap().summary.title,
        "一次函数的图像"
    );
    assert_eq!(
        env.search(b, g.id, ResourceFilter::default())
            .await
            .unwrap()
            .total,
        1
    );
    // A school outside the group: not found, for metadata and search alike.
    let other = env.group("乙", 1).await;
    let outsider = &other.members[0];
    assert_eq!(code(env.get(outsider, id).await), ErrorCode::NotFound);
    assert_eq!(code(env.get(&other.lead, id).await), ErrorCode::NotFound);
    assert_eq!(
        code(env.search(outsider, g.id, ResourceFilter::default()).await),
        ErrorCode::NotFound
    );
    // Another region's bureau neither.
    let mut far = bureau();
    far.region = Some(RegionCode::parse("411621").unwrap());
    assert_eq!(code(env.get(&far, id).await), ErrorCode::NotFound);
    // A teacher reads but does not submit; the bureau reads but does not write.
    let teacher = office(Role::Teacher, school_of(b));
    assert!(env.get(&teacher, id).await.is_ok());
    assert_eq!(
        code(env.submit(&teacher, g.id, content("x", "", &[])).await),
        ErrorCode::Forbidden
    );
    assert_eq!(
        code(env.submit(&bureau(), g.id, content("x", "", &[])).await),
        ErrorCode::Forbidden
    );
    // The events of the publication are on the stream.
    let events = env.bus.wait_for_events(1).await.unwrap();
    let types: Vec<&str> = events.iter().map(|e| e.event_type.as_str()).collect();
    assert!(types.contains(&"resource.submitted") && types.contains(&"resource.published"));
}

#[tokio::test]
async fn two_character_chinese_words_and_filters_find_resources() {
    let env = env().await;
    let g = env.group("丙", 1).await;
    let m = &g.members[0];
    for title in [
        "一次函数的图像与性质",
        "测量小灯泡的电功率",
        "Quadratic Functions",
        "勾股定理",
        "函的数",
    ] {
        env.published(&g, m, title).await;
    }
    // Titles alone above; now a resource with description and tags.
    let r = env
        .submit(
            m,
            g.id,
            content("化学实验安全", "酸碱中和实验的注意事项", &["实验", "化学"]),
        )
        .await
        .unwrap();
    env.review(&g.lead, r.summary.id, Decision::Approve)
        .await
        .unwrap();
    let q = |q: &str| ResourceFilter {
        q: Some(q.into()),
        ..Default::default()
    };
    let found = env.search(m, g.id, q("函数")).await.unwrap();
    assert_eq!(titles(&found), vec!["一次函数的图像与性质".to_owned()]);
    let found = env.search(m, g.id, q("实验")).await.unwrap();
    assert_eq!(titles(&found), vec!["化学实验安全".to_owned()]);
    // Description and tags count; every word must match.
    assert_eq!(env.search(m, g.id, q("中和")).await.unwrap().total, 1);
    assert_eq!(env.search(m, g.id, q("化学 实验")).await.unwrap().total, 1);
    assert_eq!(env.search(m, g.id, q("化学 函数")).await.unwrap().total, 0);
    // English by word prefix, any case.
    assert_eq!(env.search(m, g.id, q("FUNCTION")).await.unwrap().total, 1);
    // Filters and paging.
    let filtered = ResourceFilter {
        kind: Some(ResourceKind::LessonPlan),
        subject: Some("数学".into()),
        tier: Some(QualityTier::County),
        owner_school_id: Some(school_of(m)),
        ..Default::default()
    };
    assert_eq!(env.search(m, g.id, filtered).await.unwrap().total, 6);
    let wrong_tier = ResourceFilter {
        tier: Some(QualityTier::City),
        ..Default::default()
    };
    assert_eq!(env.search(m, g.id, wrong_tier).await.unwrap().total, 0);
    let page = env
        .bus()
        .call::<SearchResources>(
            m,
            None,
            ResourceSearch {
                group_id: g.id,
                filter: ResourceFilter::default(),
                paging: Paging {
                    limit: 2,
                    offset: 4,
                },
            },
        )
        .await
        .unwrap();
    assert_eq!((page.items.len(), page.total), (2, 6));
    // Bad input is a validation refusal, not a failure.
    assert_eq!(
        code(env.search(m, g.id, q(&"词 ".repeat(20))).await),
        ErrorCode::ValidationFailed
    );
}

#[tokio::test]
async fn a_retried_submission_makes_one_resource() {
    let env = env().await;
    let g = env.group("丑", 1).await;
    let m = &g.members[0];
    let body = NewResource {
        group_id: g.id,
        kind: ResourceKind::Courseware,
        subject: "物理".into(),
        stage: Stage::Junior,
        grade: String::new(),
        course_type: CourseType::SchoolBased,
        tier: QualityTier::School,
        content: content("光的折射", "", &[]),
    };
    let first = env
        .bus()
        .call::<SubmitResource>(m, Some("k-1".into()), body.clone())
        .await
        .unwrap();
    let again = env
        .bus()
        .call::<SubmitResource>(m, Some("k-1".into()), body)
        .await
        .unwrap();
    assert_eq!(first.summary.id, again.summary.id);
    let page = env
        .search(m, g.id, ResourceFilter::default())
        .await
        .unwrap();
    assert_eq!(page.total, 1);
}
