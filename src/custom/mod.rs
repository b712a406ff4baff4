//! Seed 002, "writing a custom Prometheus exporter": every Prometheus metric type, with
//! labelled children, updated once a second. Shared by `examples/custom_exporter.rs` and the
//! end-to-end tests, which check the same metrics against a real Prometheus.
//!
//! | seed (Python) | here | exposition |
//! |---|---|---|
//! | `Gauge('a')`, `a.set(…)` | [`Gauge`] | `a` |
//! | `Gauge('b', labels)`, `b.labels(label1='k1', label2='f1').set(…)` | [`Gauge`] with attributes | `b{label1="k1",label2="f1"}` |
//! | `Counter('c')`, `c.inc()` | [`Counter`] | `c_total` |
//! | `Summary('request_latency_seconds')`, `s.observe(4.7)` | [`Summary`] | `_count`, `_sum` |
//! | `Histogram('request_latency_seconds2')`, `h.observe(8.8)` | [`Histogram`] (default buckets) | `_bucket`, `_count`, `_sum` |
//! | `Info('my_build_version')`, `i.info({…})` | [`Info`] | `my_build_version_info{…} 1` |
//! | `Enum('example_enum', states=[…])` | [`StateSet`] | one series per state |
//! | `GaugeHistogram('example_gauge_histogram')` | [`ObservableGaugeHistogram`] `queue_job_age_seconds` | `_bucket`, `_gcount`, `_gsum` (OpenMetrics) |
//!
//! [`Worker`] and [`BuildInfo`] show the state set and the info through
//! `#[derive(MetricCollector)]`.
//!
//! The gauge histogram is named `queue_job_age_seconds`, not the seed's
//! `example_gauge_histogram`: promtool's linter rejects a type word (`gauge`, `histogram`)
//! inside a metric name.

use std::sync::{Arc, Mutex};

use telemetry_core::{
    Counter, EnumLabel, Error, Gauge, Histogram, Info, KeyValue, Meter, MetricCollector,
    ObservableGaugeHistogram, Registered, StateSet, Summary,
};

/// The states of `example_enum`, as in the seed.
pub const ENUM_STATES: [&str; 3] = ["value1", "value2", "value3"];

/// The labelled children of `b`, as in the seed: `(label1, label2, low, high)`.
pub const B_CHILDREN: [(&str, &str, i64, i64); 3] = [
    ("k1", "f1", 100, 200),
    ("k1", "f2", 200, 300),
    ("k2", "f2", 400, 500),
];

/// The state of a worker: an enum whose variants are the states of a state set.
#[derive(EnumLabel, Clone, Copy, Debug, PartialEq, Eq)]
#[label(rename_all = "lowercase")]
pub enum WorkerState {
    /// Starting up.
    Starting,
    /// Processing requests.
    Running,
    /// Stopped.
    Stopped,
}

/// The same types through the derive: a state-set field, and an info struct.
#[derive(MetricCollector, Debug)]
#[metric(prefix = "worker")]
pub struct Worker {
    /// The worker's state.
    #[metric(state_set)]
    pub state: WorkerState,
    /// Requests the worker handled.
    #[metric(counter)]
    pub handled: u64,
    /// The worker's name (a label of its series).
    #[metric(attribute)]
    pub worker: &'static str,
}

/// Build information, exported as `custom_exporter_build_info{version, revision} 1`.
#[derive(MetricCollector, Debug)]
#[metric(info, prefix = "custom_exporter_build")]
pub struct BuildInfo {
    /// The version.
    #[metric(attribute)]
    pub version: &'static str,
    /// The source revision.
    #[metric(attribute)]
    pub revision: &'static str,
}

/// The seed's metrics, one field per Python object.
#[derive(Debug)]
pub struct CustomMetrics {
    a: Gauge<i64>,
    b: Gauge<i64>,
    c: Counter<u64>,
    s: Summary<f64>,
    h: Histogram<f64>,
    i: Info,
    e: StateSet,
    /// Ages (seconds) of the jobs in a simulated queue: the gauge histogram's values.
    queue: Arc<Mutex<Vec<f64>>>,
    _gh: ObservableGaugeHistogram<f64>,
    worker: Registered<Worker>,
    _build: Registered<BuildInfo>,
    rng: fastrand::Rng,
}

impl CustomMetrics {
    /// Registers every metric on `meter`; `seed` makes the random values reproducible.
    pub fn new(meter: &Meter, seed: u64) -> Result<Self, Error> {
        let queue = Arc::new(Mutex::new(vec![0.5, 2.0, 40.0]));
        let ages = queue.clone();
        Ok(CustomMetrics {
            a: meter
                .i64_gauge("a")
                .with_description("Description of gauge")
                .build()?,
            b: meter
                .i64_gauge("b")
                .with_description("Description of gauge")
                .build()?,
            c: meter
                .u64_counter("c")
                .with_description("Description of counter")
                .build()?,
            s: meter
                .f64_summary("request_latency_seconds")
                .with_description("Description of summary")
                .with_unit("s")
                .build()?,
            h: meter
                .f64_histogram("request_latency_seconds2")
                .with_description("Description of histogram")
                .build()?,
            i: meter
                .info("my_build_version")
                .with_description("Description of info")
                .build()?,
            e: meter
                .state_set("example_enum", ENUM_STATES)
                .with_description("An example enum")
                .build()?,
            _gh: meter
                .f64_observable_gauge_histogram("queue_job_age_seconds")
                .with_description("Ages of the jobs waiting in the queue")
                .with_unit("s")
                .with_buckets(vec![1.0, 5.0, 30.0])
                .with_callback(move |o| {
                    for age in ages.lock().unwrap_or_else(|e| e.into_inner()).iter() {
                        o.observe(*age, &[]);
                    }
                })
                .build()?,
            queue,
            worker: meter.register(Worker {
                state: WorkerState::Starting,
                handled: 0,
                worker: "w1",
            })?,
            _build: meter.register(BuildInfo {
                version: env!("CARGO_PKG_VERSION"),
                revision: "unknown",
            })?,
            rng: fastrand::Rng::with_seed(seed),
        })
    }

    /// One iteration of the seed's `process_request` (without its `sleep(1)`).
    pub fn process_request(&mut self) -> Result<(), Error> {
        self.a.record(self.rng.i64(1..=100), &[]);
        for (label1, label2, low, high) in B_CHILDREN {
            let labels = [
                KeyValue::new("label1", label1),
                KeyValue::new("label2", label2),
            ];
            self.b.record(self.rng.i64(low..=high), &labels);
        }
        self.c.add(1, &[]);
        self.s.record(4.7, &[]);
        self.h.record(8.8, &[]);
        self.i.set(&[
            KeyValue::new("version", "1.2.3"),
            KeyValue::new("buildhost", "foo@bar"),
        ]);
        self.e.set_index(self.rng.usize(..ENUM_STATES.len()), &[])?;
        self.worker.update(|w| {
            w.handled += 1;
            w.state = if w.handled % 10 == 0 {
                WorkerState::Stopped
            } else {
                WorkerState::Running
            };
        });
        let mut queue = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        // Jobs age by a second; some finish, some arrive: the distribution moves both ways.
        queue.iter_mut().for_each(|age| *age += 1.0);
        queue.retain(|_| self.rng.u8(..10) < 8);
        if queue.is_empty() {
            queue.push(0.0);
        }
        for _ in 0..self.rng.usize(0..4) {
            queue.push(self.rng.f64());
        }
        Ok(())
    }

    /// How many jobs the simulated queue holds (the gauge histogram's count).
    pub fn queue_len(&self) -> usize {
        self.queue.lock().unwrap_or_else(|e| e.into_inner()).len()
    }
}
