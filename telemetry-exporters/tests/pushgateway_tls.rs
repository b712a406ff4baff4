//! `https://` Pushgateway URLs (feature `pushgateway-tls`): a loopback HTTPS server with a
//! private CA made at test time (rcgen) checks the request line and the `Authorization`
//! header; the exporter trusting that CA pushes, one trusting Mozilla's roots fails with a
//! TLS error at once (no retries).
#![cfg(feature = "pushgateway-tls")]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use telemetry_core::{ManualReader, MeterProvider, ResourceMetrics};
use telemetry_exporters::pushgateway::{PushgatewayError, PushgatewayExporter};

/// What the server saw of one request.
#[derive(Debug)]
struct Seen {
    request_line: String,
    authorization: Option<String>,
    body: String,
}

/// A CA (its PEM) and an HTTPS server on 127.0.0.1 whose certificate it signed; every
/// request that completes a handshake is sent on the channel and answered 200.
fn https_server() -> (String, SocketAddr, mpsc::Receiver<Seen>) {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();

    let key = KeyPair::generate().unwrap();
    let params =
        CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()]).unwrap();
    let cert = params.signed_by(&key, &ca, &ca_key).unwrap();

    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(
        vec![cert.der().clone()],
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
    )
    .unwrap();
    let config = Arc::new(config);

    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            let conn = rustls::ServerConnection::new(config.clone()).unwrap();
            let mut tls = rustls::StreamOwned::new(conn, stream);
            // A failed handshake (the client rejecting our certificate) ends here.
            if let Some(seen) = read_request(&mut tls) {
                let _ = tls.write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                );
                let _ = tls.flush();
                tls.conn.send_close_notify();
                let _ = tls.flush();
                if tx.send(seen).is_err() {
                    return;
                }
            }
        }
    });
    (ca.pem(), addr, rx)
}

fn read_request(stream: &mut impl Read) -> Option<Seen> {
    let mut reader = BufReader::new(stream);
    let mut request_line = String::new();
    reader.read_line(&mut request_line).ok()?;
    if request_line.is_empty() {
        return None;
    }
    let (mut authorization, mut length) = (None, 0);
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).ok()?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':')?;
        match name.to_ascii_lowercase().as_str() {
            "authorization" => authorization = Some(value.trim().to_owned()),
            "content-length" => length = value.trim().parse().ok()?,
            _ => {}
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(Seen {
        request_line: request_line.trim_end().to_owned(),
        authorization,
        body: String::from_utf8(body).ok()?,
    })
}

fn collection() -> ResourceMetrics {
    let reader = ManualReader::new();
    let provider = MeterProvider::builder().with_reader(reader.clone()).build();
    let meter = provider.meter("test");
    meter.u64_counter("pushed").build().unwrap().add(3, &[]);
    reader.collect().unwrap()
}

#[test]
fn pushes_over_https_to_a_gateway_signed_by_the_given_ca() {
    let (ca_pem, addr, seen) = https_server();
    let exporter = PushgatewayExporter::builder(format!("https://{addr}"), "tls_job")
        .with_grouping_label("instance", "a/b")
        .with_basic_auth("user", "secret")
        .with_root_ca_pem(&ca_pem)
        .with_timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    assert_eq!(
        exporter.url(),
        format!("https://{addr}/metrics/job/tls_job/instance@base64/YS9i")
    );
    exporter.push_now(&collection()).unwrap();
    let request = seen.recv_timeout(Duration::from_secs(5)).unwrap();
    assert_eq!(
        request.request_line,
        "PUT /metrics/job/tls_job/instance@base64/YS9i HTTP/1.1"
    );
    // base64("user:secret")
    assert_eq!(
        request.authorization.as_deref(),
        Some("Basic dXNlcjpzZWNyZXQ=")
    );
    assert!(
        request.body.contains("pushed_total 3"),
        "body: {}",
        request.body
    );

    exporter.delete().unwrap();
    let request = seen.recv_timeout(Duration::from_secs(5)).unwrap();
    assert_eq!(
        request.request_line,
        "DELETE /metrics/job/tls_job/instance@base64/YS9i HTTP/1.1"
    );
}

#[test]
fn without_the_ca_the_push_fails_with_a_tls_error_at_once() {
    let (_ca_pem, addr, seen) = https_server();
    // Mozilla's roots (the default) do not know our private CA.
    let exporter = PushgatewayExporter::builder(format!("https://{addr}"), "tls_job")
        .with_bearer_token("t0k3n")
        .with_timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let start = Instant::now();
    let err = exporter.push_now(&collection()).unwrap_err();
    let PushgatewayError::Tls {
        method,
        ref url,
        ref message,
    } = err
    else {
        panic!("expected a TLS error, got {err:?}");
    };
    assert_eq!(method, "PUT");
    assert_eq!(url, &format!("https://{addr}/metrics/job/tls_job"));
    assert!(message.contains("UnknownIssuer"), "{message}");
    assert!(err.to_string().contains("TLS error"), "{err}");
    // Not retried until the deadline: a certificate problem is not transient.
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
    // The server never saw a request (so no bearer token left the client).
    assert!(seen.recv_timeout(Duration::from_millis(200)).is_err());
}

#[test]
fn an_invalid_ca_pem_is_an_error_at_build() {
    let err = PushgatewayExporter::builder("https://127.0.0.1:9091", "j")
        .with_root_ca_pem("not a certificate")
        .build()
        .unwrap_err();
    assert!(
        matches!(err, PushgatewayError::InvalidCertificate { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("CA certificate"), "{err}");
}
