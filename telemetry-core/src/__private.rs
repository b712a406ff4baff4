//! Paths used by the code `#[derive(MetricCollector)]` and `#[derive(AttributeSet)]` generate.
//! Not public API.

pub use crate::attribute_set::{product_cardinality, radix};
pub use crate::collector::{
    AttributeValue, BindInstrument, Binder, Describer, InstrumentField, ObservedState,
    ObservedValue, Observer, ValueField, ValueKind,
};
pub use crate::{AttributeField, AttributeSet, EnumLabel, Error, KeyValue, MetricCollector, Value};
pub use ::std::{option::Option, result::Result, vec::Vec};
