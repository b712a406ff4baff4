//! OTLP exporter: a collection as an OTLP `ExportMetricsServiceRequest`, pushed over
//! OTLP/HTTP with a protobuf (default) or JSON body, or over OTLP/gRPC (feature `otlp-grpc`).
//!
//! The message types are the OpenTelemetry project's own (the `opentelemetry-proto` crate,
//! re-exported as [`proto`]); no schema is written here, and none is compiled at build time
//! (no `protoc`). [`to_request`] documents how each kind of metric maps to OTLP.
//!
//! [`OtlpExporter`] is a [`PushExporter`]: give it to a periodic reader, or call
//! [`OtlpExporter::export`] yourself. Each export is one blocking `POST <endpoint>/v1/metrics`
//! (no async runtime), retried on 429/502/503/504 and connection errors with exponential
//! backoff and jitter, honouring `Retry-After`, and never past the export's deadline.
//! With [`Protocol::Grpc`] an export is one unary `MetricsService/Export` call instead
//! (tonic, run on a small current-thread tokio runtime the exporter owns, so `export` stays
//! blocking), retried on the spec's retryable status codes (`UNAVAILABLE`,
//! `RESOURCE_EXHAUSTED`…) after the server's `RetryInfo` delay or the same backoff.
//!
//! Settings come from code, then from the standard environment, then from the spec's
//! defaults:
//!
//! | setting | builder | environment (signal-specific first) | default |
//! |---|---|---|---|
//! | endpoint | [`with_endpoint`](OtlpExporterBuilder::with_endpoint) (base URL) | `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT` (full URL, used as-is), `OTEL_EXPORTER_OTLP_ENDPOINT` (base URL) | `http://localhost:4318`; gRPC `http://localhost:4317` |
//! | protocol | [`with_protocol`](OtlpExporterBuilder::with_protocol) | `OTEL_EXPORTER_OTLP_METRICS_PROTOCOL`, `OTEL_EXPORTER_OTLP_PROTOCOL` (`http/protobuf`, `http/json`, `grpc`) | `http/protobuf` |
//! | headers | [`with_header`](OtlpExporterBuilder::with_header) | `OTEL_EXPORTER_OTLP_METRICS_HEADERS`, `OTEL_EXPORTER_OTLP_HEADERS` (`k=v,k2=v2`, percent-encoded) | none |
//! | timeout | [`with_timeout`](OtlpExporterBuilder::with_timeout) | `OTEL_EXPORTER_OTLP_METRICS_TIMEOUT`, `OTEL_EXPORTER_OTLP_TIMEOUT` (milliseconds) | 10 s |
//! | compression | [`with_compression`](OtlpExporterBuilder::with_compression) | `OTEL_EXPORTER_OTLP_METRICS_COMPRESSION`, `OTEL_EXPORTER_OTLP_COMPRESSION` (`gzip`, `none`) | none |
//! | temporality | [`with_temporality`](OtlpExporterBuilder::with_temporality) | `OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE` (`cumulative`, `delta`, `lowmemory` → delta) | cumulative |
//!
//! An invalid environment value is logged and ignored. Only `http://` endpoints are
//! accepted: this feature carries no TLS.
//!
//! ```no_run
//! use std::time::Duration;
//! use telemetry_core::{ManualReader, MeterProvider};
//! use telemetry_exporters::otlp::{Compression, OtlpExporter, Protocol};
//!
//! let exporter = OtlpExporter::builder()
//!     .with_endpoint("http://127.0.0.1:4318")
//!     .with_protocol(Protocol::HttpJson)
//!     .with_compression(Compression::Gzip)
//!     .with_header("x-tenant", "ev")
//!     .build()?;
//! let reader = ManualReader::new();
//! let provider = MeterProvider::builder().with_reader(reader.clone()).build();
//! provider.meter("ev").u64_counter("charges").build()?.add(1, &[]);
//! exporter.export(&reader.collect()?, Duration::from_secs(5))?;
//! # Ok::<(), telemetry_core::Error>(())
//! ```

/// The `opentelemetry-proto` crate whose message types this module produces.
pub use opentelemetry_proto as proto;

mod config;
#[cfg(feature = "otlp-grpc")]
mod grpc;
mod http;
mod transform;

use std::fmt;
use std::time::{Duration, Instant};

use proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use telemetry_core::{Error, PushExporter, ResourceMetrics, Temporality};

/// The body's encoding.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Protocol {
    /// Binary protobuf, `Content-Type: application/x-protobuf` (`http/protobuf`).
    #[default]
    HttpProtobuf,
    /// OTLP/JSON, `Content-Type: application/json` (`http/json`): lowerCamelCase fields,
    /// 64-bit integers as strings, trace and span ids in hex.
    HttpJson,
    /// OTLP/gRPC over plain HTTP/2 (`grpc`); needs the `otlp-grpc` feature, without which
    /// [`build`](OtlpExporterBuilder::build) refuses it and `OTEL_EXPORTER_OTLP_PROTOCOL=grpc`
    /// is ignored with a warning.
    Grpc,
}

impl Protocol {
    /// The value of `OTEL_EXPORTER_OTLP_PROTOCOL` naming this protocol.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::HttpProtobuf => "http/protobuf",
            Protocol::HttpJson => "http/json",
            Protocol::Grpc => "grpc",
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Protocol::HttpProtobuf => "application/x-protobuf",
            Protocol::HttpJson => "application/json",
            Protocol::Grpc => "application/grpc",
        }
    }

    /// `http/protobuf`, `http/json`, or `grpc` when the `otlp-grpc` feature is on.
    fn parse(s: &str) -> Option<Protocol> {
        match s.to_ascii_lowercase().as_str() {
            "http/protobuf" => Some(Protocol::HttpProtobuf),
            "http/json" => Some(Protocol::HttpJson),
            "grpc" if cfg!(feature = "otlp-grpc") => Some(Protocol::Grpc),
            "grpc" => {
                log::warn!("OTLP protocol grpc needs the `otlp-grpc` feature");
                None
            }
            _ => None,
        }
    }
}

/// Compression of the request body.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Compression {
    /// Sent as is.
    #[default]
    None,
    /// gzip, with `Content-Encoding: gzip` (`grpc-encoding: gzip` over gRPC).
    Gzip,
}

/// Pushes collections to an OTLP endpoint; see the [module docs](self).
pub struct OtlpExporter {
    url: String,
    protocol: Protocol,
    compression: Compression,
    headers: Vec<(String, String)>,
    transport: Transport,
    timeout: Duration,
    temporality: Temporality,
}

/// How requests travel; chosen once, from the protocol.
enum Transport {
    Http(http::Transport),
    // Boxed: the runtime and channel are far larger than the HTTP agent.
    #[cfg(feature = "otlp-grpc")]
    Grpc(Box<grpc::Transport>),
}

impl fmt::Debug for OtlpExporter {
    // Header values are left out: they often carry credentials.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(k, _)| k.as_str()).collect();
        f.debug_struct("OtlpExporter")
            .field("url", &self.url)
            .field("protocol", &self.protocol)
            .field("compression", &self.compression)
            .field("headers", &names)
            .field("timeout", &self.timeout)
            .field("temporality", &self.temporality)
            .finish()
    }
}

impl OtlpExporter {
    /// A builder; settings not given in code come from the `OTEL_*` environment.
    #[must_use]
    pub fn builder() -> OtlpExporterBuilder {
        OtlpExporterBuilder::default()
    }

    /// The URL requests are sent to (`…/v1/metrics`; over gRPC the channel's endpoint).
    #[must_use]
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The body encoding.
    #[must_use]
    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    /// The body compression.
    #[must_use]
    pub fn compression(&self) -> Compression {
        self.compression
    }

    /// The extra request headers (name, value); gRPC metadata over gRPC.
    #[must_use]
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// The longest an export may take, retries included.
    #[must_use]
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Sends one collection. The export, retries included, ends within the shorter of
    /// `timeout` and the exporter's own [`timeout`](Self::timeout); a collection with no
    /// metric sends nothing.
    ///
    /// Over gRPC the call runs on the exporter's own runtime: do not call this from inside
    /// an async task (use `spawn_blocking`), as with any blocking call.
    ///
    /// # Errors
    /// [`Error::Timeout`] when the deadline passes; [`Error::Export`] when the endpoint
    /// refuses the data (a non-retryable status, with the response's text) or is still
    /// failing when no time is left to retry.
    pub fn export(&self, metrics: &ResourceMetrics, timeout: Duration) -> Result<(), Error> {
        let deadline = Instant::now() + timeout.min(self.timeout);
        if metrics.metrics().next().is_none() {
            return Ok(());
        }
        let request = transform::to_request(metrics);
        match &self.transport {
            Transport::Http(t) => t.send(&t.body(&request)?, deadline),
            #[cfg(feature = "otlp-grpc")]
            Transport::Grpc(t) => t.send(&request, deadline),
        }
    }
}

impl PushExporter for OtlpExporter {
    fn export(&self, metrics: &ResourceMetrics, timeout: Duration) -> Result<(), Error> {
        OtlpExporter::export(self, metrics, timeout)
    }

    fn temporality(&self) -> Temporality {
        self.temporality
    }
}

/// Configures an [`OtlpExporter`]; anything not set here comes from the environment.
#[derive(Clone, Debug, Default)]
pub struct OtlpExporterBuilder {
    explicit: config::Explicit,
}

impl OtlpExporterBuilder {
    /// The collector's base URL (`http://host:4318`); `/v1/metrics` is appended unless the
    /// URL already ends with it. Over gRPC (`http://host:4317`) it is used as-is.
    #[must_use]
    pub fn with_endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.explicit.endpoint = Some(endpoint.into());
        self
    }

    /// The body encoding, or gRPC (default `http/protobuf`).
    #[must_use]
    pub fn with_protocol(mut self, protocol: Protocol) -> Self {
        self.explicit.protocol = Some(protocol);
        self
    }

    /// Adds a request header; it replaces one of the same name from the environment.
    #[must_use]
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.explicit.headers.push((name.into(), value.into()));
        self
    }

    /// Adds several request headers.
    #[must_use]
    pub fn with_headers<K: Into<String>, V: Into<String>>(
        mut self,
        headers: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        for (k, v) in headers {
            self.explicit.headers.push((k.into(), v.into()));
        }
        self
    }

    /// The longest an export may take, retries included (default 10 s).
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.explicit.timeout = Some(timeout);
        self
    }

    /// Body compression (default none).
    #[must_use]
    pub fn with_compression(mut self, compression: Compression) -> Self {
        self.explicit.compression = Some(compression);
        self
    }

    /// The temporality the exporter asks its reader for (default cumulative).
    #[must_use]
    pub fn with_temporality(mut self, temporality: Temporality) -> Self {
        self.explicit.temporality = Some(temporality);
        self
    }

    /// The exporter, with the environment read now.
    ///
    /// # Errors
    /// [`Error::Export`] when the endpoint is not an `http://` URL, when gRPC is asked for
    /// without the `otlp-grpc` feature, or (gRPC) when a header is not valid metadata or the
    /// runtime cannot start.
    pub fn build(self) -> Result<OtlpExporter, Error> {
        let resolved = config::resolve(&self.explicit, &|name| std::env::var(name).ok())?;
        let transport = match resolved.protocol {
            #[cfg(feature = "otlp-grpc")]
            Protocol::Grpc => Transport::Grpc(Box::new(grpc::Transport::new(
                &resolved.url,
                resolved.compression,
                &resolved.headers,
            )?)),
            // Without the feature `resolve` has refused `Grpc` already.
            protocol => Transport::Http(http::Transport::new(
                resolved.url.clone(),
                protocol,
                resolved.compression,
                resolved.headers.clone(),
            )),
        };
        Ok(OtlpExporter {
            url: resolved.url,
            protocol: resolved.protocol,
            compression: resolved.compression,
            headers: resolved.headers,
            transport,
            timeout: resolved.timeout,
            temporality: resolved.temporality,
        })
    }
}

/// One collection as an OTLP export request: one resource, one scope per meter.
///
/// | ours | OTLP |
/// |---|---|
/// | `Sum` | `Sum`, monotonic flag and temporality kept |
/// | `Gauge` | `Gauge` |
/// | `Histogram` | `Histogram`: bounds, bucket counts, sum, min, max |
/// | `Summary` | `Summary`: count, sum, quantiles |
/// | `Info` | non-monotonic cumulative `Sum` of 1 (OTel Prometheus compatibility) |
/// | `StateSet` | non-monotonic cumulative `Sum`, 1 for the current state (same spec) |
/// | `GaugeHistogram` | `Histogram` with delta temporality (OTLP has no gauge histogram; a delta histogram is the shape whose buckets may shrink) |
///
/// Integers stay integers (`as_int`; a `u64` above `i64::MAX` becomes `as_double`), times
/// are Unix nanoseconds.
///
/// ```
/// use telemetry_core::{MeterProvider, ManualReader};
/// use telemetry_exporters::otlp::{proto::tonic::metrics::v1::metric::Data, to_request};
///
/// let reader = ManualReader::new();
/// let provider = MeterProvider::builder().with_reader(reader.clone()).build();
/// provider.meter("shop").u64_counter("orders").build()?.add(2, &[]);
/// let request = to_request(&reader.collect()?);
/// let metric = &request.resource_metrics[0].scope_metrics[0].metrics[0];
/// assert_eq!(metric.name, "orders");
/// assert!(matches!(&metric.data, Some(Data::Sum(s)) if s.is_monotonic));
/// # Ok::<(), telemetry_core::Error>(())
/// ```
#[must_use]
pub fn to_request(metrics: &ResourceMetrics) -> ExportMetricsServiceRequest {
    transform::to_request(metrics)
}
