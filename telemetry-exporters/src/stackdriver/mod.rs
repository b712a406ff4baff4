//! Google Cloud Monitoring (formerly Stackdriver) exporter: collections written as time
//! series through the Monitoring API v3 (REST/JSON), blocking, without an async runtime.
//!
//! - `POST v3/projects/{project}/metricDescriptors` once per metric type before its first
//!   write (cached; created again if a new label appears), then
//!   `POST v3/projects/{project}/timeSeries` in requests of at most 200 series, one point
//!   each. (`timeSeries:createService` is never used: it rejects user-defined metrics.)
//! - Metric types are `workload.googleapis.com/<name>` by default (as Google's current
//!   exporters write them); [`with_metric_prefix`](StackdriverExporterBuilder::with_metric_prefix)
//!   sets another (`custom.googleapis.com/opencensus/` keeps the names OpenCensus wrote).
//! - Kinds and values: see the table below. Histograms become distributions with their
//!   explicit buckets (underflow and overflow included), `count`, `mean` and the exact
//!   `sumOfSquaredDeviation` the SDK keeps per series.
//! - Labels: attribute keys sanitized to `[a-zA-Z][a-zA-Z0-9_]*` (≤ 100 characters), values
//!   cut to 1024 characters, at most 30 labels; whatever had to change or could not be sent
//!   is logged once per metric (`log::warn!`) and counted in [`ExportStats`].
//! - The monitored resource is `global` unless configured ([`MonitoredResource`]). When it
//!   does not identify the process (`global`, `generic_node`, `gce_instance`), a per-process
//!   label `opentelemetry_task="rust-<pid>@<host>"` is added, because two processes writing
//!   the same series break the API's one-point-per-5-s rule.
//! - The API's write rules are kept: a series' points strictly newer than the last and at
//!   least 5 s apart. A point that comes too soon is held back and replaced by the next
//!   collection's; at shutdown the exporter waits (within the shutdown deadline) until the
//!   held points may be written, so the final values are not lost. Give the provider a
//!   shutdown deadline above 5 s (`MeterProvider::shutdown_with_timeout`).
//! - Errors: a 400 naming failing series is reported with their metric types and not
//!   retried; 429 and 5xx are retried with backoff within the deadline; a 401 fetches a new
//!   token once.
//! - Credentials ([`Credentials`]): a service-account key (RS256 JWT exchanged at the key's
//!   `token_uri`), the metadata server, or a fixed token, found as Google's libraries find
//!   them: `GOOGLE_APPLICATION_CREDENTIALS`, then the metadata server (`GCE_METADATA_HOST`).
//!   The project comes from code, the key file or the metadata server.
//!
//! | data | metric kind | value type |
//! |---|---|---|
//! | monotonic sum (counter, `Count` view) | CUMULATIVE, start time fixed per series | INT64 (integers) or DOUBLE |
//! | non-monotonic sum (up-down counter), gauge | GAUGE | INT64 or DOUBLE |
//! | histogram | CUMULATIVE | DISTRIBUTION |
//! | gauge histogram | GAUGE | DISTRIBUTION |
//! | summary | `<name>_count` and `<name>_sum`, CUMULATIVE | INT64, DOUBLE |
//! | info | GAUGE (value 1) | INT64 |
//! | state set | GAUGE, a series per state | BOOL |
//!
//! ```no_run
//! use std::time::Duration;
//! use telemetry_core::{MeterProvider, PeriodicReader};
//! use telemetry_exporters::stackdriver::{Credentials, MonitoredResource, StackdriverExporter};
//!
//! let exporter = StackdriverExporter::builder()
//!     .with_project("my-project")
//!     .with_credentials(Credentials::from_env()?)
//!     .with_resource(MonitoredResource::generic_task("europe-west1", "video", "encoder", "0"))
//!     .build()?;
//! let reader = PeriodicReader::builder(exporter).with_interval(Duration::from_secs(60)).build();
//! let provider = MeterProvider::builder().with_reader(reader).build();
//! provider.meter("video").u64_counter("videos_processed").build()?.add(1, &[]);
//! provider.shutdown_with_timeout(Duration::from_secs(15))?; // the last values are written
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod auth;
mod client;
mod labels;
mod model;
mod pacing;
mod report;
mod resource;
mod transform;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime};

use telemetry_core::{Error, PushExporter, ResourceMetrics, Temporality};

pub use auth::{Credentials, ServiceAccountKey, DEFAULT_METADATA_HOST, MONITORING_WRITE_SCOPE};
pub use resource::MonitoredResource;

use client::{CallError, Client};
use model::{CreateTimeSeriesRequest, MetricDescriptor, MonitoredResourceRef, TimeSeries};
use pacing::Pacer;
use report::{Problem, Problems};
use transform::Shape;

/// The API's address.
pub const DEFAULT_ENDPOINT: &str = "https://monitoring.googleapis.com";
/// The metric type prefix Google's current exporters use.
pub const DEFAULT_METRIC_PREFIX: &str = "workload.googleapis.com/";
/// The per-process label's key.
pub const DEFAULT_UNIQUE_LABEL: &str = "opentelemetry_task";
/// At most this many series in one `timeSeries` request (the API's limit).
pub const MAX_SERIES_PER_REQUEST: usize = 200;

const EXPORTER: &str = "stackdriver";

pub(crate) fn export_error(message: impl Into<String>) -> Error {
    Error::Export {
        exporter: EXPORTER,
        message: message.into(),
    }
}

/// A configuration the exporter cannot work with.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// The monitored resource's type or labels are not what the API requires.
    Resource {
        /// The resource type.
        resource_type: String,
        /// What is wrong.
        message: String,
    },
    /// The credentials cannot be used.
    Credentials {
        /// What is wrong (the file, the field).
        message: String,
    },
    /// A setting is malformed.
    Invalid {
        /// The setting.
        setting: &'static str,
        /// What is wrong.
        message: String,
    },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Resource {
                resource_type,
                message,
            } => write!(f, "monitored resource {resource_type:?}: {message}"),
            ConfigError::Credentials { message } => write!(f, "Google credentials: {message}"),
            ConfigError::Invalid { setting, message } => write!(f, "{setting}: {message}"),
        }
    }
}

impl std::error::Error for ConfigError {}

impl From<ConfigError> for Error {
    fn from(e: ConfigError) -> Error {
        export_error(e.to_string())
    }
}

/// Counters of what the exporter did, since it was built.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ExportStats {
    /// `timeSeries` requests sent (retries not counted).
    pub requests: u64,
    /// Series (points) the API accepted.
    pub series_written: u64,
    /// Series the API rejected (a 400 naming them) or that a failed request carried.
    pub series_failed: u64,
    /// Points held back by the 5-second rule at the last export (written later).
    pub series_held: u64,
    /// Points that could not be sent at all (more than 30 labels, older than the last one
    /// written, still held when the shutdown deadline passed).
    pub points_not_sent: u64,
    /// Metric descriptors created.
    pub descriptors_created: u64,
}

/// Builds a [`StackdriverExporter`]; see the [module documentation](self).
#[derive(Debug, Default)]
pub struct StackdriverExporterBuilder {
    project: Option<String>,
    credentials: Option<Credentials>,
    endpoint: Option<String>,
    token_uri: Option<String>,
    prefix: Option<String>,
    resource: Option<MonitoredResource>,
    unique_label: Option<Option<String>>,
}

impl StackdriverExporterBuilder {
    /// The project the series are written to. Without it: the key file's `project_id`, else
    /// the metadata server's project.
    #[must_use]
    pub fn with_project(mut self, project: impl Into<String>) -> Self {
        self.project = Some(project.into());
        self
    }

    /// How to authenticate; [`Credentials::from_env`] when not set.
    #[must_use]
    pub fn with_credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// The API's base URL (default [`DEFAULT_ENDPOINT`]); `http://127.0.0.1:…` for tests.
    #[must_use]
    pub fn with_endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoint = Some(url.into());
        self
    }

    /// Overrides the service-account key's `token_uri`.
    #[must_use]
    pub fn with_token_uri(mut self, url: impl Into<String>) -> Self {
        self.token_uri = Some(url.into());
        self
    }

    /// The metric type prefix (default [`DEFAULT_METRIC_PREFIX`]); a `/` is appended if
    /// missing. `custom.googleapis.com/opencensus/` gives the types OpenCensus wrote.
    #[must_use]
    pub fn with_metric_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = Some(prefix.into());
        self
    }

    /// The monitored resource (default [`MonitoredResource::global`]).
    #[must_use]
    pub fn with_resource(mut self, resource: MonitoredResource) -> Self {
        self.resource = Some(resource);
        self
    }

    /// Adds the per-process label under `key` (`opencensus_task` continues OpenCensus'
    /// series) even when the resource identifies the process.
    #[must_use]
    pub fn with_unique_label(mut self, key: impl Into<String>) -> Self {
        self.unique_label = Some(Some(key.into()));
        self
    }

    /// Never adds the per-process label: only if exactly one process writes each series.
    #[must_use]
    pub fn without_unique_label(mut self) -> Self {
        self.unique_label = Some(None);
        self
    }

    /// The exporter. No request is made until the first export.
    ///
    /// # Errors
    /// [`ConfigError`] for an invalid resource, prefix, endpoint or unique label key, or
    /// unusable credentials (from `GOOGLE_APPLICATION_CREDENTIALS` when none were given).
    pub fn build(self) -> Result<StackdriverExporter, ConfigError> {
        let resource = self.resource.unwrap_or_default();
        resource.validate()?;
        let mut prefix = self
            .prefix
            .unwrap_or_else(|| DEFAULT_METRIC_PREFIX.to_owned());
        if prefix.is_empty() || prefix.starts_with('/') || prefix.contains(char::is_whitespace) {
            return Err(ConfigError::Invalid {
                setting: "metric prefix",
                message: format!(
                    "{prefix:?} is not a metric type prefix such as \"custom.googleapis.com/\""
                ),
            });
        }
        if !prefix.ends_with('/') {
            prefix.push('/');
        }
        let endpoint = self
            .endpoint
            .unwrap_or_else(|| DEFAULT_ENDPOINT.to_owned())
            .trim_end_matches('/')
            .to_owned();
        if !(endpoint.starts_with("https://") || endpoint.starts_with("http://")) {
            return Err(ConfigError::Invalid {
                setting: "endpoint",
                message: format!("{endpoint:?} is not an http(s) URL"),
            });
        }
        let unique_key = match self.unique_label {
            Some(choice) => choice,
            None => (!resource.identifies_process()).then(|| DEFAULT_UNIQUE_LABEL.to_owned()),
        };
        if let Some(key) = &unique_key {
            if labels::sanitize_key(key) != *key {
                return Err(ConfigError::Invalid {
                    setting: "unique label",
                    message: format!("{key:?} is not a label key ([a-zA-Z][a-zA-Z0-9_]*)"),
                });
            }
        }
        let credentials = match self.credentials {
            Some(c) => c,
            None => Credentials::from_env()?,
        };
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .user_agent(concat!("telemetry-exporters/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        let tokens = auth::TokenSource::new(credentials, self.token_uri, agent.clone());
        Ok(StackdriverExporter {
            project: OnceLock::new(),
            configured_project: self.project,
            resource,
            prefix,
            unique_label: unique_key.map(|k| (k, process_label_value())),
            client: Client {
                agent,
                endpoint,
                tokens,
            },
            state: Mutex::new(State::default()),
        })
    }
}

/// `rust-<pid>@<hostname>`, as OpenCensus' `opencensus_task` was.
fn process_label_value() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_owned());
    format!("rust-{}@{host}", std::process::id())
}

/// What the exporter remembers between exports.
#[derive(Debug, Default)]
struct State {
    pacer: Pacer,
    /// Per metric type, the descriptor last created.
    descriptors: HashMap<String, MetricDescriptor>,
    /// Problems already logged.
    warned: HashSet<(String, Problem)>,
    stats: ExportStats,
}

/// Writes collections to Google Cloud Monitoring; a [`PushExporter`] for a
/// [`PeriodicReader`](telemetry_core::PeriodicReader). See the [module documentation](self).
pub struct StackdriverExporter {
    configured_project: Option<String>,
    project: OnceLock<String>,
    resource: MonitoredResource,
    prefix: String,
    unique_label: Option<(String, String)>,
    client: Client,
    state: Mutex<State>,
}

impl fmt::Debug for StackdriverExporter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StackdriverExporter")
            .field(
                "project",
                &self.project.get().or(self.configured_project.as_ref()),
            )
            .field("endpoint", &self.client.endpoint)
            .field("prefix", &self.prefix)
            .field("resource", &self.resource)
            .field("unique_label", &self.unique_label)
            .finish_non_exhaustive()
    }
}

impl StackdriverExporter {
    /// A builder; see [`StackdriverExporterBuilder`].
    #[must_use]
    pub fn builder() -> StackdriverExporterBuilder {
        StackdriverExporterBuilder::default()
    }

    /// What the exporter did so far.
    #[must_use]
    pub fn stats(&self) -> ExportStats {
        self.lock().stats
    }

    /// The per-process label `(key, value)`, if one is added.
    #[must_use]
    pub fn unique_label(&self) -> Option<(&str, &str)> {
        self.unique_label
            .as_ref()
            .map(|(k, v)| (k.as_str(), v.as_str()))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The project: from code, the key file, or the metadata server (asked once).
    fn project(&self, deadline: Instant) -> Result<&str, Error> {
        if let Some(p) = self.project.get() {
            return Ok(p);
        }
        let found = match self
            .configured_project
            .clone()
            .or_else(|| self.client.tokens.key_project())
        {
            Some(p) => p,
            None => self
                .client
                .tokens
                .metadata_project(deadline)?
                .ok_or_else(|| {
                    export_error(
                        "no project: set one with with_project, in the key file, or run on GCP",
                    )
                })?,
        };
        Ok(self.project.get_or_init(|| found))
    }

    fn shape(&self, project: &str) -> Shape {
        Shape {
            prefix: self.prefix.clone(),
            resource: MonitoredResourceRef {
                resource_type: self.resource.resource_type().to_owned(),
                labels: self.resource.wire_labels(project),
            },
            unique_label: self.unique_label.clone(),
        }
    }

    /// Creates the descriptors `series` need that were not created yet (or lack a label);
    /// returns the metric types whose descriptor could not be created.
    fn ensure_descriptors(
        &self,
        project: &str,
        needed: &BTreeMap<String, MetricDescriptor>,
        series: &[TimeSeries],
        deadline: Instant,
    ) -> (BTreeSet<String>, Vec<String>) {
        let used: BTreeSet<&str> = series
            .iter()
            .map(|s| s.metric.metric_type.as_str())
            .collect();
        let mut failed = BTreeSet::new();
        let mut errors = Vec::new();
        for ty in used {
            let Some(wanted) = needed.get(ty) else {
                continue;
            };
            let mut wanted = wanted.clone();
            {
                let state = self.lock();
                if let Some(known) = state.descriptors.get(ty) {
                    let covered = wanted
                        .labels
                        .iter()
                        .all(|l| known.labels.iter().any(|k| k.key == l.key));
                    if covered
                        && known.metric_kind == wanted.metric_kind
                        && known.value_type == wanted.value_type
                    {
                        continue;
                    }
                    // Keep the labels written before, so older series stay valid.
                    for l in &known.labels {
                        if !wanted.labels.iter().any(|w| w.key == l.key) {
                            wanted.labels.push(l.clone());
                        }
                    }
                }
            }
            match self
                .client
                .post(project, "metricDescriptors", &wanted, deadline)
            {
                Ok(()) => {
                    let mut state = self.lock();
                    state.stats.descriptors_created += 1;
                    state.descriptors.insert(ty.to_owned(), wanted);
                }
                Err(e) => {
                    let message = match e {
                        CallError::Failed(e) => e.to_string(),
                        CallError::Rejected(r) => r.message,
                    };
                    errors.push(format!("descriptor of {ty}: {message}"));
                    failed.insert(ty.to_owned());
                }
            }
        }
        (failed, errors)
    }

    /// Writes `series` in requests of at most 200; returns the errors.
    fn write(&self, project: &str, series: Vec<TimeSeries>, deadline: Instant) -> Vec<String> {
        let mut errors = Vec::new();
        for batch in series.chunks(MAX_SERIES_PER_REQUEST) {
            let request = CreateTimeSeriesRequest { time_series: batch };
            let result = self.client.post(project, "timeSeries", &request, deadline);
            let mut state = self.lock();
            state.stats.requests += 1;
            match result {
                Ok(()) => {
                    for ts in batch {
                        state.pacer.written(ts);
                    }
                    state.stats.series_written += batch.len() as u64;
                }
                Err(CallError::Rejected(r)) => {
                    // The API wrote the others: remember them as written, never resend them.
                    let failed: BTreeSet<usize> = r.indices.iter().copied().collect();
                    for (i, ts) in batch.iter().enumerate() {
                        if !failed.contains(&i) {
                            state.pacer.written(ts);
                        }
                    }
                    let names: Vec<String> = failed
                        .iter()
                        .filter_map(|i| batch.get(*i))
                        .map(describe)
                        .collect();
                    state.stats.series_written += (batch.len() - failed.len()) as u64;
                    state.stats.series_failed += failed.len() as u64;
                    let counts = r
                        .counts
                        .map(|(ok, total)| format!(" ({ok} of {total} points written)"))
                        .unwrap_or_default();
                    errors.push(format!(
                        "{} series rejected{counts}: [{}]: {}",
                        failed.len(),
                        names.join(", "),
                        r.message
                    ));
                }
                Err(CallError::Failed(e)) => {
                    // Nothing was written: keep the points, the next export or the
                    // shutdown tries again with newer values.
                    for ts in batch {
                        state.pacer.hold(ts.clone());
                    }
                    state.stats.series_failed += batch.len() as u64;
                    errors.push(format!("{} series not written: {e}", batch.len()));
                }
            }
        }
        errors
    }

    fn send(&self, metrics: &ResourceMetrics, deadline: Instant) -> Result<(), Error> {
        let project = self.project(deadline)?.to_owned();
        let shape = self.shape(&project);
        let mut problems = Problems::default();
        let translated = transform::translate(metrics, &shape, &mut problems);
        let admitted = {
            let mut state = self.lock();
            let admitted = state.pacer.admit(translated.series);
            for name in &admitted.duplicates {
                problems.add(
                    name,
                    Problem::Duplicate,
                    "two points of one series in one collection (a name used by two meters, or \
                     attribute keys equal once sanitized): the second was dropped"
                        .into(),
                );
            }
            for name in &admitted.stale {
                problems.add(
                    name,
                    Problem::Stale,
                    "a point older than the last one written was dropped".into(),
                );
            }
            let lost = problems.log_new(&mut state.warned);
            state.stats.points_not_sent += lost;
            state.stats.series_held = admitted.held as u64;
            admitted
        };
        let mut descriptors = translated.descriptors;
        {
            // Held points released from earlier collections need their descriptors too.
            let state = self.lock();
            for ts in &admitted.ready {
                if !descriptors.contains_key(&ts.metric.metric_type) {
                    if let Some(d) = state.descriptors.get(&ts.metric.metric_type) {
                        descriptors.insert(ts.metric.metric_type.clone(), d.clone());
                    }
                }
            }
        }
        let (failed_types, mut errors) =
            self.ensure_descriptors(&project, &descriptors, &admitted.ready, deadline);
        let (ready, blocked): (Vec<TimeSeries>, Vec<TimeSeries>) = admitted
            .ready
            .into_iter()
            .partition(|ts| !failed_types.contains(&ts.metric.metric_type));
        if !blocked.is_empty() {
            let mut state = self.lock();
            for ts in blocked {
                state.pacer.hold(ts);
            }
        }
        errors.extend(self.write(&project, ready, deadline));
        if errors.is_empty() {
            Ok(())
        } else {
            Err(export_error(errors.join("; ")))
        }
    }

    /// Writes what the 5-second rule held back, waiting until it may be written, but not
    /// past `deadline`.
    fn flush_held(&self, deadline: Instant) -> Result<(), Error> {
        let writable_at = self.lock().pacer.all_writable_at();
        if let Some(at) = writable_at {
            let wait = at.duration_since(SystemTime::now()).unwrap_or_default();
            let room = deadline.saturating_duration_since(Instant::now());
            // Leave time for the request itself.
            if wait < room.saturating_sub(Duration::from_secs(1)) {
                std::thread::sleep(wait);
            }
        }
        let released = self.lock().pacer.release(SystemTime::now());
        let mut result = Ok(());
        if !released.is_empty() {
            let project = self.project(deadline)?.to_owned();
            let errors = self.write(&project, released, deadline);
            if !errors.is_empty() {
                result = Err(export_error(errors.join("; ")));
            }
        }
        let mut state = self.lock();
        let still_held = state.pacer.held() as u64;
        state.stats.series_held = still_held;
        if still_held > 0 && result.is_ok() {
            state.stats.points_not_sent += still_held;
            return Err(Error::Timeout {
                operation: "Cloud Monitoring final write (points held by the 5 s rule)",
            });
        }
        result
    }
}

impl PushExporter for StackdriverExporter {
    fn export(&self, metrics: &ResourceMetrics, timeout: Duration) -> Result<(), Error> {
        self.send(metrics, Instant::now() + timeout)
    }

    /// Cumulative: Cloud Monitoring does not accept DELTA points for user-defined metrics.
    fn temporality(&self) -> Temporality {
        Temporality::Cumulative
    }

    /// Distributions carry `sumOfSquaredDeviation`: the provider tracks it for this reader.
    fn needs_squared_deviation(&self) -> bool {
        true
    }

    /// Writes the points the 5-second rule held back (the final collection's, typically),
    /// waiting for the rule within `timeout`.
    fn shutdown(&self, timeout: Duration) -> Result<(), Error> {
        self.flush_held(Instant::now() + timeout)
    }
}

fn describe(ts: &TimeSeries) -> String {
    let labels: Vec<String> = ts
        .metric
        .labels
        .iter()
        .map(|(k, v)| format!("{k}={v:?}"))
        .collect();
    format!("{}{{{}}}", ts.metric.metric_type, labels.join(","))
}
