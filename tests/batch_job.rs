//! Seed 001, pull mode: batch jobs timed with `#[instrument_fn]` are scraped from the
//! Prometheus endpoint with the seed's buckets, their failures counted, and the jobs in
//! progress visible while they run.

use std::time::Duration;

use telemetry_core::{timing, KeyValue, MeterProvider, Resource};
use telemetry_examples::batch::{self, Job};
use telemetry_exporters::prometheus::PrometheusExporter;
use telemetry_testkit::http_request;

/// The value of the one sample `series` in a text exposition.
fn sample(body: &str, series: &str) -> f64 {
    body.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .unwrap_or_else(|| panic!("no sample {series} in:\n{body}"))
        .parse()
        .unwrap()
}

#[test]
fn pull_mode_serves_the_job_histogram_with_the_seed_buckets() {
    let exporter = PrometheusExporter::new();
    let provider = MeterProvider::builder()
        .with_resource(Resource::new([KeyValue::new("service.name", "batch-job")]))
        .with_reader(exporter.clone())
        .build();
    let meter = provider.meter("batch_job");
    batch::register(&meter).unwrap();
    timing::set_global_meter(meter).unwrap();
    let server = exporter.serve("127.0.0.1:0").unwrap();
    let scrape = || {
        let r = http_request(server.local_addr(), "GET", "/metrics", &[], b"");
        assert_eq!(r.status, 200);
        String::from_utf8(r.bytes).unwrap()
    };

    // Three long jobs (50 simulated seconds, 0.5 s at speed 100) are in progress together.
    let long: Vec<Job> = (1..=3)
        .map(|id| Job {
            id,
            seconds: 50.0,
            fails: id == 3,
        })
        .collect();
    let running = std::thread::spawn(move || batch::run_all(&long, 100.0));
    std::thread::sleep(Duration::from_millis(150));
    let during = scrape();
    assert_eq!(
        sample(&during, r#"jobs_in_progress{job_name="test_job"}"#),
        3.0
    );
    let outcomes = running.join().unwrap();
    assert_eq!(outcomes.iter().filter(|o| o.is_err()).count(), 1);

    // Then the seed's ten jobs, quickly, and one of 1.5 s of real time (bucket 2).
    let jobs = batch::jobs(3, 10);
    let failed = jobs.iter().filter(|j| j.fails).count();
    let _ = batch::run_all(&jobs, 10_000.0);
    let _ = batch::run_job(
        Job {
            id: 11,
            seconds: 1.5,
            fails: false,
        },
        1.0,
    );

    let body = scrape();
    let series =
        |le: &str| format!(r#"job_duration_seconds_bucket{{job_name="test_job",le="{le}"}}"#);
    // 3 jobs of 0.5 s and 10 of at most 6 ms under 1 s; the 1.5 s one under 2 s.
    let expected = [
        ("1.0", 13.0),
        ("2.0", 14.0),
        ("3.0", 14.0),
        ("10.0", 14.0),
        ("20.0", 14.0),
        ("50.0", 14.0),
        ("100.0", 14.0),
        ("+Inf", 14.0),
    ];
    for (le, count) in expected {
        assert_eq!(sample(&body, &series(le)), count, "le={le}\n{body}");
    }
    assert_eq!(
        sample(&body, r#"job_duration_seconds_count{job_name="test_job"}"#),
        14.0
    );
    let sum = sample(&body, r#"job_duration_seconds_sum{job_name="test_job"}"#);
    assert!(
        (3.0..4.0).contains(&sum),
        "3 × 0.5 s + 1.5 s + a few ms: {sum}"
    );
    assert_eq!(
        sample(&body, r#"job_failures_total{job_name="test_job"}"#),
        (1 + failed) as f64
    );
    assert_eq!(
        sample(&body, r#"jobs_in_progress{job_name="test_job"}"#),
        0.0
    );
    server.shutdown();
    provider.shutdown().unwrap();
}

/// Push mode, as a user runs it: `batch_job --gateway URL` against a real Pushgateway. The
/// jobs end long before the first periodic push is due (`--interval 3600`), so what the
/// gateway holds afterwards was delivered by the final push at shutdown.
#[test]
fn push_mode_delivers_the_final_values_to_a_real_pushgateway() {
    let Some(gateway) = telemetry_testkit::Pushgateway::start() else {
        return;
    };
    let Some(binary) = telemetry_testkit::example_binary("batch_job") else {
        return;
    };
    let out = std::process::Command::new(binary)
        .args(["--gateway", &gateway.url(), "--interval", "3600"])
        .args(["--speed", "1000", "--jobs", "10"])
        .output()
        .expect("run batch_job");
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let body = gateway.scrape();
    let series =
        |name: &str| format!("{name}{{instance=\"\",job=\"batch_job\",job_name=\"test_job\"}}");
    assert_eq!(
        sample(&body, &series("job_duration_seconds_count")),
        10.0,
        "{body}"
    );
    assert_eq!(
        sample(
            &body,
            // The gateway re-renders bounds the Go way (`100`, not our `100.0`).
            "job_duration_seconds_bucket{instance=\"\",job=\"batch_job\",job_name=\"test_job\",le=\"100\"}"
        ),
        10.0
    );
    assert_eq!(sample(&body, &series("jobs_in_progress")), 0.0);
    let group = gateway
        .group(&[("job", "batch_job")])
        .expect("the batch_job group");
    assert_eq!(group["last_push_successful"], true, "{group}");
}
