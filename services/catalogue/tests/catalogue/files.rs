//! Adoptions, files in chunks with their hash, and facility bookings without races.

use super::*;

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
