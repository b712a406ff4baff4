use telemetry_core::instrument_fn;

#[instrument_fn(histogram = "a_seconds", buckets = [1.0], counter(x = "y"), errors = "a_errors")]
fn job() -> Result<(), ()> {
    Ok(())
}

fn main() {
    let _ = job();
}
