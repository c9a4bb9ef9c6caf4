//! Golden envelopes: catalogue (优质课程资源库) events and the brand-rule refusal.

use super::*;
use edu_contracts::catalogue::{
    BrandRefusal, BrandRefusalQuery, Page, Paging, Requester, ShareTarget,
};
use edu_contracts::events::{
    FacilityBooked, ResourceAdopted, ResourceExportRefused, ResourceFacts, ResourcePublished,
    ResourceRejected, ResourceSubmitted, ResourceVersionAdded,
};
use edu_domain::{BookingId, FacilityId, QualityTier, ResourceId, ResourceKind};

const RESOURCE: u128 = 0x70;
const OTHER_GROUP: u128 = 0x11;
const OUTSIDER: u128 = 0x29;

fn facts(version: i32) -> ResourceFacts {
    ResourceFacts {
        resource_id: ResourceId(id(RESOURCE)),
        group_id: GroupId(id(GROUP)),
        owner_school_id: SchoolId(id(MEMBER)),
        kind: ResourceKind::LessonPlan,
        subject: "数学".into(),
        tier: QualityTier::County,
        title: "一次函数的图像与性质".into(),
        version,
    }
}

fn catalogue_golden<E: Event + PartialEq + Debug>(name: &str, n: u128, event: &E) {
    assert_eq!(E::SERVICE, ServiceName::Catalogue);
    event_golden(name, envelope(n, event, Some(GROUP), Some(MEMBER)), event);
}

#[test]
fn golden_resource_published() {
    let event = ResourcePublished { resource: facts(1) };
    catalogue_golden("event_resource_published", 0x80, &event);
}

/// a school's submission, waiting for the lead office's review.
#[test]
fn golden_resource_submitted() {
    let event = ResourceSubmitted {
        resource: facts(1),
        review_required: true,
    };
    catalogue_golden("event_resource_submitted", 0x86, &event);
}

#[test]
fn golden_resource_rejected() {
    let event = ResourceRejected {
        resource: facts(1),
        note: Some("请补充教学反思部分".into()),
    };
    catalogue_golden("event_resource_rejected", 0x87, &event);
}

#[test]
fn golden_resource_version_added() {
    let event = ResourceVersionAdded {
        resource: facts(2),
        adopters_behind: 3,
    };
    catalogue_golden("event_resource_version_added", 0x81, &event);
}

#[test]
fn golden_resource_adopted() {
    let event = ResourceAdopted {
        resource: facts(1),
        adopting_school_id: SchoolId(id(LEAD)),
    };
    catalogue_golden("event_resource_adopted", 0x82, &event);
}

/// R-11/M7: who (the envelope's actor and `requested_by_school_id`), what (the
/// resource), to whom (`target`).
#[test]
fn golden_resource_export_refused() {
    for (name, n, target) in [
        (
            "event_resource_export_refused_school",
            0x83,
            ShareTarget::School {
                school_id: SchoolId(id(OUTSIDER)),
            },
        ),
        (
            "event_resource_export_refused_group",
            0x84,
            ShareTarget::Group {
                group_id: GroupId(id(OTHER_GROUP)),
            },
        ),
    ] {
        let event = ResourceExportRefused {
            resource: facts(1),
            requested_by_school_id: Some(SchoolId(id(MEMBER))),
            target,
            rule: "R-11".into(),
        };
        catalogue_golden(name, n, &event);
    }
}

#[test]
fn golden_facility_booked() {
    let event = FacilityBooked {
        booking_id: BookingId(id(0x90)),
        facility_id: FacilityId(id(0x91)),
        group_id: GroupId(id(GROUP)),
        owner_school_id: SchoolId(id(LEAD)),
        booking_school_id: SchoolId(id(MEMBER)),
        start: at("2026-10-12T00:30:00Z"),
        end: at("2026-10-12T02:00:00Z"),
    };
    catalogue_golden("event_facility_booked", 0x85, &event);
}

/// R-11 (invariant 17): the list of refused transfers a group's bureau, its county's
/// auditors and its lead office read: the request, and a page of one refusal to a school
/// outside the group and one into another group.
#[test]
fn golden_brand_refusal_list() {
    let command = Command {
        actor: Actor {
            sub: "user:lead-admin-1".into(),
            role: Some(Role::LeadAdmin),
            region: Some(region()),
            school_id: Some(SchoolId(id(LEAD))),
        },
        idempotency_key: None,
        body: BrandRefusalQuery {
            group_id: GroupId(id(GROUP)),
            resource_id: Some(ResourceId(id(RESOURCE))),
            paging: Paging {
                limit: 20,
                offset: 40,
            },
        },
    };
    golden("command_brand_refusal_list", &command);
    // The resource and the paging may be left out.
    let minimal: Command<BrandRefusalQuery> = serde_json::from_value(json!({
        "actor": {"sub": "user:bureau-411627", "role": "bureau", "region": "411627"},
        "body": {"group_id": id(GROUP)}
    }))
    .expect("optional query fields default");
    assert_eq!(minimal.body.resource_id, None);
    assert_eq!(minimal.body.paging, Paging::default());

    let refusal = |n: u128, target: ShareTarget| BrandRefusal {
        id: id(n),
        group_id: GroupId(id(GROUP)),
        resource_id: ResourceId(id(RESOURCE)),
        resource_title: "一次函数的图像与性质".into(),
        requested_by: Requester {
            sub: "user:member-admin-2".into(),
            role: Some(Role::MemberAdmin),
            school_id: Some(SchoolId(id(MEMBER))),
        },
        target,
        rule: "R-11".into(),
        code: ErrorCode::BrandTransferForbidden,
        refused_at: at("2026-09-01T08:00:00.123456Z"),
    };
    let reply: Reply<Page<BrandRefusal>> = Reply::Ok(Page {
        items: vec![
            refusal(
                0x86,
                ShareTarget::Group {
                    group_id: GroupId(id(OTHER_GROUP)),
                },
            ),
            refusal(
                0x87,
                ShareTarget::School {
                    school_id: SchoolId(id(OUTSIDER)),
                },
            ),
        ],
        total: 2,
    });
    let file = golden("reply_ok_brand_refusals", &reply);
    assert_eq!(file["ok"]["total"], 2);
    assert_eq!(file["ok"]["items"][0]["code"], "brand_transfer_forbidden");
    assert_eq!(file["ok"]["items"][0]["rule"], "R-11");
    assert_eq!(file["ok"]["items"][1]["target"]["type"], "school");
}

#[test]
fn golden_reply_brand_transfer_forbidden() {
    let reply: Reply<()> = Reply::Error(
        Problem::new(
            ErrorCode::BrandTransferForbidden,
            "group resources stay in the group",
            "集团资源仅限集团内使用",
        )
        .rule("R-11")
        .details(json!({"target": {"type": "school", "school_id": id(OUTSIDER)}, "duty": "M7"})),
    );
    let file = golden("reply_error_brand_transfer_forbidden", &reply);
    assert_eq!(file["error"]["code"], "brand_transfer_forbidden");
}
