//! An operator's node with no phone number (`init --role bootstrap`), through the CLI
//! against real `chingu run` daemons on 127.0.0.1: it refuses person commands clearly,
//! serves the DHT, its metrics server answers `/health` and `/ready` (not ready while its
//! bootstrap peers are unreachable), two people find each other through it, and its logs
//! come as JSON lines without terminal codes. Every wait has a deadline.

use std::time::Duration;

use nix::sys::signal::Signal;
use serde_json::Value;

use crate::common::{chingu, eventually, found, http_get, init_home, json, metrics_base, ok, run, Daemon, Lines};

const DEADLINE: Duration = Duration::from_secs(60);

#[test]
fn an_operator_node_without_a_phone_serves_with_probes_and_useful_logs() {
    let dir = tempfile::tempdir().unwrap();
    let boot_home = dir.path().join("boot");
    ok(&boot_home, &["init", "--role", "bootstrap"]);
    let boot = Daemon::spawn(
        &boot_home,
        &[
            "run",
            "--listen",
            "/ip4/127.0.0.1/tcp/0",
            "--metrics",
            "127.0.0.1:0",
            "--log-format",
            "json",
        ],
        "control socket:",
    );
    // (chingu() sets RUST_LOG=warn; the JSON logs are checked on a node run at info below.)
    let metrics = metrics_base(&boot);
    let (status, body) = http_get(&format!("{metrics}/health"));
    assert_eq!(status, 200, "{body}");
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["status"], "ok");
    // No bootstrap peers: ready as soon as it listens (probes are polled).
    let ready = eventually("ready", || {
        let (status, body) = http_get(&format!("{metrics}/ready"));
        (status == 200).then_some(body)
    });
    assert_eq!(serde_json::from_str::<Value>(&ready).unwrap()["status"], "ready");
    assert_eq!(json(&boot_home, &["status"])["phone"], "");
    let (code, _, err) = run(&boot_home, &["contacts", "add", "010-1234-5678"]);
    assert_eq!(code, Some(1));
    assert!(err.contains("no phone number"), "{err}");

    // Two people bootstrap from it, find each other and talk.
    let addr = boot.listen_addr();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    init_home(&a, "010-1111-2222", "A");
    init_home(&b, "010-3333-4444", "B");
    let mut person = chingu(&a);
    person
        .args(["run", "--listen", "/ip4/127.0.0.1/tcp/0", "--bootstrap", &addr])
        .env("RUST_LOG", "info");
    let mut person = Lines::start(person, true);
    // Logged once the control socket is bound.
    person.line_with("node started");
    let _b = Daemon::start(&b, &["--bootstrap", &addr]);
    ok(&a, &["contacts", "add", "010-3333-4444", "--name", "B"]);
    ok(&b, &["contacts", "add", "010-1111-2222", "--name", "A"]);
    found(&a, "B", DEADLINE);
    found(&b, "A", DEADLINE);
    ok(&a, &["send", "B", "through the bootstrap node"]);
    eventually("delivered", || {
        ok(&b, &["history", "A"])
            .contains("through the bootstrap node")
            .then_some(())
    });
    // Logs at info say what the node does, without colours in a pipe.
    for needle in ["node started", "joining the DHT", "joined the DHT", "contact discovery"] {
        person.line_with(needle);
    }
    assert!(
        person.seen.iter().all(|l| !l.contains('\u{1b}')),
        "ANSI codes in a pipe: {:?}",
        person.seen
    );
    assert!(
        person.seen.iter().filter(|l| l.contains("INFO")).count() >= 4,
        "{:?}",
        person.seen
    );

    // A node whose bootstrap peer does not answer is healthy but not ready.
    let c = dir.path().join("c");
    init_home(&c, "010-5555-6666", "C");
    let dead = format!(
        "/ip4/127.0.0.1/tcp/9/p2p/{}",
        boot.listen_addr().rsplit('/').next().unwrap()
    );
    let waiting = Daemon::start(&c, &["--bootstrap", &dead, "--metrics", "127.0.0.1:0"]);
    let metrics = metrics_base(&waiting);
    assert_eq!(http_get(&format!("{metrics}/health")).0, 200);
    let (status, body) = http_get(&format!("{metrics}/ready"));
    assert_eq!(status, 503, "{body}");
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["joined_dht"], false);

    // JSON logs: one object per line.
    let mut json_logs = chingu(&boot_home);
    json_logs
        .args(["run", "--listen", "/ip4/127.0.0.1/tcp/0", "--log-format", "json"])
        .env("RUST_LOG", "info");
    let stopped = boot.stop(Signal::SIGTERM);
    assert!(stopped.success());
    let mut json_logs = Lines::start(json_logs, true);
    let line = json_logs.line_with("node started");
    let entry: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
    assert_eq!(
        (entry["level"].as_str(), entry["role"].as_str()),
        (Some("INFO"), Some("bootstrap"))
    );
}
