//! End to end: the EV example's collectors behind the scrape endpoint, checked over HTTP and
//! by the real `promtool check metrics`.

mod support;

use std::collections::BTreeSet;

use support::{http_get, promtool_check, require_tool};
use telemetry_core::{KeyValue, MeterProvider, Resource};
use telemetry_examples::ev::{Instrumentor, SimulatedVehicle, METRIC_NAMES};
use telemetry_exporters::prometheus::PrometheusExporter;

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

#[test]
fn the_33_metrics_are_served_with_vehicle_id_and_pass_promtool() {
    let exporter = PrometheusExporter::new();
    let provider = MeterProvider::builder()
        .with_resource(Resource::new([KeyValue::new("service.name", "ev-observer-test")]))
        .with_reader(exporter.clone())
        .build();
    let mut instrumentor = Instrumentor::new(&provider.meter("ev_observer"), "Ju", SimulatedVehicle::new(1, 60)).unwrap();
    let server = exporter.serve("127.0.0.1:0").unwrap();

    let first = http_get(server.local_addr(), "/metrics");
    assert_eq!(first.status, 200);
    assert!(
        first.header("content-type").unwrap_or("").starts_with("text/plain; version=0.0.4"),
        "{:?}",
        first.headers
    );

    let served: BTreeSet<&str> = samples(&first.body)
        .iter()
        .filter(|(name, ..)| name.starts_with("chargestate_") || name.starts_with("drivestate_"))
        .map(|(name, labels, _)| {
            assert!(labels.contains("vehicle_id=\"Ju\""), "{name} lacks vehicle_id: {labels}");
            // the counter field is exposed with the `_total` suffix
            name.strip_suffix("_total").unwrap_or(name)
        })
        .collect();
    let expected: BTreeSet<&str> = METRIC_NAMES.into_iter().collect();
    assert_eq!(served, expected, "body:\n{}", first.body);
    assert!(!first.body.contains("charging_state"), "a non-metric field leaked");

    // Values change between scrapes once the vehicle is refreshed.
    for _ in 0..3 {
        instrumentor.refresh().unwrap();
    }
    let second = http_get(server.local_addr(), "/metrics");
    let value = |body: &str, metric: &str| {
        samples(body)
            .into_iter()
            .find(|(n, ..)| *n == metric)
            .map(|(.., v)| v.to_owned())
            .unwrap()
    };
    assert_ne!(value(&first.body, "chargestate_timestamp"), value(&second.body, "chargestate_timestamp"));
    assert_ne!(
        value(&first.body, "chargestate_charge_energy_added"),
        value(&second.body, "chargestate_charge_energy_added")
    );

    if let Some(promtool) = require_tool("promtool") {
        let (code, output) = promtool_check(&promtool, &second.body);
        assert_eq!((code, output.as_str()), (0, ""), "promtool check metrics rejected:\n{}", second.body);
    }
    server.shutdown();
    provider.shutdown().unwrap();
}
