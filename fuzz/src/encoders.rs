//! The invariants of the two encoders, checked on their output by the strict parser
//! (`expo.rs`) and against the documented expectation (`oracle.rs`).

use std::collections::{BTreeMap, BTreeSet, HashSet};

use telemetry_exporters::prometheus::{encode_openmetrics, encode_text, text, Warning};

use crate::expo::{self, show, Block, Dialect};
use crate::model::{self, Input};
use crate::oracle::{family_suffixes, float_key, Expected, Labels};
use crate::tape::Tape;

/// Text 0.0.4: see [`check`].
pub fn text_encoder(data: &[u8]) {
    let input = model::input(&mut Tape::new(data));
    let mut out = String::new();
    let warnings = encode_text(&input.metrics, &input.options.text_options(), &mut out);
    assert_eq!(
        text::to_string(&input.metrics, &input.options.text_options()),
        out,
        "to_string and encode disagree"
    );
    check(&input, &out, &warnings, Dialect::Text);
}

/// OpenMetrics: see [`check`].
pub fn openmetrics_encoder(data: &[u8]) {
    let input = model::input(&mut Tape::new(data));
    let mut out = String::new();
    let warnings = encode_openmetrics(&input.metrics, &input.options.text_options(), &mut out);
    check(&input, &out, &warnings, Dialect::OpenMetrics);
    same_series(&input, &out, &warnings);
}

/// The two formats carry the same series with the same values ("a series keeps its name
/// whichever format a scrape negotiates", `openmetrics.rs`): every OpenMetrics sample but
/// `_created` is in the text exposition, and the text exposition has no other sample unless
/// OpenMetrics reported leaving a value out.
fn same_series(input: &Input, om: &str, om_warnings: &[Warning]) {
    let mut text = String::new();
    let text_warnings = encode_text(&input.metrics, &input.options.text_options(), &mut text);
    // Every sample but the `_created` ones of the types that have them: a gauge or a state
    // set may well be named `x_created`.
    let samples = |blocks: Vec<Block>| -> BTreeMap<(String, Labels), String> {
        let mut out = BTreeMap::new();
        for block in blocks {
            let created = matches!(block.kind.as_str(), "counter" | "histogram" | "summary")
                .then(|| format!("{}_created", block.name));
            for sample in block.samples {
                if created.as_ref() == Some(&sample.name) {
                    continue;
                }
                let mut labels = sample.labels;
                labels.sort();
                out.insert((sample.name, labels), sample.raw);
            }
        }
        out
    };
    let text_samples = samples(expo::parse_text(&text).expect("checked by text_encoder"));
    let om_samples = samples(expo::parse_openmetrics(om).expect("checked above"));
    let fail = |what: String| -> ! {
        panic!("{what}\n--- input: {input:#?}\n--- text:\n{text}\n--- OpenMetrics:\n{om}")
    };
    for (key, value) in &om_samples {
        match text_samples.get(key) {
            Some(v) if v == value => {}
            other => fail(format!(
                "{}{} is {value} in OpenMetrics, {other:?} in text",
                key.0,
                show(&key.1)
            )),
        }
    }
    let left_out = om_warnings
        .iter()
        .any(|w| matches!(w, Warning::ValueLeftOut { .. }));
    if !left_out && text_samples.len() != om_samples.len() {
        let extra: Vec<_> = text_samples
            .keys()
            .filter(|k| !om_samples.contains_key(*k))
            .collect();
        fail(format!("text only: {extra:?}"));
    }
    let others = |w: &[Warning]| {
        w.iter()
            .filter(|w| !matches!(w, Warning::ValueLeftOut { .. }))
            .count()
    };
    if others(om_warnings) != others(&text_warnings) {
        fail(format!(
            "warnings differ: OpenMetrics {om_warnings:?}, text {text_warnings:?}"
        ));
    }
}

/// The invariants of an exposition `out` of `input`:
///
/// 1. it parses (strictly) in its format: every line ends in `\n`, no raw newline or bad
///    escape in a label value or HELP, values are numbers or `NaN`/`+Inf`/`-Inf`, and an
///    OpenMetrics exposition ends with its only `# EOF`;
/// 2. each family has exactly one TYPE (and in text 0.0.4 one HELP) and one contiguous
///    block; no name is used by two families (as a family or a sample name); sample names
///    are those of the family's type; label names are valid, not reserved, and unique per
///    line; every series is written once, and in OpenMetrics contiguously;
/// 3. histograms: `le` strictly increasing ending in `+Inf`, cumulative counts, `_count`
///    equal to the `+Inf` bucket; OpenMetrics: counters never negative or NaN, info 1,
///    state sets 0 or 1, `# UNIT` a suffix of the family name;
/// 4. every series has the label set of some input point (values round-trip);
/// 5. unless the encoder reported leaving something out (beyond the OpenMetrics values
///    its documentation says it drops), the output is exactly what the documentation
///    promises: every family with its TYPE, HELP and UNIT, every sample with its value
///    (floats bit for bit, NaN as NaN), and nothing else.
pub fn check(input: &Input, out: &str, warnings: &[Warning], dialect: Dialect) {
    let fail = |what: String| -> ! {
        panic!("{what}\n--- input: {input:#?}\n--- warnings: {warnings:#?}\n--- output:\n{out}")
    };
    let blocks = match dialect {
        Dialect::Text => expo::parse_text(out),
        Dialect::OpenMetrics => expo::parse_openmetrics(out),
    }
    .unwrap_or_else(|e| fail(format!("unparsable output: {e}")));
    if let Err(e) = structure(&blocks, dialect) {
        fail(e);
    }
    let expected = Expected::of(input, dialect);
    let known: HashSet<&Labels> = expected.label_sets.iter().collect();
    for block in &blocks {
        for sample in &block.samples {
            let mut labels = sample.labels.clone();
            labels.sort();
            // The label the format adds (`le`, `quantile`, a state set's state) is written
            // last.
            let extra = ["le", "quantile", block.name.as_str()];
            let found = known.contains(&labels)
                || sample.labels.last().is_some_and(|(last, _)| {
                    let mut without = sample.labels[..sample.labels.len() - 1].to_vec();
                    without.sort();
                    extra.contains(&last.as_str()) && known.contains(&without)
                });
            if !found {
                fail(format!(
                    "{}{} has a label set no input point has",
                    sample.name,
                    show(&sample.labels)
                ));
            }
        }
    }
    let complete = warnings
        .iter()
        .all(|w| dialect == Dialect::OpenMetrics && matches!(w, Warning::ValueLeftOut { .. }));
    if complete {
        if let Err(e) = exactly(&blocks, &expected, dialect) {
            fail(format!("no warning, but: {e}"));
        }
    }
}

/// The name of a check that can be listed in [`crate::KNOWN_FINDINGS`].
const EMPTY_LABEL_VALUES: &str = "empty-label-values";

fn structure(blocks: &[Block], dialect: Dialect) -> Result<(), String> {
    // Which family owns each name, as a family name or a sample name.
    let mut owner: BTreeMap<String, &str> = BTreeMap::new();
    let mut series: HashSet<(String, Labels)> = HashSet::new();
    // Series as Prometheus stores them: a label with an empty value is no label at all
    // (https://prometheus.io/docs/concepts/data_model/), so `x{a=""}` and `x` are one series.
    let mut stored: HashSet<(String, Labels)> = HashSet::new();
    for block in blocks {
        let family = block.name.as_str();
        if !expo::is_metric_name(family) {
            return Err(format!("invalid family name {family:?}"));
        }
        let suffixes = family_suffixes(&block.kind, dialect);
        let names = std::iter::once(family.to_owned())
            .chain(suffixes.iter().map(|s| format!("{family}{s}")))
            .collect::<BTreeSet<_>>();
        for name in names {
            if let Some(other) = owner.insert(name.clone(), family) {
                return Err(format!("{name} belongs to families {other} and {family}"));
            }
        }
        if let (Some(unit), Dialect::OpenMetrics) = (&block.unit, dialect) {
            if !family.ends_with(&format!("_{unit}")) {
                return Err(format!("# UNIT {unit} is not a suffix of {family}"));
            }
        }
        if dialect == Dialect::Text && block.help.is_none() {
            return Err(format!("{family} has no HELP"));
        }
        // Series in the order met, for contiguity; bucket lines per series.
        let mut order: Vec<Labels> = Vec::new();
        let mut buckets: BTreeMap<Labels, Vec<(f64, f64)>> = BTreeMap::new();
        let mut counts: BTreeMap<(String, Labels), f64> = BTreeMap::new();
        for s in &block.samples {
            let suffix = s
                .name
                .strip_prefix(family)
                .filter(|x| suffixes.contains(x))
                .ok_or_else(|| format!("sample {} in family {family} ({})", s.name, block.kind))?;
            let mut names = HashSet::new();
            for (label, _) in &s.labels {
                if !expo::is_label_name(label) || label.starts_with("__") {
                    return Err(format!("label name {label:?} in {}", s.name));
                }
                if !names.insert(label.as_str()) {
                    return Err(format!(
                        "label {label} twice in {}{}",
                        s.name,
                        show(&s.labels)
                    ));
                }
            }
            let mut labels = s.labels.clone();
            labels.sort();
            if !series.insert((s.name.clone(), labels.clone())) {
                return Err(format!(
                    "series written twice: {}{}",
                    s.name,
                    show(&s.labels)
                ));
            }
            let mut nonempty = labels.clone();
            nonempty.retain(|(_, v)| !v.is_empty());
            if !stored.insert((s.name.clone(), nonempty)) && crate::enabled(EMPTY_LABEL_VALUES) {
                return Err(format!(
                    "{}{} is the same series as another one for Prometheus, which drops \
                     labels with an empty value",
                    s.name,
                    show(&s.labels)
                ));
            }
            let float_label = match (block.kind.as_str(), suffix) {
                (_, "_bucket") => Some("le"),
                ("summary", "") => Some("quantile"),
                _ => None,
            };
            // The label the type adds is on exactly the samples that need it (attributes
            // named like it were renamed `exported_…`).
            let adds = match block.kind.as_str() {
                "histogram" | "gaugehistogram" => Some("le"),
                "summary" => Some("quantile"),
                _ => None,
            };
            if let Some(x) = adds {
                if names.contains(x) != (float_label == Some(x)) {
                    return Err(format!("{x} label in {}{}", s.name, show(&s.labels)));
                }
            }
            let mut key = labels.clone();
            let mut float = None;
            if let Some(x) = float_label {
                let i = key.iter().position(|(k, _)| k == x).unwrap();
                let (_, v) = key.remove(i);
                let v = expo::parse_value(&v, dialect).map_err(|e| format!("{x}: {e}"))?;
                float = Some(v);
            }
            if block.kind == "stateset" {
                let i = key
                    .iter()
                    .position(|(k, _)| k == family)
                    .ok_or_else(|| format!("state set sample without its state label: {s:?}"))?;
                key.remove(i);
            }
            match order.iter().position(|l| *l == key) {
                None => order.push(key.clone()),
                Some(i) if i + 1 != order.len() && dialect == Dialect::OpenMetrics => {
                    return Err(format!("series {family}{} is not contiguous", show(&key)));
                }
                Some(_) => {}
            }
            if suffix == "_bucket" {
                buckets
                    .entry(key.clone())
                    .or_default()
                    .push((float.unwrap(), s.value));
            }
            if matches!(suffix, "_count" | "_gcount") {
                counts.insert((suffix.to_owned(), key.clone()), s.value);
            }
            if dialect == Dialect::OpenMetrics {
                let bad = match (block.kind.as_str(), suffix) {
                    ("counter", "_total") => s.value.is_nan() || s.value < 0.0,
                    ("info", _) => s.raw != "1",
                    ("stateset", _) => s.raw != "0" && s.raw != "1",
                    (_, "_bucket" | "_count" | "_gcount") => s.value.is_nan() || s.value < 0.0,
                    _ => false,
                };
                if bad {
                    return Err(format!("value {} of {}{}", s.raw, s.name, show(&s.labels)));
                }
            }
        }
        for (key, lines) in &buckets {
            let at = || format!("{family}_bucket{}", show(key));
            if lines.last().map(|l| l.0) != Some(f64::INFINITY) {
                return Err(format!("{} does not end with le=\"+Inf\"", at()));
            }
            if lines
                .windows(2)
                .any(|w| !(w[0].0 < w[1].0) || !(w[0].1 <= w[1].1))
            {
                return Err(format!("{}: le or counts not increasing: {lines:?}", at()));
            }
            let inf = lines.last().unwrap().1;
            for suffix in ["_count", "_gcount"] {
                if let Some(&count) = counts.get(&(suffix.to_owned(), key.clone())) {
                    if count != inf {
                        return Err(format!("{}: {suffix} {count} but +Inf {inf}", at()));
                    }
                }
            }
        }
    }
    Ok(())
}

/// The output is exactly the expectation.
fn exactly(blocks: &[Block], expected: &Expected, dialect: Dialect) -> Result<(), String> {
    let written: Vec<&str> = blocks.iter().map(|b| b.name.as_str()).collect();
    let promised: Vec<&str> = expected.families.keys().map(String::as_str).collect();
    let mut sorted = written.clone();
    sorted.sort_unstable();
    if sorted != promised {
        return Err(format!("families {written:?}, expected {promised:?}"));
    }
    let mut samples = 0;
    for block in blocks {
        let family = &expected.families[&block.name];
        let help = match dialect {
            Dialect::Text => Some(family.help.clone()),
            Dialect::OpenMetrics => Some(family.help.clone()).filter(|h| !h.is_empty()),
        };
        if block.kind != family.kind || block.help != help || block.unit != family.unit {
            return Err(format!(
                "metadata of {}: {block:?}, expected {family:?}",
                block.name
            ));
        }
        for s in &block.samples {
            samples += 1;
            let mut labels: Labels = s
                .labels
                .iter()
                .map(|(k, v)| match k.as_str() {
                    // Only a histogram's bucket label is a number; a summary or gauge may
                    // carry an attribute named `le` with any value.
                    "le" if matches!(block.kind.as_str(), "histogram" | "gaugehistogram")
                        && s.name == format!("{}_bucket", block.name) =>
                    {
                        (k.clone(), float(v, dialect))
                    }
                    "quantile" if block.kind == "summary" => (k.clone(), float(v, dialect)),
                    _ => (k.clone(), v.clone()),
                })
                .collect();
            labels.sort();
            let key = (s.name.clone(), labels);
            match expected.samples.get(&key) {
                None => return Err(format!("unexpected sample {}{}", s.name, show(&s.labels))),
                Some(value) if !value.matches(&s.raw, s.value) => {
                    return Err(format!(
                        "{}{} is {}, expected {value:?}",
                        s.name,
                        show(&s.labels),
                        s.raw
                    ))
                }
                Some(_) => {}
            }
            if let Some(e) = float_form(&s.raw) {
                return Err(format!("{}{}: {e}", s.name, show(&s.labels)));
            }
        }
    }
    if samples != expected.samples.len() {
        let missing: Vec<_> = expected
            .samples
            .keys()
            .filter(|(name, labels)| {
                !blocks.iter().flat_map(|b| &b.samples).any(|s| {
                    let mut l = s.labels.clone();
                    l.sort();
                    &s.name == name && l.len() == labels.len()
                })
            })
            .collect();
        return Err(format!(
            "{samples} samples, expected {}; missing (roughly) {missing:?}",
            expected.samples.len()
        ));
    }
    Ok(())
}

fn float(v: &str, dialect: Dialect) -> String {
    expo::parse_value(v, dialect).map_or_else(|e| e, float_key)
}

/// A float written as Python's `repr` does: with an exponent, a sign and at least two
/// digits (`1e-05`, `1e+16`). Integers and plain decimals pass.
fn float_form(raw: &str) -> Option<String> {
    let (_, exp) = raw.split_once('e')?;
    match exp.strip_prefix(['+', '-']) {
        Some(digits) if digits.len() >= 2 => None,
        _ => Some(format!("exponent of {raw:?} is not a sign and two digits")),
    }
}
