//! The API's per-series timing rules: the points of a series must be strictly newer than
//! the last one written, and at most one every 5 seconds (a point sooner than that is
//! rejected, and the points that succeeded alongside it would be rejected as too old if the
//! request were simply retried).
//!
//! A series whose new point comes too soon is *held back*, not dropped: the next export
//! replaces it with a newer point (values are cumulative or current, so nothing is lost), and
//! at shutdown [`Pacer::release`] moves its end time to the earliest allowed instant, after
//! waiting for it, so the final values are written.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use super::model::{MetricRef, TimeSeries};

/// The API's minimum distance between two points of one series.
pub(super) const MIN_PERIOD: Duration = Duration::from_secs(5);

/// Per-series memory of what was written and what waits.
#[derive(Debug, Default)]
pub(super) struct Pacer {
    /// End time of the last point written, per series (the resource is the exporter's, so
    /// the metric part identifies a series).
    last_written: HashMap<MetricRef, SystemTime>,
    /// Held back: the newest point per series that could not be written yet.
    held: HashMap<MetricRef, TimeSeries>,
}

/// What [`Pacer::admit`] decided for one collection.
#[derive(Debug, Default)]
pub(super) struct Admitted {
    /// Series to write now (at most one per series).
    pub(super) ready: Vec<TimeSeries>,
    /// How many series were held back.
    pub(super) held: usize,
    /// Points older than the last written one for their series, dropped.
    pub(super) stale: Vec<String>,
    /// Second points of one series in one collection (two metrics of one name in different
    /// meters, or attribute keys that sanitize alike), dropped: a request may carry a series
    /// once.
    pub(super) duplicates: Vec<String>,
}

impl Pacer {
    /// Sorts `series` into those that may be written now and those held back; held-back
    /// points of earlier collections that became writable are released too.
    pub(super) fn admit(&mut self, series: Vec<TimeSeries>) -> Admitted {
        let mut admitted = Admitted::default();
        let mut seen = std::collections::HashSet::new();
        for ts in series {
            let key = ts.metric.clone();
            if !seen.insert(key.clone()) {
                admitted.duplicates.push(key.metric_type);
                continue;
            }
            // A newer point supersedes a held one.
            self.held.remove(&key);
            match self.check(&ts) {
                Check::Ready => admitted.ready.push(ts),
                Check::TooSoon => {
                    self.held.insert(key, ts);
                }
                Check::Stale => admitted.stale.push(ts.metric.metric_type.clone()),
            }
        }
        let writable: Vec<MetricRef> = self
            .held
            .iter()
            .filter(|(_, ts)| matches!(self.check(ts), Check::Ready))
            .map(|(k, _)| k.clone())
            .collect();
        for key in writable {
            if let Some(ts) = self.held.remove(&key) {
                admitted.ready.push(ts);
            }
        }
        admitted.held = self.held.len();
        admitted
    }

    fn check(&self, ts: &TimeSeries) -> Check {
        let end = ts.points[0].interval.end_time;
        match self.last_written.get(&ts.metric) {
            None => Check::Ready,
            Some(last) if end <= *last => Check::Stale,
            Some(last) if end < *last + MIN_PERIOD => Check::TooSoon,
            Some(_) => Check::Ready,
        }
    }

    /// Records that `ts` was written.
    pub(super) fn written(&mut self, ts: &TimeSeries) {
        self.last_written
            .insert(ts.metric.clone(), ts.points[0].interval.end_time);
    }

    /// Puts a point that could not be written back among the held ones (unless a newer one
    /// arrived meanwhile), so it is tried again.
    pub(super) fn hold(&mut self, ts: TimeSeries) {
        self.held.entry(ts.metric.clone()).or_insert(ts);
    }

    /// Number of held-back series.
    pub(super) fn held(&self) -> usize {
        self.held.len()
    }

    /// The instant at which every held point may be written, if any is held.
    pub(super) fn all_writable_at(&self) -> Option<SystemTime> {
        self.held
            .keys()
            .filter_map(|k| self.last_written.get(k))
            .map(|last| *last + MIN_PERIOD)
            .max()
    }

    /// For the final export: the held points whose series may be written by `now`, with end
    /// times moved to `max(end, last + 5 s)`. Their values were final when collected, so a
    /// later end time states the truth. The others stay held.
    pub(super) fn release(&mut self, now: SystemTime) -> Vec<TimeSeries> {
        let keys: Vec<MetricRef> = self.held.keys().cloned().collect();
        let mut out = Vec::new();
        for key in keys {
            let earliest = self.last_written.get(&key).map(|last| *last + MIN_PERIOD);
            if earliest.is_some_and(|e| e > now) {
                continue;
            }
            if let Some(mut ts) = self.held.remove(&key) {
                let interval = &mut ts.points[0].interval;
                // A CUMULATIVE point keeps its start; a GAUGE point has none.
                if let Some(earliest) = earliest {
                    interval.end_time = interval.end_time.max(earliest);
                }
                out.push(ts);
            }
        }
        out
    }
}

enum Check {
    Ready,
    TooSoon,
    Stale,
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::stackdriver::model::{
        MetricKind, MonitoredResourceRef, Point, TimeInterval, TypedValue, ValueType,
    };

    fn ts(name: &str, end: SystemTime, v: i64) -> TimeSeries {
        TimeSeries {
            metric: MetricRef {
                metric_type: name.into(),
                labels: BTreeMap::new(),
            },
            resource: MonitoredResourceRef {
                resource_type: "global".into(),
                labels: BTreeMap::new(),
            },
            metric_kind: MetricKind::Gauge,
            value_type: ValueType::Int64,
            unit: String::new(),
            points: [Point {
                interval: TimeInterval {
                    end_time: end,
                    start_time: None,
                },
                value: TypedValue::Int64(v),
            }],
        }
    }

    #[test]
    fn too_soon_is_held_then_superseded_then_released_with_a_later_end() {
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let mut pacer = Pacer::default();
        let a = pacer.admit(vec![ts("a", t0, 1)]);
        assert_eq!(a.ready.len(), 1);
        pacer.written(&a.ready[0]);

        let second = pacer.admit(vec![ts("a", t0 + Duration::from_secs(1), 2)]);
        assert!(second.ready.is_empty());
        assert_eq!(second.held, 1);
        let third = pacer.admit(vec![ts("a", t0 + Duration::from_secs(2), 3)]);
        assert_eq!((third.ready.len(), pacer.held()), (0, 1));

        assert_eq!(pacer.all_writable_at(), Some(t0 + MIN_PERIOD));
        assert!(pacer.release(t0 + Duration::from_secs(4)).is_empty());
        let last = pacer.release(t0 + MIN_PERIOD);
        assert_eq!(last.len(), 1);
        assert_eq!(last[0].points[0].value, TypedValue::Int64(3));
        assert_eq!(last[0].points[0].interval.end_time, t0 + MIN_PERIOD);
        assert_eq!(pacer.held(), 0);
    }

    #[test]
    fn stale_points_are_dropped_and_held_points_become_ready() {
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let mut pacer = Pacer::default();
        let a = pacer.admit(vec![ts("a", t0, 1), ts("b", t0, 1)]);
        a.ready.iter().for_each(|t| pacer.written(t));
        let b = pacer.admit(vec![
            ts("a", t0, 2),
            ts("b", t0 + Duration::from_secs(1), 2),
        ]);
        assert_eq!(b.stale, vec!["a".to_owned()]);
        let twice = Pacer::default().admit(vec![ts("d", t0, 1), ts("d", t0, 2)]);
        assert_eq!((twice.ready.len(), twice.duplicates.len()), (1, 1));
        assert_eq!(b.held, 1);
        // "b" is not collected again, but its held point becomes writable by its own end time
        // only when that is 5 s after the last write: not yet.
        let c = pacer.admit(vec![ts("a", t0 + Duration::from_secs(6), 3)]);
        assert_eq!(c.ready.len(), 1);
        assert_eq!(c.held, 1);
    }
}
