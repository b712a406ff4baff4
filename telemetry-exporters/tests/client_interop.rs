//! Interop with the `prometheus-client` crate, both ways: the same samples come out of our
//! encoder and of theirs.

#![cfg(feature = "prometheus-client")]

use std::collections::BTreeMap;
use std::sync::Arc;

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::metrics::info::Info;
use prometheus_client::registry::{Registry, Unit};
use telemetry_core::{KeyValue, MeterProvider, Resource};
use telemetry_exporters::prometheus::{Format, Gatherers, PrometheusExporter, Warning};
use telemetry_testkit::http_request;

/// One sample, comparable across encoders: the name, the labels (with `le` and `quantile`
/// normalised as numbers, since the encoders spell `1e-05` differently) and the value.
type Sample = (String, BTreeMap<String, String>, String);

/// The samples of an exposition in either format (no exemplars, no timestamps).
fn samples(exposition: &str) -> Vec<Sample> {
    let mut out = Vec::new();
    for line in exposition
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let (series, value) = line.rsplit_once(' ').expect("a value");
        let (name, labels) = match series.split_once('{') {
            Some((name, labels)) => (name, labels.strip_suffix('}').expect("closing brace")),
            None => (series, ""),
        };
        let mut map = BTreeMap::new();
        let mut rest = labels;
        while let Some((key, after)) = rest.split_once("=\"") {
            let key = key.trim_start_matches(',');
            // Label values end at the first unescaped quote.
            let mut end = 0;
            let bytes = after.as_bytes();
            while bytes[end] != b'"' {
                end += if bytes[end] == b'\\' { 2 } else { 1 };
            }
            let mut value = after[..end].to_owned();
            if key == "le" || key == "quantile" {
                let number = value
                    .replace("Inf", "inf")
                    .parse::<f64>()
                    .expect("a number");
                value = format!("{number:?}");
            }
            map.insert(key.to_owned(), value);
            rest = &after[end + 1..];
        }
        let value = value
            .parse::<f64>()
            .map_or(value.to_owned(), |v| format!("{v:?}"));
        out.push((name.to_owned(), map, value));
    }
    out.sort();
    out
}

fn without_created(samples: Vec<Sample>) -> Vec<Sample> {
    samples
        .into_iter()
        .filter(|(name, _, _)| !name.ends_with("_created"))
        .collect()
}

fn types(exposition: &str) -> Vec<&str> {
    let mut types: Vec<&str> = exposition
        .lines()
        .filter(|l| l.starts_with("# TYPE "))
        .collect();
    types.sort_unstable();
    types
}

/// A provider with every type, labelled children, and label values that need escaping.
fn our_provider() -> (PrometheusExporter, MeterProvider) {
    let exporter = PrometheusExporter::new();
    let provider = MeterProvider::builder()
        .with_resource(Resource::new([KeyValue::new("service.name", "interop")]))
        .with_reader(exporter.clone())
        .build();
    let meter = provider.meter("ours");
    let tricky = [
        KeyValue::new("path", "C:\\temp\\\"quoted\"\nsecond line"),
        KeyValue::new("company", "会社検証用"),
    ];
    let requests = meter
        .u64_counter("http.requests")
        .with_description("Requests served")
        .build()
        .unwrap();
    requests.add(3, &tricky);
    requests.add(1, &[KeyValue::new("path", "/")]);
    requests.add(2, &[]);
    meter
        .f64_counter("energy")
        .with_unit("J")
        .with_description("Energy used")
        .build()
        .unwrap()
        .add(1.5, &[]);
    meter
        .i64_gauge("battery.level")
        .with_unit("%")
        .with_description("State of charge")
        .build()
        .unwrap()
        .record(-4, &[KeyValue::new("vehicle_id", "Ju")]);
    let latency = meter
        .f64_histogram("latency_seconds")
        .with_unit("s")
        .with_description("Request latency")
        .with_buckets(vec![0.005, 0.1, 1.0, 10.0])
        .build()
        .unwrap();
    for v in [0.001, 0.2, 3.0, 100.0] {
        latency.record(v, &tricky);
    }
    latency.record(0.05, &[]);
    meter
        .info("build")
        .with_description("Build information")
        .build()
        .unwrap()
        .set(&[KeyValue::new("version", "1.2.3")]);
    let state = meter
        .state_set("charging.state", ["charging", "complete"])
        .with_description("Charging state")
        .build()
        .unwrap();
    state
        .set("complete", &[KeyValue::new("vehicle_id", "Ju")])
        .unwrap();
    meter
        .f64_summary("rpc.duration")
        .with_description("RPC time")
        .build()
        .unwrap()
        .record(0.5, &[KeyValue::new("method", "get")]);
    let _ages = meter
        .f64_observable_gauge_histogram("queue.age")
        .with_description("Age of queued jobs")
        .with_buckets(vec![1.0, 10.0])
        .with_callback(|o| {
            for age in [0.5, 2.0, 30.0] {
                o.observe(age, &[KeyValue::new("queue", "a")]);
            }
        })
        .build()
        .unwrap();
    (exporter, provider)
}

#[test]
fn our_metrics_in_their_registry_are_the_samples_we_write() {
    let (exporter, _provider) = our_provider();
    let ours = exporter.render_openmetrics().unwrap();

    let mut registry = Registry::default();
    registry.register_collector(Box::new(exporter.clone()));
    let mut theirs = String::new();
    encode(&mut theirs, &registry).unwrap();

    // Their encoder writes no `_created`; everything else is the same sample for sample.
    assert_eq!(
        without_created(samples(&ours)),
        samples(&theirs),
        "ours:\n{ours}\ntheirs:\n{theirs}"
    );
    // The types their encoder has are declared the same way, units included.
    for line in [
        "# TYPE http_requests counter",
        "# TYPE energy counter",
        "# TYPE battery_level gauge",
        "# TYPE latency_seconds histogram",
        "# TYPE build info",
        "# TYPE target info",
        // The others keep their sample names under the types their encoder has.
        "# TYPE charging_state gauge",
        "# TYPE queue_age_bucket gauge",
        "# TYPE rpc_duration_count unknown",
    ] {
        assert!(types(&theirs).contains(&line), "{line} in\n{theirs}");
    }
    assert!(
        theirs.contains("# UNIT latency_seconds seconds\n"),
        "{theirs}"
    );
    assert!(theirs.ends_with("# EOF\n"));

    // And through a prefixed sub-registry, as an application would mount it.
    let mut registry = Registry::default();
    registry
        .sub_registry_with_prefix("app")
        .register_collector(Box::new(exporter));
    let mut prefixed = String::new();
    encode(&mut prefixed, &registry).unwrap();
    assert!(
        prefixed.contains("\napp_http_requests_total 2\n"),
        "{prefixed}"
    );
}

/// A registry of theirs with each of their types, labelled.
fn their_registry() -> Registry {
    let mut registry = Registry::default();
    let jobs = Family::<Vec<(String, String)>, Counter>::default();
    registry.register("jobs_processed", "Jobs processed", jobs.clone());
    jobs.get_or_create(&vec![("queue".to_owned(), "fast".to_owned())])
        .inc_by(7);
    jobs.get_or_create(&vec![("queue".to_owned(), "slow".to_owned())])
        .inc();
    let temperature = Gauge::<f64, std::sync::atomic::AtomicU64>::default();
    registry.register_with_unit(
        "cabin",
        "Cabin temperature",
        Unit::Celsius,
        temperature.clone(),
    );
    temperature.set(21.5);
    let sizes = Histogram::new([128.0, 1024.0, 1e6]);
    registry.register_with_unit("payload", "Payload sizes", Unit::Bytes, sizes.clone());
    for size in [100.0, 2000.0, 5e6] {
        sizes.observe(size);
    }
    registry.register(
        "library",
        "Library version",
        Info::new(vec![("version".to_owned(), "0.24".to_owned())]),
    );
    registry
}

#[test]
fn their_registry_served_beside_ours_keeps_its_samples() {
    let registry = Arc::new(their_registry());
    let mut alone = String::new();
    encode(&mut alone, &registry).unwrap();

    let (exporter, _provider) = our_provider();
    let all = Gatherers::new()
        .with(exporter.clone())
        .with(Arc::clone(&registry));
    let (om, warnings) = all.render_as(Format::OpenMetrics).unwrap();
    assert_eq!(warnings, []);
    // Theirs and ours, side by side: every sample of each, nothing else.
    let mut expected = samples(&alone);
    expected.extend(samples(&exporter.render_openmetrics().unwrap()));
    expected.sort();
    assert_eq!(samples(&om), expected, "{om}");
    assert_eq!(om.matches("# EOF").count(), 1);
    assert!(om.contains("# TYPE payload_bytes histogram\n# UNIT payload_bytes bytes\n"));

    // In text 0.0.4, the same samples (neither side writes `_created` there), and a body
    // promtool accepts.
    let (text, warnings) = all.render_as(Format::Text).unwrap();
    assert_eq!(warnings, []);
    assert_eq!(samples(&text), without_created(expected), "{text}");
    for line in [
        "# HELP jobs_processed_total Jobs processed.\n# TYPE jobs_processed_total counter\n",
        "# TYPE library_info gauge\nlibrary_info{version=\"0.24\"} 1\n",
        "# TYPE cabin_celsius gauge\ncabin_celsius 21.5\n",
    ] {
        assert!(text.contains(line), "missing {line:?} in:\n{text}");
    }
    assert!(!text.contains("# UNIT") && !text.contains("# EOF"));
    telemetry_testkit::assert_promtool_clean("text", &text);

    // Served over HTTP, negotiated like the rest.
    let server = all.serve("127.0.0.1:0").unwrap();
    let response = http_request(server.local_addr(), "GET", "/metrics", &[], b"");
    assert_eq!(samples(response.text()), samples(&text));
    let accept = [("Accept", "application/openmetrics-text;version=1.0.0")];
    let response = http_request(server.local_addr(), "GET", "/metrics", &accept, b"");
    assert_eq!(
        without_created(samples(response.text())),
        without_created(samples(&om))
    );
}

#[test]
fn their_family_with_our_name_is_left_out_and_reported() {
    let exporter = PrometheusExporter::new();
    let provider = MeterProvider::builder()
        .with_reader(exporter.clone())
        .build();
    let meter = provider.meter("ours");
    meter.u64_counter("jobs").build().unwrap().add(1, &[]);
    meter.f64_gauge("cabin").build().unwrap().record(20.0, &[]);

    let mut registry = Registry::default();
    let jobs = Counter::<u64>::default();
    registry.register("jobs", "Theirs", jobs.clone());
    jobs.inc_by(99);
    // A counter of theirs named like our gauge: in text its family would be `cabin_total`,
    // but OpenMetrics names both `cabin`, so it is left out of both formats.
    registry.register("cabin", "Theirs", Counter::<u64>::default());

    let all = Gatherers::new().with(exporter).with(Arc::new(registry));
    let (text, warnings) = all.render_as(Format::Text).unwrap();
    assert!(
        text.contains("\njobs_total 1\n") && !text.contains(" 99\n"),
        "{text}"
    );
    assert_eq!(
        warnings,
        [
            Warning::DuplicateFamily {
                family: "jobs_total".into(),
            },
            Warning::NameClash {
                family: "cabin_total".into(),
                clashes_with: "cabin".into(),
            },
        ]
    );
    let (_, warnings) = all.render_as(Format::OpenMetrics).unwrap();
    assert!(warnings.contains(&Warning::DuplicateFamily {
        family: "jobs".into()
    }));
}

#[test]
fn our_exporter_both_directly_and_through_their_registry_is_written_once() {
    let (exporter, _provider) = our_provider();
    let mut registry = Registry::default();
    registry.register_collector(Box::new(exporter.clone()));
    let all = Gatherers::new()
        .with(exporter.clone())
        .with(Arc::new(registry));
    let (om, warnings) = all.render_as(Format::OpenMetrics).unwrap();
    // Their copy of every family is left out: the exposition is ours alone.
    assert_eq!(om, exporter.render_openmetrics().unwrap());
    assert!(!warnings.is_empty());
    assert!(
        warnings.iter().all(|w| matches!(
            w,
            Warning::DuplicateFamily { .. }
                | Warning::NameClash { .. }
                | Warning::TypeConflict { .. }
        )),
        "{warnings:#?}"
    );
}
