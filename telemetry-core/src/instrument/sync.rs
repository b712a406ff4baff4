//! The synchronous instruments. Each is a cheap, cloneable handle to its streams.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use super::bound::BoundCells;
use super::{
    BoundCounter, BoundGauge, BoundHistogram, BoundSummary, BoundUpDownCounter, CounterValue,
    GaugeValue, HistogramValue, InstrumentKind, MeasureValue, UpDownCounterValue,
};
use crate::attributes::KeyValue;
use crate::error::Error;
use crate::number::Number;
use crate::stream::Stream;

/// The shared part of a synchronous instrument: one stream per view that selected it.
#[derive(Debug)]
pub(crate) struct InstrumentCore {
    pub(crate) streams: Box<[Arc<Stream>]>,
}

impl InstrumentCore {
    #[inline]
    pub(crate) fn record(&self, value: Number, attributes: &[KeyValue]) {
        for stream in self.streams.iter() {
            stream.record(value, attributes);
        }
    }

    pub(crate) fn bind(&self, attributes: &[KeyValue]) -> BoundCells {
        BoundCells::new(self.streams.iter().map(|s| s.series(attributes)).collect())
    }

    pub(crate) fn remove(&self, attributes: &[KeyValue]) -> bool {
        let mut removed = false;
        for stream in self.streams.iter() {
            let target = crate::attributes::Attributes::filtered(attributes, stream.spec.filter());
            removed |= stream.retain(|a| *a != target) > 0;
        }
        removed
    }

    pub(crate) fn retain(
        &self,
        mut keep: impl FnMut(&crate::attributes::Attributes) -> bool,
    ) -> usize {
        self.streams.iter().map(|s| s.retain(&mut keep)).sum()
    }
}

macro_rules! sync_instrument {
    ($(#[$doc:meta])* $name:ident<$bound:ident>, $kind:expr, $bound_ty:ident) => {
        $(#[$doc])*
        pub struct $name<T> {
            pub(crate) core: Arc<InstrumentCore>,
            _value: PhantomData<fn(T)>,
        }

        impl<T> Clone for $name<T> {
            fn clone(&self) -> Self {
                $name { core: self.core.clone(), _value: PhantomData }
            }
        }

        impl<T> fmt::Debug for $name<T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name)).field("streams", &self.core.streams).finish()
            }
        }

        impl<T: $bound> $name<T> {
            pub(crate) const KIND: InstrumentKind = $kind;

            pub(crate) fn from_core(core: Arc<InstrumentCore>) -> Self {
                $name { core, _value: PhantomData }
            }

            /// Removes the series of `attributes` from the output (a job that finished, a
            /// pod that is gone); recording to it again starts a new series (a new start
            /// time). Returns whether one existed. A value recorded while it is being removed
            /// is not lost: the next collection carries it into the new series.
            pub fn remove(&self, attributes: &[KeyValue]) -> bool {
                self.core.remove(attributes)
            }

            /// Removes every series whose attributes `keep` rejects; returns how many were
            /// removed (over all views of this instrument). See [`remove`](Self::remove).
            pub fn retain(&self, keep: impl FnMut(&crate::attributes::Attributes) -> bool) -> usize {
                self.core.retain(keep)
            }

            /// A handle bound to one attribute set: recording through it needs no lookup and
            /// goes to the calling thread's shard of the series (gauges: one atomic store).
            #[must_use]
            pub fn bind(&self, attributes: &[KeyValue]) -> $bound_ty<T> {
                $bound_ty::from_cells(self.core.bind(attributes))
            }
        }
    };
}

sync_instrument!(
    /// A monotonic sum (`u64` or `f64`), e.g. requests served.
    ///
    /// ```
    /// # use telemetry_core::{testing::TestProvider, KeyValue};
    /// let t = TestProvider::new();
    /// let requests = t.meter().u64_counter("http.requests").build().unwrap();
    /// requests.add(2, &[KeyValue::new("method", "GET")]);
    /// t.snapshot().assert_sum("http.requests", &[KeyValue::new("method", "GET")], 2u64);
    /// ```
    Counter<CounterValue>, InstrumentKind::Counter, BoundCounter
);

impl<T: CounterValue> Counter<T> {
    /// Adds `value` to the series of `attributes`; a negative or NaN `f64` is ignored.
    ///
    /// A `u64` total wraps around past `u64::MAX` (one atomic add, as the hardware does;
    /// consumers see a counter reset). An `f64` total saturates at `+Inf`.
    ///
    /// ```
    /// # use telemetry_core::testing::TestProvider;
    /// let t = TestProvider::new();
    /// let c = t.meter().u64_counter("wraps").build().unwrap();
    /// c.add(u64::MAX, &[]);
    /// c.add(2, &[]);
    /// t.snapshot().assert_sum("wraps", &[], 1u64);
    /// ```
    #[inline]
    pub fn add(&self, value: T, attributes: &[KeyValue]) {
        if value.is_valid_increment() {
            self.core.record(value.into_number(), attributes);
        }
    }
}

sync_instrument!(
    /// A sum that may go down (`i64` or `f64`), e.g. items in a queue.
    ///
    /// ```
    /// # use telemetry_core::testing::TestProvider;
    /// let t = TestProvider::new();
    /// let queued = t.meter().i64_up_down_counter("queue.items").build().unwrap();
    /// queued.add(5, &[]);
    /// queued.add(-2, &[]);
    /// t.snapshot().assert_sum("queue.items", &[], 3i64);
    /// ```
    UpDownCounter<UpDownCounterValue>, InstrumentKind::UpDownCounter, BoundUpDownCounter
);

impl<T: UpDownCounterValue> UpDownCounter<T> {
    /// Adds `value` (possibly negative) to the series of `attributes`.
    #[inline]
    pub fn add(&self, value: T, attributes: &[KeyValue]) {
        self.core.record(value.into_number(), attributes);
    }
}

sync_instrument!(
    /// The current value of something (`i64`, `u64` or `f64`), set synchronously.
    ///
    /// ```
    /// # use telemetry_core::testing::TestProvider;
    /// let t = TestProvider::new();
    /// let temp = t.meter().f64_gauge("room.temperature").with_unit("Cel").build().unwrap();
    /// temp.record(21.5, &[]);
    /// t.snapshot().assert_gauge("room.temperature", &[], 21.5);
    /// ```
    Gauge<GaugeValue>, InstrumentKind::Gauge, BoundGauge
);

impl<T: GaugeValue> Gauge<T> {
    /// Sets the series of `attributes` to `value`.
    #[inline]
    pub fn record(&self, value: T, attributes: &[KeyValue]) {
        self.core.record(value.into_number(), attributes);
    }
}

sync_instrument!(
    /// A distribution of values (`f64` or `u64`) in explicit buckets.
    ///
    /// ```
    /// # use telemetry_core::testing::TestProvider;
    /// let t = TestProvider::new();
    /// let latency = t.meter().f64_histogram("latency").with_buckets(vec![0.1, 1.0]).build().unwrap();
    /// latency.record(0.05, &[]);
    /// latency.record(0.5, &[]);
    /// t.snapshot().assert_histogram("latency", &[], &[1, 1, 0], 0.55);
    /// ```
    Histogram<HistogramValue>, InstrumentKind::Histogram, BoundHistogram
);

impl<T: HistogramValue> Histogram<T> {
    /// Records one observation.
    #[inline]
    pub fn record(&self, value: T, attributes: &[KeyValue]) {
        self.core.record(value.into_number(), attributes);
    }
}

sync_instrument!(
    /// Count and sum of observations (`f64` or `u64`), the Prometheus summary: exported as
    /// `<name>_count` and `<name>_sum`. No quantiles are computed (they cannot be aggregated
    /// across instances; use a [`Histogram`] for those).
    ///
    /// ```
    /// # use telemetry_core::{testing::TestProvider, KeyValue};
    /// let t = TestProvider::new();
    /// let sizes = t.meter().f64_summary("request.size").with_unit("By").build().unwrap();
    /// sizes.record(512.0, &[KeyValue::new("route", "/")]);
    /// t.snapshot().assert_summary("request.size", &[KeyValue::new("route", "/")], 1, 512.0);
    /// ```
    Summary<HistogramValue>, InstrumentKind::Summary, BoundSummary
);

impl<T: HistogramValue> Summary<T> {
    /// Records one observation (Python's `Summary.observe`).
    #[inline]
    pub fn record(&self, value: T, attributes: &[KeyValue]) {
        self.core.record(value.into_number(), attributes);
    }
}

/// Information carried as labels: each [`set`](Self::set) exports one series of value 1
/// whose attributes are the information (Python's `Info`; `<name>_info{…} 1` in Prometheus).
///
/// ```
/// # use telemetry_core::{testing::TestProvider, KeyValue};
/// let t = TestProvider::new();
/// let build = t.meter().info("my_build_version").with_description("Build").build().unwrap();
/// let labels = [KeyValue::new("version", "1.2.3"), KeyValue::new("buildhost", "foo@bar")];
/// build.set(&labels);
/// t.snapshot().assert_info("my_build_version", &labels);
/// ```
#[derive(Clone)]
pub struct Info {
    pub(crate) core: Arc<InstrumentCore>,
}

impl fmt::Debug for Info {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Info")
            .field("streams", &self.core.streams)
            .finish()
    }
}

impl Info {
    pub(crate) const KIND: InstrumentKind = InstrumentKind::Info;

    pub(crate) fn from_core(core: Arc<InstrumentCore>) -> Self {
        Info { core }
    }

    /// Exports the series `attributes` (value 1) from now on.
    pub fn set(&self, attributes: &[KeyValue]) {
        self.core.record(Number::U64(1), attributes);
    }
}

/// One current state out of a fixed set (OpenMetrics `stateset`, Python's `Enum`): each
/// series exports one point per state, labelled `<name>="<state>"`, 1 for the current state
/// and 0 for the others.
///
/// ```
/// # use telemetry_core::{testing::TestProvider, KeyValue};
/// let t = TestProvider::new();
/// let state = t.meter()
///     .state_set("task_state", ["starting", "running", "stopped"])
///     .build()
///     .unwrap();
/// state.set("running", &[KeyValue::new("task", "a")]).unwrap();
/// assert!(state.set("exploded", &[]).is_err());
/// t.snapshot().assert_state("task_state", &[KeyValue::new("task", "a")], "running");
/// ```
#[derive(Clone)]
pub struct StateSet {
    pub(crate) core: Arc<InstrumentCore>,
    states: Arc<[String]>,
}

impl fmt::Debug for StateSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StateSet")
            .field("states", &self.states)
            .field("streams", &self.core.streams)
            .finish()
    }
}

impl StateSet {
    pub(crate) const KIND: InstrumentKind = InstrumentKind::StateSet;

    pub(crate) fn from_core(core: Arc<InstrumentCore>, states: Arc<[String]>) -> Self {
        StateSet { core, states }
    }

    /// The states, in declaration order.
    #[must_use]
    pub fn states(&self) -> &[String] {
        &self.states
    }

    /// Makes `state` the current state of the series `attributes`.
    ///
    /// # Errors
    /// [`Error::UnknownState`] if `state` is not one of [`states`](Self::states).
    pub fn set(&self, state: &str, attributes: &[KeyValue]) -> Result<(), Error> {
        let index = self
            .states
            .iter()
            .position(|s| s == state)
            .ok_or_else(|| self.unknown(state))?;
        self.set_index(index, attributes)
    }

    /// Makes the state at `index` (in [`states`](Self::states)) current: no string
    /// comparison, for enums (see [`EnumLabel::index`](crate::EnumLabel::index)).
    ///
    /// # Errors
    /// [`Error::UnknownState`] if `index` is out of range.
    pub fn set_index(&self, index: usize, attributes: &[KeyValue]) -> Result<(), Error> {
        if index >= self.states.len() {
            return Err(self.unknown(&format!("#{index}")));
        }
        self.core.record(Number::U64(index as u64), attributes);
        Ok(())
    }

    fn unknown(&self, state: &str) -> Error {
        Error::UnknownState {
            state: state.to_owned(),
            states: self.states.to_vec(),
        }
    }
}

/// An OpenCensus measure (`i64` or `f64`): it records values, and [`View`](crate::View)s
/// decide what is aggregated and exported. With no view selecting it, nothing is kept.
///
/// ```
/// # use telemetry_core::{testing::TestProvider, Aggregation, View, KeyValue};
/// let t = TestProvider::with_views(vec![
///     View::new("latency").rename("latency_count").aggregation(Aggregation::Count),
///     View::new("latency").rename("latency_dist").aggregation(Aggregation::Histogram { bounds: vec![10.0, 100.0] }),
/// ]);
/// let latency = t.meter().f64_measure("latency").with_unit("ms").build().unwrap();
/// latency.record(42.0, &[KeyValue::new("method", "GET")]);
/// let snap = t.snapshot();
/// snap.assert_sum("latency_count", &[KeyValue::new("method", "GET")], 1u64);
/// snap.assert_histogram("latency_dist", &[KeyValue::new("method", "GET")], &[0, 1, 0], 42.0);
/// ```
pub struct Measure<T> {
    pub(crate) core: Arc<InstrumentCore>,
    _value: PhantomData<fn(T)>,
}

impl<T> Clone for Measure<T> {
    fn clone(&self) -> Self {
        Measure {
            core: self.core.clone(),
            _value: PhantomData,
        }
    }
}

impl<T> fmt::Debug for Measure<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Measure")
            .field("streams", &self.core.streams)
            .finish()
    }
}

impl<T: MeasureValue> Measure<T> {
    pub(crate) const KIND: InstrumentKind = InstrumentKind::Measure;

    pub(crate) fn from_core(core: Arc<InstrumentCore>) -> Self {
        Measure {
            core,
            _value: PhantomData,
        }
    }

    /// Records one value under `attributes` (the tags of OpenCensus).
    #[inline]
    pub fn record(&self, value: T, attributes: &[KeyValue]) {
        self.core.record(value.into_number(), attributes);
    }

    /// Pairs this measure with a value, for [`Measurement::record_all`].
    #[must_use]
    pub fn measurement(&self, value: T) -> Measurement<'_> {
        Measurement {
            core: &self.core,
            value: value.into_number(),
        }
    }
}

/// A value for one measure, recorded together with others under one attribute set (the
/// `MeasurementMap` of OpenCensus).
///
/// ```
/// # use telemetry_core::{testing::TestProvider, Aggregation, Measurement, View, KeyValue};
/// let t = TestProvider::with_views(vec![View::new("*").aggregation(Aggregation::Sum)]);
/// let bytes = t.meter().i64_measure("bytes").build().unwrap();
/// let items = t.meter().i64_measure("items").build().unwrap();
/// let tags = [KeyValue::new("job", "sync")];
/// Measurement::record_all(&tags, &[bytes.measurement(512), items.measurement(3)]);
/// t.snapshot().assert_sum("items", &tags, 3i64);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Measurement<'a> {
    core: &'a InstrumentCore,
    value: Number,
}

impl Measurement<'_> {
    /// Records every measurement under the same attributes, without allocating.
    pub fn record_all(attributes: &[KeyValue], measurements: &[Measurement<'_>]) {
        for m in measurements {
            m.core.record(m.value, attributes);
        }
    }
}
