//! What an export could not send as given: collected while translating, logged once per
//! metric and kind of problem (a misconfigured metric would otherwise warn every interval),
//! and counted in the exporter's [`ExportStats`](super::ExportStats).

use std::collections::HashSet;

/// A kind of problem with one metric's points.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) enum Problem {
    /// An attribute key was not a valid label key and was rewritten.
    KeyRenamed,
    /// Two attribute keys became the same label key; the second was dropped.
    KeyCollision,
    /// A label value was longer than 1024 characters and was cut.
    ValueTruncated,
    /// A point had more than 30 labels and was not sent.
    TooManyLabels,
    /// A value cannot be represented (an unsigned value above `i64::MAX` was capped, a
    /// non-finite mean was sent as 0).
    ValueClamped,
    /// A histogram had more than 200 buckets; neighbours were merged.
    BucketsMerged,
    /// A point was older than the last one written for its series and was dropped.
    Stale,
    /// A series appeared twice in one collection; the second point was dropped.
    Duplicate,
}

impl Problem {
    /// True if the point itself was not sent.
    pub(super) fn loses_point(self) -> bool {
        matches!(
            self,
            Problem::TooManyLabels | Problem::Stale | Problem::Duplicate
        )
    }
}

/// One problem, with the metric and the details.
#[derive(Debug)]
pub(super) struct Reported {
    pub(super) metric: String,
    pub(super) kind: Problem,
    pub(super) detail: String,
}

/// The problems of one export.
#[derive(Debug, Default)]
pub(super) struct Problems(Vec<Reported>);

impl Problems {
    pub(super) fn add(&mut self, metric: &str, kind: Problem, detail: String) {
        self.0.push(Reported {
            metric: metric.to_owned(),
            kind,
            detail,
        });
    }

    #[cfg(test)]
    pub(super) fn iter(&self) -> impl Iterator<Item = &Reported> {
        self.0.iter()
    }

    /// Logs the problems not logged before (`warned` remembers them across exports) and
    /// returns how many points were not sent.
    pub(super) fn log_new(&self, warned: &mut HashSet<(String, Problem)>) -> u64 {
        let mut lost = 0;
        for p in &self.0 {
            lost += u64::from(p.kind.loses_point());
            if warned.insert((p.metric.clone(), p.kind)) {
                log::warn!(
                    "stackdriver: metric {:?}: {} (reported once per metric)",
                    p.metric,
                    p.detail
                );
            }
        }
        lost
    }
}
