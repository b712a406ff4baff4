//! Readers: how collected data leaves the pipeline.
//!
//! A reader is given a [`Producer`] when the provider is built. A pull reader (the
//! Prometheus scrape endpoint, [`ManualReader`]) collects when asked; a push reader exports
//! on its own schedule. At shutdown every reader receives the provider's final collection.

mod manual;
mod periodic;
mod temporality;

pub use manual::ManualReader;
pub use periodic::{
    PeriodicReader, PeriodicReaderBuilder, DEFAULT_EXPORT_INTERVAL, DEFAULT_EXPORT_TIMEOUT,
};

use std::fmt;
use std::sync::{Arc, Weak};
use std::time::Duration;

use crate::data::ResourceMetrics;
use crate::error::Error;
use crate::provider::pipeline::Pipeline;

/// Something that receives collected metrics from a [`MeterProvider`](crate::MeterProvider).
pub trait MetricReader: Send + Sync + 'static {
    /// Called once, when the provider is built: the handle through which to collect.
    fn register_producer(&self, producer: Producer);

    /// Whether this reader's histograms must carry their sum of squared deviations
    /// ([`HistogramPoint::sum_of_squared_deviation`](crate::HistogramPoint), which Cloud
    /// Monitoring distributions need); false unless overridden. Asked once, before
    /// [`register_producer`](Self::register_producer): the provider tracks it for all its
    /// histograms if any reader says yes, and leaves it 0 otherwise (it costs two atomic
    /// additions per observation).
    fn needs_squared_deviation(&self) -> bool {
        false
    }

    /// Exports what has been recorded so far, if the reader pushes; pull readers do nothing.
    fn force_flush(&self, timeout: Duration) -> Result<(), Error> {
        let _ = timeout;
        Ok(())
    }

    /// Receives the provider's final collection and releases the reader's resources, within
    /// `timeout`.
    fn shutdown(&self, last: &ResourceMetrics, timeout: Duration) -> Result<(), Error>;
}

/// A weak handle to a provider's pipeline: collecting through it after the provider is gone
/// or shut down is [`Error::Shutdown`].
#[derive(Clone)]
pub struct Producer {
    pipeline: Weak<Pipeline>,
}

impl fmt::Debug for Producer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Producer")
            .field("alive", &(self.pipeline.strong_count() > 0))
            .finish()
    }
}

impl Producer {
    pub(crate) fn new(pipeline: &Arc<Pipeline>) -> Self {
        Producer {
            pipeline: Arc::downgrade(pipeline),
        }
    }

    /// Counts one export of `exporter` in the self-metrics, if they are on.
    pub(crate) fn record_export(&self, exporter: &'static str, ok: bool) {
        if let Some(p) = self.pipeline.upgrade() {
            if let Some(m) = p.self_metrics.get() {
                m.export(exporter, ok);
            }
        }
    }

    /// Runs one collection.
    pub fn collect(&self) -> Result<ResourceMetrics, Error> {
        match self.pipeline.upgrade() {
            Some(p) if !p.is_shut_down() => Ok(p.collect()),
            _ => Err(Error::Shutdown),
        }
    }
}
