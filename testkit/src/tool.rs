//! Finding external tools, and `promtool check metrics`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The path of an external tool: `$<NAME>` if set (e.g. `PROMTOOL=/opt/bin/promtool`, with
/// `-` as `_`), else the first match on `PATH`. `None` after printing a note; under
/// `CI=true`, a panic: CI must never skip a check silently.
pub fn require_tool(name: &str) -> Option<PathBuf> {
    let variable = name.to_ascii_uppercase().replace('-', "_");
    let from_env = std::env::var_os(variable).map(PathBuf::from);
    let found = from_env.or_else(|| {
        std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join(name))
                .find(|p| p.is_file())
        })
    });
    if found.is_none() {
        let message = format!("{name} not found on PATH (./scripts/test installs it from Debian)");
        assert_ne!(std::env::var("CI").as_deref(), Ok("true"), "{message}");
        // Straight to the process' stderr: libtest captures `eprintln!` of passing tests,
        // and a skipped check must not go unnoticed.
        let note = format!("NOTE: skipping the {name} check: {message}\n");
        let _ = std::io::stderr().write_all(note.as_bytes());
    }
    found
}

/// What a tool run produced.
#[derive(Debug)]
pub struct ToolOutput {
    /// The exit code (`None` when killed by a signal).
    pub code: Option<i32>,
    /// Standard output.
    pub stdout: String,
    /// Standard error (where promtool writes its findings).
    pub stderr: String,
}

/// Pipes `text` into `promtool check metrics`. promtool exits 0 when clean, 3 on lint
/// findings and 1 on a parse error; its findings go to stderr.
pub fn promtool_check(promtool: &Path, text: &str) -> ToolOutput {
    let mut child = Command::new(promtool)
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", promtool.display()));
    let mut stdin = child.stdin.take().expect("piped stdin");
    stdin.write_all(text.as_bytes()).expect("write to promtool");
    drop(stdin); // EOF
    let out = child.wait_with_output().expect("promtool output");
    ToolOutput {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Asserts `promtool check metrics` accepts `exposition` without a finding (exit 0, empty
/// stderr); `label` says which exposition failed. Returns without checking (after a note)
/// when promtool is missing outside CI.
pub fn assert_promtool_clean(label: &str, exposition: &str) {
    let Some(promtool) = require_tool("promtool") else {
        return;
    };
    let out = promtool_check(&promtool, exposition);
    assert!(
        out.code == Some(0) && out.stderr.is_empty(),
        "promtool check metrics rejected the {label} exposition: exit {:?}\nstderr:\n{}\nstdout:\n{}\ninput:\n{exposition}",
        out.code,
        out.stderr,
        out.stdout,
    );
}
