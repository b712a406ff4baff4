//! The periodic (push) reader: collects on its own thread every interval and hands each
//! collection to a [`PushExporter`].
//!
//! Why one worker thread does every export (timer ticks, `force_flush`, shutdown): exports
//! are then never concurrent, which the [`PushExporter`] contract promises, and the delta
//! state (the previous collection) needs no lock. Callers talk to the worker over a channel
//! and wait for its answer with a deadline, so an exporter that hangs makes `force_flush`
//! or `shutdown` return [`Error::Timeout`] instead of hanging the application. The channel
//! also wakes the worker at once: it never sleeps through a shutdown.

use std::fmt;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use super::temporality::TemporalityState;
use super::{MetricReader, Producer};
use crate::data::{ResourceMetrics, Temporality};
use crate::error::Error;
use crate::export::PushExporter;

/// The default time between two exports (OpenTelemetry specification).
pub const DEFAULT_EXPORT_INTERVAL: Duration = Duration::from_secs(60);
/// The default deadline of one export (OpenTelemetry specification).
pub const DEFAULT_EXPORT_TIMEOUT: Duration = Duration::from_secs(30);

/// Environment variable for the interval, in milliseconds.
const ENV_INTERVAL: &str = "OTEL_METRIC_EXPORT_INTERVAL";
/// Environment variable for the export timeout, in milliseconds.
const ENV_TIMEOUT: &str = "OTEL_METRIC_EXPORT_TIMEOUT";

/// A reader that exports on a timer, on [`force_flush`](Self::force_flush) and at shutdown.
///
/// It runs its own thread (no async runtime). At shutdown the provider's final collection
/// is exported within the shutdown deadline, so what was recorded since the last tick is not
/// lost. Clones share the same worker: keep one to call [`force_flush`](Self::force_flush)
/// and give another to the provider.
///
/// When the exporter's [`temporality`](PushExporter::temporality) is
/// [`Temporality::Delta`], counters (monotonic sums) and histograms are exported as the
/// difference since the previous export, starting where it ended; up-down counters stay
/// cumulative, as in the OpenTelemetry "delta" preference. Cumulative points keep their
/// series' start time across exports.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use std::time::Duration;
/// use telemetry_core::export::PushExporter;
/// use telemetry_core::reader::PeriodicReader;
/// use telemetry_core::{Error, MeterProvider, ResourceMetrics};
///
/// #[derive(Debug, Default)]
/// struct Last(Mutex<Option<ResourceMetrics>>);
///
/// impl PushExporter for Last {
///     fn export(&self, metrics: &ResourceMetrics, _timeout: Duration) -> Result<(), Error> {
///         *self.0.lock().unwrap() = Some(metrics.clone());
///         Ok(())
///     }
/// }
///
/// let exporter = Arc::new(Last::default());
/// let reader = PeriodicReader::builder(exporter.clone())
///     .with_interval(Duration::from_secs(3600))
///     .build();
/// let provider = MeterProvider::builder().with_reader(reader).build();
/// provider.meter("app").u64_counter("jobs").build()?.add(2, &[]);
///
/// provider.shutdown()?; // long before the first tick: the value is exported anyway
/// let last = exporter.0.lock().unwrap().clone().unwrap();
/// assert!(last.metric("jobs").is_some());
/// # Ok::<(), Error>(())
/// ```
#[derive(Clone)]
pub struct PeriodicReader {
    inner: Arc<Inner>,
}

struct Inner {
    interval: Duration,
    timeout: Duration,
    temporality: Temporality,
    squared_deviation: bool,
    /// Taken by the worker when the provider registers.
    start: Mutex<Option<Worker>>,
    /// Set once the worker runs.
    sender: OnceLock<Sender<Message>>,
    handle: Mutex<Option<JoinHandle<()>>>,
}

impl fmt::Debug for PeriodicReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PeriodicReader")
            .field("interval", &self.inner.interval)
            .field("timeout", &self.inner.timeout)
            .field("temporality", &self.inner.temporality)
            .field("running", &self.inner.sender.get().is_some())
            .finish()
    }
}

/// Configures a [`PeriodicReader`].
///
/// Each setting is taken from, in order of precedence: the builder's method, then the
/// environment (`OTEL_METRIC_EXPORT_INTERVAL`, `OTEL_METRIC_EXPORT_TIMEOUT`, in
/// milliseconds; a value that is not a positive integer is ignored), then the default
/// ([`DEFAULT_EXPORT_INTERVAL`], [`DEFAULT_EXPORT_TIMEOUT`]).
#[derive(Debug)]
pub struct PeriodicReaderBuilder {
    exporter: Box<dyn PushExporter>,
    exporter_name: &'static str,
    interval: Option<Duration>,
    timeout: Option<Duration>,
}

impl PeriodicReaderBuilder {
    /// Sets the time between two exports (a zero interval is raised to one millisecond).
    #[must_use]
    pub fn with_interval(mut self, interval: Duration) -> Self {
        self.interval = Some(interval.max(Duration::from_millis(1)));
        self
    }

    /// Sets the deadline of one timed export.
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Builds the reader; its thread starts when a provider registers it.
    #[must_use]
    pub fn build(self) -> PeriodicReader {
        let env = |name| std::env::var(name).ok();
        let interval = resolve(self.interval, env(ENV_INTERVAL), DEFAULT_EXPORT_INTERVAL);
        let timeout = resolve(self.timeout, env(ENV_TIMEOUT), DEFAULT_EXPORT_TIMEOUT);
        let temporality = self.exporter.temporality();
        let squared_deviation = self.exporter.needs_squared_deviation();
        PeriodicReader {
            inner: Arc::new(Inner {
                interval,
                timeout,
                temporality,
                squared_deviation,
                start: Mutex::new(Some(Worker {
                    exporter: self.exporter,
                    exporter_name: self.exporter_name,
                    interval,
                    timeout,
                    state: TemporalityState::new(temporality),
                })),
                sender: OnceLock::new(),
                handle: Mutex::new(None),
            }),
        }
    }
}

/// Code > environment (milliseconds) > default.
fn resolve(code: Option<Duration>, env: Option<String>, default: Duration) -> Duration {
    code.or_else(|| {
        env.and_then(|v| v.trim().parse::<u64>().ok())
            .filter(|&ms| ms > 0)
            .map(Duration::from_millis)
    })
    .unwrap_or(default)
}

impl PeriodicReader {
    /// Starts a builder around `exporter`.
    pub fn builder(exporter: impl PushExporter) -> PeriodicReaderBuilder {
        PeriodicReaderBuilder {
            exporter_name: short_type_name(std::any::type_name_of_val(&exporter)),
            exporter: Box::new(exporter),
            interval: None,
            timeout: None,
        }
    }

    /// The time between two exports.
    #[must_use]
    pub fn interval(&self) -> Duration {
        self.inner.interval
    }

    /// The deadline of one timed export.
    #[must_use]
    pub fn timeout(&self) -> Duration {
        self.inner.timeout
    }

    /// The temporality the exporter asked for.
    #[must_use]
    pub fn temporality(&self) -> Temporality {
        self.inner.temporality
    }

    /// Collects and exports now, waiting at most the export timeout; see
    /// [`MetricReader::force_flush`] for an explicit deadline.
    ///
    /// Before the provider registers the reader, or after shutdown: [`Error::Shutdown`].
    pub fn force_flush(&self) -> Result<(), Error> {
        MetricReader::force_flush(self, self.inner.timeout)
    }

    /// Sends a request to the worker and waits for its answer until `timeout` has passed.
    fn ask(
        &self,
        make: impl FnOnce(Sender<Result<(), Error>>, Instant) -> Message,
        timeout: Duration,
        operation: &'static str,
    ) -> Result<(), Error> {
        let sender = self.inner.sender.get().ok_or(Error::Shutdown)?;
        let deadline = Instant::now() + timeout;
        let (reply, answer) = mpsc::channel();
        sender
            .send(make(reply, deadline))
            .map_err(|_| Error::Shutdown)?;
        match answer.recv_timeout(timeout) {
            Ok(result) => result,
            Err(RecvTimeoutError::Timeout) => Err(Error::Timeout { operation }),
            // The worker is gone (it exited after a shutdown).
            Err(RecvTimeoutError::Disconnected) => Err(Error::Shutdown),
        }
    }
}

impl MetricReader for PeriodicReader {
    fn needs_squared_deviation(&self) -> bool {
        self.inner.squared_deviation
    }

    fn register_producer(&self, producer: Producer) {
        // A reader belongs to one provider; a second registration is ignored.
        let Some(worker) = self
            .inner
            .start
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
        else {
            return;
        };
        let (sender, messages) = mpsc::channel();
        let spawned = thread::Builder::new()
            .name("telemetry-periodic-reader".into())
            .spawn(move || worker.run(&producer, &messages));
        match spawned {
            Ok(handle) => {
                let _ = self.inner.sender.set(sender);
                *self.inner.handle.lock().unwrap_or_else(|e| e.into_inner()) = Some(handle);
            }
            // Without a thread the reader cannot export; flush and shutdown report Shutdown.
            Err(e) => log::error!("cannot start the periodic reader's thread: {e}"),
        }
    }

    fn force_flush(&self, timeout: Duration) -> Result<(), Error> {
        self.ask(
            |reply, deadline| Message::Flush { reply, deadline },
            timeout,
            "periodic reader flush",
        )
    }

    fn shutdown(&self, last: &ResourceMetrics, timeout: Duration) -> Result<(), Error> {
        let result = self.ask(
            |reply, deadline| Message::Shutdown {
                last: last.clone(),
                reply,
                deadline,
            },
            timeout,
            "periodic reader shutdown",
        );
        if result.is_ok() {
            // The worker answered and is returning; joining cannot block for long. After a
            // timeout the thread is left detached (it may be stuck in the exporter).
            if let Some(handle) = self
                .inner
                .handle
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take()
            {
                let _ = handle.join();
            }
        }
        result
    }
}

enum Message {
    Flush {
        reply: Sender<Result<(), Error>>,
        deadline: Instant,
    },
    Shutdown {
        last: ResourceMetrics,
        reply: Sender<Result<(), Error>>,
        deadline: Instant,
    },
}

/// What the worker thread owns.
struct Worker {
    exporter: Box<dyn PushExporter>,
    /// The exporter's type name (`OtlpExporter`), for the self-metrics.
    exporter_name: &'static str,
    interval: Duration,
    timeout: Duration,
    state: TemporalityState,
}

impl Worker {
    fn run(mut self, producer: &Producer, messages: &Receiver<Message>) {
        let mut next = Instant::now() + self.interval;
        loop {
            let wait = next.saturating_duration_since(Instant::now());
            match messages.recv_timeout(wait) {
                Err(RecvTimeoutError::Timeout) => {
                    next = Instant::now() + self.interval;
                    let deadline = Instant::now() + self.timeout;
                    // A failed tick has nobody to report to but the operator.
                    if let Err(e) = self.collect_and_export(producer, deadline) {
                        if e != Error::Shutdown {
                            log::warn!("periodic export failed: {e}");
                        }
                    }
                }
                Ok(Message::Flush { reply, deadline }) => {
                    let _ = reply.send(self.collect_and_export(producer, deadline));
                }
                Ok(Message::Shutdown {
                    last,
                    reply,
                    deadline,
                }) => {
                    let exported = self.export(producer, &last, deadline);
                    let closed = self.exporter.shutdown(remaining(deadline));
                    let _ = reply.send(exported.and(closed));
                    return;
                }
                // Every clone of the reader is gone (the provider was dropped): stop.
                Err(RecvTimeoutError::Disconnected) => return,
            }
        }
    }

    fn collect_and_export(&mut self, producer: &Producer, deadline: Instant) -> Result<(), Error> {
        let metrics = producer.collect()?;
        self.export(producer, &metrics, deadline)
    }

    fn export(
        &mut self,
        producer: &Producer,
        cumulative: &ResourceMetrics,
        deadline: Instant,
    ) -> Result<(), Error> {
        let metrics = self.state.convert(cumulative);
        let left = remaining(deadline);
        let result = if left.is_zero() {
            Err(Error::Timeout {
                operation: "periodic reader export",
            })
        } else {
            self.exporter.export(&metrics, left.min(self.timeout))
        };
        producer.record_export(self.exporter_name, result.is_ok());
        result
    }
}

/// `OtlpExporter` of `telemetry_exporters::otlp::OtlpExporter` or of
/// `alloc::sync::Arc<telemetry_exporters::otlp::OtlpExporter>`.
fn short_type_name(full: &'static str) -> &'static str {
    let inner = full.trim_end_matches('>');
    let inner = inner.rsplit('<').next().unwrap_or(inner);
    inner.rsplit("::").next().unwrap_or(inner)
}

fn remaining(deadline: Instant) -> Duration {
    deadline.saturating_duration_since(Instant::now())
}

#[cfg(test)]
mod tests {
    use super::*;

    const CODE: Duration = Duration::from_secs(5);
    const DEFAULT: Duration = Duration::from_secs(60);

    #[test]
    fn exporter_names_are_short() {
        assert_eq!(short_type_name("a::b::OtlpExporter"), "OtlpExporter");
        assert_eq!(short_type_name("alloc::sync::Arc<x::y::Stack>"), "Stack");
        assert_eq!(short_type_name("Plain"), "Plain");
    }

    #[test]
    fn code_wins_over_environment_and_default() {
        assert_eq!(resolve(Some(CODE), Some("250".into()), DEFAULT), CODE);
    }

    #[test]
    fn environment_is_in_milliseconds_and_wins_over_default() {
        assert_eq!(
            resolve(None, Some(" 250 ".into()), DEFAULT),
            Duration::from_millis(250)
        );
    }

    #[test]
    fn invalid_environment_falls_back_to_default() {
        for bad in ["", "abc", "-5", "0", "1.5"] {
            assert_eq!(resolve(None, Some(bad.into()), DEFAULT), DEFAULT, "{bad:?}");
        }
        assert_eq!(resolve(None, None, DEFAULT), DEFAULT);
    }
}
