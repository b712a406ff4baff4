//! A library instrumented only with the `opentelemetry` API shows up in our Prometheus
//! exposition once our provider is installed as the global one (the bridge of
//! `telemetry_core::bridge`), with our views applied. This binary owns the process-wide
//! global provider: it has one test.

#![cfg(feature = "prometheus")]

use telemetry_core::bridge::OtelMeterProvider;
use telemetry_core::{MeterProvider, View};
use telemetry_exporters::prometheus::PrometheusExporter;
use telemetry_testkit::{assert_promtool_clean, parse_openmetrics};

/// A "third-party library": it knows only the `opentelemetry` API.
mod queue_lib {
    use telemetry_core::bridge::opentelemetry::{global, InstrumentationScope, KeyValue};

    pub(crate) fn install_metrics() {
        let meter = global::meter_with_scope(
            InstrumentationScope::builder("queue-lib")
                .with_version("0.4.0")
                .build(),
        );
        meter
            .i64_observable_up_down_counter("queue.depth")
            .with_description("Jobs waiting")
            .with_callback(|o| o.observe(4, &[KeyValue::new("queue", "mail")]))
            .build();
    }

    pub(crate) fn process(queue: &'static str, seconds: f64) {
        let meter = global::meter("queue-lib");
        let attributes = [KeyValue::new("queue", queue), KeyValue::new("retry", false)];
        meter
            .u64_counter("queue.jobs")
            .with_description("Jobs processed")
            .build()
            .add(1, &attributes);
        meter
            .f64_histogram("queue.job.duration")
            .with_description("Time to process a job")
            .with_unit("s")
            .with_boundaries(vec![0.5, 5.0])
            .build()
            .record(seconds, &attributes);
    }
}

#[test]
fn a_library_on_the_opentelemetry_api_is_scraped_through_the_bridge() {
    let exporter = PrometheusExporter::new();
    let provider = MeterProvider::builder()
        .with_view(View::new("queue.jobs").rename("queue.jobs.done"))
        .with_reader(exporter.clone())
        .build();
    opentelemetry_global_install(&provider);

    queue_lib::install_metrics();
    queue_lib::process("mail", 0.2);
    queue_lib::process("mail", 1.0);
    queue_lib::process("sms", 9.0);

    let text = exporter.render().unwrap();
    for line in [
        "# HELP queue_jobs_done_total Jobs processed",
        "# TYPE queue_jobs_done_total counter",
        r#"queue_jobs_done_total{queue="mail",retry="false"} 2"#,
        r#"queue_jobs_done_total{queue="sms",retry="false"} 1"#,
        "# HELP queue_job_duration Time to process a job",
        "# TYPE queue_job_duration histogram",
        r#"queue_job_duration_bucket{queue="mail",retry="false",le="0.5"} 1"#,
        r#"queue_job_duration_bucket{queue="mail",retry="false",le="5.0"} 2"#,
        r#"queue_job_duration_bucket{queue="mail",retry="false",le="+Inf"} 2"#,
        r#"queue_job_duration_sum{queue="mail",retry="false"} 1.2"#,
        r#"queue_job_duration_count{queue="sms",retry="false"} 1"#,
        "# HELP queue_depth Jobs waiting",
        // A non-monotonic sum is a Prometheus gauge.
        "# TYPE queue_depth gauge",
        r#"queue_depth{queue="mail"} 4"#,
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "missing {line:?} in:\n{text}"
        );
    }
    assert!(
        !text.contains("queue_jobs_total"),
        "the view renamed it:\n{text}"
    );
    assert_promtool_clean("bridged text", &text);

    // OpenMetrics, through the Python client's strict parser (skipped when it is missing
    // outside CI): the bridged counter is a `counter` family with its samples.
    let openmetrics = exporter.render_openmetrics().unwrap();
    if let Some(parsed) = parse_openmetrics(&openmetrics) {
        let samples = parsed.unwrap_or_else(|e| panic!("{e}\n{openmetrics}"));
        let done: Vec<_> = samples
            .iter()
            .filter(|s| s.name == "queue_jobs_done_total")
            .map(|s| (s.family_type.as_str(), s.labels.clone(), s.value))
            .collect();
        let labels = |queue: &str| {
            vec![
                ("queue".to_owned(), queue.to_owned()),
                ("retry".to_owned(), "false".to_owned()),
            ]
        };
        assert_eq!(
            done,
            vec![
                ("counter", labels("mail"), 2.0),
                ("counter", labels("sms"), 1.0)
            ]
        );
    }
}

fn opentelemetry_global_install(provider: &MeterProvider) {
    telemetry_core::bridge::opentelemetry::global::set_meter_provider(OtelMeterProvider::new(
        provider.clone(),
    ));
}
