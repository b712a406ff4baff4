//! The label set of one series, built from its attributes.
//!
//! Most attribute sets are label sets already: keys that are valid label names, string
//! values, nothing reserved. Those are borrowed as they are ([`Labels::Plain`]); a scrape of
//! 10,000 series then builds no vector per series. Everything else is mapped by the
//! OpenTelemetry compatibility rules into an owned list ([`Labels::Built`]).

use std::borrow::Cow;
use std::collections::btree_map::Entry;
use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};

use telemetry_core::{KeyValue, Scope, Value};

use super::names::sanitize_label_name;

/// The prefix an attribute gets when it would collide with a label the format adds itself
/// (`le`, `quantile`): what Prometheus does to a scraped label that clashes with its own.
const EXPORTED: &str = "exported_";

/// Label names with their values (unescaped), sorted by name, each name once. Equal and
/// hashed by those pairs, whichever form holds them.
#[derive(Clone, Debug)]
pub(crate) enum Labels<'a> {
    /// Attributes that are a label set as they are (see [`Labels::of`]).
    Plain(&'a [KeyValue]),
    /// Sanitised, merged or scope-labelled pairs.
    Built(Vec<(Cow<'a, str>, Cow<'a, str>)>),
}

impl<'a> Labels<'a> {
    /// The label set of a series with `attributes` (sorted by key, as [`Attributes`] keeps
    /// them), labelled with `scope` if given; `reserved` is the label the format adds to
    /// this kind's samples (`le`, `quantile`, a state set's own name).
    ///
    /// [`Attributes`]: telemetry_core::Attributes
    pub(crate) fn of(
        attributes: &'a [KeyValue],
        scope: Option<&'a Scope>,
        reserved: Option<&str>,
    ) -> Labels<'a> {
        if scope.is_none() && is_plain(attributes, reserved) {
            Labels::Plain(attributes)
        } else {
            Labels::Built(build(attributes.iter(), scope, reserved))
        }
    }

    /// [`Labels::of`] for attributes that are not one slice (a state set's, without the
    /// state attribute).
    pub(crate) fn of_iter(
        attributes: impl Iterator<Item = &'a KeyValue>,
        scope: Option<&'a Scope>,
        reserved: Option<&str>,
    ) -> Labels<'a> {
        Labels::Built(build(attributes, scope, reserved))
    }

    /// The `(name, value)` pairs, in name order.
    pub(crate) fn iter(&self) -> Iter<'_> {
        match self {
            Labels::Plain(attributes) => Iter::Plain(attributes.iter()),
            Labels::Built(pairs) => Iter::Built(pairs.iter()),
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        match self {
            Labels::Plain(attributes) => attributes.is_empty(),
            Labels::Built(pairs) => pairs.is_empty(),
        }
    }
}

impl PartialEq for Labels<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for Labels<'_> {}

impl Hash for Labels<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        for (name, value) in self.iter() {
            name.hash(state);
            value.hash(state);
        }
    }
}

/// The pairs of a [`Labels`].
pub(crate) enum Iter<'s> {
    Plain(std::slice::Iter<'s, KeyValue>),
    Built(std::slice::Iter<'s, (Cow<'s, str>, Cow<'s, str>)>),
}

impl<'s> Iterator for Iter<'s> {
    type Item = (&'s str, &'s str);

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Iter::Plain(it) => it.next().map(|kv| (&*kv.key, plain_value(&kv.value))),
            Iter::Built(it) => it.next().map(|(name, value)| (&**name, &**value)),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match self {
            Iter::Plain(it) => it.size_hint(),
            Iter::Built(it) => it.size_hint(),
        }
    }
}

/// The text of a value [`is_plain`] accepted.
fn plain_value(value: &Value) -> &str {
    match value {
        Value::Str(s) => s,
        // `is_plain` lets nothing else through.
        _ => "",
    }
}

/// Whether `attributes` are a label set as they are: every key a valid label name not
/// starting with `__`, in increasing order, not `reserved`, and every value a non-empty
/// string.
fn is_plain(attributes: &[KeyValue], reserved: Option<&str>) -> bool {
    let mut last: Option<&str> = None;
    attributes.iter().all(|kv| {
        let key: &str = &kv.key;
        // Only strings: `true` the string and `true` the boolean are two attribute sets
        // but one label set, which the general path reports as a duplicate.
        let value_ok = matches!(&kv.value, Value::Str(s) if !s.is_empty());
        let in_order = last.is_none_or(|last| last < key);
        last = Some(key);
        value_ok
            && in_order
            && reserved != Some(key)
            && matches!(sanitize_label_name(key), Cow::Borrowed(_))
    })
}

/// The label set of a series by the compatibility rules.
///
/// Attribute keys are sanitised; when several keys land on one label name, their values are
/// joined with `;` in the order of the original keys (sorted bytewise), as the OpenTelemetry
/// Prometheus compatibility rules ask: `{a.b="1", a_b="2"}` → `a_b="1;2"`. An attribute
/// named like the label the format adds (`le`, `quantile`, a state set's own name) gets the
/// `exported_` prefix. An empty value means "no label" in Prometheus: it is left out.
/// Scope labels (`otel_scope_name`, `otel_scope_version`) come last and merge the same way.
fn build<'a>(
    attributes: impl Iterator<Item = &'a KeyValue>,
    scope: Option<&'a Scope>,
    reserved: Option<&str>,
) -> Vec<(Cow<'a, str>, Cow<'a, str>)> {
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
    for kv in attributes {
        let value = kv.value.as_str();
        if value.is_empty() {
            // Prometheus has no empty labels: `{a=""}` is the series without `a`. Leaving it
            // out makes such a series collide with the one without the attribute, which is
            // then reported as a duplicate instead of written twice.
            continue;
        }
        let mut name = sanitize_label_name(&kv.key);
        if reserved == Some(&*name) {
            name = Cow::Owned(format!("{EXPORTED}{name}"));
        }
        add(name, value);
    }
    if let Some(scope) = scope {
        // A state set called `otel_scope_name` owns that label: the scope's is exported_.
        let scope_label = |name: &'static str| {
            if reserved == Some(name) {
                Cow::Owned(format!("{EXPORTED}{name}"))
            } else {
                Cow::Borrowed(name)
            }
        };
        // Empty values are no labels, as for attributes.
        if !scope.name.is_empty() {
            add(scope_label("otel_scope_name"), Cow::Borrowed(&scope.name));
        }
        if let Some(version) = scope.version.as_deref().filter(|v| !v.is_empty()) {
            add(scope_label("otel_scope_version"), Cow::Borrowed(version));
        }
    }
    merged.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use std::hash::BuildHasher;

    use super::*;

    fn pairs<'s>(labels: &'s Labels<'_>) -> Vec<(&'s str, &'s str)> {
        labels.iter().collect()
    }

    #[test]
    fn valid_string_attributes_are_borrowed() {
        let attrs = [KeyValue::new("code", "200"), KeyValue::new("ok", "yes")];
        let labels = Labels::of(&attrs, None, Some("le"));
        assert!(matches!(labels, Labels::Plain(_)));
        assert_eq!(pairs(&labels), [("code", "200"), ("ok", "yes")]);
    }

    #[test]
    fn anything_else_is_built_by_the_rules() {
        let scope = Scope {
            name: "lib".into(),
            version: None,
        };
        type Case<'c> = (&'c [KeyValue], Option<&'c Scope>, &'c [(&'c str, &'c str)]);
        let cases: [Case<'_>; 6] = [
            (&[KeyValue::new("ok", true)], None, &[("ok", "true")]),
            (
                &[KeyValue::new("a.b", "1"), KeyValue::new("a_b", "2")],
                None,
                &[("a_b", "1;2")],
            ),
            (&[KeyValue::new("n", 7_i64)], None, &[("n", "7")]),
            (
                &[KeyValue::new("e", ""), KeyValue::new("f", "x")],
                None,
                &[("f", "x")],
            ),
            (&[KeyValue::new("le", "x")], None, &[("exported_le", "x")]),
            (
                &[KeyValue::new("a", "x")],
                Some(&scope),
                &[("a", "x"), ("otel_scope_name", "lib")],
            ),
        ];
        for (attrs, scope, expected) in cases {
            let labels = Labels::of(attrs, scope, Some("le"));
            assert!(matches!(labels, Labels::Built(_)), "{attrs:?}");
            assert_eq!(pairs(&labels), expected, "{attrs:?}");
        }
    }

    #[test]
    fn both_forms_of_one_label_set_are_equal_and_hash_alike() {
        let attrs = [KeyValue::new("a", "1"), KeyValue::new("b", "2")];
        let plain = Labels::of(&attrs, None, None);
        let built = Labels::of_iter(attrs.iter(), None, None);
        assert!(matches!(plain, Labels::Plain(_)) && matches!(built, Labels::Built(_)));
        assert_eq!(plain, built);
        let state = foldhash::fast::FixedState::default();
        assert_eq!(state.hash_one(&plain), state.hash_one(&built));
        assert_ne!(plain, Labels::of(&attrs[..1], None, None));
    }
}
