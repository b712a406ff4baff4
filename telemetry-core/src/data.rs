//! The collected data handed to readers and exporters.
//!
//! These types are plain data: an exporter never touches the record path, it only
//! translates a [`ResourceMetrics`] into its wire format. Every point carries both a start
//! and an end time so cumulative and delta temporality can be expressed.

use std::time::SystemTime;

use crate::attributes::{Attributes, KeyValue};
use crate::number::Number;
use crate::shared_str::SharedStr;

/// The entity producing telemetry (`service.name` and friends).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Resource {
    attributes: Attributes,
}

impl Resource {
    /// A resource with the given attributes.
    ///
    /// ```
    /// # use telemetry_core::{KeyValue, Resource};
    /// let r = Resource::new([KeyValue::new("service.name", "ev-observer")]);
    /// assert_eq!(r.attributes().get("service.name").unwrap().to_string(), "ev-observer");
    /// ```
    pub fn new(attributes: impl IntoIterator<Item = KeyValue>) -> Self {
        Resource {
            attributes: Attributes::new(attributes),
        }
    }

    /// The resource's attributes.
    #[must_use]
    pub fn attributes(&self) -> &Attributes {
        &self.attributes
    }

    /// The resource the standard environment describes: `OTEL_RESOURCE_ATTRIBUTES`
    /// (`key=value,key2=value2`, values percent-decoded; a malformed pair is skipped) and
    /// `OTEL_SERVICE_NAME`, which wins over a `service.name` in the former. Empty when
    /// neither is set. [`MeterProviderBuilder::build`](crate::MeterProviderBuilder) merges it
    /// under the resource given in code (code wins).
    ///
    /// ```
    /// # use telemetry_core::Resource;
    /// // With OTEL_SERVICE_NAME=ev and OTEL_RESOURCE_ATTRIBUTES=deployment.environment=prod:
    /// let from_env = Resource::from_env();
    /// # let _ = from_env;
    /// ```
    #[must_use]
    pub fn from_env() -> Self {
        Resource::from_vars(
            std::env::var("OTEL_RESOURCE_ATTRIBUTES").ok().as_deref(),
            std::env::var("OTEL_SERVICE_NAME").ok().as_deref(),
        )
    }

    pub(crate) fn from_vars(attributes: Option<&str>, service_name: Option<&str>) -> Self {
        let pairs = attributes
            .unwrap_or_default()
            .split(',')
            .filter_map(|pair| {
                let (key, value) = pair.split_once('=')?;
                let key = key.trim();
                (!key.is_empty())
                    .then(|| KeyValue::new(key.to_owned(), percent_decode(value.trim())))
            });
        let service = service_name
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| KeyValue::new("service.name", s.to_owned()));
        // `Attributes::new` keeps the last value of a repeated key: the service name last.
        Resource::new(pairs.chain(service))
    }

    /// This resource with `other`'s attributes added; `other` wins on a shared key.
    #[must_use]
    pub fn merge(&self, other: &Resource) -> Resource {
        Resource {
            attributes: self.attributes.merged(other.attributes.as_slice()),
        }
    }
}

/// `%XX` escapes decoded (invalid escapes and non-UTF-8 results are kept as written).
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_owned())
}

#[cfg(test)]
mod resource_tests {
    use super::*;

    #[test]
    fn environment_resource_follows_the_spec() {
        let r = Resource::from_vars(
            Some("service.name=a, deployment.environment=prod%20eu,bad,=x"),
            Some("ev"),
        );
        let get = |k: &str| r.attributes().get(k).map(|v| v.to_string());
        assert_eq!(get("service.name").as_deref(), Some("ev"));
        assert_eq!(get("deployment.environment").as_deref(), Some("prod eu"));
        assert_eq!(r.attributes().len(), 2);
        assert!(Resource::from_vars(None, None).attributes().is_empty());
        let code = Resource::new([KeyValue::new("service.name", "code")]);
        let merged = r.merge(&code);
        assert_eq!(
            merged
                .attributes()
                .get("service.name")
                .map(|v| v.to_string())
                .as_deref(),
            Some("code")
        );
        assert_eq!(merged.attributes().len(), 2);
    }
}

/// One collection: everything every meter of a provider produced.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ResourceMetrics {
    /// The provider's resource.
    pub resource: Resource,
    /// One entry per meter (instrumentation scope).
    pub scope_metrics: Vec<ScopeMetrics>,
}

impl ResourceMetrics {
    /// Every metric of every scope.
    pub fn metrics(&self) -> impl Iterator<Item = &Metric> {
        self.scope_metrics.iter().flat_map(|s| s.metrics.iter())
    }

    /// The first metric called `name`.
    #[must_use]
    pub fn metric(&self, name: &str) -> Option<&Metric> {
        self.metrics().find(|m| m.name == name)
    }
}

/// The instrumentation scope: the meter that produced a set of metrics.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Scope {
    /// The meter's name.
    pub name: String,
    /// The meter's version, if given.
    pub version: Option<String>,
}

/// The metrics of one scope.
#[derive(Clone, Debug, PartialEq)]
pub struct ScopeMetrics {
    /// The scope.
    pub scope: Scope,
    /// Its metrics, sorted by name.
    pub metrics: Vec<Metric>,
}

/// One metric stream: a name, metadata and points.
///
/// The texts are shared with the stream ([`SharedStr`]): a collection copies no string per
/// metric. Build them with `.into()` from a `&str` or a `String`.
#[derive(Clone, Debug, PartialEq)]
pub struct Metric {
    /// The stream's name (the instrument's, unless a view renamed it).
    pub name: SharedStr,
    /// Human-readable description.
    pub description: SharedStr,
    /// Unit (UCUM, e.g. `s`, `By`, `%`), possibly empty.
    pub unit: SharedStr,
    /// The aggregated points.
    pub data: MetricData,
}

/// Aggregated points of one kind.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum MetricData {
    /// A sum (counter, up-down counter, or a Sum/Count aggregation).
    Sum(Sum),
    /// A gauge (last value).
    Gauge(Gauge),
    /// An explicit-bucket histogram.
    Histogram(Histogram),
    /// Count and sum of observations (a Prometheus summary; quantiles, when present, are
    /// computed by the instrument, never by the exporter).
    Summary(Summary),
    /// Information as labels: every point has the value 1 and its attributes are the
    /// information (`build_info{version="1.2.3"} 1`). Exporters add the `_info` suffix where
    /// their format wants it; the metric name carries none.
    Info(Gauge),
    /// A set of named states, one of which is current: each series becomes one point per
    /// state, whose attributes are the series' plus `<metric name>=<state>`, with the value 1
    /// for the current state and 0 for the others (OpenMetrics `stateset`).
    StateSet(Gauge),
    /// The *current* distribution of a set of values (queue ages, sizes in flight): bucket
    /// counts that may go down, recomputed at each collection (OpenMetrics `gaugehistogram`).
    GaugeHistogram(Histogram),
}

/// Whether points accumulate since a fixed start or cover only the last interval.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Temporality {
    /// Since the series' start time, which stays fixed across exports.
    #[default]
    Cumulative,
    /// Since the previous export.
    Delta,
}

/// Sum points.
#[derive(Clone, Debug, PartialEq)]
pub struct Sum {
    /// One point per series.
    pub points: Vec<NumberPoint>,
    /// True if the sum can only grow (counters).
    pub monotonic: bool,
    /// How the points relate to previous exports.
    pub temporality: Temporality,
}

/// Gauge points.
#[derive(Clone, Debug, PartialEq)]
pub struct Gauge {
    /// One point per series.
    pub points: Vec<NumberPoint>,
}

/// Histogram points.
#[derive(Clone, Debug, PartialEq)]
pub struct Histogram {
    /// One point per series.
    pub points: Vec<HistogramPoint>,
    /// How the points relate to previous exports.
    pub temporality: Temporality,
}

/// Summary points.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    /// One point per series.
    pub points: Vec<SummaryPoint>,
}

/// A summary's point: how many values were observed and their sum, since `start_time`.
#[derive(Clone, Debug, PartialEq)]
pub struct SummaryPoint {
    /// The series' attributes.
    pub attributes: Attributes,
    /// Start of the interval (fixed across cumulative exports).
    pub start_time: SystemTime,
    /// When the point was collected.
    pub time: SystemTime,
    /// Number of observations.
    pub count: u64,
    /// Sum of observations.
    pub sum: f64,
    /// Quantiles (`(quantile in [0, 1], value)`), sorted by quantile; empty when the
    /// instrument computes none (this SDK's summaries do not: use a histogram for quantiles
    /// across instances).
    pub quantiles: Vec<(f64, f64)>,
}

/// A single numeric point.
#[derive(Clone, Debug, PartialEq)]
pub struct NumberPoint {
    /// The series' attributes.
    pub attributes: Attributes,
    /// Start of the interval the value covers (for gauges: the series' first observation).
    pub start_time: SystemTime,
    /// When the value was collected.
    pub time: SystemTime,
    /// The value.
    pub value: Number,
}

/// A single histogram point.
///
/// Buckets are upper-inclusive: bucket `i` counts values in `(bounds[i-1], bounds[i]]`, the
/// last one values above the last bound, as in Prometheus and OpenTelemetry.
#[derive(Clone, Debug, PartialEq)]
pub struct HistogramPoint {
    /// The series' attributes.
    pub attributes: Attributes,
    /// Start of the interval.
    pub start_time: SystemTime,
    /// When the point was collected.
    pub time: SystemTime,
    /// The finite upper bounds, strictly increasing.
    pub bounds: Vec<f64>,
    /// `bounds.len() + 1` counts, not cumulative.
    pub bucket_counts: Vec<u64>,
    /// Number of observations.
    pub count: u64,
    /// Sum of observations.
    pub sum: f64,
    /// Smallest observation, if any.
    pub min: Option<f64>,
    /// Largest observation, if any.
    pub max: Option<f64>,
    /// Sum of squared deviations from the mean of the finite observations (`Σ(x − mean)²`,
    /// Welford's `M2`; the variance is `M2 / count`); 0 when there are none. Cloud
    /// Monitoring distributions carry it; Prometheus and OTLP have no field for it. Tracked
    /// only when a reader of the provider asks
    /// ([`MetricReader::needs_squared_deviation`](crate::MetricReader::needs_squared_deviation),
    /// as the Stackdriver exporter does); 0 otherwise.
    pub sum_of_squared_deviation: f64,
}

/// True if the data holds no point (such metrics are left out of a collection).
pub(crate) fn is_empty(data: &MetricData) -> bool {
    match data {
        MetricData::Sum(s) => s.points.is_empty(),
        MetricData::Gauge(g) => g.points.is_empty(),
        MetricData::Histogram(h) | MetricData::GaugeHistogram(h) => h.points.is_empty(),
        MetricData::Summary(s) => s.points.is_empty(),
        MetricData::Info(g) | MetricData::StateSet(g) => g.points.is_empty(),
    }
}
