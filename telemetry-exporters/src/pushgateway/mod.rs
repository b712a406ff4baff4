//! Push to a [Prometheus Pushgateway](https://github.com/prometheus/pushgateway): for batch
//! jobs, which end before anyone could scrape them.
//!
//! A [`PushgatewayExporter`] owns one *group*: the job name plus grouping labels, which
//! become the URL path (`/metrics/job/<job>/<label>/<value>…`; values with `/`, empty
//! values and non-ASCII values use the gateway's `@base64` form). The three operations
//! keep the gateway's semantics:
//!
//! | operation | HTTP | effect on the group |
//! |---|---|---|
//! | [`Method::Push`] (default) | `PUT` | replaced as a whole: families not in the body are dropped |
//! | [`Method::PushAdd`] | `POST` | only the families in the body are replaced |
//! | [`delete`](PushgatewayExporter::delete) | `DELETE` | removed (the gateway answers 202) |
//!
//! The body is the text format 0.0.4 of [`encode_text`](crate::prometheus::text::encode)
//! (the gateway reads OpenMetrics as 0.0.4 and would turn counters untyped). A non-2xx
//! answer is a [`PushgatewayError::Status`] with the gateway's message, e.g. 400 `… is not
//! a COUNTER`; connection errors and 5xx are retried with backoff within the deadline.
//!
//! Two ways to push, both blocking and runtime-free:
//! - periodically: the exporter is a [`PushExporter`]; give it to a
//!   [`PeriodicReader`](telemetry_core::reader::PeriodicReader), which pushes every interval,
//!   on `force_flush`, and once more when the provider shuts down, so the last observations
//!   arrive. With [`delete_on_shutdown`](PushgatewayExporterBuilder::with_delete_on_shutdown)
//!   the group is deleted after that final push (for ephemeral jobs);
//! - explicitly: [`push_now`](PushgatewayExporter::push_now) with a collection, e.g. at the
//!   end of a batch job.
//!
//! ```no_run
//! use std::time::Duration;
//! use telemetry_core::reader::PeriodicReader;
//! use telemetry_core::MeterProvider;
//! use telemetry_exporters::pushgateway::PushgatewayExporter;
//!
//! let exporter = PushgatewayExporter::builder("http://127.0.0.1:9091", "batch")
//!     .with_grouping_label("instance", "worker/1") // sent as instance@base64/d29ya2VyLzE
//!     .with_basic_auth("user", "secret")
//!     .with_timeout(Duration::from_secs(2))
//!     .build()?;
//! let reader = PeriodicReader::builder(exporter).with_interval(Duration::from_secs(5)).build();
//! let provider = MeterProvider::builder().with_reader(reader).build();
//! let done = provider.meter("batch").u64_counter("records_done").build()?;
//! done.add(100, &[]);
//! provider.shutdown()?; // the final push: records_done_total 100 is in the gateway
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Mistakes in the grouping key are errors at [`build`](PushgatewayExporterBuilder::build),
//! before any request:
//!
//! ```
//! use telemetry_exporters::pushgateway::{PushgatewayError, PushgatewayExporter};
//!
//! let err = PushgatewayExporter::builder("http://127.0.0.1:9091", "batch")
//!     .with_grouping_label("bad-name", "x")
//!     .build()
//!     .unwrap_err();
//! assert_eq!(err, PushgatewayError::InvalidLabelName { name: "bad-name".into() });
//! ```

mod error;
mod grouping;
mod transport;

use std::sync::Arc;
use std::time::{Duration, Instant};

use telemetry_core::export::PushExporter;
use telemetry_core::ResourceMetrics;

pub use error::PushgatewayError;

use crate::prometheus::{encode_text, TextOptions};
use transport::Transport;

/// The default deadline of one push or delete, retries included (a
/// [`PeriodicReader`](telemetry_core::reader::PeriodicReader)'s own timeout is applied too:
/// the shorter wins).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// How a push replaces what the group held.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Method {
    /// `PUT`: replace the whole group (Python's `push_to_gateway`).
    #[default]
    Push,
    /// `POST`: replace only the metric families in the body (`pushadd_to_gateway`).
    PushAdd,
}

impl Method {
    fn http(self) -> &'static str {
        match self {
            Method::Push => "PUT",
            Method::PushAdd => "POST",
        }
    }
}

/// Pushes collections to one Pushgateway group; cheap to clone (clones share the
/// connection pool and configuration).
#[derive(Clone, Debug)]
pub struct PushgatewayExporter {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    transport: Transport,
    method: Method,
    timeout: Duration,
    delete_on_shutdown: bool,
    text_options: TextOptions,
}

impl PushgatewayExporter {
    /// Starts configuring an exporter for `job` on the gateway at `url`
    /// (`http://host:port`, optionally with a path prefix).
    pub fn builder(url: impl Into<String>, job: impl Into<String>) -> PushgatewayExporterBuilder {
        PushgatewayExporterBuilder {
            url: url.into(),
            job: job.into(),
            grouping: Vec::new(),
            method: Method::default(),
            timeout: DEFAULT_TIMEOUT,
            headers: Vec::new(),
            gzip: false,
            delete_on_shutdown: false,
            text_options: TextOptions::default(),
            #[cfg(feature = "pushgateway-tls")]
            root_cas: Vec::new(),
        }
    }

    /// The group's URL (`…/metrics/job/<job>/…`).
    pub fn url(&self) -> &str {
        &self.inner.transport.url
    }

    /// Pushes `metrics` with the configured [`Method`], within the configured timeout.
    pub fn push_now(&self, metrics: &ResourceMetrics) -> Result<(), PushgatewayError> {
        self.push_with(self.inner.method, metrics)
    }

    /// Pushes `metrics` with `method`, within the configured timeout.
    pub fn push_with(
        &self,
        method: Method,
        metrics: &ResourceMetrics,
    ) -> Result<(), PushgatewayError> {
        self.push_until(method, metrics, Instant::now() + self.inner.timeout)
    }

    /// Deletes the group (`DELETE`; the gateway answers 202 whether it existed or not).
    pub fn delete(&self) -> Result<(), PushgatewayError> {
        let deadline = Instant::now() + self.inner.timeout;
        self.inner.transport.send("DELETE", None, deadline)
    }

    fn push_until(
        &self,
        method: Method,
        metrics: &ResourceMetrics,
        deadline: Instant,
    ) -> Result<(), PushgatewayError> {
        let mut body = String::new();
        for warning in encode_text(metrics, &self.inner.text_options, &mut body) {
            log::warn!("Pushgateway push: {warning}");
        }
        self.inner
            .transport
            .send(method.http(), Some(&body), deadline)
    }

    fn deadline(&self, timeout: Duration) -> Instant {
        Instant::now() + timeout.min(self.inner.timeout)
    }
}

impl PushExporter for PushgatewayExporter {
    fn export(
        &self,
        metrics: &ResourceMetrics,
        timeout: Duration,
    ) -> Result<(), telemetry_core::Error> {
        self.push_until(self.inner.method, metrics, self.deadline(timeout))
            .map_err(Into::into)
    }

    /// Deletes the group when [`with_delete_on_shutdown`](PushgatewayExporterBuilder::with_delete_on_shutdown)
    /// asked for it; the reader calls this after its final push.
    fn shutdown(&self, timeout: Duration) -> Result<(), telemetry_core::Error> {
        if !self.inner.delete_on_shutdown {
            return Ok(());
        }
        self.inner
            .transport
            .send("DELETE", None, self.deadline(timeout))
            .map_err(Into::into)
    }
}

/// Configures a [`PushgatewayExporter`]; see [`PushgatewayExporter::builder`].
#[derive(Debug, Clone)]
#[must_use]
pub struct PushgatewayExporterBuilder {
    url: String,
    job: String,
    grouping: Vec<(String, String)>,
    method: Method,
    timeout: Duration,
    headers: Vec<(String, String)>,
    gzip: bool,
    delete_on_shutdown: bool,
    text_options: TextOptions,
    /// PEM bundles of the CAs to trust instead of Mozilla's roots.
    #[cfg(feature = "pushgateway-tls")]
    root_cas: Vec<Vec<u8>>,
}

impl PushgatewayExporterBuilder {
    /// Adds a grouping label (e.g. `instance`). Names are checked at [`build`](Self::build);
    /// any value is allowed (`/`, empty and UTF-8 values go through `@base64`).
    pub fn with_grouping_label(
        mut self,
        name: impl Into<String>,
        value: impl Into<String>,
    ) -> Self {
        self.grouping.push((name.into(), value.into()));
        self
    }

    /// PUT (replace the group, the default) or POST (replace the pushed families only).
    pub fn with_method(mut self, method: Method) -> Self {
        self.method = method;
        self
    }

    /// The deadline of one push or delete, retries included (default [`DEFAULT_TIMEOUT`]).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// `Authorization: Basic base64(user:password)`.
    pub fn with_basic_auth(self, user: &str, password: &str) -> Self {
        let token = grouping::base64(
            format!("{user}:{password}").as_bytes(),
            grouping::STANDARD,
            true,
        );
        self.with_header("Authorization", format!("Basic {token}"))
    }

    /// `Authorization: Bearer <token>`.
    pub fn with_bearer_token(self, token: &str) -> Self {
        self.with_header("Authorization", format!("Bearer {token}"))
    }

    /// Adds a header to every request (a later `Authorization` replaces an earlier one).
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        let name = name.into();
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(&name));
        self.headers.push((name, value.into()));
        self
    }

    /// Gzips request bodies (`Content-Encoding: gzip`; off by default).
    pub fn with_gzip(mut self, on: bool) -> Self {
        self.gzip = on;
        self
    }

    /// Deletes the group in [`PushExporter::shutdown`], after the reader's final push
    /// (off by default).
    pub fn with_delete_on_shutdown(mut self, on: bool) -> Self {
        self.delete_on_shutdown = on;
        self
    }

    /// How the body is encoded (unit suffixes, `target_info`, scope labels).
    pub fn with_text_options(mut self, options: TextOptions) -> Self {
        self.text_options = options;
        self
    }

    /// Trusts the CA certificate(s) in `pem` (one or more `-----BEGIN CERTIFICATE-----`
    /// blocks) for `https://` gateways, e.g. a private CA. Once any CA is given, only the
    /// given CAs are trusted (not Mozilla's roots); call again to add more. The PEM is
    /// checked at [`build`](Self::build) ([`PushgatewayError::InvalidCertificate`]).
    ///
    /// Only with the `pushgateway-tls` feature.
    #[cfg(feature = "pushgateway-tls")]
    pub fn with_root_ca_pem(mut self, pem: impl AsRef<[u8]>) -> Self {
        self.root_cas.push(pem.as_ref().to_vec());
        self
    }

    /// Checks the URL and the grouping key and builds the exporter; no request is sent.
    ///
    /// `https://` URLs need the `pushgateway-tls` feature; without it they are a
    /// [`PushgatewayError::TlsNotEnabled`].
    pub fn build(self) -> Result<PushgatewayExporter, PushgatewayError> {
        let base = self.url.trim_end_matches('/');
        let (tls, host) = match (base.strip_prefix("http://"), base.strip_prefix("https://")) {
            (Some(host), _) => (false, host),
            (None, Some(host)) => (true, host),
            (None, None) => (false, ""),
        };
        if host.is_empty() || host.starts_with('/') || base.contains(['?', '#']) {
            return Err(PushgatewayError::InvalidUrl { url: self.url });
        }
        if tls && cfg!(not(feature = "pushgateway-tls")) {
            return Err(PushgatewayError::TlsNotEnabled { url: self.url });
        }
        #[cfg(feature = "pushgateway-tls")]
        let tls = transport::tls_config(&self.root_cas)?;
        if self.job.is_empty() {
            return Err(PushgatewayError::EmptyJob);
        }
        let mut path = format!("{base}/metrics");
        grouping::push_segment(&mut path, "job", &self.job);
        let mut seen = vec!["job"];
        for (name, value) in &self.grouping {
            grouping::check_label_name(name)?;
            if seen.contains(&name.as_str()) {
                return Err(PushgatewayError::DuplicateLabel { name: name.clone() });
            }
            seen.push(name);
            grouping::push_segment(&mut path, name, value);
        }
        Ok(PushgatewayExporter {
            inner: Arc::new(Inner {
                transport: Transport::new(
                    path,
                    self.headers,
                    self.gzip,
                    #[cfg(feature = "pushgateway-tls")]
                    tls,
                ),
                method: self.method,
                timeout: self.timeout,
                delete_on_shutdown: self.delete_on_shutdown,
                text_options: self.text_options,
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_carries_the_grouping_key() {
        let e = PushgatewayExporter::builder("http://127.0.0.1:9091/", "my job")
            .with_grouping_label("instance", "a/b")
            .with_grouping_label("zone", "eu-1")
            .build()
            .unwrap();
        assert_eq!(
            e.url(),
            "http://127.0.0.1:9091/metrics/job@base64/bXkgam9i/instance@base64/YS9i/zone/eu-1"
        );
    }

    #[test]
    fn build_rejects_bad_configuration_before_any_request() {
        let build = |url: &str, job: &str, labels: &[(&str, &str)]| {
            labels
                .iter()
                .fold(PushgatewayExporter::builder(url, job), |b, (n, v)| {
                    b.with_grouping_label(*n, *v)
                })
                .build()
                .unwrap_err()
        };
        #[cfg(not(feature = "pushgateway-tls"))]
        assert_eq!(
            build("https://gw:9091", "j", &[]),
            PushgatewayError::TlsNotEnabled {
                url: "https://gw:9091".into()
            }
        );
        assert_eq!(
            build("https://", "j", &[]),
            PushgatewayError::InvalidUrl {
                url: "https://".into()
            }
        );
        assert_eq!(
            build("ftp://gw", "j", &[]),
            PushgatewayError::InvalidUrl {
                url: "ftp://gw".into()
            }
        );
        assert_eq!(
            build("127.0.0.1:9091", "j", &[]),
            PushgatewayError::InvalidUrl {
                url: "127.0.0.1:9091".into()
            }
        );
        assert_eq!(build("http://gw", "", &[]), PushgatewayError::EmptyJob);
        assert_eq!(
            build("http://gw", "j", &[("job", "x")]),
            PushgatewayError::DuplicateLabel { name: "job".into() }
        );
        assert_eq!(
            build("http://gw", "j", &[("a", "1"), ("a", "2")]),
            PushgatewayError::DuplicateLabel { name: "a".into() }
        );
        assert_eq!(
            build("http://gw", "j", &[("1a", "1")]),
            PushgatewayError::InvalidLabelName { name: "1a".into() }
        );
    }
}
