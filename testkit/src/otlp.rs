//! An OTLP/HTTP metrics receiver whose decoding nobody here wrote: `testkit/py/otlp_receiver.py`
//! parses requests with the OpenTelemetry project's generated Python classes (PyPI
//! `opentelemetry-proto`) and writes one JSON line per data point, which [`OtlpReceiver::points`]
//! reads back.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::process::Daemon;
use crate::python::python_with;

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/py/otlp_receiver.py");

/// Failures the receiver injects before it accepts exports (for retry tests).
#[derive(Clone, Copy, Debug, Default)]
pub struct FailFirst {
    /// How many export requests are refused.
    pub count: u32,
    /// With which HTTP status (429, 503…).
    pub status: u16,
    /// The `Retry-After` header (seconds) sent with them, if any.
    pub retry_after: Option<u32>,
}

/// A running receiver on 127.0.0.1; stopped when dropped.
#[derive(Debug)]
pub struct OtlpReceiver {
    daemon: Daemon,
}

/// One data point as the receiver decoded it.
#[derive(Clone, Debug)]
pub struct OtlpPoint {
    /// The whole line: `req`, `attempts`, `transport` (`http/protobuf`, `http/json`, with
    /// `+gzip` when compressed), `headers` (the `x-*` ones), `resource`, `scope`, `name`,
    /// `description`, `unit`, `kind` (`sum`, `gauge`, `histogram`, `summary`…),
    /// `aggregation_temporality`, `is_monotonic`, `point` (protobuf JSON mapping with the
    /// proto field names).
    pub raw: Value,
}

impl OtlpPoint {
    /// The metric's name.
    pub fn name(&self) -> &str {
        self.raw["name"].as_str().unwrap_or_default()
    }

    /// The resource attribute `key` as a string (`string_value`, or any other value's JSON).
    pub fn resource(&self, key: &str) -> Option<String> {
        any_value(&self.raw["resource"][key])
    }

    /// The point's attribute `key`, as a string.
    pub fn attribute(&self, key: &str) -> Option<String> {
        self.raw["point"]["attributes"]
            .as_array()?
            .iter()
            .find(|kv| kv["key"] == key)
            .and_then(|kv| any_value(&kv["value"]))
    }

    /// A numeric field of the point (`as_int`, `as_double`, `count`, `sum`, `min`…),
    /// whichever JSON type the mapping used.
    pub fn number(&self, field: &str) -> Option<f64> {
        number(&self.raw["point"][field])
    }
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

fn any_value(v: &Value) -> Option<String> {
    let (_, inner) = v.as_object()?.iter().next()?;
    Some(match inner {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    })
}

impl OtlpReceiver {
    /// Starts the receiver; `None` (after a note) when the virtualenv lacks
    /// `opentelemetry-proto`, a panic under `CI=true`.
    pub fn start() -> Option<OtlpReceiver> {
        OtlpReceiver::start_failing(FailFirst::default())
    }

    /// Starts a receiver that refuses the first exports as `fail` says.
    pub fn start_failing(fail: FailFirst) -> Option<OtlpReceiver> {
        let python = python_with("opentelemetry.proto.collector.metrics.v1.metrics_service_pb2")?;
        let daemon = Daemon::start(&python, "/", |addr: SocketAddr, dir: &Path| {
            let mut args = vec![
                SCRIPT.to_owned(),
                "--port".into(),
                addr.port().to_string(),
                "--out".into(),
                points_file(dir).display().to_string(),
                "--fail-first".into(),
                fail.count.to_string(),
                "--fail-status".into(),
                fail.status.to_string(),
            ];
            if let Some(s) = fail.retry_after {
                args.extend(["--retry-after".into(), s.to_string()]);
            }
            args
        });
        Some(OtlpReceiver { daemon })
    }

    /// The base URL to give an exporter (`http://127.0.0.1:<port>`).
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.daemon.addr())
    }

    /// Every data point received so far.
    pub fn points(&self) -> Vec<OtlpPoint> {
        std::fs::read_to_string(points_file(self.daemon.dir()))
            .unwrap_or_default()
            .lines()
            .map(|l| OtlpPoint {
                raw: serde_json::from_str(l).expect("the receiver writes JSON lines"),
            })
            .collect()
    }

    /// Waits (up to 10 s) until at least `n` points arrived, and returns them all.
    pub fn wait_points(&self, n: usize) -> Vec<OtlpPoint> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let points = self.points();
            if points.len() >= n || Instant::now() > deadline {
                return points;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The receiver's log (decoding errors end up here).
    pub fn log(&self) -> String {
        self.daemon.log()
    }
}

fn points_file(dir: &Path) -> PathBuf {
    dir.join("points.jsonl")
}
