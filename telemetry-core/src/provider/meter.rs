//! A meter: the factory of instruments for one instrumentation scope.

use std::sync::Arc;

use super::callbacks::TryInline;
use super::pipeline::{Callback, Pipeline};
use crate::data::Scope;
use crate::error::Error;
use crate::instrument::builder::Descriptor;
use crate::instrument::observable::ObservableCore;
use crate::instrument::{
    Counter, CounterValue, Gauge, GaugeValue, Histogram, HistogramValue, Info, InstrumentBuilder,
    InstrumentCore, InstrumentKind, Measure, MeasureValue, ObservableBuilder, ObservableCounter,
    ObservableGauge, ObservableGaugeHistogram, ObservableUpDownCounter, StateSet, Summary,
    UpDownCounter, UpDownCounterValue,
};
use crate::number::NumberKind;

/// Creates instruments; cheap to clone.
#[derive(Clone, Debug)]
pub struct Meter {
    pipeline: Arc<Pipeline>,
    scope: Scope,
}

macro_rules! typed {
    ($($(#[$doc:meta])* $fn:ident => $generic:ident::<$t:ty> -> $ret:ty;)*) => {$(
        $(#[$doc])*
        #[must_use]
        pub fn $fn(&self, name: impl Into<String>) -> $ret {
            self.$generic::<$t>(name)
        }
    )*};
}

impl Meter {
    pub(crate) fn new(pipeline: Arc<Pipeline>, scope: Scope) -> Self {
        Meter { pipeline, scope }
    }

    /// The meter's scope.
    #[must_use]
    pub fn scope(&self) -> &Scope {
        &self.scope
    }

    pub(crate) fn sync_instrument(&self, d: Descriptor) -> Result<Arc<InstrumentCore>, Error> {
        self.pipeline.sync_instrument(&self.scope, d)
    }

    pub(crate) fn observable_instrument(
        &self,
        d: Descriptor,
    ) -> Result<Arc<ObservableCore>, Error> {
        self.pipeline.observable_instrument(&self.scope, d)
    }

    pub(crate) fn add_callback(&self, callback: Callback) {
        self.pipeline.add_callback(callback, None);
    }

    /// A callback with a form that may run on the collecting thread (see `callbacks.rs`).
    pub(crate) fn add_callback_with_inline(&self, callback: Callback, try_inline: TryInline) {
        self.pipeline.add_callback(callback, Some(try_inline));
    }

    fn sync<I>(
        &self,
        name: impl Into<String>,
        kind: InstrumentKind,
        number: crate::NumberKind,
    ) -> InstrumentBuilder<'_, I> {
        InstrumentBuilder::new(self, Descriptor::new(name.into(), kind, number))
    }

    fn observable<I, T: crate::Numeric>(
        &self,
        name: impl Into<String>,
        kind: InstrumentKind,
    ) -> ObservableBuilder<'_, I, T> {
        ObservableBuilder::new(self, Descriptor::new(name.into(), kind, T::KIND))
    }

    /// A counter of `u64` or `f64`.
    #[must_use]
    pub fn counter<T: CounterValue>(
        &self,
        name: impl Into<String>,
    ) -> InstrumentBuilder<'_, Counter<T>> {
        self.sync(name, Counter::<T>::KIND, T::KIND)
    }

    /// An up-down counter of `i64` or `f64`.
    #[must_use]
    pub fn up_down_counter<T: UpDownCounterValue>(
        &self,
        name: impl Into<String>,
    ) -> InstrumentBuilder<'_, UpDownCounter<T>> {
        self.sync(name, UpDownCounter::<T>::KIND, T::KIND)
    }

    /// A gauge of `i64`, `u64` or `f64`.
    #[must_use]
    pub fn gauge<T: GaugeValue>(&self, name: impl Into<String>) -> InstrumentBuilder<'_, Gauge<T>> {
        self.sync(name, Gauge::<T>::KIND, T::KIND)
    }

    /// A histogram of `f64` or `u64`.
    #[must_use]
    pub fn histogram<T: HistogramValue>(
        &self,
        name: impl Into<String>,
    ) -> InstrumentBuilder<'_, Histogram<T>> {
        self.sync(name, Histogram::<T>::KIND, T::KIND)
    }

    /// An OpenCensus measure of `i64` or `f64` (exported only through views).
    #[must_use]
    pub fn measure<T: MeasureValue>(
        &self,
        name: impl Into<String>,
    ) -> InstrumentBuilder<'_, Measure<T>> {
        self.sync(name, Measure::<T>::KIND, T::KIND)
    }

    /// An observable counter of `u64` or `f64`.
    #[must_use]
    pub fn observable_counter<T: CounterValue>(
        &self,
        name: impl Into<String>,
    ) -> ObservableBuilder<'_, ObservableCounter<T>, T> {
        self.observable(name, InstrumentKind::ObservableCounter)
    }

    /// An observable up-down counter of `i64` or `f64`.
    #[must_use]
    pub fn observable_up_down_counter<T: UpDownCounterValue>(
        &self,
        name: impl Into<String>,
    ) -> ObservableBuilder<'_, ObservableUpDownCounter<T>, T> {
        self.observable(name, InstrumentKind::ObservableUpDownCounter)
    }

    /// An observable gauge of `i64`, `u64` or `f64`.
    #[must_use]
    pub fn observable_gauge<T: GaugeValue>(
        &self,
        name: impl Into<String>,
    ) -> ObservableBuilder<'_, ObservableGauge<T>, T> {
        self.observable(name, InstrumentKind::ObservableGauge)
    }

    /// A summary (count and sum) of `f64` or `u64`.
    #[must_use]
    pub fn summary<T: HistogramValue>(
        &self,
        name: impl Into<String>,
    ) -> InstrumentBuilder<'_, Summary<T>> {
        self.sync(name, Summary::<T>::KIND, T::KIND)
    }

    /// An info metric: name it without the `_info` suffix, the Prometheus exporter adds it.
    #[must_use]
    pub fn info(&self, name: impl Into<String>) -> InstrumentBuilder<'_, Info> {
        self.sync(name, Info::KIND, NumberKind::U64)
    }

    /// A state set over `states` (non-empty, distinct, non-empty strings; checked by
    /// `build`). With an [`EnumLabel`](crate::EnumLabel) enum: `state_set(name, E::VALUES)`.
    #[must_use]
    pub fn state_set<S: Into<String>>(
        &self,
        name: impl Into<String>,
        states: impl IntoIterator<Item = S>,
    ) -> InstrumentBuilder<'_, StateSet> {
        let mut builder = self.sync(name, StateSet::KIND, NumberKind::U64);
        builder.descriptor.states = Some(states.into_iter().map(Into::into).collect());
        builder
    }

    /// An observable gauge histogram of `f64` or `u64`: the callback reports the values
    /// whose current distribution is exported.
    #[must_use]
    pub fn observable_gauge_histogram<T: HistogramValue>(
        &self,
        name: impl Into<String>,
    ) -> ObservableBuilder<'_, ObservableGaugeHistogram<T>, T> {
        self.observable(name, InstrumentKind::ObservableGaugeHistogram)
    }

    typed! {
        /// `summary::<f64>`
        f64_summary => summary::<f64> -> InstrumentBuilder<'_, Summary<f64>>;
        /// `summary::<u64>`
        u64_summary => summary::<u64> -> InstrumentBuilder<'_, Summary<u64>>;
        /// `observable_gauge_histogram::<f64>`
        f64_observable_gauge_histogram => observable_gauge_histogram::<f64> -> ObservableBuilder<'_, ObservableGaugeHistogram<f64>, f64>;
        /// `counter::<u64>`
        u64_counter => counter::<u64> -> InstrumentBuilder<'_, Counter<u64>>;
        /// `counter::<f64>`
        f64_counter => counter::<f64> -> InstrumentBuilder<'_, Counter<f64>>;
        /// `up_down_counter::<i64>`
        i64_up_down_counter => up_down_counter::<i64> -> InstrumentBuilder<'_, UpDownCounter<i64>>;
        /// `up_down_counter::<f64>`
        f64_up_down_counter => up_down_counter::<f64> -> InstrumentBuilder<'_, UpDownCounter<f64>>;
        /// `gauge::<i64>`
        i64_gauge => gauge::<i64> -> InstrumentBuilder<'_, Gauge<i64>>;
        /// `gauge::<u64>`
        u64_gauge => gauge::<u64> -> InstrumentBuilder<'_, Gauge<u64>>;
        /// `gauge::<f64>`
        f64_gauge => gauge::<f64> -> InstrumentBuilder<'_, Gauge<f64>>;
        /// `histogram::<f64>`
        f64_histogram => histogram::<f64> -> InstrumentBuilder<'_, Histogram<f64>>;
        /// `histogram::<u64>`
        u64_histogram => histogram::<u64> -> InstrumentBuilder<'_, Histogram<u64>>;
        /// `measure::<i64>`
        i64_measure => measure::<i64> -> InstrumentBuilder<'_, Measure<i64>>;
        /// `measure::<f64>`
        f64_measure => measure::<f64> -> InstrumentBuilder<'_, Measure<f64>>;
        /// `observable_counter::<u64>`
        u64_observable_counter => observable_counter::<u64> -> ObservableBuilder<'_, ObservableCounter<u64>, u64>;
        /// `observable_counter::<f64>`
        f64_observable_counter => observable_counter::<f64> -> ObservableBuilder<'_, ObservableCounter<f64>, f64>;
        /// `observable_up_down_counter::<i64>`
        i64_observable_up_down_counter => observable_up_down_counter::<i64> -> ObservableBuilder<'_, ObservableUpDownCounter<i64>, i64>;
        /// `observable_up_down_counter::<f64>`
        f64_observable_up_down_counter => observable_up_down_counter::<f64> -> ObservableBuilder<'_, ObservableUpDownCounter<f64>, f64>;
        /// `observable_gauge::<i64>`
        i64_observable_gauge => observable_gauge::<i64> -> ObservableBuilder<'_, ObservableGauge<i64>, i64>;
        /// `observable_gauge::<u64>`
        u64_observable_gauge => observable_gauge::<u64> -> ObservableBuilder<'_, ObservableGauge<u64>, u64>;
        /// `observable_gauge::<f64>`
        f64_observable_gauge => observable_gauge::<f64> -> ObservableBuilder<'_, ObservableGauge<f64>, f64>;
    }
}
