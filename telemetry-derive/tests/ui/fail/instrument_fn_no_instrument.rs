use telemetry_core::instrument_fn;

#[instrument_fn(labels(job = "x"))]
fn job() {}

#[instrument_fn]
fn bare() {}

fn main() {
    job();
    bare();
}
