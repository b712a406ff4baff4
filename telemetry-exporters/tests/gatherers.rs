//! Several providers behind one scrape endpoint (seed 001: one registry per job), over real
//! loopback HTTP, in both formats.

#![cfg(feature = "prometheus")]

use std::sync::{Mutex, OnceLock};

use telemetry_core::{KeyValue, MeterProvider, Resource};
use telemetry_exporters::prometheus::{Format, Gatherers, PrometheusExporter, Warning};
use telemetry_testkit::{http_request, Response};

const OPENMETRICS_ACCEPT: &str =
    "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5";

/// One batch job: its own provider and exporter, a run counter, a duration histogram with
/// the seed's buckets and a last-success gauge.
fn job(name: &str, runs: u64, durations: &[f64]) -> (PrometheusExporter, MeterProvider) {
    let exporter = PrometheusExporter::new();
    let provider = MeterProvider::builder()
        .with_resource(Resource::new([KeyValue::new("service.name", "batch")]))
        .with_reader(exporter.clone())
        .build();
    let meter = provider.meter("jobs");
    let job_name = [KeyValue::new("job_name", name.to_owned())];
    meter
        .u64_counter("job.runs")
        .with_description("Runs started")
        .build()
        .unwrap()
        .add(runs, &job_name);
    let duration = meter
        .f64_histogram("job.duration")
        .with_description("Run time")
        .with_unit("s")
        .with_buckets(vec![1.0, 2.0, 3.0, 10.0, 20.0, 50.0, 100.0])
        .build()
        .unwrap();
    for d in durations {
        duration.record(*d, &job_name);
    }
    meter
        .i64_gauge(format!("{name}.last_success"))
        .with_description("Unix time of the last success")
        .build()
        .unwrap()
        .record(1_700_000_000, &[]);
    (exporter, provider)
}

fn get(server: &telemetry_exporters::prometheus::ScrapeServer, accept: Option<&str>) -> Response {
    let headers: Vec<(&str, &str)> = accept.map(|a| ("Accept", a)).into_iter().collect();
    http_request(server.local_addr(), "GET", "/metrics", &headers, b"")
}

#[test]
fn two_jobs_are_served_together_in_both_formats() {
    let (nightly, _p1) = job("nightly", 1, &[1.5, 42.0]);
    let (hourly, _p2) = job("hourly", 24, &[0.5]);
    let all = Gatherers::new().with(nightly).with(hourly);
    let server = all.serve("127.0.0.1:0").unwrap();

    let text = get(&server, None);
    assert_eq!(text.status, 200);
    let body = text.text();
    // Series in the order of the gatherers: nightly's, then hourly's.
    for line in [
        "# TYPE job_runs_total counter\n\
         job_runs_total{job_name=\"nightly\"} 1\n\
         job_runs_total{job_name=\"hourly\"} 24\n",
        "job_duration_bucket{job_name=\"nightly\",le=\"2.0\"} 1\n",
        "job_duration_bucket{job_name=\"nightly\",le=\"+Inf\"} 2\n",
        "job_duration_count{job_name=\"hourly\"} 1\n",
        "\nhourly_last_success 1700000000\n",
        "\nnightly_last_success 1700000000\n",
        // One resource shared by both providers: one target_info series.
        "# TYPE target_info gauge\ntarget_info{service_name=\"batch\"} 1\n",
    ] {
        assert!(body.contains(line), "missing {line:?} in:\n{body}");
    }
    assert_eq!(body.matches("# TYPE job_duration histogram").count(), 1);
    telemetry_testkit::assert_promtool_clean("gathered text", body);
    assert_eq!(all.render_as(Format::Text).unwrap().1, []);

    let om = get(&server, Some(OPENMETRICS_ACCEPT));
    let body = om.text();
    assert!(body.contains(
        "# TYPE job_runs counter\n\
         # HELP job_runs Runs started\n\
         job_runs_total{job_name=\"nightly\"} 1\n\
         job_runs_created{job_name=\"nightly\"} "
    ));
    assert!(
        body.contains("\ntarget_info{service_name=\"batch\"} 1\n"),
        "{body}"
    );
    assert!(body.ends_with("\n# EOF\n") && body.matches("# EOF").count() == 1);
}

#[test]
fn a_series_two_providers_both_report_is_written_once_and_reported() {
    let (first, _p1) = job("nightly", 1, &[2.0]);
    let (second, _p2) = job("nightly", 7, &[3.0]);
    let all = Gatherers::new().with(first).with(second);

    let (text, warnings) = all.render_as(Format::Text).unwrap();
    assert!(
        text.contains("\njob_runs_total{job_name=\"nightly\"} 1\n"),
        "{text}"
    );
    assert!(!text.contains("} 7\n"), "{text}");
    assert_eq!(text.matches("\nnightly_last_success ").count(), 1);
    assert_eq!(
        warnings,
        [
            Warning::DuplicateSeries {
                family: "job_duration".into(),
                labels: "{job_name=\"nightly\"}".into(),
            },
            Warning::DuplicateSeries {
                family: "job_runs_total".into(),
                labels: "{job_name=\"nightly\"}".into(),
            },
            Warning::DuplicateSeries {
                family: "nightly_last_success".into(),
                labels: "{}".into(),
            },
        ]
    );
    telemetry_testkit::assert_promtool_clean("text", &text);

    // The same in OpenMetrics, with its family names.
    let (om, warnings) = all.render_as(Format::OpenMetrics).unwrap();
    assert_eq!(
        om.matches("job_runs_total{job_name=\"nightly\"}").count(),
        1
    );
    assert!(warnings.contains(&Warning::DuplicateSeries {
        family: "job_runs".into(),
        labels: "{job_name=\"nightly\"}".into(),
    }));
}

#[test]
fn a_second_type_for_a_family_from_another_provider_is_left_out() {
    let (a, _p1) = job("a", 1, &[]);
    let b = PrometheusExporter::new();
    let provider = MeterProvider::builder().with_reader(b.clone()).build();
    provider
        .meter("b")
        .i64_gauge("job.runs")
        .build()
        .unwrap()
        .record(3, &[]);
    let (text, warnings) = Gatherers::new()
        .with(a)
        .with(b)
        .render_as(Format::OpenMetrics)
        .unwrap();
    assert_eq!(text.matches("# TYPE job_runs ").count(), 1, "{text}");
    assert_eq!(
        warnings,
        [Warning::TypeConflict {
            family: "job_runs".into(),
            kept: "counter",
            dropped: "gauge",
            metric: "job.runs".into(),
        }]
    );
}

#[test]
fn a_failing_source_fails_the_scrape() {
    let (ok, _p) = job("ok", 1, &[]);
    let never_registered = PrometheusExporter::new();
    let all = Gatherers::new().with(ok).with(never_registered);
    assert!(all.render().is_err());
    let server = all.serve("127.0.0.1:0").unwrap();
    let response = get(&server, None);
    assert_eq!(response.status, 500, "{response:?}");
    assert!(response.text().starts_with("collection failed: "));
}

#[test]
fn an_empty_set_serves_an_empty_exposition() {
    let all = Gatherers::new();
    assert_eq!(all.render().unwrap(), "");
    assert_eq!(all.render_openmetrics().unwrap(), "# EOF\n");
}

/// Collects what the endpoint logs (the `log` facade, as applications see it).
struct Captured(Mutex<Vec<String>>);

impl log::Log for Captured {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        self.0
            .lock()
            .unwrap()
            .push(format!("{} {}", record.level(), record.args()));
    }
    fn flush(&self) {}
}

fn captured() -> &'static Captured {
    static LOGGER: OnceLock<&'static Captured> = OnceLock::new();
    LOGGER.get_or_init(|| {
        let logger: &'static Captured = Box::leak(Box::new(Captured(Mutex::new(Vec::new()))));
        log::set_logger(logger).expect("no other logger in this test binary");
        log::set_max_level(log::LevelFilter::Warn);
        logger
    })
}

#[test]
fn duplicates_are_logged_when_they_appear_not_at_every_scrape() {
    let logger = captured();
    let (first, p1) = job("logged", 1, &[]);
    let (second, p2) = job("logged", 2, &[]);
    let server = Gatherers::new()
        .with(first)
        .with(second)
        .serve("127.0.0.1:0")
        .unwrap();
    let ours = || -> Vec<String> {
        let lines = logger.0.lock().unwrap();
        lines
            .iter()
            .filter(|l| l.contains("logged"))
            .cloned()
            .collect()
    };

    for _ in 0..3 {
        assert_eq!(get(&server, None).status, 200);
    }
    assert_eq!(
        ours(),
        [
            "WARN prometheus scrape: duplicate series job_runs_total{job_name=\"logged\"}: only the first is written",
            "WARN prometheus scrape: duplicate series logged_last_success{}: only the first is written",
        ]
    );

    // A new duplicate is logged once more; the known ones are not.
    for provider in [&p1, &p2] {
        let gauge = provider.meter("extra").i64_gauge("logged.new").build();
        gauge.unwrap().record(1, &[]);
    }
    for _ in 0..2 {
        assert_eq!(get(&server, None).status, 200);
    }
    let logged = ours();
    assert_eq!(logged.len(), 3, "{logged:#?}");
    assert_eq!(
        logged[2],
        "WARN prometheus scrape: duplicate series logged_new{}: only the first is written"
    );
}
