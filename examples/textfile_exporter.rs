//! Seed 004: poll a (simulated) SORACOM API and write the SIMs' session status into
//! node_exporter's textfile directory.
//!
//! ```text
//! cargo run --example textfile_exporter -- --dir DIR [--interval 60] [--seed 1] [--fail-every N] [--once]
//! ```
//! Writes `DIR/soracom.prom` with `soracom_session_status{imsi="…",name="…"} 1|0` (1 when
//! the SIM's session is online), at once and then every `--interval` seconds, each time
//! from a fresh provider, atomically (temp file + rename), so node_exporter never reads a
//! partial file. A failed API poll (`--fail-every N` makes every Nth call fail) is logged
//! on stderr and leaves the last good file, and its mtime, in place. `--once` writes one
//! file and exits (exit code 1 if the poll or the write failed). Ctrl-C stops after a
//! final write.
//!
//! Serve the directory with:
//! `prometheus-node-exporter --collector.textfile.directory=DIR`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use telemetry_examples::cli::{self, Flags};
use telemetry_examples::soracom::{self, SimulatedSoracom, FILE_NAME};
use telemetry_exporters::prometheus::{write_textfile, TextfileWriter};

#[derive(Debug)]
struct Args {
    dir: PathBuf,
    interval: Duration,
    seed: u64,
    fail_every: u64,
    once: bool,
}

const USAGE: &str =
    "usage: textfile_exporter --dir DIR [--interval SECS] [--seed N] [--fail-every N] [--once]";

fn parse_args() -> Result<Args, String> {
    let mut dir = None;
    let mut args = Args {
        dir: PathBuf::new(),
        interval: Duration::from_secs(60),
        seed: 1,
        fail_every: 0,
        once: false,
    };
    let mut flags = Flags::from_env(USAGE);
    while let Some(flag) = flags.next() {
        match flag.as_str() {
            "--dir" => dir = Some(PathBuf::from(flags.value(&flag)?)),
            "--interval" => args.interval = flags.seconds(&flag)?,
            "--seed" => args.seed = flags.parse(&flag)?,
            "--fail-every" => args.fail_every = flags.parse(&flag)?,
            "--once" => args.once = true,
            other => return Err(flags.unknown(other)),
        }
    }
    args.dir = dir.ok_or_else(|| format!("--dir is required\n{USAGE}"))?;
    Ok(args)
}

fn main() -> ExitCode {
    cli::main("textfile_exporter", parse_args(), start)
}

fn start(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let path = args.dir.join(FILE_NAME);
    let api = Arc::new(SimulatedSoracom::new(args.seed).with_failure_every(args.fail_every));
    // The source of every write: poll, then render from a fresh provider. An `Err` (a failed
    // poll) writes nothing, so the last good file stays.
    let source = {
        let api = Arc::clone(&api);
        move || {
            let text = soracom::exposition(&*api)?;
            let online = text.lines().filter(|l| l.ends_with(" 1")).count();
            println!(
                "poll {}: {online} of {} SIMs online",
                api.calls(),
                api.sim_count()
            );
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(text)
        }
    };

    if args.once {
        write_textfile(&path, &source)?;
        println!("wrote {}", path.display());
        return Ok(());
    }
    run(&args, path, source)
}

fn run(
    args: &Args,
    path: PathBuf,
    source: impl Fn() -> Result<String, Box<dyn std::error::Error + Send + Sync>> + Send + 'static,
) -> Result<(), Box<dyn std::error::Error>> {
    // Before the first write, so a signal from then on always ends with a final write.
    let rx = cli::stop_signal()?;
    println!(
        "writing {} every {:?} (Ctrl-C to stop)",
        path.display(),
        args.interval
    );
    let writer = TextfileWriter::builder(path, args.interval)
        .with_error_handler(|e| eprintln!("{e}; the last good file stays in place"))
        .spawn(source)?;

    rx.recv()?;
    println!("stopping after a final write");
    let (writes, failures) = (writer.writes(), writer.failures());
    writer.stop()?;
    println!(
        "{} files written, {failures} polls or writes failed",
        writes + 1
    );
    Ok(())
}
