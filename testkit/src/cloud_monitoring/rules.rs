//! The API's write rules beyond the schema: descriptors, series, points, values,
//! distributions and monitored resources. Each failed rule is one message naming it.

use std::collections::{BTreeMap, HashSet};

use serde_json::{json, Value};

use super::time::{parse_rfc3339, NANOS};
use super::{error, invalid, State};

const MAX_SERIES: usize = 200;
const MAX_PAST: i128 = 25 * 3600 * NANOS;
const MAX_FUTURE: i128 = 5 * 60 * NANOS;
const MIN_PERIOD: i128 = 5 * NANOS;
/// "Buckets in a distribution: 200" (Cloud Monitoring quotas and limits, user-defined metrics).
const MAX_BUCKETS: usize = 200;

/// The monitored-resource types this fake knows, with their labels (Cloud Monitoring's list
/// of monitored resource types). Every label is required, no other label is allowed.
pub(super) const RESOURCES: [(&str, &[&str]); 8] = [
    ("global", &["project_id"]),
    (
        "generic_node",
        &["project_id", "location", "namespace", "node_id"],
    ),
    (
        "generic_task",
        &["project_id", "location", "namespace", "job", "task_id"],
    ),
    ("gce_instance", &["project_id", "instance_id", "zone"]),
    (
        "k8s_container",
        &[
            "project_id",
            "location",
            "cluster_name",
            "namespace_name",
            "pod_name",
            "container_name",
        ],
    ),
    (
        "k8s_pod",
        &[
            "project_id",
            "location",
            "cluster_name",
            "namespace_name",
            "pod_name",
        ],
    ),
    (
        "k8s_node",
        &["project_id", "location", "cluster_name", "node_name"],
    ),
    ("k8s_cluster", &["project_id", "location", "cluster_name"]),
];

pub(super) fn is_user_defined(ty: &str) -> bool {
    ty.starts_with("custom.googleapis.com/") || ty.starts_with("workload.googleapis.com/")
}

pub(super) fn create_descriptor(project: &str, mut d: Value, st: &mut State) -> (u16, Value) {
    let ty = d
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    if ty.is_empty() {
        return invalid("MetricDescriptor.type is required");
    }
    for field in ["metricKind", "valueType"] {
        let v = d.get(field).and_then(Value::as_str).unwrap_or("");
        if v.is_empty() || v.ends_with("_UNSPECIFIED") {
            return invalid(format!("MetricDescriptor.{field} is required for {ty}"));
        }
    }
    if is_user_defined(&ty) {
        let (kind, value_type) = (d["metricKind"].as_str(), d["valueType"].as_str());
        if kind == Some("DELTA") {
            return invalid(format!(
                "DELTA metric kind is not supported for custom metrics ({ty})"
            ));
        }
        // The kind × value-type table of "Value types and metric kinds": CUMULATIVE takes
        // INT64, DOUBLE or DISTRIBUTION; MONEY is not for user-defined metrics.
        let unsupported = matches!(
            (kind, value_type),
            (_, Some("MONEY")) | (Some("CUMULATIVE"), Some("BOOL" | "STRING"))
        );
        if unsupported {
            return invalid(format!(
                "{} {} is not a supported metric kind and value type for {ty}",
                d["metricKind"], d["valueType"]
            ));
        }
    }
    let keys: Vec<&str> = d
        .get("labels")
        .and_then(Value::as_array)
        .map(|l| l.iter().filter_map(|l| l.get("key")?.as_str()).collect())
        .unwrap_or_default();
    if let Err(e) = check_label_keys(keys.iter().copied()) {
        return invalid(format!("MetricDescriptor {ty}: {e}"));
    }
    d["name"] = json!(format!("projects/{project}/metricDescriptors/{ty}"));
    st.descriptors.insert(ty, d.clone());
    (200, d)
}

fn check_label_keys<'a>(keys: impl Iterator<Item = &'a str>) -> Result<(), String> {
    let mut n = 0;
    for key in keys {
        n += 1;
        let mut chars = key.chars();
        let valid = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid || key.len() > 100 {
            return Err(format!(
                "label key {key:?} must match [a-zA-Z][a-zA-Z0-9_]* and be at most 100 characters"
            ));
        }
    }
    if n > 30 {
        return Err(format!("{n} labels: at most 30 labels per metric"));
    }
    Ok(())
}

/// What identifies a time series: metric type and labels, resource type and labels.
pub(super) fn series_key(ts: &Value) -> String {
    let labels = |v: &Value| -> BTreeMap<String, String> {
        v.get("labels")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_owned()))
                    .collect()
            })
            .unwrap_or_default()
    };
    let metric = &ts["metric"];
    let resource = &ts["resource"];
    json!([
        metric["type"],
        labels(metric),
        resource["type"],
        labels(resource)
    ])
    .to_string()
}

pub(super) fn write_series(req: &Value, now: i128, st: &mut State) -> (u16, Value) {
    let series = req
        .get("timeSeries")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if series.is_empty() {
        return invalid("CreateTimeSeriesRequest.timeSeries: at least one time series is required");
    }
    if series.len() > MAX_SERIES {
        return invalid(format!(
            "{} time series in one request: at most {MAX_SERIES} time series per request",
            series.len()
        ));
    }
    let mut seen = HashSet::new();
    let mut errors = Vec::new();
    for (i, ts) in series.iter().enumerate() {
        let key = series_key(ts);
        let checked = if seen.insert(key.clone()) {
            check_series(ts, &key, now, st)
        } else {
            Err(
                "the same time series appears more than once in this request: \
                 only one point per time series per request"
                    .to_owned(),
            )
        };
        match checked {
            Ok(interval) => {
                st.last.insert(key, interval);
                st.written.push(ts.clone());
            }
            Err(e) => errors.push(format!("timeSeries[{i}]: {e}")),
        }
    }
    if errors.is_empty() {
        return (200, json!({}));
    }
    let total = series.len();
    let summary = json!({
        "@type": "type.googleapis.com/google.monitoring.v3.CreateTimeSeriesSummary",
        "totalPointCount": total,
        "successPointCount": total - errors.len(),
        "errors": errors.iter().map(|e| json!({"status": {"code": 3, "message": e}, "pointCount": 1})).collect::<Vec<_>>(),
    });
    let mut body = error(
        400,
        "INVALID_ARGUMENT",
        format!(
            "One or more TimeSeries could not be written: {}",
            errors.join("; ")
        ),
    );
    body["error"]["details"] = json!([summary]);
    (400, body)
}

/// Checks one series against the write rules; returns the (start, end) to remember.
fn check_series(
    ts: &Value,
    key: &str,
    now: i128,
    st: &State,
) -> Result<(Option<i128>, i128), String> {
    let ty = ts["metric"]["type"].as_str().unwrap_or("");
    if ty.is_empty() {
        return Err("metric.type is required".into());
    }
    check_resource(&ts["resource"])?;
    let labels = ts["metric"]["labels"].as_object();
    if let Some(labels) = labels {
        check_label_keys(labels.keys().map(String::as_str))?;
        if let Some((k, _)) = labels
            .iter()
            .find(|(_, v)| v.as_str().unwrap_or("").chars().count() > 1024)
        {
            return Err(format!("label {k:?}: values are at most 1024 characters"));
        }
    }
    let mut kind = ts["metricKind"].as_str();
    let mut value_type = ts["valueType"].as_str();
    if is_user_defined(ty) {
        if kind == Some("DELTA") {
            return Err(format!(
                "DELTA metric kind is not supported for custom metrics ({ty})"
            ));
        }
        let Some(d) = st.descriptors.get(ty) else {
            return Err(format!(
                "no metric descriptor for {ty}: create it before its first write"
            ));
        };
        // TimeSeries.metricKind/valueType are optional; if present they must be the
        // descriptor's.
        for (field, given) in [("metricKind", &mut kind), ("valueType", &mut value_type)] {
            let declared = d[field].as_str();
            match *given {
                Some(v) if Some(v) != declared => {
                    return Err(format!(
                        "{field} {v} does not match the descriptor's {}",
                        d[field]
                    ))
                }
                Some(_) => {}
                None => *given = declared,
            }
        }
        let declared: Vec<&str> = d["labels"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|l| l["key"].as_str())
            .collect();
        if let Some(k) = labels
            .into_iter()
            .flat_map(|l| l.keys())
            .find(|k| !declared.contains(&k.as_str()))
        {
            return Err(format!(
                "unrecognized metric label {k:?}: the descriptor of {ty} declares {declared:?}"
            ));
        }
    }
    let kind = kind.unwrap_or("GAUGE");
    let points = ts["points"].as_array().map(Vec::as_slice).unwrap_or(&[]);
    if points.len() != 1 {
        return Err(format!(
            "{} points: exactly one point per time series per request",
            points.len()
        ));
    }
    let point = &points[0];
    check_value(&point["value"], value_type)?;
    let end = point["interval"]["endTime"]
        .as_str()
        .and_then(parse_rfc3339)
        .ok_or("points[0].interval.endTime is required")?;
    let start = point["interval"]["startTime"]
        .as_str()
        .and_then(parse_rfc3339);
    if end < now - MAX_PAST {
        return Err("end time is more than 25 hours in the past".into());
    }
    if end > now + MAX_FUTURE {
        return Err("end time is more than 5 minutes in the future".into());
    }
    match kind {
        "CUMULATIVE" => match start {
            Some(s) if s < end => {}
            Some(_) => return Err("CUMULATIVE: the start time must be before the end time".into()),
            None => return Err("CUMULATIVE: the start time is required".into()),
        },
        "GAUGE" if start.is_some_and(|s| s != end) => {
            return Err("GAUGE: the start time, if given, must equal the end time".into())
        }
        _ => {}
    }
    if let Some(&(prev_start, prev_end)) = st.last.get(key) {
        if end <= prev_end {
            return Err(
                "Points must be written in order: the end time is not newer than the most recent point of this time series"
                    .into(),
            );
        }
        if end - prev_end < MIN_PERIOD {
            return Err(
                "One or more points were written more frequently than the maximum sampling period configured for the metric: at most one point every 5 s per time series"
                    .into(),
            );
        }
        if kind == "CUMULATIVE" {
            let s = start.unwrap_or(end);
            if Some(s) != prev_start && s < prev_end {
                return Err("CUMULATIVE: the start time changed without a reset (a new start must not precede the previous end time)".into());
            }
        }
    }
    Ok((start, end))
}

/// A monitored resource of a known type with exactly its labels, none empty.
fn check_resource(resource: &Value) -> Result<(), String> {
    let ty = resource["type"].as_str().unwrap_or("");
    if ty.is_empty() {
        return Err("resource.type is required".into());
    }
    let Some((_, required)) = RESOURCES.iter().find(|(t, _)| *t == ty) else {
        let known: Vec<&str> = RESOURCES.iter().map(|(t, _)| *t).collect();
        return Err(format!(
            "resource.type {ty:?} is not a monitored resource type this fake knows ({known:?})"
        ));
    };
    let labels = resource["labels"].as_object();
    for label in *required {
        let value = labels.and_then(|l| l.get(*label)).and_then(Value::as_str);
        if value.is_none_or(str::is_empty) {
            return Err(format!(
                "resource {ty}: the label {label:?} is required (labels of {ty}: {required:?})"
            ));
        }
    }
    if let Some(k) = labels
        .into_iter()
        .flat_map(|l| l.keys())
        .find(|k| !required.contains(&k.as_str()))
    {
        return Err(format!(
            "resource {ty}: unrecognized label {k:?} (labels of {ty}: {required:?})"
        ));
    }
    Ok(())
}

/// `TypedValue` is a oneof: exactly one field, the one of the series' value type.
fn check_value(value: &Value, value_type: Option<&str>) -> Result<(), String> {
    let set: Vec<&str> = value
        .as_object()
        .map(|m| m.keys().map(String::as_str).collect())
        .unwrap_or_default();
    let [field] = set[..] else {
        return Err(format!(
            "points[0].value must set exactly one of its fields, got {set:?}"
        ));
    };
    if let Some(vt) = value_type {
        let expected = match vt {
            "BOOL" => "boolValue",
            "INT64" => "int64Value",
            "DOUBLE" => "doubleValue",
            "STRING" => "stringValue",
            "DISTRIBUTION" => "distributionValue",
            other => return Err(format!("valueType {other} cannot be written")),
        };
        if field != expected {
            return Err(format!(
                "points[0].value sets {field} but the valueType is {vt} ({expected})"
            ));
        }
    }
    if field == "distributionValue" {
        check_distribution(&value[field])?;
    }
    Ok(())
}

/// A JSON number, or the proto3 JSON strings for non-finite doubles.
fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => match s.as_str() {
            "NaN" => Some(f64::NAN),
            "Infinity" => Some(f64::INFINITY),
            "-Infinity" => Some(f64::NEG_INFINITY),
            s => s.parse().ok(),
        },
        _ => None,
    }
}

fn int(v: &Value) -> Option<i64> {
    v.as_i64().or_else(|| v.as_str()?.parse().ok())
}

/// The number of buckets `N` that the bucket options define (the discovery document's
/// `BucketOptions`, `Explicit`, `Linear` and `Exponential`): explicit `bounds` define
/// `len + 1` buckets, linear and exponential `numFiniteBuckets + 2`.
fn bucket_count(options: &Value) -> Result<usize, String> {
    let at = "distributionValue.bucketOptions";
    let set: Vec<&str> = options
        .as_object()
        .map(|m| m.keys().map(String::as_str).collect())
        .unwrap_or_default();
    let [kind] = set[..] else {
        return Err(format!(
            "{at} is required and sets exactly one of explicitBuckets, linearBuckets, exponentialBuckets (got {set:?})"
        ));
    };
    let o = &options[kind];
    let finite = |f: &str| int(&o[f]).filter(|n| *n > 0);
    let positive = |f: &str| number(&o[f]).filter(|x| x.is_finite() && *x > 0.0);
    let n = match kind {
        "explicitBuckets" => {
            let bounds: Vec<Option<f64>> = o["bounds"]
                .as_array()
                .into_iter()
                .flatten()
                .map(number)
                .collect();
            if bounds.is_empty() {
                return Err(format!(
                    "{at}.explicitBuckets.bounds must contain at least one element"
                ));
            }
            let mut prev = f64::NEG_INFINITY;
            for (i, b) in bounds.iter().enumerate() {
                match b {
                    Some(b) if b.is_finite() && *b > prev => prev = *b,
                    _ => {
                        return Err(format!(
                            "{at}.explicitBuckets.bounds must be finite and strictly increasing (bounds[{i}] = {})",
                            o["bounds"][i]
                        ))
                    }
                }
            }
            bounds.len() + 1
        }
        "linearBuckets" => {
            let (Some(n), Some(_)) = (finite("numFiniteBuckets"), positive("width")) else {
                return Err(format!(
                    "{at}.linearBuckets: numFiniteBuckets and width must be greater than 0"
                ));
            };
            if !number(&o["offset"]).unwrap_or(0.0).is_finite() {
                return Err(format!("{at}.linearBuckets.offset must be finite"));
            }
            n as usize + 2
        }
        _ => {
            let growth = number(&o["growthFactor"]).filter(|g| g.is_finite() && *g > 1.0);
            let (Some(n), Some(_), Some(_)) =
                (finite("numFiniteBuckets"), positive("scale"), growth)
            else {
                return Err(format!(
                    "{at}.exponentialBuckets: numFiniteBuckets and scale must be greater than 0, growthFactor greater than 1"
                ));
            };
            n as usize + 2
        }
    };
    if n > MAX_BUCKETS {
        return Err(format!(
            "{at}: {n} buckets, at most {MAX_BUCKETS} buckets per distribution"
        ));
    }
    Ok(n)
}

/// The rules of `Distribution` in the discovery document.
fn check_distribution(d: &Value) -> Result<(), String> {
    let at = "distributionValue";
    let count = match d.get("count") {
        None => 0,
        Some(c) => int(c).ok_or(format!("{at}.count: expected an int64"))?,
    };
    if count < 0 {
        return Err(format!("{at}.count {count} must be non-negative"));
    }
    let n = bucket_count(&d["bucketOptions"])?;
    let counts: Vec<Option<i64>> = d["bucketCounts"]
        .as_array()
        .into_iter()
        .flatten()
        .map(int)
        .collect();
    if counts.len() > n {
        return Err(format!(
            "{at}.bucketCounts has {} values but the bucket options define {n} buckets (the underflow bucket, the finite ones, the overflow bucket): it must not have more",
            counts.len()
        ));
    }
    if let Some(i) = counts.iter().position(|c| c.is_none_or(|c| c < 0)) {
        return Err(format!(
            "{at}.bucketCounts[{i}] must be a non-negative int64"
        ));
    }
    let sum: i64 = counts.iter().flatten().sum();
    if sum != count {
        return Err(format!(
            "distribution count {count} differs from the sum of its bucketCounts ({sum})"
        ));
    }
    for field in ["mean", "sumOfSquaredDeviation"] {
        let Some(v) = d.get(field) else { continue };
        let x = number(v).unwrap_or(f64::NAN);
        if !x.is_finite() {
            return Err(format!("{at}.{field} must be finite, got {v}"));
        }
        if count == 0 && x != 0.0 {
            return Err(format!(
                "{at}.{field} must be zero when count is zero, got {v}"
            ));
        }
        if field == "sumOfSquaredDeviation" && x < 0.0 {
            return Err(format!(
                "{at}.sumOfSquaredDeviation must not be negative, got {v}"
            ));
        }
    }
    if let Some(range) = d.get("range") {
        if count == 0 {
            return Err(format!("{at}.range must not be present when count is zero"));
        }
        let (min, max) = (number(&range["min"]), number(&range["max"]));
        if min.zip(max).is_some_and(|(min, max)| min > max) {
            return Err(format!(
                "{at}.range: min {min:?} is greater than max {max:?}"
            ));
        }
    }
    let values: Vec<f64> = d["exemplars"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| number(&e["value"]).unwrap_or(f64::NAN))
        .collect();
    if values
        .windows(2)
        .any(|w| w[0].is_nan() || w[1].is_nan() || w[1] < w[0])
    {
        return Err(format!(
            "{at}.exemplars must be in increasing order of value, got {values:?}"
        ));
    }
    Ok(())
}
