//! The examples' command lines: `--flag value` pairs, parsed without a dependency.

use std::fmt::Display;
use std::str::FromStr;
use std::time::Duration;

/// The arguments after the program name, read flag by flag.
///
/// ```
/// use telemetry_examples::cli::Flags;
///
/// let mut flags = Flags::new(["--seed", "7", "--once"].map(String::from), "usage: demo");
/// assert_eq!(flags.next().as_deref(), Some("--seed"));
/// assert_eq!(flags.parse::<u64>("--seed"), Ok(7));
/// assert_eq!(flags.next().as_deref(), Some("--once"));
/// assert!(flags.unknown("--bogus").contains("usage: demo"));
/// ```
#[derive(Debug)]
pub struct Flags<I> {
    args: I,
    usage: &'static str,
}

impl Flags<std::iter::Skip<std::env::Args>> {
    /// The process' arguments.
    #[must_use]
    pub fn from_env(usage: &'static str) -> Self {
        Flags::new(std::env::args().skip(1), usage)
    }
}

impl<I: Iterator<Item = String>> Flags<I> {
    /// Flags read from `args`; `usage` ends every error message.
    pub fn new(args: impl IntoIterator<IntoIter = I>, usage: &'static str) -> Self {
        Flags {
            args: args.into_iter(),
            usage,
        }
    }

    /// The next flag, if any.
    #[allow(clippy::should_implement_trait)] // not an iterator: values are taken in between
    pub fn next(&mut self) -> Option<String> {
        self.args.next()
    }

    /// The value following `flag`.
    pub fn value(&mut self, flag: &str) -> Result<String, String> {
        self.args
            .next()
            .ok_or_else(|| format!("{flag} needs a value\n{}", self.usage))
    }

    /// The value following `flag`, parsed.
    pub fn parse<T: FromStr>(&mut self, flag: &str) -> Result<T, String>
    where
        T::Err: Display,
    {
        self.value(flag)?
            .parse()
            .map_err(|e| format!("{flag}: {e}\n{}", self.usage))
    }

    /// The value following `flag` as a positive, finite number of seconds.
    pub fn seconds(&mut self, flag: &str) -> Result<Duration, String> {
        let secs: f64 = self.parse(flag)?;
        if !(secs > 0.0 && secs.is_finite()) {
            return Err(format!("{flag} must be a positive number of seconds"));
        }
        Ok(Duration::from_secs_f64(secs))
    }

    /// The message for a flag nobody knows (or `--help`).
    #[must_use]
    pub fn unknown(&self, flag: &str) -> String {
        match flag {
            "-h" | "--help" => self.usage.to_owned(),
            other => format!("unknown argument {other:?}\n{}", self.usage),
        }
    }
}

/// The `main` of an example: a command-line error exits with status 2 after printing it
/// (usage included), an error of `run` with status 1 after printing `name: error`.
pub fn main<A>(
    name: &str,
    parsed: Result<A, String>,
    run: impl FnOnce(A) -> Result<(), Box<dyn std::error::Error>>,
) -> std::process::ExitCode {
    let args = match parsed {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            return std::process::ExitCode::from(2);
        }
    };
    match run(args) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{name}: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// A receiver that gets a message when SIGINT (Ctrl-C) or SIGTERM arrives. Install it
/// before serving or writing anything, so a signal from then on always means a clean
/// shutdown (final collection and export) rather than the default termination.
pub fn stop_signal() -> Result<std::sync::mpsc::Receiver<()>, ctrlc::Error> {
    let (tx, rx) = std::sync::mpsc::channel();
    ctrlc::set_handler(move || {
        let _ = tx.send(());
    })?;
    Ok(rx)
}
