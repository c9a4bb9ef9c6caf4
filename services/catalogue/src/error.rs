//! The refusals of the catalogue service.

use edu_contracts::catalogue::ShareTarget;
use edu_db::StoreError;
use edu_domain::{ErrorCode, Problem, ResourceStatus};
use serde_json::json;

use crate::rules::BRAND_RULE;

#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    #[error("{0}")]
    Invalid(Problem),
    #[error("group not found")]
    GroupNotFound,
    #[error("resource not found")]
    ResourceNotFound,
    #[error("version not found")]
    VersionNotFound,
    #[error("upload not found")]
    UploadNotFound,
    #[error("facility not found")]
    FacilityNotFound,
    #[error("file not found")]
    FileNotFound,
    #[error("group dissolved")]
    GroupDissolved,
    #[error("school not an active school of the group")]
    SchoolNotInGroup,
    #[error("only a school office may do this")]
    NotAnOffice,
    #[error("only the lead office reviews")]
    NotLeadOffice,
    #[error("only the owner school may add versions")]
    NotOwner,
    #[error("only the group's bureau, auditors and lead office read refused transfers")]
    NotBrandOverseer,
    #[error("resource is {0:?}")]
    ResourceState(ResourceStatus, &'static str),
    #[error("brand transfer refused")]
    BrandTransfer(ShareTarget),
    #[error("facility already booked")]
    AlreadyBooked,
    #[error("upload: {0}")]
    UploadState(&'static str),
    #[error("file larger than {0} bytes")]
    TooLarge(u64),
    #[error("hash mismatch")]
    HashMismatch { sha256: String, size: u64 },
    #[error("file store: {0}")]
    Files(#[from] std::io::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<Problem> for CatalogueError {
    fn from(p: Problem) -> Self {
        Self::Invalid(p)
    }
}

impl From<diesel::result::Error> for CatalogueError {
    fn from(e: diesel::result::Error) -> Self {
        // the exclusion constraint refused an overlapping booking (SQLSTATE 23P01).
        if matches!(&e, diesel::result::Error::DatabaseError(_, info)
            if info.constraint_name() == Some("bookings_no_overlap"))
        {
            return Self::AlreadyBooked;
        }
        Self::Store(e.into())
    }
}

impl From<edu_db::idempotency::ClaimError> for CatalogueError {
    fn from(e: edu_db::idempotency::ClaimError) -> Self {
        Self::Store(e.into())
    }
}

impl From<CatalogueError> for Problem {
    fn from(e: CatalogueError) -> Self {
        use CatalogueError as E;
        match e {
            E::Invalid(p) => p,
            E::GroupNotFound => Problem::not_found("group", "教育集团"),
            E::ResourceNotFound => Problem::not_found("resource", "课程资源"),
            E::VersionNotFound => Problem::not_found("version", "资源版本"),
            E::UploadNotFound => Problem::not_found("upload", "上传文件"),
            E::FacilityNotFound => Problem::not_found("facility", "共享设施"),
            E::FileNotFound => Problem::not_found("file", "文件"),
            E::GroupDissolved => Problem::new(
                ErrorCode::GroupDissolved,
                "this group has been dissolved; its library is read-only",
                "该教育集团已撤销,资源库只读",
            )
            .rule("X-02"),
            E::SchoolNotInGroup => Problem::new(
                ErrorCode::SchoolNotInGroup,
                "your school is no longer an active school of this group; it keeps read access to its own contributions only",
                "贵校已不是本集团的在册学校,仅可查看本校提供的资源",
            )
            .rule("R-05"),
            E::NotAnOffice => Problem::forbidden(
                "only the office of a school of the group may do this",
                "仅集团内学校的管理账号可执行此操作",
            ),
            E::NotLeadOffice => Problem::forbidden(
                "only the lead school's group office reviews resources",
                "仅龙头学校集团办公室可审核资源",
            )
            .rule("R-03"),
            E::NotOwner => Problem::forbidden(
                "only the school that owns the resource adds versions to it",
                "仅资源所属学校可发布新版本",
            ),
            E::NotBrandOverseer => Problem::forbidden(
                "only the group's bureau, its county's auditors and the lead school's office read the group's refused brand transfers",
                "仅该集团所属教育局、本县督导人员及龙头学校集团办公室可查看品牌违规拦截记录",
            )
            .rule(BRAND_RULE),
            E::ResourceState(status, wanted) => Problem::new(
                ErrorCode::ResourceStateInvalid,
                format!("the resource is {}; {wanted}", status.as_str()),
                format!("该资源当前状态为 {},无法执行此操作", status.as_str()),
            )
            .details(json!({ "status": status })),
            E::BrandTransfer(target) => Problem::new(
                ErrorCode::BrandTransferForbidden,
                "group resources stay in the group: they may not be shared with, or published into, a school or group outside it; the attempt has been recorded",
                "集团资源仅限集团内使用,不得转让或向集团外学校、其他集团二次输出;本次操作已被记录",
            )
            .rule(BRAND_RULE)
            .details(json!({ "target": target, "duty": "M7" })),
            E::AlreadyBooked => Problem::new(
                ErrorCode::FacilityAlreadyBooked,
                "the facility is already booked for an overlapping time slot",
                "该设施在此时段已被预约",
            )
            .rule("R-01"),
            E::UploadState(why) => Problem::new(
                ErrorCode::UploadStateInvalid,
                format!("the upload cannot take this step: {why}"),
                "上传状态不允许此操作",
            )
            .details(json!({ "reason": why })),
            E::TooLarge(max) => Problem::new(
                ErrorCode::PayloadTooLarge,
                format!("the file is larger than {max} bytes"),
                format!("文件超过 {max} 字节"),
            )
            .details(json!({ "max_bytes": max })),
            E::HashMismatch { sha256, size } => Problem::new(
                ErrorCode::FileHashMismatch,
                "the uploaded bytes do not have the declared SHA-256 and size; nothing was stored",
                "上传内容与声明的 SHA-256 或大小不符,未保存",
            )
            .details(json!({ "sha256": sha256, "size": size })),
            E::Files(e) => {
                tracing::error!(error = %e, "file store");
                Problem::internal()
            }
            E::Store(e) => e.into_problem("catalogue"),
        }
    }
}
