//! The async forms do not block the executor: on a current-thread runtime, an exporter that
//! waits for another task to run can only finish if `shutdown_async` left the thread free.

#![cfg(feature = "tokio")]

use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::Mutex;
use std::time::Duration;

use telemetry_core::{Error, MeterProvider, PeriodicReader, PushExporter, ResourceMetrics};

/// Waits, inside `export`, for a go-ahead that another async task sends.
#[derive(Debug)]
struct WaitingExporter {
    go: Mutex<Receiver<()>>,
    exported: Sender<u64>,
}

impl PushExporter for WaitingExporter {
    fn export(&self, metrics: &ResourceMetrics, timeout: Duration) -> Result<(), Error> {
        self.go
            .lock()
            .unwrap()
            .recv_timeout(timeout)
            .map_err(|_| Error::Timeout {
                operation: "waiting for the async task",
            })?;
        let total = metrics
            .metric("jobs")
            .map(|m| format!("{:?}", m.data))
            .unwrap_or_default();
        let _ = self.exported.send(u64::from(total.contains("U64(3)")));
        Ok(())
    }
}

#[test]
fn shutdown_async_leaves_the_executor_free_and_exports_the_last_values() {
    let (go_tx, go_rx) = channel();
    let (exported_tx, exported_rx) = channel();
    let exporter = WaitingExporter {
        go: Mutex::new(go_rx),
        exported: exported_tx,
    };
    let provider = MeterProvider::builder()
        .with_reader(
            PeriodicReader::builder(exporter)
                .with_interval(Duration::from_secs(3600))
                .build(),
        )
        .build();
    provider
        .meter("t")
        .u64_counter("jobs")
        .build()
        .unwrap()
        .add(3, &[]);

    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let result = rt.block_on(async {
        // Runs only if the shutdown below does not hold the runtime's only thread.
        let release = tokio::spawn(async move {
            let _ = go_tx.send(());
        });
        let shutdown = provider.shutdown_async(Duration::from_secs(30)).await;
        release.await.unwrap();
        shutdown
    });
    assert_eq!(result, Ok(()));
    assert_eq!(exported_rx.recv_timeout(Duration::from_secs(5)), Ok(1));
}
