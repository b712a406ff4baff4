//! `opentelemetry::KeyValue` → our [`KeyValue`]: done at each measurement, since the API
//! hands the attributes over as a borrowed slice of its own type.

use std::borrow::Cow;

use opentelemetry::Value as OtelValue;

use crate::attributes::{KeyValue, Value};

/// Converts one `opentelemetry` attribute to ours.
///
/// `bool`, `i64`, `f64` and string values keep their type; an array (which our attribute
/// model does not have) becomes the string of its `Display` form.
///
/// ```
/// use telemetry_core::bridge::convert_key_value;
/// use telemetry_core::{KeyValue, Value};
/// use opentelemetry::{Array, StringValue, Value as OtelValue};
///
/// let kv = convert_key_value(&opentelemetry::KeyValue::new("code", 200_i64));
/// assert_eq!(kv, KeyValue::new("code", 200));
/// let ports = opentelemetry::KeyValue::new("ports", OtelValue::Array(Array::I64(vec![80, 443])));
/// assert_eq!(convert_key_value(&ports).value, Value::from("[80,443]"));
/// let tags = Array::String(vec![StringValue::from("a"), StringValue::from("b")]);
/// let tags = opentelemetry::KeyValue::new("tags", OtelValue::Array(tags));
/// assert_eq!(convert_key_value(&tags).value, Value::from(r#"["a","b"]"#));
/// ```
#[must_use]
pub fn convert_key_value(kv: &opentelemetry::KeyValue) -> KeyValue {
    KeyValue {
        key: Cow::Owned(kv.key.as_str().to_owned()),
        value: convert_value(&kv.value),
    }
}

fn convert_value(value: &OtelValue) -> Value {
    match value {
        OtelValue::Bool(v) => Value::Bool(*v),
        OtelValue::I64(v) => Value::I64(*v),
        OtelValue::F64(v) => Value::F64(*v),
        OtelValue::String(v) => Value::Str(Cow::Owned(v.as_str().to_owned())),
        // Arrays, and any variant a later API version adds: their text form.
        other => Value::Str(Cow::Owned(other.to_string())),
    }
}

/// Converts a measurement's attributes.
pub(super) fn convert(attributes: &[opentelemetry::KeyValue]) -> Vec<KeyValue> {
    attributes.iter().map(convert_key_value).collect()
}
