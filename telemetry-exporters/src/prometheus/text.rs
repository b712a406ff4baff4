//! The Prometheus text exposition format, version 0.0.4.
//!
//! [`encode`] is the one entry point (and [`to_string`] its convenience form); OpenMetrics
//! is in [`openmetrics`](super::openmetrics). The grouping rules (families, duplicates,
//! conflicts) live in `family.rs` and are the same for both formats; this file only formats:
//! the HELP/TYPE lines and which samples each type writes.
//!
//! # Output
//!
//! - Families are sorted by their base name (the OpenMetrics family name: `jobs` for the
//!   counter `jobs_total`); series within a family come in the order of the collection
//!   (each stream's series in creation order, scopes and providers in order), which is
//!   deterministic but not sorted: ordering 10,000 label sets was most of a scrape's cost,
//!   and Prometheus does not care. Each family is one contiguous block that starts with
//!   `# HELP` and `# TYPE`.
//!   Every line ends with `\n`.
//! - Types, following the Python client's mapping of the OpenMetrics types into 0.0.4:
//!
//! | data | `# TYPE` | samples |
//! |---|---|---|
//! | monotonic sum | `counter`, named `<name>_total` | `<name>_total` |
//! | non-monotonic sum, gauge | `gauge` | `<name>` |
//! | histogram | `histogram` | cumulative `_bucket{le="…"}` ending in `le="+Inf"`, `_sum`, `_count` |
//! | summary | `summary` | `<name>{quantile="…"}` (when the point has quantiles), `_sum`, `_count` |
//! | info | `gauge`, named `<name>_info` | `<name>_info{…} 1` |
//! | state set | `gauge` | `<name>{…,<name>="<state>"} 1` or `0`, one per state |
//! | gauge histogram | `histogram` with its `_bucket` samples, then gauges `<name>_gcount` and `<name>_gsum` | the OpenMetrics sample names, so a series keeps its name whichever format a scrape negotiates |
//!
//! - `_created` samples are OpenMetrics only (as in the Go client; the Python client also
//!   writes them as gauges in 0.0.4).
//! - Integers are printed exactly; floats in their shortest round-trip form, the way
//!   Python's `repr` prints them (and so the Python and Java Prometheus clients): `1.0`,
//!   `0.005`, `1e-05`, `1e+16`, and `+Inf`, `-Inf`, `NaN`. `le` and `quantile` values use the
//!   OpenMetrics canonical form (Go's `%g` with a `.0`: `1.0`, `0.005`, `1e+06`), which is
//!   what the Go, Python and Java clients write, in both formats, so that bucket bounds are
//!   the same label values whichever client or format produced them.
//! - HELP text escapes `\` and newlines; label values escape `\`, `"` and newlines. Other
//!   characters (UTF-8 included) are written as they are. An empty description gives a bare
//!   `# HELP name` line.
//! - A histogram's `+Inf` bucket and its `_count` are both the total of its bucket counts
//!   (the point's count in the data model), so they can never disagree.
//!
//! # Names and labels
//!
//! - Metric names and attribute keys are sanitised by [`names`](super::names) (`.` and every
//!   other invalid character → `_`). Unit suffixes are opt-in, see [`TextOptions`].
//! - Attribute keys that sanitise to the same label name are merged into one label whose
//!   value joins theirs with `;`, in the bytewise order of the original keys
//!   (`{a-b="0", a.b="1"}` → `a_b="0;1"`), as the OpenTelemetry Prometheus compatibility
//!   rules ask; this keeps every label name unique and the result deterministic.
//! - An attribute named like the label a type adds itself (`le` on histograms, `quantile`
//!   on summaries) becomes `exported_le` / `exported_quantile` (Prometheus' own prefix for a
//!   label that clashes with one it sets), so it cannot collide with it.
//! - The resource becomes a `target_info` gauge (value 1, one label per resource attribute);
//!   scopes are not labels unless [`TextOptions::with_scope_labels`] is on.
//!
//! # Merging and duplicates
//!
//! Metrics from different scopes (or providers, see [`Gatherers`](super::Gatherers)) that
//! map to the same family name and type share one family block (HELP from the first
//! non-empty description). A series (family + label set) seen twice is written once, the
//! first time, and reported as [`Warning::DuplicateSeries`]. A family whose name another
//! family already uses in either format (a second type for one name, a gauge `jobs_total`
//! beside the counter `jobs`, a gauge `h_count` beside the histogram `h`) is left out and
//! reported too; of two such families the one with the shorter name is kept. Output is
//! never invalid because of them.
//! - A delta-temporality metric (Prometheus counters and histograms are cumulative) and
//!   anything else the format cannot express are left out and reported as a [`Warning`].

use std::fmt;

use telemetry_core::{HistogramPoint, Number, ResourceMetrics, SummaryPoint};

use super::family::{Body, Families, Family, Kind, Labels, Sample, Source};
use super::foreign;
use super::format::Format;
use super::write::{escape, write_f64, write_number, write_series, write_u64, Extra};

/// Choices that change the exposition; [`TextOptions::default`] is what
/// [`PrometheusExporter::new`](super::PrometheusExporter::new) uses.
///
/// | option | default | effect |
/// |---|---|---|
/// | [`with_unit_suffixes`](Self::with_unit_suffixes) | off | append the unit's suffix (`_seconds`, `_bytes`, `_percent`…, see [`unit_suffix`](super::names::unit_suffix)) |
/// | [`with_target_info`](Self::with_target_info) | on | emit the resource's attributes as a `target_info` gauge of value 1 |
/// | [`with_scope_labels`](Self::with_scope_labels) | off | add `otel_scope_name` / `otel_scope_version` labels to every series |
///
/// Unit suffixes are off by default because names are the contract with dashboards and
/// alerts: a metric declared as `battery_level` with unit `%` must be served as
/// `battery_level`, not silently renamed `battery_level_percent`. Turn them on for
/// OpenTelemetry-style names (`http.server.duration` in `s` → `http_server_duration_seconds`).
///
/// ```
/// use telemetry_exporters::prometheus::TextOptions;
///
/// let options = TextOptions::default().with_unit_suffixes(true).with_target_info(false);
/// assert_ne!(options, TextOptions::default());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextOptions {
    pub(crate) unit_suffixes: bool,
    pub(crate) target_info: bool,
    pub(crate) scope_labels: bool,
}

impl Default for TextOptions {
    fn default() -> Self {
        TextOptions {
            unit_suffixes: false,
            target_info: true,
            scope_labels: false,
        }
    }
}

impl TextOptions {
    /// Appends unit suffixes to family names (default: off).
    #[must_use]
    pub fn with_unit_suffixes(mut self, on: bool) -> Self {
        self.unit_suffixes = on;
        self
    }

    /// Emits the resource as a `target_info` gauge (default: on; nothing is emitted for an
    /// empty resource).
    #[must_use]
    pub fn with_target_info(mut self, on: bool) -> Self {
        self.target_info = on;
        self
    }

    /// Labels every series with its scope (`otel_scope_name`, `otel_scope_version`)
    /// (default: off). With it on, two meters reporting the same metric and attributes give
    /// two series instead of a [`Warning::DuplicateSeries`].
    #[must_use]
    pub fn with_scope_labels(mut self, on: bool) -> Self {
        self.scope_labels = on;
        self
    }
}

/// Something an encoder had to leave out; the rest of the output is still valid.
///
/// Family names are those of the format being written (`jobs_total` in text 0.0.4, `jobs`
/// in OpenMetrics, for the same counter).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Warning {
    /// A series (family and label set) appeared more than once, e.g. from two meters, two
    /// providers, or attribute keys that sanitise alike; the first one is written, the
    /// others dropped.
    DuplicateSeries {
        /// The family.
        family: String,
        /// The label set, as `{name="value",…}`.
        labels: String,
    },
    /// A family of another library's registry (see [`Gather`](super::Gather)) has the name
    /// and type of a family already written; it was left out whole.
    DuplicateFamily {
        /// The family.
        family: String,
    },
    /// Two metrics map to one family name with different types; the first one is kept.
    TypeConflict {
        /// The family.
        family: String,
        /// The type written.
        kept: &'static str,
        /// The type of the metric left out.
        dropped: &'static str,
        /// The metric left out.
        metric: String,
    },
    /// A family uses a name that another family uses for its own samples (`h_count` beside
    /// the histogram `h`, `jobs_total` beside the counter `jobs`), or that names another
    /// family in one of the formats; a parser would read its samples as the other's, so it
    /// was left out.
    NameClash {
        /// The family left out.
        family: String,
        /// The family kept.
        clashes_with: String,
    },
    /// A value the format forbids (OpenMetrics: a negative or NaN counter, a negative or
    /// NaN histogram or summary sum, a quantile outside `[0, 1]`…) was left out; the rest
    /// of the series was written.
    ValueLeftOut {
        /// The family.
        family: String,
        /// The series' label set, as `{name="value",…}`.
        labels: String,
        /// What was left out and why.
        reason: &'static str,
    },
    /// A metric with delta temporality; Prometheus expects cumulative values.
    DeltaTemporality {
        /// The metric.
        metric: String,
    },
    /// A kind of data the formats have no type for.
    UnsupportedData {
        /// The metric.
        metric: String,
    },
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Warning::DuplicateSeries { family, labels } => {
                write!(
                    f,
                    "duplicate series {family}{labels}: only the first is written"
                )
            }
            Warning::DuplicateFamily { family } => {
                write!(f, "duplicate family {family}: only the first is written")
            }
            Warning::TypeConflict {
                family,
                kept,
                dropped,
                metric,
            } => write!(
                f,
                "{metric:?} would be a {dropped} in family {family}, already a {kept}: left out"
            ),
            Warning::NameClash {
                family,
                clashes_with,
            } => write!(
                f,
                "family {family} clashes with the names of family {clashes_with}: left out"
            ),
            Warning::ValueLeftOut {
                family,
                labels,
                reason,
            } => write!(f, "{family}{labels}: left out {reason}"),
            Warning::DeltaTemporality { metric } => {
                write!(f, "{metric:?} has delta temporality: left out")
            }
            Warning::UnsupportedData { metric } => {
                write!(
                    f,
                    "{metric:?} has a kind of data the exposition formats cannot carry: left out"
                )
            }
        }
    }
}

/// Appends the exposition of `metrics` to `out` and returns what had to be left out.
///
/// ```
/// use std::time::SystemTime;
/// use telemetry_core::{
///     Attributes, KeyValue, Metric, MetricData, Number, NumberPoint, ResourceMetrics, Scope,
///     ScopeMetrics, SumData, Temporality,
/// };
/// use telemetry_exporters::prometheus::{encode_text, TextOptions};
///
/// let point = |route: &'static str, value: u64| NumberPoint {
///     attributes: Attributes::from([KeyValue::new("http.route", route)]),
///     start_time: SystemTime::UNIX_EPOCH,
///     time: SystemTime::UNIX_EPOCH,
///     value: Number::U64(value),
/// };
/// let metrics = ResourceMetrics {
///     scope_metrics: vec![ScopeMetrics {
///         scope: Scope::default(),
///         metrics: vec![Metric {
///             name: "http.requests".into(),
///             description: "Requests served".into(),
///             unit: "{request}".into(),
///             data: MetricData::Sum(SumData {
///                 points: vec![point("/b", 2), point("/a", 5)],
///                 monotonic: true,
///                 temporality: Temporality::Cumulative,
///             }),
///         }],
///     }],
///     ..Default::default()
/// };
///
/// let mut out = String::new();
/// let warnings = encode_text(&metrics, &TextOptions::default(), &mut out);
/// assert!(warnings.is_empty());
/// assert_eq!(
///     out,
///     concat!(
///         "# HELP http_requests_total Requests served\n",
///         "# TYPE http_requests_total counter\n",
///         // In the order of the points.
///         "http_requests_total{http_route=\"/b\"} 2\n",
///         "http_requests_total{http_route=\"/a\"} 5\n",
///     )
/// );
/// ```
pub fn encode(metrics: &ResourceMetrics, options: &TextOptions, out: &mut String) -> Vec<Warning> {
    Format::Text.encode(&[Source::Metrics(metrics, options)], out)
}

/// The exposition of `metrics` as a new string; warnings are discarded (use [`encode`] to
/// see them).
///
/// ```
/// use telemetry_core::ResourceMetrics;
/// use telemetry_exporters::prometheus::{text, TextOptions};
///
/// assert_eq!(text::to_string(&ResourceMetrics::default(), &TextOptions::default()), "");
/// ```
#[must_use]
pub fn to_string(metrics: &ResourceMetrics, options: &TextOptions) -> String {
    let mut out = String::new();
    encode(metrics, options, &mut out);
    out
}

/// Writes the families (grouped by `family::collect`) in this format.
pub(crate) fn write(families: &Families<'_>, out: &mut String) {
    // One buffer for every family's name (`jobs_total`), not one string per family.
    let mut name = String::new();
    for (base, family) in families {
        name.clear();
        name.push_str(base);
        name.push_str(family.kind.text_suffix());
        write_metadata(
            out,
            &name,
            family.kind.type_name(Format::Text),
            &family.help,
        );
        match &family.body {
            Body::Series(series) => {
                for (labels, sample) in series {
                    write_sample(out, &name, family.kind, labels, sample);
                }
            }
            Body::Foreign(lines) => {
                for line in lines.iter().filter(|l| text_keeps(l, base, family.kind)) {
                    out.push_str(&foreign::to_text(line));
                    out.push('\n');
                }
            }
        }
        if family.kind == Kind::GaugeHistogram {
            write_gauge_histogram_gauges(out, base, family);
        }
    }
}

fn write_metadata(out: &mut String, name: &str, type_name: &str, help: &str) {
    out.push_str("# HELP ");
    out.push_str(name);
    if !help.is_empty() {
        out.push(' ');
        escape(out, help, false);
    }
    out.push_str("\n# TYPE ");
    out.push_str(name);
    out.push(' ');
    out.push_str(type_name);
    out.push('\n');
}

fn write_sample(
    out: &mut String,
    name: &str,
    kind: Kind,
    labels: &Labels<'_>,
    sample: &Sample<'_>,
) {
    match sample {
        Sample::Number { value, .. } => {
            write_series(out, name, "", labels, Extra::None);
            write_number(out, *value);
            out.push('\n');
        }
        Sample::Histogram(point) if kind == Kind::GaugeHistogram => {
            write_buckets(out, name, labels, point);
        }
        Sample::Histogram(point) => write_histogram(out, name, labels, point),
        Sample::Summary(point) => write_summary(out, name, labels, point),
        Sample::States(states) => {
            for (state, value) in states {
                write_series(out, name, "", labels, Extra::Text(name, state));
                out.push_str(if is_zero(*value) { "0\n" } else { "1\n" });
            }
        }
    }
}

/// The cumulative bucket lines of a histogram point (`+Inf` last); returns the total.
/// Shared with OpenMetrics, whose bucket lines are the same.
pub(crate) fn write_buckets(
    out: &mut String,
    name: &str,
    labels: &Labels<'_>,
    point: &HistogramPoint,
) -> u64 {
    // Bucket counts are per bucket in the data model, cumulative in Prometheus.
    let mut cumulative: u64 = 0;
    for (i, bound) in point.bounds.iter().enumerate() {
        cumulative += point.bucket_counts.get(i).copied().unwrap_or(0);
        // A non-finite bound would duplicate or break the `+Inf` bucket; its count still
        // goes into the next one.
        if bound.is_finite() {
            write_series(out, name, "_bucket", labels, Extra::Float("le", *bound));
            write_u64(out, cumulative);
            out.push('\n');
        }
    }
    let total: u64 = point.bucket_counts.iter().sum();
    write_series(
        out,
        name,
        "_bucket",
        labels,
        Extra::Float("le", f64::INFINITY),
    );
    write_u64(out, total);
    out.push('\n');
    total
}

fn write_histogram(out: &mut String, name: &str, labels: &Labels<'_>, point: &HistogramPoint) {
    let total = write_buckets(out, name, labels, point);
    write_series(out, name, "_sum", labels, Extra::None);
    write_f64(out, point.sum);
    out.push('\n');
    write_series(out, name, "_count", labels, Extra::None);
    write_u64(out, total);
    out.push('\n');
}

fn write_summary(out: &mut String, name: &str, labels: &Labels<'_>, point: &SummaryPoint) {
    for &(quantile, value) in &point.quantiles {
        write_series(out, name, "", labels, Extra::Float("quantile", quantile));
        write_f64(out, value);
        out.push('\n');
    }
    write_series(out, name, "_sum", labels, Extra::None);
    write_f64(out, point.sum);
    out.push('\n');
    write_series(out, name, "_count", labels, Extra::None);
    write_u64(out, point.count);
    out.push('\n');
}

/// A gauge histogram's `_gcount` and `_gsum` as the gauges the Python client writes in
/// 0.0.4 (the `histogram` block above holds only the buckets).
fn write_gauge_histogram_gauges(out: &mut String, base: &str, family: &Family<'_>) {
    for suffix in ["_gcount", "_gsum"] {
        let name = format!("{base}{suffix}");
        write_metadata(out, &name, "gauge", &family.help);
        match &family.body {
            Body::Series(series) => {
                for (labels, sample) in series {
                    let Sample::Histogram(point) = sample else {
                        continue;
                    };
                    write_series(out, &name, "", labels, Extra::None);
                    match suffix {
                        "_gcount" => write_u64(out, point.bucket_counts.iter().sum()),
                        _ => write_f64(out, point.sum),
                    }
                    out.push('\n');
                }
            }
            Body::Foreign(lines) => {
                for line in lines.iter().filter(|l| foreign::sample_name(l) == name) {
                    out.push_str(&foreign::to_text(line));
                    out.push('\n');
                }
            }
        }
    }
}

/// Whether text 0.0.4 writes a foreign sample line in the family's block: not the
/// OpenMetrics-only `_created`, and not a gauge histogram's `_gcount`/`_gsum` (written as
/// gauges after it).
fn text_keeps(line: &str, base: &str, kind: Kind) -> bool {
    let suffix = foreign::sample_name(line)
        .strip_prefix(base)
        .unwrap_or_default();
    match kind {
        Kind::Counter | Kind::Histogram | Kind::Summary => suffix != "_created",
        Kind::GaugeHistogram => suffix == "_bucket",
        _ => true,
    }
}

pub(crate) fn is_zero(value: Number) -> bool {
    match value {
        Number::U64(v) => v == 0,
        Number::I64(v) => v == 0,
        Number::F64(v) => v == 0.0,
    }
}

#[cfg(test)]
mod tests;
