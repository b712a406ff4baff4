//! OTLP/gRPC transport: one unary `MetricsService/Export` call per try, with the generated
//! client of `opentelemetry-proto` over tonic's plain HTTP/2 channel (no TLS).
//!
//! The exporter's API is blocking, so the transport owns a current-thread tokio runtime,
//! built once, and drives each call with `block_on` on the caller's thread (the periodic
//! reader's). The channel connects lazily and reconnects by itself after the collector went
//! away; retries go through the HTTP transport's loop ([`with_retries`]), so both
//! protocols back off alike and never pass the export's deadline.
//!
//! | status | action |
//! |---|---|
//! | `OK` | success; a partial success is logged with its rejected count |
//! | `UNAVAILABLE`, `RESOURCE_EXHAUSTED`, `CANCELLED`, `ABORTED`, `OUT_OF_RANGE`, `DATA_LOSS`, `DEADLINE_EXCEEDED` | retry after the status' `google.rpc.RetryInfo` delay if given, else backoff with jitter |
//! | any other code | fail at once |
//!
//! The spec retries `RESOURCE_EXHAUSTED` only when the server sends `RetryInfo`; we retry
//! it always (within the deadline), as an HTTP 429 is.

use std::fmt;
use std::time::{Duration, Instant};

use opentelemetry_proto::tonic::collector::metrics::v1::metrics_service_client::MetricsServiceClient;
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use telemetry_core::Error;
use tonic::codec::CompressionEncoding;
use tonic::metadata::{MetadataKey, MetadataMap, MetadataValue};
use tonic::transport::{Channel, Endpoint};
use tonic::{Code, Status};
use tonic_types::StatusExt;

use super::http::{export_error, log_partial_success, with_retries, Attempt};
use super::Compression;

/// The channel, its runtime and the request metadata; shared by every export.
pub(super) struct Transport {
    /// `Some` until dropped: taken in `drop` to shut down without blocking.
    runtime: Option<tokio::runtime::Runtime>,
    client: MetricsServiceClient<Channel>,
    metadata: MetadataMap,
    url: String,
}

impl fmt::Debug for Transport {
    // The metadata is left out: it often carries credentials.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("grpc::Transport")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl Transport {
    pub(super) fn new(
        url: &str,
        compression: Compression,
        headers: &[(String, String)],
    ) -> Result<Transport, Error> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .thread_name("otlp-grpc")
            .build()
            .map_err(|e| export_error(format!("cannot start the gRPC runtime: {e}")))?;
        let endpoint = Endpoint::from_shared(url.to_owned())
            .map_err(|e| export_error(format!("gRPC endpoint {url:?}: {e}")))?;
        // The channel's background task lives on our runtime; it connects at the first call.
        let channel = {
            let _context = runtime.enter();
            endpoint.connect_lazy()
        };
        let mut client = MetricsServiceClient::new(channel);
        if compression == Compression::Gzip {
            client = client
                .send_compressed(CompressionEncoding::Gzip)
                .accept_compressed(CompressionEncoding::Gzip);
        }
        Ok(Transport {
            runtime: Some(runtime),
            client,
            metadata: metadata(headers)?,
            url: url.to_owned(),
        })
    }

    /// Exports `request`, retrying retryable statuses until `deadline`.
    pub(super) fn send(
        &self,
        request: &ExportMetricsServiceRequest,
        deadline: Instant,
    ) -> Result<(), Error> {
        with_retries(deadline, |remaining| self.attempt(request, remaining))
    }

    fn attempt(&self, request: &ExportMetricsServiceRequest, timeout: Duration) -> Attempt {
        let Some(runtime) = &self.runtime else {
            return Attempt::Fatal(export_error("the gRPC transport is shut down"));
        };
        let mut call = tonic::Request::new(request.clone());
        *call.metadata_mut() = self.metadata.clone();
        // The deadline travels as `grpc-timeout`, and bounds our wait too.
        call.set_timeout(timeout);
        let mut client = self.client.clone();
        let outcome =
            runtime.block_on(async { tokio::time::timeout(timeout, client.export(call)).await });
        match outcome {
            Err(_elapsed) => Attempt::Fatal(Error::Timeout {
                operation: "OTLP export",
            }),
            Ok(Ok(response)) => {
                log_partial_success(response.get_ref());
                Attempt::Done
            }
            Ok(Err(status)) => classify(&status, &self.url),
        }
    }
}

impl Drop for Transport {
    fn drop(&mut self) {
        // Dropping a runtime blocks, which panics inside an async context; this does not.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// The headers as gRPC metadata (names lowercased, as HTTP/2 requires).
fn metadata(headers: &[(String, String)]) -> Result<MetadataMap, Error> {
    let mut map = MetadataMap::new();
    for (name, value) in headers {
        let key = MetadataKey::from_bytes(name.to_ascii_lowercase().as_bytes())
            .map_err(|_| export_error(format!("header {name:?} is not a valid gRPC key")))?;
        let value = MetadataValue::try_from(value.as_str())
            .map_err(|_| export_error(format!("header {name:?}: value is not valid metadata")))?;
        map.insert(key, value);
    }
    Ok(map)
}

/// What to do after a failed call; see the module's table.
fn classify(status: &Status, url: &str) -> Attempt {
    let error = format!(
        "gRPC {url}: {:?}: {}",
        status.code(),
        status.message().trim()
    );
    match status.code() {
        Code::Unavailable
        | Code::ResourceExhausted
        | Code::Cancelled
        | Code::Aborted
        | Code::OutOfRange
        | Code::DataLoss
        | Code::DeadlineExceeded => Attempt::Retry {
            error,
            after: retry_delay(status),
        },
        _ => Attempt::Fatal(export_error(error)),
    }
}

/// The server's `google.rpc.RetryInfo` delay, if the status carries one.
fn retry_delay(status: &Status) -> Option<Duration> {
    status.get_details_retry_info()?.retry_delay
}

#[cfg(test)]
mod tests {
    use super::*;
    use tonic_types::{ErrorDetails, StatusExt};

    #[test]
    fn retry_info_gives_the_delay() {
        let status = Status::with_error_details(
            Code::ResourceExhausted,
            "slow down",
            ErrorDetails::with_retry_info(Some(Duration::from_millis(1500))),
        );
        match classify(&status, "http://x") {
            Attempt::Retry { after, error } => {
                assert_eq!(after, Some(Duration::from_millis(1500)));
                assert!(error.contains("ResourceExhausted"), "{error}");
            }
            _ => panic!("not retried"),
        }
    }

    #[test]
    fn unavailable_without_details_backs_off_and_invalid_argument_fails() {
        assert!(matches!(
            classify(&Status::unavailable("down"), "http://x"),
            Attempt::Retry { after: None, .. }
        ));
        assert!(matches!(
            classify(&Status::invalid_argument("bad"), "http://x"),
            Attempt::Fatal(_)
        ));
    }

    #[test]
    fn headers_become_lowercase_metadata_and_bad_ones_are_refused() {
        let map = metadata(&[("X-Tenant".into(), "ev".into())]).unwrap();
        assert_eq!(map.get("x-tenant").unwrap(), "ev");
        assert!(metadata(&[("bad key".into(), "v".into())]).is_err());
        assert!(metadata(&[("k".into(), "line\nbreak".into())]).is_err());
    }
}
