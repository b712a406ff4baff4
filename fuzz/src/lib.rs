//! Fuzz targets of the Prometheus encoders, attribute sets and label rules, and format
//! negotiation. Each target checks invariants, not only the absence of panics; the
//! targets in `fuzz_targets/` are one-line wrappers around the functions here, so the
//! checked-in corpus can be replayed on stable by `cargo test --lib` (see `tests`).

#![allow(missing_docs)]

mod accept;
mod attributes;
mod encoders;
pub mod expo;
mod foreign;
pub mod model;
pub mod oracle;
pub mod tape;

pub use accept::accept_header;
pub use attributes::attributes;
pub use encoders::{openmetrics_encoder, text_encoder};
pub use foreign::foreign_openmetrics;

/// Every target, by the name of its `fuzz_targets/` file and corpus folder.
pub const TARGETS: [(&str, fn(&[u8])); 5] = [
    ("text_encoder", text_encoder),
    ("openmetrics_encoder", openmetrics_encoder),
    ("attributes", attributes),
    ("accept_header", accept_header),
    ("foreign_openmetrics", foreign_openmetrics),
];

/// Checks that fail on a finding not fixed yet (saved in `artifacts-found/`), skipped while
/// fuzzing so that the fuzzer can look for other bugs: remove a name once its bug is fixed.
pub const KNOWN_FINDINGS: &[&str] = &[];

thread_local! {
    static STRICT: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs the checks of [`KNOWN_FINDINGS`] too, on this thread (the replay of
/// `artifacts-found/`).
pub fn set_strict(on: bool) {
    STRICT.with(|s| s.set(on));
}

/// Whether the check `name` runs.
fn enabled(name: &str) -> bool {
    STRICT.with(|s| s.get()) || !KNOWN_FINDINGS.contains(&name)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// Runs every file of `<dir>/<target>/` through its target; returns how many.
    fn replay(dir: &str) -> usize {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
        let mut replayed = 0;
        let mut failed = Vec::new();
        for (name, target) in super::TARGETS {
            let Ok(entries) = std::fs::read_dir(root.join(name)) else {
                continue;
            };
            let mut files: Vec<_> = entries.map(|e| e.unwrap().path()).collect();
            files.sort();
            for file in files {
                let data = std::fs::read(&file).unwrap();
                if std::panic::catch_unwind(|| target(&data)).is_err() {
                    failed.push(format!("{name}: {}", file.display()));
                }
                replayed += 1;
            }
        }
        assert!(failed.is_empty(), "failing inputs:\n{}", failed.join("\n"));
        replayed
    }

    /// Replays the checked-in corpus (`corpus/<target>/*`) through each target on stable,
    /// without libFuzzer: the invariants hold on every seed.
    #[test]
    fn corpus_replays() {
        assert!(replay("corpus") >= 4, "no corpus found");
    }

    /// Replays the findings (`artifacts-found/<target>/*`): they fail until the bug is
    /// fixed; then move the file into `corpus/<target>/` so it is replayed for good.
    #[test]
    #[ignore = "findings not fixed yet; run with --ignored"]
    fn findings_replay() {
        super::set_strict(true);
        replay("artifacts-found");
    }
}
