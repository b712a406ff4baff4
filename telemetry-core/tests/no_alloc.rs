//! Recording to an existing series allocates nothing: a counting global allocator proves it.

#[path = "support/counting_alloc.rs"]
mod counting_alloc;

use telemetry_core::testing::TestProvider;
use telemetry_core::{Aggregation, KeyValue, Measurement, View};

use counting_alloc::allocations_during;

#[test]
fn recording_to_existing_series_does_not_allocate() {
    let t = TestProvider::with_views(vec![
        View::new("latency")
            .rename("latency_count")
            .aggregation(Aggregation::Count),
        View::new("latency")
            .rename("latency_ms")
            .aggregation(Aggregation::Histogram {
                bounds: vec![1.0, 10.0],
            }),
    ]);
    let meter = t.meter();
    let counter = meter.u64_counter("requests").build().unwrap();
    let histogram = meter.f64_histogram("duration").build().unwrap();
    let gauge = meter.i64_gauge("temperature").build().unwrap();
    let updown = meter.f64_up_down_counter("queue").build().unwrap();
    let measure = meter.f64_measure("latency").build().unwrap();
    let attrs = [KeyValue::new("method", "GET"), KeyValue::new("status", 200)];
    let reordered = [KeyValue::new("status", 200), KeyValue::new("method", "GET")];
    let bound = counter.bind(&attrs);

    // Create every series once (this allocates), then warm the thread's map guard and
    // tables of recent series.
    let record_all = |i: u64| {
        counter.add(i, &attrs);
        counter.add(i, &reordered);
        bound.add(1);
        histogram.record(i as f64 * 0.01, &attrs);
        gauge.record(i as i64, &attrs);
        updown.add(-0.5, &attrs);
        measure.record(i as f64, &attrs);
        Measurement::record_all(&attrs, &[measure.measurement(2.0)]);
    };
    record_all(0);
    record_all(1);

    // The allocator does count: a new series allocates.
    let control = allocations_during(|| counter.add(1, &[KeyValue::new("method", "POST")]));
    assert!(control > 0, "the counting allocator saw nothing");

    let n = allocations_during(|| {
        for i in 0..10_000 {
            record_all(i);
        }
    });
    assert_eq!(n, 0, "the record path allocated {n} times");
    t.snapshot().assert_sum(
        "requests",
        &attrs,
        (0..10_000u64).sum::<u64>() * 2 + 2 + 10_002,
    );
}
