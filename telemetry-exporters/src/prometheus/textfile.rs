//! Files for node_exporter's textfile collector, written atomically.
//!
//! node_exporter (`--collector.textfile.directory=DIR`) reads every `DIR/*.prom` file on
//! every scrape, with no locking. A file rewritten in place is therefore sometimes read
//! half-written: cut mid-line, node_exporter drops the file and reports
//! `node_textfile_scrape_error 1`; cut at a line boundary, it **silently serves a partial
//! set of series**. (Measured with node_exporter 1.5 on a 3,000-series file rewritten for
//! 4 s: 3,413 scrapes, 458 errors and 2,949 partial reads in place; 0 and 0 with the
//! procedure below.) So every write here goes:
//!
//! 1. render the exposition first (a render failure touches no file);
//! 2. create `DIR/.<name>.prom.<pid>.<n>.tmp` with `O_CREAT|O_EXCL`: same directory (so the
//!    rename cannot cross file systems), a name node_exporter ignores (it does not end in
//!    `.prom`), unique per process and per write (concurrent writers never share one);
//! 3. write it, `fsync` it, close it;
//! 4. `rename` it over `DIR/<name>.prom`, which readers see as one atomic switch from the
//!    old file to the new one;
//! 5. `fsync` the directory, so the rename itself survives a crash (Unix only).
//!
//! If any step fails, the temporary file is removed and the error says which step failed,
//! on which path, and why ([`TextfileError`]); the previous `<name>.prom` is untouched
//! (except after step 5, see [`Step::SyncDirectory`]). Only a process killed between steps
//! 2 and 4 can leave a temporary file behind, and node_exporter ignores it.
//!
//! # Coming from Python's `prometheus_client`
//!
//! | Python | here |
//! |---|---|
//! | `write_to_textfile(path, registry)` | [`write_textfile(path, &exporter)`](write_textfile) |
//! | a registry | anything [`Exposition`]: a [`PrometheusExporter`], a [`ResourceMetrics`], rendered text, or a closure (a fresh provider per file, polled data, …) |
//! | raises `OSError` (the temp file is removed) | returns a [`TextfileError`] naming the step and the path |
//! | a `while True: …; time.sleep(60)` loop or a cron job | [`TextfileWriter`]: a background thread with its own interval; `stop()` writes a final file |
//!
//! Differences: the path must name a `*.prom` file (anything else is never read by
//! node_exporter, so it is rejected instead of silently ignored), and the file and its
//! directory are fsynced, which Python does not do.
//!
//! ```
//! use telemetry_core::{KeyValue, MeterProvider};
//! use telemetry_exporters::prometheus::{write_textfile, PrometheusExporter};
//!
//! let dir = tempfile::tempdir()?;
//! let exporter = PrometheusExporter::new();
//! let provider = MeterProvider::builder().with_reader(exporter.clone()).build();
//! let status = provider.meter("soracom").i64_gauge("soracom_session_status").build()?;
//! status.record(1, &[KeyValue::new("imsi", "440103123456789"), KeyValue::new("name", "会社検証用")]);
//!
//! let path = dir.path().join("soracom.prom");
//! write_textfile(&path, &exporter)?;
//! assert!(std::fs::read_to_string(&path)?
//!     .contains("soracom_session_status{imsi=\"440103123456789\",name=\"会社検証用\"} 1\n"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod periodic;

pub use periodic::{TextfileWriter, TextfileWriterBuilder};

use std::error::Error as StdError;
use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use telemetry_core::ResourceMetrics;

use super::{encode_text, PrometheusExporter, TextOptions};

/// The file name suffix node_exporter's textfile collector reads.
pub const PROM_SUFFIX: &str = ".prom";

/// A source of exposition text (format 0.0.4) to write into a textfile.
///
/// Implemented for:
///
/// | type | renders |
/// |---|---|
/// | [`PrometheusExporter`] | one collection, as [`PrometheusExporter::render`] |
/// | [`ResourceMetrics`] | [`encode_text`] with the default [`TextOptions`] |
/// | `str`, `&str`, `String` | itself (already rendered text) |
/// | `Fn() -> Result<String, E>` | whatever the closure returns; an `Err` writes nothing |
///
/// The closure form is how data prepared elsewhere gets in: poll an API, build a fresh
/// provider, render it, and return `Err` when the poll failed so that the previous file
/// (and its `node_textfile_mtime_seconds`) stays as it was.
///
/// ```
/// use telemetry_exporters::prometheus::{write_textfile, TextfileError};
///
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("jobs.prom");
/// write_textfile(&path, "# TYPE jobs_done gauge\njobs_done 3\n")?;
///
/// // A source that fails leaves the previous file as it was.
/// let failing = || Err::<String, _>("the API answered 503");
/// let err = write_textfile(&path, &failing).unwrap_err();
/// assert!(matches!(err, TextfileError::Render { .. }));
/// assert_eq!(std::fs::read_to_string(&path)?, "# TYPE jobs_done gauge\njobs_done 3\n");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait Exposition {
    /// The exposition text to write; an error writes nothing.
    fn exposition(&self) -> Result<String, Box<dyn StdError + Send + Sync>>;
}

impl Exposition for PrometheusExporter {
    fn exposition(&self) -> Result<String, Box<dyn StdError + Send + Sync>> {
        Ok(self.render()?)
    }
}

impl Exposition for ResourceMetrics {
    fn exposition(&self) -> Result<String, Box<dyn StdError + Send + Sync>> {
        let mut text = String::new();
        // Warnings only name what the encoder left out; the text is valid either way.
        encode_text(self, &TextOptions::default(), &mut text);
        Ok(text)
    }
}

impl Exposition for str {
    fn exposition(&self) -> Result<String, Box<dyn StdError + Send + Sync>> {
        Ok(self.to_owned())
    }
}

impl Exposition for &str {
    fn exposition(&self) -> Result<String, Box<dyn StdError + Send + Sync>> {
        Ok((*self).to_owned())
    }
}

impl Exposition for String {
    fn exposition(&self) -> Result<String, Box<dyn StdError + Send + Sync>> {
        Ok(self.clone())
    }
}

impl<F, E> Exposition for F
where
    F: Fn() -> Result<String, E>,
    E: Into<Box<dyn StdError + Send + Sync>>,
{
    fn exposition(&self) -> Result<String, Box<dyn StdError + Send + Sync>> {
        self().map_err(Into::into)
    }
}

/// Renders `source` and writes it to `path` (a `*.prom` file) atomically, as the
/// [module documentation](self) describes; the equivalent of Python's
/// `write_to_textfile(path, registry)`.
///
/// On error, `path` still holds its previous content (or still does not exist) and no
/// temporary file is left behind.
///
/// ```
/// use std::io::ErrorKind;
/// use telemetry_exporters::prometheus::{write_textfile, Step, TextfileError};
///
/// let dir = tempfile::tempdir()?;
/// let missing = dir.path().join("no-such-dir").join("app.prom");
/// match write_textfile(&missing, "up 1\n") {
///     Err(TextfileError::Io { step: Step::CreateTemp, source, .. }) => {
///         assert_eq!(source.kind(), ErrorKind::NotFound);
///     }
///     other => panic!("{other:?}"),
/// }
/// assert_eq!(std::fs::read_dir(dir.path())?.count(), 0); // nothing left behind
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_textfile<S>(path: impl AsRef<Path>, source: &S) -> Result<(), TextfileError>
where
    S: Exposition + ?Sized,
{
    let path = path.as_ref();
    let name = check_path(path)?;
    let text = source
        .exposition()
        .map_err(|source| TextfileError::Render {
            path: path.to_owned(),
            source,
        })?;
    write_atomically(path, name, text.as_bytes())
}

/// The file name of a valid textfile path, or why it is not one.
fn check_path(path: &Path) -> Result<&str, TextfileError> {
    let invalid = |reason| TextfileError::InvalidPath {
        path: path.to_owned(),
        reason,
    };
    let name = path
        .file_name()
        .ok_or_else(|| invalid("it does not name a file"))?
        .to_str()
        .ok_or_else(|| invalid("the file name is not UTF-8"))?;
    if name.len() <= PROM_SUFFIX.len() || !name.ends_with(PROM_SUFFIX) {
        return Err(invalid(
            "node_exporter only reads files named `<name>.prom`",
        ));
    }
    Ok(name)
}

/// Distinguishes the temporary files of concurrent writes within one process.
static WRITES: AtomicU64 = AtomicU64::new(0);

/// Steps 2–5 of the module documentation.
fn write_atomically(path: &Path, name: &str, bytes: &[u8]) -> Result<(), TextfileError> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let n = WRITES.fetch_add(1, Ordering::Relaxed);
    let temp = TempFile(dir.join(format!(".{name}.{}.{n}.tmp", std::process::id())));
    let fail = |step, source| TextfileError::Io {
        path: path.to_owned(),
        step,
        temp: Some(temp.0.clone()),
        source,
    };

    let mut file = match OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temp.0)
    {
        Ok(file) => file,
        // Nothing was created, so there is nothing to remove (and the name may now be
        // another writer's: forget it).
        Err(e) => {
            let err = fail(Step::CreateTemp, e);
            std::mem::forget(temp);
            return Err(err);
        }
    };
    file.write_all(bytes).map_err(|e| fail(Step::Write, e))?;
    file.sync_all().map_err(|e| fail(Step::Sync, e))?;
    drop(file);
    fs::rename(&temp.0, path).map_err(|e| fail(Step::Rename, e))?;
    std::mem::forget(temp); // it is `path` now
    sync_dir(dir).map_err(|source| TextfileError::Io {
        path: path.to_owned(),
        step: Step::SyncDirectory,
        temp: None,
        source,
    })
}

/// A temporary file that is removed when dropped, i.e. on every early return.
struct TempFile(PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        // Best effort: the error being returned says what went wrong first.
        let _ = fs::remove_file(&self.0);
    }
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> io::Result<()> {
    match File::open(dir).and_then(|d| d.sync_all()) {
        // Some file systems cannot fsync a directory; there is nothing more to do there.
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::InvalidInput | io::ErrorKind::Unsupported
            ) =>
        {
            Ok(())
        }
        result => result,
    }
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> io::Result<()> {
    // Windows cannot open a directory as a file; the rename is as durable as it gets.
    Ok(())
}

/// A step of a textfile write (see the [module documentation](self)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Step {
    /// Creating the temporary file in the target's directory (a missing directory, a path
    /// through a file, no permission, a read-only file system).
    CreateTemp,
    /// Writing the temporary file (a full disk, a quota).
    Write,
    /// Flushing the temporary file to disk (a full disk on some file systems, an I/O error).
    Sync,
    /// Renaming the temporary file over the target (e.g. the target is a directory).
    Rename,
    /// Flushing the directory after the rename. Unlike the other steps, the new file is
    /// already in place and served; only its survival of a crash is in doubt.
    SyncDirectory,
    /// Starting the background thread of a [`TextfileWriter`].
    SpawnThread,
}

impl Step {
    fn describe(self) -> &'static str {
        match self {
            Step::CreateTemp => "cannot create the temporary file",
            Step::Write => "cannot write the temporary file",
            Step::Sync => "cannot flush the temporary file to disk",
            Step::Rename => "cannot rename the temporary file over it",
            Step::SyncDirectory => "written, but cannot flush its directory to disk",
            Step::SpawnThread => "cannot start the writer thread",
        }
    }
}

/// Why a textfile was not written. Except for [`Step::SyncDirectory`], the target holds
/// its previous content and no temporary file is left.
#[derive(Debug)]
#[non_exhaustive]
pub enum TextfileError {
    /// The path does not name a `*.prom` file; nothing was attempted.
    InvalidPath {
        /// The path given.
        path: PathBuf,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The source failed to render (e.g. a polled API was down); nothing was written.
    Render {
        /// The textfile.
        path: PathBuf,
        /// The source's error.
        source: Box<dyn StdError + Send + Sync>,
    },
    /// A file system step failed.
    Io {
        /// The textfile.
        path: PathBuf,
        /// The step that failed.
        step: Step,
        /// The temporary file involved (already removed), if the step had one.
        temp: Option<PathBuf>,
        /// The operating system's error.
        source: io::Error,
    },
    /// [`TextfileWriter::stop`] gave up waiting for the final write.
    Timeout {
        /// The textfile.
        path: PathBuf,
    },
}

impl TextfileError {
    /// The textfile the error is about.
    #[must_use]
    pub fn path(&self) -> &Path {
        match self {
            TextfileError::InvalidPath { path, .. }
            | TextfileError::Render { path, .. }
            | TextfileError::Io { path, .. }
            | TextfileError::Timeout { path } => path,
        }
    }
}

impl fmt::Display for TextfileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TextfileError::InvalidPath { path, reason } => {
                write!(f, "invalid textfile path {}: {reason}", path.display())
            }
            TextfileError::Render { path, source } => write!(
                f,
                "textfile {} not written: its source failed: {source}",
                path.display()
            ),
            TextfileError::Io {
                path,
                step,
                temp: Some(temp),
                source,
            } if *step != Step::SyncDirectory => write!(
                f,
                "textfile {} not written: {} {}: {source}",
                path.display(),
                step.describe(),
                temp.display()
            ),
            TextfileError::Io {
                path, step, source, ..
            } => write!(
                f,
                "textfile {}: {}: {source}",
                path.display(),
                step.describe()
            ),
            TextfileError::Timeout { path } => write!(
                f,
                "textfile {}: the final write did not finish before the shutdown deadline",
                path.display()
            ),
        }
    }
}

impl StdError for TextfileError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            TextfileError::Render { source, .. } => Some(&**source),
            TextfileError::Io { source, .. } => Some(source),
            TextfileError::InvalidPath { .. } | TextfileError::Timeout { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests;
