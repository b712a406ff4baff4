//! Shutting the provider down on SIGTERM / SIGINT, so a push exporter's last values leave
//! the process before it ends.

use std::sync::Arc;

use super::MeterProvider;
use crate::error::Error;

/// The exit status after a signal-triggered shutdown (the shell's 128 + SIGINT).
const EXIT_STATUS: i32 = 130;

impl MeterProvider {
    /// Installs a handler for SIGTERM and SIGINT (Ctrl-C and Ctrl-Break on Windows) that
    /// shuts this provider down (the final collection is handed to every reader within the
    /// provider's shutdown timeout) and then exits the process with status 130.
    ///
    /// The handler holds only a weak reference: dropping the provider normally still shuts
    /// it down, and a signal arriving afterwards just exits. One handler per process: a
    /// second call is an [`Error::Export`] from the `signal` handler.
    ///
    /// SIGKILL (`kill -9`, the OOM killer, a container runtime's last resort after its
    /// grace period) cannot be caught by any process: what was recorded since the last
    /// export is then lost. Keep the export interval short where that matters.
    ///
    /// Requires the `signal` feature.
    ///
    /// ```no_run
    /// # use telemetry_core::{ManualReader, MeterProvider};
    /// let provider = MeterProvider::builder().with_reader(ManualReader::new()).build();
    /// provider.shutdown_on_signal()?;
    /// # Ok::<(), telemetry_core::Error>(())
    /// ```
    pub fn shutdown_on_signal(&self) -> Result<(), Error> {
        let inner = Arc::downgrade(&self.inner);
        ctrlc::set_handler(move || {
            if let Some(inner) = inner.upgrade() {
                // The process is ending; the readers report their own failures.
                let _ = inner.shutdown(inner.shutdown_timeout);
            }
            std::process::exit(EXIT_STATUS);
        })
        .map_err(|e| Error::Export {
            exporter: "signal handler",
            message: e.to_string(),
        })
    }
}
