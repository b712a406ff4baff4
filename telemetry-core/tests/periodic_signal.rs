//! `MeterProvider::shutdown_on_signal` installs one handler per process.
#![cfg(feature = "signal")]

use telemetry_core::{ManualReader, MeterProvider};

#[test]
fn one_handler_per_process() {
    let provider = MeterProvider::builder()
        .with_reader(ManualReader::new())
        .build();
    provider.shutdown_on_signal().unwrap();
    assert!(provider.shutdown_on_signal().is_err());
    // The handler holds no strong reference: dropping still shuts down normally.
    drop(provider);
}
