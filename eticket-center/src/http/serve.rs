//! Serving connections: HTTP/1.1 on a bound listener, with the limits that
//! keep slow or idle clients from taking the server away from everyone:
//!
//! - a request's headers (and the wait for the next request on a kept-alive
//!   connection) must arrive within [`ServeOptions::header_timeout`];
//! - a request's body within [`ServeOptions::body_timeout`] (an answer
//!   `body_timeout`, 408);
//! - an answer must be taken by the client: a write that waits longer than
//!   [`ServeOptions::answer_timeout`] for the client to read closes the
//!   connection, so clients that ask and never read do not keep answers
//!   in memory;
//! - at most [`ServeOptions::max_connections`] connections at once: at the
//!   limit the oldest connection that has no request in progress is closed
//!   for the new one, and when every connection is busy the new one is
//!   answered `too_many_connections` (503, `Retry-After: 1`) and closed.
//!
//! So a crowd of half-sent requests cannot stop `/v1/health` or a sale: they
//! are the first to go.
//!
//! [`serve_until`] stops gracefully when its `shutdown` future ends (`eticket
//! serve` on SIGTERM or SIGINT): it accepts no more work, lets the requests
//! in progress finish and answer (each connection is closed after its
//! answer), for at most [`ServeOptions::shutdown_grace`], and answers any
//! new connection meanwhile `shutting_down` (503, `Retry-After: 1`). An
//! answer that went out was committed first, so nothing answered is lost;
//! a request cut at the end of the grace period got no answer and is sent
//! again with its idempotency key.
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! use std::sync::Arc;
//! use std::time::Duration;
//! use eticket_center::http::ServeOptions;
//! let center = Arc::new(eticket_center::Center::open_in_memory().map_err(std::io::Error::other)?);
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! let options = ServeOptions {
//!     max_connections: 256,
//!     header_timeout: Duration::from_secs(5),
//!     ..ServeOptions::default()
//! };
//! eticket_center::http::serve_with(center, listener, options).await
//! # }
//! ```

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, Semaphore, watch};
use tokio::task::JoinSet;
use tower::ServiceExt;

use super::observe::{Refusal, record_refusal};
use super::{operations_router, router};
use crate::Center;

/// How the server treats connections (see the module's text).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServeOptions {
    /// Most connections open at once (512 by default; keep it below the
    /// process's descriptor limit).
    pub max_connections: usize,
    /// Time for a request's headers to arrive, and for the next request on
    /// an idle kept-alive connection (10 s by default).
    pub header_timeout: Duration,
    /// Time for a request's body to arrive once its headers have (30 s by
    /// default).
    pub body_timeout: Duration,
    /// When stopping: how long requests in progress may take to finish
    /// before their connections are closed (10 s by default).
    pub shutdown_grace: Duration,
    /// Longest a write of an answer may wait for the client to read before
    /// the connection is closed (30 s by default).
    pub answer_timeout: Duration,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            max_connections: 512,
            header_timeout: Duration::from_secs(10),
            body_timeout: BODY_TIMEOUT,
            shutdown_grace: Duration::from_secs(10),
            answer_timeout: Duration::from_secs(30),
        }
    }
}

/// Set once the server is stopping; every request carries it in its
/// extensions (readiness answers `shutting_down` then).
#[derive(Debug, Clone, Default)]
pub(crate) struct Draining(Arc<AtomicBool>);

impl Draining {
    /// Whether the server is stopping.
    pub(crate) fn is_set(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }

    fn set(&self) {
        self.0.store(true, Ordering::Release);
    }
}

/// The body timeout when a request did not come through [`serve_with`] (a
/// router served by other means).
pub(crate) const BODY_TIMEOUT: Duration = Duration::from_secs(30);

/// The body timeout of a request, set by [`serve_with`] in the request's
/// extensions for the body extractors.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BodyTimeout(pub Duration);

/// Serve the API on a bound listener with the default [`ServeOptions`] until
/// the process ends.
pub async fn serve(center: Arc<Center>, listener: TcpListener) -> std::io::Result<()> {
    serve_with(center, listener, ServeOptions::default()).await
}

/// Serve the API on a bound listener with `options` until the process ends.
/// Accepting never stops: a failed accept (say, out of descriptors) is
/// waited out and tried again.
pub async fn serve_with(
    center: Arc<Center>,
    listener: TcpListener,
    options: ServeOptions,
) -> std::io::Result<()> {
    serve_until(center, listener, options, std::future::pending()).await
}

/// Serve the API on a bound listener with `options` until `shutdown` ends,
/// then stop gracefully (see the module's text) and return.
///
/// ```no_run
/// # async fn run() -> std::io::Result<()> {
/// use std::sync::Arc;
/// use eticket_center::http::{ServeOptions, serve_until};
/// let center = Arc::new(eticket_center::Center::open_in_memory().map_err(std::io::Error::other)?);
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
/// let stop = async {
///     let _ = tokio::signal::ctrl_c().await;
/// };
/// serve_until(center, listener, ServeOptions::default(), stop).await
/// # }
/// ```
pub async fn serve_until(
    center: Arc<Center>,
    listener: TcpListener,
    options: ServeOptions,
    shutdown: impl Future<Output = ()> + Send,
) -> std::io::Result<()> {
    run(router(center), listener, options, shutdown).await
}

/// Serve the operations router ([`operations_router`]: `/metrics`,
/// `/v1/health`, `/v1/ready`) on a listener of its own until the process
/// ends, with at most 64 connections.
pub async fn serve_operations(center: Arc<Center>, listener: TcpListener) -> std::io::Result<()> {
    let options = ServeOptions {
        max_connections: 64,
        ..ServeOptions::default()
    };
    run(
        operations_router(center),
        listener,
        options,
        std::future::pending(),
    )
    .await
}

/// Accept connections for `app` until `shutdown` ends, then drain.
async fn run(
    app: Router,
    listener: TcpListener,
    options: ServeOptions,
    shutdown: impl Future<Output = ()> + Send,
) -> std::io::Result<()> {
    let open = Arc::new(Open::new(options.max_connections.max(1)));
    let refusing = Arc::new(Semaphore::new(options.max_connections.max(1)));
    let draining = Draining::default();
    let (stop, stopped) = watch::channel(false);
    let mut connections = JoinSet::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => accepted,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(e) => {
                super::observe::warn(&format!("accepting a connection: {e}"));
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        // Finished connections leave the set as new ones come.
        while connections.try_join_next().is_some() {}
        match open.admit() {
            Some(slot) => {
                let ctx = Context {
                    options,
                    draining: draining.clone(),
                    stopped: stopped.clone(),
                };
                connections.spawn(connection(stream, app.clone(), slot, ctx));
            }
            None => refuse_bounded(&refusing, stream, Refusal::TooManyConnections),
        }
    }
    draining.set();
    let _ = stop.send(true);
    while connections.try_join_next().is_some() {}
    tracing::info!(
        target: "eticket::serve",
        connections = connections.len(),
        grace_secs = options.shutdown_grace.as_secs(),
        "stopping: no new requests; those in progress finish"
    );
    let deadline = tokio::time::Instant::now() + options.shutdown_grace;
    loop {
        tokio::select! {
            joined = connections.join_next() => {
                if joined.is_none() {
                    break;
                }
            }
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => refuse_bounded(&refusing, stream, Refusal::ShuttingDown),
                // Out of descriptors, say: wait rather than spin.
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            },
            () = tokio::time::sleep_until(deadline) => {
                super::observe::warn(&format!(
                    "{} connection(s) still busy after {} s: closed without an answer",
                    connections.len(),
                    options.shutdown_grace.as_secs()
                ));
                connections.abort_all();
                while connections.join_next().await.is_some() {}
                break;
            }
        }
    }
    tracing::info!(target: "eticket::serve", "stopped");
    Ok(())
}

/// Refuse a connection with a 503 in a task of its own; refusals are
/// bounded too: past as many as there are connections, a new one is closed
/// without a word.
fn refuse_bounded(refusing: &Arc<Semaphore>, stream: TcpStream, why: Refusal) {
    record_refusal(why);
    if let Ok(pending) = refusing.clone().try_acquire_owned() {
        tokio::spawn(async move {
            refuse(stream, why).await;
            drop(pending);
        });
    }
}

/// What every connection of one server shares.
#[derive(Clone)]
struct Context {
    options: ServeOptions,
    draining: Draining,
    /// Becomes true when the server stops.
    stopped: watch::Receiver<bool>,
}

/// Serve one connection until it ends, times out or is closed for a newer
/// one; when the server stops, it ends after the answer in progress.
async fn connection(stream: TcpStream, app: Router, slot: Slot, ctx: Context) {
    let busy = slot.busy.clone();
    let Context {
        options,
        draining,
        mut stopped,
    } = ctx;
    let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
        let app = app.clone();
        let guard = Busy::enter(busy.clone());
        req.extensions_mut()
            .insert(BodyTimeout(options.body_timeout));
        req.extensions_mut().insert(draining.clone());
        async move {
            let answer = app.oneshot(req.map(Body::new)).await;
            drop(guard);
            answer
        }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(options.header_timeout)
        .keep_alive(true);
    let stream = StallLimited::new(stream, options.answer_timeout);
    let conn = builder.serve_connection(TokioIo::new(stream), service);
    let mut conn = std::pin::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => {}
        () = slot.close.notified() => {}
        Ok(()) = stopping(&mut stopped) => {
            // No next request on this connection: an idle one closes now,
            // a busy one after its answer went out.
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        }
    }
    drop(slot);
}

/// A connection whose writes wait for the client to read at most `limit`
/// at a time: past it the write fails and hyper closes the connection.
struct StallLimited<S> {
    inner: S,
    limit: Duration,
    stalled: Option<std::pin::Pin<Box<tokio::time::Sleep>>>,
}

impl<S> StallLimited<S> {
    fn new(inner: S, limit: Duration) -> Self {
        Self {
            inner,
            limit,
            stalled: None,
        }
    }

    /// After the inner write answered `Pending`: pending still, or an
    /// error once the wait is over the limit (the timer wakes the task).
    fn waiting<T>(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<T>> {
        let limit = self.limit;
        let sleep = self
            .stalled
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
        match sleep.as_mut().poll(cx) {
            std::task::Poll::Ready(()) => std::task::Poll::Ready(Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "the client did not take the answer",
            ))),
            std::task::Poll::Pending => std::task::Poll::Pending,
        }
    }

    /// The outcome of an inner write: progress ends a wait.
    fn after<T>(
        &mut self,
        polled: std::task::Poll<std::io::Result<T>>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<T>> {
        match polled {
            std::task::Poll::Ready(r) => {
                self.stalled = None;
                std::task::Poll::Ready(r)
            }
            std::task::Poll::Pending => self.waiting(cx),
        }
    }
}

impl<S: tokio::io::AsyncRead + Unpin> tokio::io::AsyncRead for StallLimited<S> {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: tokio::io::AsyncWrite + Unpin> tokio::io::AsyncWrite for StallLimited<S> {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        let polled = std::pin::Pin::new(&mut self.inner).poll_write(cx, buf);
        self.after(polled, cx)
    }

    fn poll_write_vectored(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> std::task::Poll<std::io::Result<usize>> {
        let polled = std::pin::Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        self.after(polled, cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let polled = std::pin::Pin::new(&mut self.inner).poll_flush(cx);
        self.after(polled, cx)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Ends when the server stops (an error when the server is gone).
async fn stopping(stopped: &mut watch::Receiver<bool>) -> Result<(), watch::error::RecvError> {
    while !*stopped.borrow_and_update() {
        stopped.changed().await?;
    }
    Ok(())
}

/// Answer a connection past the limit, or one that came while the server
/// stops, with a JSON 503 and close it: the request's head is read first (a
/// second at most), so that a client sees the answer to what it sent rather
/// than a connection reset.
async fn refuse(mut stream: TcpStream, why: Refusal) {
    let body = match why {
        Refusal::TooManyConnections => {
            r#"{"error":{"code":"too_many_connections","message":"the server has as many connections as it takes, each with a request in progress; try again shortly"}}"#
        }
        Refusal::ShuttingDown => {
            r#"{"error":{"code":"shutting_down","message":"the server is stopping and took nothing of this request; send it again (to another center, or shortly)"}}"#
        }
    };
    let answer = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nretry-after: 1\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    let exchange = async {
        let mut head = Vec::new();
        let mut buf = [0u8; 1024];
        while head.len() < 16 * 1024 && !head.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = stream.read(&mut buf).await?;
            if n == 0 {
                break;
            }
            head.extend_from_slice(&buf[..n]);
        }
        stream.write_all(answer.as_bytes()).await?;
        stream.shutdown().await
    };
    // A client that sends or reads nothing does not keep it open.
    let _ = tokio::time::timeout(Duration::from_secs(1), exchange).await;
}

/// The open connections.
struct Open {
    max: usize,
    next: AtomicU64,
    slots: Mutex<HashMap<u64, Entry>>,
}

struct Entry {
    opened: Instant,
    busy: Arc<AtomicUsize>,
    close: Arc<Notify>,
}

/// A connection's place among the open ones; given back when dropped.
struct Slot {
    id: u64,
    open: Arc<Open>,
    busy: Arc<AtomicUsize>,
    close: Arc<Notify>,
}

impl Open {
    fn new(max: usize) -> Self {
        Self {
            max,
            next: AtomicU64::new(0),
            slots: Mutex::new(HashMap::new()),
        }
    }

    /// A slot for a new connection: at the limit the oldest idle connection
    /// is told to close and gives its place; `None` when all are busy.
    fn admit(self: &Arc<Self>) -> Option<Slot> {
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        if slots.len() >= self.max {
            let oldest = slots
                .iter()
                .filter(|(_, e)| e.busy.load(Ordering::Acquire) == 0)
                .min_by_key(|(_, e)| e.opened)
                .map(|(id, _)| *id)?;
            if let Some(entry) = slots.remove(&oldest) {
                entry.close.notify_one();
            }
        }
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let busy = Arc::new(AtomicUsize::new(0));
        let close = Arc::new(Notify::new());
        slots.insert(
            id,
            Entry {
                opened: Instant::now(),
                busy: busy.clone(),
                close: close.clone(),
            },
        );
        Some(Slot {
            id,
            open: self.clone(),
            busy,
            close,
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut slots = self
            .open
            .slots
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        slots.remove(&self.id);
    }
}

/// A request in progress on a connection.
struct Busy(Arc<AtomicUsize>);

impl Busy {
    fn enter(count: Arc<AtomicUsize>) -> Self {
        count.fetch_add(1, Ordering::AcqRel);
        Self(count)
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oldest_idle_connection_gives_its_place() {
        let open = Arc::new(Open::new(2));
        let first = open.admit().unwrap();
        let second = open.admit().unwrap();
        let _working = Busy::enter(second.busy.clone());
        let third = open.admit().unwrap();
        // The first was idle and oldest: it was told to close.
        assert!(!open.slots.lock().unwrap().contains_key(&first.id));
        assert!(open.slots.lock().unwrap().contains_key(&third.id));
        let _working_too = Busy::enter(third.busy.clone());
        // Both open ones are busy: no room.
        assert!(open.admit().is_none());
        drop(first);
        assert_eq!(open.slots.lock().unwrap().len(), 2);
    }
}
