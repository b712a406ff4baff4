//! Behaviour of the provider, registration, views, cardinality limits and shutdown.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use telemetry_core::testing::TestProvider;
use telemetry_core::{
    Aggregation, Error, KeyValue, ManualReader, MeterProvider, MetricData, MetricReader, Producer,
    ResourceMetrics, View, OVERFLOW_ATTRIBUTE,
};

#[test]
fn same_definition_returns_the_same_instrument_and_conflicts_are_errors() {
    let t = TestProvider::new();
    let m = t.meter();
    let a = m.u64_counter("jobs").with_unit("{job}").build().unwrap();
    let b = m.u64_counter("jobs").with_unit("{job}").build().unwrap();
    a.add(1, &[]);
    b.add(2, &[]);
    t.snapshot().assert_sum("jobs", &[], 3u64);

    let err = m
        .f64_counter("jobs")
        .with_unit("{job}")
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::Conflict { .. }), "{err}");
    let err = m.u64_counter("jobs").with_unit("s").build().unwrap_err();
    assert!(matches!(err, Error::Conflict { .. }), "{err}");
    let err = m.i64_gauge("jobs").build().unwrap_err();
    assert!(err.to_string().contains("already registered"), "{err}");
}

#[test]
fn invalid_names_units_and_buckets_are_typed_errors() {
    let t = TestProvider::new();
    let m = t.meter();
    assert!(matches!(
        m.u64_counter("1abc").build(),
        Err(Error::InvalidName { .. })
    ));
    assert!(matches!(
        m.u64_counter("a b").build(),
        Err(Error::InvalidName { .. })
    ));
    assert!(matches!(
        m.u64_counter("ok").with_unit("per cent").build(),
        Err(Error::InvalidUnit { .. })
    ));
    assert!(matches!(
        m.f64_histogram("h").with_buckets(vec![2.0, 1.0]).build(),
        Err(Error::InvalidBuckets { .. })
    ));
}

#[test]
fn counters_ignore_negative_and_nan_increments() {
    let t = TestProvider::new();
    let c = t.meter().f64_counter("c").build().unwrap();
    c.add(1.5, &[]);
    c.add(-1.0, &[]);
    c.add(f64::NAN, &[]);
    t.snapshot().assert_sum("c", &[], 1.5);
}

#[test]
fn histogram_default_buckets_are_prometheus_defaults() {
    let t = TestProvider::new();
    let h = t.meter().f64_histogram("h").build().unwrap();
    h.record(0.3, &[]);
    let snap = t.snapshot();
    let p = snap.histogram("h", &[]).unwrap();
    assert_eq!(p.bounds, telemetry_core::DEFAULT_BUCKETS.to_vec());
    assert_eq!(p.bucket_counts.len(), 15);
    assert_eq!(p.bucket_counts[7], 1, "0.3 lands in (0.25, 0.5]");
    assert_eq!((p.min, p.max, p.count), (Some(0.3), Some(0.3), 1));
}

#[test]
fn one_measure_feeds_several_views_and_unselected_measures_are_dropped() {
    let t = TestProvider::with_views(vec![
        View::new("rpc.latency")
            .rename("rpc_count")
            .aggregation(Aggregation::Count),
        View::new("rpc.latency")
            .rename("rpc_latency")
            .attribute_keys(["method"])
            .aggregation(Aggregation::Histogram {
                bounds: vec![10.0, 100.0],
            }),
        View::new("rpc.latency")
            .rename("rpc_last")
            .aggregation(Aggregation::LastValue),
        View::new("rpc.latency")
            .rename("rpc_sum")
            .aggregation(Aggregation::Sum),
    ]);
    let m = t.meter();
    let latency = m
        .f64_measure("rpc.latency")
        .with_unit("ms")
        .build()
        .unwrap();
    let unused = m.i64_measure("unviewed").build().unwrap();
    let get = [KeyValue::new("method", "GET"), KeyValue::new("peer", "a")];
    latency.record(5.0, &get);
    latency.record(50.0, &get);
    latency.record(
        500.0,
        &[KeyValue::new("method", "GET"), KeyValue::new("peer", "b")],
    );
    unused.record(1, &[]);
    let s = t.snapshot();
    s.assert_sum("rpc_count", &get, 2u64);
    s.assert_histogram(
        "rpc_latency",
        &[KeyValue::new("method", "GET")],
        &[1, 1, 1],
        555.0,
    );
    s.assert_gauge("rpc_last", &get, 50.0);
    s.assert_sum("rpc_sum", &get, 55.0);
    s.assert_absent("unviewed");
    s.assert_absent("rpc.latency");
}

#[test]
fn views_rename_filter_and_drop_instruments() {
    let t = TestProvider::with_views(vec![
        View::new("http.*").attribute_keys(["method"]),
        View::new("noisy").aggregation(Aggregation::Drop),
        View::new("renamed")
            .rename("new_name")
            .description("better"),
    ]);
    let m = t.meter();
    let c = m.u64_counter("http.requests").build().unwrap();
    c.add(
        1,
        &[KeyValue::new("method", "GET"), KeyValue::new("path", "/a")],
    );
    c.add(
        1,
        &[KeyValue::new("path", "/b"), KeyValue::new("method", "GET")],
    );
    m.u64_counter("noisy").build().unwrap().add(1, &[]);
    m.u64_counter("renamed").build().unwrap().add(4, &[]);
    let s = t.snapshot();
    s.assert_sum("http.requests", &[KeyValue::new("method", "GET")], 2u64);
    s.assert_absent("noisy");
    s.assert_sum("new_name", &[], 4u64);
    assert_eq!(s.0.metric("new_name").unwrap().description, "better");
}

#[test]
fn a_wildcard_view_that_renames_is_rejected() {
    let err = MeterProvider::builder()
        .with_view(View::new("http.*").rename("x"))
        .try_build()
        .unwrap_err();
    assert!(matches!(err, Error::InvalidView { .. }), "{err}");
}

#[test]
fn observable_counter_with_count_aggregation_is_rejected() {
    let t = TestProvider::with_views(vec![View::new("obs").aggregation(Aggregation::Count)]);
    let err = t.meter().u64_observable_counter("obs").build().unwrap_err();
    assert!(matches!(err, Error::InvalidView { .. }), "{err}");
}

#[test]
fn cardinality_limit_folds_new_series_into_overflow() {
    let provider_reader = ManualReader::new();
    let provider = MeterProvider::builder()
        .with_reader(provider_reader.clone())
        .with_view(View::new("limited").cardinality_limit(3))
        .build();
    let c = provider.meter("m").u64_counter("limited").build().unwrap();
    for i in 0..10i64 {
        c.add(1, &[KeyValue::new("id", i)]);
    }
    let data = provider_reader.collect().unwrap();
    let MetricData::Sum(sum) = &data.metric("limited").unwrap().data else {
        panic!()
    };
    assert_eq!(sum.points.len(), 4, "3 series + overflow");
    let overflow = sum
        .points
        .iter()
        .find(|p| p.attributes.get(OVERFLOW_ATTRIBUTE).is_some())
        .unwrap();
    assert_eq!(overflow.value, telemetry_core::Number::U64(7));
}

#[test]
fn observable_callbacks_report_many_series_with_stable_start_times() {
    let t = TestProvider::new();
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = calls.clone();
    let _cpu = t
        .meter()
        .f64_observable_counter("system.cpu.time")
        .with_unit("s")
        .with_callback(move |o| {
            let n = seen.fetch_add(1, Ordering::Relaxed) as f64;
            for cpu in ["cpu0", "cpu1"] {
                for state in ["user", "system"] {
                    o.observe(
                        n + 1.0,
                        &[KeyValue::new("cpu", cpu), KeyValue::new("state", state)],
                    );
                }
            }
        })
        .build()
        .unwrap();
    let first = t.snapshot();
    std::thread::sleep(Duration::from_millis(5));
    let second = t.snapshot();
    let user0 = [KeyValue::new("cpu", "cpu0"), KeyValue::new("state", "user")];
    first.assert_sum("system.cpu.time", &user0, 1.0);
    second.assert_sum("system.cpu.time", &user0, 2.0);
    let start = |s: &telemetry_core::testing::Snapshot| match &s
        .0
        .metric("system.cpu.time")
        .unwrap()
        .data
    {
        MetricData::Sum(sum) => {
            assert_eq!(sum.points.len(), 4);
            let starts: Vec<_> = sum.points.iter().map(|p| p.start_time).collect();
            (starts, sum.points[0].time)
        }
        _ => panic!("not a sum"),
    };
    let ((s1, t1), (s2, t2)) = (start(&first), start(&second));
    // The first set observed (its start time kept apart, without a lock) and the others.
    assert_eq!(s1, s2, "cumulative start times stay fixed");
    assert!(t2 > t1);
}

#[test]
fn a_panicking_callback_does_not_break_the_others() {
    let t = TestProvider::new();
    let m = t.meter();
    let _bad = m
        .u64_observable_gauge("bad")
        .with_callback(|_| panic!("callback failure (expected by this test)"))
        .build()
        .unwrap();
    let _good = m
        .u64_observable_gauge("good")
        .with_callback(|o| o.observe(1, &[]))
        .build()
        .unwrap();
    t.snapshot().assert_gauge("good", &[], 1u64);
    t.snapshot().assert_gauge("good", &[], 1u64);
}

/// A reader that records what shutdown handed it, and can be slow.
#[derive(Clone, Default)]
struct Recording {
    last: Arc<std::sync::Mutex<Option<ResourceMetrics>>>,
}

impl MetricReader for Recording {
    fn register_producer(&self, _: Producer) {}
    fn shutdown(&self, last: &ResourceMetrics, _: Duration) -> Result<(), Error> {
        *self.last.lock().unwrap() = Some(last.clone());
        Ok(())
    }
}

#[test]
fn shutdown_hands_a_final_collection_to_every_reader_and_later_use_is_an_error() {
    let (a, b) = (Recording::default(), ManualReader::new());
    let provider = MeterProvider::builder()
        .with_reader(a.clone())
        .with_reader(b.clone())
        .build();
    let c = provider.meter("m").u64_counter("last").build().unwrap();
    c.add(41, &[]);
    c.add(1, &[]);
    provider.shutdown().unwrap();
    let handed = a.last.lock().unwrap().clone().unwrap();
    let MetricData::Sum(s) = &handed.metric("last").unwrap().data else {
        panic!()
    };
    assert_eq!(s.points[0].value, telemetry_core::Number::U64(42));
    assert!(b.last_collection().is_some());
    assert_eq!(provider.shutdown(), Err(Error::Shutdown));
    assert_eq!(provider.force_flush(), Err(Error::Shutdown));
    assert_eq!(b.collect().unwrap_err(), Error::Shutdown);
    assert!(matches!(
        provider.meter("m").u64_counter("x").build(),
        Err(Error::Shutdown)
    ));
    c.add(1, &[]); // recording after shutdown is harmless
}

#[test]
fn dropping_the_last_provider_clone_shuts_down() {
    let reader = Recording::default();
    let provider = MeterProvider::builder().with_reader(reader.clone()).build();
    let clone = provider.clone();
    clone
        .meter("m")
        .u64_counter("on_drop")
        .build()
        .unwrap()
        .add(7, &[]);
    drop(provider);
    assert!(
        reader.last.lock().unwrap().is_none(),
        "a clone is still alive"
    );
    drop(clone);
    let last = reader
        .last
        .lock()
        .unwrap()
        .clone()
        .expect("final collection on drop");
    assert!(last.metric("on_drop").is_some());
}

#[test]
fn bound_handles_and_attribute_order() {
    let t = TestProvider::new();
    let c = t.meter().u64_counter("c").build().unwrap();
    let ab = [KeyValue::new("a", 1), KeyValue::new("b", "x")];
    let ba = [KeyValue::new("b", "x"), KeyValue::new("a", 1)];
    c.add(1, &ab);
    c.add(1, &ba);
    c.bind(&ba).add(1);
    // A repeated key: the last value wins, as in OpenTelemetry.
    c.add(
        1,
        &[
            KeyValue::new("a", 0),
            KeyValue::new("b", "x"),
            KeyValue::new("a", 1),
        ],
    );
    t.snapshot().assert_sum("c", &ab, 4u64);
}

#[test]
fn concurrent_recording_loses_nothing() {
    let t = TestProvider::new();
    let c = t.meter().u64_counter("c").build().unwrap();
    let h = t.meter().f64_histogram("h").build().unwrap();
    std::thread::scope(|s| {
        for thread in 0..4i64 {
            let (c, h) = (c.clone(), h.clone());
            s.spawn(move || {
                for i in 0..10_000i64 {
                    c.add(1, &[KeyValue::new("id", i % 50)]);
                    h.record(0.1, &[KeyValue::new("t", thread)]);
                }
            });
        }
    });
    let snap = t.snapshot();
    let MetricData::Sum(sum) = &snap.0.metric("c").unwrap().data else {
        panic!()
    };
    let total: u64 = sum.points.iter().map(|p| p.value.as_f64() as u64).sum();
    assert_eq!((sum.points.len(), total), (50, 40_000));
    for thread in 0..4i64 {
        assert_eq!(
            snap.histogram("h", &[KeyValue::new("t", thread)])
                .unwrap()
                .count,
            10_000
        );
    }
}
