//! The one error shape of the system. Every refusal travels as a [`Problem`]: a stable
//! snake_case [`ErrorCode`], an English and a Chinese message, the RULES.md rule it
//! enforces (when one applies) and structured details. Services put it in the NATS
//! reply `{"error": …}`; the lead-school API maps its code to an HTTP status in one place.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;

/// Stable error codes. Adding a code is fine; renaming or removing one breaks clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request is malformed or a field is invalid.
    ValidationFailed,
    /// No valid bearer token.
    Unauthenticated,
    /// The caller's role or scope does not allow this.
    Forbidden,
    /// The thing does not exist, or the caller may not know it exists.
    NotFound,
    /// The body is larger than the endpoint accepts.
    PayloadTooLarge,
    /// F-08/F-09: the group already has as many active members as its cap allows.
    GroupCapExceeded,
    /// F-03: members are of the lead school's stage (学段).
    StageMismatch,
    /// §8.5: a school is in at most one group at a time.
    SchoolAlreadyInGroup,
    /// F-01: the lead school is never a member (of its own or another group).
    LeadCannotBeMember,
    /// A dissolved group accepts no change.
    GroupDissolved,
    /// The school is not an active member of the group (the lead school is none either).
    NotAMember,
    /// The lead school cannot exit its own group; dissolve the group instead.
    LeadCannotExit,
    /// A school with this name already exists in the region.
    SchoolNameTaken,
    /// F-08/V-07 (§8.4): no member is admitted while the lead school's latest recorded
    /// quality trend is not improving.
    LeadQualityNotImproving,
    /// F-04: a school of another county joins a group only with its own county bureau's
    /// consent; the admission waits for it.
    CountyConsentRequired,
    /// The consent request was decided already.
    ConsentStateInvalid,
    /// §8.3: a bureau scale cap above the model's default needs a recorded reason.
    CapExceptionReasonRequired,
    /// An uploaded CSV has rows that cannot be imported; nothing was imported.
    CsvInvalid,
    /// E-02/E-03: 挂职/任职 go lead → member, 跟岗 member → lead.
    PostingDirectionInvalid,
    /// A teacher is in one posting at a time.
    PostingOverlaps,
    /// Both ends of a posting are active schools of the group.
    SchoolNotInGroup,
    /// The region's policy does not enable this kind of posting (支教, 走教).
    PostingKindDisabled,
    /// The posting is not in a state that allows this step.
    PostingStateInvalid,
    /// G-03: the council's chair (会长) is the lead school's principal.
    ChairMustBeLeadPrincipal,
    /// G-04: each vice-chair (副会长) is the principal of an active member school.
    ViceChairMustBeMemberPrincipal,
    /// G-05: the council has one secretary-general (秘书长).
    SecretaryGeneralRequired,
    /// G-02: seat holders are school-level leaders of the group's active schools.
    SeatHolderNotInGroup,
    /// A vote needs quorum: by default a majority of seats and every school represented.
    QuorumNotMet,
    /// The seat is not (present) in this meeting.
    SeatNotPresent,
    /// The seat has already voted on this motion.
    AlreadyVoted,
    /// The motion is closed; its result stands.
    MotionClosed,
    /// The meeting is not in a state that allows this step.
    MeetingStateInvalid,
    /// Published minutes never change; add a correction instead.
    MinutesPublished,
    /// The minutes are not in a state that allows this step.
    MinutesStateInvalid,
    /// G-08: a quarterly report lists every major decision of its quarter.
    ReportMissingMajorDecisions,
    /// G-08: the quarter's report was already submitted.
    ReportAlreadySubmitted,
    /// G-08: a quarter's report is written after the quarter ends.
    QuarterNotEnded,
    /// R-11/M7: a group resource is not shared with, or published into, anything outside
    /// the group (品牌不得转让和二次输出). The refusal itself is recorded as an event.
    BrandTransferForbidden,
    /// the facility is already booked for an overlapping time slot.
    FacilityAlreadyBooked,
    /// The resource is not in a state that allows this step (e.g. approving it twice).
    ResourceStateInvalid,
    /// The upload is not in a state that allows this step (finished, or chunks out of order).
    UploadStateInvalid,
    /// The uploaded bytes do not have the SHA-256 or the size that was declared.
    FileHashMismatch,
    /// X-01/§8.7: a persuade-out (劝退) needs an active warning or a failing evaluation.
    WarningOrFailedEvaluationRequired,
    /// G-09: a member's major matter (a persuade-out, or one recorded with the council) needs
    /// the council's decision about it.
    CouncilDecisionRequired,
    /// The persuade-out is not in a state that allows this step (one open at a time).
    PersuadeOutStateInvalid,
    /// G-14: the group has a draft of this kind of document (charter or development plan)
    /// already: edit it (`details.version_id`) rather than start another.
    CharterDraftExists,
    /// G-14: this version of the charter or development plan was adopted already; a change
    /// is a new version, adopted by a new council decision.
    CharterAlreadyAdopted,
    /// G-14: an adopted version of the charter or development plan never changes; draft a
    /// new version instead.
    CharterVersionFinal,
    /// M2: a member school acknowledges the version in force, not a draft or a superseded one.
    CharterVersionNotInForce,
    /// the bureau dissolves a group on a failing evaluation, or records why not.
    FailedEvaluationRequired,
    /// A member under an open persuade-out gets no new lead-to-member postings.
    MemberUnderPersuadeOut,
    /// V-03: a group is evaluated from one year after its plaque date (挂牌成立一年后).
    EvaluationTooEarly,
    /// V-03: one evaluation per group and school year.
    EvaluationAlreadyExists,
    /// The round's scorecards are still being computed (a round is answered 202 and
    /// computes in the background): poll the
    /// round until it is `computed`, then read or export them.
    EvaluationRoundComputing,
    /// V-03: a draft round of the school year already claims the group: recompute it, or
    /// complete it (`details.round_id`).
    EvaluationDraftExists,
    /// The round is not in a state that allows this step: only a computed draft is
    /// recomputed or completed (a completed round is final).
    EvaluationRoundStateInvalid,
    /// a draft's consequences are not binding; only a completed round's are decided.
    EvaluationRoundNotCompleted,
    /// V-03: the school year's data of a group in a completed round is final.
    EvaluationDataLocked,
    /// An uploaded spreadsheet has rows that cannot be imported; nothing was imported.
    XlsxInvalid,
    /// the consequence is not in a state that allows this step (decided already, or
    /// one that takes effect through the sanctions workflow).
    ConsequenceStateInvalid,
    /// G-11: the group's office has its director and two deputies in post already.
    OfficeFull,
    /// The appointment is not in a state that allows this step (ended already, or one in
    /// post already for this school).
    AppointmentStateInvalid,
    /// G-12: the bureau decided this recommendation already; its decision stands.
    RecommendationStateInvalid,
    /// F-17: a county runs one round of weak-school designation at a time (three school
    /// years); this one would overlap another.
    WeakRoundOverlaps,
    /// F-17: the designation is not in a state that allows this step (the school is on the
    /// round's list already, or was lifted already).
    DesignationStateInvalid,
    /// the sharing agreement was terminated already.
    AgreementStateInvalid,
    /// G-17: the spending would take the source's spending of the school year beyond its
    /// budget (or a corrected budget below what was spent already).
    BudgetExceeded,
    /// G-17: a spending's date lies outside the school year it is recorded for.
    SpendingOutsideSchoolYear,
    /// G-17: the spending was reversed already (or is itself a reversal).
    SpendingAlreadyReversed,
    /// The same Idempotency-Key was used for a different request.
    IdempotencyKeyReused,
    /// A service behind the API did not answer; retry later.
    ServiceUnavailable,
    /// This installation has no key to sign audit exports with (its operator sets one);
    /// retrying does not help.
    AuditSigningUnconfigured,
    /// The API has as many requests in progress as it admits; retry later.
    Overloaded,
    /// This client or token sent more requests than its rate allows; retry after the wait.
    RateLimited,
    /// An unexpected failure; nothing was changed.
    Internal,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ValidationFailed => "validation_failed",
            Self::Unauthenticated => "unauthenticated",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not_found",
            Self::PayloadTooLarge => "payload_too_large",
            Self::GroupCapExceeded => "group_cap_exceeded",
            Self::StageMismatch => "stage_mismatch",
            Self::SchoolAlreadyInGroup => "school_already_in_group",
            Self::LeadCannotBeMember => "lead_cannot_be_member",
            Self::GroupDissolved => "group_dissolved",
            Self::NotAMember => "not_a_member",
            Self::LeadCannotExit => "lead_cannot_exit",
            Self::SchoolNameTaken => "school_name_taken",
            Self::LeadQualityNotImproving => "lead_quality_not_improving",
            Self::CountyConsentRequired => "county_consent_required",
            Self::ConsentStateInvalid => "consent_state_invalid",
            Self::CapExceptionReasonRequired => "cap_exception_reason_required",
            Self::CsvInvalid => "csv_invalid",
            Self::PostingDirectionInvalid => "posting_direction_invalid",
            Self::PostingOverlaps => "posting_overlaps",
            Self::SchoolNotInGroup => "school_not_in_group",
            Self::PostingKindDisabled => "posting_kind_disabled",
            Self::PostingStateInvalid => "posting_state_invalid",
            Self::ChairMustBeLeadPrincipal => "chair_must_be_lead_principal",
            Self::ViceChairMustBeMemberPrincipal => "vice_chair_must_be_member_principal",
            Self::SecretaryGeneralRequired => "secretary_general_required",
            Self::SeatHolderNotInGroup => "seat_holder_not_in_group",
            Self::QuorumNotMet => "quorum_not_met",
            Self::SeatNotPresent => "seat_not_present",
            Self::AlreadyVoted => "already_voted",
            Self::MotionClosed => "motion_closed",
            Self::MeetingStateInvalid => "meeting_state_invalid",
            Self::MinutesPublished => "minutes_published",
            Self::MinutesStateInvalid => "minutes_state_invalid",
            Self::ReportMissingMajorDecisions => "report_missing_major_decisions",
            Self::ReportAlreadySubmitted => "report_already_submitted",
            Self::QuarterNotEnded => "quarter_not_ended",
            Self::BrandTransferForbidden => "brand_transfer_forbidden",
            Self::FacilityAlreadyBooked => "facility_already_booked",
            Self::ResourceStateInvalid => "resource_state_invalid",
            Self::UploadStateInvalid => "upload_state_invalid",
            Self::FileHashMismatch => "file_hash_mismatch",
            Self::WarningOrFailedEvaluationRequired => "warning_or_failed_evaluation_required",
            Self::CouncilDecisionRequired => "council_decision_required",
            Self::PersuadeOutStateInvalid => "persuade_out_state_invalid",
            Self::CharterDraftExists => "charter_draft_exists",
            Self::CharterAlreadyAdopted => "charter_already_adopted",
            Self::CharterVersionFinal => "charter_version_final",
            Self::CharterVersionNotInForce => "charter_version_not_in_force",
            Self::FailedEvaluationRequired => "failed_evaluation_required",
            Self::MemberUnderPersuadeOut => "member_under_persuade_out",
            Self::EvaluationTooEarly => "evaluation_too_early",
            Self::EvaluationAlreadyExists => "evaluation_already_exists",
            Self::EvaluationRoundComputing => "evaluation_round_computing",
            Self::EvaluationDraftExists => "evaluation_draft_exists",
            Self::EvaluationRoundStateInvalid => "evaluation_round_state_invalid",
            Self::EvaluationRoundNotCompleted => "evaluation_round_not_completed",
            Self::EvaluationDataLocked => "evaluation_data_locked",
            Self::XlsxInvalid => "xlsx_invalid",
            Self::ConsequenceStateInvalid => "consequence_state_invalid",
            Self::OfficeFull => "office_full",
            Self::AppointmentStateInvalid => "appointment_state_invalid",
            Self::RecommendationStateInvalid => "recommendation_state_invalid",
            Self::WeakRoundOverlaps => "weak_round_overlaps",
            Self::DesignationStateInvalid => "designation_state_invalid",
            Self::AgreementStateInvalid => "agreement_state_invalid",
            Self::BudgetExceeded => "budget_exceeded",
            Self::SpendingOutsideSchoolYear => "spending_outside_school_year",
            Self::SpendingAlreadyReversed => "spending_already_reversed",
            Self::IdempotencyKeyReused => "idempotency_key_reused",
            Self::ServiceUnavailable => "service_unavailable",
            Self::AuditSigningUnconfigured => "audit_signing_unconfigured",
            Self::Overloaded => "overloaded",
            Self::RateLimited => "rate_limited",
            Self::Internal => "internal",
        }
    }
}

impl ErrorCode {
    /// The HTTP status of a refusal with this code: the one mapping, used by the HTTP API
    /// and for the `Nats-Service-Error-Code` header on the bus.
    pub fn http_status(self) -> u16 {
        match self {
            Self::ValidationFailed => 400,
            Self::Unauthenticated => 401,
            // A rule forbids the transfer whatever the state: 403, like a scope refusal.
            Self::Forbidden | Self::BrandTransferForbidden => 403,
            Self::NotFound => 404,
            Self::GroupCapExceeded
            | Self::StageMismatch
            | Self::SchoolAlreadyInGroup
            | Self::LeadCannotBeMember
            | Self::GroupDissolved
            | Self::NotAMember
            | Self::LeadCannotExit
            | Self::SchoolNameTaken
            | Self::LeadQualityNotImproving
            | Self::CountyConsentRequired
            | Self::ConsentStateInvalid
            | Self::PostingDirectionInvalid
            | Self::PostingOverlaps
            | Self::SchoolNotInGroup
            | Self::PostingKindDisabled
            | Self::PostingStateInvalid
            | Self::QuorumNotMet
            | Self::SeatNotPresent
            | Self::AlreadyVoted
            | Self::MotionClosed
            | Self::MeetingStateInvalid
            | Self::MinutesPublished
            | Self::MinutesStateInvalid
            | Self::ReportAlreadySubmitted
            | Self::QuarterNotEnded
            | Self::FacilityAlreadyBooked
            | Self::ResourceStateInvalid
            | Self::UploadStateInvalid
            | Self::WarningOrFailedEvaluationRequired
            | Self::CouncilDecisionRequired
            | Self::PersuadeOutStateInvalid
            | Self::CharterDraftExists
            | Self::CharterAlreadyAdopted
            | Self::CharterVersionFinal
            | Self::CharterVersionNotInForce
            | Self::FailedEvaluationRequired
            | Self::MemberUnderPersuadeOut
            | Self::EvaluationTooEarly
            | Self::EvaluationAlreadyExists
            | Self::EvaluationRoundComputing
            | Self::EvaluationDraftExists
            | Self::EvaluationRoundStateInvalid
            | Self::EvaluationRoundNotCompleted
            | Self::EvaluationDataLocked
            | Self::ConsequenceStateInvalid
            | Self::OfficeFull
            | Self::AppointmentStateInvalid
            | Self::RecommendationStateInvalid
            | Self::WeakRoundOverlaps
            | Self::DesignationStateInvalid
            | Self::AgreementStateInvalid
            | Self::BudgetExceeded
            | Self::SpendingAlreadyReversed => 409,
            Self::PayloadTooLarge => 413,
            Self::CapExceptionReasonRequired
            | Self::IdempotencyKeyReused
            | Self::CsvInvalid
            | Self::XlsxInvalid
            | Self::FileHashMismatch => 422,
            Self::ChairMustBeLeadPrincipal
            | Self::ViceChairMustBeMemberPrincipal
            | Self::SecretaryGeneralRequired
            | Self::SeatHolderNotInGroup
            | Self::ReportMissingMajorDecisions
            | Self::SpendingOutsideSchoolYear => 422,
            Self::RateLimited => 429,
            Self::ServiceUnavailable | Self::Overloaded | Self::AuditSigningUnconfigured => 503,
            Self::Internal => 500,
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A refusal or failure, as clients see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, thiserror::Error)]
#[error("{code}: {message}")]
pub struct Problem {
    pub code: ErrorCode,
    /// English message.
    pub message: String,
    /// 中文说明.
    pub message_zh: String,
    /// The RULES.md rule this refusal enforces, e.g. `F-09`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// Structured facts behind the refusal (the cap, the field, the policy version, …).
    #[serde(default, skip_serializing_if = "Value::is_null")]
    #[schema(value_type = Object)]
    pub details: Value,
}

impl Problem {
    pub fn new(code: ErrorCode, message: impl Into<String>, message_zh: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            message_zh: message_zh.into(),
            rule: None,
            details: Value::Null,
        }
    }

    /// Names the RULES.md rule this refusal enforces.
    pub fn rule(mut self, rule: &str) -> Self {
        self.rule = Some(rule.to_owned());
        self
    }

    pub fn details(mut self, details: Value) -> Self {
        self.details = details;
        self
    }

    /// A field that failed validation.
    pub fn validation(field: &str, message: &str, message_zh: &str) -> Self {
        Self::new(ErrorCode::ValidationFailed, message, message_zh)
            .details(json!({ "field": field }))
    }

    /// This refusal, met by one entry of a load (a group's past, past postings, past
    /// meetings): both
    /// messages name the entry (`what`, 1-based) and its date, and `details.<key>` holds
    /// `{row, date}` (`row` 0-based) beside the cause's own details.
    pub fn in_entry(
        mut self,
        key: &str,
        (what, what_zh): (&str, &str),
        row: usize,
        on: NaiveDate,
    ) -> Self {
        self.message = format!("{what} {} on {on}: {}", row + 1, self.message);
        self.message_zh = format!("第 {} 条{what_zh}({on}):{}", row + 1, self.message_zh);
        let entry = json!({ "row": row, "date": on });
        match self.details.as_object_mut() {
            Some(details) => {
                details.insert(key.to_owned(), entry);
            }
            None => self.details = json!({ key: entry }),
        }
        self
    }

    pub fn not_found(what: &str, what_zh: &str) -> Self {
        Self::new(
            ErrorCode::NotFound,
            format!("{what} not found"),
            format!("未找到{what_zh}"),
        )
    }

    /// X-02 (invariant 20): a dissolved group accepts no change, from anyone; its history
    /// stays readable.
    pub fn group_dissolved() -> Self {
        Self::new(
            ErrorCode::GroupDissolved,
            "this group has been dissolved and accepts no changes; its records stay readable",
            "该教育集团已撤销,不再接受任何变更;历史记录仍可查阅",
        )
        .rule("X-02")
    }

    pub fn forbidden(message: &str, message_zh: &str) -> Self {
        Self::new(ErrorCode::Forbidden, message, message_zh)
    }

    pub fn unavailable(service: &str) -> Self {
        Self::new(
            ErrorCode::ServiceUnavailable,
            format!("the {service} service is not answering; please retry shortly"),
            format!("{service} 服务暂时无法响应,请稍后重试"),
        )
        .details(json!({ "service": service }))
    }

    /// An unexpected failure. The cause is logged where it happened, never sent.
    pub fn internal() -> Self {
        Self::new(
            ErrorCode::Internal,
            "an unexpected error occurred; nothing was changed",
            "发生意外错误,未做任何更改",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_serializes_as_its_stable_string() -> Result<(), serde_json::Error> {
        for code in [
            ErrorCode::GroupCapExceeded,
            ErrorCode::SchoolAlreadyInGroup,
            ErrorCode::Internal,
        ] {
            assert_eq!(serde_json::to_value(code)?, json!(code.as_str()));
        }
        Ok(())
    }

    #[test]
    fn an_entry_of_a_loaded_past_is_named_beside_the_causes_details() {
        let day = NaiveDate::from_ymd_opt(2025, 3, 1).unwrap_or_default();
        let p = Problem::validation("title", "too long", "过长").in_entry(
            "entry",
            ("meeting entry", "会议记录"),
            2,
            day,
        );
        assert_eq!(p.message, "meeting entry 3 on 2025-03-01: too long");
        assert_eq!(p.message_zh, "第 3 条会议记录(2025-03-01):过长");
        assert_eq!(
            p.details,
            json!({"field": "title", "entry": {"row": 2, "date": "2025-03-01"}})
        );
        let bare = Problem::internal().in_entry("history", ("member entry", "成员记录"), 0, day);
        assert_eq!(
            bare.details,
            json!({"history": {"row": 0, "date": "2025-03-01"}})
        );
    }

    #[test]
    fn problem_json_shape_is_stable() -> Result<(), serde_json::Error> {
        let p = Problem::new(ErrorCode::GroupCapExceeded, "full", "已满")
            .rule("F-09")
            .details(json!({"cap": 5}));
        assert_eq!(
            serde_json::to_value(&p)?,
            json!({"code": "group_cap_exceeded", "message": "full", "message_zh": "已满",
                   "rule": "F-09", "details": {"cap": 5}})
        );
        let bare = Problem::internal();
        let v = serde_json::to_value(&bare)?;
        assert!(v.get("rule").is_none() && v.get("details").is_none());
        Ok(())
    }
}
