//! The EV example over OTLP, as a user runs it: `ev_observer --otlp URL` in a child process,
//! stopped by SIGTERM long before its first periodic export is due. The only export is the
//! one shutdown makes, so every run must deliver all 33 series, each with `vehicle_id`, to
//! a receiver that decodes with the OpenTelemetry project's own generated classes.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use telemetry_examples::ev::METRIC_NAMES;
use telemetry_testkit::{example_binary, OtlpReceiver};

const RUNS: usize = 50;

#[test]
fn sigterm_to_the_ev_example_loses_nothing() {
    let Some(receiver) = OtlpReceiver::start() else {
        return;
    };
    let Some(binary) = example_binary("ev_observer") else {
        return;
    };
    for run in 0..RUNS {
        let vehicle = format!("run{run}");
        let otlp = ["--otlp", &receiver.endpoint()];
        run_until_sigterm(&binary, &vehicle, &otlp, &[]);
    }

    let points = receiver.wait_points(RUNS * METRIC_NAMES.len());
    let expected: BTreeSet<&str> = METRIC_NAMES.into_iter().collect();
    let mut lost = 0;
    for run in 0..RUNS {
        let id = format!("run{run}");
        let names: BTreeSet<&str> = points
            .iter()
            .filter(|p| p.attribute("vehicle_id").as_deref() == Some(id.as_str()))
            .map(|p| p.name())
            .collect();
        if names != expected {
            lost += 1;
            eprintln!("run {run}: got {} of 33 series", names.len());
        }
    }
    let services: BTreeSet<Option<String>> =
        points.iter().map(|p| p.resource("service.name")).collect();
    eprintln!(
        "{RUNS} SIGTERM runs: {} points received, {lost} runs incomplete",
        points.len()
    );
    assert_eq!(lost, 0, "receiver log:\n{}", receiver.log());
    assert_eq!(services, BTreeSet::from([Some("ev-observer".to_owned())]));
    assert_eq!(points.len(), RUNS * METRIC_NAMES.len(), "no duplicates");
}

/// Runs `ev_observer` with `args` and `env` until it serves, then sends it SIGTERM and
/// expects a clean exit (which includes the final export).
fn run_until_sigterm(binary: &Path, vehicle: &str, args: &[&str], env: &[(&str, &str)]) {
    let mut child = Command::new(binary)
        .args(["--listen", "127.0.0.1:0", "--interval", "3600"])
        .args(["--vehicle-id", vehicle])
        .args(args)
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start ev_observer");
    // Wait until it serves: instruments registered, readers running, signal handled.
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let serving = lines
        .by_ref()
        .map_while(Result::ok)
        .any(|l| l.starts_with("serving"));
    assert!(serving, "{vehicle}: ev_observer never started serving");
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let _rest: Vec<String> = lines.map_while(Result::ok).collect();
    let status = child.wait().unwrap();
    assert!(status.success(), "{vehicle}: exit {status:?}");
}

/// The standard variables alone configure the export: no `--otlp` flag. The
/// signal-specific endpoint wins over the generic one (which points nowhere), headers are
/// percent-decoded, protocol, compression and temporality are honoured, and the resource
/// attributes of the environment are added under those the code sets.
#[test]
fn the_otel_variables_configure_the_examples_export() {
    let Some(receiver) = OtlpReceiver::start() else {
        return;
    };
    let Some(binary) = example_binary("ev_observer") else {
        return;
    };
    let metrics_url = format!("{}/v1/metrics", receiver.endpoint());
    let nowhere = format!("http://127.0.0.1:{}", telemetry_testkit::free_port());
    run_until_sigterm(
        &binary,
        "env",
        &[],
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", nowhere.as_str()),
            ("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", metrics_url.as_str()),
            (
                "OTEL_EXPORTER_OTLP_HEADERS",
                "x-tenant=ev,x-api-key=s%3Dcret",
            ),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"),
            ("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"),
            ("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", "delta"),
            (
                "OTEL_RESOURCE_ATTRIBUTES",
                "deployment.environment=prod%20eu,service.name=env",
            ),
            ("OTEL_SERVICE_NAME", "from-env"),
        ],
    );
    let points = receiver.wait_points(METRIC_NAMES.len());
    assert_eq!(points.len(), METRIC_NAMES.len(), "{}", receiver.log());
    for p in &points {
        assert_eq!(p.raw["transport"], "http/json+gzip", "{:?}", p.raw);
        assert_eq!(p.raw["headers"]["x-tenant"], "ev");
        assert_eq!(p.raw["headers"]["x-api-key"], "s=cret");
        assert_eq!(p.attribute("vehicle_id").as_deref(), Some("env"));
        // The environment fills the resource in; what the code sets (service.name) wins.
        assert_eq!(
            p.resource("deployment.environment").as_deref(),
            Some("prod eu")
        );
        assert_eq!(p.resource("service.name").as_deref(), Some("ev-observer"));
    }
    let counter = points
        .iter()
        .find(|p| p.name() == "chargestate_max_range_charge_counter")
        .expect("the counter field");
    assert_eq!(
        counter.raw["aggregation_temporality"], "AGGREGATION_TEMPORALITY_DELTA",
        "{:?}",
        counter.raw
    );
    assert_eq!(counter.raw["is_monotonic"], true);
}
