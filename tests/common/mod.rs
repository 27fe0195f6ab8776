//! Helpers shared by the integration tests: running the `chingu` binary, a daemon that
//! is killed when dropped, and waiting for output lines with a deadline (never sleeping).

#![allow(dead_code)]

pub mod api;
pub mod forge;
pub mod lone;
pub mod net;
pub mod rogue;
pub mod tmux;

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Path of the built `chingu` binary.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_chingu"))
}

/// Runs `chingu ARGS --json` on `home`, which must succeed with JSON on stdout.
pub fn json(home: &Path, args: &[&str]) -> serde_json::Value {
    let mut with = args.to_vec();
    with.push("--json");
    let out = ok(home, &with);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("chingu {with:?} printed no JSON ({e}): {out}"))
}

/// Runs `chingu ARGS` on `home` and returns (exit code, stdout, stderr).
pub fn run(home: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out = chingu(home).args(args).output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `http://ADDR` of the metrics server a daemon printed.
pub fn metrics_base(daemon: &Daemon) -> String {
    let url = daemon
        .output
        .iter()
        .find_map(|l| l.strip_prefix("Prometheus metrics: "))
        .expect("a metrics line");
    url.trim_end_matches("/metrics").to_owned()
}

/// Runs `chingu --json testnet ARGS` (logs at `error`), expects success, and returns
/// its JSON report.
pub fn testnet_report(args: &[&str]) -> serde_json::Value {
    let output = Command::new(bin())
        .args(["--json", "testnet"])
        .args(args)
        .env("RUST_LOG", "error")
        .output()
        .expect("chingu runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "testnet failed: {stderr}");
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&output.stdout)))
}

/// The count at `path` (`a/b/c`) of a JSON report.
pub fn count(report: &serde_json::Value, path: &str) -> u64 {
    path.split('/')
        .fold(report, |value, key| &value[key])
        .as_u64()
        .unwrap_or_else(|| panic!("{path} is not a count in {report:#}"))
}

/// A `chingu` command on `home`, with a fixed language so output can be matched.
pub fn chingu(home: &Path) -> Command {
    let mut cmd = Command::new(bin());
    cmd.arg("--home")
        .arg(home)
        .env("LANG", "en_US.UTF-8")
        .env_remove("LC_ALL")
        .env("RUST_LOG", "warn");
    cmd
}

/// Creates a home with `phone`.
pub fn init_home(home: &Path, phone: &str, name: &str) {
    let out = chingu(home)
        .args(["init", "--phone", phone, "--name", name])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "init failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs `chingu ARGS` on `home` with its stdout a pipe whose reader is already gone (as
/// in `chingu … | true`); returns the exit code and stderr.
pub fn closed_pipe(home: &Path, args: &[&str]) -> (Option<i32>, String) {
    let (read, write) = nix::unistd::pipe().unwrap();
    drop(read);
    let out = chingu(home)
        .args(args)
        .stdout(Stdio::from(write))
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// Runs `chingu ARGS` on `home`, asserts it succeeded and returns its stdout.
pub fn ok(home: &Path, args: &[&str]) -> String {
    let out = chingu(home).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "chingu {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Polls `check` until it returns something, panicking after a minute.
pub fn eventually<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(Instant::now() < deadline, "never: {what}");
        // Polling interval of a deadline loop, not a synchronisation.
        std::thread::park_timeout(Duration::from_millis(100));
    }
}

/// Looks `contact` up on `home` until it is found; panics after `timeout`.
pub fn found(home: &Path, contact: &str, timeout: Duration) {
    let deadline = Instant::now() + timeout;
    // The state, not the text: "not found" contains "found".
    loop {
        let out = ok(home, &["contacts", "lookup", contact, "--json"]);
        let view: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
        if matches!(view["state"].as_str(), Some("found" | "verified")) {
            return;
        }
        assert!(Instant::now() < deadline, "{contact} never found");
    }
}

/// Two people on two daemons who added each other and found each other: `a`
/// (010-1111-2222) and `b` (010-3333-4444), homes named after them, each saved in the
/// other's contacts under their name.
pub fn two_friends(dir: &Path, a: &str, b: &str) -> (PathBuf, PathBuf, [Daemon; 2]) {
    let (a_home, b_home) = (dir.join(a), dir.join(b));
    init_home(&a_home, "010-1111-2222", a);
    init_home(&b_home, "010-3333-4444", b);
    let b_daemon = Daemon::start(&b_home, &[]);
    let a_daemon = Daemon::start(&a_home, &["--bootstrap", &b_daemon.listen_addr()]);
    ok(&a_home, &["contacts", "add", "010-3333-4444", "--name", b]);
    ok(&b_home, &["contacts", "add", "010-1111-2222", "--name", a]);
    found(&a_home, b, Duration::from_secs(60));
    found(&b_home, a, Duration::from_secs(60));
    (a_home, b_home, [a_daemon, b_daemon])
}

/// A running `chingu run` process; killed on drop.
pub struct Daemon {
    pub child: Child,
    lines: mpsc::Receiver<String>,
    pub output: Vec<String>,
}

impl Daemon {
    /// Starts `chingu run` on `home` listening on loopback, plus `extra` arguments, and
    /// waits until it reports its control socket.
    pub fn start(home: &Path, extra: &[&str]) -> Daemon {
        let mut args = vec!["run", "--listen", "/ip4/127.0.0.1/tcp/0"];
        args.extend(extra);
        Daemon::spawn(home, &args, "control socket:")
    }

    /// Starts `chingu ARGS` on `home` (a `run` command line) and waits for a line
    /// containing `ready`.
    pub fn spawn(home: &Path, args: &[&str], ready: &str) -> Daemon {
        let mut child = chingu(home)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (tx, rx) = mpsc::channel();
        let stdout = child.stdout.take().unwrap();
        let stderr = child.stderr.take().unwrap();
        let tx2 = tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = tx2.send(format!("[stderr] {line}"));
            }
        });
        let mut daemon = Daemon {
            child,
            lines: rx,
            output: Vec::new(),
        };
        daemon.wait_for(ready, Duration::from_secs(30));
        daemon
    }

    /// Waits until a line containing `needle` appears; panics with everything seen so
    /// far after `timeout`.
    pub fn wait_for(&mut self, needle: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.output.push(line.clone());
                    if line.contains(needle) {
                        return line;
                    }
                }
                Err(_) => panic!(
                    "no line containing {needle:?} within {timeout:?}; output so far:\n{}",
                    self.output.join("\n")
                ),
            }
        }
    }

    /// The `/p2p/` listen address the daemon printed.
    pub fn listen_addr(&self) -> String {
        let line = self
            .output
            .iter()
            .find(|l| l.starts_with("listening on "))
            .expect("a listening line");
        line.trim_start_matches("listening on ").to_owned()
    }

    /// Sends a signal and waits (with a deadline) for the process to exit.
    pub fn stop(mut self, signal: nix::sys::signal::Signal) -> std::process::ExitStatus {
        let pid = nix::unistd::Pid::from_raw(self.child.id() as i32);
        nix::sys::signal::kill(pid, signal).unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                // Drain what is left so callers can inspect it.
                while let Ok(line) = self.lines.recv_timeout(Duration::from_millis(200)) {
                    self.output.push(line);
                }
                return status;
            }
            assert!(Instant::now() < deadline, "the daemon did not exit");
            // Poll the child's exit; a short park between polls is not synchronisation.
            std::thread::park_timeout(Duration::from_millis(20));
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A process whose output lines (stdout or stderr) are read with a deadline; killed on
/// drop.
pub struct Lines {
    child: Child,
    lines: mpsc::Receiver<String>,
    /// Every line read so far.
    pub seen: Vec<String>,
}

impl Lines {
    /// Starts `command` and follows its stdout (`stderr` false) or its stderr.
    pub fn start(mut command: Command, stderr: bool) -> Lines {
        let (out, err) = if stderr {
            (Stdio::null(), Stdio::piped())
        } else {
            (Stdio::piped(), Stdio::null())
        };
        let mut child = command.stdout(out).stderr(err).spawn().unwrap();
        let stream: Box<dyn Read + Send> = match stderr {
            true => Box::new(child.stderr.take().unwrap()),
            false => Box::new(child.stdout.take().unwrap()),
        };
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        Lines {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// The next line, if one comes within `wait`.
    pub fn next_within(&mut self, wait: Duration) -> Option<String> {
        let line = self.lines.recv_timeout(wait).ok()?;
        self.seen.push(line.clone());
        Some(line)
    }

    /// The first line (seen before or coming within a minute) containing `needle`.
    pub fn line_with(&mut self, needle: &str) -> String {
        if let Some(line) = self.seen.iter().find(|l| l.contains(needle)) {
            return line.clone();
        }
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = self
                .next_within(left)
                .unwrap_or_else(|| panic!("no line with {needle:?} in {:?}", self.seen));
            if line.contains(needle) {
                return line;
            }
        }
    }
}

impl Drop for Lines {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Fetches `url` (`http://host:port/path`) and returns (status, body).
pub fn http_get(url: &str) -> (u16, String) {
    let rest = url.strip_prefix("http://").unwrap();
    let (addr, path) = rest.split_at(rest.find('/').unwrap());
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let status = answer.split(' ').nth(1).unwrap().parse().unwrap();
    let body = answer.split_once("\r\n\r\n").unwrap().1.to_owned();
    (status, body)
}
