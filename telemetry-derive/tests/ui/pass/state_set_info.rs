//! State-set fields, info structs and summaries, under strict lints.
#![deny(warnings, missing_docs, unused_qualifications)]

use telemetry_core::testing::TestProvider;
use telemetry_core::{BoundSummary, EnumLabel, MetricCollector};

/// A charging state.
#[derive(EnumLabel, Clone, Copy, Default)]
#[label(rename_all = "snake_case")]
pub enum Charging {
    /// Nothing plugged in.
    #[default]
    Disconnected,
    /// Charging.
    InProgress,
}

/// Build information.
#[derive(MetricCollector)]
#[metric(info, prefix = "ev_observer_build")]
pub struct BuildInfo {
    /// The version.
    #[metric(attribute)]
    pub version: &'static str,
    /// The commit.
    #[metric(attribute, name = "revision")]
    pub commit: String,
    /// Not exported.
    pub note: String,
}

/// An info struct with the default name (the type name in snake case) and no attributes
/// of its own: its labels are its parents'.
#[derive(MetricCollector, Default)]
#[metric(info)]
pub struct Firmware {}

/// A generic info struct.
#[derive(MetricCollector)]
#[metric(info, prefix = "generic")]
pub struct GenericInfo<T> {
    /// A label.
    #[metric(attribute)]
    pub label: &'static str,
    /// Not exported.
    pub data: T,
}

/// The struct under test.
#[derive(MetricCollector, Default)]
#[metric(prefix = "chargestate")]
pub struct ChargeState {
    /// Charging state.
    #[metric(state_set)]
    pub state: Charging,
    /// Previous state, unknown at first.
    #[metric(state_set, name = "chargestate_previous_state", description = "Before")]
    pub previous: Option<Charging>,
    /// Request sizes.
    #[metric(unit = "By")]
    pub sizes: BoundSummary<u64>,
    /// Latencies.
    #[metric(unit = "s")]
    pub latency: BoundSummary<f64>,
    /// Firmware, as an info labelled with this struct's attributes.
    #[metric(flatten)]
    pub firmware: Firmware,
    /// Vehicle.
    #[metric(attribute)]
    pub vehicle_id: String,
}

fn main() {
    let t = TestProvider::new();
    let _build = t
        .meter()
        .register(BuildInfo {
            version: "1.0",
            commit: "abc".to_owned(),
            note: String::new(),
        })
        .unwrap();
    let _generic = t
        .meter()
        .register(GenericInfo {
            label: "x",
            data: 1u8,
        })
        .unwrap();
    let state = t.meter().register(ChargeState::default()).unwrap();
    state.read().sizes.record(10);
    state.update(|s| s.state = Charging::InProgress);
    let _ = t.snapshot();
}
