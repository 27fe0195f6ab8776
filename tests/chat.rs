//! `chingu chat` end to end: the real binary in a real terminal (tmux) attached to a real
//! node, chatting with a second real node over loopback (slash commands for a reaction and
//! an edit included), and leaving the terminal as it
//! was however it ends (q, SIGTERM, SIGINT, SIGHUP, a panic). Every wait polls the screen
//! or the other node with a deadline.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::common::tmux::{shell_quote, Tmux};
use crate::common::{bin, chingu, init_home, ok, two_friends, Daemon};

const DEADLINE: Duration = Duration::from_secs(60);

/// The shell command that runs `chingu chat` on `home`, then reports its exit code and
/// whether the terminal is back in canonical (cooked) mode, and stays open.
fn chat_command(home: &Path) -> String {
    chat_command_with(home, "")
}

#[test]
fn chatting_in_the_terminal_with_a_friend_on_another_node() {
    let dir = tempfile::tempdir().unwrap();
    let (alice_home, minji_home, _nodes) = two_friends(dir.path(), "Alice", "민지");

    let tmux = Tmux::start(dir.path(), "first.sock", &chat_command(&alice_home));
    tmux.wait("the friend list", |s| {
        s.contains("1 friend") || s.contains("One friend")
    });
    tmux.wait_for("민지");
    assert_eq!(
        tmux.format("#{alternate_on}"),
        "1",
        "the chat runs on the alternate screen"
    );

    // Open the conversation, write and send.
    tmux.keys(&["Enter"]);
    tmux.wait_for("Message (Enter sends)");
    tmux.type_text("안녕 민지, from the terminal");
    tmux.wait_for("안녕 민지, from the terminal");
    tmux.keys(&["Enter"]);

    // It arrives on the other node, and the sender's screen shows it delivered (✓✓).
    let deadline = Instant::now() + DEADLINE;
    loop {
        let history = ok(&minji_home, &["history", "Alice", "--json"]);
        if history.contains("안녕 민지, from the terminal") {
            break;
        }
        assert!(Instant::now() < deadline, "never delivered; minji's history: {history}");
        std::thread::park_timeout(Duration::from_millis(50));
    }
    tmux.wait("the delivered mark", |s| {
        s.lines().any(|l| l.contains("me: 안녕 민지, from the terminal ✓✓"))
    });

    // A reply appears live; when 민지 reads, the sender's screen shows it read.
    ok(&minji_home, &["send", "Alice", "반가워! 👋"]);
    tmux.wait_for("민지: 반가워! 👋");
    ok(&minji_home, &["read", "Alice"]);
    tmux.wait("the read mark", |s| s.contains("from the terminal ✓✓ read"));

    // Slash commands: a reaction to 민지's message, then an edit of ours, on both screens.
    tmux.type_text("/react 👍");
    tmux.keys(&["Enter"]);
    tmux.wait_for("반가워! 👋  [👍 1]");
    tmux.type_text("/edit 안녕 민지!");
    tmux.keys(&["Enter"]);
    tmux.wait_for("안녕 민지! (edited)");
    let deadline = Instant::now() + DEADLINE;
    while !ok(&minji_home, &["history", "Alice"]).contains("안녕 민지! (edited)") {
        assert!(Instant::now() < deadline, "the edit never reached 민지");
        std::thread::park_timeout(Duration::from_millis(50));
    }

    // A terminal too small says so; enlarging it redraws the chat.
    assert!(tmux
        .run(&["resize-window", "-t", "chat", "-x", "40", "-y", "10"])
        .status
        .success());
    tmux.wait_for("Terminal too small");
    assert!(tmux
        .run(&["resize-window", "-t", "chat", "-x", "100", "-y", "30"])
        .status
        .success());
    tmux.wait_for("반가워! 👋");

    // Invalid UTF-8 from the terminal is dropped; the client keeps working.
    assert!(tmux
        .run(&["send-keys", "-t", "chat", "-H", "ff", "fe"])
        .status
        .success());
    tmux.type_text("still fine");
    tmux.wait_for("fine");
    tmux.keys(&["C-u"]);
    tmux.wait("an empty composer", |s| !s.contains("fine") && s.contains("반가워! 👋"));

    // Esc goes back to the list, q quits, and the terminal is as it was.
    tmux.keys(&["Escape"]);
    tmux.wait_for("q quit");
    tmux.keys(&["q"]);
    let screen = tmux.wait_for("chat exited 0");
    tmux.wait("the terminal mode", |s| s.lines().any(|l| l.trim() == "icanon"));
    assert!(!screen.contains("friend"), "the chat screen is gone:\n{screen}");
    assert_eq!(tmux.format("#{alternate_on}"), "0", "back on the main screen");
    assert_eq!(tmux.format("#{cursor_flag}"), "1", "the cursor is visible");

    // Reopening shows the same conversation: everything lives in the node.
    drop(tmux);
    let tmux = Tmux::start(dir.path(), "second.sock", &chat_command(&alice_home));
    tmux.wait_for("민지");
    tmux.keys(&["Enter"]);
    tmux.wait_for("반가워! 👋");

    // SIGTERM also ends it cleanly and restores the terminal.
    nix::sys::signal::kill(chat_pid(&tmux), nix::sys::signal::Signal::SIGTERM).unwrap();
    assert_restored(&tmux, "0");
}

#[test]
fn chat_without_a_node_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    init_home(&home, "010-1234-5678", "민지");
    let out = chingu(&home).arg("chat").output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no chingu node is running"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The shell command that runs `chingu chat` with extra environment `env`.
fn chat_command_with(home: &Path, env: &str) -> String {
    format!(
        "env LANG=en_US.UTF-8 RUST_LOG=off {env} {} --home {} chat; echo \"chat exited $?\"; stty -a | grep -o -- '-\\?icanon'; exec cat",
        shell_quote(&bin()),
        shell_quote(home)
    )
}

/// The pid of the chat started in `tmux`'s pane.
fn chat_pid(tmux: &Tmux) -> nix::unistd::Pid {
    let shell = tmux.format("#{pane_pid}");
    let out = Command::new("pgrep").args(["-P", &shell]).output().unwrap();
    let pid: i32 = String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .expect("the chat's pid");
    nix::unistd::Pid::from_raw(pid)
}

/// Waits for the chat's exit line and checks that the terminal is as it was: canonical
/// mode, the main screen, the cursor shown.
fn assert_restored(tmux: &Tmux, exit: &str) -> String {
    let screen = tmux.wait_for(&format!("chat exited {exit}"));
    tmux.wait("the terminal mode", |s| s.lines().any(|l| l.trim() == "icanon"));
    assert_eq!(tmux.format("#{alternate_on}"), "0", "back on the main screen");
    assert_eq!(tmux.format("#{cursor_flag}"), "1", "the cursor is visible");
    screen
}

#[test]
fn the_terminal_is_restored_after_sigint_sighup_and_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    init_home(&home, "010-1234-5678", "민지");
    let _daemon = Daemon::start(&home, &[]);

    for (socket, signal) in [
        ("int.sock", nix::sys::signal::Signal::SIGINT),
        ("hup.sock", nix::sys::signal::Signal::SIGHUP),
    ] {
        let tmux = Tmux::start(dir.path(), socket, &chat_command(&home));
        tmux.wait_for("q quit");
        assert_eq!(tmux.format("#{alternate_on}"), "1");
        nix::sys::signal::kill(chat_pid(&tmux), signal).unwrap();
        assert_restored(&tmux, "0");
    }

    // A panic (injected: debug builds only) restores the terminal before the message.
    let tmux = Tmux::start(
        dir.path(),
        "panic.sock",
        // (No backtrace: a long one scrolls the panic line off the captured screen.)
        &chat_command_with(&home, "RUST_BACKTRACE=0 CHINGU_CHAT_TEST_PANIC=1"),
    );
    let screen = assert_restored(&tmux, "101");
    assert!(
        screen.contains("panicked"),
        "the panic is reported on the main screen:\n{screen}"
    );
}

#[test]
fn scrolling_stops_at_the_top_ctrl_v_pastes_and_the_list_counts_groups_apart() {
    let dir = tempfile::tempdir().unwrap();
    let (alice_home, minji_home, _nodes) = two_friends(dir.path(), "Alice", "민지");
    // (A contact shown as found may still wait for its keys: retry until the group exists.)
    let deadline = Instant::now() + DEADLINE;
    while !chingu(&alice_home)
        .args(["group", "create", "등산 모임", "--members", "민지"])
        .status()
        .unwrap()
        .success()
    {
        assert!(Instant::now() < deadline, "the group was never created");
        std::thread::park_timeout(Duration::from_millis(200));
    }
    for i in 0..40 {
        ok(&minji_home, &["send", "Alice", &format!("line {i:02}")]);
    }
    let deadline = Instant::now() + DEADLINE;
    while !ok(&alice_home, &["history", "민지", "--limit", "50"]).contains("line 39") {
        assert!(Instant::now() < deadline, "the messages never arrived");
        std::thread::park_timeout(Duration::from_millis(50));
    }

    let tmux = Tmux::start(dir.path(), "scroll.sock", &chat_command(&alice_home));
    // One friend and one group, counted apart.
    tmux.wait_for("One friend · one group");
    tmux.keys(&["Home", "Enter"]);
    tmux.wait_for("line 39");

    // Page Up many more times than needed: the first message stops at the top.
    for _ in 0..10 {
        tmux.keys(&["PageUp"]);
    }
    let screen = tmux.wait_for("line 00");
    let rows: Vec<&str> = screen.lines().collect();
    let marker = rows
        .iter()
        .position(|r| r.contains("— start of the conversation —"))
        .unwrap_or_else(|| panic!("no start marker:\n{screen}"));
    assert!(
        rows[marker - 1].contains('─') && rows[marker + 1].contains("line 00"),
        "the conversation starts right under the top border, with no blank space:\n{screen}"
    );
    tmux.keys(&["PageDown", "PageDown", "PageDown", "PageDown", "PageDown"]);
    tmux.wait_for("line 39");

    // Ctrl-V is the terminal's paste, not the safety number; Ctrl-S is.
    tmux.type_text("draft");
    tmux.keys(&["C-v"]);
    tmux.wait_for("To paste, use your terminal's paste");
    assert!(!tmux.screen().contains("Safety number"));
    assert!(tmux.run(&["set-buffer", " 붙여넣기"]).status.success());
    assert!(tmux.run(&["paste-buffer", "-p", "-t", "chat"]).status.success());
    tmux.wait_for("draft 붙여넣기");
    tmux.keys(&["C-s"]);
    tmux.wait_for("Safety number");
    tmux.keys(&["Escape"]);
    tmux.wait("the panel closed", |s| {
        !s.contains("Safety number") && s.contains("draft 붙여넣기")
    });
}
