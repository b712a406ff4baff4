//! Tokio integration (feature `tokio`): flush and shut down from async code.
//!
//! Exports are blocking calls made by the readers' own threads; awaiting them from an
//! async task must not park the executor's worker thread (on a current-thread runtime that
//! would stall every other task until the export ends). These methods run the blocking call
//! on Tokio's blocking pool and await its result. The SDK itself needs no runtime: this
//! feature only adds the `async` forms.

use std::time::Duration;

use super::MeterProvider;
use crate::error::Error;

impl MeterProvider {
    /// [`force_flush`](Self::force_flush) without blocking the async executor.
    ///
    /// # Errors
    /// As `force_flush`; a panic in the blocking task is reported as [`Error::Export`].
    pub async fn force_flush_async(&self) -> Result<(), Error> {
        let provider = self.clone();
        blocking(move || provider.force_flush()).await
    }

    /// [`shutdown_with_timeout`](Self::shutdown_with_timeout) without blocking the async
    /// executor: the final collection is exported within `timeout`.
    ///
    /// ```
    /// # use telemetry_core::{ManualReader, MeterProvider};
    /// # let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    /// let provider = MeterProvider::builder().with_reader(ManualReader::new()).build();
    /// rt.block_on(async {
    ///     provider.shutdown_async(std::time::Duration::from_secs(5)).await
    /// })?;
    /// # Ok::<(), telemetry_core::Error>(())
    /// ```
    ///
    /// # Errors
    /// As `shutdown_with_timeout`; a panic in the blocking task is reported as
    /// [`Error::Export`].
    pub async fn shutdown_async(&self, timeout: Duration) -> Result<(), Error> {
        let provider = self.clone();
        blocking(move || provider.shutdown_with_timeout(timeout)).await
    }
}

async fn blocking(f: impl FnOnce() -> Result<(), Error> + Send + 'static) -> Result<(), Error> {
    tokio::task::spawn_blocking(f).await.unwrap_or_else(|e| {
        Err(Error::Export {
            exporter: "tokio blocking task",
            message: e.to_string(),
        })
    })
}
