//! Seed 003 end to end: the `stats_stackdriver` example, run as a user runs it, writes its
//! OpenCensus-style views (a count and distributions of one video-size measure, a latency
//! distribution) to Cloud Monitoring, and nothing recorded before the process exits is lost
//! (the seed's defect: OpenCensus' exporter dropped the points of the last interval).
//!
//! **The API here is a fake, not Google.** `telemetry_testkit::CloudMonitoring` is a small
//! loopback server that checks every request body against Google's published discovery
//! document for `monitoring:v3` and the API's documented write rules (descriptor before the
//! first write, one point per series every 5 s, CUMULATIVE start times, distribution
//! consistency, label declarations…), and `GoogleAuth` fakes the OAuth token endpoint a
//! service-account key points at. Passing here means the requests follow those rules, as far
//! as the fakes check them; it does not prove Google accepts them.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use telemetry_examples::stats::{
    CODEC, FRONTEND, LATENCY_BOUNDS, SIZE_BOUNDS, VIDEO_COUNT, VIDEO_LATENCY, VIDEO_SIZE,
    VIEW_NAMES,
};
use telemetry_testkit::{example_binary, CloudMonitoring, GoogleAuth};

const PROJECT: &str = "testkit-project";
const PREFIX: &str = "workload.googleapis.com/";
/// The example's shutdown deadline is 15 s; a run must end well within this.
const EXIT_BOUND: Duration = Duration::from_secs(40);

/// A `TimeSeries` as the fake stored it, reduced to what the assertions read.
#[derive(Debug)]
struct Series {
    metric_type: String,
    labels: BTreeMap<String, String>,
    kind: String,
    value_type: String,
    int64: Option<i64>,
    distribution: Option<Distribution>,
}

#[derive(Debug)]
struct Distribution {
    count: i64,
    mean: Option<f64>,
    sum_of_squared_deviation: Option<f64>,
    bounds: Vec<f64>,
    bucket_counts: Vec<i64>,
}

/// A `MetricDescriptor` as sent.
#[derive(Debug)]
struct Descriptor {
    metric_type: String,
    kind: String,
    value_type: String,
    unit: String,
    labels: Vec<String>,
}

/// `int64` values travel as decimal strings in the JSON mapping.
fn int64(text: Option<&str>) -> Option<i64> {
    text.map(|t| t.parse().expect("an int64 string"))
}

// The fake's values are `serde_json::Value`s; the root package does not depend on serde_json,
// so they are read where they are returned, by inference, and copied into the structs above.
macro_rules! series {
    ($ts:expr) => {{
        let ts = &$ts;
        let value = &ts["points"][0]["value"];
        let dist = &value["distributionValue"];
        Series {
            metric_type: ts["metric"]["type"].as_str().unwrap().to_owned(),
            labels: ts["metric"]["labels"]
                .as_object()
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
                        .collect()
                })
                .unwrap_or_default(),
            kind: ts["metricKind"].as_str().unwrap_or_default().to_owned(),
            value_type: ts["valueType"].as_str().unwrap_or_default().to_owned(),
            int64: int64(value["int64Value"].as_str()),
            distribution: dist.is_object().then(|| Distribution {
                count: int64(dist["count"].as_str()).unwrap_or(0),
                mean: dist["mean"].as_f64(),
                sum_of_squared_deviation: dist["sumOfSquaredDeviation"].as_f64(),
                bounds: dist["bucketOptions"]["explicitBuckets"]["bounds"]
                    .as_array()
                    .map(|b| b.iter().map(|x| x.as_f64().unwrap()).collect())
                    .unwrap_or_default(),
                bucket_counts: dist["bucketCounts"]
                    .as_array()
                    .map(|c| c.iter().map(|x| int64(x.as_str()).unwrap()).collect())
                    .unwrap_or_default(),
            }),
        }
    }};
}

macro_rules! descriptor {
    ($d:expr) => {{
        let d = &$d;
        Descriptor {
            metric_type: d["type"].as_str().unwrap().to_owned(),
            kind: d["metricKind"].as_str().unwrap().to_owned(),
            value_type: d["valueType"].as_str().unwrap().to_owned(),
            unit: d["unit"].as_str().unwrap_or_default().to_owned(),
            labels: d["labels"]
                .as_array()
                .map(|l| {
                    l.iter()
                        .map(|l| l["key"].as_str().unwrap().to_owned())
                        .collect()
                })
                .unwrap_or_default(),
        }
    }};
}

/// The fake API with authentication, and a service-account key file whose `token_uri` is
/// the fake token endpoint. `None` (the test is skipped) without the Python virtualenv.
struct Google {
    auth: GoogleAuth,
    api: CloudMonitoring,
    _dir: tempfile::TempDir,
    key_file: std::path::PathBuf,
}

impl Google {
    fn start() -> Option<Google> {
        let auth = GoogleAuth::start()?;
        let api = CloudMonitoring::start_with_auth(&auth);
        let dir = tempfile::tempdir().unwrap();
        let key_file = dir.path().join("key.json");
        std::fs::write(&key_file, auth.service_account_json()).unwrap();
        Some(Google {
            auth,
            api,
            _dir: dir,
            key_file,
        })
    }

    /// The example with `--project`, this fake as `--endpoint`, the key file as
    /// `GOOGLE_APPLICATION_CREDENTIALS`, and `args`.
    fn command(&self, binary: &Path, args: &[&str]) -> Command {
        let mut cmd = Command::new(binary);
        cmd.args(["--project", PROJECT, "--endpoint", &self.api.base_url()])
            .args(args)
            .env("GOOGLE_APPLICATION_CREDENTIALS", &self.key_file)
            .env_remove("GCE_METADATA_HOST")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd
    }

    fn series(&self) -> Vec<Series> {
        self.api
            .accepted_series()
            .iter()
            .map(|ts| series!(ts))
            .collect()
    }

    fn descriptors(&self) -> Vec<Descriptor> {
        self.api
            .descriptors()
            .iter()
            .map(|d| descriptor!(d))
            .collect()
    }

    /// Every request the fake received, for failure messages.
    fn log(&self) -> String {
        self.api
            .requests()
            .iter()
            .map(|r| {
                format!(
                    "{} {} -> {}\n{}\n",
                    r.method,
                    r.path,
                    r.status,
                    String::from_utf8_lossy(&r.body)
                )
            })
            .collect()
    }
}

/// The output of a finished run.
struct Run {
    stdout: String,
    stderr: String,
    elapsed: Duration,
}

impl Run {
    /// `recorded N videos`, printed once the recording stopped.
    fn recorded(&self) -> i64 {
        self.stdout
            .lines()
            .find_map(|l| l.strip_prefix("recorded ")?.strip_suffix(" videos"))
            .unwrap_or_else(|| panic!("no `recorded N videos` in:\n{}", self.stdout))
            .parse()
            .unwrap()
    }
}

/// Waits for `child` (its stdout already partly read into `head`) to exit 0 within
/// [`EXIT_BOUND`] of `started`; kills it and fails otherwise.
fn finish(mut child: Child, head: String, started: Instant) -> Run {
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > EXIT_BOUND {
            let _ = child.kill();
            let _ = child.wait();
            panic!("stats_stackdriver still running after {EXIT_BOUND:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let elapsed = started.elapsed();
    let run = Run {
        stdout: head + &out.join().unwrap(),
        stderr: err.join().unwrap(),
        elapsed,
    };
    assert!(
        status.success(),
        "exit {status:?}\nstdout:\n{}\nstderr:\n{}",
        run.stdout,
        run.stderr
    );
    run
}

/// What every run that wrote to the fake must show: every request accepted, descriptors
/// created before the first write of their type, the count and distributions shaped as the
/// views say, and the final count equal to the videos recorded.
fn check_export(google: &Google, run: &Run) {
    let log = google.log();
    let requests = google.api.requests();
    assert!(!requests.is_empty(), "no request reached the fake");
    for r in &requests {
        assert_eq!(r.status, 200, "a request was refused:\n{log}");
        assert!(
            r.authorization
                .as_deref()
                .is_some_and(|a| a.starts_with("Bearer ")),
            "{} {} without a bearer token",
            r.method,
            r.path
        );
    }
    assert!(
        !google.auth.issued().is_empty(),
        "the token came from the key file's token_uri"
    );
    assert!(
        run.stdout.contains(" 0 failed, 0 not sent"),
        "exporter stats:\n{}",
        run.stdout
    );

    // Each view's descriptor is created before the first timeSeries request carrying it.
    for view in VIEW_NAMES {
        let quoted = format!("\"type\":\"{PREFIX}{view}\"");
        let first = |suffix: &str| {
            requests.iter().position(|r| {
                r.path.ends_with(suffix) && String::from_utf8_lossy(&r.body).contains(&quoted)
            })
        };
        let created = first("/metricDescriptors")
            .unwrap_or_else(|| panic!("no descriptor for {view}:\n{log}"));
        let written = first("/timeSeries").unwrap_or_else(|| panic!("no series of {view}:\n{log}"));
        assert!(
            created < written,
            "{view}: descriptor request #{created}, first write #{written}"
        );
    }

    let descriptors = google.descriptors();
    let descriptor = |view: &str| {
        let ty = format!("{PREFIX}{view}");
        descriptors
            .iter()
            .find(|d| d.metric_type == ty)
            .unwrap_or_else(|| panic!("no descriptor {ty}: {descriptors:#?}"))
    };
    let count = descriptor(VIDEO_COUNT);
    assert_eq!(
        (count.kind.as_str(), count.value_type.as_str()),
        ("CUMULATIVE", "INT64")
    );
    assert!(count.labels.iter().any(|l| l == FRONTEND), "{count:?}");
    assert!(count.labels.iter().any(|l| l == CODEC), "{count:?}");
    for (view, unit) in [(VIDEO_SIZE, "By"), (VIDEO_LATENCY, "ms")] {
        let d = descriptor(view);
        assert_eq!(
            (d.kind.as_str(), d.value_type.as_str()),
            ("CUMULATIVE", "DISTRIBUTION")
        );
        assert_eq!(d.unit, unit, "{view}");
    }

    let series = google.series();
    let of = |view: &str| -> Vec<&Series> {
        let ty = format!("{PREFIX}{view}");
        series.iter().filter(|s| s.metric_type == ty).collect()
    };
    let recorded = run.recorded();
    assert!(recorded > 0);

    // The count view: a CUMULATIVE INT64 series per (frontend, codec), whose last values add
    // up to every video recorded, the ones after the last periodic write included.
    let counts = of(VIDEO_COUNT);
    assert!(!counts.is_empty());
    for s in &counts {
        assert_eq!(
            (s.kind.as_str(), s.value_type.as_str()),
            ("CUMULATIVE", "INT64")
        );
        assert!(
            s.labels.contains_key(FRONTEND) && s.labels.contains_key(CODEC),
            "{s:?}"
        );
    }
    let counted: i64 = counts.iter().map(|s| s.int64.unwrap()).sum();
    assert_eq!(
        counted, recorded,
        "final count written vs videos recorded:\n{log}"
    );

    // The distributions: the configured bounds, count = the sum of the buckets, mean and
    // sum of squared deviations present, the view's column as a label and only that one.
    for (view, column, other, bounds) in [
        (VIDEO_SIZE, FRONTEND, CODEC, &SIZE_BOUNDS[..]),
        (VIDEO_LATENCY, CODEC, FRONTEND, &LATENCY_BOUNDS[..]),
    ] {
        let dists = of(view);
        assert!(!dists.is_empty(), "no {view} series");
        let mut total = 0;
        for s in dists {
            assert_eq!(
                (s.kind.as_str(), s.value_type.as_str()),
                ("CUMULATIVE", "DISTRIBUTION")
            );
            assert!(s.labels.contains_key(column), "{s:?}");
            assert!(!s.labels.contains_key(other), "{s:?}");
            let d = s.distribution.as_ref().expect("a distributionValue");
            assert_eq!(d.bounds, bounds, "{view}");
            assert!(d.bucket_counts.len() <= bounds.len() + 1, "{d:?}");
            assert_eq!(d.bucket_counts.iter().sum::<i64>(), d.count, "{d:?}");
            assert!(d.count > 0);
            assert!(d.mean.is_some_and(|m| m > 0.0), "{d:?}");
            assert!(
                d.sum_of_squared_deviation.is_some_and(|m| m >= 0.0),
                "{d:?}"
            );
            total += d.count;
        }
        assert_eq!(
            total, recorded,
            "{view}: every video in the final distribution"
        );
    }
}

/// `--duration 3 --interval 1`: periodic writes while recording (the API's 5-second rule
/// holds most of them back), then the shutdown writes the final values, waiting out the rule.
#[test]
fn a_timed_run_writes_every_video_to_the_fake_cloud_monitoring() {
    let Some(google) = Google::start() else {
        return;
    };
    let Some(binary) = example_binary("stats_stackdriver") else {
        return;
    };
    let started = Instant::now();
    let child = google
        .command(&binary, &["--interval", "1", "--duration", "3"])
        .spawn()
        .expect("start stats_stackdriver");
    let run = finish(child, String::new(), started);
    check_export(&google, &run);
    // 3 s of recording, then at most the 5 s of the rule and the requests.
    assert!(
        run.elapsed < Duration::from_secs(20),
        "took {:?}",
        run.elapsed
    );
    // The periodic writes alone would have lost videos, as OpenCensus' exporter did: the
    // first value written of each count series adds up to fewer than were recorded, so the
    // final count above came from later writes, the shutdown's included.
    let mut first: BTreeMap<String, i64> = BTreeMap::new();
    for ts in google.api.written() {
        let s = series!(ts);
        if s.metric_type == format!("{PREFIX}{VIDEO_COUNT}") {
            first
                .entry(format!("{:?}", s.labels))
                .or_insert(s.int64.unwrap());
        }
    }
    let early: i64 = first.values().sum();
    assert!(
        early < run.recorded(),
        "{early} of {} videos in the first writes",
        run.recorded()
    );
}

/// SIGTERM while recording, with no periodic write due (`--interval 3600`): the only write is
/// the one shutdown makes, and it carries every video recorded until the signal.
#[test]
fn sigterm_mid_run_still_delivers_the_last_values() {
    let Some(google) = Google::start() else {
        return;
    };
    let Some(binary) = example_binary("stats_stackdriver") else {
        return;
    };
    let started = Instant::now();
    let mut child = google
        .command(&binary, &["--interval", "3600"])
        .spawn()
        .expect("start stats_stackdriver");
    // Wait until it records: signal handler installed, views and exporter in place.
    let mut head = String::new();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    while !head.contains("recording a video") {
        let mut line = String::new();
        assert!(
            stdout.read_line(&mut line).unwrap() > 0,
            "stdout closed:\n{head}"
        );
        head.push_str(&line);
    }
    std::thread::sleep(Duration::from_millis(1500));
    assert!(
        google.api.requests().is_empty(),
        "nothing is due before the signal"
    );
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    child.stdout = Some(stdout.into_inner());
    let run = finish(child, head, started);
    check_export(&google, &run);
    assert!(
        run.recorded() >= 10,
        "about 15 videos in 1.5 s: {}",
        run.stdout
    );
}

/// Without `--project` nothing leaves the process: the views are printed (Prometheus text).
#[test]
fn without_a_project_the_views_are_printed() {
    let Some(binary) = example_binary("stats_stackdriver") else {
        return;
    };
    let started = Instant::now();
    let child = Command::new(binary)
        .args(["--duration", "0.5", "--seed", "7"])
        .env_remove("GOOGLE_APPLICATION_CREDENTIALS")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start stats_stackdriver");
    let run = finish(child, String::new(), started);
    let recorded = run.recorded();
    let counted: f64 = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("video_count_total{"))
        .map(|l| l.rsplit(' ').next().unwrap().parse::<f64>().unwrap())
        .sum();
    assert_eq!(counted, recorded as f64, "{}", run.stdout);
    for view in VIEW_NAMES {
        assert!(
            run.stdout.contains(&format!("# TYPE {view}")),
            "{view} missing:\n{}",
            run.stdout
        );
    }
    assert!(run.stdout.contains(r#"video_size_bucket{frontend="#));
}
