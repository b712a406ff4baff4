//! Typed attribute sets: a struct whose fields are the attributes of a series.
//!
//! An [`AttributeSet`] names a series the way a `&[KeyValue]` slice does, but as a value the
//! compiler knows: an [instrument family](crate::family) keyed by it finds the series of a
//! set whose fields all have a fixed number of values (enums, `bool`) by a mixed-radix
//! [`index`](AttributeSet::index) into a table, without hashing, and any other set by hashing
//! its fields in place. The key/value pairs are built only the first time a set is seen.

use std::borrow::Cow;
use std::hash::Hash;

use crate::attributes::{KeyValue, Value};
use crate::enum_label::EnumLabel;

/// A typed set of attributes: the key of an [instrument family](crate::family).
///
/// With the `derive` feature, `#[derive(AttributeSet)]` implements it for a struct with
/// named fields, each an [`AttributeField`]: an [`EnumLabel`] enum, a `bool`, a string or an
/// integer (see [Attribute sets](derive@crate::MetricCollector#attribute-sets) in the derive
/// guide). By hand:
///
/// ```
/// use telemetry_core::{AttributeField, AttributeSet, KeyValue};
///
/// #[derive(Clone, PartialEq, Eq, Hash)]
/// struct Request {
///     secure: bool,
///     retried: bool,
/// }
///
/// impl AttributeSet for Request {
///     // Four sets: each one has its own slot in a family's table.
///     const CARDINALITY: Option<usize> = Some(4);
///
///     fn index(&self) -> usize {
///         self.secure.index() * 2 + self.retried.index()
///     }
///
///     fn attributes(&self) -> Vec<KeyValue> {
///         vec![KeyValue::new("secure", self.secure), KeyValue::new("retried", self.retried)]
///     }
/// }
///
/// assert_eq!(Request { secure: true, retried: false }.index(), 2);
/// ```
///
/// The contract, which the derive keeps: two sets are equal exactly when their
/// `attributes()` are; for a fixed set (`CARDINALITY` is `Some(n)`), `index` maps the `n`
/// possible sets one-to-one onto `0..n`. For other sets `index` is not used.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an attribute set",
    label = "not an `AttributeSet`",
    note = "derive it on a struct with named fields: `#[derive(Clone, PartialEq, Eq, Hash, AttributeSet)]`"
)]
pub trait AttributeSet: Clone + Eq + Hash + Send + Sync + 'static {
    /// How many distinct sets exist, if every field has a fixed number of values (the
    /// product of the fields' cardinalities); `None` if a field is a string or an integer.
    const CARDINALITY: Option<usize>;

    /// The set's position in `0..CARDINALITY` (mixed radix over the fields, the first field
    /// most significant). Only meaningful when [`CARDINALITY`](Self::CARDINALITY) is `Some`.
    fn index(&self) -> usize;

    /// The key/value pairs, in field order. Families call it once per distinct set, when its
    /// series is first bound.
    fn attributes(&self) -> Vec<KeyValue>;
}

/// A field type of an [`AttributeSet`]: its number of values, if fixed, and its value.
///
/// Implemented for every [`EnumLabel`] enum (`VALUES.len()` values), `bool` (2), and, without
/// a fixed cardinality, `String`, `&'static str`, `Cow<'static, str>` and the integer types.
///
/// ```
/// use telemetry_core::{AttributeField, EnumLabel, Value};
///
/// #[derive(Clone, Copy)]
/// enum Method { Get, Post }
///
/// impl EnumLabel for Method {
///     const VALUES: &'static [&'static str] = &["GET", "POST"];
///     fn index(self) -> usize {
///         self as usize
///     }
/// }
///
/// assert_eq!(<Method as AttributeField>::CARDINALITY, Some(2));
/// assert_eq!(AttributeField::index(&Method::Post), 1);
/// assert_eq!(Method::Post.value(), Value::from("POST"));
/// assert_eq!(<String as AttributeField>::CARDINALITY, None);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a field of an attribute set",
    label = "not an `AttributeField`",
    note = "an attribute set's fields are `EnumLabel` enums, `bool`, `String`, `&'static str`, `Cow<'static, str>` or integers"
)]
pub trait AttributeField {
    /// The number of values, if fixed.
    const CARDINALITY: Option<usize>;

    /// The value's position in `0..CARDINALITY` (0 when the cardinality is not fixed).
    fn index(&self) -> usize;

    /// The attribute value.
    fn value(&self) -> Value;
}

impl<T: EnumLabel> AttributeField for T {
    const CARDINALITY: Option<usize> = Some(T::VALUES.len());

    #[inline]
    fn index(&self) -> usize {
        EnumLabel::index(*self)
    }

    fn value(&self) -> Value {
        Value::from(self.as_str())
    }
}

impl AttributeField for bool {
    const CARDINALITY: Option<usize> = Some(2);

    #[inline]
    fn index(&self) -> usize {
        usize::from(*self)
    }

    fn value(&self) -> Value {
        Value::Bool(*self)
    }
}

impl AttributeField for String {
    const CARDINALITY: Option<usize> = None;

    #[inline]
    fn index(&self) -> usize {
        0
    }

    fn value(&self) -> Value {
        Value::from(self.clone())
    }
}

impl AttributeField for &'static str {
    const CARDINALITY: Option<usize> = None;

    #[inline]
    fn index(&self) -> usize {
        0
    }

    fn value(&self) -> Value {
        Value::from(*self)
    }
}

impl AttributeField for Cow<'static, str> {
    const CARDINALITY: Option<usize> = None;

    #[inline]
    fn index(&self) -> usize {
        0
    }

    fn value(&self) -> Value {
        Value::Str(self.clone())
    }
}

macro_rules! integer_field {
    ($($t:ty),*) => {$(
        impl AttributeField for $t {
            const CARDINALITY: Option<usize> = None;

            #[inline]
            fn index(&self) -> usize {
                0
            }

            fn value(&self) -> Value {
                Value::from(*self)
            }
        }
    )*};
}
integer_field!(u8, u16, u32, u64, usize, i8, i16, i32, i64, isize);

/// The cardinality of a set of fields: the product of theirs, `None` if one is not fixed or
/// the product overflows `usize` (such a set is looked up by hash, like a string set).
#[must_use]
pub const fn product_cardinality(fields: &[Option<usize>]) -> Option<usize> {
    let mut product: usize = 1;
    let mut i = 0;
    while i < fields.len() {
        match fields[i] {
            Some(n) => match product.checked_mul(n) {
                Some(p) => product = p,
                None => return None,
            },
            None => return None,
        }
        i += 1;
    }
    Some(product)
}

/// The radix of one field in a mixed-radix index: its cardinality, or 1 when not fixed (the
/// index is then unused).
#[must_use]
pub const fn radix(cardinality: Option<usize>) -> usize {
    match cardinality {
        Some(n) => n,
        None => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn products() {
        assert_eq!(product_cardinality(&[]), Some(1));
        assert_eq!(product_cardinality(&[Some(3), Some(2)]), Some(6));
        assert_eq!(product_cardinality(&[Some(3), None]), None);
        assert_eq!(product_cardinality(&[Some(usize::MAX), Some(2)]), None);
        assert_eq!(radix(None), 1);
        assert_eq!(radix(Some(5)), 5);
    }
}
