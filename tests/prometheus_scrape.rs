//! A real Prometheus scrapes the examples' endpoints, in OpenMetrics (what it negotiates by
//! default) and in text 0.0.4, and its PromQL answers must be the values the test set.
//! One Prometheus serves every check of this file: it needs ~5 s before its first scrape.

use std::time::Duration;

use telemetry_core::{KeyValue, MeterProvider, Resource};
use telemetry_examples::custom::{CustomMetrics, B_CHILDREN, ENUM_STATES};
use telemetry_examples::ev::{Instrumentor, SimulatedVehicle, METRIC_NAMES};
use telemetry_exporters::prometheus::PrometheusExporter;
use telemetry_testkit::{http_request, Prometheus};

const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0";

fn provider(service: &'static str, exporter: &PrometheusExporter) -> MeterProvider {
    MeterProvider::builder()
        .with_resource(Resource::new([KeyValue::new("service.name", service)]))
        .with_reader(exporter.clone())
        .build()
}

/// The value of the one sample `name{labels}` in a text exposition.
fn sample(body: &str, series: &str) -> f64 {
    body.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .unwrap_or_else(|| panic!("no sample {series} in:\n{body}"))
        .parse()
        .unwrap()
}

#[test]
fn prometheus_scrapes_both_formats_and_stores_what_was_recorded() {
    // seed 002 in OpenMetrics (Prometheus' default Accept negotiates it)
    let custom = PrometheusExporter::new();
    let custom_provider = provider("custom-exporter", &custom);
    let mut metrics = CustomMetrics::new(&custom_provider.meter("custom"), 7).unwrap();
    metrics.process_request().unwrap();
    let custom_server = custom.serve("127.0.0.1:0").unwrap();

    // the same metrics from an endpoint that only speaks text 0.0.4
    let text = PrometheusExporter::builder()
        .with_openmetrics(false)
        .build();
    let text_provider = provider("custom-exporter-text", &text);
    let mut text_metrics = CustomMetrics::new(&text_provider.meter("custom"), 7).unwrap();
    text_metrics.process_request().unwrap();
    let text_server = text.serve("127.0.0.1:0").unwrap();

    // seed 000: the EV example's 33 metrics
    let ev = PrometheusExporter::new();
    let ev_provider = provider("ev-observer", &ev);
    let _vehicle = Instrumentor::new(
        &ev_provider.meter("ev_observer"),
        "Ju",
        SimulatedVehicle::new(1, 60),
    )
    .unwrap();
    let ev_server = ev.serve("127.0.0.1:0").unwrap();

    let Some(prometheus) = Prometheus::start(&[
        ("custom_om", custom_server.local_addr()),
        ("custom_text", text_server.local_addr()),
        ("ev", ev_server.local_addr()),
    ]) else {
        return;
    };

    // What each endpoint serves, as the test reads it (values are fixed from here on).
    let om = http_request(
        custom_server.local_addr(),
        "GET",
        "/metrics",
        &[("Accept", OPENMETRICS)],
        &[],
    );
    assert!(
        om.header("content-type")
            .is_some_and(|t| t.starts_with(OPENMETRICS)),
        "{:?}",
        om.headers
    );
    let om = om.text().to_owned();
    let plain = http_request(text_server.local_addr(), "GET", "/metrics", &[], &[]);
    assert!(plain
        .header("content-type")
        .is_some_and(|t| t.starts_with("text/plain; version=0.0.4")));
    let plain = plain.text().to_owned();

    for job in ["custom_om", "custom_text", "ev"] {
        let target = prometheus.wait_scraped(job, Duration::from_secs(30));
        eprintln!("Prometheus target {job}: {target:?}");
        assert_eq!(
            (target.health.as_str(), target.last_error.as_str()),
            ("up", ""),
            "job {job}: {target:?}"
        );
    }
    // The scrape that made the target `up` may still be committing: wait one interval.
    std::thread::sleep(Duration::from_millis(1500));

    let query = |promql: &str| {
        let result = prometheus.query(promql);
        eprintln!("{promql} → {:?}", result.first().map(|s| s.value));
        assert_eq!(result.len(), 1, "{promql} → {result:?}");
        result[0].value
    };
    for (job, body) in [("custom_om", &om), ("custom_text", &plain)] {
        let j = format!("job=\"{job}\"");
        assert_eq!(query(&format!("a{{{j}}}")), sample(body, "a"));
        for (label1, label2, low, high) in B_CHILDREN {
            let labels = format!("label1=\"{label1}\",label2=\"{label2}\"");
            let value = query(&format!("b{{{j},{labels}}}"));
            assert!((low as f64..=high as f64).contains(&value));
            assert_eq!(value, sample(body, &format!("b{{{labels}}}")));
        }
        assert_eq!(query(&format!("c_total{{{j}}}")), 1.0);
        assert_eq!(query(&format!("request_latency_seconds_count{{{j}}}")), 1.0);
        assert_eq!(query(&format!("request_latency_seconds_sum{{{j}}}")), 4.7);
        assert_eq!(
            query(&format!(
                "request_latency_seconds2_bucket{{{j},le=\"10.0\"}}"
            )),
            1.0
        );
        assert_eq!(
            query(&format!(
                "request_latency_seconds2_bucket{{{j},le=\"7.5\"}}"
            )),
            0.0
        );
        assert_eq!(
            query(&format!(
                "my_build_version_info{{{j},version=\"1.2.3\",buildhost=\"foo@bar\"}}"
            )),
            1.0
        );
        // A state set: exactly one state is current.
        let states = prometheus.query(&format!("example_enum{{{j}}}"));
        assert_eq!(states.len(), ENUM_STATES.len(), "{states:?}");
        assert_eq!(states.iter().map(|s| s.value).sum::<f64>(), 1.0);
        // The derived ones.
        assert_eq!(
            query(&format!(
                "worker_state{{{j},worker=\"w1\",worker_state=\"running\"}}"
            )),
            1.0
        );
        assert_eq!(
            query(&format!("worker_handled_total{{{j},worker=\"w1\"}}")),
            1.0
        );
        assert_eq!(
            query(&format!(
                "custom_exporter_build_info{{{j},revision=\"unknown\"}}"
            )),
            1.0
        );
    }
    // OpenMetrics-only series: `_created`, the gauge histogram's `_gcount`.
    assert!(query("c_created{job=\"custom_om\"}") > 1.6e9);
    assert_eq!(
        query("queue_job_age_seconds_gcount{job=\"custom_om\"}"),
        metrics.queue_len() as f64
    );
    let (kind, help, _) = prometheus
        .metadata("custom_om", "example_enum")
        .expect("metadata");
    assert_eq!(
        (kind.as_str(), help.as_str()),
        ("stateset", "An example enum")
    );

    // The EV example: the 33 names, each with vehicle_id.
    for name in METRIC_NAMES {
        let name = if name == "chargestate_max_range_charge_counter" {
            "chargestate_max_range_charge_counter_total"
        } else {
            name
        };
        let result = prometheus.query(&format!("{name}{{job=\"ev\",vehicle_id=\"Ju\"}}"));
        assert_eq!(result.len(), 1, "{name}: {result:?}");
    }

    drop(prometheus);
    for server in [custom_server, text_server, ev_server] {
        server.shutdown();
    }
}
