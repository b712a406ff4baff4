//! OTLP/HTTP transport: one `POST` per export, retried on the outcomes the OTLP spec calls
//! retryable, never past the export's deadline.
//!
//! The client is `ureq` without TLS or an async runtime: an export is a blocking call on
//! the reader's thread, which is what the periodic reader expects.
//!
//! | outcome | action |
//! |---|---|
//! | 2xx | success; a partial success is logged (`log::warn!`) with its rejected count |
//! | 429, 502, 503, 504, connection or I/O error | retry after `Retry-After` (seconds) if given, else exponential backoff with jitter |
//! | any other status | fail at once (the request itself is wrong; resending cannot help) |
//!
//! The retry loop itself ([`with_retries`], shared with the Pushgateway exporter in
//! `crate::retry`) knows nothing of HTTP: the gRPC transport runs its calls through the
//! same loop, so both protocols back off and give up alike.

use std::time::{Duration, Instant};

use opentelemetry_proto::tonic::collector::metrics::v1::{
    ExportMetricsServiceRequest, ExportMetricsServiceResponse,
};
use prost::Message;
use telemetry_core::Error;

use super::{Compression, Protocol};
use crate::push_http;
pub(super) use crate::retry::Attempt;
use crate::retry::{self, GaveUp};

const EXPORTER: &str = "otlp";
/// At most this much of an error response's body goes into the error message.
const ERROR_BODY_LIMIT: usize = 512;

/// Where and how requests are sent; shared by every export of one exporter.
#[derive(Debug)]
pub(super) struct Transport {
    agent: ureq::Agent,
    url: String,
    protocol: Protocol,
    compression: Compression,
    headers: Vec<(String, String)>,
}

pub(super) fn export_error(message: impl Into<String>) -> Error {
    Error::Export {
        exporter: EXPORTER,
        message: message.into(),
    }
}

impl Transport {
    pub(super) fn new(
        url: String,
        protocol: Protocol,
        compression: Compression,
        headers: Vec<(String, String)>,
    ) -> Transport {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            // A collector never redirects an export; following one would resend the data.
            .max_redirects(0)
            .build()
            .into();
        Transport {
            agent,
            url,
            protocol,
            compression,
            headers,
        }
    }

    /// The request's body, encoded and compressed as configured.
    pub(super) fn body(&self, request: &ExportMetricsServiceRequest) -> Result<Vec<u8>, Error> {
        let raw = match self.protocol {
            Protocol::HttpProtobuf | Protocol::Grpc => request.encode_to_vec(),
            Protocol::HttpJson => serde_json::to_vec(request)
                .map_err(|e| export_error(format!("cannot encode OTLP/JSON: {e}")))?,
        };
        match self.compression {
            Compression::None => Ok(raw),
            Compression::Gzip => {
                push_http::gzip(&raw).map_err(|e| export_error(format!("gzip: {e}")))
            }
        }
    }

    /// Sends `body`, retrying retryable failures until `deadline`.
    pub(super) fn send(&self, body: &[u8], deadline: Instant) -> Result<(), Error> {
        with_retries(deadline, |remaining| self.attempt(body, remaining))
    }

    fn attempt(&self, body: &[u8], timeout: Duration) -> Attempt {
        let mut request = self
            .agent
            .post(&self.url)
            .config()
            .timeout_global(Some(timeout))
            .build()
            .header("Content-Type", self.protocol.content_type());
        if self.compression == Compression::Gzip {
            request = request.header("Content-Encoding", "gzip");
        }
        for (name, value) in &self.headers {
            request = request.header(name.as_str(), value.as_str());
        }
        let mut response = match request.send(body) {
            Ok(r) => r,
            Err(ureq::Error::Timeout(_)) => {
                return Attempt::Fatal(Error::Timeout {
                    operation: "OTLP export",
                })
            }
            // Connection refused or reset, a broken response: transient, retry.
            Err(e) => {
                return Attempt::Retry {
                    error: format!("POST {}: {e}", self.url),
                    after: None,
                }
            }
        };
        let status = response.status().as_u16();
        let retry_after = push_http::retry_after(&response);
        let payload = push_http::body(&mut response);
        match status {
            200..=299 => {
                self.log_partial_success(&payload);
                Attempt::Done
            }
            429 | 502 | 503 | 504 => Attempt::Retry {
                error: format!("POST {}: HTTP {status}", self.url),
                after: retry_after,
            },
            _ => {
                let text = String::from_utf8_lossy(&payload[..payload.len().min(ERROR_BODY_LIMIT)]);
                Attempt::Fatal(export_error(format!(
                    "POST {}: HTTP {status}: {}",
                    self.url,
                    text.trim()
                )))
            }
        }
    }

    fn log_partial_success(&self, payload: &[u8]) {
        if payload.is_empty() {
            return;
        }
        let response = match self.protocol {
            Protocol::HttpProtobuf | Protocol::Grpc => {
                ExportMetricsServiceResponse::decode(payload).ok()
            }
            Protocol::HttpJson => serde_json::from_slice(payload).ok(),
        };
        if let Some(response) = response {
            log_partial_success(&response);
        }
    }
}

/// Logs a partial success (`log::warn!`) with its rejected count; silent on full success.
pub(super) fn log_partial_success(response: &ExportMetricsServiceResponse) {
    if let Some(partial) = &response.partial_success {
        if partial.rejected_data_points > 0 || !partial.error_message.is_empty() {
            log::warn!(
                "OTLP partial success: {} data points rejected: {}",
                partial.rejected_data_points,
                partial.error_message
            );
        }
    }
}

/// Runs `attempt` through the shared retry loop ([`crate::retry::with_retries`]) and turns
/// giving up into the OTLP errors: [`Error::Timeout`] when the deadline had already passed,
/// the last failure "(attempt N; no time left to retry)" when another wait would cross it.
pub(super) fn with_retries(
    deadline: Instant,
    attempt: impl FnMut(Duration) -> Attempt,
) -> Result<(), Error> {
    retry::with_retries("OTLP export", deadline, attempt).map_err(|gave_up| match gave_up {
        GaveUp::Fatal(e) => e,
        GaveUp::Timeout => Error::Timeout {
            operation: "OTLP export",
        },
        GaveUp::Exhausted { error, tries } => {
            export_error(format!("{error} (attempt {tries}; no time left to retry)"))
        }
    })
}
