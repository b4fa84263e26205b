//! What a handler takes from a request, as axum extractors that reject with
//! the API's JSON error ([`ApiError`]) instead of axum's plain text:
//!
//! - [`Caller`]: the principal of the bearer token (authenticated on the
//!   blocking pool: the ledger is synchronous);
//! - [`IdemKey`]: the `Idempotency-Key` header every mutating route needs;
//! - [`PathArg`] and [`QueryArg`]: the path's and the query's parameters;
//! - [`JsonBody`]: the JSON body, decoded strictly (refused when its
//!   `Content-Type` names another type); [`JsonOrEmpty`] also takes an empty
//!   body as the type's default; [`RawBody`] the bytes.
//!
//! Extractors run in the order of the handler's parameters: the caller
//! first, then the path, the key and the body, so a request without a key
//! is refused before its body is read.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, RawPathParams, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::error::ApiError;
use super::handlers::{bearer, blocking, idem, parse_json};
use super::observe::Who;
use super::serve::{BODY_TIMEOUT, BodyTimeout};
use crate::organizer::EventRegistration;
use crate::{Center, Principal};

/// The authenticated principal of the request's bearer token.
#[derive(Debug, Clone)]
pub struct Caller(pub Principal);

impl FromRequestParts<Arc<Center>> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, c: &Arc<Center>) -> Result<Self, ApiError> {
        let token = bearer(&parts.headers)?;
        let who = match c.authenticate_remembered(&token) {
            Some(presented) => presented?.principal,
            None => {
                let c = c.clone();
                blocking(move || c.authenticate(&token)).await?
            }
        };
        Who::note(&parts.extensions, &who);
        parts.extensions.insert(Uploader(who.label()));
        Ok(Caller(who))
    }
}

/// The credential the bearer token belongs to (the credential routes: a
/// token a rotation replaced manages no credential).
#[derive(Debug, Clone)]
pub struct CallerCredential(pub crate::credentials::Presented);

impl FromRequestParts<Arc<Center>> for CallerCredential {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, c: &Arc<Center>) -> Result<Self, ApiError> {
        let token = bearer(&parts.headers)?;
        let c = c.clone();
        let presented = blocking(move || c.authenticate_presented(&token)).await?;
        Who::note(&parts.extensions, &presented.principal);
        parts
            .extensions
            .insert(Uploader(presented.principal.label()));
        if presented.replaced {
            return Err(ApiError::from(crate::Error::Forbidden(format!(
                "credential {} was replaced by a rotation: it works until its grace period ends, but credentials are managed with the one that replaced it",
                presented.id
            ))));
        }
        Ok(CallerCredential(presented))
    }
}

/// The request's `Idempotency-Key` (1 to 128 printable characters).
#[derive(Debug, Clone)]
pub struct IdemKey(pub String);

impl<S: Send + Sync> FromRequestParts<S> for IdemKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        idem(&parts.headers).map(IdemKey)
    }
}

/// Path parameters that are numbers (the others are hex ids and tokens).
const NUMERIC_PARAMS: [&str; 3] = ["event", "serial", "distributor"];

/// The path's parameters (`invalid_path` when they do not parse, start
/// with `+`, hold a control character, or write a number with a leading
/// zero).
#[derive(Debug, Clone)]
pub struct PathArg<T>(pub T);

impl<T, S> FromRequestParts<S> for PathArg<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let invalid = |m: String| ApiError::new(StatusCode::BAD_REQUEST, "invalid_path", m);
        let raw = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|e| invalid(e.body_text()))?;
        for (name, value) in &raw {
            // One spelling per value: `+2027` or a control character is
            // refused, not read as 2027 or stored.
            if value.starts_with('+') || value.chars().any(char::is_control) {
                return Err(invalid(format!("{name} {value:?} is not a plain value")));
            }
            // A number has one spelling: `02027` is not event 2027.
            if NUMERIC_PARAMS.contains(&name)
                && value.len() > 1
                && value.starts_with('0')
                && value.bytes().all(|b| b.is_ascii_digit())
            {
                return Err(invalid(format!(
                    "{name} {value:?} has a leading zero: write the number as {}",
                    value.trim_start_matches('0')
                )));
            }
        }
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(v)| PathArg(v))
            .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "invalid_path", e.body_text()))
    }
}

/// The query's parameters (`invalid_query` when they do not parse).
#[derive(Debug, Clone)]
pub struct QueryArg<T>(pub T);

impl<T, S> FromRequestParts<S> for QueryArg<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(v)| QueryArg(v))
            .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", e.body_text()))
    }
}

/// Most request bodies one caller may be sending slowly at once (still
/// arriving 0.2 s after their headers). Past it the next slow one
/// is answered `too_many_slow_bodies` (429): a token holder cannot fill the
/// server's connections with bodies that never end, and a client whose
/// bodies arrive with their headers never meets the limit.
pub const MAX_SLOW_BODIES: usize = 16;

/// A body all there within this after its headers is not slow.
const FAST_BODY: Duration = Duration::from_millis(200);

/// Who is sending the request's body (the authenticated principal's label).
#[derive(Debug, Clone)]
pub(crate) struct Uploader(pub(crate) String);

/// Slow bodies in progress, by caller.
static SLOW_BODIES: Mutex<BTreeMap<String, usize>> = Mutex::new(BTreeMap::new());

/// One slow body of a caller, counted while it is read.
struct SlowBody(String);

impl SlowBody {
    fn enter(who: &str) -> Option<Self> {
        let mut slow = SLOW_BODIES.lock().unwrap_or_else(PoisonError::into_inner);
        let n = slow.entry(who.to_owned()).or_insert(0);
        if *n >= MAX_SLOW_BODIES {
            return None;
        }
        *n += 1;
        Some(Self(who.to_owned()))
    }
}

impl Drop for SlowBody {
    fn drop(&mut self) {
        let mut slow = SLOW_BODIES.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(n) = slow.get_mut(&self.0) {
            *n -= 1;
            if *n == 0 {
                slow.remove(&self.0);
            }
        }
    }
}

/// The body's bytes (`body_too_large` past the limit, `body_timeout` when it
/// is not all there in time, `invalid_body` when it cannot be read,
/// `too_many_slow_bodies` when its caller is sending [`MAX_SLOW_BODIES`]
/// slowly already).
#[derive(Debug, Clone)]
pub struct RawBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for RawBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let limit = req
            .extensions()
            .get::<BodyTimeout>()
            .map_or(BODY_TIMEOUT, |t| t.0);
        let who = req.extensions().get::<Uploader>().map(|u| u.0.clone());
        let timed_out = || {
            ApiError::new(
                StatusCode::REQUEST_TIMEOUT,
                "body_timeout",
                format!("the body did not arrive within {} s", limit.as_secs()),
            )
        };
        let mut read = std::pin::pin!(Bytes::from_request(req, state));
        let read = match tokio::time::timeout(FAST_BODY.min(limit), &mut read).await {
            Ok(read) => read,
            Err(_) => {
                let _slow = match &who {
                    Some(who) => Some(SlowBody::enter(who).ok_or_else(|| {
                        ApiError::new(
                            StatusCode::TOO_MANY_REQUESTS,
                            "too_many_slow_bodies",
                            format!(
                                "this caller is sending {MAX_SLOW_BODIES} request bodies slowly already; send the body with its headers, or fewer at once"
                            ),
                        )
                    })?),
                    None => None,
                };
                tokio::time::timeout(limit.saturating_sub(FAST_BODY), read)
                    .await
                    .map_err(|_| timed_out())?
            }
        };
        read.map(RawBody).map_err(|e| {
            let status = e.status();
            let code = if status == StatusCode::PAYLOAD_TOO_LARGE {
                "body_too_large"
            } else {
                "invalid_body"
            };
            ApiError::new(status, code, e.body_text())
        })
    }
}

/// The JSON body, decoded strictly (`invalid_json`).
#[derive(Debug, Clone)]
pub struct JsonBody<T>(pub T);

/// The body of `POST /v1/events`: JSON as every body, or gzipped JSON
/// (`Content-Encoding: gzip`), kept compressed until the handler knows the
/// caller may register events (see [`super::MAX_REGISTRATION_BYTES`]).
#[derive(Debug)]
pub enum RegistrationBody {
    /// A plain JSON body, decoded.
    Json(Box<EventRegistration>),
    /// A gzipped body as sent (at most [`super::MAX_BODY_BYTES`]).
    Gzip(Bytes),
}

impl<S: Send + Sync> FromRequest<S> for RegistrationBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let codings: Vec<String> = req
            .headers()
            .get_all(axum::http::header::CONTENT_ENCODING)
            .iter()
            .map(|v| v.to_str().unwrap_or("?").trim().to_ascii_lowercase())
            .filter(|c| c != "identity")
            .collect();
        if codings.is_empty() {
            let JsonBody(reg) = JsonBody::from_request(req, state).await?;
            return Ok(RegistrationBody::Json(Box::new(reg)));
        }
        if codings != ["gzip"] {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                format!(
                    "an event registration is sent as JSON or gzipped JSON (Content-Encoding: gzip), not {:?}",
                    codings.join(", ")
                ),
            ));
        }
        media_type_json(&req)?;
        let RawBody(bytes) = RawBody::from_request(req, state).await?;
        Ok(RegistrationBody::Gzip(bytes))
    }
}

/// Inflate a gzipped body of up to `max` bytes inflated: `body_too_large`
/// past it (read no further), `invalid_body` when it is not gzip.
pub(crate) fn gunzip(bytes: &[u8], max: usize) -> Result<Vec<u8>, ApiError> {
    use std::io::Read as _;
    let mut out = Vec::new();
    let limit = u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1);
    flate2::read::GzDecoder::new(bytes)
        .take(limit)
        .read_to_end(&mut out)
        .map_err(|e| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_body",
                format!("the body is not gzip (Content-Encoding: gzip): {e}"),
            )
        })?;
    if out.len() > max {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!("the body is larger than {max} bytes once inflated"),
        ));
    }
    Ok(out)
}

/// A body said to be something other than JSON (`Content-Type: text/plain`,
/// a form) or sent compressed (`Content-Encoding` other than `identity`) is
/// refused: 415 `unsupported_media_type`. Without `Content-Type` the body is
/// read as JSON.
fn json_content_type(req: &Request) -> Result<(), ApiError> {
    // A compressed body would be read as garbage JSON: say what is wrong.
    for coding in req.headers().get_all(axum::http::header::CONTENT_ENCODING) {
        let coding = coding.to_str().unwrap_or("?").trim();
        if !coding.eq_ignore_ascii_case("identity") {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                format!(
                    "request bodies are not compressed here: send it without Content-Encoding (not {coding:?})"
                ),
            ));
        }
    }
    media_type_json(req)
}

/// The body's `Content-Type` says JSON, or is absent.
fn media_type_json(req: &Request) -> Result<(), ApiError> {
    let Some(value) = req.headers().get(axum::http::header::CONTENT_TYPE) else {
        return Ok(());
    };
    let media = value
        .to_str()
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if media == "application/json"
        || (media.starts_with("application/") && media.ends_with("+json"))
    {
        return Ok(());
    }
    Err(ApiError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        format!(
            "the body is JSON: send Content-Type: application/json (not {:?})",
            value.to_str().unwrap_or("?")
        ),
    ))
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        json_content_type(&req)?;
        let RawBody(bytes) = RawBody::from_request(req, state).await?;
        parse_json(&bytes).map(JsonBody)
    }
}

/// The JSON body, or the type's default for an empty body.
#[derive(Debug, Clone)]
pub struct JsonOrEmpty<T>(pub T);

impl<T: DeserializeOwned + Default, S: Send + Sync> FromRequest<S> for JsonOrEmpty<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let typed = json_content_type(&req);
        let RawBody(bytes) = RawBody::from_request(req, state).await?;
        if bytes.is_empty() {
            return Ok(JsonOrEmpty(T::default()));
        }
        typed?;
        parse_json(&bytes).map(JsonOrEmpty)
    }
}
