//! The Stackdriver exporter against a loopback **fake** of the Cloud Monitoring API v3 and of
//! Google's token endpoint and metadata server (`telemetry_testkit::{CloudMonitoring,
//! GoogleAuth}`). The fake is not Google: it checks every request against Google's published
//! discovery document for `monitoring:v3` (field names, JSON types, enums) and against the
//! API's documented write rules (200 series per request, one point per series, the 5-second
//! rule, descriptors before custom writes, label and bucket limits, monitored resources),
//! and verifies the JWTs' RS256 signatures with the public half of a key made for the test.
#![cfg(feature = "stackdriver")]

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use serde_json::{json, Value};
use telemetry_core::{
    KeyValue, ManualReader, MeterProvider, PeriodicReader, PushExporter, ResourceMetrics,
};
use telemetry_exporters::stackdriver::{
    Credentials, MonitoredResource, StackdriverExporter, StackdriverExporterBuilder,
};
use telemetry_testkit::{http_request, rfc3339, CloudMonitoring, GoogleAuth};

const PROJECT: &str = "p1";
const TIMEOUT: Duration = Duration::from_secs(10);

fn builder(api: &CloudMonitoring) -> StackdriverExporterBuilder {
    StackdriverExporter::builder()
        .with_project(PROJECT)
        .with_endpoint(api.base_url())
        .with_credentials(Credentials::token("static-token"))
}

fn manual() -> (ManualReader, MeterProvider) {
    // The exporter's own PeriodicReader asks the provider for histograms' squared
    // deviations (see `the_periodic_reader_asks_for_the_spread`); a manual one is told.
    let reader = ManualReader::with_squared_deviation();
    let provider = MeterProvider::builder().with_reader(reader.clone()).build();
    (reader, provider)
}

fn collect(reader: &ManualReader) -> ResourceMetrics {
    reader.collect().expect("collect")
}

/// `(path, number of series)` of every request, in order.
fn calls(api: &CloudMonitoring) -> Vec<(String, usize)> {
    api.requests()
        .iter()
        .map(|r| {
            let body: Value = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
            let n = body["timeSeries"].as_array().map_or(0, Vec::len);
            (r.path.clone(), n)
        })
        .collect()
}

fn series_of<'a>(series: &'a [Value], ty: &str) -> Vec<&'a Value> {
    series
        .iter()
        .filter(|s| s["metric"]["type"] == ty)
        .collect()
}

#[test]
fn descriptors_come_first_and_every_value_type_is_accepted() {
    let api = CloudMonitoring::start();
    let exporter = builder(&api).build().unwrap();
    let (reader, provider) = manual();
    let m = provider.meter("video");
    m.u64_counter("videos")
        .build()
        .unwrap()
        .add(3, &[KeyValue::new("codec", "av1")]);
    m.f64_counter("bytes")
        .with_unit("By")
        .build()
        .unwrap()
        .add(1.5, &[]);
    m.i64_up_down_counter("queue").build().unwrap().add(-2, &[]);
    m.f64_gauge("load").build().unwrap().record(0.75, &[]);
    m.f64_histogram("latency")
        .with_buckets(vec![1.0, 5.0])
        .build()
        .unwrap()
        .record(2.0, &[]);
    m.state_set("phase", ["idle", "busy"])
        .build()
        .unwrap()
        .set("busy", &[])
        .unwrap();

    exporter.export(&collect(&reader), TIMEOUT).expect("export");

    let calls = calls(&api);
    let first_write = calls
        .iter()
        .position(|(p, _)| p.ends_with("/timeSeries"))
        .unwrap();
    assert!(
        calls[..first_write]
            .iter()
            .all(|(p, _)| p == "/v3/projects/p1/metricDescriptors"),
        "{calls:?}"
    );
    assert_eq!(first_write, 6, "one descriptor per metric type: {calls:?}");
    assert!(
        api.requests().iter().all(|r| r.status == 200),
        "{:?}",
        api.requests()
    );

    let written = api.accepted_series();
    let expect = [
        ("videos", "CUMULATIVE", "INT64", json!({"int64Value": "3"})),
        ("bytes", "CUMULATIVE", "DOUBLE", json!({"doubleValue": 1.5})),
        ("queue", "GAUGE", "INT64", json!({"int64Value": "-2"})),
        ("load", "GAUGE", "DOUBLE", json!({"doubleValue": 0.75})),
    ];
    for (name, kind, value_type, value) in expect {
        let ty = format!("workload.googleapis.com/{name}");
        let s = series_of(&written, &ty);
        assert_eq!(s.len(), 1, "{ty}: {written:#?}");
        assert_eq!(s[0]["metricKind"], kind, "{ty}");
        assert_eq!(s[0]["valueType"], value_type, "{ty}");
        assert_eq!(s[0]["points"][0]["value"], value, "{ty}");
        // The per-process label: `global` does not tell two processes apart.
        let task = s[0]["metric"]["labels"]["opentelemetry_task"]
            .as_str()
            .unwrap();
        assert!(
            task.starts_with(&format!("rust-{}@", std::process::id())),
            "{task}"
        );
    }
    let phase = series_of(&written, "workload.googleapis.com/phase");
    assert_eq!(phase.len(), 2);
    assert!(phase.iter().all(|s| s["valueType"] == "BOOL"));
    let busy = phase
        .iter()
        .find(|s| s["metric"]["labels"]["phase"] == "busy")
        .unwrap();
    assert_eq!(busy["points"][0]["value"], json!({"boolValue": true}));
    let latency = &series_of(&written, "workload.googleapis.com/latency")[0];
    assert_eq!(latency["valueType"], "DISTRIBUTION");

    let descriptors = api.descriptors();
    let videos = descriptors
        .iter()
        .find(|d| d["type"] == "workload.googleapis.com/videos")
        .unwrap();
    assert_eq!(videos["metricKind"], "CUMULATIVE");
    let keys: Vec<&str> = videos["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["codec", "opentelemetry_task"]);
    assert_eq!(exporter.stats().descriptors_created, 6);
    assert_eq!(exporter.stats().series_written, 7);
}

#[test]
fn distributions_carry_buckets_mean_and_squared_deviation() {
    let api = CloudMonitoring::start();
    let exporter = builder(&api).build().unwrap();
    let (reader, provider) = manual();
    let h = provider
        .meter("video")
        .f64_histogram("size")
        .with_buckets(vec![16.0, 256.0])
        .build()
        .unwrap();
    let values = [1.0, 20.0, 30.5, 300.0, 1e6, 7.25];
    for v in values {
        h.record(v, &[]);
    }
    exporter.export(&collect(&reader), TIMEOUT).expect("export");

    let written = api.accepted_series();
    let d = &series_of(&written, "workload.googleapis.com/size")[0]["points"][0]["value"]
        ["distributionValue"];
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let m2: f64 = values.iter().map(|v| (v - mean).powi(2)).sum();
    assert_eq!(d["count"], "6");
    assert_eq!(
        d["bucketOptions"],
        json!({"explicitBuckets": {"bounds": [16.0, 256.0]}})
    );
    assert_eq!(d["bucketCounts"], json!(["2", "2", "2"]));
    assert!((d["mean"].as_f64().unwrap() - mean).abs() < 1e-9);
    let ssd = d["sumOfSquaredDeviation"].as_f64().unwrap();
    assert!((ssd - m2).abs() / m2 < 1e-12, "{ssd} vs {m2}");
}

#[test]
fn the_periodic_reader_asks_for_the_spread() {
    use telemetry_core::MetricReader;
    let api = CloudMonitoring::start();
    let exporter = builder(&api).build().unwrap();
    assert!(exporter.needs_squared_deviation());
    assert!(PeriodicReader::builder(exporter)
        .build()
        .needs_squared_deviation());
}

#[test]
fn four_hundred_fifty_series_go_in_three_requests() {
    let api = CloudMonitoring::start();
    let exporter = builder(&api).build().unwrap();
    let (reader, provider) = manual();
    let c = provider
        .meter("video")
        .u64_counter("frames")
        .build()
        .unwrap();
    for i in 0..450 {
        c.add(i + 1, &[KeyValue::new("id", i.to_string())]);
    }
    exporter.export(&collect(&reader), TIMEOUT).expect("export");

    let writes: Vec<usize> = calls(&api)
        .into_iter()
        .filter(|(p, _)| p.ends_with("/timeSeries"))
        .map(|(_, n)| n)
        .collect();
    assert_eq!(writes, [200, 200, 50]);
    assert_eq!(api.accepted_series().len(), 450);
    assert_eq!(exporter.stats().requests, 3);
}

#[test]
fn a_second_export_too_soon_is_held_back_and_shutdown_writes_the_last_point() {
    let api = CloudMonitoring::start();
    let exporter = Arc::new(builder(&api).build().unwrap());
    let reader = PeriodicReader::builder(exporter.clone())
        .with_interval(Duration::from_secs(3600))
        .build();
    let provider = MeterProvider::builder().with_reader(reader).build();
    let c = provider
        .meter("video")
        .u64_counter("uploads")
        .build()
        .unwrap();

    c.add(1, &[]);
    provider.force_flush().expect("first export");
    let after_first = api.requests().len();
    c.add(1, &[]);
    provider
        .force_flush()
        .expect("a held-back export is not an error");
    assert_eq!(
        api.requests().len(),
        after_first,
        "nothing sent within 5 s of the last point"
    );
    assert_eq!(exporter.stats().series_held, 1);

    c.add(1, &[]); // the final value, 3, recorded right before shutdown
    let started = Instant::now();
    provider
        .shutdown_with_timeout(Duration::from_secs(15))
        .expect("shutdown");
    let waited = started.elapsed();

    let uploads = api.written();
    let points: Vec<&Value> = series_of(&uploads, "workload.googleapis.com/uploads");
    let values: Vec<&Value> = points
        .iter()
        .map(|s| &s["points"][0]["value"]["int64Value"])
        .collect();
    assert_eq!(
        values,
        [&json!("1"), &json!("3")],
        "the final value arrives, the one in between was superseded"
    );
    assert!(
        waited >= Duration::from_secs(3),
        "shutdown waited for the 5 s rule: {waited:?}"
    );
    assert!(
        api.requests().iter().all(|r| r.status == 200),
        "{:?}",
        api.requests()
    );
    assert_eq!(exporter.stats().series_held, 0);
    assert_eq!(
        exporter.stats().descriptors_created,
        1,
        "the descriptor is cached"
    );
}

#[test]
fn a_partial_400_is_surfaced_with_the_failing_series_and_not_retried() {
    let api = CloudMonitoring::start();
    let exporter = builder(&api).build().unwrap();
    let (task_key, task) = exporter.unique_label().unwrap();
    // Another writer already wrote `clashing` a minute in the future: our point is older.
    let descriptor = json!({"type": "workload.googleapis.com/clashing", "metricKind": "GAUGE",
        "valueType": "INT64", "labels": [{"key": task_key, "valueType": "STRING"}]});
    let future = json!({"timeSeries": [{
        "metric": {"type": "workload.googleapis.com/clashing", "labels": {task_key: task}},
        "resource": {"type": "global", "labels": {"project_id": PROJECT}},
        "metricKind": "GAUGE", "valueType": "INT64",
        "points": [{"interval": {"endTime": rfc3339(SystemTime::now() + Duration::from_secs(60))},
                    "value": {"int64Value": "1"}}]}]});
    for (path, body) in [("metricDescriptors", descriptor), ("timeSeries", future)] {
        let r = http_request(
            api.addr(),
            "POST",
            &format!("/v3/projects/{PROJECT}/{path}"),
            &[("Content-Type", "application/json")],
            body.to_string().as_bytes(),
        );
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.bytes));
    }
    let before = api.requests().len();

    let (reader, provider) = manual();
    let m = provider.meter("video");
    m.i64_gauge("clashing").build().unwrap().record(5, &[]);
    m.i64_gauge("fine").build().unwrap().record(6, &[]);
    let err = exporter
        .export(&collect(&reader), TIMEOUT)
        .expect_err("one series is rejected");
    let message = err.to_string();
    assert!(
        message.contains("1 series rejected (1 of 2 points written)"),
        "{message}"
    );
    assert!(
        message.contains("workload.googleapis.com/clashing"),
        "{message}"
    );
    assert!(message.contains("timeSeries[0]"), "{message}");

    let writes = api.requests()[before..]
        .iter()
        .filter(|r| r.path.ends_with("/timeSeries"))
        .count();
    assert_eq!(writes, 1, "a partial failure is not retried");
    let written = api.accepted_series();
    assert_eq!(series_of(&written, "workload.googleapis.com/fine").len(), 1);
    assert_eq!(exporter.stats().series_failed, 1);
}

#[test]
fn throttling_and_server_errors_are_retried_within_the_deadline() {
    let api = CloudMonitoring::start();
    let exporter = builder(&api).build().unwrap();
    let (reader, provider) = manual();
    provider
        .meter("video")
        .u64_counter("retried")
        .build()
        .unwrap()
        .add(1, &[]);
    api.fail_next(429, 1);
    exporter
        .export(&collect(&reader), TIMEOUT)
        .expect("export after a 429");
    provider
        .meter("video")
        .u64_counter("retried_again")
        .build()
        .unwrap()
        .add(1, &[]);
    api.fail_next(503, 2);
    exporter
        .export(&collect(&reader), TIMEOUT)
        .expect("export after two 503");
    let statuses: Vec<u16> = api.requests().iter().map(|r| r.status).collect();
    // descriptor (429, then 200), write; descriptor (503, 503, 200), write
    assert_eq!(statuses, [429, 200, 200, 503, 503, 200, 200]);
    let written = api.accepted_series();
    assert_eq!(written.len(), 2, "{written:#?}");

    // A deadline too short for the backoff: the export fails, nothing is lost for later.
    provider
        .meter("video")
        .u64_counter("late")
        .build()
        .unwrap()
        .add(1, &[]);
    api.fail_next(503, 100);
    let err = exporter
        .export(&collect(&reader), Duration::from_millis(300))
        .expect_err("no time left");
    assert!(err.to_string().contains("503"), "{err}");
}

#[test]
fn a_service_account_key_is_exchanged_for_tokens_that_are_refreshed() {
    let Some(auth) = GoogleAuth::start() else {
        return;
    };
    let api = CloudMonitoring::start_with_auth(&auth);
    auth.set_token_lifetime(Duration::from_secs(2));
    let exporter = StackdriverExporter::builder()
        .with_endpoint(api.base_url())
        .with_credentials(Credentials::service_account_json(&auth.service_account_json()).unwrap())
        .build()
        .unwrap();
    let (reader, provider) = manual();
    let m = provider.meter("video");

    m.u64_counter("first").build().unwrap().add(1, &[]);
    exporter
        .export(&collect(&reader), TIMEOUT)
        .expect("export with a JWT-exchanged token");
    let issued = auth.issued();
    assert_eq!(issued.len(), 1, "one token for all calls of one export");
    let telemetry_testkit::TokenGrant::Jwt { claims } = &issued[0].how else {
        panic!("{:?}", issued[0].how)
    };
    assert_eq!(
        claims["scope"],
        "https://www.googleapis.com/auth/monitoring.write"
    );
    assert_eq!(claims["aud"], auth.token_uri());
    assert_eq!(claims["iss"], auth.client_email());
    // The project came from the key file.
    assert!(api.requests().iter().all(|r| r
        .path
        .starts_with(&format!("/v3/projects/{}/", auth.project_id()))));

    std::thread::sleep(Duration::from_millis(1_200)); // past the refresh point of a 2 s token
    m.u64_counter("second").build().unwrap().add(1, &[]);
    exporter
        .export(&collect(&reader), TIMEOUT)
        .expect("export after refresh");
    assert_eq!(auth.issued().len(), 2, "refreshed before expiry");

    auth.set_token_lifetime(Duration::from_secs(3600));
    std::thread::sleep(Duration::from_millis(1_200));
    m.u64_counter("third").build().unwrap().add(1, &[]);
    exporter
        .export(&collect(&reader), TIMEOUT)
        .expect("export with a fresh token");
    let tokens = auth.issued().len();
    auth.revoke_all();
    m.u64_counter("fourth").build().unwrap().add(1, &[]);
    exporter
        .export(&collect(&reader), TIMEOUT)
        .expect("a 401 fetches a new token once");
    assert_eq!(auth.issued().len(), tokens + 1);
    assert!(api.requests().iter().any(|r| r.status == 401));
    assert!(api.requests().iter().all(|r| r
        .authorization
        .as_deref()
        .is_some_and(|a| a.starts_with("Bearer "))));
}

#[test]
fn the_metadata_server_gives_token_and_project() {
    let Some(auth) = GoogleAuth::start() else {
        return;
    };
    let api = CloudMonitoring::start_with_auth(&auth);
    let exporter = StackdriverExporter::builder()
        .with_endpoint(api.base_url())
        .with_credentials(Credentials::metadata_server_at(auth.metadata_host()))
        .build()
        .unwrap();
    let (reader, provider) = manual();
    provider
        .meter("video")
        .u64_counter("from_gce")
        .build()
        .unwrap()
        .add(1, &[]);
    exporter.export(&collect(&reader), TIMEOUT).expect("export");
    assert!(matches!(
        auth.issued()[0].how,
        telemetry_testkit::TokenGrant::Metadata
    ));
    let written = api.accepted_series();
    assert_eq!(
        written[0]["resource"]["labels"]["project_id"],
        auth.project_id()
    );
}

#[test]
fn prefix_resource_and_labels_are_configurable_and_reported() {
    let api = CloudMonitoring::start();
    let exporter = builder(&api)
        .with_metric_prefix("custom.googleapis.com/opencensus")
        .with_resource(MonitoredResource::generic_task(
            "europe-west1",
            "video",
            "encoder",
            "0",
        ))
        .build()
        .unwrap();
    assert_eq!(
        exporter.unique_label(),
        None,
        "a task identifies the process"
    );
    let (reader, provider) = manual();
    let c = provider
        .meter("video")
        .u64_counter("processed")
        .build()
        .unwrap();
    c.add(
        1,
        &[
            KeyValue::new("http.method", "GET"),
            KeyValue::new("9lives", "x"),
        ],
    );
    let many: Vec<KeyValue> = (0..31)
        .map(|i| KeyValue::new(format!("k{i}"), "v"))
        .collect();
    provider
        .meter("video")
        .u64_counter("wide")
        .build()
        .unwrap()
        .add(1, &many);
    // Two series whose attribute keys sanitize to the same label: one request may not
    // carry a series twice, so the second is dropped and counted.
    let dup = provider.meter("video").u64_counter("dup").build().unwrap();
    dup.add(1, &[KeyValue::new("a.b", "x")]);
    dup.add(2, &[KeyValue::new("a_b", "x")]);
    exporter.export(&collect(&reader), TIMEOUT).expect("export");

    let written = api.accepted_series();
    assert_eq!(written.len(), 2, "{written:#?}");
    assert_eq!(
        series_of(&written, "custom.googleapis.com/opencensus/dup").len(),
        1
    );
    let written: Vec<Value> = written
        .into_iter()
        .filter(|s| s["metric"]["type"] != "custom.googleapis.com/opencensus/dup")
        .collect();
    assert_eq!(
        written[0]["metric"]["type"],
        "custom.googleapis.com/opencensus/processed"
    );
    assert_eq!(
        written[0]["metric"]["labels"],
        json!({"http_method": "GET", "key_9lives": "x"})
    );
    assert_eq!(
        written[0]["resource"],
        json!({"type": "generic_task", "labels": {"project_id": PROJECT, "location": "europe-west1",
               "namespace": "video", "job": "encoder", "task_id": "0"}})
    );
    assert_eq!(
        exporter.stats().points_not_sent,
        2,
        "31 labels and a duplicate cannot be sent, and that is counted"
    );
    assert!(MonitoredResource::new("gce_instance", [("zone", "z")]).is_err());
}
