//! A label explosion: a million distinct attribute values into one counter with the default
//! cardinality limit. Memory must stay bounded and the overflow series must hold the rest
//! of the count exactly. Its own test binary: it reads the process's resident memory.
#![cfg(target_os = "linux")]

use telemetry_core::{
    KeyValue, ManualReader, MeterProvider, MetricData, Number, DEFAULT_CARDINALITY_LIMIT,
    OVERFLOW_ATTRIBUTE,
};

/// Resident set size in bytes, from `/proc/self/statm` (pages × page size 4096 on x86_64
/// and aarch64 Linux as configured here).
fn resident_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
    let pages: u64 = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    pages * 4096
}

#[test]
fn a_million_values_stay_within_ten_mebibytes_and_sum_exactly() {
    const VALUES: u64 = 1_000_000;
    let reader = ManualReader::new();
    let provider = MeterProvider::builder().with_reader(reader.clone()).build();
    let counter = provider
        .meter("app")
        .u64_counter("requests")
        .build()
        .unwrap();
    let limit = DEFAULT_CARDINALITY_LIMIT as u64;
    let mut key = String::new();
    for i in 0..limit {
        key.clear();
        key.push_str(&format!("user-{i}"));
        counter.add(1, &[KeyValue::new("user", key.clone())]);
    }
    let after_limit = resident_bytes();
    for i in limit..VALUES {
        counter.add(2, &[KeyValue::new("user", format!("user-{i}"))]);
    }
    let grown = resident_bytes().saturating_sub(after_limit);
    eprintln!("resident memory growth beyond the first {limit} series: {grown} bytes");
    assert!(grown < 10 << 20, "{grown} bytes");

    let metrics = reader.collect().unwrap();
    let MetricData::Sum(sum) = &metrics.metric("requests").unwrap().data else {
        panic!()
    };
    assert_eq!(sum.points.len() as u64, limit + 1);
    let overflow = sum
        .points
        .iter()
        .find(|p| p.attributes.get(OVERFLOW_ATTRIBUTE).is_some())
        .unwrap();
    assert_eq!(overflow.value, Number::U64(2 * (VALUES - limit)));
    let total: u64 = sum
        .points
        .iter()
        .map(|p| match p.value {
            Number::U64(v) => v,
            _ => 0,
        })
        .sum();
    assert_eq!(total, limit + 2 * (VALUES - limit), "nothing lost");
}
