//! OTLP exporter: a collection as an OTLP `ExportMetricsServiceRequest`, pushed over
//! OTLP/HTTP.
//!
//! The message types are the OpenTelemetry project's own (the `opentelemetry-proto` crate,
//! re-exported as [`proto`]); no schema is written here, and none is compiled at build time
//! (no `protoc`). [`to_request`] documents how each kind of metric maps to OTLP.

/// The `opentelemetry-proto` crate whose message types this module produces.
pub use opentelemetry_proto as proto;

mod transform;

use proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use telemetry_core::ResourceMetrics;

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
