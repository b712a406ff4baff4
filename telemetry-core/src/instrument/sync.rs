//! The synchronous instruments. Each is a cheap, cloneable handle to its streams.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use super::bound::BoundCells;
use super::{
    BoundCounter, BoundGauge, BoundHistogram, BoundUpDownCounter, CounterValue, GaugeValue,
    HistogramValue, InstrumentKind, MeasureValue, UpDownCounterValue,
};
use crate::attributes::KeyValue;
use crate::number::Number;
use crate::stream::Stream;

/// The shared part of a synchronous instrument: one stream per view that selected it.
#[derive(Debug)]
pub(crate) struct InstrumentCore {
    pub(crate) streams: Box<[Arc<Stream>]>,
}

impl InstrumentCore {
    #[inline]
    fn record(&self, value: Number, attributes: &[KeyValue]) {
        for stream in self.streams.iter() {
            stream.record(value, attributes);
        }
    }

    pub(crate) fn bind(&self, attributes: &[KeyValue]) -> BoundCells {
        BoundCells::new(self.streams.iter().map(|s| s.series(attributes)).collect())
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

            /// A handle bound to one attribute set: recording through it is one atomic
            /// operation per stream, with no lookup.
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
