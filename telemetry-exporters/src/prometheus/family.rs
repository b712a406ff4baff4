//! Grouping collections into metric families, once for both formats.
//!
//! Both formats need every family in one contiguous block with one set of metadata lines,
//! and every series of a family exactly once. The sources do not promise that: two meters
//! (scopes) or two providers can produce the same metric name, two names can sanitise to
//! the same family, two attribute sets to the same label set, and one family's sample names
//! (`jobs` → `jobs_total`, `h` → `h_bucket`) can be another family's name. This module
//! resolves all of that into a duplicate-free model before anything is written, and
//! records what it had to drop as [`Warning`]s; the writers (`text.rs`, `openmetrics.rs`)
//! then only format.
//!
//! The model is keyed by the *base* name, the OpenMetrics family name (`jobs` for the
//! counter whose samples are `jobs_total`), and a name is taken when either format would
//! use it. So both formats always carry the same families and series, and a scraper that
//! switches format (Prometheus negotiates per scrape) never sees a series disappear; the
//! only differences are the ones the formats themselves define (`_created` and `# UNIT`
//! exist in OpenMetrics only).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::time::SystemTime;

use telemetry_core::{
    Attributes, HistogramPoint, Metric, MetricData, Number, NumberPoint, ResourceMetrics, Scope,
    SummaryPoint, Temporality,
};

use super::by_name::ByName;
use super::foreign;
use super::format::Format;
use super::names::{family_name, openmetrics_unit, sanitize_label_name};
use super::text::{TextOptions, Warning};

/// The type of a family, with its spelling in each format.
///
/// | kind | OpenMetrics | text 0.0.4 | sample names (both formats) |
/// |---|---|---|---|
/// | `Counter` | `counter` | `counter`, named `<base>_total` | `_total` (+ `_created` in OpenMetrics) |
/// | `Gauge` | `gauge` | `gauge` | the base name |
/// | `Histogram` | `histogram` | `histogram` | `_bucket`, `_count`, `_sum` (+ `_created`) |
/// | `GaugeHistogram` | `gaugehistogram` | `histogram` (+ gauges `_gcount`, `_gsum`) | `_bucket`, `_gcount`, `_gsum` |
/// | `Summary` | `summary` | `summary` | the base name (quantiles), `_count`, `_sum` (+ `_created`) |
/// | `Info` | `info` | `gauge`, named `<base>_info` | `_info` |
/// | `StateSet` | `stateset` | `gauge` | the base name |
/// | `Unknown` | `unknown` | `untyped` | the base name |
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Counter,
    Gauge,
    Histogram,
    GaugeHistogram,
    Summary,
    Info,
    StateSet,
    /// Only from another library's exposition: our data always has a type.
    Unknown,
}

impl Kind {
    /// The `# TYPE` of the kind in `format`.
    pub(crate) fn type_name(self, format: Format) -> &'static str {
        match (self, format) {
            (Kind::Counter, _) => "counter",
            (Kind::Gauge, _) => "gauge",
            (Kind::Histogram, _) => "histogram",
            (Kind::Summary, _) => "summary",
            (Kind::GaugeHistogram, Format::OpenMetrics) => "gaugehistogram",
            (Kind::Info, Format::OpenMetrics) => "info",
            (Kind::StateSet, Format::OpenMetrics) => "stateset",
            (Kind::Unknown, Format::OpenMetrics) => "unknown",
            // The Python client's mapping of the OpenMetrics-only types into 0.0.4.
            (Kind::GaugeHistogram, Format::Text) => "histogram",
            (Kind::Info | Kind::StateSet, Format::Text) => "gauge",
            (Kind::Unknown, Format::Text) => "untyped",
        }
    }

    /// The kind of an OpenMetrics `# TYPE` value.
    pub(crate) fn from_openmetrics(name: &str) -> Option<Kind> {
        Some(match name {
            "counter" => Kind::Counter,
            "gauge" => Kind::Gauge,
            "histogram" => Kind::Histogram,
            "gaugehistogram" => Kind::GaugeHistogram,
            "summary" => Kind::Summary,
            "info" => Kind::Info,
            "stateset" => Kind::StateSet,
            "unknown" => Kind::Unknown,
            _ => return None,
        })
    }

    /// What text 0.0.4 appends to the base name to name the family (its only sample name).
    pub(crate) fn text_suffix(self) -> &'static str {
        match self {
            Kind::Counter => "_total",
            Kind::Info => "_info",
            _ => "",
        }
    }

    /// The suffixes of every name the family uses in either format, the base name (`""`)
    /// included: a second family may use none of them.
    fn reserved_suffixes(self) -> &'static [&'static str] {
        match self {
            Kind::Counter => &["", "_total", "_created"],
            Kind::Histogram => &["", "_bucket", "_count", "_sum", "_created"],
            // Text 0.0.4 writes a gauge histogram as a histogram (`_count`, `_sum`).
            Kind::GaugeHistogram => &["", "_bucket", "_gcount", "_gsum", "_count", "_sum"],
            Kind::Summary => &["", "_count", "_sum", "_created"],
            Kind::Info => &["", "_info"],
            Kind::Gauge | Kind::StateSet | Kind::Unknown => &[""],
        }
    }

    /// The label a series of this kind adds itself, which an attribute may not use.
    fn reserved_label(self) -> Option<&'static str> {
        match self {
            Kind::Histogram | Kind::GaugeHistogram => Some("le"),
            Kind::Summary => Some("quantile"),
            _ => None,
        }
    }
}

/// The family name of `base` in `format` (`jobs` → `jobs_total` for a text counter).
pub(crate) fn name_in(format: Format, base: &str, kind: Kind) -> Cow<'_, str> {
    match (format, kind.text_suffix()) {
        (Format::Text, suffix) if !suffix.is_empty() => Cow::Owned(format!("{base}{suffix}")),
        _ => Cow::Borrowed(base),
    }
}

pub(crate) use super::labels::Labels;

pub(crate) use super::series::SeriesMap;

/// One family: its type, metadata and series.
#[derive(Debug)]
pub(crate) struct Family<'a> {
    pub(crate) kind: Kind,
    /// Unescaped; may be empty.
    pub(crate) help: Cow<'a, str>,
    /// The OpenMetrics `# UNIT`, present only when it is a suffix of the base name.
    pub(crate) unit: Option<Cow<'a, str>>,
    /// The metric that created the family (named in conflict warnings).
    metric: &'a str,
    pub(crate) body: Body<'a>,
}

impl Family<'_> {
    /// About how many sample lines the family writes (to size the output): a counter's
    /// value counts twice, for its OpenMetrics `_created`.
    pub(crate) fn sample_lines(&self) -> usize {
        match &self.body {
            Body::Foreign(lines) => lines.len(),
            Body::Series(series) => series
                .iter()
                .map(|(_, sample)| match sample {
                    Sample::Number { .. } => 2,
                    Sample::Histogram(p) => p.bounds.len() + 4,
                    Sample::Summary(p) => p.quantiles.len() + 3,
                    Sample::States(states) => states.len(),
                })
                .sum(),
        }
    }
}

/// The series of a family.
#[derive(Debug)]
pub(crate) enum Body<'a> {
    /// Our own data. For a state set, the label set leaves out the state label: one entry
    /// holds all the states of one series.
    Series(SeriesMap<'a>),
    /// The sample lines of a family from another library's OpenMetrics text, as they were.
    Foreign(Vec<&'a str>),
}

/// The value of one series.
#[derive(Debug)]
pub(crate) enum Sample<'a> {
    /// A counter, gauge or info value; `created` is set for counters only.
    Number {
        value: Number,
        created: Option<SystemTime>,
    },
    Histogram(&'a HistogramPoint),
    Summary(&'a SummaryPoint),
    /// State → value (1 for the current state, 0 for the others).
    States(BTreeMap<Cow<'a, str>, Number>),
}

/// The families of a scrape, sorted by base name.
pub(crate) type Families<'a> = ByName<'a, Family<'a>>;

/// One input of a scrape.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Source<'a> {
    /// A collection of ours, named with its options.
    Metrics(&'a ResourceMetrics, &'a TextOptions),
    /// OpenMetrics text from another library (a `prometheus_client` registry).
    OpenMetrics(&'a str),
}

/// The family of the resource (the OpenTelemetry convention: an info named `target`, so
/// `target_info` in both formats).
const TARGET: (&str, &str) = ("target", "Target metadata");

/// Groups `sources` into families, in order (the first source wins a duplicate), pushing
/// a warning for everything left out. Warnings name families as `format` writes them.
pub(crate) fn collect<'a>(
    sources: &[Source<'a>],
    format: Format,
    warnings: &mut Vec<Warning>,
) -> Families<'a> {
    let mut grouping = Grouping {
        families: Families::default(),
        format,
        warnings,
    };
    for source in sources {
        match *source {
            Source::Metrics(metrics, options) => grouping.add_metrics(metrics, options),
            Source::OpenMetrics(text) => grouping.add_foreign(text),
        }
    }
    let Grouping { mut families, .. } = grouping;
    families.retain(|f| match &f.body {
        Body::Series(series) => !series.is_empty(),
        Body::Foreign(lines) => !lines.is_empty(),
    });
    drop_clashes(&mut families, format, warnings);
    families
}

struct Grouping<'a, 'w> {
    families: Families<'a>,
    format: Format,
    warnings: &'w mut Vec<Warning>,
}

impl<'a> Grouping<'a, '_> {
    fn add_metrics(&mut self, metrics: &'a ResourceMetrics, options: &'a TextOptions) {
        let resource = metrics.resource.attributes();
        if options.target_info && !resource.is_empty() {
            let (name, help) = TARGET;
            if let Some(series) = self.family(Cow::Borrowed(name), Kind::Info, help, None, name) {
                // Providers sharing one resource give one `target_info` series: the labels
                // are all it says, so a second copy is not a conflict worth reporting.
                let sample = Sample::Number {
                    value: Number::U64(1),
                    created: None,
                };
                let _ = series.insert_new(Labels::of(resource, None, None), sample, Some(resource));
            }
        }
        for scope_metrics in &metrics.scope_metrics {
            let scope = options
                .scope_labels
                .then_some(&scope_metrics.scope)
                .filter(|s| !s.name.is_empty());
            for metric in &scope_metrics.metrics {
                self.add_metric(metric, scope, options);
            }
        }
    }

    fn add_metric(&mut self, metric: &'a Metric, scope: Option<&'a Scope>, options: &TextOptions) {
        let (kind, temporality) = match &metric.data {
            MetricData::Sum(s) if s.monotonic => (Kind::Counter, s.temporality),
            MetricData::Sum(s) => (Kind::Gauge, s.temporality),
            MetricData::Gauge(_) => (Kind::Gauge, Temporality::Cumulative),
            MetricData::Histogram(h) => (Kind::Histogram, h.temporality),
            // A gauge histogram is a current distribution: it has no accumulation to speak of.
            MetricData::GaugeHistogram(_) => (Kind::GaugeHistogram, Temporality::Cumulative),
            MetricData::Summary(_) => (Kind::Summary, Temporality::Cumulative),
            MetricData::Info(_) => (Kind::Info, Temporality::Cumulative),
            MetricData::StateSet(_) => (Kind::StateSet, Temporality::Cumulative),
            _ => {
                self.warnings.push(Warning::UnsupportedData {
                    metric: metric.name.to_string(),
                });
                return;
            }
        };
        if temporality == Temporality::Delta {
            self.warnings.push(Warning::DeltaTemporality {
                metric: metric.name.to_string(),
            });
            return;
        }
        let base = family_name(&metric.name, &metric.unit, kind, options.unit_suffixes);
        let unit = openmetrics_unit(&base, &metric.unit, kind).map(Cow::Borrowed);
        let format = self.format;
        let Some(series) = self.family(base.clone(), kind, &metric.description, unit, &metric.name)
        else {
            return;
        };
        let mut duplicates = Vec::new();
        let mut missing_state = Vec::new();
        series.reserve(points(&metric.data));
        let reserved = kind.reserved_label();
        let mut insert = |attributes: &'a Attributes, sample: Sample<'a>| {
            let labels = Labels::of(attributes, scope, reserved);
            if let Err(labels) = series.insert_new(labels, sample, Some(attributes)) {
                duplicates.push(format_labels(&labels, None));
            }
        };
        match &metric.data {
            MetricData::Sum(s) => {
                for p in &s.points {
                    let created = (kind == Kind::Counter).then_some(p.start_time);
                    let sample = Sample::Number {
                        value: p.value,
                        created,
                    };
                    insert(&p.attributes, sample);
                }
            }
            MetricData::Gauge(g) | MetricData::Info(g) => {
                for p in &g.points {
                    let sample = Sample::Number {
                        value: p.value,
                        created: None,
                    };
                    insert(&p.attributes, sample);
                }
            }
            MetricData::Histogram(h) | MetricData::GaugeHistogram(h) => {
                for p in &h.points {
                    insert(&p.attributes, Sample::Histogram(p));
                }
            }
            MetricData::Summary(s) => {
                for p in &s.points {
                    insert(&p.attributes, Sample::Summary(p));
                }
            }
            MetricData::StateSet(g) => {
                for (group, state, value) in states(&g.points, &metric.name, scope) {
                    let Some(state) = state else {
                        missing_state.push(format_labels(&group, None));
                        continue;
                    };
                    match series.get_mut(&group) {
                        Some(Sample::States(states)) if states.contains_key(&state) => {
                            duplicates.push(format_labels(&group, Some((&base, &state))));
                        }
                        Some(Sample::States(states)) => {
                            states.insert(state, value);
                        }
                        Some(_) => {}
                        None => {
                            let states = BTreeMap::from([(state, value)]);
                            // Absent, as `get_mut` just said: never refused.
                            let _ = series.insert_new(group, Sample::States(states), None);
                        }
                    }
                }
            }
            _ => {}
        }
        let family = name_in(format, &base, kind);
        for labels in duplicates {
            self.warnings.push(Warning::DuplicateSeries {
                family: family.clone().into_owned(),
                labels,
            });
        }
        for labels in missing_state {
            self.warnings.push(Warning::ValueLeftOut {
                family: family.clone().into_owned(),
                labels,
                reason: "a state set point without its state attribute",
            });
        }
    }

    /// Parses another library's exposition; each family of it joins whole or not at all.
    fn add_foreign(&mut self, text: &'a str) {
        for parsed in foreign::parse(text) {
            let (name, kind) = (parsed.name, parsed.kind);
            let (kept, family, new) = self.families.entry_with(Cow::Borrowed(name), || Family {
                kind,
                help: parsed.help,
                unit: parsed.unit.map(Cow::Borrowed),
                metric: name,
                body: Body::Foreign(parsed.lines),
            });
            if new {
                continue;
            }
            let warning = if family.kind == kind {
                Warning::DuplicateFamily {
                    family: name_in(self.format, name, kind).into_owned(),
                }
            } else {
                conflict(self.format, (kept, family.kind), (name, kind), name)
            };
            self.warnings.push(warning);
        }
    }

    /// The series of family `base`, created if new; `None` (and a warning) when the family
    /// exists with another kind or holds another library's samples.
    fn family(
        &mut self,
        base: Cow<'a, str>,
        kind: Kind,
        help: &'a str,
        unit: Option<Cow<'a, str>>,
        metric: &'a str,
    ) -> Option<&mut SeriesMap<'a>> {
        let format = self.format;
        let (key, family, new) = self.families.entry_with(base, || Family {
            kind,
            help: Cow::Borrowed(help),
            unit,
            metric,
            body: Body::Series(SeriesMap::default()),
        });
        if !new {
            if family.kind != kind {
                let warning = conflict(format, (key, family.kind), (key, kind), metric);
                self.warnings.push(warning);
                return None;
            }
            if matches!(family.body, Body::Foreign(_)) {
                self.warnings.push(Warning::DuplicateFamily {
                    family: name_in(format, key, kind).into_owned(),
                });
                return None;
            }
            if family.help.is_empty() {
                family.help = Cow::Borrowed(help);
            }
        }
        match &mut family.body {
            Body::Series(series) => Some(series),
            Body::Foreign(_) => None,
        }
    }
}

/// The warning for a family left out because `kept` already uses its name: a type conflict
/// when both have the same family name in `format`, a name clash otherwise.
fn conflict(
    format: Format,
    (kept_base, kept_kind): (&str, Kind),
    (base, kind): (&str, Kind),
    metric: &str,
) -> Warning {
    let kept_name = name_in(format, kept_base, kept_kind);
    let name = name_in(format, base, kind);
    let (kept_type, dropped_type) = (kept_kind.type_name(format), kind.type_name(format));
    if kept_name == name && kept_type != dropped_type {
        Warning::TypeConflict {
            family: name.into_owned(),
            kept: kept_type,
            dropped: dropped_type,
            metric: metric.to_owned(),
        }
    } else {
        Warning::NameClash {
            family: name.into_owned(),
            clashes_with: kept_name.into_owned(),
        }
    }
}

/// Leaves out every family that uses a name another family uses (`h_count` next to the
/// histogram `h`, `jobs_total` next to the counter `jobs`, `build_info` next to the info
/// `build`): a parser would read its samples as the other family's.
///
/// Families are visited in name order, so of two clashing families the one whose name is
/// a prefix of the other's (the one with the suffixed samples) is kept, whatever the order
/// of the sources.
fn drop_clashes(families: &mut Families<'_>, format: Format, warnings: &mut Vec<Warning>) {
    let mut dropped = Vec::new();
    // Two names `base + s` and `other + t` can only be equal when `other` is a prefix of
    // `base`, and a prefix sorts first: so only the kept families whose base is a prefix of
    // the current one are compared. In name order they form a chain, kept on a stack.
    let mut prefixes: Vec<(&str, Kind)> = Vec::new();
    for (base, family) in families.iter() {
        while prefixes.last().is_some_and(|(p, _)| !base.starts_with(p)) {
            prefixes.pop();
        }
        let kept = family.kind.reserved_suffixes().iter().find_map(|suffix| {
            prefixes.iter().copied().find(|(other, kind)| {
                let rest = &base[other.len()..];
                kind.reserved_suffixes().iter().any(|t| {
                    t.len() == rest.len() + suffix.len()
                        && t.starts_with(rest)
                        && t.ends_with(suffix)
                })
            })
        });
        match kept {
            Some(kept) => {
                let warning = conflict(format, kept, (base, family.kind), family.metric);
                dropped.push((base.clone(), warning));
            }
            None => prefixes.push((base, family.kind)),
        }
    }
    for (base, warning) in dropped {
        families.remove(&base);
        warnings.push(warning);
    }
}

/// How many points `data` has (an upper bound of the series it adds).
fn points(data: &MetricData) -> usize {
    match data {
        MetricData::Sum(s) => s.points.len(),
        MetricData::Gauge(g) | MetricData::Info(g) | MetricData::StateSet(g) => g.points.len(),
        MetricData::Histogram(h) | MetricData::GaugeHistogram(h) => h.points.len(),
        MetricData::Summary(s) => s.points.len(),
        _ => 0,
    }
}

/// A state set's points as (label set without the state, state, value); the state is the
/// attribute keyed by the metric's own name (`None` when a point lacks it).
fn states<'a>(
    points: &'a [NumberPoint],
    metric: &'a str,
    scope: Option<&'a Scope>,
) -> impl Iterator<Item = (Labels<'a>, Option<Cow<'a, str>>, Number)> + 'a {
    // An attribute whose name sanitises to the state label's (`door.state` next to the state
    // set `door_state`) gets the `exported_` prefix, as `le` does for histograms.
    let state_label = sanitize_label_name(metric).into_owned();
    points.iter().map(move |p| {
        let state = p
            .attributes
            .iter()
            .find(|kv| kv.key == metric)
            .map(|kv| kv.value.as_str());
        let others = p.attributes.iter().filter(|kv| kv.key != metric);
        (
            Labels::of_iter(others, scope, Some(&state_label)),
            state,
            p.value,
        )
    })
}

/// `{a="1",b="2"}` for a warning (values unescaped: this is for people, not parsers), with
/// an extra label last.
pub(crate) fn format_labels(labels: &Labels<'_>, extra: Option<(&str, &str)>) -> String {
    let extra = extra.map(|(k, v)| format!("{k}={v:?}"));
    let pairs: Vec<String> = labels
        .iter()
        .map(|(k, v)| format!("{k}={v:?}"))
        .chain(extra)
        .collect();
    format!("{{{}}}", pairs.join(","))
}
