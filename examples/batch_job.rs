//! Seed 001: ten batch jobs of random (seeded) durations, timed with `#[instrument_fn]` into
//! `job_duration_seconds{job_name="test_job"}` (buckets 1, 2, 3, 10, 20, 50, 100 s), with
//! `job_failures_total` and `jobs_in_progress`.
//!
//! ```text
//! cargo run --example batch_job -- [--gateway URL [--interval 5]] [--pull ADDR] [--speed F] [--seed N] [--jobs N]
//! ```
//! `--gateway URL` pushes to a Pushgateway (group `job="batch_job"`) every `--interval`
//! seconds while the jobs run, and once more at exit (the provider's shutdown), so the last
//! observations always arrive (seed 001's `push_to_gateway` every 5 s).
//! `--pull ADDR` serves `/metrics` on ADDR while the jobs run and afterwards, until Ctrl-C
//! (seed 001's `start_http_server`); without it, the exposition is printed once the jobs are
//! done. `--speed F` divides every job's sleep by F (`--speed 100`: seconds instead of
//! minutes); the histogram records the real durations.

use std::process::ExitCode;
use std::time::Duration;

use telemetry_core::{timing, KeyValue, MeterProvider, PeriodicReader, Resource};
use telemetry_examples::batch;
use telemetry_examples::cli::{self, Flags};
use telemetry_exporters::prometheus::PrometheusExporter;
use telemetry_exporters::pushgateway::PushgatewayExporter;

const USAGE: &str = "usage: batch_job [--gateway URL [--interval SECS]] [--pull ADDR] [--speed F] [--seed N] [--jobs N]";

#[derive(Debug)]
struct Args {
    pull: Option<String>,
    gateway: Option<String>,
    interval: Duration,
    speed: f64,
    seed: u64,
    jobs: usize,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        pull: None,
        gateway: None,
        interval: Duration::from_secs(5),
        speed: 1.0,
        seed: 3, // one of the ten jobs fails
        jobs: 10,
    };
    let mut flags = Flags::from_env(USAGE);
    while let Some(flag) = flags.next() {
        match flag.as_str() {
            "--pull" => args.pull = Some(flags.value(&flag)?),
            "--gateway" => args.gateway = Some(flags.value(&flag)?),
            "--interval" => args.interval = flags.seconds(&flag)?,
            "--speed" => args.speed = flags.parse(&flag)?,
            "--seed" => args.seed = flags.parse(&flag)?,
            "--jobs" => args.jobs = flags.parse(&flag)?,
            other => return Err(flags.unknown(other)),
        }
    }
    if !(args.speed > 0.0 && args.speed.is_finite()) {
        return Err(format!("--speed must be a positive number\n{USAGE}"));
    }
    Ok(args)
}

fn main() -> ExitCode {
    cli::main("batch_job", parse_args(), |args| run(&args))
}

fn run(args: &Args) -> Result<(), Box<dyn std::error::Error>> {
    let stopped = cli::stop_signal()?;
    let exporter = PrometheusExporter::new();
    let mut builder = MeterProvider::builder()
        .with_resource(Resource::new([KeyValue::new("service.name", "batch-job")]))
        .with_reader(exporter.clone());
    if let Some(url) = &args.gateway {
        let gateway = PushgatewayExporter::builder(url.as_str(), "batch_job").build()?;
        println!("pushing to {} every {:?}", gateway.url(), args.interval);
        builder = builder.with_reader(
            PeriodicReader::builder(gateway)
                .with_interval(args.interval)
                .build(),
        );
    }
    let provider = builder.build();
    let meter = provider.meter("batch_job");
    batch::register(&meter)?; // the seed's buckets, before the first job
    timing::set_global_meter(meter).map_err(|_| "the global meter was already set")?;
    let server = args
        .pull
        .as_deref()
        .map(|addr| exporter.serve(addr))
        .transpose()?;
    if let Some(server) = &server {
        println!("serving http://{}/metrics", server.local_addr());
    }

    let jobs = batch::jobs(args.seed, args.jobs);
    for (job, outcome) in jobs.iter().zip(batch::run_all(&jobs, args.speed)) {
        let status = outcome.map_or_else(|e| e.to_string(), |()| "ok".to_owned());
        println!(
            "job {:2}: {:5.1} s simulated: {status}",
            job.id, job.seconds
        );
    }

    match server {
        Some(server) => {
            println!("jobs done; serving until Ctrl-C");
            let _ = stopped.recv();
            server.shutdown();
        }
        None => print!("{}", exporter.render()?),
    }
    provider.shutdown()?; // with --gateway: the final push
    if args.gateway.is_some() {
        println!("pushed the final values");
    }
    Ok(())
}
