//! The numeric values instruments record and points carry.
//!
//! Values keep their integer type end to end: a `u64` counter near `2^53` must not lose
//! precision on its way to an exporter, so there is no silent conversion to `f64`.

use std::fmt;

/// One recorded or exported value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Number {
    /// An unsigned integer (counters, gauges).
    U64(u64),
    /// A signed integer (up-down counters, gauges).
    I64(i64),
    /// A floating-point value.
    F64(f64),
}

impl Number {
    /// The value as `f64` (exact for integers below 2^53).
    ///
    /// ```
    /// # use telemetry_core::Number;
    /// assert_eq!(Number::I64(-3).as_f64(), -3.0);
    /// ```
    #[must_use]
    pub fn as_f64(self) -> f64 {
        match self {
            Number::U64(v) => v as f64,
            Number::I64(v) => v as f64,
            Number::F64(v) => v,
        }
    }

    /// The kind of this value.
    #[must_use]
    pub fn kind(self) -> NumberKind {
        match self {
            Number::U64(_) => NumberKind::U64,
            Number::I64(_) => NumberKind::I64,
            Number::F64(_) => NumberKind::F64,
        }
    }

    /// Packs the value into the 64 bits an atomic cell stores.
    pub(crate) fn to_bits(self) -> u64 {
        match self {
            Number::U64(v) => v,
            Number::I64(v) => v as u64,
            Number::F64(v) => v.to_bits(),
        }
    }

    /// Unpacks bits stored by [`Number::to_bits`] for a cell of `kind`.
    pub(crate) fn from_bits(kind: NumberKind, bits: u64) -> Number {
        match kind {
            NumberKind::U64 => Number::U64(bits),
            NumberKind::I64 => Number::I64(bits as i64),
            NumberKind::F64 => Number::F64(f64::from_bits(bits)),
        }
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Number::U64(v) => v.fmt(f),
            Number::I64(v) => v.fmt(f),
            Number::F64(v) => v.fmt(f),
        }
    }
}

/// The value type of an instrument.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NumberKind {
    /// `u64`
    U64,
    /// `i64`
    I64,
    /// `f64`
    F64,
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for u64 {}
    impl Sealed for i64 {}
    impl Sealed for f64 {}
}

/// A primitive an instrument can record: `u64`, `i64` or `f64`.
pub trait Numeric: Copy + Send + Sync + 'static + sealed::Sealed {
    /// The kind of the implementing type.
    const KIND: NumberKind;
    /// Wraps the value.
    fn into_number(self) -> Number;
}

impl Numeric for u64 {
    const KIND: NumberKind = NumberKind::U64;
    fn into_number(self) -> Number {
        Number::U64(self)
    }
}

impl Numeric for i64 {
    const KIND: NumberKind = NumberKind::I64;
    fn into_number(self) -> Number {
        Number::I64(self)
    }
}

impl Numeric for f64 {
    const KIND: NumberKind = NumberKind::F64;
    fn into_number(self) -> Number {
        Number::F64(self)
    }
}

impl From<u64> for Number {
    fn from(v: u64) -> Self {
        Number::U64(v)
    }
}
impl From<i64> for Number {
    fn from(v: i64) -> Self {
        Number::I64(v)
    }
}
impl From<f64> for Number {
    fn from(v: f64) -> Self {
        Number::F64(v)
    }
}
