use std::time::{Duration, SystemTime, UNIX_EPOCH};

use opentelemetry_proto::tonic::common::v1::any_value::Value as Any;
use opentelemetry_proto::tonic::metrics::v1::{
    metric::Data, number_data_point::Value as V, AggregationTemporality,
};
use telemetry_core::{
    Attributes, GaugeData, HistogramData, HistogramPoint, KeyValue, Metric, MetricData, Number,
    NumberPoint, Resource, ResourceMetrics, Scope, ScopeMetrics, SumData, SummaryData,
    SummaryPoint, Temporality,
};

use super::{to_request, unix_nanos};

const START: u64 = 1_700_000_000_000_000_123;
const END: u64 = 1_700_000_010_000_000_456;

fn at(nanos: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_nanos(nanos)
}

fn point(value: Number, attrs: Vec<KeyValue>) -> NumberPoint {
    NumberPoint {
        attributes: Attributes::new(attrs),
        start_time: at(START),
        time: at(END),
        value,
    }
}

fn metric(name: &str, data: MetricData) -> Metric {
    Metric {
        name: name.into(),
        description: format!("{name} help").into(),
        unit: "1".into(),
        data,
    }
}

fn collection(metrics: Vec<Metric>) -> ResourceMetrics {
    ResourceMetrics {
        resource: Resource::new([KeyValue::new("service.name", "unit-test")]),
        scope_metrics: vec![ScopeMetrics {
            scope: Scope {
                name: "shop".into(),
                version: Some("1.2".into()),
            },
            metrics,
        }],
    }
}

fn data(rm: &ResourceMetrics, i: usize) -> Data {
    let req = to_request(rm);
    req.resource_metrics[0].scope_metrics[0].metrics[i]
        .data
        .clone()
        .unwrap()
}

#[test]
fn resource_scope_and_metadata() {
    let req = to_request(&collection(vec![metric(
        "up",
        MetricData::Gauge(GaugeData {
            points: vec![point(Number::I64(1), vec![])],
        }),
    )]));
    let rm = &req.resource_metrics[0];
    let res = &rm.resource.as_ref().unwrap().attributes;
    assert_eq!(res[0].key, "service.name");
    assert_eq!(
        res[0].value.as_ref().unwrap().value,
        Some(Any::StringValue("unit-test".into()))
    );
    let sm = &rm.scope_metrics[0];
    let scope = sm.scope.as_ref().unwrap();
    assert_eq!(
        (scope.name.as_str(), scope.version.as_str()),
        ("shop", "1.2")
    );
    let m = &sm.metrics[0];
    assert_eq!(
        (m.name.as_str(), m.description.as_str(), m.unit.as_str()),
        ("up", "up help", "1")
    );
}

#[test]
fn a_resource_without_a_service_name_gets_the_specified_default() {
    let mut rm = collection(vec![]);
    rm.resource = Resource::new([KeyValue::new("host.name", "h")]);
    let req = to_request(&rm);
    let res = &req.resource_metrics[0]
        .resource
        .as_ref()
        .unwrap()
        .attributes;
    let service = res.iter().find(|kv| kv.key == "service.name").unwrap();
    assert_eq!(
        service.value.as_ref().unwrap().value,
        Some(Any::StringValue("unknown_service".into()))
    );
    assert_eq!(res.len(), 2);
}

#[test]
fn attributes_of_every_value_type() {
    let rm = collection(vec![metric(
        "g",
        MetricData::Gauge(GaugeData {
            points: vec![point(
                Number::F64(0.5),
                vec![
                    KeyValue::new("s", "x"),
                    KeyValue::new("i", -3_i64),
                    KeyValue::new("f", 2.5_f64),
                    KeyValue::new("b", true),
                ],
            )],
        }),
    )]);
    let Data::Gauge(g) = data(&rm, 0) else {
        panic!("not a gauge")
    };
    let got: Vec<(String, Any)> = g.data_points[0]
        .attributes
        .iter()
        .map(|kv| (kv.key.clone(), kv.value.clone().unwrap().value.unwrap()))
        .collect();
    let want = [
        ("b", Any::BoolValue(true)),
        ("f", Any::DoubleValue(2.5)),
        ("i", Any::IntValue(-3)),
        ("s", Any::StringValue("x".into())),
    ];
    for (k, v) in want {
        assert!(got.contains(&(k.to_owned(), v.clone())), "{k}: {got:?}");
    }
    assert_eq!(g.data_points[0].value, Some(V::AsDouble(0.5)));
}

#[test]
fn sums_keep_monotonicity_temporality_times_and_number_types() {
    let rm = collection(vec![
        metric(
            "requests",
            MetricData::Sum(SumData {
                points: vec![point(Number::U64(7), vec![])],
                monotonic: true,
                temporality: Temporality::Cumulative,
            }),
        ),
        metric(
            "in_flight",
            MetricData::Sum(SumData {
                points: vec![point(Number::I64(-2), vec![])],
                monotonic: false,
                temporality: Temporality::Delta,
            }),
        ),
        metric(
            "huge",
            MetricData::Sum(SumData {
                points: vec![point(Number::U64(u64::MAX), vec![])],
                monotonic: true,
                temporality: Temporality::Cumulative,
            }),
        ),
    ]);
    let Data::Sum(a) = data(&rm, 0) else { panic!() };
    assert!(a.is_monotonic);
    assert_eq!(
        a.aggregation_temporality,
        AggregationTemporality::Cumulative as i32
    );
    assert_eq!(a.data_points[0].value, Some(V::AsInt(7)));
    assert_eq!(a.data_points[0].start_time_unix_nano, START);
    assert_eq!(a.data_points[0].time_unix_nano, END);
    let Data::Sum(b) = data(&rm, 1) else { panic!() };
    assert!(!b.is_monotonic);
    assert_eq!(
        b.aggregation_temporality,
        AggregationTemporality::Delta as i32
    );
    assert_eq!(b.data_points[0].value, Some(V::AsInt(-2)));
    let Data::Sum(c) = data(&rm, 2) else { panic!() };
    assert_eq!(c.data_points[0].value, Some(V::AsDouble(u64::MAX as f64)));
}

fn hist() -> HistogramData {
    HistogramData {
        points: vec![HistogramPoint {
            attributes: Attributes::new([KeyValue::new("route", "/")]),
            start_time: at(START),
            time: at(END),
            bounds: vec![0.1, 1.0],
            bucket_counts: vec![1, 2, 0],
            count: 3,
            sum: 1.25,
            min: Some(0.05),
            max: Some(0.7),
            sum_of_squared_deviation: 0.245,
        }],
        temporality: Temporality::Cumulative,
    }
}

#[test]
fn histograms_and_gauge_histograms() {
    let rm = collection(vec![
        metric("latency", MetricData::Histogram(hist())),
        metric("queue_age", MetricData::GaugeHistogram(hist())),
    ]);
    let Data::Histogram(h) = data(&rm, 0) else {
        panic!()
    };
    assert_eq!(
        h.aggregation_temporality,
        AggregationTemporality::Cumulative as i32
    );
    let p = &h.data_points[0];
    assert_eq!(p.explicit_bounds, [0.1, 1.0]);
    assert_eq!(p.bucket_counts, [1, 2, 0]);
    assert_eq!(
        (p.count, p.sum, p.min, p.max),
        (3, Some(1.25), Some(0.05), Some(0.7))
    );
    assert_eq!((p.start_time_unix_nano, p.time_unix_nano), (START, END));
    let Data::Histogram(g) = data(&rm, 1) else {
        panic!()
    };
    assert_eq!(
        g.aggregation_temporality,
        AggregationTemporality::Delta as i32
    );
    assert_eq!(g.data_points[0].bucket_counts, [1, 2, 0]);
}

#[test]
fn summaries_info_and_state_sets() {
    let rm = collection(vec![
        metric(
            "rpc",
            MetricData::Summary(SummaryData {
                points: vec![SummaryPoint {
                    attributes: Attributes::empty(),
                    start_time: at(START),
                    time: at(END),
                    count: 4,
                    sum: 10.0,
                    quantiles: vec![(0.5, 2.0), (0.99, 4.0)],
                }],
            }),
        ),
        metric(
            "build",
            MetricData::Info(GaugeData {
                points: vec![point(Number::U64(1), vec![KeyValue::new("version", "1.0")])],
            }),
        ),
        metric(
            "door",
            MetricData::StateSet(GaugeData {
                points: vec![
                    point(Number::U64(1), vec![KeyValue::new("door", "open")]),
                    point(Number::U64(0), vec![KeyValue::new("door", "closed")]),
                ],
            }),
        ),
    ]);
    let Data::Summary(s) = data(&rm, 0) else {
        panic!()
    };
    let p = &s.data_points[0];
    assert_eq!((p.count, p.sum), (4, 10.0));
    let q: Vec<(f64, f64)> = p
        .quantile_values
        .iter()
        .map(|q| (q.quantile, q.value))
        .collect();
    assert_eq!(q, [(0.5, 2.0), (0.99, 4.0)]);
    for i in [1, 2] {
        let Data::Sum(sum) = data(&rm, i) else {
            panic!("info/stateset is a sum")
        };
        assert!(!sum.is_monotonic);
        assert_eq!(
            sum.aggregation_temporality,
            AggregationTemporality::Cumulative as i32
        );
    }
    let Data::Sum(states) = data(&rm, 2) else {
        panic!()
    };
    let values: Vec<_> = states.data_points.iter().map(|p| p.value).collect();
    assert_eq!(values, [Some(V::AsInt(1)), Some(V::AsInt(0))]);
}

#[test]
fn times_before_the_epoch_are_unknown() {
    assert_eq!(unix_nanos(UNIX_EPOCH - Duration::from_secs(1)), 0);
    assert_eq!(unix_nanos(at(START)), START);
}
