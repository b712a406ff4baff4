//! End to end: our OTLP exporter → an independent receiver that decodes with the
//! OpenTelemetry project's generated Python classes (testkit `OtlpReceiver`).
#![cfg(feature = "otlp")]

mod otlp_common;

use std::time::{Duration, Instant};

use otlp_common::{check, recorded};
use telemetry_exporters::otlp::{Compression, OtlpExporter, Protocol};
use telemetry_testkit::{FailFirst, OtlpReceiver};

fn exporter(rx: &OtlpReceiver, protocol: Protocol, compression: Compression) -> OtlpExporter {
    OtlpExporter::builder()
        .with_endpoint(rx.endpoint())
        .with_protocol(protocol)
        .with_compression(compression)
        .with_header("x-tenant", "ev")
        .with_timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

fn round_trip(protocol: Protocol, compression: Compression, transport: &str) {
    let Some(rx) = OtlpReceiver::start() else {
        return;
    };
    exporter(&rx, protocol, compression)
        .export(&recorded(), Duration::from_secs(10))
        .unwrap_or_else(|e| panic!("{e}; receiver log:\n{}", rx.log()));
    check(&rx.wait_points(5), transport);
}

#[test]
fn http_protobuf() {
    round_trip(Protocol::HttpProtobuf, Compression::None, "http/protobuf");
}

#[test]
fn http_protobuf_gzip() {
    round_trip(
        Protocol::HttpProtobuf,
        Compression::Gzip,
        "http/protobuf+gzip",
    );
}

#[test]
fn http_json() {
    round_trip(Protocol::HttpJson, Compression::None, "http/json");
}

#[test]
fn http_json_gzip() {
    round_trip(Protocol::HttpJson, Compression::Gzip, "http/json+gzip");
}

fn retried(status: u16, retry_after: Option<u32>) {
    let fail = FailFirst {
        count: 2,
        status,
        retry_after,
    };
    let Some(rx) = OtlpReceiver::start_failing(fail) else {
        return;
    };
    let started = Instant::now();
    exporter(&rx, Protocol::HttpProtobuf, Compression::None)
        .export(&recorded(), Duration::from_secs(10))
        .unwrap_or_else(|e| panic!("{e}; receiver log:\n{}", rx.log()));
    let took = started.elapsed();
    let points = rx.wait_points(5);
    check(&points, "http/protobuf");
    // Delivered once, by the third attempt.
    assert!(points
        .iter()
        .all(|p| p.raw["req"] == 1 && p.raw["attempts"] == 3));
    if let Some(s) = retry_after {
        assert!(took >= Duration::from_secs(u64::from(s) * 2), "{took:?}");
    }
}

#[test]
fn retries_429_with_backoff() {
    retried(429, None);
}

#[test]
fn retries_503_honouring_retry_after() {
    retried(503, Some(1));
}

#[test]
fn gives_up_at_the_deadline() {
    let fail = FailFirst {
        count: 1000,
        status: 503,
        retry_after: None,
    };
    let Some(rx) = OtlpReceiver::start_failing(fail) else {
        return;
    };
    let started = Instant::now();
    let err = exporter(&rx, Protocol::HttpProtobuf, Compression::None)
        .export(&recorded(), Duration::from_millis(800))
        .unwrap_err();
    let took = started.elapsed();
    assert!(took < Duration::from_millis(1500), "{took:?}");
    assert!(err.to_string().contains("503"), "{err}");
    assert!(rx.points().is_empty());
}

#[test]
fn a_client_error_is_not_retried() {
    let fail = FailFirst {
        count: 5,
        status: 400,
        retry_after: None,
    };
    let Some(rx) = OtlpReceiver::start_failing(fail) else {
        return;
    };
    let err = exporter(&rx, Protocol::HttpProtobuf, Compression::None)
        .export(&recorded(), Duration::from_secs(5))
        .unwrap_err();
    assert!(err.to_string().contains("HTTP 400"), "{err}");
}
