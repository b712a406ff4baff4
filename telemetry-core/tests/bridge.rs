//! The `opentelemetry` API bridge: instruments created through the API record into our
//! pipeline, with our views applied. Only `global_meter_of_a_library_*` touches the
//! process-wide global provider, and only `rejected_*` installs a logger.
#![cfg(feature = "opentelemetry")]

use std::sync::Mutex;

use opentelemetry::metrics::MeterProvider as _;
use opentelemetry::{Array, InstrumentationScope, StringValue};
use telemetry_core::bridge::OtelMeterProvider;
use telemetry_core::testing::TestProvider;
use telemetry_core::{Aggregation, KeyValue, MetricData, Number, View};

/// A "third-party library": it knows only the `opentelemetry` API and its global meter.
mod http_lib {
    use opentelemetry::{global, InstrumentationScope, KeyValue};

    pub(crate) fn serve(method: &'static str, status: i64, seconds: f64) {
        let scope = InstrumentationScope::builder("http-lib")
            .with_version("1.2.3")
            .build();
        let meter = global::meter_with_scope(scope);
        let attributes = [
            KeyValue::new("method", method),
            KeyValue::new("status", status),
        ];
        meter
            .u64_counter("http.requests")
            .with_description("Requests served")
            .build()
            .add(1, &attributes);
        meter
            .f64_histogram("http.duration")
            .with_unit("s")
            .with_boundaries(vec![0.1, 1.0])
            .build()
            .record(seconds, &attributes);
        meter.i64_gauge("http.inflight").build().record(3, &[]);
        meter
            .u64_counter("http.debug.calls")
            .build()
            .add(1, &attributes);
    }

    pub(crate) fn register_pool_gauge() {
        global::meter("http-lib")
            .u64_observable_gauge("http.pool.idle")
            .with_callback(|o| o.observe(7, &[KeyValue::new("pool", "main")]))
            .build();
    }
}

#[test]
fn global_meter_of_a_library_records_into_our_pipeline_with_our_views() {
    let t = TestProvider::with_views(vec![
        View::new("http.requests").rename("lib_requests"),
        View::new("http.debug.*").aggregation(Aggregation::Drop),
    ]);
    opentelemetry::global::set_meter_provider(OtelMeterProvider::new(t.provider().clone()));

    http_lib::register_pool_gauge();
    http_lib::serve("GET", 200, 0.05);
    http_lib::serve("GET", 200, 0.5);
    http_lib::serve("POST", 500, 2.0);

    let snap = t.snapshot();
    let get = [KeyValue::new("method", "GET"), KeyValue::new("status", 200)];
    let post = [
        KeyValue::new("method", "POST"),
        KeyValue::new("status", 500),
    ];
    // Renamed by our view; the API's description is kept.
    snap.assert_sum("lib_requests", &get, 2u64);
    snap.assert_sum("lib_requests", &post, 1u64);
    snap.assert_absent("http.requests");
    assert_eq!(
        snap.metric("lib_requests").unwrap().description,
        "Requests served"
    );
    // Dropped by our view.
    snap.assert_absent("http.debug.calls");
    // Explicit boundaries from the API, unit kept.
    snap.assert_histogram("http.duration", &get, &[1, 1, 0], 0.55);
    snap.assert_histogram("http.duration", &post, &[0, 0, 1], 2.0);
    assert_eq!(snap.metric("http.duration").unwrap().unit, "s");
    snap.assert_gauge("http.inflight", &[], 3i64);
    snap.assert_gauge("http.pool.idle", &[KeyValue::new("pool", "main")], 7u64);

    // The scope (name and version) is our meter's scope.
    let scope = snap
        .0
        .scope_metrics
        .iter()
        .find(|s| s.metrics.iter().any(|m| m.name == "lib_requests"))
        .map(|s| s.scope.clone())
        .unwrap();
    assert_eq!(scope.name, "http-lib");
    assert_eq!(scope.version.as_deref(), Some("1.2.3"));
}

#[test]
fn every_instrument_kind_of_the_api_is_bridged() {
    let t = TestProvider::new();
    let meter = OtelMeterProvider::new(t.provider().clone()).meter("lib");
    let a = [opentelemetry::KeyValue::new("k", "v")];
    let ours = [KeyValue::new("k", "v")];

    meter.u64_counter("c.u64").build().add(3, &a);
    let f = meter.f64_counter("c.f64").build();
    f.add(1.5, &a);
    f.add(-1.0, &a); // a negative increment is ignored, as the API specifies
    let ud = meter.i64_up_down_counter("ud.i64").build();
    ud.add(5, &a);
    ud.add(-7, &a);
    meter.f64_up_down_counter("ud.f64").build().add(-0.5, &a);
    meter.u64_gauge("g.u64").build().record(9, &a);
    meter.i64_gauge("g.i64").build().record(-9, &a);
    meter
        .f64_gauge("g.f64")
        .with_unit("Cel")
        .build()
        .record(21.5, &a);
    meter
        .u64_histogram("h.u64")
        .with_boundaries(vec![10.0])
        .build()
        .record(12, &a);
    meter.f64_histogram("h.default").build().record(0.3, &a);

    meter
        .u64_observable_counter("oc.u64")
        .with_callback(|o| o.observe(4, &[opentelemetry::KeyValue::new("k", "v")]))
        .build();
    meter
        .f64_observable_counter("oc.f64")
        .with_callback(|o| o.observe(2.5, &[]))
        .build();
    meter
        .i64_observable_up_down_counter("oud.i64")
        .with_callback(|o| o.observe(-3, &[]))
        .build();
    meter
        .f64_observable_up_down_counter("oud.f64")
        .with_callback(|o| o.observe(-0.25, &[]))
        .build();
    meter
        .i64_observable_gauge("og.i64")
        .with_callback(|o| o.observe(-1, &[]))
        .build();
    // Two callbacks on one instrument, each reporting its own series.
    meter
        .f64_observable_gauge("og.f64")
        .with_callback(|o| o.observe(1.0, &[opentelemetry::KeyValue::new("cpu", 0_i64)]))
        .with_callback(|o| o.observe(2.0, &[opentelemetry::KeyValue::new("cpu", 1_i64)]))
        .build();

    let snap = t.snapshot();
    snap.assert_sum("c.u64", &ours, 3u64);
    snap.assert_sum("c.f64", &ours, 1.5);
    snap.assert_sum("ud.i64", &ours, -2i64);
    snap.assert_sum("ud.f64", &ours, -0.5);
    snap.assert_gauge("g.u64", &ours, 9u64);
    snap.assert_gauge("g.i64", &ours, -9i64);
    snap.assert_gauge("g.f64", &ours, 21.5);
    snap.assert_histogram("h.u64", &ours, &[0, 1], 12.0);
    let default = snap.histogram("h.default", &ours).unwrap();
    assert_eq!(default.bounds, telemetry_core::DEFAULT_BUCKETS.to_vec());
    snap.assert_sum("oc.u64", &ours, 4u64);
    snap.assert_sum("oc.f64", &[], 2.5);
    snap.assert_sum("oud.i64", &[], -3i64);
    snap.assert_sum("oud.f64", &[], -0.25);
    snap.assert_gauge("og.i64", &[], -1i64);
    snap.assert_gauge("og.f64", &[KeyValue::new("cpu", 0)], 1.0);
    snap.assert_gauge("og.f64", &[KeyValue::new("cpu", 1)], 2.0);

    let monotonic = |name: &str| match &snap.metric(name).unwrap().data {
        MetricData::Sum(s) => s.monotonic,
        other => panic!("{name} is not a sum: {other:?}"),
    };
    assert!(monotonic("c.u64") && monotonic("oc.f64"));
    assert!(!monotonic("ud.i64") && !monotonic("oud.f64"));

    // Callbacks run at every collection.
    assert_eq!(t.snapshot().value("oc.u64", &ours), Some(Number::U64(4)));
}

#[test]
fn attributes_of_every_value_type_are_converted() {
    let t = TestProvider::new();
    let meter = OtelMeterProvider::new(t.provider().clone()).meter("lib");
    let counter = meter.u64_counter("attrs").build();
    counter.add(
        1,
        &[
            opentelemetry::KeyValue::new("s", "text"),
            opentelemetry::KeyValue::new("owned", String::from("owned")),
            opentelemetry::KeyValue::new("i", -4_i64),
            opentelemetry::KeyValue::new("f", 0.5),
            opentelemetry::KeyValue::new("b", true),
            opentelemetry::KeyValue::new("ai", opentelemetry::Value::Array(Array::I64(vec![1, 2]))),
            opentelemetry::KeyValue::new(
                "af",
                opentelemetry::Value::Array(Array::F64(vec![0.5, 1.0])),
            ),
            opentelemetry::KeyValue::new(
                "ab",
                opentelemetry::Value::Array(Array::Bool(vec![true, false])),
            ),
            opentelemetry::KeyValue::new(
                "as",
                opentelemetry::Value::Array(Array::String(vec![
                    StringValue::from("a"),
                    StringValue::from("b"),
                ])),
            ),
        ],
    );
    t.snapshot().assert_sum(
        "attrs",
        &[
            KeyValue::new("s", "text"),
            KeyValue::new("owned", "owned"),
            KeyValue::new("i", -4),
            KeyValue::new("f", 0.5),
            KeyValue::new("b", true),
            KeyValue::new("ai", "[1,2]"),
            KeyValue::new("af", "[0.5,1]"),
            KeyValue::new("ab", "[true,false]"),
            KeyValue::new("as", r#"["a","b"]"#),
        ],
        1u64,
    );
}

#[test]
fn views_select_keys_and_aggregate_bridged_instruments() {
    let t = TestProvider::with_views(vec![
        View::new("lib.latency").attribute_keys(["route"]),
        View::new("lib.latency")
            .rename("lib.latency.count")
            .aggregation(Aggregation::Sum),
    ]);
    let scope = InstrumentationScope::builder("lib")
        .with_version("0.9")
        .build();
    let meter = OtelMeterProvider::new(t.provider().clone()).meter_with_scope(scope);
    let latency = meter
        .f64_histogram("lib.latency")
        .with_boundaries(vec![1.0])
        .build();
    latency.record(
        0.5,
        &[
            opentelemetry::KeyValue::new("route", "/"),
            opentelemetry::KeyValue::new("peer", "a"),
        ],
    );
    latency.record(
        2.0,
        &[
            opentelemetry::KeyValue::new("route", "/"),
            opentelemetry::KeyValue::new("peer", "b"),
        ],
    );

    let snap = t.snapshot();
    snap.assert_histogram("lib.latency", &[KeyValue::new("route", "/")], &[1, 1], 2.5);
    assert_eq!(
        snap.value(
            "lib.latency.count",
            &[KeyValue::new("route", "/"), KeyValue::new("peer", "a")]
        ),
        Some(Number::F64(0.5))
    );
}

/// Collects the bridge's diagnostics.
struct Captured(Mutex<Vec<String>>);

impl log::Log for Captured {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.target() == "telemetry_core::bridge"
    }
    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            self.0
                .lock()
                .unwrap()
                .push(format!("{} {}", record.level(), record.args()));
        }
    }
    fn flush(&self) {}
}

#[test]
fn rejected_instruments_are_noops_with_a_logged_reason() {
    static LOGGER: Captured = Captured(Mutex::new(Vec::new()));
    log::set_logger(&LOGGER).unwrap();
    log::set_max_level(log::LevelFilter::Warn);

    let t = TestProvider::new();
    let otel = OtelMeterProvider::new(t.provider().clone());
    let meter = otel.meter("lib");

    // An invalid name, invalid boundaries, a conflicting re-registration.
    meter.u64_counter("1bad name").build().add(1, &[]);
    meter
        .f64_histogram("bad.buckets")
        .with_boundaries(vec![2.0, 1.0])
        .build()
        .record(1.0, &[]);
    meter.u64_counter("twice").build().add(1, &[]);
    meter.f64_gauge("twice").build().record(5.0, &[]);
    meter
        .u64_observable_gauge("2bad")
        .with_callback(|o| o.observe(1, &[]))
        .build();

    let snap = t.snapshot();
    assert_eq!(snap.metric_names(), vec!["twice"]);
    snap.assert_sum("twice", &[], 1u64);

    // After shutdown, new instruments are no-ops too; recording through old ones is harmless.
    let kept = meter.u64_counter("kept").build();
    t.provider().shutdown().unwrap();
    kept.add(1, &[]);
    otel.meter("late").u64_counter("late").build().add(1, &[]);

    let logged = LOGGER.0.lock().unwrap().clone();
    for name in [
        "\"1bad name\"",
        "\"bad.buckets\"",
        "\"twice\"",
        "\"2bad\"",
        "\"late\"",
    ] {
        assert!(
            logged
                .iter()
                .any(|line| line.starts_with("WARN") && line.contains(name)),
            "no warning for {name}: {logged:#?}"
        );
    }
}

#[test]
fn the_adapter_shares_our_provider() {
    let t = TestProvider::new();
    let otel = OtelMeterProvider::new(t.provider().clone());
    // The same instrument from both APIs is one stream.
    otel.meter("test").u64_counter("shared").build().add(2, &[]);
    t.meter().u64_counter("shared").build().unwrap().add(3, &[]);
    t.snapshot().assert_sum("shared", &[], 5u64);
    assert!(otel.provider().meter("x").scope().version.is_none());
}
