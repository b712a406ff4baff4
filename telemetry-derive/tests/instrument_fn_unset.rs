//! `#[instrument_fn]` before the global meter is set: the function runs normally and
//! records nothing; once set, the next call records (its own binary: the meter is global).

use telemetry_core::testing::TestProvider;
use telemetry_core::{instrument_fn, timing};

#[instrument_fn(
    histogram = "work_seconds",
    errors = "work_errors",
    in_progress = "work_running"
)]
fn work(fail: bool) -> Result<u8, String> {
    if fail {
        Err("failed".into())
    } else {
        Ok(1)
    }
}

#[test]
fn unset_global_meter_records_nothing_and_never_panics() {
    assert!(timing::global_meter().is_none());
    assert_eq!(work(false), Ok(1));
    assert!(work(true).is_err());

    let t: &'static TestProvider = Box::leak(Box::new(TestProvider::new()));
    timing::set_global_meter(t.meter()).unwrap();
    assert!(t.snapshot().metric("work_seconds").is_none());
    assert!(work(true).is_err());
    let s = t.snapshot();
    assert_eq!(s.histogram("work_seconds", &[]).unwrap().count, 1);
    s.assert_sum("work_errors", &[], 1u64);
}
