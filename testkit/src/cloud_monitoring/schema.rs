//! Request bodies against the discovery document's schemas: unknown fields, JSON types
//! (int64 as strings, RFC 3339 timestamps, durations), enums.

use serde_json::{Map, Value};

use super::time::parse_rfc3339;

/// Where PyPI's `google-api-python-client` keeps the document, relative to its package.
const DOCUMENT: &str = "discovery_cache/documents/monitoring.v3.json";

/// The schemas of Google's discovery document for `monitoring:v3`, read from the copy that
/// PyPI's `google-api-python-client` ships (installed by `./scripts/test` into the test
/// virtualenv), not from a copy kept in this repository. Panics when it is not installed:
/// the fake cannot validate anything without it. Read once per test process.
pub(super) fn load_schemas() -> Map<String, Value> {
    static SCHEMAS: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
    SCHEMAS.get_or_init(read_schemas).clone()
}

fn read_schemas() -> Map<String, Value> {
    let python = crate::python_with("googleapiclient").unwrap_or_else(|| {
        panic!("the fake Cloud Monitoring API needs google-api-python-client in the test virtualenv: run ./scripts/test once")
    });
    let script = format!(
        "import googleapiclient, os; print(os.path.join(os.path.dirname(googleapiclient.__file__), {DOCUMENT:?}))"
    );
    let out = std::process::Command::new(&python)
        .args(["-c", &script])
        .output()
        .expect("run the virtualenv's Python");
    let path = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read the discovery document {path}: {e}"));
    let doc: Value = serde_json::from_str(&text).expect("the discovery document is JSON");
    match doc.get("schemas") {
        Some(Value::Object(s)) => s.clone(),
        _ => panic!("the discovery document has no schemas"),
    }
}

pub(super) fn check_schema(
    schemas: &Map<String, Value>,
    name: &str,
    value: &Value,
    at: &str,
) -> Result<(), String> {
    let schema = schemas
        .get(name)
        .ok_or_else(|| format!("{at}: no schema {name} in the discovery document"))?;
    let Value::Object(fields) = value else {
        return Err(format!("{at}: expected a {name} object, got {value}"));
    };
    let props = schema.get("properties").and_then(Value::as_object);
    for (key, v) in fields {
        let field_at = if at.is_empty() {
            key.clone()
        } else {
            format!("{at}.{key}")
        };
        let prop = props
            .and_then(|p| p.get(key))
            .ok_or_else(|| format!("{field_at}: unknown field {key:?} in {name}"))?;
        check_property(schemas, prop, v, &field_at)?;
    }
    Ok(())
}

fn check_property(
    schemas: &Map<String, Value>,
    prop: &Value,
    v: &Value,
    at: &str,
) -> Result<(), String> {
    if let Some(r) = prop.get("$ref").and_then(Value::as_str) {
        return check_schema(schemas, r, v, at);
    }
    let ty = prop.get("type").and_then(Value::as_str).unwrap_or("any");
    let format = prop.get("format").and_then(Value::as_str);
    let bad = |want: &str| Err(format!("{at}: expected {want}, got {v}"));
    match ty {
        "string" => {
            let Some(s) = v.as_str() else {
                return bad(match format {
                    Some("int64" | "uint64") => "an int64 as a string (proto3 JSON)",
                    Some("google-datetime") => "an RFC 3339 timestamp string",
                    _ => "a JSON string",
                });
            };
            match format {
                Some("int64") if s.parse::<i64>().is_err() => return bad("an int64 as a string"),
                Some("uint64") if s.parse::<u64>().is_err() => return bad("a uint64 as a string"),
                Some("google-datetime") if parse_rfc3339(s).is_none() => {
                    return bad("an RFC 3339 timestamp")
                }
                Some("google-duration") if !is_duration(s) => {
                    return bad("a duration such as \"5s\"")
                }
                _ => {}
            }
            if let Some(Value::Array(values)) = prop.get("enum") {
                if !values.iter().any(|e| e.as_str() == Some(s)) {
                    return Err(format!(
                        "{at}: {s:?} is not one of {}",
                        Value::Array(values.clone())
                    ));
                }
            }
        }
        "number" => {
            let special = matches!(v.as_str(), Some("NaN" | "Infinity" | "-Infinity"));
            if !v.is_number() && !special {
                return bad("a JSON number");
            }
        }
        "integer" => {
            let ok = v.is_i64() || v.as_str().is_some_and(|s| s.parse::<i64>().is_ok());
            if !ok {
                return bad("an integer");
            }
        }
        "boolean" if !v.is_boolean() => return bad("true or false"),
        "array" => {
            let Some(items) = v.as_array() else {
                return bad("a JSON array");
            };
            let item = prop.get("items").cloned().unwrap_or(Value::Null);
            for (i, e) in items.iter().enumerate() {
                check_property(schemas, &item, e, &format!("{at}[{i}]"))?;
            }
        }
        "object" => {
            let Some(map) = v.as_object() else {
                return bad("a JSON object");
            };
            if let Some(additional) = prop.get("additionalProperties") {
                for (k, e) in map {
                    check_property(schemas, additional, e, &format!("{at}[{k:?}]"))?;
                }
            }
        }
        _ => {}
    }
    Ok(())
}

fn is_duration(s: &str) -> bool {
    s.strip_suffix('s')
        .is_some_and(|n| !n.is_empty() && n.parse::<f64>().is_ok())
}
