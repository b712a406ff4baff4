//! What the OTLP end-to-end tests share: the metrics they export and the checks on what the
//! receiver decoded, so every transport (HTTP protobuf/JSON, gRPC) is held to the same bar.

use telemetry_core::{KeyValue, ManualReader, MeterProvider, Resource, ResourceMetrics};
use telemetry_testkit::OtlpPoint;

/// One collection with a counter, an up-down counter, a gauge, a histogram and a summary.
pub(crate) fn recorded() -> ResourceMetrics {
    let reader = ManualReader::new();
    let provider = MeterProvider::builder()
        .with_resource(Resource::new([KeyValue::new("service.name", "otlp-e2e")]))
        .with_reader(reader.clone())
        .build();
    let meter = provider.versioned_meter("shop", Some("1.2.3"));
    let get = [KeyValue::new("method", "GET"), KeyValue::new("ok", true)];
    let orders = meter
        .u64_counter("orders")
        .with_unit("{order}")
        .build()
        .unwrap();
    orders.add(5, &get);
    orders.add(2, &get);
    let queue = meter.i64_up_down_counter("queue").build().unwrap();
    queue.add(4, &[]);
    queue.add(-7, &[]);
    let temp = meter
        .f64_gauge("temperature")
        .with_unit("Cel")
        .build()
        .unwrap();
    temp.record(21.5, &[KeyValue::new("room", 3_i64)]);
    let latency = meter
        .f64_histogram("latency")
        .with_unit("s")
        .with_buckets(vec![0.1, 1.0])
        .build()
        .unwrap();
    for v in [0.05, 0.5, 0.7, 3.0] {
        latency.record(v, &[KeyValue::new("ratio", 0.5_f64)]);
    }
    let sizes = meter.f64_summary("sizes").build().unwrap();
    sizes.record(2.0, &[]);
    sizes.record(6.0, &[]);
    reader.collect().unwrap()
}

pub(crate) fn find<'a>(points: &'a [OtlpPoint], name: &str) -> &'a OtlpPoint {
    points
        .iter()
        .find(|p| p.name() == name)
        .unwrap_or_else(|| panic!("no {name} in {points:#?}"))
}

pub(crate) fn check(points: &[OtlpPoint], transport: &str) {
    assert_eq!(points.len(), 5, "{points:#?}");
    for p in points {
        assert_eq!(p.raw["transport"], transport);
        assert_eq!(p.resource("service.name").as_deref(), Some("otlp-e2e"));
        assert_eq!(p.raw["scope"]["name"], "shop");
        assert_eq!(p.raw["scope"]["version"], "1.2.3");
        assert_eq!(p.raw["headers"]["x-tenant"], "ev");
        let start = p.number("start_time_unix_nano").unwrap();
        let end = p.number("time_unix_nano").unwrap();
        assert!(start > 1.6e18 && start <= end, "{start} {end}");
    }
    let orders = find(points, "orders");
    assert_eq!(orders.raw["kind"], "sum");
    assert_eq!(orders.raw["is_monotonic"], true);
    assert_eq!(
        orders.raw["aggregation_temporality"],
        "AGGREGATION_TEMPORALITY_CUMULATIVE"
    );
    assert_eq!(orders.raw["unit"], "{order}");
    assert_eq!(orders.raw["point"]["as_int"], "7");
    assert_eq!(orders.attribute("method").as_deref(), Some("GET"));
    assert_eq!(orders.attribute("ok").as_deref(), Some("true"));

    let queue = find(points, "queue");
    assert_eq!(queue.raw["kind"], "sum");
    assert_eq!(queue.raw["is_monotonic"], false);
    assert_eq!(queue.raw["point"]["as_int"], "-3");

    let temp = find(points, "temperature");
    assert_eq!(temp.raw["kind"], "gauge");
    assert_eq!(temp.raw["unit"], "Cel");
    assert_eq!(temp.number("as_double"), Some(21.5));
    assert_eq!(temp.attribute("room").as_deref(), Some("3"));

    let latency = find(points, "latency");
    assert_eq!(latency.raw["kind"], "histogram");
    assert_eq!(
        latency.raw["aggregation_temporality"],
        "AGGREGATION_TEMPORALITY_CUMULATIVE"
    );
    assert_eq!(
        latency.raw["point"]["explicit_bounds"],
        serde_json::json!([0.1, 1.0])
    );
    assert_eq!(
        latency.raw["point"]["bucket_counts"],
        serde_json::json!(["1", "2", "1"])
    );
    assert_eq!(latency.number("count"), Some(4.0));
    assert_eq!(latency.number("sum"), Some(4.25));
    assert_eq!(latency.number("min"), Some(0.05));
    assert_eq!(latency.number("max"), Some(3.0));
    assert_eq!(latency.attribute("ratio").as_deref(), Some("0.5"));

    let sizes = find(points, "sizes");
    assert_eq!(sizes.raw["kind"], "summary");
    assert_eq!(sizes.number("count"), Some(2.0));
    assert_eq!(sizes.number("sum"), Some(8.0));
}
