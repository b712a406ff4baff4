//! One HTTP request to the gateway, retried on connection errors and 5xx within a
//! deadline (through the loop shared with OTLP, `crate::retry`).
//!
//! | outcome | action |
//! |---|---|
//! | 2xx (200 for PUT/POST, 202 for DELETE) | success |
//! | connection or I/O error, 429, 5xx | retry with exponential backoff and jitter (or `Retry-After`) |
//! | any other status (400 invalid or inconsistent metrics, 401/403, 405 …) | fail at once with the gateway's message |

use std::cell::RefCell;
use std::time::{Duration, Instant};

use super::PushgatewayError;
use crate::push_http;
use crate::retry::{with_retries, Attempt, GaveUp};

/// At most this much of an error response's body goes into the error.
const ERROR_BODY_LIMIT: usize = 1024;
/// The text exposition format's content type.
const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

#[derive(Debug)]
pub(super) struct Transport {
    agent: ureq::Agent,
    pub(super) url: String,
    headers: Vec<(String, String)>,
    gzip: bool,
}

impl Transport {
    pub(super) fn new(
        url: String,
        headers: Vec<(String, String)>,
        gzip: bool,
        #[cfg(feature = "pushgateway-tls")] tls: ureq::tls::TlsConfig,
    ) -> Transport {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            // A redirect would resend the group elsewhere (or drop the body): never follow.
            .max_redirects(0);
        #[cfg(feature = "pushgateway-tls")]
        let config = config.tls_config(tls);
        let agent = config.build().into();
        Transport {
            agent,
            url,
            headers,
            gzip,
        }
    }

    /// Sends `method` with `body` (none for DELETE), retrying until `deadline`.
    pub(super) fn send(
        &self,
        method: &'static str,
        body: Option<&str>,
        deadline: Instant,
    ) -> Result<(), PushgatewayError> {
        let body = match body {
            Some(text) if self.gzip => Some(gzip(text.as_bytes())?),
            Some(text) => Some(text.as_bytes().to_vec()),
            None => None,
        };
        // The last 5xx, so that giving up on a failing gateway reports its status.
        let last_status = RefCell::new(None);
        let result = with_retries("Pushgateway push", deadline, |remaining| {
            self.attempt(method, body.as_deref(), remaining, &last_status)
        });
        result.map_err(|gave_up| match gave_up {
            GaveUp::Fatal(e) => e,
            GaveUp::Timeout => PushgatewayError::Timeout {
                method,
                url: self.url.clone(),
            },
            GaveUp::Exhausted { error, tries } => match last_status.into_inner() {
                Some((status, message)) => PushgatewayError::Status {
                    method,
                    url: self.url.clone(),
                    status,
                    message,
                },
                None => PushgatewayError::Unreachable {
                    method,
                    url: self.url.clone(),
                    message: format!("{error} (attempt {tries}; no time left to retry)"),
                },
            },
        })
    }

    /// The request's per-attempt timeout and headers.
    fn prepare<B>(
        &self,
        request: ureq::RequestBuilder<B>,
        timeout: Duration,
        has_body: bool,
    ) -> ureq::RequestBuilder<B> {
        let mut request = request.config().timeout_global(Some(timeout)).build();
        if has_body {
            request = request.header("Content-Type", CONTENT_TYPE);
            if self.gzip {
                request = request.header("Content-Encoding", "gzip");
            }
        }
        for (name, value) in &self.headers {
            request = request.header(name.as_str(), value.as_str());
        }
        request
    }

    fn attempt(
        &self,
        method: &'static str,
        body: Option<&[u8]>,
        timeout: Duration,
        last_status: &RefCell<Option<(u16, String)>>,
    ) -> Attempt<PushgatewayError> {
        let sent = match (method, body) {
            ("DELETE", _) => self
                .prepare(self.agent.delete(&self.url), timeout, false)
                .call(),
            ("POST", Some(body)) => self
                .prepare(self.agent.post(&self.url), timeout, true)
                .send(body),
            (_, body) => self
                .prepare(self.agent.put(&self.url), timeout, true)
                .send(body.unwrap_or_default()),
        };
        let mut response = match sent {
            Ok(r) => r,
            Err(ureq::Error::Timeout(_)) => {
                return Attempt::Fatal(PushgatewayError::Timeout {
                    method,
                    url: self.url.clone(),
                })
            }
            #[cfg(feature = "pushgateway-tls")]
            Err(e) if is_tls_error(&e) => {
                return Attempt::Fatal(PushgatewayError::Tls {
                    method,
                    url: self.url.clone(),
                    message: tls_message(&e),
                })
            }
            Err(e) => {
                *last_status.borrow_mut() = None;
                return Attempt::Retry {
                    error: e.to_string(),
                    after: None,
                };
            }
        };
        let status = response.status().as_u16();
        if (200..300).contains(&status) {
            return Attempt::Done;
        }
        let retry_after = push_http::retry_after(&response);
        let payload = push_http::body(&mut response);
        let message = String::from_utf8_lossy(&payload[..payload.len().min(ERROR_BODY_LIMIT)])
            .trim()
            .to_owned();
        if status == 429 || status >= 500 {
            *last_status.borrow_mut() = Some((status, message.clone()));
            return Attempt::Retry {
                error: format!("HTTP {status}: {message}"),
                after: retry_after,
            };
        }
        Attempt::Fatal(PushgatewayError::Status {
            method,
            url: self.url.clone(),
            status,
            message,
        })
    }
}

/// rustls with the `ring` provider; Mozilla's roots, or only `root_cas` (PEM bundles)
/// when any are given.
#[cfg(feature = "pushgateway-tls")]
pub(super) fn tls_config(root_cas: &[Vec<u8>]) -> Result<ureq::tls::TlsConfig, PushgatewayError> {
    use ureq::tls::{parse_pem, PemItem, RootCerts, TlsConfig, TlsProvider};

    let builder = TlsConfig::builder().provider(TlsProvider::Rustls);
    if root_cas.is_empty() {
        return Ok(builder.root_certs(RootCerts::WebPki).build());
    }
    let invalid = |message: String| PushgatewayError::InvalidCertificate { message };
    let mut certs = Vec::new();
    for pem in root_cas {
        let before = certs.len();
        for item in parse_pem(pem) {
            if let PemItem::Certificate(cert) = item.map_err(|e| invalid(e.to_string()))? {
                certs.push(cert);
            }
        }
        if certs.len() == before {
            return Err(invalid(
                "no -----BEGIN CERTIFICATE----- block in the PEM given".into(),
            ));
        }
    }
    Ok(builder
        .root_certs(RootCerts::new_with_certs(&certs))
        .build())
}

/// A failed handshake or certificate check: retrying would fail the same way.
#[cfg(feature = "pushgateway-tls")]
fn is_tls_error(e: &ureq::Error) -> bool {
    match e {
        ureq::Error::Tls(_) | ureq::Error::Rustls(_) => true,
        ureq::Error::Io(io) => io
            .get_ref()
            .is_some_and(|inner| inner.downcast_ref::<rustls::Error>().is_some()),
        _ => false,
    }
}

/// The TLS error without ureq's `io: ` prefix.
#[cfg(feature = "pushgateway-tls")]
fn tls_message(e: &ureq::Error) -> String {
    match e {
        ureq::Error::Io(io) => io
            .get_ref()
            .map_or_else(|| io.to_string(), ToString::to_string),
        e => e.to_string(),
    }
}

fn gzip(raw: &[u8]) -> Result<Vec<u8>, PushgatewayError> {
    push_http::gzip(raw).map_err(|e| PushgatewayError::Compression {
        message: e.to_string(),
    })
}
