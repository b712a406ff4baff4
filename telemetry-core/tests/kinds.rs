//! The Prometheus-only kinds: summary, info, state set and gauge histogram, synchronous and
//! through a collector.

use telemetry_core::__private::{Binder, Describer, Observer, ValueField, ValueKind};
use telemetry_core::testing::TestProvider;
use telemetry_core::{Aggregation, EnumLabel, Error, KeyValue, MetricCollector, MetricData, View};

#[test]
fn a_summary_counts_and_sums_per_series() {
    let t = TestProvider::new();
    let summary = t.meter().f64_summary("request.size").build().unwrap();
    let get = [KeyValue::new("method", "GET")];
    for v in [1.0, 2.5, 3.5] {
        summary.record(v, &get);
    }
    summary.record(10.0, &[]);
    let snap = t.snapshot();
    snap.assert_summary("request.size", &get, 3, 7.0);
    snap.assert_summary("request.size", &[], 1, 10.0);
}

#[test]
fn a_view_turns_a_measure_into_a_summary() {
    let t = TestProvider::with_views(vec![View::new("latency")
        .rename("latency_summary")
        .aggregation(Aggregation::Summary)]);
    let latency = t.meter().f64_measure("latency").build().unwrap();
    latency.record(4.0, &[]);
    latency.record(6.0, &[]);
    t.snapshot().assert_summary("latency_summary", &[], 2, 10.0);
}

#[test]
fn an_info_exports_each_label_set_with_value_1() {
    let t = TestProvider::new();
    let info = t.meter().info("build").build().unwrap();
    let a = [KeyValue::new("version", "1.2.3")];
    let b = [KeyValue::new("version", "2.0.0")];
    info.set(&a);
    info.set(&a);
    info.set(&b);
    let snap = t.snapshot();
    snap.assert_info("build", &a);
    snap.assert_info("build", &b);
}

#[test]
fn a_state_set_has_exactly_one_current_state_per_series() {
    let t = TestProvider::new();
    let state = t
        .meter()
        .state_set("door", ["open", "closed", "locked"])
        .build()
        .unwrap();
    let front = [KeyValue::new("door_id", "front")];
    state.set("open", &front).unwrap();
    state.set("locked", &front).unwrap();
    state.set_index(1, &[]).unwrap();
    let snap = t.snapshot();
    snap.assert_state("door", &front, "locked");
    snap.assert_state("door", &[], "closed");
    // Three points per series: one per state.
    match &snap.metric("door").unwrap().data {
        MetricData::StateSet(g) => assert_eq!(g.points.len(), 6),
        other => panic!("not a state set: {other:?}"),
    }
}

#[test]
fn bad_states_are_typed_errors() {
    let t = TestProvider::new();
    let state = t.meter().state_set("s", ["a", "b"]).build().unwrap();
    assert!(matches!(
        state.set("c", &[]),
        Err(Error::UnknownState { state, .. }) if state == "c"
    ));
    assert!(matches!(
        state.set_index(2, &[]),
        Err(Error::UnknownState { .. })
    ));
    for states in [vec![], vec!["x", "x"], vec!["x", ""]] {
        let err = t.meter().state_set("t", states).build().unwrap_err();
        assert!(matches!(err, Error::UnknownState { .. }), "{err:?}");
    }
    // The same name with other states is a conflict, with the same states the same set.
    assert!(matches!(
        t.meter().state_set("s", ["a", "z"]).build(),
        Err(Error::Conflict { .. })
    ));
    assert!(t.meter().state_set("s", ["a", "b"]).build().is_ok());
}

#[test]
fn fixed_kinds_cannot_be_reaggregated_but_can_be_dropped() {
    let t = TestProvider::with_views(vec![View::new("build").aggregation(Aggregation::Sum)]);
    let err = t.meter().info("build").build().unwrap_err();
    assert!(matches!(err, Error::InvalidView { .. }), "{err:?}");

    let t = TestProvider::with_views(vec![View::new("build").aggregation(Aggregation::Drop)]);
    t.meter().info("build").build().unwrap().set(&[]);
    t.snapshot().assert_absent("build");
}

#[test]
fn a_gauge_histogram_is_recomputed_at_each_collection() {
    use std::sync::{Arc, Mutex};
    let t = TestProvider::new();
    let ages = Arc::new(Mutex::new(vec![0.5, 2.0, 30.0]));
    let source = ages.clone();
    let _h = t
        .meter()
        .f64_observable_gauge_histogram("job.age")
        .with_buckets(vec![1.0, 10.0])
        .with_callback(move |o| {
            for age in source.lock().unwrap().iter() {
                o.observe(*age, &[KeyValue::new("queue", "q")]);
            }
        })
        .build()
        .unwrap();
    let q = [KeyValue::new("queue", "q")];
    t.snapshot()
        .assert_histogram("job.age", &q, &[1, 1, 1], 32.5);
    // Two jobs left the queue: the counts go down.
    ages.lock().unwrap().truncate(1);
    t.snapshot()
        .assert_histogram("job.age", &q, &[1, 0, 0], 0.5);
}

#[derive(Clone, Copy)]
enum Charging {
    InProgress,
    Complete,
    Disconnected,
}

impl EnumLabel for Charging {
    const VALUES: &'static [&'static str] = &["Charging", "Complete", "Disconnected"];
    fn index(self) -> usize {
        self as usize
    }
}

/// Shaped like the derive's output for an info struct with a state-set field.
struct Car {
    vin: &'static str,
    state: Option<Charging>,
}

impl MetricCollector for Car {
    fn describe(d: &mut Describer<'_>) {
        d.info(ValueField {
            name: "car",
            kind: ValueKind::Info,
            unit: "",
            description: "the car",
        });
        d.state_set::<Option<Charging>>(ValueField {
            name: "car_charging_state",
            kind: ValueKind::StateSet,
            unit: "",
            description: "charging state",
        });
    }
    fn attributes(&self, out: &mut Vec<KeyValue>) {
        out.push(KeyValue::new("vin", self.vin));
    }
    fn observe(&self, o: &mut Observer<'_>) {
        o.info();
        o.state(&self.state);
    }
    fn bind(&mut self, _: &mut Binder<'_>) -> Result<(), Error> {
        Ok(())
    }
}

#[test]
fn collectors_report_info_and_state_sets() {
    let t = TestProvider::new();
    let car = t
        .meter()
        .register(Car {
            vin: "5YJ3",
            state: None,
        })
        .unwrap();
    let vin = [KeyValue::new("vin", "5YJ3")];
    let snap = t.snapshot();
    snap.assert_info("car", &vin);
    snap.assert_absent("car_charging_state"); // None: no observation
    car.update(|c| c.state = Some(Charging::Complete));
    t.snapshot()
        .assert_state("car_charging_state", &vin, "Complete");
    car.update(|c| c.state = Some(Charging::Disconnected));
    t.snapshot()
        .assert_state("car_charging_state", &vin, Charging::Disconnected.as_str());
    assert_eq!(Charging::InProgress.as_str(), "Charging");
}
