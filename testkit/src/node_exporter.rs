//! node_exporter with only its textfile collector, on a free loopback port.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use crate::http::http;
use crate::process::Daemon;
use crate::tool::require_tool;

/// A running `prometheus-node-exporter` that serves the `*.prom` files of one directory
/// (and nothing else: default collectors and its own metrics are off); stopped on drop.
#[derive(Debug)]
pub struct NodeExporter {
    daemon: Daemon,
    textfile_dir: PathBuf,
}

impl NodeExporter {
    /// Starts one reading a fresh, empty textfile directory (see
    /// [`textfile_dir`](Self::textfile_dir)). `None`, after a note, when the binary is
    /// missing; a panic under `CI=true` (see [`require_tool`]).
    pub fn start() -> Option<NodeExporter> {
        Self::launch(None)
    }

    /// Starts one reading `dir`, which must exist (e.g. a mount point the test prepared).
    pub fn start_with_textfile_dir(dir: &Path) -> Option<NodeExporter> {
        Self::launch(Some(dir.to_owned()))
    }

    fn launch(dir: Option<PathBuf>) -> Option<NodeExporter> {
        let binary = require_tool("prometheus-node-exporter")?;
        let chosen = std::sync::Mutex::new(None);
        let daemon = Daemon::start(&binary, "/metrics", |addr, private| {
            let textfile_dir = dir.clone().unwrap_or_else(|| {
                let d = private.join("textfile");
                std::fs::create_dir_all(&d).expect("textfile directory");
                d
            });
            let args = vec![
                format!("--web.listen-address={addr}"),
                "--collector.disable-defaults".into(),
                "--collector.textfile".into(),
                format!("--collector.textfile.directory={}", textfile_dir.display()),
                "--web.disable-exporter-metrics".into(),
            ];
            *chosen.lock().unwrap_or_else(|e| e.into_inner()) = Some(textfile_dir);
            args
        });
        let textfile_dir = chosen
            .into_inner()
            .unwrap_or_else(|e| e.into_inner())
            .expect("the arguments were built");
        Some(NodeExporter {
            daemon,
            textfile_dir,
        })
    }

    /// The directory whose `*.prom` files it serves.
    pub fn textfile_dir(&self) -> &Path {
        &self.textfile_dir
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.daemon.addr()
    }

    /// `GET /metrics`: the body, after asserting status 200.
    pub fn scrape(&self) -> String {
        let response = http(self.addr(), "GET", "/metrics");
        assert_eq!(
            response.status,
            200,
            "node_exporter answered {}: {}\nits log:\n{}",
            response.status,
            String::from_utf8_lossy(&response.bytes),
            self.log()
        );
        response.text().to_owned()
    }

    /// What it logged so far (e.g. why a file was rejected).
    pub fn log(&self) -> String {
        self.daemon.log()
    }
}
