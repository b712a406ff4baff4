//! The retry loop shared by the push exporters (OTLP/HTTP, OTLP/gRPC, Pushgateway).
//!
//! It knows nothing of HTTP or of any exporter's error type: a transport classifies each
//! try as an [`Attempt`], and the loop decides whether to wait and try again, always within
//! the caller's deadline, so every exporter backs off and gives up alike.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::{Duration, Instant};

use telemetry_core::Error;

/// First retry delay; doubled after each retryable failure, up to [`MAX_BACKOFF`].
const INITIAL_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// The outcome of one try, whatever the transport.
pub(crate) enum Attempt<E = Error> {
    /// Delivered.
    Done,
    /// Failed in a transient way: try again after `after` (the server's hint) or the next
    /// backoff delay.
    Retry {
        error: String,
        after: Option<Duration>,
    },
    /// Failed for good.
    Fatal(E),
}

/// Why [`with_retries`] stopped without success.
pub(crate) enum GaveUp<E> {
    /// An attempt failed for good.
    Fatal(E),
    /// The deadline had passed before an attempt could start.
    Timeout,
    /// The last retryable failure, when waiting for another try would cross the deadline.
    Exhausted { error: String, tries: u32 },
}

/// Runs `attempt` (given the time left) until it succeeds, fails for good, or the next
/// wait would cross `deadline`: the server's delay when it gave one, else exponential
/// backoff with jitter from [`INITIAL_BACKOFF`] up to [`MAX_BACKOFF`]. `operation` names
/// the call in debug logs.
pub(crate) fn with_retries<E>(
    operation: &str,
    deadline: Instant,
    mut attempt: impl FnMut(Duration) -> Attempt<E>,
) -> Result<(), GaveUp<E>> {
    let mut backoff = INITIAL_BACKOFF;
    let mut tries = 1_u32;
    loop {
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            return Err(GaveUp::Timeout);
        }
        let (error, retry_after) = match attempt(remaining) {
            Attempt::Done => return Ok(()),
            Attempt::Fatal(e) => return Err(GaveUp::Fatal(e)),
            Attempt::Retry { error, after } => (error, after),
        };
        let wait = retry_after.unwrap_or_else(|| jitter(backoff));
        backoff = (backoff * 2).min(MAX_BACKOFF);
        if Instant::now() + wait >= deadline {
            // Waiting would cross the deadline: give up now with what went wrong.
            return Err(GaveUp::Exhausted { error, tries });
        }
        log::debug!("{operation} attempt {tries} failed ({error}); retrying in {wait:?}");
        std::thread::sleep(wait);
        tries += 1;
    }
}

/// A delay drawn uniformly from `[d/2, d]`, so that exporters failing together do not
/// retry together.
fn jitter(d: Duration) -> Duration {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u32(d.subsec_nanos());
    let fraction = (hasher.finish() % 1_000) as u32;
    d / 2 + d / 2 * fraction / 1_000
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_stays_within_half_to_full_delay() {
        let d = Duration::from_millis(800);
        for _ in 0..100 {
            let j = jitter(d);
            assert!(j >= d / 2 && j <= d, "{j:?}");
        }
    }

    #[test]
    fn retries_until_done_and_reports_the_last_error_at_the_deadline() {
        let mut calls = 0;
        let done = with_retries::<()>("test", Instant::now() + Duration::from_secs(5), |_| {
            calls += 1;
            if calls < 3 {
                Attempt::Retry {
                    error: "down".into(),
                    after: Some(Duration::from_millis(1)),
                }
            } else {
                Attempt::Done
            }
        });
        assert!(done.is_ok() && calls == 3);
        let gave_up =
            with_retries::<()>("test", Instant::now() + Duration::from_millis(50), |_| {
                Attempt::Retry {
                    error: "down".into(),
                    after: Some(Duration::from_millis(20)),
                }
            });
        assert!(
            matches!(gave_up, Err(GaveUp::Exhausted { ref error, tries }) if error == "down" && tries >= 2)
        );
    }
}
