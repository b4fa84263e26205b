//! The center under attack, through HTTP on both ledgers: text and numbers
//! the ledgers cannot hold, requests that can be read two ways, duplicates,
//! and slow clients. Each attack must get a clear refusal, the same on
//! SQLite and PostgreSQL, with no storage engine's words in the answer, and
//! leave the center serving.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{Backend, clock};
use eticket_center::Principal;
use eticket_center::http::{ServeOptions, serve_with};
use eticket_center::store::Store;
use eticket_core::fixtures;
use eticket_core::ids::DistributorId;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// `both!(a, b)`: each async scenario `fn a(kind: Kind)` becomes a test on
/// SQLite and one on PostgreSQL.
macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
               async fn $name() { super::$name(super::Backend::sqlite).await } )*
        }
        mod postgres {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
               async fn $name() { super::$name(super::Backend::postgres).await } )*
        }
    };
}

both!(
    text_and_numbers_the_ledgers_cannot_hold_are_refused,
    requests_are_read_one_way,
    a_duplicate_is_answered_at_once,
    racing_duplicates_never_fail_the_server,
    slow_clients_do_not_stop_the_server,
    a_leaked_token_is_bounded,
);

/// Makes a fresh ledger of one backend.
type Kind = fn() -> Backend;

/// Run blocking ledger work (the PostgreSQL client is synchronous) from a
/// test's async body.
fn blocking<T>(f: impl FnOnce() -> T) -> T {
    tokio::task::block_in_place(f)
}

struct Server {
    base: String,
    addr: std::net::SocketAddr,
    http: Client,
    org: String,
    d1: String,
    /// Ends the server's own runtime (a thread, as a server process has).
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    center: Option<Arc<eticket_center::Center>>,
    backend: Option<Backend>,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let (thread, center, backend) =
            (self.thread.take(), self.center.take(), self.backend.take());
        // The server's tasks end with its runtime; then the last handle on
        // the center and the ledger go, away from any runtime.
        blocking(move || {
            if let Some(t) = thread {
                let _ = t.join();
            }
            drop(center);
            drop(backend);
        });
    }
}

impl Server {
    async fn start(kind: Kind, options: ServeOptions) -> Self {
        let backend = blocking(kind);
        let center = Arc::new(blocking(|| backend.center(&clock())));
        let op = Principal::Operator;
        let (org, d1) = tokio::task::block_in_place(|| {
            center
                .register_distributor(&op, "d1", DistributorId(1), "One")
                .unwrap();
            (
                center
                    .issue_credential(&op, Principal::Organizer(1), "org")
                    .unwrap(),
                center
                    .issue_credential(&op, Principal::Distributor(DistributorId(1)), "d1")
                    .unwrap(),
            )
        });
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let served = center.clone();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                tokio::select! {
                    _ = serve_with(served, listener, options) => {}
                    _ = stopped => {}
                }
            });
        });
        Self {
            base: format!("http://{addr}"),
            addr,
            // A new connection per request: the server may close idle ones.
            http: Client::builder()
                .timeout(Duration::from_secs(120))
                .pool_max_idle_per_host(0)
                .build()
                .unwrap(),
            org,
            d1,
            stop: Some(stop),
            thread: Some(thread),
            center: Some(center),
            backend: Some(backend),
        }
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> (StatusCode, Value) {
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap();
        let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, value)
    }

    async fn post(&self, path: &str, token: &str, key: &str, body: &str) -> (StatusCode, Value) {
        let req = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(token)
            .header("Idempotency-Key", key)
            .header("content-type", "application/json")
            .body(body.to_owned());
        self.send(req).await
    }

    async fn get(&self, path: &str, token: &str) -> (StatusCode, Value) {
        self.send(
            self.http
                .get(format!("{}{path}", self.base))
                .bearer_auth(token),
        )
        .await
    }

    /// The fixture event, with distributor 1 selected and given every seat.
    async fn event(&self) {
        let reg = json!({"info": fixtures::small_event(), "prices": fixtures::prices()});
        let (s, v) = self
            .post("/v1/events", &self.org, "reg", &reg.to_string())
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let (s, v) = self
            .post(
                "/v1/events/2026/distributors",
                &self.org,
                "sel",
                r#"{"distributor": 1}"#,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let ratios = json!({"shares": [{"distributor": 1, "weight": 1, "seat_type": null}]});
        let req = self
            .http
            .put(format!("{}/v1/events/2026/allotments/ratios", self.base))
            .bearer_auth(&self.org)
            .header("Idempotency-Key", "ratios")
            .json(&ratios);
        let (s, v) = self.send(req).await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
}

fn code(v: &Value) -> &str {
    v["error"]["code"].as_str().unwrap_or("")
}

/// An answer that names no storage engine and no SQL.
fn no_engine_words(v: &Value) {
    let text = v.to_string().to_lowercase();
    for word in [
        "postgres",
        "sqlite",
        "sql",
        "constraint",
        "relation",
        "syntax",
    ] {
        assert!(!text.contains(word), "the answer leaks {word:?}: {v}");
    }
}

async fn text_and_numbers_the_ledgers_cannot_hold_are_refused(kind: Kind) {
    let api = Server::start(kind, ServeOptions::default()).await;
    api.event().await;
    let chip = "00".repeat(16);

    // U+0000 in a name: PostgreSQL cannot store it, so neither ledger takes it.
    let body = format!(r#"{{"member": 1, "name": "Ann\u0000", "chip": "{chip}"}}"#);
    let (s, v) = api.post("/v1/members", &api.d1, "m-nul", &body).await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::BAD_REQUEST, "invalid_json"),
        "{v}"
    );
    no_engine_words(&v);
    // In a key of the body too.
    let body = format!(r#"{{"member": 1, "name": "Ann", "chip": "{chip}", "\u0000": 1}}"#);
    let (s, _) = api.post("/v1/members", &api.d1, "m-nul-key", &body).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    // The escaped text `\u0000` (a backslash, then letters) is only text.
    let body = format!(r#"{{"member": 1, "name": "Ann \\u0000", "chip": "{chip}"}}"#);
    let (s, v) = api.post("/v1/members", &api.d1, "m-ok", &body).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["name"], "Ann \\u0000");

    // A hold-until past what the ledger holds is refused, and sales go on.
    let policy = r#"{"kind": "first_come_first_served", "hold_until": 18446744073709551615}"#;
    let req = api
        .http
        .put(format!("{}/v1/events/2026/policy", api.base))
        .bearer_auth(&api.d1)
        .header("Idempotency-Key", "p-huge")
        .header("content-type", "application/json")
        .body(policy);
    let (s, v) = api.send(req).await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::BAD_REQUEST, "invalid_json"),
        "{v}"
    );
    assert!(v.to_string().contains("larger than the largest"), "{v}");
    let sale = r#"{"seats": {"best_available": {"quantity": 1}}, "holder": "paper"}"#;
    let (s, v) = api
        .post("/v1/events/2026/sales", &api.d1, "sale-1", sale)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // A hold-until the ledger can hold but after the event's end would hold
    // the tickets back for good: refused too. Up to the end it is taken, and
    // a sale still works under it (its tickets wait to be written).
    let put_policy = |key: &'static str, until: u64| {
        let policy = json!({"kind": "first_come_first_served", "hold_until": until});
        api.http
            .put(format!("{}/v1/events/2026/policy", api.base))
            .bearer_auth(&api.d1)
            .header("Idempotency-Key", key)
            .json(&policy)
    };
    let (s, v) = api.send(put_policy("p-max", i64::MAX as u64)).await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::BAD_REQUEST, "invalid_request"),
        "{v}"
    );
    let end = fixtures::small_event().schedule.end.0;
    let (s, v) = api.send(put_policy("p-end", end)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = api
        .post("/v1/events/2026/sales", &api.d1, "sale-2", sale)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");

    // Events whose times or name the center cannot use: refused.
    let mut forever = fixtures::small_event();
    forever.id.0 = 3002;
    forever.schedule.end = eticket_core::time::Timestamp(i64::MAX as u64);
    let mut named = fixtures::small_event();
    named.id.0 = 3003;
    named.name = "x".repeat(100_000);
    for (key, info) in [("forever", forever), ("named", named)] {
        let reg = json!({"info": info, "prices": fixtures::prices()});
        let (s, v) = api
            .post("/v1/events", &api.org, key, &reg.to_string())
            .await;
        assert_eq!(
            (s, code(&v)),
            (StatusCode::BAD_REQUEST, "invalid_request"),
            "{key}: {v}"
        );
    }

    // Numbers in the query and the path: refused, not failed.
    let (s, v) = api
        .get(
            "/v1/events/2026/revocations?since=18446744073709551615",
            &api.org,
        )
        .await;
    assert!(s.is_client_error(), "{s} {v}");
    no_engine_words(&v);
    for path in [
        "/v1/events/+2026",
        "/v1/events/02026",
        "/v1/events/2026/refunds?after=0",
    ] {
        let (s, v) = api.get(path, &api.org).await;
        if path.ends_with("after=0") {
            // A leading zero is refused in path numbers only.
            assert!(s.is_success() || code(&v) != "invalid_path", "{path}: {v}");
            continue;
        }
        assert_eq!(
            (s, code(&v)),
            (StatusCode::BAD_REQUEST, "invalid_path"),
            "{path}: {v}"
        );
        assert!(v.to_string().contains("2026"), "{v}");
    }
    let (s, v) = api.get("/v1/transfers/ab%00cd", &api.d1).await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::BAD_REQUEST, "invalid_path"),
        "{v}"
    );
    let (s, v) = api
        .post(
            "/v1/events/2026/holds/ab%00cd/release",
            &api.d1,
            "rel-nul",
            "",
        )
        .await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::BAD_REQUEST, "invalid_path"),
        "{v}"
    );
    let (s, _) = api.get("/v1/health", &api.org).await;
    assert_eq!(s, StatusCode::OK);
}

async fn requests_are_read_one_way(kind: Kind) {
    let api = Server::start(kind, ServeOptions::default()).await;
    api.event().await;
    let url = format!("{}/v1/events/2026", api.base);

    // The scheme's case does not matter (RFC 9110).
    for scheme in ["bearer", "BEARER", "Bearer"] {
        let req = api
            .http
            .get(&url)
            .header("Authorization", format!("{scheme} {}", api.org));
        let (s, v) = api.send(req).await;
        assert_eq!(s, StatusCode::OK, "{scheme}: {v}");
    }
    // Two credentials: neither is taken.
    let req = api
        .http
        .get(&url)
        .header("Authorization", format!("Bearer {}", api.org))
        .header("Authorization", format!("Bearer {}", api.d1));
    let (s, v) = api.send(req).await;
    assert_eq!((s, code(&v)), (StatusCode::UNAUTHORIZED, "unauthorized"));
    // A 401 names the scheme the API takes (RFC 6750).
    let res = api.http.get(&url).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        res.headers()
            .get("www-authenticate")
            .and_then(|h| h.to_str().ok()),
        Some("Bearer realm=\"eticket\"")
    );

    // Two idempotency keys: refused, nothing stored.
    let chip = "11".repeat(16);
    let body = format!(r#"{{"member": 5, "name": "Bo", "chip": "{chip}"}}"#);
    let req = api
        .http
        .post(format!("{}/v1/members", api.base))
        .bearer_auth(&api.d1)
        .header("Idempotency-Key", "one")
        .header("Idempotency-Key", "two")
        .header("content-type", "application/json")
        .body(body.clone());
    let (s, v) = api.send(req).await;
    assert_eq!((s, code(&v)), (StatusCode::BAD_REQUEST, "invalid_request"));
    // A key twice in the body: refused, not read as the last one.
    let twice = format!(r#"{{"member": 5, "member": 6, "name": "Bo", "chip": "{chip}"}}"#);
    let (s, v) = api.post("/v1/members", &api.d1, "twice", &twice).await;
    assert_eq!((s, code(&v)), (StatusCode::BAD_REQUEST, "invalid_json"));
    assert!(v["error"]["message"].as_str().unwrap().contains("twice"));
    // Neither refusal stored the member: the proper request is the first.
    let (s, v) = api.post("/v1/members", &api.d1, "proper", &body).await;
    assert_eq!(s, StatusCode::OK, "{v}");

    // A long target gets the API's error body.
    let long = format!("{}/v1/events/2026?{}", api.base, "a".repeat(10_000));
    let (s, v) = api.send(api.http.get(long).bearer_auth(&api.org)).await;
    assert_eq!((s, code(&v)), (StatusCode::URI_TOO_LONG, "uri_too_long"));

    // Too large a body: the same code on every route, answered from the
    // announced length before the body is read.
    for path in ["/v1/events", "/v1/events/2026/allotments/seats"] {
        let answer = first_answer(
            api.addr,
            &format!(
                "POST {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nIdempotency-Key: big\r\nContent-Length: 6291456\r\n\r\n{{\"seats\": [",
                api.org
            ),
        )
        .await;
        assert!(answer.starts_with("HTTP/1.1 413"), "{path}: {answer}");
        assert!(answer.contains("body_too_large"), "{path}: {answer}");
    }
    // The token is checked before the body is read: a request that only
    // announces a large body is answered at once.
    let answer = first_answer(
        api.addr,
        "POST /v1/events/2026/allotments/seats HTTP/1.1\r\nHost: x\r\nIdempotency-Key: big\r\nContent-Length: 3000000\r\n\r\n",
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    assert!(answer.contains("unauthorized"), "{answer}");

    // A body announced too large is refused before anything runs, on a
    // route that reads no body too, and a client that asks to continue is
    // not invited to send it.
    for (path, expect) in [
        ("/v1/events/2026/tickets/1/revoke", ""),
        ("/v1/terminal/challenges", "Expect: 100-continue\r\n"),
    ] {
        let answer = first_answer(
            api.addr,
            &format!(
                "POST {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nIdempotency-Key: huge\r\n{expect}Content-Length: 99999999999\r\n\r\n",
                api.org
            ),
        )
        .await;
        assert!(answer.starts_with("HTTP/1.1 413"), "{path}: {answer}");
        assert!(answer.contains("body_too_large"), "{path}: {answer}");
    }
}

async fn a_duplicate_is_answered_at_once(kind: Kind) {
    // A record the ledger holds under a unique key, stored again below the
    // services' own checks: the ledger's answer is a duplicate on both
    // backends, not a race to run again.
    let backend = blocking(kind);
    let ledger = blocking(|| backend.ledger());
    let insert = |tx: &mut dyn eticket_center::store::Tx| {
        tx.execute(
            "INSERT INTO distributors (id, name) VALUES ($1, $2)",
            &[
                eticket_center::store::Value::Int(77),
                eticket_center::store::Value::text("x"),
            ],
        )?;
        Ok(())
    };
    blocking(|| ledger.transaction(&mut |tx| insert(tx))).unwrap();
    let err = blocking(|| ledger.transaction(&mut |tx| insert(tx))).unwrap_err();
    blocking(|| drop((ledger, backend)));
    assert!(
        matches!(err, eticket_center::Error::Duplicate { .. }),
        "{err:?}"
    );
    assert!(!err.is_retryable());
    let answer = eticket_center::http::ApiError::from(err);
    assert_eq!(
        (answer.status, answer.code),
        (StatusCode::CONFLICT, "duplicate")
    );
    assert!(!answer.message.to_lowercase().contains("unique"));

    // The same member registered twice, under two keys: 409 at once.
    let api = Server::start(kind, ServeOptions::default()).await;
    let chip = "22".repeat(16);
    let body = format!(r#"{{"member": 9, "name": "Cy", "chip": "{chip}"}}"#);
    let (s, v) = api.post("/v1/members", &api.d1, "a", &body).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = api.post("/v1/members", &api.d1, "b", &body).await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::CONFLICT, "member_exists"),
        "{v}"
    );
    // Another member on the same chip.
    let other = format!(r#"{{"member": 10, "name": "Di", "chip": "{chip}"}}"#);
    let (s, v) = api.post("/v1/members", &api.d1, "c", &other).await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::CONFLICT, "member_exists"),
        "{v}"
    );
}

async fn racing_duplicates_never_fail_the_server(kind: Kind) {
    // Sixteen clients register the same member and the same chip at once,
    // each under its own key: one wins, the others are told it exists;
    // none gets a 5xx, and the ledger holds one member.
    let api = Arc::new(Server::start(kind, ServeOptions::default()).await);
    let chip = "33".repeat(16);
    let mut tasks = Vec::new();
    for i in 0..16 {
        let api = api.clone();
        let body = format!(
            r#"{{"member": {}, "name": "Ed", "chip": "{chip}"}}"#,
            20 + i % 2
        );
        tasks.push(tokio::spawn(async move {
            api.post("/v1/members", &api.d1, &format!("race-{i}"), &body)
                .await
        }));
    }
    let mut won = 0;
    for t in tasks {
        let (s, v) = t.await.unwrap();
        match s {
            StatusCode::OK => won += 1,
            StatusCode::CONFLICT => assert_eq!(code(&v), "member_exists", "{v}"),
            other => panic!("{other}: {v}"),
        }
    }
    assert_eq!(won, 1);
    let members = blocking(|| {
        let ledger = api.backend.as_ref().unwrap().ledger();
        ledger.transaction(&mut |tx| tx.query("SELECT member FROM members", &[]))
    })
    .unwrap();
    assert_eq!(members.len(), 1);
}

/// Send `request` (a head, maybe the start of a body) on a connection of its
/// own and return the first bytes the server answers, as text.
async fn first_answer(addr: std::net::SocketAddr, request: &str) -> String {
    let mut raw = TcpStream::connect(addr).await.unwrap();
    raw.write_all(request.as_bytes()).await.unwrap();
    let mut buf = vec![0u8; 1024];
    let n = tokio::time::timeout(Duration::from_secs(60), raw.read(&mut buf))
        .await
        .unwrap()
        .unwrap();
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

/// A GET on a connection of its own; the whole answer as text.
async fn raw_get(addr: std::net::SocketAddr, path: &str) -> String {
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(60), s.read_to_end(&mut answer)).await;
    String::from_utf8_lossy(&answer).into_owned()
}

/// Open a connection and send the start of a request, never its end.
async fn half_sent(addr: std::net::SocketAddr) -> Option<TcpStream> {
    let mut s = TcpStream::connect(addr).await.ok()?;
    s.write_all(b"POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Le")
        .await
        .ok()?;
    Some(s)
}

async fn slow_clients_do_not_stop_the_server(kind: Kind) {
    let options = ServeOptions {
        max_connections: 64,
        header_timeout: Duration::from_secs(2),
        body_timeout: Duration::from_secs(2),
        ..ServeOptions::default()
    };
    let api = Server::start(kind, options).await;

    // Far more half-sent requests than the server takes connections.
    let mut idle = Vec::new();
    for _ in 0..1_100 {
        if let Some(s) = half_sent(api.addr).await {
            idle.push(s);
        }
    }
    // Health still answers: the oldest half-sent ones made room.
    let (s, v) = api.get("/v1/health", &api.org).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // The first one was closed (for a newer one, or by the header timeout).
    let mut buf = [0u8; 256];
    let read = tokio::time::timeout(Duration::from_secs(60), idle[0].read(&mut buf))
        .await
        .expect("a half-sent request stays open");
    assert!(matches!(read, Ok(0) | Err(_)) || buf.starts_with(b"HTTP/1.1 408"));
    drop(idle);

    // A body that never comes: the request is answered 408 and its place
    // freed.
    let mut slow = TcpStream::connect(api.addr).await.unwrap();
    slow.write_all(
        format!(
            "POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nIdempotency-Key: k\r\nContent-Length: 1000\r\n\r\n{{",
            api.org
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(60), slow.read_to_end(&mut answer))
        .await
        .expect("a half-sent body stays open")
        .ok();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("body_timeout"), "{answer}");

    // Every place taken by a request in progress: a new connection is told
    // so, in the API's words, and closed.
    let options = ServeOptions {
        max_connections: 16,
        header_timeout: Duration::from_secs(60),
        body_timeout: Duration::from_secs(600),
        ..ServeOptions::default()
    };
    drop(api);
    let api = Server::start(kind, options).await;
    let mut busy = Vec::new();
    for i in 0..16 {
        let mut s = TcpStream::connect(api.addr).await.unwrap();
        s.write_all(
            format!(
                "POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nIdempotency-Key: b{i}\r\nExpect: 100-continue\r\nContent-Length: 1000\r\n\r\n",
                api.org
            )
            .as_bytes(),
        )
        .await
        .unwrap();
        // "100 Continue" comes when the handler asks for the body: the
        // request is in progress.
        let mut buf = [0u8; 64];
        let n = tokio::time::timeout(Duration::from_secs(60), s.read(&mut buf))
            .await
            .unwrap()
            .unwrap();
        assert!(buf[..n].starts_with(b"HTTP/1.1 100"), "{:?}", &buf[..n]);
        busy.push(s);
    }
    let answer = raw_get(api.addr, "/v1/health").await;
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    let refused = answer
        .split("\r\n\r\n")
        .nth(1)
        .map(|b| serde_json::from_str::<Value>(b).unwrap());
    let refused = refused.expect("a full server refused no connection");
    assert_eq!(code(&refused), "too_many_connections");
    // Once those clients go away, their places are free again.
    drop(busy);
    let mut healthy = false;
    for _ in 0..300 {
        if api.get("/v1/health", &api.org).await.0 == StatusCode::OK {
            healthy = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(healthy);
}

async fn a_leaked_token_is_bounded(kind: Kind) {
    let api = Server::start(kind, ServeOptions::default()).await;
    let center = api.center.clone().unwrap();
    let op = Principal::Operator;
    // A store terminal of distributor 1; distributor 2 sells paper too.
    let terminal = blocking(|| {
        center
            .register_distributor(&op, "d2", DistributorId(2), "Two")
            .unwrap();
        center
            .set_terminal_distributors(&op, 7, &[DistributorId(1)])
            .unwrap();
        center
            .issue_credential(&op, Principal::Terminal(7), "store")
            .unwrap()
    });
    let d2 = blocking(|| {
        center
            .issue_credential(&op, Principal::Distributor(DistributorId(2)), "d2")
            .unwrap()
    });
    let reg = json!({"info": fixtures::small_event(), "prices": fixtures::prices()});
    let (s, v) = api
        .post("/v1/events", &api.org, "reg", &reg.to_string())
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    for d in [1, 2] {
        let body = format!(r#"{{"distributor": {d}}}"#);
        let (s, v) = api
            .post(
                "/v1/events/2026/distributors",
                &api.org,
                &format!("sel{d}"),
                &body,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    let ratios = json!({"shares": [{"distributor": 1, "weight": 1, "seat_type": null}, {"distributor": 2, "weight": 1, "seat_type": null}]});
    let req = api
        .http
        .put(format!("{}/v1/events/2026/allotments/ratios", api.base))
        .bearer_auth(&api.org)
        .header("Idempotency-Key", "ratios")
        .json(&ratios);
    assert_eq!(api.send(req).await.0, StatusCode::OK);
    let sale = r#"{"seats": {"best_available": {"quantity": 1}}, "holder": "paper"}"#;
    let mut serials = Vec::new();
    for (token, key) in [(&api.d1, "s1"), (&d2, "s2")] {
        let (s, v) = api.post("/v1/events/2026/sales", token, key, sale).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let serial = v["records"][0]["serial"].as_u64().unwrap();
        let (s, v) = api
            .post(
                &format!("/v1/events/2026/tickets/{serial}/issue"),
                token,
                &format!("i{key}"),
                "",
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        serials.push(serial);
    }

    // The leaked terminal token prints its own distributor's first copy,
    // not another's.
    let print = |serial: u64| format!("/v1/events/2026/tickets/{serial}/paper");
    let (s, v) = api.post(&print(serials[0]), &terminal, "p1", "").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = api.post(&print(serials[1]), &terminal, "p2", "").await;
    assert_eq!((s, code(&v)), (StatusCode::FORBIDDEN, "forbidden"), "{v}");

    // The terminal sees its own credential, no token, and its distributors.
    let (s, v) = api.get("/v1/credentials", &terminal).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v.as_array().unwrap().len(), 1, "{v}");
    assert_eq!(v[0]["distributors"], json!([1]));
    assert!(!v.to_string().contains(terminal.split_once('_').unwrap().1));
    let id = v[0]["id"].as_str().unwrap().to_owned();
    // Distributor 1 cannot revoke the terminal's credential (not its own).
    let revoke = format!("/v1/credentials/{id}/revoke");
    let (s, _) = api.post(&revoke, &api.d1, "r1", "").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    // The terminal rotates, then its operator's revocation of the old one
    // is not needed: the old token ends with the grace period. Revoking the
    // new one ends it at once.
    let (s, v) = api
        .post(
            &format!("/v1/credentials/{id}/rotate"),
            &terminal,
            "rot",
            r#"{"grace_secs": 0}"#,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let fresh = v["token"].as_str().unwrap().to_owned();
    let (s, _) = api.get("/v1/credentials", &terminal).await;
    assert_eq!(
        s,
        StatusCode::UNAUTHORIZED,
        "no grace: the old token is done"
    );
    let new_id = v["id"].as_str().unwrap().to_owned();
    let (s, v) = api
        .post(
            &format!("/v1/credentials/{new_id}/revoke"),
            &fresh,
            "r2",
            "",
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["state"], "revoked");
    let (s, v) = api.get("/v1/credentials", &fresh).await;
    assert_eq!((s, code(&v)), (StatusCode::UNAUTHORIZED, "unauthorized"));

    // A thief holding a token its owner just rotated (it works for the
    // grace period) can mint or cancel nothing: neither rotate the new
    // credential nor revoke it.
    let stolen = blocking(|| {
        center
            .issue_credential(&op, Principal::Terminal(7), "till")
            .unwrap()
    });
    let (_, v) = api.get("/v1/credentials", &stolen).await;
    let stolen_id = v
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["state"] == "active")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (s, v) = api
        .post(
            &format!("/v1/credentials/{stolen_id}/rotate"),
            &stolen,
            "owner-rotates",
            r#"{"grace_secs": 600}"#,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let owners = v["id"].as_str().unwrap().to_owned();
    for action in ["rotate", "revoke"] {
        let (s, v) = api
            .post(
                &format!("/v1/credentials/{owners}/{action}"),
                &stolen,
                &format!("thief-{action}"),
                "",
            )
            .await;
        assert_eq!(
            (s, code(&v)),
            (StatusCode::FORBIDDEN, "forbidden"),
            "{action}: {v}"
        );
    }
    // Its own id again: rotated already.
    let (s, _) = api
        .post(
            &format!("/v1/credentials/{stolen_id}/rotate"),
            v["token"].as_str().unwrap_or(&stolen),
            "again",
            "",
        )
        .await;
    assert!(s.is_client_error());
    // For the grace period it still does the terminal's work.
    let (s, _) = api.get("/v1/credentials", &stolen).await;
    assert_eq!(s, StatusCode::OK);
}

/// Another process holding the SQLite file locked: a request waits a
/// bounded time, then is answered busy (503, retryable), not hung; once the
/// lock is gone it succeeds.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_locked_ledger_answers_busy_not_hangs() {
    let api = Server::start(Backend::sqlite, ServeOptions::default()).await;
    api.event().await;
    let Some(Backend::Sqlite { path, .. }) = api.backend.as_ref() else {
        panic!("a SQLite backend");
    };
    let locker = rusqlite::Connection::open(path).unwrap();
    locker.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let sale = r#"{"seats": {"best_available": {"quantity": 1}}, "holder": "paper"}"#;
    let (s, v) = api
        .post("/v1/events/2026/sales", &api.d1, "locked", sale)
        .await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::SERVICE_UNAVAILABLE, "storage"),
        "{v}"
    );
    no_engine_words(&v);
    locker.execute_batch("ROLLBACK").unwrap();
    let (s, v) = api
        .post("/v1/events/2026/sales", &api.d1, "unlocked", sale)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
}

/// A client that asks and never reads its answers: once an answer has
/// waited longer than `answer_timeout` for it, the server closes the
/// connection, so answers nobody takes do not stay in memory; the server
/// answers others meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_answer_never_read_closes_its_connection() {
    let options = ServeOptions {
        answer_timeout: Duration::from_secs(1),
        ..ServeOptions::default()
    };
    let api = Server::start(Backend::sqlite, options).await;
    api.event().await;
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let mut s = socket.connect(api.addr).await.unwrap();
    // Far more answers than the sockets' buffers hold, asked at once.
    let asked = 2000;
    let one = format!(
        "GET /v1/events/2026 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\r\n",
        api.org
    );
    let (mut reader, mut writer) = s.split();
    let requests = one.repeat(asked);
    let write = tokio::time::timeout(
        Duration::from_secs(3),
        writer.write_all(requests.as_bytes()),
    );
    let _ = write.await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let (status, _) = api.get("/v1/health", &api.org).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the server answers others meanwhile"
    );
    // Reading now: what the kernel took, then the end of the connection.
    let mut got = Vec::new();
    let mut buf = vec![0u8; 64 << 10];
    let ended = tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            match reader.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    assert!(ended.is_ok(), "the connection stayed open");
    let answers = got.windows(12).filter(|w| w == b"HTTP/1.1 200").count();
    assert!(
        answers < asked,
        "all {answers} answers were sent to a client that did not read"
    );
}

/// A token holder who opens many requests and never ends their bodies
/// holds at most `MAX_SLOW_BODIES` of them: the next slow one is answered
/// 429 `too_many_slow_bodies` at once, so the server's connections stay
/// free for everyone else; a body sent with its headers never meets the
/// limit.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_caller_holds_a_bounded_number_of_slow_bodies() {
    use eticket_center::http::MAX_SLOW_BODIES;
    let options = ServeOptions {
        body_timeout: Duration::from_secs(60),
        ..ServeOptions::default()
    };
    let api = Server::start(Backend::sqlite, options).await;
    api.event().await;
    let start = |i: usize| {
        let token = api.d1.clone();
        let addr = api.addr;
        async move {
            let mut s = TcpStream::connect(addr).await.unwrap();
            s.write_all(
                format!(
                    "POST /v1/events/2026/sales HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nIdempotency-Key: slow-{i}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{"
                )
                .as_bytes(),
            )
            .await
            .unwrap();
            s
        }
    };
    let mut slow = Vec::new();
    for i in 0..MAX_SLOW_BODIES {
        slow.push(start(i).await);
    }
    // Each of those is past the fast-body wait and counted.
    tokio::time::sleep(Duration::from_millis(600)).await;
    let mut one_more = start(MAX_SLOW_BODIES).await;
    let mut answer = vec![0u8; 2048];
    let n = tokio::time::timeout(Duration::from_secs(30), one_more.read(&mut answer))
        .await
        .expect("the slow body past the limit is answered at once")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer[..n]);
    assert!(answer.starts_with("HTTP/1.1 429"), "{answer}");
    assert!(answer.contains("too_many_slow_bodies"), "{answer}");
    assert!(
        answer.to_ascii_lowercase().contains("retry-after: 1"),
        "{answer}"
    );
    // The same caller's requests with their bodies are served meanwhile.
    let (s, v) = api
        .post(
            "/v1/events/2026/sales",
            &api.d1,
            "fast-1",
            r#"{"seats": {"best_available": {"seat_type": 1, "quantity": 1}}, "holder": "paper"}"#,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // Once the slow ones go away, their places are free again.
    drop(slow);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut again = start(1000).await;
    let got = tokio::time::timeout(Duration::from_millis(800), again.read(&mut [0u8; 64])).await;
    assert!(
        got.is_err(),
        "a slow body under the limit waits for its end"
    );
}
