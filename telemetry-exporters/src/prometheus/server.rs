//! The scrape endpoint: `GET /metrics` from a small, bounded set of threads.
//!
//! Blocking on purpose (no async runtime), yet a slow client must not pin a thread. So:
//! - one event-loop thread owns the listener and every connection, all non-blocking
//!   (`mio`: epoll, kqueue or IOCP). It reads and parses request heads (`httparse`, with
//!   the limits of [`ServeOptions`]), answers what needs no collection (401, 404, 405,
//!   4xx for bad requests), sends every answer and enforces the timeouts;
//! - `workers` threads collect, render (negotiating with `format.rs`) and compress the
//!   complete `GET`/`HEAD /metrics` requests the loop hands them, one job per connection at
//!   most, and give the bytes back through a channel and a `mio::Waker`.
//!
//! A connection that sends half a request line costs a socket and a buffer until its
//! request timeout, never a thread; the numbers of threads (`1 + workers`) and descriptors
//! (`max_connections + 3`) are fixed at start. With TLS (feature `prometheus-tls`), rustls
//! runs inside the event loop, on the same non-blocking sockets.

mod auth;
mod conn;
mod http;
mod options;
#[cfg(feature = "prometheus-tls")]
mod tls;
mod worker;

use std::collections::HashMap;
use std::fmt;
use std::io;
use std::net::{SocketAddr, TcpListener};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use mio::{Events, Interest, Poll, Token, Waker};

pub use options::{ServeError, ServeOptions};
#[cfg(feature = "prometheus-tls")]
pub use tls::TlsConfig;

use super::gather::Gather;
use conn::{Conn, Fill, Phase, Transport};
use http::{Method, Parsed};
use worker::{Done, Job, Shared};

const LISTENER: Token = Token(0);
const WAKER: Token = Token(1);
const FIRST_CONNECTION: usize = 2;

/// How long a half-closed connection may keep sending before it is closed, and how much
/// of it is read.
const DRAIN_TIME: Duration = Duration::from_secs(2);
const DRAIN_BYTES: usize = 1024 * 1024;

/// How long a keep-alive connection must have been idle before it is closed to make room
/// for clients waiting in the backlog. A client whose connection closes at the moment it
/// sends a request sees an error (HTTP clients retry a GET, benchmarks do not): after a
/// second of silence that race is unlikely, and a client that is active anyway gets
/// `Connection: close` with its next answer.
const EVICT_IDLE_AFTER: Duration = Duration::from_secs(1);

/// A running scrape endpoint; stopped by [`shutdown`](Self::shutdown) or on drop, so keep
/// it in a variable (`let _server = …`, not `let _ = …`) for as long as it should serve.
///
/// Started by [`serve`](super::serve), [`PrometheusExporter::serve`](super::PrometheusExporter::serve)
/// or [`Gatherers::serve`](super::Gatherers::serve), or their `serve_with` forms that take
/// [`ServeOptions`].
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
    stopping: Arc<AtomicBool>,
    waker: Arc<Waker>,
    /// The event loop first, then the workers.
    threads: Vec<JoinHandle<()>>,
}

impl fmt::Debug for ScrapeServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScrapeServer")
            .field("addr", &self.addr)
            .field("running", &!self.threads.is_empty())
            .finish()
    }
}

impl ScrapeServer {
    pub(super) fn start(
        listener: TcpListener,
        source: Arc<dyn Gather>,
        openmetrics: bool,
        options: ServeOptions,
    ) -> Result<Self, ServeError> {
        options.validate()?;
        let start_error = |what| move |source| ServeError::Start { what, source };
        let addr = listener.local_addr().map_err(start_error("listener"))?;
        listener
            .set_nonblocking(true)
            .map_err(start_error("listener"))?;
        let mut listener = mio::net::TcpListener::from_std(listener);
        let poll = Poll::new().map_err(start_error("poller"))?;
        poll.registry()
            .register(&mut listener, LISTENER, Interest::READABLE)
            .map_err(start_error("poller"))?;
        let waker = Arc::new(Waker::new(poll.registry(), WAKER).map_err(start_error("waker"))?);
        let stopping = Arc::new(AtomicBool::new(false));

        let (job_tx, job_rx) = mpsc::channel::<Job>();
        let (done_tx, done_rx) = mpsc::channel::<Done>();
        let job_rx = Arc::new(Mutex::new(job_rx));
        let shared = Arc::new(Shared {
            source,
            openmetrics,
            logged: Mutex::new(Vec::new()),
        });
        let mut server = ScrapeServer {
            addr,
            stopping: Arc::clone(&stopping),
            waker: Arc::clone(&waker),
            threads: Vec::with_capacity(1 + options.workers),
        };
        let event_loop = EventLoop {
            poll,
            listener,
            conns: HashMap::new(),
            next_token: FIRST_CONNECTION,
            backlogged: false,
            accept_failing: false,
            jobs: job_tx,
            done: done_rx,
            stopping,
            options,
        };
        let workers = event_loop.options.workers;
        // On an error below, dropping `server` stops what was started.
        server.threads.push(
            std::thread::Builder::new()
                .name("prometheus-scrape".into())
                .spawn(move || event_loop.run())
                .map_err(start_error("event loop thread"))?,
        );
        for i in 0..workers {
            let (jobs, done) = (Arc::clone(&job_rx), done_tx.clone());
            let (waker, shared) = (Arc::clone(&waker), Arc::clone(&shared));
            server.threads.push(
                std::thread::Builder::new()
                    .name(format!("prometheus-render-{i}"))
                    .spawn(move || worker::run(&jobs, &done, &waker, &shared))
                    .map_err(start_error("worker thread"))?,
            );
        }
        Ok(server)
    }

    /// The address the endpoint listens on (the actual port when bound to port 0).
    #[must_use]
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops answering, closes the listening socket and every connection, and waits for
    /// the threads to finish (a scrape being rendered is finished first).
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        if self.threads.is_empty() {
            return;
        }
        self.stopping.store(true, Ordering::SeqCst);
        if let Err(e) = self.waker.wake() {
            log::warn!("prometheus scrape endpoint: cannot wake the event loop to stop it: {e}");
        }
        for thread in self.threads.drain(..) {
            // A panic there has already been reported on stderr and leaves nothing to clean
            // up; the event loop's end drops the job channel, which ends the workers.
            let _ = thread.join();
        }
    }
}

impl Drop for ScrapeServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The thread that owns the sockets.
struct EventLoop {
    poll: Poll,
    listener: mio::net::TcpListener,
    conns: HashMap<usize, Conn>,
    /// Tokens are never reused, so a late answer cannot reach a newer connection.
    next_token: usize,
    /// Connections wait in the listen backlog because `max_connections` are open (or
    /// `accept` failed).
    backlogged: bool,
    /// `accept` failed last time: its error was logged once, not at every retry.
    accept_failing: bool,
    jobs: Sender<Job>,
    done: Receiver<Done>,
    stopping: Arc<AtomicBool>,
    options: ServeOptions,
}

/// What to do with a connection after driving it.
#[derive(Debug, PartialEq, Eq)]
enum Next {
    Keep,
    Close,
}

impl EventLoop {
    fn run(mut self) {
        let mut events = Events::with_capacity(256);
        let mut next_sweep = Instant::now();
        while !self.stopping.load(Ordering::SeqCst) {
            let timeout = next_sweep.saturating_duration_since(Instant::now());
            let timeout = (!self.conns.is_empty() || self.backlogged).then_some(timeout);
            if let Err(e) = self.poll.poll(&mut events, timeout) {
                if e.kind() != io::ErrorKind::Interrupted {
                    log::error!("prometheus scrape endpoint: poll failed, stopping: {e}");
                    return;
                }
            }
            for event in &events {
                match event.token() {
                    LISTENER => self.accept(),
                    WAKER => {}
                    Token(token) => self.drive(token),
                }
            }
            while let Ok(done) = self.done.try_recv() {
                self.deliver(done);
            }
            let now = Instant::now();
            if now >= next_sweep || self.backlogged {
                next_sweep = self.sweep(now);
            }
            if self.backlogged {
                self.make_room();
                self.accept();
            }
        }
        log::debug!(
            "prometheus scrape endpoint stopping with {} connections",
            self.conns.len()
        );
    }

    /// Accepts until the backlog is empty or `max_connections` are open.
    fn accept(&mut self) {
        loop {
            if self.conns.len() >= self.options.max_connections {
                self.backlogged = true;
                return;
            }
            match self.listener.accept() {
                Ok((socket, _)) => {
                    self.accept_failing = false;
                    self.add(socket);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.accept_failing = false;
                    self.backlogged = false;
                    return;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                // E.g. out of descriptors: the connection stays in the backlog, retried at
                // the next turn of the loop (within 100 ms, see `sweep`).
                Err(e) => {
                    if !self.accept_failing {
                        log::warn!("prometheus scrape endpoint: accept failed (retrying): {e}");
                    }
                    self.accept_failing = true;
                    self.backlogged = true;
                    return;
                }
            }
        }
    }

    fn add(&mut self, mut socket: mio::net::TcpStream) {
        // Answers are written whole; do not wait for an ACK to send their tail.
        let _ = socket.set_nodelay(true);
        let token = self.next_token;
        self.next_token += 1;
        if let Err(e) = self.poll.registry().register(
            &mut socket,
            Token(token),
            Interest::READABLE | Interest::WRITABLE,
        ) {
            log::warn!("prometheus scrape endpoint: cannot register a connection: {e}");
            return;
        }
        let transport = match self.transport(socket) {
            Some(transport) => transport,
            None => return,
        };
        let conn = Conn {
            transport,
            input: Vec::new(),
            phase: Phase::Head { started: true },
            deadline: Instant::now() + self.options.request_timeout,
            idle_since: None,
        };
        self.conns.insert(token, conn);
        // Edge-triggered: what arrived before the registration must be read now.
        self.drive(token);
    }

    #[cfg(feature = "prometheus-tls")]
    fn transport(&self, socket: mio::net::TcpStream) -> Option<Transport> {
        let Some(tls) = &self.options.tls else {
            return Some(Transport::plain(socket));
        };
        match rustls::ServerConnection::new(Arc::clone(&tls.config)) {
            Ok(session) => Some(Transport::tls(socket, session)),
            Err(e) => {
                log::warn!("prometheus scrape endpoint: cannot start a TLS session: {e}");
                None
            }
        }
    }

    #[cfg(not(feature = "prometheus-tls"))]
    #[allow(clippy::unnecessary_wraps)] // the same signature as with TLS
    fn transport(&self, socket: mio::net::TcpStream) -> Option<Transport> {
        Some(Transport::plain(socket))
    }

    /// Moves connection `token` as far as its socket allows, closing it when done.
    fn drive(&mut self, token: usize) {
        let Some(mut conn) = self.conns.remove(&token) else {
            return;
        };
        match self.advance(token, &mut conn) {
            Ok(Next::Keep) => {
                self.conns.insert(token, conn);
            }
            Ok(Next::Close) => self.close(conn),
            Err(e) => {
                log::debug!("prometheus scrape endpoint: connection dropped: {e}");
                self.close(conn);
            }
        }
    }

    fn close(&mut self, mut conn: Conn) {
        let _ = self.poll.registry().deregister(conn.transport.socket());
        // Dropping the socket closes it.
    }

    fn advance(&self, token: usize, conn: &mut Conn) -> io::Result<Next> {
        let options = &self.options;
        loop {
            match &mut conn.phase {
                Phase::Head { started } => {
                    let fill = conn
                        .transport
                        .fill(&mut conn.input, options.max_head_bytes + 1)?;
                    let auth = &options.auth;
                    match http::parse(&conn.input, options.max_headers, |h| auth.allows(h)) {
                        Parsed::Partial if conn.input.len() > options.max_head_bytes => {
                            self.reject(conn, 431);
                        }
                        Parsed::Partial => {
                            if fill == Fill::Eof {
                                return Ok(Next::Close);
                            }
                            if !*started && !conn.input.is_empty() {
                                *started = true;
                                conn.deadline = Instant::now() + options.request_timeout;
                                conn.idle_since = None;
                            }
                            break;
                        }
                        Parsed::Reject(status) => self.reject(conn, status),
                        Parsed::Complete(head, len) => {
                            conn.input.drain(..len);
                            if head.content_length > options.max_body_bytes {
                                self.reject(conn, 413);
                            } else if head.content_length > 0 {
                                conn.phase = Phase::Body {
                                    remaining: head.content_length,
                                    head,
                                };
                            } else {
                                self.answer(token, conn, &head);
                            }
                        }
                    }
                }
                Phase::Body { remaining, .. } => {
                    let used = conn.input.len().min(*remaining);
                    conn.input.drain(..used);
                    *remaining -= used;
                    if *remaining == 0 {
                        let Phase::Body { head, .. } =
                            std::mem::replace(&mut conn.phase, Phase::Busy)
                        else {
                            unreachable!("matched above")
                        };
                        self.answer(token, conn, &head);
                        continue;
                    }
                    let limit = (*remaining).min(64 * 1024);
                    match conn.transport.fill(&mut conn.input, limit)? {
                        Fill::Eof => return Ok(Next::Close),
                        Fill::Drained if conn.input.is_empty() => break,
                        Fill::Drained | Fill::Full => {}
                    }
                }
                Phase::Busy => break,
                Phase::Write { close } => {
                    let close = *close;
                    if !conn.transport.flush()? {
                        break;
                    }
                    if close {
                        conn.transport.shutdown_write();
                        conn.phase = Phase::Drain { discarded: 0 };
                        conn.deadline = Instant::now() + DRAIN_TIME;
                    } else {
                        let now = Instant::now();
                        conn.phase = Phase::Head { started: false };
                        conn.deadline = now + options.idle_timeout;
                        conn.idle_since = Some(now);
                    }
                }
                Phase::Drain { discarded } => {
                    *discarded += conn.input.len();
                    conn.input.clear();
                    let fill = conn.transport.fill(&mut conn.input, 64 * 1024)?;
                    if fill == Fill::Eof || *discarded + conn.input.len() > DRAIN_BYTES {
                        return Ok(Next::Close);
                    }
                    if fill == Fill::Drained {
                        *discarded += conn.input.len();
                        conn.input.clear();
                        break;
                    }
                }
            }
        }
        // The TLS handshake writes while the loop waits for a request.
        conn.transport.flush()?;
        Ok(Next::Keep)
    }

    /// Answers a request that cannot be served, and closes after it.
    fn reject(&self, conn: &mut Conn, status: u16) {
        let message = match status {
            400 => "bad request\n",
            411 => "a request body needs Content-Length\n",
            413 => "request body too large\n",
            431 => "request line or headers too large\n",
            _ => "rejected\n",
        };
        log::debug!("prometheus scrape endpoint: request rejected with {status}");
        self.send(conn, http::text(status, &[], message, false, true), true);
    }

    /// Answers a complete request: right here when no collection is needed, else by a
    /// worker.
    fn answer(&self, token: usize, conn: &mut Conn, head: &http::Head) {
        let head_only = head.method == Method::Head;
        let close = !head.keep_alive || self.backlogged;
        if !head.authorized {
            let challenges: Vec<_> = self
                .options
                .auth
                .challenges()
                .map(|c| ("WWW-Authenticate", c))
                .collect();
            let response = http::text(401, &challenges, "unauthorized\n", head_only, close);
            return self.send(conn, response, close);
        }
        if !head.is_metrics_path {
            let message = format!("not found; metrics are at {}\n", http::PATH);
            return self.send(
                conn,
                http::text(404, &[], &message, head_only, close),
                close,
            );
        }
        if head.method == Method::Other {
            let allow = [("Allow", "GET, HEAD")];
            let response = http::text(405, &allow, "only GET and HEAD are allowed\n", false, close);
            return self.send(conn, response, close);
        }
        let job = Job {
            token,
            accept: head.accept.clone(),
            accept_encoding: head.accept_encoding.clone(),
            head_only,
            close,
        };
        conn.phase = Phase::Busy;
        if self.jobs.send(job).is_err() {
            // Every worker is gone (they only end when the loop does).
            let response = http::text(500, &[], "no worker\n", head_only, true);
            self.send(conn, response, true);
        }
    }

    /// Queues `response` and moves to writing it.
    fn send(&self, conn: &mut Conn, response: Vec<u8>, close: bool) {
        conn.transport.send(response);
        if close {
            conn.transport.close_notify();
        }
        conn.phase = Phase::Write { close };
        conn.deadline = Instant::now() + self.options.write_timeout;
    }

    /// A worker's answer: send it, unless the connection is gone.
    fn deliver(&mut self, done: Done) {
        let Some(mut conn) = self.conns.remove(&done.token) else {
            return;
        };
        if matches!(conn.phase, Phase::Busy) {
            self.send(&mut conn, done.response, done.close);
        }
        self.conns.insert(done.token, conn);
        self.drive(done.token);
    }

    /// Closes the connections whose phase timed out (a rendering one waits for its
    /// worker); returns when to sweep next.
    fn sweep(&mut self, now: Instant) -> Instant {
        let expired: Vec<usize> = self
            .conns
            .iter()
            .filter(|(_, c)| !matches!(c.phase, Phase::Busy) && c.deadline <= now)
            .map(|(&token, _)| token)
            .collect();
        for token in expired {
            if let Some(conn) = self.conns.remove(&token) {
                log::debug!(
                    "prometheus scrape endpoint: closing a connection that timed out in {:?}",
                    conn.phase
                );
                self.close(conn);
            }
        }
        let earliest = self.conns.values().map(|c| c.deadline).min();
        // At least every 100 ms while connections wait in the backlog (or `accept` failed),
        // and at most every second otherwise (deadlines are not more precise than that).
        let cap = if self.backlogged {
            Duration::from_millis(100)
        } else {
            Duration::from_secs(1)
        };
        earliest.map_or(now + cap, |t| {
            t.min(now + cap).max(now + Duration::from_millis(10))
        })
    }

    /// With clients waiting in the backlog, closes the keep-alive connections that have
    /// waited [`EVICT_IDLE_AFTER`] for a next request: they have been served, the waiting
    /// ones have not.
    fn make_room(&mut self) {
        let now = Instant::now();
        let idle: Vec<usize> = self
            .conns
            .iter()
            .filter(|(_, c)| {
                matches!(c.phase, Phase::Head { started: false })
                    && c.idle_since
                        .is_some_and(|t| now.duration_since(t) >= EVICT_IDLE_AFTER)
            })
            .map(|(&token, _)| token)
            .collect();
        for token in idle {
            if let Some(conn) = self.conns.remove(&token) {
                self.close(conn);
            }
        }
    }
}
