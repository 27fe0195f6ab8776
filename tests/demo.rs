//! `chingu demo` end to end: the real binary runs the whole scripted tour on its own
//! local net (with a deadline) and reports every message delivered on every path.

use std::time::Duration;

use crate::common::bin;
use crate::common::tmux::{shell_quote, Tmux};

/// The demo takes seconds; this is the deadline, not an expectation.
const DEADLINE: Duration = Duration::from_secs(120);

/// The English labels of the summary's rows.
const PATHS: [&str; 4] = ["1:1 online", "1:1 offline, via mailbox", "group", "meetup"];

fn demo(args: &[&str]) -> std::process::Output {
    assert_cmd::Command::new(bin())
        .args(["--lang", "en", "demo"])
        .args(args)
        .env_remove("RUST_LOG")
        .timeout(DEADLINE)
        .output()
        .expect("chingu demo runs")
}

#[test]
fn the_demo_delivers_every_message_on_every_path() {
    let out = demo(&[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "exit {:?}\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    for name in [
        "민지 (Seoul) is online as 010-1234-5678",
        "Yuki (Tokyo)",
        "Alex (San Francisco)",
    ] {
        assert!(stdout.contains(name), "{name} is introduced:\n{stdout}");
    }
    assert!(stdout.contains("Alex adds Yuki from the code"), "{stdout}");
    assert!(stdout.contains("sealed on the mailbox"), "{stdout}");
    // With her phone off, 민지's laptop takes Yuki's message and answers; the phone,
    // back, gets both from the laptop.
    // Her laptop writes in the group through her phone.
    assert!(stdout.contains("from her laptop to 서울 여행"), "{stdout}");
    assert!(stdout.contains("phone goes off"), "{stdout}");
    assert!(stdout.contains("has both from the laptop"), "{stdout}");
    assert!(!stdout.contains("NOT delivered"), "{stdout}");
    let header = stdout
        .lines()
        .find(|l| l.starts_with("PATH"))
        .expect("the summary table");
    let columns: Vec<&str> = header.split_whitespace().collect();
    assert_eq!(columns[..4], ["PATH", "SENT", "DELIVERED", "LOST"]);
    for path in PATHS {
        let row = stdout
            .lines()
            .find(|l| l.split("  ").next() == Some(path))
            .unwrap_or_else(|| panic!("a row for {path}:\n{stdout}"));
        let cells: Vec<&str> = row.split("  ").map(str::trim).filter(|c| !c.is_empty()).collect();
        let (sent, delivered, lost) = (cells[1], cells[2], cells[3]);
        assert_ne!(sent, "0", "{path} was exercised: {row}");
        assert_eq!(delivered, sent, "{path}: {row}");
        assert_eq!(lost, "0", "{path}: {row}");
    }
    assert!(stdout.contains(", 0 lost."), "{stdout}");
}

#[test]
fn the_demo_reports_its_figures_as_json() {
    let out = demo(&["--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object on stdout");
    let paths = report["paths"].as_array().expect("paths");
    assert_eq!(paths.len(), 4);
    for entry in paths {
        let stats = &entry[1];
        assert!(stats["sent"].as_u64() > Some(0), "{entry}");
        assert_eq!(stats["lost"], 0, "{entry}");
        assert!(stats["p50_ms"].is_number(), "{entry}");
    }
    let narration = String::from_utf8_lossy(&out.stderr);
    assert!(
        !narration.contains("Summary") && narration.contains("found 민지"),
        "{narration}"
    );
}

#[test]
fn the_interactive_demo_makes_you_yuki_in_the_chat_and_stops_the_net_when_you_quit() {
    let dir = tempfile::tempdir().unwrap();
    let command = format!(
        "env LANG=en_US.UTF-8 RUST_LOG=off {} demo --interactive --as yuki; echo \"demo exited $?\"; exec cat",
        shell_quote(&bin())
    );
    let tmux = Tmux::start(dir.path(), "demo.sock", &command);
    tmux.wait_for("Yuki +819012345678");
    tmux.wait("the group and both friends", |s| {
        s.contains("# 서울 여행") && s.contains("Alex") && s.contains("민지")
    });
    // The group talked last, so it comes first; Alex (no messages yet) is next.
    tmux.keys(&["Down", "Enter"]);
    tmux.wait_for("Alex · verified");
    tmux.type_text("Hello Alex, it's Yuki at the keyboard");
    tmux.keys(&["Enter"]);
    tmux.wait_for("Alex: Sounds good to me!");

    tmux.keys(&["Escape"]);
    tmux.wait_for("q quit");
    tmux.keys(&["q"]);
    let screen = tmux.wait_for("demo exited 0");
    assert!(screen.contains("The demo net is stopped."), "{screen}");
}
