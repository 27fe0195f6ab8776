//! CLI error paths: invalid numbers, re-initialising, corrupt or foreign configuration,
//! unsafe key permissions, a home owned by someone else, and no running node. Each is a
//! clear error, a non-zero exit, and nothing written or lost.

mod common;

use std::os::unix::fs::PermissionsExt;

use common::{chingu, init_home};

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
    assert_eq!(out.status.code(), Some(1));
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
    assert!(stderr(&out).contains("no contact named"), "{}", stderr(&out));
}
