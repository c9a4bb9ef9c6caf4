//! The council follows membership (G-02..G-05) and refuses invalid appointments.

use super::*;

#[tokio::test]
async fn g03_g04_council_follows_membership_and_is_frozen_on_dissolution() {
    let env = env().await;
    let g = env.group(2).await;
    let c = env.council(g.id).await.unwrap();
    // G-03: the lead school's principal chairs
    let chair: Vec<_> = c
        .seats
        .iter()
        .filter(|s| s.role == SeatRole::Chair)
        .collect();
    assert_eq!(chair.len(), 1);
    assert_eq!(
        (chair[0].school_id, chair[0].holder_name.as_str()),
        (g.lead, LEAD_PRINCIPAL)
    );
    // G-04: each member's principal is a vice-chair
    for (i, m) in g.members.iter().enumerate() {
        assert!(c.seats.iter().any(|s| s.role == SeatRole::ViceChair
            && s.school_id == *m
            && s.holder_name == member_principal(i)));
    }
    // G-05: no secretary-general yet
    assert_eq!(c.missing, vec![SeatRole::SecretaryGeneral]);

    // a member exits: its seats go
    env.bus()
        .call::<ExitMember>(
            &env.actor,
            None,
            MemberExit {
                group_id: g.id,
                school_id: g.members[0],
                reason: ExitReason::Voluntary,
                note: None,
            },
        )
        .await
        .unwrap();
    let c = env
        .council_until(g.id, |c| {
            !c.seats.iter().any(|s| s.school_id == g.members[0])
        })
        .await;
    assert_eq!(
        c.seats
            .iter()
            .filter(|s| s.role == SeatRole::ViceChair)
            .count(),
        1
    );

    // dissolution freezes the council
    env.dissolve(g.id).await;
    let seats = c
        .seats
        .iter()
        .map(|s| SeatAppointment {
            role: s.role,
            school_id: s.school_id,
            holder_name: s.holder_name.clone(),
            post: s.post,
        })
        .collect();
    refused(env.set(g.id, seats).await, ErrorCode::GroupDissolved);
}

#[tokio::test]
async fn g02_g05_invalid_appointments_are_refused_with_clear_codes() {
    let env = env().await;
    let g = env.group(1).await;
    let chair = SeatAppointment {
        role: SeatRole::Chair,
        school_id: g.lead,
        holder_name: LEAD_PRINCIPAL.into(),
        post: LeaderPost::Principal,
    };
    let vice = SeatAppointment {
        role: SeatRole::ViceChair,
        school_id: g.members[0],
        holder_name: member_principal(0),
        post: LeaderPost::Principal,
    };
    let sg = SeatAppointment {
        role: SeatRole::SecretaryGeneral,
        school_id: g.lead,
        holder_name: "赵秘书".into(),
        post: LeaderPost::VicePrincipal,
    };
    // G-03: someone else in the chair
    let mut wrong_chair = chair.clone();
    wrong_chair.holder_name = "钱副校长".into();
    wrong_chair.post = LeaderPost::VicePrincipal;
    let p = refused(
        env.set(g.id, vec![wrong_chair, vice.clone(), sg.clone()])
            .await,
        ErrorCode::ChairMustBeLeadPrincipal,
    );
    assert_eq!(p.rule.as_deref(), Some("G-03"));
    // G-04: the member's vice-chair left out
    refused(
        env.set(g.id, vec![chair.clone(), sg.clone()]).await,
        ErrorCode::ViceChairMustBeMemberPrincipal,
    );
    // G-05: no secretary-general
    refused(
        env.set(g.id, vec![chair.clone(), vice.clone()]).await,
        ErrorCode::SecretaryGeneralRequired,
    );
    // G-02: a director from a school outside the group
    let outsider = env.school("外校", "外校校长").await;
    let director = SeatAppointment {
        role: SeatRole::Director,
        school_id: outsider,
        holder_name: "外校校长".into(),
        post: LeaderPost::Principal,
    };
    refused(
        env.set(
            g.id,
            vec![chair.clone(), vice.clone(), sg.clone(), director],
        )
        .await,
        ErrorCode::SeatHolderNotInGroup,
    );
    // a valid composition; setting it again keeps the seats' ids
    let c = env.complete_council(&g).await;
    assert!(c.missing.is_empty(), "{c:?}");
    let again = env.complete_council(&g).await;
    let ids = |c: &Council| c.seats.iter().map(|s| s.id).collect::<Vec<_>>();
    assert_eq!(ids(&c), ids(&again));
}
