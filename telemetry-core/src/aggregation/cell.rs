//! The storage of one series: one atomic operation per recorded value.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;

use super::histogram::{HistogramCell, HistogramSnapshot};
use super::Resolved;
use crate::number::{Number, NumberKind};

/// Adds `v` to an `f64` stored as bits (a compare-and-swap loop: one CAS when uncontended).
#[inline]
pub(crate) fn add_f64(cell: &AtomicU64, v: f64) {
    let _ = cell.fetch_update(Relaxed, Relaxed, |bits| {
        Some((f64::from_bits(bits) + v).to_bits())
    });
}

/// Replaces the stored `f64` with `v` while `better(current)` holds.
#[inline]
pub(crate) fn update_f64(cell: &AtomicU64, better: impl Fn(f64) -> bool, v: f64) {
    let _ = cell.fetch_update(Relaxed, Relaxed, |bits| {
        better(f64::from_bits(bits)).then_some(v.to_bits())
    });
}

/// What one series stores, by aggregation.
#[derive(Debug)]
pub(crate) enum Cell {
    /// Integers are added as wrapping two's-complement `u64`, which is exact for both `u64`
    /// and `i64`; floats go through [`add_f64`].
    Sum {
        bits: AtomicU64,
        kind: NumberKind,
    },
    Count(AtomicU64),
    LastValue {
        bits: AtomicU64,
        kind: NumberKind,
    },
    /// Boxed: a histogram cell is about 100 bytes, and every counter's series would pay for
    /// it inline (bytes per series are a benchmark row, and the collection walks them).
    Histogram(Box<HistogramCell>),
}

/// A copy of a cell's value.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum CellValue {
    Number(Number),
    Histogram(HistogramSnapshot),
}

impl Cell {
    /// `squared_deviation`: whether a histogram tracks its sum of squared deviations.
    pub(crate) fn new(aggregation: &Resolved, kind: NumberKind, squared_deviation: bool) -> Self {
        let zero = match kind {
            NumberKind::F64 => 0f64.to_bits(),
            NumberKind::U64 | NumberKind::I64 => 0,
        };
        match aggregation {
            Resolved::Sum { .. } => Cell::Sum {
                bits: AtomicU64::new(zero),
                kind,
            },
            Resolved::Count => Cell::Count(AtomicU64::new(0)),
            Resolved::LastValue | Resolved::Info | Resolved::StateSet { .. } => Cell::LastValue {
                bits: AtomicU64::new(zero),
                kind,
            },
            Resolved::Histogram { bounds } | Resolved::GaugeHistogram { bounds } => {
                Cell::Histogram(Box::new(HistogramCell::new(
                    bounds.clone(),
                    squared_deviation,
                )))
            }
            // A summary is a histogram with the single overflow bucket: its count and sum.
            Resolved::Summary => Cell::Histogram(Box::new(HistogramCell::new(
                Arc::from([]),
                squared_deviation,
            ))),
        }
    }

    // Always inlined: one match and one atomic operation (histograms call out).
    #[inline(always)]
    pub(crate) fn record(&self, value: Number) {
        match self {
            Cell::Sum { bits, .. } => match value {
                Number::F64(v) => add_f64(bits, v),
                Number::U64(_) | Number::I64(_) => {
                    bits.fetch_add(value.to_bits(), Relaxed);
                }
            },
            Cell::Count(count) => {
                count.fetch_add(1, Relaxed);
            }
            Cell::LastValue { bits, .. } => bits.store(value.to_bits(), Relaxed),
            Cell::Histogram(h) => h.observe(value.as_f64()),
        }
    }

    pub(crate) fn value(&self) -> CellValue {
        match self {
            Cell::Sum { bits, kind } | Cell::LastValue { bits, kind } => {
                CellValue::Number(Number::from_bits(*kind, bits.load(Relaxed)))
            }
            Cell::Count(count) => CellValue::Number(Number::U64(count.load(Relaxed))),
            Cell::Histogram(h) => CellValue::Histogram(h.snapshot()),
        }
    }

    /// Folds `other`, the value of another cell, into this cell (used when a detached handle
    /// is bound). Returns false if that is impossible (histograms with different buckets).
    pub(crate) fn absorb(&self, other: CellValue) -> bool {
        match (self, other) {
            (Cell::Histogram(h), CellValue::Histogram(s)) => h.absorb(&s),
            (Cell::LastValue { .. }, CellValue::Number(n)) => {
                if n.to_bits() != 0 {
                    self.record(n);
                }
                true
            }
            (Cell::Sum { .. }, CellValue::Number(n)) => {
                self.record(n);
                true
            }
            (Cell::Count(c), CellValue::Number(n)) => {
                c.fetch_add(n.to_bits(), Relaxed);
                true
            }
            _ => false,
        }
    }

    /// Folds what another cell recorded after its value was `since` (its value is now `now`)
    /// into this cell (a value that reached a series while it was being removed). A last
    /// value is taken as it is.
    pub(crate) fn absorb_since(&self, now: CellValue, since: &CellValue) -> bool {
        match (self, now, since) {
            (
                Cell::Sum { .. } | Cell::Count(_),
                CellValue::Number(now),
                CellValue::Number(then),
            ) => {
                let late = match (now, *then) {
                    (Number::F64(a), Number::F64(b)) => Number::F64(a - b),
                    (Number::I64(a), Number::I64(b)) => Number::I64(a.wrapping_sub(b)),
                    (a, b) => Number::U64(a.to_bits().wrapping_sub(b.to_bits())),
                };
                match self {
                    Cell::Count(c) => {
                        c.fetch_add(late.to_bits(), Relaxed);
                    }
                    _ => self.record(late),
                }
                true
            }
            (Cell::Histogram(h), CellValue::Histogram(now), CellValue::Histogram(then)) => {
                h.absorb(&now.since(then))
            }
            (_, now, _) => self.absorb(now),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_sums_are_exact_and_signed() {
        let cell = Cell::new(&Resolved::Sum { monotonic: false }, NumberKind::I64, false);
        cell.record(Number::I64(5));
        cell.record(Number::I64(-7));
        assert_eq!(cell.value(), CellValue::Number(Number::I64(-2)));
        let big = Cell::new(&Resolved::Sum { monotonic: true }, NumberKind::U64, false);
        big.record(Number::U64((1 << 53) + 1));
        assert_eq!(big.value(), CellValue::Number(Number::U64((1 << 53) + 1)));
    }

    #[test]
    fn a_number_cell_is_small() {
        // The largest number variant: an AtomicU64 and its kind, plus the tag.
        assert!(
            std::mem::size_of::<Cell>() <= 16,
            "{}",
            std::mem::size_of::<Cell>()
        );
    }

    #[test]
    fn float_sum_count_and_last_value() {
        let sum = Cell::new(&Resolved::Sum { monotonic: true }, NumberKind::F64, false);
        sum.record(Number::F64(0.25));
        sum.record(Number::F64(0.5));
        assert_eq!(sum.value(), CellValue::Number(Number::F64(0.75)));
        let count = Cell::new(&Resolved::Count, NumberKind::F64, false);
        count.record(Number::F64(9.0));
        assert_eq!(count.value(), CellValue::Number(Number::U64(1)));
        let last = Cell::new(&Resolved::LastValue, NumberKind::F64, false);
        last.record(Number::F64(3.0));
        last.record(Number::F64(-1.0));
        assert_eq!(last.value(), CellValue::Number(Number::F64(-1.0)));
    }
}
