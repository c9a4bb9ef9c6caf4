//! What membership changes do to the library: an exit, a dissolution (§5, X-02).

use super::*;

#[tokio::test]
async fn a_school_that_left_keeps_only_its_own_contributions() {
    let env = env().await;
    let g = env.group("己", 2).await;
    let (a, b) = (&g.members[0], &g.members[1]);
    let mine = env.published(&g, a, "本校德育案例").await;
    let theirs = env.published(&g, b, "兄弟学校的课件").await;
    assert!(env.get(a, theirs).await.is_ok());
    env.exit(g.id, school_of(a)).await;
    // §5: access to the group's resources ends at once (once the exit is seen).
    let refused = env.until(|| env.get(a, theirs), |r| r.is_err()).await;
    assert_eq!(code(refused), ErrorCode::NotFound);
    // Its own stay readable, and listing the group shows only them.
    assert_eq!(
        env.get(a, mine).await.unwrap().summary.title,
        "本校德育案例"
    );
    let page = env
        .search(a, g.id, ResourceFilter::default())
        .await
        .unwrap();
    assert_eq!(titles(&page), vec!["本校德育案例".to_owned()]);
    // It no longer contributes.
    assert_eq!(
        code(env.submit(a, g.id, content("新课件", "", &[])).await),
        ErrorCode::SchoolNotInGroup
    );
    // The group keeps using what it contributed.
    assert!(env.get(b, mine).await.is_ok());
}

#[tokio::test]
async fn a_dissolved_library_is_read_only_for_the_bureau() {
    let env = env().await;
    let g = env.group("庚", 1).await;
    let m = &g.members[0];
    let id = env.published(&g, m, "集团精品课程").await;
    env.bus()
        .call::<DissolveGroup>(
            &env.system,
            None,
            Dissolution {
                group_id: g.id,
                reason: "评估不合格".into(),
                override_reason: Some("no evaluation yet (test)".into()),
            },
        )
        .await
        .unwrap();
    // Once the dissolution is seen, the lead school no longer reads the member's resource.
    let gone = env.until(|| env.get(&g.lead, id), |r| r.is_err()).await;
    assert_eq!(code(gone), ErrorCode::NotFound);
    assert_eq!(
        code(env.submit(&g.lead, g.id, content("x", "", &[])).await),
        ErrorCode::GroupDissolved
    );
    assert!(env.get(&bureau(), id).await.is_ok());
    assert_eq!(
        env.search(&bureau(), g.id, ResourceFilter::default())
            .await
            .unwrap()
            .total,
        1
    );
    // The member keeps its own.
    assert!(env.get(m, id).await.is_ok());
}
