//! End to end: the EV example's collectors behind the scrape endpoint, checked over HTTP and
//! by the real `promtool check metrics`.

use std::collections::BTreeSet;

use telemetry_core::{KeyValue, MeterProvider, Resource};
use telemetry_examples::ev::{Instrumentor, SimulatedVehicle, METRIC_NAMES};
use telemetry_exporters::prometheus::PrometheusExporter;
use telemetry_testkit::{http, promtool_check, require_tool};

/// The sample lines (`name{labels} value`) of an exposition.
fn samples(body: &str) -> Vec<(&str, &str, &str)> {
    body.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let (series, value) = l.rsplit_once(' ').expect("sample line");
            let (name, labels) = series.split_once('{').unwrap_or((series, ""));
            (name, labels, value)
        })
        .collect()
}

/// promtool's findings on mandated names; see the promtool step of the test.
const MANDATED_NAME_LINTS: [&str; 4] = [
    "chargestate_charge_miles_added_ideal use base unit \"meters\" instead of \"miles\"",
    "chargestate_charge_miles_added_rated use base unit \"meters\" instead of \"miles\"",
    "chargestate_max_range_charge_counter_total metric name should not include type 'counter'",
    "chargestate_minutes_to_full_charge use base unit \"seconds\" instead of \"minutes\"",
];
const LINTED_FAMILIES: [&str; 4] = [
    "chargestate_charge_miles_added_ideal",
    "chargestate_charge_miles_added_rated",
    "chargestate_minutes_to_full_charge",
    "chargestate_max_range_charge_counter",
];

/// The exposition without the given families (their HELP, TYPE and sample lines).
fn without_families(body: &str, families: &[&str]) -> String {
    body.lines()
        .filter(|line| {
            let name = line
                .strip_prefix("# HELP ")
                .or_else(|| line.strip_prefix("# TYPE "))
                .unwrap_or(line);
            let name = name.split([' ', '{']).next().unwrap_or("");
            let name = name.strip_suffix("_total").unwrap_or(name);
            !families.contains(&name)
        })
        .map(|line| format!("{line}\n"))
        .collect()
}

#[test]
fn the_33_metrics_are_served_with_vehicle_id_and_pass_promtool() {
    let exporter = PrometheusExporter::new();
    let provider = MeterProvider::builder()
        .with_resource(Resource::new([KeyValue::new(
            "service.name",
            "ev-observer-test",
        )]))
        .with_reader(exporter.clone())
        .build();
    let mut instrumentor = Instrumentor::new(
        &provider.meter("ev_observer"),
        "Ju",
        SimulatedVehicle::new(1, 60),
    )
    .unwrap();
    let server = exporter.serve("127.0.0.1:0").unwrap();

    let first = http(server.local_addr(), "GET", "/metrics");
    assert_eq!(first.status, 200);
    assert!(
        first
            .header("content-type")
            .unwrap_or("")
            .starts_with("text/plain; version=0.0.4"),
        "{:?}",
        first.headers
    );

    let served: BTreeSet<&str> = samples(first.text())
        .iter()
        .filter(|(name, ..)| name.starts_with("chargestate_") || name.starts_with("drivestate_"))
        .map(|(name, labels, _)| {
            assert!(
                labels.contains("vehicle_id=\"Ju\""),
                "{name} lacks vehicle_id: {labels}"
            );
            // the counter field is exposed with the `_total` suffix
            name.strip_suffix("_total").unwrap_or(name)
        })
        .collect();
    let expected: BTreeSet<&str> = METRIC_NAMES.into_iter().collect();
    assert_eq!(served, expected, "body:\n{}", first.text());
    assert!(
        !first.text().contains("charging_state"),
        "a non-metric field leaked"
    );

    // Values change between scrapes once the vehicle is refreshed.
    for _ in 0..3 {
        instrumentor.refresh().unwrap();
    }
    let second = http(server.local_addr(), "GET", "/metrics");
    let value = |body: &str, metric: &str| {
        samples(body)
            .into_iter()
            .find(|(n, ..)| *n == metric)
            .map(|(.., v)| v.to_owned())
            .unwrap()
    };
    assert_ne!(
        value(first.text(), "chargestate_timestamp"),
        value(second.text(), "chargestate_timestamp")
    );
    assert_ne!(
        value(first.text(), "chargestate_charge_energy_added"),
        value(second.text(), "chargestate_charge_energy_added")
    );

    if let Some(promtool) = require_tool("promtool") {
        // promtool's linter is name-based: it flags any `_`-separated token that is a
        // non-base unit (`miles`, `minutes`) or a type word (`counter`), whatever the TYPE.
        // Four of the 33 names the scenario mandates (seed 000, the Tesla API's field
        // names) contain such tokens, so exactly these four lint lines are expected, and
        // promtool's exit code must be 3 ("lint problems"), not 1 (parse error).
        let out = promtool_check(&promtool, second.text());
        let lints: BTreeSet<&str> = out.stderr.lines().filter(|l| !l.is_empty()).collect();
        assert_eq!(
            (out.code, lints),
            (Some(3), MANDATED_NAME_LINTS.into_iter().collect()),
            "promtool check metrics: {out:?}\nbody:\n{}",
            second.text()
        );
        // Everything else must be clean: without those four families, no finding at all.
        let rest = without_families(second.text(), &LINTED_FAMILIES);
        let out = promtool_check(&promtool, &rest);
        assert!(
            out.code == Some(0) && out.stderr.is_empty(),
            "promtool check metrics rejected: {out:?}\n{rest}"
        );
    }
    server.shutdown();
    provider.shutdown().unwrap();
}
