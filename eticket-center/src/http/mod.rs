//! The HTTP API (axum) for organizers, distributors, terminals and gates.
//! Each caller presents its own bearer token (`Authorization: Bearer …`);
//! what a token may do is decided by the services from its role. Mutating
//! requests carry an `Idempotency-Key` header. Bodies are JSON, at most
//! [`MAX_BODY_BYTES`]; errors are JSON with a stable code. The routes are
//! listed in [`ROUTES`] and described by `openapi.json` beside this crate's
//! manifest.
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! use std::sync::Arc;
//! let center = Arc::new(eticket_center::Center::open_in_memory().map_err(std::io::Error::other)?);
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! eticket_center::http::serve(center, listener).await
//! # }
//! ```

mod error;
mod extract;
mod handlers;
pub mod observe;
pub mod page;
pub mod schemas;
mod serve;
mod shared_answer;
pub mod strict_json;
mod writer;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post, put};

pub use error::{ApiError, ErrorBody, ErrorDetail, status_of};
pub use extract::MAX_SLOW_BODIES;
pub use handlers::{
    BatchIssueBody, IssueBody, READY_TIMEOUT, Readiness, SelectDistributor, parse_json,
};
pub use observe::{REQUEST_ID_HEADER, render_metrics};
pub use serve::{ServeOptions, serve, serve_operations, serve_until, serve_with};

use crate::Center;

/// Largest request body accepted (an event registration with its seat master
/// is the largest request).
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// Largest event registration once a gzipped body (`Content-Encoding:
/// gzip`, taken by `POST /v1/events` alone) is inflated: the 100,000-seat
/// sample stadium's registration is about 12 MB of JSON. The body as sent
/// stays within [`MAX_BODY_BYTES`], and only an organizer's body is
/// inflated.
pub const MAX_REGISTRATION_BYTES: usize = 48 * 1024 * 1024;

/// Longest request target (path and query) answered; a longer one gets
/// `uri_too_long` (414). No route needs more than a few hundred bytes.
pub const MAX_URI_BYTES: usize = 8 * 1024;

/// Every route: (method, path) in OpenAPI spelling.
pub const ROUTES: &[(&str, &str)] = &[
    ("get", "/v1/health"),
    ("get", "/v1/ready"),
    ("get", "/v1/keyset"),
    ("get", "/v1/keyset/rollovers"),
    ("post", "/v1/events"),
    ("get", "/v1/events"),
    ("get", "/v1/events/{event}"),
    ("post", "/v1/events/{event}/distributors"),
    ("put", "/v1/events/{event}/allotments/ratios"),
    ("post", "/v1/events/{event}/allotments/selection"),
    ("post", "/v1/events/{event}/allotments/split"),
    ("get", "/v1/events/{event}/allotments/log"),
    ("get", "/v1/events/{event}/stats"),
    ("get", "/v1/events/{event}/status"),
    ("post", "/v1/events/{event}/cancel"),
    ("post", "/v1/events/{event}/postpone"),
    ("post", "/v1/events/{event}/tickets/{serial}/refund"),
    ("get", "/v1/events/{event}/refunds"),
    ("put", "/v1/events/{event}/policy"),
    ("post", "/v1/events/{event}/sales"),
    ("post", "/v1/events/{event}/holds"),
    ("post", "/v1/events/{event}/holds/{token}/confirm"),
    ("post", "/v1/events/{event}/holds/{token}/release"),
    ("post", "/v1/events/{event}/lottery"),
    ("get", "/v1/events/{event}/lottery/{distributor}"),
    ("post", "/v1/events/{event}/lottery/applications"),
    ("post", "/v1/events/{event}/lottery/draw"),
    ("post", "/v1/events/{event}/tickets/{serial}/issue"),
    ("post", "/v1/events/{event}/issuance"),
    ("post", "/v1/events/{event}/tickets/{serial}/delivery"),
    ("post", "/v1/events/{event}/tickets/{serial}/delete-grant"),
    ("post", "/v1/events/{event}/tickets/{serial}/paper"),
    ("post", "/v1/events/{event}/tickets/{serial}/revoke"),
    ("get", "/v1/events/{event}/revocations"),
    ("post", "/v1/members"),
    ("post", "/v1/transfers"),
    ("get", "/v1/pending-transfers"),
    ("post", "/v1/card-replacements"),
    ("post", "/v1/chips/personalization"),
    ("get", "/v1/transfers/{id}"),
    ("post", "/v1/transfers/{id}/cancel"),
    ("post", "/v1/transfers/{id}/complete"),
    ("post", "/v1/events/{event}/entries"),
    ("get", "/v1/events/{event}/entries/statistics"),
    ("get", "/page"),
    ("get", "/page/"),
    ("get", "/page/events"),
    ("get", "/page/events/"),
    ("get", "/page/events/{event}"),
    ("get", "/page/events/{event}/"),
    ("get", "/page/page.js"),
    ("get", "/page/page.css"),
    ("get", "/v1/events/{event}/seat-map"),
    ("post", "/v1/events/{event}/allotments/seats"),
    ("get", "/v1/credentials"),
    ("post", "/v1/credentials/{id}/revoke"),
    ("post", "/v1/credentials/{id}/rotate"),
    ("post", "/v1/terminal/challenges"),
    ("post", "/v1/events/{event}/terminal-purchases"),
];

/// The API's router over a center.
pub fn router(center: Arc<Center>) -> Router {
    use handlers as h;
    let page_routes = page::routes(center.clone());
    Router::new()
        .route("/v1/health", get(h::health))
        .route("/v1/ready", get(h::ready))
        .route("/v1/keyset", get(h::keyset))
        .route("/v1/keyset/rollovers", get(h::rollovers))
        .route("/v1/events", post(h::register_event).get(h::events))
        .route("/v1/events/{event}", get(h::event_info))
        .route(
            "/v1/events/{event}/distributors",
            post(h::select_distributor),
        )
        .route("/v1/events/{event}/allotments/ratios", put(h::allot_ratios))
        .route(
            "/v1/events/{event}/allotments/selection",
            post(h::allot_selection),
        )
        .route("/v1/events/{event}/allotments/split", post(h::allot_split))
        .route("/v1/events/{event}/allotments/log", get(h::allotment_log))
        .route("/v1/events/{event}/stats", get(h::stats))
        .route("/v1/events/{event}/status", get(h::event_status))
        .route("/v1/events/{event}/cancel", post(h::cancel_event))
        .route("/v1/events/{event}/postpone", post(h::postpone_event))
        .route(
            "/v1/events/{event}/tickets/{serial}/refund",
            post(h::refund_postponed),
        )
        .route("/v1/events/{event}/refunds", get(h::refunds))
        .route("/v1/events/{event}/policy", put(h::set_policy))
        .route("/v1/events/{event}/sales", post(h::sell))
        .route("/v1/events/{event}/holds", post(h::hold))
        .route(
            "/v1/events/{event}/holds/{token}/confirm",
            post(h::confirm_hold),
        )
        .route(
            "/v1/events/{event}/holds/{token}/release",
            post(h::release_hold),
        )
        .route("/v1/events/{event}/lottery", post(h::open_lottery))
        .route("/v1/events/{event}/lottery/{distributor}", get(h::lottery))
        .route(
            "/v1/events/{event}/lottery/applications",
            post(h::apply_lottery),
        )
        .route("/v1/events/{event}/lottery/draw", post(h::draw_lottery))
        .route("/v1/events/{event}/tickets/{serial}/issue", post(h::issue))
        .route("/v1/events/{event}/issuance", post(h::issue_batch))
        .route(
            "/v1/events/{event}/tickets/{serial}/delivery",
            post(h::deliver),
        )
        .route(
            "/v1/events/{event}/tickets/{serial}/delete-grant",
            post(h::delete_grant),
        )
        .route("/v1/events/{event}/tickets/{serial}/paper", post(h::paper))
        .route(
            "/v1/events/{event}/tickets/{serial}/revoke",
            post(h::revoke),
        )
        .route("/v1/events/{event}/revocations", get(h::revocations))
        .route("/v1/events/{event}/entries", post(h::upload_entries))
        .route(
            "/v1/events/{event}/entries/statistics",
            get(h::entry_statistics),
        )
        .route("/v1/members", post(h::register_member))
        .route("/v1/transfers", post(h::request_transfer))
        .route("/v1/pending-transfers", get(h::pending_transfers))
        .route("/v1/card-replacements", post(h::replace_card))
        .route("/v1/chips/personalization", post(h::chip_personalization))
        .route("/v1/transfers/{id}", get(h::transfer))
        .route("/v1/transfers/{id}/cancel", post(h::cancel_transfer))
        .route("/v1/transfers/{id}/complete", post(h::complete_transfer))
        .route("/v1/credentials", get(h::credentials))
        .route("/v1/credentials/{id}/revoke", post(h::revoke_credential))
        .route("/v1/credentials/{id}/rotate", post(h::rotate_credential))
        .route("/v1/terminal/challenges", post(h::terminal_challenge))
        .route(
            "/v1/events/{event}/terminal-purchases",
            post(h::terminal_purchase),
        )
        .fallback(h::no_route)
        .layer(axum::Extension(h::Hot::start(center.clone())))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(center)
        .merge(page_routes)
        .method_not_allowed_fallback(h::method_not_allowed)
        .layer(axum::middleware::from_fn(h::uri_limit))
        .layer(axum::middleware::from_fn(observe::observe))
}

/// The operations router, for a listener of its own that only the
/// operator's monitoring reaches (`eticket serve --metrics-listen`):
/// `GET /metrics` (Prometheus' text format, [`render_metrics`]), and the
/// API's `GET /v1/health` (liveness) and `GET /v1/ready` (readiness). The
/// API's router does not serve `/metrics`: what it tells (sales, load,
/// failures) is not for everyone who can reach the API.
pub fn operations_router(center: Arc<Center>) -> Router {
    use handlers as h;
    Router::new()
        .route("/metrics", get(h::metrics))
        .route("/v1/health", get(h::health))
        .route("/v1/ready", get(h::ready))
        .fallback(h::no_route)
        .with_state(center)
}
