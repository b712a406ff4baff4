//! The meter provider: resource, views and readers put together; shutdown on drop.

mod callbacks;
mod meter;
pub(crate) mod pipeline;
mod self_metrics;
#[cfg(feature = "signal")]
mod signal;
#[cfg(feature = "tokio")]
mod tokio;

pub use callbacks::DEFAULT_CALLBACK_TIMEOUT;
pub use meter::Meter;
pub use self_metrics::SELF_METRICS_SCOPE;

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::data::{Resource, Scope};
use crate::error::{combine, Error};
use crate::reader::{MetricReader, Producer};
use crate::stream::DEFAULT_CARDINALITY_LIMIT;
use crate::view::View;
use pipeline::Pipeline;

/// How long an implicit shutdown (on drop) may take.
pub const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(5);

/// Creates meters and owns the pipeline; cheap to clone.
///
/// When the last clone is dropped, the provider shuts down: it collects one last time and
/// hands the result to every reader, so nothing recorded is lost at exit.
///
/// ```
/// # use telemetry_core::{KeyValue, ManualReader, MeterProvider, Resource};
/// let reader = ManualReader::new();
/// let provider = MeterProvider::builder()
///     .with_resource(Resource::new([KeyValue::new("service.name", "demo")]))
///     .with_reader(reader.clone())
///     .build();
/// let counter = provider.meter("demo").u64_counter("requests").build().unwrap();
/// counter.add(1, &[]);
/// provider.shutdown().unwrap();
/// let last = reader.last_collection().expect("shutdown hands over a final collection");
/// assert!(last.metric("requests").is_some());
/// assert!(provider.meter("demo").u64_counter("later").build().is_err());
/// ```
#[derive(Clone)]
pub struct MeterProvider {
    inner: Arc<ProviderInner>,
}

struct ProviderInner {
    pipeline: Arc<Pipeline>,
    readers: Vec<Box<dyn MetricReader>>,
    shutdown_timeout: Duration,
}

impl fmt::Debug for MeterProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MeterProvider")
            .field("pipeline", &self.inner.pipeline)
            .field("readers", &self.inner.readers.len())
            .finish()
    }
}

impl MeterProvider {
    /// Starts a builder.
    #[must_use]
    pub fn builder() -> MeterProviderBuilder {
        MeterProviderBuilder::default()
    }

    /// A meter: instruments created through it share its scope (`name`).
    #[must_use]
    pub fn meter(&self, name: impl Into<String>) -> Meter {
        self.versioned_meter(name, None::<String>)
    }

    /// A meter with a scope version.
    #[must_use]
    pub fn versioned_meter(
        &self,
        name: impl Into<String>,
        version: Option<impl Into<String>>,
    ) -> Meter {
        Meter::new(
            self.inner.pipeline.clone(),
            Scope {
                name: name.into(),
                version: version.map(Into::into),
            },
        )
    }

    /// The provider's resource.
    #[must_use]
    pub fn resource(&self) -> &Resource {
        &self.inner.pipeline.resource
    }

    /// Asks every reader to export what it has now.
    pub fn force_flush(&self) -> Result<(), Error> {
        if self.inner.pipeline.is_shut_down() {
            return Err(Error::Shutdown);
        }
        let deadline = Instant::now() + self.inner.shutdown_timeout;
        combine(
            self.inner
                .readers
                .iter()
                .filter_map(|r| r.force_flush(remaining(deadline)).err())
                .collect(),
        )
    }

    /// Collects one last time, hands the result to every reader and shuts them down, within
    /// the default timeout. A second call returns [`Error::Shutdown`].
    pub fn shutdown(&self) -> Result<(), Error> {
        self.shutdown_with_timeout(self.inner.shutdown_timeout)
    }

    /// [`shutdown`](Self::shutdown) with an explicit deadline shared by all readers.
    pub fn shutdown_with_timeout(&self, timeout: Duration) -> Result<(), Error> {
        self.inner.shutdown(timeout)
    }
}

fn remaining(deadline: Instant) -> Duration {
    deadline.saturating_duration_since(Instant::now())
}

impl ProviderInner {
    fn shutdown(&self, timeout: Duration) -> Result<(), Error> {
        if !self.pipeline.begin_shutdown() {
            return Err(Error::Shutdown);
        }
        let deadline = Instant::now() + timeout;
        let last = self.pipeline.collect();
        let mut errors = Vec::new();
        for reader in &self.readers {
            let left = remaining(deadline);
            if left.is_zero() {
                errors.push(Error::Timeout {
                    operation: "meter provider shutdown",
                });
                break;
            }
            if let Err(e) = reader.shutdown(&last, left) {
                errors.push(e);
            }
        }
        combine(errors)
    }
}

impl Drop for ProviderInner {
    fn drop(&mut self) {
        if !self.pipeline.is_shut_down() {
            // Nobody can observe an error here; the readers report their own failures.
            let _ = self.shutdown(self.shutdown_timeout);
        }
    }
}

/// Configures a [`MeterProvider`].
#[derive(Default)]
pub struct MeterProviderBuilder {
    resource: Resource,
    views: Vec<View>,
    readers: Vec<Box<dyn MetricReader>>,
    cardinality_limit: Option<usize>,
    shutdown_timeout: Option<Duration>,
    callback_timeout: Option<Option<Duration>>,
    self_metrics: bool,
    idle_expiry: Option<Duration>,
}

impl fmt::Debug for MeterProviderBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MeterProviderBuilder")
            .field("resource", &self.resource)
            .field("views", &self.views)
            .field("readers", &self.readers.len())
            .finish()
    }
}

impl MeterProviderBuilder {
    /// Sets the resource (e.g. `service.name`). At build it is merged over
    /// [`Resource::from_env`] (`OTEL_RESOURCE_ATTRIBUTES`, `OTEL_SERVICE_NAME`): what code
    /// sets wins, the environment fills in the rest.
    #[must_use]
    pub fn with_resource(mut self, resource: Resource) -> Self {
        self.resource = resource;
        self
    }

    /// Adds a view; views are applied to instruments created afterwards, in order.
    #[must_use]
    pub fn with_view(mut self, view: View) -> Self {
        self.views.push(view);
        self
    }

    /// Adds a reader (a pull exporter, a manual reader, a periodic exporter).
    #[must_use]
    pub fn with_reader(mut self, reader: impl MetricReader) -> Self {
        self.readers.push(Box::new(reader));
        self
    }

    /// Sets the default maximum number of series per stream.
    #[must_use]
    pub fn with_cardinality_limit(mut self, limit: usize) -> Self {
        self.cardinality_limit = Some(limit.max(1));
        self
    }

    /// How long one observable callback or derived collector may run during a collection
    /// (default [`DEFAULT_CALLBACK_TIMEOUT`]): callbacks run on a worker thread, and one that
    /// overruns is reported and left out of the collection (and of the next ones, until it
    /// returns), so the others are still collected. `None` runs callbacks inline on the
    /// collecting thread: no thread hand-off (cheaper for many small collections), panics
    /// still isolated, but a callback that blocks blocks the collection.
    ///
    /// A registered collector ([`Meter::register`](crate::Meter::register)) is read on the
    /// collecting thread whenever its lock is free, with either setting: its callback only
    /// reads the struct's fields. While the struct is locked for writing
    /// ([`Registered::update`](crate::Registered::update)), it is read on the worker, under
    /// this timeout.
    ///
    /// ```
    /// use std::time::Duration;
    /// use telemetry_core::{ManualReader, MeterProvider};
    ///
    /// let reader = ManualReader::new();
    /// let provider = MeterProvider::builder()
    ///     .with_reader(reader.clone())
    ///     .with_callback_timeout(Some(Duration::from_millis(50)))
    ///     .build();
    /// let _slow = provider
    ///     .meter("app")
    ///     .u64_observable_gauge("stuck")
    ///     .with_callback(|_| std::thread::sleep(Duration::from_secs(2)))
    ///     .build()?;
    /// let started = std::time::Instant::now();
    /// let metrics = reader.collect()?; // does not wait for the stuck callback
    /// assert!(started.elapsed() < Duration::from_secs(1));
    /// assert!(metrics.metric("stuck").is_none());
    /// # Ok::<(), telemetry_core::Error>(())
    /// ```
    #[must_use]
    pub fn with_callback_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.callback_timeout = Some(timeout);
        self
    }

    /// Drops series of synchronous instruments that nobody wrote for `idle` from the output
    /// (checked at each collection): per-request or per-pod attribute values stop piling up.
    /// Off by default: a cumulative series is kept for the life of the process, as in
    /// Prometheus clients. A series written again after it expired comes back as a new
    /// series with a new start time (a counter reset to consumers). Series with a live bound
    /// handle ([`Counter::bind`](crate::Counter::bind)) never expire. Remove series
    /// explicitly with [`Counter::remove`](crate::Counter::remove) / `retain`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use telemetry_core::{KeyValue, ManualReader, MeterProvider};
    ///
    /// let reader = ManualReader::new();
    /// let provider = MeterProvider::builder()
    ///     .with_reader(reader.clone())
    ///     .with_idle_series_expiry(Duration::from_millis(1))
    ///     .build();
    /// let jobs = provider.meter("app").u64_counter("jobs").build()?;
    /// jobs.add(1, &[KeyValue::new("job", "nightly")]);
    /// assert!(reader.collect()?.metric("jobs").is_some()); // written since the last collection
    /// std::thread::sleep(Duration::from_millis(5));
    /// assert!(reader.collect()?.metric("jobs").is_none()); // idle for 5 ms: expired
    /// jobs.add(1, &[KeyValue::new("job", "nightly")]);
    /// assert!(reader.collect()?.metric("jobs").is_some()); // back, from 1
    /// # Ok::<(), telemetry_core::Error>(())
    /// ```
    #[must_use]
    pub fn with_idle_series_expiry(mut self, idle: Duration) -> Self {
        self.idle_expiry = Some(idle);
        self
    }

    /// Records the SDK's own metrics into this provider (scope [`SELF_METRICS_SCOPE`]):
    /// collection durations, callback failures, measurements folded by cardinality limits,
    /// export attempts and failures per periodic exporter. Off by default.
    ///
    /// ```
    /// use telemetry_core::{ManualReader, MeterProvider};
    ///
    /// let reader = ManualReader::new();
    /// let provider = MeterProvider::builder()
    ///     .with_reader(reader.clone())
    ///     .with_self_metrics()
    ///     .build();
    /// reader.collect()?;
    /// let second = reader.collect()?; // the first collection's duration is in it
    /// assert!(second.metric("otel.sdk.metric_reader.collection.duration").is_some());
    /// # Ok::<(), telemetry_core::Error>(())
    /// ```
    #[must_use]
    pub fn with_self_metrics(mut self) -> Self {
        self.self_metrics = true;
        self
    }

    /// Sets the deadline of the implicit shutdown on drop and of [`MeterProvider::shutdown`].
    #[must_use]
    pub fn with_shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.shutdown_timeout = Some(timeout);
        self
    }

    /// Builds the provider; an invalid view is an error.
    pub fn try_build(self) -> Result<MeterProvider, Error> {
        for view in &self.views {
            view.validate()?;
        }
        let pipeline = Arc::new(Pipeline::new(
            Resource::from_env().merge(&self.resource),
            self.views,
            self.cardinality_limit.unwrap_or(DEFAULT_CARDINALITY_LIMIT),
            self.idle_expiry,
            self.callback_timeout
                .unwrap_or(Some(callbacks::DEFAULT_CALLBACK_TIMEOUT)),
            self.readers.iter().any(|r| r.needs_squared_deviation()),
        ));
        if self.self_metrics {
            let metrics = self_metrics::SelfMetrics::new(&pipeline)?;
            let _ = pipeline.self_metrics.set(metrics);
        }
        for reader in &self.readers {
            reader.register_producer(Producer::new(&pipeline));
        }
        Ok(MeterProvider {
            inner: Arc::new(ProviderInner {
                pipeline,
                readers: self.readers,
                shutdown_timeout: self.shutdown_timeout.unwrap_or(DEFAULT_SHUTDOWN_TIMEOUT),
            }),
        })
    }

    /// Builds the provider.
    ///
    /// # Panics
    /// If a view is invalid; use [`try_build`](Self::try_build) to get the error instead.
    #[must_use]
    pub fn build(self) -> MeterProvider {
        match self.try_build() {
            Ok(provider) => provider,
            Err(e) => panic!("invalid meter provider configuration: {e}"),
        }
    }
}
