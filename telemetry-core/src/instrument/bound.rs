//! Handles bound to one attribute set: the fastest record path. Sums, counts and histograms
//! record into the calling thread's shard of the series (`aggregation/shards.rs`: a plain
//! load and store); gauges into the series' one atomic.
//!
//! A bound handle can also be created *detached*, with `Default::default()`: it then owns a
//! private series until it is bound to a registered instrument, at which point whatever it
//! recorded is folded into the registered series. This is how instrument fields of a
//! `#[derive(MetricCollector)]` struct work: the struct is built with default fields, and
//! registration binds them to the collector's name and attributes.

use std::fmt;
use std::marker::PhantomData;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;

use super::{CounterValue, GaugeValue, HistogramValue, UpDownCounterValue};
use crate::aggregation::{Resolved, DEFAULT_BUCKETS};
use crate::attributes::Attributes;
use crate::error::Error;
use crate::number::{Number, NumberKind};
use crate::stream::{Series, StreamSpec};

/// The series of one attribute set in each stream of an instrument, held by a bound
/// handle. Each series counts the handles holding it ([`Series::handles`]), so that idle
/// expiry leaves it alone while one exists.
#[derive(Debug)]
pub(crate) enum BoundCells {
    /// The usual case, one stream: one pointer less to follow on every record.
    One(Arc<Series>),
    Many(Box<[Arc<Series>]>),
}

impl BoundCells {
    pub(crate) fn new(cells: Box<[Arc<Series>]>) -> Self {
        let cells = match <[Arc<Series>; 1]>::try_from(cells.into_vec()) {
            Ok([one]) => BoundCells::One(one),
            Err(many) => BoundCells::Many(many.into_boxed_slice()),
        };
        cells.count_handle(true);
        cells
    }

    /// Counts one handle more (`true`) or less on each series.
    fn count_handle(&self, more: bool) {
        for series in self.series() {
            if more {
                series.handles.fetch_add(1, Relaxed);
            } else {
                series.handles.fetch_sub(1, Relaxed);
            }
        }
    }

    fn detached(aggregation: Resolved, number: NumberKind) -> Self {
        let spec = StreamSpec::detached(aggregation, number, 1);
        let series = Arc::new(Series::new(Attributes::empty(), &spec));
        series.make_hot();
        BoundCells::new(Box::new([series]))
    }

    pub(crate) fn series(&self) -> &[Arc<Series>] {
        match self {
            BoundCells::One(one) => std::slice::from_ref(one),
            BoundCells::Many(many) => many,
        }
    }

    #[inline]
    fn record(&self, value: Number) {
        match self {
            BoundCells::One(series) => series.record_hot(value),
            BoundCells::Many(many) => {
                for series in many.iter() {
                    series.record_hot(value);
                }
            }
        }
    }

    /// Folds what `old` recorded (while detached) into these cells.
    pub(crate) fn absorb(&self, old: &BoundCells, name: &str) -> Result<(), Error> {
        for series in self.series() {
            for previous in old.series() {
                if Arc::ptr_eq(series, previous) {
                    continue;
                }
                if !series.cell.absorb(previous.value()) {
                    return Err(Error::InvalidBuckets {
                        name: name.to_owned(),
                        reason: "values were recorded before registration with other buckets",
                    });
                }
            }
        }
        Ok(())
    }
}

impl Clone for BoundCells {
    fn clone(&self) -> Self {
        let cells = match self {
            BoundCells::One(one) => BoundCells::One(one.clone()),
            BoundCells::Many(many) => BoundCells::Many(many.clone()),
        };
        cells.count_handle(true);
        cells
    }
}

impl Drop for BoundCells {
    fn drop(&mut self) {
        self.count_handle(false);
    }
}

macro_rules! bound_handle {
    ($(#[$doc:meta])* $name:ident<$bound:ident>, $detached:expr) => {
        $(#[$doc])*
        pub struct $name<T> {
            pub(crate) cells: BoundCells,
            _value: PhantomData<fn(T)>,
        }

        impl<T> Clone for $name<T> {
            fn clone(&self) -> Self {
                $name { cells: self.cells.clone(), _value: PhantomData }
            }
        }

        impl<T> fmt::Debug for $name<T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name)).field("series", &self.cells.series().len()).finish()
            }
        }

        impl<T: $bound> $name<T> {
            pub(crate) fn from_cells(cells: BoundCells) -> Self {
                $name { cells, _value: PhantomData }
            }
        }

        impl<T: $bound> Default for $name<T> {
            /// A detached handle: it records into a private series until it is bound.
            fn default() -> Self {
                Self::from_cells(BoundCells::detached($detached, T::KIND))
            }
        }
    };
}

bound_handle!(
    /// A [`Counter`](super::Counter) bound to one attribute set.
    ///
    /// ```
    /// # use telemetry_core::{testing::TestProvider, KeyValue};
    /// let t = TestProvider::new();
    /// let counter = t.meter().u64_counter("jobs").build().unwrap();
    /// let done = counter.bind(&[KeyValue::new("state", "done")]);
    /// done.add(1);
    /// t.snapshot().assert_sum("jobs", &[KeyValue::new("state", "done")], 1u64);
    /// ```
    BoundCounter<CounterValue>, Resolved::Sum { monotonic: true }
);

impl<T: CounterValue> BoundCounter<T> {
    /// Adds `value`; a negative or NaN `f64` is ignored.
    #[inline]
    pub fn add(&self, value: T) {
        if value.is_valid_increment() {
            self.cells.record(value.into_number());
        }
    }
}

bound_handle!(
    /// An [`UpDownCounter`](super::UpDownCounter) bound to one attribute set.
    BoundUpDownCounter<UpDownCounterValue>, Resolved::Sum { monotonic: false }
);

impl<T: UpDownCounterValue> BoundUpDownCounter<T> {
    /// Adds `value`, possibly negative.
    #[inline]
    pub fn add(&self, value: T) {
        self.cells.record(value.into_number());
    }
}

bound_handle!(
    /// A [`Gauge`](super::Gauge) bound to one attribute set.
    BoundGauge<GaugeValue>, Resolved::LastValue
);

impl<T: GaugeValue> BoundGauge<T> {
    /// Sets the value.
    #[inline]
    pub fn record(&self, value: T) {
        self.cells.record(value.into_number());
    }
}

bound_handle!(
    /// A [`Histogram`](super::Histogram) bound to one attribute set. A detached one uses
    /// [`DEFAULT_BUCKETS`](crate::aggregation::DEFAULT_BUCKETS) until it is bound.
    BoundHistogram<HistogramValue>, Resolved::Histogram { bounds: Arc::from(DEFAULT_BUCKETS) }
);

impl<T: HistogramValue> BoundHistogram<T> {
    /// Records one observation.
    #[inline]
    pub fn record(&self, value: T) {
        self.cells.record(value.into_number());
    }
}

bound_handle!(
    /// A [`Summary`](super::Summary) bound to one attribute set.
    ///
    /// ```
    /// # use telemetry_core::testing::TestProvider;
    /// let t = TestProvider::new();
    /// let sizes = t.meter().f64_summary("request.size").with_unit("By").build().unwrap();
    /// let bound = sizes.bind(&[]);
    /// bound.record(100.0);
    /// bound.record(300.0);
    /// t.snapshot().assert_summary("request.size", &[], 2, 400.0);
    /// ```
    BoundSummary<HistogramValue>, Resolved::Summary
);

impl<T: HistogramValue> BoundSummary<T> {
    /// Records one observation.
    #[inline]
    pub fn record(&self, value: T) {
        self.cells.record(value.into_number());
    }
}
