//! Seed 001: batch jobs timed with `#[instrument_fn]`, the Rust form of Python's
//! `@histogram.time()`, `@counter.count_exceptions()` and `@gauge.track_inprogress()`.
//!
//! Each job sleeps a random (seeded) duration divided by a speed factor, and fails now and
//! then. Its duration goes to `job_duration_seconds{job_name="test_job"}` with the seed's
//! buckets, its failures to `job_failures_total`, and the jobs running to
//! `jobs_in_progress`, all through the [global meter](telemetry_core::timing::set_global_meter).
//! The histogram records the real (wall-clock) time of each call: at `--speed 100` a job of
//! 30 simulated seconds is recorded as 0.3 s.

use std::fmt;
use std::time::Duration;

use telemetry_core::{instrument_fn, Error, Histogram, Meter};

/// The histogram of job durations, in seconds.
pub const DURATION: &str = "job_duration_seconds";
/// The counter of failed jobs.
pub const FAILURES: &str = "job_failures";
/// The up-down counter of jobs running.
pub const IN_PROGRESS: &str = "jobs_in_progress";
/// The seed's buckets.
pub const BUCKETS: [f64; 7] = [1.0, 2.0, 3.0, 10.0, 20.0, 50.0, 100.0];
/// The label value of every series.
pub const JOB_NAME: &str = "test_job";

/// Registers the duration histogram with [`BUCKETS`]. Call it (with the meter that is then
/// made global) before the first job: the first registration of a name sets its buckets.
///
/// ```
/// # use telemetry_core::testing::TestProvider;
/// let t = TestProvider::new();
/// let histogram = telemetry_examples::batch::register(&t.meter())?;
/// histogram.record(2.5, &[]);
/// assert_eq!(t.snapshot().histogram("job_duration_seconds", &[]).unwrap().bounds.len(), 7);
/// # Ok::<(), telemetry_core::Error>(())
/// ```
pub fn register(meter: &Meter) -> Result<Histogram<f64>, Error> {
    meter
        .f64_histogram(DURATION)
        .with_description("Duration of a batch job")
        .with_buckets(BUCKETS.to_vec())
        .build()
}

/// A simulated job: how long it takes (in simulated seconds) and whether it fails.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Job {
    /// Its number, from 1.
    pub id: usize,
    /// Its duration in simulated seconds.
    pub seconds: f64,
    /// Whether it ends with an error.
    pub fails: bool,
}

/// `count` jobs of 0.5 to 60 simulated seconds, one in five failing on average; the same
/// `seed` gives the same jobs.
///
/// ```
/// let jobs = telemetry_examples::batch::jobs(1, 10);
/// assert_eq!(jobs.len(), 10);
/// assert_eq!(jobs, telemetry_examples::batch::jobs(1, 10));
/// assert!(jobs.iter().all(|j| (0.5..=60.0).contains(&j.seconds)));
/// ```
#[must_use]
pub fn jobs(seed: u64, count: usize) -> Vec<Job> {
    let mut rng = fastrand::Rng::with_seed(seed);
    (1..=count)
        .map(|id| Job {
            id,
            seconds: 0.5 + rng.f64() * 59.5,
            fails: rng.u8(0..5) == 0,
        })
        .collect()
}

/// Why a job failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JobFailed(pub usize);

impl fmt::Display for JobFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "job {} failed", self.0)
    }
}

impl std::error::Error for JobFailed {}

/// Runs one job: sleeps its duration divided by `speed` (≥ 1 makes the demo faster),
/// timed, counted in progress, and counted as a failure if it fails.
///
/// # Errors
/// If the job is one that fails.
#[instrument_fn(
    histogram = "job_duration_seconds",
    errors = "job_failures",
    in_progress = "jobs_in_progress",
    labels(job_name = "test_job")
)]
pub fn run_job(job: Job, speed: f64) -> Result<(), JobFailed> {
    std::thread::sleep(Duration::from_secs_f64(job.seconds / speed));
    if job.fails {
        return Err(JobFailed(job.id));
    }
    Ok(())
}

/// Runs every job, each on its own thread (so several are in progress at once), and returns
/// their outcomes in order.
#[must_use]
pub fn run_all(jobs: &[Job], speed: f64) -> Vec<Result<(), JobFailed>> {
    std::thread::scope(|s| {
        let handles: Vec<_> = jobs
            .iter()
            .map(|&job| s.spawn(move || run_job(job, speed)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a job panicked"))
            .collect()
    })
}
