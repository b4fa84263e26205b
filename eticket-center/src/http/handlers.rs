//! One handler per route, a few lines each: the extractors
//! ([`super::extract`]) authenticate the bearer token and decode the path,
//! the idempotency key and the body, rejecting with the API's JSON error;
//! the handler runs the service on a blocking thread (both ledger backends
//! are synchronous) and answers its value as JSON, or the error
//! ([`super::error::status_of`] picks the status).

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use eticket_core::allotment::AllotmentRatios;
use eticket_core::ids::{DistributorId, EventId, TicketSerial};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::error::ApiError;
use super::extract::{
    Caller, CallerCredential, IdemKey, JsonBody, JsonOrEmpty, PathArg, QueryArg, RawBody,
    RegistrationBody,
};
use crate::center::check_idempotency_key;
use crate::chips::PersonalizationRequest;
use crate::credentials::RotationRequest;
use crate::distributor::{MemberRegistration, SaleRequest};
use crate::holds::{HoldConfirm, HoldRequest};
use crate::issuance::ChipTarget;
use crate::lottery::{LotteryApplication, LotteryDraw, LotterySetup};
use crate::organizer::{EventRegistration, SeatSelection};
use crate::policy::DistributionPolicy;
use crate::reissue::CardReplacement;
use crate::split::SeatSplit;
use crate::store::Store;
use crate::terminal::TerminalPurchase;
use crate::transfer::{TransferCancellation, TransferSubmission};
use crate::{Center, Error, Principal, Result};

type Shared = State<Arc<Center>>;
type Answer = std::result::Result<Response, ApiError>;

/// Decode a JSON request body strictly into `T`: it must meet the rules of
/// every body (no key twice, no U+0000, no integer past the ledgers'
/// largest) and then decode; every failure is an error, never a panic (the
/// fuzz target drives this).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> std::result::Result<T, ApiError> {
    parse_json_within(bytes, super::MAX_BODY_BYTES)
}

/// [`parse_json`] for a body of up to `max` bytes.
pub(crate) fn parse_json_within<T: DeserializeOwned>(
    bytes: &[u8],
    max: usize,
) -> std::result::Result<T, ApiError> {
    if bytes.len() > max {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!("the body is larger than {max} bytes"),
        ));
    }
    let invalid = |e: serde_json::Error| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            format!("request body: {e}"),
        )
    };
    super::strict_json::check(bytes).map_err(invalid)?;
    serde_json::from_slice(bytes).map_err(invalid)
}

/// The request's `Idempotency-Key` header, required on every mutating route.
pub(crate) fn idem(headers: &HeaderMap) -> std::result::Result<String, ApiError> {
    let mut keys = headers.get_all("idempotency-key").iter();
    if let (Some(_), Some(_)) = (keys.next(), keys.next()) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "give one Idempotency-Key header, not several",
        ));
    }
    let key = headers
        .get("idempotency-key")
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "idempotency_key_required",
                "mutating requests need an Idempotency-Key header",
            )
        })?
        .to_str()
        .map_err(|_| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "Idempotency-Key is not printable ASCII",
            )
        })?;
    check_idempotency_key(key)?;
    Ok(key.to_owned())
}

/// The bearer token of a request.
pub(crate) fn bearer(headers: &HeaderMap) -> Result<String> {
    let mut values = headers.get_all(header::AUTHORIZATION).iter();
    let (Some(value), None) = (values.next(), values.next()) else {
        // None, or two that could name two callers: no one.
        return Err(Error::Unauthorized);
    };
    let text = value.to_str().map_err(|_| Error::Unauthorized)?;
    // The scheme is case-insensitive (RFC 9110, 11.1).
    let (scheme, token) = text.trim().split_once(' ').ok_or(Error::Unauthorized)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(Error::Unauthorized);
    }
    Ok(token.trim().to_owned())
}

/// Run ledger work on the blocking pool; a failed task is a 500.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T> + Send + 'static,
) -> std::result::Result<T, ApiError> {
    match tokio::task::spawn_blocking(f).await {
        Ok(r) => r.map_err(ApiError::from),
        Err(e) => Err(ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            format!("the request task failed: {e}"),
        )),
    }
}

/// The writer thread the hot mutating requests (sales, holds, issuance)
/// share group commits on ([`super::writer`]); without one (its thread
/// could not be started) they run on the blocking pool, each in a group
/// commit with whoever else is writing.
#[derive(Clone)]
pub(crate) struct Hot(Option<super::writer::Writer>);

impl Hot {
    pub(crate) fn start(center: Arc<Center>) -> Self {
        if !center.config().group_commit {
            // One commit per request, as `eticket serve --no-group-commit` asks.
            return Self(None);
        }
        Self(super::writer::Writer::start(center).ok())
    }
}

/// Run a hot mutating request on the writer thread.
async fn hot<T: Serialize + Send + 'static>(
    writer: &Hot,
    c: Arc<Center>,
    f: impl FnMut(&Center) -> Result<T> + Send + 'static,
) -> Answer {
    let Some(w) = &writer.0 else {
        return run(c, f).await;
    };
    let mut f = f;
    let value = w.run(move || f(&c)).await.map_err(ApiError::from)?;
    Ok(Json(value).into_response())
}

async fn run<T: Serialize + Send + 'static>(
    c: Arc<Center>,
    f: impl FnOnce(&Center) -> Result<T> + Send + 'static,
) -> Answer {
    let value = blocking(move || f(&c)).await?;
    Ok(Json(value).into_response())
}

/// Answer for paths no route serves: the API's JSON error, or under
/// `/page/` (an address a person typed or followed in a browser) a short
/// page that says so and links to the list of events.
pub async fn no_route(uri: axum::http::Uri) -> Response {
    if uri.path() == "/page" || uri.path().starts_with("/page/") {
        return (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>No such page</title>\
             <h1>No such page</h1><p>The seat allocation pages are \
             <a href=\"/page/events\">the list of events</a> and an event's map, \
             like <code>/page/events/2027</code>.</p></html>",
        )
            .into_response();
    }
    ApiError::new(
        StatusCode::NOT_FOUND,
        "no_route",
        "no such route; see openapi.json",
    )
    .into_response()
}

/// Refuse a request target longer than [`super::MAX_URI_BYTES`], and a body
/// announced longer than [`super::MAX_BODY_BYTES`], with the API's JSON
/// error, before routing.
pub async fn uri_limit(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> std::result::Result<Response, ApiError> {
    // A body announced larger than any route reads is refused before
    // anything runs, on every route (also those that read no body), and
    // before a client that asked `Expect: 100-continue` is invited to send it.
    let announced = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|n| n > super::MAX_BODY_BYTES as u64) {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!("the body is larger than {} bytes", super::MAX_BODY_BYTES),
        ));
    }
    let len = req.uri().path_and_query().map_or(0, |p| p.as_str().len());
    if len > super::MAX_URI_BYTES {
        return Err(ApiError::new(
            StatusCode::URI_TOO_LONG,
            "uri_too_long",
            format!(
                "the request target is {len} bytes; at most {} are read",
                super::MAX_URI_BYTES
            ),
        ));
    }
    Ok(next.run(req).await)
}

/// A known route asked with a method it does not take.
pub async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this route does not take that method; see openapi.json",
    )
}

/// `GET /v1/health`: liveness, the process serves (it reads nothing).
pub async fn health() -> Json<serde_json::Value> {
    Json(serde_json::json!({"status": "ok"}))
}

/// The answer of `GET /v1/ready`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Readiness {
    /// Always `ready` (a center that is not answers 503 `not_ready` or
    /// `shutting_down`).
    pub status: String,
    /// The ledger's backend: `sqlite` or `postgres`.
    pub ledger: String,
    /// The version of the center's keys the ledger holds, loaded now.
    pub key_version: u64,
}

/// How long readiness waits for the ledger before it answers 503.
pub const READY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// `GET /v1/ready`: readiness, the center can serve a sale now: the ledger
/// answers a read within [`READY_TIMEOUT`] and the center's keys load from
/// it. Otherwise 503 `not_ready` (the ledger is locked, PostgreSQL has no
/// primary, the keys do not open), and 503 `shutting_down` once the server
/// is stopping, so that a load balancer sends no more.
pub async fn ready(
    State(c): Shared,
    draining: Option<axum::Extension<super::serve::Draining>>,
) -> Answer {
    if draining.is_some_and(|d| d.0.is_set()) {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "shutting_down",
            "the server is stopping",
        ));
    }
    let not_ready = |why: String| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "not_ready", why);
    let ledger = c.ledger().backend().to_owned();
    let check = blocking(move || c.current_keys().map(|k| k.version()));
    match tokio::time::timeout(READY_TIMEOUT, check).await {
        Err(_) => Err(not_ready(format!(
            "the ledger did not answer within {} s",
            READY_TIMEOUT.as_secs()
        ))),
        Ok(Err(e)) => Err(not_ready(format!(
            "the ledger or the keys: {} ({})",
            e.message, e.code
        ))),
        Ok(Ok(key_version)) => Ok(Json(Readiness {
            status: "ready".to_owned(),
            ledger,
            key_version,
        })
        .into_response()),
    }
}

/// `GET /metrics` (the operations listener only): every metric in
/// Prometheus' text format.
pub async fn metrics() -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        super::observe::render_metrics(),
    )
        .into_response()
}

/// `GET /v1/keyset`.
pub async fn keyset(State(c): Shared, Caller(who): Caller) -> Answer {
    run(c, move |c| c.key_set_signed(&who)).await
}

/// `GET /v1/keyset/rollovers`.
pub async fn rollovers(State(c): Shared, Caller(who): Caller) -> Answer {
    run(c, move |c| c.root_rollovers(&who)).await
}

/// `POST /v1/events`: the registration as JSON, or gzipped JSON
/// (`Content-Encoding: gzip`) for a venue whose registration is larger than
/// a body may be, inflated up to [`super::MAX_REGISTRATION_BYTES`] once the
/// caller is known to be an organizer.
pub async fn register_event(
    State(c): Shared,
    Caller(who): Caller,
    IdemKey(key): IdemKey,
    body: RegistrationBody,
) -> Answer {
    let reg = match body {
        RegistrationBody::Json(reg) => *reg,
        RegistrationBody::Gzip(bytes) => {
            if !matches!(who, Principal::Organizer(_) | Principal::Operator) {
                return Err(Error::Forbidden("only organizers register events".into()).into());
            }
            tokio::task::spawn_blocking(move || {
                let json = super::extract::gunzip(&bytes, super::MAX_REGISTRATION_BYTES)?;
                parse_json_within::<EventRegistration>(&json, super::MAX_REGISTRATION_BYTES)
            })
            .await
            .map_err(|e| {
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    format!("reading the body failed: {e}"),
                )
            })??
        }
    };
    run(c, move |c| c.register_event(&who, &key, &reg)).await
}

/// `GET /v1/events/{event}`: gzipped when the client accepts it. The
/// answer's bytes are made by one request at a time and shared by every
/// connection sending them for a few seconds (`http::shared_answer`):
/// a 100,000-seat event is about 5 MB of JSON, and clients that ask at
/// once and never read must not hold a copy each.
pub async fn event_info(
    State(c): Shared,
    _: Caller,
    PathArg(event): PathArg<EventId>,
    headers: HeaderMap,
) -> Answer {
    let gzip = super::shared_answer::accepts_gzip(&headers);
    let body = blocking(move || super::shared_answer::event_info(&c, event, gzip)).await?;
    Ok(super::shared_answer::response(body, gzip))
}

/// Query of `GET /v1/events`.
#[derive(Debug, Deserialize)]
pub struct EventListQuery {
    /// The page starts after this event id (0, the default: the first).
    #[serde(default)]
    pub after: u32,
}

/// `GET /v1/events`: the events the caller manages, by id.
pub async fn events(
    State(c): Shared,
    Caller(who): Caller,
    QueryArg(q): QueryArg<EventListQuery>,
) -> Answer {
    run(c, move |c| c.events(&who, EventId(q.after))).await
}

/// `GET /v1/events/{event}/status`.
pub async fn event_status(State(c): Shared, _: Caller, PathArg(event): PathArg<EventId>) -> Answer {
    run(c, move |c| c.event_status(event)).await
}

/// Body of `POST /v1/events/{event}/distributors`.
#[derive(Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SelectDistributor {
    /// The distributor.
    pub distributor: DistributorId,
    /// Its policy (first come first served when absent).
    #[serde(default)]
    pub policy: DistributionPolicy,
}

/// `POST /v1/events/{event}/distributors`.
pub async fn select_distributor(
    State(c): Shared,
    Caller(who): Caller,
    PathArg(event): PathArg<EventId>,
    IdemKey(key): IdemKey,
    JsonBody(sel): JsonBody<SelectDistributor>,
) -> Answer {
    run(c, move |c| {
        c.select_distributor(&who, &key, event, sel.distributor, sel.policy)
    })
    .await
}

/// `PUT /v1/events/{event}/allotments/ratios`.
pub async fn allot_ratios(
    State(c): Shared,
    Caller(who): Caller,
    PathArg(event): PathArg<EventId>,
    IdemKey(key): IdemKey,
    JsonBody(ratios): JsonBody<AllotmentRatios>,
) -> Answer {
    run(c, move |c| {
        c.set_allotment_ratios(&who, &key, event, &ratios)
    })
    .await
}

/// `POST /v1/events/{event}/allotments/selection`.
pub async fn allot_selection(
    State(c): Shared,
    Caller(who): Caller,
    PathArg(event): PathArg<EventId>,
    IdemKey(key): IdemKey,
    JsonBody(sel): JsonBody<SeatSelection>,
) -> Answer {
    run(c, move |c| {
        c.set_allotment_selection(&who, &key, event, &sel)
    })
    .await
}

/// `POST /v1/events/{event}/allotments/split`.
pub async fn allot_split(
    State(c): Shared,
    Caller(who): Caller,
    PathArg(event): PathArg<EventId>,
    IdemKey(key): IdemKey,
    JsonBody(split): JsonBody<SeatSplit>,
) -> Answer {
    run(c, move |c| c.split_allotment(&who, &key, event, &split)).await
}

/// Query of `GET /v1/events/{event}/allotments/log`.
#[derive(Debug, Deserialize)]
pub struct After {
    /// The last entry already read (0: from the start).
    #[serde(default)]
    after: u64,
}

/// `GET /v1/events/{event}/allotments/log[?after=N]`.
pub async fn allotment_log(
    State(c): Shared,
    Caller(who): Caller,
    PathArg(event): PathArg<EventId>,
    QueryArg(q): QueryArg<After>,
) -> Answer {
    run(c, move |c| c.allotment_log(&who, event, q.after)).await
}

/// `POST /v1/events/{event}/cancel`.
pub async fn cancel_event(
    State(c): Shared,
    Caller(who): Caller,
    PathArg(event): PathArg<EventId>,
    IdemKey(key): IdemKey,
) -> Answer {
    run(c, move |c| c.cancel_event(&who, &key, event)).await
}

/// `POST /v1/events/{event}/postpone`.
pub async fn postpone_event(
    State(c): Shared,
    Caller(who): Caller,
    PathArg(event): PathArg<EventId>,
    IdemKey(key): IdemKey,
    JsonBody(p): JsonBody<crate::postponement::Postponement>,
) -> Answer {
    run(c, move |c| c.postpone_event(&who, &key, event, &p)).await
}

/// `POST /v1/events/{event}/tickets/{serial}/refund`.
pub async fn refund_postponed(
    State(c): Shared,
    Caller(who): Caller,
    PathArg((event, serial)): PathArg<(EventId, TicketSerial)>,
    IdemKey(key): IdemKey,
) -> Answer {
    run(c, move |c| c.refund_postponed(&who, &key, event, serial)).await
}

/// `GET /v1/events/{event}/refunds[?after=SEQ]`.
pub async fn refunds(
    State(c): Shared,
    Caller(who): Caller,
    PathArg(event): PathArg<EventId>,
    QueryArg(q): QueryArg<After>,
) -> Answer {
    run(c, move |c| c.refunds(&who, event, q.after)).await
}

/// `GET /v1/events/{event}/stats`.
pub async fn stats(
    State(c): Shared,
    Caller(who): Caller,
    PathArg(event): PathArg<EventId>,
) -> Answer {
    run(c, move |c| c.event_stats(&who, event)).await
}

/// `PUT /v1/events/{event}/policy`.
pub async fn set_policy(
    State(c): Shared,
    Caller(who): Caller,
    PathArg(event): PathArg<EventId>,
    IdemKey(key): IdemKey,
    JsonBody(policy): JsonBody<DistributionPolicy>,
) -> Answer {
    run(c, move |c| c.set_policy(&who, &key, event, policy)).await
}

/// `POST /v1/events/{event}/sales`.
pub async fn sell(
    State(c): Shared,
    axum::Extension(w): axum::Extension<Hot>,
    Caller(who): Caller,
    PathArg(event): PathArg<EventId>,
    IdemKey(key): IdemKey,
    JsonBody(req): JsonBody<SaleRequest>,
) -> Answer {
    let Some(writer) = &w.0 else {
        return run(c, move |c| c.sell(&who, &key, event, &req)).await;
    };
    let job = crate::sale_batch::SaleJob {
        who,
        key,
        event,
        req,
    };
    let sale = writer.sell(job).await.map_err(ApiError::from)?;
    Ok(Json(sale).into_response())
}

/// `POST /v1/events/{event}/holds`.
pub async fn hold(
    State(c): Shared,
    axum::Extension(w): axum::Extension<Hot>,
    Caller(who): Caller,
    PathArg(event): PathArg<EventId>,
    IdemKey(key): IdemKey,
    JsonBody(req): JsonBody<HoldRequest>,
) -> Answer {
    hot(&w, c, move |c| c.hold(&who, &key, event, &req)).await
}

/// `POST /v1/events/{event}/holds/{token}/confirm`.
pub async fn confirm_hold(
    State(c): Shared,
    axum::Extension(w): axum::Extension<Hot>,
    Caller(who): Caller,
    PathArg((event, token)): PathArg<(EventId, String)>,
    IdemKey(key): IdemKey,
    JsonBody(req): JsonBody<HoldConfirm>,
) -> Answer {
    hot(&w, c, move |c| {
        c.confirm_hold(&who, &key, event, &token, &req)
    })
    .await
}

/// `POST /v1/events/{event}/holds/{token}/release`.
pub async fn release_hold(
    State(c): Shared,
    axum::Extension(w): axum::Extension<Hot>,
    Caller(who): Caller,
    PathArg((event, token)): PathArg<(EventId, String)>,
    IdemKey(key): IdemKey,
) -> Answer {
    hot(&w, c, move |c| c.release_hold(&who, &key, event, &token)).await
}

/// `POST /v1/events/{event}/lottery`.
pub async fn open_lottery(
    State(c): Shared,
    Caller(who): Caller,
    PathArg(event): PathArg<EventId>,
    IdemKey(key): IdemKey,
    JsonBody(setup): JsonBody<LotterySetup>,
) -> Answer {
    run(c, move |c| c.open_lottery(&who, &key, event, setup)).await
}

/// `GET /v1/events/{event}/lottery/{distributor}`: public, so anyone can verify the draw.
pub async fn lottery(
    State(c): Shared,
    PathArg((event, d)): PathArg<(EventId, DistributorId)>,
) -> Answer {
    run(c, move |c| c.lottery(event, d)).await
}

/// `POST /v1/events/{event}/lottery/applications`.
pub async fn apply_lottery(
    State(c): Shared,
    Caller(who): Caller,
    PathArg(event): PathArg<EventId>,
    IdemKey(key): IdemKey,
    JsonBody(app): JsonBody<LotteryApplication>,
) -> Answer {
    run(c, move |c| c.apply_lottery(&who, &key, event, &app)).await
}

/// `POST /v1/events/{event}/lottery/draw`: the body gives the beacon's value
/// when the lottery named a source; an empty body means no beacon.
pub async fn draw_lottery(
    State(c): Shared,
    Caller(who): Caller,
    PathArg(event): PathArg<EventId>,
    IdemKey(key): IdemKey,
    JsonOrEmpty(req): JsonOrEmpty<LotteryDraw>,
) -> Answer {
    run(c, move |c| c.draw_lottery(&who, &key, event, &req)).await
}

/// Body of `POST …/issue`.
#[derive(Debug, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueBody {
    /// The chip to produce a write grant for.
    #[serde(default)]
    pub target: Option<ChipTarget>,
}

/// `POST /v1/events/{event}/tickets/{serial}/issue` (an empty body: no chip
/// target).
pub async fn issue(
    State(c): Shared,
    axum::Extension(w): axum::Extension<Hot>,
    Caller(who): Caller,
    PathArg((event, serial)): PathArg<(EventId, TicketSerial)>,
    IdemKey(key): IdemKey,
    JsonOrEmpty(req): JsonOrEmpty<IssueBody>,
) -> Answer {
    hot(&w, c, move |c| {
        c.issue(&who, &key, event, serial, req.target.clone())
    })
    .await
}

/// Body of `POST /v1/events/{event}/issuance`.
#[derive(Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchIssueBody {
    /// The tickets to issue (1 to 1000, each once).
    pub serials: Vec<TicketSerial>,
}

/// `POST /v1/events/{event}/issuance`: issue many sold tickets at once, all
/// or none.
pub async fn issue_batch(
    State(c): Shared,
    Caller(who): Caller,
    PathArg(event): PathArg<EventId>,
    IdemKey(key): IdemKey,
    JsonBody(req): JsonBody<BatchIssueBody>,
) -> Answer {
    run(c, move |c| c.issue_batch(&who, &key, event, &req.serials)).await
}

/// `POST /v1/events/{event}/tickets/{serial}/delivery`.
pub async fn deliver(
    State(c): Shared,
    Caller(who): Caller,
    PathArg((event, serial)): PathArg<(EventId, TicketSerial)>,
    JsonBody(target): JsonBody<ChipTarget>,
) -> Answer {
    run(c, move |c| c.deliver(&who, event, serial, &target)).await
}

/// `POST /v1/events/{event}/tickets/{serial}/delete-grant`.
pub async fn delete_grant(
    State(c): Shared,
    Caller(who): Caller,
    PathArg((event, serial)): PathArg<(EventId, TicketSerial)>,
    JsonBody(target): JsonBody<ChipTarget>,
) -> Answer {
    run(c, move |c| c.delete_grant(&who, event, serial, &target)).await
}

/// `POST /v1/events/{event}/tickets/{serial}/paper`: print a paper ticket.
pub async fn paper(
    State(c): Shared,
    Caller(who): Caller,
    PathArg((event, serial)): PathArg<(EventId, TicketSerial)>,
    IdemKey(key): IdemKey,
) -> Answer {
    run(c, move |c| c.print_paper_ticket(&who, &key, event, serial)).await
}

/// `POST /v1/events/{event}/tickets/{serial}/revoke`.
pub async fn revoke(
    State(c): Shared,
    Caller(who): Caller,
    PathArg((event, serial)): PathArg<(EventId, TicketSerial)>,
    IdemKey(key): IdemKey,
) -> Answer {
    run(c, move |c| c.revoke_ticket(&who, &key, event, serial)).await
}

/// Query of `GET /v1/events/{event}/revocations`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct Since {
    /// The version the gate has; absent for the full list.
    pub since: Option<u64>,
}

/// `GET /v1/events/{event}/revocations[?since=N]`.
pub async fn revocations(
    State(c): Shared,
    Caller(who): Caller,
    PathArg(event): PathArg<EventId>,
    QueryArg(q): QueryArg<Since>,
) -> Answer {
    match q.since {
        Some(v) => run(c, move |c| c.revocation_delta(&who, event, v)).await,
        None => run(c, move |c| c.revocation_list(&who, event)).await,
    }
}

/// `POST /v1/events/{event}/entries`: a venue unit's upload batch (binary,
/// eticket-entries' `UploadBatch` encoding).
pub async fn upload_entries(
    State(c): Shared,
    Caller(who): Caller,
    PathArg(event): PathArg<EventId>,
    IdemKey(key): IdemKey,
    RawBody(batch): RawBody,
) -> Answer {
    run(c, move |c| c.import_entries(&who, &key, event, &batch)).await
}

/// `GET /v1/events/{event}/entries/statistics`.
pub async fn entry_statistics(
    State(c): Shared,
    Caller(who): Caller,
    PathArg(event): PathArg<EventId>,
) -> Answer {
    run(c, move |c| c.entry_statistics(&who, event)).await
}

/// `POST /v1/members`.
pub async fn register_member(
    State(c): Shared,
    Caller(who): Caller,
    IdemKey(key): IdemKey,
    JsonBody(reg): JsonBody<MemberRegistration>,
) -> Answer {
    run(c, move |c| c.register_member(&who, &key, &reg)).await
}

/// `POST /v1/transfers` (also idempotent by the request's own hash).
pub async fn request_transfer(
    State(c): Shared,
    Caller(who): Caller,
    IdemKey(key): IdemKey,
    JsonBody(sub): JsonBody<TransferSubmission>,
) -> Answer {
    run(c, move |c| c.request_transfer(&who, &key, &sub)).await
}

/// `GET /v1/pending-transfers`: pending transfers of the calling
/// distributor's tickets (every one for the operator).
pub async fn pending_transfers(State(c): Shared, Caller(who): Caller) -> Answer {
    run(c, move |c| c.pending_transfers(&who)).await
}

/// `POST /v1/card-replacements`: move a lost, broken or PIN-locked card's
/// tickets to the holder's new card (idempotent under its key).
pub async fn replace_card(
    State(c): Shared,
    Caller(who): Caller,
    IdemKey(key): IdemKey,
    JsonBody(req): JsonBody<CardReplacement>,
) -> Answer {
    run(c, move |c| c.replace_card(&who, &key, &req)).await
}

/// `POST /v1/chips/personalization`: the grant keys and certificate for a
/// blank card (signs a certificate, changes nothing in the ledger, so no
/// idempotency key is needed).
pub async fn chip_personalization(
    State(c): Shared,
    Caller(who): Caller,
    JsonBody(req): JsonBody<PersonalizationRequest>,
) -> Answer {
    run(c, move |c| c.chip_personalization(&who, &req)).await
}

/// `GET /v1/transfers/{id}`.
pub async fn transfer(
    State(c): Shared,
    Caller(who): Caller,
    PathArg(id): PathArg<String>,
) -> Answer {
    run(c, move |c| c.transfer(&who, &id)).await
}

/// `POST /v1/transfers/{id}/cancel` (idempotent: cancelling twice answers the same).
pub async fn cancel_transfer(
    State(c): Shared,
    Caller(who): Caller,
    PathArg(id): PathArg<String>,
    IdemKey(key): IdemKey,
    JsonBody(cancel): JsonBody<TransferCancellation>,
) -> Answer {
    run(c, move |c| c.cancel_transfer(&who, &key, &id, &cancel)).await
}

/// `POST /v1/transfers/{id}/complete` (idempotent: completing twice answers the same).
pub async fn complete_transfer(
    State(c): Shared,
    Caller(who): Caller,
    PathArg(id): PathArg<String>,
    IdemKey(key): IdemKey,
) -> Answer {
    run(c, move |c| c.complete_transfer(&who, &key, &id)).await
}

/// `GET /v1/credentials`: the caller's own credentials, without tokens.
pub async fn credentials(State(c): Shared, Caller(who): Caller) -> Answer {
    run(c, move |c| c.list_credentials(&who)).await
}

/// `POST /v1/credentials/{id}/revoke`: revoke one of the caller's own
/// credentials (a leaked token, a device gone); not with a token a rotation
/// replaced.
pub async fn revoke_credential(
    State(c): Shared,
    CallerCredential(presented): CallerCredential,
    PathArg(id): PathArg<String>,
    IdemKey(key): IdemKey,
) -> Answer {
    let who = presented.principal;
    run(c, move |c| c.revoke_credential(&who, &key, &id)).await
}

/// `POST /v1/credentials/{id}/rotate`: a new token for the caller, the old
/// one cut short to a grace period (an empty body: one hour); not with a
/// token a rotation replaced.
pub async fn rotate_credential(
    State(c): Shared,
    CallerCredential(presented): CallerCredential,
    PathArg(id): PathArg<String>,
    IdemKey(key): IdemKey,
    JsonOrEmpty(req): JsonOrEmpty<RotationRequest>,
) -> Answer {
    let who = presented.principal;
    run(c, move |c| c.rotate_credential(&who, &key, &id, &req)).await
}

/// `POST /v1/terminal/challenges`: a challenge for the buyer's card (store
/// terminals; changes nothing a retry could double, so no idempotency key).
pub async fn terminal_challenge(State(c): Shared, Caller(who): Caller) -> Answer {
    run(c, move |c| c.terminal_challenge(&who)).await
}

/// `POST /v1/events/{event}/terminal-purchases`: a buyer's purchase taken by
/// a store terminal for one of the distributors it serves.
pub async fn terminal_purchase(
    State(c): Shared,
    Caller(who): Caller,
    PathArg(event): PathArg<EventId>,
    IdemKey(key): IdemKey,
    JsonBody(req): JsonBody<TerminalPurchase>,
) -> Answer {
    run(c, move |c| c.terminal_purchase(&who, &key, event, &req)).await
}
