//! `OTEL_METRIC_EXPORT_INTERVAL` / `OTEL_METRIC_EXPORT_TIMEOUT`: code > environment >
//! default. One test per binary, since it changes the process environment.

use std::time::Duration;

use telemetry_core::export::PushExporter;
use telemetry_core::reader::{PeriodicReader, DEFAULT_EXPORT_INTERVAL, DEFAULT_EXPORT_TIMEOUT};
use telemetry_core::{Error, ResourceMetrics};

#[derive(Debug, Default)]
struct Nothing;

impl PushExporter for Nothing {
    fn export(&self, _: &ResourceMetrics, _: Duration) -> Result<(), Error> {
        Ok(())
    }
}

#[test]
fn environment_sits_between_code_and_defaults() {
    let reader = PeriodicReader::builder(Nothing).build();
    assert_eq!(reader.interval(), DEFAULT_EXPORT_INTERVAL);
    assert_eq!(reader.timeout(), DEFAULT_EXPORT_TIMEOUT);

    std::env::set_var("OTEL_METRIC_EXPORT_INTERVAL", "1500");
    std::env::set_var("OTEL_METRIC_EXPORT_TIMEOUT", "250");
    let reader = PeriodicReader::builder(Nothing).build();
    assert_eq!(reader.interval(), Duration::from_millis(1500));
    assert_eq!(reader.timeout(), Duration::from_millis(250));

    let reader = PeriodicReader::builder(Nothing)
        .with_interval(Duration::from_secs(9))
        .with_timeout(Duration::from_secs(3))
        .build();
    assert_eq!(reader.interval(), Duration::from_secs(9));
    assert_eq!(reader.timeout(), Duration::from_secs(3));

    std::env::set_var("OTEL_METRIC_EXPORT_INTERVAL", "soon");
    let reader = PeriodicReader::builder(Nothing).build();
    assert_eq!(reader.interval(), DEFAULT_EXPORT_INTERVAL);
}
