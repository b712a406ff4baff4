//! The lock-free histogram cell.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;

use super::cell::{add_f64, update_f64};

/// Bucket counts, sum, min, max and the spread of one series, each updated with one atomic
/// operation.
///
/// The count is not stored: it is the sum of the bucket counts at snapshot time, so the
/// exported count always equals the buckets' total even while other threads record.
///
/// The spread (the sum of squared deviations from the mean, `M2`, which Cloud Monitoring
/// distributions carry) cannot use Welford's update here: it changes the count, the mean and
/// `M2` together, which needs a lock. Instead the cell keeps sums of the values *shifted* by
/// the first finite value seen (`shift`): `Σ(x − shift)` and `Σ(x − shift)²`, from which
/// `M2 = Σ(x − shift)² − (Σ(x − shift))² / n`. With the shift inside the data's range this is
/// the numerically stable "shifted data" algorithm (Chan, Golub and LeVeque), accurate like
/// Welford's where the naive `Σx² − (Σx)²/n` cancels catastrophically, and each sum is one
/// atomic addition. Non-finite observations are left out of the spread.
///
/// The spread costs two atomic additions per observation on top of the bucket and the sum,
/// and only Cloud Monitoring reads it: a cell tracks it only when built with
/// `squared_deviation` (a reader asked, [`crate::MetricReader::needs_squared_deviation`]);
/// otherwise `M2` reads 0. Min and max cost a load each: they are written only when the
/// observation is a new extreme.
#[derive(Debug)]
pub(crate) struct HistogramCell {
    pub(crate) bounds: Arc<[f64]>,
    counts: Box<[AtomicU64]>,
    sum: AtomicU64,
    min: AtomicU64,
    max: AtomicU64,
    /// The first finite observation, or `UNSET` (NaN bits) before it.
    shift: AtomicU64,
    shifted_sum: AtomicU64,
    shifted_squares: AtomicU64,
    /// Finite observations counted in the shifted sums.
    finite: AtomicU64,
    /// Whether the shifted sums are kept.
    squared_deviation: bool,
}

/// Up to this many bounds, [`HistogramCell::bucket`] counts instead of searching.
const LINEAR_BUCKETS: usize = 32;

/// `shift` before the first finite observation: NaN bits, never a finite value's.
const UNSET: u64 = 0x7ff8_0000_0000_0000;

/// A consistent-enough copy of a histogram cell.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct HistogramSnapshot {
    pub(crate) bounds: Arc<[f64]>,
    pub(crate) counts: Vec<u64>,
    pub(crate) sum: f64,
    pub(crate) min: f64,
    pub(crate) max: f64,
    /// Sum of squared deviations from the mean of the finite observations (`M2`).
    pub(crate) sum_of_squared_deviation: f64,
    /// How many finite observations `M2` covers, and their mean.
    finite: u64,
    finite_mean: f64,
}

impl HistogramCell {
    pub(crate) fn new(bounds: Arc<[f64]>, squared_deviation: bool) -> Self {
        HistogramCell {
            counts: (0..=bounds.len()).map(|_| AtomicU64::new(0)).collect(),
            bounds,
            sum: AtomicU64::new(0f64.to_bits()),
            min: AtomicU64::new(f64::INFINITY.to_bits()),
            max: AtomicU64::new(f64::NEG_INFINITY.to_bits()),
            shift: AtomicU64::new(UNSET),
            shifted_sum: AtomicU64::new(0f64.to_bits()),
            shifted_squares: AtomicU64::new(0f64.to_bits()),
            finite: AtomicU64::new(0),
            squared_deviation,
        }
    }

    /// The shift of the spread's sums: the first finite value recorded (the first writer wins;
    /// the others use its value).
    #[inline]
    fn shift(&self, v: f64) -> f64 {
        let bits = self.shift.load(Relaxed);
        if bits != UNSET {
            return f64::from_bits(bits);
        }
        match self
            .shift
            .compare_exchange(UNSET, v.to_bits(), Relaxed, Relaxed)
        {
            Ok(_) => v,
            Err(winner) => f64::from_bits(winner),
        }
    }

    /// The bucket of `v`: the first bound `>= v`; NaN goes to the overflow bucket, as the
    /// Prometheus clients do.
    #[inline]
    fn bucket(&self, v: f64) -> usize {
        if v.is_nan() {
            return self.bounds.len();
        }
        if self.bounds.len() <= LINEAR_BUCKETS {
            // Counting the bounds below `v` has no data-dependent branch (the compiler
            // vectorises it); a binary search mispredicts about half its steps on varying
            // values, which costs more than the compares for the usual 10 to 20 buckets.
            self.bounds.iter().map(|b| usize::from(*b < v)).sum()
        } else {
            self.bounds.partition_point(|b| *b < v)
        }
    }

    /// Records `v`; any number of threads may call it at once (atomic read-modify-writes).
    pub(crate) fn observe(&self, v: f64) {
        self.counts[self.bucket(v)].fetch_add(1, Relaxed);
        add_f64(&self.sum, v);
        if !v.is_nan() {
            update_f64(&self.min, |m| v < m, v);
            update_f64(&self.max, |m| v > m, v);
        }
        if self.squared_deviation && v.is_finite() {
            let d = v - self.shift(v);
            add_f64(&self.shifted_sum, d);
            add_f64(&self.shifted_squares, d * d);
            self.finite.fetch_add(1, Relaxed);
        }
    }

    /// Records `v` in a cell only the calling thread writes (a per-thread shard, see
    /// `shards.rs`): plain loads and stores, no read-modify-write. Readers on other threads
    /// see each word whole (they are atomics), possibly a moment late.
    #[inline]
    pub(crate) fn observe_exclusive(&self, v: f64) {
        let bump = |c: &AtomicU64| c.store(c.load(Relaxed).wrapping_add(1), Relaxed);
        let add = |c: &AtomicU64, x: f64| {
            c.store((f64::from_bits(c.load(Relaxed)) + x).to_bits(), Relaxed);
        };
        bump(&self.counts[self.bucket(v)]);
        add(&self.sum, v);
        if !v.is_nan() {
            if v < f64::from_bits(self.min.load(Relaxed)) {
                self.min.store(v.to_bits(), Relaxed);
            }
            if v > f64::from_bits(self.max.load(Relaxed)) {
                self.max.store(v.to_bits(), Relaxed);
            }
        }
        if self.squared_deviation && v.is_finite() {
            let d = v - self.shift(v);
            add(&self.shifted_sum, d);
            add(&self.shifted_squares, d * d);
            bump(&self.finite);
        }
    }

    /// Whether the cell tracks the sum of squared deviations.
    pub(crate) fn squared_deviation(&self) -> bool {
        self.squared_deviation
    }

    /// The finite observations' count, mean and `M2`, from the shifted sums. `M2` is never
    /// negative (a snapshot taken while another thread records may see one sum updated and
    /// not yet the other).
    fn spread(&self) -> (u64, f64, f64) {
        let n = self.finite.load(Relaxed);
        if n == 0 {
            return (0, 0.0, 0.0);
        }
        let shift = f64::from_bits(self.shift.load(Relaxed));
        let s1 = f64::from_bits(self.shifted_sum.load(Relaxed));
        let s2 = f64::from_bits(self.shifted_squares.load(Relaxed));
        let n_f = n as f64;
        (n, shift + s1 / n_f, (s2 - s1 * s1 / n_f).max(0.0))
    }

    pub(crate) fn snapshot(&self) -> HistogramSnapshot {
        let (finite, finite_mean, sum_of_squared_deviation) = self.spread();
        HistogramSnapshot {
            bounds: self.bounds.clone(),
            counts: self.counts.iter().map(|c| c.load(Relaxed)).collect(),
            sum: f64::from_bits(self.sum.load(Relaxed)),
            min: f64::from_bits(self.min.load(Relaxed)),
            max: f64::from_bits(self.max.load(Relaxed)),
            sum_of_squared_deviation,
            finite,
            finite_mean,
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
        if self.squared_deviation && other.finite > 0 {
            // The other cell's finite values in this cell's shifted frame:
            // Σ(x − k) = n(mean − k) and Σ(x − k)² = M2 + n(mean − k)².
            let n = other.finite as f64;
            let d = other.finite_mean - self.shift(other.finite_mean);
            add_f64(&self.shifted_sum, n * d);
            add_f64(
                &self.shifted_squares,
                other.sum_of_squared_deviation + n * d * d,
            );
            self.finite.fetch_add(other.finite, Relaxed);
        }
        true
    }
}

impl HistogramSnapshot {
    pub(crate) fn count(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// Adds another snapshot of a cell with the same buckets (a shard): counts and sums
    /// add, extremes combine, and the spreads merge by Chan's formula.
    pub(crate) fn merge(&mut self, other: &HistogramSnapshot) {
        for (mine, theirs) in self.counts.iter_mut().zip(&other.counts) {
            *mine += theirs;
        }
        if other.counts.iter().all(|c| *c == 0) {
            return;
        }
        self.sum += other.sum;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
        if other.finite > 0 {
            let (n1, n2) = (self.finite as f64, other.finite as f64);
            let n = n1 + n2;
            let delta = other.finite_mean - self.finite_mean;
            self.finite_mean += delta * n2 / n;
            self.sum_of_squared_deviation +=
                other.sum_of_squared_deviation + delta * delta * n1 * n2 / n;
            self.finite += other.finite;
        }
    }

    /// What was observed between `earlier` and this snapshot of the same cell. The
    /// interval's extremes are unknown; the cell's are kept (they bound them).
    pub(crate) fn since(&self, earlier: &HistogramSnapshot) -> HistogramSnapshot {
        let n0 = earlier.finite as f64;
        let n1 = self.finite as f64;
        let finite = self.finite.saturating_sub(earlier.finite);
        let (finite_mean, m2) = if finite == 0 {
            (0.0, 0.0)
        } else {
            let nb = finite as f64;
            let mean_b = (self.finite_mean * n1 - earlier.finite_mean * n0) / nb;
            let delta = mean_b - earlier.finite_mean;
            let m2 = self.sum_of_squared_deviation
                - earlier.sum_of_squared_deviation
                - delta * delta * n0 * nb / n1;
            (mean_b, m2.max(0.0))
        };
        HistogramSnapshot {
            bounds: self.bounds.clone(),
            counts: self
                .counts
                .iter()
                .zip(&earlier.counts)
                .map(|(a, b)| a.saturating_sub(*b))
                .collect(),
            sum: self.sum - earlier.sum,
            min: self.min,
            max: self.max,
            sum_of_squared_deviation: m2,
            finite,
            finite_mean,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counting_and_searching_find_the_same_bucket() {
        let small: Vec<f64> = (0..LINEAR_BUCKETS).map(|i| i as f64 * 0.5).collect();
        let large: Vec<f64> = (0..LINEAR_BUCKETS * 3).map(|i| i as f64 * 0.5).collect();
        for bounds in [small, large] {
            let cell = HistogramCell::new(Arc::from(bounds.clone()), false);
            for i in -4..(bounds.len() as i32 * 2 + 4) {
                let v = f64::from(i) * 0.25;
                assert_eq!(cell.bucket(v), bounds.partition_point(|b| *b < v), "{v}");
            }
            for v in [f64::NEG_INFINITY, f64::INFINITY, -0.0] {
                assert_eq!(cell.bucket(v), bounds.partition_point(|b| *b < v), "{v}");
            }
            assert_eq!(cell.bucket(f64::NAN), bounds.len());
        }
    }

    #[test]
    fn buckets_are_upper_inclusive() {
        let cell = HistogramCell::new(Arc::from([1.0, 2.0, 3.0]), true);
        for v in [0.5, 1.0, 1.5, 3.0, 3.5, f64::NAN] {
            cell.observe(v);
        }
        let s = cell.snapshot();
        assert_eq!(s.counts, vec![2, 1, 1, 2]);
        assert_eq!(s.count(), 6);
        assert!(s.sum.is_nan());
        assert_eq!((s.min, s.max), (0.5, 3.5));
        // The spread leaves NaN out: values 0.5, 1, 1.5, 3, 3.5 (mean 1.9).
        assert!((s.sum_of_squared_deviation - 6.7).abs() < 1e-12);
    }

    /// Exact `M2` of `values` by two passes in 128-bit-free arithmetic: the values below are
    /// integers offset by a large constant, so the reference is computed on the integers.
    fn reference_m2(offsets: &[i64]) -> f64 {
        let n = offsets.len() as f64;
        let mean = offsets.iter().sum::<i64>() as f64 / n;
        offsets.iter().map(|o| (*o as f64 - mean).powi(2)).sum()
    }

    #[test]
    fn spread_is_accurate_where_the_naive_formula_cancels() {
        // Values around 1e9 with a spread of a few units: Σx² − (Σx)²/n loses every digit.
        let offsets: Vec<i64> = (0..10_000).map(|i| (i * 7919) % 13 - 6).collect();
        let cell = HistogramCell::new(Arc::from([1e9]), true);
        for o in &offsets {
            cell.observe(1e9 + *o as f64);
        }
        let exact = reference_m2(&offsets);
        let got = cell.snapshot().sum_of_squared_deviation;
        assert!(
            ((got - exact) / exact).abs() < 1e-9,
            "M2 {got} vs exact {exact}"
        );
        let naive = {
            let xs: Vec<f64> = offsets.iter().map(|o| 1e9 + *o as f64).collect();
            let s: f64 = xs.iter().sum();
            let s2: f64 = xs.iter().map(|x| x * x).sum();
            s2 - s * s / xs.len() as f64
        };
        assert!(
            ((naive - exact) / exact).abs() > 1e-3,
            "the control must fail"
        );
    }

    #[test]
    fn without_the_spread_the_rest_is_the_same() {
        let (with, without) = (
            HistogramCell::new(Arc::from([1.0, 2.0]), true),
            HistogramCell::new(Arc::from([1.0, 2.0]), false),
        );
        for v in [0.5, 1.5, 2.5, -3.0, f64::INFINITY] {
            with.observe(v);
            without.observe(v);
        }
        let (a, b) = (with.snapshot(), without.snapshot());
        assert_eq!(
            (&a.counts, a.sum, a.min, a.max),
            (&b.counts, b.sum, b.min, b.max)
        );
        assert!(a.sum_of_squared_deviation > 0.0);
        assert_eq!(b.sum_of_squared_deviation, 0.0);
        // A tracked spread carried into an untracked cell is not invented there.
        assert!(without.absorb(&a));
        assert_eq!(without.snapshot().sum_of_squared_deviation, 0.0);
    }

    #[test]
    fn exclusive_observation_and_merging_match_one_shared_cell() {
        let values = [
            3.0,
            9.0,
            -4.5,
            100.25,
            7.0,
            f64::NAN,
            7.0,
            0.125,
            f64::INFINITY,
        ];
        let shared = HistogramCell::new(Arc::from([0.0, 10.0]), true);
        let shards = [
            HistogramCell::new(Arc::from([0.0, 10.0]), true),
            HistogramCell::new(Arc::from([0.0, 10.0]), true),
            HistogramCell::new(Arc::from([0.0, 10.0]), true),
        ];
        for (i, v) in values.iter().enumerate() {
            shared.observe(*v);
            shards[i % 3].observe_exclusive(*v);
        }
        let mut merged = shards[0].snapshot();
        merged.merge(&shards[1].snapshot());
        merged.merge(&shards[2].snapshot());
        merged.merge(&HistogramCell::new(Arc::from([0.0, 10.0]), true).snapshot()); // an untouched shard changes nothing
        let expected = shared.snapshot();
        assert_eq!(merged.counts, expected.counts);
        assert_eq!((merged.min, merged.max), (expected.min, expected.max));
        assert!(merged.sum.is_nan() && expected.sum.is_nan());
        assert_eq!(merged.finite, expected.finite);
        assert!((merged.finite_mean - expected.finite_mean).abs() < 1e-12);
        let (a, b) = (
            merged.sum_of_squared_deviation,
            expected.sum_of_squared_deviation,
        );
        assert!((a - b).abs() < 1e-9 * b, "{a} vs {b}");
    }

    #[test]
    fn absorbing_merges_the_spread() {
        let (a, b, whole) = (
            HistogramCell::new(Arc::from([]), true),
            HistogramCell::new(Arc::from([]), true),
            HistogramCell::new(Arc::from([]), true),
        );
        for (i, v) in [3.0, 9.0, -4.5, 100.25, 7.0, 7.0, 0.125].iter().enumerate() {
            if i % 2 == 0 { &a } else { &b }.observe(*v);
            whole.observe(*v);
        }
        assert!(a.absorb(&b.snapshot()));
        let (merged, expected) = (a.snapshot(), whole.snapshot());
        assert_eq!(merged.count(), expected.count());
        assert!((merged.sum_of_squared_deviation - expected.sum_of_squared_deviation).abs() < 1e-9);
        assert_eq!(
            HistogramCell::new(Arc::from([]), true)
                .snapshot()
                .sum_of_squared_deviation,
            0.0
        );
    }
}
