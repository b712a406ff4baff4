//! A library instrumented only with the `opentelemetry` API is exported over OTLP once our
//! provider is the global one: the receiver (the official generated classes) decodes the
//! library's scope, names (after our view), values and attributes. This binary owns the
//! process-wide global provider: it has one test.

#![cfg(feature = "otlp")]

use std::time::Duration;

use telemetry_core::bridge::opentelemetry::{global, InstrumentationScope, KeyValue};
use telemetry_core::bridge::OtelMeterProvider;
use telemetry_core::{MeterProvider, PeriodicReader, View};
use telemetry_exporters::otlp::OtlpExporter;
use telemetry_testkit::OtlpReceiver;

/// What a third-party library does: it knows only the `opentelemetry` API.
fn library_work() {
    let meter = global::meter_with_scope(
        InstrumentationScope::builder("queue-lib")
            .with_version("0.4.0")
            .build(),
    );
    let jobs = meter.u64_counter("queue.jobs").build();
    jobs.add(2, &[KeyValue::new("queue", "mail")]);
    jobs.add(1, &[KeyValue::new("queue", "sms")]);
    meter
        .f64_gauge("queue.oldest")
        .with_unit("s")
        .build()
        .record(12.5, &[]);
}

#[test]
fn a_library_on_the_opentelemetry_api_is_exported_over_otlp() {
    let Some(receiver) = OtlpReceiver::start() else {
        return;
    };
    // No service name in code: the standard variable names the service. (This binary has
    // one test, so setting the process environment cannot race another test.)
    std::env::set_var("OTEL_SERVICE_NAME", "queue-service");
    let exporter = OtlpExporter::builder()
        .with_endpoint(receiver.endpoint())
        .build()
        .unwrap();
    let provider = MeterProvider::builder()
        .with_view(View::new("queue.jobs").rename("queue.jobs.done"))
        .with_reader(
            PeriodicReader::builder(exporter)
                .with_interval(Duration::from_secs(3600))
                .build(),
        )
        .build();
    global::set_meter_provider(OtelMeterProvider::new(provider.clone()));

    library_work();
    provider.shutdown().unwrap(); // the only export

    let points = receiver.wait_points(3);
    assert_eq!(points.len(), 3, "{:?}", points);
    for p in &points {
        assert_eq!(p.raw["scope"]["name"], "queue-lib");
        assert_eq!(p.raw["scope"]["version"], "0.4.0");
        assert_eq!(p.resource("service.name").as_deref(), Some("queue-service"));
    }
    let jobs = |queue: &str| {
        points
            .iter()
            .find(|p| {
                p.name() == "queue.jobs.done" && p.attribute("queue").as_deref() == Some(queue)
            })
            .and_then(|p| p.number("as_int"))
    };
    assert_eq!((jobs("mail"), jobs("sms")), (Some(2.0), Some(1.0)));
    let oldest = points.iter().find(|p| p.name() == "queue.oldest").unwrap();
    assert_eq!(
        (oldest.raw["kind"].as_str(), oldest.raw["unit"].as_str()),
        (Some("gauge"), Some("s"))
    );
    assert_eq!(oldest.number("as_double"), Some(12.5));
}
