//! A resource version's file: uploaded in chunks to the catalogue, stored by its SHA-256, and
//! downloaded streamed by the group's schools only, with a type a browser will not run.

use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType};
use actix_web::{HttpRequest, HttpResponse, get, post};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use edu_contracts::Actor;
use edu_contracts::catalogue::{
    BeginUpload, CHUNK_BYTES, Chunk, FileChunk, FileRead, FinishUpload, MAX_FILE_BYTES, NewUpload,
    ReadFile, Upload, UploadChunk, UploadFinish,
};
use edu_domain::{ErrorCode, GroupId, Problem, ResourceId, UploadId};
use futures::StreamExt;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use utoipa::IntoParams;

use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::extract::web;
use crate::responses::{
    DissolvedOrNotInGroup, InvalidInput, InvalidQuery, NoGroupForCaller, NoToken,
    NotGroupSchoolOffice, TooLarge, Unavailable,
};
use crate::routes::groups::refuse_if_dissolved;
use crate::routes::library::served_content_type;

/// The uploaded file's name.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    #[param(example = "浮力实验.pptx")]
    pub name: String,
}

fn too_large() -> ApiError {
    ApiError(Problem::new(
        ErrorCode::PayloadTooLarge,
        format!("the file is larger than {MAX_FILE_BYTES} bytes"),
        format!("文件超过 {MAX_FILE_BYTES} 字节"),
    ))
}

fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

async fn send_chunk(
    state: &AppState,
    actor: &Actor,
    upload: UploadId,
    offset: u64,
    data: &[u8],
) -> Result<(), ApiError> {
    let chunk = Chunk {
        upload_id: upload,
        offset,
        data: BASE64.encode(data),
    };
    state.bus.call::<UploadChunk>(actor, None, chunk).await?;
    Ok(())
}

/// Upload a file for a resource version (an office of an active school of the group).
///
/// The body is the file itself (any `Content-Type`, kept with it), at most 64 MiB. It goes to
/// the catalogue in chunks of 512 KiB and is stored by its SHA-256; send `X-Content-SHA256`
/// (hex) to have the stored bytes checked against your own hash. Attach the returned
/// `id` as `upload_id` of a resource or version.
#[utoipa::path(
    tag = "catalogue",
    operation_id = "upload_file",
    params(
        ("group_id" = GroupId, Path, description = "Group id"),
        UploadQuery,
        ("X-Content-SHA256" = Option<String>, Header, description = "Hex SHA-256 the stored bytes must have"),
    ),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The file"),
    responses(
        (status = 201, description = "Stored, hash verified", body = Upload),
        (status = 422, description = "`file_hash_mismatch`: nothing stored", body = ErrorBody),
        InvalidInput, NoToken, NotGroupSchoolOffice, NoGroupForCaller, DissolvedOrNotInGroup,
        TooLarge, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/groups/{group_id}/files")]
pub async fn upload_file(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<GroupId>,
    query: web::Query<UploadQuery>,
    mut payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let header_text = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.trim().to_owned())
    };
    let content_type = header_text(header::CONTENT_TYPE.as_str())
        .unwrap_or_else(|| "application/octet-stream".to_owned());
    let declared = header_text("X-Content-SHA256").map(|s| s.to_ascii_lowercase());
    if let Some(length) =
        header_text(header::CONTENT_LENGTH.as_str()).and_then(|v| v.parse::<u64>().ok())
        && length > MAX_FILE_BYTES
    {
        return Err(too_large());
    }
    let group_id = path.into_inner();
    refuse_if_dissolved(&state, &caller, group_id).await?;
    let actor = caller.actor();
    let begin = NewUpload {
        group_id,
        file_name: query.into_inner().name,
        content_type,
    };
    let upload = state.bus.call::<BeginUpload>(&actor, None, begin).await?;
    let mut hasher = Sha256::new();
    let mut buffer: Vec<u8> = Vec::with_capacity(CHUNK_BYTES);
    let mut sent = 0u64;
    while let Some(piece) = payload.next().await {
        let piece = piece.map_err(|e| {
            ApiError(Problem::validation(
                "body",
                &format!("unreadable body: {e}"),
                &format!("无法读取请求体: {e}"),
            ))
        })?;
        if sent + (buffer.len() + piece.len()) as u64 > MAX_FILE_BYTES {
            return Err(too_large());
        }
        hasher.update(&piece);
        buffer.extend_from_slice(&piece);
        while buffer.len() >= CHUNK_BYTES {
            let rest = buffer.split_off(CHUNK_BYTES);
            send_chunk(&state, &actor, upload.id, sent, &buffer).await?;
            sent += buffer.len() as u64;
            buffer = rest;
        }
    }
    if !buffer.is_empty() {
        send_chunk(&state, &actor, upload.id, sent, &buffer).await?;
        sent += buffer.len() as u64;
    }
    let finish = UploadFinish {
        upload_id: upload.id,
        sha256: declared.unwrap_or_else(|| hex(&hasher.finalize())),
        size: sent,
    };
    let done = state.bus.call::<FinishUpload>(&actor, None, finish).await?;
    Ok(HttpResponse::Created().json(done))
}

/// Which version's file.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FileQuery {
    /// The version (the latest when absent).
    #[serde(default)]
    pub version: Option<i32>,
}

async fn read_chunk(
    state: &AppState,
    actor: &Actor,
    resource: ResourceId,
    version: Option<i32>,
    offset: u64,
) -> Result<(FileChunk, Vec<u8>), ApiError> {
    let read = FileRead {
        resource_id: resource,
        version,
        offset,
    };
    let chunk = state.bus.call::<ReadFile>(actor, None, read).await?;
    let data = BASE64.decode(chunk.data.as_bytes()).map_err(|e| {
        tracing::error!(error = %e, "undecodable file chunk");
        ApiError(Problem::internal())
    })?;
    Ok((chunk, data))
}

/// Download a version's file, streamed, as an attachment; nobody outside the group gets it
/// (404). Served with `X-Content-Type-Options: nosniff` and `Content-Security-Policy:
/// sandbox`, as its declared type only when that is passive (PDF, images but SVG, office
/// files, plain text, …): HTML, SVG, XML or scripts come as `application/octet-stream`.
#[utoipa::path(
    tag = "catalogue",
    operation_id = "download_resource_file",
    params(("resource_id" = ResourceId, Path, description = "Resource id"), FileQuery),
    responses(
        (status = 200, description = "The file (with its SHA-256 as ETag)", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 404, description = "No such resource, version or file for the caller", body = ErrorBody),
        InvalidQuery, NoToken, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[get("/resources/{resource_id}/file")]
pub async fn download_resource_file(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<ResourceId>,
    query: web::Query<FileQuery>,
) -> Result<HttpResponse, ApiError> {
    let resource = path.into_inner();
    let actor = caller.actor();
    let (first, data) = read_chunk(&state, &actor, resource, query.version, 0).await?;
    let file = first.file.clone();
    let version = Some(first.version);
    let next = data.len() as u64;
    let head =
        futures::stream::once(async move { Ok::<_, actix_web::Error>(web::Bytes::from(data)) });
    // Later chunks are fetched as the client reads, each checked again by the service.
    let size = file.size;
    let rest = futures::stream::try_unfold(next, move |offset| {
        let state = state.clone();
        let actor = actor.clone();
        async move {
            if offset >= size {
                return Ok(None);
            }
            let (_, data) = read_chunk(&state, &actor, resource, version, offset).await?;
            if data.is_empty() {
                return Err(actix_web::Error::from(ApiError(Problem::internal())));
            }
            let next = offset + data.len() as u64;
            Ok(Some((web::Bytes::from(data), next)))
        }
    });
    let disposition = ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: vec![DispositionParam::FilenameExt(header::ExtendedValue {
            charset: header::Charset::Ext("UTF-8".into()),
            language_tag: None,
            value: file.file_name.clone().into_bytes(),
        })],
    };
    Ok(HttpResponse::Ok()
        .content_type(served_content_type(&file.content_type))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CONTENT_SECURITY_POLICY, "sandbox"))
        .insert_header(disposition)
        .insert_header((header::ETAG, format!("\"{}\"", file.sha256)))
        .no_chunking(file.size)
        .streaming(head.chain(rest)))
}

// ---- facilities (R-01) --------------------------------------------------------------------
