//! The periodic reader: timed exports, force_flush, and a shutdown that loses nothing and
//! honours its deadline.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use telemetry_core::export::PushExporter;
use telemetry_core::reader::PeriodicReader;
use telemetry_core::{Error, MeterProvider, MetricData, Number, ResourceMetrics, Temporality};

const HOUR: Duration = Duration::from_secs(3600);
/// Generous: these tests assert behaviour, not speed.
const PATIENCE: Duration = Duration::from_secs(30);

/// Keeps every collection it is given.
#[derive(Debug, Default)]
struct Recorder {
    exports: Mutex<Vec<ResourceMetrics>>,
    shutdowns: AtomicUsize,
    temporality: Temporality,
}

impl Recorder {
    fn delta() -> Arc<Self> {
        Arc::new(Recorder {
            temporality: Temporality::Delta,
            ..Recorder::default()
        })
    }

    fn exports(&self) -> Vec<ResourceMetrics> {
        self.exports.lock().unwrap().clone()
    }

    fn sum(&self, export: usize, name: &str) -> Option<Number> {
        let exports = self.exports();
        let metric = exports.get(export)?.metric(name)?.clone();
        match metric.data {
            MetricData::Sum(s) => Some(s.points.first()?.value),
            _ => None,
        }
    }
}

impl PushExporter for Recorder {
    fn export(&self, metrics: &ResourceMetrics, _timeout: Duration) -> Result<(), Error> {
        self.exports.lock().unwrap().push(metrics.clone());
        Ok(())
    }

    fn temporality(&self) -> Temporality {
        self.temporality
    }

    fn shutdown(&self, _timeout: Duration) -> Result<(), Error> {
        self.shutdowns.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

fn hourly(exporter: &Arc<Recorder>) -> (MeterProvider, PeriodicReader) {
    let reader = PeriodicReader::builder(exporter.clone())
        .with_interval(HOUR)
        .build();
    let provider = MeterProvider::builder().with_reader(reader.clone()).build();
    (provider, reader)
}

#[test]
fn shutdown_right_after_recording_loses_nothing() {
    for run in 0..50u64 {
        let exporter = Arc::new(Recorder::default());
        let (provider, _reader) = hourly(&exporter);
        let counter = provider.meter("m").u64_counter("jobs").build().unwrap();
        counter.add(run + 1, &[]);
        provider.shutdown().unwrap();
        assert_eq!(exporter.exports().len(), 1, "run {run}");
        assert_eq!(
            exporter.sum(0, "jobs"),
            Some(Number::U64(run + 1)),
            "run {run}"
        );
        assert_eq!(exporter.shutdowns.load(Ordering::SeqCst), 1);
    }
}

#[test]
fn dropping_the_provider_exports_the_last_values() {
    let exporter = Arc::new(Recorder::default());
    let (provider, reader) = hourly(&exporter);
    provider
        .meter("m")
        .u64_counter("jobs")
        .build()
        .unwrap()
        .add(7, &[]);
    drop(provider);
    assert_eq!(exporter.sum(0, "jobs"), Some(Number::U64(7)));
    assert_eq!(exporter.shutdowns.load(Ordering::SeqCst), 1);
    assert_eq!(reader.force_flush(), Err(Error::Shutdown));
}

#[test]
fn shutdown_wakes_the_thread_instead_of_waiting_for_the_interval() {
    let exporter = Arc::new(Recorder::default());
    let (provider, _reader) = hourly(&exporter);
    let started = Instant::now();
    provider.shutdown().unwrap();
    assert!(started.elapsed() < PATIENCE);
}

#[test]
fn force_flush_exports_now() {
    let exporter = Arc::new(Recorder::default());
    let (provider, reader) = hourly(&exporter);
    let counter = provider.meter("m").u64_counter("jobs").build().unwrap();
    counter.add(1, &[]);
    reader.force_flush().unwrap();
    assert_eq!(exporter.sum(0, "jobs"), Some(Number::U64(1)));
    counter.add(1, &[]);
    provider.force_flush().unwrap();
    assert_eq!(exporter.sum(1, "jobs"), Some(Number::U64(2)));
    provider.shutdown().unwrap();
    assert_eq!(exporter.exports().len(), 3);
}

#[test]
fn flush_before_registration_is_an_error() {
    let reader = PeriodicReader::builder(Arc::new(Recorder::default())).build();
    assert_eq!(reader.force_flush(), Err(Error::Shutdown));
}

#[test]
fn the_timer_exports_on_its_own() {
    let exporter = Arc::new(Recorder::default());
    let reader = PeriodicReader::builder(exporter.clone())
        .with_interval(Duration::from_millis(20))
        .build();
    let provider = MeterProvider::builder().with_reader(reader).build();
    provider
        .meter("m")
        .u64_counter("jobs")
        .build()
        .unwrap()
        .add(1, &[]);
    let started = Instant::now();
    while exporter.exports().len() < 3 {
        assert!(started.elapsed() < PATIENCE, "the timer never fired");
        std::thread::sleep(Duration::from_millis(10));
    }
    provider.shutdown().unwrap();
}

/// Blocks in `export` until released.
#[derive(Debug, Default)]
struct Hanging {
    released: Mutex<bool>,
    wake: Condvar,
}

impl Hanging {
    fn release(&self) {
        *self.released.lock().unwrap() = true;
        self.wake.notify_all();
    }
}

impl PushExporter for Hanging {
    fn export(&self, _metrics: &ResourceMetrics, _timeout: Duration) -> Result<(), Error> {
        let mut released = self.released.lock().unwrap();
        while !*released {
            released = self.wake.wait(released).unwrap();
        }
        Ok(())
    }
}

#[test]
fn a_hanging_exporter_makes_shutdown_time_out_instead_of_hang() {
    let exporter = Arc::new(Hanging::default());
    let reader = PeriodicReader::builder(exporter.clone())
        .with_interval(HOUR)
        .build();
    let provider = MeterProvider::builder().with_reader(reader).build();
    provider
        .meter("m")
        .u64_counter("jobs")
        .build()
        .unwrap()
        .add(1, &[]);

    let started = Instant::now();
    let result = provider.shutdown_with_timeout(Duration::from_millis(200));
    assert!(
        matches!(result, Err(Error::Timeout { .. })),
        "expected a timeout, got {result:?}"
    );
    assert!(started.elapsed() < PATIENCE);
    exporter.release();
}

#[test]
fn a_hanging_exporter_makes_force_flush_time_out() {
    let exporter = Arc::new(Hanging::default());
    let reader = PeriodicReader::builder(exporter.clone())
        .with_interval(HOUR)
        .with_timeout(Duration::from_millis(100))
        .build();
    let provider = MeterProvider::builder().with_reader(reader.clone()).build();
    assert!(matches!(reader.force_flush(), Err(Error::Timeout { .. })));
    exporter.release();
    provider.shutdown().unwrap();
}

#[test]
fn builder_values_and_defaults() {
    let reader = PeriodicReader::builder(Recorder::delta())
        .with_interval(Duration::from_secs(10))
        .with_timeout(Duration::from_secs(2))
        .build();
    assert_eq!(reader.interval(), Duration::from_secs(10));
    assert_eq!(reader.timeout(), Duration::from_secs(2));
    assert_eq!(reader.temporality(), Temporality::Delta);
}
