//! Histograms track their sum of squared deviations only when a reader asks for it
//! (`MetricReader::needs_squared_deviation`): it costs two atomic additions per observation.

use std::time::Duration;

use telemetry_core::{
    Error, ManualReader, MeterProvider, MetricData, MetricReader, Producer, ResourceMetrics,
};

/// A reader of another crate that asks for the spread (as the Stackdriver exporter does).
struct SpreadReader(ManualReader);

impl MetricReader for SpreadReader {
    fn register_producer(&self, producer: Producer) {
        self.0.register_producer(producer);
    }
    fn needs_squared_deviation(&self) -> bool {
        true
    }
    fn shutdown(&self, last: &ResourceMetrics, timeout: Duration) -> Result<(), Error> {
        self.0.shutdown(last, timeout)
    }
}

/// Observes 1, 2, 3, 6 (mean 3, M2 = 4 + 1 + 0 + 9 = 14) and returns the point's M2.
fn spread_seen_by(reader: ManualReader, wrap: bool) -> f64 {
    let builder = MeterProvider::builder();
    let builder = if wrap {
        builder.with_reader(SpreadReader(reader.clone()))
    } else {
        builder.with_reader(reader.clone())
    };
    // A second reader that does not ask changes nothing.
    let provider = builder.with_reader(ManualReader::new()).build();
    let h = provider
        .meter("t")
        .f64_histogram("h")
        .build()
        .expect("histogram");
    for v in [1.0, 2.0, 3.0, 6.0] {
        h.record(v, &[]);
    }
    let metrics = reader.collect().expect("collected");
    let Some(MetricData::Histogram(data)) = metrics.metric("h").map(|m| &m.data) else {
        panic!("no histogram in {metrics:?}");
    };
    assert_eq!(data.points[0].count, 4);
    assert_eq!(data.points[0].sum, 12.0);
    data.points[0].sum_of_squared_deviation
}

#[test]
fn tracked_when_a_reader_asks() {
    assert_eq!(spread_seen_by(ManualReader::new(), true), 14.0);
}

#[test]
fn tracked_for_a_manual_reader_that_asks() {
    assert_eq!(
        spread_seen_by(ManualReader::with_squared_deviation(), false),
        14.0
    );
}

#[test]
fn left_at_zero_otherwise() {
    assert_eq!(spread_seen_by(ManualReader::new(), false), 0.0);
}
