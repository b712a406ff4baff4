//! Reading another library's OpenMetrics text into families, and rewriting its sample lines
//! for text 0.0.4.
//!
//! This is what lets a scrape serve a `prometheus_client` registry beside our providers:
//! that crate can only write OpenMetrics text, so its output is split into families here
//! (for duplicate detection against ours, and for sorting) and each family is written back
//! in the negotiated format. It is a reader for well-formed output of an encoder, not a
//! validating parser: what it does not recognise passes through unchanged.

use std::borrow::Cow;
use std::fmt::Write as _;

use super::family::Kind;

/// One family of the input: metadata and its sample lines, untouched.
#[derive(Debug)]
pub(crate) struct ForeignFamily<'a> {
    pub(crate) name: &'a str,
    pub(crate) kind: Kind,
    /// Unescaped.
    pub(crate) help: Cow<'a, str>,
    pub(crate) unit: Option<&'a str>,
    pub(crate) lines: Vec<&'a str>,
}

/// Splits OpenMetrics text into families, in order. Reading stops at `# EOF`; blank lines
/// and comments other than `HELP`/`TYPE`/`UNIT` are skipped. A sample line whose name does
/// not belong to the current family (or that comes before any metadata) starts an
/// `unknown` family of its own name, as the OpenMetrics grammar says.
pub(crate) fn parse(text: &str) -> Vec<ForeignFamily<'_>> {
    let mut families: Vec<ForeignFamily<'_>> = Vec::new();
    // Lines end at `\n` only: a `\r` before it is part of the line (HELP text may hold one),
    // which `str::lines` would drop.
    for line in text.split('\n') {
        if line == "# EOF" {
            break;
        }
        if line.is_empty() {
            continue;
        }
        if let Some(comment) = line.strip_prefix("# ") {
            let mut parts = comment.splitn(3, ' ');
            let (Some(keyword), Some(name)) = (parts.next(), parts.next()) else {
                continue;
            };
            if !matches!(keyword, "HELP" | "TYPE" | "UNIT") {
                continue;
            }
            let value = parts.next().unwrap_or_default();
            let family = match families.last_mut() {
                Some(f) if f.name == name && f.lines.is_empty() => f,
                _ => {
                    families.push(new_family(name));
                    families.last_mut().expect("just pushed")
                }
            };
            match keyword {
                "HELP" => family.help = unescape(value),
                "TYPE" => family.kind = Kind::from_openmetrics(value).unwrap_or(Kind::Unknown),
                _ => family.unit = Some(value).filter(|u| !u.is_empty()),
            }
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        let name = sample_name(line);
        match families.last_mut() {
            Some(f) if belongs(name, f.name, f.kind) => f.lines.push(line),
            _ => {
                let mut family = new_family(name);
                family.lines.push(line);
                families.push(family);
            }
        }
    }
    families
}

fn new_family(name: &str) -> ForeignFamily<'_> {
    ForeignFamily {
        name,
        kind: Kind::Unknown,
        help: Cow::Borrowed(""),
        unit: None,
        lines: Vec::new(),
    }
}

/// The metric name of a sample line: everything up to the labels or the value.
pub(crate) fn sample_name(line: &str) -> &str {
    let end = line.find(['{', ' ']).unwrap_or(line.len());
    &line[..end]
}

/// Whether a sample named `sample` is one of family `name`'s (of kind `kind`).
fn belongs(sample: &str, name: &str, kind: Kind) -> bool {
    let Some(suffix) = sample.strip_prefix(name) else {
        return false;
    };
    let suffixes: &[&str] = match kind {
        Kind::Counter => &["_total", "_created"],
        Kind::Histogram => &["_bucket", "_count", "_sum", "_created"],
        Kind::GaugeHistogram => &["_bucket", "_gcount", "_gsum"],
        Kind::Summary => &["", "_count", "_sum", "_created"],
        Kind::Info => &["_info"],
        Kind::Gauge | Kind::StateSet | Kind::Unknown => &[""],
    };
    suffixes.contains(&suffix)
}

/// Undoes OpenMetrics escaping (`\\`, `\n`, `\"`); any other backslash stays as it is.
fn unescape(text: &str) -> Cow<'_, str> {
    if !text.contains('\\') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some(c @ ('\\' | '"')) => out.push(c),
            Some(c) => {
                out.push('\\');
                out.push(c);
            }
            None => out.push('\\'),
        }
    }
    Cow::Owned(out)
}

/// An OpenMetrics sample line as text 0.0.4 writes it: the exemplar (`# {…} v`) removed,
/// and a timestamp converted from seconds (a float) to milliseconds (an integer). Lines
/// with neither come back borrowed.
pub(crate) fn to_text(line: &str) -> Cow<'_, str> {
    let rest_at = labels_end(line);
    let (head, rest) = line.split_at(rest_at);
    let mut tokens = rest.split(' ').filter(|t| !t.is_empty());
    let Some(value) = tokens.next() else {
        return Cow::Borrowed(line);
    };
    let timestamp = tokens.next().filter(|t| *t != "#");
    let exemplar = rest.contains(" # ");
    if timestamp.is_none() && !exemplar {
        return Cow::Borrowed(line);
    }
    let mut out = format!("{head} {value}");
    if let Some(seconds) = timestamp.and_then(|t| t.parse::<f64>().ok()) {
        // Text 0.0.4 timestamps are integral milliseconds since the epoch.
        let millis = (seconds * 1000.0).round();
        if millis.is_finite() {
            let _ = write!(out, " {millis:.0}");
        }
    }
    Cow::Owned(out)
}

/// The byte index just past a sample line's name and label set (`}`), skipping quoted
/// label values with their escapes.
fn labels_end(line: &str) -> usize {
    let name_end = sample_name(line).len();
    if !line[name_end..].starts_with('{') {
        return name_end;
    }
    let mut quoted = false;
    let mut escaped = false;
    let labels_at = name_end + 1;
    for (i, c) in line[labels_at..].char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            '}' if !quoted => return labels_at + i + 1,
            _ => {}
        }
    }
    line.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_are_split_on_metadata_and_on_foreign_sample_names() {
        let text = "# HELP a_seconds A \\\"quoted\\\" help\\nwith \\\\ and \\q.\n\
                    # TYPE a_seconds counter\n\
                    # UNIT a_seconds seconds\n\
                    a_seconds_total{k=\"v\"} 1\n\
                    a_seconds_created{k=\"v\"} 2.5\n\
                    # HELP b info\n\
                    # TYPE b info\n\
                    b_info{version=\"1\"} 1\n\
                    stray 3\n\
                    \n\
                    # a comment\n\
                    # TYPE h histogram\n\
                    h_bucket{le=\"+Inf\"} 1\n\
                    h_count 1\n\
                    h_sum 1.5\n\
                    # EOF\n\
                    after_eof 1\n";
        let families = parse(text);
        let summary: Vec<_> = families
            .iter()
            .map(|f| (f.name, f.kind, f.unit, f.lines.len()))
            .collect();
        assert_eq!(
            summary,
            [
                ("a_seconds", Kind::Counter, Some("seconds"), 2),
                ("b", Kind::Info, None, 1),
                ("stray", Kind::Unknown, None, 1),
                ("h", Kind::Histogram, None, 3),
            ]
        );
        assert_eq!(families[0].help, "A \"quoted\" help\nwith \\ and \\q.");
        assert_eq!(families[1].help, "info");
        assert_eq!(families[3].help, "");
    }

    #[test]
    fn metadata_after_samples_starts_a_new_family() {
        let families = parse("# TYPE a gauge\na 1\n# TYPE a gauge\na{x=\"1\"} 2\n");
        assert_eq!(families.len(), 2);
    }

    #[test]
    fn text_lines_lose_exemplars_and_get_millisecond_timestamps() {
        let cases = [
            ("a_total 1", "a_total 1"),
            ("a_total{k=\"v\"} 1.5", "a_total{k=\"v\"} 1.5"),
            ("a_total 1 # {trace_id=\"x\"} 0.5", "a_total 1"),
            (
                "a_total{k=\"} # {\"} 1 # {trace_id=\"x\"} 0.5 12.0",
                "a_total{k=\"} # {\"} 1",
            ),
            (
                "g{k=\"a\\\"}b\"} 2 1520879607.789",
                "g{k=\"a\\\"}b\"} 2 1520879607789",
            ),
            ("g 2 1e3 # {a=\"b\"} 1", "g 2 1000000"),
            ("g +Inf", "g +Inf"),
        ];
        for (om, text) in cases {
            assert_eq!(to_text(om), text, "{om}");
        }
        assert!(matches!(to_text("a_total 1"), Cow::Borrowed(_)));
    }

    #[test]
    fn a_carriage_return_in_help_is_kept() {
        // Found by the `foreign_openmetrics` fuzz target: `str::lines` ate the `\r`.
        let families = parse("# HELP a x\r\n# TYPE a gauge\na 1\n# EOF\n");
        assert_eq!(families[0].help, "x\r");
    }
}
