//! Seed 002: a custom Prometheus exporter with every metric type, labelled children and
//! values that change every second.
//!
//! ```text
//! cargo run --example custom_exporter -- [--listen 127.0.0.1:8000] [--seed 1]
//! curl -s http://127.0.0.1:8000/metrics                                   # text 0.0.4
//! curl -s -H 'Accept: application/openmetrics-text; version=1.0.0' http://127.0.0.1:8000/metrics
//! ```
//! Ctrl-C shuts the pipeline down cleanly.

use std::process::ExitCode;
use std::time::Duration;

use telemetry_core::{KeyValue, MeterProvider, Resource};
use telemetry_examples::cli::{self, Flags};
use telemetry_examples::custom::CustomMetrics;
use telemetry_exporters::prometheus::PrometheusExporter;

const USAGE: &str = "usage: custom_exporter [--listen ADDR] [--seed N]";

fn parse_args() -> Result<(String, u64), String> {
    let (mut listen, mut seed) = ("127.0.0.1:8000".to_owned(), 1);
    let mut flags = Flags::from_env(USAGE);
    while let Some(flag) = flags.next() {
        match flag.as_str() {
            "--listen" => listen = flags.value(&flag)?,
            "--seed" => seed = flags.parse(&flag)?,
            other => return Err(flags.unknown(other)),
        }
    }
    Ok((listen, seed))
}

fn main() -> ExitCode {
    cli::main("custom_exporter", parse_args(), |(listen, seed)| {
        run(&listen, seed)
    })
}

fn run(listen: &str, seed: u64) -> Result<(), Box<dyn std::error::Error>> {
    // Before anything is served, so a SIGTERM from then on always means a clean shutdown.
    let stopped = cli::stop_signal()?;
    let exporter = PrometheusExporter::new();
    let provider = MeterProvider::builder()
        .with_resource(Resource::new([KeyValue::new(
            "service.name",
            "custom-exporter",
        )]))
        .with_reader(exporter.clone())
        .build();
    let mut metrics = CustomMetrics::new(&provider.meter("custom_exporter"), seed)?;
    let server = exporter.serve(listen)?;
    println!("serving http://{}/metrics", server.local_addr());

    loop {
        metrics.process_request()?;
        if stopped.recv_timeout(Duration::from_secs(1)).is_ok() {
            break;
        }
    }
    server.shutdown();
    provider.shutdown()?;
    println!("shut down");
    Ok(())
}
