//! An OTLP/HTTP metrics receiver whose decoding nobody here wrote: `testkit/py/otlp_receiver.py`
//! parses requests with the OpenTelemetry project's generated Python classes (PyPI
//! `opentelemetry-proto`) and writes one JSON line per data point, which [`OtlpReceiver::points`]
//! reads back. With [`OtlpReceiver::start_grpc`] it serves OTLP/gRPC too (PyPI `grpcio` and
//! the official `metrics_service_pb2_grpc`); [`OtlpReceiver::start_on`] binds a port chosen
//! in advance, for tests where the exporter is running before the receiver exists.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::http::try_http_request;
use crate::process::Daemon;
use crate::python::python_with;

const PROTO_MODULE: &str = "opentelemetry.proto.collector.metrics.v1.metrics_service_pb2";
const GRPC_MODULE: &str = "opentelemetry.proto.collector.metrics.v1.metrics_service_pb2_grpc";

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
    server: Server,
    grpc_port: Option<u16>,
}

/// The receiver's process: on a free port ([`Daemon`], which retries if the port is taken
/// meanwhile) or on a port the test chose ([`Pinned`]).
#[derive(Debug)]
enum Server {
    Free(Daemon),
    Pinned(Pinned),
}

impl Server {
    fn addr(&self) -> SocketAddr {
        match self {
            Server::Free(d) => d.addr(),
            Server::Pinned(p) => p.addr,
        }
    }

    fn dir(&self) -> &Path {
        match self {
            Server::Free(d) => d.dir(),
            Server::Pinned(p) => p.dir.path(),
        }
    }
}

/// A receiver bound to a given port; killed (and reaped) when dropped.
#[derive(Debug)]
struct Pinned {
    child: Child,
    addr: SocketAddr,
    dir: tempfile::TempDir,
}

impl Drop for Pinned {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One data point as the receiver decoded it.
#[derive(Clone, Debug)]
pub struct OtlpPoint {
    /// The whole line: `req`, `attempts`, `transport` (`http/protobuf`, `http/json`, with
    /// `+gzip` when compressed, or `grpc`), `headers` (the `x-*` ones or gRPC metadata), `resource`, `scope`, `name`,
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
        let python = python_with(PROTO_MODULE)?;
        let daemon = Daemon::start(&python, "/", |addr, dir| args(addr.port(), dir, fail, None));
        Some(OtlpReceiver {
            server: Server::Free(daemon),
            grpc_port: None,
        })
    }

    /// Starts a receiver serving OTLP/gRPC as well (on its own free port, see
    /// [`grpc_endpoint`](Self::grpc_endpoint)); `None` after a note when the virtualenv
    /// lacks `grpcio`, a panic under `CI=true`.
    pub fn start_grpc() -> Option<OtlpReceiver> {
        OtlpReceiver::start_grpc_failing(FailFirst::default())
    }

    /// [`start_grpc`](Self::start_grpc), refusing the first exports (both transports) as
    /// `fail` says: 503 as `UNAVAILABLE`, 429 as `RESOURCE_EXHAUSTED`, any other status as
    /// `INVALID_ARGUMENT`.
    pub fn start_grpc_failing(fail: FailFirst) -> Option<OtlpReceiver> {
        OtlpReceiver::start_grpc_with(fail, Grpc::Gzip)
    }

    /// [`start_grpc`](Self::start_grpc) with a gRPC server that accepts uncompressed
    /// requests only and refuses gzip ones with `UNIMPLEMENTED`: grpcio decompresses before
    /// the handler sees a request, so this is how a test proves its requests are gzipped.
    pub fn start_grpc_refusing_gzip() -> Option<OtlpReceiver> {
        OtlpReceiver::start_grpc_with(FailFirst::default(), Grpc::IdentityOnly)
    }

    fn start_grpc_with(fail: FailFirst, grpc: Grpc) -> Option<OtlpReceiver> {
        python_with(PROTO_MODULE)?;
        let python = python_with(GRPC_MODULE)?;
        let daemon = Daemon::start(&python, "/", |addr, dir| {
            args(addr.port(), dir, fail, Some(grpc))
        });
        let grpc_port = std::fs::read_to_string(grpc_port_file(daemon.dir()))
            .ok()
            .and_then(|p| p.trim().parse().ok())
            .unwrap_or_else(|| panic!("no gRPC port written; log:\n{}", daemon.log()));
        Some(OtlpReceiver {
            server: Server::Free(daemon),
            grpc_port: Some(grpc_port),
        })
    }

    /// Starts an OTLP/HTTP receiver on `127.0.0.1:port`, a port the test picked before
    /// (with [`free_port`](crate::free_port)) and may already have given an exporter.
    /// Panics with the receiver's log when it cannot bind it within 20 s.
    pub fn start_on(port: u16) -> Option<OtlpReceiver> {
        let python = python_with(PROTO_MODULE)?;
        let dir = tempfile::Builder::new()
            .prefix("otlp_receiver-")
            .tempdir()
            .expect("a temporary directory");
        let log = std::fs::File::create(dir.path().join("server.log")).expect("log file");
        let child = Command::new(&python)
            .args(args(port, dir.path(), FailFirst::default(), None))
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log file"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", python.display()));
        let mut pinned = Pinned {
            child,
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, port)),
            dir,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let exited = pinned.child.try_wait().ok().flatten().is_some();
            if exited || Instant::now() > deadline {
                let log = std::fs::read_to_string(pinned.dir.path().join("server.log"));
                panic!(
                    "receiver on port {port} not ready; log:\n{}",
                    log.unwrap_or_default()
                );
            }
            if try_http_request(pinned.addr, "GET", "/", &[], &[]).is_ok_and(|r| r.status == 200) {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(OtlpReceiver {
            server: Server::Pinned(pinned),
            grpc_port: None,
        })
    }

    /// The base URL to give an exporter (`http://127.0.0.1:<port>`).
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.server.addr())
    }

    /// The gRPC endpoint (`http://127.0.0.1:<grpc port>`) of a receiver started with
    /// [`start_grpc`](Self::start_grpc); panics for one without gRPC.
    pub fn grpc_endpoint(&self) -> String {
        let port = self
            .grpc_port
            .expect("started without gRPC (use start_grpc)");
        format!("http://127.0.0.1:{port}")
    }

    /// Every data point received so far.
    pub fn points(&self) -> Vec<OtlpPoint> {
        std::fs::read_to_string(points_file(self.server.dir()))
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
        std::fs::read_to_string(self.server.dir().join("server.log")).unwrap_or_default()
    }
}

/// The script's command line.
/// Whether and how the receiver serves gRPC.
#[derive(Clone, Copy, Debug)]
enum Grpc {
    Gzip,
    IdentityOnly,
}

fn args(port: u16, dir: &Path, fail: FailFirst, grpc: Option<Grpc>) -> Vec<String> {
    let mut args = vec![
        SCRIPT.to_owned(),
        "--port".into(),
        port.to_string(),
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
    if let Some(grpc) = grpc {
        // Port 0: the receiver binds any free port and reports it, so there is no race.
        args.extend([
            "--grpc-port".into(),
            "0".into(),
            "--grpc-port-file".into(),
            grpc_port_file(dir).display().to_string(),
        ]);
        if matches!(grpc, Grpc::IdentityOnly) {
            args.push("--grpc-no-gzip".into());
        }
    }
    args
}

fn points_file(dir: &Path) -> PathBuf {
    dir.join("points.jsonl")
}

fn grpc_port_file(dir: &Path) -> PathBuf {
    dir.join("grpc_port")
}
