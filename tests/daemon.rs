//! The daemon as a process: control socket, status, a second daemon, garbage on the
//! socket, clean shutdown on SIGTERM, and recovery from a crash's stale socket.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;
use std::time::Duration;

use crate::common::{chingu, init_home, Daemon};
use nix::sys::signal::Signal;

#[test]
fn status_over_the_control_socket() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    init_home(&home, "010-1234-5678", "민지");
    let daemon = Daemon::start(&home, &[]);

    let mode = std::fs::metadata(home.join("chingu.sock"))
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600, "the control socket is private");

    let out = chingu(&home).args(["status", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(status["phone"], "+821012345678");
    assert!(status["peer_id"].as_str().unwrap().starts_with("12D3KooW"));
    assert!(!status["listen_addrs"].as_array().unwrap().is_empty());
    for field in ["connected_peers", "routing_table_size", "uptime_s"] {
        assert!(status[field].is_u64(), "{field} missing: {status}");
    }
    let out = chingu(&home).args(["peers", "--json"]).output().unwrap();
    assert!(out.status.success());
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap(),
        serde_json::json!([])
    );

    let status = daemon.stop(Signal::SIGTERM);
    assert!(status.success());
    assert!(!home.join("chingu.sock").exists(), "the socket is removed on shutdown");
}

#[test]
fn a_second_daemon_on_the_same_home_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    init_home(&home, "+81 90 1234 5678", "Yuki");
    let daemon = Daemon::start(&home, &[]);
    let out = chingu(&home)
        .args(["run", "--listen", "/ip4/127.0.0.1/tcp/0"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("already running"), "{stderr}");
    assert!(
        stderr.contains(&daemon.child.id().to_string()),
        "names the running pid: {stderr}"
    );
    // The first daemon is unaffected.
    assert!(chingu(&home).arg("status").output().unwrap().status.success());
}

#[test]
fn garbage_on_the_control_socket_gets_errors_and_the_node_keeps_running() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    init_home(&home, "+1 201-555-0123", "Alex");
    let _daemon = Daemon::start(&home, &[]);

    let mut socket = UnixStream::connect(home.join("chingu.sock")).unwrap();
    socket.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut reader = BufReader::new(socket.try_clone().unwrap());
    let mut ask = |line: &[u8]| -> serde_json::Value {
        socket.write_all(line).unwrap();
        socket.write_all(b"\n").unwrap();
        let mut answer = String::new();
        reader.read_line(&mut answer).unwrap();
        serde_json::from_str(&answer).unwrap()
    };
    assert_eq!(ask(b"{not json")["error"]["code"], -32700);
    assert_eq!(ask(b"[1,2,3]")["error"]["code"], -32600);
    assert_eq!(
        ask(br#"{"jsonrpc":"2.0","id":1,"method":"no.such"}"#)["error"]["code"],
        -32601
    );
    assert_eq!(
        ask(br#"{"jsonrpc":"2.0","id":2,"method":"node.status","params":{"x":1}}"#)["error"]["code"],
        -32602
    );
    assert_eq!(
        ask(br#"{"jsonrpc":"1.0","id":3,"method":"node.status"}"#)["error"]["code"],
        -32600
    );
    assert_eq!(ask(b"\xff\xfe garbage")["error"]["data"]["reason"], "not_utf8");
    let ok = ask(br#"{"jsonrpc":"2.0","id":5,"method":"node.status"}"#);
    assert_eq!(ok["id"], 5);
    assert_eq!(ok["result"]["phone"], "+12015550123");
    // A line over the limit is refused before it is buffered: a typed error, then the
    // node closes the connection (reading out what is still sent, so the error arrives).
    let huge = format!(
        r#"{{"jsonrpc":"2.0","id":4,"method":"node.status","pad":"{}"}}"#,
        "x".repeat(2 << 20)
    );
    // The answer still carries the request's id (read from the line's start), so a client
    // waiting for it fails at once.
    let too_large = ask(huge.as_bytes());
    assert_eq!(too_large["error"]["data"]["reason"], "too_large");
    assert_eq!(too_large["id"], 4, "{too_large}");
    let mut rest = String::new();
    assert_eq!(
        reader.read_line(&mut rest).unwrap(),
        0,
        "closed after the error: {rest}"
    );
    drop(socket);
    assert!(chingu(&home).arg("status").output().unwrap().status.success());
}

#[test]
fn a_crashed_daemon_leaves_a_stale_socket_that_the_next_one_replaces() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    init_home(&home, "010-2222-3333", "지훈");
    let daemon = Daemon::start(&home, &[]);
    let status = daemon.stop(Signal::SIGKILL);
    assert!(!status.success());
    assert!(home.join("chingu.sock").exists(), "SIGKILL leaves the socket behind");
    let out = chingu(&home).arg("status").output().unwrap();
    assert_eq!(out.status.code(), Some(3), "a stale socket means no node is running");

    let daemon = Daemon::start(&home, &[]);
    assert!(chingu(&home).arg("status").output().unwrap().status.success());
    let status = daemon.stop(Signal::SIGINT);
    assert!(status.success());
}

#[test]
fn role_presets_turn_a_node_into_a_mailbox() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    init_home(&home, "010-1234-5678", "우체국");
    let daemon = Daemon::start(&home, &["--role", "mailbox"]);
    let out = chingu(&home).args(["status", "--json"]).output().unwrap();
    assert!(out.status.success());
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(status["mailbox"]["tags"], 0, "serves as a mailbox: {status}");
    assert_eq!(status["role"], "mailbox");
    assert_eq!(
        status["nat"]["relay_service"]["reservations"], 0,
        "and as a relay: {status}"
    );
    assert!(daemon.stop(Signal::SIGTERM).success());

    let daemon = Daemon::start(&home, &["--reachability", "private"]);
    let out = chingu(&home).args(["status", "--json"]).output().unwrap();
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(status["mailbox"].is_null(), "the preset is not saved: {status}");
    assert!(status["nat"]["relay_service"].is_null(), "{status}");
    assert!(status["role"].is_null(), "{status}");
    assert_eq!(status["reachability"], "private", "{status}");
    let text = chingu(&home).arg("status").output().unwrap();
    assert!(String::from_utf8_lossy(&text.stdout).contains("reachability"));
    assert!(daemon.stop(Signal::SIGTERM).success());
}

#[test]
fn the_relay_role_serves_circuits() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    init_home(&home, "010-1234-5679", "relay");
    let daemon = Daemon::start(&home, &["--role", "relay"]);
    let out = chingu(&home).args(["status", "--json"]).output().unwrap();
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(status["role"], "relay");
    assert!(status["mailbox"].is_null(), "a relay is not a mailbox: {status}");
    assert!(status["nat"]["relay_service"].is_object(), "{status}");
    assert!(daemon.stop(Signal::SIGTERM).success());
}
