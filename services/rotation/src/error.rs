//! The refusals of the rotation service.

use edu_contracts::rotation::CsvRowError;
use edu_db::StoreError;
use edu_domain::{ErrorCode, PostingKind, PostingStatus, Problem};
use serde_json::json;

#[derive(Debug, thiserror::Error)]
pub enum RotationError {
    #[error("{0}")]
    Invalid(Problem),
    #[error("csv has {} bad rows", .0.len())]
    Csv(Vec<CsvRowError>),
    #[error("teacher not found")]
    TeacherNotFound,
    #[error("posting not found")]
    PostingNotFound,
    #[error("group not found")]
    GroupNotFound,
    #[error("group dissolved")]
    GroupDissolved,
    #[error("school not an active school of the group")]
    SchoolNotInGroup,
    #[error("direction invalid for {0:?}")]
    Direction(PostingKind),
    #[error("kind {0:?} disabled by policy")]
    KindDisabled(PostingKind),
    #[error("overlaps another posting")]
    Overlaps { other: edu_domain::PostingId },
    #[error("posting is {0:?}")]
    State(PostingStatus, &'static str),
    #[error("the receiving member is under an open persuade-out")]
    UnderPersuadeOut,
    /// F-04: the teacher's county bureau has not consented to the posting across counties.
    #[error("waiting for the consent of county {0}")]
    ConsentPending(String),
    /// F-04: the consent is not (or no longer) the caller's to give.
    #[error("consent not pending: {0}")]
    ConsentNotPending(&'static str),
    /// A refusal met by one entry of a past load (0-based `index`, its first day `on`).
    #[error("past posting {index} ({on}): {cause}")]
    InEntry {
        index: usize,
        on: chrono::NaiveDate,
        cause: Box<RotationError>,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<Problem> for RotationError {
    fn from(p: Problem) -> Self {
        Self::Invalid(p)
    }
}

impl From<diesel::result::Error> for RotationError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Store(e.into())
    }
}

impl From<edu_db::idempotency::ClaimError> for RotationError {
    fn from(e: edu_db::idempotency::ClaimError) -> Self {
        Self::Store(e.into())
    }
}

impl From<RotationError> for Problem {
    fn from(e: RotationError) -> Self {
        use RotationError as E;
        match e {
            E::Invalid(p) => p,
            E::Csv(rows) => Problem::new(
                ErrorCode::CsvInvalid,
                format!("{} row(s) of the file cannot be imported; nothing was imported", rows.len()),
                format!("文件中有 {} 行无法导入,未导入任何数据", rows.len()),
            )
            .details(json!({ "rows": rows })),
            E::TeacherNotFound => Problem::not_found("teacher", "教师"),
            E::PostingNotFound => Problem::not_found("posting", "交流任职记录"),
            E::GroupNotFound => Problem::not_found("group", "教育集团"),
            E::UnderPersuadeOut => Problem::new(
                ErrorCode::MemberUnderPersuadeOut,
                "this member school is under a persuade-out awaiting the bureau's decision; it receives no new postings from the lead school",
                "该成员学校正处于待教育局确认的劝退程序中,龙头学校不再向其派出新的交流人员",
            )
            .rule("X-01"),
            E::ConsentPending(region) => Problem::new(
                ErrorCode::CountyConsentRequired,
                format!("this posting takes the teacher into another county: the bureau of the teacher's county ({region}) has not consented yet"),
                format!("该交流安排将教师派往其他县(区),须经教师所在县(区)教育局({region})同意后方可确认"),
            )
            .rule("F-04")
            .details(json!({ "region": region })),
            E::ConsentNotPending(state) => Problem::new(
                ErrorCode::ConsentStateInvalid,
                format!("there is no consent to decide on this posting: it is {state}"),
                match state {
                    "within one county" => "该交流安排不跨县(区),无需同意".to_owned(),
                    _ => "该交流安排的跨县同意已作出决定".to_owned(),
                },
            )
            .rule("F-04"),
            E::GroupDissolved => Problem::new(
                ErrorCode::GroupDissolved,
                "this group has been dissolved and accepts no new postings",
                "该教育集团已撤销,不再接受新的交流安排",
            )
            .rule("X-02"),
            E::SchoolNotInGroup => Problem::new(
                ErrorCode::SchoolNotInGroup,
                "both the sending and the receiving school must be active schools of the group",
                "派出学校和接收学校都必须是本集团的在册学校",
            )
            .rule("E-02"),
            E::Direction(kind) => {
                let (en, zh, rule) = match kind {
                    PostingKind::Shadowing => (
                        "shadowing (跟岗学习) goes from a member school to the lead school",
                        "跟岗学习须由成员学校派往龙头学校",
                        "E-03",
                    ),
                    _ => (
                        "secondment and post-holding (挂职/任职) go from the lead school to a member school",
                        "挂职、任职须由龙头学校派往成员学校",
                        "E-02",
                    ),
                };
                Problem::new(ErrorCode::PostingDirectionInvalid, en, zh).rule(rule).details(json!({ "kind": kind }))
            }
            E::KindDisabled(kind) => Problem::new(
                ErrorCode::PostingKindDisabled,
                format!("the region's policy does not enable {} postings", kind.as_str()),
                format!("本地区政策未启用「{}」类交流", kind.name_zh()),
            )
            .rule("E-12")
            .details(json!({ "kind": kind })),
            E::Overlaps { other } => Problem::new(
                ErrorCode::PostingOverlaps,
                "the teacher already has a posting in this period; a teacher is in one posting at a time",
                "该教师在此期间已有交流安排;同一时间只能有一项交流",
            )
            .details(json!({ "posting_id": other })),
            E::State(status, wanted) => Problem::new(
                ErrorCode::PostingStateInvalid,
                format!("the posting is {}; {wanted}", status.as_str()),
                format!("该交流记录当前状态为 {},无法执行此操作", status.as_str()),
            )
            .details(json!({ "status": status })),
            E::InEntry { index, on, cause } => {
                Problem::from(*cause).in_entry("entry", ("posting entry", "交流记录"), index, on)
            }
            E::Store(e) => e.into_problem("rotation"),
        }
    }
}
