//! Backups between real nodes on loopback (SPEC.md §8.4): a member of a 1:1 chat and a
//! group is backed up while messages arrive, loses the machine, and is restored on a new
//! one — the same account for friends (no key-change warning), what was sent while away
//! still arrives, and the group works again under fresh sender keys. A damaged,
//! truncated or wrongly unlocked archive restores nothing.

use std::path::Path;

use crate::common::net::{befriend, group_changed, group_of_three, net, wait_event, wait_history, DEADLINE};
use chingu::backup::{restore, ArchiveError, BackupError, BackupSecret, RecoveryCode, RestoreOptions};
use chingu::home::Home;
use chingu::node::backup::BackupKey;
use chingu::Event;
use zeroize::Zeroizing;

const PASSPHRASE: &str = "장미꽃 한 송이 at dawn";

fn passphrase() -> BackupSecret {
    BackupSecret::Passphrase(Zeroizing::new(PASSPHRASE.into()))
}

/// Restores `archive` into a new home under `dir`, expecting `why`.
fn refused(archive: &Path, dir: &Path, secret: &BackupSecret, why: fn(&BackupError) -> bool) {
    let home = Home::at(dir.join("fresh"));
    let error = restore(&home, archive, secret, &RestoreOptions::default()).unwrap_err();
    assert!(why(&error), "{error}");
    assert!(!home.is_initialized(), "nothing partial: {error}");
    let left: Vec<_> = std::fs::read_dir(home.dir())
        .map(|d| d.flatten().collect())
        .unwrap_or_default();
    assert!(
        left.iter().all(|e| e.file_name() == "chingu.lock"),
        "no staging left behind: {left:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_restored_on_a_new_machine_is_the_same_friend_and_gets_what_was_sent_meanwhile() {
    let (mut net, group) = group_of_three("동창회").await;
    let id = group.group_id.clone();
    let (alice, carol) = (net.nodes[0].node().clone(), net.nodes[2].node().clone());
    let bob = net.nodes[1].node().clone();
    let bob_peer = bob.status().await.unwrap().peer_id;
    let bob_at_alice = |contacts: Vec<chingu::node::contacts::ContactView>| {
        let bob = contacts.into_iter().find(|c| c.name == "n1").unwrap();
        (bob.state, bob.peer_id)
    };
    let before = bob_at_alice(alice.contacts().await.unwrap());
    let mut alice_events = alice.events();
    bob.send("n0", "before the backup").await.unwrap();
    bob.group_send(&id, "bob in the group, before").await.unwrap();
    wait_history(&alice, &id, 1).await;

    // Taken while Alice keeps writing to Bob: the node pauses its writes meanwhile.
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("bob.chingu-backup");
    let sending = {
        let alice = alice.clone();
        tokio::spawn(async move {
            for i in 0..20 {
                alice.send("n1", &format!("during the backup {i}")).await.unwrap();
            }
        })
    };
    let report = bob
        .backup(&archive, BackupKey::Passphrase(PASSPHRASE.to_owned().into()))
        .await
        .unwrap();
    sending.await.unwrap();
    assert!(report.messages >= 2, "{report:?}");
    assert!(report.files >= 3, "keys and settings: {report:?}");
    assert_eq!(report.bytes, std::fs::metadata(&archive).unwrap().len());
    let error = bob
        .backup(&archive, BackupKey::Passphrase("short".to_owned().into()))
        .await
        .unwrap_err();
    assert!(error.to_string().contains("too short"), "{error}");
    let error = bob
        .backup("relative.backup", BackupKey::NewRecoveryCode)
        .await
        .unwrap_err();
    assert!(error.to_string().contains("absolute"), "{error}");

    // Bob's machine is lost; meanwhile Alice writes to him and Carol to the group.
    net.stop_node(1).await.unwrap();
    let home = net.nodes[1].home.clone();
    std::fs::remove_dir_all(home.dir()).unwrap();
    let away = alice.send("n1", "while you were away").await.unwrap();
    carol.group_send(&id, "carol, while bob was away").await.unwrap();

    // Restored on the new machine, with the wrong passphrase first.
    let wrong = BackupSecret::Passphrase(Zeroizing::new("not the passphrase at all".into()));
    refused(&archive, dir.path(), &wrong, |e| {
        matches!(e, BackupError::Archive(ArchiveError::WrongSecret))
    });
    let restored = restore(&home, &archive, &passphrase(), &RestoreOptions::default()).unwrap();
    assert_eq!(restored.peer_id, bob_peer);
    assert_eq!(restored.messages, report.messages, "what the archive said it held");
    let again = restore(&home, &archive, &passphrase(), &RestoreOptions::default()).unwrap_err();
    assert!(matches!(again, BackupError::HomeExists(_)), "{again}");
    net.restart_node(1).await.unwrap();
    let bob = net.nodes[1].node().clone();
    let mut bob_events = bob.events();

    // What Alice sent while he was away arrives; his history from before is there.
    let history = tokio::time::timeout(DEADLINE, async {
        loop {
            let history = bob.history("n0", 100, None).await.unwrap();
            if history.iter().any(|m| m.id == away.id) {
                return history;
            }
            let _ = tokio::time::timeout(
                std::time::Duration::from_secs(1),
                futures::StreamExt::next(&mut bob_events),
            )
            .await;
        }
    })
    .await
    .expect("the message sent while away arrives");
    assert!(history.iter().any(|m| m.text == "before the backup"));
    // Those Bob received before the backup came back, each once; those he received after
    // it, on the lost machine, are gone with it (as with any backup).
    let during: Vec<&str> = history
        .iter()
        .filter(|m| m.text.starts_with("during the backup"))
        .map(|m| m.text.as_str())
        .collect();
    let unique: std::collections::HashSet<&str> = during.iter().copied().collect();
    assert_eq!(unique.len(), during.len(), "no duplicates: {during:?}");

    // Search works again once the signatures are written in the background.
    tokio::time::timeout(DEADLINE, async {
        while bob
            .search("before the backup", None, 10, None)
            .await
            .unwrap()
            .results
            .is_empty()
        {
            let _ = tokio::time::timeout(
                std::time::Duration::from_millis(200),
                futures::StreamExt::next(&mut bob_events),
            )
            .await;
        }
    })
    .await
    .expect("restored messages are found by search");

    // The same account for Alice: the same key and state, and no key-change warning.
    bob.send("n0", "back on a new machine").await.unwrap();
    wait_event(&mut alice_events, |e| match e {
        Event::MessageReceived { message } if message.text == "back on a new machine" => Some(()),
        Event::KeyChanged { .. } => panic!("a key change was reported for a restored friend"),
        _ => None,
    })
    .await;
    assert_eq!(
        bob_at_alice(alice.contacts().await.unwrap()),
        before,
        "the same pinned key, the same state"
    );

    // The group: Carol's message arrives by history sync, and Bob talks again under a
    // new epoch (his restored sender key is never used again).
    wait_history(&bob, &id, 2).await;
    bob.group_send(&id, "bob, restored").await.unwrap();
    for member in [&alice, &carol] {
        let mut events = member.events();
        tokio::time::timeout(DEADLINE, async {
            loop {
                let history = member.group_history(&id, 100, None).await.unwrap();
                let has = |text: &str| history.iter().any(|m| m.text == text);
                // Carol may have missed Bob's first message while the mesh formed; history
                // sync brings it to her.
                if has("bob, restored") && has("bob in the group, before") {
                    return;
                }
                let _ = tokio::time::timeout(std::time::Duration::from_secs(1), futures::StreamExt::next(&mut events))
                    .await;
            }
        })
        .await
        .expect("the restored member's group message and the one from before arrive");
    }
    let groups = bob.groups().await.unwrap();
    assert!(
        groups[0].epoch > group.epoch,
        "a new epoch after the restore: {groups:?}"
    );
    net.shutdown().await;
}

/// A sender key that reached a member after its backup is lost with its machine, though
/// the member acknowledged it: Carol joins only after Bob's backup, so restored Bob lacks
/// her key of the epoch. His `rekey` makes her send it again (protocol/group.md §5.3), and
/// what she wrote while he was away arrives.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restored_member_gets_again_a_sender_key_it_acknowledged_after_its_backup() {
    let mut net = net(3, false).await;
    befriend(&net, 0, 1).await;
    befriend(&net, 0, 2).await;
    net.stop_node(2).await.unwrap();
    let mut bob_events = net.nodes[1].node().events();
    let group = net.nodes[0]
        .node()
        .group_create("늦게 온 친구", &["n1", "n2"], None)
        .await
        .unwrap();
    let id = group.group_id.clone();
    group_changed(&mut bob_events, "joined").await;
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("bob.backup");
    let report = net.nodes[1]
        .node()
        .backup(&archive, BackupKey::NewRecoveryCode)
        .await
        .unwrap();
    let code = BackupSecret::RecoveryCode(RecoveryCode::parse(&report.recovery_code.unwrap()).unwrap());

    // Carol comes online, joins, and Bob reads her first message: he holds her key.
    net.restart_node(2).await.unwrap();
    let carol = net.nodes[2].node().clone();
    let mut carol_events = carol.events();
    if !carol
        .groups()
        .await
        .unwrap()
        .iter()
        .any(|g| g.group_id == id && g.active)
    {
        group_changed(&mut carol_events, "joined").await;
    }
    carol.group_send(&id, "carol, hello").await.unwrap();
    wait_history(net.nodes[1].node(), &id, 1).await;

    // Bob's machine is lost; Carol writes meanwhile.
    net.stop_node(1).await.unwrap();
    let home = net.nodes[1].home.clone();
    std::fs::remove_dir_all(home.dir()).unwrap();
    carol.group_send(&id, "carol, while bob was away").await.unwrap();
    restore(&home, &archive, &code, &RestoreOptions::default()).unwrap();
    net.restart_node(1).await.unwrap();
    let history = wait_history(net.nodes[1].node(), &id, 2).await;
    let texts: Vec<&str> = history.iter().map(|m| m.text.as_str()).collect();
    assert!(texts.contains(&"carol, while bob was away"), "{texts:?}");
    assert!(texts.contains(&"carol, hello"), "{texts:?}");
    net.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_truncated_or_mislocked_backup_restores_nothing() {
    let (net, _) = group_of_three("깨진 백업").await;
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("alice.backup");
    let report = net.nodes[0]
        .node()
        .backup(&archive, BackupKey::NewRecoveryCode)
        .await
        .unwrap();
    let words = report.recovery_code.clone().expect("a new code is shown once");
    let code = BackupSecret::RecoveryCode(RecoveryCode::parse(&words).unwrap());
    let bytes = std::fs::read(&archive).unwrap();
    let write = |name: &str, bytes: &[u8]| {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    };

    let truncated = write("truncated", &bytes[..bytes.len() - 7]);
    refused(&truncated, dir.path(), &code, |e| {
        matches!(
            e,
            BackupError::Archive(ArchiveError::Damaged { .. } | ArchiveError::WrongSecret)
        )
    });
    let mut flipped = bytes.clone();
    let at = bytes.len() / 2;
    flipped[at] ^= 0x40;
    let flipped = write("flipped", &flipped);
    refused(&flipped, dir.path(), &code, |e| {
        matches!(
            e,
            BackupError::Archive(ArchiveError::Damaged { .. } | ArchiveError::WrongSecret)
        )
    });
    refused(&archive, dir.path(), &passphrase(), |e| {
        matches!(e, BackupError::Archive(ArchiveError::WrongSecretKind { .. }))
    });
    let not_one = write(
        "notes.txt",
        b"just some notes, not a backup at all, long enough for a header",
    );
    refused(&not_one, dir.path(), &code, |e| {
        matches!(e, BackupError::Archive(ArchiveError::NotABackup))
    });

    // The intact archive restores, and the home it makes opens.
    let home = Home::at(dir.path().join("restored"));
    let restored = restore(&home, &archive, &code, &RestoreOptions::default()).unwrap();
    assert_eq!(restored.phone, Some(net.nodes[0].phone.to_string()));
    assert!(home.load_identity().is_ok());
    net.shutdown().await;
}
