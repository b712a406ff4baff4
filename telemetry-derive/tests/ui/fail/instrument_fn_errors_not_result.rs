use telemetry_core::instrument_fn;

#[instrument_fn(errors = "job_errors")]
fn job() -> u32 {
    1
}

#[instrument_fn(errors = "job_errors")]
async fn fetch() -> Option<u32> {
    None
}

fn main() {
    let _ = job();
    let _ = fetch();
}
