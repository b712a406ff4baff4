use std::collections::HashMap;
use std::time::Duration;

use telemetry_core::Temporality;

use super::{resolve, Explicit, Resolved};
use crate::otlp::{Compression, Protocol};

fn with_env(explicit: &Explicit, vars: &[(&str, &str)]) -> Resolved {
    let map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    resolve(explicit, &|name| map.get(name).cloned()).expect("valid settings")
}

#[test]
fn defaults_follow_the_spec() {
    let r = with_env(&Explicit::default(), &[]);
    assert_eq!(r.url, "http://localhost:4318/v1/metrics");
    assert_eq!(r.protocol, Protocol::HttpProtobuf);
    assert_eq!(r.timeout, Duration::from_secs(10));
    assert_eq!(r.compression, Compression::None);
    assert_eq!(r.temporality, Temporality::Cumulative);
    assert!(r.headers.is_empty());
}

#[test]
fn generic_endpoint_gets_the_path_signal_endpoint_is_used_as_is() {
    let generic = [("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/")];
    assert_eq!(
        with_env(&Explicit::default(), &generic).url,
        "http://collector:4318/v1/metrics"
    );
    let both = [
        generic[0],
        (
            "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
            "http://other:9/custom",
        ),
    ];
    assert_eq!(
        with_env(&Explicit::default(), &both).url,
        "http://other:9/custom"
    );
    let code = Explicit {
        endpoint: Some("http://code:1".into()),
        ..Explicit::default()
    };
    assert_eq!(with_env(&code, &both).url, "http://code:1/v1/metrics");
}

#[test]
fn protocol_timeout_temporality_from_env_and_code_wins() {
    let vars = [
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"),
        ("OTEL_EXPORTER_OTLP_TIMEOUT", "2500"),
        ("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", "Delta"),
        ("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"),
    ];
    let r = with_env(&Explicit::default(), &vars);
    assert_eq!(r.protocol, Protocol::HttpJson);
    assert_eq!(r.timeout, Duration::from_millis(2500));
    assert_eq!(r.temporality, Temporality::Delta);
    assert_eq!(r.compression, Compression::Gzip);
    let code = Explicit {
        protocol: Some(Protocol::HttpProtobuf),
        timeout: Some(Duration::from_secs(1)),
        temporality: Some(Temporality::Cumulative),
        compression: Some(Compression::None),
        ..Explicit::default()
    };
    let r = with_env(&code, &vars);
    assert_eq!(r.protocol, Protocol::HttpProtobuf);
    assert_eq!(r.timeout, Duration::from_secs(1));
    assert_eq!(r.temporality, Temporality::Cumulative);
    assert_eq!(r.compression, Compression::None);
    // The signal-specific variable beats the generic one.
    let r = with_env(
        &Explicit::default(),
        &[
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"),
            ("OTEL_EXPORTER_OTLP_METRICS_PROTOCOL", "http/protobuf"),
        ],
    );
    assert_eq!(r.protocol, Protocol::HttpProtobuf);
}

#[test]
fn invalid_env_values_fall_back() {
    let r = with_env(
        &Explicit::default(),
        &[
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "carrier-pigeon"),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "soon"),
            (
                "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE",
                "sometimes",
            ),
        ],
    );
    assert_eq!(r.protocol, Protocol::HttpProtobuf);
    assert_eq!(r.timeout, Duration::from_secs(10));
    assert_eq!(r.temporality, Temporality::Cumulative);
}

#[test]
fn headers_are_decoded_and_overridden_in_order() {
    let code = Explicit {
        headers: vec![("x-team".into(), "code".into())],
        ..Explicit::default()
    };
    let r = with_env(
        &code,
        &[
            (
                "OTEL_EXPORTER_OTLP_HEADERS",
                "api-key=a%20b%3Dc, x-team=generic,broken,x-env=prod",
            ),
            ("OTEL_EXPORTER_OTLP_METRICS_HEADERS", "x-env=metrics"),
        ],
    );
    let mut h = r.headers.clone();
    h.sort();
    assert_eq!(
        h,
        [
            ("api-key".to_owned(), "a b=c".to_owned()),
            ("x-env".to_owned(), "metrics".to_owned()),
            ("x-team".to_owned(), "code".to_owned()),
        ]
    );
}

#[test]
fn https_is_refused_without_tls() {
    let e = resolve(
        &Explicit {
            endpoint: Some("https://secure:4318".into()),
            ..Explicit::default()
        },
        &|_| None,
    )
    .unwrap_err();
    assert!(e.to_string().contains("no TLS"), "{e}");
}

#[cfg(feature = "otlp-grpc")]
#[test]
fn grpc_defaults_to_4317_and_uses_endpoints_as_is() {
    let grpc = ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc");
    let r = with_env(&Explicit::default(), &[grpc]);
    assert_eq!(r.protocol, Protocol::Grpc);
    assert_eq!(r.url, "http://localhost:4317");
    let r = with_env(
        &Explicit::default(),
        &[
            grpc,
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4317/"),
        ],
    );
    assert_eq!(r.url, "http://collector:4317");
    let explicit = Explicit {
        endpoint: Some("http://127.0.0.1:9999".into()),
        protocol: Some(Protocol::Grpc),
        ..Explicit::default()
    };
    assert_eq!(with_env(&explicit, &[]).url, "http://127.0.0.1:9999");
}

#[cfg(not(feature = "otlp-grpc"))]
#[test]
fn grpc_needs_its_feature() {
    // From the environment it is ignored, as any unusable value; from code it is an error.
    let r = with_env(
        &Explicit::default(),
        &[("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")],
    );
    assert_eq!(r.protocol, Protocol::HttpProtobuf);
    let explicit = Explicit {
        protocol: Some(Protocol::Grpc),
        ..Explicit::default()
    };
    assert!(resolve(&explicit, &|_| None).is_err());
}
