use std::io::ErrorKind;
use std::sync::atomic::AtomicBool;
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use telemetry_core::{KeyValue, MeterProvider};

use super::*;

/// The names in `dir`, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn io_step(result: Result<(), TextfileError>) -> (Step, ErrorKind) {
    match result {
        Err(TextfileError::Io { step, source, .. }) => (step, source.kind()),
        other => panic!("expected an I/O error, got {other:?}"),
    }
}

#[test]
fn writes_and_replaces_leaving_only_the_target() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.prom");
    write_textfile(&path, "a 1\n").unwrap();
    assert_eq!(fs::read_to_string(&path).unwrap(), "a 1\n");
    write_textfile(&path, &String::from("a 2\n")).unwrap();
    assert_eq!(fs::read_to_string(&path).unwrap(), "a 2\n");
    assert_eq!(listing(dir.path()), ["app.prom"]);
}

#[test]
fn every_source_kind_renders() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.prom");

    let exporter = PrometheusExporter::new();
    let provider = MeterProvider::builder()
        .with_reader(exporter.clone())
        .build();
    provider
        .meter("m")
        .u64_counter("jobs")
        .build()
        .unwrap()
        .add(2, &[KeyValue::new("queue", "é\"\\\n")]);
    write_textfile(&path, &exporter).unwrap();
    let text = fs::read_to_string(&path).unwrap();
    assert!(
        text.ends_with("jobs_total{queue=\"é\\\"\\\\\\n\"} 2\n"),
        "{text}"
    );

    let metrics = telemetry_core::ManualReader::new();
    let provider = MeterProvider::builder()
        .with_reader(metrics.clone())
        .build();
    provider
        .meter("m")
        .i64_gauge("depth")
        .build()
        .unwrap()
        .record(-1, &[]);
    write_textfile(&path, &metrics.collect().unwrap()).unwrap();
    assert!(fs::read_to_string(&path).unwrap().ends_with("\ndepth -1\n"));

    let closure = || Ok::<_, std::io::Error>("from_closure 1\n".to_owned());
    write_textfile(&path, &closure).unwrap();
    assert_eq!(fs::read_to_string(&path).unwrap(), "from_closure 1\n");
}

#[test]
fn paths_that_node_exporter_would_never_read_are_rejected() {
    let dir = tempfile::tempdir().unwrap();
    for bad in [
        dir.path().join("app.txt"),
        dir.path().join(".prom"),
        dir.path().join("app.prom.tmp"),
        dir.path().join(".."),
        PathBuf::from("/"),
    ] {
        match write_textfile(&bad, "a 1\n") {
            Err(TextfileError::InvalidPath { path, .. }) => assert_eq!(path, bad),
            other => panic!("{}: {other:?}", bad.display()),
        }
    }
    assert!(listing(dir.path()).is_empty());
}

#[test]
fn a_bare_file_name_is_a_valid_path() {
    // Its parent is empty: the temporary file goes to "." (the target's directory).
    assert_eq!(check_path(Path::new("app.prom")).unwrap(), "app.prom");
    // `..` is left to the OS, which resolves `x` first.
    let dir = tempfile::tempdir().unwrap();
    let err = write_textfile(dir.path().join("x/../app.prom"), "a 1\n").unwrap_err();
    assert!(
        matches!(
            err,
            TextfileError::Io {
                step: Step::CreateTemp,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn a_missing_directory_is_reported_with_paths_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("missing").join("app.prom");
    let err = write_textfile(&path, "a 1\n").unwrap_err();
    let message = err.to_string();
    assert!(
        message.starts_with(&format!(
            "textfile {} not written: cannot create the temporary file {}/.app.prom.",
            path.display(),
            path.parent().unwrap().display()
        )),
        "{message}"
    );
    assert!(message.ends_with("(os error 2)"), "{message}");
    assert_eq!(err.path(), path);
    assert_eq!(io_step(Err(err)), (Step::CreateTemp, ErrorKind::NotFound));
    assert!(listing(dir.path()).is_empty());
}

#[test]
fn a_parent_that_is_a_file_is_reported() {
    // Root ignores permissions, so "cannot create files here" is tested with a path
    // through a regular file, which fails for everyone.
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("plain"), "").unwrap();
    let path = dir.path().join("plain").join("app.prom");
    let (step, kind) = io_step(write_textfile(&path, "a 1\n"));
    assert_eq!(step, Step::CreateTemp);
    assert_eq!(kind, ErrorKind::NotADirectory);
    assert_eq!(listing(dir.path()), ["plain"]);
}

#[cfg(unix)]
#[test]
fn a_read_only_directory_keeps_the_previous_file() {
    use std::os::unix::fs::PermissionsExt;

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.prom");
    write_textfile(&path, "a 1\n").unwrap();
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o555)).unwrap();
    let result = write_textfile(&path, "a 2\n");
    let privileged = fs::write(dir.path().join("probe"), "").is_ok();
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
    if privileged {
        // Root (CAP_DAC_OVERRIDE) writes anyway; the end-to-end test covers a read-only
        // mount instead.
        assert!(result.is_ok());
        return;
    }
    assert_eq!(
        io_step(result),
        (Step::CreateTemp, ErrorKind::PermissionDenied)
    );
    assert_eq!(fs::read_to_string(&path).unwrap(), "a 1\n");
    assert_eq!(listing(dir.path()), ["app.prom"]);
}

#[test]
fn a_failed_rename_removes_the_temporary_file() {
    // A directory in the target's place: the temp file is created, written and synced,
    // then the rename fails.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.prom");
    fs::create_dir(&path).unwrap();
    fs::write(path.join("keep"), "").unwrap();
    let err = write_textfile(&path, "a 1\n").unwrap_err();
    let TextfileError::Io {
        step: Step::Rename,
        temp: Some(temp),
        ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert!(!temp.exists());
    assert!(err
        .to_string()
        .contains("cannot rename the temporary file over it"));
    assert_eq!(listing(dir.path()), ["app.prom"]);
    assert_eq!(listing(&path), ["keep"]);
}

#[test]
fn a_failed_render_keeps_the_previous_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.prom");
    write_textfile(&path, "a 1\n").unwrap();
    let failing = || Err::<String, _>("API down");
    let err = write_textfile(&path, &failing).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "textfile {} not written: its source failed: API down",
            path.display()
        )
    );
    assert_eq!(
        std::error::Error::source(&err).unwrap().to_string(),
        "API down"
    );
    assert_eq!(fs::read_to_string(&path).unwrap(), "a 1\n");
    assert_eq!(listing(dir.path()), ["app.prom"]);

    // An exporter that was never given to a provider cannot collect.
    let err = write_textfile(&path, &PrometheusExporter::new()).unwrap_err();
    assert!(matches!(err, TextfileError::Render { .. }), "{err}");
    assert_eq!(fs::read_to_string(&path).unwrap(), "a 1\n");
}

#[test]
fn concurrent_writers_never_share_a_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.prom");
    let contents: Vec<String> = (0..4)
        .map(|t| format!("writer{{t=\"{t}\"}} 1\n").repeat(500))
        .collect();
    std::thread::scope(|s| {
        for text in &contents {
            let path = &path;
            s.spawn(move || {
                for _ in 0..50 {
                    write_textfile(path, text.as_str()).unwrap();
                }
            });
        }
    });
    let last = fs::read_to_string(&path).unwrap();
    assert!(contents.contains(&last), "a mixed or partial file");
    assert_eq!(listing(dir.path()), ["app.prom"]);
}

// The periodic writer.

fn counting_source() -> (
    Arc<AtomicU64>,
    impl Fn() -> Result<String, String> + Send + 'static,
) {
    let calls = Arc::new(AtomicU64::new(0));
    let c = Arc::clone(&calls);
    (calls, move || {
        let n = c.fetch_add(1, Ordering::SeqCst) + 1;
        Ok(format!("calls {n}\n"))
    })
}

fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn writes_at_once_then_every_interval_and_once_more_on_stop() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.prom");
    let (calls, source) = counting_source();
    let writer = TextfileWriter::builder(&path, Duration::from_millis(20))
        .spawn(source)
        .unwrap();
    wait_for("3 writes", || writer.writes() >= 3);
    assert_eq!(writer.failures(), 0);
    assert_eq!(writer.path(), path);
    writer.stop().unwrap();
    let n = calls.load(Ordering::SeqCst);
    assert_eq!(fs::read_to_string(&path).unwrap(), format!("calls {n}\n"));
    std::thread::sleep(Duration::from_millis(60));
    assert_eq!(calls.load(Ordering::SeqCst), n, "the thread is gone");
    assert_eq!(listing(dir.path()), ["app.prom"]);
}

#[test]
fn the_first_write_does_not_wait_for_the_interval() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.prom");
    let _writer = TextfileWriter::builder(&path, Duration::from_secs(3600))
        .spawn("a 1\n")
        .unwrap();
    wait_for("the first file", || path.exists());
}

#[test]
fn stop_writes_what_was_recorded_since_the_last_tick() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.prom");
    let exporter = PrometheusExporter::new();
    let provider = MeterProvider::builder()
        .with_reader(exporter.clone())
        .build();
    let jobs = provider.meter("m").u64_counter("jobs").build().unwrap();
    let writer = TextfileWriter::builder(&path, Duration::from_secs(3600))
        .spawn(exporter)
        .unwrap();
    wait_for("the first file", || writer.writes() == 1);
    jobs.add(7, &[]);
    provider.shutdown().unwrap(); // the exporter still renders the final collection
    writer.stop().unwrap();
    assert!(fs::read_to_string(&path)
        .unwrap()
        .ends_with("\njobs_total 7\n"));
}

#[test]
fn failures_go_to_the_handler_and_the_writer_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("later");
    let path = sub.join("app.prom");
    let (tx, rx) = mpsc::channel();
    let writer = TextfileWriter::builder(&path, Duration::from_millis(10))
        .with_error_handler(move |e| {
            let _ = tx.send(e.to_string());
        })
        .spawn("a 1\n")
        .unwrap();
    let first = rx.recv_timeout(Duration::from_secs(10)).unwrap();
    assert!(
        first.contains("cannot create the temporary file"),
        "{first}"
    );
    assert_eq!(writer.writes(), 0);
    fs::create_dir(&sub).unwrap();
    wait_for("a write after the directory appeared", || {
        writer.writes() > 0
    });
    assert!(writer.failures() >= 1);
    writer.stop().unwrap();
    assert_eq!(fs::read_to_string(&path).unwrap(), "a 1\n");
    assert_eq!(listing(&sub), ["app.prom"]);
}

#[test]
fn a_panicking_source_or_handler_does_not_end_the_writer() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.prom");
    let calls = Arc::new(AtomicU64::new(0));
    let c = Arc::clone(&calls);
    let source = move || -> Result<String, String> {
        if c.fetch_add(1, Ordering::SeqCst).is_multiple_of(2) {
            panic!("source panic (expected by the test)");
        }
        Ok("a 1\n".into())
    };
    let writer = TextfileWriter::builder(&path, Duration::from_millis(5))
        .with_error_handler(|_| panic!("handler panic (expected by the test)"))
        .spawn(source)
        .unwrap();
    wait_for("writes between panics", || {
        writer.writes() >= 2 && writer.failures() >= 2
    });
    // The final call may panic or not; either way stop returns.
    let _ = writer.stop();
}

#[test]
fn stop_gives_up_after_the_shutdown_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.prom");
    let release = Arc::new(AtomicBool::new(false));
    let r = Arc::clone(&release);
    let calls = Arc::new(AtomicU64::new(0));
    let c = Arc::clone(&calls);
    let source = move || -> Result<String, String> {
        // The first write is quick; the final one hangs until released.
        if c.fetch_add(1, Ordering::SeqCst) > 0 {
            while !r.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(5));
            }
        }
        Ok("a 1\n".into())
    };
    let writer = TextfileWriter::builder(&path, Duration::from_secs(3600))
        .with_shutdown_timeout(Duration::from_millis(100))
        .spawn(source)
        .unwrap();
    wait_for("the first write", || writer.writes() == 1);
    let started = Instant::now();
    let err = writer.stop().unwrap_err();
    let waited = started.elapsed();
    assert!(matches!(err, TextfileError::Timeout { .. }), "{err}");
    assert!(
        waited >= Duration::from_millis(100) && waited < Duration::from_secs(5),
        "{waited:?}"
    );
    release.store(true, Ordering::SeqCst); // lets the detached thread finish
}

#[test]
fn dropping_the_writer_stops_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.prom");
    let (calls, source) = counting_source();
    let writer = TextfileWriter::builder(&path, Duration::from_millis(5))
        .spawn(source)
        .unwrap();
    wait_for("a write", || writer.writes() > 0);
    drop(writer);
    let n = calls.load(Ordering::SeqCst);
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(calls.load(Ordering::SeqCst), n);
}

#[test]
fn spawn_rejects_a_bad_path_at_once() {
    let err = TextfileWriter::builder("/tmp/app.txt", Duration::from_secs(1))
        .spawn("a 1\n")
        .unwrap_err();
    assert!(matches!(err, TextfileError::InvalidPath { .. }), "{err}");
}

#[test]
#[should_panic(expected = "must not be zero")]
fn a_zero_interval_panics() {
    let _ = TextfileWriter::builder("/tmp/app.prom", Duration::ZERO);
}
