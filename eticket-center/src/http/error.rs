//! JSON errors: `{"error": {"code": "...", "message": "..."}}` with a stable
//! code (see [`Error::code`]) and an HTTP status that fits it.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::Error;

/// The body of every error answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// A stable code and a message for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ErrorDetail {
    /// Stable, machine-readable.
    pub code: String,
    /// What went wrong and where.
    pub message: String,
}

/// The stable code of an error answer, kept in the response's extensions
/// so that the request log can name it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ErrorCode(pub(crate) &'static str);

/// An error answer.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable code.
    pub code: &'static str,
    /// Message.
    pub message: String,
}

impl ApiError {
    /// An error that is not a center [`Error`] (malformed requests, routing).
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }
}

/// The HTTP status for a center error: one exhaustive match, so a new error
/// cannot reach a client without a status chosen for it.
pub fn status_of(e: &Error) -> StatusCode {
    use Error::*;
    match e {
        Unauthorized => StatusCode::UNAUTHORIZED,
        Forbidden(_)
        | CardProof(_)
        | NotInAllotment { .. }
        | MembershipRequired(_)
        | MembershipEnded { .. }
        | MemberChipMismatch(_)
        | PolicyRefuses { .. } => StatusCode::FORBIDDEN,
        UnknownEvent(_)
        | UnknownDistributor(_)
        | UnknownTicket { .. }
        | UnknownMember { .. }
        | UnknownTransfer(_)
        | UnknownHold { .. }
        | NotSelected { .. } => StatusCode::NOT_FOUND,
        // A ticket written before its distributor's hold-until time: the
        // request is fine, the moment is not.
        Core(eticket_core::Error::HeldUntil { .. }) => StatusCode::CONFLICT,
        Invalid { .. } | Core(_) => StatusCode::BAD_REQUEST,
        EventExists(_)
        | SeatUnavailable { .. }
        | AllotmentChanged { .. }
        | HoldExpired { .. }
        | HoldLimit { .. }
        | SoldOut { .. }
        | AllotmentFixed { .. }
        | EventCancelled { .. }
        | MemberExists { .. }
        | MemberLimit { .. }
        | Lottery { .. }
        | AlreadyApplied { .. }
        | LotteryUnverified { .. }
        | AlreadyIssued { .. }
        | NotIssued { .. }
        | HolderMismatch { .. }
        | PaperTicket { .. }
        | TransferStale(_)
        | TransferPending { .. }
        | TransferState { .. }
        | CoolingOff { .. }
        | IdempotencyMismatch(_)
        | Duplicate { .. }
        | Chip(_) => StatusCode::CONFLICT,
        Storage {
            retryable: true, ..
        }
        | RootOffline => StatusCode::SERVICE_UNAVAILABLE,
        Storage { .. } | Corrupt(_) | FailPoint(_) | WrongKek(_) | KeyStorage(_) | Backup(_) => {
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        let status = status_of(&e);
        let code = e.code();
        let message = match public_message(&e) {
            Some(text) => {
                // The storage engine's or the key store's own words stay in
                // the server's log: the answer names the incident to look up.
                let incident = incident_id();
                super::observe::incident(&incident, code, &e);
                format!("{text} (incident {incident} in the server's log)")
            }
            None => e.to_string(),
        };
        Self {
            status,
            code,
            message,
        }
    }
}

/// The message a client sees for an error whose own text is the ledger's or
/// the key store's (the database's words, file paths, key ids), or `None`
/// when the error's text is meant for the client.
fn public_message(e: &Error) -> Option<&'static str> {
    match e {
        Error::Storage {
            retryable: true, ..
        } => Some("the ledger is busy or has no primary for a moment; send the request again"),
        Error::Storage { .. } => Some("the ledger failed"),
        Error::Duplicate { .. } => Some("the ledger holds that record already"),
        Error::Corrupt(_) => Some("the ledger holds data this server cannot read"),
        Error::FailPoint(_) => Some("the request failed at an injected failure point"),
        Error::WrongKek(_) | Error::KeyStorage(_) => Some("the center's keys cannot be opened"),
        Error::Backup(_) => Some("a backup failed"),
        _ => None,
    }
}

/// A short random id that ties an answer to its line in the server's log.
fn incident_id() -> String {
    let mut raw = [0u8; 6];
    rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut raw);
    hex::encode(raw)
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let code = ErrorCode(self.code);
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.to_owned(),
                message: self.message,
            },
        };
        let mut response = (self.status, Json(body)).into_response();
        if matches!(
            self.status,
            StatusCode::SERVICE_UNAVAILABLE | StatusCode::TOO_MANY_REQUESTS
        ) {
            // Busy, not wrong: say when to send it again.
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static("1"),
            );
        }
        // For the request log (`observe`): the code beside the status.
        response.extensions_mut().insert(code);
        if self.status == StatusCode::UNAUTHORIZED {
            // RFC 6750: say which scheme the API takes.
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer realm=\"eticket\""),
            );
        }
        response
    }
}
