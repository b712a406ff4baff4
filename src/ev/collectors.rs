//! The two collectors of seed 000 and the container that groups them under a vehicle.

use telemetry_core::MetricCollector;

/// The charging part of the vehicle state (24 metrics, prefix `chargestate`).
#[derive(MetricCollector, Clone, Debug, Default, PartialEq)]
#[metric(prefix = "chargestate")]
pub struct ChargeState {
    /// State of charge, in percent.
    #[metric(unit = "%")]
    pub battery_level: i64,
    /// Rated range left, in miles.
    #[metric(unit = "[mi_i]")]
    pub battery_range: f64,
    /// Maximum charge current the car accepts, in amperes.
    #[metric(unit = "A")]
    pub charge_amps: i64,
    /// Requested charge current, in amperes.
    #[metric(unit = "A")]
    pub charge_current_request: i64,
    /// Highest charge current that can be requested, in amperes.
    #[metric(unit = "A")]
    pub charge_current_request_max: i64,
    /// Energy added in the current session, in kilowatt-hours.
    #[metric(unit = "kW.h")]
    pub charge_energy_added: f64,
    /// Charge limit, in percent.
    #[metric(unit = "%")]
    pub charge_limit_soc: i64,
    /// Highest settable charge limit, in percent.
    #[metric(unit = "%")]
    pub charge_limit_soc_max: i64,
    /// Lowest settable charge limit, in percent.
    #[metric(unit = "%")]
    pub charge_limit_soc_min: i64,
    /// Standard charge limit, in percent.
    #[metric(unit = "%")]
    pub charge_limit_soc_std: i64,
    /// Ideal miles added in the current session.
    #[metric(unit = "[mi_i]")]
    pub charge_miles_added_ideal: f64,
    /// Rated miles added in the current session.
    #[metric(unit = "[mi_i]")]
    pub charge_miles_added_rated: f64,
    /// Charging speed, in miles of range per hour.
    #[metric(unit = "[mi_i]/h")]
    pub charge_rate: f64,
    /// Current drawn by the charger, in amperes.
    #[metric(unit = "A")]
    pub charger_actual_current: i64,
    /// Pilot current offered by the station, in amperes.
    #[metric(unit = "A")]
    pub charger_pilot_current: i64,
    /// Charger power, in kilowatts.
    #[metric(unit = "kW")]
    pub charger_power: i64,
    /// Charger voltage, in volts.
    #[metric(unit = "V")]
    pub charger_voltage: i64,
    /// Estimated range from recent driving, in miles.
    #[metric(unit = "[mi_i]")]
    pub est_battery_range: f64,
    /// Ideal range left, in miles.
    #[metric(unit = "[mi_i]")]
    pub ideal_battery_range: f64,
    /// How many range-mode charges were done.
    #[metric(counter)]
    pub max_range_charge_counter: u64,
    /// Minutes until the charge limit is reached.
    #[metric(unit = "min")]
    pub minutes_to_full_charge: i64,
    /// Hours until the charge limit is reached.
    #[metric(unit = "h")]
    pub time_to_full_charge: f64,
    /// When the vehicle reported this state, in Unix milliseconds.
    #[metric(unit = "ms")]
    pub timestamp: i64,
    /// Usable state of charge, in percent.
    #[metric(unit = "%")]
    pub usable_battery_level: i64,
    /// `Charging`, `Complete`, `Disconnected`…: not a metric (no `#[metric]`).
    pub charging_state: String,
}

/// The driving part of the vehicle state (9 metrics, prefix `drivestate`).
#[derive(MetricCollector, Clone, Debug, Default, PartialEq)]
#[metric(prefix = "drivestate")]
pub struct DriveState {
    /// When the GPS position was taken, in Unix seconds.
    #[metric(unit = "s")]
    pub gps_as_of: i64,
    /// Compass heading, in degrees.
    #[metric(unit = "deg")]
    pub heading: i64,
    /// Latitude, in degrees.
    #[metric(unit = "deg")]
    pub latitude: f64,
    /// Longitude, in degrees.
    #[metric(unit = "deg")]
    pub longitude: f64,
    /// Latitude from the car's own positioning, in degrees.
    #[metric(unit = "deg")]
    pub native_latitude: f64,
    /// Whether native positioning is available (1 or 0).
    #[metric]
    pub native_location_supported: bool,
    /// Longitude from the car's own positioning, in degrees.
    #[metric(unit = "deg")]
    pub native_longitude: f64,
    /// Drive power, in kilowatts (negative while regenerating).
    #[metric(unit = "kW")]
    pub power: i64,
    /// When the vehicle reported this state, in Unix milliseconds.
    #[metric(unit = "ms")]
    pub timestamp: i64,
}

/// One vehicle: both collectors, every point carrying `vehicle_id`.
#[derive(MetricCollector, Clone, Debug, Default, PartialEq)]
pub struct EvMetricData {
    /// The vehicle's name (seed 000 uses `Ju`).
    #[metric(attribute)]
    pub vehicle_id: String,
    /// Charging metrics.
    #[metric(flatten)]
    pub charge_state: ChargeState,
    /// Driving metrics.
    #[metric(flatten)]
    pub drive_state: DriveState,
}
