//! Prometheus: the text exposition format 0.0.4 and a pull reader that serves it.
//!
//! - [`PrometheusExporter`] is a [`MetricReader`]: give a clone to the provider, then
//!   [`render`](PrometheusExporter::render) on demand or [`serve`](PrometheusExporter::serve)
//!   `GET /metrics` from a background thread.
//! - [`encode_text`] turns any [`ResourceMetrics`] into exposition text, for custom servers
//!   or files; [`TextOptions`] holds the naming choices, [`names`] the sanitising rules.
//!
//! The exact output rules (naming, sorting, number formats, duplicates) are documented in
//! [`text`].

mod family;
pub mod names;
pub mod process;
mod server;
pub mod text;
pub mod textfile;

pub use server::ScrapeServer;
pub use text::{encode as encode_text, TextOptions, Warning};
pub use textfile::{write_textfile, Exposition, Step, TextfileError, TextfileWriter};

use std::io;
use std::net::{TcpListener, ToSocketAddrs};
use std::time::Duration;

use telemetry_core::{Error, ManualReader, MetricReader, Producer, ResourceMetrics};

/// A pull reader whose collections are rendered as Prometheus text.
///
/// Clones share one reader: keep one, hand another to
/// [`MeterProviderBuilder::with_reader`](telemetry_core::MeterProviderBuilder::with_reader).
/// Each [`render`](Self::render) (each scrape) is one collection. After the provider has shut
/// down, `render` serves the final collection it handed over, so a last scrape still sees
/// everything that was recorded.
///
/// ```
/// use telemetry_core::{KeyValue, MeterProvider};
/// use telemetry_exporters::prometheus::PrometheusExporter;
///
/// let exporter = PrometheusExporter::new();
/// let provider = MeterProvider::builder().with_reader(exporter.clone()).build();
/// let level = provider.meter("ev").i64_gauge("battery.level").with_unit("%").build()?;
/// level.record(80, &[KeyValue::new("vehicle_id", "Ju")]);
///
/// provider.shutdown()?;
/// assert_eq!(
///     exporter.render()?,
///     "# HELP battery_level\n# TYPE battery_level gauge\nbattery_level{vehicle_id=\"Ju\"} 80\n"
/// );
/// # Ok::<(), telemetry_core::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct PrometheusExporter {
    reader: ManualReader,
    options: TextOptions,
}

impl PrometheusExporter {
    /// An exporter with the default [`TextOptions`] (no unit suffixes, `target_info` on).
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Configures an exporter.
    ///
    /// ```
    /// use telemetry_exporters::prometheus::PrometheusExporter;
    ///
    /// let exporter = PrometheusExporter::builder().with_unit_suffixes(true).build();
    /// # let _ = exporter;
    /// ```
    #[must_use]
    pub fn builder() -> PrometheusExporterBuilder {
        PrometheusExporterBuilder::default()
    }

    /// Collects now and renders the exposition text.
    ///
    /// After shutdown this renders the provider's final collection; before the exporter was
    /// given to a provider it is [`Error::Shutdown`] (there is nothing to collect from).
    pub fn render(&self) -> Result<String, Error> {
        self.render_with_warnings().map(|(text, _)| text)
    }

    /// [`render`](Self::render), also returning what the encoder had to leave out (see
    /// [`Warning`]).
    ///
    /// ```
    /// use telemetry_core::MeterProvider;
    /// use telemetry_exporters::prometheus::{PrometheusExporter, Warning};
    ///
    /// let exporter = PrometheusExporter::new();
    /// let provider = MeterProvider::builder().with_reader(exporter.clone()).build();
    /// // Two meters, one metric name, no attributes: one series, written once.
    /// provider.meter("a").u64_counter("jobs").build()?.add(1, &[]);
    /// provider.meter("b").u64_counter("jobs").build()?.add(2, &[]);
    ///
    /// let (text, warnings) = exporter.render_with_warnings()?;
    /// assert_eq!(text.lines().filter(|l| l.starts_with("jobs_total ")).count(), 1);
    /// assert!(matches!(&warnings[..], [Warning::DuplicateSeries { family, .. }] if family == "jobs_total"));
    /// # Ok::<(), telemetry_core::Error>(())
    /// ```
    pub fn render_with_warnings(&self) -> Result<(String, Vec<Warning>), Error> {
        let metrics = self.collect()?;
        let mut text = String::new();
        let warnings = encode_text(&metrics, &self.options, &mut text);
        Ok((text, warnings))
    }

    /// Serves `GET /metrics` (and `HEAD`) on `addr` from a background thread.
    ///
    /// Responses: 200 with `Content-Type: text/plain; version=0.0.4; charset=utf-8`, 404 for
    /// any other path, 405 for any other method on `/metrics`, 500 with a one-line message
    /// when collection fails. Scrapes are answered one at a time. Bind `127.0.0.1:0` and ask
    /// [`ScrapeServer::local_addr`] for the port in tests.
    ///
    /// ```
    /// use telemetry_exporters::prometheus::PrometheusExporter;
    ///
    /// let exporter = PrometheusExporter::new();
    /// let server = exporter.serve("127.0.0.1:0")?;
    /// assert_ne!(server.local_addr().port(), 0);
    /// server.shutdown();
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn serve(&self, addr: impl ToSocketAddrs) -> io::Result<ScrapeServer> {
        ScrapeServer::start(TcpListener::bind(addr)?, self.clone())
    }

    fn collect(&self) -> Result<ResourceMetrics, Error> {
        match self.reader.collect() {
            Err(Error::Shutdown) => self.reader.last_collection().ok_or(Error::Shutdown),
            result => result,
        }
    }
}

impl MetricReader for PrometheusExporter {
    fn register_producer(&self, producer: Producer) {
        self.reader.register_producer(producer);
    }

    fn force_flush(&self, timeout: Duration) -> Result<(), Error> {
        self.reader.force_flush(timeout)
    }

    fn shutdown(&self, last: &ResourceMetrics, timeout: Duration) -> Result<(), Error> {
        self.reader.shutdown(last, timeout)
    }
}

/// Configures a [`PrometheusExporter`]; the options are those of [`TextOptions`].
#[derive(Clone, Debug, Default)]
pub struct PrometheusExporterBuilder {
    options: TextOptions,
}

impl PrometheusExporterBuilder {
    /// Appends unit suffixes (`_seconds`, `_bytes`, …) to family names (default: off; see
    /// [`TextOptions`] for why).
    ///
    /// ```
    /// use telemetry_core::MeterProvider;
    /// use telemetry_exporters::prometheus::PrometheusExporter;
    ///
    /// let exporter = PrometheusExporter::builder().with_unit_suffixes(true).build();
    /// let provider = MeterProvider::builder().with_reader(exporter.clone()).build();
    /// provider.meter("io").u64_counter("disk.read").with_unit("By").build()?.add(512, &[]);
    /// assert!(exporter.render()?.contains("\ndisk_read_bytes_total 512\n"));
    /// # Ok::<(), telemetry_core::Error>(())
    /// ```
    #[must_use]
    pub fn with_unit_suffixes(mut self, on: bool) -> Self {
        self.options = self.options.with_unit_suffixes(on);
        self
    }

    /// Emits the resource as a `target_info` gauge (default: on).
    #[must_use]
    pub fn with_target_info(mut self, on: bool) -> Self {
        self.options = self.options.with_target_info(on);
        self
    }

    /// Labels every series with `otel_scope_name` / `otel_scope_version` (default: off).
    #[must_use]
    pub fn with_scope_labels(mut self, on: bool) -> Self {
        self.options = self.options.with_scope_labels(on);
        self
    }

    /// Replaces all options at once.
    #[must_use]
    pub fn with_text_options(mut self, options: TextOptions) -> Self {
        self.options = options;
        self
    }

    /// The exporter.
    #[must_use]
    pub fn build(self) -> PrometheusExporter {
        PrometheusExporter {
            reader: ManualReader::new(),
            options: self.options,
        }
    }
}
