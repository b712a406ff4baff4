//! The encoder's output checked by the real `promtool check metrics` (Prometheus' own
//! parser and linter): exit 0 and nothing on stderr, i.e. no parse error and no lint warning.
//!
//! promtool does not detect duplicate series or a missing `+Inf` bucket (see
//! shared/peers/README.md); the unit tests in src/prometheus/text/tests.rs pin those.

#![cfg(feature = "prometheus")]

use std::time::SystemTime;

use telemetry_core::{
    Attributes, GaugeData, HistogramData, HistogramPoint, KeyValue, MeterProvider, Metric,
    MetricData, Number, NumberPoint, Resource, ResourceMetrics, Scope, ScopeMetrics, SumData,
    SummaryData, SummaryPoint, Temporality,
};
use telemetry_exporters::prometheus::{names, text, PrometheusExporter, TextOptions};
use telemetry_testkit::{promtool_check, require_tool};

fn number(value: impl Into<Number>, attributes: &[KeyValue]) -> NumberPoint {
    NumberPoint {
        attributes: Attributes::new(attributes.iter().cloned()),
        start_time: SystemTime::UNIX_EPOCH,
        time: SystemTime::now(),
        value: value.into(),
    }
}

fn histogram_point(
    bounds: &[f64],
    counts: &[u64],
    sum: f64,
    attributes: &[KeyValue],
) -> HistogramPoint {
    HistogramPoint {
        attributes: Attributes::new(attributes.iter().cloned()),
        start_time: SystemTime::UNIX_EPOCH,
        time: SystemTime::now(),
        bounds: bounds.to_vec(),
        bucket_counts: counts.to_vec(),
        count: counts.iter().sum(),
        sum,
        min: None,
        max: None,
        sum_of_squared_deviation: 0.0,
    }
}

fn metric(name: &str, description: &str, unit: &str, data: MetricData) -> Metric {
    Metric {
        name: name.into(),
        description: description.into(),
        unit: unit.into(),
        data,
    }
}

fn sum(monotonic: bool, points: Vec<NumberPoint>) -> MetricData {
    MetricData::Sum(SumData {
        points,
        monotonic,
        temporality: Temporality::Cumulative,
    })
}

/// Every kind of data, every kind of number, names and labels that need sanitising or
/// escaping, UTF-8, two scopes sharing a family, and a resource for `target_info`.
fn rich_collection() -> ResourceMetrics {
    let tricky = [
        KeyValue::new("path", "C:\\temp\\\"quoted\"\nsecond line"),
        KeyValue::new("company", "会社検証用"),
        KeyValue::new("http.route", "/api/{id}"),
    ];
    let shop = ScopeMetrics {
        scope: Scope {
            name: "shop".into(),
            version: Some("1.0".into()),
        },
        metrics: vec![
            metric(
                "orders",
                "Orders placed, by \\ country\nand channel",
                "{order}",
                sum(
                    true,
                    vec![
                        number(3u64, &[KeyValue::new("country", "JP")]),
                        number(u64::MAX, &[KeyValue::new("country", "FR")]),
                        number(1u64, &tricky),
                        number(7u64, &[KeyValue::new("otel.metric.overflow", true)]),
                    ],
                ),
            ),
            metric(
                "revenue.total",
                "Revenue",
                "{EUR}",
                sum(
                    true,
                    vec![number(1234.5, &[KeyValue::new("country", "JP")])],
                ),
            ),
            metric(
                "queue.depth",
                "Jobs waiting",
                "{job}",
                sum(
                    false,
                    vec![
                        number(-4i64, &[]),
                        number(2i64, &[KeyValue::new("queue", "b")]),
                    ],
                ),
            ),
            metric(
                "request.duration",
                "Request latency",
                "s",
                MetricData::Histogram(HistogramData {
                    points: vec![
                        histogram_point(&[0.005, 0.1, 1.0, 10.0], &[1, 5, 2, 0, 1], 14.25, &tricky),
                        histogram_point(&[0.005, 0.1, 1.0, 10.0], &[0, 0, 0, 0, 0], 0.0, &[]),
                        histogram_point(&[], &[3], 1e-7, &[KeyValue::new("le", "user")]),
                    ],
                    temporality: Temporality::Cumulative,
                }),
            ),
        ],
    };
    let vehicle = ScopeMetrics {
        scope: Scope {
            name: "vehicle".into(),
            version: None,
        },
        metrics: vec![
            metric(
                "chargestate.battery_level",
                "State of charge",
                "%",
                MetricData::Gauge(GaugeData {
                    points: vec![number(80i64, &[KeyValue::new("vehicle_id", "Ju")])],
                }),
            ),
            metric(
                "readings",
                "Sensor readings, including special values",
                "",
                MetricData::Gauge(GaugeData {
                    points: vec![
                        number(f64::NAN, &[KeyValue::new("sensor", "nan")]),
                        number(f64::INFINITY, &[KeyValue::new("sensor", "inf")]),
                        number(f64::NEG_INFINITY, &[KeyValue::new("sensor", "-inf")]),
                        number(1e300, &[KeyValue::new("sensor", "huge")]),
                        number(-1.5e-9, &[KeyValue::new("sensor", "tiny")]),
                        number(i64::MIN, &[KeyValue::new("sensor", "min")]),
                        number(0u64, &[KeyValue::new("sensor", "zero")]),
                    ],
                }),
            ),
            metric(
                "rpc.duration",
                "RPC latency, with and without quantiles",
                "s",
                MetricData::Summary(SummaryData {
                    points: vec![
                        SummaryPoint {
                            attributes: Attributes::new(tricky.iter().cloned()),
                            start_time: SystemTime::UNIX_EPOCH,
                            time: SystemTime::now(),
                            count: 3,
                            sum: 1.25,
                            quantiles: vec![(0.5, 0.25), (0.99, 0.75), (1.0, f64::NAN)],
                        },
                        SummaryPoint {
                            attributes: Attributes::new([KeyValue::new("quantile", "user")]),
                            start_time: SystemTime::UNIX_EPOCH,
                            time: SystemTime::now(),
                            count: 0,
                            sum: 0.0,
                            quantiles: Vec::new(),
                        },
                    ],
                }),
            ),
            metric(
                "build",
                "Build information",
                "",
                MetricData::Info(GaugeData {
                    points: vec![number(1u64, &[KeyValue::new("version", "1.2.3")])],
                }),
            ),
            metric(
                "charging.state",
                "Charging state",
                "",
                MetricData::StateSet(GaugeData {
                    points: ["charging", "complete", "disconnected"]
                        .iter()
                        .map(|s| {
                            let current = u64::from(*s == "charging");
                            let state = KeyValue::new("charging.state", *s);
                            number(current, &[KeyValue::new("vehicle_id", "Ju"), state])
                        })
                        .collect(),
                }),
            ),
            metric(
                "queue.age",
                "Age of waiting jobs",
                "s",
                MetricData::GaugeHistogram(HistogramData {
                    points: vec![
                        histogram_point(&[1.0, 1e6], &[3, 0, 1], 42.5, &tricky),
                        histogram_point(&[-1.0, 0.0], &[1, 0, 0], -3.0, &[]),
                    ],
                    temporality: Temporality::Cumulative,
                }),
            ),
            // The same family as in the `shop` scope: merged into one block.
            metric(
                "orders",
                "Orders placed, by \\ country\nand channel",
                "{order}",
                sum(true, vec![number(1u64, &[KeyValue::new("country", "DE")])]),
            ),
        ],
    };
    ResourceMetrics {
        resource: Resource::new([
            KeyValue::new("service.name", "ev-observer"),
            KeyValue::new("service.instance.id", "会社-1"),
            KeyValue::new("host.arch", "amd64"),
        ]),
        scope_metrics: vec![shop, vehicle],
    }
}

#[test]
fn rich_collection_passes_promtool_with_every_option_combination() {
    let metrics = rich_collection();
    for unit_suffixes in [false, true] {
        for scope_labels in [false, true] {
            let options = TextOptions::default()
                .with_unit_suffixes(unit_suffixes)
                .with_scope_labels(scope_labels);
            let mut exposition = String::new();
            let warnings = text::encode(&metrics, &options, &mut exposition);
            assert_eq!(warnings, [], "{options:?}");
            // Sanity: the interesting lines are really there before promtool looks at them.
            assert!(
                exposition.contains("company=\"会社検証用\""),
                "{exposition}"
            );
            assert!(exposition.contains("path=\"C:\\\\temp\\\\\\\"quoted\\\"\\nsecond line\""));
            assert!(exposition.contains("le=\"+Inf\""));
            assert!(exposition.contains(" NaN\n") && exposition.contains(" -Inf\n"));
            assert!(exposition.contains("target_info{"));
            for kind in [
                "summary\n",
                "# TYPE build_info gauge\n",
                "# TYPE charging_state gauge\n",
                "_gcount gauge\n",
                "quantile=\"0.99\"",
                "exported_quantile=\"user\"",
                "le=\"1e+06\"",
            ] {
                assert!(exposition.contains(kind), "{kind:?} in {exposition}");
            }
            assert_eq!(
                exposition.matches("# TYPE orders_total counter\n").count(),
                1
            );
            telemetry_testkit::assert_promtool_clean(&format!("{options:?}"), &exposition);
        }
    }
}

#[test]
fn provider_collection_passes_promtool() {
    let exporter = PrometheusExporter::builder()
        .with_unit_suffixes(true)
        .build();
    let provider = MeterProvider::builder()
        .with_resource(Resource::new([KeyValue::new(
            "service.name",
            "promtool-test",
        )]))
        .with_reader(exporter.clone())
        .build();
    let meter = provider.meter("test");
    let attrs = [
        KeyValue::new("method", "GET"),
        KeyValue::new("route", "/a\"b"),
    ];

    let counter = meter
        .u64_counter("http.requests")
        .with_description("Requests")
        .build()
        .unwrap();
    counter.add(3, &attrs);
    let bytes = meter
        .f64_counter("http.sent")
        .with_description("Bytes sent")
        .with_unit("By")
        .build()
        .unwrap();
    bytes.add(1.5, &attrs);
    let active = meter
        .i64_up_down_counter("http.active")
        .with_description("In flight")
        .build()
        .unwrap();
    active.add(-2, &[]);
    let temperature = meter
        .f64_gauge("cabin.temperature")
        .with_description("Cabin temperature")
        .with_unit("Cel")
        .build()
        .unwrap();
    temperature.record(21.5, &[KeyValue::new("zone", "前")]);
    let latency = meter
        .f64_histogram("http.duration")
        .with_description("Latency")
        .with_unit("s")
        .build()
        .unwrap();
    for v in [0.001, 0.2, 3.0, 100.0] {
        latency.record(v, &attrs);
    }
    let _observed = meter
        .u64_observable_gauge("uptime")
        .with_description("Uptime")
        .with_unit("s")
        .with_callback(|o| o.observe(42, &[]))
        .build()
        .unwrap();

    let exposition = exporter.render().unwrap();
    for line in [
        "http_requests_total{method=\"GET\",route=\"/a\\\"b\"} 3\n",
        "http_sent_bytes_total{method=\"GET\",route=\"/a\\\"b\"} 1.5\n",
        "http_active -2\n",
        "cabin_temperature_celsius{zone=\"前\"} 21.5\n",
        "http_duration_seconds_count{method=\"GET\",route=\"/a\\\"b\"} 4\n",
        "uptime_seconds 42\n",
        "target_info{service_name=\"promtool-test\"} 1\n",
    ] {
        assert!(
            exposition.contains(line),
            "missing {line:?} in:\n{exposition}"
        );
    }
    telemetry_testkit::assert_promtool_clean("provider", &exposition);
}

#[test]
fn promtool_really_checks() {
    // Guards the harness: a helper that always passed would make the tests above worthless.
    let Some(promtool) = require_tool("promtool") else {
        return;
    };
    let out = promtool_check(&promtool, "# HELP x y\n# TYPE x counter\nx 1\n");
    assert_eq!(out.code, Some(3), "{out:?}");
    assert!(out.stderr.contains("_total"), "{out:?}");
    let out = promtool_check(&promtool, "my.metric 1\n");
    assert_eq!(out.code, Some(1), "{out:?}");
}

#[test]
fn sanitised_names_are_what_promtool_accepts() {
    let names = [
        "queue.depth",
        "9lives",
        "温度",
        "jobs-in/flight",
        "ok_name",
        "queue:depth.max",
    ];
    let mut exposition = String::new();
    for name in names {
        let name = names::sanitize_metric_name(name).replace(':', "_"); // ':' is valid but linted
        let label = names::sanitize_label_name("some.label-key");
        exposition.push_str(&format!(
            "# HELP {name} h\n# TYPE {name} gauge\n{name}{{{label}=\"v\"}} 1\n"
        ));
    }
    telemetry_testkit::assert_promtool_clean("sanitised names", &exposition);
}
