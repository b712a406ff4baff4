//! The scrape endpoint under hostile or broken clients, over real loopback TCP: routes,
//! request size limits (431, 413, 411), slow-loris connections, timeouts, the connection
//! bound, thread and descriptor counts, basic/bearer authentication and (feature
//! `prometheus-tls`) HTTPS with a certificate made at test time.
//!
//! The tests run one at a time (`serial`): some count this process' threads and
//! descriptors (in /proc, so on Linux only).
#![cfg(feature = "prometheus")]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use telemetry_core::{KeyValue, MeterProvider};
use telemetry_exporters::prometheus::{PrometheusExporter, ScrapeServer, ServeError, ServeOptions};
use telemetry_testkit::{http, http_request};

const SAMPLE: &str = "hardening_checks_total{k=\"v\"} 3\n";

fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(PoisonError::into_inner)
}

fn setup() -> (PrometheusExporter, MeterProvider) {
    let exporter = PrometheusExporter::new();
    let provider = MeterProvider::builder()
        .with_reader(exporter.clone())
        .build();
    let counter = provider
        .meter("test")
        .u64_counter("hardening.checks")
        .build()
        .unwrap();
    counter.add(3, &[KeyValue::new("k", "v")]);
    (exporter, provider)
}

fn start(options: ServeOptions) -> (ScrapeServer, MeterProvider) {
    let (exporter, provider) = setup();
    (
        exporter.serve_with("127.0.0.1:0", options).unwrap(),
        provider,
    )
}

/// A complete, correct scrape.
fn assert_scrape_works(addr: SocketAddr) {
    let response = http(addr, "GET", "/metrics");
    assert_eq!(response.status, 200, "{response:?}");
    assert!(response.text().contains(SAMPLE), "{}", response.text());
}

/// Sends `request` (the write may fail half-way when the server answers early) and
/// returns the status and the whole response as text.
fn raw(addr: SocketAddr, request: &[u8]) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let _ = stream.write_all(request);
    let mut response = Vec::new();
    // A reset after the answer arrived still leaves the answer in `response`.
    let _ = stream.read_to_end(&mut response);
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {text:?}"));
    (status, text)
}

/// This process' open descriptors.
#[cfg(target_os = "linux")] // /proc
fn fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

/// This process' threads whose name starts with `prefix` (names are cut to 15 bytes).
#[cfg(target_os = "linux")] // /proc
fn threads(prefix: &str) -> usize {
    std::fs::read_dir("/proc/self/task")
        .unwrap()
        .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("comm")).ok())
        .filter(|name| name.starts_with(prefix))
        .count()
}

/// [`threads`] once it reaches `expected` (a new thread names itself after it started),
/// or after a second.
#[cfg(target_os = "linux")] // /proc
fn threads_settled(prefix: &str, expected: usize) -> usize {
    let start = Instant::now();
    loop {
        let n = threads(prefix);
        if n == expected || start.elapsed() > Duration::from_secs(1) {
            return n;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn routes_head_404_and_405() {
    let _serial = serial();
    let (server, _provider) = start(ServeOptions::new());
    let addr = server.local_addr();

    let get = http(addr, "GET", "/metrics");
    let head = http(addr, "HEAD", "/metrics");
    assert_eq!(head.status, 200);
    assert_eq!(head.bytes, b"", "HEAD has no body");
    assert_eq!(
        head.header("content-length"),
        Some(get.bytes.len().to_string().as_str()),
        "HEAD announces the length of the GET body"
    );
    assert_eq!(head.header("content-type"), get.header("content-type"));

    for path in ["/", "/metrics/", "/favicon.ico", "/metricsX"] {
        let response = http(addr, "GET", path);
        assert_eq!(response.status, 404, "{path}");
        assert!(!response.text().contains("hardening"), "{path}");
    }
    for method in ["POST", "PUT", "DELETE", "OPTIONS", "PATCH"] {
        let response = http(addr, method, "/metrics");
        assert_eq!(response.status, 405, "{method}");
        assert_eq!(response.header("allow"), Some("GET, HEAD"), "{method}");
    }
    assert_scrape_works(addr);
}

#[test]
fn oversized_heads_are_431_and_the_server_keeps_serving() {
    let _serial = serial();
    let (server, _provider) = start(ServeOptions::new());
    let addr = server.local_addr();
    let big = "a".repeat(64 * 1024);

    let header = format!("GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: {big}\r\n\r\n");
    let (status, text) = raw(addr, header.as_bytes());
    assert_eq!(status, 431, "{text}");
    assert!(text.contains("Connection: close\r\n"));
    assert!(!text.contains("hardening"));

    let line = format!("GET /metrics?{big} HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(raw(addr, line.as_bytes()).0, 431);

    let many: String = (0..100).map(|i| format!("X-H{i}: v\r\n")).collect();
    let many = format!("GET /metrics HTTP/1.1\r\nHost: x\r\n{many}\r\n");
    assert_eq!(raw(addr, many.as_bytes()).0, 431, "more than 64 headers");

    // Not HTTP at all.
    assert_eq!(
        raw(
            addr,
            b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n"
        )
        .0,
        400
    );

    assert_scrape_works(addr);
}

#[test]
fn oversized_bodies_are_413_small_ones_are_ignored() {
    let _serial = serial();
    let (server, _provider) = start(ServeOptions::new());
    let addr = server.local_addr();

    // 10 MiB announced, 256 KiB sent: answered before the body is read.
    let mut request =
        b"GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 10485760\r\n\r\n".to_vec();
    request.extend(std::iter::repeat_n(b'x', 256 * 1024));
    let (status, text) = raw(addr, &request);
    assert_eq!(status, 413, "{text}");
    assert!(!text.contains("hardening"));

    let chunked =
        b"GET /metrics HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
    assert_eq!(raw(addr, chunked).0, 411);

    // A small body on a GET is read and ignored.
    let response = http_request(addr, "GET", "/metrics", &[], &[b'y'; 1000]);
    assert_eq!(response.status, 200);
    assert!(response.text().contains(SAMPLE));
    assert_scrape_works(addr);
}

#[test]
fn keep_alive_and_pipelined_requests_are_answered_in_order() {
    let _serial = serial();
    let (server, _provider) = start(ServeOptions::new());
    let mut stream = TcpStream::connect(server.local_addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream
        .write_all(
            b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n\
              GET /nope HTTP/1.1\r\nHost: x\r\n\r\n\
              HEAD /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        )
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let statuses: Vec<&str> = response
        .match_indices("HTTP/1.1 ")
        .map(|(i, _)| &response[i + 9..i + 12])
        .collect();
    assert_eq!(statuses, ["200", "404", "200"], "{response}");
    assert_eq!(response.matches(SAMPLE).count(), 1, "HEAD has no body");
}

#[cfg(target_os = "linux")] // /proc
#[test]
fn slow_loris_connections_neither_block_scrapes_nor_add_threads() {
    let _serial = serial();
    let fds_before = fds();
    let (server, _provider) = start(ServeOptions::new());
    let addr = server.local_addr();
    assert_eq!(
        threads_settled("prometheus-", 1 + 2),
        1 + 2,
        "the event loop and two workers"
    );

    // 100 clients that send half a request line, then nothing.
    let loris: Vec<TcpStream> = (0..100)
        .map(|_| {
            let mut stream = TcpStream::connect(addr).unwrap();
            stream.write_all(b"GET /metr").unwrap();
            stream
        })
        .collect();
    let start = Instant::now();
    for _ in 0..20 {
        assert_scrape_works(addr);
    }
    let elapsed = start.elapsed();
    assert!(
        elapsed < Duration::from_secs(5),
        "20 scrapes took {elapsed:?}"
    );
    assert_eq!(threads("prometheus-"), 3, "no thread per connection");
    // Each loris is two descriptors here (ours and the server's); the server holds its
    // listener, the poller and the waker besides.
    let fds_during = fds();
    assert!(
        fds_during <= fds_before + 2 * 100 + 3 + 2,
        "{fds_before} descriptors before, {fds_during} with 100 idle clients"
    );
    drop(loris);
    server.shutdown();
    // `shutdown` joins every thread, but a joined thread's /proc/self/task entry can outlive
    // the join by a moment (the kernel wakes the joiner before it removes the task): settle.
    assert_eq!(
        threads_settled("prometheus-", 0),
        0,
        "shutdown joins every thread"
    );
}

#[test]
fn slow_clients_are_disconnected_after_the_request_timeout() {
    let _serial = serial();
    let options = ServeOptions::new()
        .with_request_timeout(Duration::from_millis(300))
        .with_idle_timeout(Duration::from_millis(300));
    let (server, _provider) = start(options);
    let addr = server.local_addr();
    let half = |bytes: &[u8]| {
        let mut stream = TcpStream::connect(addr).unwrap();
        stream.write_all(bytes).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        stream
    };
    let mut silent = half(b"");
    let mut partial = half(b"GET /metrics HTTP/1.1\r\nHost: x\r\n");
    let mut idle = half(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
    for (name, stream) in [("silent", &mut silent), ("partial", &mut partial)] {
        let start = Instant::now();
        let mut buf = Vec::new();
        // EOF, or a reset: either way the server closed it, without an answer.
        let _ = stream.read_to_end(&mut buf);
        assert!(buf.is_empty(), "{name}: {}", String::from_utf8_lossy(&buf));
        let waited = start.elapsed();
        assert!(
            waited < Duration::from_secs(3),
            "{name} closed after {waited:?}"
        );
    }
    // A keep-alive connection gets its answer, then is closed when idle.
    let mut buf = Vec::new();
    idle.read_to_end(&mut buf).unwrap();
    assert!(String::from_utf8_lossy(&buf).contains(SAMPLE));
    assert_scrape_works(addr);
}

#[test]
fn a_client_that_does_not_read_is_cut_off_after_the_write_timeout() {
    let _serial = serial();
    let (exporter, provider) = setup();
    // A 4 MiB answer: one series with a 4 MiB label value.
    let wide = provider.meter("test").u64_counter("wide").build().unwrap();
    wide.add(1, &[KeyValue::new("id", "x".repeat(4 << 20))]);
    let options = ServeOptions::new().with_write_timeout(Duration::from_millis(500));
    let server = exporter.serve_with("127.0.0.1:0", options).unwrap();
    let addr = server.local_addr();

    // 16 pipelined scrapes (64 MiB of answers) and no reading: the server's sends fill
    // the socket buffers (a few MiB on loopback) and stall.
    let mut stuck = TcpStream::connect(addr).unwrap();
    let request = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n".repeat(16);
    stuck.write_all(request.as_bytes()).unwrap();
    std::thread::sleep(Duration::from_millis(100));
    // Others are served meanwhile: the stalled send blocks nobody.
    assert_scrape_works(addr);

    std::thread::sleep(Duration::from_millis(1500));
    stuck
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut received = Vec::new();
    // EOF or a reset once the buffered bytes are read: the server gave up on it (a read
    // timeout here would mean it still holds the connection).
    if let Err(e) = stuck.read_to_end(&mut received) {
        assert_eq!(e.kind(), std::io::ErrorKind::ConnectionReset, "{e}");
    }
    let answers = String::from_utf8_lossy(&received)
        .matches("HTTP/1.1 200 OK")
        .count();
    assert!(
        answers < 16,
        "{answers} answers: the connection should have been cut"
    );
    assert_scrape_works(addr);
}

#[cfg(target_os = "linux")] // /proc
#[test]
fn connections_beyond_the_bound_wait_in_the_backlog() {
    let _serial = serial();
    let options = ServeOptions::new()
        .with_max_connections(10)
        .with_request_timeout(Duration::from_millis(300));
    let fds_before = fds();
    let (server, _provider) = start(options);
    let addr = server.local_addr();
    // 50 silent clients: the kernel completes their handshakes, the server takes 10.
    let silent: Vec<TcpStream> = (0..50).map(|_| TcpStream::connect(addr).unwrap()).collect();
    std::thread::sleep(Duration::from_millis(100));
    let fds_during = fds();
    assert!(
        fds_during <= fds_before + 50 + 10 + 3 + 2,
        "{fds_before} descriptors before, {fds_during} with 50 clients and 10 allowed"
    );
    // Ours waits behind them, and is served once their timeouts free the slots.
    let start = Instant::now();
    assert_scrape_works(addr);
    assert!(
        start.elapsed() < Duration::from_secs(8),
        "{:?}",
        start.elapsed()
    );
    drop(silent);
}

#[test]
fn invalid_options_and_taken_ports_are_typed_errors() {
    let _serial = serial();
    let (exporter, _provider) = setup();
    let error = exporter
        .serve_with("127.0.0.1:0", ServeOptions::new().with_workers(0))
        .unwrap_err();
    assert!(
        matches!(
            error,
            ServeError::InvalidOption {
                option: "workers",
                ..
            }
        ),
        "{error}"
    );
    let first = exporter.serve("127.0.0.1:0").unwrap();
    let error = exporter
        .serve_with(first.local_addr(), ServeOptions::new())
        .unwrap_err();
    let ServeError::Bind { addrs, source } = &error else {
        panic!("{error:?}")
    };
    assert_eq!(addrs, &[first.local_addr()]);
    assert_eq!(source.kind(), std::io::ErrorKind::AddrInUse);
    assert!(error.to_string().contains(&first.local_addr().to_string()));
}

mod auth {
    use super::*;

    /// `user:password` in base64, as a client sends it.
    fn basic(credentials: &str) -> String {
        use base64::Engine as _;
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(credentials)
        )
    }

    fn get(addr: SocketAddr, authorization: Option<&str>) -> telemetry_testkit::Response {
        let headers: Vec<(&str, &str)> = authorization
            .map(|value| ("Authorization", value))
            .into_iter()
            .collect();
        http_request(addr, "GET", "/metrics", &headers, b"")
    }

    fn assert_refused(response: &telemetry_testkit::Response, challenge: &str) {
        assert_eq!(response.status, 401, "{response:?}");
        assert!(
            response
                .headers
                .iter()
                .any(|(n, v)| n == "www-authenticate" && v.starts_with(challenge)),
            "{response:?}"
        );
        assert!(
            !response.text().contains("hardening"),
            "no metrics in a 401"
        );
    }

    #[test]
    fn basic_auth_needs_the_right_user_and_password() {
        let _serial = serial();
        assert_eq!(
            basic("Aladdin:open sesame"),
            "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
        );
        let (server, _provider) = start(ServeOptions::new().with_basic_auth("prom", "s3cret"));
        let addr = server.local_addr();
        for wrong in [
            None,
            Some(basic("prom:s3cre")),
            Some(basic("prom:s3cret!")),
            Some(basic("Prom:s3cret")),
            Some(basic(":")),
            Some("Basic not-base64!".to_owned()),
            Some("Bearer s3cret".to_owned()),
        ] {
            assert_refused(&get(addr, wrong.as_deref()), "Basic realm=");
        }
        // Every path and method is behind the credentials.
        assert_refused(&http(addr, "GET", "/elsewhere"), "Basic");
        let right = get(addr, Some(&basic("prom:s3cret")));
        assert_eq!(right.status, 200);
        assert!(right.text().contains(SAMPLE));
        let lower = get(
            addr,
            Some(&basic("prom:s3cret").replacen("Basic", "basic", 1)),
        );
        assert_eq!(lower.status, 200, "the scheme is case-insensitive");
    }

    #[test]
    fn bearer_tokens_and_both_schemes() {
        let _serial = serial();
        let (server, _provider) = start(ServeOptions::new().with_bearer_token("t0ken"));
        let addr = server.local_addr();
        for wrong in [
            None,
            Some("Bearer t0ke"),
            Some("Bearer t0ken0"),
            Some("Bearer"),
        ] {
            assert_refused(&get(addr, wrong), "Bearer realm=");
        }
        assert_eq!(get(addr, Some("Bearer t0ken")).status, 200);
        drop(server);

        let options = ServeOptions::new()
            .with_bearer_token("t0ken")
            .with_basic_auth("u", "p");
        let (server, _provider) = start(options);
        let addr = server.local_addr();
        let refused = get(addr, Some("Bearer nope"));
        assert_refused(&refused, "Basic");
        let challenges = refused
            .headers
            .iter()
            .filter(|(n, _)| n == "www-authenticate")
            .count();
        assert_eq!(challenges, 2, "one challenge per scheme");
        assert_eq!(get(addr, Some("Bearer t0ken")).status, 200);
        assert_eq!(get(addr, Some(&basic("u:p"))).status, 200);
    }
}

#[cfg(feature = "prometheus-tls")]
mod tls {
    use std::sync::Arc;

    use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
    use rustls::pki_types::pem::PemObject as _;
    use rustls::pki_types::{CertificateDer, ServerName};
    use telemetry_exporters::prometheus::TlsConfig;

    use super::*;

    /// A CA's certificate (PEM) and a certificate for 127.0.0.1 it signed, with its key.
    fn certificates() -> (String, String, String) {
        let ca_key = KeyPair::generate().unwrap();
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca = ca_params.self_signed(&ca_key).unwrap();
        let key = KeyPair::generate().unwrap();
        let params =
            CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()]).unwrap();
        let cert = params.signed_by(&key, &ca, &ca_key).unwrap();
        (ca.pem(), cert.pem(), key.serialize_pem())
    }

    /// One HTTPS request from a rustls client trusting `ca_pem`; the raw response.
    fn https_get(addr: SocketAddr, ca_pem: &str, request: &str) -> std::io::Result<String> {
        let mut roots = rustls::RootCertStore::empty();
        for cert in CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
            roots.add(cert.unwrap()).unwrap();
        }
        let config = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
        let name = ServerName::try_from("127.0.0.1").unwrap().to_owned();
        let conn = rustls::ClientConnection::new(Arc::new(config), name).unwrap();
        let socket = TcpStream::connect(addr)?;
        socket.set_read_timeout(Some(Duration::from_secs(10)))?;
        let mut tls = rustls::StreamOwned::new(conn, socket);
        tls.write_all(request.as_bytes())?;
        let mut response = Vec::new();
        tls.read_to_end(&mut response)?;
        Ok(String::from_utf8_lossy(&response).into_owned())
    }

    #[test]
    fn https_with_a_certificate_made_at_test_time() {
        let _serial = serial();
        let (ca, cert, key) = certificates();
        let tls = TlsConfig::from_pem(cert.as_bytes(), key.as_bytes()).unwrap();
        let options = ServeOptions::new().with_tls(tls).with_bearer_token("t");
        let (server, _provider) = start(options);
        let addr = server.local_addr();

        let request = "GET /metrics HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t\r\n\
                       Connection: close\r\n\r\n";
        let response = https_get(addr, &ca, request).unwrap();
        assert!(response.starts_with("HTTP/1.1 200 OK\r\n"), "{response}");
        assert!(response.ends_with(SAMPLE), "{response}");
        let refused = https_get(
            addr,
            &ca,
            "GET /metrics HTTP/1.1\r\nConnection: close\r\n\r\n",
        );
        assert!(refused.unwrap().starts_with("HTTP/1.1 401 "));
        // Keep-alive over TLS: two answers on one session.
        let two = "GET /metrics HTTP/1.1\r\nAuthorization: Bearer t\r\n\r\n\
                   HEAD /metrics HTTP/1.1\r\nAuthorization: Bearer t\r\nConnection: close\r\n\r\n";
        let response = https_get(addr, &ca, two).unwrap();
        assert_eq!(response.matches("HTTP/1.1 200 OK").count(), 2, "{response}");

        // A client that does not trust the certificate fails the handshake; plain HTTP
        // gets no metrics; and the server still serves afterwards.
        let (other_ca, _, _) = certificates();
        assert!(https_get(addr, &other_ca, request).is_err());
        let mut plain = TcpStream::connect(addr).unwrap();
        plain
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        plain.write_all(request.as_bytes()).unwrap();
        let mut answer = Vec::new();
        let _ = plain.read_to_end(&mut answer);
        assert!(!String::from_utf8_lossy(&answer).contains("hardening"));
        assert!(https_get(addr, &ca, request).unwrap().ends_with(SAMPLE));
    }

    #[test]
    fn bad_pem_is_a_tls_error() {
        let (_, cert, key) = certificates();
        for (cert, key) in [
            ("", key.as_str()),
            (cert.as_str(), ""),
            (cert.as_str(), cert.as_str()),
        ] {
            let error = TlsConfig::from_pem(cert.as_bytes(), key.as_bytes()).unwrap_err();
            assert!(matches!(error, ServeError::Tls { .. }), "{error}");
        }
        let error =
            TlsConfig::from_pem_files("/nonexistent/cert.pem", "/nonexistent/key.pem").unwrap_err();
        assert!(
            error.to_string().contains("/nonexistent/cert.pem"),
            "{error}"
        );
    }
}
