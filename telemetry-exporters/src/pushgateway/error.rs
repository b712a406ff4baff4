//! One error type for the Pushgateway exporter: configuration mistakes found by
//! [`build`](super::PushgatewayExporterBuilder::build) before any request, and the outcomes
//! of a push or delete. The [`PushExporter`](telemetry_core::export::PushExporter) impl
//! converts it to [`telemetry_core::Error`] (`Export { exporter: "pushgateway", .. }`).

use std::fmt;

/// What went wrong configuring or talking to a Pushgateway.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PushgatewayError {
    /// A grouping label name is not `[a-zA-Z_][a-zA-Z0-9_]*` or starts with `__`.
    InvalidLabelName {
        /// The offending name.
        name: String,
    },
    /// A grouping label was given twice, or is `job` (set by the job name).
    DuplicateLabel {
        /// The label name.
        name: String,
    },
    /// The job name is empty.
    EmptyJob,
    /// The gateway URL is not `http://host[:port][/prefix]` (or `https://…`).
    InvalidUrl {
        /// The URL given.
        url: String,
    },
    /// An `https://` URL, but telemetry-exporters was built without its
    /// `pushgateway-tls` feature.
    TlsNotEnabled {
        /// The URL given.
        url: String,
    },
    /// A CA certificate given to
    /// `with_root_ca_pem` (feature `pushgateway-tls`) is not valid PEM or holds no
    /// certificate.
    InvalidCertificate {
        /// What is wrong with it.
        message: String,
    },
    /// The TLS handshake with the gateway failed (e.g. its certificate is not signed by a
    /// trusted CA or does not name the host); not retried.
    Tls {
        /// The HTTP method.
        method: &'static str,
        /// The request URL.
        url: String,
        /// The TLS error.
        message: String,
    },
    /// The gateway answered with a non-2xx status.
    Status {
        /// The HTTP method (`PUT`, `POST`, `DELETE`).
        method: &'static str,
        /// The request URL.
        url: String,
        /// The HTTP status.
        status: u16,
        /// The gateway's message (the response body, trimmed, at most 1 KiB).
        message: String,
    },
    /// The gateway could not be reached (connection refused or reset, broken response)
    /// on any attempt before the deadline.
    Unreachable {
        /// The HTTP method.
        method: &'static str,
        /// The request URL.
        url: String,
        /// The last failure and the number of attempts.
        message: String,
    },
    /// The deadline passed before the request finished.
    Timeout {
        /// The HTTP method.
        method: &'static str,
        /// The request URL.
        url: String,
    },
    /// The body could not be gzipped.
    Compression {
        /// The I/O error.
        message: String,
    },
}

impl PushgatewayError {
    /// The HTTP status when the gateway answered with one.
    pub fn status(&self) -> Option<u16> {
        match self {
            PushgatewayError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}

impl fmt::Display for PushgatewayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PushgatewayError::InvalidLabelName { name } => write!(
                f,
                "invalid grouping label name {name:?}: expected [a-zA-Z_][a-zA-Z0-9_]*, not starting with __"
            ),
            PushgatewayError::DuplicateLabel { name } => {
                write!(f, "grouping label {name:?} given twice (`job` is the job name)")
            }
            PushgatewayError::EmptyJob => f.write_str("the Pushgateway job name is empty"),
            PushgatewayError::InvalidUrl { url } => write!(
                f,
                "invalid Pushgateway URL {url:?}: expected http://host[:port][/prefix] or https://…"
            ),
            PushgatewayError::TlsNotEnabled { url } => write!(
                f,
                "Pushgateway URL {url:?} is https://, which needs the `pushgateway-tls` feature of telemetry-exporters"
            ),
            PushgatewayError::InvalidCertificate { message } => {
                write!(f, "invalid Pushgateway CA certificate: {message}")
            }
            PushgatewayError::Tls {
                method,
                url,
                message,
            } => write!(f, "{method} {url}: TLS error: {message}"),
            PushgatewayError::Status {
                method,
                url,
                status,
                message,
            } => write!(f, "{method} {url}: HTTP {status}: {message}"),
            PushgatewayError::Unreachable {
                method,
                url,
                message,
            } => write!(f, "{method} {url}: gateway unreachable: {message}"),
            PushgatewayError::Timeout { method, url } => {
                write!(f, "{method} {url}: deadline passed")
            }
            PushgatewayError::Compression { message } => write!(f, "gzip: {message}"),
        }
    }
}

impl std::error::Error for PushgatewayError {}

impl From<PushgatewayError> for telemetry_core::Error {
    fn from(e: PushgatewayError) -> Self {
        match e {
            PushgatewayError::Timeout { .. } => telemetry_core::Error::Timeout {
                operation: "Pushgateway push",
            },
            e => telemetry_core::Error::Export {
                exporter: "pushgateway",
                message: e.to_string(),
            },
        }
    }
}
