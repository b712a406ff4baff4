//! Hand-built collections for the encoders' unit tests (both formats share them).

use std::time::{Duration, SystemTime};

use telemetry_core::{
    Attributes, GaugeData, HistogramData, HistogramPoint, KeyValue, Metric, MetricData, Number,
    NumberPoint, Resource, ResourceMetrics, Scope, ScopeMetrics, SumData, SummaryData,
    SummaryPoint, Temporality,
};

pub(crate) fn point(value: impl Into<Number>, attributes: &[KeyValue]) -> NumberPoint {
    NumberPoint {
        attributes: Attributes::new(attributes.iter().cloned()),
        start_time: SystemTime::UNIX_EPOCH,
        time: SystemTime::UNIX_EPOCH,
        value: value.into(),
    }
}

pub(crate) fn hist(
    bounds: &[f64],
    counts: &[u64],
    sum: f64,
    attributes: &[KeyValue],
) -> HistogramPoint {
    HistogramPoint {
        attributes: Attributes::new(attributes.iter().cloned()),
        start_time: SystemTime::UNIX_EPOCH,
        time: SystemTime::UNIX_EPOCH,
        bounds: bounds.to_vec(),
        bucket_counts: counts.to_vec(),
        count: counts.iter().sum(),
        sum,
        min: None,
        max: None,
        sum_of_squared_deviation: 0.0,
    }
}

pub(crate) fn metric(name: &str, description: &str, data: MetricData) -> Metric {
    Metric {
        name: name.into(),
        description: description.into(),
        unit: "".into(),
        data,
    }
}

pub(crate) fn counter(points: Vec<NumberPoint>) -> MetricData {
    MetricData::Sum(SumData {
        points,
        monotonic: true,
        temporality: Temporality::Cumulative,
    })
}

pub(crate) fn up_down(points: Vec<NumberPoint>) -> MetricData {
    MetricData::Sum(SumData {
        points,
        monotonic: false,
        temporality: Temporality::Cumulative,
    })
}

pub(crate) fn gauge(points: Vec<NumberPoint>) -> MetricData {
    MetricData::Gauge(GaugeData { points })
}

pub(crate) fn histogram(points: Vec<HistogramPoint>) -> MetricData {
    MetricData::Histogram(HistogramData {
        points,
        temporality: Temporality::Cumulative,
    })
}

pub(crate) fn scope(name: &str, metrics: Vec<Metric>) -> ScopeMetrics {
    ScopeMetrics {
        scope: Scope {
            name: name.into(),
            version: None,
        },
        metrics,
    }
}

pub(crate) fn collection(scopes: Vec<ScopeMetrics>) -> ResourceMetrics {
    ResourceMetrics {
        resource: Resource::default(),
        scope_metrics: scopes,
    }
}

/// A summary point; `start_time` is 1520430000.123 s after the epoch.
pub(crate) fn summary_point(
    count: u64,
    sum: f64,
    quantiles: &[(f64, f64)],
    attributes: &[KeyValue],
) -> SummaryPoint {
    SummaryPoint {
        attributes: Attributes::new(attributes.iter().cloned()),
        start_time: created(),
        time: created(),
        count,
        sum,
        quantiles: quantiles.to_vec(),
    }
}

pub(crate) fn summary(points: Vec<SummaryPoint>) -> MetricData {
    MetricData::Summary(SummaryData { points })
}

pub(crate) fn info(points: Vec<NumberPoint>) -> MetricData {
    MetricData::Info(GaugeData { points })
}

/// A state set's points, expanded as the core does: one per state, the state as the
/// attribute named like the metric, 1 for `current` and 0 for the others.
pub(crate) fn state_set(
    metric: &str,
    states: &[&str],
    current: &str,
    attributes: &[KeyValue],
) -> Vec<NumberPoint> {
    states
        .iter()
        .map(|state| {
            let mut attributes = attributes.to_vec();
            attributes.push(KeyValue::new(metric.to_owned(), (*state).to_owned()));
            point(u64::from(*state == current), &attributes)
        })
        .collect()
}

pub(crate) fn states(points: Vec<NumberPoint>) -> MetricData {
    MetricData::StateSet(GaugeData { points })
}

pub(crate) fn gauge_histogram(points: Vec<HistogramPoint>) -> MetricData {
    MetricData::GaugeHistogram(HistogramData {
        points,
        temporality: Temporality::Cumulative,
    })
}

/// The start time the created-sample tests use: 1520430000.123 s after the epoch.
pub(crate) fn created() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_millis(1_520_430_000_123)
}

/// `point` with its start time at [`created`].
pub(crate) fn started(mut point: NumberPoint) -> NumberPoint {
    point.start_time = created();
    point
}

/// `hist` with its start time at [`created`].
pub(crate) fn started_hist(mut point: HistogramPoint) -> HistogramPoint {
    point.start_time = created();
    point
}

/// A collection with a resource.
pub(crate) fn with_resource(
    mut metrics: ResourceMetrics,
    attributes: &[KeyValue],
) -> ResourceMetrics {
    metrics.resource = Resource::new(attributes.iter().cloned());
    metrics
}
