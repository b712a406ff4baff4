//! The process metrics and the build-info metric of this very process, rendered as text
//! 0.0.4: the standard names, and `promtool check metrics` finds nothing to lint.

#![cfg(feature = "prometheus")]

use telemetry_core::{KeyValue, MeterProvider};
use telemetry_exporters::prometheus::process::{
    register_build_info, register_process_metrics, PROCESS_METRIC_NAMES, SUPPORTED,
};
use telemetry_exporters::prometheus::PrometheusExporter;
use telemetry_testkit::{promtool_check, require_tool};

#[test]
fn process_and_build_info_families_are_standard_and_promtool_clean() {
    let exporter = PrometheusExporter::builder()
        .with_target_info(false)
        .build();
    let provider = MeterProvider::builder()
        .with_reader(exporter.clone())
        .build();
    let meter = provider.meter("process");
    register_process_metrics(&meter).unwrap();
    register_build_info(
        &meter,
        "myapp",
        &[
            KeyValue::new("version", env!("CARGO_PKG_VERSION")),
            KeyValue::new("revision", "abc123"),
        ],
    )
    .unwrap();
    let text = exporter.render().unwrap();

    let families: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .collect();
    let mut expected = vec!["myapp_build_info gauge"];
    if SUPPORTED {
        expected.extend([
            "process_cpu_seconds_total counter",
            "process_max_fds gauge",
            "process_open_fds gauge",
            "process_resident_memory_bytes gauge",
            "process_start_time_seconds gauge",
            "process_virtual_memory_bytes gauge",
        ]);
        for name in PROCESS_METRIC_NAMES {
            assert!(
                text.lines().any(|l| l.starts_with(&format!("{name} "))),
                "no sample of {name}:\n{text}"
            );
        }
    }
    assert_eq!(families, expected, "{text}");
    let version = env!("CARGO_PKG_VERSION");
    assert!(
        text.contains(&format!(
            "\nmyapp_build_info{{revision=\"abc123\",version=\"{version}\"}} 1\n"
        )),
        "{text}"
    );

    if let Some(promtool) = require_tool("promtool") {
        let out = promtool_check(&promtool, &text);
        assert_eq!(out.code, Some(0), "{}\n{text}", out.stderr);
    }
}
