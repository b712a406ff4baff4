//! The side-by-side suite of issue 7: each workload run with our SDK and with the peer crates,
//! one criterion group per row, one benchmark id per library (see README.md). Group names
//! start with the row number; `summary.sh` reads them back by those names.

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Barrier;
use std::thread;
use std::time::{Duration, Instant};

use criterion::measurement::{Measurement, ValueFormatter};
use criterion::{Bencher, Criterion, Throughput};
use telemetry_benches::{observations, Family, Format, Library, BUCKETS};

/// The clock every benchmark reads: the thread's CPU time by default on Linux, wall time
/// with `BENCH_CLOCK=wall` (and elsewhere). Set once in `main`.
static NOW: std::sync::OnceLock<fn() -> Duration> = std::sync::OnceLock::new();

fn now() -> Duration {
    NOW.get().copied().unwrap_or(wall_now)()
}

fn wall_now() -> Duration {
    static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    START.get_or_init(Instant::now).elapsed()
}

/// CPU time of the calling thread: on a shared machine, the time it spends descheduled is
/// not counted (stalls on a contended cache line still are).
#[cfg(target_os = "linux")]
fn thread_cpu_now() -> Duration {
    use rustix::time::{clock_gettime, ClockId};
    let t = clock_gettime(ClockId::ThreadCPUTime);
    Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
}

/// A criterion measurement reading [`now`].
struct Clock;

/// Formats nanoseconds as criterion's wall-time formatter does.
struct Nanoseconds;

impl ValueFormatter for Nanoseconds {
    fn scale_values(&self, ns: f64, values: &mut [f64]) -> &'static str {
        let (factor, unit) = if ns < 1e3 {
            (1.0, "ns")
        } else if ns < 1e6 {
            (1e-3, "µs")
        } else if ns < 1e9 {
            (1e-6, "ms")
        } else {
            (1e-9, "s")
        };
        for v in values {
            *v *= factor;
        }
        unit
    }

    fn scale_throughputs(
        &self,
        ns: f64,
        throughput: &Throughput,
        values: &mut [f64],
    ) -> &'static str {
        let per = match *throughput {
            Throughput::Bytes(n) | Throughput::BytesDecimal(n) | Throughput::Bits(n) => n,
            Throughput::Elements(n) | Throughput::ElementsAndBytes { elements: n, .. } => n,
        } as f64;
        // Per second whatever the typical value: throughputs are not used by this suite.
        let _ = ns;
        for v in values {
            *v = per * 1e9 / *v;
        }
        "/s"
    }

    fn scale_for_machines(&self, _values: &mut [f64]) -> &'static str {
        "ns"
    }
}

impl Measurement for Clock {
    type Intermediate = Duration;
    type Value = Duration;

    fn start(&self) -> Duration {
        now()
    }
    fn end(&self, start: Duration) -> Duration {
        now().saturating_sub(start)
    }
    fn add(&self, a: &Duration, b: &Duration) -> Duration {
        *a + *b
    }
    fn zero(&self) -> Duration {
        Duration::ZERO
    }
    fn to_f64(&self, value: &Duration) -> f64 {
        value.as_nanos() as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        &Nanoseconds
    }
}

/// The label values of the fixed-cardinality rows, as enums: each library's own derive
/// where it has one (`EnumLabel` ours, `FixedCardinalityLabel` measured's), and the
/// `prometheus-client` encoding written by hand so the strings are the same everywhere.
#[derive(
    Clone,
    Copy,
    Debug,
    Hash,
    PartialEq,
    Eq,
    telemetry_core::EnumLabel,
    measured::FixedCardinalityLabel,
)]
enum Method {
    #[label(rename = "GET")]
    Get,
    #[label(rename = "POST")]
    Post,
    #[label(rename = "PUT")]
    Put,
    #[label(rename = "DELETE")]
    Delete,
}

#[derive(
    Clone,
    Copy,
    Debug,
    Hash,
    PartialEq,
    Eq,
    telemetry_core::EnumLabel,
    measured::FixedCardinalityLabel,
)]
enum Status {
    #[label(rename = "200")]
    Ok,
    #[label(rename = "404")]
    NotFound,
    #[label(rename = "500")]
    Error,
}

impl prometheus_client::encoding::EncodeLabelValue for Method {
    fn encode(
        &self,
        encoder: &mut prometheus_client::encoding::LabelValueEncoder<'_>,
    ) -> std::fmt::Result {
        use telemetry_core::EnumLabel as _;
        std::fmt::Write::write_str(encoder, self.as_str())
    }
}

impl prometheus_client::encoding::EncodeLabelValue for Status {
    fn encode(
        &self,
        encoder: &mut prometheus_client::encoding::LabelValueEncoder<'_>,
    ) -> std::fmt::Result {
        use telemetry_core::EnumLabel as _;
        std::fmt::Write::write_str(encoder, self.as_str())
    }
}

/// `prometheus-client`'s typed label set of the enum row.
#[derive(Clone, Debug, Hash, PartialEq, Eq, prometheus_client::encoding::EncodeLabelSet)]
struct EnumLabels {
    method: Method,
    status: Status,
}

/// `measured`'s label group of the enum row: both labels fixed-cardinality, so the series
/// index is computed from the variants alone.
#[derive(Clone, Copy, measured::LabelGroup)]
#[label(set = EnumSet)]
struct EnumGroup {
    method: Method,
    status: Status,
}

/// `measured`'s label group of the string row: both values interned on demand.
#[derive(Clone, Copy, measured::LabelGroup)]
#[label(set = StrSet)]
struct StrGroup<'a> {
    #[label(dynamic_with = measured::lasso::ThreadedRodeo, default)]
    method: &'a str,
    #[label(dynamic_with = measured::lasso::ThreadedRodeo, default)]
    status: &'a str,
}

/// Ours, row 3: the two enums as a typed attribute set. Both fields are fixed-cardinality, so
/// the family finds the series by a mixed-radix index into a table of bound handles: no
/// hashing, no lock.
#[derive(Clone, PartialEq, Eq, Hash, telemetry_core::AttributeSet)]
struct OursEnumSet {
    method: Method,
    status: Status,
}

/// Ours, row 2's extra id: the two strings as a typed attribute set, looked up by hashing the
/// set in place (no `KeyValue`s built per add).
#[derive(Clone, PartialEq, Eq, Hash, telemetry_core::AttributeSet)]
struct OursStringSet {
    method: &'static str,
    status: &'static str,
}

/// Ours, row 3: typed enum values through the family keyed by [`OursEnumSet`].
#[inline]
fn ours_enum_add(
    family: &telemetry_core::CounterFamily<OursEnumSet, u64>,
    method: Method,
    status: Status,
) {
    family.add(&OursEnumSet { method, status }, 1);
}

/// Ours, row 3's extra id: the same enums through the string-attribute API
/// (`EnumLabel::as_str`), as before the family API.
#[inline]
fn ours_enum_add_slice(counter: &telemetry_core::Counter<u64>, method: Method, status: Status) {
    use telemetry_core::{EnumLabel as _, KeyValue};
    counter.add(
        1,
        &[
            KeyValue::new("method", method.as_str()),
            KeyValue::new("status", status.as_str()),
        ],
    );
}

/// Everything each library needs for the record rows, built once.
struct Fixtures {
    _ours_provider: telemetry_core::MeterProvider,
    ours: telemetry_core::Meter,
    _otel_provider: opentelemetry_sdk::metrics::SdkMeterProvider,
    otel: opentelemetry::metrics::Meter,
    prom_registry: prometheus::Registry,
    metrics_handle: metrics_exporter_prometheus::PrometheusHandle,
}

impl Fixtures {
    fn new() -> Self {
        use opentelemetry::metrics::MeterProvider as _;

        let ours_provider = telemetry_core::MeterProvider::builder()
            .with_reader(telemetry_core::ManualReader::new())
            .build();
        let ours = ours_provider.meter("bench");
        let otel_provider = opentelemetry_sdk::metrics::SdkMeterProvider::builder()
            .with_reader(opentelemetry_sdk::metrics::ManualReader::default())
            .build();
        let otel = otel_provider.meter("bench");
        // `metrics` records through the global recorder, as applications do; its histograms
        // get the row's buckets (it would write summaries otherwise).
        let recorder = metrics_exporter_prometheus::PrometheusBuilder::new()
            .set_buckets(&BUCKETS)
            .expect("buckets")
            .build_recorder();
        let metrics_handle = recorder.handle();
        metrics::set_global_recorder(recorder).expect("the only global recorder");
        Fixtures {
            _ours_provider: ours_provider,
            ours,
            _otel_provider: otel_provider,
            otel,
            prom_registry: prometheus::Registry::new(),
            metrics_handle,
        }
    }

    fn prom_counter(&self, name: &str) -> prometheus::IntCounter {
        let c = prometheus::IntCounter::new(name, "help").expect("valid");
        self.prom_registry
            .register(Box::new(c.clone()))
            .expect("registered");
        c
    }

    fn prom_counter_vec(&self, name: &str) -> prometheus::IntCounterVec {
        let c = prometheus::IntCounterVec::new(
            prometheus::Opts::new(name, "help"),
            &["method", "status"],
        )
        .expect("valid");
        self.prom_registry
            .register(Box::new(c.clone()))
            .expect("registered");
        c
    }
}

/// Row 1: one unlabelled counter, through the handle each library hands out.
fn counter_no_attributes(c: &mut Criterion<Clock>, f: &Fixtures) {
    let mut g = c.benchmark_group("1_counter_add_no_attributes");
    let raw = AtomicU64::new(0);
    g.bench_function("atomic", |b| {
        b.iter(|| raw.fetch_add(black_box(1), Ordering::Relaxed))
    });

    let ours = f.ours.u64_counter("r1").build().expect("counter");
    g.bench_function(Library::Telemetry.id(), |b| {
        b.iter(|| ours.add(black_box(1), &[]))
    });
    let pc = prometheus_client::metrics::counter::Counter::<u64>::default();
    g.bench_function(Library::PrometheusClient.id(), |b| {
        b.iter(|| pc.inc_by(black_box(1)))
    });
    let prom = f.prom_counter("r1");
    g.bench_function(Library::Prometheus.id(), |b| {
        b.iter(|| prom.inc_by(black_box(1)))
    });
    let m = metrics::counter!("r1");
    g.bench_function(Library::Metrics.id(), |b| {
        b.iter(|| m.increment(black_box(1)))
    });
    let otel = f.otel.u64_counter("r1").build();
    g.bench_function(Library::OpenTelemetry.id(), |b| {
        b.iter(|| otel.add(black_box(1), &[]))
    });
    let measured = measured::Counter::new();
    g.bench_function(Library::Measured.id(), |b| {
        b.iter(|| measured.get_metric().inc_by(black_box(1)))
    });
    g.finish();
}

/// Row 2: `method="GET"`, `status="200"` as strings, the series looked up on every add.
fn counter_string_attributes(c: &mut Criterion<Clock>, f: &Fixtures) {
    let mut g = c.benchmark_group("2_counter_add_2_string_attributes");
    // Opaque to the optimiser, so no library gets its hashing folded at compile time.
    let values = || black_box(("GET", "200"));

    let ours = f.ours.u64_counter("r2").build().expect("counter");
    // Ours as rows 3 and 4 use it: the two labels as a typed attribute set, through a
    // family (hashed in place, no `KeyValue`s built per add; a per-thread table of recent
    // sets in front of the shared map), as the peers take typed label sets too.
    let family = ours.family::<OursStringSet>();
    g.bench_function(Library::Telemetry.id(), |b| {
        b.iter(|| {
            let (method, status) = values();
            family.add(&OursStringSet { method, status }, 1)
        })
    });
    // An extra id: the OpenTelemetry-style `&[KeyValue]` API, as row 3's `telemetry_slice`.
    g.bench_function("telemetry_slice", |b| {
        b.iter(|| {
            let (m, s) = values();
            ours.add(
                1,
                &[
                    telemetry_core::KeyValue::new("method", m),
                    telemetry_core::KeyValue::new("status", s),
                ],
            )
        })
    });
    // An extra id: the same API cycling through 64 sets, more than a thread's table of
    // recent series holds (16): the lookup's worst case, nearly every add a miss.
    let cycling: Vec<[telemetry_core::KeyValue; 2]> = (0..64)
        .map(|i| {
            [
                telemetry_core::KeyValue::new("method", "GET"),
                telemetry_core::KeyValue::new("status", format!("{}", 200 + i)),
            ]
        })
        .collect();
    let mut next = 0;
    g.bench_function("telemetry_slice_64_sets", |b| {
        b.iter(|| {
            next = (next + 1) % cycling.len();
            ours.add(1, black_box(&cycling[next]))
        })
    });
    let pc = prometheus_client::metrics::family::Family::<
        [(&'static str, &'static str); 2],
        prometheus_client::metrics::counter::Counter,
    >::default();
    g.bench_function(Library::PrometheusClient.id(), |b| {
        b.iter(|| {
            let (m, s) = values();
            pc.get_or_create(&[("method", m), ("status", s)]).inc()
        })
    });
    let prom = f.prom_counter_vec("r2");
    g.bench_function(Library::Prometheus.id(), |b| {
        b.iter(|| {
            let (m, s) = values();
            prom.with_label_values(&[m, s]).inc()
        })
    });
    g.bench_function(Library::Metrics.id(), |b| {
        b.iter(|| {
            let (m, s) = values();
            metrics::counter!("r2", "method" => m, "status" => s).increment(1)
        })
    });
    let otel = f.otel.u64_counter("r2").build();
    g.bench_function(Library::OpenTelemetry.id(), |b| {
        b.iter(|| {
            let (m, s) = values();
            otel.add(
                1,
                &[
                    opentelemetry::KeyValue::new("method", m),
                    opentelemetry::KeyValue::new("status", s),
                ],
            )
        })
    });
    let measured = measured::CounterVec::with_label_set(StrSet::new());
    g.bench_function(Library::Measured.id(), |b| {
        b.iter(|| {
            let (method, status) = values();
            measured.inc(StrGroup { method, status })
        })
    });
    g.finish();
}

/// Row 3: the same two labels as enums, the series looked up on every add.
fn counter_enum_attributes(c: &mut Criterion<Clock>, f: &Fixtures) {
    use telemetry_core::EnumLabel as _;

    let mut g = c.benchmark_group("3_counter_add_2_enum_attributes");
    let values = || black_box((Method::Get, Status::Ok));

    let ours = f.ours.u64_counter("r3").build().expect("counter");
    let family = ours.family::<OursEnumSet>();
    g.bench_function(Library::Telemetry.id(), |b| {
        b.iter(|| {
            let (m, s) = values();
            ours_enum_add(&family, m, s)
        })
    });
    // An extra id (not in the table's main columns): the same counter through `&[KeyValue]`.
    g.bench_function("telemetry_slice", |b| {
        b.iter(|| {
            let (m, s) = values();
            ours_enum_add_slice(&ours, m, s)
        })
    });
    let pc = prometheus_client::metrics::family::Family::<
        EnumLabels,
        prometheus_client::metrics::counter::Counter,
    >::default();
    g.bench_function(Library::PrometheusClient.id(), |b| {
        b.iter(|| {
            let (method, status) = values();
            pc.get_or_create(&EnumLabels { method, status }).inc()
        })
    });
    let prom = f.prom_counter_vec("r3");
    g.bench_function(Library::Prometheus.id(), |b| {
        b.iter(|| {
            let (m, s) = values();
            prom.with_label_values(&[m.as_str(), s.as_str()]).inc()
        })
    });
    g.bench_function(Library::Metrics.id(), |b| {
        b.iter(|| {
            let (m, s) = values();
            metrics::counter!("r3", "method" => m.as_str(), "status" => s.as_str()).increment(1)
        })
    });
    let otel = f.otel.u64_counter("r3").build();
    g.bench_function(Library::OpenTelemetry.id(), |b| {
        b.iter(|| {
            let (m, s) = values();
            otel.add(
                1,
                &[
                    opentelemetry::KeyValue::new("method", m.as_str()),
                    opentelemetry::KeyValue::new("status", s.as_str()),
                ],
            )
        })
    });
    let measured = measured::CounterVec::with_label_set(EnumSet::new());
    g.bench_function(Library::Measured.id(), |b| {
        b.iter(|| {
            let (method, status) = values();
            measured.inc(EnumGroup { method, status })
        })
    });
    g.finish();
}

/// Row 4: the labelled series resolved once, then added to through the handle.
fn bound_counter(c: &mut Criterion<Clock>, f: &Fixtures) {
    let mut g = c.benchmark_group("4_bound_counter_add");
    let raw = AtomicU64::new(0);
    g.bench_function("atomic", |b| {
        b.iter(|| raw.fetch_add(black_box(1), Ordering::Relaxed))
    });

    let ours = f.ours.u64_counter("r4").build().expect("counter");
    let ours = ours.bind(&[
        telemetry_core::KeyValue::new("method", "GET"),
        telemetry_core::KeyValue::new("status", "200"),
    ]);
    g.bench_function(Library::Telemetry.id(), |b| {
        b.iter(|| ours.add(black_box(1)))
    });
    let pc = prometheus_client::metrics::family::Family::<
        EnumLabels,
        prometheus_client::metrics::counter::Counter,
    >::default();
    let pc = pc
        .get_or_create(&EnumLabels {
            method: Method::Get,
            status: Status::Ok,
        })
        .clone();
    g.bench_function(Library::PrometheusClient.id(), |b| {
        b.iter(|| pc.inc_by(black_box(1)))
    });
    let prom = f.prom_counter_vec("r4").with_label_values(&["GET", "200"]);
    g.bench_function(Library::Prometheus.id(), |b| {
        b.iter(|| prom.inc_by(black_box(1)))
    });
    let m = metrics::counter!("r4", "method" => "GET", "status" => "200");
    g.bench_function(Library::Metrics.id(), |b| {
        b.iter(|| m.increment(black_box(1)))
    });
    let otel = f.otel.u64_counter("r4").build().bind(&[
        opentelemetry::KeyValue::new("method", "GET"),
        opentelemetry::KeyValue::new("status", "200"),
    ]);
    g.bench_function(Library::OpenTelemetry.id(), |b| {
        b.iter(|| otel.add(black_box(1)))
    });
    // `measured` has no handle type: the closest is resolving the label id once.
    let measured = measured::CounterVec::with_label_set(EnumSet::new());
    let id = measured.with_labels(EnumGroup {
        method: Method::Get,
        status: Status::Ok,
    });
    g.bench_function(Library::Measured.id(), |b| {
        b.iter(|| measured.get_metric(id).inc_by(black_box(1)))
    });
    g.finish();
}

/// Times `iters` observations, cycling through the precomputed values.
fn cycle(b: &mut Bencher<'_, Clock>, values: &[f64], mut record: impl FnMut(f64)) {
    let mut i = 0usize;
    b.iter(|| {
        record(black_box(values[i & 1023]));
        i = i.wrapping_add(1);
    })
}

/// Row 5: an unlabelled histogram with the 14 bounds of [`BUCKETS`], varying values.
fn histogram(c: &mut Criterion<Clock>, f: &Fixtures) {
    let mut g = c.benchmark_group("5_histogram_observe_14_buckets");
    let values = observations();

    let ours = f
        .ours
        .f64_histogram("r5")
        .with_buckets(BUCKETS.to_vec())
        .build()
        .expect("histogram");
    g.bench_function(Library::Telemetry.id(), |b| {
        cycle(b, &values, |v| ours.record(v, &[]))
    });
    // An extra id (not in the table's main columns): the same through a bound handle.
    let bound = ours.bind(&[]);
    g.bench_function("telemetry_bound", |b| {
        cycle(b, &values, |v| bound.record(v))
    });
    let pc = prometheus_client::metrics::histogram::Histogram::new(BUCKETS);
    g.bench_function(Library::PrometheusClient.id(), |b| {
        cycle(b, &values, |v| pc.observe(v))
    });
    let prom = prometheus::Histogram::with_opts(
        prometheus::HistogramOpts::new("r5", "help").buckets(BUCKETS.to_vec()),
    )
    .expect("valid");
    f.prom_registry
        .register(Box::new(prom.clone()))
        .expect("registered");
    g.bench_function(Library::Prometheus.id(), |b| {
        cycle(b, &values, |v| prom.observe(v))
    });
    // metrics-exporter-prometheus appends raw values and buckets them at scrape/upkeep
    // time: drain after each sample, outside the timed loop, so memory stays bounded. Its
    // number is the append only.
    let m = metrics::histogram!("r5");
    g.bench_function(Library::Metrics.id(), |b| {
        b.iter_custom(|iters| {
            let start = now();
            for i in 0..iters {
                m.record(black_box(values[i as usize & 1023]));
            }
            let elapsed = now() - start;
            f.metrics_handle.run_upkeep();
            elapsed
        })
    });
    let otel = f
        .otel
        .f64_histogram("r5")
        .with_boundaries(BUCKETS.to_vec())
        .build();
    g.bench_function(Library::OpenTelemetry.id(), |b| {
        cycle(b, &values, |v| otel.record(v, &[]))
    });
    let measured = measured::Histogram::with_metadata(
        measured::metric::histogram::Thresholds::with_buckets(BUCKETS),
    );
    g.bench_function(Library::Measured.id(), |b| {
        cycle(b, &values, |v| measured.get_metric().observe(v))
    });
    g.finish();
}

/// Two threads add to one counter at once; the time is each thread's own, per add (the
/// mean of the two threads' elapsed times over `iters` adds each).
fn two_threads(b: &mut Bencher<'_, Clock>, op: impl Fn() + Sync) {
    b.iter_custom(|iters| {
        let start = Barrier::new(2);
        let total: Duration = thread::scope(|s| {
            let workers: Vec<_> = (0..2)
                .map(|_| {
                    s.spawn(|| {
                        start.wait();
                        let t = now();
                        for _ in 0..iters {
                            op();
                        }
                        now() - t
                    })
                })
                .collect();
            workers.into_iter().map(|w| w.join().expect("worker")).sum()
        });
        total / 2
    })
}

/// Row 6: row 1's unlabelled counters, contended by two threads.
fn contended(c: &mut Criterion<Clock>, f: &Fixtures) {
    let mut g = c.benchmark_group("6_counter_add_2_threads");
    let raw = AtomicU64::new(0);
    g.bench_function("atomic", |b| {
        two_threads(b, || {
            raw.fetch_add(black_box(1), Ordering::Relaxed);
        })
    });

    let ours = f.ours.u64_counter("r6").build().expect("counter");
    g.bench_function(Library::Telemetry.id(), |b| {
        two_threads(b, || ours.add(black_box(1), &[]))
    });
    // An extra id (not in the table's main columns): the same counter through a bound handle,
    // the contention alone without the attribute-set lookup.
    let bound = ours.bind(&[]);
    g.bench_function("telemetry_bound", |b| {
        two_threads(b, || bound.add(black_box(1)))
    });
    let pc = prometheus_client::metrics::counter::Counter::<u64>::default();
    g.bench_function(Library::PrometheusClient.id(), |b| {
        two_threads(b, || {
            pc.inc_by(black_box(1));
        })
    });
    let prom = f.prom_counter("r6");
    g.bench_function(Library::Prometheus.id(), |b| {
        two_threads(b, || prom.inc_by(black_box(1)))
    });
    let m = metrics::counter!("r6");
    g.bench_function(Library::Metrics.id(), |b| {
        two_threads(b, || m.increment(black_box(1)))
    });
    let otel = f.otel.u64_counter("r6").build();
    g.bench_function(Library::OpenTelemetry.id(), |b| {
        two_threads(b, || otel.add(black_box(1), &[]))
    });
    let measured = measured::Counter::new();
    g.bench_function(Library::Measured.id(), |b| {
        two_threads(b, || measured.get_metric().inc_by(black_box(1)))
    });
    g.finish();
}

/// Row 7: collect and encode one family of 10,000 series, in each format a library writes.
fn encode(c: &mut Criterion<Clock>) {
    const SERIES: usize = 10_000;
    for (group, format) in [
        ("7a_encode_10k_series_text_004", Format::Text),
        ("7b_encode_10k_series_openmetrics", Format::OpenMetrics),
    ] {
        let mut g = c.benchmark_group(group);
        g.sample_size(10);
        for library in Library::ALL {
            let family = Family::build(library, SERIES, format);
            if !family.renders() {
                continue;
            }
            g.bench_function(library.id(), |b| b.iter(|| family.render()));
        }
        ours_split(&mut g, format, SERIES);
        g.finish();
    }
}

/// Ours again, in two halves (extra ids, not in the table's main columns): the reader's
/// collection alone, and the encoder alone on a collection made beforehand.
fn ours_split(g: &mut criterion::BenchmarkGroup<'_, Clock>, format: Format, series: usize) {
    use telemetry_core::{KeyValue, ManualReader, MeterProvider};
    use telemetry_exporters::prometheus::{encode_openmetrics, encode_text, TextOptions};

    let reader = ManualReader::new();
    let provider = MeterProvider::builder()
        .with_reader(reader.clone())
        .with_cardinality_limit(series + 1)
        .build();
    let counter = provider
        .meter("bench")
        .u64_counter("series")
        .build()
        .expect("counter");
    for i in 0..series {
        counter.add(1, &[KeyValue::new("id", i.to_string())]);
    }
    if format == Format::Text {
        g.bench_function("telemetry_collect_only", |b| {
            b.iter(|| reader.collect().expect("collected"))
        });
    }
    let metrics = reader.collect().expect("collected");
    let options = TextOptions::default().with_target_info(false);
    let encode = match format {
        Format::Text => encode_text,
        Format::OpenMetrics => encode_openmetrics,
    };
    g.bench_function("telemetry_encode_only", |b| {
        b.iter(|| {
            let mut out = String::new();
            encode(&metrics, &options, &mut out);
            out
        })
    });
}

/// Row 8: the EV example's derived collectors (33 fields, `vehicle_id` on each point),
/// collected and encoded as text 0.0.4 by our exporter, as a scrape does.
fn derived(c: &mut Criterion<Clock>) {
    let mut g = c.benchmark_group("8_derived_33_fields_collect_encode");
    // The default (callbacks isolated on a worker thread with a deadline; a registered
    // struct whose lock is free is read on the scraping thread), and the extra id with
    // every callback run inline (`with_callback_timeout(None)`): the two now match.
    for (id, isolated) in [
        (Library::Telemetry.id(), true),
        ("telemetry_inline_callbacks", false),
    ] {
        let (exporter, registered) = ev_exporter(isolated);
        g.bench_function(id, |b| b.iter(|| exporter.render().expect("rendered")));
        drop(registered);
    }
    g.finish();
}

/// The EV example's collectors registered with a provider whose scrape endpoint renders
/// them; `isolated`: callbacks on the worker thread (the default) or inline.
fn ev_exporter(
    isolated: bool,
) -> (
    telemetry_exporters::prometheus::PrometheusExporter,
    impl Sized,
) {
    use telemetry_examples::ev::{ChargeState, DriveState, EvMetricData};
    use telemetry_exporters::prometheus::PrometheusExporter;

    let exporter = PrometheusExporter::builder()
        .with_target_info(false)
        .build();
    let mut builder = telemetry_core::MeterProvider::builder().with_reader(exporter.clone());
    if !isolated {
        builder = builder.with_callback_timeout(None);
    }
    let provider = builder.build();
    let data = EvMetricData {
        vehicle_id: "Ju".to_owned(),
        charge_state: ChargeState {
            battery_level: 80,
            battery_range: 215.5,
            charge_limit_soc: 90,
            timestamp: 1_700_000_000_000,
            ..ChargeState::default()
        },
        drive_state: DriveState {
            latitude: 35.6812,
            longitude: 139.7671,
            heading: 270,
            timestamp: 1_700_000_000_000,
            ..DriveState::default()
        },
    };
    let registered = provider.meter("ev").register(data).expect("registered");
    let text = exporter.render().expect("rendered");
    assert_eq!(
        text.lines().filter(|l| l.starts_with("# TYPE ")).count(),
        33,
        "{text}"
    );
    (exporter, (registered, provider))
}

fn all(c: &mut Criterion<Clock>) {
    let fixtures = Fixtures::new();
    counter_no_attributes(c, &fixtures);
    counter_string_attributes(c, &fixtures);
    counter_enum_attributes(c, &fixtures);
    bound_counter(c, &fixtures);
    histogram(c, &fixtures);
    contended(c, &fixtures);
    encode(c);
    derived(c);
}

fn main() {
    let wall =
        cfg!(not(target_os = "linux")) || std::env::var("BENCH_CLOCK").is_ok_and(|v| v == "wall");
    #[cfg(target_os = "linux")]
    let clock: fn() -> Duration = if wall { wall_now } else { thread_cpu_now };
    #[cfg(not(target_os = "linux"))]
    let clock: fn() -> Duration = wall_now;
    NOW.set(clock).expect("set once");
    eprintln!(
        "clock: {}",
        if wall {
            "wall time"
        } else {
            "thread CPU time (BENCH_CLOCK=wall for wall time)"
        }
    );

    let mut criterion = Criterion::default()
        .with_measurement(Clock)
        .configure_from_args();
    all(&mut criterion);
    criterion.final_summary();
}
