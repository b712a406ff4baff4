//! End to end with a real node_exporter (textfile collector only): the example's file is
//! served, atomic rewrites are never seen partial by concurrent scrapes (and in-place
//! rewrites are, as a control), and failed writes leave the served file intact.
//!
//! Each test starts its own node_exporter on a free loopback port; without the binary they
//! print a note and return, under `CI=true` they fail.

use std::collections::BTreeSet;
use std::fs;
use std::io::ErrorKind;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use telemetry_core::{KeyValue, MeterProvider};
use telemetry_examples::soracom::{self, SessionApi, SimulatedSoracom, FILE_NAME};
use telemetry_exporters::prometheus::{
    write_textfile, PrometheusExporter, Step, TextfileError, TextfileWriter,
};
use telemetry_testkit::{example_binary, NodeExporter};

/// The value of the first sample line starting with `series` (name and labels, exactly).
fn sample<'a>(body: &'a str, series: &str) -> Option<&'a str> {
    body.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
}

fn scrape_error(body: &str) -> &str {
    sample(body, "node_textfile_scrape_error").expect("node_textfile_scrape_error in the scrape")
}

/// The sample lines of `name` (`name{…} value`).
fn series_lines<'a>(body: &'a str, name: &str) -> Vec<&'a str> {
    body.lines()
        .filter(|l| {
            l.strip_prefix(name)
                .is_some_and(|r| r.starts_with(['{', ' ']))
        })
        .collect()
}

/// `line` without its empty-valued labels: to Prometheus `{a="x",name=""}` is `{a="x"}`.
/// Our encoder leaves them out; node_exporter's textfile collector pads every series of a
/// family with the family's other label names, empty. Values may hold escaped quotes.
fn without_empty_labels(line: &str) -> String {
    let (Some(open), Some(close)) = (line.find('{'), line.rfind('}')) else {
        return line.to_owned();
    };
    let mut pairs = Vec::new();
    let (mut current, mut quoted, mut escaped) = (String::new(), false, false);
    for c in line[open + 1..close].chars() {
        match c {
            ',' if !quoted => pairs.push(std::mem::take(&mut current)),
            _ => {
                if quoted && !escaped && c == '"' {
                    quoted = false;
                } else if !quoted && c == '"' {
                    quoted = true;
                }
                escaped = quoted && !escaped && c == '\\';
                current.push(c);
            }
        }
    }
    pairs.push(current);
    let kept: Vec<String> = pairs
        .into_iter()
        .filter(|p| !p.ends_with("=\"\""))
        .collect();
    let labels = if kept.is_empty() {
        String::new()
    } else {
        format!("{{{}}}", kept.join(","))
    };
    format!("{}{labels}{}", &line[..open], &line[close + 1..])
}

/// The names in `dir`, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn assert_promtool_clean(path: &Path) {
    telemetry_testkit::assert_promtool_clean(
        &path.display().to_string(),
        &fs::read_to_string(path).unwrap(),
    );
}

/// A file's content and mtime: what "left intact" compares.
fn snapshot(path: &Path) -> (String, SystemTime) {
    (
        fs::read_to_string(path).unwrap(),
        fs::metadata(path).unwrap().modified().unwrap(),
    )
}

// (a) The example's file, served.

/// Asserts that the file's sample lines come out of node_exporter unchanged (same names,
/// same UTF-8 and escaped label values, same values) with `node_textfile_scrape_error 0`;
/// returns what was served of it: its series and its mtime sample.
fn assert_served(node: &NodeExporter, path: &Path) -> Vec<String> {
    let body = node.scrape();
    assert_eq!(scrape_error(&body), "0", "{}", node.log());
    let file = fs::read_to_string(path).unwrap();
    let written: Vec<String> = series_lines(&file, soracom::METRIC_NAME)
        .into_iter()
        .map(without_empty_labels)
        .collect();
    assert_eq!(written.len(), 6, "{file}");
    let mut served: Vec<String> = series_lines(&body, soracom::METRIC_NAME)
        .into_iter()
        .map(without_empty_labels)
        .collect();
    assert_eq!(served, written, "{body}");
    let mtime = format!("node_textfile_mtime_seconds{{file=\"{}\"}}", path.display());
    let mtime_line = body.lines().find(|l| l.starts_with(&mtime));
    served.push(
        mtime_line
            .unwrap_or_else(|| panic!("{mtime} missing:\n{body}"))
            .to_owned(),
    );
    served
}

#[test]
fn the_examples_file_is_served_with_its_utf8_names() {
    let Some(node) = NodeExporter::start() else {
        return;
    };
    let path = node.textfile_dir().join(FILE_NAME);
    let api = SimulatedSoracom::new(1);
    // What `textfile_exporter --once` does.
    write_textfile(&path, &|| soracom::exposition(&api)).unwrap();

    let served = assert_served(&node, &path).join("\n");
    let company = sample(
        &served,
        "soracom_session_status{imsi=\"440103000000001\",name=\"会社検証用\"}",
    );
    assert!(matches!(company, Some("0" | "1")), "{served}");
    assert!(
        served.contains("{imsi=\"440103000000004\",name=\"field \\\"B\\\" \\\\ spare\"}"),
        "{served}"
    );
    assert_eq!(listing(node.textfile_dir()), [FILE_NAME]);
    assert_promtool_clean(&path);
}

#[test]
fn the_example_binary_writes_once_and_a_failed_poll_keeps_the_last_good_file() {
    let Some(node) = NodeExporter::start() else {
        return;
    };
    let Some(binary) = example_binary("textfile_exporter") else {
        return;
    };
    let dir = node.textfile_dir();
    let run = |extra: &[&str]| {
        let out = Command::new(&binary)
            .args(["--dir", dir.to_str().unwrap(), "--once"])
            .args(extra)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };

    let (code, stderr) = run(&["--seed", "4"]);
    assert_eq!(code, Some(0), "{stderr}");
    let path = dir.join(FILE_NAME);
    let before = snapshot(&path);
    let served = assert_served(&node, &path).join("\n");
    assert!(served.contains("name=\"会社検証用\"}"), "{served}");
    assert_promtool_clean(&path);

    std::thread::sleep(Duration::from_millis(20)); // so a rewrite would change the mtime
    let (code, stderr) = run(&["--seed", "5", "--fail-every", "1"]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("its source failed: SORACOM API call 1 failed: HTTP 503"),
        "{stderr}"
    );
    assert_eq!(snapshot(&path), before, "the last good file was touched");
    assert_served(&node, &path);
    assert_eq!(listing(dir), [FILE_NAME]);
}

// (b) The race: atomic rewrites against concurrent scrapes.

const SERIES: usize = 3_000;

/// A provider whose 3,000 series all report the number of the collection, so a scrape
/// that mixed two files would show two values.
fn race_exporter() -> (PrometheusExporter, MeterProvider) {
    let exporter = PrometheusExporter::builder()
        .with_target_info(false)
        .build();
    let provider = MeterProvider::builder()
        .with_reader(exporter.clone())
        .build();
    let generation = AtomicU64::new(0);
    let labels: Vec<[KeyValue; 2]> = (0..SERIES)
        .map(|i| {
            [
                KeyValue::new("shard", format!("{:02}", i % 50)),
                KeyValue::new("id", format!("{i:04}")),
            ]
        })
        .collect();
    provider
        .meter("race")
        .u64_observable_gauge("race_series")
        .with_description("One of 3,000 series rewritten together")
        .with_callback(move |o| {
            let g = generation.fetch_add(1, Ordering::Relaxed) + 1;
            for l in &labels {
                o.observe(g, l);
            }
        })
        .build()
        .unwrap();
    (exporter, provider)
}

#[derive(Debug, Default)]
struct Tally {
    scrapes: usize,
    errors: usize,
    partial: usize,
    generations: BTreeSet<String>,
    mixed: usize,
}

impl Tally {
    fn add(&mut self, body: &str) {
        self.scrapes += 1;
        if scrape_error(body) != "0" {
            self.errors += 1;
        }
        let lines = series_lines(body, "race_series");
        if lines.len() != SERIES {
            self.partial += 1;
        }
        let values: BTreeSet<&str> = lines
            .iter()
            .filter_map(|l| l.rsplit_once(' ').map(|(_, v)| v))
            .collect();
        if values.len() > 1 {
            self.mixed += 1;
        }
        self.generations
            .extend(values.into_iter().map(str::to_owned));
    }

    fn merge(&mut self, other: Tally) {
        self.scrapes += other.scrapes;
        self.errors += other.errors;
        self.partial += other.partial;
        self.mixed += other.mixed;
        self.generations.extend(other.generations);
    }
}

/// `threads` threads scraping `per_thread` times each, while the file is being rewritten.
fn concurrent_scrapes(node: &NodeExporter, threads: usize, per_thread: usize) -> Tally {
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut tally = Tally::default();
                    for _ in 0..per_thread {
                        tally.add(&node.scrape());
                    }
                    tally
                })
            })
            .collect();
        let mut total = Tally::default();
        for h in handles {
            total.merge(h.join().unwrap());
        }
        total
    })
}

#[test]
fn atomic_rewrites_are_never_seen_partial_by_concurrent_scrapes() {
    let Some(node) = NodeExporter::start() else {
        return;
    };
    let path = node.textfile_dir().join("race.prom");
    let (exporter, _provider) = race_exporter();
    let writer = TextfileWriter::builder(&path, Duration::from_millis(1))
        .with_error_handler(|e| panic!("write failed: {e}"))
        .spawn(exporter)
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while writer.writes() == 0 {
        assert!(Instant::now() < deadline, "no first write");
        std::thread::sleep(Duration::from_millis(5));
    }

    let writes_before = writer.writes();
    let started = Instant::now();
    let tally = concurrent_scrapes(&node, 4, 60);
    let elapsed = started.elapsed();
    let rewrites = writer.writes() - writes_before;
    assert_eq!(writer.failures(), 0);
    writer.stop().unwrap();
    eprintln!(
        "atomic: {} scrapes by 4 threads in {elapsed:?} during {rewrites} rewrites: \
         {} errors, {} partial, {} mixed, {} distinct generations seen",
        tally.scrapes,
        tally.errors,
        tally.partial,
        tally.mixed,
        tally.generations.len()
    );

    assert_eq!(tally.scrapes, 240);
    assert_eq!(
        (tally.errors, tally.partial, tally.mixed),
        (0, 0, 0),
        "{tally:?}\n{}",
        node.log()
    );
    // The scrapes did overlap with rewrites: the file changed under them many times.
    assert!(
        rewrites >= 10,
        "only {rewrites} rewrites during the scrapes"
    );
    assert!(tally.generations.len() >= 5, "{tally:?}");
    assert_eq!(listing(node.textfile_dir()), ["race.prom"]);
    assert_promtool_clean(&path);
}

/// The control: the same race with in-place rewrites does show torn reads, so the test
/// above would notice a non-atomic writer.
#[test]
fn in_place_rewrites_are_seen_partial_the_control() {
    let Some(node) = NodeExporter::start() else {
        return;
    };
    let path = node.textfile_dir().join("race.prom");
    let (exporter, _provider) = race_exporter();
    fs::write(&path, exporter.render().unwrap()).unwrap();
    let stop = AtomicBool::new(false);
    let tally = std::thread::scope(|s| {
        s.spawn(|| {
            while !stop.load(Ordering::Relaxed) {
                // Truncate, then write: what a naive `open(path, "w")` does.
                fs::write(&path, exporter.render().unwrap()).unwrap();
            }
        });
        let tally = concurrent_scrapes(&node, 4, 50);
        stop.store(true, Ordering::Relaxed);
        tally
    });
    eprintln!(
        "in place: {} scrapes: {} errors, {} partial, {} mixed",
        tally.scrapes, tally.errors, tally.partial, tally.mixed
    );
    assert!(
        tally.errors + tally.partial > 0,
        "no torn read in {} scrapes: {tally:?}",
        tally.scrapes
    );
}

// (c) Failed writes.

#[test]
fn failed_writes_leave_the_served_file_intact_and_no_temp_file() {
    let Some(node) = NodeExporter::start() else {
        return;
    };
    let dir = node.textfile_dir();
    let path = dir.join(FILE_NAME);
    let api = SimulatedSoracom::new(3).with_failure_every(2);
    write_textfile(&path, &|| soracom::exposition(&api)).unwrap(); // call 1: fine
    let before = snapshot(&path);
    let served = assert_served(&node, &path);
    std::thread::sleep(Duration::from_millis(20));

    // The API fails (call 2): nothing is written.
    let err = write_textfile(&path, &|| soracom::exposition(&api)).unwrap_err();
    assert!(matches!(err, TextfileError::Render { .. }), "{err}");
    assert!(err.to_string().contains("HTTP 503"), "{err}");

    // The file system fails (the source renders first, so it must succeed here).
    let text = soracom::render_sessions(&SimulatedSoracom::new(4).subscribers().unwrap()).unwrap();

    // A missing directory.
    let missing = dir.join("missing").join(FILE_NAME);
    let err = write_textfile(&missing, &text).unwrap_err();
    let TextfileError::Io {
        step: Step::CreateTemp,
        source,
        ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(source.kind(), ErrorKind::NotFound, "{err}");
    assert_eq!(err.path(), missing);

    // A directory nobody can create files in, even root: a path through a regular file.
    fs::write(dir.join("not-a-dir"), "").unwrap();
    let blocked = dir.join("not-a-dir").join(FILE_NAME);
    let err = write_textfile(&blocked, &text).unwrap_err();
    assert!(
        matches!(&err, TextfileError::Io { step: Step::CreateTemp, source, .. }
            if source.kind() == ErrorKind::NotADirectory),
        "{err:?}"
    );
    fs::remove_file(dir.join("not-a-dir")).unwrap();

    assert_eq!(snapshot(&path), before, "the served file was touched");
    assert_eq!(listing(dir), [FILE_NAME], "a temporary file was left");
    assert_eq!(assert_served(&node, &path), served);
}

/// A small tmpfs, unmounted on drop; `None` where mounting is not permitted (not root, or
/// a container without CAP_SYS_ADMIN).
struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    fn mount(size: &str) -> Option<Tmpfs> {
        let dir = tempfile::tempdir().unwrap();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            eprintln!(
                "NOTE: cannot mount a tmpfs here; skipping the full-disk and read-only checks"
            );
            return None;
        }
        Some(Tmpfs { dir })
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn remount(&self, options: &str) {
        let status = Command::new("mount")
            .args(["-o", &format!("remount,{options}")])
            .arg(self.path())
            .status()
            .unwrap();
        assert!(status.success(), "remount {options}");
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

/// The failures root cannot be kept from by permissions: a full disk and a read-only file
/// system, on a 64 KiB tmpfs that node_exporter serves.
#[test]
fn a_full_disk_and_a_read_only_file_system_leave_the_served_file_intact() {
    let Some(tmpfs) = Tmpfs::mount("64k") else {
        return;
    };
    let Some(node) = NodeExporter::start_with_textfile_dir(tmpfs.path()) else {
        return;
    };
    let path = tmpfs.path().join(FILE_NAME);
    let api = SimulatedSoracom::new(1);
    write_textfile(&path, &|| soracom::exposition(&api)).unwrap();
    let before = snapshot(&path);
    let served = assert_served(&node, &path);
    std::thread::sleep(Duration::from_millis(20));

    // ~130 KB of series into 64 KiB: the write (or its fsync) runs out of space.
    let (exporter, _provider) = race_exporter();
    let err = write_textfile(&path, &exporter).unwrap_err();
    let TextfileError::Io {
        step,
        source,
        temp: Some(temp),
        ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert!(matches!(step, Step::Write | Step::Sync), "{err}");
    assert_eq!(source.kind(), ErrorKind::StorageFull, "{err}");
    assert!(!temp.exists());
    eprintln!("full disk: {err}");
    assert_eq!(snapshot(&path), before);
    assert_eq!(listing(tmpfs.path()), [FILE_NAME]);
    assert_eq!(assert_served(&node, &path), served);

    tmpfs.remount("ro");
    let err = write_textfile(&path, &|| soracom::exposition(&api)).unwrap_err();
    eprintln!("read-only: {err}");
    assert!(
        matches!(&err, TextfileError::Io { step: Step::CreateTemp, source, .. }
            if source.kind() == ErrorKind::ReadOnlyFilesystem),
        "{err:?}"
    );
    assert_eq!(snapshot(&path), before);
    assert_eq!(listing(tmpfs.path()), [FILE_NAME]);
    assert_eq!(assert_served(&node, &path), served);
    drop(node);
    tmpfs.remount("rw");
}

#[test]
fn empty_labels_are_normalised_away() {
    assert_eq!(
        without_empty_labels(r#"m{imsi="5",name=""} 1"#),
        r#"m{imsi="5"} 1"#
    );
    assert_eq!(
        without_empty_labels(r#"m{name="field \"B\" \\ x",a=""} 1"#),
        r#"m{name="field \"B\" \\ x"} 1"#
    );
    assert_eq!(without_empty_labels(r#"m{a=""} 1"#), "m 1");
}
