//! The Prometheus Pushgateway (Debian's `prometheus-pushgateway`) on a free loopback port,
//! without persistence (Debian's default file would leak groups between runs) and with the
//! admin API (`wipe`).

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::http::{http, try_http_request};
use crate::process::Daemon;
use crate::tool::require_tool;

/// A running Pushgateway; stopped on drop.
#[derive(Debug)]
pub struct Pushgateway {
    process: Process,
}

#[derive(Debug)]
enum Process {
    /// On a free port, through [`Daemon`] (which retries when the port gets taken).
    Daemon(Daemon),
    /// On a port the test chose (a restart on the port of a stopped gateway).
    Fixed {
        child: Child,
        addr: SocketAddr,
        log: PathBuf,
        _dir: tempfile::TempDir,
    },
}

fn args(addr: SocketAddr) -> Vec<String> {
    vec![
        format!("--web.listen-address={addr}"),
        "--persistence.file=".into(),
        "--web.enable-admin-api".into(),
    ]
}

impl Pushgateway {
    /// Starts one. `None`, after a note, when the binary is missing; a panic under
    /// `CI=true` (see [`require_tool`]).
    pub fn start() -> Option<Pushgateway> {
        let binary = require_tool("prometheus-pushgateway")?;
        let daemon = Daemon::start(&binary, "/-/ready", |addr, _dir| args(addr));
        Some(Pushgateway {
            process: Process::Daemon(daemon),
        })
    }

    /// Starts one on `port` of 127.0.0.1 (the port of a gateway that was stopped, to bring
    /// it back) and waits until `/-/ready` answers 200; panics when it cannot.
    pub fn start_on(port: u16) -> Pushgateway {
        let binary = require_tool("prometheus-pushgateway").expect("prometheus-pushgateway");
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let dir = tempfile::tempdir().expect("a temporary directory");
        let log = dir.path().join("server.log");
        let file = std::fs::File::create(&log).expect("log file");
        let child = Command::new(&binary)
            .args(args(addr))
            .stdin(Stdio::null())
            .stdout(file.try_clone().expect("log file"))
            .stderr(file)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
        let gateway = Pushgateway {
            process: Process::Fixed {
                child,
                addr,
                log,
                _dir: dir,
            },
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let probe = try_http_request(addr, "GET", "/-/ready", &[], &[]);
            if probe.is_ok_and(|r| r.status == 200) {
                return gateway;
            }
            assert!(
                Instant::now() < deadline,
                "the Pushgateway did not get ready on {addr}; its log:\n{}",
                gateway.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Its address.
    pub fn addr(&self) -> SocketAddr {
        match &self.process {
            Process::Daemon(d) => d.addr(),
            Process::Fixed { addr, .. } => *addr,
        }
    }

    /// `http://127.0.0.1:PORT`, for exporters.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr())
    }

    /// `GET /api/v1/metrics`: every group with its labels, `last_push_successful` and its
    /// families (values are strings). Panics unless the answer is 200 JSON.
    pub fn groups(&self) -> serde_json::Value {
        let r = http(self.addr(), "GET", "/api/v1/metrics");
        assert_eq!(r.status, 200, "GET /api/v1/metrics: {}", r.text());
        let json: serde_json::Value = serde_json::from_slice(&r.bytes).expect("JSON");
        json["data"].clone()
    }

    /// The group whose labels are exactly `labels` (as `/api/v1/metrics` shows them,
    /// including `instance=""` when none was given), if any.
    pub fn group(&self, labels: &[(&str, &str)]) -> Option<serde_json::Value> {
        let groups = self.groups();
        groups
            .as_array()?
            .iter()
            .find(|g| {
                let Some(have) = g["labels"].as_object() else {
                    return false;
                };
                have.len() == labels.len()
                    && labels
                        .iter()
                        .all(|(n, v)| have.get(*n).and_then(|x| x.as_str()) == Some(*v))
            })
            .cloned()
    }

    /// `GET /metrics`: the exposition text of every group.
    pub fn scrape(&self) -> String {
        let r = http(self.addr(), "GET", "/metrics");
        assert_eq!(r.status, 200, "GET /metrics: {}", r.text());
        r.text().to_owned()
    }

    /// `PUT /api/v1/admin/wipe`: deletes every group.
    pub fn wipe(&self) {
        let r = try_http_request(self.addr(), "PUT", "/api/v1/admin/wipe", &[], &[]).expect("wipe");
        assert_eq!(r.status, 202, "wipe: {}", r.text());
    }

    /// What it logged so far.
    pub fn log(&self) -> String {
        match &self.process {
            Process::Daemon(d) => d.log(),
            Process::Fixed { log, .. } => std::fs::read_to_string(log).unwrap_or_default(),
        }
    }
}

impl Drop for Pushgateway {
    fn drop(&mut self) {
        if let Process::Fixed { child, .. } = &mut self.process {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
