//! Seed 003: OpenCensus-style stats (measures, views, a measurement map) for a simulated video
//! service, exported to Google Cloud Monitoring (Stackdriver).
//!
//! ```text
//! cargo run --example stats_stackdriver -- [--project ID [--endpoint URL] [--prefix P] [--interval 60]] [--duration SECS] [--seed N]
//! ```
//! A video is processed every 100 ms: its size (`By`) and latency (`ms`) are recorded
//! together under `frontend` and `codec`, and five views (count, size distribution with
//! OpenCensus' 0 / 16 MiB / 256 MiB buckets, bytes, last size, latency distribution) shape
//! them; see `telemetry_examples::stats`. It runs for `--duration` seconds, or until Ctrl-C
//! or SIGTERM, then prints `recorded N videos` and shuts down.
//!
//! `--project ID` writes the views to Cloud Monitoring every `--interval` seconds and once
//! more at shutdown, so the last values are not lost (seed 003's defect). Credentials are
//! found as Google's libraries find them: the service-account key file named by
//! `GOOGLE_APPLICATION_CREDENTIALS`, else the metadata server (`GCE_METADATA_HOST`, on
//! GCP). Metric types are `workload.googleapis.com/<view>` unless `--prefix` says otherwise
//! (`custom.googleapis.com/opencensus/` gives the types OpenCensus wrote). `--endpoint URL`
//! replaces `https://monitoring.googleapis.com` (a test fake, a proxy). Without `--project`,
//! the views are printed to stdout in the Prometheus text format at the end.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use telemetry_core::{KeyValue, MeterProvider, PeriodicReader, Resource};
use telemetry_examples::cli::{self, Flags};
use telemetry_examples::stats::{self, VideoStats, Videos};
use telemetry_exporters::prometheus::PrometheusExporter;
use telemetry_exporters::stackdriver::StackdriverExporter;

const USAGE: &str = "usage: stats_stackdriver [--project ID [--endpoint URL] [--prefix P] [--interval SECS]] [--duration SECS] [--seed N]";

/// The shutdown deadline: room for the API's 5-second rule (the final points may have to wait
/// up to 5 s after the previous write) plus the requests.
const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(15);

#[derive(Debug)]
struct Args {
    project: Option<String>,
    endpoint: Option<String>,
    prefix: Option<String>,
    interval: Duration,
    duration: Option<Duration>,
    seed: u64,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        project: None,
        endpoint: None,
        prefix: None,
        interval: Duration::from_secs(60),
        duration: None,
        seed: 3,
    };
    let mut flags = Flags::from_env(USAGE);
    while let Some(flag) = flags.next() {
        match flag.as_str() {
            "--project" => args.project = Some(flags.value(&flag)?),
            "--endpoint" => args.endpoint = Some(flags.value(&flag)?),
            "--prefix" => args.prefix = Some(flags.value(&flag)?),
            "--interval" => args.interval = flags.seconds(&flag)?,
            "--duration" => args.duration = Some(flags.seconds(&flag)?),
            "--seed" => args.seed = flags.parse(&flag)?,
            other => return Err(flags.unknown(other)),
        }
    }
    if args.project.is_none() && (args.endpoint.is_some() || args.prefix.is_some()) {
        return Err(format!("--endpoint and --prefix need --project\n{USAGE}"));
    }
    Ok(args)
}

fn main() -> ExitCode {
    cli::main("stats_stackdriver", parse_args(), |args| run(&args))
}

fn run(args: &Args) -> Result<(), Box<dyn std::error::Error>> {
    // Before anything is recorded, so a signal from then on always means a clean shutdown.
    let stop = cli::stop_signal()?;
    let mut builder = MeterProvider::builder()
        .with_resource(Resource::new([KeyValue::new(
            "service.name",
            "stats-stackdriver",
        )]))
        .with_shutdown_timeout(SHUTDOWN_TIMEOUT);
    for view in stats::views() {
        builder = builder.with_view(view);
    }
    let mut cloud = None;
    let mut printed = None;
    match &args.project {
        Some(project) => {
            let mut exporter = StackdriverExporter::builder().with_project(project.as_str());
            if let Some(endpoint) = &args.endpoint {
                exporter = exporter.with_endpoint(endpoint.as_str());
            }
            if let Some(prefix) = &args.prefix {
                exporter = exporter.with_metric_prefix(prefix.as_str());
            }
            let exporter = Arc::new(exporter.build()?);
            println!(
                "writing to Cloud Monitoring project {project:?} every {:?}",
                args.interval
            );
            builder = builder.with_reader(
                PeriodicReader::builder(exporter.clone())
                    .with_interval(args.interval)
                    .build(),
            );
            cloud = Some(exporter);
        }
        None => {
            let exporter = PrometheusExporter::new();
            builder = builder.with_reader(exporter.clone());
            printed = Some(exporter);
        }
    }
    let provider = builder.build();
    let recorder = VideoStats::register(&provider.meter("stats_stackdriver"))?;

    println!(
        "recording a video every {:?} (Ctrl-C to stop)",
        stats::EVERY
    );
    let recorded = stats::simulate(&recorder, &mut Videos::new(args.seed), args.duration, &stop);
    println!("recorded {recorded} videos");

    if let Some(exporter) = &printed {
        print!("{}", exporter.render()?);
    }
    // The final collection, written within the deadline (with --project, after the 5 s rule).
    provider.shutdown_with_timeout(SHUTDOWN_TIMEOUT)?;
    if let Some(exporter) = &cloud {
        let s = exporter.stats();
        println!(
            "Cloud Monitoring: {} series written in {} requests, {} descriptors created, {} failed, {} not sent",
            s.series_written, s.requests, s.descriptors_created, s.series_failed, s.points_not_sent
        );
    }
    Ok(())
}
