//! Temporality through the periodic reader: cumulative points keep their start time and
//! accumulate; delta points cover the interval since the previous export.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use telemetry_core::export::PushExporter;
use telemetry_core::reader::PeriodicReader;
use telemetry_core::{
    Error, HistogramPoint, MeterProvider, MetricData, Number, NumberPoint, ResourceMetrics,
    Temporality,
};

/// Keeps every collection it is given, in the temporality it was built with.
#[derive(Debug)]
struct Recorder {
    exports: Mutex<Vec<ResourceMetrics>>,
    temporality: Temporality,
}

impl PushExporter for Recorder {
    fn export(&self, metrics: &ResourceMetrics, _timeout: Duration) -> Result<(), Error> {
        self.exports.lock().unwrap().push(metrics.clone());
        Ok(())
    }

    fn temporality(&self) -> Temporality {
        self.temporality
    }
}

struct Setup {
    exporter: Arc<Recorder>,
    reader: PeriodicReader,
    provider: MeterProvider,
}

fn setup(temporality: Temporality) -> Setup {
    let exporter = Arc::new(Recorder {
        exports: Mutex::new(Vec::new()),
        temporality,
    });
    let reader = PeriodicReader::builder(exporter.clone())
        .with_interval(Duration::from_secs(3600))
        .build();
    let provider = MeterProvider::builder().with_reader(reader.clone()).build();
    Setup {
        exporter,
        reader,
        provider,
    }
}

impl Setup {
    fn flush(&self) {
        // Distinct timestamps between exports, whatever the clock's resolution.
        std::thread::sleep(Duration::from_millis(2));
        self.reader.force_flush().unwrap();
    }

    fn export(&self, i: usize) -> ResourceMetrics {
        self.exporter.exports.lock().unwrap()[i].clone()
    }

    /// The sum point of `name` in export `i`, with the sum's temporality.
    fn sum(&self, i: usize, name: &str) -> (NumberPoint, Temporality) {
        match &self.export(i).metric(name).expect(name).data {
            MetricData::Sum(s) => (s.points[0].clone(), s.temporality),
            other => panic!("{name} is not a sum: {other:?}"),
        }
    }

    fn histogram(&self, i: usize, name: &str) -> (HistogramPoint, Temporality) {
        match &self.export(i).metric(name).expect(name).data {
            MetricData::Histogram(h) => (h.points[0].clone(), h.temporality),
            other => panic!("{name} is not a histogram: {other:?}"),
        }
    }
}

#[test]
fn cumulative_sums_accumulate_from_a_fixed_start() {
    let s = setup(Temporality::Cumulative);
    let counter = s.provider.meter("m").u64_counter("jobs").build().unwrap();
    counter.add(5, &[]);
    s.flush();
    counter.add(3, &[]);
    s.flush();
    s.flush();
    let (first, t) = s.sum(0, "jobs");
    assert_eq!(t, Temporality::Cumulative);
    assert_eq!(first.value, Number::U64(5));
    for i in 1..3 {
        let (point, _) = s.sum(i, "jobs");
        assert_eq!(point.value, Number::U64(8));
        assert_eq!(point.start_time, first.start_time, "export {i}");
        assert!(point.time > first.time);
    }
}

#[test]
fn delta_sums_cover_the_interval_since_the_previous_export() {
    let s = setup(Temporality::Delta);
    let counter = s.provider.meter("m").u64_counter("jobs").build().unwrap();
    counter.add(5, &[]);
    s.flush();
    counter.add(3, &[]);
    s.flush();
    s.flush();
    counter.add(1, &[]);
    s.provider.shutdown().unwrap();

    let (first, t) = s.sum(0, "jobs");
    assert_eq!(t, Temporality::Delta);
    assert_eq!(first.value, Number::U64(5));
    assert!(first.start_time < first.time);
    let mut previous = first;
    for (i, expected) in [(1, 3u64), (2, 0), (3, 1)] {
        let (point, _) = s.sum(i, "jobs");
        assert_eq!(point.value, Number::U64(expected), "export {i}");
        assert_eq!(
            point.start_time, previous.time,
            "export {i} starts where the last ended"
        );
        previous = point;
    }
}

#[test]
fn delta_histograms_subtract_counts_sums_and_buckets() {
    let s = setup(Temporality::Delta);
    let h = s
        .provider
        .meter("m")
        .f64_histogram("latency")
        .with_buckets(vec![1.0, 10.0])
        .build()
        .unwrap();
    h.record(0.5, &[]);
    h.record(5.0, &[]);
    s.flush();
    h.record(50.0, &[]);
    s.flush();

    let (first, t) = s.histogram(0, "latency");
    assert_eq!(t, Temporality::Delta);
    assert_eq!((first.count, first.sum), (2, 5.5));
    assert_eq!(first.bucket_counts, vec![1, 1, 0]);
    let (second, _) = s.histogram(1, "latency");
    assert_eq!((second.count, second.sum), (1, 50.0));
    assert_eq!(second.bucket_counts, vec![0, 0, 1]);
    assert_eq!(second.start_time, first.time);
}

#[test]
fn delta_applies_to_observed_counters_and_not_to_up_down_counters() {
    let s = setup(Temporality::Delta);
    let meter = s.provider.meter("m");
    let reported = Arc::new(AtomicU64::new(10));
    let seen = reported.clone();
    let _observed = meter
        .u64_observable_counter("bytes")
        .with_callback(move |o| o.observe(seen.load(Ordering::SeqCst), &[]))
        .build()
        .unwrap();
    let queue = meter.i64_up_down_counter("queue").build().unwrap();
    queue.add(4, &[]);
    s.flush();
    reported.store(25, Ordering::SeqCst);
    queue.add(-1, &[]);
    s.flush();

    assert_eq!(s.sum(0, "bytes").0.value, Number::U64(10));
    assert_eq!(s.sum(1, "bytes").0.value, Number::U64(15));
    let (queue0, t) = s.sum(0, "queue");
    assert_eq!(t, Temporality::Cumulative);
    let (queue1, _) = s.sum(1, "queue");
    assert_eq!(queue1.value, Number::I64(3));
    assert_eq!(queue1.start_time, queue0.start_time);
}
