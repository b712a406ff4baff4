use telemetry_core::instrument_fn;

#[instrument_fn(histogram = "a_seconds", histogram = "b_seconds", labels(a = "1"), labels(b = "2"))]
fn job() {}

#[instrument_fn(in_progress = "running", labels(job = "x", job = "y"))]
fn other() {}

fn main() {
    job();
    other();
}
