//! Helpers shared by the integration tests: running the `chingu` binary, a daemon that
//! is killed when dropped, and waiting for output lines with a deadline (never sleeping).

#![allow(dead_code)]

pub mod api;
pub mod net;
pub mod rogue;
pub mod tmux;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Path of the built `chingu` binary.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_chingu"))
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

/// Looks `contact` up on `home` until it is found; panics after `timeout`.
pub fn found(home: &Path, contact: &str, timeout: Duration) {
    let deadline = Instant::now() + timeout;
    while !ok(home, &["contacts", "lookup", contact]).contains("found") {
        assert!(Instant::now() < deadline, "{contact} never found");
    }
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
        let mut child = chingu(home)
            .args(["run", "--listen", "/ip4/127.0.0.1/tcp/0"])
            .args(extra)
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
        daemon.wait_for("control socket:", Duration::from_secs(30));
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
