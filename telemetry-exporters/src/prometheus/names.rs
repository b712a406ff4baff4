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
    sanitize(name, &METRIC_NAME_BYTES)
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
    let sanitized = sanitize(name, &LABEL_NAME_BYTES);
    if sanitized.starts_with("__") {
        Cow::Owned(format!("key{sanitized}"))
    } else {
        sanitized
    }
}

/// The bytes valid in a name: `[a-zA-Z0-9_]`, and `:` when `colon` (a table, since every
/// name of every scrape is checked byte by byte).
const fn name_bytes(colon: bool) -> [bool; 256] {
    let mut valid = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        valid[b] = c.is_ascii_alphanumeric() || c == b'_' || (colon && c == b':');
        b += 1;
    }
    valid
}

const METRIC_NAME_BYTES: [bool; 256] = name_bytes(true);
const LABEL_NAME_BYTES: [bool; 256] = name_bytes(false);

fn sanitize<'a>(name: &'a str, valid: &[bool; 256]) -> Cow<'a, str> {
    let leading_digit = name.starts_with(|c: char| c.is_ascii_digit());
    // Valid characters are all ASCII: a byte scan decides (no UTF-8 decoding per scrape).
    if !name.is_empty() && !leading_digit && name.bytes().all(|b| valid[usize::from(b)]) {
        return Cow::Borrowed(name);
    }
    let mut out = String::with_capacity(name.len() + 1);
    if leading_digit || name.is_empty() {
        out.push('_');
    }
    let keep = |c: char| c.is_ascii() && valid[c as usize];
    out.extend(name.chars().map(|c| if keep(c) { c } else { '_' }));
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

/// The base name of a metric's family: the OpenMetrics family name, from which each format
/// derives its sample names (and text 0.0.4 its family name, see `Kind::text_suffix`).
///
/// - The name is sanitised; with `unit_suffixes`, the unit's suffix is appended unless the
///   name already ends with it (`latency_seconds` in `s` stays as is).
/// - Counters lose a trailing `_total` (`requests_total` → `requests`): both formats add it
///   back to the samples, so it is never doubled.
/// - Info metrics lose a trailing `_info` for the same reason, and never get a unit suffix
///   (OpenMetrics forbids units on info and state sets).
/// - State sets are sanitised as *label* names: the family name is also the label that
///   carries the state, so it must be valid as both (`a:b` → `a_b`).
pub(crate) fn family_name<'a>(
    name: &'a str,
    unit: &str,
    kind: Kind,
    unit_suffixes: bool,
) -> Cow<'a, str> {
    let mut out = match kind {
        Kind::StateSet => return sanitize_label_name(name),
        _ => sanitize_metric_name(name),
    };
    let reserved = match kind {
        Kind::Counter => "_total",
        Kind::Info => "_info",
        _ => "",
    };
    if !reserved.is_empty() && out.len() > reserved.len() && out.ends_with(reserved) {
        let kept = out.len() - reserved.len();
        out = match out {
            Cow::Borrowed(name) => Cow::Borrowed(&name[..kept]),
            Cow::Owned(mut name) => {
                name.truncate(kept);
                Cow::Owned(name)
            }
        };
    }
    if unit_suffixes && kind != Kind::Info {
        if let Some(suffix) = unit_suffix(unit, kind == Kind::Gauge) {
            let present = out
                .strip_suffix(suffix)
                .is_some_and(|rest| rest.is_empty() || rest.ends_with('_'));
            if !present {
                let out = out.to_mut();
                out.push('_');
                out.push_str(suffix);
            }
        }
    }
    out
}

/// The OpenMetrics `# UNIT` of a family: the unit's suffix, but only when the family name
/// really ends with `_<suffix>` (OpenMetrics requires it, and Prometheus rejects the whole
/// scrape otherwise), and never for info or state sets.
///
/// With unit suffixes off (the default), a metric still gets its `# UNIT` line when its own
/// name carries the unit: `latency_seconds` in `s` does, `battery_level` in `%` does not.
pub(crate) fn openmetrics_unit(base: &str, unit: &str, kind: Kind) -> Option<&'static str> {
    if matches!(kind, Kind::Info | Kind::StateSet | Kind::Unknown) {
        return None;
    }
    let suffix = unit_suffix(unit, kind == Kind::Gauge)?;
    base.strip_suffix(suffix)
        .is_some_and(|rest| rest.ends_with('_'))
        .then_some(suffix)
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

    /// The text 0.0.4 family name, as the tests of the old single-format naming knew it.
    fn text_name(name: &str, unit: &str, kind: Kind, unit_suffixes: bool) -> String {
        family_name(name, unit, kind, unit_suffixes).into_owned() + kind.text_suffix()
    }

    #[test]
    fn counters_get_one_total_suffix() {
        assert_eq!(
            family_name("requests", "", Kind::Counter, false),
            "requests"
        );
        assert_eq!(
            family_name("requests_total", "", Kind::Counter, false),
            "requests"
        );
        assert_eq!(
            text_name("requests", "", Kind::Counter, false),
            "requests_total"
        );
        assert_eq!(
            text_name("requests_total", "", Kind::Counter, false),
            "requests_total"
        );
        assert_eq!(
            text_name("requests.total", "", Kind::Counter, false),
            "requests_total"
        );
        assert_eq!(
            text_name("queue_total", "", Kind::Gauge, false),
            "queue_total"
        );
        // A name that is only the suffix keeps it (an empty family name is no name).
        assert_eq!(family_name("_total", "", Kind::Counter, false), "_total");
    }

    #[test]
    fn info_gets_one_info_suffix_and_no_unit() {
        assert_eq!(family_name("build", "", Kind::Info, false), "build");
        assert_eq!(family_name("build_info", "", Kind::Info, false), "build");
        assert_eq!(text_name("build.info", "", Kind::Info, true), "build_info");
        assert_eq!(family_name("uptime", "s", Kind::Info, true), "uptime");
        assert_eq!(openmetrics_unit("uptime_seconds", "s", Kind::Info), None);
    }

    #[test]
    fn state_sets_are_named_like_labels() {
        assert_eq!(
            family_name("charging.state", "", Kind::StateSet, true),
            "charging_state"
        );
        assert_eq!(family_name("a:b", "s", Kind::StateSet, true), "a_b");
        assert_eq!(family_name("__x", "", Kind::StateSet, false), "key__x");
    }

    #[test]
    fn openmetrics_unit_only_when_it_is_a_suffix() {
        assert_eq!(
            openmetrics_unit("latency_seconds", "s", Kind::Histogram),
            Some("seconds")
        );
        assert_eq!(openmetrics_unit("latency", "s", Kind::Histogram), None);
        assert_eq!(openmetrics_unit("seconds", "s", Kind::Gauge), None);
        assert_eq!(openmetrics_unit("misseconds", "s", Kind::Gauge), None);
        assert_eq!(
            openmetrics_unit("_seconds", "s", Kind::Gauge),
            Some("seconds")
        );
        assert_eq!(
            openmetrics_unit("sent_bytes", "By", Kind::Counter),
            Some("bytes")
        );
        assert_eq!(
            openmetrics_unit("load_ratio", "1", Kind::Gauge),
            Some("ratio")
        );
        assert_eq!(openmetrics_unit("items_ratio", "1", Kind::Counter), None);
        assert_eq!(openmetrics_unit("x_seconds", "s", Kind::StateSet), None);
    }

    #[test]
    fn unit_suffixes_are_opt_in_and_never_doubled() {
        assert_eq!(
            text_name("battery.level", "%", Kind::Gauge, false),
            "battery_level"
        );
        assert_eq!(
            text_name("battery.level", "%", Kind::Gauge, true),
            "battery_level_percent"
        );
        assert_eq!(
            text_name("latency_seconds", "s", Kind::Histogram, true),
            "latency_seconds"
        );
        assert_eq!(
            text_name("sent", "By", Kind::Counter, true),
            "sent_bytes_total"
        );
        assert_eq!(
            text_name("sent_bytes_total", "By", Kind::Counter, true),
            "sent_bytes_total"
        );
        assert_eq!(
            text_name("misseconds", "s", Kind::Gauge, true),
            "misseconds_seconds"
        );
        assert_eq!(text_name("seconds", "s", Kind::Gauge, true), "seconds");
        assert_eq!(text_name("load", "1", Kind::Gauge, true), "load_ratio");
        assert_eq!(text_name("items", "1", Kind::Counter, true), "items_total");
        assert_eq!(text_name("power", "kW", Kind::Gauge, true), "power");
        assert_eq!(
            text_name("packets", "{packet}", Kind::Counter, true),
            "packets_total"
        );
    }
}
