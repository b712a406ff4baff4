//! Test support: a provider local to one test, snapshots, and assertions on whole points.
//!
//! Nothing here is global, so tests run in parallel without seeing each other's metrics.
//! Snapshots do not reset or drain anything: take as many as you like.
//! This module is not covered by semver guarantees.

use std::fmt::Write as _;

use crate::attributes::{Attributes, KeyValue};
use crate::data::{HistogramPoint, Metric, MetricData, NumberPoint, ResourceMetrics};
use crate::number::Number;
use crate::provider::{Meter, MeterProvider};
use crate::reader::ManualReader;
use crate::view::View;

/// A provider with a manual reader, private to one test.
///
/// ```
/// # use telemetry_core::testing::TestProvider;
/// let t = TestProvider::new();
/// t.meter().u64_counter("hits").build().unwrap().add(1, &[]);
/// t.snapshot().assert_sum("hits", &[], 1u64);
/// ```
#[derive(Debug)]
pub struct TestProvider {
    provider: MeterProvider,
    reader: ManualReader,
}

impl Default for TestProvider {
    fn default() -> Self {
        Self::new()
    }
}

impl TestProvider {
    /// A provider with no views.
    #[must_use]
    pub fn new() -> Self {
        Self::with_views(Vec::new())
    }

    /// A provider with `views`.
    ///
    /// # Panics
    /// If a view is invalid.
    #[must_use]
    pub fn with_views(views: Vec<View>) -> Self {
        let reader = ManualReader::new();
        let builder = views
            .into_iter()
            .fold(MeterProvider::builder(), |b, v| b.with_view(v));
        TestProvider {
            provider: builder.with_reader(reader.clone()).build(),
            reader,
        }
    }

    /// The provider (to shut it down, or to hand it to code under test).
    #[must_use]
    pub fn provider(&self) -> &MeterProvider {
        &self.provider
    }

    /// A meter named `test`.
    #[must_use]
    pub fn meter(&self) -> Meter {
        self.provider.meter("test")
    }

    /// Collects now; after shutdown, the final collection.
    ///
    /// # Panics
    /// If the provider was shut down before any collection was handed over.
    #[must_use]
    pub fn snapshot(&self) -> Snapshot {
        let data = self
            .reader
            .collect()
            .ok()
            .or_else(|| self.reader.last_collection())
            .expect("the test provider has no collection");
        Snapshot(data)
    }
}

/// One collection, with lookups and assertions by metric name and exact attribute set.
#[derive(Clone, Debug)]
pub struct Snapshot(pub ResourceMetrics);

impl Snapshot {
    /// The metric called `name` (the first, if several scopes produce it).
    #[must_use]
    pub fn metric(&self, name: &str) -> Option<&Metric> {
        self.0.metric(name)
    }

    /// The names of all metrics, sorted.
    #[must_use]
    pub fn metric_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.0.metrics().map(|m| &*m.name).collect();
        names.sort_unstable();
        names
    }

    fn number_points(&self, name: &str) -> Option<&[NumberPoint]> {
        match &self.0.metric(name)?.data {
            MetricData::Sum(s) => Some(&s.points),
            MetricData::Gauge(g) | MetricData::Info(g) | MetricData::StateSet(g) => Some(&g.points),
            _ => None,
        }
    }

    /// The value of a sum or gauge series.
    #[must_use]
    pub fn value(&self, name: &str, attributes: &[KeyValue]) -> Option<Number> {
        let wanted = Attributes::new(attributes.iter().cloned());
        self.number_points(name)?
            .iter()
            .find(|p| p.attributes == wanted)
            .map(|p| p.value)
    }

    /// The point of a histogram series.
    #[must_use]
    pub fn histogram(&self, name: &str, attributes: &[KeyValue]) -> Option<&HistogramPoint> {
        let wanted = Attributes::new(attributes.iter().cloned());
        match &self.0.metric(name)?.data {
            MetricData::Histogram(h) | MetricData::GaugeHistogram(h) => {
                h.points.iter().find(|p| p.attributes == wanted)
            }
            _ => None,
        }
    }

    fn describe(&self) -> String {
        let mut out = String::new();
        for m in self.0.metrics() {
            let _ = writeln!(out, "  {}: {:?}", m.name, m.data);
        }
        out
    }

    fn assert_number(&self, what: &str, name: &str, attributes: &[KeyValue], expected: Number) {
        let is_kind = match self.0.metric(name).map(|m| &m.data) {
            Some(MetricData::Sum(_)) => what == "sum",
            Some(MetricData::Gauge(_)) => what == "gauge",
            _ => false,
        };
        let actual = self.value(name, attributes);
        assert!(
            is_kind && actual == Some(expected),
            "expected {what} {name}{attributes:?} = {expected:?}, found {actual:?}; collected:\n{}",
            self.describe()
        );
    }

    /// Asserts a sum series has exactly this value (and type).
    ///
    /// # Panics
    /// If it does not, listing everything collected.
    pub fn assert_sum(&self, name: &str, attributes: &[KeyValue], expected: impl Into<Number>) {
        self.assert_number("sum", name, attributes, expected.into());
    }

    /// Asserts a gauge series has exactly this value (and type).
    ///
    /// # Panics
    /// If it does not, listing everything collected.
    pub fn assert_gauge(&self, name: &str, attributes: &[KeyValue], expected: impl Into<Number>) {
        self.assert_number("gauge", name, attributes, expected.into());
    }

    /// Asserts a histogram series' bucket counts (not cumulative, `+Inf` last) and sum.
    ///
    /// # Panics
    /// If it does not match.
    pub fn assert_histogram(&self, name: &str, attributes: &[KeyValue], buckets: &[u64], sum: f64) {
        let point = self.histogram(name, attributes);
        let ok = point.is_some_and(|p| {
            p.bucket_counts == buckets
                && p.count == buckets.iter().sum::<u64>()
                && (p.sum - sum).abs() <= 1e-9 * sum.abs().max(1.0)
        });
        assert!(
            ok,
            "expected histogram {name}{attributes:?} with buckets {buckets:?} and sum {sum}, found {point:?}; collected:\n{}",
            self.describe()
        );
    }

    /// Asserts a summary series' count and sum.
    ///
    /// # Panics
    /// If it does not match.
    pub fn assert_summary(&self, name: &str, attributes: &[KeyValue], count: u64, sum: f64) {
        let wanted = Attributes::new(attributes.iter().cloned());
        let point = match self.0.metric(name).map(|m| &m.data) {
            Some(MetricData::Summary(s)) => s.points.iter().find(|p| p.attributes == wanted),
            _ => None,
        };
        let ok = point
            .is_some_and(|p| p.count == count && (p.sum - sum).abs() <= 1e-9 * sum.abs().max(1.0));
        assert!(
            ok,
            "expected summary {name}{attributes:?} with count {count} and sum {sum}, found {point:?}; collected:\n{}",
            self.describe()
        );
    }

    /// Asserts an info metric exports the series `attributes` (value 1).
    ///
    /// # Panics
    /// If it does not.
    pub fn assert_info(&self, name: &str, attributes: &[KeyValue]) {
        let found = matches!(
            self.0.metric(name).map(|m| &m.data),
            Some(MetricData::Info(_))
        ) && self.value(name, attributes) == Some(Number::U64(1));
        assert!(
            found,
            "expected info {name}{attributes:?}; collected:\n{}",
            self.describe()
        );
    }

    /// Asserts `state` is the current state of the state-set series `attributes`: its
    /// point is 1 and every other state's is 0.
    ///
    /// # Panics
    /// If it is not.
    pub fn assert_state(&self, name: &str, attributes: &[KeyValue], state: &str) {
        let wanted = Attributes::new(attributes.iter().cloned());
        let points: Vec<(String, Number)> = match self.0.metric(name).map(|m| &m.data) {
            Some(MetricData::StateSet(g)) => g
                .points
                .iter()
                .filter_map(|p| {
                    let label = p.attributes.get(name)?.as_str().into_owned();
                    let rest: Vec<KeyValue> = p
                        .attributes
                        .iter()
                        .filter(|kv| kv.key.as_ref() != name)
                        .cloned()
                        .collect();
                    (Attributes::new(rest) == wanted).then_some((label, p.value))
                })
                .collect(),
            _ => Vec::new(),
        };
        let ok = !points.is_empty()
            && points
                .iter()
                .all(|(s, v)| *v == Number::U64(u64::from(s == state)));
        assert!(
            ok,
            "expected state {state:?} of {name}{attributes:?}, found {points:?}; collected:\n{}",
            self.describe()
        );
    }

    /// Asserts no series of `name` exists.
    ///
    /// # Panics
    /// If one does.
    pub fn assert_absent(&self, name: &str) {
        assert!(
            self.0.metric(name).is_none(),
            "expected no metric {name}; collected:\n{}",
            self.describe()
        );
    }
}
