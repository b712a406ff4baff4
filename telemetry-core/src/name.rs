//! Validation of instrument names, units and histogram bounds.
//!
//! The same rules are applied at compile time by `#[derive(MetricCollector)]`; keep
//! `telemetry-derive/src/check.rs` in step with this file.

use crate::error::Error;

/// The longest instrument name OpenTelemetry allows.
pub(crate) const MAX_NAME_LEN: usize = 255;

/// Checks a name against the OpenTelemetry grammar `[A-Za-z][A-Za-z0-9_.\-/]{0,254}`.
///
/// ```
/// # use telemetry_core::validate_name;
/// assert!(validate_name("http.server.duration").is_ok());
/// assert!(validate_name("1st").is_err());
/// ```
pub fn validate_name(name: &str) -> Result<(), Error> {
    let invalid = |reason| {
        Err(Error::InvalidName {
            name: name.to_owned(),
            reason,
        })
    };
    let mut chars = name.chars();
    match chars.next() {
        None => return invalid("the name is empty"),
        Some(c) if !c.is_ascii_alphabetic() => {
            return invalid("the first character must be an ASCII letter")
        }
        Some(_) => {}
    }
    if name.len() > MAX_NAME_LEN {
        return invalid("the name is longer than 255 characters");
    }
    if !chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '/')) {
        return invalid("only ASCII letters, digits, '_', '.', '-' and '/' are allowed");
    }
    Ok(())
}

/// Checks a unit: printable ASCII, at most 63 characters (the OpenTelemetry rule).
pub fn validate_unit(name: &str, unit: &str) -> Result<(), Error> {
    if unit.len() > 63 || !unit.chars().all(|c| c.is_ascii_graphic()) {
        return Err(Error::InvalidUnit {
            name: name.to_owned(),
            unit: unit.to_owned(),
        });
    }
    Ok(())
}

/// Checks histogram bounds: finite and strictly increasing.
pub fn validate_buckets(name: &str, bounds: &[f64]) -> Result<(), Error> {
    let invalid = |reason| {
        Err(Error::InvalidBuckets {
            name: name.to_owned(),
            reason,
        })
    };
    if bounds.iter().any(|b| !b.is_finite()) {
        return invalid("bounds must be finite (+Inf is implicit)");
    }
    if bounds.windows(2).any(|w| w[0] >= w[1]) {
        return invalid("bounds must be strictly increasing");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for ok in [
            "a",
            "chargestate_battery_level",
            "a.b-c/d_1",
            &"x".repeat(255),
        ] {
            assert!(validate_name(ok).is_ok(), "{ok}");
        }
        for bad in ["", "_a", "1a", "a b", "ä", &"x".repeat(256)] {
            assert!(
                matches!(validate_name(bad), Err(Error::InvalidName { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn units_and_buckets() {
        assert!(validate_unit("x", "By/s").is_ok());
        assert!(validate_unit("x", "not ok").is_err());
        assert!(validate_buckets("x", &[1.0, 2.0]).is_ok());
        assert!(validate_buckets("x", &[2.0, 1.0]).is_err());
        assert!(validate_buckets("x", &[1.0, f64::INFINITY]).is_err());
    }
}
