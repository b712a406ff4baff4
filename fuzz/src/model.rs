//! Decoding a tape into a [`ResourceMetrics`] and the options of an encoder, within the
//! documented contract of the data model (histogram bounds finite and strictly increasing,
//! `bounds.len() + 1` bucket counts whose total fits a `u64`, info points of value 1), and
//! otherwise as hostile as possible: any UTF-8 in names, keys, values, descriptions and
//! units, NaN and infinities everywhere a float goes, keys that sanitise alike.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use telemetry_core::{
    Attributes, GaugeData as Gauge, HistogramData as Histogram, HistogramPoint, KeyValue, Metric,
    MetricData, Number, NumberPoint, Resource, ResourceMetrics, Scope, ScopeMetrics,
    SumData as Sum, SummaryData as Summary, SummaryPoint, Temporality, Value,
};
use telemetry_exporters::prometheus::TextOptions;

use crate::tape::Tape;

/// The encoder options, readable (`TextOptions` keeps its fields private).
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// `with_unit_suffixes`.
    pub unit_suffixes: bool,
    /// `with_target_info`.
    pub target_info: bool,
    /// `with_scope_labels`.
    pub scope_labels: bool,
}

impl Options {
    /// The encoder's options.
    pub fn text_options(self) -> TextOptions {
        TextOptions::default()
            .with_unit_suffixes(self.unit_suffixes)
            .with_target_info(self.target_info)
            .with_scope_labels(self.scope_labels)
    }
}

/// Keys and names that collide once sanitised, clash with the labels and suffixes the
/// formats add, or are reserved: picked often, so the fuzzer meets the merge rules early.
const KEYS: [&str; 12] = [
    "a",
    "a.b",
    "a_b",
    "a-b",
    "le",
    "quantile",
    "exported_le",
    "__name__",
    "会社検証用",
    "",
    "1x",
    "otel_scope_name",
];
const NAMES: [&str; 14] = [
    "requests",
    "requests_total",
    "requests.total",
    "h",
    "h_count",
    "h_bucket",
    "jobs",
    "build_info",
    "target",
    "target_info",
    "latency_seconds",
    "a.b",
    "a_b",
    "_total",
];
const UNITS: [&str; 6] = ["", "s", "By", "%", "1", "{request}"];

/// A decoded input.
#[derive(Debug)]
pub struct Input {
    /// What the encoder gets.
    pub metrics: ResourceMetrics,
    /// With which options.
    pub options: Options,
}

/// Decodes an encoder input.
pub fn input(tape: &mut Tape<'_>) -> Input {
    let bits = tape.byte();
    let options = Options {
        unit_suffixes: bits & 1 != 0,
        target_info: bits & 2 != 0,
        scope_labels: bits & 4 != 0,
    };
    let resource = Resource::new(pairs(tape));
    let scope_metrics = (0..tape.below(3))
        .map(|_| {
            let scope = Scope {
                name: string(tape, &["", "shop", "会社検証用"]),
                version: tape.flag().then(|| tape.text()),
            };
            let metrics = (0..tape.below(5)).map(|_| metric(tape)).collect();
            ScopeMetrics { scope, metrics }
        })
        .collect();
    Input {
        metrics: ResourceMetrics {
            resource,
            scope_metrics,
            ..Default::default()
        },
        options,
    }
}

/// A string from the tape, or one of `pool`.
fn string(tape: &mut Tape<'_>, pool: &[&str]) -> String {
    match tape.byte() {
        b if usize::from(b) < pool.len() => pool[usize::from(b)].to_owned(),
        _ => tape.text(),
    }
}

/// Attribute pairs, duplicates and all (the caller builds the set).
pub fn pairs(tape: &mut Tape<'_>) -> Vec<KeyValue> {
    (0..tape.below(6))
        .map(|_| {
            let key = string(tape, &KEYS);
            KeyValue::new(key, value(tape))
        })
        .collect()
}

/// An attribute value of any type.
pub fn value(tape: &mut Tape<'_>) -> Value {
    match tape.below(5) {
        0 => Value::I64(tape.i64()),
        1 => Value::F64(tape.f64()),
        2 => Value::Bool(tape.flag()),
        _ => Value::from(tape.text()),
    }
}

fn time(tape: &mut Tape<'_>) -> SystemTime {
    match tape.below(4) {
        0 => UNIX_EPOCH,
        1 => UNIX_EPOCH - Duration::from_millis(tape.u64() % (1 << 40)),
        _ => UNIX_EPOCH + Duration::from_millis(tape.u64() % (1 << 50)),
    }
}

fn number(tape: &mut Tape<'_>) -> Number {
    match tape.below(3) {
        0 => Number::U64(tape.u64()),
        1 => Number::I64(tape.i64()),
        _ => Number::F64(tape.f64()),
    }
}

fn metric(tape: &mut Tape<'_>) -> Metric {
    let name = match tape.below(3) {
        // Valid per telemetry-core's grammar, as an instrument would have it.
        0 => {
            let raw = tape.text();
            let mut name: String = raw
                .chars()
                .map(|c| match c {
                    c if c.is_ascii_alphanumeric() || "_.-/".contains(c) => c,
                    _ => '.',
                })
                .take(255)
                .collect();
            if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
                name.replace_range(..name.len().min(1), "m");
            }
            debug_assert!(telemetry_core::validate_name(&name).is_ok(), "{name:?}");
            name
        }
        // Anything: `encode_*` take any `ResourceMetrics`, from any producer.
        1 => tape.text(),
        _ => string(tape, &NAMES),
    };
    let description = tape.text();
    let unit = string(tape, &UNITS);
    let kind = tape.below(9);
    let npoints = tape.below(4);
    let data = match kind {
        0..=2 | 8 => {
            let points = (0..npoints).map(|_| number_point(tape)).collect();
            match kind {
                0 => MetricData::Sum(Sum {
                    points,
                    monotonic: true,
                    temporality: Temporality::Cumulative,
                }),
                1 => MetricData::Sum(Sum {
                    points,
                    monotonic: false,
                    temporality: Temporality::Cumulative,
                }),
                2 => MetricData::Gauge(Gauge { points }),
                _ => MetricData::Sum(Sum {
                    points,
                    monotonic: true,
                    temporality: Temporality::Delta,
                }),
            }
        }
        3 | 4 => {
            let points = (0..npoints).map(|_| histogram_point(tape)).collect();
            let histogram = Histogram {
                points,
                temporality: Temporality::Cumulative,
            };
            if kind == 3 {
                MetricData::Histogram(histogram)
            } else {
                MetricData::GaugeHistogram(histogram)
            }
        }
        5 => MetricData::Summary(Summary {
            points: (0..npoints).map(|_| summary_point(tape)).collect(),
        }),
        6 => MetricData::Info(Gauge {
            points: (0..npoints)
                .map(|_| NumberPoint {
                    value: Number::U64(1),
                    ..number_point(tape)
                })
                .collect(),
        }),
        _ => {
            // A state set: each point carries `<metric name>=<state>` (or, to test the
            // warning, sometimes not), value 1 or 0.
            let points = (0..npoints)
                .map(|_| {
                    let mut pairs = pairs(tape);
                    if tape.byte() != 0xFF {
                        pairs.push(KeyValue::new(name.clone(), string(tape, &["on", "off"])));
                    }
                    NumberPoint {
                        attributes: Attributes::new(pairs),
                        start_time: UNIX_EPOCH,
                        time: UNIX_EPOCH,
                        value: Number::U64(u64::from(tape.flag())),
                    }
                })
                .collect();
            MetricData::StateSet(Gauge { points })
        }
    };
    Metric {
        name: name.into(),
        description: description.into(),
        unit: unit.into(),
        data,
    }
}

fn number_point(tape: &mut Tape<'_>) -> NumberPoint {
    NumberPoint {
        attributes: Attributes::new(pairs(tape)),
        start_time: time(tape),
        time: UNIX_EPOCH,
        value: number(tape),
    }
}

fn histogram_point(tape: &mut Tape<'_>) -> HistogramPoint {
    let mut bounds: Vec<f64> = (0..tape.below(6))
        .map(|_| tape.f64())
        .filter(|b| b.is_finite())
        .collect();
    bounds.sort_by(f64::total_cmp);
    bounds.dedup_by(|a, b| a == b); // -0.0 == 0.0: strictly increasing
    let mut total: u64 = 0;
    let bucket_counts = (0..=bounds.len())
        .map(|_| {
            let count = tape.u64();
            match total.checked_add(count) {
                Some(t) => {
                    total = t;
                    count
                }
                None => 0,
            }
        })
        .collect();
    HistogramPoint {
        attributes: Attributes::new(pairs(tape)),
        start_time: time(tape),
        time: UNIX_EPOCH,
        bounds,
        bucket_counts,
        count: total,
        sum: tape.f64(),
        min: None,
        max: None,
        sum_of_squared_deviation: 0.0,
    }
}

fn summary_point(tape: &mut Tape<'_>) -> SummaryPoint {
    let mut quantiles: Vec<(f64, f64)> = (0..tape.below(4))
        .map(|_| {
            let q = match tape.below(4) {
                0 => tape.f64(),
                _ => f64::from(tape.byte()) / 255.0,
            };
            // One NaN: quantiles are distinct (two NaNs of other bits would be two
            // `quantile="NaN"` series, a duplicate of our making).
            (if q.is_nan() { f64::NAN } else { q }, tape.f64())
        })
        .collect();
    quantiles.sort_by(|a, b| a.0.total_cmp(&b.0));
    quantiles.dedup_by(|a, b| a.0.to_bits() == b.0.to_bits() || a.0 == b.0);
    SummaryPoint {
        attributes: Attributes::new(pairs(tape)),
        start_time: time(tape),
        time: UNIX_EPOCH,
        count: tape.u64(),
        sum: tape.f64(),
        quantiles,
    }
}
