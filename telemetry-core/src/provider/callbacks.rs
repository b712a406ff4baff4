//! Running observable callbacks and derived collectors in isolation.
//!
//! A callback is user code run at every collection. One that panics must not break the
//! collection of the others, and one that blocks (a lock held elsewhere, a slow system call)
//! must not stall every reader. So, unless isolation is turned off, callbacks run on a
//! worker thread and the collecting thread waits for each at most the callback timeout:
//!
//! - a panic is caught, reported (`log::warn!`, the `otel.sdk.metric.callback.failures`
//!   self-metric with `reason="panic"`), and the callback is kept: the next collection tries
//!   it again;
//! - a callback still running at its deadline is reported (`reason="timeout"`) and left to
//!   finish on that worker, which is then abandoned; the collection goes on with a fresh
//!   worker, and the late callback is skipped by later collections until it returns (its
//!   late values are discarded), so at most one thread per stuck callback exists.
//!
//! Without isolation ([`MeterProviderBuilder::with_callback_timeout(None)`]) callbacks run
//! inline on the collecting thread: cheaper (no thread hand-off), panics still caught, but a
//! blocking callback blocks the collection.
//!
//! A registered `#[derive(MetricCollector)]` struct is not arbitrary code: its callback reads
//! the struct's fields under the struct's lock. It comes with a second form that tries that
//! lock without waiting ([`TryInline`]), and that form runs on the collecting thread: the
//! hand-off to the worker (two thread wake-ups, most of a small scrape's CPU time) is only
//! paid when the struct is locked for writing at that moment, and then the worker's deadline
//! applies as for any callback. Panics are caught either way.
//!
//! [`MeterProviderBuilder::with_callback_timeout(None)`]: crate::MeterProviderBuilder::with_callback_timeout

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use crate::instrument::observable::CollectContext;

use super::pipeline::Callback;

/// How long one callback may run before the collection goes on without it.
pub const DEFAULT_CALLBACK_TIMEOUT: Duration = Duration::from_secs(1);

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The form of a callback that may run on the collecting thread: it returns `None`, having
/// observed nothing, when it would have to wait (its data is locked for writing), and then
/// the slot's [`Callback`] runs isolated; otherwise what the callback would return.
pub(crate) type TryInline = Box<dyn Fn(&mut CollectContext) -> Option<bool> + Send + Sync>;

/// One registered callback.
struct Slot {
    callback: Mutex<Callback>,
    try_inline: Option<TryInline>,
    /// Set while a worker runs it: a late callback is skipped until it returns.
    running: AtomicBool,
    /// Set once it asked to be removed (its collector was dropped).
    finished: AtomicBool,
}

/// What running one callback gave.
enum Outcome {
    Observed(CollectContext),
    Panicked,
}

/// A job for the worker: run `slot`, answer on `reply`.
struct Job {
    slot: Arc<Slot>,
    reply: mpsc::Sender<Outcome>,
}

/// Counts of callback failures not yet reported.
#[derive(Debug, Default)]
pub(crate) struct Failures {
    panics: AtomicU64,
    timeouts: AtomicU64,
}

impl Failures {
    /// `(panics, timeouts)` since the last call.
    pub(crate) fn take(&self) -> (u64, u64) {
        (
            self.panics.swap(0, Ordering::Relaxed),
            self.timeouts.swap(0, Ordering::Relaxed),
        )
    }
}

/// The registered callbacks and the worker that runs them.
pub(crate) struct Callbacks {
    slots: Mutex<Vec<Arc<Slot>>>,
    timeout: Option<Duration>,
    worker: Mutex<Option<mpsc::Sender<Job>>>,
    pub(crate) failures: Failures,
}

impl std::fmt::Debug for Callbacks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Callbacks")
            .field("registered", &lock(&self.slots).len())
            .field("timeout", &self.timeout)
            .field("failures", &self.failures)
            .finish()
    }
}

impl Callbacks {
    pub(crate) fn new(timeout: Option<Duration>) -> Self {
        Callbacks {
            slots: Mutex::new(Vec::new()),
            timeout,
            worker: Mutex::new(None),
            failures: Failures::default(),
        }
    }

    pub(crate) fn add(&self, callback: Callback, try_inline: Option<TryInline>) {
        lock(&self.slots).push(Arc::new(Slot {
            callback: Mutex::new(callback),
            try_inline,
            running: AtomicBool::new(false),
            finished: AtomicBool::new(false),
        }));
    }

    /// Runs every callback once; returns what they observed.
    pub(crate) fn run(&self) -> CollectContext {
        // A snapshot: a callback may register instruments or callbacks while it runs.
        let slots: Vec<Arc<Slot>> = lock(&self.slots).clone();
        let mut ctx = CollectContext::default();
        for slot in &slots {
            if slot.finished.load(Ordering::Acquire) {
                continue;
            }
            let outcome = match self.timeout {
                None => Some(run_slot(slot)),
                Some(timeout) => run_inline(slot).or_else(|| self.run_isolated(slot, timeout)),
            };
            match outcome {
                Some(Outcome::Observed(observed)) => ctx.merge(observed),
                Some(Outcome::Panicked) => {
                    self.failures.panics.fetch_add(1, Ordering::Relaxed);
                    log::warn!("a metrics callback panicked; its values are missing from this collection, it runs again at the next");
                }
                None => {}
            }
        }
        lock(&self.slots).retain(|s| !s.finished.load(Ordering::Acquire));
        ctx
    }

    /// Runs `slot` on the worker, waiting at most `timeout`; `None` if it did not answer.
    fn run_isolated(&self, slot: &Arc<Slot>, timeout: Duration) -> Option<Outcome> {
        if slot.running.load(Ordering::Acquire) {
            // Still busy since an earlier collection: it was reported then.
            return None;
        }
        let (reply, answer) = mpsc::channel();
        let job = Job {
            slot: slot.clone(),
            reply,
        };
        if let Err(mpsc::SendError(job)) = self.worker().send(job) {
            // The worker is gone (it cannot be, short of an abort); run inline.
            return Some(run_slot(&job.slot));
        }
        match answer.recv_timeout(timeout) {
            Ok(outcome) => Some(outcome),
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => {
                self.failures.timeouts.fetch_add(1, Ordering::Relaxed);
                log::warn!(
                    "a metrics callback ran longer than {timeout:?}; collecting without it, and skipping it until it returns"
                );
                // Leave the worker to the late callback; the next job starts a new one.
                *lock(&self.worker) = None;
                None
            }
        }
    }

    fn worker(&self) -> mpsc::Sender<Job> {
        let mut worker = lock(&self.worker);
        if let Some(w) = worker.as_ref() {
            return w.clone();
        }
        let (jobs, inbox) = mpsc::channel::<Job>();
        let spawned = std::thread::Builder::new()
            .name("telemetry-callbacks".into())
            .spawn(move || {
                // Ends when its sender is dropped: replaced after a timeout, or the provider
                // is gone.
                while let Ok(job) = inbox.recv() {
                    job.slot.running.store(true, Ordering::Release);
                    let outcome = run_slot(&job.slot);
                    job.slot.running.store(false, Ordering::Release);
                    let _ = job.reply.send(outcome);
                }
            });
        if let Err(e) = spawned {
            log::warn!("cannot start the metrics callback thread ({e}); running callbacks inline");
        }
        // If the thread could not start, sends fail and `run_isolated` runs inline.
        worker.insert(jobs).clone()
    }
}

/// Runs the slot's [`TryInline`] form on this thread, catching a panic; `None` if it has
/// none or it would wait.
fn run_inline(slot: &Slot) -> Option<Outcome> {
    let try_inline = slot.try_inline.as_ref()?;
    let mut observed = CollectContext::default();
    let run = match catch_unwind(AssertUnwindSafe(|| try_inline(&mut observed))) {
        Ok(None) => return None,
        Ok(Some(keep)) => Ok(keep),
        Err(panic) => Err(panic),
    };
    Some(outcome(slot, run, observed))
}

/// Runs one callback on this thread, catching a panic.
fn run_slot(slot: &Slot) -> Outcome {
    let mut observed = CollectContext::default();
    let mut callback = lock(&slot.callback);
    let run = catch_unwind(AssertUnwindSafe(|| callback(&mut observed)));
    outcome(slot, run, observed)
}

/// What one run of a slot's callback gave: what it `observed`, unless it panicked. A
/// callback that answers `false` asked to be removed.
fn outcome(slot: &Slot, run: std::thread::Result<bool>, observed: CollectContext) -> Outcome {
    match run {
        Ok(keep) => {
            if !keep {
                slot.finished.store(true, Ordering::Release);
            }
            Outcome::Observed(observed)
        }
        Err(_) => Outcome::Panicked,
    }
}
