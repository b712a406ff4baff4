//! Observable (asynchronous) instruments: a callback reports values at collection time.
//!
//! Only what a callback reports in a collection is exported by that collection: a series the
//! callback stops reporting disappears, and a field that is `None` is "no observation", not 0.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::SystemTime;

use crate::aggregation::cell::CellValue;
use crate::aggregation::histogram::HistogramCell;
use crate::aggregation::Resolved;
use crate::attributes::{Attributes, KeyValue};
use crate::data::Metric;
use crate::number::{Number, Numeric};
use crate::stream::{PrehashedState, StreamSpec};

/// One reported value: the instrument's id, the attribute set, the value.
pub(crate) type Observation = (usize, Attributes, Number);

/// The values callbacks reported during one collection, in one list (not a list per
/// instrument: a collection of 33 fields made 33 vectors and a growing map).
#[derive(Debug, Default)]
pub(crate) struct CollectContext {
    observations: Vec<Observation>,
}

impl CollectContext {
    pub(crate) fn push(&mut self, instrument: usize, attributes: Attributes, value: Number) {
        self.observations.push((instrument, attributes, value));
    }

    /// Makes room for `additional` more values.
    pub(crate) fn reserve(&mut self, additional: usize) {
        self.observations.reserve(additional);
    }

    /// Adds what another context observed (another callback's values).
    pub(crate) fn merge(&mut self, other: CollectContext) {
        if self.observations.is_empty() {
            self.observations = other.observations;
        } else {
            self.observations.extend(other.observations);
        }
    }

    /// Groups the values by instrument, each instrument's in the order reported (a stable
    /// sort; callbacks usually report in the instruments' order, which needs one pass).
    pub(crate) fn group(&mut self) {
        if !self.observations.is_sorted_by_key(|o| o.0) {
            self.observations.sort_by_key(|o| o.0);
        }
    }

    /// The values of `instrument`, once [`group`](Self::group)ed.
    pub(crate) fn of(&self, instrument: usize) -> &[Observation] {
        let start = self.observations.partition_point(|o| o.0 < instrument);
        let end = start + self.observations[start..].partition_point(|o| o.0 == instrument);
        &self.observations[start..end]
    }
}

/// One stream of an observable instrument. It keeps only the start time of each series, so
/// that a cumulative start time stays fixed across collections.
#[derive(Debug)]
pub(crate) struct ObservableStream {
    pub(crate) spec: StreamSpec,
    /// The first attribute set observed, with its start time: most observable streams (a
    /// derived struct's fields) only ever see one, and find it without locking `starts`.
    first: OnceLock<(Attributes, SystemTime)>,
    /// The other sets' start times, keyed by the sets' own hash (no hashing per collection).
    starts: Mutex<HashMap<Attributes, SystemTime, PrehashedState>>,
}

impl ObservableStream {
    pub(crate) fn new(spec: StreamSpec) -> Self {
        ObservableStream {
            spec,
            first: OnceLock::new(),
            starts: Mutex::new(HashMap::with_hasher(PrehashedState)),
        }
    }

    pub(crate) fn collect(&self, observed: &[Observation], now: SystemTime) -> Metric {
        if let Resolved::GaugeHistogram { bounds } = &self.spec.aggregation {
            return self.collect_distribution(bounds, observed, now);
        }
        if let [(_, attributes, value)] = observed {
            if self.spec.attribute_keys.is_none() {
                // One value (a derived struct's field): nothing to merge or sort.
                return self.metric_of(std::iter::once((attributes.clone(), *value)), now);
            }
        }
        // Observations that differ only in keys the view drops are combined: summed for
        // sums (each is a cumulative total of its own series), the last one for gauges.
        let mut merged: Vec<(Attributes, Number)> = Vec::with_capacity(observed.len());
        for (_, attributes, value) in observed {
            let attributes = match &self.spec.attribute_keys {
                Some(_) => Attributes::filtered(attributes, self.spec.filter()),
                None => attributes.clone(),
            };
            match merged.iter_mut().find(|(a, _)| *a == attributes) {
                Some((_, existing)) => {
                    *existing = match self.spec.aggregation {
                        Resolved::Sum { .. } => add(*existing, *value),
                        _ => *value,
                    }
                }
                None => merged.push((attributes, *value)),
            }
        }
        // Ordered by the attributes' text, for deterministic output (callbacks may observe
        // in any order, e.g. from a hash map).
        if merged.len() > 1 {
            merged.sort_by(|a, b| crate::stream::cmp_attributes(&a.0, &b.0));
        }
        self.metric_of(merged.into_iter(), now)
    }

    /// The metric of one value per attribute set, each with its series' fixed start time.
    fn metric_of(
        &self,
        values: impl Iterator<Item = (Attributes, Number)>,
        now: SystemTime,
    ) -> Metric {
        let mut starts = None;
        let points = values.map(|(attributes, value)| {
            let start = self.start_of(&attributes, now, &mut starts);
            (attributes, start, CellValue::Number(value))
        });
        let data = self.spec.data(points, now);
        drop(starts);
        self.spec.metric(data)
    }

    /// The start time of the series of `attributes` (`now` for a new one), locking the map
    /// of start times into `starts` only for a set other than the first.
    fn start_of<'s>(
        &'s self,
        attributes: &Attributes,
        now: SystemTime,
        starts: &mut Option<MutexGuard<'s, HashMap<Attributes, SystemTime, PrehashedState>>>,
    ) -> SystemTime {
        let (first, start) = self.first.get_or_init(|| (attributes.clone(), now));
        if first == attributes {
            return *start;
        }
        let starts =
            starts.get_or_insert_with(|| self.starts.lock().unwrap_or_else(|e| e.into_inner()));
        match starts.get(attributes) {
            Some(start) => *start,
            None => *starts.entry(attributes.clone()).or_insert(now),
        }
    }
}

impl ObservableStream {
    /// A gauge histogram: every observation is one value of the current distribution, so
    /// the values of one attribute set are bucketed afresh at each collection.
    fn collect_distribution(
        &self,
        bounds: &Arc<[f64]>,
        observed: &[Observation],
        now: SystemTime,
    ) -> Metric {
        let mut cells: Vec<(Attributes, HistogramCell)> = Vec::new();
        for (_, attributes, value) in observed {
            let attributes = match &self.spec.attribute_keys {
                Some(_) => Attributes::filtered(attributes, self.spec.filter()),
                None => attributes.clone(),
            };
            let index = match cells.iter().position(|(a, _)| *a == attributes) {
                Some(index) => index,
                None => {
                    cells.push((
                        attributes,
                        HistogramCell::new(bounds.clone(), self.spec.squared_deviation),
                    ));
                    cells.len() - 1
                }
            };
            cells[index].1.observe(value.as_f64());
        }
        cells.sort_by(|a, b| crate::stream::cmp_attributes(&a.0, &b.0));
        let points = cells
            .into_iter()
            .map(|(attributes, cell)| (attributes, now, CellValue::Histogram(cell.snapshot())));
        self.spec.metric(self.spec.data(points, now))
    }
}

fn add(a: Number, b: Number) -> Number {
    match (a, b) {
        (Number::U64(a), Number::U64(b)) => Number::U64(a.wrapping_add(b)),
        (Number::I64(a), Number::I64(b)) => Number::I64(a.wrapping_add(b)),
        (a, b) => Number::F64(a.as_f64() + b.as_f64()),
    }
}

/// The registered part of an observable instrument.
#[derive(Debug)]
pub(crate) struct ObservableCore {
    pub(crate) id: usize,
    pub(crate) streams: Box<[ObservableStream]>,
}

/// What a callback reports into: call [`observe`](Self::observe) once per series.
pub struct Observations<'a, T> {
    buffer: &'a RefCell<Vec<(Attributes, Number)>>,
    _value: PhantomData<fn(T)>,
}

impl<T> fmt::Debug for Observations<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Observations")
            .field("reported", &self.buffer.borrow().len())
            .finish()
    }
}

impl<'a, T: Numeric> Observations<'a, T> {
    pub(crate) fn new(buffer: &'a RefCell<Vec<(Attributes, Number)>>) -> Self {
        Observations {
            buffer,
            _value: PhantomData,
        }
    }

    /// Reports the current value of the series identified by `attributes`.
    pub fn observe(&self, value: T, attributes: &[KeyValue]) {
        self.buffer.borrow_mut().push((
            Attributes::new(attributes.iter().cloned()),
            value.into_number(),
        ));
    }
}

macro_rules! observable_handle {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        pub struct $name<T> {
            #[allow(dead_code)] // keeps the registration alive and identifies it in Debug output
            pub(crate) core: Arc<ObservableCore>,
            _value: PhantomData<fn(T)>,
        }

        impl<T> $name<T> {
            pub(crate) fn from_core(core: Arc<ObservableCore>) -> Self {
                $name { core, _value: PhantomData }
            }
        }

        impl<T> fmt::Debug for $name<T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name)).field("streams", &self.core.streams.len()).finish()
            }
        }
    };
}

observable_handle!(
    /// A monotonic sum reported by a callback (e.g. CPU seconds from `/proc/stat`).
    ///
    /// ```
    /// # use telemetry_core::{testing::TestProvider, KeyValue};
    /// let t = TestProvider::new();
    /// let _cpu = t.meter().f64_observable_counter("system.cpu.time").with_unit("s")
    ///     .with_callback(|o| {
    ///         o.observe(12.5, &[KeyValue::new("cpu", "cpu0"), KeyValue::new("state", "user")]);
    ///         o.observe(3.0, &[KeyValue::new("cpu", "cpu0"), KeyValue::new("state", "system")]);
    ///     })
    ///     .build().unwrap();
    /// t.snapshot().assert_sum("system.cpu.time", &[KeyValue::new("cpu", "cpu0"), KeyValue::new("state", "user")], 12.5);
    /// ```
    ObservableCounter
);
observable_handle!(
    /// A non-monotonic sum reported by a callback.
    ObservableUpDownCounter
);
observable_handle!(
    /// A value reported by a callback.
    ObservableGauge
);
observable_handle!(
    /// The current distribution of a set of values, reported by a callback: each
    /// [`observe`](Observations::observe) is one value (a queued job's age, a buffer's size),
    /// and each collection buckets the values afresh, so counts go down as well as up
    /// (OpenMetrics `gaugehistogram`).
    ///
    /// ```
    /// # use telemetry_core::testing::TestProvider;
    /// let t = TestProvider::new();
    /// let _ages = t.meter().f64_observable_gauge_histogram("queue.job.age").with_unit("s")
    ///     .with_buckets(vec![1.0, 10.0])
    ///     .with_callback(|o| for age in [0.5, 2.0, 30.0] { o.observe(age, &[]) })
    ///     .build().unwrap();
    /// t.snapshot().assert_histogram("queue.job.age", &[], &[1, 1, 1], 32.5);
    /// ```
    ObservableGaugeHistogram
);
