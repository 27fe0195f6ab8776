//! The CLI without a node: error paths (invalid numbers, re-initialising, corrupt or
//! foreign configuration, unsafe key permissions, a home owned by someone else, no running
//! node), each a clear error in the user's language, a non-zero exit, and nothing written
//! or lost; help in Korean and Japanese; operators' role homes; man pages; and a closed
//! pipe ending output commands normally. One test starts a node of its own: its refusals
//! in Korean and Japanese; another answers as a stand-in node with the API's own errors.

use crate::common;
use std::os::unix::fs::PermissionsExt;

use crate::common::{chingu, closed_pipe, init_home, ok, Daemon};

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn an_invalid_number_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    for bad in ["12", "not a number", "+82 10 1234", "++821012345678", ""] {
        let out = chingu(&home).args(["init", "--phone", bad]).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{bad:?}");
        assert!(stderr(&out).starts_with("error:"), "{bad:?}: {}", stderr(&out));
        assert!(!home.exists(), "nothing is written for {bad:?}");
    }
    let out = chingu(&home)
        .args(["init", "--phone", "010-1234-5678", "--region", "ZZ"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "an unknown region is a usage error");
    assert!(stderr(&out).contains("ISO 3166"), "{}", stderr(&out));
    assert!(!home.exists());
}

#[test]
fn a_foreign_local_number_names_the_region_assumed_and_how_to_fix_it() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let out = chingu(&home)
        .args(["init", "--phone", "090-1234-5678"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("not a phone number in KR"), "{err}");
    assert!(err.contains("--region JP") && err.contains("country code"), "{err}");
    assert!(!home.exists());
}

#[test]
fn numbers_are_normalised_with_the_region() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let out = chingu(&home)
        .args(["init", "--phone", "090-1234-5678", "--region", "JP"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("+819012345678"));
}

#[test]
fn init_twice_refuses_unless_forced_and_keeps_a_backup() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    init_home(&home, "010-1234-5678", "민지");
    let before = std::fs::read(home.join("identity.key")).unwrap();
    let out = chingu(&home)
        .args(["init", "--phone", "010-9999-8888"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("--force"), "{}", stderr(&out));
    assert_eq!(
        std::fs::read(home.join("identity.key")).unwrap(),
        before,
        "the identity is untouched"
    );

    let out = chingu(&home)
        .args(["init", "--phone", "010-9999-8888", "--force"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let backup = std::fs::read_dir(&home)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with("backup-"))
        .expect("a backup directory");
    assert_eq!(
        std::fs::read(backup.join("identity.key")).unwrap(),
        before,
        "the old identity is kept"
    );
}

#[test]
fn a_corrupt_or_foreign_config_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    init_home(&home, "010-1234-5678", "민지");
    let config = home.join("config.toml");
    for text in ["[server]\nport = 8080\n", "[network\nlisten = 5", "region = 7\n"] {
        std::fs::write(&config, text).unwrap();
        let out = chingu(&home)
            .args(["run", "--listen", "/ip4/127.0.0.1/tcp/0"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        let err = stderr(&out);
        assert!(
            err.contains("config.toml") && err.contains("not a valid chingu configuration"),
            "{err}"
        );
    }
    // The offending line is shown on its own line, with a caret under the spot.
    std::fs::write(&config, "region = \"KR\"\n[network]\nlisten = 5\n").unwrap();
    let out = chingu(&home).args(["run"]).output().unwrap();
    let err = stderr(&out);
    let lines: Vec<&str> = err.lines().collect();
    assert!(lines[0].contains("(line 3, column 10)"), "{err}");
    assert_eq!(&lines[1..], ["   |", " 3 | listen = 5", "   |          ^"], "{err}");
    let out = chingu(&home).args(["--lang", "ko", "run"]).output().unwrap();
    let err = stderr(&out);
    assert!(
        err.contains("3번째 줄, 10번째 칸") && err.contains(" 3 | listen = 5"),
        "{err}"
    );
}

#[test]
fn key_files_readable_by_others_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    init_home(&home, "010-1234-5678", "민지");
    std::fs::set_permissions(home.join("identity.key"), std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = chingu(&home)
        .args(["run", "--listen", "/ip4/127.0.0.1/tcp/0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("chmod 600"), "{}", stderr(&out));
}

#[test]
fn a_home_others_can_enter_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    init_home(&home, "010-1234-5678", "민지");
    std::fs::set_permissions(&home, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = chingu(&home)
        .args(["run", "--listen", "/ip4/127.0.0.1/tcp/0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("chmod 700"), "{}", stderr(&out));
}

/// Modes of `dir` and everything under it, relative paths first.
fn modes(dir: &std::path::Path) -> Vec<(String, u32)> {
    let mut all = Vec::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(path) = pending.pop() {
        let meta = std::fs::metadata(&path).unwrap();
        all.push((path.display().to_string(), meta.permissions().mode() & 0o777));
        if meta.is_dir() {
            pending.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
        }
    }
    all
}

#[test]
fn the_database_is_private_and_a_damaged_one_is_a_clean_error() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    init_home(&home, "010-1234-5678", "민지");
    let daemon = common::Daemon::start(&home, &[]);
    assert!(common::ok(&home, &["status"]).contains("+821012345678"));
    drop(daemon);
    for (path, mode) in modes(&home.join("db")) {
        let is_dir = std::path::Path::new(&path).is_dir();
        assert_eq!(mode, if is_dir { 0o700 } else { 0o600 }, "{path}");
    }

    // A database truncated to nothing: a clean error naming it and what to do, not a
    // panic (exit 101) or "not a chingu home".
    std::fs::write(home.join("db").join("db"), b"").unwrap();
    for args in [&["run", "--listen", "/ip4/127.0.0.1/tcp/0"][..], &["history", "anyone"]] {
        let out = chingu(&home).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
        let message = stderr(&out);
        assert!(message.contains("is damaged"), "{args:?}: {message}");
        assert!(message.contains(&home.join("db").display().to_string()), "{message}");
        assert!(message.contains("chingu init --force"), "{message}");
        assert!(!message.contains("panicked"), "{message}");
    }
}

/// The node's failures the CLI meets with no node to ask (a database in use by another
/// program or damaged, a home never made) are said in the user's language with the path
/// and what to do, the database's English words only as a detail after the sentence.
#[test]
fn failures_without_a_node_speak_korean() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    init_home(&home, "010-1234-5678", "민지");
    let db = home.join("db").display().to_string();
    let said = |home: &std::path::Path, args: &[&str]| {
        let out = chingu(home).env("LANG", "ko_KR.UTF-8").args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
        let err = stderr(&out);
        let sentence = err.split("(자세히:").next().unwrap().to_owned();
        for english in ["database", "is damaged", "Restore", "error:", "process"] {
            assert!(!sentence.contains(english), "{args:?}: {err}");
        }
        sentence
    };
    // The database held by another program (here, past the home's lock).
    let held = chingu::store::Store::open(&home.join("db"), Default::default()).unwrap();
    let sentence = said(&home, &["history", "Yuki"]);
    assert!(
        sentence.starts_with(&format!("오류: {db}의 데이터베이스를 다른 프로그램이 쓰고 있어요.")),
        "{sentence}"
    );
    drop(held);
    // A database truncated to nothing: where it is, and how to restore or remake it.
    std::fs::write(home.join("db").join("db"), b"").unwrap();
    for args in [&["run", "--listen", "/ip4/127.0.0.1/tcp/0"][..], &["history", "Yuki"]] {
        let sentence = said(&home, args);
        assert!(
            sentence.starts_with(&format!("오류: {db}의 데이터베이스가 손상됐어요.")),
            "{sentence}"
        );
        assert!(
            sentence.contains(&format!("mv {db} {db}.damaged"))
                && sentence.contains("chingu init --force --phone 번호"),
            "{sentence}"
        );
    }
    let sentence = said(&dir.path().join("nothing"), &["history", "Yuki"]);
    assert!(sentence.contains("아직 chingu 홈이 아니에요"), "{sentence}");
}

#[test]
fn a_port_another_program_holds_is_said_in_korean() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    init_home(&home, "010-1234-5678", "민지");
    let held = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let taken = held.local_addr().unwrap().to_string();
    for (flag, what) in [("--metrics", "메트릭을"), ("--api", "앱 API를")] {
        let out = chingu(&home)
            .env("LANG", "ko_KR.UTF-8")
            .args(["run", "--listen", "/ip4/127.0.0.1/tcp/0", flag, &taken])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{flag}: {}", stderr(&out));
        let said = stderr(&out);
        assert!(
            said.starts_with(&format!(
                "오류: {taken}에서 {what} 열 수 없어요: 다른 프로그램이 이미 그 포트를 쓰고 있어요. {flag}로 다른 주소를 고르세요."
            )),
            "{flag}: {said}"
        );
    }
}

#[test]
fn a_home_owned_by_another_user_is_refused() {
    // Changing a file's owner needs root; CI runs as root.
    assert!(
        nix::unistd::geteuid().is_root(),
        "this test needs root to give a key file another owner (CI runs as root): run the tests as root"
    );
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    init_home(&home, "010-1234-5678", "민지");
    let nobody = nix::unistd::Uid::from_raw(65534);
    nix::unistd::chown(&home.join("identity.key"), Some(nobody), None).unwrap();
    let out = chingu(&home)
        .args(["run", "--listen", "/ip4/127.0.0.1/tcp/0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("owned by uid 65534"), "{}", stderr(&out));
}

#[test]
fn commands_needing_a_node_say_none_is_running() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    init_home(&home, "010-1234-5678", "민지");
    for args in [
        vec!["status"],
        vec!["peers", "--json"],
        vec!["send", "Yuki", "hi"],
        vec!["watch"],
        vec!["read", "Yuki"],
        vec!["contacts", "list"],
    ] {
        let out = chingu(&home).args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(3), "{args:?}");
        assert!(stderr(&out).contains("no chingu node is running"), "{}", stderr(&out));
    }
}

#[test]
fn a_home_that_was_never_initialised_is_explained() {
    let dir = tempfile::tempdir().unwrap();
    let out = chingu(&dir.path().join("nothing")).args(["run"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("chingu init"), "{}", stderr(&out));
}

#[test]
fn completions_and_the_man_page_are_generated() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    for shell in ["bash", "zsh", "fish"] {
        let out = chingu(&home).args(["completions", shell]).output().unwrap();
        assert!(out.status.success(), "{shell}");
        let script = String::from_utf8(out.stdout).unwrap();
        assert!(script.contains("contacts") && script.contains("history"), "{shell}");
    }
    let out = chingu(&home).args(["man"]).output().unwrap();
    assert!(out.status.success());
    let page = String::from_utf8(out.stdout).unwrap();
    assert!(
        page.starts_with(".ie") || page.contains(".TH chingu"),
        "{}",
        &page[..200.min(page.len())]
    );
    let out = chingu(&home).args(["completions", "tcsh"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "an unknown shell is a usage error");
}

#[test]
fn history_works_with_no_node_running() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    init_home(&home, "010-1234-5678", "민지");
    let out = chingu(&home).args(["history", "Yuki"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("There is no contact “Yuki”"), "{}", stderr(&out));
}

#[test]
fn errors_and_help_speak_korean_and_japanese() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    init_home(&home, "010-1234-5678", "민지");
    // Errors: the whole sentence, not only its prefix.
    let out = chingu(&home)
        .args(["--lang", "ko", "history", "Yuki"])
        .output()
        .unwrap();
    assert_eq!(
        stderr(&out).trim(),
        "오류: “Yuki” 연락처가 없어요 (chingu contacts list로 확인하고, chingu contacts add로 추가하세요)."
    );
    let out = chingu(&home)
        .env("LANG", "ja_JP.UTF-8")
        .args(["status"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).starts_with("エラー: このホームで実行中の chingu ノードがありません"),
        "{}",
        stderr(&out)
    );
    let out = chingu(&dir.path().join("new"))
        .args(["--lang", "ja", "init", "--phone", "010-1234"])
        .output()
        .unwrap();
    assert!(stderr(&out).contains("KR の電話番号ではありません"), "{}", stderr(&out));
    // Usage errors: translated, with the usage line, exit code 2.
    let out = chingu(&home).args(["--lang", "ko", "contacts", "ad"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("알 수 없는 명령이에요: “ad”") && err.contains("add") && err.contains("사용법:"),
        "{err}"
    );
    let out = chingu(&home)
        .env("LANG", "ja_JP.UTF-8")
        .args(["send", "Yuki"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("不足している引数: <TEXT>"), "{}", stderr(&out));
    // Help: every command's description and every option, and clap's own words.
    let out = chingu(&home)
        .args(["--lang", "ko", "contacts", "add", "--help"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    for text in [
        "번호나 받은 초대 코드로 연락처 추가",
        "사용법:",
        "옵션:",
        "인자:",
        "도움말 보기",
        "텍스트 대신 JSON으로 출력",
    ] {
        assert!(help.contains(text), "{text} missing from:\n{help}");
    }
    assert!(!help.contains("Usage") && !help.contains("Print help"), "{help}");
    let out = chingu(&home)
        .env("LANG", "ja_JP.UTF-8")
        .args(["--help"])
        .output()
        .unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    assert!(
        help.contains("コマンド:") && help.contains("連絡先の管理") && help.contains("トークの一覧"),
        "{help}"
    );
    let out = chingu(&home).args(["--help"]).output().unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    assert!(
        help.contains("Usage: chingu") && help.contains("Commands:") && help.contains("Print JSON instead of text"),
        "{help}"
    );
    // clap's notes on defaults, values and the environment are in the language too, and
    // unchanged in English.
    for (lang, default, env, values) in [
        (
            "ko",
            "[기본값: 20]",
            "[환경 변수: CHINGU_HOME]",
            "[가능한 값: text, json]",
        ),
        (
            "ja",
            "[既定値: 20]",
            "[環境変数: CHINGU_HOME]",
            "[指定できる値: text, json]",
        ),
    ] {
        let help = |args: &[&str]| {
            let out = chingu(&home).args(["--lang", lang]).args(args).output().unwrap();
            assert!(out.status.success(), "{args:?}");
            String::from_utf8(out.stdout).unwrap()
        };
        let history = help(&["history", "--help"]);
        let run = help(&["run", "--help"]);
        for text in [&history, &run] {
            for english in ["[default:", "[possible values:", "[env:"] {
                assert!(!text.contains(english), "{lang}: {english} in:\n{text}");
            }
        }
        assert!(history.contains(default) && history.contains(env), "{history}");
        assert!(run.contains(values), "{run}");
    }
    let out = chingu(&home).args(["history", "--help"]).output().unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    assert!(
        help.contains("[default: 20]") && help.contains("[env: CHINGU_HOME"),
        "{help}"
    );
}

/// The node's refusals arrive as a reason and details and are said in the user's language,
/// never as a translated prefix before the node's English.
#[test]
fn node_refusals_speak_korean_and_japanese() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    init_home(&home, "010-1234-5678", "민지");
    let _node = Daemon::start(&home, &[]);
    ok(&home, &["contacts", "add", "010-5555-6666", "--name", "Bo"]);
    let refused = |lang: &str, args: &[&str]| {
        let out = chingu(&home).args(["--lang", lang]).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
        let err = stderr(&out);
        // The translated prefix of an untyped refusal (err-node), and English words.
        for fallback in ["노드가 거부했어요", "ノードが拒否しました", "you ", "no ", "the "] {
            assert!(!err.contains(fallback), "{lang} {args:?}: {err}");
        }
        err
    };
    let err = refused("ko", &["contacts", "verify", "Bo", "--confirm"]);
    assert!(err.contains("아직 Bo 님의 키를 몰라요"), "{err}");
    let err = refused("ja", &["requests", "accept", "+819099990000"]);
    assert!(
        err.contains("「+819099990000」に当てはまるメッセージリクエストはありません"),
        "{err}"
    );
    let err = refused("ko", &["meetup", "create", "--expires", "25h"]);
    assert!(err.contains("번개는 1초에서 24시간까지"), "{err}");
    let err = refused("ja", &["meetup", "join", "ABC"]);
    assert!(err.contains("ミートアップのコードではありません"), "{err}");
    // A message action, a card and a sticker pack.
    let nobody = "0123456789abcdef0123456789abcdef";
    let err = refused("ko", &["react", "Bo", "👍", "--message", nobody]);
    assert!(err.contains(&format!("“{nobody}” 메시지가 없어요")), "{err}");
    let err = refused("ja", &["card", "Bo", "--template", "funeral", "--title", "x"]);
    assert!(err.contains("カードのテンプレート「funeral」はありません"), "{err}");
    let err = refused("ko", &["send", "Bo", "--sticker", "토끼:0"]);
    assert!(err.contains("“토끼” 이모티콘 팩이 없어요"), "{err}");
    ok(&home, &["contacts", "block", "Bo"]);
    let err = refused("ko", &["send", "Bo", "안녕"]);
    assert!(err.contains("Bo 님을 차단했어요"), "{err}");
    let err = refused("ja", &["send", "Bo", "こんにちは"]);
    assert!(err.contains("Bo さんをブロックしています"), "{err}");
    // English is said from the reason too.
    let err = stderr(&chingu(&home).args(["send", "Bo", "hi"]).output().unwrap());
    assert!(err.contains("You blocked Bo"), "{err}");
}

/// The API's own errors, and a connection the node drops, are said in Korean from their
/// details too (not as a translated prefix before English): a stand-in node on the home's
/// socket answers the CLI with errors made by the API's own code.
#[test]
fn api_errors_speak_korean() {
    use chingu::api::{params, ApiError};
    use std::io::{BufRead, BufReader, Write};
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    std::fs::create_dir(&home).unwrap();
    // A bad parameter (as `methods::call` names its method) and a database failure.
    let bad = params::decode_variant::<chingu::node::Compose>("reply", serde_json::json!({"message": 3}))
        .unwrap_err()
        .with("method", "messages.reply");
    let storage = ApiError::from(chingu::NodeError::Store(chingu::store::StoreError::NewerSchema {
        found: 99,
    }));
    let listener = std::os::unix::net::UnixListener::bind(home.join("chingu.sock")).unwrap();
    let node = std::thread::spawn(move || {
        for answer in [Some(bad), Some(storage), None] {
            let (stream, _) = listener.accept().unwrap();
            let mut line = String::new();
            BufReader::new(&stream).read_line(&mut line).unwrap();
            let request: serde_json::Value = serde_json::from_str(&line).unwrap();
            if let Some(error) = answer {
                let answer = serde_json::json!({"jsonrpc": "2.0", "id": request["id"], "error": error});
                writeln!(&stream, "{answer}").unwrap();
            }
        }
    });
    let said = |expected: &str| {
        let out = chingu(&home).args(["--lang", "ko", "status"]).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        let err = stderr(&out);
        assert!(err.starts_with(&format!("오류: {expected}")), "{err}");
        for english in [
            "노드가 거부했어요",
            "invalid type",
            "expected",
            "database has schema 99",
        ] {
            assert!(!err.split("(자세히:").next().unwrap().contains(english), "{err}");
        }
        err
    };
    said("messages.reply의 “message” 매개변수는 텍스트여야 해요.");
    let err = said("노드의 데이터베이스를 더 새 chingu가 만들었어요. chingu를 업데이트하세요.");
    assert!(err.contains("(자세히: the database has schema 99"), "{err}");
    said("노드와의 연결이 끊겼어요 (연결이 닫혔어요).");
    node.join().unwrap();
}

#[test]
fn an_operator_node_is_created_without_a_phone_number() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("boot");
    let out = chingu(&home)
        .args(["init", "--role", "bootstrap", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let created: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(created["role"], "bootstrap");
    assert_eq!(created["phone"], serde_json::Value::Null);
    assert!(created["peer_id"].as_str().unwrap().starts_with("12D3KooW"));
    let config = std::fs::read_to_string(home.join("config.toml")).unwrap();
    assert!(config.contains("role = \"bootstrap\""), "{config}");
    let out = chingu(&home)
        .args(["init", "--role", "relay", "--force"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("relay node"),
        "{}",
        stderr(&out)
    );
    // A role and a phone number do not go together; one of them is needed.
    let other = dir.path().join("other");
    let out = chingu(&other)
        .args(["init", "--role", "mailbox", "--phone", "010-1234-5678"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = chingu(&other).args(["init"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(!other.exists());
}

#[test]
fn one_man_page_per_command_with_examples_exit_status_and_see_also() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let pages = dir.path().join("man1");
    let out = chingu(&home)
        .args(["man", "--dir"])
        .arg(&pages)
        .arg("--json")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let written: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<&str> = written["pages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"chingu.1")
            && names.contains(&"chingu-contacts-import.1")
            && names.contains(&"chingu-group-admins-add.1")
    );
    for name in &names {
        let page = std::fs::read_to_string(pages.join(name)).unwrap();
        assert!(
            page.contains(".SH EXAMPLES") && page.contains(".SH \"EXIT STATUS\""),
            "{name}"
        );
        let see_also = page.split(".SH \"SEE ALSO\"\n").nth(1).unwrap().lines().next().unwrap();
        for named in see_also.split(", ") {
            let file = named.replace("\\fB", "").replace("\\fR(1)", "").replace("\\-", "-") + ".1";
            assert!(pages.join(&file).exists(), "{name} names {file}, which was not written");
        }
    }
    // Without --dir, the top page; in Korean with --lang ko.
    let top = String::from_utf8(chingu(&home).args(["man"]).output().unwrap().stdout).unwrap();
    assert!(
        top.contains(".TH chingu") && top.contains("chingu\\-contacts(1)"),
        "{}",
        &top[..300]
    );
    let korean = String::from_utf8(chingu(&home).args(["--lang", "ko", "man"]).output().unwrap().stdout).unwrap();
    assert!(korean.contains("연락처 관리"), "{}", &korean[..300]);
}

#[test]
fn a_closed_pipe_ends_output_commands_normally() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    for args in [
        vec!["completions", "zsh"],
        vec!["completions", "bash", "--json"],
        vec!["man"],
        vec!["--help"],
        vec!["--lang", "ja", "group", "--help"],
        vec!["--version"],
        vec!["init", "--phone", "010-1234-5678", "--name", "민지"],
        vec!["history", "nobody"],
        vec!["apps", "add", "bot", "--scopes", "read"],
        vec!["apps", "list", "--json"],
    ] {
        let (code, err) = closed_pipe(&home, &args);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        let expected = if args == ["history", "nobody"] {
            Some(1)
        } else {
            Some(0)
        };
        assert_eq!(code, expected, "{args:?}: {err}");
    }
}
