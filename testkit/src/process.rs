//! Real servers as child processes: a free loopback port, a private directory, a log file,
//! readiness polling, and a kill on drop so no test leaves a server behind.

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::http::try_http_request;

/// A port free on 127.0.0.1 right now. Another process may take it before the server binds
/// it, which is why [`Daemon::start`] retries with a fresh port.
pub fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("bind 127.0.0.1:0")
}

/// A server started by a test; killed (and reaped) when dropped.
#[derive(Debug)]
pub struct Daemon {
    child: Child,
    addr: SocketAddr,
    dir: tempfile::TempDir,
    name: String,
}

const ATTEMPTS: usize = 3;
const READY_WITHIN: Duration = Duration::from_secs(20);

impl Daemon {
    /// Starts `binary` with the arguments `args(listen address, private directory)` and
    /// waits until `GET ready_path` answers 200. Panics with the server's log when it never
    /// gets ready.
    pub fn start(
        binary: &Path,
        ready_path: &str,
        args: impl Fn(SocketAddr, &Path) -> Vec<String>,
    ) -> Daemon {
        let name = binary
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        let mut last_log = String::new();
        for _ in 0..ATTEMPTS {
            let dir = tempfile::Builder::new()
                .prefix(&format!("{name}-"))
                .tempdir()
                .expect("a temporary directory");
            let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, free_port()));
            let log = std::fs::File::create(dir.path().join("server.log")).expect("log file");
            let child = Command::new(binary)
                .args(args(addr, dir.path()))
                .stdin(Stdio::null())
                .stdout(log.try_clone().expect("log file"))
                .stderr(log)
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
            let mut daemon = Daemon {
                child,
                addr,
                dir,
                name: name.clone(),
            };
            if daemon.wait_ready(ready_path) {
                return daemon;
            }
            last_log = daemon.log();
        }
        panic!("{name} did not get ready in {ATTEMPTS} attempts; its log:\n{last_log}");
    }

    fn wait_ready(&mut self, ready_path: &str) -> bool {
        let deadline = Instant::now() + READY_WITHIN;
        while Instant::now() < deadline {
            if let Ok(Some(_exited)) = self.child.try_wait() {
                return false; // e.g. the port was taken meanwhile
            }
            let probe = try_http_request(self.addr, "GET", ready_path, &[], &[]);
            if probe.is_ok_and(|r| r.status == 200) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }

    /// The address it listens on (127.0.0.1).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Its private directory (removed on drop).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// What it logged so far, for assertion messages.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    /// Its binary's file name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The binary of the workspace example `name`, which `cargo test` builds (every example) next
/// to the test binaries. `None` after a note when it is missing (`cargo test --test X` alone
/// does not build examples); a panic under `CI=true`.
pub fn example_binary(name: &str) -> Option<std::path::PathBuf> {
    let exe = std::env::current_exe().expect("the test binary's path");
    // target/<profile>/deps/<test> → target/<profile>/examples/<name>
    let binary = exe
        .parent()?
        .parent()?
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    if binary.is_file() {
        return Some(binary);
    }
    let message = format!(
        "{} not built; `cargo test --workspace` builds it (`cargo test --test` alone does not)",
        binary.display()
    );
    assert_ne!(std::env::var("CI").as_deref(), Ok("true"), "{message}");
    eprintln!("NOTE: skipping the example-binary check: {message}");
    None
}
