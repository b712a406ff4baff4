//! The Cloud Monitoring API v3 messages this exporter sends and reads, in the proto3 JSON
//! mapping: lowerCamelCase names, `int64` as decimal strings, timestamps as RFC 3339 strings,
//! enums by name. Only the fields the exporter uses are declared; every name is the API's.

use std::collections::BTreeMap;
use std::time::SystemTime;

use serde::{Deserialize, Serialize, Serializer};

/// `CreateTimeSeriesRequest` (the project is in the URL).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct CreateTimeSeriesRequest<'a> {
    pub(super) time_series: &'a [TimeSeries],
}

/// `TimeSeries`: one series and exactly one point.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct TimeSeries {
    pub(super) metric: MetricRef,
    pub(super) resource: MonitoredResourceRef,
    pub(super) metric_kind: MetricKind,
    pub(super) value_type: ValueType,
    #[serde(skip_serializing_if = "str::is_empty")]
    pub(super) unit: String,
    pub(super) points: [Point; 1],
}

/// `Metric`: the type and the series' labels.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub(super) struct MetricRef {
    #[serde(rename = "type")]
    pub(super) metric_type: String,
    pub(super) labels: BTreeMap<String, String>,
}

/// `MonitoredResource`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub(super) struct MonitoredResourceRef {
    #[serde(rename = "type")]
    pub(super) resource_type: String,
    pub(super) labels: BTreeMap<String, String>,
}

/// `MetricDescriptor.MetricKind`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub(super) enum MetricKind {
    Gauge,
    Cumulative,
}

/// `MetricDescriptor.ValueType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub(super) enum ValueType {
    Bool,
    Int64,
    Double,
    Distribution,
}

/// `Point`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(super) struct Point {
    pub(super) interval: TimeInterval,
    pub(super) value: TypedValue,
}

/// `TimeInterval`: a GAUGE point has no start time (it equals the end).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct TimeInterval {
    #[serde(serialize_with = "rfc3339")]
    pub(super) end_time: SystemTime,
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "rfc3339_opt"
    )]
    pub(super) start_time: Option<SystemTime>,
}

/// `TypedValue`: exactly one of its fields.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(super) enum TypedValue {
    #[serde(rename = "boolValue")]
    Bool(bool),
    #[serde(rename = "int64Value", serialize_with = "int64")]
    Int64(i64),
    #[serde(rename = "doubleValue")]
    Double(f64),
    #[serde(rename = "distributionValue")]
    Distribution(Distribution),
}

/// `Distribution` with explicit buckets: `bucketCounts` has one more entry than `bounds`
/// (the underflow bucket first, the overflow bucket last) and `count` is their sum.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Distribution {
    #[serde(serialize_with = "int64")]
    pub(super) count: i64,
    pub(super) mean: f64,
    pub(super) sum_of_squared_deviation: f64,
    pub(super) bucket_options: BucketOptions,
    #[serde(serialize_with = "int64_vec")]
    pub(super) bucket_counts: Vec<i64>,
}

/// `BucketOptions` (only the explicit form is produced).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct BucketOptions {
    pub(super) explicit_buckets: Explicit,
}

/// `BucketOptions.Explicit`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(super) struct Explicit {
    pub(super) bounds: Vec<f64>,
}

/// `MetricDescriptor`, as created once per metric type before its first write.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct MetricDescriptor {
    #[serde(rename = "type")]
    pub(super) metric_type: String,
    pub(super) metric_kind: MetricKind,
    pub(super) value_type: ValueType,
    #[serde(skip_serializing_if = "str::is_empty")]
    pub(super) unit: String,
    #[serde(skip_serializing_if = "str::is_empty")]
    pub(super) description: String,
    pub(super) display_name: String,
    pub(super) labels: Vec<LabelDescriptor>,
}

/// `LabelDescriptor`: every label this exporter writes is a string.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct LabelDescriptor {
    pub(super) key: String,
    pub(super) value_type: &'static str,
}

/// The error body of a failed call (`google.rpc.Status` in an `error` envelope).
#[derive(Debug, Default, Deserialize)]
pub(super) struct ErrorBody {
    #[serde(default)]
    pub(super) error: ErrorStatus,
}

/// `google.rpc.Status`.
#[derive(Debug, Default, Deserialize)]
pub(super) struct ErrorStatus {
    #[serde(default)]
    pub(super) message: String,
    #[serde(default)]
    pub(super) details: Vec<serde_json::Value>,
}

/// `CreateTimeSeriesSummary`, found among an error's details.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct CreateTimeSeriesSummary {
    #[serde(default)]
    pub(super) total_point_count: i64,
    #[serde(default)]
    pub(super) success_point_count: i64,
}

/// Serializes an `i64` as the proto3 JSON mapping wants it: a decimal string.
fn int64<S: Serializer>(v: &i64, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}

fn int64_vec<S: Serializer>(v: &[i64], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(v.iter().map(ToString::to_string))
}

fn rfc3339<S: Serializer>(t: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&humantime::format_rfc3339_nanos(*t))
}

#[allow(clippy::ref_option)] // serde's `serialize_with` hands the field by reference
fn rfc3339_opt<S: Serializer>(t: &Option<SystemTime>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => rfc3339(t, s),
        None => s.serialize_none(),
    }
}
