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

/// The names of the threads that observed a [`Car`], in order.
static READERS: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

/// A collector shaped like the derive's output whose `observe` notes the thread it runs on.
struct Car {
    speed: u64,
}

impl telemetry_core::MetricCollector for Car {
    fn describe(d: &mut telemetry_core::__private::Describer<'_>) {
        d.value::<u64>(telemetry_core::__private::ValueField {
            name: "speed",
            kind: telemetry_core::__private::ValueKind::Gauge,
            unit: "",
            description: "",
        });
    }
    fn attributes(&self, _: &mut Vec<KeyValue>) {}
    fn observe(&self, o: &mut telemetry_core::__private::Observer<'_>) {
        let name = std::thread::current().name().unwrap_or("").to_owned();
        READERS.lock().unwrap().push(name);
        o.value(&self.speed);
    }
    fn bind(&mut self, _: &mut telemetry_core::__private::Binder<'_>) -> Result<(), Error> {
        Ok(())
    }
}

/// A registered struct is read on the collecting thread while nobody writes it, and on the
/// callback worker, under its deadline, while its lock is held for writing.
#[test]
fn a_derived_collector_runs_inline_unless_it_is_locked_for_writing() {
    let reader = ManualReader::new();
    let provider = MeterProvider::builder()
        .with_reader(reader.clone())
        .with_callback_timeout(Some(Duration::from_millis(50)))
        .build();
    let car = provider.meter("app").register(Car { speed: 7 }).unwrap();
    let name = |m: &ResourceMetrics| m.metric("speed").map(|m| m.name.to_string());
    std::thread::Builder::new()
        .name("scraper".into())
        .spawn({
            let reader = reader.clone();
            move || assert_eq!(name(&reader.collect().unwrap()).as_deref(), Some("speed"))
        })
        .unwrap()
        .join()
        .unwrap();
    assert_eq!(*READERS.lock().unwrap(), ["scraper"], "read inline");

    // Held for writing for longer than the deadline: the collection goes on without it.
    let unlocked = car.update(|_| {
        let reader = reader.clone();
        std::thread::spawn(move || name(&reader.collect().unwrap()))
            .join()
            .unwrap()
    });
    assert_eq!(
        unlocked, None,
        "left out after the deadline, not waited for"
    );
    // The worker reads once the lock is free.
    let deadline = Instant::now() + Duration::from_secs(10);
    while READERS.lock().unwrap().len() < 2 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(
        *READERS.lock().unwrap(),
        ["scraper", "telemetry-callbacks"],
        "the worker tried it"
    );
    car.update(|c| c.speed = 8);
    let m = reader.collect().unwrap();
    let Some(MetricData::Gauge(speed)) = m.metric("speed").map(|m| &m.data) else {
        panic!("back once unlocked: {m:?}")
    };
    assert_eq!(speed.points[0].value, Number::U64(8));
    assert_eq!(READERS.lock().unwrap().len(), 3);
    assert_eq!(
        READERS.lock().unwrap()[2],
        std::thread::current().name().unwrap_or("")
    );
}
