//! Function instrumentation (`telemetry_core::timing`): timers, error counters and
//! in-progress guards record what they should, also when the work panics, and record
//! without allocating once the series exists (a counting global allocator proves it).

#[path = "support/counting_alloc.rs"]
mod counting_alloc;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Duration;
use telemetry_core::testing::TestProvider;
use telemetry_core::KeyValue;

use counting_alloc::allocations_during;

fn job() -> [KeyValue; 1] {
    [KeyValue::new("job_name", "test_job")]
}

#[test]
fn time_records_seconds_and_returns_the_value() {
    let t = TestProvider::new();
    let h = t
        .meter()
        .f64_histogram("job_duration_seconds")
        .with_buckets(vec![0.01, 1.0])
        .build()
        .unwrap();
    let attrs = job();
    let v = h.time(&attrs, || {
        std::thread::sleep(Duration::from_millis(20));
        7
    });
    assert_eq!(v, 7);
    let s = t.snapshot();
    let p = s.histogram("job_duration_seconds", &attrs).unwrap();
    assert_eq!(p.count, 1);
    assert!(
        p.sum >= 0.02 && p.sum < 1.0,
        "seconds, not millis: {}",
        p.sum
    );
    assert_eq!(p.bucket_counts, vec![0, 1, 0]);
}

#[test]
fn timer_guard_stop_discard_and_bound_forms() {
    let t = TestProvider::new();
    let h = t.meter().f64_histogram("d").build().unwrap();
    let attrs = job();
    {
        let _t = h.start_timer(&attrs);
    }
    let elapsed = h.start_timer(&attrs).stop();
    h.start_timer(&attrs).discard();
    h.start_timer(&attrs).observe_duration();
    let bound = h.bind(&attrs);
    {
        let _t = bound.start_timer();
    }
    bound.start_timer().discard();
    assert_eq!(bound.time(|| "x"), "x");
    let s = t.snapshot();
    let p = s.histogram("d", &attrs).unwrap();
    assert_eq!(p.count, 5);
    assert!(p.sum >= elapsed.as_secs_f64());
}

#[test]
fn a_panic_is_still_timed_and_leaves_no_call_in_progress() {
    let t = TestProvider::new();
    let m = t.meter();
    let h = m.f64_histogram("d").build().unwrap();
    let running = m.i64_up_down_counter("running").build().unwrap();
    let attrs = job();
    let r = catch_unwind(AssertUnwindSafe(|| {
        let _g = running.track(&attrs);
        h.time(&attrs, || panic!("job failed"))
    }));
    assert!(r.is_err());
    let s = t.snapshot();
    assert_eq!(s.histogram("d", &attrs).unwrap().count, 1);
    s.assert_sum("running", &attrs, 0i64);
}

#[test]
fn in_progress_counts_concurrent_calls() {
    let t = TestProvider::new();
    let running = t.meter().i64_up_down_counter("running").build().unwrap();
    let bound = running.bind(&job());
    let attrs = job();
    let a = running.track(&attrs);
    let b = bound.track();
    t.snapshot().assert_sum("running", &attrs, 2i64);
    drop(a);
    t.snapshot().assert_sum("running", &attrs, 1i64);
    drop(b);
    t.snapshot().assert_sum("running", &attrs, 0i64);
}

#[derive(Debug)]
enum JobError {
    Timeout,
    Io,
}

impl JobError {
    fn kind_label(&self) -> &'static str {
        match self {
            JobError::Timeout => "timeout",
            JobError::Io => "io",
        }
    }
}

#[test]
fn errors_are_counted_and_labelled_by_kind() {
    let t = TestProvider::new();
    let errors = t.meter().u64_counter("job_errors").build().unwrap();
    let attrs = job();
    for outcome in [
        Ok(1),
        Err(JobError::Timeout),
        Err(JobError::Io),
        Err(JobError::Io),
    ] {
        let returned = errors.count_errors(&attrs, || outcome.as_ref().map(|v| *v));
        assert_eq!(returned.is_err(), outcome.is_err());
        let _ = errors.count_errors_by(
            || outcome,
            |e| {
                [
                    KeyValue::new("job_name", "test_job"),
                    KeyValue::new("kind", e.kind_label()),
                ]
            },
        );
    }
    let bound = errors.bind(&[KeyValue::new("job_name", "bound")]);
    assert_eq!(bound.count_errors(|| Ok::<_, JobError>(3)).unwrap(), 3);
    let _ = bound.count_errors(|| Err::<(), _>(JobError::Io));
    let s = t.snapshot();
    s.assert_sum("job_errors", &attrs, 3u64);
    let kind = |k| {
        [
            KeyValue::new("job_name", "test_job"),
            KeyValue::new("kind", k),
        ]
    };
    s.assert_sum("job_errors", &kind("timeout"), 1u64);
    s.assert_sum("job_errors", &kind("io"), 2u64);
    s.assert_sum("job_errors", &[KeyValue::new("job_name", "bound")], 1u64);
}

#[test]
fn recording_through_existing_series_does_not_allocate() {
    let t = TestProvider::new();
    let m = t.meter();
    let h = m.f64_histogram("d").build().unwrap();
    let errors = m.u64_counter("e").build().unwrap();
    let running = m.i64_up_down_counter("r").build().unwrap();
    let attrs = job();
    let (bh, be, br) = (h.bind(&attrs), errors.bind(&attrs), running.bind(&attrs));
    // Create every series first (including the by-kind one).
    let once = || {
        let _g = running.track(&attrs);
        let _g2 = br.track();
        let _t = bh.start_timer();
        h.time(&attrs, || ());
        let _ = errors.count_errors(&attrs, || Err::<(), _>(JobError::Io));
        let _ = be.count_errors(|| Err::<(), _>(JobError::Io));
        let _ = errors.count_errors_by(
            || Err::<(), _>(JobError::Timeout),
            |e| [KeyValue::new("kind", e.kind_label())],
        );
    };
    once();
    assert_eq!(allocations_during(once), 0);
    assert_eq!(
        allocations_during(|| for _ in 0..1000 {
            once()
        }),
        0
    );
}
