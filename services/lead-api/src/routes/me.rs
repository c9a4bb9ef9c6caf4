//! What a signed-in person reads about themselves, and a county's name.
//!
//! A teacher's token links to their roster row by its subject: `sub` is the teacher's 工号
//! (staff number) in the roster of the school the token names (`school_id`). The identity
//! provider issues teacher tokens so; a token whose subject matches no roster row still
//! reads the page, with no teacher record and nothing of their own.

use actix_web::get;
use edu_contracts::Paging;
use edu_contracts::rotation::{
    GetTrainingHours, HoursQuery, ListPostings, ListTeachers, Posting, PostingQuery, Teacher,
    TeacherHours, TeacherQuery,
};
use edu_domain::{Problem, RegionCode, Role, SchoolId, SchoolYear};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::extract::web;
use crate::responses::{InvalidQuery, NoToken, Unavailable};

/// A county by code and name.
#[derive(Debug, Serialize, ToSchema)]
pub struct Region {
    #[schema(example = "411627")]
    pub code: RegionCode,
    /// The county's name (太康县), or `行政区划 <code>` for a code the system does not know.
    #[schema(example = "太康县")]
    pub region_name: String,
}

/// A county's name, for whoever shows a county code to people (any signed-in role).
#[utoipa::path(
    tag = "policy",
    operation_id = "get_region",
    params(("region" = String, Path, description = "Six-digit county code")),
    responses(
        (status = 200, description = "The county", body = Region),
        (status = 400, description = "Invalid region code", body = ErrorBody),
        NoToken,
    ),
    security(("bearer" = [])),
)]
#[get("/regions/{region}")]
pub async fn get_region(
    _caller: Caller,
    path: web::Path<RegionCode>,
) -> Result<web::Json<Region>, ApiError> {
    let code = path.into_inner();
    let region_name = code.name_zh().into_owned();
    Ok(web::Json(Region { code, region_name }))
}

/// Which school year.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TeachingParams {
    /// The school year, by its first calendar year.
    #[param(value_type = i32, example = 2025)]
    pub year: SchoolYear,
}

/// A teacher's own year: their roster row, their postings and their training hours.
#[derive(Debug, Serialize, ToSchema)]
pub struct MyTeaching {
    pub school_id: SchoolId,
    #[schema(value_type = i32, example = 2025)]
    pub school_year: SchoolYear,
    /// The roster row whose 工号 is the token's subject; null when none is.
    pub teacher: Option<Teacher>,
    /// Their postings of the year, both ways, every status.
    pub postings: Vec<Posting>,
    /// Their training hours of the year (E-19); null without a roster row.
    pub hours: Option<TeacherHours>,
    /// The hours a teacher owes in a year (E-19: 72).
    pub required_hours: u16,
}

/// The roster row of the caller's school whose 工号 is `staff_no`.
async fn roster_row(
    state: &AppState,
    caller: &Caller,
    school_id: SchoolId,
    school_year: SchoolYear,
    staff_no: &str,
) -> Result<Option<Teacher>, ApiError> {
    let mut offset = 0u32;
    loop {
        let q = TeacherQuery {
            school_id,
            school_year,
            paging: Paging {
                limit: Paging::MAX_LIMIT,
                offset,
            },
        };
        let page = state
            .bus
            .call::<ListTeachers>(&caller.actor(), None, q)
            .await?;
        let got = u32::try_from(page.items.len()).unwrap_or(u32::MAX);
        if let Some(t) = page.items.into_iter().find(|t| t.staff_no == staff_no) {
            return Ok(Some(t));
        }
        offset = offset.saturating_add(got);
        if got == 0 || i64::from(offset) >= page.total {
            return Ok(None);
        }
    }
}

/// The signed-in teacher's own year (teachers only): the roster row of their school whose
/// 工号 is the token's `sub`, their postings of the year and their training hours (E-19).
/// Nobody reads another teacher's through it: it takes no teacher id.
#[utoipa::path(
    tag = "rotation",
    operation_id = "get_my_teaching",
    params(TeachingParams),
    responses(
        (status = 200, description = "The teacher's year", body = MyTeaching),
        (status = 403, description = "Not a teacher's token", body = ErrorBody),
        InvalidQuery, NoToken, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[get("/me/teaching")]
pub async fn get_my_teaching(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<TeachingParams>,
) -> Result<web::Json<MyTeaching>, ApiError> {
    let school_year = query.into_inner().year;
    let school_id = match (caller.0.role, caller.0.school_id) {
        (Role::Teacher, Some(school)) => school,
        _ => {
            return Err(Problem::forbidden(
                "only a teacher reads their own postings and hours here",
                "仅教师本人可在此查看自己的交流和培训学时",
            )
            .into());
        }
    };
    let hours = state
        .bus
        .call::<GetTrainingHours>(
            &caller.actor(),
            None,
            HoursQuery {
                school_id,
                school_year,
            },
        )
        .await?;
    let mut mine = MyTeaching {
        school_id,
        school_year,
        teacher: None,
        postings: Vec::new(),
        hours: None,
        required_hours: hours.required_hours,
    };
    let sub = caller.0.sub.trim();
    let Some(teacher) = roster_row(&state, &caller, school_id, school_year, sub).await? else {
        return Ok(web::Json(mine));
    };
    let q = PostingQuery {
        group_id: None,
        school_id: None,
        teacher_id: Some(teacher.id),
        school_year: Some(school_year),
        paging: Paging::largest_from(0),
    };
    mine.postings = state
        .bus
        .call::<ListPostings>(&caller.actor(), None, q)
        .await?
        .items;
    mine.hours = hours
        .teachers
        .into_iter()
        .find(|h| h.teacher_id == teacher.id);
    mine.teacher = Some(teacher);
    Ok(web::Json(mine))
}
