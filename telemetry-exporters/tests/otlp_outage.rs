//! The collector is down for a while: a periodic reader keeps exporting to a port where
//! nothing listens, then the receiver starts on that very port and the exports resume.
//!
//! What "bounded memory" means here, and how it is checked: the periodic reader keeps no
//! backlog; a failed collection is dropped, and the next tick sends a fresh cumulative one.
//! So the test asserts both (a) the process' resident set (`/proc/self/statm`) grows by
//! less than 4 MiB over 200 failed exports after a warm-up, and (b) structurally, the first
//! request after the outage carries one point per series, the latest value, not one per
//! missed tick. This file holds a single test so no other test shares its RSS.
#![cfg(feature = "otlp")]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use telemetry_core::{
    Error, KeyValue, MeterProvider, PeriodicReader, PushExporter, Resource, ResourceMetrics,
    Temporality,
};
use telemetry_exporters::otlp::OtlpExporter;
use telemetry_testkit::{free_port, OtlpReceiver};

/// Forwards to the OTLP exporter and counts what the reader was told.
#[derive(Debug)]
struct Counting {
    inner: OtlpExporter,
    ok: AtomicUsize,
    failed: AtomicUsize,
    last_error: std::sync::Mutex<Option<String>>,
}

impl PushExporter for Counting {
    fn export(&self, metrics: &ResourceMetrics, timeout: Duration) -> Result<(), Error> {
        let result = self.inner.export(metrics, timeout);
        match &result {
            Ok(()) => self.ok.fetch_add(1, Ordering::SeqCst),
            Err(e) => {
                *self.last_error.lock().unwrap() = Some(e.to_string());
                self.failed.fetch_add(1, Ordering::SeqCst)
            }
        };
        result
    }

    fn temporality(&self) -> Temporality {
        self.inner.temporality()
    }
}

/// Resident set size in bytes (Linux; statm counts 4 KiB pages on the machines we run on).
fn rss() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("/proc/self/statm");
    let pages: u64 = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    pages * 4096
}

fn wait_until(what: &str, within: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + within;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn exports_resume_after_the_receiver_was_down() {
    let port = free_port();
    // A short export timeout: a refused connection is retried once the backoff fits, which
    // it never does in 50 ms, so each export fails in about a millisecond.
    let exporter = Arc::new(Counting {
        inner: OtlpExporter::builder()
            .with_endpoint(format!("http://127.0.0.1:{port}"))
            .with_timeout(Duration::from_millis(50))
            .build()
            .unwrap(),
        ok: AtomicUsize::new(0),
        failed: AtomicUsize::new(0),
        last_error: std::sync::Mutex::new(None),
    });
    let reader = PeriodicReader::builder(exporter.clone())
        .with_interval(Duration::from_millis(5))
        .with_timeout(Duration::from_millis(50))
        .build();
    let provider = MeterProvider::builder()
        .with_resource(Resource::new([KeyValue::new("service.name", "outage")]))
        .with_reader(reader.clone())
        .build();
    let counter = provider
        .meter("outage")
        .u64_counter("ticks")
        .build()
        .unwrap();
    let recorded = std::cell::Cell::new(0_u64);
    let record = |n: u64| {
        for _ in 0..n {
            counter.add(1, &[KeyValue::new("path", "/a")]);
        }
        recorded.set(recorded.get() + n);
    };

    // Warm up (allocator, connection pool, the reader's buffers), then measure.
    wait_until("20 failed exports", Duration::from_secs(20), || {
        record(10);
        exporter.failed.load(Ordering::SeqCst) >= 20
    });
    let (failed_before, rss_before) = (exporter.failed.load(Ordering::SeqCst), rss());
    wait_until("200 more failed exports", Duration::from_secs(60), || {
        record(10);
        exporter.failed.load(Ordering::SeqCst) >= failed_before + 200
    });
    let (failed_after, rss_after) = (exporter.failed.load(Ordering::SeqCst), rss());
    let growth = rss_after.saturating_sub(rss_before);
    eprintln!(
        "outage: {} failed exports, RSS {} KiB -> {} KiB (+{} KiB); last error: {:?}",
        failed_after - failed_before,
        rss_before / 1024,
        rss_after / 1024,
        growth / 1024,
        exporter.last_error.lock().unwrap()
    );
    assert!(
        growth < 4 << 20,
        "RSS grew by {growth} bytes during the outage"
    );
    assert_eq!(exporter.ok.load(Ordering::SeqCst), 0);
    // The failure reaches the caller too.
    assert!(reader.force_flush().is_err());
    let message = exporter.last_error.lock().unwrap().clone().unwrap();
    assert!(message.contains(&port.to_string()), "{message}");

    // Recording stops; the receiver comes back on the same port and the total must arrive.
    let total = recorded.get() as f64;
    let Some(rx) = OtlpReceiver::start_on(port) else {
        return;
    };
    wait_until("exports to resume", Duration::from_secs(20), || {
        exporter.ok.load(Ordering::SeqCst) >= 2
    });
    let points = rx.wait_points(2);
    let first: Vec<_> = points.iter().filter(|p| p.raw["req"] == 1).collect();
    assert_eq!(
        first.len(),
        1,
        "one point per series, no backlog: {first:#?}"
    );
    let value = first[0].number("as_int").unwrap();
    let last = points.last().unwrap().number("as_int").unwrap();
    eprintln!(
        "resumed: {} successful exports, {} points, ticks = {value} in the first request, {last} in the last",
        exporter.ok.load(Ordering::SeqCst),
        points.len()
    );
    assert_eq!(first[0].name(), "ticks");
    assert_eq!(first[0].attribute("path").as_deref(), Some("/a"));
    assert_eq!(first[0].resource("service.name").as_deref(), Some("outage"));
    // Cumulative: every add of the outage is in it, and nothing is counted twice.
    assert_eq!(value, total);
    assert_eq!(last, total);
    provider.shutdown().unwrap();
}
