//! The exporter's settings: code, then the standard `OTEL_*` environment, then the spec's
//! defaults.
//!
//! Resolution is a pure function of the builder and an environment lookup, so tests pass a
//! map instead of mutating the process environment.
//!
//! | setting | code | signal-specific env | generic env | default |
//! |---|---|---|---|---|
//! | endpoint | `with_endpoint` (base URL, `/v1/metrics` appended over HTTP) | `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT` (used as-is) | `OTEL_EXPORTER_OTLP_ENDPOINT` (`/v1/metrics` appended over HTTP) | `http://localhost:4318/v1/metrics`, gRPC `http://localhost:4317` |
//! | protocol | `with_protocol` | `OTEL_EXPORTER_OTLP_METRICS_PROTOCOL` | `OTEL_EXPORTER_OTLP_PROTOCOL` | `http/protobuf` |
//!
//! The protocol is resolved first because it decides the endpoint's default and whether a
//! path is appended: gRPC names the service in the request, so its endpoint is used as-is.
//! | headers | `with_header` (added to, and overriding, the env's) | `OTEL_EXPORTER_OTLP_METRICS_HEADERS` | `OTEL_EXPORTER_OTLP_HEADERS` | none |
//! | timeout | `with_timeout` | `OTEL_EXPORTER_OTLP_METRICS_TIMEOUT` (ms) | `OTEL_EXPORTER_OTLP_TIMEOUT` (ms) | 10 s |
//! | compression | `with_compression` | `OTEL_EXPORTER_OTLP_METRICS_COMPRESSION` | `OTEL_EXPORTER_OTLP_COMPRESSION` | none |
//! | temporality | `with_temporality` | `OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE` | — | cumulative |
//!
//! An invalid environment value is logged and ignored (the next source applies), as the
//! spec asks; an invalid value given in code is an error from `build()`.

use std::time::Duration;

use telemetry_core::{Error, Temporality};

use super::{Compression, Protocol};

pub(super) const DEFAULT_ENDPOINT: &str = "http://localhost:4318";
/// The spec's default for `grpc`.
pub(super) const DEFAULT_GRPC_ENDPOINT: &str = "http://localhost:4317";
pub(super) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
const METRICS_PATH: &str = "/v1/metrics";

/// What the builder was given in code.
#[derive(Clone, Debug, Default)]
pub(super) struct Explicit {
    pub(super) endpoint: Option<String>,
    pub(super) protocol: Option<Protocol>,
    pub(super) headers: Vec<(String, String)>,
    pub(super) timeout: Option<Duration>,
    pub(super) compression: Option<Compression>,
    pub(super) temporality: Option<Temporality>,
}

/// The settings in force.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Resolved {
    pub(super) url: String,
    pub(super) protocol: Protocol,
    pub(super) headers: Vec<(String, String)>,
    pub(super) timeout: Duration,
    pub(super) compression: Compression,
    pub(super) temporality: Temporality,
}

pub(super) fn config_error(message: String) -> Error {
    Error::Export {
        exporter: "otlp",
        message,
    }
}

/// The first valid value among the signal-specific and the generic variable.
fn from_env<T>(
    env: &dyn Fn(&str) -> Option<String>,
    names: &[&str],
    parse: impl Fn(&str) -> Option<T>,
) -> Option<T> {
    names.iter().find_map(|name| {
        let raw = env(name).filter(|v| !v.trim().is_empty())?;
        let parsed = parse(raw.trim());
        if parsed.is_none() {
            log::warn!("ignoring {name}={raw:?}: not a valid value");
        }
        parsed
    })
}

pub(super) fn resolve(
    explicit: &Explicit,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Resolved, Error> {
    let protocol = explicit
        .protocol
        .or_else(|| {
            from_env(
                env,
                &[
                    "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL",
                    "OTEL_EXPORTER_OTLP_PROTOCOL",
                ],
                Protocol::parse,
            )
        })
        .unwrap_or_default();
    if protocol == Protocol::Grpc && !cfg!(feature = "otlp-grpc") {
        return Err(config_error(
            "protocol grpc needs the `otlp-grpc` feature of telemetry-exporters".to_owned(),
        ));
    }
    let grpc = protocol == Protocol::Grpc;
    // Over HTTP a base URL gets the signal's path; gRPC's endpoint is used as-is.
    let base_url = |base: &str| {
        if grpc {
            base.trim_end_matches('/').to_owned()
        } else {
            with_metrics_path(base)
        }
    };
    let url = match &explicit.endpoint {
        Some(base) => base_url(base),
        None => env("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT")
            .filter(|v| !v.trim().is_empty())
            .map(|v| v.trim().to_owned())
            .or_else(|| {
                env("OTEL_EXPORTER_OTLP_ENDPOINT")
                    .filter(|v| !v.trim().is_empty())
                    .map(|v| base_url(v.trim()))
            })
            .unwrap_or_else(|| {
                base_url(if grpc {
                    DEFAULT_GRPC_ENDPOINT
                } else {
                    DEFAULT_ENDPOINT
                })
            }),
    };
    if !url.starts_with("http://") {
        return Err(config_error(format!(
            "endpoint {url:?}: only plain http:// is supported (this build has no TLS)"
        )));
    }
    let timeout = explicit
        .timeout
        .or_else(|| {
            from_env(
                env,
                &[
                    "OTEL_EXPORTER_OTLP_METRICS_TIMEOUT",
                    "OTEL_EXPORTER_OTLP_TIMEOUT",
                ],
                |v| v.parse::<u64>().ok().map(Duration::from_millis),
            )
        })
        .unwrap_or(DEFAULT_TIMEOUT);
    let compression = explicit
        .compression
        .or_else(|| {
            from_env(
                env,
                &[
                    "OTEL_EXPORTER_OTLP_METRICS_COMPRESSION",
                    "OTEL_EXPORTER_OTLP_COMPRESSION",
                ],
                |v| match v.to_ascii_lowercase().as_str() {
                    "gzip" => Some(Compression::Gzip),
                    "none" => Some(Compression::None),
                    _ => None,
                },
            )
        })
        .unwrap_or_default();
    let temporality = explicit
        .temporality
        .or_else(|| {
            from_env(
                env,
                &["OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE"],
                |v| match v.to_ascii_lowercase().as_str() {
                    "cumulative" => Some(Temporality::Cumulative),
                    // Low memory wants delta counters and histograms but cumulative
                    // up-down counters; a reader here has one temporality, so delta is the
                    // closer (and the memory-saving) choice.
                    "delta" | "lowmemory" => Some(Temporality::Delta),
                    _ => None,
                },
            )
        })
        .unwrap_or_default();
    // The generic variable's headers, overridden key by key by the signal's, then by code.
    let mut headers = Vec::new();
    for name in [
        "OTEL_EXPORTER_OTLP_HEADERS",
        "OTEL_EXPORTER_OTLP_METRICS_HEADERS",
    ] {
        if let Some(raw) = env(name) {
            merge(&mut headers, parse_headers(name, &raw));
        }
    }
    merge(&mut headers, explicit.headers.clone());
    Ok(Resolved {
        url,
        protocol,
        headers,
        timeout,
        compression,
        temporality,
    })
}

fn with_metrics_path(base: &str) -> String {
    let base = base.trim_end_matches('/');
    if base.ends_with(METRICS_PATH) {
        base.to_owned()
    } else {
        format!("{base}{METRICS_PATH}")
    }
}

fn merge(into: &mut Vec<(String, String)>, from: Vec<(String, String)>) {
    for (k, v) in from {
        into.retain(|(old, _)| !old.eq_ignore_ascii_case(&k));
        into.push((k, v));
    }
}

/// `key1=value1,key2=value2` (W3C baggage without properties), values percent-decoded; a
/// malformed pair is logged and skipped.
fn parse_headers(name: &str, raw: &str) -> Vec<(String, String)> {
    raw.split(',')
        .filter(|pair| !pair.trim().is_empty())
        .filter_map(|pair| {
            let parsed = pair.split_once('=').and_then(|(k, v)| {
                let k = k.trim();
                let v = percent_decode(v.trim())?;
                (!k.is_empty()).then(|| (k.to_owned(), v))
            });
            if parsed.is_none() {
                log::warn!("ignoring malformed header {pair:?} in {name}");
            }
            parsed
        })
        .collect()
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests;
