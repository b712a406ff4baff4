//! `#[instrument_fn]` at run time: sync and async functions, methods, generics, `?` and
//! `return`, panics; every series checked through a `TestProvider` set as the global meter.

use std::future::Future;
use std::pin::pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll, Wake, Waker};

use telemetry_core::testing::TestProvider;
use telemetry_core::{instrument_fn, timing, KeyValue};

/// The one provider of this test binary (the global meter is set once per process); each
/// test uses its own instrument names, so tests running in parallel do not interfere.
fn provider() -> &'static TestProvider {
    static PROVIDER: OnceLock<TestProvider> = OnceLock::new();
    PROVIDER.get_or_init(|| {
        let t = TestProvider::new();
        // Custom buckets: registered before the first call, under the same name.
        t.meter()
            .f64_histogram("job_duration_seconds")
            .with_buckets(vec![1.0, 2.0, 3.0, 10.0, 20.0, 50.0, 100.0])
            .build()
            .unwrap();
        timing::set_global_meter(t.meter()).unwrap();
        t
    })
}

/// A minimal executor: polls on this thread, parking until woken.
fn block_on<F: Future>(future: F) -> F::Output {
    struct Unpark(std::thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        match future.as_mut().poll(&mut cx) {
            Poll::Ready(v) => return v,
            Poll::Pending => std::thread::park(),
        }
    }
}

/// Pending once (waking itself), so the async body really is suspended in between.
struct YieldOnce(bool);
impl Future for YieldOnce {
    type Output = ();
    fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

fn job() -> [KeyValue; 1] {
    [KeyValue::new("job_name", "test_job")]
}

#[derive(Debug, PartialEq)]
struct JobError;

#[instrument_fn(
    histogram = "job_duration_seconds",
    errors = "job_errors",
    in_progress = "jobs_in_progress",
    labels(job_name = "test_job")
)]
fn run_job(input: &str) -> Result<u32, JobError> {
    if input.is_empty() {
        return Err(JobError);
    }
    let n: u32 = input.parse().map_err(|_| JobError)?;
    Ok(n * 2)
}

#[test]
fn sync_fn_is_timed_and_its_errors_counted() {
    let t = provider();
    assert_eq!(run_job("21"), Ok(42));
    assert_eq!(run_job(""), Err(JobError)); // `return Err`
    assert_eq!(run_job("x"), Err(JobError)); // `?`
    let s = t.snapshot();
    let p = s.histogram("job_duration_seconds", &job()).unwrap();
    assert_eq!(p.count, 3);
    assert_eq!(p.bounds, vec![1.0, 2.0, 3.0, 10.0, 20.0, 50.0, 100.0]);
    assert_eq!(
        p.bucket_counts[0], 3,
        "fast calls fall in the first bucket (seconds)"
    );
    s.assert_sum("job_errors", &job(), 2u64);
    s.assert_sum("jobs_in_progress", &job(), 0i64);
}

#[instrument_fn(in_progress = "sync_running")]
fn observe_in_progress() -> i64 {
    let s = provider().snapshot();
    match s.metric("sync_running").map(|m| &m.data) {
        Some(telemetry_core::MetricData::Sum(sum)) => sum.points[0].value.as_f64() as i64,
        _ => panic!("no sync_running"),
    }
}

#[test]
fn in_progress_is_one_during_the_call_and_zero_after() {
    assert_eq!(observe_in_progress(), 1);
    provider().snapshot().assert_sum("sync_running", &[], 0i64);
}

#[instrument_fn(
    histogram = "async_seconds",
    errors = "async_errors",
    in_progress = "async_running",
    labels(kind = "async")
)]
async fn fetch(fail: bool) -> Result<&'static str, JobError> {
    YieldOnce(false).await;
    if fail {
        Err(JobError)?;
    }
    Ok("body")
}

#[instrument_fn(histogram = "async_unit_seconds")]
async fn tick() {
    YieldOnce(false).await;
}

#[test]
fn async_fn_is_timed_across_awaits_and_its_errors_counted() {
    let t = provider();
    let attrs = [KeyValue::new("kind", "async")];
    assert_eq!(block_on(fetch(false)), Ok("body"));
    assert_eq!(block_on(fetch(true)), Err(JobError));
    block_on(tick());
    let s = t.snapshot();
    assert_eq!(s.histogram("async_seconds", &attrs).unwrap().count, 2);
    assert!(s.histogram("async_unit_seconds", &[]).unwrap().count >= 1);
    s.assert_sum("async_errors", &attrs, 1u64);
    s.assert_sum("async_running", &attrs, 0i64);
}

#[test]
fn a_dropped_future_leaves_no_call_in_progress() {
    let t = provider();
    {
        let mut future = Box::pin(tick());
        let waker = Waker::noop();
        assert!(future
            .as_mut()
            .poll(&mut Context::from_waker(waker))
            .is_pending());
    }
    // Dropped while suspended: the timer still records the call.
    assert!(t.snapshot().histogram("async_unit_seconds", &[]).is_some());
}

struct Worker {
    done: u32,
}

impl Worker {
    #[instrument_fn(histogram = "method_seconds", errors = "method_errors")]
    fn step<T: Into<u32>>(&mut self, n: T) -> Result<u32, String> {
        self.done += n.into();
        if self.done > 3 {
            return Err(format!("too much: {}", self.done));
        }
        Ok(self.done)
    }
}

#[test]
fn methods_and_generics() {
    let mut w = Worker { done: 0 };
    assert_eq!(w.step(2u8), Ok(2));
    assert!(w.step(2u16).is_err());
    let s = provider().snapshot();
    assert_eq!(s.histogram("method_seconds", &[]).unwrap().count, 2);
    s.assert_sum("method_errors", &[], 1u64);
}

#[instrument_fn(histogram = "panicking_seconds", in_progress = "panicking_running")]
fn panics() {
    panic!("job failed");
}

#[test]
fn a_panic_is_timed_and_leaves_no_call_in_progress() {
    provider();
    assert!(std::panic::catch_unwind(panics).is_err());
    let s = provider().snapshot();
    assert_eq!(s.histogram("panicking_seconds", &[]).unwrap().count, 1);
    s.assert_sum("panicking_running", &[], 0i64);
}

#[instrument_fn(errors = "kind_clash")]
fn clashing() -> Result<(), ()> {
    Err(())
}

#[test]
fn an_instrument_that_cannot_be_created_is_left_out() {
    let t = provider();
    // `kind_clash` is taken by a gauge: the function still runs, without its counter.
    t.meter()
        .i64_gauge("kind_clash")
        .build()
        .unwrap()
        .record(7, &[]);
    assert_eq!(clashing(), Err(()));
    t.snapshot().assert_gauge("kind_clash", &[], 7i64);
}
