//! Proves the fake Cloud Monitoring API itself (a loopback fake, not Google): each rule family
//! fires on a request that breaks it and stays quiet on one that does not.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, SystemTime};

use serde_json::{json, Value};
use telemetry_testkit::{http_request, rfc3339, CloudMonitoring, MONITORED_RESOURCES};

const TS: &str = "/v3/projects/p1/timeSeries";
const MD: &str = "/v3/projects/p1/metricDescriptors";

fn post(api: &CloudMonitoring, path: &str, body: &Value) -> (u16, Value) {
    let r = http_request(
        api.addr(),
        "POST",
        path,
        &[("Content-Type", "application/json")],
        body.to_string().as_bytes(),
    );
    let v = serde_json::from_slice(&r.bytes).expect("a JSON reply");
    (r.status, v)
}

/// Asserts a Google-style 400 whose message contains `needle`.
fn rejected(reply: (u16, Value), needle: &str) {
    let (status, body) = reply;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["code"], 400, "{body}");
    assert_eq!(body["error"]["status"], "INVALID_ARGUMENT", "{body}");
    let msg = body["error"]["message"].as_str().unwrap();
    assert!(msg.contains(needle), "{msg:?} lacks {needle:?}");
}

fn at(offset_s: i64) -> String {
    let now = SystemTime::now();
    let t = if offset_s >= 0 {
        now + Duration::from_secs(offset_s as u64)
    } else {
        now - Duration::from_secs(offset_s.unsigned_abs())
    };
    rfc3339(t)
}

fn descriptor(ty: &str, kind: &str, value_type: &str) -> Value {
    json!({"type": ty, "metricKind": kind, "valueType": value_type, "unit": "1",
           "description": "d", "labels": [{"key": "job", "valueType": "STRING"}]})
}

fn gauge(ty: &str, job: &str, end: &str) -> Value {
    json!({"metric": {"type": ty, "labels": {"job": job}},
           "resource": {"type": "global", "labels": {"project_id": "p1"}},
           "metricKind": "GAUGE", "valueType": "INT64",
           "points": [{"interval": {"endTime": end}, "value": {"int64Value": "7"}}]})
}

fn cumulative(ty: &str, start: &str, end: &str) -> Value {
    json!({"metric": {"type": ty},
           "resource": {"type": "global", "labels": {"project_id": "p1"}},
           "metricKind": "CUMULATIVE", "valueType": "DOUBLE",
           "points": [{"interval": {"startTime": start, "endTime": end},
                       "value": {"doubleValue": 1.5}}]})
}

fn write(api: &CloudMonitoring, series: Vec<Value>) -> (u16, Value) {
    post(api, TS, &json!({ "timeSeries": series }))
}

const G: &str = "custom.googleapis.com/test/gauge";
const C: &str = "workload.googleapis.com/test/count";

fn api_with_descriptors() -> CloudMonitoring {
    let api = CloudMonitoring::start();
    assert_eq!(post(&api, MD, &descriptor(G, "GAUGE", "INT64")).0, 200);
    assert_eq!(
        post(&api, MD, &descriptor(C, "CUMULATIVE", "DOUBLE")).0,
        200
    );
    api
}

#[test]
fn valid_writes_are_recorded_and_descriptors_named() {
    let api = api_with_descriptors();
    assert!(api.base_url().starts_with("http://127.0.0.1:"));
    let (status, body) = write(&api, vec![gauge(G, "a", &at(0)), gauge(G, "b", &at(0))]);
    assert_eq!(status, 200, "{body}");
    assert_eq!(api.written().len(), 2);
    let d = api.descriptors();
    assert_eq!(d.len(), 2);
    assert!(d
        .iter()
        .any(|d| d["name"] == format!("projects/p1/metricDescriptors/{G}")));
    // Built-in types need no descriptor.
    assert_eq!(
        write(&api, vec![gauge("agent.googleapis.com/x", "a", &at(0))]).0,
        200
    );
    assert_eq!(api.requests().len(), 4);
}

#[test]
fn routes_other_than_create_are_404() {
    let api = api_with_descriptors();
    let body = json!({"timeSeries": [gauge(G, "a", &at(0))]});
    let (status, reply) = post(&api, "/v3/projects/p1/timeSeries:createService", &body);
    assert_eq!(status, 404);
    assert_eq!(reply["error"]["status"], "NOT_FOUND");
    assert_eq!(post(&api, "/v3/projects/p1/other", &body).0, 404);
    let r = http_request(api.addr(), "GET", TS, &[], b"");
    assert_eq!(r.status, 404);
    assert!(api.written().is_empty());
}

#[test]
fn schema_rejects_unknown_fields_wrong_types_and_enums() {
    let api = api_with_descriptors();
    let mut s = gauge(G, "a", &at(0));
    s["metric"]["name"] = json!("x");
    rejected(write(&api, vec![s]), "unknown field \"name\"");
    let mut s = gauge(G, "a", &at(0));
    s["points"][0]["value"]["int64Value"] = json!(7);
    rejected(write(&api, vec![s]), "int64 as a string");
    let mut s = gauge(G, "a", &at(0));
    s["points"][0]["interval"]["endTime"] = json!(1_700_000_000);
    rejected(write(&api, vec![s]), "RFC 3339");
    let mut s = gauge(G, "a", &at(0));
    s["points"][0]["interval"]["endTime"] = json!("2026-01-01 00:00:00");
    rejected(write(&api, vec![s]), "RFC 3339");
    let mut s = gauge(G, "a", &at(0));
    s["metricKind"] = json!("COUNTER");
    rejected(write(&api, vec![s]), "is not one of");
    let mut s = gauge(G, "a", &at(0));
    s["metric"]["labels"]["job"] = json!(3);
    rejected(write(&api, vec![s]), "metric.labels");
    rejected(post(&api, TS, &json!({"timeseries": []})), "unknown field");
    let mut d = descriptor("custom.googleapis.com/x", "GAUGE", "INT64");
    d["labels"][0]["valueType"] = json!("DOUBLE");
    rejected(post(&api, MD, &d), "is not one of");
    rejected(
        post(
            &api,
            MD,
            &json!({"type": "custom.googleapis.com/x", "kind": "GAUGE"}),
        ),
        "unknown field",
    );
    assert!(api.written().is_empty());
}

#[test]
fn at_most_200_series_per_request() {
    let api = api_with_descriptors();
    let end = at(0);
    let many: Vec<Value> = (0..201).map(|i| gauge(G, &format!("j{i}"), &end)).collect();
    rejected(
        write(&api, many.clone()),
        "at most 200 time series per request",
    );
    assert!(api.written().is_empty());
    assert_eq!(write(&api, many[..200].to_vec()).0, 200);
    assert_eq!(api.written().len(), 200);
}

#[test]
fn one_point_per_series_and_no_series_twice() {
    let api = api_with_descriptors();
    let mut two = gauge(G, "a", &at(-10));
    let p = two["points"][0].clone();
    two["points"].as_array_mut().unwrap().push(p);
    rejected(write(&api, vec![two]), "exactly one point per time series");
    let mut none = gauge(G, "a", &at(0));
    none["points"] = json!([]);
    rejected(write(&api, vec![none]), "exactly one point per time series");
    let reply = write(&api, vec![gauge(G, "a", &at(-10)), gauge(G, "a", &at(0))]);
    assert_eq!(reply.1["error"]["details"][0]["successPointCount"], 1);
    rejected(
        reply,
        "timeSeries[1]: the same time series appears more than once",
    );
    // The first one was written (partial success, as the API does).
    assert_eq!(api.written().len(), 1);
}

#[test]
fn end_time_within_25_hours_past_and_5_minutes_future() {
    let api = api_with_descriptors();
    rejected(
        write(&api, vec![gauge(G, "a", &at(-25 * 3600 - 60))]),
        "25 hours in the past",
    );
    rejected(
        write(&api, vec![gauge(G, "a", &at(6 * 60))]),
        "5 minutes in the future",
    );
    assert_eq!(write(&api, vec![gauge(G, "a", &at(-24 * 3600))]).0, 200);
    assert_eq!(write(&api, vec![gauge(G, "b", &at(4 * 60))]).0, 200);
}

#[test]
fn points_in_order_and_at_most_one_every_5_seconds() {
    let api = api_with_descriptors();
    let first = at(-60);
    assert_eq!(write(&api, vec![gauge(G, "a", &first)]).0, 200);
    rejected(write(&api, vec![gauge(G, "a", &first)]), "written in order");
    rejected(
        write(&api, vec![gauge(G, "a", &at(-120))]),
        "written in order",
    );
    rejected(
        write(&api, vec![gauge(G, "a", &at(-57))]),
        "one point every 5 s",
    );
    // Another series (other labels, other resource) is independent.
    assert_eq!(write(&api, vec![gauge(G, "b", &at(-57))]).0, 200);
    let mut other_resource = gauge(G, "a", &at(-57));
    other_resource["resource"]["labels"]["project_id"] = json!("p2");
    assert_eq!(write(&api, vec![other_resource]).0, 200);
    assert_eq!(write(&api, vec![gauge(G, "a", &at(-55))]).0, 200);
}

#[test]
fn cumulative_needs_start_before_end_and_a_stable_start() {
    let api = api_with_descriptors();
    let t = at(-60);
    rejected(
        write(&api, vec![cumulative(C, &t, &t)]),
        "start time must be before",
    );
    let mut no_start = cumulative(C, &at(-60), &at(-50));
    no_start["points"][0]["interval"]
        .as_object_mut()
        .unwrap()
        .remove("startTime");
    rejected(write(&api, vec![no_start]), "start time is required");
    let start = at(-100);
    assert_eq!(write(&api, vec![cumulative(C, &start, &at(-60))]).0, 200);
    assert_eq!(write(&api, vec![cumulative(C, &start, &at(-50))]).0, 200);
    rejected(
        write(&api, vec![cumulative(C, &at(-90), &at(-40))]),
        "changed without a reset",
    );
    // A reset: the new start is not before the previous end.
    assert_eq!(write(&api, vec![cumulative(C, &at(-45), &at(-30))]).0, 200);
}

#[test]
fn gauge_start_equals_end_or_is_absent() {
    let api = api_with_descriptors();
    let mut s = gauge(G, "a", &at(-30));
    s["points"][0]["interval"]["startTime"] = json!(at(-40));
    rejected(write(&api, vec![s]), "GAUGE: the start time");
    let end = at(-20);
    let mut s = gauge(G, "a", &end);
    s["points"][0]["interval"]["startTime"] = json!(end);
    assert_eq!(write(&api, vec![s]).0, 200);
}

#[test]
fn custom_metrics_need_a_descriptor_no_delta_and_matching_kinds() {
    let api = CloudMonitoring::start();
    rejected(
        write(&api, vec![gauge(G, "a", &at(0))]),
        "no metric descriptor",
    );
    rejected(
        post(
            &api,
            MD,
            &descriptor("custom.googleapis.com/d", "DELTA", "INT64"),
        ),
        "DELTA metric kind is not supported",
    );
    rejected(
        post(&api, MD, &json!({"type": G, "valueType": "INT64"})),
        "metricKind is required",
    );
    assert_eq!(post(&api, MD, &descriptor(G, "GAUGE", "INT64")).0, 200);
    let mut delta = gauge(G, "a", &at(0));
    delta["metricKind"] = json!("DELTA");
    rejected(
        write(&api, vec![delta]),
        "DELTA metric kind is not supported",
    );
    let mut double = gauge(G, "a", &at(0));
    double["valueType"] = json!("DOUBLE");
    rejected(write(&api, vec![double]), "does not match the descriptor");
    assert_eq!(write(&api, vec![gauge(G, "a", &at(0))]).0, 200);
}

#[test]
fn label_keys_counts_and_values_are_limited() {
    let api = api_with_descriptors();
    let mut s = gauge(G, "a", &at(0));
    s["metric"]["labels"] = json!({"1bad": "x"});
    rejected(write(&api, vec![s]), "must match [a-zA-Z][a-zA-Z0-9_]*");
    let mut s = gauge(G, "a", &at(0));
    let labels: serde_json::Map<String, Value> =
        (0..31).map(|i| (format!("k{i}"), json!("v"))).collect();
    s["metric"]["labels"] = Value::Object(labels);
    rejected(write(&api, vec![s]), "at most 30 labels");
    let mut s = gauge(G, "a", &at(0));
    s["metric"]["labels"]["job"] = json!("x".repeat(1025));
    rejected(write(&api, vec![s]), "at most 1024 characters");
    let mut d = descriptor("custom.googleapis.com/l", "GAUGE", "INT64");
    d["labels"][0]["key"] = json!("with-dash");
    rejected(post(&api, MD, &d), "must match");
}

#[test]
fn distribution_count_is_the_sum_of_bucket_counts() {
    let api = CloudMonitoring::start();
    let h = "workload.googleapis.com/test/latency";
    assert_eq!(
        post(&api, MD, &descriptor(h, "CUMULATIVE", "DISTRIBUTION")).0,
        200
    );
    let series = |count: &str, end: &str| {
        json!({"metric": {"type": h}, "resource": {"type": "global", "labels": {"project_id": "p1"}},
               "metricKind": "CUMULATIVE", "valueType": "DISTRIBUTION",
               "points": [{"interval": {"startTime": at(-100), "endTime": end},
                 "value": {"distributionValue": {
                    "count": count, "mean": 2.0, "sumOfSquaredDeviation": 1.0,
                    "bucketOptions": {"explicitBuckets": {"bounds": [1.0, 5.0]}},
                    "bucketCounts": ["0", "2", "1"]}}}]})
    };
    rejected(
        write(&api, vec![series("4", &at(-30))]),
        "differs from the sum of its bucketCounts",
    );
    assert_eq!(write(&api, vec![series("3", &at(-30))]).0, 200);
    let mut bad = series("3", &at(-20));
    bad["points"][0]["value"]["distributionValue"]["bucketCounts"] = json!([0, 2, 1]);
    rejected(write(&api, vec![bad]), "int64 as a string");
}

#[test]
fn chunked_bodies_are_read_and_bad_json_is_a_400() {
    let api = api_with_descriptors();
    let body = json!({"timeSeries": [gauge(G, "a", &at(0))]}).to_string();
    let (a, b) = body.split_at(body.len() / 2);
    let mut s = TcpStream::connect(api.addr()).unwrap();
    write!(
        s,
        "POST {TS} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n\
         {:x}\r\n{a}\r\n{:x}\r\n{b}\r\n0\r\n\r\n",
        a.len(),
        b.len()
    )
    .unwrap();
    let mut reply = String::new();
    s.read_to_string(&mut reply).unwrap();
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    assert_eq!(api.written().len(), 1);
    let r = http_request(api.addr(), "POST", TS, &[], b"{\"timeSeries\": [");
    assert_eq!(r.status, 400);
    assert!(r.text().contains("invalid JSON payload"), "{}", r.text());
}

#[test]
fn value_sets_exactly_the_field_of_the_value_type() {
    let api = api_with_descriptors();
    let with_value = |job: &str, value: Value| {
        let mut s = gauge(G, job, &at(0));
        s["points"][0]["value"] = value;
        s
    };
    rejected(
        write(&api, vec![with_value("a", json!({"doubleValue": 7.0}))]),
        "sets doubleValue but the valueType is INT64",
    );
    rejected(
        write(
            &api,
            vec![with_value(
                "b",
                json!({"int64Value": "7", "doubleValue": 7.0}),
            )],
        ),
        "exactly one of its fields",
    );
    rejected(
        write(&api, vec![with_value("c", json!({}))]),
        "exactly one of its fields",
    );
    // Without valueType in the series, the descriptor's applies.
    let mut s = with_value("d", json!({"boolValue": true}));
    s.as_object_mut().unwrap().remove("valueType");
    rejected(write(&api, vec![s]), "the valueType is INT64");
    let mut s = gauge(G, "e", &at(0));
    s.as_object_mut().unwrap().remove("valueType");
    s.as_object_mut().unwrap().remove("metricKind");
    assert_eq!(write(&api, vec![s]).0, 200);
    // Each value type with its field.
    let b = "custom.googleapis.com/test/up";
    assert_eq!(post(&api, MD, &descriptor(b, "GAUGE", "BOOL")).0, 200);
    let mut s = gauge(b, "a", &at(0));
    s["valueType"] = json!("BOOL");
    s["points"][0]["value"] = json!({"boolValue": false});
    assert_eq!(write(&api, vec![s.clone()]).0, 200);
    s["metric"]["labels"]["job"] = json!("b");
    s["points"][0]["value"] = json!({"int64Value": "0"});
    rejected(
        write(&api, vec![s]),
        "sets int64Value but the valueType is BOOL",
    );
    let mut c = cumulative(C, &at(-60), &at(0));
    c["points"][0]["value"] = json!({"int64Value": "1"});
    rejected(write(&api, vec![c]), "the valueType is DOUBLE");
    assert_eq!(write(&api, vec![cumulative(C, &at(-60), &at(0))]).0, 200);
    // A built-in type without valueType: any one field.
    let mut s = gauge("agent.googleapis.com/x", "a", &at(0));
    s.as_object_mut().unwrap().remove("valueType");
    s["points"][0]["value"] = json!({"doubleValue": 0.5});
    assert_eq!(write(&api, vec![s]).0, 200);
}

#[test]
fn metric_labels_must_be_declared_by_the_descriptor() {
    let api = api_with_descriptors();
    let mut s = gauge(G, "a", &at(0));
    s["metric"]["labels"]["host"] = json!("h1");
    rejected(write(&api, vec![s]), "unrecognized metric label \"host\"");
    // Declared labels may be left out.
    let mut s = gauge(G, "a", &at(0));
    s["metric"].as_object_mut().unwrap().remove("labels");
    assert_eq!(write(&api, vec![s]).0, 200);
    // Built-in types are not checked against a descriptor here.
    let mut s = gauge("agent.googleapis.com/x", "a", &at(0));
    s["metric"]["labels"]["host"] = json!("h1");
    assert_eq!(write(&api, vec![s]).0, 200);
    // No CUMULATIVE BOOL for user-defined metrics.
    rejected(
        post(
            &api,
            MD,
            &descriptor("custom.googleapis.com/b", "CUMULATIVE", "BOOL"),
        ),
        "not a supported metric kind and value type",
    );
}

const H: &str = "custom.googleapis.com/test/histogram";

/// A GAUGE distribution point of series `job` (one series per case, so the 5 s rule stays out).
fn histogram(job: &str, dist: Value) -> Value {
    json!({"metric": {"type": H, "labels": {"job": job}},
           "resource": {"type": "global", "labels": {"project_id": "p1"}},
           "metricKind": "GAUGE", "valueType": "DISTRIBUTION",
           "points": [{"interval": {"endTime": at(0)}, "value": {"distributionValue": dist}}]})
}

fn explicit(bounds: Value, counts: Value, count: &str) -> Value {
    json!({"count": count, "mean": 1.0, "sumOfSquaredDeviation": 2.0,
           "bucketOptions": {"explicitBuckets": {"bounds": bounds}},
           "bucketCounts": counts})
}

#[test]
fn distribution_buckets_follow_the_bucket_options() {
    let api = CloudMonitoring::start();
    assert_eq!(
        post(&api, MD, &descriptor(H, "GAUGE", "DISTRIBUTION")).0,
        200
    );
    let bad = |job: &str, dist: Value, needle: &str| {
        rejected(write(&api, vec![histogram(job, dist)]), needle);
    };
    let good = |job: &str, dist: Value| {
        let (status, body) = write(&api, vec![histogram(job, dist)]);
        assert_eq!(status, 200, "{job}: {body}");
    };
    // 2 bounds: 3 buckets, (-inf, 1), [1, 5), [5, +inf).
    good(
        "three",
        explicit(json!([1.0, 5.0]), json!(["1", "2", "3"]), "6"),
    );
    good("fewer", explicit(json!([1.0, 5.0]), json!(["1", "2"]), "3"));
    bad(
        "four",
        explicit(json!([1.0, 5.0]), json!(["1", "2", "3", "0"]), "6"),
        "bucketCounts has 4 values but the bucket options define 3 buckets",
    );
    let mut d = explicit(json!([1.0]), json!(["1"]), "1");
    d.as_object_mut().unwrap().remove("bucketOptions");
    bad("none", d, "bucketOptions is required");
    let mut d = explicit(json!([1.0]), json!(["1"]), "1");
    d["bucketOptions"]["linearBuckets"] =
        json!({"numFiniteBuckets": 1, "width": 1.0, "offset": 0.0});
    bad("two", d, "exactly one of explicitBuckets");
    bad(
        "empty",
        explicit(json!([]), json!([]), "0"),
        "at least one element",
    );
    bad(
        "equal",
        explicit(json!([1.0, 1.0]), json!(["1"]), "1"),
        "strictly increasing (bounds[1] = 1.0)",
    );
    bad(
        "down",
        explicit(json!([2.0, 1.0]), json!(["1"]), "1"),
        "strictly increasing",
    );
    bad(
        "nan",
        explicit(json!([1.0, "NaN"]), json!(["1"]), "1"),
        "finite and strictly increasing",
    );
    let bounds = |n: usize| json!((0..n).map(|i| i as f64).collect::<Vec<_>>());
    good("b199", explicit(bounds(199), json!(["1"]), "1"));
    bad(
        "b200",
        explicit(bounds(200), json!(["1"]), "1"),
        "201 buckets, at most 200 buckets",
    );
    bad(
        "negative",
        explicit(json!([1.0]), json!(["2", "-1"]), "1"),
        "bucketCounts[1] must be a non-negative",
    );
    // Linear and exponential: numFiniteBuckets + 2 buckets.
    let linear = |n: i64, width: f64, counts: Value| {
        json!({"count": "4", "mean": 1.0, "sumOfSquaredDeviation": 1.0, "bucketCounts": counts,
               "bucketOptions": {"linearBuckets": {"numFiniteBuckets": n, "width": width, "offset": 0.0}}})
    };
    good("lin", linear(2, 1.0, json!(["1", "1", "1", "1"])));
    bad(
        "lin5",
        linear(2, 1.0, json!(["1", "1", "1", "1", "0"])),
        "define 4 buckets",
    );
    bad("lin0", linear(0, 1.0, json!(["4"])), "greater than 0");
    bad("linw", linear(2, 0.0, json!(["4"])), "greater than 0");
    bad(
        "lin199",
        linear(199, 1.0, json!(["4"])),
        "at most 200 buckets",
    );
    let exponential = |growth: f64, scale: f64| {
        json!({"count": "4", "mean": 1.0, "sumOfSquaredDeviation": 1.0, "bucketCounts": ["4"],
               "bucketOptions": {"exponentialBuckets": {"numFiniteBuckets": 3, "growthFactor": growth, "scale": scale}}})
    };
    good("exp", exponential(2.0, 1.0));
    bad("exp1", exponential(1.0, 1.0), "growthFactor greater than 1");
    bad(
        "exps",
        exponential(2.0, 0.0),
        "scale must be greater than 0",
    );
    assert_eq!(api.written().len(), 5);
}

#[test]
fn distribution_statistics_are_consistent() {
    let api = CloudMonitoring::start();
    assert_eq!(
        post(&api, MD, &descriptor(H, "GAUGE", "DISTRIBUTION")).0,
        200
    );
    let bad = |job: &str, dist: Value, needle: &str| {
        rejected(write(&api, vec![histogram(job, dist)]), needle);
    };
    let good = |job: &str, dist: Value| {
        let (status, body) = write(&api, vec![histogram(job, dist)]);
        assert_eq!(status, 200, "{job}: {body}");
    };
    let options = json!({"explicitBuckets": {"bounds": [1.0]}});
    // An empty distribution: count 0, statistics zero or absent, no bucket counts needed.
    good(
        "empty",
        json!({"count": "0", "mean": 0.0, "sumOfSquaredDeviation": 0.0, "bucketOptions": options}),
    );
    good("absent", json!({"bucketOptions": options}));
    bad(
        "mean0",
        json!({"count": "0", "mean": 1.0, "bucketOptions": options}),
        "mean must be zero when count is zero",
    );
    bad(
        "ssd0",
        json!({"sumOfSquaredDeviation": 0.5, "bucketOptions": options}),
        "sumOfSquaredDeviation must be zero when count is zero",
    );
    bad(
        "range0",
        json!({"count": "0", "range": {"min": 0.0, "max": 0.0}, "bucketOptions": options}),
        "range must not be present when count is zero",
    );
    let mut d = explicit(json!([1.0]), json!(["1", "1"]), "2");
    d["sumOfSquaredDeviation"] = json!(-0.5);
    bad("ssdneg", d, "must not be negative");
    let mut d = explicit(json!([1.0]), json!(["1", "1"]), "2");
    d["mean"] = json!("NaN");
    bad("meannan", d, "mean must be finite");
    let mut d = explicit(json!([1.0]), json!(["1", "1"]), "2");
    d["mean"] = json!("Infinity");
    bad("meaninf", d, "mean must be finite");
    bad(
        "count",
        explicit(json!([1.0]), json!(["1", "1"]), "3"),
        "differs from the sum of its bucketCounts",
    );
    let mut d = explicit(json!([1.0]), json!([]), "2");
    d.as_object_mut().unwrap().remove("bucketCounts");
    bad(
        "nocounts",
        d,
        "count 2 differs from the sum of its bucketCounts (0)",
    );
    let mut d = explicit(json!([1.0]), json!(["1", "1"]), "2");
    d["exemplars"] =
        json!([{"value": 2.0, "timestamp": at(0)}, {"value": 0.5, "timestamp": at(0)}]);
    bad("exemplars", d, "increasing order of value");
    let mut d = explicit(json!([1.0]), json!(["1", "1"]), "2");
    d["exemplars"] =
        json!([{"value": 0.5, "timestamp": at(0)}, {"value": 2.0, "timestamp": at(0)}]);
    d["range"] = json!({"min": 0.5, "max": 2.0});
    good("full", d.clone());
    // Accepted distributions are readable back as sent.
    let last = api.written().last().cloned().unwrap();
    assert_eq!(last["points"][0]["value"]["distributionValue"], d);
}

#[test]
fn monitored_resources_are_known_types_with_exactly_their_labels() {
    let api = api_with_descriptors();
    let on = |job: &str, resource: Value| {
        let mut s = gauge(G, job, &at(0));
        s["resource"] = resource;
        write(&api, vec![s])
    };
    for (i, (ty, labels)) in MONITORED_RESOURCES.iter().enumerate() {
        let full: serde_json::Map<String, Value> =
            labels.iter().map(|l| (l.to_string(), json!("v"))).collect();
        let (status, body) = on(&format!("ok{i}"), json!({"type": ty, "labels": full}));
        assert_eq!(status, 200, "{ty}: {body}");
        for missing in labels.iter() {
            let mut partial = full.clone();
            partial.remove(*missing);
            rejected(
                on(&format!("m{i}"), json!({"type": ty, "labels": partial})),
                &format!("the label \"{missing}\" is required"),
            );
        }
        let mut extra = full.clone();
        extra.insert("region".into(), json!("r"));
        rejected(
            on(&format!("x{i}"), json!({"type": ty, "labels": extra})),
            "unrecognized label \"region\"",
        );
    }
    let names: Vec<&str> = MONITORED_RESOURCES.iter().map(|(t, _)| *t).collect();
    for ty in [
        "global",
        "generic_node",
        "generic_task",
        "gce_instance",
        "k8s_container",
    ] {
        assert!(names.contains(&ty), "{ty}");
    }
    rejected(
        on("g", json!({"type": "global"})),
        "the label \"project_id\" is required",
    );
    rejected(
        on("e", json!({"type": "global", "labels": {"project_id": ""}})),
        "the label \"project_id\" is required",
    );
    rejected(
        on(
            "u",
            json!({"type": "made_up", "labels": {"project_id": "p1"}}),
        ),
        "not a monitored resource type this fake knows",
    );
    let task = json!({"type": "generic_task", "labels": {"project_id": "p1", "location": "global",
        "namespace": "ns", "job": "batch"}});
    rejected(on("t", task), "the label \"task_id\" is required");
}

#[test]
fn fail_next_answers_writes_with_google_errors() {
    let api = api_with_descriptors();
    for (status, name) in [
        (429, "RESOURCE_EXHAUSTED"),
        (500, "INTERNAL"),
        (503, "UNAVAILABLE"),
    ] {
        api.fail_next(status, 2);
        for _ in 0..2 {
            let (got, body) = write(&api, vec![gauge(G, name, &at(0))]);
            assert_eq!(got, status, "{body}");
            assert_eq!(body["error"]["code"], status);
            assert_eq!(body["error"]["status"], name);
        }
    }
    api.fail_next(503, 1);
    let (got, _) = post(
        &api,
        MD,
        &descriptor("custom.googleapis.com/f", "GAUGE", "INT64"),
    );
    assert_eq!(got, 503);
    assert!(api.descriptors().len() == 2 && api.written().is_empty());
    // Other routes are not counted as writes to fail.
    api.fail_next(500, 1);
    assert_eq!(http_request(api.addr(), "GET", TS, &[], b"").status, 404);
    assert_eq!(write(&api, vec![gauge(G, "a", &at(0))]).0, 500);
    // Then the fake is healthy again, and every request was recorded.
    assert_eq!(write(&api, vec![gauge(G, "a", &at(0))]).0, 200);
    let statuses: Vec<u16> = api.requests().iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        [200, 200, 429, 429, 500, 500, 503, 503, 503, 404, 500, 200]
    );
    api.fail_next(429, 0);
    assert_eq!(write(&api, vec![gauge(G, "b", &at(0))]).0, 200);
}

#[test]
fn accepted_series_keeps_the_latest_point_of_each_series() {
    let api = api_with_descriptors();
    assert_eq!(
        write(&api, vec![gauge(G, "a", &at(-60)), gauge(G, "b", &at(-60))]).0,
        200
    );
    let mut later = gauge(G, "a", &at(-50));
    later["points"][0]["value"]["int64Value"] = json!("8");
    assert_eq!(write(&api, vec![later]).0, 200);
    let series = api.accepted_series();
    assert_eq!(series.len(), 2);
    assert_eq!(series[0]["metric"]["labels"]["job"], "a");
    assert_eq!(series[0]["points"][0]["value"]["int64Value"], "8");
    assert_eq!(series[1]["metric"]["labels"]["job"], "b");
    assert_eq!(api.written().len(), 3);
}
