//! Every option, on a struct used the way an application would.
#![deny(warnings, missing_docs, unused_qualifications)]

use std::borrow::Cow;

use telemetry_core::testing::TestProvider;
use telemetry_core::{BoundCounter, BoundGauge, BoundUpDownCounter, MetricCollector};

/// A nested collector, in a module with other imports.
pub mod cell {
    use std::time::Duration;

    use telemetry_core::{BoundHistogram, MetricCollector};

    /// One cell.
    #[derive(MetricCollector, Default)]
    #[metric(prefix = "cell")]
    pub struct Cell {
        /// Cell voltage.
        #[metric(unit = "V")]
        pub voltage: f32,
        /// Since the last balance.
        #[metric(unit = "s")]
        pub since_balance: Duration,
        /// Balance latency.
        #[metric(unit = "s")]
        pub balance: BoundHistogram<f64>,
        /// Cell position.
        #[metric(attribute, name = "cell")]
        pub index: u8,
    }
}

/// The struct under test.
#[derive(MetricCollector, Default)]
#[metric(prefix = "chargestate")]
pub struct ChargeState {
    /// Battery level,
    /// in percent.
    #[metric(gauge, unit = "%")]
    pub battery_level: u8,
    /// Energy added.
    #[metric(counter, unit = "kWh", name = "charge_energy_added_total")]
    pub energy: f64,
    /// Queue position.
    #[metric(updown_counter)]
    pub queue: i64,
    /// Plugged in.
    #[metric]
    pub plugged_in: bool,
    /// Maybe known.
    #[metric(description = "Minutes to full charge")]
    pub minutes_to_full: Option<u32>,
    /// Since plug-in.
    #[metric(unit = "s")]
    pub elapsed: std::time::Duration,
    /// Sessions.
    #[metric(unit = "{session}")]
    pub sessions: BoundCounter<u64>,
    /// Connected chargers.
    #[metric]
    pub connected: BoundUpDownCounter<i64>,
    /// Temperature.
    #[metric(unit = "Cel")]
    pub temperature: BoundGauge<f64>,
    /// Request latency.
    #[metric(unit = "s", buckets = [0.005, 0.01, 1, 2.5, 10])]
    pub latency: telemetry_core::BoundHistogram<f64>,
    /// Default buckets.
    #[metric]
    pub sizes: telemetry_core::BoundHistogram<u64>,
    /// Nested.
    #[metric(flatten)]
    pub cell: cell::Cell,
    /// Labels.
    #[metric(attribute)]
    pub vehicle_id: String,
    /// Static label.
    #[metric(attribute)]
    pub site: &'static str,
    /// Cow label.
    #[metric(attribute, name = "region")]
    pub zone: Cow<'static, str>,
    /// Integer label.
    #[metric(attribute)]
    pub bay: u16,
    /// Bool label.
    #[metric(attribute)]
    pub fast: bool,
    /// Not a metric.
    pub note: String,
}

fn main() {
    let t = TestProvider::new();
    let state = ChargeState {
        vehicle_id: "v1".to_owned(),
        site: "depot",
        ..ChargeState::default()
    };
    let registered = t.meter().register(state).unwrap();
    registered.update(|s| s.battery_level = 80);
    registered.read().sessions.add(1);
    let _ = t.snapshot();
}
