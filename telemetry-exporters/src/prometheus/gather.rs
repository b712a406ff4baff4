//! Several sources behind one scrape: the [`Gather`] trait, the [`Gatherers`] set, and
//! [`serve`].
//!
//! The shape is client_golang's `Gatherer` / `Gatherers` / `promhttp.HandlerFor`, which is
//! what a Prometheus user reaches for when one process has several registries (seed 001:
//! one per job): every source is collected at each scrape, everything is grouped into one
//! set of families, and what two sources both claim is written once and reported.

use std::fmt;
use std::io;
use std::net::{SocketAddr, TcpListener, ToSocketAddrs};
use std::sync::Arc;

use telemetry_core::{Error, ResourceMetrics};

use super::family::Source;
use super::format::Format;
use super::server::{ScrapeServer, ServeError, ServeOptions};
use super::text::{TextOptions, Warning};

/// Something a scrape collects from: a [`PrometheusExporter`](super::PrometheusExporter)
/// (one provider), a [`Gatherers`] set, a `prometheus_client` registry (feature
/// `prometheus-client`), an `Arc` of any of them, or your own type.
///
/// ```
/// use telemetry_core::{Error, ResourceMetrics};
/// use telemetry_exporters::prometheus::{Gather, Gathering, TextOptions};
///
/// /// Metrics computed elsewhere, or text from a library that writes OpenMetrics.
/// #[derive(Debug)]
/// struct Legacy;
///
/// impl Gather for Legacy {
///     fn gather(&self, into: &mut Gathering) -> Result<(), Error> {
///         into.push_openmetrics("# TYPE legacy_up gauge\nlegacy_up 1\n# EOF\n".to_owned());
///         Ok(())
///     }
/// }
///
/// let mut gathering = Gathering::new();
/// Legacy.gather(&mut gathering)?;
/// let (text, warnings) = gathering.render(telemetry_exporters::prometheus::Format::Text);
/// assert_eq!(text, "# HELP legacy_up\n# TYPE legacy_up gauge\nlegacy_up 1\n");
/// assert!(warnings.is_empty());
/// # Ok::<(), Error>(())
/// ```
pub trait Gather: fmt::Debug + Send + Sync {
    /// Collects now and adds the result to `into`. An error fails the whole scrape.
    fn gather(&self, into: &mut Gathering) -> Result<(), Error>;
}

impl<T: Gather + ?Sized> Gather for Arc<T> {
    fn gather(&self, into: &mut Gathering) -> Result<(), Error> {
        (**self).gather(into)
    }
}

/// What the sources of one scrape produced, in order, before encoding.
///
/// Built by [`Gather::gather`]; [`render`](Self::render) groups it into families (the first
/// source wins a duplicate) and writes it in either format.
#[derive(Debug, Default)]
pub struct Gathering {
    sources: Vec<Gathered>,
}

#[derive(Debug)]
enum Gathered {
    Metrics(ResourceMetrics, TextOptions),
    OpenMetrics(String),
}

impl Gathering {
    /// An empty gathering.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a collection of ours, to be named with `options`.
    pub fn push_metrics(&mut self, metrics: ResourceMetrics, options: TextOptions) {
        self.sources.push(Gathered::Metrics(metrics, options));
    }

    /// Adds OpenMetrics text written by another library (`# EOF` optional). Its families are
    /// kept whole: one whose name is already taken is left out and reported as
    /// [`Warning::DuplicateFamily`] (same type) or as a conflict.
    pub fn push_openmetrics(&mut self, text: String) {
        self.sources.push(Gathered::OpenMetrics(text));
    }

    /// Groups everything into families and writes them in `format`, returning the text and
    /// what had to be left out.
    #[must_use]
    pub fn render(&self, format: Format) -> (String, Vec<Warning>) {
        let sources: Vec<Source<'_>> = self
            .sources
            .iter()
            .map(|source| match source {
                Gathered::Metrics(metrics, options) => Source::Metrics(metrics, options),
                Gathered::OpenMetrics(text) => Source::OpenMetrics(text),
            })
            .collect();
        let mut out = String::new();
        let warnings = format.encode(&sources, &mut out);
        (out, warnings)
    }
}

/// Collects `source` and renders it in `format`.
pub(crate) fn render(source: &dyn Gather, format: Format) -> Result<(String, Vec<Warning>), Error> {
    let mut gathering = Gathering::new();
    source.gather(&mut gathering)?;
    Ok(gathering.render(format))
}

/// Several sources served as one: typically one [`PrometheusExporter`](super::PrometheusExporter)
/// per provider (per job, per tenant, per library), plus any other [`Gather`].
///
/// Each scrape collects every source, in the order they were added, and merges them into
/// one exposition: families with the same name and type share one block, and a series
/// (family + label set) that two sources both produce is written once, from the first
/// source, and reported as a [`Warning::DuplicateSeries`] (the endpoint also logs it, once
/// per change). A source that fails makes the scrape fail (HTTP 500), as client_golang's
/// default `HTTPErrorOnError` does: a partial scrape would look like vanished series.
///
/// Clones share the sources.
///
/// ```
/// use telemetry_core::{KeyValue, MeterProvider};
/// use telemetry_exporters::prometheus::{Gatherers, PrometheusExporter, Warning};
///
/// // One provider per batch job, each with its own reader.
/// let (nightly, hourly) = (PrometheusExporter::new(), PrometheusExporter::new());
/// let nightly_provider = MeterProvider::builder().with_reader(nightly.clone()).build();
/// let hourly_provider = MeterProvider::builder().with_reader(hourly.clone()).build();
/// let runs = |p: &MeterProvider| p.meter("jobs").u64_counter("job.runs").build();
/// runs(&nightly_provider)?.add(1, &[KeyValue::new("job", "nightly")]);
/// runs(&hourly_provider)?.add(24, &[KeyValue::new("job", "hourly")]);
/// // A mistake: the hourly provider also reports the nightly job's series.
/// runs(&hourly_provider)?.add(7, &[KeyValue::new("job", "nightly")]);
///
/// let all = Gatherers::new().with(nightly).with(hourly);
/// let (text, warnings) = all.render_as(Default::default())?;
/// // The first source wins a series both report; series come in the sources' order.
/// assert!(text.ends_with(
///     "# TYPE job_runs_total counter\n\
///      job_runs_total{job=\"nightly\"} 1\n\
///      job_runs_total{job=\"hourly\"} 24\n"
/// ));
/// assert_eq!(
///     warnings,
///     [Warning::DuplicateSeries {
///         family: "job_runs_total".into(),
///         labels: "{job=\"nightly\"}".into()
///     }]
/// );
/// // let _server = all.serve("127.0.0.1:9464")?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct Gatherers {
    sources: Vec<Arc<dyn Gather>>,
    text_only: bool,
}

impl Gatherers {
    /// An empty set (its scrapes are empty).
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a source; the earlier sources win duplicates.
    #[must_use]
    pub fn with(mut self, source: impl Gather + 'static) -> Self {
        self.push(source);
        self
    }

    /// Adds a source; the earlier sources win duplicates.
    pub fn push(&mut self, source: impl Gather + 'static) {
        self.sources.push(Arc::new(source));
    }

    /// Whether [`serve`](Self::serve) answers OpenMetrics to the requests that offer it
    /// (default: on); see [`PrometheusExporterBuilder::with_openmetrics`](super::PrometheusExporterBuilder::with_openmetrics).
    #[must_use]
    pub fn with_openmetrics(mut self, on: bool) -> Self {
        self.text_only = !on;
        self
    }

    /// Collects every source and renders text 0.0.4.
    pub fn render(&self) -> Result<String, Error> {
        render(self, Format::Text).map(|(text, _)| text)
    }

    /// Collects every source and renders OpenMetrics 1.0.
    pub fn render_openmetrics(&self) -> Result<String, Error> {
        render(self, Format::OpenMetrics).map(|(text, _)| text)
    }

    /// Collects every source and renders `format`, also returning what was left out.
    pub fn render_as(&self, format: Format) -> Result<(String, Vec<Warning>), Error> {
        render(self, format)
    }

    /// Serves every source on `addr` (see [`serve`]).
    pub fn serve(&self, addr: impl ToSocketAddrs) -> io::Result<ScrapeServer> {
        Ok(self.serve_with(addr, ServeOptions::default())?)
    }

    /// Serves every source on `addr` with the limits, credentials and TLS of `options`
    /// (see [`serve_with`]).
    pub fn serve_with(
        &self,
        addr: impl ToSocketAddrs,
        options: ServeOptions,
    ) -> Result<ScrapeServer, ServeError> {
        serve_negotiating(addr, self.clone(), !self.text_only, options)
    }
}

impl Gather for Gatherers {
    fn gather(&self, into: &mut Gathering) -> Result<(), Error> {
        let mut errors: Vec<Error> = self
            .sources
            .iter()
            .filter_map(|source| source.gather(into).err())
            .collect();
        match errors.len() {
            0 => Ok(()),
            1 => Err(errors.remove(0)),
            _ => Err(Error::Multiple(errors)),
        }
    }
}

/// Serves `GET /metrics` (and `HEAD`) for `source` on `addr`, from a background thread.
///
/// - The format follows the request's `Accept` header ([`Format::from_accept`]):
///   OpenMetrics 1.0 when offered (Prometheus offers it first by default), text 0.0.4
///   otherwise; the response's `Content-Type` says which.
/// - The body is gzip-compressed when `Accept-Encoding` allows it (`Content-Encoding:
///   gzip`); `Vary: Accept, Accept-Encoding` is always sent.
/// - 404 for any other path, 405 (with `Allow: GET, HEAD`) for any other method on
///   `/metrics`, 500 with a one-line message when collection fails or panics.
/// - HTTP/1.1 keep-alive and pipelining; every answer has a `Content-Length`.
/// - The default [`ServeOptions`]: at most 256 connections, 2 threads rendering, 16 KiB
///   of request head (else 431), 8 KiB of request body (else 413), 10 s to receive a
///   request, no credentials, no TLS; [`serve_with`] takes others.
/// - What the encoder leaves out ([`Warning`]s: duplicates, conflicts) is logged with the
///   `log` crate at `warn` level when it changes from one scrape to the next.
///
/// Bind `127.0.0.1:0` and ask [`ScrapeServer::local_addr`] for the port in tests.
///
/// ```
/// use telemetry_exporters::prometheus::{serve, Gatherers};
///
/// let server = serve("127.0.0.1:0", Gatherers::new())?;
/// assert_ne!(server.local_addr().port(), 0);
/// server.shutdown();
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn serve(addr: impl ToSocketAddrs, source: impl Gather + 'static) -> io::Result<ScrapeServer> {
    Ok(serve_with(addr, source, ServeOptions::default())?)
}

/// [`serve`] with the limits, timeouts, credentials and TLS of `options`.
///
/// ```
/// use std::time::Duration;
/// use telemetry_exporters::prometheus::{serve_with, Gatherers, ServeOptions};
/// use telemetry_testkit::http_request;
///
/// let options = ServeOptions::new()
///     .with_basic_auth("prometheus", "s3cret")
///     .with_request_timeout(Duration::from_secs(3));
/// let server = serve_with("127.0.0.1:0", Gatherers::new(), options)?;
///
/// // "prometheus:s3cret" in base64
/// let ok = [("Authorization", "Basic cHJvbWV0aGV1czpzM2NyZXQ=")];
/// assert_eq!(http_request(server.local_addr(), "GET", "/metrics", &ok, b"").status, 200);
/// let anonymous = http_request(server.local_addr(), "GET", "/metrics", &[], b"");
/// assert_eq!(anonymous.status, 401);
/// assert!(anonymous.header("www-authenticate").unwrap().starts_with("Basic "));
/// # Ok::<(), telemetry_exporters::prometheus::ServeError>(())
/// ```
pub fn serve_with(
    addr: impl ToSocketAddrs,
    source: impl Gather + 'static,
    options: ServeOptions,
) -> Result<ScrapeServer, ServeError> {
    serve_negotiating(addr, source, true, options)
}

/// [`serve_with`], answering text 0.0.4 to every request unless `openmetrics`.
pub(crate) fn serve_negotiating(
    addr: impl ToSocketAddrs,
    source: impl Gather + 'static,
    openmetrics: bool,
    options: ServeOptions,
) -> Result<ScrapeServer, ServeError> {
    let listener = bind(addr, options.listen_backlog())?;
    ScrapeServer::start(listener, Arc::new(source), openmetrics, options)
}

/// Binds the first address that works, as [`TcpListener::bind`] does (with
/// `SO_REUSEADDR` on Unix), but with a listen backlog of `backlog` instead of std's 128;
/// keeps the addresses for the error.
fn bind(addr: impl ToSocketAddrs, backlog: i32) -> Result<TcpListener, ServeError> {
    let addrs: Vec<SocketAddr> = addr
        .to_socket_addrs()
        .map_err(|source| ServeError::Bind {
            addrs: Vec::new(),
            source,
        })?
        .collect();
    let mut last = io::Error::new(io::ErrorKind::InvalidInput, "no address to bind");
    for addr in &addrs {
        match bind_one(*addr, backlog) {
            Ok(listener) => return Ok(listener),
            Err(e) => last = e,
        }
    }
    Err(ServeError::Bind {
        addrs,
        source: last,
    })
}

fn bind_one(addr: SocketAddr, backlog: i32) -> io::Result<TcpListener> {
    use socket2::{Domain, Protocol, Socket, Type};
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    #[cfg(unix)]
    socket.set_reuse_address(true)?;
    socket.bind(&addr.into())?;
    socket.listen(backlog)?;
    Ok(socket.into())
}
