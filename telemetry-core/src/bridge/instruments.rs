//! The `opentelemetry` [`InstrumentProvider`] of one of our meters: each API builder becomes
//! one of our builders, and each API instrument a thin adapter over ours.
//!
//! Failures follow the API's convention rather than ours: no `Result` reaches the caller,
//! the instrument is a no-op and the reason goes to `log` (see the [module docs](super)).

use std::fmt;
use std::sync::{Arc, Mutex};

use opentelemetry::metrics::{
    AsyncInstrument, AsyncInstrumentBuilder, Callback, Counter as OtelCounter, Gauge as OtelGauge,
    Histogram as OtelHistogram, HistogramBuilder, InstrumentBuilder, InstrumentProvider,
    ObservableCounter as OtelObservableCounter, ObservableGauge as OtelObservableGauge,
    ObservableUpDownCounter as OtelObservableUpDownCounter, SyncInstrument,
    UpDownCounter as OtelUpDownCounter,
};

use super::attributes::convert;
use crate::error::Error;
use crate::instrument::{
    Counter, CounterValue, Gauge, GaugeValue, Histogram, HistogramValue, UpDownCounter,
    UpDownCounterValue,
};
use crate::number::Numeric;
use crate::provider::Meter;

/// Creates our instruments for the `opentelemetry` API's builders.
pub(super) struct BridgeInstrumentProvider {
    meter: Meter,
}

impl fmt::Debug for BridgeInstrumentProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BridgeInstrumentProvider")
            .field("scope", self.meter.scope())
            .finish()
    }
}

impl BridgeInstrumentProvider {
    pub(super) fn new(meter: Meter) -> Self {
        BridgeInstrumentProvider { meter }
    }

    /// Logs why an instrument is a no-op.
    fn rejected(&self, name: &str, error: &Error) {
        log::warn!(
            target: "telemetry_core::bridge",
            "opentelemetry instrument {name:?} of meter {:?} records nothing: {error}",
            self.meter.scope().name,
        );
    }

    /// Our instrument behind the API's handle, or a no-op one if ours was rejected.
    fn sync<T, I>(
        &self,
        name: &str,
        built: Result<I, Error>,
    ) -> Arc<dyn SyncInstrument<T> + Send + Sync>
    where
        Bridged<I>: SyncInstrument<T> + 'static,
    {
        match built {
            Ok(instrument) => Arc::new(Bridged(instrument)),
            Err(error) => {
                self.rejected(name, &error);
                Arc::new(Noop)
            }
        }
    }

    /// Registers an observable instrument of ours running the API's callbacks.
    fn observable<T: Numeric, I>(
        &self,
        name: &str,
        builder: crate::instrument::ObservableBuilder<'_, I, T>,
        callbacks: Vec<Callback<T>>,
        build: impl FnOnce(crate::instrument::ObservableBuilder<'_, I, T>) -> Result<I, Error>,
    ) {
        let builder = if callbacks.is_empty() {
            builder
        } else {
            builder.with_callback(move |observations| {
                // The API's callbacks need a `Send + Sync` instrument; ours is a cheap
                // collection-local buffer, so gather first and report after.
                let sink = Sink(Mutex::new(Vec::new()));
                for callback in &callbacks {
                    callback(&sink);
                }
                let observed = sink.0.into_inner().unwrap_or_else(|e| e.into_inner());
                for (attributes, value) in observed {
                    observations.observe(value, &attributes);
                }
            })
        };
        // The callbacks stay registered in the pipeline; our handle is not needed.
        if let Err(error) = build(builder) {
            self.rejected(name, &error);
        }
    }
}

/// Applies the API's optional description and unit to one of our builders.
macro_rules! describe {
    ($ours:expr, $api:expr) => {{
        let mut ours = $ours;
        if let Some(description) = &$api.description {
            ours = ours.with_description(description.as_ref());
        }
        if let Some(unit) = &$api.unit {
            ours = ours.with_unit(unit.as_ref());
        }
        ours
    }};
}

/// One of our synchronous instruments behind the API's `SyncInstrument`.
pub(super) struct Bridged<I>(I);

impl<T: CounterValue> SyncInstrument<T> for Bridged<Counter<T>> {
    fn measure(&self, value: T, attributes: &[opentelemetry::KeyValue]) {
        self.0.add(value, &convert(attributes));
    }
}

impl<T: UpDownCounterValue> SyncInstrument<T> for Bridged<UpDownCounter<T>> {
    fn measure(&self, value: T, attributes: &[opentelemetry::KeyValue]) {
        self.0.add(value, &convert(attributes));
    }
}

impl<T: GaugeValue> SyncInstrument<T> for Bridged<Gauge<T>> {
    fn measure(&self, value: T, attributes: &[opentelemetry::KeyValue]) {
        self.0.record(value, &convert(attributes));
    }
}

impl<T: HistogramValue> SyncInstrument<T> for Bridged<Histogram<T>> {
    fn measure(&self, value: T, attributes: &[opentelemetry::KeyValue]) {
        self.0.record(value, &convert(attributes));
    }
}

/// What a rejected instrument records: nothing.
struct Noop;

impl<T> SyncInstrument<T> for Noop {
    fn measure(&self, _value: T, _attributes: &[opentelemetry::KeyValue]) {}
}

/// The instrument an API callback observes into, during one collection.
struct Sink<T>(Mutex<Vec<(Vec<crate::KeyValue>, T)>>);

impl<T: Send> AsyncInstrument<T> for Sink<T> {
    fn observe(&self, measurement: T, attributes: &[opentelemetry::KeyValue]) {
        let attributes = convert(attributes);
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((attributes, measurement));
    }
}

macro_rules! sync_method {
    ($method:ident, $api:ident<$t:ty>, $ours:ident) => {
        fn $method(&self, builder: InstrumentBuilder<'_, $api<$t>>) -> $api<$t> {
            let built =
                describe!(self.meter.$ours::<$t>(builder.name.to_string()), builder).build();
            $api::new(self.sync(&builder.name, built))
        }
    };
}

macro_rules! histogram_method {
    ($method:ident, $t:ty) => {
        fn $method(&self, builder: HistogramBuilder<'_, OtelHistogram<$t>>) -> OtelHistogram<$t> {
            let mut ours = describe!(
                self.meter.histogram::<$t>(builder.name.to_string()),
                builder
            );
            if let Some(boundaries) = &builder.boundaries {
                ours = ours.with_buckets(boundaries.clone());
            }
            OtelHistogram::new(self.sync(&builder.name, ours.build()))
        }
    };
}

macro_rules! observable_method {
    ($method:ident, $api:ident<$t:ty>, $ours:ident) => {
        fn $method(&self, builder: AsyncInstrumentBuilder<'_, $api<$t>, $t>) -> $api<$t> {
            let ours = describe!(self.meter.$ours::<$t>(builder.name.to_string()), builder);
            self.observable(&builder.name, ours, builder.callbacks, |b| b.build());
            $api::new()
        }
    };
}

impl InstrumentProvider for BridgeInstrumentProvider {
    sync_method!(u64_counter, OtelCounter<u64>, counter);
    sync_method!(f64_counter, OtelCounter<f64>, counter);
    sync_method!(i64_up_down_counter, OtelUpDownCounter<i64>, up_down_counter);
    sync_method!(f64_up_down_counter, OtelUpDownCounter<f64>, up_down_counter);
    sync_method!(u64_gauge, OtelGauge<u64>, gauge);
    sync_method!(i64_gauge, OtelGauge<i64>, gauge);
    sync_method!(f64_gauge, OtelGauge<f64>, gauge);
    histogram_method!(u64_histogram, u64);
    histogram_method!(f64_histogram, f64);
    observable_method!(
        u64_observable_counter,
        OtelObservableCounter<u64>,
        observable_counter
    );
    observable_method!(
        f64_observable_counter,
        OtelObservableCounter<f64>,
        observable_counter
    );
    observable_method!(
        i64_observable_up_down_counter,
        OtelObservableUpDownCounter<i64>,
        observable_up_down_counter
    );
    observable_method!(
        f64_observable_up_down_counter,
        OtelObservableUpDownCounter<f64>,
        observable_up_down_counter
    );
    observable_method!(
        u64_observable_gauge,
        OtelObservableGauge<u64>,
        observable_gauge
    );
    observable_method!(
        i64_observable_gauge,
        OtelObservableGauge<i64>,
        observable_gauge
    );
    observable_method!(
        f64_observable_gauge,
        OtelObservableGauge<f64>,
        observable_gauge
    );
}
