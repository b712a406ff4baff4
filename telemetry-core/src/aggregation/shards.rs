//! Per-thread shards of a hot series: the ones recorded to without a lookup (bound handles,
//! family handles, the empty attribute set's series).
//!
//! One shared atomic is the floor for a single thread (one `lock` instruction), and the
//! ceiling under contention: two threads adding to one counter bounce its cache line, and a
//! histogram needs two read-modify-writes per observation. A shard belongs to one thread
//! ([`thread_local::ThreadLocal`] gives each thread its own, and a later thread may reuse
//! an exited thread's one, values included), so the owner updates it with a plain load and
//! store: no `lock` prefix, no cache line shared with another writer. Collection adds the
//! shards to the series' shared cell, which still takes lookups' records and carried-over
//! values. Nothing is lost: every shard word has one writer, and readers see each word whole.
//!
//! Gauges (last value) are not sharded: "the last value" needs one place that all threads
//! write.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;

use thread_local::ThreadLocal;

use super::cell::{Cell, CellValue};
use super::histogram::HistogramCell;
use crate::number::{Number, NumberKind};

/// A shard on its own cache lines (128 bytes: adjacent-line prefetching pairs lines), so
/// that two threads' shards never share one.
#[repr(align(128))]
#[derive(Debug)]
pub(crate) struct Padded<T>(T);

/// The shards of one series, by the cell they mirror.
#[derive(Debug)]
pub(crate) enum Shards {
    /// A sum: each shard holds its thread's total, integers as wrapping two's complement,
    /// floats as bits.
    Sum {
        kind: NumberKind,
        local: ThreadLocal<Padded<AtomicU64>>,
    },
    /// A count of measurements.
    Count(ThreadLocal<Padded<AtomicU64>>),
    /// A histogram: each shard is a whole cell written by one thread.
    Histogram {
        bounds: Arc<[f64]>,
        squared_deviation: bool,
        local: ThreadLocal<Padded<HistogramCell>>,
    },
}

impl Shards {
    /// Shards mirroring `cell`; `None` for a last value.
    pub(crate) fn for_cell(cell: &Cell) -> Option<Shards> {
        match cell {
            Cell::Sum { kind, .. } => Some(Shards::Sum {
                kind: *kind,
                local: ThreadLocal::new(),
            }),
            Cell::Count(_) => Some(Shards::Count(ThreadLocal::new())),
            Cell::Histogram(h) => Some(Shards::Histogram {
                bounds: h.bounds.clone(),
                squared_deviation: h.squared_deviation(),
                local: ThreadLocal::new(),
            }),
            Cell::LastValue { .. } => None,
        }
    }

    /// Records `value` in the calling thread's shard.
    #[inline]
    pub(crate) fn record(&self, value: Number) {
        match self {
            Shards::Sum { kind, local } => {
                let word = &local.get().unwrap_or_else(|| new_word(local)).0;
                let now = word.load(Relaxed);
                let next = match kind {
                    NumberKind::F64 => (f64::from_bits(now) + value.as_f64()).to_bits(),
                    NumberKind::U64 | NumberKind::I64 => now.wrapping_add(value.to_bits()),
                };
                word.store(next, Relaxed);
            }
            Shards::Count(local) => {
                let word = &local.get().unwrap_or_else(|| new_word(local)).0;
                word.store(word.load(Relaxed).wrapping_add(1), Relaxed);
            }
            Shards::Histogram {
                bounds,
                squared_deviation,
                local,
            } => local
                .get()
                .unwrap_or_else(|| new_histogram(local, bounds, *squared_deviation))
                .0
                .observe_exclusive(value.as_f64()),
        }
    }

    /// Adds every shard to `value`, a snapshot of the shared cell they mirror.
    pub(crate) fn add_to(&self, value: &mut CellValue) {
        match (self, value) {
            (Shards::Sum { kind, local }, CellValue::Number(n)) => {
                for word in local.iter() {
                    let bits = word.0.load(Relaxed);
                    *n = match (kind, *n) {
                        (NumberKind::F64, Number::F64(total)) => {
                            Number::F64(total + f64::from_bits(bits))
                        }
                        (_, total) => Number::from_bits(*kind, total.to_bits().wrapping_add(bits)),
                    };
                }
            }
            (Shards::Count(local), CellValue::Number(n)) => {
                let total = local
                    .iter()
                    .fold(n.to_bits(), |t, w| t.wrapping_add(w.0.load(Relaxed)));
                *n = Number::U64(total);
            }
            (Shards::Histogram { local, .. }, CellValue::Histogram(h)) => {
                for shard in local.iter() {
                    h.merge(&shard.0.snapshot());
                }
            }
            _ => {}
        }
    }
}

// A thread's first record creates its shard out of line: the shard (128-byte aligned, a
// histogram cell by value) would otherwise give every record an aligned stack frame.

#[cold]
#[inline(never)]
fn new_word(local: &ThreadLocal<Padded<AtomicU64>>) -> &Padded<AtomicU64> {
    local.get_or(|| Padded(AtomicU64::new(0)))
}

#[cold]
#[inline(never)]
fn new_histogram<'a>(
    local: &'a ThreadLocal<Padded<HistogramCell>>,
    bounds: &Arc<[f64]>,
    squared_deviation: bool,
) -> &'a Padded<HistogramCell> {
    local.get_or(|| Padded(HistogramCell::new(bounds.clone(), squared_deviation)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregation::Resolved;

    /// Many threads on one series, half through shards and half through the shared cell:
    /// the total is exact.
    #[test]
    fn no_increment_is_lost_under_contention() {
        for (aggregation, kind) in [
            (Resolved::Sum { monotonic: true }, NumberKind::U64),
            (Resolved::Sum { monotonic: false }, NumberKind::I64),
            (Resolved::Sum { monotonic: true }, NumberKind::F64),
            (Resolved::Count, NumberKind::U64),
            (
                Resolved::Histogram {
                    bounds: Arc::from([1.0, 2.0]),
                },
                NumberKind::F64,
            ),
        ] {
            let cell = Cell::new(&aggregation, kind, true);
            let shards = Shards::for_cell(&cell).expect("sharded");
            let one = match kind {
                NumberKind::U64 => Number::U64(1),
                NumberKind::I64 => Number::I64(1),
                NumberKind::F64 => Number::F64(1.0),
            };
            std::thread::scope(|s| {
                for t in 0..8 {
                    let (cell, shards) = (&cell, &shards);
                    s.spawn(move || {
                        for _ in 0..10_000 {
                            if t % 2 == 0 {
                                shards.record(one);
                            } else {
                                cell.record(one);
                            }
                        }
                    });
                }
            });
            let mut value = cell.value();
            shards.add_to(&mut value);
            match value {
                CellValue::Number(n) => assert_eq!(n.as_f64(), 80_000.0, "{aggregation:?}"),
                CellValue::Histogram(h) => {
                    assert_eq!(h.counts, vec![80_000, 0, 0]);
                    assert_eq!(h.sum, 80_000.0);
                }
            }
        }
    }

    #[test]
    fn signed_and_float_shards_add_like_the_cell() {
        let cell = Cell::new(&Resolved::Sum { monotonic: false }, NumberKind::I64, false);
        let shards = Shards::for_cell(&cell).unwrap();
        shards.record(Number::I64(-5));
        cell.record(Number::I64(2));
        let mut value = cell.value();
        shards.add_to(&mut value);
        assert_eq!(value, CellValue::Number(Number::I64(-3)));
        assert!(
            Shards::for_cell(&Cell::new(&Resolved::LastValue, NumberKind::F64, false)).is_none()
        );
    }
}
