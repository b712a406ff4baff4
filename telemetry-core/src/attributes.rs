//! Attribute (label) sets and the allocation-free lookup key used on the record path.
//!
//! A series is identified by a *set* of key/value pairs: `[a=1, b=2]` and `[b=2, a=1]` are the
//! same series. The hash of a set is therefore order-independent (a wrapping sum of the
//! per-pair hashes), so a slice passed to `add` can be hashed and compared in place, without
//! sorting or copying it. Only the first record of a new series builds an owned,
//! sorted [`Attributes`].

use std::borrow::Cow;
use std::fmt;
use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::Arc;

/// An attribute key (a label name).
pub type Key = Cow<'static, str>;

/// An attribute value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A string; `&'static str` values are stored without allocating.
    Str(Cow<'static, str>),
    /// A signed integer.
    I64(i64),
    /// A float (compared and hashed by its bits).
    F64(f64),
    /// A boolean.
    Bool(bool),
}

impl Value {
    /// The value as text, the way the Prometheus and Stackdriver formats need it.
    ///
    /// ```
    /// # use telemetry_core::Value;
    /// assert_eq!(Value::from(true).as_str(), "true");
    /// assert_eq!(Value::from("GET").as_str(), "GET");
    /// ```
    #[must_use]
    pub fn as_str(&self) -> Cow<'_, str> {
        match self {
            Value::Str(s) => Cow::Borrowed(s),
            Value::I64(v) => Cow::Owned(v.to_string()),
            Value::F64(v) => Cow::Owned(v.to_string()),
            Value::Bool(v) => Cow::Borrowed(if *v { "true" } else { "false" }),
        }
    }

    /// Orders two values as [`as_str`](Self::as_str) would, without allocating: numbers are
    /// rendered into a stack buffer (a float whose text does not fit takes the slow way).
    pub(crate) fn cmp_as_text(&self, other: &Value) -> std::cmp::Ordering {
        match (self, other) {
            (Value::Str(a), Value::Str(b)) => a.as_ref().cmp(b.as_ref()),
            _ => with_text(self, |a| with_text(other, |b| a.cmp(b))),
        }
    }

    fn hash_into<H: Hasher>(&self, state: &mut H) {
        match self {
            Value::Str(s) => {
                state.write_u8(0);
                s.hash(state);
            }
            Value::I64(v) => {
                state.write_u8(1);
                v.hash(state);
            }
            Value::F64(v) => {
                state.write_u8(2);
                v.to_bits().hash(state);
            }
            Value::Bool(v) => {
                state.write_u8(3);
                v.hash(state);
            }
        }
    }

    fn same(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::F64(a), Value::F64(b)) => a.to_bits() == b.to_bits(),
            _ => self == other,
        }
    }
}

/// Calls `f` with the text of `value`, rendered on the stack when it fits.
fn with_text<R>(value: &Value, f: impl FnOnce(&str) -> R) -> R {
    /// A fixed buffer for `write!`; it reports an error when the text does not fit.
    struct Stack {
        buf: [u8; 40],
        len: usize,
    }
    impl fmt::Write for Stack {
        fn write_str(&mut self, s: &str) -> fmt::Result {
            let end = self.len + s.len();
            self.buf
                .get_mut(self.len..end)
                .ok_or(fmt::Error)?
                .copy_from_slice(s.as_bytes());
            self.len = end;
            Ok(())
        }
    }
    match value {
        Value::Str(s) => f(s),
        Value::Bool(b) => f(if *b { "true" } else { "false" }),
        Value::I64(_) | Value::F64(_) => {
            let mut stack = Stack {
                buf: [0; 40],
                len: 0,
            };
            if fmt::write(&mut stack, format_args!("{value}")).is_ok() {
                // Only whole `&str`s were copied in: the bytes are UTF-8.
                if let Ok(text) = std::str::from_utf8(&stack.buf[..stack.len]) {
                    return f(text);
                }
            }
            f(&value.as_str())
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::I64(v) => fmt::Display::fmt(v, f),
            Value::F64(v) => fmt::Display::fmt(v, f),
            Value::Str(_) | Value::Bool(_) => f.write_str(&self.as_str()),
        }
    }
}

impl From<&'static str> for Value {
    fn from(v: &'static str) -> Self {
        Value::Str(Cow::Borrowed(v))
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Str(Cow::Owned(v))
    }
}
impl From<&String> for Value {
    fn from(v: &String) -> Self {
        Value::Str(Cow::Owned(v.clone()))
    }
}
impl From<Cow<'static, str>> for Value {
    fn from(v: Cow<'static, str>) -> Self {
        Value::Str(v)
    }
}
impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Bool(v)
    }
}
impl From<f64> for Value {
    fn from(v: f64) -> Self {
        Value::F64(v)
    }
}
macro_rules! int_value {
    ($($t:ty),*) => {$(
        impl From<$t> for Value {
            fn from(v: $t) -> Self {
                Value::I64(v as i64)
            }
        }
    )*};
}
int_value!(i8, i16, i32, i64, u8, u16, u32, isize);

impl From<u64> for Value {
    /// Values above `i64::MAX` are kept exactly, as text.
    fn from(v: u64) -> Self {
        match i64::try_from(v) {
            Ok(v) => Value::I64(v),
            Err(_) => Value::Str(Cow::Owned(v.to_string())),
        }
    }
}

impl From<usize> for Value {
    fn from(v: usize) -> Self {
        Value::from(v as u64)
    }
}

/// One attribute: a key and its value.
///
/// ```
/// # use telemetry_core::KeyValue;
/// let kv = KeyValue::new("method", "GET"); // no allocation for static strings
/// assert_eq!(kv.key, "method");
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct KeyValue {
    /// The key.
    pub key: Key,
    /// The value.
    pub value: Value,
}

impl KeyValue {
    /// Builds an attribute.
    pub fn new(key: impl Into<Key>, value: impl Into<Value>) -> Self {
        KeyValue {
            key: key.into(),
            value: value.into(),
        }
    }

    fn hash_one(&self) -> u64 {
        let mut h = HASHER.build_hasher();
        self.key.hash(&mut h);
        self.value.hash_into(&mut h);
        h.finish()
    }
}

/// Seeded identically in every process so that hashes are reproducible in tests.
const HASHER: foldhash::fast::FixedState = foldhash::fast::FixedState::with_seed(0x7e1e_3e7a);

/// Which keys of a recorded attribute slice a stream keeps (a view's attribute filter).
#[derive(Clone, Copy, Debug)]
pub(crate) enum KeyFilter<'a> {
    All,
    Only(&'a [Key]),
}

impl KeyFilter<'_> {
    #[inline]
    fn keeps(&self, key: &str) -> bool {
        match self {
            KeyFilter::All => true,
            KeyFilter::Only(keys) => keys.iter().any(|k| k == key),
        }
    }
}

/// An owned, immutable attribute set: sorted by key, one value per key, cheap to clone.
///
/// ```
/// # use telemetry_core::{Attributes, KeyValue};
/// let a = Attributes::from(vec![KeyValue::new("b", 2), KeyValue::new("a", 1)]);
/// let b = Attributes::from(vec![KeyValue::new("a", 1), KeyValue::new("b", 2)]);
/// assert_eq!(a, b);
/// assert_eq!(a.get("a").map(|v| v.to_string()).as_deref(), Some("1"));
/// ```
#[derive(Clone)]
pub struct Attributes {
    pairs: Arc<[KeyValue]>,
    hash: u64,
}

impl Attributes {
    /// The empty set.
    #[must_use]
    pub fn empty() -> Self {
        Attributes::from(Vec::new())
    }

    /// Builds a set from pairs; when a key repeats, the last value wins.
    pub fn new(pairs: impl IntoIterator<Item = KeyValue>) -> Self {
        Attributes::from(pairs.into_iter().collect::<Vec<_>>())
    }

    pub(crate) fn filtered(pairs: &[KeyValue], filter: KeyFilter<'_>) -> Self {
        Attributes::from(
            pairs
                .iter()
                .filter(|kv| filter.keeps(&kv.key))
                .cloned()
                .collect::<Vec<_>>(),
        )
    }

    /// The pairs, sorted by key.
    #[must_use]
    pub fn as_slice(&self) -> &[KeyValue] {
        &self.pairs
    }

    /// The value of `key`, if present.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.pairs
            .binary_search_by(|kv| kv.key.as_ref().cmp(key))
            .ok()
            .map(|i| &self.pairs[i].value)
    }

    /// Number of pairs.
    #[must_use]
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    /// True for the empty set.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// A new set with `extra` added (and overriding keys already present).
    #[must_use]
    pub fn merged(&self, extra: &[KeyValue]) -> Attributes {
        Attributes::new(self.pairs.iter().cloned().chain(extra.iter().cloned()))
    }

    /// True if `pairs`, restricted by `filter`, is exactly this set (in any order).
    pub(crate) fn matches(&self, pairs: &[KeyValue], filter: KeyFilter<'_>) -> bool {
        // The usual case: the same keys in the same (sorted) order, compared pairwise
        // without a search.
        if matches!(filter, KeyFilter::All) && pairs.len() == self.pairs.len() {
            let mut same_order = true;
            for (kv, mine) in pairs.iter().zip(self.pairs.iter()) {
                if kv.key != mine.key {
                    same_order = false;
                    break;
                }
                if !kv.value.same(&mine.value) {
                    return false;
                }
            }
            if same_order {
                return true;
            }
        }
        let mut seen = 0;
        for kv in pairs.iter().filter(|kv| filter.keeps(&kv.key)) {
            match self.get(&kv.key) {
                Some(v) if v.same(&kv.value) => seen += 1,
                _ => return false,
            }
        }
        // A slice with a repeated key counts more pairs than the set and misses here; the
        // record path then takes the slow path, which deduplicates.
        seen == self.pairs.len()
    }
}

/// The order-independent hash of `pairs` restricted by `filter`.
#[inline]
pub(crate) fn set_hash(pairs: &[KeyValue], filter: KeyFilter<'_>) -> u64 {
    pairs
        .iter()
        .filter(|kv| filter.keeps(&kv.key))
        .fold(0u64, |acc, kv| acc.wrapping_add(kv.hash_one()))
}

impl From<Vec<KeyValue>> for Attributes {
    fn from(mut pairs: Vec<KeyValue>) -> Self {
        // Stable sort keeps insertion order within a key, so "last wins" below is well defined.
        pairs.sort_by(|a, b| a.key.cmp(&b.key));
        let mut deduped: Vec<KeyValue> = Vec::with_capacity(pairs.len());
        for kv in pairs {
            match deduped.last_mut() {
                Some(last) if last.key == kv.key => *last = kv,
                _ => deduped.push(kv),
            }
        }
        let hash = set_hash(&deduped, KeyFilter::All);
        Attributes {
            pairs: deduped.into(),
            hash,
        }
    }
}

impl<const N: usize> From<[KeyValue; N]> for Attributes {
    fn from(pairs: [KeyValue; N]) -> Self {
        Attributes::from(Vec::from(pairs))
    }
}

impl std::ops::Deref for Attributes {
    type Target = [KeyValue];
    fn deref(&self) -> &[KeyValue] {
        &self.pairs
    }
}

impl PartialEq for Attributes {
    fn eq(&self, other: &Self) -> bool {
        // Clones of one set (a derived struct's attributes on each of its fields) share it.
        Arc::ptr_eq(&self.pairs, &other.pairs)
            || (self.hash == other.hash
                && self.pairs.len() == other.pairs.len()
                && self
                    .pairs
                    .iter()
                    .zip(other.pairs.iter())
                    .all(|(a, b)| a.key == b.key && a.value.same(&b.value)))
    }
}
impl Eq for Attributes {}

impl Hash for Attributes {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash);
    }
}

impl fmt::Debug for Attributes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.pairs.iter().map(|kv| (&kv.key, &kv.value)))
            .finish()
    }
}

impl Default for Attributes {
    fn default() -> Self {
        Attributes::empty()
    }
}

/// A borrowed lookup key: a recorded slice and the stream's filter, hashed like the owned set.
pub(crate) struct AttributeQuery<'a> {
    pub(crate) pairs: &'a [KeyValue],
    pub(crate) filter: KeyFilter<'a>,
    pub(crate) hash: u64,
}

impl<'a> AttributeQuery<'a> {
    #[inline]
    pub(crate) fn new(pairs: &'a [KeyValue], filter: KeyFilter<'a>) -> Self {
        AttributeQuery {
            pairs,
            filter,
            hash: set_hash(pairs, filter),
        }
    }
}

impl Hash for AttributeQuery<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash);
    }
}

impl papaya::Equivalent<Attributes> for AttributeQuery<'_> {
    fn equivalent(&self, key: &Attributes) -> bool {
        key.hash == self.hash && key.matches(self.pairs, self.filter)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn values_compare_as_their_text() {
        use super::Value;
        let values = [
            Value::from(10),
            Value::from(9),
            Value::from(-3),
            Value::from(1.5),
            Value::from(f64::NAN),
            Value::from(1e300),
            Value::from(true),
            Value::from("9a"),
            Value::from(""),
        ];
        for a in &values {
            for b in &values {
                assert_eq!(a.cmp_as_text(b), a.as_str().cmp(&b.as_str()), "{a} vs {b}");
            }
        }
    }

    use super::*;

    #[test]
    fn hash_ignores_order_and_filter_drops_keys() {
        let a = [KeyValue::new("a", 1), KeyValue::new("b", "x")];
        let b = [KeyValue::new("b", "x"), KeyValue::new("a", 1)];
        assert_eq!(set_hash(&a, KeyFilter::All), set_hash(&b, KeyFilter::All));
        let keys: [Key; 1] = [Cow::Borrowed("a")];
        let only_a = Attributes::filtered(&b, KeyFilter::Only(&keys));
        assert_eq!(only_a, Attributes::from([KeyValue::new("a", 1)]));
        assert!(only_a.matches(&b, KeyFilter::Only(&keys)));
        assert_eq!(only_a.hash, set_hash(&b, KeyFilter::Only(&keys)));
    }

    #[test]
    fn last_value_wins_for_repeated_keys() {
        let set = Attributes::new([KeyValue::new("k", 1), KeyValue::new("k", 2)]);
        assert_eq!(set.len(), 1);
        assert_eq!(set.get("k"), Some(&Value::I64(2)));
        // A slice with the repeat does not match in place (it takes the slow path).
        assert!(!set.matches(
            &[KeyValue::new("k", 1), KeyValue::new("k", 2)],
            KeyFilter::All
        ));
    }

    #[test]
    fn float_values_compare_by_bits() {
        let nan = Attributes::from([KeyValue::new("x", f64::NAN)]);
        assert_eq!(nan, nan.clone());
    }
}
