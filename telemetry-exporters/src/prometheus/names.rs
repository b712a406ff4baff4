//! From OpenTelemetry names to Prometheus names.
//!
//! Instrument names allow `.`, `-` and `/`, attribute keys allow anything; Prometheus allows
//! `[a-zA-Z_:][a-zA-Z0-9_:]*` for metric names and `[a-zA-Z_][a-zA-Z0-9_]*` for label
//! names. The mapping is one character to one character (no collapsing of repeated `_`), so
//! that a name already valid in Prometheus comes out unchanged and the output is easy to
//! predict from the input.

use std::borrow::Cow;

use super::family::Kind;

/// A metric name valid in Prometheus: every character outside `[a-zA-Z0-9_:]` becomes `_`,
/// and a leading digit gets a `_` in front. Valid names are borrowed, not copied.
///
/// ```
/// use telemetry_exporters::prometheus::names::sanitize_metric_name;
///
/// assert_eq!(sanitize_metric_name("http.server.duration"), "http_server_duration");
/// assert_eq!(sanitize_metric_name("disk-io/read"), "disk_io_read");
/// assert_eq!(sanitize_metric_name("5xx.count"), "_5xx_count");
/// assert_eq!(sanitize_metric_name("chargestate_battery_level"), "chargestate_battery_level");
/// ```
#[must_use]
pub fn sanitize_metric_name(name: &str) -> Cow<'_, str> {
    sanitize(name, |c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

/// A label name valid in Prometheus: every character outside `[a-zA-Z0-9_]` becomes `_`,
/// and a leading digit gets a `_` in front.
///
/// Names starting with `__` are reserved for Prometheus' internal labels (a scrape drops
/// them after relabelling), so such a name gets a `key` prefix to survive the scrape. An
/// empty key becomes `_`.
///
/// ```
/// use telemetry_exporters::prometheus::names::sanitize_label_name;
///
/// assert_eq!(sanitize_label_name("otel.metric.overflow"), "otel_metric_overflow");
/// assert_eq!(sanitize_label_name("http.route:v2"), "http_route_v2");
/// assert_eq!(sanitize_label_name("2fa"), "_2fa");
/// assert_eq!(sanitize_label_name("__name__"), "key__name__");
/// assert_eq!(sanitize_label_name("vehicle_id"), "vehicle_id");
/// ```
#[must_use]
pub fn sanitize_label_name(name: &str) -> Cow<'_, str> {
    let sanitized = sanitize(name, |c| c.is_ascii_alphanumeric() || c == '_');
    if sanitized.starts_with("__") {
        Cow::Owned(format!("key{sanitized}"))
    } else {
        sanitized
    }
}

fn sanitize(name: &str, valid: impl Fn(char) -> bool) -> Cow<'_, str> {
    let leading_digit = name.starts_with(|c: char| c.is_ascii_digit());
    if !name.is_empty() && !leading_digit && name.chars().all(&valid) {
        return Cow::Borrowed(name);
    }
    let mut out = String::with_capacity(name.len() + 1);
    if leading_digit || name.is_empty() {
        out.push('_');
    }
    out.extend(name.chars().map(|c| if valid(c) { c } else { '_' }));
    Cow::Owned(out)
}

/// The Prometheus suffix of a UCUM unit, if the unit is a base unit with a conventional one.
///
/// The table is deliberately short: Prometheus wants base units, so prefixed units (`ms`,
/// `kW`, `KiBy`) get no suffix rather than a `_milliseconds` that `promtool` would flag;
/// record in base units, or convert with a view, to get one. Annotations (`{packet}`) and
/// units not listed add nothing either.
///
/// | unit | suffix |
/// |---|---|
/// | `s` | `seconds` |
/// | `By` | `bytes` |
/// | `%` | `percent` |
/// | `1` | `ratio` (gauges only: a dimensionless counter counts things) |
/// | `m` | `meters` |
/// | `g` | `grams` |
/// | `V` | `volts` |
/// | `A` | `amperes` |
/// | `W` | `watts` |
/// | `J` | `joules` |
/// | `Hz` | `hertz` |
/// | `Cel` | `celsius` |
/// | `K` | `kelvin` |
///
/// ```
/// use telemetry_exporters::prometheus::names::unit_suffix;
///
/// assert_eq!(unit_suffix("s", false), Some("seconds"));
/// assert_eq!(unit_suffix("1", true), Some("ratio"));
/// assert_eq!(unit_suffix("1", false), None);
/// assert_eq!(unit_suffix("ms", true), None);
/// assert_eq!(unit_suffix("{request}", false), None);
/// ```
#[must_use]
pub fn unit_suffix(unit: &str, gauge: bool) -> Option<&'static str> {
    Some(match unit {
        "s" => "seconds",
        "By" => "bytes",
        "%" => "percent",
        "1" if gauge => "ratio",
        "m" => "meters",
        "g" => "grams",
        "V" => "volts",
        "A" => "amperes",
        "W" => "watts",
        "J" => "joules",
        "Hz" => "hertz",
        "Cel" => "celsius",
        "K" => "kelvin",
        _ => return None,
    })
}

/// The family name of a metric: sanitised, optionally with its unit suffix, and with
/// `_total` for counters (never doubled: `requests_total` stays `requests_total`).
///
/// The unit suffix goes before `_total` (`sent` in `By` → `sent_bytes_total`) and is not
/// added when the name already ends with it (`latency_seconds` in `s` stays as is).
pub(crate) fn family_name(name: &str, unit: &str, kind: Kind, unit_suffixes: bool) -> String {
    const TOTAL: &str = "_total";
    let mut out = sanitize_metric_name(name).into_owned();
    if kind == Kind::Counter && out.ends_with(TOTAL) {
        out.truncate(out.len() - TOTAL.len());
    }
    if unit_suffixes {
        if let Some(suffix) = unit_suffix(unit, kind == Kind::Gauge) {
            let present = out
                .strip_suffix(suffix)
                .is_some_and(|rest| rest.is_empty() || rest.ends_with('_'));
            if !present {
                out.push('_');
                out.push_str(suffix);
            }
        }
    }
    if kind == Kind::Counter {
        out.push_str(TOTAL);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_names_are_borrowed() {
        assert!(matches!(sanitize_metric_name("a_b:c"), Cow::Borrowed(_)));
        assert!(matches!(sanitize_label_name("a_b"), Cow::Borrowed(_)));
    }

    #[test]
    fn every_invalid_char_becomes_one_underscore() {
        assert_eq!(sanitize_metric_name("a..b"), "a__b");
        assert_eq!(sanitize_metric_name("温度.c"), "___c");
        assert_eq!(sanitize_label_name("a:b"), "a_b");
        assert_eq!(sanitize_metric_name(""), "_");
        assert_eq!(sanitize_label_name(""), "_");
        assert_eq!(sanitize_label_name(".x"), "_x");
        assert_eq!(sanitize_label_name("._x"), "key__x");
    }

    #[test]
    fn counters_get_one_total_suffix() {
        assert_eq!(
            family_name("requests", "", Kind::Counter, false),
            "requests_total"
        );
        assert_eq!(
            family_name("requests_total", "", Kind::Counter, false),
            "requests_total"
        );
        assert_eq!(
            family_name("requests.total", "", Kind::Counter, false),
            "requests_total"
        );
        assert_eq!(
            family_name("queue_total", "", Kind::Gauge, false),
            "queue_total"
        );
    }

    #[test]
    fn unit_suffixes_are_opt_in_and_never_doubled() {
        assert_eq!(
            family_name("battery.level", "%", Kind::Gauge, false),
            "battery_level"
        );
        assert_eq!(
            family_name("battery.level", "%", Kind::Gauge, true),
            "battery_level_percent"
        );
        assert_eq!(
            family_name("latency_seconds", "s", Kind::Histogram, true),
            "latency_seconds"
        );
        assert_eq!(
            family_name("sent", "By", Kind::Counter, true),
            "sent_bytes_total"
        );
        assert_eq!(
            family_name("sent_bytes_total", "By", Kind::Counter, true),
            "sent_bytes_total"
        );
        assert_eq!(
            family_name("misseconds", "s", Kind::Gauge, true),
            "misseconds_seconds"
        );
        assert_eq!(family_name("seconds", "s", Kind::Gauge, true), "seconds");
        assert_eq!(family_name("load", "1", Kind::Gauge, true), "load_ratio");
        assert_eq!(
            family_name("items", "1", Kind::Counter, true),
            "items_total"
        );
        assert_eq!(family_name("power", "kW", Kind::Gauge, true), "power");
        assert_eq!(
            family_name("packets", "{packet}", Kind::Counter, true),
            "packets_total"
        );
    }
}
