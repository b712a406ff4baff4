//! A **fake** Google Cloud Monitoring API v3 (REST/JSON) on loopback, for the Stackdriver
//! exporter's tests. It is not Google and not an emulator (none exists): it is a small server
//! that checks requests against the official schema and the API's documented write rules, so
//! an exporter that passes here sends what Cloud Monitoring accepts, as far as these rules go.
//!
//! - Schema (`schema.rs`): every request body is checked against Google's public discovery
//!   document for `monitoring:v3` (the copy PyPI's `google-api-python-client` ships, pinned
//!   in `scripts/test`; its revision is in the document's `revision` field): unknown fields are rejected, JSON types follow the
//!   schema (int64 as strings, `google-datetime` as RFC 3339 strings, enums among the
//!   schema's values).
//! - `POST /v3/projects/{p}/metricDescriptors` (a `MetricDescriptor`) and
//!   `POST /v3/projects/{p}/timeSeries` (a `CreateTimeSeriesRequest`); anything else,
//!   `timeSeries:createService` included, is a 404.
//! - Write rules (`rules.rs`): at most 200 time series per request; exactly one point per
//!   series; no series twice in one request; end time within \[now − 25 h, now + 5 min\]; the
//!   points of a series (metric type + labels + resource) strictly newer than the last written
//!   one and at most one every 5 s; CUMULATIVE needs `startTime` < `endTime` and the start of
//!   the previous point unless it is a reset (start ≥ previous end); GAUGE needs `startTime`
//!   absent or equal to `endTime`.
//! - User-defined types (`custom.googleapis.com/`, `workload.googleapis.com/`): no DELTA, no
//!   CUMULATIVE BOOL/STRING, no MONEY; the descriptor must exist before the first write; the
//!   series' `metricKind`/`valueType`, when present, must be the descriptor's; every metric
//!   label must be declared in the descriptor's `labels` ("unrecognized metric label").
//! - Labels: keys match `[a-zA-Z][a-zA-Z0-9_]*` (≤ 100 characters), ≤ 30 labels, values
//!   ≤ 1024 characters.
//! - Values: `point.value` (a `TypedValue` oneof) sets exactly one field, the one of the
//!   series' value type (INT64 → `int64Value`, DOUBLE → `doubleValue`, BOOL → `boolValue`,
//!   STRING → `stringValue`, DISTRIBUTION → `distributionValue`).
//! - Distributions, as the discovery document's `Distribution` and `BucketOptions` state:
//!   `bucketOptions` sets exactly one of `explicitBuckets` (≥ 1 finite, strictly increasing
//!   bounds), `linearBuckets` (`numFiniteBuckets` > 0, `width` > 0) or `exponentialBuckets`
//!   (`numFiniteBuckets` > 0, `scale` > 0, `growthFactor` > 1). They define N buckets:
//!   `bounds.len() + 1` for explicit ones (bucket 0 is (−∞, b0), bucket i is \[b(i−1), b(i)),
//!   the last is \[b(N−2), +∞)), `numFiniteBuckets + 2` for the others; N ≤ 200 (the API's
//!   limit on buckets). `bucketCounts` has at most N non-negative values (fewer: the rest are
//!   zero) summing to `count` (≥ 0); `mean` and `sumOfSquaredDeviation` are finite, zero (or
//!   absent) when `count` is zero, and `sumOfSquaredDeviation` ≥ 0; `range` is absent when
//!   `count` is zero; exemplars are in increasing order of value.
//! - Monitored resources: only the types of [`MONITORED_RESOURCES`], each with exactly its
//!   labels, all required and non-empty (`global` needs `project_id`).
//! - Violations answer 400 with a Google-style error body
//!   (`{"error":{"code":400,"message":…,"status":"INVALID_ARGUMENT"}}`) naming the rule. As the
//!   real API does, a `timeSeries` request whose body is well formed writes the valid series
//!   and reports the others by index (`timeSeries[i]`) in the message and in a
//!   `CreateTimeSeriesSummary` detail; a request failing the schema or the 200-series limit
//!   writes nothing.
//! - Authentication: [`CloudMonitoring::start_with_auth`] requires on every request
//!   `Authorization: Bearer <token>` with a token that [`crate::GoogleAuth`] issued, neither
//!   expired nor revoked, and answers 401 `UNAUTHENTICATED` otherwise (with
//!   `WWW-Authenticate: Bearer …`). [`CloudMonitoring::start`] needs no credentials.
//! - Faults: [`CloudMonitoring::fail_next`] answers the next writes with an error status.

mod rules;
mod schema;
mod time;

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{json, Map, Value};

use crate::fake_server::{FakeServer, Reply, Request};
use crate::google_auth::{AuthFailure, GoogleAuth, Tokens};

pub use time::rfc3339;

/// The monitored-resource types the fake accepts, each with its labels (all required, no
/// others allowed), as listed in Cloud Monitoring's monitored resource types.
pub const MONITORED_RESOURCES: [(&str, &[&str]); 8] = rules::RESOURCES;

/// One HTTP request the fake received (accepted or not).
#[derive(Clone, Debug)]
pub struct CloudMonitoringRequest {
    /// `POST`, `GET`…
    pub method: String,
    /// The request target, query string included.
    pub path: String,
    /// `(lower-cased name, value)` in the order received.
    pub headers: Vec<(String, String)>,
    /// The `Authorization` header, if any.
    pub authorization: Option<String>,
    /// The body as sent.
    pub body: Vec<u8>,
    /// The status the fake answered.
    pub status: u16,
}

#[derive(Debug, Default)]
struct State {
    descriptors: BTreeMap<String, Value>,
    written: Vec<Value>,
    /// Series key -> (start, end) of its last accepted point, in nanoseconds since the epoch.
    last: HashMap<String, (Option<i128>, i128)>,
    requests: Vec<CloudMonitoringRequest>,
    /// Writes still to be failed, with which status.
    faults: Option<(u16, usize)>,
}

/// The fake Cloud Monitoring API, serving on 127.0.0.1 until dropped.
#[derive(Debug)]
pub struct CloudMonitoring {
    server: FakeServer,
    state: Arc<Mutex<State>>,
}

impl CloudMonitoring {
    /// Starts the fake on a free loopback port; requests need no credentials.
    pub fn start() -> Self {
        Self::serve(None)
    }

    /// Starts the fake on a free loopback port; every request needs a bearer token that
    /// `auth` issued and that is neither expired nor revoked.
    pub fn start_with_auth(auth: &GoogleAuth) -> Self {
        Self::serve(Some(auth.tokens()))
    }

    fn serve(auth: Option<Tokens>) -> Self {
        let schemas = schema::load_schemas();
        let state = Arc::new(Mutex::new(State::default()));
        let server = {
            let state = state.clone();
            FakeServer::start(move |request| {
                let mut st = state.lock().unwrap_or_else(|e| e.into_inner());
                let reply = answer(&request, &schemas, auth.as_ref(), &mut st);
                st.requests.push(CloudMonitoringRequest {
                    authorization: request.header("authorization").map(str::to_owned),
                    method: request.method,
                    path: request.path,
                    headers: request.headers,
                    body: request.body,
                    status: reply.status,
                });
                reply
            })
        };
        CloudMonitoring { server, state }
    }

    /// The socket address served.
    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// The API endpoint to give the exporter, `http://127.0.0.1:PORT` (no trailing slash).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr())
    }

    /// Every accepted `TimeSeries`, in order of acceptance, as sent.
    pub fn written(&self) -> Vec<Value> {
        self.lock().written.clone()
    }

    /// The latest accepted `TimeSeries` of each series (metric type and labels, resource
    /// type and labels), in the order the series were first written.
    pub fn accepted_series(&self) -> Vec<Value> {
        let st = self.lock();
        let mut order: Vec<String> = Vec::new();
        let mut latest: HashMap<String, &Value> = HashMap::new();
        for ts in &st.written {
            let key = rules::series_key(ts);
            if latest.insert(key.clone(), ts).is_none() {
                order.push(key);
            }
        }
        order.iter().map(|k| latest[k].clone()).collect()
    }

    /// The metric descriptors created, by type, as sent.
    pub fn descriptors(&self) -> Vec<Value> {
        self.lock().descriptors.values().cloned().collect()
    }

    /// Every request received, in order.
    pub fn requests(&self) -> Vec<CloudMonitoringRequest> {
        self.lock().requests.clone()
    }

    /// Answers the next `n` `timeSeries` and `metricDescriptors` POSTs (after authentication)
    /// with `status` and a Google-style error body (429 `RESOURCE_EXHAUSTED`, 500 `INTERNAL`,
    /// 503 `UNAVAILABLE`…), writing nothing. They are counted in [`Self::requests`].
    pub fn fail_next(&self, status: u16, n: usize) {
        self.lock().faults = (n > 0).then_some((status, n));
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The canonical `google.rpc.Code` name of an HTTP status, as Google's error bodies carry it.
fn status_name(status: u16) -> &'static str {
    match status {
        400 => "INVALID_ARGUMENT",
        401 => "UNAUTHENTICATED",
        403 => "PERMISSION_DENIED",
        404 => "NOT_FOUND",
        409 => "ALREADY_EXISTS",
        429 => "RESOURCE_EXHAUSTED",
        499 => "CANCELLED",
        501 => "UNIMPLEMENTED",
        503 => "UNAVAILABLE",
        504 => "DEADLINE_EXCEEDED",
        _ => "INTERNAL",
    }
}

fn error(code: u16, status: &str, message: impl Into<String>) -> Value {
    json!({"error": {"code": code, "message": message.into(), "status": status}})
}

fn invalid(message: impl Into<String>) -> (u16, Value) {
    (400, error(400, "INVALID_ARGUMENT", message))
}

fn now_nanos() -> i128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as i128)
        .unwrap_or(0)
}

fn answer(
    request: &Request,
    schemas: &Map<String, Value>,
    auth: Option<&Tokens>,
    st: &mut State,
) -> Reply {
    if let Some(tokens) = auth {
        if let Err(failure) = tokens.check(request.header("authorization")) {
            let (message, detail) = match failure {
                AuthFailure::Missing => (
                    "Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential. (fake Cloud Monitoring: no Authorization header)".to_owned(),
                    "",
                ),
                AuthFailure::Invalid(why) => (
                    format!("Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. (fake Cloud Monitoring: {why})"),
                    ", error=\"invalid_token\"",
                ),
            };
            return Reply::json(401, &error(401, "UNAUTHENTICATED", message)).with_header(
                "WWW-Authenticate",
                format!("Bearer realm=\"https://accounts.google.com/\"{detail}"),
            );
        }
    }
    let (status, body) = route(&request.method, &request.path, &request.body, schemas, st);
    Reply::json(status, &body)
}

fn route(
    method: &str,
    path: &str,
    body: &[u8],
    schemas: &Map<String, Value>,
    st: &mut State,
) -> (u16, Value) {
    let path = path.split('?').next().unwrap_or("");
    let parts: Vec<&str> = path.split('/').collect();
    let target = match (method, parts.as_slice()) {
        ("POST", ["", "v3", "projects", p, "timeSeries"]) if !p.is_empty() => "TimeSeries",
        ("POST", ["", "v3", "projects", p, "metricDescriptors"]) if !p.is_empty() => {
            "MetricDescriptor"
        }
        _ => {
            return (
                404,
                error(
                    404,
                    "NOT_FOUND",
                    format!("{method} {path}: not served by this fake"),
                ),
            )
        }
    };
    if let Some((status, left)) = st.faults {
        st.faults = (left > 1).then_some((status, left - 1));
        let name = status_name(status);
        return (
            status,
            error(
                status,
                name,
                format!("{name}: failure injected by the fake Cloud Monitoring (fail_next)"),
            ),
        );
    }
    let project = parts[3];
    let value: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => return invalid(format!("invalid JSON payload: {e}")),
    };
    if target == "TimeSeries" {
        if let Err(e) = schema::check_schema(schemas, "CreateTimeSeriesRequest", &value, "") {
            return invalid(format!("schema: {e}"));
        }
        rules::write_series(&value, now_nanos(), st)
    } else {
        if let Err(e) = schema::check_schema(schemas, "MetricDescriptor", &value, "") {
            return invalid(format!("schema: {e}"));
        }
        rules::create_descriptor(project, value, st)
    }
}
