//! The scrape endpoint over real loopback TCP, spoken to with hand-written HTTP/1.1.

#![cfg(feature = "prometheus")]

use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use telemetry_core::{KeyValue, MeterProvider};
use telemetry_exporters::prometheus::{Gatherers, PrometheusExporter};
use telemetry_testkit::http;

const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

fn setup() -> (PrometheusExporter, MeterProvider) {
    let exporter = PrometheusExporter::new();
    let provider = MeterProvider::builder()
        .with_reader(exporter.clone())
        .build();
    let counter = provider
        .meter("test")
        .u64_counter("scrapes.seen")
        .with_description("A counter")
        .build()
        .unwrap();
    counter.add(5, &[KeyValue::new("k", "v")]);
    (exporter, provider)
}

const BODY: &str = "# HELP scrapes_seen_total A counter\n\
                    # TYPE scrapes_seen_total counter\n\
                    scrapes_seen_total{k=\"v\"} 5\n";

/// True once nothing accepts connections on `addr` any more (the event loop closes the
/// listener before `shutdown` returns; polling keeps the tests independent of that).
fn closed_within(addr: SocketAddr, limit: Duration) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    false
}

#[test]
fn get_metrics_serves_the_exposition() {
    let (exporter, _provider) = setup();
    let server = exporter.serve("127.0.0.1:0").unwrap();
    let addr = server.local_addr();
    assert!(addr.ip().is_loopback() && addr.port() != 0);

    let response = http(addr, "GET", "/metrics");
    assert_eq!(response.status, 200, "{response:?}");
    assert_eq!(response.header("content-type"), Some(CONTENT_TYPE));
    assert_eq!(
        response.header("content-length"),
        Some(BODY.len().to_string().as_str())
    );
    assert_eq!(response.text(), BODY);

    // A query string does not change the route.
    assert_eq!(http(addr, "GET", "/metrics?debug=1").text(), BODY);

    // HEAD: the same headers, no body.
    let head = http(addr, "HEAD", "/metrics");
    assert_eq!(head.status, 200);
    assert_eq!(head.header("content-type"), Some(CONTENT_TYPE));
    assert_eq!(head.text(), "");
    server.shutdown();
}

#[test]
fn other_paths_are_404_and_other_methods_405() {
    let (exporter, _provider) = setup();
    let server = exporter.serve("127.0.0.1:0").unwrap();
    let addr = server.local_addr();

    for path in ["/", "/metric", "/metrics/", "/favicon.ico"] {
        let response = http(addr, "GET", path);
        assert_eq!(response.status, 404, "{path}: {response:?}");
        assert!(response.text().contains("/metrics"), "{response:?}");
    }
    for method in ["POST", "PUT", "DELETE"] {
        let response = http(addr, method, "/metrics");
        assert_eq!(response.status, 405, "{method}: {response:?}");
        assert_eq!(response.header("allow"), Some("GET, HEAD"));
    }
    server.shutdown();
}

#[test]
fn failed_collection_is_500_and_final_collection_is_served_after_shutdown() {
    // Not registered with any provider: nothing to collect from.
    let lonely = PrometheusExporter::new();
    let server = lonely.serve("127.0.0.1:0").unwrap();
    let response = http(server.local_addr(), "GET", "/metrics");
    assert_eq!(response.status, 500);
    assert!(
        response.text().starts_with("collection failed: "),
        "{response:?}"
    );
    assert!(response.text().ends_with('\n'));
    server.shutdown();

    // After the provider shut down, the final collection it handed over is served.
    let (exporter, provider) = setup();
    let server = exporter.serve("127.0.0.1:0").unwrap();
    provider.shutdown().unwrap();
    let response = http(server.local_addr(), "GET", "/metrics");
    assert_eq!((response.status, response.text()), (200, BODY));
}

#[test]
fn shutdown_joins_and_closes_the_port() {
    let (exporter, _provider) = setup();
    let server = exporter.serve("127.0.0.1:0").unwrap();
    let addr = server.local_addr();
    assert_eq!(http(addr, "GET", "/metrics").status, 200);

    let start = Instant::now();
    server.shutdown();
    let took = start.elapsed();
    assert!(took < Duration::from_secs(2), "shutdown took {took:?}");
    assert!(
        closed_within(addr, Duration::from_secs(5)),
        "{addr} still accepts connections"
    );
    // The exporter itself still works without the server.
    assert_eq!(exporter.render().unwrap(), BODY);
}

#[test]
fn dropping_the_server_stops_it() {
    let (exporter, _provider) = setup();
    let server = exporter.serve("127.0.0.1:0").unwrap();
    let addr = server.local_addr();
    drop(server);
    assert!(
        closed_within(addr, Duration::from_secs(5)),
        "{addr} still accepts connections"
    );
}

#[test]
fn binding_a_taken_port_is_an_io_error() {
    let (exporter, _provider) = setup();
    let first = exporter.serve("127.0.0.1:0").unwrap();
    let err = exporter.serve(first.local_addr()).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::AddrInUse);
}

#[test]
fn scrapes_see_new_values() {
    let exporter = PrometheusExporter::new();
    let provider = MeterProvider::builder()
        .with_reader(exporter.clone())
        .build();
    let gauge = provider
        .meter("t")
        .i64_gauge("level")
        .with_description("L")
        .build()
        .unwrap();
    let server = exporter.serve("127.0.0.1:0").unwrap();
    for v in [1, -7, 42] {
        gauge.record(v, &[]);
        let body = http(server.local_addr(), "GET", "/metrics")
            .text()
            .to_owned();
        assert!(body.ends_with(&format!("\nlevel {v}\n")), "{body}");
    }
}

/// What Prometheus 2.42 sends by default (see shared/peers/README.md).
const PROMETHEUS_ACCEPT: &str = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

fn get(addr: SocketAddr, headers: &[(&str, &str)]) -> telemetry_testkit::Response {
    telemetry_testkit::http_request(addr, "GET", "/metrics", headers, b"")
}

fn gunzip(bytes: &[u8]) -> String {
    use std::io::Read;
    let mut text = String::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_string(&mut text)
        .expect("a gzip body");
    text
}

#[test]
fn prometheus_accept_header_gets_openmetrics() {
    let (exporter, _provider) = setup();
    let server = exporter.serve("127.0.0.1:0").unwrap();
    let response = get(server.local_addr(), &[("Accept", PROMETHEUS_ACCEPT)]);
    assert_eq!(response.status, 200, "{response:?}");
    assert_eq!(response.header("content-type"), Some(OPENMETRICS));
    assert_eq!(response.header("content-encoding"), None);
    assert_eq!(response.header("vary"), Some("Accept, Accept-Encoding"));
    let body = response.text();
    assert!(
        body.starts_with(
            "# TYPE scrapes_seen counter\n\
             # HELP scrapes_seen A counter\n\
             scrapes_seen_total{k=\"v\"} 5\n\
             scrapes_seen_created{k=\"v\"} "
        ),
        "{body}"
    );
    assert!(body.ends_with("\n# EOF\n"), "{body}");
    // The same body as the exporter renders (the created time is the series' start).
    assert_eq!(body, exporter.render_openmetrics().unwrap());
}

#[test]
fn other_accept_headers_get_text() {
    let (exporter, _provider) = setup();
    let server = exporter.serve("127.0.0.1:0").unwrap();
    for accept in [
        "text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
        "*/*",
        "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        "application/openmetrics-text;version=0.0.1",
        "application/openmetrics-text;version=1.0.0;q=0",
    ] {
        let response = get(server.local_addr(), &[("Accept", accept)]);
        assert_eq!(
            response.header("content-type"),
            Some(CONTENT_TYPE),
            "{accept}"
        );
        assert_eq!(response.text(), BODY, "{accept}");
    }
}

#[test]
fn openmetrics_can_be_turned_off() {
    let exporter = PrometheusExporter::builder()
        .with_openmetrics(false)
        .build();
    let provider = MeterProvider::builder()
        .with_reader(exporter.clone())
        .build();
    provider
        .meter("t")
        .u64_counter("jobs")
        .build()
        .unwrap()
        .add(1, &[]);
    let server = exporter.serve("127.0.0.1:0").unwrap();
    let response = get(server.local_addr(), &[("Accept", PROMETHEUS_ACCEPT)]);
    assert_eq!(response.header("content-type"), Some(CONTENT_TYPE));
    assert!(
        response.text().ends_with("\njobs_total 1\n"),
        "{response:?}"
    );
    // Rendering OpenMetrics explicitly still works.
    assert!(exporter.render_openmetrics().unwrap().ends_with("# EOF\n"));

    let all = Gatherers::new().with(exporter).with_openmetrics(false);
    let server = all.serve("127.0.0.1:0").unwrap();
    let response = get(server.local_addr(), &[("Accept", PROMETHEUS_ACCEPT)]);
    assert_eq!(response.header("content-type"), Some(CONTENT_TYPE));
}

#[test]
fn gzip_when_accepted_in_both_formats() {
    let (exporter, _provider) = setup();
    let server = exporter.serve("127.0.0.1:0").unwrap();
    let addr = server.local_addr();

    let response = get(addr, &[("Accept-Encoding", "gzip")]);
    assert_eq!(response.header("content-encoding"), Some("gzip"));
    assert_eq!(response.header("content-type"), Some(CONTENT_TYPE));
    assert_eq!(
        response.header("content-length"),
        Some(response.bytes.len().to_string().as_str())
    );
    assert_eq!(gunzip(&response.bytes), BODY);

    // Prometheus sends both headers.
    let response = get(
        addr,
        &[("Accept", PROMETHEUS_ACCEPT), ("Accept-Encoding", "gzip")],
    );
    assert_eq!(response.header("content-encoding"), Some("gzip"));
    assert_eq!(response.header("content-type"), Some(OPENMETRICS));
    assert!(gunzip(&response.bytes).ends_with("# EOF\n"));

    // Refused explicitly: plain.
    let response = get(addr, &[("Accept-Encoding", "gzip;q=0, identity")]);
    assert_eq!(response.header("content-encoding"), None);
    assert_eq!(response.text(), BODY);

    // HEAD: the headers of the compressed response, no body.
    let head = telemetry_testkit::http_request(
        addr,
        "HEAD",
        "/metrics",
        &[("Accept-Encoding", "gzip")],
        b"",
    );
    assert_eq!(head.header("content-encoding"), Some("gzip"));
    assert!(head.bytes.is_empty());
}

#[test]
fn gzip_shrinks_a_large_scrape() {
    let exporter = PrometheusExporter::new();
    let provider = MeterProvider::builder()
        .with_reader(exporter.clone())
        .build();
    let histogram = provider
        .meter("t")
        .f64_histogram("request.duration")
        .with_unit("s")
        .build()
        .unwrap();
    for route in 0..200 {
        let route = format!("/api/v1/items/{route}");
        histogram.record(0.25, &[KeyValue::new("route", route)]);
    }
    let server = exporter.serve("127.0.0.1:0").unwrap();
    let plain = get(server.local_addr(), &[]);
    let gzipped = get(server.local_addr(), &[("Accept-Encoding", "gzip")]);
    assert_eq!(gunzip(&gzipped.bytes), plain.text());
    // Repetitive label sets and `_bucket` lines compress well even at the fastest level.
    assert!(
        gzipped.bytes.len() * 10 < plain.bytes.len(),
        "{} bytes gzipped from {}",
        gzipped.bytes.len(),
        plain.bytes.len()
    );
}
