//! The OpenMetrics 1.0 text format.
//!
//! [`encode`] is the entry point; a scrape endpoint picks this format or
//! [text 0.0.4](super::text) from the request's `Accept` header (see
//! [`Format::from_accept`]). Families, series, names and labels are exactly those of the
//! text format (the grouping in `family.rs` is shared; see [`text`](super::text) for the
//! naming, label and duplicate rules): a series keeps its name whichever format a scrape
//! negotiates. What differs is the metadata, the `_created` samples, and the types text
//! 0.0.4 does not have.
//!
//! # Output
//!
//! - Each family starts with `# TYPE`, then `# UNIT` (only when the unit's suffix really
//!   ends the family name, as OpenMetrics requires: `latency_seconds` in `s` gets
//!   `# UNIT latency_seconds seconds`, `battery_level` in `%` gets none), then `# HELP`
//!   (left out when the description is empty), in the order the specification recommends.
//! - The last line is `# EOF`.
//! - Family names carry no type suffix; the samples do:
//!
//! | data | `# TYPE` | samples, per series |
//! |---|---|---|
//! | monotonic sum | `counter` | `<name>_total`, `<name>_created` |
//! | non-monotonic sum, gauge | `gauge` | `<name>` |
//! | histogram | `histogram` | cumulative `<name>_bucket{le="…"}` ending in `le="+Inf"`, `<name>_count`, `<name>_sum`, `<name>_created` |
//! | gauge histogram | `gaugehistogram` | `<name>_bucket{le="…"}`, `<name>_gcount`, `<name>_gsum` |
//! | summary | `summary` | `<name>{quantile="…"}` (when the point has quantiles), `<name>_count`, `<name>_sum`, `<name>_created` |
//! | info | `info` | `<name>_info{…} 1` |
//! | state set | `stateset` | `<name>{…,<name>="<state>"} 1` or `0`, one per state |
//!
//! - `_created` is the point's start time, in seconds since the epoch as a float
//!   (`1712345678.25`).
//! - Numbers, escaping and `le`/`quantile` values are written as in the text format (the
//!   canonical `le="1.0"`, `le="1e+06"`, `+Inf`, `NaN`), and HELP text escapes `"` too.
//!
//! # Values OpenMetrics forbids
//!
//! OpenMetrics gives counter-like values rules that the data model does not enforce. Rather
//! than write an exposition a strict parser rejects whole, the encoder leaves the offending
//! value out and reports a [`Warning::ValueLeftOut`]:
//!
//! - a counter whose value is negative or NaN: the series;
//! - a histogram with a negative bucket bound, or whose sum is negative or NaN: its `_sum`
//!   and `_count` (the specification pairs them; the buckets still carry the count);
//! - a gauge histogram whose sum is NaN, or negative without a negative bucket bound: its
//!   `_gsum` and `_gcount`;
//! - a summary whose sum is negative or NaN: its `_sum`; a quantile outside `[0, 1]` or with
//!   a negative value: that quantile.

use telemetry_core::{HistogramPoint, Number, ResourceMetrics, SummaryPoint};

use super::family::{format_labels, Body, Families, Family, Kind, Labels, Sample, Source};
use super::format::Format;
use super::text::{is_zero, write_buckets, TextOptions, Warning};
use super::write::{
    escape, write_f64, write_number, write_seconds, write_series, write_u64, Extra,
};

/// Appends the OpenMetrics exposition of `metrics` to `out` (`# EOF` included) and returns
/// what had to be left out.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use telemetry_core::{
///     Attributes, KeyValue, Metric, MetricData, Number, NumberPoint, ResourceMetrics, Scope,
///     ScopeMetrics, SumData, Temporality,
/// };
/// use telemetry_exporters::prometheus::{encode_openmetrics, TextOptions};
///
/// let start = SystemTime::UNIX_EPOCH + Duration::from_millis(1_712_345_678_250);
/// let metrics = ResourceMetrics {
///     scope_metrics: vec![ScopeMetrics {
///         scope: Scope::default(),
///         metrics: vec![Metric {
///             name: "http.requests".into(),
///             description: "Requests served".into(),
///             unit: "{request}".into(),
///             data: MetricData::Sum(SumData {
///                 points: vec![NumberPoint {
///                     attributes: Attributes::from([KeyValue::new("http.route", "/a")]),
///                     start_time: start,
///                     time: start + Duration::from_secs(60),
///                     value: Number::U64(5),
///                 }],
///                 monotonic: true,
///                 temporality: Temporality::Cumulative,
///             }),
///         }],
///     }],
///     ..Default::default()
/// };
///
/// let mut out = String::new();
/// let warnings = encode_openmetrics(&metrics, &TextOptions::default(), &mut out);
/// assert!(warnings.is_empty());
/// assert_eq!(
///     out,
///     concat!(
///         "# TYPE http_requests counter\n",
///         "# HELP http_requests Requests served\n",
///         "http_requests_total{http_route=\"/a\"} 5\n",
///         "http_requests_created{http_route=\"/a\"} 1712345678.25\n",
///         "# EOF\n",
///     )
/// );
/// ```
pub fn encode(metrics: &ResourceMetrics, options: &TextOptions, out: &mut String) -> Vec<Warning> {
    Format::OpenMetrics.encode(&[Source::Metrics(metrics, options)], out)
}

/// Writes the families (grouped by `family::collect`) in this format, `# EOF` included.
pub(crate) fn write(families: &Families<'_>, out: &mut String, warnings: &mut Vec<Warning>) {
    for (name, family) in families {
        write_metadata(out, name, family);
        match &family.body {
            Body::Series(series) => {
                let mut writer = SeriesWriter {
                    out: &mut *out,
                    name,
                    warnings: &mut *warnings,
                };
                for (labels, sample) in series {
                    writer.sample(family.kind, labels, sample);
                }
            }
            Body::Foreign(lines) => {
                for line in lines {
                    out.push_str(line);
                    out.push('\n');
                }
            }
        }
    }
    out.push_str("# EOF\n");
}

fn write_metadata(out: &mut String, name: &str, family: &Family<'_>) {
    out.push_str("# TYPE ");
    out.push_str(name);
    out.push(' ');
    out.push_str(family.kind.type_name(Format::OpenMetrics));
    out.push('\n');
    if let Some(unit) = &family.unit {
        out.push_str("# UNIT ");
        out.push_str(name);
        out.push(' ');
        out.push_str(unit);
        out.push('\n');
    }
    // An empty HELP "MUST be treated as if no metadata line existed": leave it out, which
    // every parser reads the same way.
    if !family.help.is_empty() {
        out.push_str("# HELP ");
        out.push_str(name);
        out.push(' ');
        escape(out, &family.help, true);
        out.push('\n');
    }
}

struct SeriesWriter<'o> {
    out: &'o mut String,
    name: &'o str,
    warnings: &'o mut Vec<Warning>,
}

impl SeriesWriter<'_> {
    fn sample(&mut self, kind: Kind, labels: &Labels<'_>, sample: &Sample<'_>) {
        match sample {
            Sample::Number { value, created } => match kind {
                Kind::Counter if !is_valid_counter(*value) => {
                    self.left_out(labels, "a counter value that is negative or NaN");
                }
                Kind::Counter => {
                    self.line("_total", labels, Extra::None, |out| {
                        write_number(out, *value)
                    });
                    if let Some(created) = created {
                        self.line("_created", labels, Extra::None, |out| {
                            write_seconds(out, *created);
                        });
                    }
                }
                Kind::Info => self.line("_info", labels, Extra::None, |out| out.push('1')),
                _ => self.line("", labels, Extra::None, |out| write_number(out, *value)),
            },
            Sample::States(states) => {
                for (state, value) in states {
                    let extra = Extra::Text(self.name, state);
                    let bit = if is_zero(*value) { '0' } else { '1' };
                    self.line("", labels, extra, |out| out.push(bit));
                }
            }
            Sample::Histogram(point) if kind == Kind::GaugeHistogram => {
                self.gauge_histogram(labels, point);
            }
            Sample::Histogram(point) => self.histogram(labels, point),
            Sample::Summary(point) => self.summary(labels, point),
        }
    }

    fn histogram(&mut self, labels: &Labels<'_>, point: &HistogramPoint) {
        let total = write_buckets(self.out, self.name, labels, point);
        if has_negative_bound(point) {
            self.left_out(
                labels,
                "_count and _sum: a histogram with negative buckets has no sum",
            );
        } else if point.sum.is_nan() || point.sum < 0.0 {
            self.left_out(
                labels,
                "_count and _sum: a histogram sum that is negative or NaN",
            );
        } else {
            self.line("_count", labels, Extra::None, |out| write_u64(out, total));
            self.line("_sum", labels, Extra::None, |out| write_f64(out, point.sum));
        }
        self.line("_created", labels, Extra::None, |out| {
            write_seconds(out, point.start_time);
        });
    }

    fn gauge_histogram(&mut self, labels: &Labels<'_>, point: &HistogramPoint) {
        let total = write_buckets(self.out, self.name, labels, point);
        if point.sum.is_nan() || (point.sum < 0.0 && !has_negative_bound(point)) {
            self.left_out(
                labels,
                "_gcount and _gsum: a NaN sum, or a negative one without negative buckets",
            );
            return;
        }
        self.line("_gcount", labels, Extra::None, |out| write_u64(out, total));
        self.line("_gsum", labels, Extra::None, |out| {
            write_f64(out, point.sum)
        });
    }

    fn summary(&mut self, labels: &Labels<'_>, point: &SummaryPoint) {
        for &(quantile, value) in &point.quantiles {
            // NaN is the value of a quantile with no observations; negative is not allowed.
            if !(0.0..=1.0).contains(&quantile) || value < 0.0 {
                self.left_out(labels, "a quantile outside [0, 1] or with a negative value");
                continue;
            }
            let extra = Extra::Float("quantile", quantile);
            self.line("", labels, extra, |out| write_f64(out, value));
        }
        self.line("_count", labels, Extra::None, |out| {
            write_u64(out, point.count)
        });
        if point.sum >= 0.0 {
            self.line("_sum", labels, Extra::None, |out| write_f64(out, point.sum));
        } else {
            self.left_out(labels, "_sum: a summary sum that is negative or NaN");
        }
        self.line("_created", labels, Extra::None, |out| {
            write_seconds(out, point.start_time);
        });
    }

    /// One sample line: `<name><suffix>{labels,extra} <value>\n`.
    fn line(
        &mut self,
        suffix: &str,
        labels: &Labels<'_>,
        extra: Extra<'_>,
        value: impl FnOnce(&mut String),
    ) {
        write_series(self.out, self.name, suffix, labels, extra);
        value(self.out);
        self.out.push('\n');
    }

    fn left_out(&mut self, labels: &Labels<'_>, reason: &'static str) {
        self.warnings.push(Warning::ValueLeftOut {
            family: self.name.to_owned(),
            labels: format_labels(labels, None),
            reason,
        });
    }
}

fn is_valid_counter(value: Number) -> bool {
    match value {
        Number::U64(_) => true,
        Number::I64(v) => v >= 0,
        Number::F64(v) => v >= 0.0,
    }
}

fn has_negative_bound(point: &HistogramPoint) -> bool {
    point.bounds.iter().any(|b| b.is_finite() && *b < 0.0)
}

#[cfg(test)]
mod tests;
