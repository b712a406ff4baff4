//! The two API calls, with the API's error handling:
//!
//! | answer | action |
//! |---|---|
//! | 2xx | success |
//! | 400 with failing series (`timeSeries[i]` in the message, a `CreateTimeSeriesSummary`) | a partial write: reported, **not retried** (the series that succeeded would now be rejected as duplicates or too old) |
//! | 401 | the token is fetched again and the call repeated, once |
//! | 429, 500, 502, 503, 504, connection errors | retried with backoff (or `Retry-After`) until the deadline |
//! | anything else | fails at once |

use std::time::{Duration, Instant};

use serde::Serialize;
use telemetry_core::Error;

use super::auth::TokenSource;
use super::export_error;
use super::model::{CreateTimeSeriesSummary, ErrorBody};
use crate::push_http;
use crate::retry::{self, Attempt, GaveUp};

/// At most this much of an error body goes into an error message.
const ERROR_TEXT_LIMIT: usize = 1024;

/// A 400 naming the series it could not write.
#[derive(Debug)]
pub(super) struct Rejected {
    /// Indices into the request's `timeSeries`.
    pub(super) indices: Vec<usize>,
    /// The API's message.
    pub(super) message: String,
    /// The summary's counts `(success, total)`, if it sent one.
    pub(super) counts: Option<(i64, i64)>,
}

/// Why a call failed.
#[derive(Debug)]
pub(super) enum CallError {
    /// Some series were rejected; the others were written.
    Rejected(Rejected),
    /// Nothing was written.
    Failed(Error),
}

#[derive(Debug)]
pub(super) struct Client {
    pub(super) agent: ureq::Agent,
    /// `https://monitoring.googleapis.com` or an override, without a trailing slash.
    pub(super) endpoint: String,
    pub(super) tokens: TokenSource,
}

impl Client {
    /// `POST v3/projects/{project}/{collection}` with `body` as JSON.
    pub(super) fn post(
        &self,
        project: &str,
        collection: &str,
        body: &impl Serialize,
        deadline: Instant,
    ) -> Result<(), CallError> {
        let url = format!("{}/v3/projects/{project}/{collection}", self.endpoint);
        let json = serde_json::to_vec(body)
            .map_err(|e| CallError::Failed(export_error(format!("encoding {collection}: {e}"))))?;
        let mut refreshed = false;
        let mut rejected = None;
        let outcome = retry::with_retries("Cloud Monitoring write", deadline, |left| {
            let attempt = self.attempt(&url, &json, left, deadline);
            match attempt {
                Outcome::Unauthorized(message) if !refreshed && self.tokens.renewable() => {
                    // The token expired or was revoked early: fetch another, once.
                    refreshed = true;
                    self.tokens.invalidate();
                    Attempt::Retry {
                        error: message,
                        after: Some(Duration::ZERO),
                    }
                }
                Outcome::Unauthorized(message) => Attempt::Fatal(export_error(message)),
                Outcome::Done => Attempt::Done,
                Outcome::Retry { error, after } => Attempt::Retry { error, after },
                Outcome::Fatal(e) => Attempt::Fatal(e),
                Outcome::Rejected(r) => {
                    rejected = Some(r);
                    Attempt::Done
                }
            }
        });
        match (outcome, rejected) {
            (Ok(()), Some(r)) => Err(CallError::Rejected(r)),
            (Ok(()), None) => Ok(()),
            (Err(GaveUp::Fatal(e)), _) => Err(CallError::Failed(e)),
            (Err(GaveUp::Timeout), _) => Err(CallError::Failed(Error::Timeout {
                operation: "Cloud Monitoring write",
            })),
            (Err(GaveUp::Exhausted { error, tries }), _) => Err(CallError::Failed(export_error(
                format!("{error} (attempt {tries}; no time left to retry)"),
            ))),
        }
    }

    fn attempt(&self, url: &str, json: &[u8], timeout: Duration, deadline: Instant) -> Outcome {
        let token = match self.tokens.token(deadline) {
            Ok(t) => t,
            // The token endpoint is down or slow: worth another try within the deadline.
            Err(e) => {
                return Outcome::Retry {
                    error: format!("access token: {e}"),
                    after: None,
                }
            }
        };
        let sent = self
            .agent
            .post(url)
            .config()
            .timeout_global(Some(timeout))
            .build()
            .header("Content-Type", "application/json")
            .header("Authorization", &format!("Bearer {token}"))
            .send(json);
        let mut response = match sent {
            Ok(r) => r,
            Err(ureq::Error::Timeout(_)) => {
                return Outcome::Fatal(Error::Timeout {
                    operation: "Cloud Monitoring write",
                })
            }
            Err(e) => {
                return Outcome::Retry {
                    error: format!("POST {url}: {e}"),
                    after: None,
                }
            }
        };
        let status = response.status().as_u16();
        let after = push_http::retry_after(&response);
        let body = push_http::body(&mut response);
        let text = || {
            let t = String::from_utf8_lossy(&body[..body.len().min(ERROR_TEXT_LIMIT)]);
            format!("POST {url}: HTTP {status}: {}", t.trim())
        };
        match status {
            200..=299 => Outcome::Done,
            401 => Outcome::Unauthorized(text()),
            429 | 500 | 502 | 503 | 504 => Outcome::Retry {
                error: text(),
                after,
            },
            400 => match rejected(&body) {
                Some(r) => Outcome::Rejected(r),
                None => Outcome::Fatal(export_error(text())),
            },
            _ => Outcome::Fatal(export_error(text())),
        }
    }
}

enum Outcome {
    Done,
    Unauthorized(String),
    Retry {
        error: String,
        after: Option<Duration>,
    },
    Rejected(Rejected),
    Fatal(Error),
}

/// The failing series of a 400: the indices named `timeSeries[i]` in the message (the
/// API's way of naming them) and the counts of a `CreateTimeSeriesSummary` detail.
fn rejected(body: &[u8]) -> Option<Rejected> {
    let parsed: ErrorBody = serde_json::from_slice(body).ok()?;
    let message = parsed.error.message;
    let indices = series_indices(&message);
    let counts = parsed.error.details.iter().find_map(|d| {
        let ty = d.get("@type")?.as_str()?;
        if !ty.ends_with("google.monitoring.v3.CreateTimeSeriesSummary") {
            return None;
        }
        let s: CreateTimeSeriesSummary = serde_json::from_value(d.clone()).ok()?;
        Some((s.success_point_count, s.total_point_count))
    });
    if indices.is_empty() && counts.is_none() {
        return None;
    }
    Some(Rejected {
        indices,
        message,
        counts,
    })
}

/// Every `i` of `timeSeries[i]` in `message`, sorted, once each.
fn series_indices(message: &str) -> Vec<usize> {
    let mut out: Vec<usize> = message
        .match_indices("timeSeries[")
        .filter_map(|(at, m)| {
            let rest = &message[at + m.len()..];
            let end = rest.find(']')?;
            rest[..end].parse().ok()
        })
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failing_series_are_found_in_the_message_and_summary() {
        let body = br#"{"error":{"code":400,"status":"INVALID_ARGUMENT",
          "message":"One or more TimeSeries could not be written: timeSeries[3]: x; timeSeries[0]: y; timeSeries[3]: z",
          "details":[{"@type":"type.googleapis.com/google.monitoring.v3.CreateTimeSeriesSummary",
                      "totalPointCount":5,"successPointCount":3,"errors":[]}]}}"#;
        let r = rejected(body).unwrap();
        assert_eq!(r.indices, vec![0, 3]);
        assert_eq!(r.counts, Some((3, 5)));
        assert!(rejected(br#"{"error":{"code":400,"message":"bad project"}}"#).is_none());
        assert!(rejected(b"not json").is_none());
    }
}
