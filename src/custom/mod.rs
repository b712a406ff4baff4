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
//! | `GaugeHistogram('example_gauge_histogram')` | [`ObservableGaugeHistogram`] | `_bucket`, `_gcount`, `_gsum` (OpenMetrics) |

use std::sync::{Arc, Mutex};

use telemetry_core::{
    Counter, Error, Gauge, Histogram, Info, KeyValue, Meter, ObservableGaugeHistogram, StateSet,
    Summary,
};

/// The states of `example_enum`, as in the seed.
pub const ENUM_STATES: [&str; 3] = ["value1", "value2", "value3"];

/// The labelled children of `b`, as in the seed: `(label1, label2, low, high)`.
pub const B_CHILDREN: [(&str, &str, i64, i64); 3] = [
    ("k1", "f1", 100, 200),
    ("k1", "f2", 200, 300),
    ("k2", "f2", 400, 500),
];

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
                .f64_observable_gauge_histogram("example_gauge_histogram")
                .with_description("An example gauge histogram")
                .with_buckets(vec![1.0, 5.0, 30.0])
                .with_callback(move |o| {
                    for age in ages.lock().unwrap_or_else(|e| e.into_inner()).iter() {
                        o.observe(*age, &[]);
                    }
                })
                .build()?,
            queue,
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
