//! Temporality conversion for push readers.
//!
//! The record path only accumulates (cumulative since each series' start), so a reader
//! whose exporter wants delta derives it here: it keeps the previous cumulative point of
//! every series and subtracts. Recording stays free of locks and allocation whatever the
//! exporter wants; the cost (one map entry per series) is paid on the export thread.
//!
//! Which data follows the exporter's temporality, as in the OpenTelemetry specification's
//! "delta" preference (`OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE=delta`):
//!
//! | data                                   | under `Delta`                              |
//! |----------------------------------------|--------------------------------------------|
//! | monotonic sum (counters, Count)        | difference since the previous export       |
//! | histogram                              | differences of counts, sum and buckets     |
//! | non-monotonic sum (up-down counters)   | stays cumulative                           |
//! | gauge, summary, info, state set, gauge histogram | unchanged (not temporal)         |
//!
//! A delta point's `start_time` is the previous export's `time`; the first export of a
//! series covers it from its own start. A series whose start time changed (it was
//! recreated) or whose cumulative value went down (an observed counter reset) starts over.

use std::collections::HashMap;
use std::time::SystemTime;

use crate::attributes::Attributes;
use crate::data::{HistogramPoint, MetricData, NumberPoint, ResourceMetrics, Scope, Temporality};
use crate::number::Number;
use crate::shared_str::SharedStr;

/// A series: its scope, its metric's name and its attributes.
type Key = (Scope, SharedStr, Attributes);

/// The previous cumulative point of a series.
#[derive(Debug)]
enum Previous {
    Sum {
        start: SystemTime,
        time: SystemTime,
        value: Number,
    },
    Histogram {
        start: SystemTime,
        time: SystemTime,
        bucket_counts: Vec<u64>,
        count: u64,
        sum: f64,
        sum_of_squared_deviation: f64,
    },
}

/// The previous collection, for delta exports; empty for cumulative ones.
#[derive(Debug)]
pub(crate) struct TemporalityState {
    temporality: Temporality,
    previous: HashMap<Key, Previous>,
}

impl TemporalityState {
    pub(crate) fn new(temporality: Temporality) -> Self {
        TemporalityState {
            temporality,
            previous: HashMap::new(),
        }
    }

    /// Converts one cumulative collection to the exporter's temporality.
    pub(crate) fn convert(&mut self, cumulative: &ResourceMetrics) -> ResourceMetrics {
        let mut out = cumulative.clone();
        if self.temporality == Temporality::Cumulative {
            return out;
        }
        // Rebuilt at each export, so series that disappeared are forgotten.
        let mut current = HashMap::with_capacity(self.previous.len());
        for scope in &mut out.scope_metrics {
            for metric in &mut scope.metrics {
                let key = |attributes: &Attributes| {
                    (scope.scope.clone(), metric.name.clone(), attributes.clone())
                };
                match &mut metric.data {
                    MetricData::Sum(sum) if sum.monotonic => {
                        sum.temporality = Temporality::Delta;
                        for point in &mut sum.points {
                            let key = key(&point.attributes);
                            let previous = self.previous.remove(&key);
                            current.insert(key, sum_delta(point, previous));
                        }
                    }
                    MetricData::Histogram(histogram) => {
                        histogram.temporality = Temporality::Delta;
                        for point in &mut histogram.points {
                            let key = key(&point.attributes);
                            let previous = self.previous.remove(&key);
                            current.insert(key, histogram_delta(point, previous));
                        }
                    }
                    _ => {}
                }
            }
        }
        self.previous = current;
        out
    }
}

/// Turns a cumulative sum point into a delta one; returns what to remember.
fn sum_delta(point: &mut NumberPoint, previous: Option<Previous>) -> Previous {
    let remember = Previous::Sum {
        start: point.start_time,
        time: point.time,
        value: point.value,
    };
    if let Some(Previous::Sum { start, time, value }) = previous {
        if start == point.start_time {
            if let Some(delta) = difference(point.value, value) {
                point.value = delta;
            }
            // Otherwise the counter went down: a reset, so the whole value is new.
            point.start_time = time;
        }
    }
    remember
}

/// `current - previous`, or `None` if the cumulative value went down.
fn difference(current: Number, previous: Number) -> Option<Number> {
    match (current, previous) {
        (Number::U64(c), Number::U64(p)) => c.checked_sub(p).map(Number::U64),
        (Number::I64(c), Number::I64(p)) if c >= p => Some(Number::I64(c.wrapping_sub(p))),
        (Number::F64(c), Number::F64(p)) if c >= p => Some(Number::F64(c - p)),
        _ => None,
    }
}

/// The `M2` of the observations between two cumulative `(count, sum, M2)` states: Chan's
/// merge `M2 = M2a + M2b + δ²·na·nb/n` solved for `M2b`; 0 when it cannot be known.
fn delta_m2(before: (u64, f64, f64), now: (u64, f64, f64)) -> f64 {
    let (n_a, sum_a, m2_a) = before;
    let (n, sum, m2) = now;
    let n_b = n - n_a;
    if n_a == 0 {
        return m2;
    }
    if n_b == 0 {
        return 0.0;
    }
    let (n_a, n_b, n) = (n_a as f64, n_b as f64, n as f64);
    let delta = (sum - sum_a) / n_b - sum_a / n_a;
    let m2_b = m2 - m2_a - delta * delta * n_a * n_b / n;
    if m2_b.is_finite() {
        m2_b.max(0.0)
    } else {
        0.0
    }
}

/// Turns a cumulative histogram point into a delta one; returns what to remember.
fn histogram_delta(point: &mut HistogramPoint, previous: Option<Previous>) -> Previous {
    let remember = Previous::Histogram {
        start: point.start_time,
        time: point.time,
        bucket_counts: point.bucket_counts.clone(),
        count: point.count,
        sum: point.sum,
        sum_of_squared_deviation: point.sum_of_squared_deviation,
    };
    if let Some(Previous::Histogram {
        start,
        time,
        bucket_counts,
        count,
        sum,
        sum_of_squared_deviation,
    }) = previous
    {
        let comparable = start == point.start_time
            && bucket_counts.len() == point.bucket_counts.len()
            && count <= point.count;
        if comparable {
            for (bucket, before) in point.bucket_counts.iter_mut().zip(&bucket_counts) {
                *bucket = bucket.saturating_sub(*before);
            }
            point.sum_of_squared_deviation = delta_m2(
                (count, sum, sum_of_squared_deviation),
                (point.count, point.sum, point.sum_of_squared_deviation),
            );
            point.count -= count;
            point.sum -= sum;
            point.start_time = time;
            // The interval's extremes cannot be derived from cumulative ones.
            point.min = None;
            point.max = None;
        }
    }
    remember
}

#[cfg(test)]
mod tests {
    use super::delta_m2;

    fn stats(xs: &[f64]) -> (u64, f64, f64) {
        let n = xs.len() as f64;
        let sum: f64 = xs.iter().sum();
        let m2 = xs.iter().map(|x| (x - sum / n).powi(2)).sum();
        (xs.len() as u64, sum, m2)
    }

    #[test]
    fn delta_spread_is_the_spread_of_the_new_observations() {
        let (first, later) = ([1.0, 2.0, 4.0], [10.0, 11.0, 15.0, 3.5]);
        let all: Vec<f64> = first.iter().chain(&later).copied().collect();
        let expected = stats(&later).2;
        let got = delta_m2(stats(&first), stats(&all));
        assert!((got - expected).abs() < 1e-9, "{got} vs {expected}");
        assert_eq!(delta_m2(stats(&first), stats(&first)), 0.0);
        assert_eq!(delta_m2((0, 0.0, 0.0), stats(&later)), stats(&later).2);
    }
}
