//! Instrument families: one instrument whose series are named by an [`AttributeSet`].
//!
//! A family ([`CounterFamily`], [`UpDownCounterFamily`], [`GaugeFamily`],
//! [`HistogramFamily`], [`SummaryFamily`]) is made from an instrument with `family::<S>()`
//! and keeps one bound handle per attribute set it has seen, so recording is the bound
//! handle's atomic operation plus a lookup that depends on the set:
//!
//! - A *fixed* set (every field an [`EnumLabel`](crate::EnumLabel) enum or a `bool`, at
//!   most [`MAX_FIXED_SLOTS`] sets) has a table with one slot per set, indexed by
//!   [`AttributeSet::index`]: the lookup is one atomic load. No hashing, no lock.
//! - Any other set is looked up in a lock-free map, hashing the set's fields in place. Each
//!   thread keeps the entries it used last in a small table in front of the map, so a
//!   repeated set costs one hash and one comparison: no atomic read-modify-write
//!   (`family/keyed.rs`).
//!
//! Either way, only the first use of a set allocates (its key/value pairs and its series);
//! recording to an existing series allocates nothing (`tests/attribute_set.rs` counts).
//!
//! ```
//! use telemetry_core::testing::TestProvider;
//! use telemetry_core::{AttributeField, AttributeSet, EnumLabel, KeyValue};
//!
//! #[derive(Clone, Copy, PartialEq, Eq, Hash)]
//! enum Method { Get, Post }
//!
//! impl EnumLabel for Method {
//!     const VALUES: &'static [&'static str] = &["GET", "POST"];
//!     fn index(self) -> usize {
//!         self as usize
//!     }
//! }
//!
//! // What `#[derive(AttributeSet)]` writes for `struct Http { method: Method, secure: bool }`.
//! #[derive(Clone, PartialEq, Eq, Hash)]
//! struct Http { method: Method, secure: bool }
//!
//! impl AttributeSet for Http {
//!     const CARDINALITY: Option<usize> = Some(4);
//!     fn index(&self) -> usize {
//!         AttributeField::index(&self.method) * 2 + self.secure.index()
//!     }
//!     fn attributes(&self) -> Vec<KeyValue> {
//!         vec![KeyValue::new("method", self.method.value()), KeyValue::new("secure", self.secure)]
//!     }
//! }
//!
//! let t = TestProvider::new();
//! let requests = t.meter().u64_counter("requests").build()?.family::<Http>();
//! requests.add(&Http { method: Method::Post, secure: true }, 1);
//! t.snapshot().assert_sum(
//!     "requests",
//!     &[KeyValue::new("method", "POST"), KeyValue::new("secure", true)],
//!     1u64,
//! );
//! # Ok::<(), telemetry_core::Error>(())
//! ```
//!
//! The stream's limits still apply: a set bound beyond its cardinality limit records into
//! the overflow series (`otel.metric.overflow=true`). A family caches the handles of at most
//! that many sets; a set beyond them is recorded through the instrument's `&[KeyValue]`
//! path (which allocates while the stream is full). A family's series are bound, so idle
//! expiry never removes them; removing one through the instrument
//! ([`Counter::remove`](crate::Counter::remove)) while a family still records to it loses
//! those later values.

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, OnceLock};

mod keyed;

use keyed::Keyed;

use crate::aggregation::{Resolved, DEFAULT_BUCKETS};
use crate::attribute_set::AttributeSet;
use crate::attributes::KeyValue;
use crate::collector::{BindInstrument, InstrumentField};
use crate::error::Error;
use crate::instrument::{
    BoundCounter, BoundGauge, BoundHistogram, BoundSummary, BoundUpDownCounter, Counter,
    CounterValue, Gauge, GaugeValue, Histogram, HistogramValue, InstrumentBuilder, InstrumentCore,
    Summary, UpDownCounter, UpDownCounterValue,
};
use crate::number::Numeric;
use crate::provider::Meter;
use crate::stream::{Stream, StreamSpec, DEFAULT_CARDINALITY_LIMIT};

/// The largest [`AttributeSet::CARDINALITY`] a family gives a slot table (one slot per
/// possible set, a few dozen bytes each); larger fixed sets are looked up by hash.
pub const MAX_FIXED_SLOTS: usize = 4096;

/// Where a family keeps its handles.
// One per family, inside its `Arc`: boxing the larger variant would only add a pointer
// chase to every keyed record.
#[allow(clippy::large_enum_variant)]
enum Slots<S: Send + Sync, H: Send + Sync> {
    /// One slot per possible set, indexed by [`AttributeSet::index`]; the set is kept to
    /// carry values over when a detached family is bound.
    Fixed(Box<[OnceLock<(S, H)>]>),
    /// Sets seen so far, with a table of the last ones used per thread.
    Keyed(Keyed<S, H>),
}

/// The part shared by the five families: the handles, and the attributes every set gets in
/// front of its own (a derived collector's attributes).
struct Family<S: Send + Sync, H: Send + Sync> {
    prefix: Box<[KeyValue]>,
    slots: Slots<S, H>,
    /// Sets in the keyed map, and how many it may hold (the streams' cardinality limit).
    cached: AtomicUsize,
    limit: usize,
}

impl<S: AttributeSet, H: Clone + Send + Sync> Family<S, H> {
    fn new(core: &InstrumentCore, prefix: Box<[KeyValue]>) -> Self {
        let slots = match S::CARDINALITY {
            Some(n) if n <= MAX_FIXED_SLOTS => {
                Slots::Fixed((0..n).map(|_| OnceLock::new()).collect())
            }
            _ => Slots::Keyed(Keyed::new()),
        };
        let limit = core
            .streams
            .iter()
            .map(|s| s.spec.cardinality_limit)
            .max()
            .unwrap_or(DEFAULT_CARDINALITY_LIMIT);
        Family {
            prefix,
            slots,
            cached: AtomicUsize::new(0),
            limit,
        }
    }

    /// The prefix followed by the set's own attributes.
    fn attributes(&self, set: &S) -> Vec<KeyValue> {
        if self.prefix.is_empty() {
            return set.attributes();
        }
        let mut attributes = self.prefix.to_vec();
        attributes.extend(set.attributes());
        attributes
    }

    /// Runs `record` on the handle of `set`, binding it with `bind` on first use, or
    /// `unbound` with the set's attributes if the family cannot keep a handle for it.
    #[inline]
    fn with<R>(
        &self,
        set: &S,
        bind: impl FnOnce(&[KeyValue]) -> H,
        record: impl FnOnce(&H) -> R,
        unbound: impl FnOnce(&[KeyValue]) -> R,
    ) -> R {
        match &self.slots {
            Slots::Fixed(slots) => match slots.get(set.index()) {
                Some(slot) => {
                    let (_, handle) =
                        slot.get_or_init(|| (set.clone(), bind(&self.attributes(set))));
                    record(handle)
                }
                // A hand-written `index` out of its own range.
                None => unbound(&self.attributes(set)),
            },
            Slots::Keyed(keyed) => {
                let hash = keyed.hash(set);
                match keyed.cached(hash, set, record) {
                    Ok(done) => done,
                    Err(record) => self.look_up(keyed, hash, set, bind, record, unbound),
                }
            }
        }
    }

    /// The shared map's path, when this thread's table does not have `set`.
    #[cold]
    fn look_up<R>(
        &self,
        keyed: &Keyed<S, H>,
        hash: u64,
        set: &S,
        bind: impl FnOnce(&[KeyValue]) -> H,
        record: impl FnOnce(&H) -> R,
        unbound: impl FnOnce(&[KeyValue]) -> R,
    ) -> R {
        if let Some(entry) = keyed.get(hash, set) {
            return record(&entry.handle);
        }
        let attributes = self.attributes(set);
        if self.cached.load(Relaxed) >= self.limit {
            return unbound(&attributes);
        }
        let (entry, new) = keyed.insert(hash, set.clone(), bind(&attributes));
        if new {
            self.cached.fetch_add(1, Relaxed);
        }
        record(&entry.handle)
    }

    /// Every set seen so far with its handle.
    fn entries(&self) -> Vec<(S, H)> {
        match &self.slots {
            Slots::Fixed(slots) => slots.iter().filter_map(|s| s.get().cloned()).collect(),
            Slots::Keyed(keyed) => keyed.entries(),
        }
    }

    fn len(&self) -> usize {
        match &self.slots {
            Slots::Fixed(slots) => slots.iter().filter(|s| s.get().is_some()).count(),
            Slots::Keyed(keyed) => keyed.len(),
        }
    }
}

/// A private stream for a family created with `Default` (a field of a derived collector
/// before registration): registration carries what it recorded into the real one.
fn detached_core(aggregation: Resolved, number: crate::number::NumberKind) -> Arc<InstrumentCore> {
    let spec = StreamSpec::detached(aggregation, number, DEFAULT_CARDINALITY_LIMIT);
    Arc::new(InstrumentCore {
        streams: Box::new([Arc::new(Stream::new(spec))]),
    })
}

fn describe<'m, I>(
    builder: InstrumentBuilder<'m, I>,
    spec: &InstrumentField,
) -> InstrumentBuilder<'m, I> {
    builder
        .with_description(spec.description)
        .with_unit(spec.unit)
}

macro_rules! family {
    (
        $(#[$doc:meta])*
        $name:ident: $instrument:ident<$value:ident> => $bound:ident, $method:ident,
        meter.$meter:ident, detached: $detached:expr $(, buckets: $buckets:ident)?
    ) => {
        $(#[$doc])*
        pub struct $name<S: Send + Sync, T> {
            instrument: $instrument<T>,
            family: Arc<Family<S, $bound<T>>>,
        }

        impl<S: Send + Sync, T> Clone for $name<S, T> {
            fn clone(&self) -> Self {
                $name { instrument: self.instrument.clone(), family: self.family.clone() }
            }
        }

        impl<S: Send + Sync, T> fmt::Debug for $name<S, T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("set", &std::any::type_name::<S>())
                    .field("instrument", &self.instrument)
                    .finish_non_exhaustive()
            }
        }

        impl<T: $value> $instrument<T> {
            #[doc = concat!("A [`", stringify!($name), "`] over this instrument: its series are named by the")]
            /// attribute set `S` (see the [`family`](crate::family) module).
            #[must_use]
            pub fn family<S: AttributeSet>(&self) -> $name<S, T> {
                $name::new(self.clone(), Box::new([]))
            }
        }

        impl<S: AttributeSet, T: $value> $name<S, T> {
            fn new(instrument: $instrument<T>, prefix: Box<[KeyValue]>) -> Self {
                let family = Arc::new(Family::new(&instrument.core, prefix));
                $name { instrument, family }
            }

            #[doc = concat!("The [`", stringify!($instrument), "`] it records to.")]
            #[must_use]
            pub fn instrument(&self) -> &$instrument<T> {
                &self.instrument
            }

            #[doc = concat!("The [`", stringify!($bound), "`] of `set`: recording through it skips even the")]
            /// family's lookup.
            #[must_use]
            pub fn bind(&self, set: &S) -> $bound<T> {
                self.family.with(
                    set,
                    |attributes| self.instrument.bind(attributes),
                    $bound::clone,
                    |attributes| self.instrument.bind(attributes),
                )
            }

            /// How many distinct sets the family holds a handle for.
            #[must_use]
            pub fn len(&self) -> usize {
                self.family.len()
            }

            /// True before the first set is recorded.
            #[must_use]
            pub fn is_empty(&self) -> bool {
                self.len() == 0
            }
        }

        impl<S: AttributeSet, T: $value> Default for $name<S, T> {
            /// A detached family: it records into a private instrument until it is bound (as
            /// a field of a `#[derive(MetricCollector)]` struct, at registration).
            fn default() -> Self {
                let core = detached_core($detached, <T as Numeric>::KIND);
                $name::new($instrument::from_core(core), Box::new([]))
            }
        }

        impl<S: AttributeSet, T: $value> BindInstrument for $name<S, T> {
            fn bind_to(
                &mut self,
                meter: &Meter,
                spec: &InstrumentField,
                attributes: &[KeyValue],
            ) -> Result<(), Error> {
                #[allow(unused_mut)]
                let mut builder = describe(meter.$meter::<T>(spec.name), spec);
                $(if let Some($buckets) = spec.buckets {
                    builder = builder.with_buckets($buckets.to_vec());
                })?
                let fresh = $name::new(builder.build()?, attributes.into());
                for (set, old) in self.family.entries() {
                    let bound = fresh.instrument.bind(&fresh.family.attributes(&set));
                    bound.cells.absorb(&old.cells, spec.name)?;
                }
                *self = fresh;
                Ok(())
            }
        }
    };
}

family!(
    /// A [`Counter`] whose series are named by the attribute set `S`: see the
    /// [`family`](crate::family) module.
    ///
    /// ```
    /// # use telemetry_core::testing::TestProvider;
    /// # use telemetry_core::{AttributeField, AttributeSet, KeyValue};
    /// #[derive(Clone, PartialEq, Eq, Hash)]
    /// struct Route { path: String }
    /// # impl AttributeSet for Route {
    /// #     const CARDINALITY: Option<usize> = None;
    /// #     fn index(&self) -> usize { 0 }
    /// #     fn attributes(&self) -> Vec<KeyValue> { vec![KeyValue::new("path", self.path.value())] }
    /// # }
    /// let t = TestProvider::new();
    /// let hits = t.meter().u64_counter("hits").build()?.family::<Route>();
    /// let home = Route { path: "/".to_owned() };
    /// hits.add(&home, 2);
    /// hits.add(&home, 1);
    /// t.snapshot().assert_sum("hits", &[KeyValue::new("path", "/")], 3u64);
    /// # Ok::<(), telemetry_core::Error>(())
    /// ```
    CounterFamily: Counter<CounterValue> => BoundCounter, add,
    meter.counter, detached: Resolved::Sum { monotonic: true }
);

impl<S: AttributeSet, T: CounterValue> CounterFamily<S, T> {
    /// Adds `value` to the series of `set`; a negative or NaN `f64` is ignored.
    #[inline]
    pub fn add(&self, set: &S, value: T) {
        self.family.with(
            set,
            |attributes| self.instrument.bind(attributes),
            |handle| handle.add(value),
            |attributes| self.instrument.add(value, attributes),
        );
    }
}

family!(
    /// An [`UpDownCounter`] whose series are named by the attribute set `S`: see the
    /// [`family`](crate::family) module.
    ///
    /// ```
    /// # use telemetry_core::testing::TestProvider;
    /// # use telemetry_core::{AttributeField, AttributeSet, KeyValue};
    /// #[derive(Clone, PartialEq, Eq, Hash)]
    /// struct Pool { name: &'static str }
    /// # impl AttributeSet for Pool {
    /// #     const CARDINALITY: Option<usize> = None;
    /// #     fn index(&self) -> usize { 0 }
    /// #     fn attributes(&self) -> Vec<KeyValue> { vec![KeyValue::new("name", self.name)] }
    /// # }
    /// let t = TestProvider::new();
    /// let open = t.meter().i64_up_down_counter("connections").build()?.family::<Pool>();
    /// open.add(&Pool { name: "db" }, 3);
    /// open.add(&Pool { name: "db" }, -1);
    /// t.snapshot().assert_sum("connections", &[KeyValue::new("name", "db")], 2i64);
    /// # Ok::<(), telemetry_core::Error>(())
    /// ```
    UpDownCounterFamily: UpDownCounter<UpDownCounterValue> => BoundUpDownCounter, add,
    meter.up_down_counter, detached: Resolved::Sum { monotonic: false }
);

impl<S: AttributeSet, T: UpDownCounterValue> UpDownCounterFamily<S, T> {
    /// Adds `value`, possibly negative, to the series of `set`.
    #[inline]
    pub fn add(&self, set: &S, value: T) {
        self.family.with(
            set,
            |attributes| self.instrument.bind(attributes),
            |handle| handle.add(value),
            |attributes| self.instrument.add(value, attributes),
        );
    }
}

family!(
    /// A [`Gauge`] whose series are named by the attribute set `S`: see the
    /// [`family`](crate::family) module.
    ///
    /// ```
    /// # use telemetry_core::testing::TestProvider;
    /// # use telemetry_core::{AttributeSet, KeyValue};
    /// #[derive(Clone, PartialEq, Eq, Hash)]
    /// struct Disk { mounted: bool }
    /// # impl AttributeSet for Disk {
    /// #     const CARDINALITY: Option<usize> = Some(2);
    /// #     fn index(&self) -> usize { usize::from(self.mounted) }
    /// #     fn attributes(&self) -> Vec<KeyValue> { vec![KeyValue::new("mounted", self.mounted)] }
    /// # }
    /// let t = TestProvider::new();
    /// let free = t.meter().u64_gauge("disk_free").build()?.family::<Disk>();
    /// free.record(&Disk { mounted: true }, 512);
    /// t.snapshot().assert_gauge("disk_free", &[KeyValue::new("mounted", true)], 512u64);
    /// # Ok::<(), telemetry_core::Error>(())
    /// ```
    GaugeFamily: Gauge<GaugeValue> => BoundGauge, record,
    meter.gauge, detached: Resolved::LastValue
);

impl<S: AttributeSet, T: GaugeValue> GaugeFamily<S, T> {
    /// Sets the series of `set` to `value`.
    #[inline]
    pub fn record(&self, set: &S, value: T) {
        self.family.with(
            set,
            |attributes| self.instrument.bind(attributes),
            |handle| handle.record(value),
            |attributes| self.instrument.record(value, attributes),
        );
    }
}

family!(
    /// A [`Histogram`] whose series are named by the attribute set `S`: see the
    /// [`family`](crate::family) module.
    ///
    /// ```
    /// # use telemetry_core::testing::TestProvider;
    /// # use telemetry_core::{AttributeSet, KeyValue};
    /// #[derive(Clone, PartialEq, Eq, Hash)]
    /// struct Cached { hit: bool }
    /// # impl AttributeSet for Cached {
    /// #     const CARDINALITY: Option<usize> = Some(2);
    /// #     fn index(&self) -> usize { usize::from(self.hit) }
    /// #     fn attributes(&self) -> Vec<KeyValue> { vec![KeyValue::new("hit", self.hit)] }
    /// # }
    /// let t = TestProvider::new();
    /// let latency = t.meter().f64_histogram("latency").with_buckets(vec![0.1, 1.0]).build()?;
    /// let latency = latency.family::<Cached>();
    /// latency.record(&Cached { hit: false }, 0.5);
    /// t.snapshot().assert_histogram("latency", &[KeyValue::new("hit", false)], &[0, 1, 0], 0.5);
    /// # Ok::<(), telemetry_core::Error>(())
    /// ```
    HistogramFamily: Histogram<HistogramValue> => BoundHistogram, record,
    meter.histogram, detached: Resolved::Histogram { bounds: Arc::from(DEFAULT_BUCKETS) },
    buckets: buckets
);

impl<S: AttributeSet, T: HistogramValue> HistogramFamily<S, T> {
    /// Records one observation in the series of `set`.
    #[inline]
    pub fn record(&self, set: &S, value: T) {
        self.family.with(
            set,
            |attributes| self.instrument.bind(attributes),
            |handle| handle.record(value),
            |attributes| self.instrument.record(value, attributes),
        );
    }
}

family!(
    /// A [`Summary`] whose series are named by the attribute set `S`: see the
    /// [`family`](crate::family) module.
    ///
    /// ```
    /// # use telemetry_core::testing::TestProvider;
    /// # use telemetry_core::{AttributeSet, KeyValue};
    /// #[derive(Clone, PartialEq, Eq, Hash)]
    /// struct Upload { chunked: bool }
    /// # impl AttributeSet for Upload {
    /// #     const CARDINALITY: Option<usize> = Some(2);
    /// #     fn index(&self) -> usize { usize::from(self.chunked) }
    /// #     fn attributes(&self) -> Vec<KeyValue> { vec![KeyValue::new("chunked", self.chunked)] }
    /// # }
    /// let t = TestProvider::new();
    /// let sizes = t.meter().u64_summary("upload_size").build()?.family::<Upload>();
    /// sizes.record(&Upload { chunked: true }, 300);
    /// t.snapshot().assert_summary("upload_size", &[KeyValue::new("chunked", true)], 1, 300.0);
    /// # Ok::<(), telemetry_core::Error>(())
    /// ```
    SummaryFamily: Summary<HistogramValue> => BoundSummary, record,
    meter.summary, detached: Resolved::Summary
);

impl<S: AttributeSet, T: HistogramValue> SummaryFamily<S, T> {
    /// Records one observation in the series of `set`.
    #[inline]
    pub fn record(&self, set: &S, value: T) {
        self.family.with(
            set,
            |attributes| self.instrument.bind(attributes),
            |handle| handle.record(value),
            |attributes| self.instrument.record(value, attributes),
        );
    }
}
