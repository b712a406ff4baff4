//! One client connection: a non-blocking socket (plain, or TLS through a rustls
//! `ServerConnection`) and where it is in the request/response cycle.

use std::io::{self, Read as _, Write as _};
use std::net::Shutdown;
use std::time::Instant;

use mio::net::TcpStream;

use super::http::Head;

/// Where a connection is; the event loop moves it along.
#[derive(Debug)]
pub(super) enum Phase {
    /// Waiting for (the rest of) a request head. `started` is false while no byte of the
    /// next request has arrived (the idle timeout applies, not the request timeout).
    Head { started: bool },
    /// Discarding `remaining` body bytes before answering `head`.
    Body { remaining: usize, head: Head },
    /// A worker is rendering the answer.
    Busy,
    /// Sending an answer; then close, or wait for the next request.
    Write { close: bool },
    /// Answered and half-closed: reading what the client still sends until it closes, so
    /// that unread input does not turn the close into a reset that destroys the answer.
    Drain { discarded: usize },
}

/// The socket, with the answer bytes not yet sent.
pub(super) enum Transport {
    Plain {
        socket: TcpStream,
        out: Vec<u8>,
        sent: usize,
    },
    #[cfg(feature = "prometheus-tls")]
    Tls {
        socket: TcpStream,
        tls: Box<rustls::ServerConnection>,
    },
}

/// What [`Transport::fill`] ended on.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Fill {
    /// Everything available was read.
    Drained,
    /// The buffer reached its limit; more may be waiting.
    Full,
    /// The client closed its side.
    Eof,
}

impl Transport {
    pub(super) fn plain(socket: TcpStream) -> Self {
        Transport::Plain {
            socket,
            out: Vec::new(),
            sent: 0,
        }
    }

    #[cfg(feature = "prometheus-tls")]
    pub(super) fn tls(socket: TcpStream, mut tls: rustls::ServerConnection) -> Self {
        // Our answers are bounded by what we render; do not cap what rustls buffers.
        tls.set_buffer_limit(None);
        Transport::Tls {
            socket,
            tls: Box::new(tls),
        }
    }

    pub(super) fn socket(&mut self) -> &mut TcpStream {
        match self {
            Transport::Plain { socket, .. } => socket,
            #[cfg(feature = "prometheus-tls")]
            Transport::Tls { socket, .. } => socket,
        }
    }

    /// Reads what the client has sent (decrypted) into `buf` until the socket would block,
    /// the client closes, or `buf` holds `limit` bytes. Edge-triggered readiness needs the
    /// first: every caller that stops at `Full` answers and then drains.
    pub(super) fn fill(&mut self, buf: &mut Vec<u8>, limit: usize) -> io::Result<Fill> {
        let mut chunk = [0u8; 8192];
        match self {
            Transport::Plain { socket, .. } => loop {
                if buf.len() >= limit {
                    return Ok(Fill::Full);
                }
                let room = (limit - buf.len()).min(chunk.len());
                match socket.read(&mut chunk[..room]) {
                    Ok(0) => return Ok(Fill::Eof),
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(Fill::Drained),
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            },
            #[cfg(feature = "prometheus-tls")]
            Transport::Tls { socket, tls } => loop {
                // Plaintext rustls already decrypted comes first.
                loop {
                    if buf.len() >= limit {
                        return Ok(Fill::Full);
                    }
                    let room = (limit - buf.len()).min(chunk.len());
                    match tls.reader().read(&mut chunk[..room]) {
                        // close_notify: a clean end.
                        Ok(0) => return Ok(Fill::Eof),
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                        // The TCP stream ended without close_notify.
                        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(Fill::Eof),
                        Err(e) => return Err(e),
                    }
                }
                match tls.read_tls(socket) {
                    Ok(0) => return Ok(Fill::Eof),
                    Ok(_) => {
                        if let Err(e) = tls.process_new_packets() {
                            // Send the alert that says why, then give up on the connection.
                            let _ = tls.write_tls(socket);
                            return Err(io::Error::new(io::ErrorKind::InvalidData, e));
                        }
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(Fill::Drained),
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            },
        }
    }

    /// Queues `bytes` for [`flush`](Self::flush).
    pub(super) fn send(&mut self, bytes: Vec<u8>) {
        match self {
            Transport::Plain { out, sent, .. } => {
                if *sent == out.len() {
                    *out = bytes;
                    *sent = 0;
                } else {
                    out.extend_from_slice(&bytes);
                }
            }
            #[cfg(feature = "prometheus-tls")]
            Transport::Tls { tls, .. } => {
                // The buffer limit is off, so rustls takes everything.
                let _ = tls.writer().write_all(&bytes);
            }
        }
    }

    /// Announces the end of the TLS session after the queued answer (nothing for plain TCP).
    pub(super) fn close_notify(&mut self) {
        #[cfg(feature = "prometheus-tls")]
        if let Transport::Tls { tls, .. } = self {
            tls.send_close_notify();
        }
    }

    /// Writes queued bytes (and TLS handshake records) until done (`true`) or the socket
    /// would block (`false`).
    pub(super) fn flush(&mut self) -> io::Result<bool> {
        match self {
            Transport::Plain { socket, out, sent } => {
                while *sent < out.len() {
                    match socket.write(&out[*sent..]) {
                        Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                        Ok(n) => *sent += n,
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(e) => return Err(e),
                    }
                }
                out.clear();
                *sent = 0;
                Ok(true)
            }
            #[cfg(feature = "prometheus-tls")]
            Transport::Tls { socket, tls } => {
                while tls.wants_write() {
                    match tls.write_tls(socket) {
                        Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                        Ok(_) => {}
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(e) => return Err(e),
                    }
                }
                Ok(true)
            }
        }
    }

    /// Closes the sending side (the answer is complete).
    pub(super) fn shutdown_write(&mut self) {
        // The client may be gone already; the connection closes either way.
        let _ = self.socket().shutdown(Shutdown::Write);
    }
}

/// One connection of the event loop.
pub(super) struct Conn {
    pub(super) transport: Transport,
    /// Received bytes not yet parsed (a partial head, or the next pipelined request).
    pub(super) input: Vec<u8>,
    pub(super) phase: Phase,
    /// When the current phase times out.
    pub(super) deadline: Instant,
    /// Since when a keep-alive connection waits for its next request.
    pub(super) idle_since: Option<Instant>,
}
