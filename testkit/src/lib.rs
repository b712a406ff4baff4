//! The workspace's own test harness (never published): it finds and drives the real servers
//! the end-to-end tests check against, always on 127.0.0.1 and on free ports, and talks
//! HTTP/1.1 over a plain `TcpStream` so no client library stands between a test and the
//! bytes on the wire.
//!
//! A missing tool fails the test under `CI=true`; elsewhere the test prints a note and
//! returns, so `cargo test` on a machine without Prometheus' tools still runs the rest.
//! `./scripts/test` installs every tool this crate looks for.
//!
//! Where no real server can run here, Google's, the crate has loopback fakes that are **not
//! Google**: [`CloudMonitoring`] checks requests against the Cloud Monitoring API v3 discovery
//! document and its documented write rules, and [`GoogleAuth`] plays the OAuth 2.0 token
//! endpoint and the GCE metadata server, verifying signed JWTs with the public key.

mod cloud_monitoring;
mod fake_server;
mod google_auth;
mod http;
mod node_exporter;
mod otlp;
mod process;
mod prometheus;
mod pushgateway;
mod python;
mod tool;

pub use cloud_monitoring::{rfc3339, CloudMonitoring, CloudMonitoringRequest, MONITORED_RESOURCES};
pub use google_auth::{GoogleAuth, IssuedToken, TokenGrant, MONITORING_WRITE_SCOPES};
pub use http::{http, http_request, try_http_request, Response};
pub use node_exporter::NodeExporter;
pub use otlp::{FailFirst, OtlpPoint, OtlpReceiver};
pub use process::{example_binary, free_port, Daemon};
pub use prometheus::{url_encode, Prometheus, Sample, TargetHealth};
pub use pushgateway::Pushgateway;
pub use python::{parse_openmetrics, python_with, ParsedSample};
pub use tool::{assert_promtool_clean, promtool_check, require_tool, ToolOutput};
