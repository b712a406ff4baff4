//! The periodic writer: one background thread per textfile, with its own interval.
//!
//! The thread writes at once, then every interval (fixed rate: a slow write delays the next
//! one, it never causes a burst of catch-up writes). A failed write is reported to the
//! error handler and retried at the next tick; it never stops the thread. Stopping wakes
//! the thread, which writes one final file and exits; `stop` waits for that write up to a
//! deadline, so a hung source cannot hang the application's shutdown.

use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::{check_path, write_textfile, Exposition, Step, TextfileError};

type ErrorHandler = Box<dyn Fn(&TextfileError) + Send>;

/// How long [`TextfileWriter::stop`] waits for the final write by default.
const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(5);

/// Configures a [`TextfileWriter`]; see [`TextfileWriter::builder`].
pub struct TextfileWriterBuilder {
    path: PathBuf,
    interval: Duration,
    shutdown_timeout: Duration,
    on_error: ErrorHandler,
}

impl fmt::Debug for TextfileWriterBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TextfileWriterBuilder")
            .field("path", &self.path)
            .field("interval", &self.interval)
            .field("shutdown_timeout", &self.shutdown_timeout)
            .finish_non_exhaustive()
    }
}

impl TextfileWriterBuilder {
    /// How long [`stop`](TextfileWriter::stop) (and drop) waits for the final write
    /// (default: 5 s). Past it, `stop` returns [`TextfileError::Timeout`] and the thread
    /// is left to finish on its own.
    #[must_use]
    pub fn with_shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.shutdown_timeout = timeout;
        self
    }

    /// Receives every failed write, on the writer's thread. The default logs it with
    /// [`log::warn!`] (target `telemetry_exporters::textfile`); nothing is ever printed.
    ///
    /// ```
    /// use std::sync::mpsc;
    /// use std::time::Duration;
    /// use telemetry_exporters::prometheus::{TextfileError, TextfileWriter};
    ///
    /// let dir = tempfile::tempdir()?;
    /// let (tx, failures) = mpsc::channel();
    /// let writer = TextfileWriter::builder(dir.path().join("missing/app.prom"), Duration::from_secs(60))
    ///     .with_error_handler(move |e: &TextfileError| { let _ = tx.send(e.to_string()); })
    ///     .spawn("up 1\n")?;
    /// let first = failures.recv_timeout(Duration::from_secs(10))?;
    /// assert!(first.contains("missing/app.prom not written"), "{first}");
    /// assert!(writer.stop().is_err()); // the final write fails the same way
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn with_error_handler(mut self, handler: impl Fn(&TextfileError) + Send + 'static) -> Self {
        self.on_error = Box::new(handler);
        self
    }

    /// Starts the thread, which writes `source` to the path at once, then every interval.
    ///
    /// Fails only when the path does not name a `*.prom` file or the thread cannot be
    /// started; write failures go to the error handler.
    pub fn spawn<S>(self, source: S) -> Result<TextfileWriter, TextfileError>
    where
        S: Exposition + Send + 'static,
    {
        check_path(&self.path)?;
        let shared = Arc::new(Shared {
            stop: Mutex::new(false),
            wake: Condvar::new(),
            writes: AtomicU64::new(0),
            failures: AtomicU64::new(0),
        });
        let (done_tx, done) = mpsc::channel();
        let name = format!(
            "textfile-{}",
            self.path.file_name().unwrap_or_default().to_string_lossy()
        );
        let thread = std::thread::Builder::new()
            .name(name)
            .spawn({
                let shared = Arc::clone(&shared);
                let path = self.path.clone();
                let (interval, on_error) = (self.interval, self.on_error);
                move || {
                    let last = run(&shared, &path, interval, &source, &*on_error);
                    // `stop` may have given up waiting; then nobody listens.
                    let _ = done_tx.send(last);
                }
            })
            .map_err(|source| TextfileError::Io {
                path: self.path.clone(),
                step: Step::SpawnThread,
                temp: None,
                source,
            })?;
        Ok(TextfileWriter {
            path: self.path,
            shared,
            thread: Some(thread),
            done,
            shutdown_timeout: self.shutdown_timeout,
        })
    }
}

/// Rewrites a textfile from a background thread at its own interval.
///
/// Each write is a [`write_textfile`], so node_exporter never sees a partial file.
/// [`stop`](Self::stop) (or dropping the writer) writes one final file (after a provider
/// shutdown a [`PrometheusExporter`](super::PrometheusExporter) still renders its final
/// collection) and joins the thread, within the shutdown timeout.
///
/// ```
/// use std::time::Duration;
/// use telemetry_core::MeterProvider;
/// use telemetry_exporters::prometheus::{PrometheusExporter, TextfileWriter};
///
/// let dir = tempfile::tempdir()?;
/// let exporter = PrometheusExporter::new();
/// let provider = MeterProvider::builder().with_reader(exporter.clone()).build();
/// let jobs = provider.meter("batch").u64_counter("jobs").build()?;
///
/// let path = dir.path().join("batch.prom");
/// let writer = TextfileWriter::builder(&path, Duration::from_secs(15)).spawn(exporter.clone())?;
/// jobs.add(3, &[]);
/// writer.stop()?; // the final file has every recorded value
/// assert!(std::fs::read_to_string(&path)?.contains("\njobs_total 3\n"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use = "the writer stops when the TextfileWriter is dropped"]
pub struct TextfileWriter {
    path: PathBuf,
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
    done: mpsc::Receiver<Result<(), TextfileError>>,
    shutdown_timeout: Duration,
}

struct Shared {
    stop: Mutex<bool>,
    wake: Condvar,
    writes: AtomicU64,
    failures: AtomicU64,
}

impl fmt::Debug for TextfileWriter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TextfileWriter")
            .field("path", &self.path)
            .field("running", &self.thread.is_some())
            .field("writes", &self.writes())
            .field("failures", &self.failures())
            .finish()
    }
}

impl TextfileWriter {
    /// Configures a writer of `path` (a `*.prom` file) every `interval`.
    ///
    /// # Panics
    ///
    /// If `interval` is zero.
    #[must_use]
    pub fn builder(path: impl Into<PathBuf>, interval: Duration) -> TextfileWriterBuilder {
        assert!(
            !interval.is_zero(),
            "a textfile write interval must not be zero"
        );
        TextfileWriterBuilder {
            path: path.into(),
            interval,
            shutdown_timeout: DEFAULT_SHUTDOWN_TIMEOUT,
            on_error: Box::new(|e| log::warn!(target: "telemetry_exporters::textfile", "{e}")),
        }
    }

    /// The textfile.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Successful writes so far.
    #[must_use]
    pub fn writes(&self) -> u64 {
        self.shared.writes.load(Ordering::Relaxed)
    }

    /// Failed writes so far (each was given to the error handler).
    #[must_use]
    pub fn failures(&self) -> u64 {
        self.shared.failures.load(Ordering::Relaxed)
    }

    /// Writes the final file, stops the thread and returns the final write's result, or
    /// [`TextfileError::Timeout`] if it did not finish within the shutdown timeout.
    pub fn stop(mut self) -> Result<(), TextfileError> {
        self.shut_down()
    }

    fn shut_down(&mut self) -> Result<(), TextfileError> {
        let Some(thread) = self.thread.take() else {
            return Ok(());
        };
        *self
            .shared
            .stop
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = true;
        self.shared.wake.notify_all();
        match self.done.recv_timeout(self.shutdown_timeout) {
            Ok(last) => {
                // It has sent its last word; the join is immediate.
                let _ = thread.join();
                last
            }
            // Past the deadline the thread is detached; it exits after its current write.
            Err(mpsc::RecvTimeoutError::Timeout) => Err(TextfileError::Timeout {
                path: self.path.clone(),
            }),
            // The thread died without reporting, which `run` rules out (it catches panics).
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                let _ = thread.join();
                Ok(())
            }
        }
    }
}

impl Drop for TextfileWriter {
    fn drop(&mut self) {
        // The error handler has already seen a failed final write.
        let _ = self.shut_down();
    }
}

/// The thread's loop; returns the result of the final write.
fn run(
    shared: &Shared,
    path: &Path,
    interval: Duration,
    source: &dyn Exposition,
    on_error: &(dyn Fn(&TextfileError) + Send),
) -> Result<(), TextfileError> {
    let mut next = Instant::now();
    loop {
        let stopping = {
            let mut stop = shared.stop.lock().unwrap_or_else(PoisonError::into_inner);
            loop {
                let now = Instant::now();
                if *stop || now >= next {
                    break *stop;
                }
                stop = shared
                    .wake
                    .wait_timeout(stop, next - now)
                    .unwrap_or_else(PoisonError::into_inner)
                    .0;
            }
        };
        let result = write_once(path, source);
        match &result {
            Ok(()) => {
                shared.writes.fetch_add(1, Ordering::Relaxed);
            }
            Err(e) => {
                shared.failures.fetch_add(1, Ordering::Relaxed);
                // A panicking handler must not end the writer.
                let _ = panic::catch_unwind(AssertUnwindSafe(|| on_error(e)));
            }
        }
        if stopping {
            return result;
        }
        next += interval;
        let now = Instant::now();
        if next < now {
            next = now + interval; // fell behind: skip the missed ticks
        }
    }
}

/// One write; a panicking source is a render error, not the end of the thread.
fn write_once(path: &Path, source: &dyn Exposition) -> Result<(), TextfileError> {
    panic::catch_unwind(AssertUnwindSafe(|| write_textfile(path, source))).unwrap_or_else(|_| {
        Err(TextfileError::Render {
            path: path.to_owned(),
            source: "the source panicked".into(),
        })
    })
}
