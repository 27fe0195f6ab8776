//! No refusal the node makes, and no error the API makes itself, is forgotten by
//! [`crate::i18n::refusals::REASONS`]: the reasons written at a constructor
//! (`Refusal::invalid("…")`, `ApiError::new(code, "…")`) are read from the sources, and
//! the reasons mapped from an error type are made from each of its variants (a new
//! variant breaks the matches below until it is listed).

use std::path::{Path, PathBuf};

use crate::api::ApiError;
use crate::backup::{ArchiveError, BackupError};
use crate::contacts::standing::Standing;
use crate::content::annotate::ActionError;
use crate::content::body::BodyError;
use crate::content::paper::PaperError;
use crate::content::sticker::StickerError;
use crate::content::voucher::VoucherError;
use crate::files::FileError;
use crate::node::NodeError;
use crate::text::NameError;

/// Where a refusal's reason is not a literal but mapped from an error, and how many such
/// constructors each file has: their errors' variants are all checked in
/// [`every_error_mapped_to_a_refusal_is_described`].
const MAPPED: &[(&str, usize)] = &[
    ("src/api/error.rs", 2),
    ("src/node/backup.rs", 1),
    ("src/node/content.rs", 2),
    ("src/node/dm/send.rs", 1),
    ("src/node/files/mod.rs", 2),
    ("src/node/link/mod.rs", 2),
    // A first device's refusal of a forwarded send, when REASONS has it: described by
    // construction.
    ("src/node/link/sync.rs", 1),
    ("src/node/paper.rs", 1),
    ("src/node/stickers.rs", 1),
    ("src/node/vouchers.rs", 1),
];

/// The constructors whose reason is read from the sources, and whether a code comes
/// before it (the API's own errors: `ApiError::new(codes::…, "reason", …)`).
const CONSTRUCTORS: &[(&str, bool)] = &[
    ("Refusal::not_found(", false),
    ("Refusal::invalid(", false),
    ("Refusal::blocked(", false),
    ("ApiError::new(", true),
];

fn described(reason: &str) -> bool {
    crate::i18n::refusals::REASONS.iter().any(|(known, _)| *known == reason)
}

/// The `.rs` files under `dir`.
fn sources(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src/ is readable") {
        let path = entry.expect("src/ is readable").path();
        if path.is_dir() {
            sources(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

#[test]
fn every_reason_written_at_a_refusal_is_described() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    sources(&root.join("src"), &mut files);
    files.sort();
    let (mut literals, mut missing, mut mapped) = (0, Vec::new(), Vec::<(String, usize)>::new());
    for file in files {
        let name = file.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
        // The texts, and this file's list of constructors.
        if name.starts_with("src/i18n/") || name == file!() {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        for (constructor, after_code) in CONSTRUCTORS {
            for (at, _) in text.match_indices(constructor) {
                let mut rest = &text[at + constructor.len()..];
                if *after_code {
                    rest = &rest[rest.find(',').map_or(rest.len(), |comma| comma + 1)..];
                }
                match rest.trim_start().strip_prefix('"') {
                    Some(rest) => {
                        let reason = &rest[..rest.find('"').unwrap()];
                        literals += 1;
                        if !described(reason) {
                            missing.push(format!("{reason} ({name})"));
                        }
                    }
                    None => match mapped.iter_mut().find(|(file, _)| *file == name) {
                        Some((_, count)) => *count += 1,
                        None => mapped.push((name.clone(), 1)),
                    },
                }
            }
        }
    }
    assert!(literals > 50, "the scan found only {literals} refusals");
    assert!(
        missing.is_empty(),
        "reasons missing from i18n::refusals::REASONS: {missing:?}"
    );
    let expected: Vec<(String, usize)> = MAPPED.iter().map(|(f, n)| ((*f).to_owned(), *n)).collect();
    assert_eq!(
        mapped, expected,
        "a refusal whose reason is not a literal: add its error's variants to \
         every_error_mapped_to_a_refusal_is_described, then to MAPPED"
    );
}

#[test]
fn every_error_mapped_to_a_refusal_is_described() {
    use ActionError as A;
    use PaperError as P;
    use StickerError as S;
    use VoucherError as V;
    // A new variant makes these matches fail to compile: list it below as well.
    let _ = |e: P| matches!(e, P::TooLate | P::BadSignature | P::NotTheStarter | P::NotAPaper);
    let _ = |e: A| {
        matches!(
            e,
            A::NotTheAuthor
                | A::OtherConversation
                | A::NotEditable
                | A::Deleted
                | A::TooManyReactions
                | A::TooManyWaiting
        )
    };
    let _ = |e: BodyError| {
        matches!(
            e,
            BodyError::TooLong { .. }
                | BodyError::Empty { .. }
                | BodyError::UnknownTemplate { .. }
                | BodyError::NotAnEmoji { .. }
                | BodyError::NotSendable
        )
    };
    let _ = |e: FileError| {
        matches!(
            e,
            FileError::TooLarge { .. } | FileError::Changed | FileError::BadId | FileError::Io(_)
        )
    };
    let _ = |e: S| {
        matches!(
            e,
            S::TooLarge | S::Malformed(_) | S::BadSignature | S::Empty | S::BadImage { .. }
        )
    };
    let _ = |e: V| {
        matches!(
            e,
            V::BadSignature | V::Expired | V::Spent | V::NotTheHolder | V::TooManyHops | V::NotOurs | V::Stale
        )
    };
    let _ = |e: NameError| matches!(e, NameError::TooLong { .. } | NameError::Unprintable);
    let accounts = || {
        use crate::account::AccountError as C;
        let all = [
            C::BadCode,
            C::CodeExpired,
            C::WrongCode,
            C::NoOffer,
            C::NotConfirmed,
            C::Handshake("x".into()),
            C::BadSignature,
            C::OtherAccount,
            C::Malformed("x"),
            C::TooManyDevices,
            C::NameTaken("x".into()),
            C::NoSuchDevice("x".into()),
            C::AccountDevice,
            C::NotTheAccountDevice,
            C::BadName,
            C::HistoryTooLarge,
            C::RevokedDevice,
            C::NotADevice,
        ];
        // A new variant makes this match fail to compile: list it above as well.
        let _ = |e: C| match e {
            C::BadCode
            | C::CodeExpired
            | C::WrongCode
            | C::NoOffer
            | C::NotConfirmed
            | C::Handshake(_)
            | C::BadSignature
            | C::OtherAccount
            | C::Malformed(_)
            | C::TooManyDevices
            | C::NameTaken(_)
            | C::NoSuchDevice(_)
            | C::AccountDevice
            | C::NotTheAccountDevice
            | C::BadName
            | C::HistoryTooLarge
            | C::RevokedDevice
            | C::NotADevice => (),
        };
        all
    };

    let io = |kind| std::io::Error::from(kind);
    let mut errors: Vec<NodeError> = Vec::new();
    errors.extend([P::TooLate, P::BadSignature, P::NotTheStarter, P::NotAPaper].map(super::super::paper::refused));
    errors.extend(
        [
            A::NotTheAuthor,
            A::OtherConversation,
            A::NotEditable,
            A::Deleted,
            A::TooManyReactions,
            A::TooManyWaiting,
        ]
        .map(NodeError::from),
    );
    errors.extend(
        [
            BodyError::TooLong {
                field: "text",
                len: 2,
                max: 1,
            },
            BodyError::Empty { field: "title" },
            BodyError::UnknownTemplate { name: "x".into() },
            BodyError::NotAnEmoji { text: "ok".into() },
            BodyError::NotSendable,
        ]
        .map(NodeError::from),
    );
    let files = || {
        [
            FileError::TooLarge { size: u64::MAX },
            FileError::Changed,
            FileError::BadId,
            FileError::Io(io(std::io::ErrorKind::NotFound)),
            FileError::Io(io(std::io::ErrorKind::PermissionDenied)),
        ]
    };
    errors.extend(files().map(NodeError::from));
    use super::super::stickers::PackError;
    errors.extend(files().map(|e| NodeError::from(PackError::File(e))));
    errors.extend(
        [
            S::TooLarge,
            S::Malformed("x".into()),
            S::BadSignature,
            S::Empty,
            S::BadImage {
                name: "x".into(),
                why: "y".into(),
            },
        ]
        .map(|e| NodeError::from(PackError::Sticker(e))),
    );
    errors.extend(
        [
            V::BadSignature,
            V::Expired,
            V::Spent,
            V::NotTheHolder,
            V::TooManyHops,
            V::NotOurs,
            V::Stale,
        ]
        .map(super::super::vouchers::refused),
    );
    errors.extend(
        [
            BackupError::Archive(ArchiveError::WeakPassphrase),
            BackupError::Archive(ArchiveError::BadRecoveryCode("x".into())),
            BackupError::Archive(ArchiveError::Io(io(std::io::ErrorKind::StorageFull))),
            BackupError::Io {
                action: "cannot write",
                path: "/backup".into(),
                source: io(std::io::ErrorKind::PermissionDenied),
            },
            BackupError::Archive(ArchiveError::WrongSecret),
            BackupError::NewerSchema(99),
        ]
        .map(NodeError::from),
    );
    errors.extend([NameError::TooLong { chars: 99, bytes: 99 }, NameError::Unprintable].map(NodeError::from));
    errors.push(crate::model::InvalidId("x".into()).into());
    errors.extend(accounts().map(|e| NodeError::from(super::super::link::refusal(&e))));
    errors.extend(node_failures());

    // A contact in conflict is refused as its standing says (dm/send.rs).
    let mut missing: Vec<String> = [Standing::KeyChanged, Standing::SeveralKeys]
        .iter()
        .map(|standing| standing.reason())
        .filter(|reason| !described(reason))
        .map(str::to_owned)
        .collect();
    for error in errors {
        let api = ApiError::from(error);
        match api.reason() {
            Some(reason) if described(reason) => {}
            other => missing.push(format!("{other:?}: {}", api.message)),
        }
    }
    assert!(
        missing.is_empty(),
        "refusals missing from i18n::refusals::REASONS: {missing:?}"
    );
}

/// Every kind of failure of the node (a new variant fails to compile in `listed` until it
/// is made below too).
pub(crate) fn node_failures() -> Vec<NodeError> {
    fn listed(error: &NodeError) {
        match error {
            NodeError::Stopped { .. }
            | NodeError::Listen { .. }
            | NodeError::InvalidAddress { .. }
            | NodeError::Transport(_)
            | NodeError::Dial { .. }
            | NodeError::Task { .. }
            | NodeError::Home(_)
            | NodeError::Store(_)
            | NodeError::Internal { .. }
            | NodeError::Name(_)
            | NodeError::Refused(_)
            | NodeError::Dht { .. } => {}
        }
    }
    use crate::store::StoreError;
    let cause = || "the network's own words".into();
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let task = runtime.spawn(std::future::pending::<()>());
    task.abort();
    let cancelled = runtime.block_on(task).unwrap_err();
    let failures = vec![
        NodeError::Stopped { panic: None },
        NodeError::Stopped {
            panic: Some("index out of bounds".into()),
        },
        NodeError::Listen {
            addr: "/ip4/0.0.0.0/tcp/1".into(),
            source: cause(),
        },
        NodeError::InvalidAddress {
            addr: "/ip5/x".into(),
            source: cause(),
        },
        NodeError::Transport(cause()),
        NodeError::Dial {
            peer: "12D3KooWPeer".into(),
            source: cause(),
        },
        NodeError::Task {
            what: "flush",
            source: cancelled,
        },
        NodeError::Home(crate::home::HomeError::NoDefault),
        NodeError::Store(StoreError::NewerSchema { found: 99 }),
        NodeError::Store(StoreError::Sled(sled::Error::Io(
            std::io::ErrorKind::StorageFull.into(),
        ))),
        NodeError::Store(StoreError::Corrupt {
            what: "contact",
            message: "bad cbor".into(),
        }),
        NodeError::Store(StoreError::Damaged {
            path: "/home/minji/.chingu/db".into(),
            detail: "sled cannot read its log back".into(),
        }),
        NodeError::Store(StoreError::Locked {
            path: "/home/minji/.chingu/db".into(),
        }),
        NodeError::Store(StoreError::Open {
            path: "/home/minji/.chingu/db".into(),
            message: "Is a directory".into(),
        }),
        NodeError::Internal {
            what: "encode_join_request",
            source: cause(),
        },
        NodeError::Name(NameError::Unprintable),
        NodeError::Refused(crate::node::refusal::Refusal::invalid("own_number", "that is you")),
        NodeError::Dht {
            op: "put",
            source: cause(),
        },
    ];
    failures.iter().for_each(listed);
    failures
}

/// Reasons said only for older nodes' errors, which had no reason of their own and said
/// what went wrong in English words alone.
const CATCH_ALL: &[&str] = &["not_found", "invalid_input", "blocked"];

#[test]
fn every_node_failure_has_a_reason_of_its_own() {
    let generic: Vec<String> = node_failures()
        .into_iter()
        .map(ApiError::from)
        .filter(|api| api.reason().is_some_and(|reason| CATCH_ALL.contains(&reason)))
        .map(|api| format!("{:?}: {}", api.reason(), api.message))
        .collect();
    assert!(
        generic.is_empty(),
        "said only as a kind, with English words: {generic:?}"
    );
}

#[test]
fn a_file_or_pack_too_large_is_not_said_as_a_request_too_large() {
    use crate::i18n::{in_lang, Lang};
    let describe = |error: NodeError| {
        let api = ApiError::from(error);
        in_lang(Lang::En, || crate::i18n::refusals::describe(&api)).unwrap()
    };
    let file = describe(FileError::TooLarge { size: u64::MAX }.into());
    assert!(file.contains("2 GiB"), "{file}");
    let pack = describe(super::super::stickers::PackError::Sticker(StickerError::TooLarge).into());
    assert!(pack.contains("sticker pack"), "{pack}");
    let written = describe(
        BackupError::Io {
            action: "cannot write",
            path: "/mnt/backup.chingu".into(),
            source: std::io::Error::from(std::io::ErrorKind::PermissionDenied),
        }
        .into(),
    );
    assert!(
        written.contains("/mnt/backup.chingu") && written.contains("permission denied"),
        "{written}"
    );
}
