//! Metric labels as Cloud Monitoring accepts them: keys `[a-zA-Z][a-zA-Z0-9_]*` of at most
//! 100 characters, at most 30 labels per series, values of at most 1024 characters.

use std::collections::BTreeMap;

use telemetry_core::Attributes;

use super::report::{Problem, Problems};

pub(super) const MAX_KEY_LEN: usize = 100;
pub(super) const MAX_LABELS: usize = 30;
pub(super) const MAX_VALUE_LEN: usize = 1024;

/// `key` as a valid label key: every other character becomes `_`, a key that does not start
/// with a letter gets the prefix `key_` (as OpenCensus' exporter did), and the result is cut
/// to 100 characters.
pub(super) fn sanitize_key(key: &str) -> String {
    let mut out: String = key
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if !out.starts_with(|c: char| c.is_ascii_alphabetic()) {
        out.insert_str(0, "key_");
    }
    out.truncate(MAX_KEY_LEN);
    out
}

/// `value` cut to [`MAX_VALUE_LEN`] characters, if longer.
fn fit_value(value: String) -> (String, bool) {
    match value.char_indices().nth(MAX_VALUE_LEN) {
        Some((cut, _)) => (value[..cut].to_owned(), true),
        None => (value, false),
    }
}

/// The labels of one point: its attributes with sanitized keys, plus `extra` (the unique
/// per-process label). `None` when the point cannot be sent (more than 30 labels); every
/// change made to fit is reported in `problems`.
pub(super) fn labels(
    metric: &str,
    attributes: &Attributes,
    extra: Option<(&str, &str)>,
    problems: &mut Problems,
) -> Option<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for kv in attributes.as_slice() {
        let key = sanitize_key(&kv.key);
        if key != kv.key {
            problems.add(
                metric,
                Problem::KeyRenamed,
                format!("{:?} sent as {key:?}", kv.key),
            );
        }
        let (value, cut) = fit_value(kv.value.as_str().into_owned());
        if cut {
            problems.add(
                metric,
                Problem::ValueTruncated,
                format!("value of {key:?} cut to {MAX_VALUE_LEN} characters"),
            );
        }
        if out.contains_key(&key) {
            problems.add(
                metric,
                Problem::KeyCollision,
                format!("two attributes map to label {key:?}; the first one is kept"),
            );
            continue;
        }
        out.insert(key, value);
    }
    if let Some((key, value)) = extra {
        out.insert(key.to_owned(), value.to_owned());
    }
    if out.len() > MAX_LABELS {
        problems.add(
            metric,
            Problem::TooManyLabels,
            format!("{} labels, at most {MAX_LABELS}: point not sent", out.len()),
        );
        return None;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use telemetry_core::KeyValue;

    #[test]
    fn keys_are_sanitized() {
        assert_eq!(sanitize_key("http.method"), "http_method");
        assert_eq!(sanitize_key("9lives"), "key_9lives");
        assert_eq!(sanitize_key("_x"), "key__x");
        assert_eq!(sanitize_key("été"), "key__t_");
        assert_eq!(sanitize_key(&"a".repeat(150)).len(), 100);
    }

    #[test]
    fn what_cannot_be_sent_is_reported() {
        let mut problems = Problems::default();
        let attrs = Attributes::new([
            KeyValue::new("http.method", "GET"),
            KeyValue::new("http_method", "POST"),
            KeyValue::new("v", "x".repeat(2000)),
        ]);
        let l = labels("m", &attrs, Some(("task", "t1")), &mut problems).unwrap();
        assert_eq!(l["v"].chars().count(), 1024);
        assert_eq!(l["task"], "t1");
        assert_eq!(l.len(), 3);
        let kinds: Vec<Problem> = problems.iter().map(|p| p.kind).collect();
        assert!(kinds.contains(&Problem::KeyRenamed));
        assert!(kinds.contains(&Problem::KeyCollision));
        assert!(kinds.contains(&Problem::ValueTruncated));

        let many = Attributes::new((0..31).map(|i| KeyValue::new(format!("k{i}"), "v")));
        let mut problems = Problems::default();
        assert!(labels("m", &many, None, &mut problems).is_none());
        assert_eq!(problems.iter().next().unwrap().kind, Problem::TooManyLabels);
    }
}
