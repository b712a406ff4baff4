//! Seed 000 without a Tesla account.
//!
//! | piece | seed 000 (Python) | here |
//! |---|---|---|
//! | collectors | `ChargeState`, `DriveState` (`MetricCollector` subclasses) | `#[derive(MetricCollector)]` structs |
//! | container | `EVMetricData` with `vehicle_id` | [`EvMetricData`], `vehicle_id` as `#[metric(attribute)]` |
//! | fetcher | `AbstractVehicleDataFetcher` | [`VehicleDataFetcher`], [`SimulatedVehicle`] |
//! | instrumentor | owns fetcher + collectors | [`Instrumentor`] |

mod collectors;
mod simulator;

pub use collectors::{ChargeState, DriveState, EvMetricData};
pub use simulator::SimulatedVehicle;

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use telemetry_core::{Error, Meter, Registered};

/// The 33 metric names the two collectors produce, sorted.
pub const METRIC_NAMES: [&str; 33] = [
    "chargestate_battery_level",
    "chargestate_battery_range",
    "chargestate_charge_amps",
    "chargestate_charge_current_request",
    "chargestate_charge_current_request_max",
    "chargestate_charge_energy_added",
    "chargestate_charge_limit_soc",
    "chargestate_charge_limit_soc_max",
    "chargestate_charge_limit_soc_min",
    "chargestate_charge_limit_soc_std",
    "chargestate_charge_miles_added_ideal",
    "chargestate_charge_miles_added_rated",
    "chargestate_charge_rate",
    "chargestate_charger_actual_current",
    "chargestate_charger_pilot_current",
    "chargestate_charger_power",
    "chargestate_charger_voltage",
    "chargestate_est_battery_range",
    "chargestate_ideal_battery_range",
    "chargestate_max_range_charge_counter",
    "chargestate_minutes_to_full_charge",
    "chargestate_time_to_full_charge",
    "chargestate_timestamp",
    "chargestate_usable_battery_level",
    "drivestate_gps_as_of",
    "drivestate_heading",
    "drivestate_latitude",
    "drivestate_longitude",
    "drivestate_native_latitude",
    "drivestate_native_location_supported",
    "drivestate_native_longitude",
    "drivestate_power",
    "drivestate_timestamp",
];

/// Why a fetch failed; the instrumentor keeps the previous values and tries again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchError(pub String);

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "vehicle data fetch failed: {}", self.0)
    }
}

impl std::error::Error for FetchError {}

/// Where vehicle data comes from (the vehicle API, or a simulation).
pub trait VehicleDataFetcher: Send + 'static {
    /// The current charge and drive state.
    fn fetch(&mut self) -> Result<(ChargeState, DriveState), FetchError>;
}

/// Owns a fetcher and the registered collectors, and refreshes them.
pub struct Instrumentor<F> {
    fetcher: F,
    data: Registered<EvMetricData>,
}

impl<F: fmt::Debug> fmt::Debug for Instrumentor<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Instrumentor")
            .field("fetcher", &self.fetcher)
            .finish_non_exhaustive()
    }
}

impl<F: VehicleDataFetcher> Instrumentor<F> {
    /// Registers the vehicle's collectors on `meter` and fetches once.
    pub fn new(
        meter: &Meter,
        vehicle_id: impl Into<String>,
        mut fetcher: F,
    ) -> Result<Self, Error> {
        let (charge_state, drive_state) = fetcher.fetch().unwrap_or_default();
        let data = meter.register(EvMetricData {
            vehicle_id: vehicle_id.into(),
            charge_state,
            drive_state,
        })?;
        Ok(Instrumentor { fetcher, data })
    }

    /// Fetches once and updates the collectors; on failure the previous values stay.
    pub fn refresh(&mut self) -> Result<(), FetchError> {
        let (charge, drive) = self.fetcher.fetch()?;
        self.data.update(|d| {
            d.charge_state = charge;
            d.drive_state = drive;
        });
        Ok(())
    }

    /// The registered data (to print a summary).
    pub fn data(&self) -> &Registered<EvMetricData> {
        &self.data
    }

    /// Refreshes every `interval` on a background thread until the returned handle is
    /// stopped; `on_refresh` sees each outcome.
    pub fn spawn(
        mut self,
        interval: Duration,
        mut on_refresh: impl FnMut(&Self, Result<(), FetchError>) + Send + 'static,
    ) -> RefreshHandle {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            while !flag.load(Ordering::Relaxed) {
                // Sleep in short steps so that stopping is prompt.
                let mut slept = Duration::ZERO;
                while slept < interval && !flag.load(Ordering::Relaxed) {
                    let step = Duration::from_millis(50).min(interval - slept);
                    std::thread::sleep(step);
                    slept += step;
                }
                if flag.load(Ordering::Relaxed) {
                    break;
                }
                let outcome = self.refresh();
                on_refresh(&self, outcome);
            }
        });
        RefreshHandle {
            stop,
            thread: Some(thread),
        }
    }
}

/// Stops the refresh thread when dropped or [`stop`](Self::stop)ped.
#[derive(Debug)]
pub struct RefreshHandle {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl RefreshHandle {
    /// Stops the thread and waits for it.
    pub fn stop(mut self) {
        self.halt();
    }

    fn halt(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for RefreshHandle {
    fn drop(&mut self) {
        self.halt();
    }
}
