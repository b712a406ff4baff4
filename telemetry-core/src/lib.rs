//! The core of the telemetry SDK: instruments, attribute sets, the Measure / View /
//! Aggregation model, the meter provider and its readers.
//!
//! ```
//! use telemetry_core::{KeyValue, ManualReader, MeterProvider};
//!
//! let reader = ManualReader::new();
//! let provider = MeterProvider::builder().with_reader(reader.clone()).build();
//! let meter = provider.meter("shop");
//!
//! let orders = meter.u64_counter("orders").with_description("Orders placed").build()?;
//! orders.add(1, &[KeyValue::new("country", "JP")]);
//!
//! // The hot path: bind once, then each add goes to this thread's own shard of the series
//! // (a plain load and store, no lock, no shared cache line).
//! let jp = orders.bind(&[KeyValue::new("country", "JP")]);
//! jp.add(2);
//!
//! let data = reader.collect()?;
//! assert!(data.metric("orders").is_some());
//! # Ok::<(), telemetry_core::Error>(())
//! ```
//!
//! Attributes can also be typed: a struct implementing [`AttributeSet`](trait@AttributeSet)
//! (derived with the `derive` feature) keys an instrument [`family`], which finds the series
//! of a set of enums by index, without hashing.
//!
//! Guarantees: once a series exists, recording takes no lock and allocates nothing (the
//! series map is lock-free; see `tests/no_alloc.rs`). Each stream holds at most its
//! cardinality limit of series; further attribute sets are folded into one overflow series
//! carrying `otel.metric.overflow=true`. Dropping the last [`MeterProvider`] clone shuts it
//! down, handing a final collection to every reader.

#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod aggregation;
mod attribute_set;
mod attributes;
#[cfg(feature = "opentelemetry")]
#[cfg_attr(docsrs, doc(cfg(feature = "opentelemetry")))]
pub mod bridge;
mod collector;
mod data;
mod enum_label;
mod error;
pub mod export;
pub mod family;
pub mod instrument;
mod name;
mod number;
mod provider;
pub mod reader;
mod recent;
mod shared_str;
mod stream;
mod view;

pub mod testing;
pub mod timing;

#[doc(hidden)]
pub mod __private;

pub use aggregation::{Aggregation, DEFAULT_BUCKETS};
pub use attribute_set::{AttributeField, AttributeSet};
pub use attributes::{Attributes, Key, KeyValue, Value};
pub use collector::{MetricCollector, ObservedState, Registered, ValueKind};
pub use data::{
    Gauge as GaugeData, Histogram as HistogramData, HistogramPoint, Metric, MetricData,
    NumberPoint, Resource, ResourceMetrics, Scope, ScopeMetrics, Sum as SumData,
    Summary as SummaryData, SummaryPoint, Temporality,
};
pub use enum_label::EnumLabel;
pub use error::Error;
pub use export::PushExporter;
pub use family::{CounterFamily, GaugeFamily, HistogramFamily, SummaryFamily, UpDownCounterFamily};
pub use instrument::{
    BoundCounter, BoundGauge, BoundHistogram, BoundSummary, BoundUpDownCounter, Counter, Gauge,
    Histogram, Info, InstrumentKind, Measure, Measurement, ObservableCounter, ObservableGauge,
    ObservableGaugeHistogram, ObservableUpDownCounter, StateSet, Summary, UpDownCounter,
};
pub use name::{validate_buckets, validate_name, validate_unit};
pub use number::{Number, NumberKind, Numeric};
pub use provider::{
    Meter, MeterProvider, MeterProviderBuilder, DEFAULT_CALLBACK_TIMEOUT, DEFAULT_SHUTDOWN_TIMEOUT,
    SELF_METRICS_SCOPE,
};
pub use reader::{ManualReader, MetricReader, PeriodicReader, Producer};
pub use shared_str::SharedStr;
pub use stream::{DEFAULT_CARDINALITY_LIMIT, OVERFLOW_ATTRIBUTE};
pub use timing::{FnMetrics, HistogramTimer, InProgress};
pub use view::View;

// The derive's user guide lives in this crate so its links and examples resolve here.
/// Times a function, counts its `Err` returns and its calls in progress into instruments of
/// the [global meter](timing::set_global_meter), which records nothing until it is set: see
/// [Function instrumentation](derive@MetricCollector#function-instrumentation) in the derive
/// guide.
///
/// ```
/// use telemetry_core::{instrument_fn, testing::TestProvider, timing, KeyValue};
///
/// #[instrument_fn(
///     histogram = "job_duration_seconds",
///     errors = "job_errors",
///     in_progress = "jobs_in_progress",
///     labels(job_name = "test_job"),
/// )]
/// fn run_job(fail: bool) -> Result<u32, String> {
///     if fail { Err("no input".into()) } else { Ok(42) }
/// }
///
/// let t: &'static TestProvider = Box::leak(Box::new(TestProvider::new()));
/// timing::set_global_meter(t.meter()).unwrap();
/// run_job(false)?;
/// run_job(true).unwrap_err();
/// let attrs = [KeyValue::new("job_name", "test_job")];
/// let s = t.snapshot();
/// assert_eq!(s.histogram("job_duration_seconds", &attrs).unwrap().count, 2);
/// s.assert_sum("job_errors", &attrs, 1u64);
/// s.assert_sum("jobs_in_progress", &attrs, 0i64);
/// # Ok::<(), String>(())
/// ```
#[cfg(feature = "derive")]
pub use telemetry_derive::instrument_fn;
/// Derives [`AttributeSet`](trait@AttributeSet) for a struct with named fields: see
/// [Attribute sets](derive@MetricCollector#attribute-sets) in the derive guide.
#[cfg(feature = "derive")]
pub use telemetry_derive::AttributeSet;
/// Derives [`EnumLabel`](trait@EnumLabel) for an enum without fields: see [State sets and
/// enum labels](derive@MetricCollector#state-sets-and-enum-labels) in the derive guide.
#[cfg(feature = "derive")]
pub use telemetry_derive::EnumLabel;
#[cfg(feature = "derive")]
#[doc = include_str!("../DERIVE.md")]
pub use telemetry_derive::MetricCollector;
