//! Text from others on its way to a terminal (issue 14, finding 6): `history`, `watch`,
//! `contacts list` and `contacts verify` print names and messages with escape sequences,
//! control characters and direction overrides removed; names have a length limit; errors
//! never echo a huge input back. Real daemons on loopback, the real binary.

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::common::{chingu, found, init_home, ok, Daemon};
use chingu::model::{Contact, ContactSource};
use chingu::store::{Store, StoreOptions};

const DEADLINE: Duration = Duration::from_secs(60);

/// Every kind of thing that must not reach a terminal: CSI (clear screen, colour), OSC
/// (window title, clipboard) ended by BEL and by ST, C1 CSI, a bell, a line break that
/// would fake a line of its own, and direction overrides and isolates.
const HOSTILE: &str =
    "hi\x1b[2J\x1b[31m\x1b]0;pwned\x07\x1b]52;c;aGk=\x1b\\\u{9b}2J\u{7} there\u{202E}\u{2066}\nfake line";
/// What a terminal must show of it.
const SHOWN: &str = "hi there fake line";

/// Panics if `output` holds anything [`HOSTILE`] tried to smuggle in.
fn assert_clean(what: &str, output: &str) {
    for (c, name) in [
        ('\x1b', "ESC"),
        ('\x07', "BEL"),
        ('\u{9b}', "C1 CSI"),
        ('\u{202e}', "RLO"),
        ('\u{2066}', "LRI"),
    ] {
        assert!(!output.contains(c), "{what} prints a raw {name}: {output:?}");
    }
    assert!(!output.contains("pwned"), "{what} kept an OSC payload: {output:?}");
}

/// Calls one method on the raw control socket and returns the answer.
fn raw_call(home: &std::path::Path, request: &str) -> serde_json::Value {
    let mut socket = UnixStream::connect(home.join("chingu.sock")).unwrap();
    socket.set_read_timeout(Some(DEADLINE)).unwrap();
    socket.write_all(request.as_bytes()).unwrap();
    socket.write_all(b"\n").unwrap();
    let mut line = String::new();
    BufReader::new(socket).read_line(&mut line).unwrap();
    serde_json::from_str(&line).unwrap()
}

#[test]
fn untrusted_text_never_reaches_the_terminal_raw() {
    let dir = tempfile::tempdir().unwrap();
    let (alice_home, minji_home) = (dir.path().join("alice"), dir.path().join("minji"));
    init_home(&alice_home, "010-1111-2222", "Alice");
    init_home(&minji_home, "010-3333-4444", "민지");
    // A modified client publishes a hostile profile name; an old database holds a hostile
    // contact name. Both are written straight into the stores.
    {
        let store = Store::open(&minji_home.join("db"), StoreOptions::default()).unwrap();
        let mut profile = store.profile().unwrap().unwrap();
        profile.name = "Min\x1b]0;pwned\x07ji\u{202e}".into();
        store.set_profile(&profile).unwrap();
        store.flush().unwrap();
        let store = Store::open(&alice_home.join("db"), StoreOptions::default()).unwrap();
        let name = "Old\x1b[2J\x1b]0;pwned\x07\u{202e}Name";
        let contact = Contact::new("+821099998888".parse().unwrap(), name, ContactSource::Manual);
        store.put_contact(&contact).unwrap();
        store.flush().unwrap();
    }
    let minji = Daemon::start(&minji_home, &[]);
    let _alice = Daemon::start(&alice_home, &["--bootstrap", &minji.listen_addr()]);
    ok(&alice_home, &["contacts", "add", "010-3333-4444", "--name", "민지"]);
    ok(&minji_home, &["contacts", "add", "010-1111-2222", "--name", "Alice"]);
    found(&alice_home, "민지", DEADLINE);
    found(&minji_home, "Alice", DEADLINE);

    let mut watch = chingu(&alice_home)
        .arg("watch")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let mut watch_out = watch.stdout.take().unwrap();
    std::thread::spawn(move || {
        let mut all = Vec::new();
        let mut buf = [0u8; 4096];
        while let Ok(n) = watch_out.read(&mut buf) {
            if n == 0 {
                break;
            }
            all.extend_from_slice(&buf[..n]);
            let _ = tx.send(String::from_utf8_lossy(&all).into_owned());
        }
    });
    // `watch` subscribes before it prints anything; a status call on the same node after
    // it started cannot tell when, so send until watch shows the first message.
    let deadline = Instant::now() + DEADLINE;
    let mut watched = String::new();
    let mut sent = 0;
    while !watched.contains(SHOWN) {
        assert!(Instant::now() < deadline, "watch never showed the message: {watched:?}");
        if sent < 3 {
            ok(&minji_home, &["send", "Alice", HOSTILE]);
            sent += 1;
        }
        if let Ok(out) = rx.recv_timeout(Duration::from_secs(5)) {
            watched = out;
        }
    }
    let _ = watch.kill();
    let _ = watch.wait();
    assert_clean("watch", &watched);

    let history = ok(&alice_home, &["history", "민지"]);
    assert_clean("history", &history);
    assert!(history.contains(SHOWN), "{history}");
    assert!(
        !history.lines().any(|l| l.starts_with("fake line")),
        "a line break in a message made a line of its own: {history}"
    );

    let contacts = ok(&alice_home, &["contacts", "list"]);
    assert_clean("contacts list", &contacts);
    assert!(contacts.contains("OldName"), "{contacts}");
    let verify = ok(&alice_home, &["contacts", "verify", "민지"]);
    assert_clean("contacts verify", &verify);

    // Minji's hostile profile name reaches Alice as a group member's name.
    ok(&minji_home, &["group", "create", "Friends", "--members", "Alice"]);
    let deadline = Instant::now() + DEADLINE;
    let members = loop {
        let out = chingu(&alice_home)
            .args(["group", "members", "Friends"])
            .output()
            .unwrap();
        let members = String::from_utf8_lossy(&out.stdout).into_owned();
        if members.contains("Minji") {
            break members;
        }
        assert!(Instant::now() < deadline, "Alice never joined Minji's group: {members}");
        std::thread::park_timeout(Duration::from_millis(100));
    };
    assert_clean("group members", &members);

    // Names have a limit, in characters and in bytes, with a typed error.
    let long = "가".repeat(chingu::text::MAX_NAME_CHARS);
    let out = chingu(&alice_home)
        .args(["contacts", "add", "010-5555-6666", "--name", &long])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("at most"), "{stderr}");
    let answer = raw_call(
        &alice_home,
        &serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "contacts.add",
            "params": {"phone": "010-5555-6666", "name": "a".repeat(chingu::text::MAX_NAME_CHARS + 1)}})
        .to_string(),
    );
    assert_eq!(answer["error"]["data"]["reason"], "name_too_long", "{answer}");
    let answer = raw_call(
        &alice_home,
        &serde_json::json!({"jsonrpc": "2.0", "id": 2, "method": "contacts.add",
            "params": {"phone": "010-5555-6666", "name": "a\u{1b}[2Jb"}})
        .to_string(),
    );
    assert_eq!(answer["error"]["data"]["reason"], "name_unprintable", "{answer}");

    // A huge number gives a short error: 100 KB fits in a request and is quoted cut short;
    // 900 KB is over the request limit and refused before it is read.
    let answer = raw_call(
        &alice_home,
        &serde_json::json!({"jsonrpc": "2.0", "id": 3, "method": "contacts.add",
            "params": {"phone": "1".repeat(100_000), "name": ""}})
        .to_string(),
    );
    let message = answer["error"]["message"].as_str().unwrap();
    assert!(message.len() < 500, "a {} byte error", message.len());
    assert!(message.contains('…'), "{message}");
    assert_eq!(answer["error"]["data"]["reason"], "invalid_phone");
    let input = answer["error"]["data"]["input"].as_str().unwrap();
    assert!(input.len() < 500, "a {} byte detail", input.len());
    let answer = raw_call(
        &alice_home,
        &serde_json::json!({"jsonrpc": "2.0", "id": 4, "method": "contacts.add",
            "params": {"phone": "1".repeat(900_000), "name": ""}})
        .to_string(),
    );
    assert_eq!(answer["error"]["data"]["reason"], "too_large", "{answer}");
    assert!(answer["error"]["message"].as_str().unwrap().len() < 500);
}

#[test]
fn init_refuses_long_names_and_socket_paths_that_run_could_not_bind() {
    let dir = tempfile::tempdir().unwrap();
    let out = chingu(&dir.path().join("h"))
        .args(["init", "--phone", "010-1234-5678", "--name"])
        .arg("n".repeat(chingu::text::MAX_NAME_CHARS + 1))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("at most"));
    assert!(!dir.path().join("h").join("identity.key").exists(), "nothing was made");

    let deep = dir.path().join("d".repeat(120));
    let out = chingu(&deep)
        .args(["init", "--phone", "010-1234-5678"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("longer than 107 bytes"), "{stderr}");
    assert!(!deep.join("identity.key").exists(), "nothing was made");
}
