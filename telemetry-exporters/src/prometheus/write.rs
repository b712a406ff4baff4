//! The line-level writing both formats share: sample names with label sets, escaping, and
//! numbers. The formats differ in their metadata lines and in which samples they write,
//! not in how a sample line looks.

use std::fmt::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

use telemetry_core::Number;

use super::family::Labels;

/// A label a sample adds after the series' own (`le`, `quantile`, a state set's state).
#[derive(Clone, Copy, Debug)]
pub(crate) enum Extra<'a> {
    None,
    /// A float label (`le`, `quantile`), written in the canonical form.
    Float(&'static str, f64),
    /// A string label.
    Text(&'a str, &'a str),
}

/// `name<suffix>{labels,extra} `, up to the value. An empty label set writes no braces.
pub(crate) fn write_series(
    out: &mut String,
    name: &str,
    suffix: &str,
    labels: &Labels<'_>,
    extra: Extra<'_>,
) {
    out.push_str(name);
    out.push_str(suffix);
    if !labels.is_empty() || !matches!(extra, Extra::None) {
        out.push('{');
        for (i, (label, value)) in labels.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            write_label(out, label, value);
        }
        if !labels.is_empty() && !matches!(extra, Extra::None) {
            out.push(',');
        }
        match extra {
            Extra::None => {}
            Extra::Float(label, value) => {
                out.push_str(label);
                out.push_str("=\"");
                write_canonical_f64(out, value);
                out.push('"');
            }
            Extra::Text(label, value) => write_label(out, label, value),
        }
        out.push('}');
    }
    out.push(' ');
}

fn write_label(out: &mut String, label: &str, value: &str) {
    out.push_str(label);
    out.push_str("=\"");
    escape(out, value, true);
    out.push('"');
}

/// Escapes `\` and newlines, and `"` when `quotes` (label values in both formats, HELP
/// text in OpenMetrics; text 0.0.4 HELP leaves quotes alone). Everything else, UTF-8
/// included, is written as it is.
pub(crate) fn escape(out: &mut String, text: &str, quotes: bool) {
    // The special characters are ASCII, so every cut below is on a character boundary; text
    // without any (nearly all of it) is copied in one piece, found by a vectorised scan.
    let next = |rest: &str| {
        if quotes {
            memchr::memchr3(b'\\', b'\n', b'"', rest.as_bytes())
        } else {
            memchr::memchr2(b'\\', b'\n', rest.as_bytes())
        }
    };
    let mut rest = text;
    while let Some(at) = next(rest) {
        out.push_str(&rest[..at]);
        out.push_str(match rest.as_bytes()[at] {
            b'\\' => "\\\\",
            b'\n' => "\\n",
            _ => "\\\"",
        });
        rest = &rest[at + 1..];
    }
    out.push_str(rest);
}

/// A sample value: integers exactly, floats by [`write_f64`].
pub(crate) fn write_number(out: &mut String, value: Number) {
    match value {
        Number::U64(v) => write_u64(out, v),
        Number::I64(v) => out.push_str(itoa::Buffer::new().format(v)),
        Number::F64(v) => write_f64(out, v),
    }
}

pub(crate) fn write_u64(out: &mut String, value: u64) {
    out.push_str(itoa::Buffer::new().format(value));
}

/// A float in Python `repr` form: shortest round-trip digits, a `.0` on integral values,
/// exponents for magnitudes below 1e-4 or from 1e16 on, written with a sign and at least
/// two digits (`1e-05`, `1e+16`).
///
/// Rust's `{:?}` already picks the same digits and the same switch to exponents; only the
/// exponent's spelling differs (`1e-5`, `1e16`), so it is patched in place. Between 1e-4
/// and 1e15, where neither writes an exponent, `ryu` is used: about three times faster
/// (every `_created` timestamp of an OpenMetrics scrape is such a value), the same shortest
/// digits, except that of two equally near candidates it may pick the other one
/// (`848635930220.2812` for `{:?}`'s `…2813`); both read back as the same float.
pub(crate) fn write_f64(out: &mut String, value: f64) {
    if write_special(out, value) {
        return;
    }
    if (1e-4..1e15).contains(&value.abs()) {
        out.push_str(ryu::Buffer::new().format_finite(value));
        return;
    }
    let start = out.len();
    let _ = write!(out, "{value:?}");
    let Some(e) = out[start..].find('e') else {
        return;
    };
    let mut digits_at = start + e + 1;
    if out[digits_at..].starts_with('-') {
        digits_at += 1;
    } else {
        out.insert(digits_at, '+');
        digits_at += 1;
    }
    if out.len() - digits_at < 2 {
        out.insert(digits_at, '0');
    }
}

/// A float in the OpenMetrics "canonical" form, for `le` and `quantile` label values: Go's
/// `%g` (shortest digits, exponents below 1e-4 and from 1e+06 on) with `.0` appended when
/// there is neither a point nor an exponent: `0.0`, `0.005`, `1.0`, `100000.0`, `1e+06`,
/// `1e-05`, `+Inf`. The Python client writes the same (`floatToGoString`), so bucket
/// bounds are the same label values as those of Go, Java and Python services, in both
/// formats.
pub(crate) fn write_canonical_f64(out: &mut String, value: f64) {
    if write_special(out, value) {
        return;
    }
    // `{:e}` gives the shortest round-trip digits as `d[.ddd]e<exp>`.
    let scientific = format!("{value:e}");
    let (mantissa, exponent) = scientific
        .split_once('e')
        .expect("`{:e}` always writes an exponent");
    let exponent: i32 = exponent.parse().expect("a decimal exponent");
    if !(-4..6).contains(&exponent) {
        let sign = if exponent < 0 { '-' } else { '+' };
        let _ = write!(out, "{mantissa}e{sign}{:02}", exponent.abs());
        return;
    }
    let start = out.len();
    let _ = write!(out, "{value}");
    if !out[start..].contains('.') {
        out.push_str(".0");
    }
}

/// `NaN`, `+Inf`, `-Inf`; false (nothing written) for a finite value.
fn write_special(out: &mut String, value: f64) -> bool {
    let special = if value.is_nan() {
        "NaN"
    } else if value == f64::INFINITY {
        "+Inf"
    } else if value == f64::NEG_INFINITY {
        "-Inf"
    } else {
        return false;
    };
    out.push_str(special);
    true
}

/// A point in time as seconds since the epoch (a float, negative before 1970), for
/// OpenMetrics `_created` samples.
pub(crate) fn write_seconds(out: &mut String, time: SystemTime) {
    let seconds = match time.duration_since(UNIX_EPOCH) {
        Ok(after) => after.as_secs_f64(),
        Err(before) => -before.duration().as_secs_f64(),
    };
    write_f64(out, seconds);
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    /// The `ryu` range of `write_f64` against `{:?}`: a sweep over every power of ten in
    /// the range, with values that need 1 to 17 digits. Both write the shortest digits
    /// that read back as the value, without an exponent; the text is the same except for
    /// ties between two equally near candidates.
    #[test]
    fn ryu_writes_what_debug_writes_where_it_is_used() {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let (mut checked, mut same) = (0, 0);
        for exponent in -4..15 {
            let scale = 10f64.powi(exponent);
            for _ in 0..2_000 {
                // xorshift: mantissas from 1 to 10 with every number of significant digits.
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let mantissa = 1.0 + (x >> 11) as f64 / (1u64 << 53) as f64 * 9.0;
                let digits = (x % 17) as i32;
                let rounded = (mantissa * 10f64.powi(digits)).round() / 10f64.powi(digits);
                for v in [rounded * scale, -rounded * scale, mantissa * scale] {
                    if (1e-4..1e15).contains(&v.abs()) {
                        let (ours, debug) = (repr(v), format!("{v:?}"));
                        assert_eq!(ours.parse::<f64>(), Ok(v), "{ours}");
                        assert_eq!(ours.len(), debug.len(), "{ours} vs {debug}");
                        assert!(!ours.contains('e') && ours.contains('.'), "{ours}");
                        same += usize::from(ours == debug);
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked > 100_000, "{checked}");
        // Ties are rare: nearly every value is written exactly as `{:?}` writes it.
        assert!(same * 100 > checked * 99, "{same} of {checked}");
        assert_eq!(repr(1712345678.25), "1712345678.25");
        assert_eq!(repr(1e-4), "0.0001");
        assert_eq!(repr(999999999999999.9), "999999999999999.9");
    }

    fn repr(v: f64) -> String {
        let mut out = String::new();
        write_f64(&mut out, v);
        out
    }

    fn canonical(v: f64) -> String {
        let mut out = String::new();
        write_canonical_f64(&mut out, v);
        out
    }

    #[test]
    fn floats_are_shortest_round_trip_in_python_repr_form() {
        let cases = [
            (1.0, "1.0"),
            (0.005, "0.005"),
            (0.1 + 0.2, "0.30000000000000004"),
            (-2.5, "-2.5"),
            (-0.0, "-0.0"),
            (1e-4, "0.0001"),
            (1e-5, "1e-05"),
            (1.5e-7, "1.5e-07"),
            (123_456_789.0, "123456789.0"),
            (1e15, "1000000000000000.0"),
            (1e16, "1e+16"),
            (2.5e300, "2.5e+300"),
            (f64::MIN_POSITIVE, "2.2250738585072014e-308"),
            (f64::MAX, "1.7976931348623157e+308"),
            (f64::INFINITY, "+Inf"),
            (f64::NEG_INFINITY, "-Inf"),
            (f64::NAN, "NaN"),
        ];
        for (value, expected) in cases {
            assert_eq!(repr(value), expected, "{value:e}");
            if value.is_finite() {
                assert_eq!(expected.parse::<f64>().unwrap().to_bits(), value.to_bits());
            }
        }
    }

    #[test]
    fn canonical_floats_match_the_openmetrics_examples() {
        // The spec's "Canonical Numbers" examples, and its histogram's `le` values.
        let cases = [
            (0.0, "0.0"),
            (0.001, "0.001"),
            (0.002, "0.002"),
            (0.01, "0.01"),
            (0.1, "0.1"),
            (0.9, "0.9"),
            (0.95, "0.95"),
            (0.99, "0.99"),
            (0.999, "0.999"),
            (1.0, "1.0"),
            (1.7, "1.7"),
            (10.0, "10.0"),
            (1e-10, "1e-10"),
            (1e-9, "1e-09"),
            (1e-5, "1e-05"),
            (1e-4, "0.0001"),
            (100_000.0, "100000.0"),
            (1e6, "1e+06"),
            (1e10, "1e+10"),
            (1e23, "1e+23"),
            (1.1e23, "1.1e+23"),
            (1_234_567.0, "1.234567e+06"),
            (123_456.7, "123456.7"),
            (-0.0, "-0.0"),
            (-5.0, "-5.0"),
            (-1e6, "-1e+06"),
            (f64::INFINITY, "+Inf"),
            (f64::NEG_INFINITY, "-Inf"),
            (f64::NAN, "NaN"),
        ];
        for (value, expected) in cases {
            assert_eq!(canonical(value), expected, "{value:e}");
            if value.is_finite() {
                assert_eq!(expected.parse::<f64>().unwrap().to_bits(), value.to_bits());
            }
        }
    }

    #[test]
    fn seconds_since_the_epoch() {
        let mut out = String::new();
        write_seconds(
            &mut out,
            UNIX_EPOCH + Duration::from_millis(1_520_430_000_123),
        );
        assert_eq!(out, "1520430000.123");
        out.clear();
        write_seconds(&mut out, UNIX_EPOCH);
        assert_eq!(out, "0.0");
        out.clear();
        write_seconds(&mut out, UNIX_EPOCH - Duration::from_millis(1500));
        assert_eq!(out, "-1.5");
    }

    #[test]
    fn label_values_and_help_escape_what_their_grammar_says() {
        let mut out = String::new();
        escape(&mut out, "a\\b\"c\nd 会社", true);
        assert_eq!(out, "a\\\\b\\\"c\\nd 会社");
        out.clear();
        escape(&mut out, "a\\b\"c\nd", false);
        assert_eq!(out, "a\\\\b\"c\\nd");
    }
}
