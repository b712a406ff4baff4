//! The cost of the record path: bound add, attributed add, family add (typed attribute sets),
//! histogram record, against a raw `AtomicU64::fetch_add` baseline. (The side-by-side suite
//! against peer crates is separate.)

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};

use criterion::{criterion_group, criterion_main, Criterion};
use telemetry_core::{KeyValue, ManualReader, MeterProvider};

#[derive(Clone, Copy, PartialEq, Eq, Hash, telemetry_derive::EnumLabel)]
enum Method {
    #[label(rename = "GET")]
    Get,
    #[label(rename = "POST")]
    Post,
}

#[derive(Clone, Copy, PartialEq, Eq, Hash, telemetry_derive::EnumLabel)]
enum Status {
    #[label(rename = "200")]
    Ok,
    #[label(rename = "404")]
    NotFound,
}

/// Both fields fixed-cardinality: the family indexes a slot table.
#[derive(Clone, PartialEq, Eq, Hash, telemetry_derive::AttributeSet)]
struct EnumSet {
    method: Method,
    status: Status,
}

/// Both fields strings: the family hashes the set in place.
#[derive(Clone, PartialEq, Eq, Hash, telemetry_derive::AttributeSet)]
struct StringSet {
    method: &'static str,
    status: &'static str,
}

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
    let enum_family = counter.family::<EnumSet>();
    let enum_set = EnumSet {
        method: Method::Get,
        status: Status::Ok,
    };
    enum_family.add(&enum_set, 1);
    enum_family.add(
        &EnumSet {
            method: Method::Post,
            status: Status::NotFound,
        },
        1,
    );
    g.bench_function("family add, 2 enum attributes", |b| {
        b.iter(|| enum_family.add(black_box(&enum_set), black_box(1)))
    });
    let string_family = counter.family::<StringSet>();
    let string_set = StringSet {
        method: "GET",
        status: "200",
    };
    string_family.add(&string_set, 1);
    string_family.add(
        &StringSet {
            method: "POST",
            status: "404",
        },
        1,
    );
    g.bench_function("family add, 2 string attributes", |b| {
        b.iter(|| string_family.add(black_box(&string_set), black_box(1)))
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
