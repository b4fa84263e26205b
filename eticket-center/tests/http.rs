//! The HTTP API through a real listening server on 127.0.0.1, per role.

mod common;

use std::sync::Arc;

use common::{Backend, TestChip, clock};
use eticket_center::clock::ManualClock;
use eticket_center::http::{ROUTES, router};
use eticket_center::{Center, Principal};
use eticket_core::fixtures;
use eticket_core::ids::{DistributorId, EventId};
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};

struct Api {
    base: String,
    http: Client,
    org: String,
    d1: String,
    d2: String,
    terminal: String,
    gate: String,
    clock: Arc<ManualClock>,
    _center: Arc<Center>,
    _backend: Backend,
}

impl Api {
    async fn start() -> Self {
        let backend = Backend::sqlite();
        let c = clock();
        let center = Arc::new(backend.center(&c));
        let op = Principal::Operator;
        let (org, d1, d2, terminal, gate) = tokio::task::block_in_place(|| {
            center
                .register_distributor(&op, "d1", DistributorId(1), "One")
                .unwrap();
            center
                .register_distributor(&op, "d2", DistributorId(2), "Two")
                .unwrap();
            (
                center
                    .issue_credential(&op, Principal::Organizer(1), "org")
                    .unwrap(),
                center
                    .issue_credential(&op, Principal::Distributor(DistributorId(1)), "d1")
                    .unwrap(),
                center
                    .issue_credential(&op, Principal::Distributor(DistributorId(2)), "d2")
                    .unwrap(),
                {
                    center
                        .set_terminal_distributors(&op, 7, &[DistributorId(1)])
                        .unwrap();
                    center
                        .issue_credential(&op, Principal::Terminal(7), "store")
                        .unwrap()
                },
                center
                    .issue_credential(&op, Principal::Gate(fixtures::EVENT), "gate")
                    .unwrap(),
            )
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(axum::serve(listener, router(center.clone())).into_future());
        Self {
            base: format!("http://{addr}"),
            http: Client::new(),
            org,
            d1,
            d2,
            terminal,
            gate,
            clock: c,
            _center: center,
            _backend: backend,
        }
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        key: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self
            .http
            .request(method.clone(), format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(k) = key {
            req = req.header("Idempotency-Key", k);
        }
        if let Some(b) = &body {
            req = req.json(b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap();
        let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        conforms(&method, path, status, body.as_ref(), &value);
        (status, value)
    }

    async fn post(&self, path: &str, token: &str, key: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, Some(token), Some(key), Some(body))
            .await
    }

    async fn get(&self, path: &str, token: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, Some(token), None, None).await
    }

    /// Register the fixture event, select both distributors, allot 1:1.
    async fn event(&self) {
        let reg = json!({"info": fixtures::small_event(), "prices": fixtures::prices()});
        let (s, v) = self.post("/v1/events", &self.org, "reg", reg).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        for d in [1, 2] {
            let (s, v) = self
                .post(
                    "/v1/events/2026/distributors",
                    &self.org,
                    &format!("sel{d}"),
                    json!({"distributor": d}),
                )
                .await;
            assert_eq!(s, StatusCode::OK, "{v}");
        }
        let ratios = json!({"shares": [{"distributor": 1, "weight": 1, "seat_type": null}, {"distributor": 2, "weight": 1, "seat_type": null}]});
        let (s, v) = self
            .call(
                Method::PUT,
                "/v1/events/2026/allotments/ratios",
                Some(&self.org),
                Some("ratios"),
                Some(ratios),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
}

fn code(v: &Value) -> &str {
    v["error"]["code"].as_str().unwrap_or("")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_events_a_caller_manages() {
    let api = Api::start().await;
    let (s, v) = api.get("/v1/events", &api.org).await;
    assert_eq!(
        (s, v["events"].as_array().map(Vec::len)),
        (StatusCode::OK, Some(0))
    );
    api.event().await;
    let (s, v) = api.get("/v1/events", &api.org).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["events"][0]["event"], 2026);
    assert_eq!(v["events"][0]["name"], fixtures::small_event().name);
    assert_eq!(v["events"][0]["seats"], 80);
    assert_eq!(v["events"][0]["standing_places"], 50);
    assert_eq!(v["more"], false);
    // Paged by id: nothing after the last one.
    let (_, v) = api.get("/v1/events?after=2026", &api.org).await;
    assert_eq!(v["events"].as_array().map(Vec::len), Some(0));
    // Another organizer sees none of them; distributors list no events.
    let other = tokio::task::block_in_place(|| {
        api._center
            .issue_credential(&Principal::Operator, Principal::Organizer(2), "org2")
            .unwrap()
    });
    let (_, v) = api.get("/v1/events", &other).await;
    assert_eq!(v["events"].as_array().map(Vec::len), Some(0));
    let (s, v) = api.get("/v1/events", &api.d1).await;
    assert_eq!((s, code(&v)), (StatusCode::FORBIDDEN, "forbidden"));
    let (s, v) = api.get("/v1/events?after=x", &api.org).await;
    assert_eq!((s, code(&v)), (StatusCode::BAD_REQUEST, "invalid_query"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn organizer_flow_and_errors() {
    let api = Api::start().await;
    api.event().await;
    // A retried registration returns the first answer.
    let reg = json!({"info": fixtures::small_event(), "prices": fixtures::prices()});
    let (s, v) = api.post("/v1/events", &api.org, "reg", reg.clone()).await;
    assert_eq!((s, v["tickets"].as_u64()), (StatusCode::OK, Some(130)));
    let (s, v) = api.post("/v1/events", &api.org, "reg-2", reg.clone()).await;
    assert_eq!((s, code(&v)), (StatusCode::CONFLICT, "event_exists"));
    // Missing idempotency key, malformed JSON, oversized body: JSON errors with stable codes.
    let (s, v) = api
        .call(Method::POST, "/v1/events", Some(&api.org), None, Some(reg))
        .await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::BAD_REQUEST, "idempotency_key_required")
    );
    let resp = api
        .http
        .post(format!("{}/v1/events", api.base))
        .bearer_auth(&api.org)
        .header("Idempotency-Key", "x")
        .body("{\"info\": 3")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert_eq!(code(&resp.json::<Value>().await.unwrap()), "invalid_json");
    // A body said to be text or a form, or sent compressed, is refused, not
    // read as JSON; JSON with a charset or a +json type, and `identity`
    // (no compression), are read.
    let refused = StatusCode::UNSUPPORTED_MEDIA_TYPE;
    for (header, value, status) in [
        ("Content-Type", "text/plain", refused),
        ("Content-Type", "application/x-www-form-urlencoded", refused),
        (
            "Content-Type",
            "application/json; charset=utf-8",
            StatusCode::BAD_REQUEST,
        ),
        (
            "Content-Type",
            "application/problem+json",
            StatusCode::BAD_REQUEST,
        ),
        ("Content-Encoding", "br", refused),
        // This route alone takes gzip: a body that is not gzip is
        // `invalid_body` (a_large_venue_is_registered_gzipped).
        ("Content-Encoding", "gzip", StatusCode::BAD_REQUEST),
        ("Content-Encoding", "identity", StatusCode::BAD_REQUEST),
    ] {
        let resp = api
            .http
            .post(format!("{}/v1/events", api.base))
            .bearer_auth(&api.org)
            .header("Idempotency-Key", "x")
            .header(header, value)
            .body("{\"info\": 3}")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), status, "{header}: {value}");
        let v = resp.json::<Value>().await.unwrap();
        if status == refused {
            assert_eq!(code(&v), "unsupported_media_type", "{v}");
            assert!(v.to_string().contains(header), "{v}");
        }
    }
    // Too large a body: tests/attacks.rs (refused from its announced length,
    // before it is read).
    let (s, v) = api.get("/v1/events/2026/stats", &api.org).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = api.get("/v1/events/99/stats", &api.org).await;
    assert_eq!((s, code(&v)), (StatusCode::NOT_FOUND, "unknown_event"));
    let (s, v) = api.get("/v1/nothing", &api.org).await;
    assert_eq!((s, code(&v)), (StatusCode::NOT_FOUND, "no_route"));
}

/// A lottery over HTTP: the beacon's source is named at opening, the
/// applications digest is public from the close, the draw takes the beacon's
/// value in its body, and the public announcement alone verifies the draw.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lottery_draw_with_a_beacon_verifies_from_the_public_announcement() {
    let api = Api::start().await;
    api.event().await;
    let (s, v) = api
        .call(
            Method::PUT,
            "/v1/events/2026/policy",
            Some(&api.d2),
            Some("lottery-policy"),
            Some(json!({"kind": "lottery"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let now = common::start_time().0;
    let setup = json!({"opens": now, "closes": now + 3600, "seats": 2,
                       "beacon_source": "the numbers drawn the evening after the close"});
    let (s, v) = api
        .post("/v1/events/2026/lottery", &api.d2, "open", setup)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    for i in 0..3u8 {
        let app = json!({"chip": hex::encode([0xD0 + i; 16]), "quantity": 1});
        let (s, v) = api
            .post(
                "/v1/events/2026/lottery/applications",
                &api.d2,
                &format!("app-{i}"),
                app,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    let public = "/v1/events/2026/lottery/2";
    let (_, open) = api.call(Method::GET, public, None, None, None).await;
    assert!(open["applications_digest"].is_null(), "{open}");
    api.clock.advance(3600);
    let (s, closed) = api.call(Method::GET, public, None, None, None).await;
    assert_eq!(s, StatusCode::OK, "{closed}");
    assert!(closed["applications_digest"].is_string(), "{closed}");
    // Without the beacon's value (an empty body) the draw is refused.
    let resp = api
        .http
        .post(format!("{}/v1/events/2026/lottery/draw", api.base))
        .bearer_auth(&api.d2)
        .header("Idempotency-Key", "draw-empty")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    assert_eq!(code(&resp.json::<Value>().await.unwrap()), "lottery_phase");
    let (s, drawn) = api
        .post(
            "/v1/events/2026/lottery/draw",
            &api.d2,
            "draw",
            json!({"beacon": "05 12 23 31 40"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{drawn}");
    let (_, after) = api.call(Method::GET, public, None, None, None).await;
    assert_eq!(after["applications_digest"], closed["applications_digest"]);
    assert_eq!(after["beacon"], "05 12 23 31 40");
    let announcement: eticket_center::lottery::LotteryAnnouncement =
        serde_json::from_value(after).unwrap();
    let ranking = eticket_center::lottery::verify_draw(&announcement).unwrap();
    assert_eq!(serde_json::to_value(&ranking).unwrap(), drawn["ranking"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn distributors_stay_in_their_allotment_and_terminals_do_not_issue() {
    let api = Api::start().await;
    api.event().await;
    let chip = TestChip::new(0x21);
    let holder = format!("chip:{}", chip.id);
    // Serial 1 belongs to distributor 1: distributor 2 cannot sell it.
    let steal = json!({"seats": {"serials": [1]}, "holder": holder});
    let (s, v) = api
        .post("/v1/events/2026/sales", &api.d2, "s", steal.clone())
        .await;
    assert_eq!((s, code(&v)), (StatusCode::FORBIDDEN, "not_in_allotment"));
    let (s, v) = api.post("/v1/events/2026/sales", &api.d1, "s", steal).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // Distributor 2 cannot issue it; a terminal cannot issue at all.
    let (s, v) = api
        .post("/v1/events/2026/tickets/1/issue", &api.d2, "i", json!({}))
        .await;
    assert_eq!((s, code(&v)), (StatusCode::FORBIDDEN, "not_in_allotment"));
    let (s, v) = api
        .post(
            "/v1/events/2026/tickets/1/issue",
            &api.terminal,
            "i",
            json!({}),
        )
        .await;
    assert_eq!((s, code(&v)), (StatusCode::FORBIDDEN, "forbidden"));
    let target = json!({"chip": chip.id.to_string(), "counter": 5, "slot": 0});
    let (s, v) = api
        .post(
            "/v1/events/2026/tickets/1/issue",
            &api.d1,
            "i",
            json!({"target": target}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["grant"]["counter"], 5);
    // The terminal re-delivers to the chip in front of it, and only to that chip.
    let (s, v) = api
        .post(
            "/v1/events/2026/tickets/1/delivery",
            &api.terminal,
            "-",
            json!({"chip": chip.id.to_string(), "counter": 6}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let other = TestChip::new(0x22);
    let (s, v) = api
        .post(
            "/v1/events/2026/tickets/1/delivery",
            &api.terminal,
            "-",
            json!({"chip": other.id.to_string(), "counter": 0}),
        )
        .await;
    assert_eq!((s, code(&v)), (StatusCode::CONFLICT, "holder_mismatch"));
    // A paper ticket: the terminal prints the first copy (a lost answer gets
    // the same copy back) and no second one; the seller reprints.
    let (s, v) = api
        .post(
            "/v1/events/2026/sales",
            &api.d1,
            "paper",
            json!({"seats": {"serials": [2]}, "holder": "paper"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = api
        .post("/v1/events/2026/tickets/2/issue", &api.d1, "i2", json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let print = |token: &str, key: &str| {
        let (token, key) = (token.to_owned(), key.to_owned());
        let api = &api;
        async move {
            api.call(
                Method::POST,
                "/v1/events/2026/tickets/2/paper",
                Some(&token),
                Some(&key),
                None,
            )
            .await
        }
    };
    let (s, first) = print(&api.terminal, "p1").await;
    assert_eq!((s, &first["copy"]), (StatusCode::OK, &json!(1)), "{first}");
    assert_eq!(print(&api.terminal, "p1").await, (StatusCode::OK, first));
    let (s, v) = print(&api.terminal, "p2").await;
    assert_eq!((s, code(&v)), (StatusCode::FORBIDDEN, "forbidden"), "{v}");
    let (s, v) = print(&api.d2, "p3").await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::FORBIDDEN, "not_in_allotment"),
        "{v}"
    );
    let (s, v) = print(&api.d1, "p4").await;
    assert_eq!((s, &v["copy"]), (StatusCode::OK, &json!(2)), "{v}");
    // Distributors cannot manage the event.
    let (s, v) = api.get("/v1/events/2026/stats", &api.d1).await;
    assert_eq!((s, code(&v)), (StatusCode::FORBIDDEN, "forbidden"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gates_only_sync() {
    let api = Api::start().await;
    api.event().await;
    let (s, v) = api.get("/v1/keyset", &api.gate).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = api.get("/v1/events/2026/revocations", &api.gate).await;
    assert_eq!((s, v["version"].as_u64()), (StatusCode::OK, Some(0)), "{v}");
    let (s, v) = api
        .get("/v1/events/2026/revocations?since=0", &api.gate)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    for (method, path, body) in [
        (
            Method::POST,
            "/v1/events/2026/sales",
            json!({"seats": {"serials": [1]}, "holder": "paper"}),
        ),
        (Method::POST, "/v1/events/2026/tickets/1/issue", json!({})),
        (
            Method::POST,
            "/v1/events/2026/tickets/1/delivery",
            json!({"chip": "00".repeat(16), "counter": 0}),
        ),
        (Method::GET, "/v1/events/2026/stats", Value::Null),
        (
            Method::POST,
            "/v1/events/2026/distributors",
            json!({"distributor": 1}),
        ),
        (
            Method::POST,
            "/v1/members",
            json!({"member": 1, "name": "x", "chip": "00".repeat(16)}),
        ),
    ] {
        let body = if body.is_null() { None } else { Some(body) };
        let (s, v) = api
            .call(method, path, Some(&api.gate), Some("k"), body)
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{path}: {v}");
    }
    // A gate of another event gets nothing of this one.
    let other = tokio::task::block_in_place(|| {
        api._center
            .issue_credential(&Principal::Operator, Principal::Gate(EventId(1)), "")
            .unwrap()
    });
    let (s, _) = api.get("/v1/events/2026/revocations", &other).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // No token or an unknown one.
    let (s, v) = api.call(Method::GET, "/v1/keyset", None, None, None).await;
    assert_eq!((s, code(&v)), (StatusCode::UNAUTHORIZED, "unauthorized"));
    let (s, _) = api.get("/v1/keyset", "organizer_0000").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_listed_route_is_served() {
    let api = Api::start().await;
    for (method, path) in ROUTES {
        let concrete = path
            .replace("{event}", "2026")
            .replace("{serial}", "1")
            .replace("{distributor}", "1")
            .replace("{id}", &"0".repeat(32));
        let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let (s, v) = api
            .call(m, &concrete, Some(&api.org), Some("k"), Some(json!({})))
            .await;
        assert_ne!(code(&v), "no_route", "{method} {path}");
        assert_ne!(s, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
    }
}

#[test]
fn openapi_document_covers_every_route() {
    let doc: Value = serde_json::from_str(include_str!("../openapi.json")).unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    let mut documented = Vec::new();
    for (path, item) in paths {
        for method in item.as_object().unwrap().keys() {
            if ["get", "post", "put", "delete", "patch"].contains(&method.as_str()) {
                documented.push((method.clone(), path.clone()));
            }
        }
    }
    let mut routes: Vec<(String, String)> = ROUTES
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    routes.sort();
    documented.sort();
    assert_eq!(documented, routes, "openapi.json and the router disagree");
}

/// Every route that changes the ledger refuses a request without an
/// `Idempotency-Key` before doing anything. Delivery and delete grants only
/// sign a grant for the chip's current counter and change nothing, so a
/// retry is harmless without a key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_mutating_route_needs_an_idempotency_key() {
    let api = Api::start().await;
    let read_only_posts = [
        "/v1/events/{event}/tickets/{serial}/delivery",
        "/v1/events/{event}/tickets/{serial}/delete-grant",
        "/v1/chips/personalization",
        "/v1/terminal/challenges",
    ];
    let mut checked = 0;
    for (method, path) in eticket_center::http::ROUTES {
        if *method == "get" || read_only_posts.contains(path) {
            continue;
        }
        let concrete = path
            .replace("{event}", "2026")
            .replace("{serial}", "1")
            .replace("{distributor}", "1")
            .replace("{id}", &"0".repeat(32))
            .replace("{token}", &"0".repeat(32));
        let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let (s, v) = api
            .call(method, &concrete, Some(&api.org), None, Some(json!({})))
            .await;
        assert_eq!(
            (s, code(&v)),
            (StatusCode::BAD_REQUEST, "idempotency_key_required"),
            "{path}: {v}"
        );
        checked += 1;
    }
    assert_eq!(checked, 30, "mutating routes checked");
    // A known route with a method it does not take: a JSON error too.
    for (method, path) in [
        (Method::GET, "/v1/transfers"),
        (Method::DELETE, "/v1/events/2026"),
        (Method::GET, "/v1/events/2026/allotments/seats"),
    ] {
        let (s, v) = api.call(method, path, Some(&api.org), None, None).await;
        assert_eq!(
            (s, code(&v)),
            (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            "{path}: {v}"
        );
    }
}

/// Every exchange in these tests is checked against openapi.json: a request
/// the server accepted must match the operation's request body schema, and
/// its answer the operation's 200 response schema; an error must be the
/// `Error` schema.
fn conforms(method: &Method, path: &str, status: StatusCode, sent: Option<&Value>, got: &Value) {
    use std::sync::OnceLock;
    static DOC: OnceLock<Value> = OnceLock::new();
    let doc = DOC.get_or_init(|| serde_json::from_str(include_str!("../openapi.json")).unwrap());
    let path = path.split('?').next().unwrap();
    let segments: Vec<&str> = path.split('/').collect();
    let Some((template, item)) = doc["paths"].as_object().unwrap().iter().find(|(t, item)| {
        let ts: Vec<&str> = t.split('/').collect();
        ts.len() == segments.len()
            && ts
                .iter()
                .zip(&segments)
                .all(|(t, s)| t.starts_with('{') || t == s)
            && item.get(method.as_str().to_lowercase()).is_some()
    }) else {
        return; // an unknown route or method: the 404/405 tests look at those
    };
    let op = &item[method.as_str().to_lowercase()];
    let check = |schema: &Value, instance: &Value, what: &str| {
        let mut root = schema.clone();
        root["components"] = doc["components"].clone();
        let validator = jsonschema::validator_for(&root).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(instance)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{method} {template}: the {what} does not match openapi.json: {errors:?}\n{instance}"
        );
    };
    if status.is_success() {
        if let Some(sent) = sent {
            let schema = &op["requestBody"]["content"]["application/json"]["schema"];
            if !schema.is_null() {
                check(schema, sent, "request body");
            }
        }
        let schema = &op["responses"]["200"]["content"]["application/json"]["schema"];
        if !schema.is_null() {
            check(schema, got, "answer");
        }
    } else if op["responses"][status.as_str()]["content"]["text/html"].is_null() {
        check(&json!({"$ref": "#/components/schemas/Error"}), got, "error");
    } else {
        assert!(got.is_string(), "{method} {template}: {status} is HTML");
    }
}

/// `components.schemas` in openapi.json are the Rust types' schemas, every
/// reference resolves, and no body is left undescribed. After changing a body
/// type: `ETICKET_BLESS_OPENAPI=1 cargo test -p eticket-center --test http openapi`.
#[test]
fn openapi_schemas_are_the_rust_types() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.json");
    let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let generated = eticket_center::http::schemas::component_schemas();
    let schemas = doc["components"]["schemas"].as_object_mut().unwrap();
    if std::env::var_os("ETICKET_BLESS_OPENAPI").is_some() {
        for (name, schema) in &generated {
            schemas.insert(name.clone(), schema.clone());
        }
        std::fs::write(path, serde_json::to_string_pretty(&doc).unwrap() + "\n").unwrap();
        return;
    }
    for (name, schema) in &generated {
        assert_eq!(
            schemas.get(name),
            Some(schema),
            "openapi.json's {name} is not the Rust type's schema; regenerate with \
             ETICKET_BLESS_OPENAPI=1 cargo test -p eticket-center --test http openapi"
        );
    }
    let text = serde_json::to_string(&doc).unwrap();
    for reference in text.split("\"#/components/schemas/").skip(1) {
        let name = &reference[..reference.find('"').unwrap()];
        assert!(
            doc["components"]["schemas"].get(name).is_some(),
            "{name} is referenced but not defined"
        );
    }
    assert!(
        !text.contains("See the Rust type"),
        "a body schema is a stub"
    );
}

/// Seat holds over HTTP: a distributor holds seats for a buyer, another
/// distributor cannot buy them, the holder buys them; a released hold's
/// seats are on sale again, and an expired hold answers `hold_expired`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seat_holds_over_http() {
    let api = Api::start().await;
    api.event().await;
    let hold = |key: &'static str| {
        let api = &api;
        async move {
            api.post(
                "/v1/events/2026/holds",
                &api.d1,
                key,
                json!({"seats": {"best_available": {"seat_type": 1, "quantity": 2}}, "buyer": {"reference": "session-1"}}),
            )
            .await
        }
    };
    let (s, h) = hold("h1").await;
    assert_eq!(s, StatusCode::OK, "{h}");
    let token = h["token"].as_str().unwrap().to_owned();
    assert_eq!(h["serials"].as_array().unwrap().len(), 2);
    let confirm = format!("/v1/events/2026/holds/{token}/confirm");
    let (s, v) = api
        .post(&confirm, &api.d2, "c0", json!({"holder": "paper"}))
        .await;
    assert_eq!((s, code(&v)), (StatusCode::NOT_FOUND, "unknown_hold"));
    let (s, v) = api
        .post(&confirm, &api.d1, "c1", json!({"holder": "paper"}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["records"].as_array().unwrap().len(), 2);

    let (s, h) = hold("h2").await;
    assert_eq!(s, StatusCode::OK, "{h}");
    let release = format!(
        "/v1/events/2026/holds/{}/release",
        h["token"].as_str().unwrap()
    );
    let (s, v) = api.post(&release, &api.d1, "r2", json!({})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["serials"], h["serials"]);

    let (s, h) = hold("h3").await;
    assert_eq!(s, StatusCode::OK, "{h}");
    api.clock.advance(15 * 60);
    let confirm = format!(
        "/v1/events/2026/holds/{}/confirm",
        h["token"].as_str().unwrap()
    );
    let (s, v) = api
        .post(&confirm, &api.d1, "c3", json!({"holder": "paper"}))
        .await;
    assert_eq!((s, code(&v)), (StatusCode::CONFLICT, "hold_expired"), "{v}");
}

/// Available places of a standing area per owner (0: unallotted), as the
/// organizer's seat map shows them.
async fn area_places(api: &Api, area: u64) -> (u64, std::collections::BTreeMap<u64, u64>) {
    let (s, map) = api.get("/v1/events/2026/seat-map", &api.org).await;
    assert_eq!(s, StatusCode::OK, "{map}");
    let shares = map["areas"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"].as_u64() == Some(area))
        .unwrap()["shares"]
        .as_array()
        .unwrap()
        .iter()
        .map(|sh| {
            (
                sh["owner"].as_u64().unwrap(),
                sh["available"].as_u64().unwrap(),
            )
        })
        .collect();
    (map["version"].as_u64().unwrap(), shares)
}

/// Standing places are allotted by number through the selection route,
/// compare and set like seats: places of the owners named, a clear refusal
/// when the number exceeds what those owners have, and a refusal when the
/// places changed owner after the version the caller saw.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn standing_places_are_allotted_by_number() {
    let api = Api::start().await;
    api.event().await;
    let path = "/v1/events/2026/allotments/selection";
    let (v0, before) = area_places(&api, 1).await;
    let (one, two) = (before[&1], before[&2]);
    assert_eq!(one + two, 50, "{before:?}");
    // Five of Two's places to One.
    let give = |count: u64, to: u64, from: u64, as_of: u64| json!({"distributor": to, "seats": [{"area": {"area": 1, "count": count}}], "from": [from], "as_of": as_of});
    let (s, v) = api.post(path, &api.org, "area-5", give(5, 1, 2, v0)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (v1, after) = area_places(&api, 1).await;
    assert_eq!((after[&1], after[&2]), (one + 5, two - 5));
    assert!(v1 > v0);
    // More than Two has left: refused with the numbers, nothing moves.
    let (s, v) = api
        .post(path, &api.org, "area-many", give(two - 4, 1, 2, v1))
        .await;
    assert_eq!((s, code(&v)), (StatusCode::BAD_REQUEST, "invalid_request"));
    let message = v["error"]["message"].as_str().unwrap();
    assert!(
        message.contains(&format!(
            "area 1 has {} available places from the owners this change may take, {} asked for",
            two - 5,
            two - 4
        )),
        "{message}"
    );
    assert_eq!(area_places(&api, 1).await.1, after);
    // A caller who saw the version before the first move cannot take all
    // of One's places: some of them changed owner since.
    let (s, v) = api
        .post(path, &api.org, "area-stale", give(one + 5, 2, 1, v0))
        .await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::CONFLICT, "allotment_changed"),
        "{v}"
    );
    // The places that moved are counted in one entry, not named one by one.
    let message = v["error"]["message"].as_str().unwrap();
    assert_eq!(
        message
            .matches("area 1: 5 places, distributor 1 now")
            .count(),
        1,
        "{message}"
    );
    assert_eq!(area_places(&api, 1).await.1, after);
    // A caller who saw the version before the first move asks Two for all
    // the places Two had then: fewer are left, because the allotment
    // changed since; said so, not as a request for too many.
    let (s, v) = api
        .post(path, &api.org, "area-stale-short", give(two, 1, 2, v0))
        .await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::CONFLICT, "allotment_changed"),
        "{v}"
    );
    let message = v["error"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("places changed owner after allotment version")
            && message.contains(&format!("area 1 has {} available places", two - 5))
            && message.contains("nothing was changed"),
        "{message}"
    );
    assert_eq!(area_places(&api, 1).await.1, after);
    // With the current version it goes through.
    let (s, v) = api
        .post(path, &api.org, "area-back", give(5, 2, 1, v1))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(area_places(&api, 1).await.1, before);
}

/// The Small Hall's seats as the organizer's seat map lists them: flags
/// (1 accessible, 2 companion) and taken (0 available, 1 sold, 2 held) by
/// block, row and number.
async fn hall_seats(api: &Api) -> std::collections::HashMap<(u64, u64, u64), (u64, u64)> {
    let (s, map) = api.get("/v1/events/2028/seat-map", &api.org).await;
    assert_eq!(s, StatusCode::OK, "{map}");
    let c = &map["cells"];
    let col = |name: &str, i: usize| c[name][i].as_u64().unwrap();
    (0..c["block"].as_array().unwrap().len())
        .map(|i| {
            (
                (col("block", i), col("row", i), col("number", i)),
                (col("flags", i), col("taken", i)),
            )
        })
        .collect()
}

/// The seat a sale's record names (`None` for a standing place).
fn seat_of(record: &Value) -> Option<(u64, u64, u64)> {
    let place: eticket_core::ticket::Place =
        serde_json::from_value(record["place"].clone()).unwrap();
    match place {
        eticket_core::ticket::Place::Seat { block, row, number } => {
            Some((block.0.into(), row.into(), number.into()))
        }
        eticket_core::ticket::Place::Area(_) => None,
    }
}

/// `best_accessible` gets accessible places with companion seats beside
/// them, for a sale and for a hold; general `best_available` requests never
/// get either, even when nothing else is left.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accessible_requests_get_accessible_places_and_companions() {
    use eticket_center::organizer::{SeatSelection, SeatSelector};
    let api = Api::start().await;
    let hall = EventId(2028);
    tokio::task::block_in_place(|| {
        let file =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/small_hall_evening.toml");
        let reg = eticket_center::event_file::load(&file).unwrap();
        let who = Principal::Organizer(1);
        api._center.register_event(&who, "hall", &reg).unwrap();
        api._center
            .select_distributor(&who, "hall-d1", hall, DistributorId(1), Default::default())
            .unwrap();
        let all = SeatSelection {
            distributor: Some(DistributorId(1)),
            seats: vec![SeatSelector::All],
            from: vec![None],
            as_of: None,
        };
        api._center
            .set_allotment_selection(&who, "hall-all", hall, &all)
            .unwrap();
    });
    let seats = hall_seats(&api).await;
    let reserved = seats.values().filter(|(f, _)| *f != 0).count();
    assert!(
        reserved >= 3,
        "the hall has accessible places and companion seats"
    );

    // One wheelchair place and one companion seat, side by side.
    let sale =
        json!({"seats": {"best_accessible": {"quantity": 1, "companions": 1}}, "holder": "paper"});
    let (s, v) = api
        .post("/v1/events/2028/sales", &api.d1, "acc-1", sale)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let got: Vec<_> = v["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| seat_of(r).unwrap())
        .collect();
    assert_eq!(got.len(), 2, "{v}");
    assert_eq!(
        (got[0].0, got[0].1),
        (got[1].0, got[1].1),
        "one row: {got:?}"
    );
    let flags: Vec<u64> = got.iter().map(|k| seats[k].0).collect();
    assert!(
        flags.contains(&1) && flags.iter().all(|f| *f != 0),
        "{got:?} {flags:?}"
    );

    // A hold for one wheelchair place.
    let hold = json!({"seats": {"best_accessible": {"quantity": 1}}, "buyer": {"reference": "wheelchair"}});
    let (s, v) = api
        .post("/v1/events/2028/holds", &api.d1, "acc-hold", hold)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let held: Vec<_> = hall_seats(&api)
        .await
        .into_iter()
        .filter(|(_, (_, taken))| *taken == 2)
        .collect();
    assert_eq!(held.len(), 1, "{held:?}");
    assert_eq!(held[0].1.0, 1, "the held seat is an accessible place");

    // General requests of every seat type until each is sold out: none
    // takes an accessible place or a companion seat.
    let (_, map) = api.get("/v1/events/2028/seat-map", &api.org).await;
    for t in map["seat_types"].as_array().unwrap() {
        for k in 0.. {
            let sale = json!({"seats": {"best_available": {"seat_type": t["id"], "quantity": 4}}, "holder": "paper"});
            let (s, v) = api
                .post(
                    "/v1/events/2028/sales",
                    &api.d1,
                    &format!("gen-{}-{k}", t["id"]),
                    sale,
                )
                .await;
            if s == StatusCode::CONFLICT {
                assert_eq!(code(&v), "sold_out", "{v}");
                break;
            }
            assert_eq!(s, StatusCode::OK, "{v}");
            for seat in v["records"].as_array().unwrap().iter().filter_map(seat_of) {
                assert_eq!(seats[&seat].0, 0, "a general request got {seat:?}");
            }
        }
    }
    let after = hall_seats(&api).await;
    let left = after
        .values()
        .filter(|(f, taken)| *f != 0 && *taken == 0)
        .count();
    assert_eq!(
        left,
        reserved - 3,
        "only the accessible request and the hold took them"
    );
    // Companion seats alone are refused.
    let bad =
        json!({"seats": {"best_accessible": {"quantity": 0, "companions": 2}}, "holder": "paper"});
    let (s, v) = api
        .post("/v1/events/2028/sales", &api.d1, "acc-0", bad)
        .await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::BAD_REQUEST, "invalid_request"),
        "{v}"
    );
}

/// A venue whose registration is larger than a body may be is registered
/// gzipped: the 20,000-seat sample arena as pretty JSON is over 4 MiB (too
/// large plain) and is taken gzipped from an organizer, refused gzipped from a
/// distributor before it is inflated; a body that is not gzip, another
/// coding, and a bomb that inflates past the limit are refused with what is
/// wrong.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_venue_is_registered_gzipped() {
    use std::io::Write as _;
    let api = Api::start().await;
    let venue = eticket_alloc::venues::arena().unwrap();
    let map = eticket_alloc::SeatMap::from_toml(&venue.seat_map).unwrap();
    let reg = eticket_center::event_file::from_toml(&venue.event, &map).unwrap();
    let event = reg.info.id;
    let plain = serde_json::to_vec_pretty(&reg).unwrap();
    assert!(
        plain.len() > eticket_center::http::MAX_BODY_BYTES,
        "{}",
        plain.len()
    );
    let gzip = |bytes: &[u8]| {
        let mut z = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(bytes).unwrap();
        z.finish().unwrap()
    };
    let send = |token: &str, key: &str, coding: Option<&str>, body: Vec<u8>| {
        let mut req = api
            .http
            .post(format!("{}/v1/events", api.base))
            .bearer_auth(token)
            .header("Idempotency-Key", key)
            .header("Content-Type", "application/json");
        if let Some(coding) = coding {
            req = req.header("Content-Encoding", coding);
        }
        let req = req.body(body);
        async move {
            let resp = req.send().await.unwrap();
            let status = resp.status();
            let v: Value = serde_json::from_str(&resp.text().await.unwrap()).unwrap();
            (status, v["error"]["code"].as_str().unwrap_or("").to_owned())
        }
    };
    // (Sent plain it is refused by its Content-Length before it is read:
    // `body_too_large`, tested with the other limits.)
    let packed = gzip(&plain);
    assert_eq!(
        send(&api.d1, "big-2", Some("gzip"), packed.clone()).await,
        (StatusCode::FORBIDDEN, "forbidden".into())
    );
    assert_eq!(
        send(&api.org, "big-3", Some("gzip"), b"not gzip".to_vec()).await,
        (StatusCode::BAD_REQUEST, "invalid_body".into())
    );
    assert_eq!(
        send(&api.org, "big-4", Some("br"), packed.clone()).await,
        (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type".into()
        )
    );
    let bomb = gzip(&vec![
        b' ';
        eticket_center::http::MAX_REGISTRATION_BYTES + 1
    ]);
    assert!(bomb.len() < 1 << 20);
    assert_eq!(
        send(&api.org, "big-5", Some("gzip"), bomb).await,
        (StatusCode::PAYLOAD_TOO_LARGE, "body_too_large".into())
    );
    assert_eq!(
        send(&api.org, "big-6", Some("gzip"), packed.clone()).await,
        (StatusCode::OK, String::new())
    );
    let (s, info) = api.get(&format!("/v1/events/{}", event.0), &api.org).await;
    assert_eq!(s, StatusCode::OK, "{info}");
    assert_eq!(info["seats"]["seats"].as_array().unwrap().len(), 20_000);
    // The same registration sent again, plain this time under the same key
    // (minified, within the limit), is the first answer, not a second event.
    let small = serde_json::to_vec(&reg).unwrap();
    if small.len() <= eticket_center::http::MAX_BODY_BYTES {
        assert_eq!(
            send(&api.org, "big-6", None, small).await,
            (StatusCode::OK, String::new())
        );
    }
}
