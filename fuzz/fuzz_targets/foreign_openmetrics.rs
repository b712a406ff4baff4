#![no_main]
// See `telemetry_fuzz::foreign_openmetrics` for the invariants this target checks.
libfuzzer_sys::fuzz_target!(|data: &[u8]| telemetry_fuzz::foreign_openmetrics(data));
