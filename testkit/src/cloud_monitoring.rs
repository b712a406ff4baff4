//! A **fake** Google Cloud Monitoring API v3 (REST/JSON) on loopback, for the Stackdriver
//! exporter's tests. It is not the real API: it is a small server validated against the
//! official schema and the API's documented write rules, so an exporter that passes here
//! sends what Cloud Monitoring accepts, as far as these rules go.
//!
//! - Schema: every request body is checked against Google's public discovery document for
//!   `monitoring:v3` (copied into `testkit/data/monitoring-v3-discovery.json`, revision in its
//!   `revision` field): unknown fields are rejected, JSON types follow the schema (int64 as
//!   strings, `google-datetime` as RFC 3339 strings, enums among the schema's values).
//! - `POST /v3/projects/{p}/metricDescriptors` (a `MetricDescriptor`) and
//!   `POST /v3/projects/{p}/timeSeries` (a `CreateTimeSeriesRequest`); anything else,
//!   `timeSeries:createService` included, is a 404.
//! - Write rules: at most 200 time series per request; exactly one point per series; no
//!   series twice in one request; end time within \[now − 25 h, now + 5 min\]; the points of
//!   a series (metric type + labels + resource) strictly newer than the last written one and
//!   at most one every 5 s; CUMULATIVE needs `startTime` < `endTime` and the start of the
//!   previous point unless it is a reset (start ≥ previous end); GAUGE needs `startTime`
//!   absent or equal to `endTime`; DELTA is rejected for `custom.googleapis.com/` and
//!   `workload.googleapis.com/` types, whose descriptor must have been created before their
//!   first write (and whose kind and value type the series must match); metric label keys
//!   match `[a-zA-Z][a-zA-Z0-9_]*` (≤ 100 characters), ≤ 30 labels, values ≤ 1024 characters;
//!   a distribution's `count` equals the sum of its `bucketCounts`.
//! - Violations answer 400 with a Google-style error body
//!   (`{"error":{"code":400,"message":…,"status":"INVALID_ARGUMENT"}}`) naming the rule. As the
//!   real API does, a `timeSeries` request whose body is well formed writes the valid series
//!   and reports the others by index (`timeSeries[i]`) in the message and in a
//!   `CreateTimeSeriesSummary` detail; a request failing the schema or the 200-series limit
//!   writes nothing.

use std::collections::{BTreeMap, HashMap};
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{json, Map, Value};

const DISCOVERY: &str = include_str!("../data/monitoring-v3-discovery.json");

const NANOS: i128 = 1_000_000_000;
const MAX_SERIES: usize = 200;
const MAX_PAST: i128 = 25 * 3600 * NANOS;
const MAX_FUTURE: i128 = 5 * 60 * NANOS;
const MIN_PERIOD: i128 = 5 * NANOS;

/// One HTTP request the fake received (accepted or not).
#[derive(Clone, Debug)]
pub struct CloudMonitoringRequest {
    /// `POST`, `GET`…
    pub method: String,
    /// The request target, query string included.
    pub path: String,
    /// `(lower-cased name, value)` in the order received.
    pub headers: Vec<(String, String)>,
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
}

/// The fake Cloud Monitoring API, serving on 127.0.0.1 until dropped.
#[derive(Debug)]
pub struct CloudMonitoring {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl CloudMonitoring {
    /// Starts the fake on a free loopback port.
    pub fn start() -> Self {
        let schemas = Arc::new(load_schemas());
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        let state = Arc::new(Mutex::new(State::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (state, stop) = (state.clone(), stop.clone());
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    if let Ok(stream) = stream {
                        serve(stream, &schemas, &state);
                    }
                }
            })
        };
        CloudMonitoring {
            addr,
            state,
            stop,
            thread: Some(thread),
        }
    }

    /// The socket address served.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The API endpoint to give the exporter, `http://127.0.0.1:PORT` (no trailing slash).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every accepted `TimeSeries`, in order of acceptance, as sent.
    pub fn written(&self) -> Vec<Value> {
        self.lock().written.clone()
    }

    /// The metric descriptors created, by type, as sent.
    pub fn descriptors(&self) -> Vec<Value> {
        self.lock().descriptors.values().cloned().collect()
    }

    /// Every request received, in order.
    pub fn requests(&self) -> Vec<CloudMonitoringRequest> {
        self.lock().requests.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Drop for CloudMonitoring {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Formats a time as the RFC 3339 UTC timestamp the API's JSON mapping uses
/// (`2026-01-02T03:04:05.123456789Z`).
pub fn rfc3339(time: SystemTime) -> String {
    let nanos = match time.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_nanos() as i128,
        Err(e) => -(e.duration().as_nanos() as i128),
    };
    let secs = nanos.div_euclid(NANOS) as i64;
    let frac = nanos.rem_euclid(NANOS);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{frac:09}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

fn load_schemas() -> Map<String, Value> {
    let doc: Value = serde_json::from_str(DISCOVERY).expect("the discovery document is JSON");
    match doc.get("schemas") {
        Some(Value::Object(s)) => s.clone(),
        _ => panic!("the discovery document has no schemas"),
    }
}

fn serve(mut stream: TcpStream, schemas: &Map<String, Value>, state: &Mutex<State>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let Some((method, path, headers, body)) = read_request(&mut stream) else {
        return;
    };
    let (status, reply) = {
        let mut st = state.lock().unwrap_or_else(|e| e.into_inner());
        let (status, reply) = route(&method, &path, &body, schemas, &mut st);
        st.requests.push(CloudMonitoringRequest {
            method,
            path,
            headers,
            body,
            status,
        });
        (status, reply)
    };
    let text = reply.to_string();
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        _ => "Not Found",
    };
    let head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json; charset=UTF-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        text.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(text.as_bytes());
    let _ = stream.flush();
}

type Parsed = (String, String, Vec<(String, String)>, Vec<u8>);

fn read_request(stream: &mut TcpStream) -> Option<Parsed> {
    let mut raw = Vec::new();
    let mut buf = [0u8; 8192];
    let end = loop {
        if let Some(p) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            break p;
        }
        let n = stream.read(&mut buf).ok()?;
        if n == 0 {
            return None;
        }
        raw.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&raw[..end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let (method, path) = (first.next()?.to_owned(), first.next()?.to_owned());
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let len: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = raw[end + 4..].to_vec();
    let chunked = headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.eq_ignore_ascii_case("chunked"));
    if chunked {
        loop {
            if let Some(decoded) = dechunk(&body) {
                return Some((method, path, headers, decoded));
            }
            let n = stream.read(&mut buf).ok()?;
            if n == 0 {
                return None;
            }
            body.extend_from_slice(&buf[..n]);
        }
    }
    while body.len() < len {
        let n = stream.read(&mut buf).ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&buf[..n]);
    }
    body.truncate(len);
    Some((method, path, headers, body))
}

/// The decoded body once the last chunk has arrived, `None` while more is needed.
fn dechunk(mut rest: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = rest.windows(2).position(|w| w == b"\r\n")?;
        let size = std::str::from_utf8(&rest[..line_end]).ok()?;
        let size = size.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size, 16).ok()?;
        if size == 0 {
            return Some(out);
        }
        let data = line_end + 2;
        out.extend_from_slice(rest.get(data..data + size)?);
        rest = rest.get(data + size + 2..)?;
    }
}

fn error(code: u16, status: &str, message: impl Into<String>) -> Value {
    json!({"error": {"code": code, "message": message.into(), "status": status}})
}

fn invalid(message: impl Into<String>) -> (u16, Value) {
    (400, error(400, "INVALID_ARGUMENT", message))
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
    let project = parts[3];
    let value: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => return invalid(format!("invalid JSON payload: {e}")),
    };
    if target == "TimeSeries" {
        if let Err(e) = check_schema(schemas, "CreateTimeSeriesRequest", &value, "") {
            return invalid(format!("schema: {e}"));
        }
        write_series(&value, st)
    } else {
        if let Err(e) = check_schema(schemas, "MetricDescriptor", &value, "") {
            return invalid(format!("schema: {e}"));
        }
        create_descriptor(project, value, st)
    }
}

// ---- schema validation -------------------------------------------------------------------

fn check_schema(
    schemas: &Map<String, Value>,
    name: &str,
    value: &Value,
    at: &str,
) -> Result<(), String> {
    let schema = schemas
        .get(name)
        .ok_or_else(|| format!("{at}: no schema {name} in the discovery document"))?;
    let Value::Object(fields) = value else {
        return Err(format!("{at}: expected a {name} object, got {value}"));
    };
    let props = schema.get("properties").and_then(Value::as_object);
    for (key, v) in fields {
        let field_at = if at.is_empty() {
            key.clone()
        } else {
            format!("{at}.{key}")
        };
        let prop = props
            .and_then(|p| p.get(key))
            .ok_or_else(|| format!("{field_at}: unknown field {key:?} in {name}"))?;
        check_property(schemas, prop, v, &field_at)?;
    }
    Ok(())
}

fn check_property(
    schemas: &Map<String, Value>,
    prop: &Value,
    v: &Value,
    at: &str,
) -> Result<(), String> {
    if let Some(r) = prop.get("$ref").and_then(Value::as_str) {
        return check_schema(schemas, r, v, at);
    }
    let ty = prop.get("type").and_then(Value::as_str).unwrap_or("any");
    let format = prop.get("format").and_then(Value::as_str);
    let bad = |want: &str| Err(format!("{at}: expected {want}, got {v}"));
    match ty {
        "string" => {
            let Some(s) = v.as_str() else {
                return bad(match format {
                    Some("int64" | "uint64") => "an int64 as a string (proto3 JSON)",
                    Some("google-datetime") => "an RFC 3339 timestamp string",
                    _ => "a JSON string",
                });
            };
            match format {
                Some("int64") if s.parse::<i64>().is_err() => return bad("an int64 as a string"),
                Some("uint64") if s.parse::<u64>().is_err() => return bad("a uint64 as a string"),
                Some("google-datetime") if parse_rfc3339(s).is_none() => {
                    return bad("an RFC 3339 timestamp")
                }
                Some("google-duration") if !is_duration(s) => {
                    return bad("a duration such as \"5s\"")
                }
                _ => {}
            }
            if let Some(Value::Array(values)) = prop.get("enum") {
                if !values.iter().any(|e| e.as_str() == Some(s)) {
                    return Err(format!(
                        "{at}: {s:?} is not one of {}",
                        Value::Array(values.clone())
                    ));
                }
            }
        }
        "number" => {
            let special = matches!(v.as_str(), Some("NaN" | "Infinity" | "-Infinity"));
            if !v.is_number() && !special {
                return bad("a JSON number");
            }
        }
        "integer" => {
            let ok = v.is_i64() || v.as_str().is_some_and(|s| s.parse::<i64>().is_ok());
            if !ok {
                return bad("an integer");
            }
        }
        "boolean" if !v.is_boolean() => return bad("true or false"),
        "array" => {
            let Some(items) = v.as_array() else {
                return bad("a JSON array");
            };
            let item = prop.get("items").cloned().unwrap_or(Value::Null);
            for (i, e) in items.iter().enumerate() {
                check_property(schemas, &item, e, &format!("{at}[{i}]"))?;
            }
        }
        "object" => {
            let Some(map) = v.as_object() else {
                return bad("a JSON object");
            };
            if let Some(additional) = prop.get("additionalProperties") {
                for (k, e) in map {
                    check_property(schemas, additional, e, &format!("{at}[{k:?}]"))?;
                }
            }
        }
        _ => {}
    }
    Ok(())
}

fn is_duration(s: &str) -> bool {
    s.strip_suffix('s')
        .is_some_and(|n| !n.is_empty() && n.parse::<f64>().is_ok())
}

// ---- write rules ---------------------------------------------------------------------------

fn is_user_defined(ty: &str) -> bool {
    ty.starts_with("custom.googleapis.com/") || ty.starts_with("workload.googleapis.com/")
}

fn create_descriptor(project: &str, mut d: Value, st: &mut State) -> (u16, Value) {
    let ty = d
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    if ty.is_empty() {
        return invalid("MetricDescriptor.type is required");
    }
    for field in ["metricKind", "valueType"] {
        let v = d.get(field).and_then(Value::as_str).unwrap_or("");
        if v.is_empty() || v.ends_with("_UNSPECIFIED") {
            return invalid(format!("MetricDescriptor.{field} is required for {ty}"));
        }
    }
    if is_user_defined(&ty) && d["metricKind"] == "DELTA" {
        return invalid(format!(
            "DELTA metric kind is not supported for custom metrics ({ty})"
        ));
    }
    let keys: Vec<&str> = d
        .get("labels")
        .and_then(Value::as_array)
        .map(|l| l.iter().filter_map(|l| l.get("key")?.as_str()).collect())
        .unwrap_or_default();
    if let Err(e) = check_label_keys(keys.iter().copied()) {
        return invalid(format!("MetricDescriptor {ty}: {e}"));
    }
    d["name"] = json!(format!("projects/{project}/metricDescriptors/{ty}"));
    st.descriptors.insert(ty, d.clone());
    (200, d)
}

fn check_label_keys<'a>(keys: impl Iterator<Item = &'a str>) -> Result<(), String> {
    let mut n = 0;
    for key in keys {
        n += 1;
        let mut chars = key.chars();
        let valid = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid || key.len() > 100 {
            return Err(format!(
                "label key {key:?} must match [a-zA-Z][a-zA-Z0-9_]* and be at most 100 characters"
            ));
        }
    }
    if n > 30 {
        return Err(format!("{n} labels: at most 30 labels per metric"));
    }
    Ok(())
}

fn series_key(ts: &Value) -> String {
    let labels = |v: &Value| -> BTreeMap<String, String> {
        v.get("labels")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_owned()))
                    .collect()
            })
            .unwrap_or_default()
    };
    let metric = &ts["metric"];
    let resource = &ts["resource"];
    json!([
        metric["type"],
        labels(metric),
        resource["type"],
        labels(resource)
    ])
    .to_string()
}

fn now_nanos() -> i128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as i128)
        .unwrap_or(0)
}

fn write_series(req: &Value, st: &mut State) -> (u16, Value) {
    let series = req
        .get("timeSeries")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if series.is_empty() {
        return invalid("CreateTimeSeriesRequest.timeSeries: at least one time series is required");
    }
    if series.len() > MAX_SERIES {
        return invalid(format!(
            "{} time series in one request: at most {MAX_SERIES} time series per request",
            series.len()
        ));
    }
    let now = now_nanos();
    let mut seen = std::collections::HashSet::new();
    let mut errors = Vec::new();
    for (i, ts) in series.iter().enumerate() {
        let key = series_key(ts);
        let checked = if seen.insert(key.clone()) {
            check_series(ts, &key, now, st)
        } else {
            Err(
                "the same time series appears more than once in this request: \
                 only one point per time series per request"
                    .to_owned(),
            )
        };
        match checked {
            Ok(interval) => {
                st.last.insert(key, interval);
                st.written.push(ts.clone());
            }
            Err(e) => errors.push(format!("timeSeries[{i}]: {e}")),
        }
    }
    if errors.is_empty() {
        return (200, json!({}));
    }
    let total = series.len();
    let summary = json!({
        "@type": "type.googleapis.com/google.monitoring.v3.CreateTimeSeriesSummary",
        "totalPointCount": total,
        "successPointCount": total - errors.len(),
        "errors": errors.iter().map(|e| json!({"status": {"code": 3, "message": e}, "pointCount": 1})).collect::<Vec<_>>(),
    });
    let mut body = error(
        400,
        "INVALID_ARGUMENT",
        format!(
            "One or more TimeSeries could not be written: {}",
            errors.join("; ")
        ),
    );
    body["error"]["details"] = json!([summary]);
    (400, body)
}

/// Checks one series against the write rules; returns the (start, end) to remember.
fn check_series(
    ts: &Value,
    key: &str,
    now: i128,
    st: &State,
) -> Result<(Option<i128>, i128), String> {
    let ty = ts["metric"]["type"].as_str().unwrap_or("");
    if ty.is_empty() {
        return Err("metric.type is required".into());
    }
    if ts["resource"]["type"].as_str().unwrap_or("").is_empty() {
        return Err("resource.type is required".into());
    }
    if let Some(labels) = ts["metric"]["labels"].as_object() {
        check_label_keys(labels.keys().map(String::as_str))?;
        if let Some((k, _)) = labels
            .iter()
            .find(|(_, v)| v.as_str().unwrap_or("").chars().count() > 1024)
        {
            return Err(format!("label {k:?}: values are at most 1024 characters"));
        }
    }
    let kind = ts["metricKind"].as_str().unwrap_or("GAUGE");
    let value_type = ts["valueType"].as_str();
    if is_user_defined(ty) {
        if kind == "DELTA" {
            return Err(format!(
                "DELTA metric kind is not supported for custom metrics ({ty})"
            ));
        }
        let Some(d) = st.descriptors.get(ty) else {
            return Err(format!(
                "no metric descriptor for {ty}: create it before its first write"
            ));
        };
        if d["metricKind"].as_str() != Some(kind) {
            return Err(format!(
                "metricKind {kind} does not match the descriptor's {}",
                d["metricKind"]
            ));
        }
        if let Some(vt) = value_type {
            if d["valueType"].as_str() != Some(vt) {
                return Err(format!(
                    "valueType {vt} does not match the descriptor's {}",
                    d["valueType"]
                ));
            }
        }
    }
    let points = ts["points"].as_array().map(Vec::as_slice).unwrap_or(&[]);
    if points.len() != 1 {
        return Err(format!(
            "{} points: exactly one point per time series per request",
            points.len()
        ));
    }
    let point = &points[0];
    let end = point["interval"]["endTime"]
        .as_str()
        .and_then(parse_rfc3339)
        .ok_or("points[0].interval.endTime is required")?;
    let start = point["interval"]["startTime"]
        .as_str()
        .and_then(parse_rfc3339);
    if end < now - MAX_PAST {
        return Err("end time is more than 25 hours in the past".into());
    }
    if end > now + MAX_FUTURE {
        return Err("end time is more than 5 minutes in the future".into());
    }
    match kind {
        "CUMULATIVE" => match start {
            Some(s) if s < end => {}
            Some(_) => return Err("CUMULATIVE: the start time must be before the end time".into()),
            None => return Err("CUMULATIVE: the start time is required".into()),
        },
        "GAUGE" if start.is_some_and(|s| s != end) => {
            return Err("GAUGE: the start time, if given, must equal the end time".into())
        }
        _ => {}
    }
    if let Some(&(prev_start, prev_end)) = st.last.get(key) {
        if end <= prev_end {
            return Err(
                "Points must be written in order: the end time is not newer than the most recent point of this time series"
                    .into(),
            );
        }
        if end - prev_end < MIN_PERIOD {
            return Err(
                "One or more points were written more frequently than the maximum sampling period configured for the metric: at most one point every 5 s per time series"
                    .into(),
            );
        }
        if kind == "CUMULATIVE" {
            let s = start.unwrap_or(end);
            if Some(s) != prev_start && s < prev_end {
                return Err("CUMULATIVE: the start time changed without a reset (a new start must not precede the previous end time)".into());
            }
        }
    }
    if let Some(d) = point["value"].get("distributionValue") {
        check_distribution(d)?;
    }
    Ok((start, end))
}

fn check_distribution(d: &Value) -> Result<(), String> {
    let count: i64 = d["count"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    if let Some(buckets) = d["bucketCounts"].as_array() {
        if !buckets.is_empty() {
            let sum: i64 = buckets
                .iter()
                .filter_map(|b| b.as_str()?.parse::<i64>().ok())
                .sum();
            if sum != count {
                return Err(format!(
                    "distribution count {count} differs from the sum of its bucketCounts ({sum})"
                ));
            }
        }
    }
    Ok(())
}

// ---- RFC 3339 --------------------------------------------------------------------------------

/// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)` to nanoseconds since the epoch.
fn parse_rfc3339(s: &str) -> Option<i128> {
    let b = s.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let t = s.get(r)?;
        t.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| t.parse().ok())?
    };
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, se) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let mut i = 19;
    let mut frac: i128 = 0;
    if b[i] == b'.' {
        i += 1;
        let from = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let digits = &s[from..i];
        if digits.is_empty() || digits.len() > 9 {
            return None;
        }
        frac = format!("{digits:0<9}").parse().ok()?;
    }
    let offset = match s.get(i..)? {
        "Z" | "z" => 0,
        tz if tz.len() == 6 && matches!(&tz[..1], "+" | "-") && &tz[3..4] == ":" => {
            let oh = num(i + 1..i + 3)?;
            let om = num(i + 4..i + 6)?;
            let sign = if &tz[..1] == "-" { -1 } else { 1 };
            sign * (oh * 3600 + om * 60)
        }
        _ => return None,
    };
    let secs = days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + se - offset;
    Some(secs as i128 * NANOS + frac)
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_round_trips() {
        let t = UNIX_EPOCH + Duration::new(1_767_323_045, 123_456_789);
        let s = rfc3339(t);
        assert_eq!(s, "2026-01-02T03:04:05.123456789Z");
        assert_eq!(parse_rfc3339(&s), Some(1_767_323_045 * NANOS + 123_456_789));
        assert_eq!(
            parse_rfc3339("2026-01-02T04:04:05+01:00"),
            Some(1_767_323_045 * NANOS)
        );
        assert_eq!(parse_rfc3339("2026-01-02 03:04:05Z"), None);
        assert_eq!(parse_rfc3339("1767323045"), None);
    }
}
