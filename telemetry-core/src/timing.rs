//! Function instrumentation: the Rust form of Python's `@histogram.time()`,
//! `@counter.count_exceptions()` and `@gauge.track_inprogress()`.
//!
//! Three small tools, each in a closure form and a guard form:
//!
//! | tool | on | closure | guard |
//! |---|---|---|---|
//! | timer (seconds) | [`Histogram<f64>`], [`BoundHistogram<f64>`] | `time(…, f)` | `start_timer(…)` → [`HistogramTimer`] |
//! | error counter | [`Counter<u64>`], [`BoundCounter<u64>`] | `count_errors(…, f)`, `count_errors_by(f, kind)` | — |
//! | in progress | [`UpDownCounter<i64>`], [`BoundUpDownCounter<i64>`] | — | `track(…)` → [`InProgress`] |
//!
//! The guards only borrow the instrument (and the attributes), so creating one allocates
//! nothing; through a bound handle, recording is also free of any series lookup. Guards record
//! on drop, including during a panic's unwinding.
//!
//! The `#[instrument_fn]` attribute (feature `derive`) wires these to instruments named in the
//! attribute and looked up, once per function, in the meter set with [`set_global_meter`];
//! [`FnMetrics`] is the piece of that it generates, usable by hand as well.
//!
//! ```
//! use telemetry_core::{testing::TestProvider, KeyValue};
//!
//! let t = TestProvider::new();
//! let meter = t.meter();
//! let duration = meter.f64_histogram("job_duration_seconds").build()?;
//! let failures = meter.u64_counter("job_failures").build()?;
//! let running = meter.i64_up_down_counter("jobs_running").build()?;
//! let attrs = [KeyValue::new("job_name", "test_job")];
//!
//! let _running = running.track(&attrs); // +1 now, -1 when dropped
//! let outcome: Result<u32, String> =
//!     failures.count_errors(&attrs, || duration.time(&attrs, || Err("disk full".into())));
//! assert!(outcome.is_err());
//!
//! let s = t.snapshot();
//! s.assert_sum("job_failures", &attrs, 1u64);
//! s.assert_sum("jobs_running", &attrs, 1i64);
//! # Ok::<(), telemetry_core::Error>(())
//! ```

use std::fmt;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::attributes::KeyValue;
use crate::instrument::{
    BoundCounter, BoundHistogram, BoundUpDownCounter, Counter, Histogram, UpDownCounter,
};
use crate::provider::Meter;

// ---------------------------------------------------------------------------------------------
// Timer

/// Where a guard records: an instrument plus attributes (one lookup per record) or a bound
/// handle (no lookup).
#[derive(Debug)]
enum Target<'a, I, B> {
    Unbound(&'a I, &'a [KeyValue]),
    Bound(&'a B),
}

impl<I, B> Clone for Target<'_, I, B> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<I, B> Copy for Target<'_, I, B> {}

type HistogramTarget<'a> = Target<'a, Histogram<f64>, BoundHistogram<f64>>;

impl HistogramTarget<'_> {
    fn record(self, seconds: f64) {
        match self {
            Target::Unbound(h, attrs) => h.record(seconds, attrs),
            Target::Bound(b) => b.record(seconds),
        }
    }
}

/// Times a scope: records the seconds elapsed since its creation into a histogram when it is
/// dropped (also on a panic's unwinding), unless it was stopped or discarded first.
///
/// Made by [`Histogram::start_timer`] or [`BoundHistogram::start_timer`].
///
/// ```
/// # use telemetry_core::testing::TestProvider;
/// let t = TestProvider::new();
/// let latency = t.meter().f64_histogram("latency").with_unit("s").build().unwrap();
/// let bound = latency.bind(&[]);
/// {
///     let _timer = bound.start_timer();
///     // … the work being timed …
/// } // recorded here
/// let early = bound.start_timer();
/// let elapsed = early.stop(); // recorded now, and returned
/// bound.start_timer().discard(); // never recorded
/// assert!(elapsed.as_secs_f64() >= 0.0);
/// assert_eq!(t.snapshot().histogram("latency", &[]).unwrap().count, 2);
/// ```
#[must_use = "a timer records when dropped: bind it (`let _timer = …`), or it records at once"]
pub struct HistogramTimer<'a> {
    target: Option<HistogramTarget<'a>>,
    start: Instant,
}

impl fmt::Debug for HistogramTimer<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HistogramTimer")
            .field("armed", &self.target.is_some())
            .field("start", &self.start)
            .finish()
    }
}

impl<'a> HistogramTimer<'a> {
    fn new(target: HistogramTarget<'a>) -> Self {
        HistogramTimer {
            target: Some(target),
            start: Instant::now(),
        }
    }

    /// The time elapsed so far (recording nothing).
    #[must_use]
    pub fn elapsed(&self) -> Duration {
        self.start.elapsed()
    }

    /// Records the elapsed time now instead of at drop (Python's `observe_duration`).
    pub fn observe_duration(self) {
        let _ = self.stop();
    }

    /// Records the elapsed time now and returns it.
    pub fn stop(mut self) -> Duration {
        let elapsed = self.start.elapsed();
        if let Some(target) = self.target.take() {
            target.record(elapsed.as_secs_f64());
        }
        elapsed
    }

    /// Drops the timer without recording anything (e.g. a call that was cancelled).
    pub fn discard(mut self) {
        self.target = None;
    }
}

impl Drop for HistogramTimer<'_> {
    fn drop(&mut self) {
        if let Some(target) = self.target.take() {
            target.record(self.start.elapsed().as_secs_f64());
        }
    }
}

impl Histogram<f64> {
    /// Runs `f` and records how long it took, in seconds, into the series of `attributes`;
    /// returns what `f` returned. A panic in `f` is recorded too.
    ///
    /// ```
    /// # use telemetry_core::{testing::TestProvider, KeyValue};
    /// let t = TestProvider::new();
    /// let duration = t.meter().f64_histogram("job_duration_seconds").build().unwrap();
    /// let attrs = [KeyValue::new("job_name", "test_job")];
    /// let answer = duration.time(&attrs, || 6 * 7);
    /// assert_eq!(answer, 42);
    /// assert_eq!(t.snapshot().histogram("job_duration_seconds", &attrs).unwrap().count, 1);
    /// ```
    pub fn time<R>(&self, attributes: &[KeyValue], f: impl FnOnce() -> R) -> R {
        let _timer = self.start_timer(attributes);
        f()
    }

    /// A guard recording, when dropped, the seconds elapsed since this call into the series
    /// of `attributes`. Nothing is allocated; on a hot path prefer
    /// [`BoundHistogram::start_timer`], which also skips the series lookup.
    ///
    /// ```
    /// # use telemetry_core::{testing::TestProvider, KeyValue};
    /// let t = TestProvider::new();
    /// let duration = t.meter().f64_histogram("request_seconds").build().unwrap();
    /// let attrs = [KeyValue::new("route", "/")];
    /// {
    ///     let _timer = duration.start_timer(&attrs);
    /// }
    /// assert_eq!(t.snapshot().histogram("request_seconds", &attrs).unwrap().count, 1);
    /// ```
    pub fn start_timer<'a>(&'a self, attributes: &'a [KeyValue]) -> HistogramTimer<'a> {
        HistogramTimer::new(Target::Unbound(self, attributes))
    }
}

impl BoundHistogram<f64> {
    /// Runs `f` and records how long it took, in seconds; returns what `f` returned.
    ///
    /// ```
    /// # use telemetry_core::testing::TestProvider;
    /// let t = TestProvider::new();
    /// let duration = t.meter().f64_histogram("step_seconds").build().unwrap().bind(&[]);
    /// assert_eq!(duration.time(|| "done"), "done");
    /// assert_eq!(t.snapshot().histogram("step_seconds", &[]).unwrap().count, 1);
    /// ```
    pub fn time<R>(&self, f: impl FnOnce() -> R) -> R {
        let _timer = self.start_timer();
        f()
    }

    /// A guard recording, when dropped, the seconds elapsed since this call: see
    /// [`HistogramTimer`].
    pub fn start_timer(&self) -> HistogramTimer<'_> {
        HistogramTimer::new(Target::Bound(self))
    }
}

// ---------------------------------------------------------------------------------------------
// Error counter

impl Counter<u64> {
    /// Runs `f` and adds 1 to the series of `attributes` if it returned `Err`; returns what
    /// `f` returned (Python's `count_exceptions`, for `Result`).
    ///
    /// ```
    /// # use telemetry_core::{testing::TestProvider, KeyValue};
    /// let t = TestProvider::new();
    /// let errors = t.meter().u64_counter("parse_errors").build().unwrap();
    /// let attrs = [KeyValue::new("format", "csv")];
    /// assert!(errors.count_errors(&attrs, || "x".parse::<u8>()).is_err());
    /// assert!(errors.count_errors(&attrs, || "7".parse::<u8>()).is_ok());
    /// t.snapshot().assert_sum("parse_errors", &attrs, 1u64);
    /// ```
    pub fn count_errors<T, E>(
        &self,
        attributes: &[KeyValue],
        f: impl FnOnce() -> Result<T, E>,
    ) -> Result<T, E> {
        let result = f();
        if result.is_err() {
            self.add(1, attributes);
        }
        result
    }

    /// Runs `f` and, if it returned `Err(e)`, adds 1 to the series whose attributes
    /// `attributes(&e)` returns: label errors by kind. Return an array (not a `Vec`) to keep
    /// the error path free of allocations.
    ///
    /// ```
    /// # use telemetry_core::{testing::TestProvider, KeyValue};
    /// use std::io::{Error, ErrorKind};
    /// let t = TestProvider::new();
    /// let errors = t.meter().u64_counter("io_errors").build().unwrap();
    /// let by_kind = |e: &Error| {
    ///     let kind = if e.kind() == ErrorKind::NotFound { "not_found" } else { "other" };
    ///     [KeyValue::new("op", "read"), KeyValue::new("kind", kind)]
    /// };
    /// let _ = errors.count_errors_by(|| Err::<(), _>(Error::from(ErrorKind::NotFound)), by_kind);
    /// let attrs = [KeyValue::new("op", "read"), KeyValue::new("kind", "not_found")];
    /// t.snapshot().assert_sum("io_errors", &attrs, 1u64);
    /// ```
    pub fn count_errors_by<T, E, A: AsRef<[KeyValue]>>(
        &self,
        f: impl FnOnce() -> Result<T, E>,
        attributes: impl FnOnce(&E) -> A,
    ) -> Result<T, E> {
        let result = f();
        if let Err(e) = &result {
            self.add(1, attributes(e).as_ref());
        }
        result
    }
}

impl BoundCounter<u64> {
    /// Runs `f` and adds 1 if it returned `Err`; returns what `f` returned.
    ///
    /// ```
    /// # use telemetry_core::testing::TestProvider;
    /// let t = TestProvider::new();
    /// let errors = t.meter().u64_counter("errors").build().unwrap().bind(&[]);
    /// let _ = errors.count_errors(|| Err::<(), _>("boom"));
    /// t.snapshot().assert_sum("errors", &[], 1u64);
    /// ```
    pub fn count_errors<T, E>(&self, f: impl FnOnce() -> Result<T, E>) -> Result<T, E> {
        let result = f();
        if result.is_err() {
            self.add(1);
        }
        result
    }
}

// ---------------------------------------------------------------------------------------------
// In progress

type UpDownTarget<'a> = Target<'a, UpDownCounter<i64>, BoundUpDownCounter<i64>>;

impl UpDownTarget<'_> {
    fn add(self, value: i64) {
        match self {
            Target::Unbound(c, attrs) => c.add(value, attrs),
            Target::Bound(b) => b.add(value),
        }
    }
}

/// Counts one call in progress: +1 when made, −1 when dropped (also on a panic's unwinding).
///
/// Made by [`UpDownCounter::track`] or [`BoundUpDownCounter::track`].
///
/// ```
/// # use telemetry_core::testing::TestProvider;
/// let t = TestProvider::new();
/// let running = t.meter().i64_up_down_counter("jobs_running").build().unwrap().bind(&[]);
/// let first = running.track();
/// let second = running.track();
/// t.snapshot().assert_sum("jobs_running", &[], 2i64);
/// drop((first, second));
/// t.snapshot().assert_sum("jobs_running", &[], 0i64);
/// ```
#[must_use = "the call counts as in progress until the guard is dropped: bind it (`let _g = …`)"]
pub struct InProgress<'a> {
    target: UpDownTarget<'a>,
}

impl fmt::Debug for InProgress<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InProgress").finish_non_exhaustive()
    }
}

impl<'a> InProgress<'a> {
    fn new(target: UpDownTarget<'a>) -> Self {
        target.add(1);
        InProgress { target }
    }
}

impl Drop for InProgress<'_> {
    fn drop(&mut self) {
        self.target.add(-1);
    }
}

impl UpDownCounter<i64> {
    /// Adds 1 to the series of `attributes` now and 1 less when the guard is dropped
    /// (Python's `track_inprogress`).
    ///
    /// ```
    /// # use telemetry_core::{testing::TestProvider, KeyValue};
    /// let t = TestProvider::new();
    /// let active = t.meter().i64_up_down_counter("requests_active").build().unwrap();
    /// let attrs = [KeyValue::new("route", "/")];
    /// let guard = active.track(&attrs);
    /// t.snapshot().assert_sum("requests_active", &attrs, 1i64);
    /// drop(guard);
    /// t.snapshot().assert_sum("requests_active", &attrs, 0i64);
    /// ```
    pub fn track<'a>(&'a self, attributes: &'a [KeyValue]) -> InProgress<'a> {
        InProgress::new(Target::Unbound(self, attributes))
    }
}

impl BoundUpDownCounter<i64> {
    /// Adds 1 now and 1 less when the guard is dropped: see [`InProgress`].
    pub fn track(&self) -> InProgress<'_> {
        InProgress::new(Target::Bound(self))
    }
}

// ---------------------------------------------------------------------------------------------
// The global meter and the per-function metrics of `#[instrument_fn]`

static GLOBAL_METER: OnceLock<Meter> = OnceLock::new();

/// Sets the meter that [`FnMetrics`] (and so `#[instrument_fn]`) creates its instruments
/// with. It can be set once per process; a second call returns its meter back as the error.
///
/// Until it is set, instrumented functions run normally and record nothing (never a panic).
///
/// ```
/// use telemetry_core::{timing, MeterProvider};
///
/// let provider = MeterProvider::builder().build();
/// assert!(timing::set_global_meter(provider.meter("app")).is_ok());
/// assert!(timing::set_global_meter(provider.meter("other")).is_err());
/// assert_eq!(timing::global_meter().unwrap().scope().name, "app");
/// ```
#[allow(clippy::result_large_err)] // the meter handed back, as `OnceLock::set` does
pub fn set_global_meter(meter: Meter) -> Result<(), Meter> {
    GLOBAL_METER.set(meter)
}

/// The meter set with [`set_global_meter`], if any.
#[must_use]
pub fn global_meter() -> Option<&'static Meter> {
    GLOBAL_METER.get()
}

/// What [`FnMetrics`] records: the names of its instruments (each optional) and the
/// attributes of its series.
#[derive(Clone, Copy, Debug)]
pub struct FnSpec {
    /// An `f64` histogram receiving each call's duration in seconds.
    pub histogram: Option<&'static str>,
    /// A `u64` counter incremented for each call returning `Err`.
    pub errors: Option<&'static str>,
    /// An `i64` up-down counter of the calls in progress.
    pub in_progress: Option<&'static str>,
    /// The attributes (labels) of the three series.
    pub labels: &'static [(&'static str, &'static str)],
}

/// The bound handles of one instrumented function.
#[derive(Debug)]
struct FnHandles {
    histogram: Option<BoundHistogram<f64>>,
    errors: Option<BoundCounter<u64>>,
    in_progress: Option<BoundUpDownCounter<i64>>,
}

/// The instruments of one instrumented function, created from the [global
/// meter](set_global_meter) at the first call after it was set and bound to the function's
/// labels, so that every later call is lookup- and allocation-free. Meant for a `static`,
/// which is what `#[instrument_fn]` generates.
///
/// An instrument that cannot be created (e.g. its name is already taken by another kind) is
/// reported once through `log` and left out; the function itself is never affected.
/// Instruments with custom buckets must be created (same name, no unit) before the first
/// call: the first registration of a name decides its buckets.
///
/// ```
/// use telemetry_core::testing::TestProvider;
/// use telemetry_core::timing::{set_global_meter, FnMetrics, FnSpec};
///
/// static METRICS: FnMetrics = FnMetrics::new(FnSpec {
///     histogram: Some("load_seconds"),
///     errors: Some("load_errors"),
///     in_progress: None,
///     labels: &[("source", "disk")],
/// });
///
/// fn load(ok: bool) -> Result<(), String> {
///     let call = METRICS.enter();
///     let result = if ok { Ok(()) } else { Err("missing".into()) };
///     call.count_error(result.is_err());
///     result
/// }
///
/// let t = Box::leak(Box::new(TestProvider::new()));
/// load(true).unwrap(); // before the meter is set: nothing recorded, no panic
/// set_global_meter(t.meter()).unwrap();
/// load(true).unwrap();
/// load(false).unwrap_err();
/// let attrs = [telemetry_core::KeyValue::new("source", "disk")];
/// let s = t.snapshot();
/// assert_eq!(s.histogram("load_seconds", &attrs).unwrap().count, 2);
/// s.assert_sum("load_errors", &attrs, 1u64);
/// ```
#[derive(Debug)]
pub struct FnMetrics {
    spec: FnSpec,
    handles: OnceLock<FnHandles>,
}

impl FnMetrics {
    /// Metrics recording as `spec` says; nothing is created before the first call.
    #[must_use]
    pub const fn new(spec: FnSpec) -> Self {
        FnMetrics {
            spec,
            handles: OnceLock::new(),
        }
    }

    /// The handles, created at the first call once the global meter is set.
    fn handles(&self) -> Option<&FnHandles> {
        if let Some(handles) = self.handles.get() {
            return Some(handles);
        }
        let meter = global_meter()?;
        Some(self.handles.get_or_init(|| self.create(meter)))
    }

    fn create(&self, meter: &Meter) -> FnHandles {
        let attrs: Vec<KeyValue> = self
            .spec
            .labels
            .iter()
            .map(|&(k, v)| KeyValue::new(k, v))
            .collect();
        fn report<T>(name: &str, r: Result<T, crate::Error>) -> Option<T> {
            r.map_err(|e| log::warn!("instrumented function: no metric `{name}`: {e}"))
                .ok()
        }
        FnHandles {
            histogram: self.spec.histogram.and_then(|name| {
                report(name, meter.f64_histogram(name).build()).map(|h| h.bind(&attrs))
            }),
            errors: self.spec.errors.and_then(|name| {
                report(name, meter.u64_counter(name).build()).map(|c| c.bind(&attrs))
            }),
            in_progress: self.spec.in_progress.and_then(|name| {
                report(name, meter.i64_up_down_counter(name).build()).map(|c| c.bind(&attrs))
            }),
        }
    }

    /// Starts one call: counts it in progress and starts its timer, both ended when the
    /// returned guard is dropped.
    pub fn enter(&self) -> FnCall<'_> {
        let handles = self.handles();
        FnCall {
            errors: handles.and_then(|h| h.errors.as_ref()),
            timer: handles
                .and_then(|h| h.histogram.as_ref())
                .map(BoundHistogram::start_timer),
            in_progress: handles
                .and_then(|h| h.in_progress.as_ref())
                .map(BoundUpDownCounter::track),
        }
    }
}

/// One call of an instrumented function, from [`FnMetrics::enter`]: records its duration and
/// ends its in-progress count when dropped.
#[must_use = "the call is timed until the guard is dropped: bind it (`let _call = …`)"]
#[derive(Debug)]
pub struct FnCall<'a> {
    errors: Option<&'a BoundCounter<u64>>,
    // Fields drop in order: the timer stops before the call stops counting as in progress.
    timer: Option<HistogramTimer<'a>>,
    in_progress: Option<InProgress<'a>>,
}

impl FnCall<'_> {
    /// Counts the call as failed if `failed` (does nothing without an `errors` counter).
    pub fn count_error(&self, failed: bool) {
        if let (true, Some(errors)) = (failed, self.errors) {
            errors.add(1);
        }
    }

    /// Whether the call is being recorded (the global meter was set).
    #[must_use]
    pub fn is_recording(&self) -> bool {
        self.errors.is_some() || self.timer.is_some() || self.in_progress.is_some()
    }
}

/// What `#[instrument_fn(errors = …)]` needs from a function's return type: whether it is an
/// error. Implemented for `Result`.
#[diagnostic::on_unimplemented(
    message = "`#[instrument_fn(errors = ...)]` needs a function returning `Result`, not `{Self}`",
    label = "this is not a `Result`"
)]
pub trait Fallible {
    /// Whether this outcome counts as an error.
    fn is_error(&self) -> bool;
}

impl<T, E> Fallible for Result<T, E> {
    fn is_error(&self) -> bool {
        self.is_err()
    }
}
