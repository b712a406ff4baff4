//! The manual (pull) reader: collects when the application asks.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use super::{MetricReader, Producer};
use crate::data::ResourceMetrics;
use crate::error::Error;

/// A reader that collects on demand; clones share the same registration, so keep one clone
/// and give another to [`MeterProviderBuilder::with_reader`](crate::MeterProviderBuilder::with_reader).
///
/// This is the pull reader under scrape endpoints: each scrape is one [`collect`](Self::collect).
/// After shutdown, [`last_collection`](Self::last_collection) holds the provider's final
/// collection, so a last scrape or a test can still read what was recorded.
///
/// ```
/// # use telemetry_core::{ManualReader, MeterProvider};
/// let reader = ManualReader::new();
/// let provider = MeterProvider::builder().with_reader(reader.clone()).build();
/// provider.meter("m").u64_counter("c").build().unwrap().add(3, &[]);
/// assert!(reader.collect().unwrap().metric("c").is_some());
/// ```
#[derive(Clone, Debug, Default)]
pub struct ManualReader {
    inner: Arc<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    producer: OnceLock<Producer>,
    last: Mutex<Option<ResourceMetrics>>,
    squared_deviation: bool,
}

impl ManualReader {
    /// A reader not yet registered with a provider.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// A reader whose collections carry histograms' sum of squared deviations
    /// ([`HistogramPoint::sum_of_squared_deviation`](crate::HistogramPoint)), for code that
    /// sends them somewhere that needs it, such as Cloud Monitoring; see
    /// [`MetricReader::needs_squared_deviation`].
    ///
    /// ```
    /// # use telemetry_core::{ManualReader, MeterProvider, MetricData};
    /// let reader = ManualReader::with_squared_deviation();
    /// let provider = MeterProvider::builder().with_reader(reader.clone()).build();
    /// let h = provider.meter("m").f64_histogram("h").build().unwrap();
    /// h.record(1.0, &[]);
    /// h.record(3.0, &[]);
    /// let metrics = reader.collect().unwrap();
    /// let Some(MetricData::Histogram(data)) = metrics.metric("h").map(|m| &m.data) else {
    ///     panic!()
    /// };
    /// assert_eq!(data.points[0].sum_of_squared_deviation, 2.0);
    /// ```
    #[must_use]
    pub fn with_squared_deviation() -> Self {
        ManualReader {
            inner: Arc::new(Inner {
                squared_deviation: true,
                ..Inner::default()
            }),
        }
    }

    /// Collects now. Before registration or after shutdown: [`Error::Shutdown`].
    pub fn collect(&self) -> Result<ResourceMetrics, Error> {
        self.inner.producer.get().ok_or(Error::Shutdown)?.collect()
    }

    /// The final collection handed over at shutdown, if the provider has shut down.
    #[must_use]
    pub fn last_collection(&self) -> Option<ResourceMetrics> {
        self.inner
            .last
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

impl MetricReader for ManualReader {
    fn needs_squared_deviation(&self) -> bool {
        self.inner.squared_deviation
    }

    fn register_producer(&self, producer: Producer) {
        // A reader belongs to one provider; a second registration is ignored.
        let _ = self.inner.producer.set(producer);
    }

    fn shutdown(&self, last: &ResourceMetrics, _timeout: Duration) -> Result<(), Error> {
        *self.inner.last.lock().unwrap_or_else(|e| e.into_inner()) = Some(last.clone());
        Ok(())
    }
}
