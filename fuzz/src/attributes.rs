//! Attribute sets (`telemetry_core::Attributes`) and the Prometheus label rules: names
//! sanitised, values escaped, keys that sanitise alike merged.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use telemetry_core::{
    Attributes, GaugeData as Gauge, KeyValue, Metric, MetricData, Number, NumberPoint,
    ResourceMetrics, ScopeMetrics, Value,
};
use telemetry_exporters::prometheus::names::{sanitize_label_name, sanitize_metric_name};
use telemetry_exporters::prometheus::{encode_openmetrics, encode_text, TextOptions};

use crate::expo::{self, show};
use crate::model;
use crate::oracle;
use crate::tape::Tape;

fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::F64(x), Value::F64(y)) => x.to_bits() == y.to_bits(),
        _ => a == b,
    }
}

fn hash_of(a: &Attributes) -> u64 {
    let mut h = DefaultHasher::new();
    a.hash(&mut h);
    h.finish()
}

/// Invariants:
///
/// - `Attributes::new` sorts by key (bytewise), keeps each key once, and the *last* value
///   given for a key wins (its documented rule); `get` finds every key and nothing else;
/// - the set does not depend on the order of distinct keys (equal and equally hashed),
///   and `merged(extra)` is `new(pairs ++ extra)`;
/// - `sanitize_label_name` / `sanitize_metric_name` give valid Prometheus names, equal to
///   the documented mapping, leave valid names alone and are idempotent;
/// - a gauge with the set as its attributes, encoded in both formats, reads back with
///   exactly the documented label set (values unescaped equal to the input values,
///   colliding keys joined with `;` in key order).
pub fn attributes(data: &[u8]) {
    let mut tape = Tape::new(data);
    let mut pairs = Vec::new();
    for _ in 0..1 + tape.below(3) {
        pairs.extend(model::pairs(&mut tape));
    }
    let set = Attributes::new(pairs.clone());

    let slice = set.as_slice();
    assert!(
        slice.windows(2).all(|w| w[0].key < w[1].key),
        "not strictly sorted: {set:?}"
    );
    let mut last: Vec<&KeyValue> = Vec::new();
    for kv in &pairs {
        match last.iter_mut().find(|l| l.key == kv.key) {
            Some(l) => *l = kv,
            None => last.push(kv),
        }
    }
    assert_eq!(set.len(), last.len(), "{pairs:?} → {set:?}");
    for kv in &last {
        let got = set.get(&kv.key).expect("a key given is found");
        assert!(
            same(got, &kv.value),
            "{}: {got:?}, last given {:?}",
            kv.key,
            kv.value
        );
    }
    let absent = format!("{}\u{1}", slice.last().map_or("", |kv| &kv.key));
    assert!(set.get(&absent).is_none());

    let reordered = Attributes::new(last.iter().rev().map(|kv| (*kv).clone()));
    assert_eq!(reordered, set);
    assert_eq!(hash_of(&reordered), hash_of(&set));
    let extra = model::pairs(&mut tape);
    let merged = set.merged(&extra);
    let direct = Attributes::new(pairs.iter().chain(&extra).cloned());
    assert_eq!(merged, direct, "merged({extra:?})");
    assert_eq!(hash_of(&merged), hash_of(&direct));

    for kv in &pairs {
        names(&kv.key);
    }
    names(&tape.text());

    round_trip(set);
}

fn names(key: &str) {
    let label = sanitize_label_name(key);
    assert_eq!(label, oracle::label_name(key), "label name of {key:?}");
    assert!(
        expo::is_label_name(&label) && !label.starts_with("__"),
        "{label:?}"
    );
    assert_eq!(sanitize_label_name(&label), label, "idempotent");
    if expo::is_label_name(key) && !key.starts_with("__") {
        assert_eq!(label, key, "a valid label name is left alone");
    }
    let metric = sanitize_metric_name(key);
    assert_eq!(metric, oracle::metric_name(key), "metric name of {key:?}");
    assert!(expo::is_metric_name(&metric), "{metric:?}");
    assert_eq!(sanitize_metric_name(&metric), metric, "idempotent");
    if expo::is_metric_name(key) {
        assert_eq!(metric, key, "a valid metric name is left alone");
    }
}

fn round_trip(set: Attributes) {
    let expected = oracle::labels(set.iter(), None, None);
    let metrics = ResourceMetrics {
        scope_metrics: vec![ScopeMetrics {
            scope: Default::default(),
            metrics: vec![Metric {
                name: "g".into(),
                description: "".into(),
                unit: "".into(),
                data: MetricData::Gauge(Gauge {
                    points: vec![NumberPoint {
                        attributes: set,
                        start_time: std::time::UNIX_EPOCH,
                        time: std::time::UNIX_EPOCH,
                        value: Number::F64(0.5),
                    }],
                }),
            }],
        }],
        ..Default::default()
    };
    let options = TextOptions::default();
    let mut text = String::new();
    assert!(encode_text(&metrics, &options, &mut text).is_empty());
    let mut om = String::new();
    assert!(encode_openmetrics(&metrics, &options, &mut om).is_empty());
    for blocks in [expo::parse_text(&text), expo::parse_openmetrics(&om)] {
        let blocks = blocks.unwrap_or_else(|e| panic!("{e}\n{text}\n{om}"));
        let [block] = &blocks[..] else {
            panic!("one family expected:\n{text}\n{om}")
        };
        let [sample] = &block.samples[..] else {
            panic!("one sample expected:\n{text}\n{om}")
        };
        assert_eq!(sample.raw, "0.5");
        let mut labels = sample.labels.clone();
        labels.sort();
        assert_eq!(
            labels,
            expected,
            "written {}, expected {}",
            show(&sample.labels),
            show(&expected)
        );
        assert!(
            sample.labels.windows(2).all(|w| w[0].0 < w[1].0),
            "labels sorted by name, each once"
        );
    }
}
