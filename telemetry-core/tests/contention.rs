//! Hot series (the empty attribute set's, bound handles) record into per-thread shards;
//! collection adds them up. Many threads, collections running meanwhile: totals are exact.

use std::sync::atomic::{AtomicBool, Ordering};

use telemetry_core::{KeyValue, ManualReader, MeterProvider, MetricData, Number};

const THREADS: u64 = 8;
const ADDS: u64 = 50_000;

fn sum(metrics: &telemetry_core::ResourceMetrics, name: &str, attrs: &[KeyValue]) -> f64 {
    let Some(MetricData::Sum(sum)) = metrics.metric(name).map(|m| &m.data) else {
        panic!("no sum {name}")
    };
    let wanted = telemetry_core::Attributes::new(attrs.to_vec());
    sum.points
        .iter()
        .filter(|p| p.attributes == wanted)
        .map(|p| match p.value {
            Number::U64(v) => v as f64,
            Number::I64(v) => v as f64,
            Number::F64(v) => v,
        })
        .sum()
}

/// Runs `work(t)` on [`THREADS`] threads at once, `t` in `0..THREADS`, with collections
/// running meanwhile: they must not disturb the totals.
fn threads_while_collecting(reader: &ManualReader, work: impl Fn(u64) + Sync) {
    let done = AtomicBool::new(false);
    std::thread::scope(|s| {
        s.spawn(|| {
            while !done.load(Ordering::Relaxed) {
                reader.collect().unwrap();
            }
        });
        let workers: Vec<_> = (0..THREADS)
            .map(|t| {
                let work = &work;
                s.spawn(move || work(t))
            })
            .collect();
        for w in workers {
            w.join().unwrap();
        }
        done.store(true, Ordering::Relaxed);
    });
}

#[test]
fn many_threads_lose_no_increment() {
    let reader = ManualReader::new();
    let provider = MeterProvider::builder().with_reader(reader.clone()).build();
    let meter = provider.meter("t");
    let plain = meter.u64_counter("plain").build().unwrap();
    let floats = meter.f64_counter("floats").build().unwrap();
    let updown = meter.i64_up_down_counter("updown").build().unwrap();
    let histogram = meter
        .f64_histogram("latency")
        .with_buckets(vec![1.0])
        .build()
        .unwrap();
    let labelled = [KeyValue::new("k", "v")];
    let bound = plain.bind(&labelled);
    threads_while_collecting(&reader, |t| {
        for i in 0..ADDS {
            plain.add(1, &[]);
            bound.add(2);
            floats.add(0.5, &[]);
            updown.add(if i % 2 == 0 { 3 } else { -1 }, &[]);
            histogram.record(if t % 2 == 0 { 0.5 } else { 2.0 }, &[]);
        }
    });

    let m = reader.collect().unwrap();
    let n = (THREADS * ADDS) as f64;
    assert_eq!(sum(&m, "plain", &[]), n);
    assert_eq!(sum(&m, "plain", &labelled), 2.0 * n);
    assert_eq!(sum(&m, "floats", &[]), 0.5 * n);
    assert_eq!(sum(&m, "updown", &[]), n); // (3 - 1) per two adds
    let Some(MetricData::Histogram(h)) = m.metric("latency").map(|m| &m.data) else {
        panic!()
    };
    assert_eq!(h.points[0].count, THREADS * ADDS);
    assert_eq!(h.points[0].bucket_counts, vec![THREADS / 2 * ADDS; 2]);
    assert_eq!(h.points[0].sum, 1.25 * n);
    assert_eq!((h.points[0].min, h.points[0].max), (Some(0.5), Some(2.0)));
}

#[test]
fn threads_that_exit_keep_their_values() {
    let reader = ManualReader::new();
    let provider = MeterProvider::builder().with_reader(reader.clone()).build();
    let counter = provider.meter("t").u64_counter("c").build().unwrap();
    for _ in 0..20 {
        let counter = counter.clone();
        std::thread::spawn(move || counter.add(5, &[]))
            .join()
            .unwrap();
    }
    counter.add(1, &[]);
    assert_eq!(sum(&reader.collect().unwrap(), "c", &[]), 101.0);
}

#[derive(telemetry_derive::AttributeSet, Clone, PartialEq, Eq, Hash, Debug)]
struct Route {
    path: String,
}

/// A keyed family (string sets) records through each thread's table of recent entries.
/// 200 sets, more than a table's 64 slots, so threads also evict and refill slots while
/// others insert: every set still gets every add.
#[test]
fn a_keyed_family_loses_no_increment_across_threads_and_evictions() {
    const SETS: u64 = 200;
    const ROUNDS: u64 = 500;
    let reader = ManualReader::new();
    let provider = MeterProvider::builder().with_reader(reader.clone()).build();
    let hits = provider
        .meter("t")
        .u64_counter("hits")
        .build()
        .unwrap()
        .family::<Route>();
    let routes: Vec<Route> = (0..SETS)
        .map(|i| Route {
            path: format!("/r/{i}"),
        })
        .collect();
    std::thread::scope(|s| {
        for t in 0..THREADS {
            let (hits, routes) = (&hits, &routes);
            s.spawn(move || {
                for round in 0..ROUNDS {
                    // Each thread walks the sets from its own start: some repeat (hits),
                    // some collide in a slot (evictions).
                    let i = (t * 37 + round * 13) % SETS;
                    hits.add(&routes[i as usize], 1);
                    hits.add(&routes[i as usize], 1);
                    hits.add(&routes[((i + 1) % SETS) as usize], 1);
                }
            });
        }
    });
    let m = reader.collect().unwrap();
    let total: f64 = routes
        .iter()
        .map(|r| sum(&m, "hits", &[KeyValue::new("path", r.path.clone())]))
        .sum();
    assert_eq!(total, (THREADS * ROUNDS * 3) as f64);
    assert_eq!(hits.len(), SETS as usize);
    // Per set, against a count made without the family.
    let mut expected = vec![0u64; SETS as usize];
    for t in 0..THREADS {
        for round in 0..ROUNDS {
            let i = (t * 37 + round * 13) % SETS;
            expected[i as usize] += 2;
            expected[((i + 1) % SETS) as usize] += 1;
        }
    }
    for (route, want) in routes.iter().zip(expected) {
        let got = sum(&m, "hits", &[KeyValue::new("path", route.path.clone())]);
        assert_eq!(got, want as f64, "{}", route.path);
    }
}

/// String attributes through `add(v, &[KeyValue])`: each thread's table of recent series
/// in front of the map (16 slots; 40 sets here, so slots are evicted and refilled), with
/// collections running meanwhile. Every add is in the output.
#[test]
fn lookups_through_each_threads_table_lose_no_increment() {
    const SETS: u64 = 40;
    let reader = ManualReader::new();
    let provider = MeterProvider::builder().with_reader(reader.clone()).build();
    let counter = provider.meter("t").u64_counter("by_key").build().unwrap();
    let keys: Vec<[KeyValue; 2]> = (0..SETS)
        .map(|i| {
            [
                KeyValue::new("method", if i % 2 == 0 { "GET" } else { "POST" }),
                KeyValue::new("route", format!("/r/{i}")),
            ]
        })
        .collect();
    threads_while_collecting(&reader, |t| {
        for i in 0..ADDS {
            let set = &keys[((t + i * 7) % SETS) as usize];
            counter.add(1, set);
            counter.add(1, set);
        }
    });
    let m = reader.collect().unwrap();
    let total: f64 = keys.iter().map(|k| sum(&m, "by_key", k)).sum();
    assert_eq!(total, (THREADS * ADDS * 2) as f64);
}
