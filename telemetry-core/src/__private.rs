//! Paths used by the code `#[derive(MetricCollector)]` generates. Not public API.

pub use crate::collector::{
    AttributeValue, BindInstrument, Binder, Describer, InstrumentField, ObservedState,
    ObservedValue, Observer, ValueField, ValueKind,
};
pub use crate::{EnumLabel, Error, KeyValue, MetricCollector, Value};
pub use ::std::{option::Option, result::Result, vec::Vec};
