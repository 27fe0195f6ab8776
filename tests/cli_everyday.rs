//! The everyday commands end to end with the real binary and two real daemons on
//! loopback: contact explanations, rename, mute, block, profiles, message requests,
//! search, export in both formats, importing an address book larger than one API
//! request, and replies, reactions, edits, cards and deletes. Every wait polls a command
//! with a deadline.

use crate::common;
use std::path::Path;
use std::time::Duration;

use crate::common::{eventually, found, init_home, ok, Daemon};

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

#[test]
fn replies_reactions_edits_cards_and_deletes_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let (ari, bora, _daemons) = common::two_friends(dir.path(), "Ari", "Bora");

    ok(&ari, &["send", "Bora", "내일 등산 갈래?"]);
    let arrived = |home: &Path, contact: &str, text: &str| {
        let text = text.to_owned();
        eventually(&format!("{text:?} shows"), || {
            ok(home, &["history", contact]).contains(text.as_str()).then_some(())
        });
    };
    arrived(&bora, "Ari", "내일 등산 갈래?");

    // Reactions, replies and edits apply to the newest fitting message by default.
    assert!(ok(&bora, &["react", "Ari", "👍"]).contains("Reacted 👍"));
    arrived(&ari, "Bora", "내일 등산 갈래?  [👍 1]");
    ok(&bora, &["reply", "Ari", "좋아!"]);
    arrived(&ari, "Bora", "↪ 좋아!");
    assert!(ok(&ari, &["edit", "Bora", "내일 아침 등산 갈래?"]).contains("Edited"));
    arrived(&bora, "Ari", "내일 아침 등산 갈래? (edited)");
    ok(
        &ari,
        &["card", "Bora", "--template", "thanks", "--title", "고마워", "정말로"],
    );
    arrived(&bora, "Ari", "[🙏 thank-you card] 고마워 — 정말로");

    // An older message by id, from `history --json`; a delete leaves "deleted" everywhere.
    let history: serde_json::Value = serde_json::from_str(&ok(&ari, &["history", "Bora", "--json"])).unwrap();
    let first = history[0]["id"].as_str().unwrap().to_owned();
    assert!(ok(&ari, &["delete", "Bora", "--message", &first]).contains("Deleted"));
    arrived(&bora, "Ari", "(this message was deleted)");
    assert!(!ok(&bora, &["history", "Ari"]).contains("등산"));
    assert!(
        ok(&bora, &["search", "등산"]).contains("Nothing found"),
        "the text left the index"
    );

    // Refusals say why.
    for (home, args, why) in [
        (&bora, vec!["react", "Ari", "ok"], "one emoji"),
        (
            &ari,
            vec!["card", "Bora", "--template", "funeral", "--title", "x"],
            "no card template",
        ),
        (&bora, vec!["edit", "Ari", "x", "--message", first.as_str()], "author"),
    ] {
        let out = common::chingu(home).args(&args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success() && stderr.contains(why), "{args:?}: {stderr}");
    }
}

/// The file called `name` in `chingu files --json` on `home`.
fn file(home: &Path, name: &str) -> Option<serde_json::Value> {
    serde_json::from_str::<serde_json::Value>(&ok(home, &["files", "--json"]))
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == name)
        .cloned()
}

#[test]
fn photos_and_files_from_the_command_line_and_a_fetch_resumed_after_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let (ari, bora) = (dir.path().join("ari"), dir.path().join("bora"));
    init_home(&ari, "010-1111-2222", "Ari");
    init_home(&bora, "010-3333-4444", "보라");
    // Ari uploads slowly enough to be cut halfway; Bora fetches only small files unasked.
    let set = |home: &Path, from: &str, to: &str| {
        let path = home.join("config.toml");
        let config = std::fs::read_to_string(&path).unwrap();
        assert!(config.contains(from), "{config}");
        std::fs::write(&path, config.replace(from, to)).unwrap();
    };
    set(&ari, "upload_bytes_per_second = 0", "upload_bytes_per_second = 4194304");
    set(&bora, "auto_fetch_bytes = 33554432", "auto_fetch_bytes = 1048576");
    let ari_daemon = Daemon::start(&ari, &[]);
    let mut bora_daemon = Daemon::start(&bora, &["--bootstrap", &ari_daemon.listen_addr()]);
    ok(&ari, &["contacts", "add", "010-3333-4444", "--name", "Bora"]);
    ok(&bora, &["contacts", "add", "010-1111-2222", "--name", "Ari"]);
    found(&ari, "Bora", DEADLINE);
    found(&bora, "Ari", DEADLINE);

    // A photo arrives by itself and saves under its name.
    let photo = dir.path().join("벚꽃.jpg");
    let photo_bytes: Vec<u8> = (0..300_000u32).map(|i| (i * 31 % 253) as u8).collect();
    std::fs::write(&photo, &photo_bytes).unwrap();
    let sent = ok(&ari, &["send", "Bora", "--file", photo.to_str().unwrap()]);
    assert!(sent.contains("벚꽃.jpg") && sent.contains("293.0 KiB"), "{sent}");
    eventually("the photo arrives", || {
        ok(&bora, &["history", "Ari"])
            .contains("[file] 벚꽃.jpg (293.0 KiB)")
            .then_some(())
    });
    let id = eventually("the photo is fetched", || {
        let photo = file(&bora, "벚꽃.jpg")?;
        (photo["state"] == "here").then(|| photo["id"].as_str().unwrap().to_owned())
    });
    assert!(ok(&bora, &["files"]).contains("벚꽃.jpg"));
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    assert!(ok(&bora, &["save", &id[..8], out.to_str().unwrap()]).contains("Saved"));
    assert_eq!(std::fs::read(out.join("벚꽃.jpg")).unwrap(), photo_bytes);

    // A sticker pack made from a directory of images; a sticker brings it to Bora.
    let images = dir.path().join("images");
    std::fs::create_dir(&images).unwrap();
    for (name, rgb) in [("1-웃음.png", [250, 200, 0]), ("2-울음.png", [0, 120, 250])] {
        let mut png = std::io::Cursor::new(Vec::new());
        image::RgbImage::from_pixel(48, 48, image::Rgb(rgb))
            .write_to(&mut png, image::ImageFormat::Png)
            .unwrap();
        std::fs::write(images.join(name), png.into_inner()).unwrap();
    }
    let made = ok(&ari, &["stickers", "create", "기분", images.to_str().unwrap()]);
    assert!(made.contains("기분") && made.contains("2 stickers"), "{made}");
    assert!(ok(&ari, &["send", "Bora", "--sticker", "기분:1"]).contains("울음"));
    eventually("the sticker arrives and its pack is installed", || {
        (ok(&bora, &["history", "Ari"]).contains("[sticker] 2-울음")
            && ok(&bora, &["stickers", "list"]).contains("0:1-웃음 1:2-울음"))
        .then_some(())
    });
    let bad = common::chingu(&ari)
        .args(["send", "Bora", "--sticker", "기분"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&bad.stderr).contains("PACK:INDEX"));

    // A big file waits to be asked for; its fetch survives kill -9 and resumes.
    let video = dir.path().join("여행.mp4");
    let size = 16usize << 20;
    let video_bytes: Vec<u8> = (0..size as u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(&video, &video_bytes).unwrap();
    ok(&ari, &["send", "Bora", "--file", video.to_str().unwrap()]);
    let video_file = || file(&bora, "여행.mp4");
    let id = eventually("the video's message arrives", || {
        video_file().map(|v| v["id"].as_str().unwrap().to_owned())
    });
    assert_eq!(video_file().unwrap()["state"], "not_fetched");
    let target = out.join("video.mp4");
    let mut save = common::chingu(&bora)
        .args(["save", &id, target.to_str().unwrap()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    eventually("part of the video arrives", || {
        let received = video_file().unwrap()["received"].as_u64().unwrap();
        (received >= 4 << 20).then_some(())
    });
    bora_daemon.stop(nix::sys::signal::Signal::SIGKILL);
    let _ = save.wait();
    bora_daemon = Daemon::start(&bora, &["--bootstrap", &ari_daemon.listen_addr()]);
    eventually("the fetch resumes and completes", || {
        (video_file().unwrap()["state"] == "here").then_some(())
    });
    let status: serde_json::Value = serde_json::from_str(&ok(&bora, &["status", "--json"])).unwrap();
    let after_restart = status["files"]["downloaded_bytes"].as_u64().unwrap();
    assert!(
        after_restart < size as u64 - (2 << 20),
        "resumed, not restarted: {after_restart}"
    );
    ok(&bora, &["save", &id, target.to_str().unwrap()]);
    assert_eq!(std::fs::read(&target).unwrap(), video_bytes);
    drop(bora_daemon);
}
