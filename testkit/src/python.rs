//! Independent parsers from PyPI, run in the virtualenv `./scripts/test` prepares
//! (`target/testkit-venv`; `$TESTKIT_VENV` overrides it).

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use serde_json::Value;

/// Where `./scripts/test` puts the virtualenv, relative to the workspace root.
const VENV: &str = "target/testkit-venv";

/// The virtualenv's Python if it has `module`; `None` after a note, a panic under `CI=true`.
pub fn python_with(module: &str) -> Option<PathBuf> {
    let venv = std::env::var_os("TESTKIT_VENV").map_or_else(
        || PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/..")).join(VENV),
        PathBuf::from,
    );
    let python = venv.join("bin/python");
    let usable = Command::new(&python)
        .args(["-c", &format!("import {module}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !usable {
        let message = format!(
            "no Python with `{module}` at {} (./scripts/test creates it)",
            python.display()
        );
        assert_ne!(std::env::var("CI").as_deref(), Ok("true"), "{message}");
        let note = format!("NOTE: skipping a check: {message}\n");
        let _ = std::io::stderr().write_all(note.as_bytes());
        return None;
    }
    Some(python)
}

/// One sample as the Python client's OpenMetrics parser returns it.
#[derive(Clone, Debug, PartialEq)]
pub struct ParsedSample {
    /// The family's name (without `_total`, `_info`…).
    pub family: String,
    /// The family's type (`counter`, `gauge`, `stateset`…).
    pub family_type: String,
    /// The family's unit, possibly empty.
    pub unit: String,
    /// The sample's name (`x_total`, `x_bucket`…).
    pub name: String,
    /// Its labels, sorted.
    pub labels: Vec<(String, String)>,
    /// Its value.
    pub value: f64,
}

const PARSE_OPENMETRICS: &str = r#"
import json, math, sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
out = []
for family in text_string_to_metric_families(sys.stdin.read()):
    for s in family.samples:
        v = s.value
        out.append({"family": family.name, "type": family.type, "unit": family.unit,
                    "name": s.name, "labels": sorted(s.labels.items()),
                    "value": "NaN" if math.isnan(v) else ("+Inf" if v == math.inf else ("-Inf" if v == -math.inf else repr(float(v))))})
json.dump(out, sys.stdout)
"#;

/// Parses `text` with `prometheus_client.openmetrics.parser` (strict: `# EOF`, name clashes,
/// units, `+Inf` buckets…). `Err` carries the parser's message. `None` when the parser is
/// not installed (outside CI).
pub fn parse_openmetrics(text: &str) -> Option<Result<Vec<ParsedSample>, String>> {
    let python = python_with("prometheus_client")?;
    let mut child = Command::new(python)
        .args(["-c", PARSE_OPENMETRICS])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start python");
    let mut stdin = child.stdin.take().expect("piped stdin");
    stdin.write_all(text.as_bytes()).expect("write to python");
    drop(stdin);
    let out = child.wait_with_output().expect("python output");
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let last = stderr.lines().last().unwrap_or_default().to_owned();
        return Some(Err(last));
    }
    let parsed: Value = serde_json::from_slice(&out.stdout).expect("the script prints JSON");
    let samples = parsed
        .as_array()
        .expect("a list")
        .iter()
        .map(|s| {
            let text = |k: &str| s[k].as_str().unwrap_or_default().to_owned();
            ParsedSample {
                family: text("family"),
                family_type: text("type"),
                unit: text("unit"),
                name: text("name"),
                labels: s["labels"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|pair| {
                        (
                            pair[0].as_str().unwrap_or_default().to_owned(),
                            pair[1].as_str().unwrap_or_default().to_owned(),
                        )
                    })
                    .collect(),
                value: match text("value").as_str() {
                    "NaN" => f64::NAN,
                    "+Inf" => f64::INFINITY,
                    "-Inf" => f64::NEG_INFINITY,
                    v => v.parse().expect("a float"),
                },
            }
        })
        .collect();
    Some(Ok(samples))
}
