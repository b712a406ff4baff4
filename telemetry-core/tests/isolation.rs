//! Reliability of collection: a panicking and a stuck callback next to healthy ones, the
//! cardinality limit's overflow series, and the self-metrics that report all of it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use telemetry_core::export::PushExporter;
use telemetry_core::{
    Error, KeyValue, ManualReader, MeterProvider, MetricData, Number, PeriodicReader,
    ResourceMetrics, View,
};

fn sum_of(metrics: &ResourceMetrics, name: &str, attrs: &[KeyValue]) -> Option<Number> {
    let data = &metrics.metric(name)?.data;
    let MetricData::Sum(sum) = data else {
        panic!("{name} is not a sum: {data:?}")
    };
    sum.points
        .iter()
        .find(|p| p.attributes.as_slice() == attrs)
        .map(|p| p.value)
}

/// Keeps the callbacks' deliberate panics quiet: the default hook prints a backtrace, which
/// on a loaded machine takes longer than the callback timeout and turns a panic into a
/// timeout. Other panics (failed assertions) are printed as usual.
fn quiet_callback_panics() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().name() != Some("telemetry-callbacks") {
            default(info);
        }
    }));
}

#[test]
fn a_panicking_and_a_stuck_callback_do_not_stop_the_others() {
    quiet_callback_panics();
    let reader = ManualReader::new();
    let provider = MeterProvider::builder()
        .with_reader(reader.clone())
        .with_callback_timeout(Some(Duration::from_millis(500)))
        .with_self_metrics()
        .build();
    let meter = provider.meter("app");
    let _healthy = meter
        .u64_observable_gauge("healthy")
        .with_callback(|o| o.observe(1, &[]))
        .build()
        .unwrap();
    let _panics = meter
        .u64_observable_gauge("panics")
        .with_callback(|_| panic!("a broken callback"))
        .build()
        .unwrap();
    let release = Arc::new(AtomicBool::new(false));
    let stuck_until = release.clone();
    let _stuck = meter
        .u64_observable_gauge("stuck")
        .with_callback(move |o| {
            while !stuck_until.load(Ordering::Acquire) {
                std::thread::sleep(Duration::from_millis(10));
            }
            o.observe(2, &[]);
        })
        .build()
        .unwrap();
    let _after = meter
        .u64_observable_gauge("after_the_stuck_one")
        .with_callback(|o| o.observe(3, &[]))
        .build()
        .unwrap();

    for round in 0..4 {
        let started = Instant::now();
        let metrics = reader.collect().unwrap();
        let took = started.elapsed();
        assert!(took < Duration::from_secs(3), "round {round}: {took:?}");
        assert!(metrics.metric("healthy").is_some(), "round {round}");
        assert!(
            metrics.metric("after_the_stuck_one").is_some(),
            "round {round}"
        );
        assert!(metrics.metric("panics").is_none());
        assert!(metrics.metric("stuck").is_none(), "round {round}");
    }
    // Unstuck: the next collection tries it again and gets its value.
    release.store(true, Ordering::Release);
    std::thread::sleep(Duration::from_millis(100));
    let metrics = reader.collect().unwrap();
    assert!(metrics.metric("stuck").is_some());

    let failures = reader.collect().unwrap();
    let panic = [KeyValue::new("reason", "panic")];
    let timeout = [KeyValue::new("reason", "timeout")];
    assert_eq!(
        sum_of(&failures, "otel.sdk.metric.callback.failures", &panic),
        Some(Number::U64(6)),
        "one panic per collection (this one's included), reported"
    );
    assert_eq!(
        sum_of(&failures, "otel.sdk.metric.callback.failures", &timeout),
        Some(Number::U64(1)),
        "the stuck callback timed out once, then was skipped until it returned"
    );
}

#[test]
fn callbacks_run_inline_without_a_timeout() {
    let reader = ManualReader::new();
    let provider = MeterProvider::builder()
        .with_reader(reader.clone())
        .with_callback_timeout(None)
        .build();
    let caller = std::thread::current().id();
    let _g = provider
        .meter("app")
        .u64_observable_gauge("inline")
        .with_callback(move |o| {
            assert_eq!(std::thread::current().id(), caller);
            o.observe(1, &[]);
        })
        .build()
        .unwrap();
    assert!(reader.collect().unwrap().metric("inline").is_some());
}

#[test]
fn the_overflow_series_keeps_the_count_and_is_reported() {
    let reader = ManualReader::new();
    let provider = MeterProvider::builder()
        .with_reader(reader.clone())
        .with_view(View::new("requests").cardinality_limit(10))
        .with_self_metrics()
        .build();
    let c = provider
        .meter("app")
        .u64_counter("requests")
        .build()
        .unwrap();
    for i in 0..100_u64 {
        c.add(i, &[KeyValue::new("id", i)]);
    }
    let metrics = reader.collect().unwrap();
    let overflow = [KeyValue::new("otel.metric.overflow", true)];
    let folded: u64 = (10..100).sum();
    assert_eq!(
        sum_of(&metrics, "requests", &overflow),
        Some(Number::U64(folded))
    );
    let MetricData::Sum(sum) = &metrics.metric("requests").unwrap().data else {
        panic!()
    };
    assert_eq!(sum.points.len(), 11, "10 series and the overflow series");
    let reported = [KeyValue::new("metric", "requests")];
    assert_eq!(
        sum_of(&metrics, "otel.sdk.metric.overflow.measurements", &reported),
        Some(Number::U64(90))
    );
}

#[derive(Debug)]
struct Failing;

impl PushExporter for Failing {
    fn export(&self, _: &ResourceMetrics, _: Duration) -> Result<(), Error> {
        Err(Error::Timeout {
            operation: "test export",
        })
    }
}

#[test]
fn export_attempts_and_failures_are_counted_per_exporter() {
    let manual = ManualReader::new();
    let periodic = PeriodicReader::builder(Failing)
        .with_interval(Duration::from_secs(3600))
        .build();
    let provider = MeterProvider::builder()
        .with_reader(manual.clone())
        .with_reader(periodic.clone())
        .with_self_metrics()
        .build();
    assert!(periodic.force_flush().is_err());
    assert!(periodic.force_flush().is_err());
    let metrics = manual.collect().unwrap();
    let exporter = [KeyValue::new("exporter", "Failing")];
    assert_eq!(
        sum_of(&metrics, "otel.sdk.exporter.export.attempts", &exporter),
        Some(Number::U64(2))
    );
    assert_eq!(
        sum_of(&metrics, "otel.sdk.exporter.export.failures", &exporter),
        Some(Number::U64(2))
    );
    assert!(metrics
        .metric("otel.sdk.metric_reader.collection.duration")
        .is_some());
    drop(provider);
}

#[test]
fn series_can_be_removed_and_idle_ones_expire() {
    let reader = ManualReader::new();
    let provider = MeterProvider::builder()
        .with_reader(reader.clone())
        .with_idle_series_expiry(Duration::from_millis(30))
        .build();
    let jobs = provider.meter("app").u64_counter("jobs").build().unwrap();
    let bound = jobs.bind(&[KeyValue::new("job", "bound")]);
    bound.add(1);
    for job in ["a", "b", "c"] {
        jobs.add(1, &[KeyValue::new("job", job)]);
    }
    assert!(jobs.remove(&[KeyValue::new("job", "a")]));
    assert!(!jobs.remove(&[KeyValue::new("job", "zzz")]));
    assert_eq!(
        jobs.retain(|attrs| attrs.get("job").is_none_or(|v| v.as_str() != "b")),
        1
    );
    let metrics = reader.collect().unwrap();
    let job = |v: &str| [KeyValue::new("job", v.to_owned())];
    assert_eq!(sum_of(&metrics, "jobs", &job("a")), None);
    assert_eq!(sum_of(&metrics, "jobs", &job("b")), None);
    assert_eq!(sum_of(&metrics, "jobs", &job("c")), Some(Number::U64(1)));

    // "c" is not written again: after the expiry it is gone; the bound series stays.
    std::thread::sleep(Duration::from_millis(60));
    let metrics = reader.collect().unwrap();
    assert_eq!(sum_of(&metrics, "jobs", &job("c")), None);
    assert_eq!(
        sum_of(&metrics, "jobs", &job("bound")),
        Some(Number::U64(1))
    );
    // Written again, it comes back from zero.
    jobs.add(2, &job("c"));
    let metrics = reader.collect().unwrap();
    assert_eq!(sum_of(&metrics, "jobs", &job("c")), Some(Number::U64(2)));
}
