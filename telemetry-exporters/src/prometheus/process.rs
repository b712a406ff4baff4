//! The standard process metrics of Prometheus clients, and a build-info metric.
//!
//! Opt-in: nothing is registered unless [`ProcessCollector::register`] (or
//! [`register_process_metrics`]) is called. The names, types and meanings are those of the
//! Go, Python and Java clients, so existing dashboards and alerts work unchanged:
//!
//! | family | type | from (Linux) |
//! |---|---|---|
//! | `process_cpu_seconds_total` | counter | `/proc/<pid>/stat` utime + stime, in clock ticks |
//! | `process_resident_memory_bytes` | gauge | `/proc/<pid>/stat` rss (pages) × page size |
//! | `process_virtual_memory_bytes` | gauge | `/proc/<pid>/stat` vsize |
//! | `process_open_fds` | gauge | the entries of `/proc/<pid>/fd` |
//! | `process_max_fds` | gauge | `/proc/<pid>/limits`, soft "Max open files" |
//! | `process_start_time_seconds` | gauge | `/proc/<pid>/stat` starttime ÷ clock ticks + `/proc/stat` btime |
//!
//! The counter is registered as `process_cpu_seconds` (unit `s`): the text encoder adds
//! the `_total` of every counter. The values are read at each collection (each scrape or
//! textfile write); a file that cannot be read or parsed leaves its series out of that
//! collection rather than reporting a wrong value, as the Python client does. The clock
//! tick rate (`_SC_CLK_TCK`) and the page size come from the kernel through `rustix`, so
//! no `unsafe` code is needed here.
//!
//! **Other platforms:** there is no `/proc`, and the clients' other sources (Windows'
//! process APIs, `libproc` on macOS) need `unsafe` FFI; [`ProcessCollector::register`]
//! registers nothing there and returns `Ok`. [`SUPPORTED`] says which case applies.
//!
//! ```
//! use telemetry_core::{KeyValue, MeterProvider};
//! use telemetry_exporters::prometheus::process::{register_build_info, register_process_metrics};
//! use telemetry_exporters::prometheus::PrometheusExporter;
//!
//! let exporter = PrometheusExporter::new();
//! let provider = MeterProvider::builder().with_reader(exporter.clone()).build();
//! let meter = provider.meter("process");
//! register_process_metrics(&meter)?;
//! register_build_info(&meter, "myapp", &[KeyValue::new("version", "1.2.3"), KeyValue::new("revision", "abc123")])?;
//!
//! let text = exporter.render()?;
//! # #[cfg(target_os = "linux")]
//! assert!(text.contains("# TYPE process_cpu_seconds_total counter\n"));
//! # Ok::<(), telemetry_core::Error>(())
//! ```

// Elsewhere only the parsing is compiled (and tested); nothing calls it.
#![cfg_attr(not(target_os = "linux"), allow(dead_code))]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use telemetry_core::{Error, Info, KeyValue, Meter};

/// Whether [`ProcessCollector::register`] registers anything on this platform (Linux
/// only).
pub const SUPPORTED: bool = cfg!(target_os = "linux");

/// The families the process metrics appear as (without a namespace), sorted.
pub const PROCESS_METRIC_NAMES: [&str; 6] = [
    "process_cpu_seconds_total",
    "process_max_fds",
    "process_open_fds",
    "process_resident_memory_bytes",
    "process_start_time_seconds",
    "process_virtual_memory_bytes",
];

/// Registers the process metrics of this process on `meter`; the same as
/// `ProcessCollector::new().register(meter)`.
pub fn register_process_metrics(meter: &Meter) -> Result<(), Error> {
    ProcessCollector::new().register(meter)
}

/// Registers `<prefix>_build_info`, an [`Info`] metric (a series of value 1) whose labels
/// carry the build information (by convention `version`, `revision`, `branch`, …), so that
/// queries can join on them (`… * on(instance) group_left(version) myapp_build_info`).
///
/// The instrument is named `<prefix>_build`: the Prometheus encoders add `_info` (text
/// 0.0.4: a `gauge` family `<prefix>_build_info`; OpenMetrics: an `info` family). Call it
/// once per meter provider; [`Info::set`] on the returned handle adds another series.
///
/// ```
/// use telemetry_core::{testing::TestProvider, KeyValue};
/// use telemetry_exporters::prometheus::process::register_build_info;
///
/// let t = TestProvider::new();
/// let labels = [KeyValue::new("version", env!("CARGO_PKG_VERSION")), KeyValue::new("revision", "abc123")];
/// register_build_info(&t.meter(), "myapp", &labels)?;
/// t.snapshot().assert_info("myapp_build", &labels);
/// # Ok::<(), telemetry_core::Error>(())
/// ```
pub fn register_build_info(
    meter: &Meter,
    prefix: &str,
    labels: &[KeyValue],
) -> Result<Info, Error> {
    let info = meter
        .info(format!("{prefix}_build"))
        .with_description("Build information: version, revision and the like, as labels")
        .build()?;
    info.set(labels);
    Ok(info)
}

/// Registers the process metrics, optionally with a namespace or for another process;
/// the counterpart of Python's `ProcessCollector(namespace, pid, proc)`.
///
/// ```
/// use telemetry_core::testing::TestProvider;
/// use telemetry_exporters::prometheus::process::ProcessCollector;
///
/// let t = TestProvider::new();
/// ProcessCollector::new().with_namespace("myapp").register(&t.meter())?;
/// # #[cfg(target_os = "linux")]
/// assert!(t.snapshot().value("myapp_process_open_fds", &[]).is_some());
/// # Ok::<(), telemetry_core::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct ProcessCollector {
    namespace: Option<String>,
    pid: Option<u32>,
    proc_root: PathBuf,
}

impl Default for ProcessCollector {
    fn default() -> Self {
        ProcessCollector {
            namespace: None,
            pid: None,
            proc_root: PathBuf::from("/proc"),
        }
    }
}

impl ProcessCollector {
    /// This process, no namespace, `/proc`.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Prefixes every name with `<namespace>_` (`myapp_process_open_fds`), as Python's
    /// `namespace` argument does.
    #[must_use]
    pub fn with_namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespace = Some(namespace.into());
        self
    }

    /// Reports another process (default: this one, through `/proc/self`).
    #[must_use]
    pub fn with_pid(mut self, pid: u32) -> Self {
        self.pid = Some(pid);
        self
    }

    /// Reads another procfs mount (default `/proc`), e.g. the host's from a container.
    #[must_use]
    pub fn with_proc_root(mut self, root: impl Into<PathBuf>) -> Self {
        self.proc_root = root.into();
        self
    }

    /// Registers the six instruments on `meter` (Linux; elsewhere nothing, see [`SUPPORTED`]).
    /// They report until the provider shuts down.
    pub fn register(self, meter: &Meter) -> Result<(), Error> {
        #[cfg(target_os = "linux")]
        {
            let kernel = Kernel {
                ticks_per_second: rustix::param::clock_ticks_per_second(),
                page_size: rustix::param::page_size() as u64,
            };
            self.register_with(meter, kernel)
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = meter;
            Ok(())
        }
    }

    fn name(&self, name: &str) -> String {
        match &self.namespace {
            Some(ns) if !ns.is_empty() => format!("{ns}_{name}"),
            _ => name.to_owned(),
        }
    }

    /// Registration with the kernel constants given, so tests can use fixed ones.
    fn register_with(self, meter: &Meter, kernel: Kernel) -> Result<(), Error> {
        let dir = match self.pid {
            Some(pid) => self.proc_root.join(pid.to_string()),
            None => self.proc_root.join("self"),
        };
        let proc = Arc::new(Proc {
            boot_time: read(&self.proc_root.join("stat")).and_then(|s| parse_boot_time(&s)),
            dir,
            kernel,
        });

        let p = Arc::clone(&proc);
        meter
            .f64_observable_counter(self.name("process_cpu_seconds"))
            .with_description("Total user and system CPU time spent in seconds.")
            .with_unit("s")
            .with_callback(move |o| {
                if let Some(seconds) = p.stat().and_then(|s| s.cpu_seconds(&p.kernel)) {
                    o.observe(seconds, &[]);
                }
            })
            .build()?;
        let p = Arc::clone(&proc);
        meter
            .u64_observable_gauge(self.name("process_resident_memory_bytes"))
            .with_description("Resident memory size in bytes.")
            .with_unit("By")
            .with_callback(move |o| {
                if let Some(bytes) = p.stat().map(|s| s.rss_pages * p.kernel.page_size) {
                    o.observe(bytes, &[]);
                }
            })
            .build()?;
        let p = Arc::clone(&proc);
        meter
            .u64_observable_gauge(self.name("process_virtual_memory_bytes"))
            .with_description("Virtual memory size in bytes.")
            .with_unit("By")
            .with_callback(move |o| {
                if let Some(stat) = p.stat() {
                    o.observe(stat.vsize, &[]);
                }
            })
            .build()?;
        let p = Arc::clone(&proc);
        meter
            .u64_observable_gauge(self.name("process_open_fds"))
            .with_description("Number of open file descriptors.")
            .with_unit("{file}")
            .with_callback(move |o| {
                if let Some(n) = p.open_fds() {
                    o.observe(n, &[]);
                }
            })
            .build()?;
        let p = Arc::clone(&proc);
        meter
            .u64_observable_gauge(self.name("process_max_fds"))
            .with_description("Maximum number of open file descriptors.")
            .with_unit("{file}")
            .with_callback(move |o| {
                if let Some(n) = read(&p.dir.join("limits")).and_then(|l| parse_max_fds(&l)) {
                    o.observe(n, &[]);
                }
            })
            .build()?;
        let p = proc;
        meter
            .f64_observable_gauge(self.name("process_start_time_seconds"))
            .with_description("Start time of the process since unix epoch in seconds.")
            .with_unit("s")
            .with_callback(move |o| {
                let start = p.boot_time.zip(p.stat()).and_then(|(boot, stat)| {
                    stat.start_seconds(&p.kernel)
                        .map(|since_boot| boot + since_boot)
                });
                if let Some(start) = start {
                    o.observe(start, &[]);
                }
            })
            .build()?;
        Ok(())
    }
}

/// What the kernel says about itself once: `_SC_CLK_TCK` and the page size.
#[derive(Clone, Copy, Debug)]
struct Kernel {
    ticks_per_second: u64,
    page_size: u64,
}

/// One process' directory in procfs.
#[derive(Debug)]
struct Proc {
    dir: PathBuf,
    boot_time: Option<f64>,
    kernel: Kernel,
}

impl Proc {
    fn stat(&self) -> Option<Stat> {
        read(&self.dir.join("stat")).and_then(|s| parse_stat(&s))
    }

    fn open_fds(&self) -> Option<u64> {
        let entries = std::fs::read_dir(self.dir.join("fd")).ok()?;
        // Like every client: the directory handle open while listing counts too.
        Some(entries.filter(Result::is_ok).count() as u64)
    }
}

fn read(path: &Path) -> Option<String> {
    std::fs::read_to_string(path).ok()
}

/// The fields of `/proc/<pid>/stat` the metrics use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Stat {
    utime: u64,
    stime: u64,
    starttime: u64,
    vsize: u64,
    rss_pages: u64,
}

impl Stat {
    fn cpu_seconds(&self, kernel: &Kernel) -> Option<f64> {
        let ticks = self.utime.checked_add(self.stime)?;
        (kernel.ticks_per_second > 0).then(|| ticks as f64 / kernel.ticks_per_second as f64)
    }

    fn start_seconds(&self, kernel: &Kernel) -> Option<f64> {
        (kernel.ticks_per_second > 0)
            .then(|| self.starttime as f64 / kernel.ticks_per_second as f64)
    }
}

/// Parses `/proc/<pid>/stat` (proc(5)): `pid (comm) state ppid …`. The command name may
/// hold spaces and parentheses, so fields are counted from its *last* `)`.
fn parse_stat(text: &str) -> Option<Stat> {
    let rest = &text[text.rfind(')')? + 1..];
    // Fields 3.. of proc(5); index 0 is field 3 (state).
    let fields: Vec<&str> = rest.split_ascii_whitespace().collect();
    let field = |n: usize| -> Option<u64> { fields.get(n - 3)?.parse().ok() };
    Some(Stat {
        utime: field(14)?,
        stime: field(15)?,
        starttime: field(22)?,
        vsize: field(23)?,
        // A negative rss does not happen for a live process; treat it as unreadable.
        rss_pages: field(24)?,
    })
}

/// The `btime` line of `/proc/stat`: boot time, in seconds since the epoch.
fn parse_boot_time(text: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix("btime "))
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(|v| v as f64)
}

/// The soft limit of `Max open files` in `/proc/<pid>/limits`; `None` when unlimited.
fn parse_max_fds(text: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with("Max open files"))?;
    line["Max open files".len()..]
        .split_ascii_whitespace()
        .next()?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests;
