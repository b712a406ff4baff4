//! The scrape endpoint: one background thread answering `GET /metrics`.
//!
//! Blocking on purpose: a scrape every few seconds needs no async runtime, and a plain
//! thread is something any application can host. `tiny_http` parses HTTP/1.x (keep-alive,
//! `HEAD` without a body); this file only routes, negotiates (with the functions of
//! `format.rs`), renders and compresses.

use std::fmt;
use std::io::{self, Write as _};
use std::net::{SocketAddr, TcpListener};
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;

use flate2::write::GzEncoder;
use flate2::Compression;
use tiny_http::{Header, Method, Request, Response, Server};

use super::format::{accepts_gzip, Format};
use super::gather::{self, Gather};
use super::text::Warning;

const PATH: &str = "/metrics";

/// A running scrape endpoint; stopped by [`shutdown`](Self::shutdown) or on drop, so keep
/// it in a variable (`let _server = …`, not `let _ = …`) for as long as it should serve.
///
/// Started by [`serve`](super::serve), [`PrometheusExporter::serve`](super::PrometheusExporter::serve)
/// or [`Gatherers::serve`](super::Gatherers::serve).
///
/// ```
/// use std::io::{Read, Write};
/// use std::net::TcpStream;
/// use telemetry_exporters::prometheus::PrometheusExporter;
///
/// let exporter = PrometheusExporter::new(); // not given to a provider: scrapes fail
/// let server = exporter.serve("127.0.0.1:0")?;
/// let mut stream = TcpStream::connect(server.local_addr())?;
/// stream.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")?;
/// let mut response = String::new();
/// stream.read_to_string(&mut response)?;
/// assert!(response.starts_with("HTTP/1.1 500 "));
/// server.shutdown();
/// # Ok::<(), std::io::Error>(())
/// ```
#[must_use = "the endpoint stops when the ScrapeServer is dropped"]
pub struct ScrapeServer {
    addr: SocketAddr,
    server: Arc<Server>,
    stopping: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl fmt::Debug for ScrapeServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScrapeServer")
            .field("addr", &self.addr)
            .field("running", &self.thread.is_some())
            .finish()
    }
}

impl ScrapeServer {
    pub(super) fn start(
        listener: TcpListener,
        source: Arc<dyn Gather>,
        openmetrics: bool,
    ) -> io::Result<Self> {
        let addr = listener.local_addr()?;
        let server = Arc::new(Server::from_listener(listener, None).map_err(io::Error::other)?);
        let stopping = Arc::new(AtomicBool::new(false));
        let thread = std::thread::Builder::new()
            .name("prometheus-scrape".into())
            .spawn({
                let server = Arc::clone(&server);
                let stopping = Arc::clone(&stopping);
                move || serve(&server, &stopping, &*source, openmetrics)
            })?;
        Ok(ScrapeServer {
            addr,
            server,
            stopping,
            thread: Some(thread),
        })
    }

    /// The address the endpoint listens on (the actual port when bound to port 0).
    #[must_use]
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops answering, closes the listening socket and waits for the thread to finish.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        if let Some(thread) = self.thread.take() {
            self.stopping.store(true, Ordering::SeqCst);
            self.server.unblock();
            // The thread only renders and responds; a panic there has already been reported
            // on stderr and leaves nothing to clean up.
            let _ = thread.join();
        }
    }
}

impl Drop for ScrapeServer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn serve(server: &Server, stopping: &AtomicBool, source: &dyn Gather, openmetrics: bool) {
    let mut logged: Vec<Warning> = Vec::new();
    loop {
        match server.recv() {
            Ok(request) => respond(request, source, openmetrics, &mut logged),
            // Unblocked by `stop`, or the accept loop failed: either way, wait for `stop`.
            Err(_) if stopping.load(Ordering::SeqCst) => return,
            Err(_) => {}
        }
    }
}

fn respond(request: Request, source: &dyn Gather, openmetrics: bool, logged: &mut Vec<Warning>) {
    let path = request.url().split(['?', '#']).next().unwrap_or_default();
    let response = if path != PATH {
        text_response(404, format!("not found; metrics are at {PATH}\n"))
    } else if !matches!(request.method(), Method::Get | Method::Head) {
        text_response(405, "only GET and HEAD are allowed\n".to_owned())
            .with_header(header("Allow", "GET, HEAD"))
    } else {
        let format = if openmetrics {
            Format::from_accept(header_value(&request, "Accept"))
        } else {
            Format::Text
        };
        // A panic in a user callback must not take the endpoint down with it.
        match panic::catch_unwind(AssertUnwindSafe(|| gather::render(source, format))) {
            Ok(Ok((body, warnings))) => {
                log_changes(warnings, logged);
                let gzip = accepts_gzip(header_value(&request, "Accept-Encoding"));
                metrics_response(body, format, gzip)
            }
            Ok(Err(e)) => {
                log::warn!("prometheus scrape failed: {e}");
                text_response(500, format!("collection failed: {e}\n"))
            }
            Err(_) => text_response(500, "collection panicked\n".to_owned()),
        }
    };
    // Send the length rather than chunks, whatever the size: simpler for every client.
    let response = response.with_chunked_threshold(usize::MAX);
    // The client may have gone away; there is nobody to tell.
    let _ = request.respond(response);
}

/// The 200 response: the body in `format`, gzip-compressed when the client takes it.
fn metrics_response(body: String, format: Format, gzip: bool) -> Response<io::Cursor<Vec<u8>>> {
    let vary = header("Vary", "Accept, Accept-Encoding");
    let content_type = header("Content-Type", format.content_type());
    if gzip {
        if let Ok(compressed) = compress(body.as_bytes()) {
            return Response::from_data(compressed)
                .with_header(content_type)
                .with_header(header("Content-Encoding", "gzip"))
                .with_header(vary);
        }
    }
    Response::from_string(body)
        .with_header(content_type)
        .with_header(vary)
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
fn log_changes(warnings: Vec<Warning>, logged: &mut Vec<Warning>) {
    if warnings == *logged {
        return;
    }
    for warning in warnings.iter().filter(|w| !logged.contains(w)) {
        log::warn!("prometheus scrape: {warning}");
    }
    *logged = warnings;
}

/// The value of the first request header called `name` (case-insensitive).
fn header_value<'r>(request: &'r Request, name: &'static str) -> Option<&'r str> {
    request
        .headers()
        .iter()
        .find(|h| h.field.equiv(name))
        .map(|h| h.value.as_str())
}

fn text_response(status: u16, body: String) -> Response<io::Cursor<Vec<u8>>> {
    Response::from_string(body)
        .with_status_code(status)
        .with_header(header("Content-Type", "text/plain; charset=utf-8"))
}

fn header(name: &str, value: &str) -> Header {
    // Both are ASCII constants of this file; `from_bytes` only fails on non-ASCII input.
    Header::from_bytes(name.as_bytes(), value.as_bytes()).expect("ASCII header")
}
