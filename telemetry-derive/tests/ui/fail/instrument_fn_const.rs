use telemetry_core::instrument_fn;

#[instrument_fn(histogram = "a_seconds")]
const fn job() -> u8 {
    1
}

fn main() {
    let _ = job();
}
