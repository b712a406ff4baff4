//! Prometheus: the text exposition format 0.0.4, OpenMetrics 1.0, and a pull reader that
//! serves them.
//!
//! | item | what it is |
//! |---|---|
//! | [`PrometheusExporter`] | a [`MetricReader`]: give a clone to a provider, then [`render`](PrometheusExporter::render) (0.0.4), [`render_openmetrics`](PrometheusExporter::render_openmetrics) or [`serve`](PrometheusExporter::serve) `GET /metrics` from a background thread |
//! | [`ServeOptions`], [`serve_with`] | the endpoint's limits (connections, sizes, timeouts), basic or bearer authentication, and TLS (`TlsConfig`, feature `prometheus-tls`) |
//! | [`Gatherers`], [`Gather`], [`serve`] | several providers (one per job…) and other registries behind one endpoint, duplicates written once and reported |
//! | [`Format`] | the two formats, their content types, and the `Accept` negotiation the endpoint does |
//! | [`encode_text`], [`encode_openmetrics`] | any [`ResourceMetrics`] as exposition text, for custom servers or files; [`TextOptions`] holds the naming choices, [`names`] the sanitising rules |
//! | [`write_textfile`], [`TextfileWriter`] | node_exporter textfiles ([`textfile`]) |
//! | [`process`] | opt-in process metrics |
//!
//! The exact output rules are documented in [`text`] (naming, sorting, numbers, duplicates,
//! shared by both formats) and [`openmetrics`] (what OpenMetrics adds).
//!
//! # Scrape endpoint
//!
//! Prometheus offers OpenMetrics first, so that is what it gets; `curl` and other clients
//! get text 0.0.4; both are gzip-compressed when the request allows it:
//!
//! ```
//! use std::io::{Read, Write};
//! use std::net::TcpStream;
//! use telemetry_core::MeterProvider;
//! use telemetry_exporters::prometheus::PrometheusExporter;
//!
//! let exporter = PrometheusExporter::new();
//! let provider = MeterProvider::builder().with_reader(exporter.clone()).build();
//! provider.meter("shop").u64_counter("orders").build()?.add(2, &[]);
//! let server = exporter.serve("127.0.0.1:0")?;
//!
//! let mut stream = TcpStream::connect(server.local_addr())?;
//! stream.write_all(
//!     b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\
//!       Accept: application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5\r\n\r\n",
//! )?;
//! let mut response = String::new();
//! stream.read_to_string(&mut response)?;
//! assert!(response.contains("Content-Type: application/openmetrics-text; version=1.0.0; charset=utf-8"));
//! assert!(response.contains("\r\n\r\n# TYPE orders counter\norders_total 2\norders_created "));
//! assert!(response.ends_with("\n# EOF\n"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Interop with `prometheus-client` (feature `prometheus-client`)
//!
//! - A [`PrometheusExporter`] is a `prometheus_client::collector::Collector`: register a
//!   clone with `Registry::register_collector` and an application that already serves a
//!   `prometheus_client` registry serves our provider's metrics too. Counters, gauges,
//!   histograms and info map to that crate's types; state sets become gauges, gauge
//!   histograms gauges named `_bucket`/`_gcount`/`_gsum`, and summaries `unknown` families
//!   `<name>`/`_count`/`_sum` (it has none of these types), so the samples are the same;
//!   it writes no `_created` samples.
//! - A `prometheus_client::registry::Registry` is a [`Gather`]: put it (in an `Arc`) into
//!   [`Gatherers`] beside our exporters, and the endpoint serves its families too, in
//!   either format, each family left out whole (and reported) when ours already has its
//!   name.
//!
//! ```
//! # #[cfg(feature = "prometheus-client")] {
//! use std::sync::Arc;
//! use prometheus_client::metrics::counter::Counter;
//! use prometheus_client::registry::Registry;
//! use telemetry_core::MeterProvider;
//! use telemetry_exporters::prometheus::{Gatherers, PrometheusExporter};
//!
//! let exporter = PrometheusExporter::new();
//! let provider = MeterProvider::builder().with_reader(exporter.clone()).build();
//! provider.meter("ours").u64_counter("ours").build().unwrap().add(1, &[]);
//!
//! // Theirs, served by our endpoint.
//! let mut registry = Registry::default();
//! let theirs = Counter::<u64>::default();
//! registry.register("theirs", "Registered with prometheus-client", theirs.clone());
//! theirs.inc();
//! let all = Gatherers::new().with(exporter.clone()).with(Arc::new(registry));
//! let text = all.render().unwrap();
//! assert!(text.contains("\nours_total 1\n") && text.contains("\ntheirs_total 1\n"));
//!
//! // Ours, served by their encoder.
//! let mut registry = Registry::default();
//! registry.register_collector(Box::new(exporter));
//! let mut text = String::new();
//! prometheus_client::encoding::text::encode(&mut text, &registry).unwrap();
//! assert!(text.contains("# TYPE ours counter\nours_total 1\n"));
//! # }
//! ```

mod by_name;
mod family;
mod foreign;
mod format;
mod gather;
#[cfg(feature = "prometheus-client")]
mod interop;
mod labels;
pub mod names;
pub mod openmetrics;
pub mod process;
mod series;
mod server;
#[cfg(test)]
mod testdata;
pub mod text;
pub mod textfile;
mod write;

pub use format::Format;
pub use gather::{serve, serve_with, Gather, Gatherers, Gathering};
pub use openmetrics::encode as encode_openmetrics;
#[cfg(feature = "prometheus-tls")]
#[cfg_attr(docsrs, doc(cfg(feature = "prometheus-tls")))]
pub use server::TlsConfig;
pub use server::{ScrapeServer, ServeError, ServeOptions};
pub use text::{encode as encode_text, TextOptions, Warning};
pub use textfile::{write_textfile, Exposition, Step, TextfileError, TextfileWriter};

use std::io;
use std::net::ToSocketAddrs;
use std::time::Duration;

use telemetry_core::{Error, ManualReader, MetricReader, Producer, ResourceMetrics};

/// A pull reader whose collections are rendered as Prometheus text or OpenMetrics.
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
    /// The endpoint answers text 0.0.4 whatever the request accepts.
    text_only: bool,
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

    /// Collects now and renders text 0.0.4.
    ///
    /// After shutdown this renders the provider's final collection; before the exporter was
    /// given to a provider it is [`Error::Shutdown`] (there is nothing to collect from).
    pub fn render(&self) -> Result<String, Error> {
        self.render_with_warnings().map(|(text, _)| text)
    }

    /// Collects now and renders OpenMetrics 1.0 (see [`openmetrics`]).
    ///
    /// ```
    /// use telemetry_core::MeterProvider;
    /// use telemetry_exporters::prometheus::PrometheusExporter;
    ///
    /// let exporter = PrometheusExporter::new();
    /// let provider = MeterProvider::builder().with_reader(exporter.clone()).build();
    /// let meter = provider.meter("api");
    /// let latency = meter.f64_histogram("latency_seconds").with_unit("s");
    /// latency.with_buckets(vec![0.1, 1.0]).build()?.record(0.25, &[]);
    ///
    /// let text = exporter.render_openmetrics()?;
    /// assert!(text.starts_with(concat!(
    ///     "# TYPE latency_seconds histogram\n",
    ///     "# UNIT latency_seconds seconds\n",
    ///     "latency_seconds_bucket{le=\"0.1\"} 0\n",
    ///     "latency_seconds_bucket{le=\"1.0\"} 1\n",
    ///     "latency_seconds_bucket{le=\"+Inf\"} 1\n",
    ///     "latency_seconds_count 1\n",
    ///     "latency_seconds_sum 0.25\n",
    ///     "latency_seconds_created ",
    /// )));
    /// assert!(text.ends_with("\n# EOF\n"));
    /// # Ok::<(), telemetry_core::Error>(())
    /// ```
    pub fn render_openmetrics(&self) -> Result<String, Error> {
        self.render_as(Format::OpenMetrics).map(|(text, _)| text)
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
        self.render_as(Format::Text)
    }

    /// Collects now and renders `format`, also returning what was left out.
    pub fn render_as(&self, format: Format) -> Result<(String, Vec<Warning>), Error> {
        gather::render(self, format)
    }

    /// Serves `GET /metrics` (and `HEAD`) on `addr` from a background thread: OpenMetrics
    /// or text 0.0.4 as the request's `Accept` header asks (unless
    /// [`with_openmetrics(false)`](PrometheusExporterBuilder::with_openmetrics)), gzip when
    /// it allows it; see [`serve`] for the details, and [`Gatherers`] to serve several
    /// providers together.
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
        Ok(self.serve_with(addr, ServeOptions::default())?)
    }

    /// [`serve`](Self::serve) with the limits, timeouts, credentials and TLS of `options`
    /// (see [`ServeOptions`] for the defaults).
    ///
    /// ```
    /// use telemetry_exporters::prometheus::{PrometheusExporter, ServeOptions};
    /// use telemetry_testkit::http_request;
    ///
    /// let options = ServeOptions::new().with_bearer_token("t0ken").with_max_connections(16);
    /// let server = PrometheusExporter::new().serve_with("127.0.0.1:0", options)?;
    /// let wrong = [("Authorization", "Bearer guess")];
    /// let answer = http_request(server.local_addr(), "GET", "/metrics", &wrong, b"");
    /// assert_eq!(answer.status, 401);
    /// assert_eq!(answer.header("www-authenticate"), Some("Bearer realm=\"metrics\""));
    /// # Ok::<(), telemetry_exporters::prometheus::ServeError>(())
    /// ```
    pub fn serve_with(
        &self,
        addr: impl ToSocketAddrs,
        options: ServeOptions,
    ) -> Result<ScrapeServer, ServeError> {
        gather::serve_negotiating(addr, self.clone(), !self.text_only, options)
    }

    fn collect(&self) -> Result<ResourceMetrics, Error> {
        match self.reader.collect() {
            Err(Error::Shutdown) => self.reader.last_collection().ok_or(Error::Shutdown),
            result => result,
        }
    }
}

impl Gather for PrometheusExporter {
    fn gather(&self, into: &mut Gathering) -> Result<(), Error> {
        into.push_metrics(self.collect()?, self.options.clone());
        Ok(())
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
    text_only: bool,
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

    /// Whether [`serve`](PrometheusExporter::serve) answers OpenMetrics to the requests that
    /// offer it (default: on). Off, the endpoint serves text 0.0.4 whatever the `Accept`
    /// header says, like client_golang's `promhttp` without `EnableOpenMetrics`: for
    /// scrapers whose OpenMetrics parser is stricter than the data. [`render_openmetrics`](
    /// PrometheusExporter::render_openmetrics) is unaffected.
    ///
    /// ```
    /// use telemetry_exporters::prometheus::PrometheusExporter;
    ///
    /// let text_only = PrometheusExporter::builder().with_openmetrics(false).build();
    /// # let _ = text_only;
    /// ```
    #[must_use]
    pub fn with_openmetrics(mut self, on: bool) -> Self {
        self.text_only = !on;
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
            text_only: self.text_only,
        }
    }
}
