//! "Sent means on disk": a sending daemon is killed hard (SIGKILL) at random points of a
//! stream of `chingu send` calls, restarted, and every message whose `send` returned is
//! delivered to the friend exactly once. Also drives the CLI end to end: `contacts add`,
//! `contacts lookup`, `send --json`, `watch --json`, `history --json` (with and without a
//! running node) and `read`.

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::common::{chingu, found, init_home, ok, Daemon};
use rand::Rng;

const DEADLINE: Duration = Duration::from_secs(90);

/// `chingu watch --json` on a home, its lines on a channel.
struct Watch {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl Watch {
    fn start(home: &Path) -> Watch {
        let mut child = chingu(home)
            .args(["watch", "--json"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        Watch { child, lines }
    }

    /// Returns once `watch` is following: `watch` subscribes a moment after it starts, and
    /// a message delivered before that is never shown to it (as `tests/cli_node.rs` found),
    /// so `sender_home` sends a check message every 2 s until one is shown.
    fn following(&self, sender_home: &Path) {
        let deadline = Instant::now() + DEADLINE;
        while Instant::now() < deadline {
            ok(sender_home, &["send", "Bob", "is watch following?"]);
            let until = Instant::now() + Duration::from_secs(2);
            while let Ok(line) = self.lines.recv_timeout(until.saturating_duration_since(Instant::now())) {
                let event: serde_json::Value = serde_json::from_str(&line).unwrap();
                if event["type"] == "message_received" {
                    return;
                }
            }
        }
        panic!("watch never showed a message");
    }

    /// Collects received message ids until `want` are all seen (or the deadline).
    fn received(&self, want: &HashSet<String>, seen: &mut Vec<String>) {
        let deadline = Instant::now() + DEADLINE;
        while !want.iter().all(|id| seen.contains(id)) {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = self
                .lines
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("missing messages; seen {} of {}", seen.len(), want.len()));
            let event: serde_json::Value = serde_json::from_str(&line).unwrap();
            if event["type"] == "message_received" {
                seen.push(event["message"]["id"].as_str().unwrap().to_owned());
            }
        }
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn a_sender_killed_mid_stream_loses_and_duplicates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (alice_home, bob_home) = (dir.path().join("alice"), dir.path().join("bob"));
    init_home(&alice_home, "010-1111-2222", "Alice");
    init_home(&bob_home, "010-3333-4444", "Bob");
    let bob = Daemon::start(&bob_home, &[]);
    let bob_addr = bob.listen_addr();
    let start_alice = || Daemon::start(&alice_home, &["--bootstrap", &bob_addr]);
    let mut alice = start_alice();
    ok(&alice_home, &["contacts", "add", "010-3333-4444", "--name", "Bob"]);
    ok(&bob_home, &["contacts", "add", "010-1111-2222", "--name", "Alice"]);
    found(&alice_home, "Bob", DEADLINE);
    found(&bob_home, "Alice", DEADLINE);
    let watch = Watch::start(&bob_home);
    watch.following(&alice_home);

    let mut rng = rand::thread_rng();
    let mut confirmed: Vec<String> = Vec::new();
    let mut seq = 0;
    for _round in 0..3 {
        // Sends run in a thread; the daemon is killed after a random number of them.
        let (tx, rx) = mpsc::channel::<Option<String>>();
        let home = alice_home.clone();
        let first = seq;
        let sender = std::thread::spawn(move || {
            for i in first.. {
                let out = chingu(&home)
                    .args(["send", "Bob", &format!("message {i}"), "--json"])
                    .output()
                    .unwrap();
                if !out.status.success() {
                    let _ = tx.send(None);
                    return i;
                }
                let view: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
                if tx.send(Some(view["id"].as_str().unwrap().to_owned())).is_err() {
                    return i + 1;
                }
            }
            unreachable!()
        });
        let kill_after = rng.gen_range(3..15);
        let mut this_round = 0;
        while let Ok(Some(id)) = rx.recv_timeout(DEADLINE) {
            confirmed.push(id);
            this_round += 1;
            if this_round == kill_after {
                let status = alice.stop(nix::sys::signal::Signal::SIGKILL);
                assert!(!status.success());
                break;
            }
        }
        // A send that returned after the kill decision but before the kill also counts.
        while let Ok(Some(id)) = rx.recv_timeout(Duration::from_secs(10)) {
            confirmed.push(id);
        }
        drop(rx);
        seq = sender.join().unwrap();
        alice = start_alice();
    }

    let want: HashSet<String> = confirmed.iter().cloned().collect();
    assert_eq!(want.len(), confirmed.len(), "message ids are unique");
    let mut seen = Vec::new();
    watch.received(&want, &mut seen);

    let history: Vec<serde_json::Value> =
        serde_json::from_str(&ok(&bob_home, &["history", "Alice", "--limit", "1000", "--json"])).unwrap();
    let stored: Vec<String> = history.iter().map(|m| m["id"].as_str().unwrap().to_owned()).collect();
    let distinct: HashSet<&String> = stored.iter().collect();
    assert_eq!(distinct.len(), stored.len(), "no message stored twice");
    for id in &want {
        assert!(distinct.contains(id), "message {id} was confirmed but not delivered");
    }
    assert!(ok(&bob_home, &["read", "Alice"]).contains("read"));

    // History with no node running reads the store directly.
    drop(watch);
    assert!(bob.stop(nix::sys::signal::Signal::SIGTERM).success());
    let offline: Vec<serde_json::Value> =
        serde_json::from_str(&ok(&bob_home, &["history", "Alice", "--limit", "1000", "--json"])).unwrap();
    // Messages whose `send` was cut off by the kill before it printed may still arrive
    // later (they were on disk): the history only grows, and what was read stays read.
    assert!(offline.len() >= stored.len());
    for m in &offline {
        if stored.iter().any(|id| id == m["id"].as_str().unwrap()) {
            assert_eq!(m["state"], "seen", "{m}");
        }
    }
    drop(alice);
}
