//! What the encoders should write, derived from their documentation (`text.rs`,
//! `openmetrics.rs`, `names.rs`, `family.rs` module docs) without calling their code: the
//! names, label sets and values of every sample. Used when the encoder reports no warning
//! that would make it leave something out.

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use telemetry_core::{Attributes, HistogramPoint, Metric, MetricData, Number, Scope, Temporality};
use telemetry_exporters::prometheus::names::unit_suffix;

use crate::expo::Dialect;
use crate::model::{Input, Options};

/// A label set, sorted by name.
pub type Labels = Vec<(String, String)>;

/// An expected sample value.
#[derive(Clone, Debug, PartialEq)]
pub enum Expect {
    /// An integer, written exactly.
    Int(String),
    /// A float, which must read back to the same value (any NaN for NaN).
    Float(f64),
}

impl Expect {
    fn number(n: Number) -> Expect {
        match n {
            Number::U64(v) => Expect::Int(v.to_string()),
            Number::I64(v) => Expect::Int(v.to_string()),
            Number::F64(v) => Expect::Float(v),
        }
    }

    /// Whether `raw` (as written) and `value` (as parsed) are this value.
    pub fn matches(&self, raw: &str, value: f64) -> bool {
        match self {
            Expect::Int(s) => raw == s,
            Expect::Float(f) if f.is_nan() => value.is_nan(),
            Expect::Float(f) => f.to_bits() == value.to_bits(),
        }
    }
}

/// The kinds of family, as `family.rs` names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Counter,
    Gauge,
    Histogram,
    GaugeHistogram,
    Summary,
    Info,
    StateSet,
}

impl Kind {
    /// The `# TYPE` in `dialect`.
    pub fn type_name(self, dialect: Dialect) -> &'static str {
        match (self, dialect) {
            (Kind::Counter, _) => "counter",
            (Kind::Gauge, _) => "gauge",
            (Kind::Histogram, _) | (Kind::GaugeHistogram, Dialect::Text) => "histogram",
            (Kind::Summary, _) => "summary",
            (Kind::GaugeHistogram, Dialect::OpenMetrics) => "gaugehistogram",
            (Kind::Info | Kind::StateSet, Dialect::Text) => "gauge",
            (Kind::Info, Dialect::OpenMetrics) => "info",
            (Kind::StateSet, Dialect::OpenMetrics) => "stateset",
        }
    }

    fn of(data: &MetricData) -> Option<Kind> {
        Some(match data {
            MetricData::Sum(s) if s.temporality == Temporality::Delta => return None,
            MetricData::Sum(s) if s.monotonic => Kind::Counter,
            MetricData::Sum(_) | MetricData::Gauge(_) => Kind::Gauge,
            MetricData::Histogram(h) if h.temporality == Temporality::Delta => return None,
            MetricData::Histogram(_) => Kind::Histogram,
            MetricData::GaugeHistogram(_) => Kind::GaugeHistogram,
            MetricData::Summary(_) => Kind::Summary,
            MetricData::Info(_) => Kind::Info,
            MetricData::StateSet(_) => Kind::StateSet,
            _ => return None,
        })
    }
}

/// `names::sanitize_label_name`, from its documentation.
pub fn label_name(key: &str) -> String {
    let out = sanitize(key, |c| c.is_ascii_alphanumeric() || c == '_');
    if out.starts_with("__") {
        format!("key{out}")
    } else {
        out
    }
}

/// `names::sanitize_metric_name`, from its documentation.
pub fn metric_name(name: &str) -> String {
    sanitize(name, |c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

fn sanitize(name: &str, valid: impl Fn(char) -> bool) -> String {
    let mut out = String::new();
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        out.push('_');
    }
    out.extend(name.chars().map(|c| if valid(c) { c } else { '_' }));
    out
}

/// The base (OpenMetrics family) name.
fn base_name(name: &str, unit: &str, kind: Kind, unit_suffixes: bool) -> String {
    if kind == Kind::StateSet {
        return label_name(name);
    }
    let mut out = metric_name(name);
    let reserved = match kind {
        Kind::Counter => "_total",
        Kind::Info => "_info",
        _ => "",
    };
    if !reserved.is_empty() && out.len() > reserved.len() && out.ends_with(reserved) {
        out.truncate(out.len() - reserved.len());
    }
    if unit_suffixes && kind != Kind::Info {
        if let Some(suffix) = unit_suffix(unit, kind == Kind::Gauge) {
            let present = out
                .strip_suffix(suffix)
                .is_some_and(|r| r.is_empty() || r.ends_with('_'));
            if !present {
                out = format!("{out}_{suffix}");
            }
        }
    }
    out
}

fn om_unit(base: &str, unit: &str, kind: Kind) -> Option<String> {
    if matches!(kind, Kind::Info | Kind::StateSet) {
        return None;
    }
    let suffix = unit_suffix(unit, kind == Kind::Gauge)?;
    base.strip_suffix(suffix)
        .is_some_and(|r| r.ends_with('_'))
        .then(|| suffix.to_owned())
}

/// The label set of a point: attributes with an empty value left out, keys sanitised, keys
/// landing on one name joined with `;` in key order, the label the type adds (`le`,
/// `quantile`, a state set's name) renamed `exported_…` where an attribute or a scope label
/// has it, scope labels (unless empty) last.
pub fn labels<'a>(
    attributes: impl Iterator<Item = &'a telemetry_core::KeyValue>,
    scope: Option<&Scope>,
    reserved: Option<&str>,
) -> Labels {
    let mut merged: BTreeMap<String, String> = BTreeMap::new();
    let mut add = |name: String, value: String| {
        merged
            .entry(name)
            .and_modify(|v| {
                v.push(';');
                v.push_str(&value);
            })
            .or_insert(value);
    };
    for kv in attributes {
        let value = kv.value.as_str();
        if value.is_empty() {
            continue; // no empty labels in Prometheus: the attribute is left out
        }
        let mut name = label_name(&kv.key);
        if reserved == Some(name.as_str()) {
            name = format!("exported_{name}");
        }
        add(name, value.into_owned());
    }
    if let Some(scope) = scope {
        let scope_label = |name: &str| match reserved {
            Some(r) if r == name => format!("exported_{name}"),
            _ => name.to_owned(),
        };
        // Empty scope names and versions are no labels either.
        if !scope.name.is_empty() {
            add(scope_label("otel_scope_name"), scope.name.clone());
        }
        if let Some(version) = scope.version.as_ref().filter(|v| !v.is_empty()) {
            add(scope_label("otel_scope_version"), version.clone());
        }
    }
    merged.into_iter().collect()
}

/// A float label value (`le`, `quantile`) as a comparable key: NaN is one key.
pub fn float_key(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else {
        format!("{:016x}", v.to_bits())
    }
}

/// An expected family.
#[derive(Debug)]
pub struct Family {
    /// The name in the format.
    pub name: String,
    /// The `# TYPE`.
    pub kind: &'static str,
    /// The first non-empty description.
    pub help: String,
    /// Whether a point gave it a series (written even when OpenMetrics leaves out every
    /// value of its series).
    pub series: bool,
    /// The OpenMetrics `# UNIT`.
    pub unit: Option<String>,
}

/// Everything the encoder should write when it reports nothing left out.
#[derive(Debug, Default)]
pub struct Expected {
    /// Family (as named in the format) → its metadata. Families without samples are not
    /// written. (Keyed by base name while the expectation is built.)
    pub families: BTreeMap<String, Family>,
    /// (sample name, label set with `le`/`quantile` values as [`float_key`]s) → value.
    pub samples: BTreeMap<(String, Labels), Expect>,
    /// Every label set of a point, without the labels the format adds: any series the
    /// encoder writes must have one of these.
    pub label_sets: Vec<Labels>,
}

fn seconds(time: SystemTime) -> f64 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(after) => after.as_secs_f64(),
        Err(before) => -before.duration().as_secs_f64(),
    }
}

/// The key of one of the two gauge families a gauge histogram brings in text 0.0.4. NUL
/// never occurs in a sanitised name, so no metric's base name is this key.
fn gauge_histogram_part(base: &str, suffix: &str) -> String {
    format!("{base}\0{suffix}")
}

fn with(labels: &Labels, name: &str, value: String) -> Labels {
    let mut out = labels.clone();
    out.push((name.to_owned(), value));
    out.sort();
    out
}

impl Expected {
    /// The expectation for `input` in `dialect`.
    pub fn of(input: &Input, dialect: Dialect) -> Expected {
        let mut expected = Expected::default();
        let options = input.options;
        let resource = input.metrics.resource.attributes();
        if options.target_info && !resource.is_empty() {
            let target = Metric {
                name: "target".into(),
                description: "Target metadata".into(),
                unit: "".into(),
                data: MetricData::Info(telemetry_core::GaugeData {
                    points: vec![telemetry_core::NumberPoint {
                        attributes: resource.clone(),
                        start_time: UNIX_EPOCH,
                        time: UNIX_EPOCH,
                        value: Number::U64(1),
                    }],
                }),
            };
            expected.add(&target, None, Options::default(), dialect);
        }
        for scope_metrics in &input.metrics.scope_metrics {
            let scope =
                Some(&scope_metrics.scope).filter(|s| options.scope_labels && !s.name.is_empty());
            for metric in &scope_metrics.metrics {
                expected.add(metric, scope, options, dialect);
            }
        }
        // Families are grouped by base name (a metric without points still gives its
        // family a HELP); the output names them as the format does.
        let families = std::mem::take(&mut expected.families);
        expected.families = families
            .into_values()
            .filter(|f| f.series)
            .map(|f| (f.name.clone(), f))
            .collect();
        expected
    }

    fn family(
        &mut self,
        base: &str,
        name: &str,
        kind: &'static str,
        help: &str,
        unit: Option<String>,
    ) {
        let family = self.families.entry(base.to_owned()).or_insert(Family {
            name: name.to_owned(),
            kind,
            help: String::new(),
            series: false,
            unit,
        });
        if family.help.is_empty() {
            family.help = help.to_owned();
        }
    }

    /// Marks the family of `base` as having a series.
    fn series(&mut self, base: &str) {
        if let Some(family) = self.families.get_mut(base) {
            family.series = true;
        }
    }

    fn sample(&mut self, name: String, labels: Labels, value: Expect) {
        self.samples.insert((name, labels), value);
    }

    fn add(&mut self, metric: &Metric, scope: Option<&Scope>, options: Options, dialect: Dialect) {
        let Some(kind) = Kind::of(&metric.data) else {
            return;
        };
        let base = base_name(&metric.name, &metric.unit, kind, options.unit_suffixes);
        let family = match (dialect, kind) {
            (Dialect::Text, Kind::Counter) => format!("{base}_total"),
            (Dialect::Text, Kind::Info) => format!("{base}_info"),
            _ => base.clone(),
        };
        let unit = match dialect {
            Dialect::OpenMetrics => om_unit(&base, &metric.unit, kind),
            Dialect::Text => None,
        };
        let help: &str = &metric.description;
        self.family(&base, &family, kind.type_name(dialect), help, unit);
        if kind == Kind::GaugeHistogram && dialect == Dialect::Text {
            // Text 0.0.4 has no gauge histogram: two gauge families with its HELP follow it.
            // They are part of the histogram's family in the encoder, so they are keyed
            // apart from a metric whose own base name is `{base}_gcount`: such a metric,
            // when it has no points, writes nothing and must not rename them.
            for suffix in ["_gcount", "_gsum"] {
                let name = format!("{base}{suffix}");
                self.family(&gauge_histogram_part(&base, suffix), &name, "gauge", help, None);
            }
        }
        let reserved = match kind {
            Kind::Histogram | Kind::GaugeHistogram => Some("le"),
            Kind::Summary => Some("quantile"),
            _ => None,
        };
        let om = dialect == Dialect::OpenMetrics;
        let point_labels = |attributes: &Attributes| labels(attributes.iter(), scope, reserved);
        match &metric.data {
            MetricData::Sum(s) => {
                for p in &s.points {
                    let l = point_labels(&p.attributes);
                    self.label_sets.push(l.clone());
                    self.series(&base);
                    let valid = match p.value {
                        Number::U64(_) => true,
                        Number::I64(v) => v >= 0,
                        Number::F64(v) => v >= 0.0,
                    };
                    match kind {
                        Kind::Counter if om && !valid => {}
                        Kind::Counter if om => {
                            let created = Expect::Float(seconds(p.start_time));
                            self.sample(format!("{base}_created"), l.clone(), created);
                            self.sample(format!("{base}_total"), l, Expect::number(p.value));
                        }
                        Kind::Counter => {
                            self.sample(format!("{base}_total"), l, Expect::number(p.value))
                        }
                        _ => self.sample(base.clone(), l, Expect::number(p.value)),
                    }
                }
            }
            MetricData::Gauge(g) => {
                for p in &g.points {
                    let l = point_labels(&p.attributes);
                    self.label_sets.push(l.clone());
                    self.series(&base);
                    self.sample(base.clone(), l, Expect::number(p.value));
                }
            }
            MetricData::Info(g) => {
                for p in &g.points {
                    let l = point_labels(&p.attributes);
                    self.label_sets.push(l.clone());
                    self.series(&base);
                    self.sample(format!("{base}_info"), l, Expect::number(p.value));
                }
            }
            MetricData::StateSet(g) => {
                for p in &g.points {
                    let others = p.attributes.iter().filter(|kv| *kv.key != *metric.name);
                    let l = labels(others, scope, Some(&base));
                    self.label_sets.push(l.clone());
                    let Some(state) = p.attributes.get(&metric.name) else {
                        continue;
                    };
                    self.series(&base);
                    let bit = match p.value {
                        Number::U64(0) | Number::I64(0) => "0",
                        Number::F64(v) if v == 0.0 => "0",
                        _ => "1",
                    };
                    let l = with(&l, &base, state.as_str().into_owned());
                    self.sample(base.clone(), l, Expect::Int(bit.into()));
                }
            }
            MetricData::Histogram(h) | MetricData::GaugeHistogram(h) => {
                for p in &h.points {
                    let l = point_labels(&p.attributes);
                    self.label_sets.push(l.clone());
                    self.series(&base);
                    self.histogram(&base, kind, l, p, dialect);
                }
            }
            MetricData::Summary(s) => {
                for p in &s.points {
                    let l = point_labels(&p.attributes);
                    self.label_sets.push(l.clone());
                    self.series(&base);
                    for &(q, v) in &p.quantiles {
                        if om && (!(0.0..=1.0).contains(&q) || v < 0.0) {
                            continue;
                        }
                        let lq = with(&l, "quantile", float_key(q));
                        self.sample(base.clone(), lq, Expect::Float(v));
                    }
                    let count = Expect::Int(p.count.to_string());
                    self.sample(format!("{base}_count"), l.clone(), count);
                    if !om || p.sum >= 0.0 {
                        self.sample(format!("{base}_sum"), l.clone(), Expect::Float(p.sum));
                    }
                    if om {
                        let created = Expect::Float(seconds(p.start_time));
                        self.sample(format!("{base}_created"), l, created);
                    }
                }
            }
            _ => {}
        }
    }

    fn histogram(
        &mut self,
        base: &str,
        kind: Kind,
        l: Labels,
        p: &HistogramPoint,
        dialect: Dialect,
    ) {
        let om = dialect == Dialect::OpenMetrics;
        let mut cumulative = 0u64;
        for (bound, count) in p.bounds.iter().zip(&p.bucket_counts) {
            cumulative += count;
            let lb = with(&l, "le", float_key(*bound));
            self.sample(
                format!("{base}_bucket"),
                lb,
                Expect::Int(cumulative.to_string()),
            );
        }
        let total: u64 = p.bucket_counts.iter().sum();
        let total = Expect::Int(total.to_string());
        let inf = with(&l, "le", float_key(f64::INFINITY));
        self.sample(format!("{base}_bucket"), inf, total.clone());
        let negative = p.bounds.iter().any(|b| *b < 0.0);
        if kind == Kind::GaugeHistogram {
            if om && (p.sum.is_nan() || (p.sum < 0.0 && !negative)) {
                return;
            }
            if !om {
                // Text 0.0.4 has no gauge histogram: two gauge families follow it.
                for suffix in ["_gcount", "_gsum"] {
                    self.series(&gauge_histogram_part(base, suffix));
                }
            }
            self.sample(format!("{base}_gcount"), l.clone(), total);
            self.sample(format!("{base}_gsum"), l, Expect::Float(p.sum));
            return;
        }
        if !om || !(negative || p.sum.is_nan() || p.sum < 0.0) {
            self.sample(format!("{base}_count"), l.clone(), total);
            self.sample(format!("{base}_sum"), l.clone(), Expect::Float(p.sum));
        }
        if om {
            let created = Expect::Float(seconds(p.start_time));
            self.sample(format!("{base}_created"), l, created);
        }
    }
}

/// The sample-name suffixes of a family of `# TYPE kind` in `dialect`.
pub fn family_suffixes(kind: &str, dialect: Dialect) -> &'static [&'static str] {
    match (kind, dialect) {
        ("counter", Dialect::Text) => &[""],
        ("counter", Dialect::OpenMetrics) => &["_total", "_created"],
        ("histogram", Dialect::Text) => &["_bucket", "_sum", "_count"],
        ("histogram", Dialect::OpenMetrics) => &["_bucket", "_sum", "_count", "_created"],
        ("gaugehistogram", _) => &["_bucket", "_gcount", "_gsum"],
        ("summary", Dialect::Text) => &["", "_sum", "_count"],
        ("summary", Dialect::OpenMetrics) => &["", "_sum", "_count", "_created"],
        ("info", _) => &["_info"],
        _ => &[""],
    }
}
