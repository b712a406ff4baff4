//! [`ServeOptions`]: the endpoint's limits, timeouts, credentials and TLS, and
//! [`ServeError`], what starting it can fail with.

use std::error::Error as StdError;
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use super::auth::Auth;
#[cfg(feature = "prometheus-tls")]
use super::tls::TlsConfig;

/// How the scrape endpoint protects itself: connection, size and time limits, optional
/// credentials and (feature `prometheus-tls`) TLS.
///
/// | option | default | when exceeded |
/// |---|---|---|
/// | [`with_max_connections`](Self::with_max_connections) | 256 open connections | further connections wait in the listen backlog (not refused); keep-alive connections idle for a second are closed and answers say `Connection: close` until the backlog is served |
/// | [`with_listen_backlog`](Self::with_listen_backlog) | 1024 connections the kernel accepts and queues (Linux caps it at `net.core.somaxconn`) | the kernel drops the client's SYN, which retries after a second or more |
/// | [`with_workers`](Self::with_workers) | 2 threads rendering scrapes | requests queue (at most one per connection) |
/// | [`with_max_head_bytes`](Self::with_max_head_bytes) | 16 KiB request line + headers | `431 Request Header Fields Too Large`, connection closed |
/// | [`with_max_headers`](Self::with_max_headers) | 64 header lines | `431` |
/// | [`with_max_body_bytes`](Self::with_max_body_bytes) | 8 KiB request body (read and ignored) | `413 Content Too Large`, connection closed |
/// | [`with_request_timeout`](Self::with_request_timeout) | 10 s to receive a whole request, from its first byte (from `accept` for a connection's first request) | connection closed |
/// | [`with_idle_timeout`](Self::with_idle_timeout) | 60 s between two requests of a keep-alive connection | connection closed |
/// | [`with_write_timeout`](Self::with_write_timeout) | 30 s to send an answer | connection closed |
///
/// A slow or silent client costs one socket and its buffer, never a thread: one thread
/// reads and writes every connection without blocking, and only complete requests reach
/// the workers. The endpoint never runs more than `1 + workers` threads nor holds more
/// than `max_connections + 3` descriptors (on Linux: the connections, the listener, the
/// epoll instance and the eventfd that wakes it).
///
/// ```
/// use std::time::Duration;
/// use telemetry_exporters::prometheus::{PrometheusExporter, ServeOptions};
///
/// let options = ServeOptions::new()
///     .with_max_connections(64)
///     .with_request_timeout(Duration::from_secs(5))
///     .with_bearer_token("s3cret");
/// let server = PrometheusExporter::new().serve_with("127.0.0.1:0", options)?;
/// server.shutdown();
/// # Ok::<(), telemetry_exporters::prometheus::ServeError>(())
/// ```
#[derive(Clone)]
pub struct ServeOptions {
    pub(super) max_connections: usize,
    pub(super) listen_backlog: u32,
    pub(super) workers: usize,
    pub(super) max_head_bytes: usize,
    pub(super) max_headers: usize,
    pub(super) max_body_bytes: usize,
    pub(super) request_timeout: Duration,
    pub(super) idle_timeout: Duration,
    pub(super) write_timeout: Duration,
    pub(super) auth: Auth,
    #[cfg(feature = "prometheus-tls")]
    pub(super) tls: Option<TlsConfig>,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            max_connections: 256,
            listen_backlog: 1024,
            workers: 2,
            max_head_bytes: 16 * 1024,
            max_headers: 64,
            max_body_bytes: 8 * 1024,
            request_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            write_timeout: Duration::from_secs(30),
            auth: Auth::default(),
            #[cfg(feature = "prometheus-tls")]
            tls: None,
        }
    }
}

impl fmt::Debug for ServeOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("ServeOptions");
        s.field("max_connections", &self.max_connections)
            .field("listen_backlog", &self.listen_backlog)
            .field("workers", &self.workers)
            .field("max_head_bytes", &self.max_head_bytes)
            .field("max_headers", &self.max_headers)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("request_timeout", &self.request_timeout)
            .field("idle_timeout", &self.idle_timeout)
            .field("write_timeout", &self.write_timeout)
            // `Auth`'s Debug names the schemes, never the secrets.
            .field("auth", &self.auth);
        #[cfg(feature = "prometheus-tls")]
        s.field("tls", &self.tls.is_some());
        s.finish()
    }
}

impl ServeOptions {
    /// The defaults of the table above: no credentials, no TLS.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Connections held open at once (default 256, at least 1). More wait in the kernel's
    /// listen backlog until one closes; while some wait, idle keep-alive connections are
    /// closed and every answer carries `Connection: close`, so that waiting clients get
    /// their turn instead of a reset.
    #[must_use]
    pub fn with_max_connections(mut self, n: usize) -> Self {
        self.max_connections = n;
        self
    }

    /// Connections the kernel completes and queues until the endpoint accepts them
    /// (default 1024, at least 1; std's `TcpListener::bind` uses 128). Beyond it, Linux
    /// drops the client's handshake, and the client retries a second later.
    #[must_use]
    pub fn with_listen_backlog(mut self, n: u32) -> Self {
        self.listen_backlog = n;
        self
    }

    /// The backlog for `listen(2)`.
    pub(crate) fn listen_backlog(&self) -> i32 {
        i32::try_from(self.listen_backlog.max(1)).unwrap_or(i32::MAX)
    }

    /// Threads that collect and render scrapes (default 2, at least 1).
    #[must_use]
    pub fn with_workers(mut self, n: usize) -> Self {
        self.workers = n;
        self
    }

    /// The largest request line plus headers, in bytes (default 16 KiB, at least 256);
    /// larger is answered `431`.
    #[must_use]
    pub fn with_max_head_bytes(mut self, n: usize) -> Self {
        self.max_head_bytes = n;
        self
    }

    /// The most header lines in one request (default 64, at least 1); more is answered
    /// `431`.
    #[must_use]
    pub fn with_max_headers(mut self, n: usize) -> Self {
        self.max_headers = n;
        self
    }

    /// The largest request body, read and ignored (default 8 KiB); a larger
    /// `Content-Length` is answered `413` without reading it. A body of unknown length
    /// (`Transfer-Encoding`) is answered `411 Length Required`.
    #[must_use]
    pub fn with_max_body_bytes(mut self, n: usize) -> Self {
        self.max_body_bytes = n;
        self
    }

    /// Time to receive a whole request (head and body), from its first byte, or from the
    /// connection's `accept` for its first request (default 10 s, above zero). A slower
    /// client is disconnected without an answer.
    #[must_use]
    pub fn with_request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Time a keep-alive connection may wait for its next request (default 60 s, above
    /// zero).
    #[must_use]
    pub fn with_idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = timeout;
        self
    }

    /// Time to send one answer (default 30 s, above zero); a client reading slower is
    /// disconnected.
    #[must_use]
    pub fn with_write_timeout(mut self, timeout: Duration) -> Self {
        self.write_timeout = timeout;
        self
    }

    /// Requires `Authorization: Basic` with this user and password (compared in constant
    /// time). Without valid credentials every request is answered `401` with
    /// `WWW-Authenticate`, and no metrics. With [`with_bearer_token`](Self::with_bearer_token)
    /// too, either is accepted.
    ///
    /// ```
    /// use telemetry_exporters::prometheus::ServeOptions;
    ///
    /// let options = ServeOptions::new().with_basic_auth("prometheus", "hunter2");
    /// assert!(!format!("{options:?}").contains("hunter2"));
    /// ```
    #[must_use]
    pub fn with_basic_auth(mut self, user: impl Into<String>, password: impl Into<String>) -> Self {
        self.auth.set_basic(user.into(), password.into());
        self
    }

    /// Requires `Authorization: Bearer <token>` (compared in constant time); see
    /// [`with_basic_auth`](Self::with_basic_auth).
    #[must_use]
    pub fn with_bearer_token(mut self, token: impl Into<String>) -> Self {
        self.auth.set_bearer(token.into());
        self
    }

    /// Serves HTTPS only, with this certificate (feature `prometheus-tls`).
    #[cfg(feature = "prometheus-tls")]
    #[cfg_attr(docsrs, doc(cfg(feature = "prometheus-tls")))]
    #[must_use]
    pub fn with_tls(mut self, tls: TlsConfig) -> Self {
        self.tls = Some(tls);
        self
    }

    /// The first option out of range.
    pub(super) fn validate(&self) -> Result<(), ServeError> {
        let invalid = |option, message: &str| {
            Err(ServeError::InvalidOption {
                option,
                message: message.to_owned(),
            })
        };
        if self.max_connections == 0 {
            return invalid("max_connections", "must be at least 1");
        }
        if self.workers == 0 {
            return invalid("workers", "must be at least 1");
        }
        if self.max_head_bytes < 256 {
            return invalid("max_head_bytes", "must be at least 256");
        }
        if self.max_headers == 0 {
            return invalid("max_headers", "must be at least 1");
        }
        for (option, timeout) in [
            ("request_timeout", self.request_timeout),
            ("idle_timeout", self.idle_timeout),
            ("write_timeout", self.write_timeout),
        ] {
            if timeout.is_zero() {
                return invalid(option, "must be above zero");
            }
        }
        Ok(())
    }
}

/// Why the scrape endpoint could not start.
///
/// Converts into [`io::Error`] (keeping the [`io::ErrorKind`] of a bind failure), which is
/// what [`serve`](super::super::serve) returns.
#[derive(Debug)]
#[non_exhaustive]
pub enum ServeError {
    /// The address could not be resolved or bound (e.g. the port is taken).
    Bind {
        /// The addresses tried; empty when the address did not resolve.
        addrs: Vec<SocketAddr>,
        /// The last error.
        source: io::Error,
    },
    /// An option of [`ServeOptions`] is out of range.
    InvalidOption {
        /// The option, as its `with_` method names it.
        option: &'static str,
        /// What it must be.
        message: String,
    },
    /// The certificate chain or key of a `TlsConfig` could not be
    /// read, parsed, or used (feature `prometheus-tls`).
    Tls {
        /// What was being loaded.
        context: String,
        /// What is wrong.
        message: String,
    },
    /// The poller or a thread could not be created.
    Start {
        /// What was being created.
        what: &'static str,
        /// The error.
        source: io::Error,
    },
}

impl fmt::Display for ServeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServeError::Bind { addrs, source } if addrs.is_empty() => {
                write!(f, "scrape endpoint: cannot resolve the address: {source}")
            }
            ServeError::Bind { addrs, source } => {
                write!(f, "scrape endpoint: cannot bind {addrs:?}: {source}")
            }
            ServeError::InvalidOption { option, message } => {
                write!(f, "scrape endpoint: option {option} {message}")
            }
            ServeError::Tls { context, message } => {
                write!(f, "scrape endpoint TLS: {context}: {message}")
            }
            ServeError::Start { what, source } => {
                write!(f, "scrape endpoint: cannot create the {what}: {source}")
            }
        }
    }
}

impl StdError for ServeError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            ServeError::Bind { source, .. } | ServeError::Start { source, .. } => Some(source),
            ServeError::InvalidOption { .. } | ServeError::Tls { .. } => None,
        }
    }
}

impl From<ServeError> for io::Error {
    fn from(error: ServeError) -> Self {
        let kind = match &error {
            ServeError::Bind { source, .. } | ServeError::Start { source, .. } => source.kind(),
            ServeError::InvalidOption { .. } | ServeError::Tls { .. } => {
                io::ErrorKind::InvalidInput
            }
        };
        io::Error::new(kind, error)
    }
}
