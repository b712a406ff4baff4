//! End to end over OTLP/gRPC: our exporter (tonic) → the independent receiver's grpcio
//! server, which decodes with the OpenTelemetry project's generated Python classes. The
//! metrics and checks are those of the HTTP test (tests/otlp_common).
#![cfg(feature = "otlp-grpc")]

mod otlp_common;

use std::time::{Duration, Instant};

use otlp_common::{check, recorded};
use telemetry_exporters::otlp::{Compression, OtlpExporter, Protocol};
use telemetry_testkit::{free_port, FailFirst, OtlpReceiver};

fn exporter(endpoint: String, compression: Compression, timeout: Duration) -> OtlpExporter {
    OtlpExporter::builder()
        .with_endpoint(endpoint)
        .with_protocol(Protocol::Grpc)
        .with_compression(compression)
        .with_header("X-Tenant", "ev")
        .with_timeout(timeout)
        .build()
        .unwrap()
}

fn round_trip(compression: Compression, transport: &str) {
    let Some(rx) = OtlpReceiver::start_grpc() else {
        return;
    };
    exporter(rx.grpc_endpoint(), compression, Duration::from_secs(10))
        .export(&recorded(), Duration::from_secs(10))
        .unwrap_or_else(|e| panic!("{e}; receiver log:\n{}", rx.log()));
    check(&rx.wait_points(5), transport);
}

#[test]
fn grpc() {
    round_trip(Compression::None, "grpc");
}

#[test]
fn grpc_gzip() {
    // grpcio decompresses before the handler, so a point says "grpc" either way; the
    // identity-only receiver's refusal is what shows the request really was gzip.
    round_trip(Compression::Gzip, "grpc");
    let Some(rx) = OtlpReceiver::start_grpc_refusing_gzip() else {
        return;
    };
    let err = exporter(
        rx.grpc_endpoint(),
        Compression::Gzip,
        Duration::from_secs(5),
    )
    .export(&recorded(), Duration::from_secs(5))
    .unwrap_err();
    assert!(err.to_string().contains("Unimplemented"), "{err}");
    exporter(
        rx.grpc_endpoint(),
        Compression::None,
        Duration::from_secs(5),
    )
    .export(&recorded(), Duration::from_secs(5))
    .unwrap_or_else(|e| panic!("{e}; receiver log:\n{}", rx.log()));
    assert_eq!(rx.wait_points(5).len(), 5);
}

#[test]
fn unavailable_is_retried_and_delivered_once() {
    let fail = FailFirst {
        count: 2,
        status: 503,
        retry_after: None,
    };
    let Some(rx) = OtlpReceiver::start_grpc_failing(fail) else {
        return;
    };
    exporter(
        rx.grpc_endpoint(),
        Compression::None,
        Duration::from_secs(10),
    )
    .export(&recorded(), Duration::from_secs(10))
    .unwrap_or_else(|e| panic!("{e}; receiver log:\n{}", rx.log()));
    let points = rx.wait_points(5);
    check(&points, "grpc");
    assert!(points
        .iter()
        .all(|p| p.raw["req"] == 1 && p.raw["attempts"] == 3));
}

#[test]
fn invalid_argument_is_not_retried() {
    let fail = FailFirst {
        count: 5,
        status: 400,
        retry_after: None,
    };
    let Some(rx) = OtlpReceiver::start_grpc_failing(fail) else {
        return;
    };
    let err = exporter(
        rx.grpc_endpoint(),
        Compression::None,
        Duration::from_secs(5),
    )
    .export(&recorded(), Duration::from_secs(5))
    .unwrap_err();
    assert!(err.to_string().contains("InvalidArgument"), "{err}");
}

#[test]
fn nobody_listening_is_retried_until_the_deadline() {
    let port = free_port();
    let started = Instant::now();
    let err = exporter(
        format!("http://127.0.0.1:{port}"),
        Compression::None,
        Duration::from_secs(10),
    )
    .export(&recorded(), Duration::from_millis(800))
    .unwrap_err();
    let took = started.elapsed();
    assert!(took < Duration::from_millis(1500), "{took:?}");
    assert!(err.to_string().contains("Unavailable"), "{err}");
}
