//! What the `ureq`-based push exporters (OTLP/HTTP, Pushgateway, Cloud Monitoring) share about a request and
//! its answer, so both compress and read answers alike.

#[cfg(any(feature = "otlp", feature = "pushgateway"))]
use std::io::Write;
use std::time::Duration;

#[cfg(any(feature = "otlp", feature = "pushgateway"))]
use flate2::write::GzEncoder;
use ureq::http::Response;
use ureq::Body;

/// The most of an answer's body that is read (a misbehaving server cannot exhaust memory).
const BODY_LIMIT: u64 = 1 << 20;

/// `raw`, gzip-compressed (default level).
#[cfg(any(feature = "otlp", feature = "pushgateway"))]
pub(crate) fn gzip(raw: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut gz = GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(raw)?;
    gz.finish()
}

/// The answer's `Retry-After`, when it is a number of seconds (an HTTP date is ignored: the
/// caller then backs off on its own).
pub(crate) fn retry_after(response: &Response<Body>) -> Option<Duration> {
    response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs)
}

/// The answer's body, at most [`BODY_LIMIT`] bytes; empty when it cannot be read.
pub(crate) fn body(response: &mut Response<Body>) -> Vec<u8> {
    response
        .body_mut()
        .with_config()
        .limit(BODY_LIMIT)
        .read_to_vec()
        .unwrap_or_default()
}
