//! HTTP/1.x on the wire: request heads parsed with `httparse` under the configured limits,
//! and whole responses written into one buffer (always with `Content-Length`).

use std::fmt::Write as _;

/// What the endpoint needs from a request head.
#[derive(Debug)]
pub(super) struct Head {
    pub(super) method: Method,
    /// The path without query or fragment.
    pub(super) is_metrics_path: bool,
    pub(super) keep_alive: bool,
    pub(super) content_length: usize,
    pub(super) accept: Option<String>,
    pub(super) accept_encoding: Option<String>,
    pub(super) authorized: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Method {
    Get,
    Head,
    Other,
}

/// The outcome of parsing the bytes received so far.
#[derive(Debug)]
pub(super) enum Parsed {
    /// More bytes are needed.
    Partial,
    /// A head of `len` bytes.
    Complete(Head, usize),
    /// Answer this status and close.
    Reject(u16),
}

pub(super) const PATH: &str = "/metrics";

/// Parses the head at the start of `buf`, allowing `max_headers` header lines;
/// `authorize` judges the `Authorization` header.
pub(super) fn parse(
    buf: &[u8],
    max_headers: usize,
    authorize: impl FnOnce(Option<&[u8]>) -> bool,
) -> Parsed {
    let mut headers = vec![httparse::EMPTY_HEADER; max_headers];
    let mut request = httparse::Request::new(&mut headers);
    let len = match request.parse(buf) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => return Parsed::Partial,
        Err(httparse::Error::TooManyHeaders) => return Parsed::Reject(431),
        Err(_) => return Parsed::Reject(400),
    };
    let method = match request.method {
        Some("GET") => Method::Get,
        Some("HEAD") => Method::Head,
        _ => Method::Other,
    };
    let path = request.path.unwrap_or_default();
    let path = path.split(['?', '#']).next().unwrap_or_default();
    // HTTP/1.1 keeps the connection unless told to close; HTTP/1.0 only when told to keep.
    let mut keep_alive = request.version == Some(1);
    let mut content_length: Option<usize> = None;
    let (mut accept, mut accept_encoding, mut authorization) = (None, None, None);
    for header in request.headers.iter() {
        let name = header.name;
        if name.eq_ignore_ascii_case("connection") {
            for token in header.value.split(|&b| b == b',') {
                let token = token.trim_ascii();
                if token.eq_ignore_ascii_case(b"close") {
                    keep_alive = false;
                } else if token.eq_ignore_ascii_case(b"keep-alive") {
                    keep_alive = true;
                }
            }
        } else if name.eq_ignore_ascii_case("content-length") {
            let Some(length) = std::str::from_utf8(header.value)
                .ok()
                .and_then(|v| v.trim().parse::<usize>().ok())
            else {
                return Parsed::Reject(400);
            };
            // Two different lengths are a request-smuggling attempt (RFC 9112, 6.3).
            if content_length.is_some_and(|l| l != length) {
                return Parsed::Reject(400);
            }
            content_length = Some(length);
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            // A body of unknown length: nothing here needs one, so no chunked decoder.
            return Parsed::Reject(411);
        } else if name.eq_ignore_ascii_case("accept") {
            accept = Some(String::from_utf8_lossy(header.value).into_owned());
        } else if name.eq_ignore_ascii_case("accept-encoding") {
            accept_encoding = Some(String::from_utf8_lossy(header.value).into_owned());
        } else if name.eq_ignore_ascii_case("authorization") && authorization.is_none() {
            authorization = Some(header.value);
        }
    }
    let head = Head {
        method,
        is_metrics_path: path == PATH,
        keep_alive,
        content_length: content_length.unwrap_or(0),
        accept,
        accept_encoding,
        authorized: authorize(authorization),
    };
    Parsed::Complete(head, len)
}

/// A whole response: status line, `headers`, `Content-Length`, `Connection: close` when
/// `close`, and `body` unless `head_only` (a `HEAD` answer keeps the length of the body
/// it leaves out).
pub(super) fn response(
    status: u16,
    headers: &[(&str, &str)],
    body: &[u8],
    head_only: bool,
    close: bool,
) -> Vec<u8> {
    let mut head = String::with_capacity(160);
    // Writing into a String cannot fail.
    let _ = write!(head, "HTTP/1.1 {status} {}\r\n", reason(status));
    for (name, value) in headers {
        let _ = write!(head, "{name}: {value}\r\n");
    }
    let _ = write!(head, "Content-Length: {}\r\n", body.len());
    if close {
        head.push_str("Connection: close\r\n");
    }
    head.push_str("\r\n");
    let mut out = head.into_bytes();
    if !head_only {
        out.extend_from_slice(body);
    }
    out
}

/// A plain-text response.
pub(super) fn text(
    status: u16,
    extra: &[(&str, &str)],
    message: &str,
    head_only: bool,
    close: bool,
) -> Vec<u8> {
    let mut headers = vec![("Content-Type", "text/plain; charset=utf-8")];
    headers.extend_from_slice(extra);
    response(status, &headers, message.as_bytes(), head_only, close)
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        405 => "Method Not Allowed",
        411 => "Length Required",
        413 => "Content Too Large",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        _ => "Unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn complete(raw: &[u8]) -> (Head, usize) {
        match parse(raw, 8, |_| true) {
            Parsed::Complete(head, len) => (head, len),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn heads_are_parsed_with_their_length() {
        let raw = b"GET /metrics?x=1 HTTP/1.1\r\nAccept-Encoding: gzip\r\n\r\nNEXT";
        let (head, len) = complete(raw);
        assert_eq!(len, raw.len() - 4);
        assert_eq!(head.method, Method::Get);
        assert!(head.is_metrics_path && head.keep_alive);
        assert_eq!(head.accept_encoding.as_deref(), Some("gzip"));
        let (head, _) = complete(b"HEAD /metrics/ HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n");
        assert_eq!(head.method, Method::Head);
        assert!(!head.is_metrics_path && head.keep_alive);
        let (head, _) =
            complete(b"POST / HTTP/1.1\r\nConnection: close\r\nContent-Length: 3\r\n\r\n");
        assert_eq!(
            (head.method, head.keep_alive, head.content_length),
            (Method::Other, false, 3)
        );
    }

    #[test]
    fn bad_and_oversized_heads_are_rejected() {
        assert!(matches!(parse(b"GET /metr", 8, |_| true), Parsed::Partial));
        assert!(matches!(
            parse(b"GET /\x01 HTTP/1.1\r\n\r\n", 8, |_| true),
            Parsed::Reject(400)
        ));
        let many = format!("GET / HTTP/1.1\r\n{}\r\n", "A: b\r\n".repeat(9));
        assert!(matches!(
            parse(many.as_bytes(), 8, |_| true),
            Parsed::Reject(431)
        ));
        let two_lengths = b"GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n";
        assert!(matches!(
            parse(two_lengths, 8, |_| true),
            Parsed::Reject(400)
        ));
        let chunked = b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
        assert!(matches!(parse(chunked, 8, |_| true), Parsed::Reject(411)));
    }

    #[test]
    fn responses_carry_their_length_even_for_head() {
        let get = text(404, &[], "nope\n", false, true);
        assert_eq!(
            String::from_utf8(get).unwrap(),
            "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\n\
             Content-Length: 5\r\nConnection: close\r\n\r\nnope\n"
        );
        let head = response(200, &[], b"body", true, false);
        assert!(String::from_utf8(head)
            .unwrap()
            .ends_with("Content-Length: 4\r\n\r\n"));
    }
}
