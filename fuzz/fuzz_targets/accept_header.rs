#![no_main]
// See `telemetry_fuzz::accept_header` for the invariants this target checks.
libfuzzer_sys::fuzz_target!(|data: &[u8]| telemetry_fuzz::accept_header(data));
