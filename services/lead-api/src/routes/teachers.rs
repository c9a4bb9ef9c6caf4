//! School rosters (教职工名册): a school's teachers imported from CSV all-or-none, listed and
//! exported; the upload helpers the other CSV and spreadsheet imports share.

use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType};
use actix_web::{HttpRequest, HttpResponse, get, post};
use edu_contracts::membership::{
    GetSchool, GroupQuery, ListGroups, Page, Paging, School, SchoolRef,
};
use edu_contracts::rotation::{
    ExportTeachers, ImportReport, ImportTeachers, ListTeachers, Teacher, TeacherImport,
    TeacherQuery,
};
use edu_domain::{ErrorCode, Problem, Role, SchoolId, SchoolYear};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::extract::web;
use crate::responses::{
    InvalidQuery, NoToken, RosterNotAllowed, SchoolNotVisible, TooLarge, Unavailable,
};
use crate::{AppState, CSV_LIMIT, scope};

/// Room left in a bus message for the command envelope around an uploaded CSV.
pub(crate) const ENVELOPE_MARGIN: usize = 4 * 1024;

pub(crate) fn too_large(limit: usize) -> ApiError {
    ApiError(Problem::new(
        ErrorCode::PayloadTooLarge,
        format!("the file is larger than {limit} bytes; split it and upload the parts"),
        format!("文件超过 {limit} 字节,请拆分后分别上传"),
    ))
}

/// Fetches a school the caller's region knows; its rules decide the rest.
async fn fetch_school(
    state: &AppState,
    caller: &Caller,
    school_id: SchoolId,
) -> Result<School, ApiError> {
    Ok(state
        .bus
        .call::<GetSchool>(&caller.actor(), None, SchoolRef { school_id })
        .await?)
}

/// The school whose roster the caller may read (its group is looked up only for another
/// school's lead office).
pub(crate) async fn readable_school(
    state: &AppState,
    caller: &Caller,
    school_id: SchoolId,
) -> Result<School, ApiError> {
    let school = fetch_school(state, caller, school_id).await?;
    let group = if caller.0.role == Role::LeadAdmin && caller.0.school_id != Some(school.id) {
        let query = GroupQuery {
            region: None,
            school_id: Some(school.id),
            include_dissolved: false,
            paging: Paging::default(),
        };
        let page = state
            .bus
            .call::<ListGroups>(&caller.actor(), None, query)
            .await?;
        page.items.into_iter().next()
    } else {
        None
    };
    scope::can_read_teachers(caller, &school, group.as_ref())?;
    Ok(school)
}

/// The school year a roster refers to.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RosterYearQuery {
    /// The school year eligibility (符合交流条件) refers to, by its first calendar year.
    #[param(value_type = i32, example = 2025)]
    pub school_year: SchoolYear,
}

/// Upload a school's teacher roster as CSV (bureau of its region, or the school's own office).
///
/// UTF-8 (a BOM is fine), at most 2 MiB. Columns, Chinese or English:
/// `工号/staff_no, 姓名/name, 岗位/post (校级领导, 中层管理人员, 学科教师), 学科/subject,
/// 骨干级别/backbone (无, 校级, 县级, 市级, 省级), 符合交流条件/eligible (是/否)`.
/// Teachers are matched by 工号: new ones are created, known ones updated. Every row is
/// imported, or none: a refusal lists each bad row in `details.rows`.
#[utoipa::path(
    tag = "rotation",
    operation_id = "import_teachers",
    params(("school_id" = SchoolId, Path, description = "School id"), RosterYearQuery),
    request_body(content = String, content_type = "text/csv", description = "The roster, UTF-8 CSV with a header line"),
    responses(
        (status = 200, description = "Imported", body = ImportReport),
        (status = 400, description = "Invalid input, a Content-Type other than text/csv or text/plain, or a file that is not UTF-8", body = ErrorBody),
        (status = 403, description = "Not the school's office or its bureau", body = ErrorBody),
        (status = 422, description = "`csv_invalid`: nothing imported; `details.rows` lists `{line, column, reason}`", body = ErrorBody),
        NoToken, SchoolNotVisible, TooLarge, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/schools/{school_id}/teachers/import")]
pub async fn import_teachers(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<SchoolId>,
    query: web::Query<RosterYearQuery>,
    payload: web::Payload,
) -> Result<web::Json<ImportReport>, ApiError> {
    let school = fetch_school(&state, &caller, path.into_inner()).await?;
    scope::can_import_teachers(&caller, &school)?;
    let csv = read_csv(&req, payload).await?;
    let import = TeacherImport {
        school_id: school.id,
        region: school.region,
        school_year: query.school_year,
        csv,
    };
    fits_the_bus(&state, &import)?;
    Ok(web::Json(
        state
            .bus
            .call::<ImportTeachers>(&caller.actor(), None, import)
            .await?,
    ))
}

/// The body of an upload of one of the `accepted` media types, at most [`CSV_LIMIT`].
pub(crate) async fn upload_body(
    req: &HttpRequest,
    payload: web::Payload,
    accepted: &[&str],
    (en, zh): (&str, &str),
) -> Result<actix_web::web::Bytes, ApiError> {
    let mime = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase());
    if !mime.as_deref().is_some_and(|m| accepted.contains(&m)) {
        return Err(Problem::validation("Content-Type", en, zh).into());
    }
    payload
        .to_bytes_limited(CSV_LIMIT)
        .await
        .map_err(|_| too_large(CSV_LIMIT))?
        .map_err(|e| {
            ApiError(Problem::validation(
                "body",
                &format!("unreadable body: {e}"),
                &format!("无法读取请求体: {e}"),
            ))
        })
}

/// The body of a CSV upload: `text/csv` (or `text/plain`), at most [`CSV_LIMIT`], UTF-8.
async fn read_csv(req: &HttpRequest, payload: web::Payload) -> Result<String, ApiError> {
    let body = upload_body(
        req,
        payload,
        &["text/csv", "text/plain"],
        (
            "Content-Type must be text/csv",
            "Content-Type 必须为 text/csv",
        ),
    )
    .await?;
    String::from_utf8(body.to_vec()).map_err(|e| {
        Problem::validation(
            "body",
            &format!(
                "the file is not UTF-8 (invalid byte at offset {}); save it as \"CSV UTF-8\"",
                e.utf8_error().valid_up_to()
            ),
            &format!(
                "文件不是 UTF-8 编码(第 {} 字节处无效),请另存为“CSV UTF-8”格式",
                e.utf8_error().valid_up_to()
            ),
        )
        .into()
    })
}

/// An upload must fit in one bus message (the NATS server's `max_payload`), or the service
/// never sees it: say so as 413 rather than as an unavailable service.
pub(crate) fn fits_the_bus(
    state: &AppState,
    import: &impl serde::Serialize,
) -> Result<(), ApiError> {
    let max = state.bus.client().server_info().max_payload;
    let size = serde_json::to_vec(import).map_or(usize::MAX, |v| v.len());
    if max > 0 && size.saturating_add(ENVELOPE_MARGIN) > max {
        return Err(too_large(
            max.saturating_sub(ENVELOPE_MARGIN).min(CSV_LIMIT),
        ));
    }
    Ok(())
}

list_params! {
    /// A roster page.
    #[derive(Debug, Deserialize, IntoParams)]
    #[serde(deny_unknown_fields)]
    #[into_params(parameter_in = Query)]
    pub struct TeacherListQuery {
        /// The school year eligibility (符合交流条件) refers to.
        #[param(value_type = i32, example = 2025)]
        pub school_year: SchoolYear,
    }
}

/// A school's teachers (its bureau and auditors, its own office, its group's lead office).
#[utoipa::path(
    tag = "rotation",
    operation_id = "list_teachers",
    params(("school_id" = SchoolId, Path, description = "School id"), TeacherListQuery),
    responses(
        (status = 200, description = "Teachers of the school", body = Page<Teacher>),
        InvalidQuery, NoToken, RosterNotAllowed, SchoolNotVisible, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[get("/schools/{school_id}/teachers")]
pub async fn list_teachers(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<SchoolId>,
    query: web::Query<TeacherListQuery>,
) -> Result<web::Json<Page<Teacher>>, ApiError> {
    let school = readable_school(&state, &caller, path.into_inner()).await?;
    let q = query.into_inner();
    let query = TeacherQuery {
        school_id: school.id,
        school_year: q.school_year,
        paging: q.paging(),
    };
    Ok(web::Json(
        state
            .bus
            .call::<ListTeachers>(&caller.actor(), None, query)
            .await?,
    ))
}

/// A school's teachers as CSV (UTF-8 with BOM, for Excel), in the import's format.
#[utoipa::path(
    tag = "rotation",
    operation_id = "export_teachers",
    params(("school_id" = SchoolId, Path, description = "School id"), RosterYearQuery),
    responses(
        (status = 200, description = "The roster", content_type = "text/csv", body = String,
            headers(("Content-Disposition" = String, description = "attachment; filename=\"teachers-<school_id>-<year>.csv\""))),
        InvalidQuery, NoToken, RosterNotAllowed, SchoolNotVisible, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[get("/schools/{school_id}/teachers/export")]
pub async fn export_teachers(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<SchoolId>,
    query: web::Query<RosterYearQuery>,
) -> Result<HttpResponse, ApiError> {
    let school = readable_school(&state, &caller, path.into_inner()).await?;
    let query = TeacherQuery {
        school_id: school.id,
        school_year: query.school_year,
        paging: Paging::default(),
    };
    let filename = format!("teachers-{}-{}.csv", school.id, query.school_year.0);
    let doc = state
        .bus
        .call::<ExportTeachers>(&caller.actor(), None, query)
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![DispositionParam::Filename(filename)],
        })
        .body(doc.csv))
}
