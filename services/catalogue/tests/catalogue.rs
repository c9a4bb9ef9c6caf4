//! The catalogue service over the bus, against real PostgreSQL and NATS, with the real
//! membership service feeding its projection. Rules are cited by their RULES.md ids.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod common;

use common::*;

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

#[tokio::test]
async fn adopters_stay_on_their_version_and_are_told_of_a_newer_one() {
    let env = env().await;
    let g = env.group("辛", 2).await;
    let (a, b) = (&g.members[0], &g.members[1]);
    let id = env.published(&g, a, "实验探究:浮力").await;
    let adoption = env.adopt(b, id, None).await.unwrap();
    assert_eq!(
        (adoption.version, adoption.newer_version_available),
        (1, false)
    );
    assert_eq!(
        code(env.adopt(a, id, None).await),
        ErrorCode::ValidationFailed
    );
    // Only the owner adds versions.
    let v2 = NewVersion {
        resource_id: id,
        content: content("实验探究:浮力(修订)", "补充了分层作业", &["实验"]),
    };
    assert_eq!(
        code(env.bus().call::<AddVersion>(b, None, v2.clone()).await),
        ErrorCode::Forbidden
    );
    let updated = env.bus().call::<AddVersion>(a, None, v2).await.unwrap();
    assert_eq!(updated.summary.latest_version, 2);
    assert_eq!(updated.versions.len(), 2);
    assert_eq!(updated.versions[0].title, "实验探究:浮力");
    // The adopter is still on version 1, and told.
    let seen = env.get(b, id).await.unwrap();
    assert_eq!(seen.summary.adopted_version, Some(1));
    assert!(seen.summary.newer_version_available);
    let listed = env
        .search(b, g.id, ResourceFilter::default())
        .await
        .unwrap();
    assert!(listed.items[0].newer_version_available);
    // Moving on is the adopter's choice.
    let moved = env.adopt(b, id, Some(2)).await.unwrap();
    assert!(!moved.newer_version_available);
    assert!(
        !env.get(b, id)
            .await
            .unwrap()
            .summary
            .newer_version_available
    );
    // Reuse analytics count each adopting school once.
    let reuse = env
        .bus()
        .call::<GetReuse>(&g.lead, None, ReuseQuery { group_id: g.id })
        .await
        .unwrap();
    assert_eq!((reuse.published_resources, reuse.adoptions), (1, 1));
    let owner = reuse
        .schools
        .iter()
        .find(|s| s.school_id == school_of(a))
        .unwrap();
    assert_eq!((owner.resources, owner.adoptions_received), (1, 1));
    let adopter = reuse
        .schools
        .iter()
        .find(|s| s.school_id == school_of(b))
        .unwrap();
    assert_eq!(adopter.adoptions_made, 1);
    assert_eq!(reuse.subjects[0].subject, "数学");
}

#[tokio::test]
async fn files_travel_in_chunks_with_their_hash_and_stay_in_the_group() {
    let env = env().await;
    let g = env.group("壬", 2).await;
    let (a, b) = (&g.members[0], &g.members[1]);
    let bytes: Vec<u8> = (0..700_000u32).map(|i| (i % 251) as u8).collect();
    let sha: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let upload = env
        .bus()
        .call::<BeginUpload>(
            a,
            None,
            NewUpload {
                group_id: g.id,
                file_name: "浮力实验.pptx".into(),
                content_type: "application/vnd.ms-powerpoint".into(),
            },
        )
        .await
        .unwrap();
    for (i, chunk) in bytes.chunks(400_000).enumerate() {
        let body = Chunk {
            upload_id: upload.id,
            offset: (i * 400_000) as u64,
            data: BASE64.encode(chunk),
        };
        env.bus()
            .call::<UploadChunk>(a, None, body.clone())
            .await
            .unwrap();
        // A resent chunk changes nothing.
        env.bus().call::<UploadChunk>(a, None, body).await.unwrap();
    }
    // Another school cannot write into it; a wrong hash is refused.
    let foreign = Chunk {
        upload_id: upload.id,
        offset: 0,
        data: BASE64.encode(b"x"),
    };
    assert_eq!(
        code(env.bus().call::<UploadChunk>(b, None, foreign).await),
        ErrorCode::NotFound
    );
    let wrong = UploadFinish {
        upload_id: upload.id,
        sha256: "0".repeat(64),
        size: bytes.len() as u64,
    };
    assert_eq!(
        code(env.bus().call::<FinishUpload>(a, None, wrong).await),
        ErrorCode::FileHashMismatch
    );
    let done = env
        .bus()
        .call::<FinishUpload>(
            a,
            None,
            UploadFinish {
                upload_id: upload.id,
                sha256: sha.clone(),
                size: bytes.len() as u64,
            },
        )
        .await
        .unwrap();
    assert!(done.finished);
    let mut c = content("浮力实验课件", "", &[]);
    c.upload_id = Some(upload.id);
    let r = env.submit(a, g.id, c).await.unwrap();
    let file = r.versions[0].file.clone().unwrap();
    assert_eq!((file.sha256.as_str(), file.size), (sha.as_str(), 700_000));
    env.review(&g.lead, r.summary.id, Decision::Approve)
        .await
        .unwrap();
    // A member of the group downloads it, chunk by chunk.
    let mut got = Vec::new();
    while got.len() < bytes.len() {
        let piece = env
            .bus()
            .call::<ReadFile>(
                b,
                None,
                FileRead {
                    resource_id: r.summary.id,
                    version: None,
                    offset: got.len() as u64,
                },
            )
            .await
            .unwrap();
        got.extend(BASE64.decode(piece.data).unwrap());
    }
    assert_eq!(got, bytes);
    // Nobody outside the group does.
    let other = env.group("癸", 1).await;
    let read = FileRead {
        resource_id: r.summary.id,
        version: None,
        offset: 0,
    };
    assert_eq!(
        code(
            env.bus()
                .call::<ReadFile>(&other.members[0], None, read)
                .await
        ),
        ErrorCode::NotFound
    );
}

/// R-01 under contention: twenty bookings of one slot at once, five from
/// each school of the group, give exactly one booking.
#[tokio::test]
async fn twenty_concurrent_bookings_of_one_slot_give_one() {
    let env = env().await;
    let g = env.group("庚", 3).await;
    let lab = env.lab(&g, "录播教室").await;
    let start = Utc::now() + chrono::Duration::days(5);
    let schools: Vec<&Actor> = std::iter::once(&g.lead).chain(&g.members).collect();
    let tries = (0..20).map(|i| {
        env.bus().call::<BookFacility>(
            schools[i % schools.len()],
            None,
            NewBooking {
                facility_id: lab.id,
                booking: BookingBody {
                    start,
                    end: start + chrono::Duration::minutes(45),
                    purpose: "公开课录制".into(),
                },
            },
        )
    });
    let results = futures::future::join_all(tries).await;
    assert_eq!(
        results.iter().filter(|r| r.is_ok()).count(),
        1,
        "{results:?}"
    );
    for r in results.iter().filter_map(|r| r.as_ref().err()) {
        assert_eq!(r.code, ErrorCode::FacilityAlreadyBooked);
        assert_eq!(r.rule.as_deref(), Some("R-01"));
    }
}

#[tokio::test]
async fn two_schools_booking_one_slot_at_once_exactly_one_wins() {
    let env = env().await;
    let g = env.group("子", 3).await;
    let lab = env.lab(&g, "物理实验室").await;
    let start = Utc::now() + chrono::Duration::days(3);
    let slot = |offset_min: i64| BookingBody {
        start: start + chrono::Duration::minutes(offset_min),
        end: start + chrono::Duration::minutes(offset_min + 90),
        purpose: "八年级物理分组实验".into(),
    };
    // several rounds of simultaneous requests for overlapping slots.
    for round in 0..5i64 {
        let base = round * 1000;
        let calls = g.members.iter().enumerate().map(|(i, m)| {
            env.bus().call::<BookFacility>(
                m,
                None,
                NewBooking {
                    facility_id: lab.id,
                    booking: slot(base + i as i64 * 10),
                },
            )
        });
        let results = futures::future::join_all(calls).await;
        let won = results.iter().filter(|r| r.is_ok()).count();
        assert_eq!(won, 1, "round {round}: {results:?}");
        for r in results.iter().filter_map(|r| r.as_ref().err()) {
            assert_eq!(r.code, ErrorCode::FacilityAlreadyBooked);
            assert_eq!(r.rule.as_deref(), Some("R-01"));
        }
    }
    // Adjacent slots do not overlap.
    let m = &g.members[0];
    for (i, (from, to)) in [(10_000, 10_090), (10_090, 10_120)].into_iter().enumerate() {
        let adjacent = BookingBody {
            start: start + chrono::Duration::minutes(from),
            end: start + chrono::Duration::minutes(to),
            purpose: "复习".into(),
        };
        env.bus()
            .call::<BookFacility>(
                &g.members[i],
                None,
                NewBooking {
                    facility_id: lab.id,
                    booking: adjacent,
                },
            )
            .await
            .unwrap();
    }
    // Bad slots are validation refusals.
    let backwards = BookingBody {
        start: start + chrono::Duration::hours(2),
        end: start,
        purpose: "x".into(),
    };
    assert_eq!(
        code(
            env.bus()
                .call::<BookFacility>(
                    m,
                    None,
                    NewBooking {
                        facility_id: lab.id,
                        booking: backwards
                    }
                )
                .await
        ),
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
