//! How recorded values are combined into exported points.
//!
//! | aggregation | keeps | exported as |
//! |---|---|---|
//! | [`Aggregation::Sum`] | the running total | Sum (monotonic for counters, histograms and measures) |
//! | [`Aggregation::Count`] | how many values were recorded | monotonic Sum of `u64` |
//! | [`Aggregation::LastValue`] | the most recent value | Gauge |
//! | [`Aggregation::Histogram`] | bucket counts, count, sum, min, max | Histogram |
//! | [`Aggregation::Summary`] | count and sum | Summary |
//! | [`Aggregation::Drop`] | nothing | nothing |
//!
//! Default aggregation by instrument kind: counters and up-down counters (synchronous or
//! observable) → Sum; gauges → LastValue; histograms → Histogram; summaries → Summary;
//! measures → Drop (as in OpenCensus, a measure is exported only through a view that
//! selects it). Info, state set and gauge-histogram instruments have their own fixed
//! aggregation: a view may rename, filter or drop them, not re-aggregate them.
//!
//! Histogram buckets are *upper-inclusive*: a value `v` lands in the first bucket whose bound
//! `b` satisfies `v <= b`, i.e. buckets are `(lo, hi]`, as in Prometheus and OpenTelemetry.
//! OpenCensus used `[lo, hi)`; a value exactly on a bound lands one bucket lower here than it
//! did there.

pub(crate) mod cell;
pub(crate) mod histogram;
pub(crate) mod shards;

use std::sync::Arc;

/// The Prometheus clients' default buckets: `.005 .01 .025 .05 .075 .1 .25 .5 .75 1 2.5 5 7.5 10`.
pub const DEFAULT_BUCKETS: [f64; 14] = [
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
];

/// An aggregation a [`View`](crate::View) can select.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Aggregation {
    /// Export nothing for the selected instruments.
    Drop,
    /// Sum of the recorded values.
    Sum,
    /// Number of recorded values.
    Count,
    /// The most recent value.
    LastValue,
    /// Explicit-bucket histogram; empty bounds mean [`DEFAULT_BUCKETS`].
    Histogram {
        /// Finite, strictly increasing upper bounds.
        bounds: Vec<f64>,
    },
    /// Count and sum of the recorded values (a Prometheus summary without quantiles).
    Summary,
}

/// The aggregation a stream actually runs, with its parameters resolved.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Resolved {
    Sum {
        monotonic: bool,
    },
    Count,
    LastValue,
    Histogram {
        bounds: Arc<[f64]>,
    },
    Summary,
    /// A constant 1 per series: the attributes are the information.
    Info,
    /// The index of the current state, expanded into one point per state on collection.
    StateSet {
        states: Arc<[String]>,
    },
    /// Recomputed from a callback's values at each collection.
    GaugeHistogram {
        bounds: Arc<[f64]>,
    },
}
