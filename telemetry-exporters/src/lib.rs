//! Exporters of the telemetry SDK: each backend is a module behind its own feature, so an
//! application compiles only the wire formats (and the I/O dependencies) it uses.
//!
//! | feature | module | what it gives |
//! |---|---|---|
//! | `prometheus` | [`prometheus`] | text exposition format 0.0.4 encoder, a pull reader, and a hardened blocking `GET /metrics` endpoint (one `mio` event loop and a few render threads: connection, size and time limits, basic/bearer auth, TLS with `prometheus-tls`; no async runtime) |
//! | `otlp` | [`otlp`] | OTLP/HTTP push (protobuf or JSON, gzip, retries); blocking, no async runtime |
//! | `pushgateway` | [`pushgateway`] | push to a Prometheus Pushgateway (PUT/POST/DELETE, grouping keys, auth, gzip, retries, final push at shutdown); blocking, no async runtime |
//! | `stackdriver` | [`stackdriver`] | Google Cloud Monitoring API v3 (REST/JSON): descriptors, distributions, the API's write rules, service-account / metadata-server auth; blocking, no async runtime |
//!
//! Every exporter consumes the plain data of [`telemetry_core::ResourceMetrics`]; none
//! touches the record path.
//!
//! ```
//! # #[cfg(feature = "prometheus")] {
//! use telemetry_core::MeterProvider;
//! use telemetry_exporters::prometheus::PrometheusExporter;
//!
//! let exporter = PrometheusExporter::new();
//! let provider = MeterProvider::builder().with_reader(exporter.clone()).build();
//! let orders = provider.meter("shop").u64_counter("orders").with_description("Orders placed").build()?;
//! orders.add(2, &[]);
//!
//! let text = exporter.render()?;
//! assert_eq!(text, "# HELP orders_total Orders placed\n# TYPE orders_total counter\norders_total 2\n");
//! # }
//! # Ok::<(), telemetry_core::Error>(())
//! ```

#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "otlp")]
#[cfg_attr(docsrs, doc(cfg(feature = "otlp")))]
pub mod otlp;
#[cfg(feature = "prometheus")]
#[cfg_attr(docsrs, doc(cfg(feature = "prometheus")))]
pub mod prometheus;
#[cfg(any(feature = "otlp", feature = "pushgateway", feature = "stackdriver"))]
mod push_http;
#[cfg(feature = "pushgateway")]
#[cfg_attr(docsrs, doc(cfg(feature = "pushgateway")))]
pub mod pushgateway;
#[cfg(any(feature = "otlp", feature = "pushgateway", feature = "stackdriver"))]
mod retry;
#[cfg(feature = "stackdriver")]
#[cfg_attr(docsrs, doc(cfg(feature = "stackdriver")))]
pub mod stackdriver;
