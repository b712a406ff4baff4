//! The cost of the record path: bound add, attributed add, histogram record, against a raw
//! `AtomicU64::fetch_add` baseline. (The side-by-side suite against peer crates is separate.)

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};

use criterion::{criterion_group, criterion_main, Criterion};
use telemetry_core::{KeyValue, ManualReader, MeterProvider};

fn record(c: &mut Criterion) {
    let provider = MeterProvider::builder()
        .with_reader(ManualReader::new())
        .build();
    let meter = provider.meter("bench");
    let counter = meter.u64_counter("requests").build().unwrap();
    let histogram = meter.f64_histogram("latency").build().unwrap();
    let attrs = [
        KeyValue::new("method", "GET"),
        KeyValue::new("status", "200"),
    ];
    let bound = counter.bind(&attrs);
    let raw = AtomicU64::new(0);

    let mut g = c.benchmark_group("record");
    g.bench_function("atomic_fetch_add_baseline", |b| {
        b.iter(|| raw.fetch_add(black_box(1), Ordering::Relaxed))
    });
    g.bench_function("bound_counter_add", |b| b.iter(|| bound.add(black_box(1))));
    g.bench_function("counter_add_no_attributes", |b| {
        b.iter(|| counter.add(black_box(1), &[]))
    });
    g.bench_function("counter_add_2_string_attributes", |b| {
        b.iter(|| counter.add(black_box(1), black_box(&attrs)))
    });
    let mut v = 0.0;
    g.bench_function("histogram_record_default_buckets", |b| {
        b.iter(|| {
            v = (v + 0.37) % 12.0;
            histogram.record(black_box(v), &attrs)
        })
    });
    g.finish();
}

criterion_group!(benches, record);
criterion_main!(benches);
