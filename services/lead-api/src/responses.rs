//! The error responses many operations document, each declared once. An operation names
//! the ones it can give in `#[utoipa::path(responses(...))]`, beside the tuples of its
//! success and of the refusals that are its own; the document is the same as if each were
//! written out. Every one carries the error body ([`ErrorBody`]). A description that differs
//! for one operation stays a tuple on that operation.

use utoipa::IntoResponses;
use utoipa::openapi::path::Operation;

use crate::error::ErrorBody;

// 400: refused before anything is asked

#[derive(IntoResponses)]
#[response(status = 400, description = "Invalid input")]
pub struct InvalidInput(pub ErrorBody);

#[derive(IntoResponses)]
#[response(status = 400, description = "Invalid query")]
pub struct InvalidQuery(pub ErrorBody);

#[derive(IntoResponses)]
#[response(status = 400, description = "Invalid period")]
pub struct InvalidPeriod(pub ErrorBody);

// 401: every operation behind a token

#[derive(IntoResponses)]
#[response(status = 401, description = "No valid token")]
pub struct NoToken(pub ErrorBody);

// 403: the caller's role or school may not do this

#[derive(IntoResponses)]
#[response(status = 403, description = "Not the lead school's office")]
pub struct NotLeadOffice(pub ErrorBody);

#[derive(IntoResponses)]
#[response(status = 403, description = "Not the office of a school of the group")]
pub struct NotGroupSchoolOffice(pub ErrorBody);

#[derive(IntoResponses)]
#[response(status = 403, description = "Only the group's bureau")]
pub struct OnlyGroupBureau(pub ErrorBody);

#[derive(IntoResponses)]
#[response(status = 403, description = "Only the region's bureau")]
pub struct OnlyRegionBureau(pub ErrorBody);

#[derive(IntoResponses)]
#[response(status = 403, description = "Only the region's bureau and auditors")]
pub struct OnlyRegionBureauOrAuditor(pub ErrorBody);

#[derive(IntoResponses)]
#[response(status = 403, description = "Not allowed to read this school's roster")]
pub struct RosterNotAllowed(pub ErrorBody);

// 404: not there, or not the caller's to see (existence itself is private)

#[derive(IntoResponses)]
#[response(status = 404, description = "No such group visible to the caller")]
pub struct GroupNotVisible(pub ErrorBody);

#[derive(IntoResponses)]
#[response(status = 404, description = "No such group for the caller")]
pub struct NoGroupForCaller(pub ErrorBody);

#[derive(IntoResponses)]
#[response(status = 404, description = "No such meeting visible to the caller")]
pub struct MeetingNotVisible(pub ErrorBody);

#[derive(IntoResponses)]
#[response(
    status = 404,
    description = "No such charter or plan version visible to the caller"
)]
pub struct CharterVersionNotVisible(pub ErrorBody);

#[derive(IntoResponses)]
#[response(status = 404, description = "No such posting visible to the caller")]
pub struct PostingNotVisible(pub ErrorBody);

#[derive(IntoResponses)]
#[response(status = 404, description = "No such school visible to the caller")]
pub struct SchoolNotVisible(pub ErrorBody);

#[derive(IntoResponses)]
#[response(status = 404, description = "No such school in the caller's region")]
pub struct SchoolNotInRegion(pub ErrorBody);

#[derive(IntoResponses)]
#[response(status = 404, description = "No such round in the caller's region")]
pub struct RoundNotInRegion(pub ErrorBody);

// 409: the state of things refuses it

#[derive(IntoResponses)]
#[response(status = 409, description = "`group_dissolved`")]
pub struct GroupDissolved(pub ErrorBody);

#[derive(IntoResponses)]
#[response(status = 409, description = "`group_dissolved`, `school_not_in_group`")]
pub struct DissolvedOrNotInGroup(pub ErrorBody);

#[derive(IntoResponses)]
#[response(
    status = 409,
    description = "`evaluation_round_computing`: the round is still computing; poll it until `computed`"
)]
pub struct RoundComputing(pub ErrorBody);

// 413 and 422: the body, or its Idempotency-Key

#[derive(IntoResponses)]
#[response(status = 413, description = "`payload_too_large`")]
pub struct TooLarge(pub ErrorBody);

#[derive(IntoResponses)]
#[response(status = 422, description = "`idempotency_key_reused`")]
pub struct KeyReused(pub ErrorBody);

// 503: the service that owns the data did not answer

#[derive(IntoResponses)]
#[response(status = 503, description = "Service unavailable; retry")]
pub struct Unavailable(pub ErrorBody);

// given by the extractors to every operation that takes input, added once the routes are
// collected ([`add_where_missing`], `error::document_invalid_input`)

#[derive(IntoResponses)]
#[response(
    status = 400,
    description = "Invalid path parameter, query, header or body"
)]
pub struct InvalidRequest(pub ErrorBody);

/// Adds the responses of `R` to `operation`, each unless it documents that status itself.
pub fn add_where_missing<R: IntoResponses>(operation: &mut Operation) {
    for (status, response) in R::responses() {
        operation
            .responses
            .responses
            .entry(status)
            .or_insert(response);
    }
}
