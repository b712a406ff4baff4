//! Typed attribute sets and the instrument families keyed by them: the series each set
//! records to, a family as a field of a derived collector, the cardinality limit, and the
//! allocation-free record path.

#[path = "support/counting_alloc.rs"]
mod counting_alloc;

use std::collections::HashSet;

use telemetry_core::testing::TestProvider;
use telemetry_core::{
    AttributeSet, CounterFamily, EnumLabel, HistogramFamily, KeyValue, View, OVERFLOW_ATTRIBUTE,
};

use counting_alloc::allocations_during;

#[derive(telemetry_derive::EnumLabel, Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[label(rename_all = "UPPERCASE")]
enum Method {
    Get,
    Post,
    Put,
}

#[derive(telemetry_derive::EnumLabel, Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum Status {
    #[label(rename = "200")]
    Ok,
    #[label(rename = "404")]
    NotFound,
}

#[derive(telemetry_derive::AttributeSet, Clone, PartialEq, Eq, Hash, Debug)]
struct Http {
    method: Method,
    #[attribute(rename = "http.status")]
    status: Status,
}

#[derive(telemetry_derive::AttributeSet, Clone, PartialEq, Eq, Hash, Debug)]
struct Route {
    path: String,
    method: &'static str,
}

#[derive(telemetry_derive::AttributeSet, Clone, PartialEq, Eq, Hash, Debug)]
struct Mixed {
    secure: bool,
    tenant: String,
    shard: u16,
}

fn http(method: Method, status: Status) -> Http {
    Http { method, status }
}

fn route(path: &str, method: &'static str) -> Route {
    Route {
        path: path.to_owned(),
        method,
    }
}

fn http_attrs(method: &'static str, status: &'static str) -> [KeyValue; 2] {
    [
        KeyValue::new("method", method),
        KeyValue::new("http.status", status),
    ]
}

#[test]
fn derived_fixed_set_indexes_by_mixed_radix() {
    assert_eq!(Http::CARDINALITY, Some(6));
    let mut seen = HashSet::new();
    for method in [Method::Get, Method::Post, Method::Put] {
        for status in [Status::Ok, Status::NotFound] {
            let set = http(method, status);
            // The first field is the most significant digit.
            assert_eq!(
                set.index(),
                EnumLabel::index(method) * 2 + EnumLabel::index(status)
            );
            assert!(seen.insert(set.index()));
        }
    }
    assert_eq!(seen, (0..6).collect());
    assert_eq!(
        http(Method::Put, Status::NotFound).attributes(),
        http_attrs("PUT", "404")
    );
    assert_eq!(Route::CARDINALITY, None);
    assert_eq!(Mixed::CARDINALITY, None);
    assert_eq!(
        Mixed {
            secure: true,
            tenant: "acme".into(),
            shard: 7
        }
        .attributes(),
        [
            KeyValue::new("secure", true),
            KeyValue::new("tenant", "acme"),
            KeyValue::new("shard", 7u16)
        ]
    );
}

#[test]
fn fixed_set_family_records_each_series() {
    let t = TestProvider::new();
    let requests = t
        .meter()
        .u64_counter("requests")
        .build()
        .unwrap()
        .family::<Http>();
    requests.add(&http(Method::Get, Status::Ok), 1);
    requests.add(&http(Method::Get, Status::Ok), 2);
    requests.add(&http(Method::Post, Status::NotFound), 5);
    assert_eq!(requests.len(), 2);
    // The family and the slice API name the same series.
    requests.instrument().add(10, &http_attrs("POST", "404"));
    requests.bind(&http(Method::Put, Status::Ok)).add(4);

    let s = t.snapshot();
    s.assert_sum("requests", &http_attrs("GET", "200"), 3u64);
    s.assert_sum("requests", &http_attrs("POST", "404"), 15u64);
    s.assert_sum("requests", &http_attrs("PUT", "200"), 4u64);
    assert_eq!(s.value("requests", &http_attrs("GET", "404")), None);
}

#[test]
fn string_set_family_records_each_series() {
    let t = TestProvider::new();
    let meter = t.meter();
    let hits = meter.u64_counter("hits").build().unwrap().family::<Route>();
    let sizes = meter
        .f64_histogram("size")
        .with_buckets(vec![100.0])
        .build()
        .unwrap()
        .family::<Mixed>();
    hits.add(&route("/", "GET"), 1);
    hits.add(&route("/", "GET"), 1);
    hits.add(&route("/", "POST"), 1);
    hits.add(&route("/login", "POST"), 3);
    let tenant = Mixed {
        secure: false,
        tenant: "acme".into(),
        shard: 2,
    };
    sizes.record(&tenant, 50.0);
    sizes.record(&tenant, 150.0);
    assert_eq!(hits.len(), 3);

    let s = t.snapshot();
    let attrs = |path: &'static str, method: &'static str| {
        [KeyValue::new("path", path), KeyValue::new("method", method)]
    };
    s.assert_sum("hits", &attrs("/", "GET"), 2u64);
    s.assert_sum("hits", &attrs("/", "POST"), 1u64);
    s.assert_sum("hits", &attrs("/login", "POST"), 3u64);
    s.assert_histogram(
        "size",
        &[
            KeyValue::new("secure", false),
            KeyValue::new("tenant", "acme"),
            KeyValue::new("shard", 2),
        ],
        &[1, 1],
        200.0,
    );
}

#[test]
fn families_respect_the_cardinality_limit() {
    let t = TestProvider::with_views(vec![View::new("*").cardinality_limit(2)]);
    let meter = t.meter();
    let fixed = meter.u64_counter("fixed").build().unwrap().family::<Http>();
    let keyed = meter
        .u64_counter("keyed")
        .build()
        .unwrap()
        .family::<Route>();
    for (i, method) in [Method::Get, Method::Post, Method::Put]
        .into_iter()
        .enumerate()
    {
        fixed.add(&http(method, Status::Ok), 1 + i as u64);
    }
    for i in 0..5u64 {
        keyed.add(&route(&format!("/{i}"), "GET"), 10);
        keyed.add(&route(&format!("/{i}"), "GET"), 1);
    }
    // Only as many sets as the stream keeps are cached.
    assert!(keyed.len() <= 2, "{}", keyed.len());

    let s = t.snapshot();
    let overflow = [KeyValue::new(OVERFLOW_ATTRIBUTE, true)];
    s.assert_sum("fixed", &http_attrs("GET", "200"), 1u64);
    s.assert_sum("fixed", &http_attrs("POST", "200"), 2u64);
    s.assert_sum("fixed", &overflow, 3u64);
    s.assert_sum(
        "keyed",
        &[KeyValue::new("path", "/0"), KeyValue::new("method", "GET")],
        11u64,
    );
    s.assert_sum("keyed", &overflow, 33u64);
}

#[derive(telemetry_derive::MetricCollector, Default)]
#[metric(prefix = "api")]
struct Api {
    /// Requests served.
    #[metric]
    requests: CounterFamily<Http, u64>,
    /// Time to answer.
    #[metric(unit = "s", buckets = [0.1, 1])]
    latency: HistogramFamily<Route, f64>,
    #[metric(attribute)]
    service: &'static str,
}

#[test]
fn family_field_of_a_derived_collector() {
    let t = TestProvider::new();
    let api = Api {
        service: "checkout",
        ..Api::default()
    };
    // Recorded while detached: carried into the registered series.
    api.requests.add(&http(Method::Get, Status::Ok), 2);
    let api = t.meter().register(api).unwrap();
    let requests = api.read().requests.clone();
    requests.add(&http(Method::Get, Status::Ok), 1);
    requests.add(&http(Method::Put, Status::NotFound), 7);
    api.read().latency.record(&route("/pay", "POST"), 0.05);
    api.read().latency.record(&route("/pay", "POST"), 0.5);

    let s = t.snapshot();
    let with_service = |pairs: &[KeyValue]| {
        let mut all = vec![KeyValue::new("service", "checkout")];
        all.extend_from_slice(pairs);
        all
    };
    s.assert_sum(
        "api_requests",
        &with_service(&http_attrs("GET", "200")),
        3u64,
    );
    s.assert_sum(
        "api_requests",
        &with_service(&http_attrs("PUT", "404")),
        7u64,
    );
    s.assert_histogram(
        "api_latency",
        &with_service(&[
            KeyValue::new("path", "/pay"),
            KeyValue::new("method", "POST"),
        ]),
        &[1, 1, 0],
        0.55,
    );
    assert_eq!(
        s.metric("api_requests").unwrap().description,
        "Requests served."
    );
}

#[test]
fn concurrent_adds_to_one_fixed_set_are_exact() {
    let t = TestProvider::new();
    let family = t.meter().u64_counter("c").build().unwrap().family::<Http>();
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                for i in 0..10_000 {
                    let status = if i % 2 == 0 {
                        Status::Ok
                    } else {
                        Status::NotFound
                    };
                    family.add(&http(Method::Get, status), 1);
                }
            });
        }
    });
    let s = t.snapshot();
    s.assert_sum("c", &http_attrs("GET", "200"), 10_000u64);
    s.assert_sum("c", &http_attrs("GET", "404"), 10_000u64);
}

#[test]
fn recording_through_a_family_does_not_allocate() {
    let t = TestProvider::new();
    let meter = t.meter();
    let fixed = meter.u64_counter("fixed").build().unwrap().family::<Http>();
    let keyed = meter
        .u64_counter("keyed")
        .build()
        .unwrap()
        .family::<Route>();
    let gauges = meter.f64_gauge("gauge").build().unwrap().family::<Route>();
    let sets = [
        http(Method::Get, Status::Ok),
        http(Method::Put, Status::NotFound),
    ];
    let routes = [route("/", "GET"), route("/login", "POST")];
    let record_all = |i: u64| {
        for set in &sets {
            fixed.add(set, i);
        }
        for r in &routes {
            keyed.add(r, i);
            gauges.record(r, i as f64);
        }
    };
    // Create every series once (this allocates), then warm the thread's map guard.
    record_all(0);
    record_all(1);

    // The allocator does count: a new set allocates, fixed or not.
    let control = allocations_during(|| keyed.add(&route("/new", "GET"), 1));
    assert!(control > 0, "the counting allocator saw nothing");
    let new_fixed = http(Method::Post, Status::Ok);
    let control = allocations_during(|| fixed.add(&new_fixed, 1));
    assert!(control > 0, "binding a new fixed set allocated nothing");

    let n = allocations_during(|| {
        for i in 0..10_000 {
            record_all(i);
        }
    });
    assert_eq!(n, 0, "recording through a family allocated {n} times");
    let total = (0..10_000u64).sum::<u64>() + 1;
    let s = t.snapshot();
    s.assert_sum("fixed", &http_attrs("GET", "200"), total);
    s.assert_sum(
        "keyed",
        &[
            KeyValue::new("path", "/login"),
            KeyValue::new("method", "POST"),
        ],
        total,
    );
}

/// A hand-written fixed set of `N` sets whose `index` is its `id`, whatever `N`: with
/// `N = 2`, id 2 is out of range; with `N = 1 << 20` there are too many sets for a slot table.
#[derive(Clone, PartialEq, Eq, Hash)]
struct Manual<const N: usize> {
    id: u32,
}

impl<const N: usize> AttributeSet for Manual<N> {
    const CARDINALITY: Option<usize> = Some(N);

    fn index(&self) -> usize {
        self.id as usize
    }

    fn attributes(&self) -> Vec<KeyValue> {
        vec![KeyValue::new("id", self.id)]
    }
}

fn record_ids<const N: usize>(t: &TestProvider, name: &'static str) {
    let family = t
        .meter()
        .u64_counter(name)
        .build()
        .unwrap()
        .family::<Manual<N>>();
    for id in 0..3 {
        family.add(&Manual { id }, 1);
        family.add(&Manual { id }, 2);
    }
}

#[test]
fn large_or_inconsistent_fixed_sets_still_record() {
    const { assert!(1 << 20 > telemetry_core::family::MAX_FIXED_SLOTS) };
    let t = TestProvider::new();
    record_ids::<2>(&t, "small");
    record_ids::<{ 1 << 20 }>(&t, "huge");
    let s = t.snapshot();
    for id in 0..3u32 {
        s.assert_sum("small", &[KeyValue::new("id", id)], 3u64);
        s.assert_sum("huge", &[KeyValue::new("id", id)], 3u64);
    }
}
