//! What a derived collector exports: names, kinds, units, descriptions, attributes, nesting
//! and instrument fields, read back through `telemetry_core::testing`.
#![deny(clippy::all, clippy::pedantic)]

use std::time::Duration;

use telemetry_core::testing::TestProvider;
use telemetry_core::{BoundCounter, BoundHistogram, KeyValue, MetricCollector, MetricData};

#[derive(MetricCollector, Default)]
struct Cell {
    /// Cell voltage.
    #[metric(unit = "V")]
    voltage: f64,
    #[metric(attribute)]
    cell: u8,
}

#[derive(MetricCollector, Default)]
struct ChargeState {
    /// Battery level,
    ///   in percent.
    #[metric(unit = "%")]
    battery_level: u8,
    #[metric(counter, name = "energy_added_total", description = "Energy added")]
    energy: f64,
    #[metric(updown_counter)]
    queue: i64,
    #[metric]
    plugged_in: bool,
    #[metric]
    minutes_to_full: Option<u32>,
    #[metric]
    elapsed: Duration,
    #[metric]
    sessions: BoundCounter<u64>,
    #[metric(unit = "s", buckets = [1, 2.5])]
    latency: BoundHistogram<f64>,
    #[metric(flatten)]
    first: Cell,
    #[metric(attribute, name = "vehicle")]
    vehicle_id: String,
    #[allow(dead_code)]
    ignored: u64,
}

#[test]
fn exports_every_field() {
    let t = TestProvider::new();
    let state = ChargeState {
        vehicle_id: "v1".to_owned(),
        first: Cell {
            voltage: 3.7,
            cell: 1,
        },
        ..ChargeState::default()
    };
    // Recorded before registration: folded into the registered series.
    state.sessions.add(2);
    let registered = t.meter().register(state).unwrap();
    registered.update(|s| {
        s.battery_level = 80;
        s.energy = 12.5;
        s.queue = -1;
        s.plugged_in = true;
        s.elapsed = Duration::from_millis(1500);
    });
    registered.read().sessions.add(1);
    registered.read().latency.record(2.0);

    let snapshot = t.snapshot();
    let vehicle = [KeyValue::new("vehicle", "v1")];
    let cell = [KeyValue::new("vehicle", "v1"), KeyValue::new("cell", 1u8)];
    snapshot.assert_gauge("charge_state_battery_level", &vehicle, 80u64);
    snapshot.assert_sum("energy_added_total", &vehicle, 12.5);
    snapshot.assert_sum("charge_state_queue", &vehicle, -1i64);
    snapshot.assert_gauge("charge_state_plugged_in", &vehicle, 1i64);
    snapshot.assert_gauge("charge_state_elapsed", &vehicle, 1.5);
    snapshot.assert_sum("charge_state_sessions", &vehicle, 3u64);
    snapshot.assert_histogram("charge_state_latency", &vehicle, &[0, 1, 0], 2.0);
    snapshot.assert_gauge("cell_voltage", &cell, 3.7);
    // `None`: no observation, not zero.
    assert!(snapshot
        .value("charge_state_minutes_to_full", &vehicle)
        .is_none());
    snapshot.assert_absent("charge_state_ignored");

    let level = snapshot.0.metric("charge_state_battery_level").unwrap();
    assert_eq!(&*level.unit, "%");
    assert_eq!(&*level.description, "Battery level, in percent.");
    let energy = snapshot.0.metric("energy_added_total").unwrap();
    assert_eq!(&*energy.description, "Energy added");
    let latency = snapshot.0.metric("charge_state_latency").unwrap();
    match &latency.data {
        MetricData::Histogram(h) => assert_eq!(h.points[0].bounds, [1.0, 2.5]),
        other => panic!("expected a histogram, found {other:?}"),
    }
}
