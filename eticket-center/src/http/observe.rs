//! What an operator sees of the API while it serves: one log line per
//! request and the request metrics.
//!
//! - Every request gets an id: the client's `X-Request-Id` when it is sane
//!   (1 to [`MAX_REQUEST_ID_LEN`] letters, digits or `-_.:/+=@`), else a
//!   new random one. The answer carries it back in `X-Request-Id`, and an
//!   incident line of the same request names it.
//! - One [`tracing`] event per request, target `eticket::http`, with the
//!   request id, the principal of its credential (`distributor:3`, or `-`
//!   when none was authenticated), the method, the route template
//!   (`/v1/events/{event}/sales`: never the raw path, whose hold tokens and
//!   query are the client's), the status, the error code of a refusal
//!   (`-` for a success) and the time taken in milliseconds. No header,
//!   token or body is logged. `eticket serve`
//!   writes these events to stderr (text or JSON); a library user's own
//!   subscriber receives them.
//! - Counters per method, route template and status, and a latency
//!   histogram per method and route template, rendered by
//!   [`render_metrics`] with the center's own ([`crate::metrics`]). Paths
//!   no route serves share the route label `unmatched`, so what a scanner
//!   sends cannot grow the metrics.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderMap, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::Response;

use crate::Principal;
use crate::metrics::{Counter, Histogram, describe, escape_label};

/// The header a request id comes in and goes back in.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// Longest client request id kept; a longer one is replaced.
pub const MAX_REQUEST_ID_LEN: usize = 128;

/// The route label of requests no route serves.
pub const UNMATCHED: &str = "unmatched";

tokio::task_local! {
    /// The id of the request the current task serves.
    static REQUEST_ID: Arc<str>;
}

/// The id of the request being served by this task, if any (for lines
/// written about it elsewhere, such as incidents).
pub(crate) fn current_request_id() -> Option<Arc<str>> {
    REQUEST_ID.try_with(Arc::clone).ok()
}

/// Where the credential extractors note whom the request is from.
#[derive(Debug, Clone, Default)]
pub(crate) struct Who(Arc<OnceLock<String>>);

impl Who {
    /// Note the authenticated principal of the request (its label only).
    pub(crate) fn note(extensions: &axum::http::Extensions, principal: &Principal) {
        if let Some(who) = extensions.get::<Who>() {
            let _ = who.0.set(principal.label());
        }
    }
}

/// Whether a client's request id may be kept as it is.
fn sane_request_id(id: &str) -> bool {
    (1..=MAX_REQUEST_ID_LEN).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:/+=@".contains(&b))
}

/// The request's id: the client's when there is one sane one, else new.
pub(crate) fn request_id(headers: &HeaderMap) -> String {
    let mut given = headers.get_all(REQUEST_ID_HEADER).iter();
    if let (Some(value), None) = (given.next(), given.next()) {
        if let Ok(id) = value.to_str() {
            if sane_request_id(id) {
                return id.to_owned();
            }
        }
    }
    let mut raw = [0u8; 12];
    rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut raw);
    hex::encode(raw)
}

/// The bounded label of a method.
fn method_label(m: &Method) -> &'static str {
    match *m {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        Method::PATCH => "PATCH",
        _ => "OTHER",
    }
}

/// The route template a request was routed to, from the API's own list.
fn route_label(matched: Option<&MatchedPath>) -> &'static str {
    matched
        .and_then(|m| {
            super::ROUTES
                .iter()
                .find(|(_, path)| *path == m.as_str())
                .map(|(_, path)| *path)
        })
        .unwrap_or(UNMATCHED)
}

/// Log and count every request; give it an id (the middleware around the
/// router, outermost).
pub async fn observe(mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    let id: Arc<str> = request_id(req.headers()).into();
    let method = method_label(req.method());
    let route = route_label(req.extensions().get::<MatchedPath>());
    let who = Who::default();
    req.extensions_mut().insert(who.clone());
    let _in_flight = InFlight::enter();
    let mut response = REQUEST_ID.scope(id.clone(), next.run(req)).await;
    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
    HTTP.record(method, route, status, micros);
    let principal = who.0.get().map_or("-", String::as_str);
    let error = response
        .extensions()
        .get::<super::error::ErrorCode>()
        .map_or("-", |code| code.0);
    tracing::info!(
        target: "eticket::http",
        request_id = %id,
        principal = %principal,
        method = %method,
        route = %route,
        status,
        error = %error,
        duration_ms = micros as f64 / 1000.0,
        "request"
    );
    response
}

/// A line about an incident (a ledger or key store failure whose own words
/// the client does not see), with the request's id: into the log when one
/// is set up, else on stderr.
pub(crate) fn incident(incident: &str, code: &str, error: &crate::Error) {
    let request_id = current_request_id();
    let request_id = request_id.as_deref().unwrap_or("-");
    if tracing::dispatcher::has_been_set() {
        tracing::error!(
            target: "eticket::incident",
            incident = %incident,
            code = %code,
            request_id = %request_id,
            error = %error,
            "incident"
        );
    } else {
        eprintln!("eticket: incident {incident} ({code}, request {request_id}): {error}");
    }
}

/// A warning of the server about itself (not about one request): into the
/// log when one is set up, else on stderr.
pub(crate) fn warn(message: &str) {
    if tracing::dispatcher::has_been_set() {
        tracing::warn!(target: "eticket::serve", "{message}");
    } else {
        eprintln!("eticket: {message}");
    }
}

/// Latency buckets in microseconds: 1 ms to 10 s.
const LATENCY_BOUNDS: [u64; 13] = [
    1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000, 2_500_000,
    5_000_000, 10_000_000,
];

/// One method and route's requests.
struct RouteStats {
    statuses: BTreeMap<u16, u64>,
    latency: Histogram<13>,
}

/// Every request counted, by method and route label; bounded: methods and
/// routes are from fixed lists, statuses from what the server answers.
struct HttpMetrics {
    routes: Mutex<BTreeMap<(&'static str, &'static str), RouteStats>>,
    in_flight: AtomicI64,
    refused_busy: Counter,
    refused_stopping: Counter,
}

static HTTP: HttpMetrics = HttpMetrics {
    routes: Mutex::new(BTreeMap::new()),
    in_flight: AtomicI64::new(0),
    refused_busy: Counter::new(),
    refused_stopping: Counter::new(),
};

impl HttpMetrics {
    fn record(&self, method: &'static str, route: &'static str, status: u16, micros: u64) {
        let mut routes = self.routes.lock().unwrap_or_else(PoisonError::into_inner);
        let stats = routes.entry((route, method)).or_insert_with(|| RouteStats {
            statuses: BTreeMap::new(),
            latency: Histogram::new(LATENCY_BOUNDS),
        });
        *stats.statuses.entry(status).or_insert(0) += 1;
        stats.latency.observe(micros);
    }
}

/// A request in progress (the in-flight gauge).
struct InFlight;

impl InFlight {
    fn enter() -> Self {
        HTTP.in_flight.fetch_add(1, Ordering::Relaxed);
        Self
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        HTTP.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Why a connection was answered 503 before any request reached the API.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Refusal {
    /// Every connection had a request in progress.
    TooManyConnections,
    /// The server is stopping.
    ShuttingDown,
}

/// Count a connection refused before routing.
pub(crate) fn record_refusal(why: Refusal) {
    match why {
        Refusal::TooManyConnections => HTTP.refused_busy.add(1),
        Refusal::ShuttingDown => HTTP.refused_stopping.add(1),
    }
}

/// Every metric of this process in Prometheus' text format (version
/// 0.0.4): the API's requests and the center's counters
/// ([`crate::metrics::render`]).
pub fn render_metrics() -> String {
    let mut out = String::new();
    {
        let routes = HTTP.routes.lock().unwrap_or_else(PoisonError::into_inner);
        describe(
            &mut out,
            "eticket_http_requests_total",
            "counter",
            "Requests answered, by method, route template (unmatched: no route) and status.",
        );
        for ((route, method), stats) in routes.iter() {
            for (status, n) in &stats.statuses {
                let _ = writeln!(
                    out,
                    "eticket_http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {n}",
                    escape_label(route)
                );
            }
        }
        describe(
            &mut out,
            "eticket_http_request_duration_seconds",
            "histogram",
            "Time from a request's head to its answer, by method and route template.",
        );
        for ((route, method), stats) in routes.iter() {
            let labels = format!("method=\"{method}\",route=\"{}\"", escape_label(route));
            stats.latency.render(
                &mut out,
                "eticket_http_request_duration_seconds",
                &labels,
                1e6,
            );
        }
    }
    describe(
        &mut out,
        "eticket_http_requests_in_flight",
        "gauge",
        "Requests being served now.",
    );
    let _ = writeln!(
        out,
        "eticket_http_requests_in_flight {}",
        HTTP.in_flight.load(Ordering::Relaxed)
    );
    describe(
        &mut out,
        "eticket_http_connections_refused_total",
        "counter",
        "Connections answered 503 before routing: every connection busy, or the server stopping.",
    );
    let _ = writeln!(
        out,
        "eticket_http_connections_refused_total{{reason=\"too_many_connections\"}} {}",
        HTTP.refused_busy.get()
    );
    let _ = writeln!(
        out,
        "eticket_http_connections_refused_total{{reason=\"shutting_down\"}} {}",
        HTTP.refused_stopping.get()
    );
    crate::metrics::render(&mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sane_client_id_is_kept_and_anything_else_replaced() {
        let mut h = HeaderMap::new();
        h.insert(
            REQUEST_ID_HEADER,
            HeaderValue::from_static("shop-7:abc/1=2"),
        );
        assert_eq!(request_id(&h), "shop-7:abc/1=2");
        for bad in [
            "",
            "has space",
            "quote\"",
            "new\\line",
            &"x".repeat(MAX_REQUEST_ID_LEN + 1),
        ] {
            let mut h = HeaderMap::new();
            h.insert(REQUEST_ID_HEADER, HeaderValue::from_str(bad).unwrap());
            let id = request_id(&h);
            assert_ne!(id, bad);
            assert_eq!(id.len(), 24);
            assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));
        }
        // Two ids: neither is taken.
        let mut h = HeaderMap::new();
        h.append(REQUEST_ID_HEADER, HeaderValue::from_static("a"));
        h.append(REQUEST_ID_HEADER, HeaderValue::from_static("b"));
        assert_eq!(request_id(&h).len(), 24);
        // Fresh ids differ.
        assert_ne!(request_id(&HeaderMap::new()), request_id(&HeaderMap::new()));
    }

    #[test]
    fn methods_outside_the_known_ones_share_a_label() {
        assert_eq!(method_label(&Method::POST), "POST");
        assert_eq!(method_label(&Method::from_bytes(b"BREW").unwrap()), "OTHER");
        assert_eq!(route_label(None), UNMATCHED);
    }
}
