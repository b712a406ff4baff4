//! `telemetry_core` data → OTLP messages (`opentelemetry-proto`'s generated types).
//!
//! The mapping is total: every [`MetricData`] kind has exactly one OTLP shape, so an export
//! never drops a metric because of its kind.
//!
//! | ours | OTLP | why |
//! |---|---|---|
//! | `Sum` | `Sum` (monotonic flag and temporality kept) | same model |
//! | `Gauge` | `Gauge` | same model |
//! | `Histogram` | `Histogram` (bounds, counts, sum, min, max) | same model |
//! | `Summary` | `Summary` (count, sum, quantiles) | same model |
//! | `Info` | non-monotonic cumulative `Sum`, value 1 | OTel Prometheus compatibility: info → non-monotonic sum |
//! | `StateSet` | non-monotonic cumulative `Sum`, 1 for the current state, 0 otherwise | same spec: stateset → non-monotonic sum |
//! | `GaugeHistogram` | `Histogram` with **delta** temporality | OTLP has no gauge histogram; a delta histogram is the one OTLP shape whose buckets may shrink between exports, so no backend accumulates them as a counter would (our choice, documented in the module docs) |
//!
//! Numbers keep their type: integers go to `as_int` (a `u64` above `i64::MAX` falls back to
//! `as_double`, the only lossless choice left), floats to `as_double`. Times are Unix
//! nanoseconds; a time before 1970 becomes 0 ("unknown" in OTLP).

use std::time::SystemTime;

use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::common::v1::{
    any_value, AnyValue, InstrumentationScope, KeyValue as ProtoKeyValue,
};
use opentelemetry_proto::tonic::metrics::v1 as pb;
use opentelemetry_proto::tonic::resource::v1::Resource as ProtoResource;
use telemetry_core::{
    Attributes, HistogramPoint, Metric, MetricData, Number, NumberPoint, ResourceMetrics,
    SummaryPoint, Temporality, Value,
};

const SERVICE_NAME: &str = "service.name";
/// The specification's default when neither code nor `OTEL_SERVICE_NAME` names the service.
const UNKNOWN_SERVICE: &str = "unknown_service";

/// The whole collection as one export request (one `ResourceMetrics`, one `ScopeMetrics`
/// per meter).
pub(super) fn to_request(metrics: &ResourceMetrics) -> ExportMetricsServiceRequest {
    // The specification requires `service.name` on every resource; SDKs default it.
    let resource_attributes = metrics.resource.attributes();
    let resource_attributes = if resource_attributes.get(SERVICE_NAME).is_some() {
        resource_attributes.clone()
    } else {
        resource_attributes.merged(&[telemetry_core::KeyValue::new(SERVICE_NAME, UNKNOWN_SERVICE)])
    };
    let resource = ProtoResource {
        attributes: attributes(&resource_attributes),
        ..Default::default()
    };
    let scope_metrics = metrics
        .scope_metrics
        .iter()
        .map(|s| pb::ScopeMetrics {
            scope: Some(InstrumentationScope {
                name: s.scope.name.clone(),
                version: s.scope.version.clone().unwrap_or_default(),
                ..Default::default()
            }),
            metrics: s.metrics.iter().map(metric).collect(),
            schema_url: String::new(),
        })
        .collect();
    ExportMetricsServiceRequest {
        resource_metrics: vec![pb::ResourceMetrics {
            resource: Some(resource),
            scope_metrics,
            schema_url: String::new(),
        }],
    }
}

fn metric(m: &Metric) -> pb::Metric {
    use pb::metric::Data;
    let data = match &m.data {
        MetricData::Sum(s) => Data::Sum(pb::Sum {
            data_points: s.points.iter().map(number_point).collect(),
            aggregation_temporality: temporality(s.temporality),
            is_monotonic: s.monotonic,
        }),
        MetricData::Gauge(g) => Data::Gauge(pb::Gauge {
            data_points: g.points.iter().map(number_point).collect(),
        }),
        MetricData::Info(g) | MetricData::StateSet(g) => Data::Sum(pb::Sum {
            data_points: g.points.iter().map(number_point).collect(),
            aggregation_temporality: temporality(Temporality::Cumulative),
            is_monotonic: false,
        }),
        MetricData::Histogram(h) => Data::Histogram(pb::Histogram {
            data_points: h.points.iter().map(histogram_point).collect(),
            aggregation_temporality: temporality(h.temporality),
        }),
        MetricData::GaugeHistogram(h) => Data::Histogram(pb::Histogram {
            data_points: h.points.iter().map(histogram_point).collect(),
            aggregation_temporality: temporality(Temporality::Delta),
        }),
        MetricData::Summary(s) => Data::Summary(pb::Summary {
            data_points: s.points.iter().map(summary_point).collect(),
        }),
        // `MetricData` is non-exhaustive: a kind added to the core later is exported as an
        // empty gauge rather than failing the whole export.
        #[allow(unreachable_patterns)]
        _ => Data::Gauge(pb::Gauge::default()),
    };
    pb::Metric {
        name: m.name.to_string(),
        description: m.description.to_string(),
        unit: m.unit.to_string(),
        metadata: Vec::new(),
        data: Some(data),
    }
}

fn temporality(t: Temporality) -> i32 {
    match t {
        Temporality::Cumulative => pb::AggregationTemporality::Cumulative as i32,
        Temporality::Delta => pb::AggregationTemporality::Delta as i32,
    }
}

fn number_point(p: &NumberPoint) -> pb::NumberDataPoint {
    use pb::number_data_point::Value as V;
    let value = match p.value {
        Number::I64(v) => V::AsInt(v),
        Number::U64(v) => i64::try_from(v).map_or(V::AsDouble(v as f64), V::AsInt),
        Number::F64(v) => V::AsDouble(v),
    };
    pb::NumberDataPoint {
        attributes: attributes(&p.attributes),
        start_time_unix_nano: unix_nanos(p.start_time),
        time_unix_nano: unix_nanos(p.time),
        exemplars: Vec::new(),
        flags: 0,
        value: Some(value),
    }
}

fn histogram_point(p: &HistogramPoint) -> pb::HistogramDataPoint {
    pb::HistogramDataPoint {
        attributes: attributes(&p.attributes),
        start_time_unix_nano: unix_nanos(p.start_time),
        time_unix_nano: unix_nanos(p.time),
        count: p.count,
        sum: Some(p.sum),
        bucket_counts: p.bucket_counts.clone(),
        explicit_bounds: p.bounds.clone(),
        exemplars: Vec::new(),
        flags: 0,
        min: p.min,
        max: p.max,
    }
}

fn summary_point(p: &SummaryPoint) -> pb::SummaryDataPoint {
    pb::SummaryDataPoint {
        attributes: attributes(&p.attributes),
        start_time_unix_nano: unix_nanos(p.start_time),
        time_unix_nano: unix_nanos(p.time),
        count: p.count,
        sum: p.sum,
        quantile_values: p
            .quantiles
            .iter()
            .map(|&(quantile, value)| pb::summary_data_point::ValueAtQuantile { quantile, value })
            .collect(),
        flags: 0,
    }
}

fn attributes(attrs: &Attributes) -> Vec<ProtoKeyValue> {
    attrs
        .as_slice()
        .iter()
        .map(|kv| ProtoKeyValue {
            key: kv.key.to_string(),
            value: Some(AnyValue {
                value: Some(match &kv.value {
                    Value::Str(s) => any_value::Value::StringValue(s.to_string()),
                    Value::I64(v) => any_value::Value::IntValue(*v),
                    Value::F64(v) => any_value::Value::DoubleValue(*v),
                    Value::Bool(v) => any_value::Value::BoolValue(*v),
                }),
            }),
            ..Default::default()
        })
        .collect()
}

/// Nanoseconds since the Unix epoch; 0 (OTLP's "unknown") before it, saturating far after.
pub(super) fn unix_nanos(t: SystemTime) -> u64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests;
