//! A collection as Cloud Monitoring time series, and the descriptors they need.
//!
//! | our data | metric kind | value type |
//! |---|---|---|
//! | monotonic sum (counter, `Count` view) | CUMULATIVE (stable `startTime`) | INT64 or DOUBLE |
//! | non-monotonic sum (up-down counter), gauge | GAUGE (no `startTime`) | INT64 or DOUBLE |
//! | histogram | CUMULATIVE | DISTRIBUTION |
//! | gauge histogram | GAUGE | DISTRIBUTION |
//! | summary | `<name>_count` CUMULATIVE INT64 and `<name>_sum` CUMULATIVE DOUBLE | |
//! | info | GAUGE | INT64 (always 1) |
//! | state set | GAUGE, one series per state (label `<name>`) | BOOL |
//!
//! Unsigned values above `i64::MAX` are capped (and reported): INT64 is signed.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use telemetry_core::{
    Attributes, HistogramPoint, Metric, MetricData, Number, NumberPoint, ResourceMetrics,
    SummaryPoint,
};

use super::labels;
use super::model::{
    BucketOptions, Distribution, Explicit, LabelDescriptor, MetricDescriptor, MetricKind,
    MetricRef, MonitoredResourceRef, Point, TimeInterval, TimeSeries, TypedValue, ValueType,
};
use super::report::{Problem, Problems};

/// Cloud Monitoring's limit on the buckets of a distribution.
pub(super) const MAX_BUCKETS: usize = 200;

/// What every series of one exporter shares.
#[derive(Debug)]
pub(super) struct Shape {
    /// Prepended to metric names (`workload.googleapis.com/`), ending in `/`.
    pub(super) prefix: String,
    pub(super) resource: MonitoredResourceRef,
    /// The per-process label, when the resource does not identify the process.
    pub(super) unique_label: Option<(String, String)>,
}

/// The series of one collection and the descriptor of each metric type they use.
#[derive(Debug, Default)]
pub(super) struct Translated {
    pub(super) series: Vec<TimeSeries>,
    pub(super) descriptors: BTreeMap<String, MetricDescriptor>,
}

/// Translates `metrics`; what does not fit the API is reported in `problems`.
pub(super) fn translate(
    metrics: &ResourceMetrics,
    shape: &Shape,
    problems: &mut Problems,
) -> Translated {
    let mut out = Translated::default();
    for metric in metrics.metrics() {
        let mut t = Target {
            shape,
            metric,
            problems: &mut *problems,
            out: &mut out,
        };
        t.metric();
    }
    out
}

/// Where a point sits: its series' attributes and its interval.
#[derive(Clone, Copy)]
struct At<'a> {
    attributes: &'a Attributes,
    start: SystemTime,
    end: SystemTime,
}

macro_rules! at_of {
    ($($point:ty),*) => {$(
        impl<'a> From<&'a $point> for At<'a> {
            fn from(p: &'a $point) -> Self {
                At { attributes: &p.attributes, start: p.start_time, end: p.time }
            }
        }
    )*};
}
at_of!(NumberPoint, HistogramPoint, SummaryPoint);

struct Target<'a> {
    shape: &'a Shape,
    metric: &'a Metric,
    problems: &'a mut Problems,
    out: &'a mut Translated,
}

impl Target<'_> {
    fn metric(&mut self) {
        let name: &str = &self.metric.name;
        match &self.metric.data {
            MetricData::Sum(sum) => {
                let kind = if sum.monotonic {
                    MetricKind::Cumulative
                } else {
                    MetricKind::Gauge
                };
                for p in &sum.points {
                    let value = self.number(p.value);
                    self.push(name, kind, p.into(), value);
                }
            }
            MetricData::Gauge(gauge) => {
                for p in &gauge.points {
                    let value = self.number(p.value);
                    self.push(name, MetricKind::Gauge, p.into(), value);
                }
            }
            MetricData::Info(info) => {
                for p in &info.points {
                    self.push(name, MetricKind::Gauge, p.into(), TypedValue::Int64(1));
                }
            }
            MetricData::StateSet(states) => {
                for p in &states.points {
                    let on = match p.value {
                        Number::U64(v) => v != 0,
                        Number::I64(v) => v != 0,
                        Number::F64(v) => v != 0.0,
                    };
                    self.push(name, MetricKind::Gauge, p.into(), TypedValue::Bool(on));
                }
            }
            MetricData::Histogram(h) => {
                for p in &h.points {
                    let value = self.distribution(p);
                    self.push(name, MetricKind::Cumulative, p.into(), value);
                }
            }
            MetricData::GaugeHistogram(h) => {
                for p in &h.points {
                    let value = self.distribution(p);
                    self.push(name, MetricKind::Gauge, p.into(), value);
                }
            }
            MetricData::Summary(summary) => {
                let (count, sum) = (format!("{name}_count"), format!("{name}_sum"));
                for p in &summary.points {
                    let c = self.int64(p.count as u128);
                    self.series(&count, MetricKind::Cumulative, p.into(), c, "1");
                    let s = TypedValue::Double(p.sum);
                    self.series(&sum, MetricKind::Cumulative, p.into(), s, "");
                }
            }
            _ => {}
        }
    }

    /// One series of the metric's unit.
    fn push(&mut self, name: &str, kind: MetricKind, at: At<'_>, value: TypedValue) {
        let unit = self.metric.unit.clone();
        self.series(name, kind, at, value, &unit);
    }

    fn series(&mut self, name: &str, kind: MetricKind, at: At<'_>, value: TypedValue, unit: &str) {
        let At {
            attributes,
            start,
            end,
        } = at;
        let extra = self
            .shape
            .unique_label
            .as_ref()
            .map(|(k, v)| (k.as_str(), v.as_str()));
        let Some(labels) = labels::labels(name, attributes, extra, self.problems) else {
            return;
        };
        let metric_type = format!("{}{name}", self.shape.prefix);
        let value_type = match &value {
            TypedValue::Bool(_) => ValueType::Bool,
            TypedValue::Int64(_) => ValueType::Int64,
            TypedValue::Double(_) => ValueType::Double,
            TypedValue::Distribution(_) => ValueType::Distribution,
        };
        let descriptor = self
            .out
            .descriptors
            .entry(metric_type.clone())
            .or_insert_with(|| MetricDescriptor {
                metric_type: metric_type.clone(),
                metric_kind: kind,
                value_type,
                unit: unit.to_owned(),
                description: self.metric.description.to_string(),
                display_name: name.to_owned(),
                labels: Vec::new(),
            });
        for key in labels.keys() {
            if !descriptor.labels.iter().any(|l| &l.key == key) {
                descriptor.labels.push(LabelDescriptor {
                    key: key.clone(),
                    value_type: "STRING",
                });
            }
        }
        // A CUMULATIVE interval must not be empty, and its start must stay the same for every
        // point of the series (the API takes a new start for a reset). So a series collected
        // within the instant it was created gets its end moved, never its start.
        let (start_time, end) = match kind {
            MetricKind::Cumulative => (Some(start), end.max(start + Duration::from_millis(1))),
            MetricKind::Gauge => (None, end),
        };
        self.out.series.push(TimeSeries {
            metric: MetricRef {
                metric_type,
                labels,
            },
            resource: self.shape.resource.clone(),
            metric_kind: kind,
            value_type,
            unit: unit.to_owned(),
            points: [Point {
                interval: TimeInterval {
                    end_time: end,
                    start_time,
                },
                value,
            }],
        });
    }

    fn number(&mut self, n: Number) -> TypedValue {
        match n {
            Number::U64(v) => self.int64(u128::from(v)),
            Number::I64(v) => TypedValue::Int64(v),
            Number::F64(v) => TypedValue::Double(v),
        }
    }

    fn int64(&mut self, v: u128) -> TypedValue {
        TypedValue::Int64(i64::try_from(v).unwrap_or_else(|_| {
            self.problems.add(
                &self.metric.name,
                Problem::ValueClamped,
                format!("{v} is above the INT64 maximum; sent as {}", i64::MAX),
            );
            i64::MAX
        }))
    }

    fn distribution(&mut self, p: &HistogramPoint) -> TypedValue {
        let (bounds, counts) = fit_buckets(&p.bounds, &p.bucket_counts);
        if bounds.len() < p.bounds.len() {
            self.problems.add(
                &self.metric.name,
                Problem::BucketsMerged,
                format!(
                    "{} buckets, at most {MAX_BUCKETS}: neighbouring buckets merged",
                    p.bounds.len() + 1
                ),
            );
        }
        let count: u64 = counts.iter().sum();
        let (mut mean, mut ssd) = if count == 0 {
            (0.0, 0.0)
        } else {
            (p.sum / count as f64, p.sum_of_squared_deviation)
        };
        if !mean.is_finite() || !ssd.is_finite() {
            self.problems.add(
                &self.metric.name,
                Problem::ValueClamped,
                "a non-finite observation: mean and sum of squared deviation sent as 0".into(),
            );
            (mean, ssd) = (0.0, 0.0);
        }
        let cap = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        TypedValue::Distribution(Distribution {
            count: cap(count),
            mean,
            sum_of_squared_deviation: ssd,
            bucket_options: BucketOptions {
                explicit_buckets: Explicit { bounds },
            },
            bucket_counts: counts.into_iter().map(cap).collect(),
        })
    }
}

/// The buckets within [`MAX_BUCKETS`]: runs of `k` neighbouring buckets merged (keeping the
/// bound that ends each run), so no observation is lost, only resolution.
fn fit_buckets(bounds: &[f64], counts: &[u64]) -> (Vec<f64>, Vec<u64>) {
    if counts.len() <= MAX_BUCKETS {
        return (bounds.to_vec(), counts.to_vec());
    }
    let k = counts.len().div_ceil(MAX_BUCKETS);
    let merged_counts = counts.chunks(k).map(|c| c.iter().sum()).collect();
    // The bound after chunk i is the bound that ended its last bucket.
    let merged_bounds = (1..counts.len().div_ceil(k))
        .map(|i| bounds[i * k - 1])
        .collect();
    (merged_bounds, merged_counts)
}

#[cfg(test)]
mod tests;
