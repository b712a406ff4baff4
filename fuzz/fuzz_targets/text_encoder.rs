#![no_main]
// See `telemetry_fuzz::text_encoder` for the invariants this target checks.
libfuzzer_sys::fuzz_target!(|data: &[u8]| telemetry_fuzz::text_encoder(data));
