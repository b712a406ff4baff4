use telemetry_core::instrument_fn;

#[instrument_fn(histogram = "1st_seconds", errors = "job errors", in_progress = "")]
fn job() -> Result<(), ()> {
    Ok(())
}

#[instrument_fn(histogram = "ok_seconds", labels(__reserved = "x", r#type = "y"))]
fn labelled() {}

fn main() {
    let _ = job();
    labelled();
}
