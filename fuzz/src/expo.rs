//! An independent, strict parser of what our encoders write: the Prometheus text format
//! 0.0.4 and OpenMetrics 1.0 text.
//!
//! Strict means it accepts only the subset of each grammar the encoders promise to write
//! (no timestamps, no comments besides the metadata lines, no trailing commas, escapes
//! exactly as documented), so that anything unexpected is a finding rather than something
//! a lenient parser would paper over. It shares no code with the encoders.

use std::fmt::Write as _;

/// Which grammar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// Text 0.0.4.
    Text,
    /// OpenMetrics 1.0.
    OpenMetrics,
}

/// One sample line.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    /// The sample name.
    pub name: String,
    /// The labels in the order written, values unescaped.
    pub labels: Vec<(String, String)>,
    /// The value as written.
    pub raw: String,
    /// The value parsed.
    pub value: f64,
}

/// A metric family: its metadata and its samples, in order.
#[derive(Clone, Debug, Default)]
pub struct Block {
    /// The family name of the metadata lines.
    pub name: String,
    /// The `# TYPE`.
    pub kind: String,
    /// The `# HELP` text, unescaped (`Some("")` for a bare `# HELP name`).
    pub help: Option<String>,
    /// The OpenMetrics `# UNIT`.
    pub unit: Option<String>,
    /// The samples.
    pub samples: Vec<Sample>,
}

/// `[a-zA-Z_:][a-zA-Z0-9_:]*`
pub fn is_metric_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

/// `[a-zA-Z_][a-zA-Z0-9_]*`
pub fn is_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Parses a whole text 0.0.4 exposition into families.
pub fn parse_text(out: &str) -> Result<Vec<Block>, String> {
    if out.is_empty() {
        return Ok(Vec::new());
    }
    let body = out
        .strip_suffix('\n')
        .ok_or("the output does not end with a newline")?;
    let mut blocks: Vec<Block> = Vec::new();
    let mut lines = body.split('\n').enumerate().peekable();
    while let Some((n, line)) = lines.next() {
        let at = |e: String| format!("line {}: {e}: {line:?}", n + 1);
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let (name, help) = match rest.split_once(' ') {
                Some((name, help)) => (name, unescape(help, Dialect::Text).map_err(at)?),
                None => (rest, String::new()),
            };
            let Some((_, next)) = lines.next() else {
                return Err(at("a HELP line is not followed by TYPE".into()));
            };
            let kind = next
                .strip_prefix("# TYPE ")
                .and_then(|t| t.strip_prefix(name))
                .and_then(|t| t.strip_prefix(' '))
                .ok_or_else(|| at(format!("HELP is not followed by TYPE of {name}: {next:?}")))?;
            if !matches!(
                kind,
                "counter" | "gauge" | "histogram" | "summary" | "untyped"
            ) {
                return Err(at(format!("unknown type {kind:?}")));
            }
            blocks.push(Block {
                name: name.to_owned(),
                kind: kind.to_owned(),
                help: Some(help),
                ..Block::default()
            });
        } else if line.starts_with('#') {
            return Err(at("a comment other than HELP (followed by TYPE)".into()));
        } else {
            let sample = parse_sample(line, Dialect::Text).map_err(at)?;
            blocks
                .last_mut()
                .ok_or_else(|| at("a sample before any HELP/TYPE".into()))?
                .samples
                .push(sample);
        }
    }
    Ok(blocks)
}

/// Parses a whole OpenMetrics exposition into families.
pub fn parse_openmetrics(out: &str) -> Result<Vec<Block>, String> {
    let body = out
        .strip_suffix("# EOF\n")
        .ok_or("the output does not end with `# EOF\\n`")?;
    if !body.is_empty() && !body.ends_with('\n') {
        return Err("`# EOF` is not on a line of its own".into());
    }
    let mut blocks: Vec<Block> = Vec::new();
    for (n, line) in body.split_terminator('\n').enumerate() {
        let at = |e: String| format!("line {}: {e}: {line:?}", n + 1);
        if line.is_empty() {
            return Err(at("an empty line".into()));
        }
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').ok_or_else(|| at("no type".into()))?;
            let known = [
                "counter",
                "gauge",
                "histogram",
                "gaugehistogram",
                "summary",
                "info",
                "stateset",
                "unknown",
            ];
            if !known.contains(&kind) {
                return Err(at(format!("unknown type {kind:?}")));
            }
            blocks.push(Block {
                name: name.to_owned(),
                kind: kind.to_owned(),
                ..Block::default()
            });
            continue;
        }
        let block = blocks
            .last_mut()
            .ok_or_else(|| at("a line before any TYPE".into()))?;
        if let Some(rest) = line.strip_prefix("# UNIT ") {
            let unit = metadata_of(rest, &block.name).map_err(at)?;
            if block.unit.is_some() || block.help.is_some() || !block.samples.is_empty() {
                return Err(at("UNIT twice, or after HELP or a sample".into()));
            }
            block.unit = Some(unit.to_owned());
        } else if let Some(rest) = line.strip_prefix("# HELP ") {
            let help = metadata_of(rest, &block.name).map_err(at)?;
            if block.help.is_some() || !block.samples.is_empty() {
                return Err(at("HELP twice, or after a sample".into()));
            }
            block.help = Some(unescape(help, Dialect::OpenMetrics).map_err(at)?);
        } else if line.starts_with('#') {
            return Err(at(
                "a comment that is no metadata (or `# EOF` before the end)".into(),
            ));
        } else {
            let sample = parse_sample(line, Dialect::OpenMetrics).map_err(at)?;
            block.samples.push(sample);
        }
    }
    Ok(blocks)
}

/// `name text` of a metadata line that must be about the family `name`.
fn metadata_of<'a>(rest: &'a str, name: &str) -> Result<&'a str, String> {
    rest.strip_prefix(name)
        .and_then(|r| r.strip_prefix(' '))
        .ok_or_else(|| format!("metadata of another family than {name}"))
}

/// HELP text: `\\` and `\n` in both formats, `\"` in OpenMetrics. A backslash before
/// anything else means the writer left a backslash unescaped.
fn unescape(text: &str, dialect: Dialect) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('\\') => out.push('\\'),
            Some('n') => out.push('\n'),
            Some('"') if dialect == Dialect::OpenMetrics => out.push('"'),
            other => return Err(format!("a bad escape \\{other:?} in HELP")),
        }
    }
    Ok(out)
}

/// `name{l="v",…} value`, nothing else (our encoders write no timestamps or exemplars).
fn parse_sample(line: &str, dialect: Dialect) -> Result<Sample, String> {
    let name_end = line.find(['{', ' ']).ok_or("no value")?;
    let name = &line[..name_end];
    if !is_metric_name(name) {
        return Err(format!("an invalid sample name {name:?}"));
    }
    let mut rest = &line[name_end..];
    let mut labels = Vec::new();
    if let Some(after) = rest.strip_prefix('{') {
        rest = after;
        if rest.starts_with('}') {
            return Err("empty braces".into());
        }
        loop {
            let eq = rest.find('=').ok_or("a label without `=`")?;
            let label = &rest[..eq];
            if !is_label_name(label) {
                return Err(format!("an invalid label name {label:?}"));
            }
            rest = rest[eq + 1..]
                .strip_prefix('"')
                .ok_or("a label value without quotes")?;
            let mut value = String::new();
            let mut chars = rest.char_indices();
            let end = loop {
                match chars.next() {
                    None => return Err("an unterminated label value".into()),
                    Some((i, '"')) => break i,
                    Some((_, '\\')) => match chars.next() {
                        Some((_, '\\')) => value.push('\\'),
                        Some((_, 'n')) => value.push('\n'),
                        Some((_, '"')) => value.push('"'),
                        other => return Err(format!("a bad escape in a label value: {other:?}")),
                    },
                    Some((_, c)) => value.push(c),
                }
            };
            labels.push((label.to_owned(), value));
            rest = &rest[end + 1..];
            if let Some(after) = rest.strip_prefix(',') {
                rest = after;
            } else if let Some(after) = rest.strip_prefix('}') {
                rest = after;
                break;
            } else {
                return Err("labels not separated by `,` or closed by `}`".into());
            }
        }
    }
    let raw = rest.strip_prefix(' ').ok_or("no space before the value")?;
    let value = parse_value(raw, dialect)?;
    Ok(Sample {
        name: name.to_owned(),
        labels,
        raw: raw.to_owned(),
        value,
    })
}

/// `NaN`, `+Inf`, `-Inf`, or a decimal number (what Go's `ParseFloat` and Python's `float`
/// both read; no `inf`, `nan`, hex or `_`).
pub fn parse_value(raw: &str, _dialect: Dialect) -> Result<f64, String> {
    match raw {
        "NaN" => return Ok(f64::NAN),
        "+Inf" => return Ok(f64::INFINITY),
        "-Inf" => return Ok(f64::NEG_INFINITY),
        _ => {}
    }
    let decimal = raw.starts_with(|c: char| c.is_ascii_digit() || c == '-')
        && raw.ends_with(|c: char| c.is_ascii_digit())
        && raw
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | '+' | '-'));
    match raw.parse::<f64>() {
        Ok(v) if decimal => Ok(v),
        _ => Err(format!("not a number: {raw:?}")),
    }
}

/// A label set as `{a="x",…}` with Rust escapes, for messages.
pub fn show(labels: &[(String, String)]) -> String {
    let mut out = String::from("{");
    for (i, (k, v)) in labels.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "{k}={v:?}");
    }
    out.push('}');
    out
}
