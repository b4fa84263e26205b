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
        | MemberExists { .. }
        | MemberLimit { .. }
        | Lottery { .. }
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
        | Chip(_) => StatusCode::CONFLICT,
        Storage {
            retryable: true, ..
        }
        | RootOffline => StatusCode::SERVICE_UNAVAILABLE,
        Storage { .. } | Corrupt(_) | FailPoint(_) | WrongKek(_) | KeyStorage(_) => {
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        Self {
            status: status_of(&e),
            code: e.code(),
            message: e.to_string(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.to_owned(),
                message: self.message,
            },
        };
        (self.status, Json(body)).into_response()
    }
}
