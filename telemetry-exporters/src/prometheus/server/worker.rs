//! The workers: collect, render in the negotiated format, compress, and hand the whole
//! answer back to the event loop, which sends it.

use std::io::{self, Write as _};
use std::panic::{self, AssertUnwindSafe};
use std::sync::mpsc::{Receiver, Sender};
use std::sync::{Arc, Mutex, PoisonError};

use flate2::write::GzEncoder;
use flate2::Compression;
use mio::Waker;

use super::super::format::{accepts_gzip, Format};
use super::super::gather::{self, Gather};
use super::super::text::Warning;
use super::http;

/// A scrape to render for connection `token`.
#[derive(Debug)]
pub(super) struct Job {
    pub(super) token: usize,
    pub(super) accept: Option<String>,
    pub(super) accept_encoding: Option<String>,
    pub(super) head_only: bool,
    pub(super) close: bool,
}

/// The rendered answer for connection `token`.
#[derive(Debug)]
pub(super) struct Done {
    pub(super) token: usize,
    pub(super) response: Vec<u8>,
    pub(super) close: bool,
}

/// What every worker shares.
pub(super) struct Shared {
    pub(super) source: Arc<dyn Gather>,
    pub(super) openmetrics: bool,
    /// The warnings of the last scrape, to log only changes.
    pub(super) logged: Mutex<Vec<Warning>>,
}

/// Renders jobs until the event loop drops its sender.
pub(super) fn run(
    jobs: &Mutex<Receiver<Job>>,
    done: &Sender<Done>,
    waker: &Waker,
    shared: &Shared,
) {
    loop {
        // A worker that panicked while holding the lock left no broken state behind: the
        // receiver is only read.
        let job = jobs.lock().unwrap_or_else(PoisonError::into_inner).recv();
        let Ok(job) = job else { return };
        let response = render(&job, shared);
        let answer = Done {
            token: job.token,
            response,
            close: job.close,
        };
        if done.send(answer).is_err() {
            return;
        }
        if let Err(e) = waker.wake() {
            log::warn!("prometheus scrape endpoint: cannot wake the event loop: {e}");
        }
    }
}

fn render(job: &Job, shared: &Shared) -> Vec<u8> {
    let format = if shared.openmetrics {
        Format::from_accept(job.accept.as_deref())
    } else {
        Format::Text
    };
    let text = |status, message: &str| http::text(status, &[], message, job.head_only, job.close);
    // A panic in a user callback must not take the endpoint down with it.
    match panic::catch_unwind(AssertUnwindSafe(|| gather::render(&*shared.source, format))) {
        Ok(Ok((body, warnings))) => {
            log_changes(warnings, &shared.logged);
            let gzip = accepts_gzip(job.accept_encoding.as_deref());
            metrics_response(&body, format, gzip, job)
        }
        Ok(Err(e)) => {
            log::warn!("prometheus scrape failed: {e}");
            text(500, &format!("collection failed: {e}\n"))
        }
        Err(_) => {
            log::warn!("prometheus scrape panicked");
            text(500, "collection panicked\n")
        }
    }
}

/// The 200 answer: the body in `format`, gzip-compressed when the client takes it.
fn metrics_response(body: &str, format: Format, gzip: bool, job: &Job) -> Vec<u8> {
    let vary = ("Vary", "Accept, Accept-Encoding");
    let content_type = ("Content-Type", format.content_type());
    if gzip {
        if let Ok(compressed) = compress(body.as_bytes()) {
            let headers = [content_type, ("Content-Encoding", "gzip"), vary];
            return http::response(200, &headers, &compressed, job.head_only, job.close);
        }
    }
    let headers = [content_type, vary];
    http::response(200, &headers, body.as_bytes(), job.head_only, job.close)
}

/// gzip at the fastest level: a scrape body is repetitive text (label sets, `_bucket`
/// lines) that compresses well even so, and a scrape should cost little CPU.
fn compress(body: &[u8]) -> io::Result<Vec<u8>> {
    let mut encoder = GzEncoder::new(Vec::with_capacity(body.len() / 4), Compression::fast());
    encoder.write_all(body)?;
    encoder.finish()
}

/// Logs the warnings of a scrape that differ from the previous scrape's, so that a
/// duplicate is reported when it appears, not at every scrape.
fn log_changes(warnings: Vec<Warning>, logged: &Mutex<Vec<Warning>>) {
    let mut logged = logged.lock().unwrap_or_else(PoisonError::into_inner);
    if warnings == *logged {
        return;
    }
    for warning in warnings.iter().filter(|w| !logged.contains(w)) {
        log::warn!("prometheus scrape: {warning}");
    }
    *logged = warnings;
}
