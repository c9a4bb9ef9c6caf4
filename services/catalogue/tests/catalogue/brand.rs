//! The brand rule: shares stay inside the group; a refusal is recorded once, read by whom it concerns.

use super::*;

#[tokio::test]
async fn sharing_outside_the_group_is_refused_and_recorded() {
    let env = env().await;
    let g = env.group("丁", 2).await;
    let (a, b) = (&g.members[0], &g.members[1]);
    let id = env.published(&g, a, "校本课程:家乡的河").await;
    // Inside the group: a recommendation.
    let share = env
        .share(
            a,
            id,
            ShareTarget::School {
                school_id: school_of(b),
            },
        )
        .await
        .unwrap();
    assert_eq!(share.shared_by_school_id, Some(school_of(a)));
    // R-11/M7: to a school of another group, or into another group: refused.
    let other = env.group("戊", 1).await;
    let outside = school_of(&other.members[0]);
    let refused = env
        .share(a, id, ShareTarget::School { school_id: outside })
        .await
        .unwrap_err();
    assert_eq!(refused.code, ErrorCode::BrandTransferForbidden);
    assert_eq!(refused.rule.as_deref(), Some("R-11"));
    assert_eq!(
        code(
            env.share(&g.lead, id, ShareTarget::Group { group_id: other.id })
                .await
        ),
        ErrorCode::BrandTransferForbidden
    );
    // Each refusal is an event: who, what, to whom.
    let events = env
        .until(
            || env.bus.events(),
            |e| {
                e.as_ref().is_ok_and(|e| {
                    e.iter()
                        .filter(|e| e.event_type == "resource.export_refused")
                        .count()
                        == 2
                })
            },
        )
        .await
        .unwrap();
    let refusals: Vec<_> = events
        .iter()
        .filter(|e| e.event_type == "resource.export_refused")
        .collect();
    assert_eq!(refusals.len(), 2);
    let first = refusals[0];
    assert_eq!(first.actor.school_id, Some(school_of(a)));
    assert_eq!(first.payload["resource_id"], serde_json::json!(id));
    assert_eq!(
        first.payload["target"]["school_id"],
        serde_json::json!(outside)
    );
    assert_eq!(first.payload["rule"], "R-11");
    assert_eq!(
        refusals[1].payload["target"]["group_id"],
        serde_json::json!(other.id)
    );
    // A school that left the group is outside it too.
    env.exit(g.id, school_of(b)).await;
    let gone = env
        .until(
            || {
                env.share(
                    a,
                    id,
                    ShareTarget::School {
                        school_id: school_of(b),
                    },
                )
            },
            |r| r.is_err(),
        )
        .await;
    assert_eq!(code(gone), ErrorCode::BrandTransferForbidden);
}

/// R-11 (invariant 17): a refused transfer is kept as a record, written in the transaction
/// that refused it; a retry with the same idempotency key is answered the same refusal and
/// records nothing again, while an attempt of its own (no key, another key) is recorded.
#[tokio::test]
async fn r11_a_refused_share_is_recorded_once_even_when_retried_with_its_key() {
    let env = env().await;
    let g = env.group("癸", 2).await;
    let a = &g.members[0];
    let id = env.published(&g, a, "校本课程:家乡的河").await;
    let other = env.group("子", 1).await;
    let outside = ShareTarget::School {
        school_id: school_of(&other.members[0]),
    };
    for _ in 0..3 {
        let refused = env
            .share_keyed(a, id, outside, "share-outside-1")
            .await
            .unwrap_err();
        assert_eq!(refused.code, ErrorCode::BrandTransferForbidden);
        assert_eq!(refused.rule.as_deref(), Some("R-11"));
    }
    let page = env
        .refusals(&g.lead, g.id, None, Paging::default())
        .await
        .unwrap();
    assert_eq!(page.total, 1, "{page:?}");
    let record = &page.items[0];
    assert_eq!(record.group_id, g.id);
    assert_eq!(record.resource_id, id);
    assert_eq!(record.resource_title, "校本课程:家乡的河");
    assert_eq!(record.requested_by.sub, a.sub);
    assert_eq!(record.requested_by.role, Some(Role::MemberAdmin));
    assert_eq!(record.requested_by.school_id, Some(school_of(a)));
    assert_eq!(record.target, outside);
    assert_eq!(record.rule, "R-11");
    assert_eq!(record.code, ErrorCode::BrandTransferForbidden);
    assert!(record.refused_at <= Utc::now());
    // One event too: the replays wrote nothing (and nothing is still on its way).
    assert_eq!(env.export_refused_events(1).await.len(), 1);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(env.export_refused_events(1).await.len(), 1);

    // Another attempt (a re-export into the other group, by the lead office, without a key)
    // is a record of its own, listed first.
    let into_other = ShareTarget::Group { group_id: other.id };
    assert_eq!(
        code(env.share(&g.lead, id, into_other).await),
        ErrorCode::BrandTransferForbidden
    );
    let page = env
        .refusals(&bureau(), g.id, Some(id), Paging::default())
        .await
        .unwrap();
    assert_eq!(page.total, 2);
    assert_eq!(page.items[0].target, into_other);
    assert_eq!(page.items[0].requested_by.role, Some(Role::LeadAdmin));
    assert_eq!(page.items[1].id, record.id);
    // Paging keeps the total; another resource of the group has none.
    let second = env
        .refusals(
            &g.lead,
            g.id,
            None,
            Paging {
                limit: 1,
                offset: 1,
            },
        )
        .await
        .unwrap();
    assert_eq!((second.items.len(), second.total), (1, 2));
    assert_eq!(second.items[0].id, record.id);
    let quiet = env.published(&g, a, "德育案例").await;
    let none = env
        .refusals(&g.lead, g.id, Some(quiet), Paging::default())
        .await
        .unwrap();
    assert_eq!((none.items.len(), none.total), (0, 0));
    // The other group's list does not have them.
    let theirs = env
        .refusals(&other.lead, other.id, None, Paging::default())
        .await
        .unwrap();
    assert_eq!(theirs.total, 0);
}

/// a share inside the group is allowed and leaves no refusal record, retried or not.
#[tokio::test]
async fn r11_a_permitted_share_leaves_no_refusal_record() {
    let env = env().await;
    let g = env.group("丑", 2).await;
    let (a, b) = (&g.members[0], &g.members[1]);
    let id = env.published(&g, a, "大单元教学设计").await;
    let inside = ShareTarget::School {
        school_id: school_of(b),
    };
    let first = env
        .share_keyed(a, id, inside, "share-inside-1")
        .await
        .unwrap();
    let again = env
        .share_keyed(a, id, inside, "share-inside-1")
        .await
        .unwrap();
    assert_eq!(first, again);
    env.share(&g.lead, id, ShareTarget::Group { group_id: g.id })
        .await
        .unwrap();
    let page = env
        .refusals(&g.lead, g.id, None, Paging::default())
        .await
        .unwrap();
    assert_eq!((page.items.len(), page.total), (0, 0));
}

/// R-11 (invariant 17): the refusals are read by the lead office and the group's bureau and
/// auditors; a member school's office or teacher is refused (403), and a group outside the
/// caller's reach does not exist for them (404).
#[tokio::test]
async fn r11_refusals_are_read_by_the_lead_office_and_the_groups_bureau_and_auditors() {
    let env = env().await;
    let g = env.group("寅", 1).await;
    let m = &g.members[0];
    let other = env.group("卯", 1).await;
    let id = env.published(&g, m, "实验探究:浮力").await;
    let to = ShareTarget::Group { group_id: other.id };
    assert_eq!(
        code(env.share(m, id, to).await),
        ErrorCode::BrandTransferForbidden
    );
    let auditor = Actor {
        sub: "auditor".into(),
        role: Some(Role::Auditor),
        region: Some(region()),
        school_id: None,
    };
    for reader in [&g.lead, &bureau(), &auditor] {
        let page = env
            .refusals(reader, g.id, None, Paging::default())
            .await
            .unwrap();
        assert_eq!(page.total, 1, "{reader:?}");
    }
    let teacher = office(Role::Teacher, school_of(m));
    for member in [m, &teacher] {
        let refused = env
            .refusals(member, g.id, None, Paging::default())
            .await
            .unwrap_err();
        assert_eq!(refused.code, ErrorCode::Forbidden, "{member:?}");
        assert_eq!(refused.rule.as_deref(), Some("R-11"));
    }
    let mut far = bureau();
    far.region = Some(RegionCode::parse("411621").unwrap());
    for outsider in [&other.lead, &far] {
        assert_eq!(
            code(env.refusals(outsider, g.id, None, Paging::default()).await),
            ErrorCode::NotFound,
            "{outsider:?}"
        );
    }
    assert_eq!(
        code(
            env.refusals(
                &g.lead,
                g.id,
                None,
                Paging {
                    limit: 0,
                    offset: 0
                }
            )
            .await
        ),
        ErrorCode::ValidationFailed
    );
}
