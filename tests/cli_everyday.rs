//! The everyday commands end to end with the real binary and two real daemons on
//! loopback: contact explanations, rename, mute, block, profiles, message requests,
//! search, export in both formats, and importing an address book larger than one API
//! request. Every wait polls a command with a deadline.

mod common;

use std::path::Path;
use std::time::Duration;

use common::{eventually, found, init_home, ok, Daemon};

const DEADLINE: Duration = Duration::from_secs(60);

/// `chingu contacts show CONTACT --json`.
fn show(home: &Path, contact: &str) -> serde_json::Value {
    serde_json::from_str(&ok(home, &["contacts", "show", contact, "--json"])).unwrap()
}

#[test]
fn friends_profiles_search_export_and_a_large_import_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let (ari, bora) = (dir.path().join("ari"), dir.path().join("bora"));
    init_home(&ari, "010-1111-2222", "Ari");
    init_home(&bora, "010-3333-4444", "보라");
    let bora_daemon = Daemon::start(&bora, &[]);
    let _ari_daemon = Daemon::start(&ari, &["--bootstrap", &bora_daemon.listen_addr()]);

    ok(&ari, &["contacts", "add", "010-3333-4444", "--name", "Bora"]);
    let added = ok(&bora, &["contacts", "add", "010-1111-2222", "--name", "Ari"]);
    assert!(added.contains("Ari"), "{added}");
    found(&ari, "Bora", DEADLINE);
    found(&bora, "Ari", DEADLINE);
    let text = ok(&ari, &["contacts", "show", "Bora"]);
    assert!(text.contains("Bora is your friend"), "{text}");

    // A profile is shared with friends.
    ok(&bora, &["profile", "set", "--status", "도서관에 있어요"]);
    assert!(ok(&bora, &["profile", "show"]).contains("도서관에 있어요"));
    eventually("Bora's status reaches Ari", || {
        (show(&ari, "Bora")["status"] == "도서관에 있어요").then_some(())
    });

    // Messages are searchable and exportable.
    for text in ["오늘 저녁 치킨 어때?", "駅前のカフェで会おう"] {
        ok(&ari, &["send", "Bora", text]);
    }
    eventually("the messages arrive and are found", || {
        (ok(&bora, &["search", "치킨"]).contains("오늘 저녁 치킨 어때?")
            && ok(&bora, &["search", "カフェ"]).contains("駅前"))
        .then_some(())
    });
    let json: serde_json::Value = serde_json::from_str(&ok(&bora, &["search", "치킨", "--json"])).unwrap();
    assert_eq!(json["results"].as_array().unwrap().len(), 1);
    let file = dir.path().join("export.json");
    ok(
        &bora,
        &["export", "--format", "json", "--output", file.to_str().unwrap()],
    );
    let exported: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    let conversations = exported["conversations"].as_array().unwrap();
    assert_eq!(conversations.len(), 1);
    assert_eq!(conversations[0]["title"], "Ari");
    assert_eq!(conversations[0]["messages"].as_array().unwrap().len(), 2);
    let text = ok(&bora, &["export", "Ari"]);
    assert!(text.starts_with("== Ari +821011112222 =="), "{text}");
    assert!(text.contains("Ari: 駅前のカフェで会おう"), "{text}");

    // Rename, mute, block; no requests.
    assert!(ok(&ari, &["contacts", "rename", "Bora", "보라"]).contains("보라"));
    assert_eq!(show(&ari, "보라")["name"], "보라");
    ok(&ari, &["contacts", "mute", "보라"]);
    assert_eq!(show(&ari, "보라")["muted"], true);
    ok(&ari, &["contacts", "unmute", "보라"]);
    ok(&ari, &["contacts", "block", "보라"]);
    let blocked = show(&ari, "보라");
    assert_eq!(blocked["reason"], "blocked");
    let out = common::chingu(&ari).args(["send", "보라", "hi"]).output().unwrap();
    assert!(!out.status.success(), "sending to a blocked contact is refused");
    ok(&ari, &["contacts", "unblock", "보라"]);
    assert!(ok(&ari, &["requests", "list"]).contains("No message requests"));

    // An address book far over one API request (1 MiB) imports in chunks.
    let mut vcard = String::new();
    for i in 0..12_000u32 {
        vcard.push_str(&format!(
            "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Person {i} with a fairly long name for size\r\nTEL;TYPE=CELL:010-5{:03}-{:04}\r\nEND:VCARD\r\n",
            i / 10_000,
            i % 10_000
        ));
    }
    assert!(vcard.len() > 1 << 20);
    let book = dir.path().join("book.vcf");
    std::fs::write(&book, vcard).unwrap();
    let summary = ok(&ari, &["contacts", "import", book.to_str().unwrap(), "--no-wait"]);
    assert!(summary.contains("12000"), "{summary}");
    let list: serde_json::Value = serde_json::from_str(&ok(&ari, &["contacts", "list", "--json"])).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 12_001);
}
