//! Test harness shared by this crate's integration tests: external tools and plain HTTP.
//!
//! A missing tool fails the test under `CI=true`; elsewhere the test prints a note and
//! returns, so `cargo test` on a machine without Prometheus' tools still runs the rest.

#![allow(dead_code)] // each test binary uses part of the harness

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

/// The path of an external tool: `$<NAME>` if set (e.g. `PROMTOOL=/opt/bin/promtool`), else
/// the first match on `PATH`. `None` after printing a note; under `CI=true`, a panic.
pub(crate) fn require_tool(name: &str) -> Option<PathBuf> {
    let from_env = std::env::var_os(name.to_ascii_uppercase()).map(PathBuf::from);
    let found = from_env.or_else(|| {
        std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join(name))
                .find(|p| p.is_file())
        })
    });
    if found.is_none() {
        let message = format!(
            "{name} not found on PATH (Debian: apt-get install --no-install-recommends prometheus)"
        );
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
pub(crate) struct ToolOutput {
    pub(crate) code: Option<i32>,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

/// Pipes `text` into `promtool check metrics`.
pub(crate) fn promtool_check(promtool: &PathBuf, text: &str) -> ToolOutput {
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

/// An HTTP response: status, headers (names lower-cased) and body.
#[derive(Debug)]
pub(crate) struct Response {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: String,
}

impl Response {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// One HTTP/1.1 request with `Connection: close` over a plain `TcpStream`.
pub(crate) fn http(addr: SocketAddr, method: &str, path: &str) -> Response {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read the response");
    let text = String::from_utf8(raw).expect("a UTF-8 response");
    let (head, body) = text.split_once("\r\n\r\n").expect("end of headers");
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Response {
        status,
        headers,
        body: body.to_owned(),
    }
}
