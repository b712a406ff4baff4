//! Push exporters: what a [`PeriodicReader`](crate::reader::PeriodicReader) hands its
//! collections to.
//!
//! The split follows the OpenTelemetry SDK: a *reader* decides when to collect (on a timer,
//! on `force_flush`, at shutdown) and in which temporality; an *exporter* only translates a
//! [`ResourceMetrics`] into its wire format and sends it. An exporter therefore never
//! touches the record path and never needs its own thread or timer.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::data::{ResourceMetrics, Temporality};
use crate::error::Error;

/// Sends collected metrics somewhere (an OTLP endpoint, a file, a test's buffer).
///
/// A reader calls [`export`](Self::export) from one thread at a time, never concurrently,
/// and calls [`shutdown`](Self::shutdown) once, after the last export. Both take a
/// `timeout`: the time left before the caller's deadline. An exporter should give up (and
/// return [`Error::Timeout`]) rather than exceed it; retries must fit within it too. The
/// reader enforces the deadline anyway, so an exporter that hangs delays nobody, but its
/// thread stays blocked.
///
/// ```
/// use std::sync::Mutex;
/// use std::time::Duration;
/// use telemetry_core::export::PushExporter;
/// use telemetry_core::{Error, ResourceMetrics, Temporality};
///
/// /// Keeps the names of the metrics it was given.
/// #[derive(Debug, Default)]
/// struct Names(Mutex<Vec<String>>);
///
/// impl PushExporter for Names {
///     fn export(&self, metrics: &ResourceMetrics, _timeout: Duration) -> Result<(), Error> {
///         let mut names = self.0.lock().unwrap();
///         names.extend(metrics.metrics().map(|m| m.name.to_string()));
///         Ok(())
///     }
///
///     fn temporality(&self) -> Temporality {
///         Temporality::Delta
///     }
/// }
///
/// let exporter = Names::default();
/// exporter.export(&ResourceMetrics::default(), Duration::from_secs(1))?;
/// assert_eq!(exporter.temporality(), Temporality::Delta);
/// exporter.shutdown(Duration::from_secs(1))?; // the default does nothing
/// # Ok::<(), Error>(())
/// ```
pub trait PushExporter: Send + Sync + fmt::Debug + 'static {
    /// Sends one collection, within `timeout`.
    ///
    /// The points are already in [`temporality`](Self::temporality): the reader converts
    /// cumulative data to delta before calling this.
    fn export(&self, metrics: &ResourceMetrics, timeout: Duration) -> Result<(), Error>;

    /// The temporality this exporter wants; cumulative unless overridden. Asked once, when
    /// the reader is built. Under [`Temporality::Delta`] the reader converts counters and
    /// histograms; up-down counters stay cumulative (the OpenTelemetry "delta" preference).
    fn temporality(&self) -> Temporality {
        Temporality::Cumulative
    }

    /// Whether the exporter sends histograms' sum of squared deviations
    /// ([`HistogramPoint::sum_of_squared_deviation`](crate::HistogramPoint)); false unless
    /// overridden. Tracking it costs every histogram observation two more atomic additions,
    /// so the provider does it only when one of its readers asks. Asked once, when the
    /// reader is built.
    fn needs_squared_deviation(&self) -> bool {
        false
    }

    /// Flushes anything the exporter buffers and releases its resources (connections),
    /// within `timeout`. Called once, after the last [`export`](Self::export).
    fn shutdown(&self, timeout: Duration) -> Result<(), Error> {
        let _ = timeout;
        Ok(())
    }
}

/// Shares an exporter: keep one `Arc` to inspect it (in tests, say) and give a clone to
/// the reader.
impl<E: PushExporter + ?Sized> PushExporter for Arc<E> {
    fn export(&self, metrics: &ResourceMetrics, timeout: Duration) -> Result<(), Error> {
        (**self).export(metrics, timeout)
    }

    fn temporality(&self) -> Temporality {
        (**self).temporality()
    }

    fn needs_squared_deviation(&self) -> bool {
        (**self).needs_squared_deviation()
    }

    fn shutdown(&self, timeout: Duration) -> Result<(), Error> {
        (**self).shutdown(timeout)
    }
}

impl<E: PushExporter + ?Sized> PushExporter for Box<E> {
    fn export(&self, metrics: &ResourceMetrics, timeout: Duration) -> Result<(), Error> {
        (**self).export(metrics, timeout)
    }

    fn temporality(&self) -> Temporality {
        (**self).temporality()
    }

    fn needs_squared_deviation(&self) -> bool {
        (**self).needs_squared_deviation()
    }

    fn shutdown(&self, timeout: Duration) -> Result<(), Error> {
        (**self).shutdown(timeout)
    }
}
