//! Views: which instruments are exported, under what name, with which attributes and how
//! aggregated (the OpenCensus View, the OpenTelemetry View).
//!
//! A view selects instruments by name — exactly, or with the wildcards `*` (any run of
//! characters) and `?` (one character) — and optionally by kind. Every view that selects an
//! instrument produces one stream; an instrument no view selects gets its default stream (see
//! [`aggregation`](crate::aggregation) for the defaults by kind).
//!
//! | aggregation \ instrument | counter, up-down, gauge, histogram, measure | observable counter, up-down, gauge |
//! |---|---|---|
//! | Sum, LastValue, Drop | yes | yes |
//! | Count, Histogram | yes | no: an error at registration |

use std::borrow::Cow;
use std::sync::Arc;

use crate::aggregation::{Aggregation, Resolved, DEFAULT_BUCKETS};
use crate::attributes::Key;
use crate::error::Error;
use crate::instrument::InstrumentKind;
use crate::name::{validate_buckets, validate_name};
use crate::shared_str::SharedStr;
use crate::stream::StreamSpec;

/// Selects instruments and shapes their exported streams.
///
/// ```
/// # use telemetry_core::{testing::TestProvider, Aggregation, KeyValue, View};
/// let t = TestProvider::with_views(vec![
///     View::new("http.*").attribute_keys(["method"]),     // drop every other attribute
///     View::new("debug.*").aggregation(Aggregation::Drop), // export nothing
/// ]);
/// let requests = t.meter().u64_counter("http.requests").build().unwrap();
/// requests.add(1, &[KeyValue::new("method", "GET"), KeyValue::new("path", "/a")]);
/// requests.add(1, &[KeyValue::new("method", "GET"), KeyValue::new("path", "/b")]);
/// t.snapshot().assert_sum("http.requests", &[KeyValue::new("method", "GET")], 2u64);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct View {
    pattern: String,
    kind: Option<InstrumentKind>,
    name: Option<String>,
    description: Option<String>,
    attribute_keys: Option<Vec<Key>>,
    aggregation: Option<Aggregation>,
    cardinality_limit: Option<usize>,
}

impl View {
    /// A view selecting the instruments whose name matches `pattern`.
    pub fn new(pattern: impl Into<String>) -> Self {
        View {
            pattern: pattern.into(),
            kind: None,
            name: None,
            description: None,
            attribute_keys: None,
            aggregation: None,
            cardinality_limit: None,
        }
    }

    /// Restricts the view to one instrument kind.
    #[must_use]
    pub fn kind(mut self, kind: InstrumentKind) -> Self {
        self.kind = Some(kind);
        self
    }

    /// Exports the stream under another name (not allowed with a wildcard pattern, which
    /// would give several streams the same name).
    #[must_use]
    pub fn rename(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Replaces the description.
    #[must_use]
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Keeps only these attribute keys (the OpenCensus view's columns); values recorded
    /// with other keys are aggregated together.
    #[must_use]
    pub fn attribute_keys<K: Into<Key>>(mut self, keys: impl IntoIterator<Item = K>) -> Self {
        self.attribute_keys = Some(keys.into_iter().map(Into::into).collect());
        self
    }

    /// Replaces the default aggregation.
    #[must_use]
    pub fn aggregation(mut self, aggregation: Aggregation) -> Self {
        self.aggregation = Some(aggregation);
        self
    }

    /// Caps the number of series of the stream (see
    /// [`DEFAULT_CARDINALITY_LIMIT`](crate::DEFAULT_CARDINALITY_LIMIT)).
    #[must_use]
    pub fn cardinality_limit(mut self, limit: usize) -> Self {
        self.cardinality_limit = Some(limit);
        self
    }

    fn is_wildcard(&self) -> bool {
        self.pattern.contains(['*', '?'])
    }

    pub(crate) fn validate(&self) -> Result<(), Error> {
        let invalid = |reason: String| Err(Error::InvalidView { reason });
        if self.pattern.is_empty() {
            return invalid("the instrument name pattern is empty".into());
        }
        if let Some(name) = &self.name {
            if self.is_wildcard() {
                return invalid(format!(
                    "view {:?} renames to {name:?}, but a wildcard pattern may select several instruments",
                    self.pattern
                ));
            }
            validate_name(name)?;
        }
        if let Some(Aggregation::Histogram { bounds }) = &self.aggregation {
            validate_buckets(&self.pattern, bounds)?;
        }
        if self.cardinality_limit == Some(0) {
            return invalid("a cardinality limit must be at least 1".into());
        }
        Ok(())
    }

    pub(crate) fn matches(&self, name: &str, kind: InstrumentKind) -> bool {
        self.kind.is_none_or(|k| k == kind) && wildcard_match(&self.pattern, name)
    }
}

/// `*` matches any run of characters, `?` one character; everything else literally.
fn wildcard_match(pattern: &str, name: &str) -> bool {
    let (p, n): (Vec<char>, Vec<char>) = (pattern.chars().collect(), name.chars().collect());
    // Classic two-pointer glob with backtracking to the last `*`.
    let (mut pi, mut ni, mut star, mut mark) = (0, 0, None, 0);
    while ni < n.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == n[ni]) {
            pi += 1;
            ni += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ni;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ni = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// The inputs of stream resolution for one instrument.
pub(crate) struct Selection<'a> {
    pub(crate) name: &'a str,
    pub(crate) description: &'a str,
    pub(crate) unit: &'a str,
    pub(crate) kind: InstrumentKind,
    pub(crate) number: crate::number::NumberKind,
    pub(crate) buckets: Option<&'a [f64]>,
    pub(crate) states: Option<&'a Arc<[String]>>,
    pub(crate) cardinality_limit: usize,
}

/// The streams `views` make of one instrument; empty when everything is dropped.
pub(crate) fn resolve(views: &[View], sel: &Selection<'_>) -> Result<Vec<StreamSpec>, Error> {
    let default = default_aggregation(sel);
    let matching: Vec<&View> = views
        .iter()
        .filter(|v| v.matches(sel.name, sel.kind))
        .collect();
    if matching.is_empty() {
        return Ok(default
            .map(|aggregation| spec(sel, None, aggregation))
            .into_iter()
            .collect());
    }
    let mut streams = Vec::new();
    for view in matching {
        let aggregation = match &view.aggregation {
            None => default
                .clone()
                .unwrap_or_else(|| histogram(sel.buckets.unwrap_or(&DEFAULT_BUCKETS))),
            Some(a) => match resolve_aggregation(a, sel)? {
                Some(resolved) => resolved,
                None => continue,
            },
        };
        streams.push(spec(sel, Some(view), aggregation));
    }
    Ok(streams)
}

fn histogram(bounds: &[f64]) -> Resolved {
    Resolved::Histogram {
        bounds: Arc::from(bounds),
    }
}

fn monotonic(kind: InstrumentKind) -> bool {
    matches!(
        kind,
        InstrumentKind::Counter
            | InstrumentKind::ObservableCounter
            | InstrumentKind::Histogram
            | InstrumentKind::Summary
            | InstrumentKind::Measure
    )
}

/// The aggregation of an instrument no view selects; `None` for measures (dropped).
fn default_aggregation(sel: &Selection<'_>) -> Option<Resolved> {
    match sel.kind {
        InstrumentKind::Counter
        | InstrumentKind::UpDownCounter
        | InstrumentKind::ObservableCounter
        | InstrumentKind::ObservableUpDownCounter => Some(Resolved::Sum {
            monotonic: monotonic(sel.kind),
        }),
        InstrumentKind::Gauge | InstrumentKind::ObservableGauge => Some(Resolved::LastValue),
        InstrumentKind::Histogram => Some(histogram(sel.buckets.unwrap_or(&DEFAULT_BUCKETS))),
        InstrumentKind::Summary => Some(Resolved::Summary),
        InstrumentKind::Measure => None,
        InstrumentKind::Info | InstrumentKind::ObservableInfo => Some(Resolved::Info),
        InstrumentKind::StateSet | InstrumentKind::ObservableStateSet => Some(Resolved::StateSet {
            states: sel.states.cloned().unwrap_or_else(|| Arc::from([])),
        }),
        InstrumentKind::ObservableGaugeHistogram => Some(Resolved::GaugeHistogram {
            bounds: Arc::from(sel.buckets.unwrap_or(&DEFAULT_BUCKETS)),
        }),
    }
}

/// Kinds whose aggregation is part of their meaning: a view may keep or drop them only.
fn fixed_aggregation(kind: InstrumentKind) -> bool {
    matches!(
        kind,
        InstrumentKind::Info
            | InstrumentKind::ObservableInfo
            | InstrumentKind::StateSet
            | InstrumentKind::ObservableStateSet
            | InstrumentKind::ObservableGaugeHistogram
    )
}

fn resolve_aggregation(a: &Aggregation, sel: &Selection<'_>) -> Result<Option<Resolved>, Error> {
    let resolved = match a {
        Aggregation::Drop => return Ok(None),
        _ if fixed_aggregation(sel.kind) => {
            return Err(Error::InvalidView {
                reason: format!(
                    "{a:?} cannot re-aggregate {:?}, a {:?}: its aggregation is fixed (a view may rename, filter or drop it)",
                    sel.name, sel.kind
                ),
            })
        }
        Aggregation::Sum => Resolved::Sum {
            monotonic: monotonic(sel.kind),
        },
        Aggregation::LastValue => Resolved::LastValue,
        Aggregation::Count | Aggregation::Histogram { .. } | Aggregation::Summary
            if sel.kind.is_observable() =>
        {
            return Err(Error::InvalidView {
                reason: format!(
                    "{a:?} cannot aggregate the observable instrument {:?}: a callback reports totals, not individual values",
                    sel.name
                ),
            })
        }
        Aggregation::Count => Resolved::Count,
        Aggregation::Histogram { bounds } if bounds.is_empty() => {
            histogram(sel.buckets.unwrap_or(&DEFAULT_BUCKETS))
        }
        Aggregation::Histogram { bounds } => histogram(bounds),
        Aggregation::Summary => Resolved::Summary,
    };
    Ok(Some(resolved))
}

fn spec(sel: &Selection<'_>, view: Option<&View>, aggregation: Resolved) -> StreamSpec {
    let pick =
        |over: Option<&String>, base: &str| SharedStr::from(over.map_or(base, String::as_str));
    StreamSpec {
        name: pick(view.and_then(|v| v.name.as_ref()), sel.name),
        description: pick(view.and_then(|v| v.description.as_ref()), sel.description),
        // A count is a number of values, whatever the values' unit (OpenCensus: "1").
        unit: match aggregation {
            Resolved::Count => "1".into(),
            _ => sel.unit.into(),
        },
        number: match aggregation {
            Resolved::Count => crate::number::NumberKind::U64,
            _ => sel.number,
        },
        aggregation,
        attribute_keys: view
            .and_then(|v| v.attribute_keys.as_ref())
            .map(|keys| keys.iter().map(|k| Cow::Owned(k.to_string())).collect()),
        cardinality_limit: view
            .and_then(|v| v.cardinality_limit)
            .unwrap_or(sel.cardinality_limit),
        idle_expiry: None,
        squared_deviation: false,
    }
}

#[cfg(test)]
mod tests {
    use super::wildcard_match;

    #[test]
    fn a_count_view_counts_in_ones() {
        use crate::{Aggregation, ManualReader, MeterProvider, View};
        let reader = ManualReader::new();
        let provider = MeterProvider::builder()
            .with_reader(reader.clone())
            .with_view(View::new("size").aggregation(Aggregation::Count))
            .build();
        let size = provider
            .meter("v")
            .f64_histogram("size")
            .with_unit("By")
            .build()
            .unwrap();
        size.record(5.0, &[]);
        assert_eq!(reader.collect().unwrap().metric("size").unwrap().unit, "1");
    }

    #[test]
    fn wildcards() {
        assert!(wildcard_match("*", "anything"));
        assert!(wildcard_match("http.*", "http.requests"));
        assert!(!wildcard_match("http.*", "grpc.requests"));
        assert!(wildcard_match("a?c", "abc"));
        assert!(wildcard_match("*_total", "x_y_total"));
        assert!(!wildcard_match("exact", "exactly"));
    }
}
