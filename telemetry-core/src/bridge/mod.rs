//! The bridge from the [`opentelemetry`] metrics API: code (yours or a third-party
//! library's) instrumented with `opentelemetry::global::meter(..)` records into this SDK's
//! pipeline, so our views, readers and exporters apply to it as to our own instruments.
//!
//! Install [`OtelMeterProvider`] as the global provider once, at start-up:
//!
//! ```
//! use opentelemetry::global;
//! use telemetry_core::bridge::OtelMeterProvider;
//! use telemetry_core::{testing::TestProvider, KeyValue};
//!
//! let t = TestProvider::new();
//! global::set_meter_provider(OtelMeterProvider::new(t.provider().clone()));
//!
//! // Somewhere in a library that only knows the `opentelemetry` API:
//! let requests = global::meter("http-lib").u64_counter("http.requests").build();
//! requests.add(1, &[opentelemetry::KeyValue::new("method", "GET")]);
//!
//! t.snapshot().assert_sum("http.requests", &[KeyValue::new("method", "GET")], 1u64);
//! ```
//!
//! # Mapping
//!
//! | `opentelemetry` API | here |
//! |---|---|
//! | `Meter` of an `InstrumentationScope` (name, version) | [`MeterProvider::versioned_meter`]; the scope's schema URL and attributes are not kept |
//! | `Counter<u64 \| f64>` | [`Counter`](crate::Counter) (a negative or NaN `f64` is ignored) |
//! | `UpDownCounter<i64 \| f64>` | [`UpDownCounter`](crate::UpDownCounter) |
//! | `Gauge<u64 \| i64 \| f64>` | [`Gauge`](crate::Gauge) |
//! | `Histogram<u64 \| f64>`, `with_boundaries(..)` | [`Histogram`](crate::Histogram) with those buckets, else [`DEFAULT_BUCKETS`](crate::DEFAULT_BUCKETS) |
//! | `ObservableCounter`, `ObservableUpDownCounter`, `ObservableGauge` and their callbacks | the observable instrument of the same kind; each callback runs at every collection |
//! | `description`, `unit` | the same |
//!
//! Attributes are converted at each measurement (see [`convert_key_value`]): `bool`, `i64`,
//! `f64` and strings keep their type; an array becomes the string of its `Display` form, as
//! the Prometheus and OTLP-to-text conventions render it: `[1,2,3]`, `[true,false]`,
//! `["a","b"]`. The conversion allocates the attribute strings, so a hot path is faster on
//! our own API with a bound handle ([`Counter::bind`](crate::Counter::bind)).
//!
//! # Errors
//!
//! The `opentelemetry` API never fails at the call site: an instrument our side rejects
//! (an invalid name, unit or bucket list, a conflicting registration, a provider already
//! shut down) is returned as a **no-op instrument** and the reason is logged once, at
//! creation, with [`log::warn!`] under the target `telemetry_core::bridge`. Nothing panics and
//! nothing is printed to stdout or stderr.
//!
//! The API's experimental bound instruments (its `experimental_metrics_bound_instruments`
//! feature) are not bridged: a handle bound through that API drops its measurements.

mod attributes;
mod instruments;

pub use attributes::convert_key_value;
/// The `opentelemetry` crate this bridge implements (its version is the one to instrument
/// with for the bridge to see the measurements).
pub use opentelemetry;

use std::sync::Arc;

use opentelemetry::metrics::Meter as OtelMeter;
use opentelemetry::InstrumentationScope;

use crate::provider::MeterProvider;
use instruments::BridgeInstrumentProvider;

/// Our [`MeterProvider`] seen as an `opentelemetry` [`MeterProvider`](opentelemetry::metrics::MeterProvider):
/// give it to `opentelemetry::global::set_meter_provider` (or call its meters directly).
///
/// Cheap to clone; it holds a clone of the provider, so the pipeline lives as long as the
/// global does (shut it down explicitly with [`MeterProvider::shutdown`] before exit).
///
/// ```
/// use opentelemetry::metrics::MeterProvider as _;
/// use telemetry_core::bridge::OtelMeterProvider;
/// use telemetry_core::testing::TestProvider;
///
/// let t = TestProvider::new();
/// let otel = OtelMeterProvider::new(t.provider().clone());
/// let meter = otel.meter("lib");
/// meter.f64_histogram("latency").with_boundaries(vec![0.1, 1.0]).build().record(0.5, &[]);
/// t.snapshot().assert_histogram("latency", &[], &[0, 1, 0], 0.5);
/// ```
#[derive(Clone, Debug)]
pub struct OtelMeterProvider {
    provider: MeterProvider,
}

impl OtelMeterProvider {
    /// Wraps `provider`: meters of the `opentelemetry` API become meters of `provider`.
    #[must_use]
    pub fn new(provider: MeterProvider) -> Self {
        OtelMeterProvider { provider }
    }

    /// The wrapped provider.
    #[must_use]
    pub fn provider(&self) -> &MeterProvider {
        &self.provider
    }
}

impl opentelemetry::metrics::MeterProvider for OtelMeterProvider {
    fn meter_with_scope(&self, scope: InstrumentationScope) -> OtelMeter {
        let meter = self
            .provider
            .versioned_meter(scope.name().to_owned(), scope.version().map(str::to_owned));
        OtelMeter::new(Arc::new(BridgeInstrumentProvider::new(meter)))
    }
}
