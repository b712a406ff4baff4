//! A deterministic simulated vehicle: it charges to its limit, drives until the battery is
//! low (moving its GPS position), parks, and starts over. The same seed gives the same
//! sequence of states, so tests can rely on it.

use std::time::{SystemTime, UNIX_EPOCH};

use super::{ChargeState, DriveState, FetchError, VehicleDataFetcher};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Charging,
    Driving,
    Parked,
}

/// The simulated vehicle.
#[derive(Debug)]
pub struct SimulatedVehicle {
    rng: fastrand::Rng,
    phase: Phase,
    step: u64,
    seconds_per_step: u64,
    epoch_ms: i64,
    soc: f64,
    latitude: f64,
    longitude: f64,
    heading: f64,
    energy_added: f64,
    range_charges: u64,
    parked_steps: u32,
}

/// Rated miles per percent of charge.
const MILES_PER_PERCENT: f64 = 3.1;
const CHARGE_LIMIT: i64 = 90;

impl SimulatedVehicle {
    /// A vehicle whose behaviour is fixed by `seed`; each fetch advances the simulation by
    /// `seconds_per_step` of vehicle time.
    #[must_use]
    pub fn new(seed: u64, seconds_per_step: u64) -> Self {
        let epoch_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        SimulatedVehicle {
            rng: fastrand::Rng::with_seed(seed),
            phase: Phase::Charging,
            step: 0,
            seconds_per_step: seconds_per_step.max(1),
            epoch_ms,
            soc: 35.0,
            // Tokyo Station: the seed author's city.
            latitude: 35.681_236,
            longitude: 139.767_125,
            heading: 90.0,
            energy_added: 0.0,
            range_charges: 0,
            parked_steps: 0,
        }
    }

    fn advance(&mut self) {
        self.step += 1;
        match self.phase {
            Phase::Charging => {
                let added = 0.5 + self.rng.f64() * 1.5;
                self.soc = (self.soc + added).min(CHARGE_LIMIT as f64);
                self.energy_added += added * 0.75;
                if self.soc >= CHARGE_LIMIT as f64 {
                    self.phase = Phase::Driving;
                    if self.rng.u8(..) < 32 {
                        self.range_charges += 1;
                    }
                }
            }
            Phase::Driving => {
                self.soc = (self.soc - (0.3 + self.rng.f64())).max(0.0);
                self.heading = (self.heading + self.rng.f64() * 40.0 - 20.0).rem_euclid(360.0);
                let distance_deg = 0.001 + self.rng.f64() * 0.004;
                self.latitude += distance_deg * self.heading.to_radians().cos();
                self.longitude += distance_deg * self.heading.to_radians().sin();
                if self.soc < 20.0 {
                    self.phase = Phase::Parked;
                    self.parked_steps = 0;
                }
            }
            Phase::Parked => {
                self.parked_steps += 1;
                if self.parked_steps >= 3 {
                    self.phase = Phase::Charging;
                    self.energy_added = 0.0;
                }
            }
        }
    }

    fn now_ms(&self) -> i64 {
        self.epoch_ms + (self.step * self.seconds_per_step * 1000) as i64
    }

    fn charge_state(&self) -> ChargeState {
        let charging = self.phase == Phase::Charging;
        let level = self.soc.round() as i64;
        let range = self.soc * MILES_PER_PERCENT;
        let (amps, volts) = if charging { (32, 230) } else { (0, 0) };
        let minutes = if charging {
            ((CHARGE_LIMIT as f64 - self.soc) * 1.6).round() as i64
        } else {
            0
        };
        ChargeState {
            battery_level: level,
            battery_range: range,
            charge_amps: 32,
            charge_current_request: 32,
            charge_current_request_max: 48,
            charge_energy_added: self.energy_added,
            charge_limit_soc: CHARGE_LIMIT,
            charge_limit_soc_max: 100,
            charge_limit_soc_min: 50,
            charge_limit_soc_std: 90,
            charge_miles_added_ideal: self.energy_added * 4.2,
            charge_miles_added_rated: self.energy_added * 3.9,
            charge_rate: if charging {
                22.0 + self.rng_peek()
            } else {
                0.0
            },
            charger_actual_current: amps,
            charger_pilot_current: if charging { 32 } else { 0 },
            charger_power: amps * volts / 1000,
            charger_voltage: volts,
            est_battery_range: range * 0.86,
            ideal_battery_range: range * 1.08,
            max_range_charge_counter: self.range_charges,
            minutes_to_full_charge: minutes,
            time_to_full_charge: minutes as f64 / 60.0,
            timestamp: self.now_ms(),
            usable_battery_level: (level - 1).max(0),
            charging_state: match self.phase {
                Phase::Charging => "Charging",
                Phase::Driving => "Disconnected",
                Phase::Parked => "Stopped",
            }
            .to_owned(),
        }
    }

    /// A deterministic wobble derived from the step (no RNG draw, so states stay in step).
    fn rng_peek(&self) -> f64 {
        (self.step % 7) as f64 * 0.25
    }

    fn drive_state(&self) -> DriveState {
        let power = match self.phase {
            Phase::Driving => 12 + (self.step % 30) as i64,
            Phase::Charging => -7,
            Phase::Parked => 0,
        };
        DriveState {
            gps_as_of: self.now_ms() / 1000,
            heading: self.heading.round() as i64,
            latitude: self.latitude,
            longitude: self.longitude,
            native_latitude: self.latitude,
            native_location_supported: true,
            native_longitude: self.longitude,
            power,
            timestamp: self.now_ms(),
        }
    }
}

impl VehicleDataFetcher for SimulatedVehicle {
    fn fetch(&mut self) -> Result<(ChargeState, DriveState), FetchError> {
        self.advance();
        Ok((self.charge_state(), self.drive_state()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_states_and_the_car_moves() {
        let (mut a, mut b) = (SimulatedVehicle::new(7, 5), SimulatedVehicle::new(7, 5));
        let mut charged = false;
        let mut moved = false;
        let start = a.fetch().unwrap().1;
        b.fetch().unwrap();
        for _ in 0..200 {
            let (ca, da) = a.fetch().unwrap();
            let (cb, db) = b.fetch().unwrap();
            assert_eq!(ca.battery_level, cb.battery_level);
            assert_eq!(da.latitude, db.latitude);
            charged |= ca.battery_level == CHARGE_LIMIT;
            moved |= da.latitude != start.latitude;
        }
        assert!(charged && moved);
    }
}
