//! The EV example over OTLP, as a user runs it: `ev_observer --otlp URL` in a child process,
//! stopped by SIGTERM long before its first periodic export is due. The only export is the
//! one shutdown makes, so every run must deliver all 33 series, each with `vehicle_id`, to
//! a receiver that decodes with the OpenTelemetry project's own generated classes.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
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
        let mut child = Command::new(&binary)
            .args(["--listen", "127.0.0.1:0", "--interval", "3600"])
            .args(["--vehicle-id", &format!("run{run}")])
            .args(["--otlp", &receiver.endpoint()])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start ev_observer");
        // Wait until it serves: instruments registered, readers running.
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let serving = lines
            .by_ref()
            .map_while(Result::ok)
            .any(|l| l.starts_with("serving"));
        assert!(serving, "run {run}: ev_observer never started serving");
        let killed = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        let _rest: Vec<String> = lines.map_while(Result::ok).collect();
        let status = child.wait().unwrap();
        assert!(status.success(), "run {run}: exit {status:?}");
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
