//! Builders returned by [`Meter`](crate::Meter): name, description, unit, then `build()`.

use std::cell::RefCell;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use super::observable::{CollectContext, ObservableCore, Observations};
use super::{
    Counter, CounterValue, Gauge, GaugeValue, Histogram, HistogramValue, Info, InstrumentKind,
    Measure, MeasureValue, ObservableCounter, ObservableGauge, ObservableGaugeHistogram,
    ObservableUpDownCounter, StateSet, Summary, UpDownCounter, UpDownCounterValue,
};
use crate::error::Error;
use crate::number::{NumberKind, Numeric};
use crate::provider::Meter;

/// What an instrument is, before views shape it into streams.
#[derive(Clone, Debug)]
pub(crate) struct Descriptor {
    pub(crate) name: String,
    pub(crate) description: String,
    pub(crate) unit: String,
    pub(crate) kind: InstrumentKind,
    pub(crate) number: NumberKind,
    pub(crate) buckets: Option<Vec<f64>>,
    /// The states of a state set, in order.
    pub(crate) states: Option<Arc<[String]>>,
}

impl Descriptor {
    pub(crate) fn new(name: String, kind: InstrumentKind, number: NumberKind) -> Self {
        Descriptor {
            name,
            description: String::new(),
            unit: String::new(),
            kind,
            number,
            buckets: None,
            states: None,
        }
    }
}

/// Builds a synchronous instrument.
pub struct InstrumentBuilder<'a, I> {
    meter: &'a Meter,
    pub(crate) descriptor: Descriptor,
    _instrument: PhantomData<fn() -> I>,
}

impl<I> fmt::Debug for InstrumentBuilder<'_, I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InstrumentBuilder")
            .field("descriptor", &self.descriptor)
            .finish()
    }
}

impl<'a, I> InstrumentBuilder<'a, I> {
    pub(crate) fn new(meter: &'a Meter, descriptor: Descriptor) -> Self {
        InstrumentBuilder {
            meter,
            descriptor,
            _instrument: PhantomData,
        }
    }

    /// Sets the description (Prometheus `# HELP`).
    #[must_use]
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.descriptor.description = description.into();
        self
    }

    /// Sets the unit, in UCUM (`s`, `By`, `%`, `{request}`).
    #[must_use]
    pub fn with_unit(mut self, unit: impl Into<String>) -> Self {
        self.descriptor.unit = unit.into();
        self
    }
}

macro_rules! build_sync {
    ($instrument:ident, $bound:ident) => {
        impl<T: $bound> InstrumentBuilder<'_, $instrument<T>> {
            /// Registers the instrument; the same definition twice returns the same instrument.
            pub fn build(self) -> Result<$instrument<T>, Error> {
                let core = self.meter.sync_instrument(self.descriptor)?;
                Ok($instrument::from_core(core))
            }
        }
    };
}
build_sync!(Counter, CounterValue);
build_sync!(UpDownCounter, UpDownCounterValue);
build_sync!(Gauge, GaugeValue);
build_sync!(Histogram, HistogramValue);
build_sync!(Measure, MeasureValue);
build_sync!(Summary, HistogramValue);

impl InstrumentBuilder<'_, Info> {
    /// Registers the instrument; the same definition twice returns the same instrument.
    pub fn build(self) -> Result<Info, Error> {
        Ok(Info::from_core(
            self.meter.sync_instrument(self.descriptor)?,
        ))
    }
}

impl InstrumentBuilder<'_, StateSet> {
    /// Registers the instrument; the same name with other states is an [`Error::Conflict`].
    pub fn build(self) -> Result<StateSet, Error> {
        let states = self.descriptor.states.clone().unwrap_or_default();
        Ok(StateSet::from_core(
            self.meter.sync_instrument(self.descriptor)?,
            states,
        ))
    }
}

impl<T: HistogramValue> InstrumentBuilder<'_, Histogram<T>> {
    /// Sets explicit bucket bounds (finite, strictly increasing); the default is
    /// [`DEFAULT_BUCKETS`](crate::aggregation::DEFAULT_BUCKETS).
    #[must_use]
    pub fn with_buckets(mut self, bounds: Vec<f64>) -> Self {
        self.descriptor.buckets = Some(bounds);
        self
    }
}

type Callback<T> = Box<dyn Fn(&Observations<'_, T>) + Send + Sync>;

/// Builds an observable instrument and registers its callbacks.
pub struct ObservableBuilder<'a, I, T> {
    meter: &'a Meter,
    descriptor: Descriptor,
    callbacks: Vec<Callback<T>>,
    _instrument: PhantomData<fn() -> I>,
}

impl<I, T> fmt::Debug for ObservableBuilder<'_, I, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ObservableBuilder")
            .field("descriptor", &self.descriptor)
            .field("callbacks", &self.callbacks.len())
            .finish()
    }
}

impl<'a, I, T: Numeric> ObservableBuilder<'a, I, T> {
    pub(crate) fn new(meter: &'a Meter, descriptor: Descriptor) -> Self {
        ObservableBuilder {
            meter,
            descriptor,
            callbacks: Vec::new(),
            _instrument: PhantomData,
        }
    }

    /// Sets the description (Prometheus `# HELP`).
    #[must_use]
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.descriptor.description = description.into();
        self
    }

    /// Sets the unit, in UCUM.
    #[must_use]
    pub fn with_unit(mut self, unit: impl Into<String>) -> Self {
        self.descriptor.unit = unit.into();
        self
    }

    /// Adds a callback run at every collection; it may report many series.
    #[must_use]
    pub fn with_callback(
        mut self,
        callback: impl Fn(&Observations<'_, T>) + Send + Sync + 'static,
    ) -> Self {
        self.callbacks.push(Box::new(callback));
        self
    }

    fn register(self) -> Result<Arc<ObservableCore>, Error> {
        let core = self.meter.observable_instrument(self.descriptor)?;
        let id = core.id;
        for callback in self.callbacks {
            self.meter
                .add_callback(Box::new(move |ctx: &mut CollectContext| {
                    let buffer = RefCell::new(Vec::new());
                    callback(&Observations::new(&buffer));
                    for (attributes, value) in buffer.into_inner() {
                        ctx.push(id, attributes, value);
                    }
                    true
                }));
        }
        Ok(core)
    }
}

macro_rules! build_observable {
    ($instrument:ident, $bound:ident) => {
        impl<T: $bound> ObservableBuilder<'_, $instrument<T>, T> {
            /// Registers the instrument and its callbacks.
            pub fn build(self) -> Result<$instrument<T>, Error> {
                Ok($instrument::from_core(self.register()?))
            }
        }
    };
}
build_observable!(ObservableCounter, CounterValue);
build_observable!(ObservableUpDownCounter, UpDownCounterValue);
build_observable!(ObservableGauge, GaugeValue);
build_observable!(ObservableGaugeHistogram, HistogramValue);

impl<T: HistogramValue> ObservableBuilder<'_, ObservableGaugeHistogram<T>, T> {
    /// Sets explicit bucket bounds (finite, strictly increasing); the default is
    /// [`DEFAULT_BUCKETS`](crate::aggregation::DEFAULT_BUCKETS).
    #[must_use]
    pub fn with_buckets(mut self, bounds: Vec<f64>) -> Self {
        self.descriptor.buckets = Some(bounds);
        self
    }
}
