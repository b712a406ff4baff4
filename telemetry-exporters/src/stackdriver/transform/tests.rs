use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use serde_json::{json, Value};
use telemetry_core::{Aggregation, KeyValue, ManualReader, MeterProvider, View};

use super::*;

fn shape() -> Shape {
    Shape {
        prefix: "workload.googleapis.com/".into(),
        resource: MonitoredResourceRef {
            resource_type: "global".into(),
            labels: BTreeMap::from([("project_id".to_owned(), "p".to_owned())]),
        },
        unique_label: Some(("opentelemetry_task".into(), "rust-1@h".into())),
    }
}

fn translated(record: impl FnOnce(&MeterProvider)) -> (Translated, Problems) {
    // As the exporter's periodic reader does: histograms carry their spread.
    let reader = ManualReader::with_squared_deviation();
    let provider = MeterProvider::builder()
        .with_reader(reader.clone())
        .with_view(View::new("video_count").aggregation(Aggregation::Count))
        .build();
    record(&provider);
    let mut problems = Problems::default();
    let t = translate(&reader.collect().unwrap(), &shape(), &mut problems);
    (t, problems)
}

fn json_of(t: &Translated, ty: &str) -> Vec<Value> {
    t.series
        .iter()
        .filter(|s| s.metric.metric_type == ty)
        .map(|s| serde_json::to_value(s).unwrap())
        .collect()
}

#[test]
fn kinds_and_value_types_follow_the_table() {
    let (t, problems) = translated(|p| {
        let m = p.meter("video");
        m.u64_counter("processed")
            .with_unit("By")
            .build()
            .unwrap()
            .add(7, &[KeyValue::new("http.method", "GET")]);
        m.f64_up_down_counter("queue")
            .build()
            .unwrap()
            .add(-1.5, &[]);
        m.i64_gauge("temperature").build().unwrap().record(-3, &[]);
        m.f64_histogram("latency")
            .with_buckets(vec![1.0, 2.0])
            .build()
            .unwrap()
            .record(0.5, &[]);
        let count = m.f64_histogram("video_count").build().unwrap();
        count.record(10.0, &[]);
        count.record(20.0, &[]);
    });
    assert_eq!(
        problems.iter().map(|p| p.kind).collect::<Vec<_>>(),
        vec![Problem::KeyRenamed]
    );

    let processed = &json_of(&t, "workload.googleapis.com/processed")[0];
    assert_eq!(processed["metricKind"], "CUMULATIVE");
    assert_eq!(processed["valueType"], "INT64");
    assert_eq!(processed["unit"], "By");
    assert_eq!(processed["points"][0]["value"], json!({"int64Value": "7"}));
    assert!(processed["points"][0]["interval"]["startTime"].is_string());
    assert_eq!(
        processed["metric"]["labels"],
        json!({"http_method": "GET", "opentelemetry_task": "rust-1@h"})
    );
    assert_eq!(
        processed["resource"],
        json!({"type": "global", "labels": {"project_id": "p"}})
    );

    let queue = &json_of(&t, "workload.googleapis.com/queue")[0];
    assert_eq!(
        (queue["metricKind"].as_str(), queue["valueType"].as_str()),
        (Some("GAUGE"), Some("DOUBLE"))
    );
    assert!(queue["points"][0]["interval"].get("startTime").is_none());
    assert_eq!(queue["points"][0]["value"], json!({"doubleValue": -1.5}));

    let temp = &json_of(&t, "workload.googleapis.com/temperature")[0];
    assert_eq!(temp["points"][0]["value"], json!({"int64Value": "-3"}));

    // The Count view of seed 003: a CUMULATIVE INT64 of the number of values.
    let count = &json_of(&t, "workload.googleapis.com/video_count")[0];
    assert_eq!(
        (count["metricKind"].as_str(), count["valueType"].as_str()),
        (Some("CUMULATIVE"), Some("INT64"))
    );
    assert_eq!(count["points"][0]["value"], json!({"int64Value": "2"}));

    let latency = &json_of(&t, "workload.googleapis.com/latency")[0];
    assert_eq!(latency["valueType"], "DISTRIBUTION");
    assert_eq!(
        latency["points"][0]["value"]["distributionValue"],
        json!({"count": "1", "mean": 0.5, "sumOfSquaredDeviation": 0.0,
               "bucketOptions": {"explicitBuckets": {"bounds": [1.0, 2.0]}},
               "bucketCounts": ["1", "0", "0"]})
    );

    let d = &t.descriptors["workload.googleapis.com/processed"];
    assert_eq!(
        (d.metric_kind, d.value_type),
        (MetricKind::Cumulative, ValueType::Int64)
    );
    let keys: Vec<&str> = d.labels.iter().map(|l| l.key.as_str()).collect();
    assert_eq!(keys, vec!["http_method", "opentelemetry_task"]);
}

#[test]
fn distributions_carry_mean_and_exact_squared_deviation() {
    let values = [3.0, 4.0, 8.0, 100.0, 0.25];
    let (t, _) = translated(|p| {
        let h = p
            .meter("v")
            .f64_histogram("size")
            .with_buckets(vec![1.0, 10.0])
            .build()
            .unwrap();
        for v in values {
            h.record(v, &[]);
        }
    });
    let TypedValue::Distribution(d) = &t.series[0].points[0].value else {
        panic!()
    };
    let mean = values.iter().sum::<f64>() / 5.0;
    let m2: f64 = values.iter().map(|v| (v - mean).powi(2)).sum();
    assert_eq!(d.count, 5);
    assert!((d.mean - mean).abs() < 1e-12);
    assert!((d.sum_of_squared_deviation - m2).abs() < 1e-9 * m2);
    assert_eq!(d.bucket_counts, vec![1, 3, 1]);
}

#[test]
fn state_sets_are_bools_and_summaries_split() {
    let (t, _) = translated(|p| {
        let m = p.meter("v");
        m.state_set("door", ["open", "closed"])
            .build()
            .unwrap()
            .set("open", &[])
            .unwrap();
        m.summary("rtt").build().unwrap().record(2.0, &[]);
    });
    let door = json_of(&t, "workload.googleapis.com/door");
    assert_eq!(door.len(), 2);
    assert!(door
        .iter()
        .all(|s| s["valueType"] == "BOOL" && s["metricKind"] == "GAUGE"));
    assert!(door
        .iter()
        .any(|s| s["metric"]["labels"]["door"] == "open"
            && s["points"][0]["value"]["boolValue"] == true));
    assert_eq!(
        json_of(&t, "workload.googleapis.com/rtt_count")[0]["points"][0]["value"],
        json!({"int64Value": "1"})
    );
    assert_eq!(
        json_of(&t, "workload.googleapis.com/rtt_sum")[0]["points"][0]["value"],
        json!({"doubleValue": 2.0})
    );
}

#[test]
fn large_unsigned_values_are_capped_and_reported() {
    let (t, problems) = translated(|p| {
        p.meter("v")
            .u64_counter("big")
            .build()
            .unwrap()
            .add(u64::MAX, &[]);
    });
    assert_eq!(t.series[0].points[0].value, TypedValue::Int64(i64::MAX));
    assert_eq!(problems.iter().next().unwrap().kind, Problem::ValueClamped);
}

#[test]
fn more_than_200_buckets_are_merged_without_losing_counts() {
    let bounds: Vec<f64> = (1..=450).map(f64::from).collect();
    let counts: Vec<u64> = (0..451).map(|i| i % 3).collect();
    let (b, c) = fit_buckets(&bounds, &counts);
    assert!(c.len() <= MAX_BUCKETS);
    assert_eq!(c.len(), b.len() + 1);
    assert_eq!(c.iter().sum::<u64>(), counts.iter().sum::<u64>());
    assert!(b.windows(2).all(|w| w[0] < w[1]));
    // Merged runs of 3: the first bucket is (-inf, 3], whose bound is the third.
    assert_eq!((b[0], c[0]), (3.0, 1 + 2)); // counts 0, 1, 2
}

#[test]
fn cumulative_start_is_before_end() {
    let now = SystemTime::now();
    let (t, _) = translated(|p| {
        p.meter("v").u64_counter("c").build().unwrap().add(1, &[]);
    });
    let i = t.series[0].points[0].interval;
    assert!(i.start_time.unwrap() < i.end_time);
    assert!(i.end_time >= now - Duration::from_secs(1));
}
