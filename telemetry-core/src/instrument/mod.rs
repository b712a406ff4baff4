//! Instruments: the record side of the SDK.
//!
//! Synchronous instruments ([`Counter`], [`UpDownCounter`], [`Gauge`], [`Histogram`],
//! [`Measure`]) record on the caller's thread; their bound forms ([`BoundCounter`], …) skip
//! the series lookup entirely. Observable instruments report through a callback run at
//! collection time.

pub(crate) mod bound;
pub(crate) mod builder;
pub(crate) mod observable;
mod sync;

pub use bound::{BoundCounter, BoundGauge, BoundHistogram, BoundSummary, BoundUpDownCounter};
pub use builder::{InstrumentBuilder, ObservableBuilder};
pub use observable::{
    ObservableCounter, ObservableGauge, ObservableGaugeHistogram, ObservableUpDownCounter,
    Observations,
};
pub use sync::{
    Counter, Gauge, Histogram, Info, Measure, Measurement, StateSet, Summary, UpDownCounter,
};

pub(crate) use sync::InstrumentCore;

use crate::number::Numeric;

/// What kind of instrument a name was registered as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum InstrumentKind {
    /// A monotonic synchronous sum.
    Counter,
    /// A non-monotonic synchronous sum.
    UpDownCounter,
    /// A synchronous last-value instrument.
    Gauge,
    /// A synchronous distribution.
    Histogram,
    /// An OpenCensus measure: exported only through views.
    Measure,
    /// A monotonic sum reported by a callback.
    ObservableCounter,
    /// A non-monotonic sum reported by a callback.
    ObservableUpDownCounter,
    /// A value reported by a callback.
    ObservableGauge,
    /// A synchronous count and sum of observations (Prometheus summary).
    Summary,
    /// Information as labels, value 1 (Prometheus info).
    Info,
    /// One current state out of a fixed set (OpenMetrics stateset, Python's `Enum`).
    StateSet,
    /// Information as labels reported by a callback (a derived `#[metric(info)]` struct).
    ObservableInfo,
    /// A state set reported by a callback (a derived `#[metric(state_set)]` field).
    ObservableStateSet,
    /// The current distribution of values reported by a callback (OpenMetrics
    /// gaugehistogram).
    ObservableGaugeHistogram,
}

impl InstrumentKind {
    /// True for the callback-driven kinds.
    #[must_use]
    pub fn is_observable(self) -> bool {
        matches!(
            self,
            InstrumentKind::ObservableCounter
                | InstrumentKind::ObservableUpDownCounter
                | InstrumentKind::ObservableGauge
                | InstrumentKind::ObservableInfo
                | InstrumentKind::ObservableStateSet
                | InstrumentKind::ObservableGaugeHistogram
        )
    }
}

/// Value types a counter accepts: `u64` and `f64` (negative and NaN `f64`s are ignored).
pub trait CounterValue: Numeric {
    /// True if the value may be added to a monotonic sum.
    fn is_valid_increment(self) -> bool;
}
impl CounterValue for u64 {
    #[inline]
    fn is_valid_increment(self) -> bool {
        true
    }
}
impl CounterValue for f64 {
    #[inline]
    fn is_valid_increment(self) -> bool {
        self >= 0.0
    }
}

/// Value types an up-down counter accepts: `i64` and `f64`.
pub trait UpDownCounterValue: Numeric {}
impl UpDownCounterValue for i64 {}
impl UpDownCounterValue for f64 {}

/// Value types a gauge accepts: `i64`, `u64` and `f64`.
pub trait GaugeValue: Numeric {}
impl GaugeValue for i64 {}
impl GaugeValue for u64 {}
impl GaugeValue for f64 {}

/// Value types a histogram accepts: `f64` and `u64`.
pub trait HistogramValue: Numeric {}
impl HistogramValue for f64 {}
impl HistogramValue for u64 {}

/// Value types a measure accepts: `i64` and `f64`.
pub trait MeasureValue: Numeric {}
impl MeasureValue for i64 {}
impl MeasureValue for f64 {}
