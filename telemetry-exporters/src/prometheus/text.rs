//! The Prometheus text exposition format, version 0.0.4.
//!
//! [`encode`] is the one entry point (and [`to_string`] its convenience form). The grouping
//! rules (families, duplicates, conflicts) live in `family.rs`; this file only formats: the
//! HELP/TYPE lines, label escaping, and numbers.
//!
//! # Output
//!
//! - Families are sorted by name, series within a family by label set (label names, then
//!   values, bytewise); each family is one contiguous block that starts with `# HELP` and
//!   `# TYPE`. Every line ends with `\n`.
//! - Monotonic sums are `counter`s named `<name>_total`; non-monotonic sums and gauges are
//!   `gauge`s; histograms are `histogram`s with cumulative `_bucket{le="…"}` series ending in
//!   `le="+Inf"`, then `_sum` and `_count`.
//! - Integers are printed exactly; floats in their shortest round-trip form, the way
//!   Python's `repr` prints them (and so the Python and Java Prometheus clients): `1.0`,
//!   `0.005`, `1e-05`, `1e+16`, and `+Inf`, `-Inf`, `NaN`. The same form is used for `le`, so
//!   bucket bounds match those of Python/Java-instrumented services (`le="1.0"`, where the Go
//!   client writes `le="1"`).
//! - HELP text escapes `\` and newlines; label values escape `\`, `"` and newlines. Other
//!   characters (UTF-8 included) are written as they are. An empty description gives a bare
//!   `# HELP name` line.
//! - A histogram's `+Inf` bucket is the sum of its bucket counts, `_count` the point's count
//!   (the data model keeps the two equal).
//!
//! # Names and labels
//!
//! - Metric names and attribute keys are sanitised by [`names`](super::names) (`.` and every
//!   other invalid character → `_`). Unit suffixes are opt-in, see [`TextOptions`].
//! - Attribute keys that sanitise to the same label name are merged into one label whose
//!   value joins theirs with `;`, in the bytewise order of the original keys
//!   (`{a-b="0", a.b="1"}` → `a_b="0;1"`), as the OpenTelemetry Prometheus compatibility
//!   rules ask; this keeps every label name unique and the result deterministic.
//! - On histograms, an attribute named `le` becomes `exported_le` (Prometheus' own prefix
//!   for a label that clashes with one it sets), so it cannot collide with the bucket bound.
//! - The resource becomes a `target_info` gauge (value 1, one label per resource attribute);
//!   scopes are not labels unless [`TextOptions::with_scope_labels`] is on.
//!
//! # Merging and duplicates
//!
//! Metrics from different scopes that map to the same family name and type share one
//! family block (HELP from the first non-empty description). A series (family + label set)
//! seen twice is written once, the first time, and reported as
//! [`Warning::DuplicateSeries`]; a second type for one family name, or a family named like
//! a histogram's `_bucket`/`_sum`/`_count` series, is left out and reported too. Output is
//! never invalid because of them.
//! - A delta-temporality metric (Prometheus counters and histograms are cumulative) and
//!   anything else the format cannot express are left out and reported as a [`Warning`].

use std::fmt::{self, Write as _};

use telemetry_core::{HistogramPoint, Number, ResourceMetrics};

use super::family::{self, Family, Labels, Sample};

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

/// Something [`encode`] had to leave out; the rest of the output is still valid.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Warning {
    /// A series (family and label set) appeared more than once, e.g. from two meters or from
    /// attribute keys that sanitise alike; the first one is written, the others dropped.
    DuplicateSeries {
        /// The family.
        family: String,
        /// The label set, as `{name="value",…}`.
        labels: String,
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
    /// A family is named like a series of a histogram family (`<histogram>_bucket`, `_sum`
    /// or `_count`), which a parser would read as the histogram's; it was left out.
    NameClash {
        /// The family left out.
        family: String,
        /// The histogram family.
        histogram: String,
    },
    /// A metric with delta temporality; Prometheus expects cumulative values.
    DeltaTemporality {
        /// The metric.
        metric: String,
    },
    /// A kind of data the text format has no type for.
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
            Warning::TypeConflict {
                family,
                kept,
                dropped,
                metric,
            } => write!(
                f,
                "{metric:?} would be a {dropped} in family {family}, already a {kept}: left out"
            ),
            Warning::NameClash { family, histogram } => write!(
                f,
                "family {family} clashes with the series of histogram {histogram}: left out"
            ),
            Warning::DeltaTemporality { metric } => {
                write!(f, "{metric:?} has delta temporality: left out")
            }
            Warning::UnsupportedData { metric } => {
                write!(
                    f,
                    "{metric:?} has a kind of data the text format cannot carry: left out"
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
///         "http_requests_total{http_route=\"/a\"} 5\n",
///         "http_requests_total{http_route=\"/b\"} 2\n",
///     )
/// );
/// ```
pub fn encode(metrics: &ResourceMetrics, options: &TextOptions, out: &mut String) -> Vec<Warning> {
    let mut warnings = Vec::new();
    for (name, family) in &family::collect(metrics, options, &mut warnings) {
        write_family(out, name, family);
    }
    warnings
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

fn write_family(out: &mut String, name: &str, family: &Family<'_>) {
    out.push_str("# HELP ");
    out.push_str(name);
    if !family.help.is_empty() {
        out.push(' ');
        escape_help(out, family.help);
    }
    out.push_str("\n# TYPE ");
    out.push_str(name);
    out.push(' ');
    out.push_str(family.kind.as_str());
    out.push('\n');
    for (labels, sample) in &family.series {
        match sample {
            Sample::Number(value) => {
                write_series(out, name, "", labels, None);
                write_number(out, *value);
                out.push('\n');
            }
            Sample::Histogram(point) => write_histogram(out, name, labels, point),
        }
    }
}

fn write_histogram(out: &mut String, name: &str, labels: &Labels<'_>, point: &HistogramPoint) {
    // Bucket counts are per bucket in the data model, cumulative in Prometheus.
    let mut cumulative: u64 = 0;
    for (i, bound) in point.bounds.iter().enumerate() {
        cumulative += point.bucket_counts.get(i).copied().unwrap_or(0);
        write_series(out, name, "_bucket", labels, Some(*bound));
        write_u64(out, cumulative);
        out.push('\n');
    }
    let total: u64 = point.bucket_counts.iter().sum();
    write_series(out, name, "_bucket", labels, Some(f64::INFINITY));
    write_u64(out, total);
    out.push('\n');
    write_series(out, name, "_sum", labels, None);
    write_f64(out, point.sum);
    out.push('\n');
    write_series(out, name, "_count", labels, None);
    write_u64(out, point.count);
    out.push('\n');
}

/// `name{labels} ` (with `le` last when given), up to the value.
fn write_series(out: &mut String, name: &str, suffix: &str, labels: &Labels<'_>, le: Option<f64>) {
    out.push_str(name);
    out.push_str(suffix);
    if !labels.is_empty() || le.is_some() {
        out.push('{');
        for (i, (label, value)) in labels.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(label);
            out.push_str("=\"");
            escape_label_value(out, value);
            out.push('"');
        }
        if let Some(le) = le {
            if !labels.is_empty() {
                out.push(',');
            }
            out.push_str("le=\"");
            write_f64(out, le);
            out.push('"');
        }
        out.push('}');
    }
    out.push(' ');
}

fn escape_help(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

fn escape_label_value(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

fn write_number(out: &mut String, value: Number) {
    match value {
        Number::U64(v) => write_u64(out, v),
        Number::I64(v) => {
            let _ = write!(out, "{v}");
        }
        Number::F64(v) => write_f64(out, v),
    }
}

fn write_u64(out: &mut String, value: u64) {
    // Writing into a String cannot fail.
    let _ = write!(out, "{value}");
}

/// A float in Python `repr` form: shortest round-trip digits, a `.0` on integral values,
/// exponents for magnitudes below 1e-4 or from 1e16 on, written with a sign and at least
/// two digits (`1e-05`, `1e+16`).
///
/// Rust's `{:?}` already picks the same digits and the same switch to exponents; only the
/// exponent's spelling differs (`1e-5`, `1e16`), so it is patched in place.
pub(crate) fn write_f64(out: &mut String, value: f64) {
    if value.is_nan() {
        out.push_str("NaN");
        return;
    }
    if value.is_infinite() {
        out.push_str(if value > 0.0 { "+Inf" } else { "-Inf" });
        return;
    }
    let start = out.len();
    let _ = write!(out, "{value:?}");
    let Some(e) = out[start..].find('e') else {
        return;
    };
    let mut digits_at = start + e + 1;
    if out[digits_at..].starts_with('-') {
        digits_at += 1;
    } else {
        out.insert(digits_at, '+');
        digits_at += 1;
    }
    if out.len() - digits_at < 2 {
        out.insert(digits_at, '0');
    }
}

#[cfg(test)]
mod tests;
