//! The lock-free histogram cell.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;

use super::cell::{add_f64, update_f64};

/// Bucket counts, sum, min and max of one series, each updated with one atomic operation.
///
/// The count is not stored: it is the sum of the bucket counts at snapshot time, so the
/// exported count always equals the buckets' total even while other threads record.
#[derive(Debug)]
pub(crate) struct HistogramCell {
    pub(crate) bounds: Arc<[f64]>,
    counts: Box<[AtomicU64]>,
    sum: AtomicU64,
    min: AtomicU64,
    max: AtomicU64,
}

/// A consistent-enough copy of a histogram cell.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct HistogramSnapshot {
    pub(crate) bounds: Arc<[f64]>,
    pub(crate) counts: Vec<u64>,
    pub(crate) sum: f64,
    pub(crate) min: f64,
    pub(crate) max: f64,
}

impl HistogramCell {
    pub(crate) fn new(bounds: Arc<[f64]>) -> Self {
        HistogramCell {
            counts: (0..=bounds.len()).map(|_| AtomicU64::new(0)).collect(),
            bounds,
            sum: AtomicU64::new(0f64.to_bits()),
            min: AtomicU64::new(f64::INFINITY.to_bits()),
            max: AtomicU64::new(f64::NEG_INFINITY.to_bits()),
        }
    }

    /// The bucket of `v`: the first bound `>= v`; NaN goes to the overflow bucket, as the
    /// Prometheus clients do.
    #[inline]
    fn bucket(&self, v: f64) -> usize {
        if v.is_nan() {
            return self.bounds.len();
        }
        self.bounds.partition_point(|b| *b < v)
    }

    #[inline]
    pub(crate) fn observe(&self, v: f64) {
        self.counts[self.bucket(v)].fetch_add(1, Relaxed);
        add_f64(&self.sum, v);
        if !v.is_nan() {
            update_f64(&self.min, |m| v < m, v);
            update_f64(&self.max, |m| v > m, v);
        }
    }

    pub(crate) fn snapshot(&self) -> HistogramSnapshot {
        HistogramSnapshot {
            bounds: self.bounds.clone(),
            counts: self.counts.iter().map(|c| c.load(Relaxed)).collect(),
            sum: f64::from_bits(self.sum.load(Relaxed)),
            min: f64::from_bits(self.min.load(Relaxed)),
            max: f64::from_bits(self.max.load(Relaxed)),
        }
    }

    /// Adds another cell's observations; only possible with identical bounds.
    pub(crate) fn absorb(&self, other: &HistogramSnapshot) -> bool {
        if other.counts.iter().all(|c| *c == 0) {
            return true;
        }
        if other.bounds != self.bounds {
            return false;
        }
        for (mine, theirs) in self.counts.iter().zip(&other.counts) {
            mine.fetch_add(*theirs, Relaxed);
        }
        add_f64(&self.sum, other.sum);
        update_f64(&self.min, |m| other.min < m, other.min);
        update_f64(&self.max, |m| other.max > m, other.max);
        true
    }
}

impl HistogramSnapshot {
    pub(crate) fn count(&self) -> u64 {
        self.counts.iter().sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_upper_inclusive() {
        let cell = HistogramCell::new(Arc::from([1.0, 2.0, 3.0]));
        for v in [0.5, 1.0, 1.5, 3.0, 3.5, f64::NAN] {
            cell.observe(v);
        }
        let s = cell.snapshot();
        assert_eq!(s.counts, vec![2, 1, 1, 2]);
        assert_eq!(s.count(), 6);
        assert!(s.sum.is_nan());
        assert_eq!((s.min, s.max), (0.5, 3.5));
    }
}
