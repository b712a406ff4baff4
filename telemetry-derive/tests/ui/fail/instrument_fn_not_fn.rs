use telemetry_core::instrument_fn;

#[instrument_fn(histogram = "a_seconds")]
struct Job;

trait Run {
    #[instrument_fn(histogram = "b_seconds")]
    fn run(&self);
}

fn main() {
    let _ = Job;
}
