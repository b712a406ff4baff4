//! Structs whose fields are metrics: the runtime side of `#[derive(MetricCollector)]`.
//!
//! Registration declares one observable instrument per value field and binds instrument
//! fields; then a *single* callback per struct reads every field under one read lock, so one
//! collection sees one consistent snapshot of the struct.

use std::fmt;
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, TryLockError, Weak};
use std::time::Duration;

use crate::attributes::{Attributes, KeyValue, Value};
use crate::enum_label::EnumLabel;
use crate::error::Error;
use crate::instrument::builder::Descriptor;
use crate::instrument::observable::{CollectContext, ObservableCore};
use crate::instrument::{
    BoundCounter, BoundGauge, BoundHistogram, BoundSummary, BoundUpDownCounter, CounterValue,
    GaugeValue, HistogramValue, InstrumentKind, UpDownCounterValue,
};
use crate::number::{Number, NumberKind};
use crate::provider::Meter;

/// A struct whose fields are metrics. Derive it with `#[derive(MetricCollector)]` (feature
/// `derive`); implementing it by hand is possible but the derive keeps the four methods in
/// step.
pub trait MetricCollector: Send + Sync + 'static {
    /// Declares every value field, in field order (flattened children in place).
    fn describe(describer: &mut Describer<'_>);
    /// Pushes this struct's attribute fields (not its children's).
    fn attributes(&self, out: &mut Vec<KeyValue>);
    /// Reports every value field, in exactly the order `describe` declared them.
    fn observe(&self, observer: &mut Observer<'_>);
    /// Binds instrument fields ([`BoundCounter`], …) to registered instruments.
    fn bind(&mut self, binder: &mut Binder<'_>) -> Result<(), Error>;
}

/// How a value field is exported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueKind {
    /// The current value (default).
    Gauge,
    /// A monotonic total, exported as a counter.
    Counter,
    /// A total that may go down.
    UpDownCounter,
    /// One state out of an [`EnumLabel`] enum's variants (declared with
    /// [`Describer::state_set`]).
    StateSet,
    /// The struct's attributes as an info metric of value 1 (declared with
    /// [`Describer::info`]).
    Info,
}

/// A value field's metric definition, as the derive declares it.
#[derive(Clone, Copy, Debug)]
pub struct ValueField {
    /// Full metric name (prefix included).
    pub name: &'static str,
    /// How it is exported.
    pub kind: ValueKind,
    /// Unit (UCUM), possibly empty.
    pub unit: &'static str,
    /// Description (the field's doc comment by default).
    pub description: &'static str,
}

/// An instrument field's definition.
#[derive(Clone, Copy, Debug)]
pub struct InstrumentField {
    /// Full metric name.
    pub name: &'static str,
    /// Unit (UCUM), possibly empty.
    pub unit: &'static str,
    /// Description.
    pub description: &'static str,
    /// Histogram buckets, if declared.
    pub buckets: Option<&'static [f64]>,
}

/// A field type whose value can be observed: integers, floats, `bool` (1/0), `Duration`
/// (seconds) and `Option` of those (`None`: no observation this time, not zero).
pub trait ObservedValue {
    /// The number type the metric carries.
    const KIND: NumberKind;
    /// The current value, if any.
    fn observed(&self) -> Option<Number>;
}

macro_rules! observed {
    ($variant:ident as $wide:ty: $($t:ty),*) => {$(
        impl ObservedValue for $t {
            const KIND: NumberKind = NumberKind::$variant;
            #[inline]
            fn observed(&self) -> Option<Number> {
                Some(Number::$variant(*self as $wide))
            }
        }
    )*};
}
observed!(U64 as u64: u8, u16, u32, u64, usize);
observed!(I64 as i64: i8, i16, i32, i64, isize);
observed!(F64 as f64: f32, f64);

impl ObservedValue for bool {
    const KIND: NumberKind = NumberKind::I64;
    fn observed(&self) -> Option<Number> {
        Some(Number::I64(i64::from(*self)))
    }
}

impl ObservedValue for Duration {
    const KIND: NumberKind = NumberKind::F64;
    fn observed(&self) -> Option<Number> {
        Some(Number::F64(self.as_secs_f64()))
    }
}

impl<T: ObservedValue> ObservedValue for Option<T> {
    const KIND: NumberKind = T::KIND;
    fn observed(&self) -> Option<Number> {
        self.as_ref().and_then(ObservedValue::observed)
    }
}

/// A field type usable as a state set: an [`EnumLabel`] enum, or `Option` of one (`None`:
/// no observation this time).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a state set: it is not an `EnumLabel` enum, nor an `Option` of one",
    label = "not an `EnumLabel` enum",
    note = "a `#[metric(state_set)]` field's type is an enum without fields that derives `EnumLabel` (`#[derive(Clone, Copy, EnumLabel)]`), or an `Option` of one"
)]
pub trait ObservedState {
    /// The enum whose variants are the states.
    type Enum: EnumLabel;
    /// The index of the current state, if any.
    fn current(&self) -> Option<usize>;
}

impl<E: EnumLabel> ObservedState for E {
    type Enum = E;
    fn current(&self) -> Option<usize> {
        Some(self.index())
    }
}

impl<E: EnumLabel> ObservedState for Option<E> {
    type Enum = E;
    fn current(&self) -> Option<usize> {
        self.map(EnumLabel::index)
    }
}

/// A field type usable as an attribute: strings and integers.
pub trait AttributeValue {
    /// The attribute value.
    fn attribute_value(&self) -> Value;
}

impl AttributeValue for String {
    fn attribute_value(&self) -> Value {
        Value::from(self.clone())
    }
}
impl AttributeValue for &'static str {
    fn attribute_value(&self) -> Value {
        Value::from(*self)
    }
}
impl AttributeValue for std::borrow::Cow<'static, str> {
    fn attribute_value(&self) -> Value {
        Value::Str(self.clone())
    }
}
impl AttributeValue for bool {
    fn attribute_value(&self) -> Value {
        Value::Bool(*self)
    }
}
macro_rules! attribute_int {
    ($($t:ty),*) => {$(
        impl AttributeValue for $t {
            fn attribute_value(&self) -> Value {
                Value::from(*self)
            }
        }
    )*};
}
attribute_int!(u8, u16, u32, u64, usize, i8, i16, i32, i64, isize);

/// Collects the value fields' definitions at registration.
#[derive(Debug, Default)]
pub struct Describer<'a> {
    fields: Vec<(ValueField, NumberKind, Option<&'static [&'static str]>)>,
    _scope: std::marker::PhantomData<&'a ()>,
}

impl Describer<'_> {
    /// Declares the next value field.
    pub fn value<V: ObservedValue + ?Sized>(&mut self, field: ValueField) {
        self.fields.push((field, V::KIND, None));
    }

    /// Declares the next field as a state set over `V`'s enum (its `kind` is taken as
    /// [`ValueKind::StateSet`]).
    pub fn state_set<V: ObservedState + ?Sized>(&mut self, field: ValueField) {
        let field = ValueField {
            kind: ValueKind::StateSet,
            ..field
        };
        self.fields
            .push((field, NumberKind::U64, Some(<V::Enum as EnumLabel>::VALUES)));
    }

    /// Declares an info metric named `field.name` whose labels are the collector's
    /// attributes (its `kind` is taken as [`ValueKind::Info`]).
    pub fn info(&mut self, field: ValueField) {
        let field = ValueField {
            kind: ValueKind::Info,
            ..field
        };
        self.fields.push((field, NumberKind::U64, None));
    }

    /// Declares a nested collector's fields in place.
    pub fn flatten<C: MetricCollector>(&mut self) {
        C::describe(self);
    }
}

/// Receives the value fields at collection.
pub struct Observer<'a> {
    ctx: &'a mut CollectContext,
    instruments: &'a [Arc<ObservableCore>],
    next: usize,
    stack: Vec<KeyValue>,
    current: Attributes,
}

impl fmt::Debug for Observer<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Observer")
            .field("next", &self.next)
            .field("attributes", &self.current)
            .finish()
    }
}

impl Observer<'_> {
    /// Reports the next declared value field.
    pub fn value<V: ObservedValue + ?Sized>(&mut self, value: &V) {
        self.push(value.observed());
    }

    /// Reports the next declared state-set field.
    pub fn state<V: ObservedState + ?Sized>(&mut self, value: &V) {
        self.push(value.current().map(|i| Number::U64(i as u64)));
    }

    /// Reports the next declared info field (always present: value 1).
    pub fn info(&mut self) {
        self.push(Some(Number::U64(1)));
    }

    fn push(&mut self, number: Option<Number>) {
        let index = self.next;
        self.next += 1;
        if let (Some(number), Some(instrument)) = (number, self.instruments.get(index)) {
            self.ctx.push(instrument.id, self.current.clone(), number);
        }
    }

    /// Reports a nested collector, with its attributes added to the parent's.
    pub fn flatten<C: MetricCollector>(&mut self, child: &C) {
        let depth = self.stack.len();
        child.attributes(&mut self.stack);
        let parent = std::mem::replace(
            &mut self.current,
            Attributes::new(self.stack.iter().cloned()),
        );
        child.observe(self);
        self.stack.truncate(depth);
        self.current = parent;
    }
}

/// Binds instrument fields at registration.
#[derive(Debug)]
pub struct Binder<'a> {
    meter: &'a Meter,
    stack: Vec<KeyValue>,
}

impl Binder<'_> {
    /// Registers the instrument `spec` describes and binds `field` to the collector's
    /// attributes.
    pub fn instrument<I: BindInstrument>(
        &mut self,
        field: &mut I,
        spec: InstrumentField,
    ) -> Result<(), Error> {
        field.bind_to(self.meter, &spec, &self.stack)
    }

    /// Binds a nested collector's instrument fields, with its attributes added.
    pub fn flatten<C: MetricCollector>(&mut self, child: &mut C) -> Result<(), Error> {
        let depth = self.stack.len();
        child.attributes(&mut self.stack);
        let result = child.bind(self);
        self.stack.truncate(depth);
        result
    }
}

/// An instrument field type: one of the bound handles.
pub trait BindInstrument {
    /// Replaces `self` with a handle bound to the registered instrument, keeping what it
    /// recorded while detached.
    fn bind_to(
        &mut self,
        meter: &Meter,
        spec: &InstrumentField,
        attributes: &[KeyValue],
    ) -> Result<(), Error>;
}

fn describe<'m, I>(
    builder: crate::instrument::InstrumentBuilder<'m, I>,
    spec: &InstrumentField,
) -> crate::instrument::InstrumentBuilder<'m, I> {
    builder
        .with_description(spec.description)
        .with_unit(spec.unit)
}

macro_rules! bind_instrument {
    ($bound:ident<$value:ident>, $method:ident $(, $buckets:ident)?) => {
        impl<T: $value> BindInstrument for $bound<T> {
            fn bind_to(&mut self, meter: &Meter, spec: &InstrumentField, attributes: &[KeyValue]) -> Result<(), Error> {
                #[allow(unused_mut)]
                let mut builder = describe(meter.$method::<T>(spec.name), spec);
                $(if let Some($buckets) = spec.buckets {
                    builder = builder.with_buckets($buckets.to_vec());
                })?
                let bound = builder.build()?.bind(attributes);
                bound.cells.absorb(&self.cells, spec.name)?;
                *self = bound;
                Ok(())
            }
        }
    };
}
bind_instrument!(BoundCounter<CounterValue>, counter);
bind_instrument!(BoundUpDownCounter<UpDownCounterValue>, up_down_counter);
bind_instrument!(BoundGauge<GaugeValue>, gauge);
bind_instrument!(BoundHistogram<HistogramValue>, histogram, buckets);
bind_instrument!(BoundSummary<HistogramValue>, summary);

/// A registered collector: update the struct through it; dropping it unregisters the
/// struct (its series disappear from later collections).
///
#[cfg_attr(
    feature = "derive",
    doc = r#"
```
# use telemetry_core::testing::TestProvider;
# use telemetry_core::{MetricCollector, KeyValue};
#[derive(MetricCollector, Default)]
#[metric(prefix = "queue")]
struct Queue {
    /// Items waiting.
    #[metric]
    depth: u64,
    #[metric(attribute)]
    name: String,
}
let t = TestProvider::new();
let queue = t.meter().register(Queue { depth: 0, name: "jobs".into() }).unwrap();
queue.update(|q| q.depth = 7);
t.snapshot().assert_gauge("queue_depth", &[KeyValue::new("name", "jobs")], 7u64);
```
"#
)]
pub struct Registered<C> {
    shared: Arc<RwLock<C>>,
    meter: Meter,
}

impl<C> fmt::Debug for Registered<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registered")
            .field("type", &std::any::type_name::<C>())
            .finish()
    }
}

impl<C: MetricCollector> Registered<C> {
    /// Mutates the struct in place; a collection never sees a half-applied update.
    pub fn update<R>(&self, f: impl FnOnce(&mut C) -> R) -> R {
        f(&mut self.shared.write().unwrap_or_else(|e| e.into_inner()))
    }

    /// Replaces the whole struct; its instrument fields are bound like the first one's.
    pub fn replace(&self, mut collector: C) -> Result<(), Error> {
        bind(&mut collector, &self.meter)?;
        *self.shared.write().unwrap_or_else(|e| e.into_inner()) = collector;
        Ok(())
    }

    /// Reads the struct (instrument fields can be cloned out of it and used lock-free).
    pub fn read(&self) -> RwLockReadGuard<'_, C> {
        self.shared.read().unwrap_or_else(|e| e.into_inner())
    }
}

fn bind<C: MetricCollector>(collector: &mut C, meter: &Meter) -> Result<(), Error> {
    let mut binder = Binder {
        meter,
        stack: Vec::new(),
    };
    collector.attributes(&mut binder.stack);
    collector.bind(&mut binder)
}

fn observable_kind(kind: ValueKind) -> InstrumentKind {
    match kind {
        ValueKind::Gauge => InstrumentKind::ObservableGauge,
        ValueKind::Counter => InstrumentKind::ObservableCounter,
        ValueKind::UpDownCounter => InstrumentKind::ObservableUpDownCounter,
        ValueKind::StateSet => InstrumentKind::ObservableStateSet,
        ValueKind::Info => InstrumentKind::ObservableInfo,
    }
}

/// What reading a registered struct at a collection gave.
enum Read {
    Observed,
    /// Locked for writing, and the read did not wait.
    Locked,
    /// Dropped: its callback is removed.
    Gone,
}

impl Meter {
    /// Registers a [`MetricCollector`]: its value fields become observable instruments
    /// read by one callback, its instrument fields are bound to its attributes.
    ///
    /// The callback reads the struct on the collecting thread when its lock is free, and
    /// on the callback worker, under the provider's callback timeout, while
    /// [`Registered::update`] holds it: a writer that keeps the lock delays no scrape
    /// beyond that timeout. `observe` must therefore not block on anything else; the
    /// derive's does not (it reads fields). A hand-written collector that needs to wait
    /// belongs in an observable instrument's callback instead.
    pub fn register<C: MetricCollector>(&self, mut collector: C) -> Result<Registered<C>, Error> {
        let mut describer = Describer::default();
        C::describe(&mut describer);
        let instruments = describer
            .fields
            .iter()
            .map(|(field, number, states)| {
                let mut d =
                    Descriptor::new(field.name.to_owned(), observable_kind(field.kind), *number);
                d.description = field.description.to_owned();
                d.unit = field.unit.to_owned();
                d.states = states.map(|s| s.iter().map(|s| (*s).to_owned()).collect());
                self.observable_instrument(d)
            })
            .collect::<Result<Vec<_>, _>>()?;
        bind(&mut collector, self)?;
        let shared = Arc::new(RwLock::new(collector));
        // Reads the struct and reports its fields; without `wait`, not while it is locked
        // for writing.
        let weak: Weak<RwLock<C>> = Arc::downgrade(&shared);
        let read = Arc::new(move |ctx: &mut CollectContext, wait: bool| {
            let Some(shared) = weak.upgrade() else {
                return Read::Gone;
            };
            let collector = if wait {
                shared.read().unwrap_or_else(PoisonError::into_inner)
            } else {
                match shared.try_read() {
                    Ok(collector) => collector,
                    Err(TryLockError::Poisoned(e)) => e.into_inner(),
                    Err(TryLockError::WouldBlock) => return Read::Locked,
                }
            };
            // Usually one value per field: room for all of them at once.
            ctx.reserve(instruments.len());
            let mut stack = Vec::new();
            collector.attributes(&mut stack);
            let mut observer = Observer {
                ctx,
                instruments: &instruments,
                next: 0,
                current: Attributes::new(stack.iter().cloned()),
                stack,
            };
            collector.observe(&mut observer);
            Read::Observed
        });
        // Two forms of one callback (`provider/callbacks.rs`): the first runs on the
        // collecting thread when the struct is not locked for writing, the second on the
        // callback worker, with its deadline, when it is.
        let read_inline = read.clone();
        let try_inline = Box::new(
            move |ctx: &mut CollectContext| match read_inline(ctx, false) {
                Read::Observed => Some(true),
                Read::Locked => None,
                Read::Gone => Some(false),
            },
        );
        let isolated =
            Box::new(move |ctx: &mut CollectContext| !matches!(read(ctx, true), Read::Gone));
        self.add_callback_with_inline(isolated, try_inline);
        Ok(Registered {
            shared,
            meter: self.clone(),
        })
    }
}
