//! Member schools' major matters (成员学校重大事项, G-09): each on record with the council
//! decision that decided it. The council service checks the decision; this front checks who
//! may record a school's matters and who may see a group's.

use actix_web::{HttpResponse, get, post};
use edu_contracts::council::{
    ListMajorMatters, MajorMatter, MajorMatterQuery, NewMajorMatter, Page, RecordMajorMatter,
};
use edu_domain::{GroupId, SchoolId};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::{Caller, IdempotencyKey};
use crate::error::{ApiError, ErrorBody};
use crate::extract::web;
use crate::responses::{GroupNotVisible, InvalidQuery, KeyReused, NoToken, Unavailable};
use crate::routes::groups::{visible_group, writable_group};
use crate::{AppState, scope};

/// Record a member school's major matter (the lead school's office, or the member school's
/// own office for its own matters).
///
/// G-09 (成员学校重大事项由集团理事会集体决策): the matter cites the council's decision about
/// it — a passed motion of category `member_major_matter` about this school, of this group,
/// decided no later than the day the matter takes effect. Without such a decision it is
/// refused with `council_decision_required`; `details.missing` says what is missing
/// (`decision_cited`, `decision`, `same_group`, `same_category`, `same_school`,
/// `decided_by_effective_date`) and `details.needed` what decision would do. Emits
/// `major_matter.recorded`.
#[utoipa::path(
    tag = "council",
    operation_id = "record_major_matter",
    params(
        ("group_id" = GroupId, Path, description = "Group id"),
        IdempotencyKey,
    ),
    request_body = NewMajorMatter,
    responses(
        (status = 201, description = "Recorded", body = MajorMatter),
        (status = 400, description = "Invalid input (a kind `other` needs a description)", body = ErrorBody),
        (status = 403, description = "Not the lead school's office, nor the office of the school concerned", body = ErrorBody),
        (status = 409, description = "`council_decision_required` (G-09: no council decision of category member_major_matter about this school of this group, made by the effective date, is cited; `details.missing`), `not_a_member` (G-09: the lead school, or a school that is not an active member), `group_dissolved` (X-02)", body = ErrorBody),
        NoToken, GroupNotVisible, KeyReused, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/groups/{group_id}/major-matters")]
pub async fn record_major_matter(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    path: web::Path<GroupId>,
    body: web::Json<NewMajorMatter>,
) -> Result<HttpResponse, ApiError> {
    let group = writable_group(&state, &caller, path.into_inner()).await?;
    let mut new = body.into_inner();
    scope::can_record_major_matter(&caller, &group, new.school_id)?;
    new.group_id = group.id;
    let matter = state
        .bus
        .call::<RecordMajorMatter>(&caller.actor(), key.0, new)
        .await?;
    Ok(HttpResponse::Created().json(matter))
}

list_params! {
    /// Which major matters, and which page of them.
    #[derive(Debug, Deserialize, IntoParams)]
    #[serde(deny_unknown_fields)]
    #[into_params(parameter_in = Query)]
    pub struct MajorMatterParams {
        /// Only this school's.
        pub school_id: Option<SchoolId>,
    }
}

/// The group's member schools' major matters (or one school's), newest first by effective
/// date, each with the council decision it cites (G-09).
#[utoipa::path(
    tag = "council",
    operation_id = "list_major_matters",
    params(("group_id" = GroupId, Path, description = "Group id"), MajorMatterParams),
    responses(
        (status = 200, description = "Major matters", body = Page<MajorMatter>),
        InvalidQuery, NoToken, GroupNotVisible, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[get("/groups/{group_id}/major-matters")]
pub async fn list_major_matters(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<GroupId>,
    query: web::Query<MajorMatterParams>,
) -> Result<web::Json<Page<MajorMatter>>, ApiError> {
    let group = visible_group(&state, &caller, path.into_inner()).await?;
    let q = query.into_inner();
    let query = MajorMatterQuery {
        group_id: group.id,
        school_id: q.school_id,
        paging: q.paging(),
    };
    Ok(web::Json(
        state
            .bus
            .call::<ListMajorMatters>(&caller.actor(), None, query)
            .await?,
    ))
}
