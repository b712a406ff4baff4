//! Seed 000: observe a (simulated) electric vehicle and serve its state as Prometheus
//! metrics, and push it to any OTLP backend.
//!
//! ```text
//! cargo run --example ev_observer -- [--listen 127.0.0.1:9464] [--interval 5] [--vehicle-id Ju] [--seed 1] [--print] [--otlp URL]
//! ```
//! Serves `http://LISTEN/metrics`, refreshes the vehicle every `--interval` seconds and
//! prints a summary of each refresh (`--print`: the whole exposition). With `--otlp URL`
//! (an OTLP/HTTP base URL such as `http://127.0.0.1:4318`), or when
//! `OTEL_EXPORTER_OTLP_ENDPOINT` / `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT` is set, the same
//! series are also exported over OTLP every `--interval` seconds (the other `OTEL_*`
//! variables apply: protocol, headers, timeout, temporality). Ctrl-C or SIGTERM shuts the
//! pipeline down, which exports the last values before exiting.

use std::process::ExitCode;
use std::time::Duration;

use telemetry_core::{KeyValue, MeterProvider, PeriodicReader, Resource};
use telemetry_examples::cli::{self, Flags};
use telemetry_examples::ev::{Instrumentor, SimulatedVehicle, METRIC_NAMES};
use telemetry_exporters::otlp::OtlpExporter;
use telemetry_exporters::prometheus::PrometheusExporter;

#[derive(Debug)]
struct Args {
    listen: String,
    interval: Duration,
    vehicle_id: String,
    seed: u64,
    print: bool,
    otlp: Option<String>,
}

const USAGE: &str = "usage: ev_observer [--listen ADDR] [--interval SECS] [--vehicle-id ID] [--seed N] [--print] [--otlp URL]";

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        listen: "127.0.0.1:9464".into(),
        interval: Duration::from_secs(5),
        vehicle_id: "Ju".into(),
        seed: 1,
        print: false,
        otlp: None,
    };
    let mut flags = Flags::from_env(USAGE);
    while let Some(flag) = flags.next() {
        match flag.as_str() {
            "--listen" => args.listen = flags.value(&flag)?,
            "--interval" => args.interval = flags.seconds(&flag)?,
            "--vehicle-id" => args.vehicle_id = flags.value(&flag)?,
            "--seed" => args.seed = flags.parse(&flag)?,
            "--print" => args.print = true,
            "--otlp" => args.otlp = Some(flags.value(&flag)?),
            other => return Err(flags.unknown(other)),
        }
    }
    Ok(args)
}

fn main() -> ExitCode {
    cli::main("ev_observer", parse_args(), |args| run(&args))
}

fn run(args: &Args) -> Result<(), Box<dyn std::error::Error>> {
    // Before anything is served, so a SIGTERM from then on always means a clean shutdown.
    let rx = cli::stop_signal()?;
    let exporter = PrometheusExporter::new();
    let mut builder = MeterProvider::builder()
        .with_resource(Resource::new([KeyValue::new(
            "service.name",
            "ev-observer",
        )]))
        .with_reader(exporter.clone());
    let otlp_from_env = [
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
    ]
    .iter()
    .any(|v| std::env::var_os(v).is_some());
    if args.otlp.is_some() || otlp_from_env {
        let mut otlp = OtlpExporter::builder();
        if let Some(url) = &args.otlp {
            otlp = otlp.with_endpoint(url.clone());
        }
        let otlp = otlp.build()?;
        println!(
            "exporting over OTLP to {} every {:?}",
            otlp.url(),
            args.interval
        );
        builder = builder.with_reader(
            PeriodicReader::builder(otlp)
                .with_interval(args.interval)
                .build(),
        );
    }
    let provider = builder.build();
    let meter = provider.meter("ev_observer");
    let vehicle = SimulatedVehicle::new(args.seed, args.interval.as_secs().max(1));
    let instrumentor = Instrumentor::new(&meter, args.vehicle_id.clone(), vehicle)?;
    let server = exporter.serve(args.listen.as_str())?;
    println!(
        "serving {} metrics of vehicle {:?} at http://{}/metrics, refreshing every {:?} (Ctrl-C to stop)",
        METRIC_NAMES.len(),
        args.vehicle_id,
        server.local_addr(),
        args.interval
    );
    if args.print {
        print!("{}", exporter.render()?);
    }

    let print_all = args.print;
    let printer = exporter.clone();
    let refresher = instrumentor.spawn(args.interval, move |inst, outcome| match outcome {
        Ok(()) => {
            let d = inst.data().read();
            println!(
                "refreshed: battery {}% ({}), range {:.1} mi, at {:.5},{:.5}, power {} kW",
                d.charge_state.battery_level,
                d.charge_state.charging_state,
                d.charge_state.battery_range,
                d.drive_state.latitude,
                d.drive_state.longitude,
                d.drive_state.power
            );
            drop(d);
            if print_all {
                match printer.render() {
                    Ok(text) => print!("{text}"),
                    Err(e) => eprintln!("render failed: {e}"),
                }
            }
        }
        Err(e) => eprintln!("{e}; keeping the previous values"),
    });

    rx.recv()?;
    println!("shutting down");
    // Shut the pipeline down while the collectors are alive (the refresher owns them): the
    // final collection, exported by every reader, must still see the vehicle's values.
    provider.shutdown()?;
    refresher.stop();
    server.shutdown();
    Ok(())
}
