//! A stream: the series of one instrument as shaped by one view.
//!
//! The record path is `Stream::record`: hash the attribute slice in place, find the series in
//! the calling thread's table of recent series (`recent.rs`) or else in a lock-free map
//! (`papaya`), and apply one atomic operation to its cell. Only the first record of a new
//! series allocates (the owned attribute set and the cell), and only that path may wait,
//! briefly, on the map's insertion.
//!
//! Hot series skip the map: the empty attribute set's series is cached in the stream, and
//! bound (and family) handles hold theirs. They record into per-thread shards
//! (`aggregation/shards.rs`) with a plain load and store; a thread's first record to a hot
//! series allocates its shard, once.

use std::borrow::Borrow;
use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use papaya::Equivalent as _;

use crate::aggregation::cell::{Cell, CellValue};
use crate::aggregation::shards::Shards;
use crate::aggregation::Resolved;
use crate::attributes::{AttributeQuery, Attributes, Key, KeyFilter, KeyValue};
use crate::data::{self, HistogramPoint, MetricData, NumberPoint, Temporality};
use crate::number::{Number, NumberKind};
use crate::recent::Recent;
use crate::shared_str::SharedStr;

/// The attribute the overflow series carries once a stream reaches its cardinality limit.
pub const OVERFLOW_ATTRIBUTE: &str = "otel.metric.overflow";

/// Series per thread and stream in the table of recent lookups (128 bytes of pointers,
/// allocated by a thread's first lookup in the stream).
const RECENT_SLOTS: usize = 16;

/// The default number of series per stream.
pub const DEFAULT_CARDINALITY_LIMIT: usize = 2000;

/// The name, description, unit and aggregation of a stream after views are applied.
#[derive(Clone, Debug)]
pub(crate) struct StreamSpec {
    pub(crate) name: SharedStr,
    pub(crate) description: SharedStr,
    pub(crate) unit: SharedStr,
    pub(crate) aggregation: Resolved,
    pub(crate) number: NumberKind,
    pub(crate) attribute_keys: Option<Arc<[Key]>>,
    pub(crate) cardinality_limit: usize,
    /// Series not written for this long leave the stream (see [`Stream::collect`]).
    pub(crate) idle_expiry: Option<Duration>,
    /// Whether histogram cells track the sum of squared deviations (a reader needs it).
    pub(crate) squared_deviation: bool,
}

impl StreamSpec {
    pub(crate) fn filter(&self) -> KeyFilter<'_> {
        match &self.attribute_keys {
            Some(keys) => KeyFilter::Only(keys),
            None => KeyFilter::All,
        }
    }

    /// The spec of a private stream for something made before registration (a `Default`
    /// bound handle or family, a field of a derived collector): unnamed, no view.
    pub(crate) fn detached(
        aggregation: Resolved,
        number: NumberKind,
        cardinality_limit: usize,
    ) -> StreamSpec {
        StreamSpec {
            name: "".into(),
            description: "".into(),
            unit: "".into(),
            aggregation,
            number,
            attribute_keys: None,
            cardinality_limit,
            idle_expiry: None,
            // Carried into a stream that may track it: track it here too.
            squared_deviation: true,
        }
    }

    pub(crate) fn metric(&self, data: MetricData) -> data::Metric {
        data::Metric {
            name: self.name.clone(),
            description: self.description.clone(),
            unit: self.unit.clone(),
            data,
        }
    }

    /// Assembles the points of one collection, in the order given, into the stream's data
    /// kind.
    pub(crate) fn data(
        &self,
        points: impl Iterator<Item = (Attributes, SystemTime, CellValue)>,
        now: SystemTime,
    ) -> MetricData {
        // Every point is one or the other, by the aggregation: one of the two is sized
        // right from the start (no regrowing through 10,000 points), the other stays empty.
        let histogram = matches!(
            self.aggregation,
            Resolved::Histogram { .. } | Resolved::GaugeHistogram { .. } | Resolved::Summary
        );
        let len = points.size_hint().0;
        let (mut numbers, mut histograms) = if histogram {
            (Vec::new(), Vec::with_capacity(len))
        } else {
            (Vec::with_capacity(len), Vec::new())
        };
        for (attributes, start_time, value) in points {
            match value {
                CellValue::Number(value) => numbers.push(NumberPoint {
                    attributes,
                    start_time,
                    time: now,
                    value,
                }),
                CellValue::Histogram(h) => histograms.push(HistogramPoint {
                    attributes,
                    start_time,
                    time: now,
                    count: h.count(),
                    min: (h.count() > 0 && !h.min.is_infinite()).then_some(h.min),
                    max: (h.count() > 0 && !h.max.is_infinite()).then_some(h.max),
                    bounds: h.bounds.to_vec(),
                    bucket_counts: h.counts,
                    sum: h.sum,
                    sum_of_squared_deviation: h.sum_of_squared_deviation,
                }),
            }
        }
        match &self.aggregation {
            Resolved::Sum { monotonic } => MetricData::Sum(data::Sum {
                points: numbers,
                monotonic: *monotonic,
                temporality: Temporality::Cumulative,
            }),
            Resolved::Count => MetricData::Sum(data::Sum {
                points: numbers,
                monotonic: true,
                temporality: Temporality::Cumulative,
            }),
            Resolved::LastValue => MetricData::Gauge(data::Gauge { points: numbers }),
            Resolved::Histogram { .. } => MetricData::Histogram(data::Histogram {
                points: histograms,
                temporality: Temporality::Cumulative,
            }),
            Resolved::GaugeHistogram { .. } => MetricData::GaugeHistogram(data::Histogram {
                points: histograms,
                temporality: Temporality::Cumulative,
            }),
            Resolved::Summary => MetricData::Summary(data::Summary {
                points: histograms.into_iter().map(summary_point).collect(),
            }),
            Resolved::Info => MetricData::Info(data::Gauge {
                points: numbers
                    .into_iter()
                    .map(|p| NumberPoint {
                        value: Number::U64(1),
                        ..p
                    })
                    .collect(),
            }),
            Resolved::StateSet { states } => MetricData::StateSet(data::Gauge {
                points: numbers
                    .iter()
                    .flat_map(|p| self.state_points(p, states))
                    .collect(),
            }),
        }
    }

    /// One point per state: the state label is the metric's name, as OpenMetrics wants.
    fn state_points<'a>(
        &'a self,
        current: &'a NumberPoint,
        states: &'a [String],
    ) -> impl Iterator<Item = NumberPoint> + 'a {
        let index = current.value.as_f64();
        states
            .iter()
            .enumerate()
            .map(move |(i, state)| NumberPoint {
                attributes: current
                    .attributes
                    .merged(&[KeyValue::new(self.name.to_string(), state.clone())]),
                start_time: current.start_time,
                time: current.time,
                value: Number::U64(u64::from(index == i as f64)),
            })
    }
}

fn summary_point(h: HistogramPoint) -> data::SummaryPoint {
    data::SummaryPoint {
        attributes: h.attributes,
        start_time: h.start_time,
        time: h.time,
        count: h.count,
        sum: h.sum,
        quantiles: Vec::new(),
    }
}

/// Orders attribute sets by their pairs, rendered as text, for deterministic output of
/// observations. Compares in place, without allocating.
pub(crate) fn cmp_attributes(a: &Attributes, b: &Attributes) -> std::cmp::Ordering {
    let (a, b) = (a.as_slice(), b.as_slice());
    for (x, y) in a.iter().zip(b) {
        let order = x
            .key
            .as_ref()
            .cmp(y.key.as_ref())
            .then_with(|| x.value.cmp_as_text(&y.value));
        if order.is_ne() {
            return order;
        }
    }
    a.len().cmp(&b.len())
}

fn unix_nanos(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

/// Collection-side locks only guard plain lists; a panic elsewhere cannot corrupt them.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// One series: its attributes, its cell and when it started.
#[derive(Debug)]
pub(crate) struct Series {
    pub(crate) attributes: Attributes,
    pub(crate) cell: Cell,
    /// When the series started (nanoseconds since the Unix epoch: half a `SystemTime`).
    start_nanos: u64,
    /// Set by every unbound record, cleared by each collection: "written since".
    touched: AtomicBool,
    /// When a collection last found it written (nanoseconds since the Unix epoch).
    last_active: AtomicU64,
    /// Cleared when the series leaves its stream, so a cached handle stops using it.
    live: AtomicBool,
    /// Creation order in the stream: collections list series in this order.
    seq: u64,
    /// Per-thread shards, once the series is hot (bound, or the empty set's): see
    /// `aggregation/shards.rs`. `Some(None)`: hot, but a last value (not sharded).
    shards: OnceLock<Option<Box<Shards>>>,
    /// Bound handles (`BoundCells`) holding the series: it never expires while one does.
    /// Counted, not read off the `Arc`'s count, since threads' tables of recent series
    /// hold it too.
    pub(crate) handles: AtomicU32,
}

impl Series {
    pub(crate) fn new(attributes: Attributes, spec: &StreamSpec) -> Self {
        Series::numbered(attributes, spec, 0)
    }

    fn numbered(attributes: Attributes, spec: &StreamSpec, seq: u64) -> Self {
        let now = unix_nanos(SystemTime::now());
        Series {
            attributes,
            cell: Cell::new(&spec.aggregation, spec.number, spec.squared_deviation),
            start_nanos: now,
            touched: AtomicBool::new(false),
            last_active: AtomicU64::new(now),
            live: AtomicBool::new(true),
            seq,
            shards: OnceLock::new(),
            handles: AtomicU32::new(0),
        }
    }

    /// An unbound record: the value, and "written since the last collection".
    #[inline]
    fn record(&self, value: Number) {
        self.cell.record(value);
        self.touch();
    }

    /// Marks the series written. Loads first: the flag is set at most once per collection,
    /// and a store on every record would make threads that record to one series (each to
    /// its own shard) fight over the cache line that holds the flag.
    #[inline]
    fn touch(&self) {
        if !self.touched.load(Relaxed) {
            self.touched.store(true, Relaxed);
        }
    }

    /// When the series started.
    pub(crate) fn start_time(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_nanos(self.start_nanos)
    }

    /// Whether the series left its stream (removed, or expired).
    fn is_removed(&self) -> bool {
        !self.live.load(Relaxed)
    }

    /// Gives the series per-thread shards (it is recorded to without a lookup from now on).
    pub(crate) fn make_hot(&self) {
        self.shards
            .get_or_init(|| Shards::for_cell(&self.cell).map(Box::new));
    }

    /// Records through the calling thread's shard if the series has them.
    #[inline]
    pub(crate) fn record_hot(&self, value: Number) {
        match self.shards.get() {
            Some(Some(shards)) => shards.record(value),
            _ => self.cell.record(value),
        }
    }

    /// The series' value: its shared cell plus its shards.
    pub(crate) fn value(&self) -> CellValue {
        let mut value = self.cell.value();
        if let Some(Some(shards)) = self.shards.get() {
            shards.add_to(&mut value);
        }
        value
    }
}

/// The map's hasher: keys already carry a well-mixed 64-bit hash, so it is passed through.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct PrehashedState;

#[derive(Default)]
pub(crate) struct PrehashedHasher(u64);

impl Hasher for PrehashedHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u64` is used by our keys; fold anything else in for safety.
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }
}

impl BuildHasher for PrehashedState {
    type Hasher = PrehashedHasher;
    fn build_hasher(&self) -> PrehashedHasher {
        PrehashedHasher(0)
    }
}

/// A series as a key of its stream's map: hashed and compared as its attribute set, so it
/// is found by an [`Attributes`] or an [`AttributeQuery`].
struct ByAttributes(Arc<Series>);

impl Hash for ByAttributes {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.attributes.hash(state);
    }
}

impl PartialEq for ByAttributes {
    fn eq(&self, other: &Self) -> bool {
        self.0.attributes == other.0.attributes
    }
}

impl Eq for ByAttributes {}

impl Borrow<Attributes> for ByAttributes {
    fn borrow(&self) -> &Attributes {
        &self.0.attributes
    }
}

impl papaya::Equivalent<ByAttributes> for AttributeQuery<'_> {
    fn equivalent(&self, key: &ByAttributes) -> bool {
        self.equivalent(&key.0.attributes)
    }
}

/// The series of a synchronous instrument's stream.
pub(crate) struct Stream {
    pub(crate) spec: StreamSpec,
    /// Each series once, as its own key (hashed and compared as its attribute set): an
    /// entry is one pointer, not the attribute set again beside it.
    series: papaya::HashMap<ByAttributes, (), PrehashedState>,
    len: AtomicUsize,
    /// The next series' [`Series::seq`].
    next_seq: AtomicU64,
    overflow: OnceLock<Arc<Series>>,
    /// The series of the empty attribute set, the most common one: `add(1, &[])` finds it
    /// without hashing or pinning the map (the map's epoch guard costs more than the add,
    /// and under contention much more). Set once; if the series is ever removed, its `live`
    /// flag turns the shortcut off for good and such records take the map like the others.
    unattributed: OnceLock<Arc<Series>>,
    /// Each thread's last series found by lookup (`recent.rs`): a repeated attribute set
    /// skips the map's epoch guard. An entry is used only while its series is `live`.
    recent: Recent<Series, RECENT_SLOTS>,
    /// Measurements folded into the overflow series and not yet reported (self-metrics).
    overflowed: AtomicU64,
    /// Series removed by the last collection (expired or removed by the user), kept one
    /// more collection: a thread that found one just before its removal may still add to
    /// it, and that late value is moved to the live series, not lost.
    removed: Mutex<Vec<(Arc<Series>, CellValue)>>,
}

impl std::fmt::Debug for Stream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stream")
            .field("name", &self.spec.name)
            .field("series", &self.len.load(Relaxed))
            .finish()
    }
}

impl Stream {
    pub(crate) fn new(spec: StreamSpec) -> Self {
        Stream {
            spec,
            series: papaya::HashMap::builder().hasher(PrehashedState).build(),
            len: AtomicUsize::new(0),
            next_seq: AtomicU64::new(0),
            overflow: OnceLock::new(),
            unattributed: OnceLock::new(),
            recent: Recent::new(),
            overflowed: AtomicU64::new(0),
            removed: Mutex::new(Vec::new()),
        }
    }

    /// Records `value` for the series identified by `attributes`.
    #[inline]
    pub(crate) fn record(&self, value: Number, attributes: &[KeyValue]) {
        // Kept small so that it inlines into `add`: the empty set's shortcut is a few loads
        // and the cell's atomic operation; everything else is out of line.
        if attributes.is_empty() {
            if let Some(series) = self.unattributed.get().filter(|s| s.live.load(Relaxed)) {
                series.record_hot(value);
                series.touch();
                return;
            }
        }
        self.record_by_lookup(value, attributes);
    }

    #[inline(never)]
    fn record_by_lookup(&self, value: Number, attributes: &[KeyValue]) {
        let query = AttributeQuery::new(attributes, self.spec.filter());
        let recent = self.recent.find(query.hash, |series| {
            !series.is_removed() && query.equivalent(&series.attributes)
        });
        if let Some(series) = recent {
            series.record(value);
            return;
        }
        let map = self.series.pin();
        if let Some((ByAttributes(series), ())) = map.get_key_value(&query) {
            series.record(value);
            self.recent.remember(query.hash, series, Series::is_removed);
            return;
        }
        drop(map);
        let series = self.series_slow(attributes);
        series.record(value);
        // Not the overflow series, which stands for every set past the limit.
        if !self.overflow.get().is_some_and(|o| Arc::ptr_eq(o, &series)) {
            self.recent
                .remember(query.hash, &series, Series::is_removed);
        }
    }

    /// The series for `attributes`, created if needed, made hot (the bind path).
    pub(crate) fn series(&self, attributes: &[KeyValue]) -> Arc<Series> {
        let query = AttributeQuery::new(attributes, self.spec.filter());
        let series = match self.series.pin().get_key_value(&query) {
            Some((ByAttributes(series), ())) => series.clone(),
            None => self.series_slow(attributes),
        };
        series.make_hot();
        series
    }

    #[cold]
    fn series_slow(&self, attributes: &[KeyValue]) -> Arc<Series> {
        let owned = Attributes::filtered(attributes, self.spec.filter());
        let map = self.series.pin();
        if let Some((ByAttributes(series), ())) = map.get_key_value(&owned) {
            return series.clone();
        }
        if self.len.load(Relaxed) >= self.spec.cardinality_limit {
            return self.overflow_series();
        }
        let unattributed = owned.is_empty();
        let seq = self.next_seq.fetch_add(1, Relaxed);
        let fresh = Arc::new(Series::numbered(owned, &self.spec, seq));
        let series = loop {
            if map.try_insert(ByAttributes(fresh.clone()), ()).is_ok() {
                self.len.fetch_add(1, Relaxed);
                break fresh;
            }
            // Another thread added it first; unless it was removed since, that one it is.
            if let Some((ByAttributes(series), ())) = map.get_key_value(&fresh.attributes) {
                break series.clone();
            }
        };
        if unattributed && self.unattributed.get().is_none() {
            // Only the first empty series is cached; a later one (after a removal) is
            // reached through the map.
            series.make_hot();
            let _ = self.unattributed.set(series.clone());
        }
        series
    }

    fn overflow_series(&self) -> Arc<Series> {
        self.overflowed.fetch_add(1, Relaxed);
        self.overflow
            .get_or_init(|| {
                // Once per stream: the operator should raise the limit or fix the attributes.
                log::warn!(
                    "metric {:?} reached its cardinality limit of {} series: further attribute \
                     sets are folded into the series {OVERFLOW_ATTRIBUTE}=true",
                    self.spec.name,
                    self.spec.cardinality_limit
                );
                Arc::new(Series::numbered(
                    Attributes::from([KeyValue::new(OVERFLOW_ATTRIBUTE, true)]),
                    &self.spec,
                    u64::MAX, // listed last
                ))
            })
            .clone()
    }

    /// Measurements folded into the overflow series since the last call.
    pub(crate) fn take_overflowed(&self) -> u64 {
        self.overflowed.swap(0, Relaxed)
    }

    /// Removes the series whose attributes `keep` rejects; returns how many. Values recorded
    /// to them concurrently with the removal are carried into the live series at the next
    /// collection.
    pub(crate) fn retain(&self, mut keep: impl FnMut(&Attributes) -> bool) -> usize {
        let map = self.series.pin();
        let doomed: Vec<Attributes> = map
            .keys()
            .filter(|ByAttributes(series)| !keep(&series.attributes))
            .map(|ByAttributes(series)| series.attributes.clone())
            .collect();
        let mut removed = lock(&self.removed);
        for attrs in &doomed {
            if let Some((ByAttributes(series), ())) = map.remove_entry(attrs) {
                self.len.fetch_sub(1, Relaxed);
                series.live.store(false, Relaxed);
                series.touched.store(false, Relaxed);
                removed.push((series.clone(), series.value()));
            }
        }
        doomed.len()
    }

    /// Expires idle series, and moves values that reached removed series late into the
    /// live ones.
    fn maintain(&self, now: SystemTime) {
        let late = std::mem::take(&mut *lock(&self.removed));
        for (series, at_removal) in late {
            if series.touched.load(Relaxed) {
                let live = self.series_slow(series.attributes.as_slice());
                live.cell.absorb_since(series.value(), &at_removal);
                live.touched.store(true, Relaxed);
            }
        }
        let Some(expiry) = self.spec.idle_expiry else {
            return;
        };
        let map = self.series.pin();
        let mut expired = Vec::new();
        let now_nanos = unix_nanos(now);
        for ByAttributes(series) in map.keys() {
            let idle = now_nanos.saturating_sub(series.last_active.load(Relaxed));
            if series.touched.swap(false, Relaxed) {
                series.last_active.store(now_nanos, Relaxed);
            } else if Duration::from_nanos(idle) >= expiry
                // A bound handle keeps writing to its series: never expire it.
                && series.handles.load(Relaxed) == 0
            {
                expired.push(series.attributes.clone());
            }
        }
        drop(map);
        if !expired.is_empty() {
            self.retain(|attrs| !expired.contains(attrs));
        }
    }

    pub(crate) fn collect(&self, now: SystemTime) -> data::Metric {
        self.maintain(now);
        let map = self.series.pin();
        // In creation order: deterministic for a deterministic program (sorting by the
        // attributes' text cost most of a collection of 10,000 series, and the Prometheus
        // encoder orders by its own labels anyway). The overflow series comes last.
        let series = in_creation_order(map.keys().map(|ByAttributes(s)| (s.seq, s)).collect());
        let points = series
            .into_iter()
            .chain(self.overflow.get())
            .map(|s| (s.attributes.clone(), s.start_time(), s.value()));
        self.spec.metric(self.spec.data(points, now))
    }
}

/// The series ordered by their sequence numbers. A stream numbers its series 0, 1, 2…, so
/// unless many were removed each is put in its number's slot in one pass; a sparse set is
/// sorted (the key next to the pointer: sorting must not visit 10,000 series).
fn in_creation_order<T>(mut numbered: Vec<(u64, T)>) -> Vec<T> {
    let (Some(min), Some(max)) = (
        numbered.iter().map(|(seq, _)| *seq).min(),
        numbered.iter().map(|(seq, _)| *seq).max(),
    ) else {
        return Vec::new();
    };
    let span = max - min;
    if span >= 2 * numbered.len() as u64 {
        numbered.sort_unstable_by_key(|(seq, _)| *seq);
        return numbered.into_iter().map(|(_, t)| t).collect();
    }
    // Dense: `span` is below twice the count, so it fits in memory like the list itself.
    let mut slots: Vec<Option<T>> = (0..=span).map(|_| None).collect();
    for (seq, t) in numbered {
        #[allow(clippy::cast_possible_truncation)]
        let slot = (seq - min) as usize;
        slots[slot] = Some(t);
    }
    slots.into_iter().flatten().collect()
}

#[cfg(test)]
mod expiry_tests {
    use super::*;
    use crate::aggregation::Resolved;

    fn counter_stream(idle: Option<Duration>) -> Stream {
        Stream::new(StreamSpec {
            name: "c".into(),
            description: "".into(),
            unit: "".into(),
            aggregation: Resolved::Sum { monotonic: true },
            number: NumberKind::U64,
            attribute_keys: None,
            cardinality_limit: 10,
            idle_expiry: idle,
            squared_deviation: false,
        })
    }

    fn total(stream: &Stream, at: SystemTime) -> u64 {
        let MetricData::Sum(sum) = stream.collect(at).data else {
            panic!()
        };
        sum.points
            .iter()
            .map(|p| match p.value {
                Number::U64(v) => v,
                _ => 0,
            })
            .sum()
    }

    #[test]
    fn a_value_that_reaches_a_removed_series_is_carried_over() {
        let stream = counter_stream(None);
        let attrs = [KeyValue::new("k", "v")];
        stream.record(Number::U64(1), &attrs);
        // A recording thread that found the series just before its removal…
        let found = stream
            .series
            .pin()
            .get_key_value(&Attributes::new(attrs.clone()))
            .map(|(ByAttributes(series), ())| series.clone())
            .unwrap();
        assert_eq!(stream.retain(|_| false), 1);
        // …adds to it afterwards.
        found.cell.record(Number::U64(5));
        found.touched.store(true, Relaxed);
        let now = SystemTime::now();
        assert_eq!(total(&stream, now), 5, "the late 5 lands in a new series");
        assert_eq!(stream.len.load(Relaxed), 1);
    }

    #[test]
    fn the_cached_empty_series_can_be_removed_and_expire() {
        let stream = counter_stream(Some(Duration::from_secs(10)));
        let t0 = SystemTime::now();
        stream.record(Number::U64(1), &[]);
        stream.record(Number::U64(2), &[]);
        assert!(
            stream.unattributed.get().is_some(),
            "the shortcut is in use"
        );
        assert_eq!(total(&stream, t0), 3);
        assert_eq!(stream.retain(|_| false), 1);
        assert_eq!(total(&stream, t0), 0, "removed");
        // Written again: a new series through the map, the old one is not written to.
        stream.record(Number::U64(4), &[]);
        assert_eq!(total(&stream, t0), 4);
        stream.record(Number::U64(1), &[]);
        assert_eq!(total(&stream, t0), 5);
        // The cached series itself expires when idle (the cache is not an owner).
        let fresh = counter_stream(Some(Duration::from_secs(10)));
        fresh.record(Number::U64(7), &[]);
        assert_eq!(total(&fresh, t0), 7);
        assert_eq!(total(&fresh, t0 + Duration::from_secs(11)), 0, "expired");
        fresh.record(Number::U64(1), &[]);
        assert_eq!(total(&fresh, t0 + Duration::from_secs(12)), 1, "restarted");
    }

    #[test]
    fn a_series_in_a_threads_table_is_dropped_from_it_when_removed() {
        let stream = counter_stream(None);
        let t0 = SystemTime::now();
        let a = [KeyValue::new("k", "a")];
        stream.record(Number::U64(1), &a);
        stream.record(Number::U64(1), &a); // from this thread's table
        assert_eq!(total(&stream, t0), 2);
        assert_eq!(stream.retain(|_| false), 1);
        // The table still holds the removed series; it is not live, so the record goes
        // through the map to a new series instead.
        stream.record(Number::U64(5), &a);
        assert_eq!(total(&stream, t0), 5);
        stream.record(Number::U64(1), &a);
        assert_eq!(total(&stream, t0), 6);
    }

    #[test]
    fn a_series_in_a_threads_table_still_expires_and_a_dropped_handle_lets_it() {
        use crate::instrument::bound::BoundCells;

        let stream = counter_stream(Some(Duration::from_secs(10)));
        let t0 = SystemTime::now();
        stream.record(Number::U64(1), &[KeyValue::new("k", "looked-up")]);
        stream.record(Number::U64(1), &[KeyValue::new("k", "looked-up")]);
        let bound = BoundCells::new(Box::new([stream.series(&[KeyValue::new("k", "bound")])]));
        let copy = bound.clone();
        drop(bound);
        assert_eq!(total(&stream, t0), 2);
        // The table's reference does not keep the looked-up series; the copy of the handle
        // keeps the bound one.
        assert_eq!(total(&stream, t0 + Duration::from_secs(11)), 0);
        assert_eq!(stream.len.load(Relaxed), 1);
        drop(copy);
        assert_eq!(total(&stream, t0 + Duration::from_secs(22)), 0);
        assert_eq!(
            stream.len.load(Relaxed),
            0,
            "its last handle is gone: it expires"
        );
    }

    #[test]
    fn idle_series_expire_and_bound_ones_do_not() {
        use crate::instrument::bound::BoundCells;

        let stream = counter_stream(Some(Duration::from_secs(10)));
        let t0 = SystemTime::now();
        stream.record(Number::U64(1), &[KeyValue::new("k", "idle")]);
        let bound = BoundCells::new(Box::new([stream.series(&[KeyValue::new("k", "bound")])]));
        bound.series()[0].cell.record(Number::U64(2));
        assert_eq!(total(&stream, t0), 3);
        assert_eq!(total(&stream, t0 + Duration::from_secs(5)), 3);
        // 11 s without a write: the idle series goes, the bound one stays.
        assert_eq!(total(&stream, t0 + Duration::from_secs(11)), 2);
        assert_eq!(stream.len.load(Relaxed), 1);
        drop(bound);
    }
}

#[cfg(test)]
mod order_tests {
    use super::in_creation_order;

    #[test]
    fn dense_and_sparse_numbers_both_come_out_in_order() {
        let dense = vec![(12, 'c'), (10, 'a'), (13, 'd'), (11, 'b'), (15, 'e')];
        assert_eq!(in_creation_order(dense), ['a', 'b', 'c', 'd', 'e']);
        let sparse = vec![(900, 'c'), (3, 'a'), (40, 'b')];
        assert_eq!(in_creation_order(sparse), ['a', 'b', 'c']);
        assert_eq!(in_creation_order(vec![(7, 'x')]), ['x']);
        assert!(in_creation_order(Vec::<(u64, char)>::new()).is_empty());
        let many: Vec<(u64, u64)> = (0..10_000).rev().map(|i| (i * 3 % 10_000, i)).collect();
        let order: Vec<u64> = in_creation_order(many)
            .iter()
            .map(|i| i * 3 % 10_000)
            .collect();
        assert!(order.windows(2).all(|w| w[0] < w[1]) && order.len() == 10_000);
    }
}
