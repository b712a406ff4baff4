//! Grouping a collection into Prometheus metric families.
//!
//! The text format needs every family in one contiguous block with one HELP and one TYPE
//! line, and every series of a family exactly once. A collection does not promise that:
//! two meters (scopes) can produce the same metric name, two names can sanitise to the same
//! family, and two attribute sets can sanitise to the same label set. This module resolves
//! all of that into a sorted, duplicate-free model before anything is written, and records
//! what it had to drop as [`Warning`]s; the writer in `text.rs` then only formats.

use std::borrow::Cow;
use std::collections::btree_map::Entry;
use std::collections::BTreeMap;

use telemetry_core::{
    Attributes, HistogramPoint, MetricData, Number, NumberPoint, ResourceMetrics, Scope,
    Temporality,
};

use super::names::{family_name, sanitize_label_name};
use super::text::{TextOptions, Warning};

/// The Prometheus type of a family.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Counter,
    Gauge,
    Histogram,
}

impl Kind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
            Kind::Histogram => "histogram",
        }
    }
}

/// Sanitised label names and their values, sorted by name, each name once.
pub(crate) type Labels<'a> = Vec<(Cow<'a, str>, Cow<'a, str>)>;

/// One family: its type, its help text and its series sorted by label set.
#[derive(Debug)]
pub(crate) struct Family<'a> {
    pub(crate) kind: Kind,
    pub(crate) help: &'a str,
    pub(crate) series: BTreeMap<Labels<'a>, Sample<'a>>,
}

/// The value of one series.
#[derive(Debug)]
pub(crate) enum Sample<'a> {
    Number(Number),
    Histogram(&'a HistogramPoint),
}

/// The families of a collection, sorted by name.
pub(crate) type Families<'a> = BTreeMap<String, Family<'a>>;

/// The name, help text and value of the `target_info` family (the OpenTelemetry convention).
const TARGET_INFO: (&str, &str) = ("target_info", "Target metadata");

/// The label that holds a histogram bucket's bound; a user attribute of that name is renamed
/// to [`EXPORTED_LE`] on histograms (the `exported_` prefix is what Prometheus itself uses
/// for a scraped label that clashes with one it sets).
const LE: &str = "le";
const EXPORTED_LE: &str = "exported_le";

/// Groups `metrics` into families, pushing a warning for everything left out.
pub(crate) fn collect<'a>(
    metrics: &'a ResourceMetrics,
    options: &TextOptions,
    warnings: &mut Vec<Warning>,
) -> Families<'a> {
    let mut families = Families::new();
    let resource = metrics.resource.attributes();
    if options.target_info && !resource.is_empty() {
        let (name, help) = TARGET_INFO;
        let family = families.entry(name.to_owned()).or_insert(Family {
            kind: Kind::Gauge,
            help,
            series: BTreeMap::new(),
        });
        family.series.insert(
            labels(resource, None, false),
            Sample::Number(Number::U64(1)),
        );
    }

    for scope_metrics in &metrics.scope_metrics {
        let scope = options
            .scope_labels
            .then_some(&scope_metrics.scope)
            .filter(|s| !s.name.is_empty());
        for metric in &scope_metrics.metrics {
            let (kind, temporality) = match &metric.data {
                MetricData::Sum(s) if s.monotonic => (Kind::Counter, s.temporality),
                MetricData::Sum(s) => (Kind::Gauge, s.temporality),
                MetricData::Gauge(_) => (Kind::Gauge, Temporality::Cumulative),
                MetricData::Histogram(h) => (Kind::Histogram, h.temporality),
                _ => {
                    warnings.push(Warning::UnsupportedData {
                        metric: metric.name.clone(),
                    });
                    continue;
                }
            };
            if temporality == Temporality::Delta {
                warnings.push(Warning::DeltaTemporality {
                    metric: metric.name.clone(),
                });
                continue;
            }
            let name = family_name(&metric.name, &metric.unit, kind, options.unit_suffixes);
            let family = match families.entry(name.clone()) {
                Entry::Vacant(v) => v.insert(Family {
                    kind,
                    help: &metric.description,
                    series: BTreeMap::new(),
                }),
                Entry::Occupied(o) if o.get().kind != kind => {
                    warnings.push(Warning::TypeConflict {
                        family: o.key().clone(),
                        kept: o.get().kind.as_str(),
                        dropped: kind.as_str(),
                        metric: metric.name.clone(),
                    });
                    continue;
                }
                Entry::Occupied(o) => {
                    let family = o.into_mut();
                    if family.help.is_empty() {
                        family.help = &metric.description;
                    }
                    family
                }
            };
            let series = points(&metric.data);
            for (attributes, sample) in series {
                let labels = labels(attributes, scope, kind == Kind::Histogram);
                match family.series.entry(labels) {
                    Entry::Vacant(v) => {
                        v.insert(sample);
                    }
                    Entry::Occupied(o) => warnings.push(Warning::DuplicateSeries {
                        family: name.clone(),
                        labels: format_labels(o.key()),
                    }),
                }
            }
        }
    }

    drop_histogram_clashes(&mut families, warnings);
    families.retain(|_, f| !f.series.is_empty());
    families
}

/// The points of a metric as (attributes, sample) pairs.
fn points(data: &MetricData) -> Vec<(&Attributes, Sample<'_>)> {
    fn number(p: &NumberPoint) -> (&Attributes, Sample<'_>) {
        (&p.attributes, Sample::Number(p.value))
    }
    match data {
        MetricData::Sum(s) => s.points.iter().map(number).collect(),
        MetricData::Gauge(g) => g.points.iter().map(number).collect(),
        MetricData::Histogram(h) => h
            .points
            .iter()
            .map(|p| (&p.attributes, Sample::Histogram(p)))
            .collect(),
        _ => Vec::new(),
    }
}

/// The label set of a series.
///
/// Attribute keys are sanitised; when several keys land on one label name, their values are
/// joined with `;` in the order of the original keys (sorted bytewise), as the OpenTelemetry
/// Prometheus compatibility rules ask: `{a.b="1", a_b="2"}` → `a_b="1;2"`. Scope labels
/// (`otel_scope_name`, `otel_scope_version`) come last and merge the same way.
fn labels<'a>(attributes: &'a Attributes, scope: Option<&'a Scope>, histogram: bool) -> Labels<'a> {
    let mut merged: BTreeMap<Cow<'a, str>, Cow<'a, str>> = BTreeMap::new();
    let mut add = |name: Cow<'a, str>, value: Cow<'a, str>| match merged.entry(name) {
        Entry::Vacant(v) => {
            v.insert(value);
        }
        Entry::Occupied(mut o) => {
            let joined = o.get_mut().to_mut();
            joined.push(';');
            joined.push_str(&value);
        }
    };
    for kv in attributes.iter() {
        let mut name = sanitize_label_name(&kv.key);
        if histogram && name == LE {
            name = Cow::Borrowed(EXPORTED_LE);
        }
        add(name, kv.value.as_str());
    }
    if let Some(scope) = scope {
        add(Cow::Borrowed("otel_scope_name"), Cow::Borrowed(&scope.name));
        if let Some(version) = &scope.version {
            add(Cow::Borrowed("otel_scope_version"), Cow::Borrowed(version));
        }
    }
    merged.into_iter().collect()
}

/// `{a="1",b="2"}` for a warning (values unescaped: this is for people, not parsers).
fn format_labels(labels: &Labels<'_>) -> String {
    let pairs: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
    format!("{{{}}}", pairs.join(","))
}

/// Drops every family whose name is a histogram's `_bucket`, `_sum` or `_count` series name:
/// a parser would read its samples as the histogram's (a "second TYPE line" error).
fn drop_histogram_clashes(families: &mut Families<'_>, warnings: &mut Vec<Warning>) {
    let histograms: Vec<String> = families
        .iter()
        .filter(|(_, f)| f.kind == Kind::Histogram)
        .map(|(name, _)| name.clone())
        .collect();
    for histogram in histograms {
        for suffix in ["_bucket", "_count", "_sum"] {
            let name = format!("{histogram}{suffix}");
            if families.remove(&name).is_some() {
                warnings.push(Warning::NameClash {
                    family: name,
                    histogram: histogram.clone(),
                });
            }
        }
    }
}
