//! Seed 004 without a SORACOM account: SIM session status, polled from an API, written
//! as a node_exporter textfile.
//!
//! | piece | seed 004 (Python) | here |
//! |---|---|---|
//! | API client | `GET /v1/subscribers` with the SORACOM SDK | [`SessionApi`], [`SimulatedSoracom`] |
//! | metric | `Gauge('soracom_session_status', …, ['imsi', 'name'])` | [`METRIC_NAME`], rendered by [`render_sessions`] |
//! | registry | a fresh `CollectorRegistry()` per export | a fresh provider per export ([`render_sessions`]) |
//! | export | `write_to_textfile(path, registry)` every minute | [`write_textfile`](telemetry_exporters::prometheus::write_textfile) / [`TextfileWriter`](telemetry_exporters::prometheus::TextfileWriter) with [`exposition`] as the source |
//!
//! A fresh provider per export (rather than one provider whose series are replaced) is
//! what the seed does and what the data calls for: each poll is the complete list of
//! SIMs, so a SIM that was removed from the account must disappear from the file, and a
//! fresh provider cannot carry a stale series over. It costs one small allocation burst
//! per poll, once a minute.

mod simulator;

pub use simulator::SimulatedSoracom;

use std::fmt;

use telemetry_core::{Error, KeyValue, MeterProvider};
use telemetry_exporters::prometheus::PrometheusExporter;

/// The metric the exporter writes: 1 when the SIM has an online session, 0 otherwise.
pub const METRIC_NAME: &str = "soracom_session_status";

/// The file name the example writes into node_exporter's textfile directory.
pub const FILE_NAME: &str = "soracom.prom";

/// One SIM, with the fields of SORACOM's `GET /v1/subscribers` the seed uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subscriber {
    /// The SIM's IMSI (15 digits).
    pub imsi: String,
    /// Its `name` tag, free text (often Japanese); empty when untagged.
    pub name: String,
    /// Whether it has an online session (`sessionStatus.online`).
    pub online: bool,
}

/// What the exporter polls: the list of subscribers.
pub trait SessionApi {
    /// Every SIM of the account, or why the call failed.
    fn subscribers(&self) -> Result<Vec<Subscriber>, ApiError>;
}

/// A failed API call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    /// The call's number (from 1).
    pub call: u64,
    /// The HTTP status the API answered.
    pub status: u16,
    /// The API's message.
    pub message: String,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "SORACOM API call {} failed: HTTP {} {}",
            self.call, self.status, self.message
        )
    }
}

impl std::error::Error for ApiError {}

/// The exposition (text 0.0.4) of `subscribers`, from a fresh provider:
/// `soracom_session_status{imsi="…",name="…"} 1|0`, one series per SIM.
///
/// ```
/// use telemetry_examples::soracom::{render_sessions, Subscriber};
///
/// let text = render_sessions(&[Subscriber {
///     imsi: "440103000000001".into(),
///     name: "会社検証用".into(),
///     online: true,
/// }])?;
/// assert!(text.ends_with("soracom_session_status{imsi=\"440103000000001\",name=\"会社検証用\"} 1\n"));
/// # Ok::<(), telemetry_core::Error>(())
/// ```
pub fn render_sessions(subscribers: &[Subscriber]) -> Result<String, Error> {
    // No `target_info`: node_exporter serves the file under its own job and instance.
    let exporter = PrometheusExporter::builder()
        .with_target_info(false)
        .build();
    let provider = MeterProvider::builder()
        .with_reader(exporter.clone())
        .build();
    let status = provider
        .meter("soracom")
        .i64_gauge(METRIC_NAME)
        .with_description("SORACOM SIM session status: 1 online, 0 offline")
        .build()?;
    for sim in subscribers {
        status.record(
            i64::from(sim.online),
            &[
                KeyValue::new("imsi", sim.imsi.clone()),
                KeyValue::new("name", sim.name.clone()),
            ],
        );
    }
    exporter.render()
}

/// Polls `api` and renders the result: the source of a textfile write. A failed poll is an
/// error, so the writer leaves the last good file (and its mtime) in place.
pub fn exposition(
    api: &impl SessionApi,
) -> Result<String, Box<dyn std::error::Error + Send + Sync>> {
    let subscribers = api.subscribers()?;
    Ok(render_sessions(&subscribers)?)
}
