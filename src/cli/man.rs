//! `chingu man`: manual pages in roff, in the chosen language. One page per command
//! (`chingu.1`, `chingu-contacts.1`, `chingu-contacts-add.1`, …), each with EXAMPLES (real
//! command lines, checked against the parser by the tests), EXIT STATUS and SEE ALSO
//! naming only pages that `chingu man --dir` writes. Without `--dir` the top page is
//! printed.

use std::path::PathBuf;

use clap::{Args, Command};
use clap_mangen::Man;
use serde::Serialize;

use chingu::tr;

use super::output::{outln, print_json, raw};

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write one page per command into this directory instead of printing the top page
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
}

/// One manual page.
#[derive(Debug, Serialize)]
pub struct Page {
    /// Its name (`chingu-contacts-add`); the file is `<name>.1`.
    pub name: String,
    /// The roff text.
    #[serde(skip)]
    pub roff: String,
    /// The pages its SEE ALSO section names.
    pub see_also: Vec<String>,
}

impl Page {
    /// The file name, `<name>.1`.
    pub fn file_name(&self) -> String {
        format!("{}.1", self.name)
    }
}

/// What `man --dir DIR --json` prints.
#[derive(Serialize)]
struct Written {
    dir: String,
    pages: Vec<String>,
}

pub fn run(args: ManArgs, json: bool) -> anyhow::Result<()> {
    let pages = pages(super::help::localized());
    let Some(dir) = args.dir else {
        let top = &pages[0];
        if json {
            return print_json(&serde_json::json!({ "page": top.file_name(), "roff": top.roff }));
        }
        raw(top.roff.as_bytes())?;
        return Ok(());
    };
    std::fs::create_dir_all(&dir).map_err(|source| super::errors::FileError {
        path: dir.clone(),
        source,
    })?;
    for page in &pages {
        let path = dir.join(page.file_name());
        std::fs::write(&path, &page.roff).map_err(|source| super::errors::FileError { path, source })?;
    }
    let written = Written {
        dir: dir.display().to_string(),
        pages: pages.iter().map(Page::file_name).collect(),
    };
    if json {
        return print_json(&written);
    }
    outln!("{}", tr!("man-written", count = written.pages.len(), dir = written.dir))?;
    Ok(())
}

/// Every page of `command`, the top page first.
pub fn pages(command: Command) -> Vec<Page> {
    let mut command = command.disable_help_subcommand(true);
    command.build();
    let mut pages = Vec::new();
    collect(&command, None, &mut pages);
    pages
}

fn page_name(command: &Command) -> String {
    command.get_display_name().unwrap_or(command.get_name()).to_owned()
}

fn collect(command: &Command, parent: Option<&str>, pages: &mut Vec<Page>) {
    let name = page_name(command);
    let children: Vec<String> = command
        .get_subcommands()
        .filter(|sub| !sub.is_hide_set())
        .map(page_name)
        .collect();
    let mut see_also: Vec<String> = parent.into_iter().map(str::to_owned).collect();
    if parent.is_some_and(|p| p != "chingu") {
        see_also.insert(0, "chingu".to_owned());
    }
    see_also.extend(children);
    pages.push(Page {
        roff: render(command, &name, &see_also),
        name: name.clone(),
        see_also,
    });
    for sub in command.get_subcommands().filter(|sub| !sub.is_hide_set()) {
        collect(sub, Some(&name), pages);
    }
}

fn render(command: &Command, name: &str, see_also: &[String]) -> String {
    let man = Man::new(command.clone());
    let mut out = Vec::new();
    let written = man
        .render_title(&mut out)
        .and_then(|()| man.render_name_section(&mut out))
        .and_then(|()| man.render_synopsis_section(&mut out))
        .and_then(|()| man.render_description_section(&mut out))
        .and_then(|()| match command.get_arguments().any(|a| !a.is_hide_set()) {
            true => man.render_options_section(&mut out),
            false => Ok(()),
        })
        .and_then(|()| match command.has_subcommands() {
            true => man.render_subcommands_section(&mut out),
            false => Ok(()),
        });
    written.expect("writing to memory does not fail");
    let mut roff = String::from_utf8_lossy(&out).into_owned();
    if name == "chingu" {
        roff.push_str(&environment());
    }
    roff.push_str(&exit_status(name));
    roff.push_str(&examples_section(name, command));
    roff.push_str(".SH \"SEE ALSO\"\n");
    let refs: Vec<String> = see_also
        .iter()
        .map(|page| format!("\\fB{}\\fR(1)", escape(page)))
        .collect();
    roff.push_str(&refs.join(", "));
    roff.push('\n');
    if command.get_version().is_some() || command.get_long_version().is_some() {
        let mut version = Vec::new();
        man.render_version_section(&mut version).expect("in memory");
        roff.push_str(&String::from_utf8_lossy(&version));
    }
    roff
}

/// Text made safe for roff: backslashes and dashes escaped, no line starting a request.
fn escape(text: &str) -> String {
    let escaped = text.replace('\\', "\\e").replace('-', "\\-");
    if escaped.starts_with(['.', '\'']) {
        format!("\\&{escaped}")
    } else {
        escaped
    }
}

fn exit_status(name: &str) -> String {
    let mut codes = vec![
        ("0", tr!("man-exit-success")),
        ("1", tr!("man-exit-failure")),
        ("2", tr!("man-exit-usage")),
    ];
    if !matches!(
        name,
        "chingu-init"
            | "chingu-run"
            | "chingu-testnet"
            | "chingu-lab"
            | "chingu-demo"
            | "chingu-completions"
            | "chingu-man"
            | "chingu-apps"
    ) && !name.starts_with("chingu-apps-")
        && !name.starts_with("chingu-lab-")
    {
        codes.push(("3", tr!("man-exit-not-running")));
    }
    let mut roff = String::from(".SH \"EXIT STATUS\"\n");
    for (code, meaning) in codes {
        roff.push_str(&format!(".TP\n\\fB{code}\\fR\n{}\n", escape(&meaning)));
    }
    roff
}

fn environment() -> String {
    let mut roff = String::from(".SH ENVIRONMENT\n");
    for (name, meaning) in [
        ("CHINGU_HOME", tr!("man-env-home")),
        ("LC_ALL, LC_MESSAGES, LANG", tr!("man-env-lang")),
        ("RUST_LOG", tr!("man-env-log")),
        ("NO_COLOR", tr!("man-env-no-color")),
    ] {
        roff.push_str(&format!(".TP\n\\fB{name}\\fR\n{}\n", escape(&meaning)));
    }
    roff
}

fn examples_section(name: &str, command: &Command) -> String {
    let mut roff = String::from(".SH EXAMPLES\n");
    for example in examples_of(name, command) {
        roff.push_str(&format!(".PP\n.nf\n{}\n.fi\n", escape(&shell_line(&example))));
    }
    roff
}

/// An argument list as one would type it in a shell.
fn shell_line(args: &[&str]) -> String {
    args.iter()
        .map(|arg| {
            if arg.is_empty() || arg.contains(|c: char| c.is_whitespace() || "'\"$`\\!*?&;|<>(){}#~".contains(c)) {
                format!("'{}'", arg.replace('\'', r"'\''"))
            } else {
                (*arg).to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The examples of a page: its own, or for a command with subcommands the first example
/// of each.
pub fn examples_of(name: &str, command: &Command) -> Vec<Vec<&'static str>> {
    let own = examples(name);
    if !own.is_empty() || !command.has_subcommands() {
        return own.iter().map(|e| e.to_vec()).collect();
    }
    command
        .get_subcommands()
        .filter_map(|sub| examples_of(&page_name(sub), sub).into_iter().next())
        .collect()
}

/// Example command lines of each page (an empty list for pages that show their
/// subcommands' examples).
fn examples(page: &str) -> &'static [&'static [&'static str]] {
    match page {
        "chingu" => &[
            &["chingu", "init", "--phone", "010-1234-5678", "--name", "민지"],
            &["chingu", "run"],
            &["chingu", "contacts", "add", "010-9876-5432", "--name", "Yuki"],
            &["chingu", "send", "Yuki", "안녕!"],
            &["chingu", "chat"],
        ],
        "chingu-init" => &[
            &["chingu", "init", "--phone", "010-1234-5678", "--name", "민지"],
            &[
                "chingu",
                "init",
                "--phone",
                "090-1234-5678",
                "--region",
                "JP",
                "--name",
                "Yuki",
            ],
            &["chingu", "--home", "/var/lib/chingu", "init", "--role", "bootstrap"],
            &["chingu", "init", "--link", "CHINGU-LINK-…", "--device", "laptop"],
        ],
        "chingu-run" => &[
            &["chingu", "run"],
            &[
                "chingu",
                "run",
                "--bootstrap",
                "/dns4/boot.example.net/tcp/4001/p2p/12D3KooWExample",
            ],
            &["chingu", "run", "--metrics", "127.0.0.1:9464", "--log-format", "json"],
            &[
                "chingu",
                "run",
                "--role",
                "mailbox",
                "--listen",
                "/ip4/0.0.0.0/tcp/4001",
            ],
        ],
        "chingu-status" => &[&["chingu", "status"], &["chingu", "status", "--json"]],
        "chingu-peers" => &[&["chingu", "peers"]],
        "chingu-contacts-add" => &[
            &["chingu", "contacts", "add", "010-9876-5432", "--name", "Yuki"],
            &[
                "chingu",
                "contacts",
                "add",
                "090-1234-5678",
                "--region",
                "JP",
                "--name",
                "Yuki",
            ],
            &[
                "chingu",
                "contacts",
                "add",
                "--invite",
                "CHINGU-ABCD-EFGH",
                "--name",
                "Alex",
            ],
            &["chingu", "contacts", "add", "010-5555-0101", "--to", "Yuki"],
        ],
        "chingu-contacts-import" => &[
            &["chingu", "contacts", "import", "contacts.vcf"],
            &["chingu", "contacts", "import", "google.csv", "--no-wait", "--json"],
        ],
        "chingu-contacts-list" => &[
            &["chingu", "contacts", "list"],
            &["chingu", "contacts", "list", "--json"],
        ],
        "chingu-contacts-remove" => &[&["chingu", "contacts", "remove", "Yuki"]],
        "chingu-contacts-verify" => &[
            &["chingu", "contacts", "verify", "Yuki", "--qr"],
            &["chingu", "contacts", "verify", "Yuki", "--confirm"],
            &["chingu", "contacts", "verify", "Yuki", "--candidate", "1"],
        ],
        "chingu-contacts-lookup" => &[&["chingu", "contacts", "lookup", "Yuki"]],
        "chingu-contacts-show" => &[
            &["chingu", "contacts", "show", "Yuki"],
            &["chingu", "contacts", "show", "+819012345678", "--json"],
        ],
        "chingu-contacts-rename" => &[&["chingu", "contacts", "rename", "+819012345678", "ゆき"]],
        "chingu-contacts-block" => &[&["chingu", "contacts", "block", "Alex"]],
        "chingu-contacts-unblock" => &[&["chingu", "contacts", "unblock", "Alex"]],
        "chingu-contacts-mute" => &[&["chingu", "contacts", "mute", "민수"]],
        "chingu-contacts-unmute" => &[&["chingu", "contacts", "unmute", "민수"]],
        "chingu-contacts-accept" => &[&["chingu", "contacts", "accept", "Yuki"]],
        "chingu-invite" => &[&["chingu", "invite"], &["chingu", "invite", "--valid", "2h", "--no-qr"]],
        "chingu-inbox" => &[&["chingu", "inbox"], &["chingu", "inbox", "--json"]],
        "chingu-send" => &[
            &["chingu", "send", "Yuki", "안녕! 잘 지내?"],
            &["chingu", "send", "+819012345678", "hello"],
            &["chingu", "send", "Yuki", "--file", "서울 야경.jpg"],
            &["chingu", "send", "Yuki", "--sticker", "기분:0"],
        ],
        "chingu-reply" => &[&["chingu", "reply", "Yuki", "좋아!"]],
        "chingu-react" => &[
            &["chingu", "react", "Yuki", "👍"],
            &["chingu", "react", "친구들", "--remove"],
        ],
        "chingu-edit" => &[&["chingu", "edit", "Yuki", "내일 7시에 봐"]],
        "chingu-delete" => &[&[
            "chingu",
            "delete",
            "Yuki",
            "--message",
            "0192b5c1a2f37c4e8d9a0b1c2d3e4f50",
        ]],
        "chingu-forward" => &[&["chingu", "forward", "Yuki", "친구들"]],
        "chingu-card" => &[&[
            "chingu",
            "card",
            "Yuki",
            "--template",
            "birthday",
            "--title",
            "생일 축하해!",
            "🎂🎉",
        ]],
        "chingu-files" => &[&["chingu", "files"], &["chingu", "files", "--json"]],
        "chingu-backup" => &[
            &["chingu", "backup", "chingu-2026-12-05.backup"],
            &["chingu", "backup", "/media/usb/me.backup", "--new-recovery-code"],
        ],
        "chingu-link" => &[&["chingu", "link"], &["chingu", "link", "--json"]],
        "chingu-devices" => &[&["chingu", "devices"], &["chingu", "devices", "--json"]],
        "chingu-devices-remove" => &[&["chingu", "devices", "remove", "old-laptop"]],
        "chingu-restore" => &[
            &["chingu", "restore", "/media/usb/me.backup"],
            &["chingu", "--home", "/tmp/old-me", "restore", "me.backup", "--force"],
        ],
        "chingu-save" => &[
            &["chingu", "save", "4f2a9c1e", "~/Pictures"],
            &["chingu", "save", "0192b5c1a2f37c4e8d9a0b1c2d3e4f50", "trip.mp4"],
        ],
        "chingu-stickers-create" => &[&["chingu", "stickers", "create", "기분", "./my-stickers"]],
        "chingu-stickers-install" => &[&["chingu", "stickers", "install", "mood.pack"]],
        "chingu-stickers-list" => &[&["chingu", "stickers", "list"]],
        "chingu-vouchers-issue" => &[&[
            "chingu",
            "vouchers",
            "issue",
            "Minji",
            "아메리카노",
            "₩4,500",
            "--days",
            "30",
        ]],
        "chingu-vouchers-list" => &[&["chingu", "vouchers", "list"]],
        "chingu-vouchers-give" => &[&["chingu", "vouchers", "give", "77a3c0de9b1f4e2a8c5d6e7f80911223", "Yuki"]],
        "chingu-vouchers-redeem" => &[&["chingu", "vouchers", "redeem", "77a3c0de9b1f4e2a8c5d6e7f80911223"]],
        "chingu-paper-start" => &[&[
            "chingu",
            "paper",
            "start",
            "민지",
            "--title",
            "생일 축하해!",
            "--in",
            "3d",
            "--writers",
            "Yuki,Jun",
        ]],
        "chingu-paper-write" => &[&["chingu", "paper", "write", "✉ 생일 축하해!", "민지야 생일 축하해 🎂"]],
        "chingu-history" => &[
            &["chingu", "history", "Yuki"],
            &["chingu", "history", "Yuki", "--limit", "5000", "--json"],
        ],
        "chingu-watch" => &[&["chingu", "watch"], &["chingu", "watch", "--json"]],
        "chingu-read" => &[&["chingu", "read", "Yuki"]],
        "chingu-search" => &[
            &["chingu", "search", "치킨"],
            &["chingu", "search", "明日 映画", "--in", "Yuki", "--limit", "50"],
        ],
        "chingu-export" => &[
            &["chingu", "export", "Yuki"],
            &["chingu", "export", "--format", "json", "--output", "chats.json"],
        ],
        "chingu-requests-list" => &[&["chingu", "requests", "list"]],
        "chingu-requests-accept" => &[&["chingu", "requests", "accept", "+821055501234", "--name", "지훈"]],
        "chingu-requests-block" => &[&["chingu", "requests", "block", "+821055501234"]],
        "chingu-profile-show" => &[&["chingu", "profile", "show"]],
        "chingu-profile-set" => &[
            &["chingu", "profile", "set", "--name", "민지", "--status", "시험 기간 📚"],
            &["chingu", "profile", "set", "--status", ""],
        ],
        "chingu-group-create" => &[&["chingu", "group", "create", "친구들", "--members", "Yuki,Alex"]],
        "chingu-group-invite" => &[&["chingu", "group", "invite", "친구들", "민수"]],
        "chingu-group-remove" => &[&["chingu", "group", "remove", "친구들", "Alex"]],
        "chingu-group-rename" => &[&["chingu", "group", "rename", "친구들", "동창회"]],
        "chingu-group-admins-add" => &[&["chingu", "group", "admins", "add", "친구들", "Yuki"]],
        "chingu-group-admins-remove" => &[&["chingu", "group", "admins", "remove", "친구들", "Yuki"]],
        "chingu-group-invitations" => &[&["chingu", "group", "invitations"]],
        "chingu-group-join" => &[&["chingu", "group", "join", "친구들"]],
        "chingu-group-decline" => &[&["chingu", "group", "decline", "친구들"]],
        "chingu-group-leave" => &[&["chingu", "group", "leave", "친구들"]],
        "chingu-group-close" => &[&["chingu", "group", "close", "친구들"]],
        "chingu-group-list" => &[&["chingu", "group", "list"]],
        "chingu-group-members" => &[&["chingu", "group", "members", "친구들", "--json"]],
        "chingu-group-send" => &[&["chingu", "group", "send", "친구들", "오늘 저녁 어때?"]],
        "chingu-group-history" => &[&["chingu", "group", "history", "친구들", "--limit", "50"]],
        "chingu-group-read" => &[&["chingu", "group", "read", "친구들"]],
        "chingu-meetup-create" => &[
            &["chingu", "meetup", "create", "--name", "홍대 번개", "--expires", "3h"],
            &["chingu", "meetup", "create", "--forget"],
        ],
        "chingu-meetup-join" => &[&["chingu", "meetup", "join", "K7Q2M-9XD4P"]],
        "chingu-meetup-close" => &[&["chingu", "meetup", "close", "홍대 번개"]],
        "chingu-apps-add" => &[&["chingu", "apps", "add", "echo-bot", "--scopes", "read,send"]],
        "chingu-apps-list" => &[&["chingu", "apps", "list"]],
        "chingu-apps-revoke" => &[&["chingu", "apps", "revoke", "echo-bot"]],
        "chingu-chat" => &[&["chingu", "chat"], &["chingu", "--lang", "ko", "chat"]],
        "chingu-testnet" => &[
            &["chingu", "testnet", "--nodes", "50"],
            &[
                "chingu",
                "testnet",
                "--nodes",
                "100",
                "--scenario",
                "dm",
                "--messages",
                "5000",
                "--json",
            ],
        ],
        "chingu-lab-run" => &[
            &["chingu", "lab", "run"],
            &["chingu", "lab", "run", "--matrix", "full", "--repeat", "20", "--json"],
            &[
                "chingu",
                "lab",
                "run",
                "--pair",
                "port-restricted:symmetric",
                "--delay-ms",
                "40",
            ],
        ],
        "chingu-lab-group" => &[&["chingu", "lab", "group", "--members", "10", "--rate", "20"]],
        "chingu-lab-selftest" => &[&["chingu", "lab", "selftest"]],
        "chingu-lab-up" => &[&["chingu", "lab", "up", "--nat", "symmetric", "--nat", "full-cone"]],
        "chingu-lab-down" => &[&["chingu", "lab", "down"]],
        "chingu-lab-list" => &[&["chingu", "lab", "list", "--json"]],
        "chingu-lab-clean" => &[&["chingu", "lab", "clean"]],
        "chingu-demo" => &[
            &["chingu", "demo"],
            &["chingu", "demo", "--interactive", "--as", "yuki"],
        ],
        "chingu-completions" => &[&["chingu", "completions", "zsh"]],
        "chingu-man" => &[
            &["chingu", "man"],
            &["chingu", "man", "--dir", "/usr/local/share/man/man1"],
        ],
        _ => &[],
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn every_page_has_examples_exit_status_and_see_also_naming_pages_that_exist() {
        let pages = pages(super::super::help::localized());
        let names: BTreeSet<&str> = pages.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(pages[0].name, "chingu");
        assert!(names.contains("chingu-contacts-add") && names.contains("chingu-group-admins-remove"));
        for page in &pages {
            for section in [
                ".SH EXAMPLES",
                ".SH \"EXIT STATUS\"",
                ".SH \"SEE ALSO\"",
                ".SH NAME",
                ".SH SYNOPSIS",
            ] {
                assert!(page.roff.contains(section), "{} lacks {section}", page.name);
            }
            assert!(!page.see_also.is_empty(), "{} names no page", page.name);
            for other in &page.see_also {
                assert!(
                    names.contains(other.as_str()),
                    "{} names {other}, which is not written",
                    page.name
                );
            }
            // clap_mangen's own subcommand list must name written pages too.
            for line in page
                .roff
                .lines()
                .filter(|l| l.starts_with("chingu") && l.ends_with("(1)"))
            {
                let named = line.trim_end_matches("(1)").replace("\\-", "-");
                assert!(names.contains(named.as_str()), "{} lists {named}", page.name);
            }
        }
    }

    #[test]
    fn every_example_parses_and_runs_its_own_command() {
        let command = super::super::help::localized();
        let pages = pages(command.clone());
        for page in &pages {
            let path: Vec<&str> = page.name.split('-').skip(1).collect();
            let mut built = command.clone().disable_help_subcommand(true);
            built.build();
            let mut node = &built;
            for part in &path {
                node = node.find_subcommand(part).expect("the page's command exists");
            }
            let examples = examples_of(&page.name, node);
            assert!(!examples.is_empty(), "{} has no example", page.name);
            for example in examples {
                let matches = command
                    .clone()
                    .try_get_matches_from(&example)
                    .unwrap_or_else(|e| panic!("{example:?} does not parse: {e}"));
                // The example runs this page's command (or, on a parent's page, one below it).
                let mut sub = &matches;
                for part in &path {
                    let (name, next) = sub.subcommand().unwrap_or_else(|| panic!("{example:?}"));
                    assert_eq!(name, *part, "{example:?} is not an example of {}", page.name);
                    sub = next;
                }
            }
        }
    }

    #[test]
    fn roff_text_is_escaped() {
        assert_eq!(escape("--json"), "\\-\\-json");
        assert_eq!(escape(".start"), "\\&.start");
        assert_eq!(escape("a\\b"), "a\\eb");
        assert_eq!(
            shell_line(&["chingu", "send", "Yuki", "it's ok"]),
            "chingu send Yuki 'it'\\''s ok'"
        );
    }
}
