//! A real Prometheus server that scrapes the test's endpoints, and its HTTP API.
//!
//! Prometheus needs about 5 s from start to its first scrape of a target (its discovery
//! manager batches updates every 5 s), so a test binary should start one server for all its
//! targets and check them together, not one server per check.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::http::http;
use crate::process::Daemon;
use crate::tool::require_tool;

/// A Prometheus server scraping fixed targets every second; killed on drop.
#[derive(Debug)]
pub struct Prometheus {
    daemon: Daemon,
}

/// What Prometheus reports about one target (`/api/v1/targets`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TargetHealth {
    /// `up`, `down` or `unknown`.
    pub health: String,
    /// The last scrape's error, empty when it succeeded.
    pub last_error: String,
    /// The URL it scrapes.
    pub scrape_url: String,
}

/// One sample of a PromQL instant vector: its labels and value.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    /// All labels, `__name__` included.
    pub labels: BTreeMap<String, String>,
    /// The value.
    pub value: f64,
}

impl Prometheus {
    /// Starts Prometheus with one scrape job per `(job, address)`, scraping `/metrics` every
    /// second. `None` (after a note) when Prometheus is not installed, a panic under
    /// `CI=true`.
    pub fn start(targets: &[(&str, SocketAddr)]) -> Option<Prometheus> {
        let binary = require_tool("prometheus")?;
        let mut config = String::from(
            "global: {scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s}\nscrape_configs:\n",
        );
        for (job, addr) in targets {
            config.push_str(&format!(
                "  - job_name: '{job}'\n    static_configs: [{{targets: ['{addr}']}}]\n"
            ));
        }
        let daemon = Daemon::start(&binary, "/-/ready", |addr, dir| {
            let file = dir.join("prometheus.yml");
            std::fs::write(&file, &config).expect("write prometheus.yml");
            vec![
                format!("--config.file={}", file.display()),
                format!("--storage.tsdb.path={}", dir.join("data").display()),
                format!("--web.listen-address={addr}"),
                "--log.level=warn".to_owned(),
            ]
        });
        Some(Prometheus { daemon })
    }

    /// Its address.
    pub fn addr(&self) -> SocketAddr {
        self.daemon.addr()
    }

    /// What it logged, for assertion messages.
    pub fn log(&self) -> String {
        self.daemon.log()
    }

    fn api(&self, path_and_query: &str) -> Value {
        let response = http(self.addr(), "GET", path_and_query);
        let body: Value = serde_json::from_slice(&response.bytes)
            .unwrap_or_else(|e| panic!("{path_and_query}: not JSON ({e}): {}", response.text()));
        assert_eq!(
            body["status"], "success",
            "{path_and_query} answered {body}"
        );
        body["data"].clone()
    }

    /// The health of the target of `job`, once it has been scraped (`health` is no longer
    /// `unknown`), waiting up to `within`.
    pub fn wait_scraped(&self, job: &str, within: Duration) -> TargetHealth {
        let deadline = Instant::now() + within;
        loop {
            let found = self.api("/api/v1/targets?state=active")["activeTargets"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|t| t["labels"]["job"] == job)
                .map(|t| TargetHealth {
                    health: t["health"].as_str().unwrap_or_default().to_owned(),
                    last_error: t["lastError"].as_str().unwrap_or_default().to_owned(),
                    scrape_url: t["scrapeUrl"].as_str().unwrap_or_default().to_owned(),
                });
            match found {
                Some(health) if health.health != "unknown" => return health,
                _ if Instant::now() > deadline => {
                    panic!(
                        "Prometheus did not scrape job {job:?} within {within:?}; log:\n{}",
                        self.log()
                    )
                }
                _ => std::thread::sleep(Duration::from_millis(250)),
            }
        }
    }

    /// Evaluates an instant PromQL query.
    pub fn query(&self, promql: &str) -> Vec<Sample> {
        let data = self.api(&format!("/api/v1/query?query={}", url_encode(promql)));
        data["result"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|r| Sample {
                labels: r["metric"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                    .collect(),
                value: r["value"][1]
                    .as_str()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(f64::NAN),
            })
            .collect()
    }

    /// The TYPE/HELP/UNIT Prometheus recorded for `metric` from the targets of `job`, as
    /// `(type, help, unit)`.
    pub fn metadata(&self, job: &str, metric: &str) -> Option<(String, String, String)> {
        let selector = url_encode(&format!("{{job=\"{job}\"}}"));
        let data = self.api(&format!(
            "/api/v1/targets/metadata?match_target={selector}&metric={}",
            url_encode(metric)
        ));
        let entry = data.as_array()?.first()?.clone();
        let field = |k: &str| entry[k].as_str().unwrap_or_default().to_owned();
        Some((field("type"), field("help"), field("unit")))
    }
}

/// Percent-encodes everything but unreserved characters (RFC 3986).
pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn url_encoding_keeps_only_unreserved_characters() {
        assert_eq!(
            super::url_encode("up{job=\"a b\"}"),
            "up%7Bjob%3D%22a%20b%22%7D"
        );
        assert_eq!(super::url_encode("会"), "%E4%BC%9A");
    }
}
