//! Round trip through an independent parser: what the test records, rendered as OpenMetrics,
//! must come back sample for sample from the official Python client's strict parser
//! (`prometheus_client.openmetrics.parser`). The 0.0.4 rendering of the same metrics must pass
//! `promtool check metrics`.

use std::collections::BTreeMap;

use telemetry_core::{KeyValue, MeterProvider};
use telemetry_examples::custom::CustomMetrics;
use telemetry_examples::ev::{Instrumentor, SimulatedVehicle};
use telemetry_exporters::prometheus::PrometheusExporter;
use telemetry_testkit::{assert_promtool_clean, parse_openmetrics, ParsedSample};

type Key = (String, Vec<(String, String)>);

fn key(name: &str, labels: &[(&str, &str)]) -> Key {
    let mut labels: Vec<(String, String)> = labels
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    labels.sort();
    (name.to_owned(), labels)
}

fn parsed(text: &str) -> Option<Vec<ParsedSample>> {
    match parse_openmetrics(text)? {
        Ok(samples) => Some(samples),
        Err(e) => panic!("the OpenMetrics parser rejected the exposition: {e}\n{text}"),
    }
}

#[test]
fn every_type_round_trips_through_the_python_parser() {
    let exporter = PrometheusExporter::builder()
        .with_target_info(false)
        .build();
    let provider = MeterProvider::builder()
        .with_reader(exporter.clone())
        .build();
    let meter = provider.meter("roundtrip");
    // Label values that need escaping, and UTF-8 kept as is.
    let tricky = [
        KeyValue::new("name", "会社検証用"),
        KeyValue::new("path", "C:\\dir \"x\"\nnext"),
    ];
    let requests = meter
        .u64_counter("requests")
        .with_description("Requests served")
        .build()
        .unwrap();
    requests.add(3, &tricky);
    requests.add(5, &[KeyValue::new("method", "GET")]);
    let temperature = meter
        .f64_gauge("temperature")
        .with_description("Room temperature")
        .build()
        .unwrap();
    temperature.record(-1.5, &[KeyValue::new("room", "a")]);
    temperature.record(f64::INFINITY, &[KeyValue::new("room", "hot")]);
    temperature.record(f64::NAN, &[KeyValue::new("room", "broken")]);
    let latency = meter
        .f64_histogram("latency")
        .with_description("Request latency")
        .with_unit("s")
        .with_buckets(vec![0.1, 1.0])
        .build()
        .unwrap();
    for v in [0.05, 0.1, 0.5, 3.0] {
        latency.record(v, &[KeyValue::new("route", "/")]);
    }
    let size = meter
        .f64_summary("request_size")
        .with_description("Request sizes")
        .build()
        .unwrap();
    size.record(100.0, &[]);
    size.record(20.0, &[]);
    meter
        .info("build")
        .with_description("Build information")
        .build()
        .unwrap()
        .set(&[KeyValue::new("version", "1.2.3")]);
    meter
        .state_set("door", ["open", "closed"])
        .with_description("Door state")
        .build()
        .unwrap()
        .set("closed", &[KeyValue::new("door_id", "front")])
        .unwrap();
    let _ages = meter
        .f64_observable_gauge_histogram("job_age")
        .with_description("Ages of queued jobs")
        .with_buckets(vec![1.0])
        .with_callback(|o| {
            o.observe(0.5, &[]);
            o.observe(7.0, &[]);
        })
        .build()
        .unwrap();

    let path = "C:\\dir \"x\"\nnext";
    let mut expected: BTreeMap<Key, f64> = BTreeMap::new();
    for (name, labels, value) in [
        (
            "requests_total",
            vec![("name", "会社検証用"), ("path", path)],
            3.0,
        ),
        ("requests_total", vec![("method", "GET")], 5.0),
        ("temperature", vec![("room", "a")], -1.5),
        ("temperature", vec![("room", "hot")], f64::INFINITY),
        ("latency_bucket", vec![("route", "/"), ("le", "0.1")], 2.0),
        ("latency_bucket", vec![("route", "/"), ("le", "1.0")], 3.0),
        ("latency_bucket", vec![("route", "/"), ("le", "+Inf")], 4.0),
        ("latency_count", vec![("route", "/")], 4.0),
        ("latency_sum", vec![("route", "/")], 3.65),
        ("request_size_count", vec![], 2.0),
        ("request_size_sum", vec![], 120.0),
        ("build_info", vec![("version", "1.2.3")], 1.0),
        ("door", vec![("door_id", "front"), ("door", "open")], 0.0),
        ("door", vec![("door_id", "front"), ("door", "closed")], 1.0),
        ("job_age_bucket", vec![("le", "1.0")], 1.0),
        ("job_age_bucket", vec![("le", "+Inf")], 2.0),
        ("job_age_gcount", vec![], 2.0),
        ("job_age_gsum", vec![], 7.5),
    ] {
        expected.insert(key(name, &labels), value);
    }

    let text = exporter.render_openmetrics().unwrap();
    let Some(samples) = parsed(&text) else {
        return;
    };
    let mut got: BTreeMap<Key, f64> = BTreeMap::new();
    let mut nan_seen = false;
    for s in &samples {
        if s.name.ends_with("_created") {
            assert!(s.value > 1.6e9, "{s:?}");
            continue;
        }
        if s.name == "temperature" && s.value.is_nan() {
            nan_seen = true;
            continue;
        }
        got.insert((s.name.clone(), s.labels.clone()), s.value);
    }
    assert!(nan_seen, "the NaN gauge did not come back:\n{text}");
    let close = |a: f64, b: f64| a == b || (a - b).abs() < 1e-9;
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>(),
        "\n{text}"
    );
    for (k, v) in &expected {
        assert!(close(got[k], *v), "{k:?}: got {}, want {v}\n{text}", got[k]);
    }
    // The family types the parser saw.
    let types: BTreeMap<&str, &str> = samples
        .iter()
        .map(|s| (s.family.as_str(), s.family_type.as_str()))
        .collect();
    for (family, kind) in [
        ("requests", "counter"),
        ("temperature", "gauge"),
        ("latency", "histogram"),
        ("request_size", "summary"),
        ("build", "info"),
        ("door", "stateset"),
        ("job_age", "gaugehistogram"),
    ] {
        assert_eq!(types.get(family), Some(&kind), "{types:?}");
    }

    assert_promtool_clean("every type", &exporter.render().unwrap());
    provider.shutdown().unwrap();
}

#[test]
fn the_examples_expositions_pass_both_checkers() {
    let exporter = PrometheusExporter::new();
    let provider = MeterProvider::builder()
        .with_reader(exporter.clone())
        .build();
    let mut custom = CustomMetrics::new(&provider.meter("custom"), 3).unwrap();
    for _ in 0..5 {
        custom.process_request().unwrap();
    }
    let _ev = Instrumentor::new(&provider.meter("ev"), "Ju", SimulatedVehicle::new(2, 60)).unwrap();

    let text = exporter.render_openmetrics().unwrap();
    if let Some(samples) = parsed(&text) {
        let c = samples.iter().find(|s| s.name == "c_total").unwrap();
        assert_eq!(c.value, 5.0);
        assert!(samples
            .iter()
            .any(|s| s.name == "chargestate_battery_level"));
    }
    // The EV names carry promtool's name lints (see tests/ev_prometheus.rs): check the
    // custom example alone with promtool.
    let custom_only = PrometheusExporter::new();
    let custom_provider = MeterProvider::builder()
        .with_reader(custom_only.clone())
        .build();
    CustomMetrics::new(&custom_provider.meter("custom"), 3)
        .unwrap()
        .process_request()
        .unwrap();
    assert_promtool_clean("custom example", &custom_only.render().unwrap());
}
