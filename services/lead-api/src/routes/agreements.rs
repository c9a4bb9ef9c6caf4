//! Sharing agreements (R-10, M6): the lead office records what the group's schools agreed
//! to share and for how long; every school of the group and its bureau read them, with the
//! postings of the school year that no agreement covers (a teacher exchanged between two
//! schools without a staff-exchange agreement in force on the posting's first day), which
//! the council page shows as its own item. The agreements are the membership service's;
//! the postings the rotation service's; the check joins them here, where both are read.

use actix_web::{HttpResponse, get, post};
use chrono::Utc;
use edu_contracts::Paging;
use edu_contracts::agreements::{
    Agreement, AgreementEnd, AgreementId, EndAgreement, ListAgreements, NewAgreement,
    RecordAgreement, SharingScope,
};
use edu_contracts::membership::GroupRef;
use edu_contracts::rotation::{ListPostings, Posting, PostingQuery};
use edu_domain::{GroupId, PostingStatus, SchoolYear};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::{Caller, IdempotencyKey};
use crate::error::{ApiError, ErrorBody};
use crate::extract::web;
use crate::responses::{
    GroupNotVisible, InvalidInput, InvalidQuery, KeyReused, NoToken, NotLeadOffice, Unavailable,
};
use crate::routes::groups::{visible_group, writable_group};
use crate::{AppState, scope};

/// The group's agreements and what no agreement covers.
#[derive(Debug, Serialize, ToSchema)]
pub struct SharingAgreements {
    pub agreements: Vec<Agreement>,
    /// proposed or confirmed postings of the school year between two schools that no
    /// staff-exchange agreement in force on the posting's first day covers.
    pub postings_outside_agreements: Vec<Posting>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AgreementParams {
    /// The school year whose postings are checked (default the current one).
    #[param(value_type = Option<i32>, example = 2025)]
    pub year: Option<SchoolYear>,
}

/// R-10/M6: the group's sharing agreements, oldest first, and the postings of the school year
/// that rest on none. Every school of the group, its bureau and auditors.
#[utoipa::path(
    tag = "agreements",
    operation_id = "list_agreements",
    params(("group_id" = GroupId, Path, description = "Group id"), AgreementParams),
    responses(
        (status = 200, description = "Agreements and the postings outside them", body = SharingAgreements),
        InvalidQuery, NoToken, GroupNotVisible, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[get("/groups/{group_id}/agreements")]
pub async fn list_agreements(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<GroupId>,
    query: web::Query<AgreementParams>,
) -> Result<web::Json<SharingAgreements>, ApiError> {
    let group = visible_group(&state, &caller, path.into_inner()).await?;
    let actor = caller.actor();
    let agreements = state
        .bus
        .call::<ListAgreements>(&actor, None, GroupRef { group_id: group.id })
        .await?;
    let year = query
        .year
        .unwrap_or_else(|| SchoolYear::containing(Utc::now().date_naive()));
    let mut postings = Vec::new();
    let mut paging = Paging {
        limit: Paging::MAX_LIMIT,
        offset: 0,
    };
    loop {
        let q = PostingQuery {
            group_id: Some(group.id),
            school_id: None,
            teacher_id: None,
            school_year: Some(year),
            paging,
        };
        let page = state.bus.call::<ListPostings>(&actor, None, q).await?;
        let got = page.items.len();
        postings.extend(page.items);
        if got < usize::from(paging.limit) {
            break;
        }
        paging.offset += u32::from(paging.limit);
    }
    let postings_outside_agreements = postings
        .into_iter()
        .filter(|p| matches!(p.status, PostingStatus::Proposed | PostingStatus::Confirmed))
        .filter(|p| {
            !agreements.iter().any(|a| {
                a.covers(
                    p.from_school_id,
                    p.to_school_id,
                    SharingScope::StaffExchange,
                    p.start,
                )
            })
        })
        .collect();
    Ok(web::Json(SharingAgreements {
        agreements,
        postings_outside_agreements,
    }))
}

/// Record a sharing agreement among active schools of the group: the lead school's
/// office.
#[utoipa::path(
    tag = "agreements",
    operation_id = "create_agreement",
    params(("group_id" = GroupId, Path, description = "Group id"), IdempotencyKey),
    request_body = NewAgreement,
    responses(
        (status = 201, description = "Recorded", body = Agreement),
        (status = 409, description = "`not_a_member` (a party is not an active school of the group), `group_dissolved`", body = ErrorBody),
        InvalidInput, NoToken, NotLeadOffice, GroupNotVisible, KeyReused, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/groups/{group_id}/agreements")]
pub async fn create_agreement(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    path: web::Path<GroupId>,
    body: web::Json<NewAgreement>,
) -> Result<HttpResponse, ApiError> {
    let group = writable_group(&state, &caller, path.into_inner()).await?;
    scope::can_record_agreement(&caller, &group)?;
    let request = NewAgreement {
        group_id: group.id,
        ..body.into_inner()
    };
    let recorded = state
        .bus
        .call::<RecordAgreement>(&caller.actor(), key.0, request)
        .await?;
    Ok(HttpResponse::Created().json(recorded))
}

/// Terminate an agreement before its term, with the reason: the lead school's office.
#[utoipa::path(
    tag = "agreements",
    operation_id = "end_agreement",
    params(
        ("group_id" = GroupId, Path, description = "Group id"),
        ("agreement_id" = AgreementId, Path, description = "Agreement id"),
        IdempotencyKey,
    ),
    request_body = AgreementEnd,
    responses(
        (status = 200, description = "Terminated", body = Agreement),
        (status = 409, description = "`agreement_state_invalid` (terminated already), `group_dissolved`", body = ErrorBody),
        InvalidInput, NoToken, NotLeadOffice, GroupNotVisible, KeyReused, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/groups/{group_id}/agreements/{agreement_id}/end")]
pub async fn end_agreement(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    path: web::Path<(GroupId, AgreementId)>,
    body: web::Json<AgreementEnd>,
) -> Result<web::Json<Agreement>, ApiError> {
    let (group_id, agreement_id) = path.into_inner();
    let group = writable_group(&state, &caller, group_id).await?;
    scope::can_record_agreement(&caller, &group)?;
    let request = AgreementEnd {
        group_id,
        agreement_id,
        ..body.into_inner()
    };
    Ok(web::Json(
        state
            .bus
            .call::<EndAgreement>(&caller.actor(), key.0, request)
            .await?,
    ))
}
