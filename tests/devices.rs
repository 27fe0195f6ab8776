//! One person, several devices (SPEC.md §8.5): a new device joins the account over
//! `/chingu/link/1` only after both people confirm the same string; wrong codes, a "no"
//! on either side and a used offer change nothing and are counted.

use std::path::Path;

use futures::StreamExt;
use tokio::sync::mpsc;

use crate::common::lone::{self, LoneNode};
use crate::common::net::DEADLINE;
use chingu::account::{AccountError, LinkCode};
use chingu::config::Config;
use chingu::home::Home;
use chingu::identity::Identity;
use chingu::model::MessageState;
use chingu::node::link::join::{join, join_with_cuts, JoinPrompt, Joined};
use chingu::node::{Event, NodeError};
use chingu::NodeHandle;

const LOOPBACK: &str = "/ip4/127.0.0.1/tcp/0";

async fn first_device(dir: &Path) -> LoneNode {
    lone::start(dir, 1, Config::default(), &[LOOPBACK], &[], None).await
}

/// The first device and a friend of its person (to have history with).
async fn first_device_with_friend(dir: &Path) -> (LoneNode, LoneNode) {
    let first = first_device(dir).await;
    let friend = lone::start(
        dir,
        3,
        Config::default(),
        &[LOOPBACK],
        &[first.addr.as_ref().unwrap()],
        None,
    )
    .await;
    lone::befriend(&first, &friend, 0).await;
    (first, friend)
}

/// Answers the first device's next `device_link_pending` with `accept`; returns the
/// string it showed.
fn answer_on(node: &NodeHandle, accept: bool) -> tokio::task::JoinHandle<String> {
    let (node, mut events) = (node.clone(), node.events());
    tokio::spawn(async move {
        tokio::time::timeout(DEADLINE, async {
            while let Some(event) = events.next().await {
                if let Event::DeviceLinkPending { sas, name } = event {
                    assert_eq!(name, "laptop");
                    node.link_decide(accept).await.unwrap();
                    return sas;
                }
            }
            panic!("the event stream ended");
        })
        .await
        .expect("no device_link_pending in time")
    })
}

/// Runs the new device's side with `code`, its person answering `accept`; returns the
/// outcome and the string the new device showed (if it got that far).
async fn join_with(
    code: &LinkCode,
    identity: &Identity,
    accept: bool,
) -> (Result<Joined, AccountError>, Option<String>) {
    let (shown_tx, mut shown) = mpsc::unbounded_channel();
    let confirm = |prompt: JoinPrompt| {
        let _ = shown_tx.send(prompt);
        async move { accept }
    };
    let joined = tokio::time::timeout(DEADLINE, join(code, identity, "laptop", confirm))
        .await
        .expect("the link run did not end in time");
    (joined, shown.try_recv().ok().map(|p| p.sas))
}

fn refusal_reason(error: NodeError) -> &'static str {
    match error {
        NodeError::Refused(refusal) => refusal.reason,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

async fn offer(node: &NodeHandle) -> LinkCode {
    let offer = node
        .link_offer(chingu::account::history::DEFAULT_HISTORY_DAYS)
        .await
        .unwrap();
    LinkCode::parse(&offer.code, chingu::model::now_ms()).unwrap()
}

/// Waits until `node` counted at least `count` refusals for `reason`; returns how many.
async fn rejected(node: &NodeHandle, reason: &str, count: u64) -> u64 {
    let protocol = if reason == "revoked_device" {
        "device_sync"
    } else {
        "link"
    };
    let key = format!("{protocol}.{reason}");
    lone::status_until(node, &key, |s| s.rejected.get(&key).is_some_and(|n| *n >= count))
        .await
        .rejected[&key]
}

/// Waits until `node`'s conversation with `contact` holds `count` messages; returns them.
async fn messages(node: &NodeHandle, contact: &str, count: usize) -> Vec<String> {
    eventually(node, &format!("{contact}: {count} messages"), || async {
        let page = node.history_page(contact, 100, None, None).await.ok()?;
        (page.messages.len() >= count).then(|| page.messages.into_iter().map(|m| m.text).collect())
    })
    .await
}

/// Makes the home of the device that joined and starts it (node 2).
async fn start_linked(dir: &Path, joined: Joined, identity: Identity) -> LoneNode {
    let home = Home::at(dir.join("node-2"));
    home.init_linked(joined.home(identity), Default::default(), false)
        .unwrap();
    lone::restart(dir, 2, &[LOOPBACK], &[]).await
}

/// Links a laptop to `first`'s account (both people say yes) and starts it.
async fn linked_laptop(dir: &Path, first: &LoneNode) -> LoneNode {
    let code = offer(&first.node).await;
    let answered = answer_on(&first.node, true);
    let identity = Identity::generate();
    let (joined, _) = join_with(&code, &identity, true).await;
    answered.await.unwrap();
    start_linked(dir, joined.unwrap(), identity).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_device_joins_once_both_people_confirm_and_both_list_it() {
    let dir = tempfile::tempdir().unwrap();
    let (first, friend) = first_device_with_friend(dir.path()).await;
    for i in 0..3 {
        first.node.send(&friend.phone, &format!("안녕 {i}")).await.unwrap();
        friend.node.send(&first.phone, &format!("やあ {i}")).await.unwrap();
    }
    let history = messages(&first.node, &friend.phone, 6).await;
    let before = first.node.devices().await.unwrap();
    assert_eq!(before.devices.len(), 1);
    assert!(before.devices[0].this_device && before.devices[0].account_device);
    assert_eq!(before.devices[0].name, "main");

    let code = offer(&first.node).await;
    let answered = answer_on(&first.node, true);
    let mut linked = first.node.events();
    let identity = Identity::generate();
    let (joined, shown) = join_with(&code, &identity, true).await;
    let joined = joined.unwrap();
    // Both screens showed one string.
    assert_eq!(shown.unwrap(), answered.await.unwrap());
    assert_eq!(joined.phone, first.phone);
    assert_eq!(joined.account_name, "n1");
    tokio::time::timeout(DEADLINE, async {
        while let Some(event) = linked.next().await {
            if let Event::DeviceLinked { name, peer_id } = event {
                assert_eq!((name.as_str(), peer_id), ("laptop", identity.peer_id().to_string()));
                return;
            }
        }
    })
    .await
    .expect("no device_linked");

    // The first device stored the list; the new device's home holds it and starts.
    let on_first = first.node.devices().await.unwrap();
    assert_eq!((on_first.version, on_first.devices.len()), (2, 2));
    let second = start_linked(dir.path(), joined, identity).await;
    let on_second = second.node.devices().await.unwrap();
    assert_eq!(on_second.account, on_first.account);
    let me = on_second.devices.iter().find(|d| d.this_device).unwrap();
    assert_eq!((me.name.as_str(), me.account_device), ("laptop", false));
    assert_eq!(second.node.status().await.unwrap().name, "n1");
    // The 1:1 history came along, with the friend's name.
    let mut copied = messages(&second.node, &friend.phone, 6).await;
    let mut history = history;
    copied.sort();
    history.sort();
    assert_eq!(copied, history);
    // The first device's record lists the laptop now (SPEC.md §5.3): a friend's lookup
    // finds it, with where it listens.
    eventually(&friend.node, "the laptop in the friend's view of n1", || async {
        let view = friend.node.lookup_contact(&first.phone).await.ok()?;
        (view.devices == ["laptop"]).then_some(())
    })
    .await;
    // What arrives later reaches the laptop too, through the first device.
    friend.node.send(&first.phone, "later").await.unwrap();
    let on_laptop = messages(&second.node, &friend.phone, 7).await;
    assert!(on_laptop.contains(&"later".to_owned()), "{on_laptop:?}");
    // A 1:1 text written on the laptop goes through the first device: the friend gets it
    // from the key they pinned, and both devices show it.
    let sent = second.node.send(&friend.phone, "노트북에서").await.unwrap();
    assert_eq!(sent.text, "노트북에서");
    assert!(messages(&friend.node, &first.phone, 8)
        .await
        .contains(&"노트북에서".to_owned()));
    assert!(messages(&first.node, &friend.phone, 8)
        .await
        .contains(&"노트북에서".to_owned()));
    // The used offer is gone: its code no longer works.
    let (again, _) = join_with(&code, &Identity::generate(), true).await;
    assert_eq!(again.unwrap_err(), AccountError::NoOffer);
    // The first device stops. The friend's node, which cannot reach it, sends to the
    // laptop its record lists (protocol/devices.md §7): the laptop shows the message and
    // the friend sees it delivered.
    eventually(&friend.node, "the friend's view of n1, now", || async {
        let view = friend.node.lookup_contact(&first.phone).await.ok()?;
        (view.devices == ["laptop"]).then_some(())
    })
    .await;
    first.node.shutdown().await.unwrap();
    friend.node.send(&first.phone, "폰 꺼짐").await.unwrap();
    assert!(messages(&second.node, &friend.phone, 9)
        .await
        .contains(&"폰 꺼짐".to_owned()));
    in_state(&friend.node, &first.phone, "폰 꺼짐", MessageState::Delivered).await;
    // And a text written on the laptop meanwhile goes to the friend from the laptop (the
    // friend's node takes it from a device n1's record lists).
    second.node.send(&friend.phone, "폰 없이").await.unwrap();
    assert!(messages(&friend.node, &first.phone, 10)
        .await
        .contains(&"폰 없이".to_owned()));
    // Typing on the laptop meanwhile reaches the friend from the laptop.
    let mut at_friend = friend.node.events();
    assert!(second.node.typing(&friend.phone, true).await.unwrap());
    tokio::time::timeout(DEADLINE, async {
        while let Some(event) = at_friend.next().await {
            if let Event::Typing {
                phone, active: true, ..
            } = event
            {
                assert_eq!(phone, first.phone);
                return;
            }
        }
    })
    .await
    .expect("the laptop's typing never reached the friend");
    // Reading on the laptop meanwhile: the friend sees its message read at once, and the
    // phone marks the conversation read once it is back.
    assert!(second.node.mark_read(&friend.phone).await.unwrap() >= 1);
    in_state(&friend.node, &first.phone, "폰 꺼짐", MessageState::Read).await;
    // The friend reads the laptop's text meanwhile: its receipt is for the phone, which
    // does not know the text yet (it may come before the laptop hands the text over).
    assert!(friend.node.mark_read(&first.phone).await.unwrap() >= 1);
    // The first device starts again on new ports: it dials the laptop where the laptop
    // said it listens, the laptop keeps up again and hands it both messages.
    let first = lone::restart(dir.path(), 1, &[LOOPBACK], &[friend.addr.as_ref().unwrap()]).await;
    eventually(&first.node, "the laptop's read on the phone", || async {
        let page = first.node.history_page(&friend.phone, 100, None, None).await.ok()?;
        let handed = page.messages.iter().any(|m| m.text == "폰 꺼짐");
        (handed && unread(&first.node).await == 0).then_some(())
    })
    .await;
    // The phone sends the handed text again as its own; the friend, who read it, answers
    // the duplicate with its read receipt, so the phone shows it read whichever came first.
    in_state(&first.node, &friend.phone, "폰 없이", MessageState::Read).await;
    first.node.send(&friend.phone, "다시 안녕").await.unwrap();
    assert!(messages(&friend.node, &first.phone, 11)
        .await
        .contains(&"다시 안녕".to_owned()));
    friend.node.send(&first.phone, "이사 후").await.unwrap();
    assert!(messages(&second.node, &friend.phone, 12)
        .await
        .contains(&"이사 후".to_owned()));
    let on_first = messages(&first.node, &friend.phone, 12).await;
    for text in ["폰 꺼짐", "폰 없이"] {
        assert_eq!(
            on_first.iter().filter(|m| *m == text).count(),
            1,
            "{text}: {on_first:?}"
        );
    }
    // What the laptop's person does to the address book is done by the first device, and
    // both devices show it.
    let bo = second.node.add_contact("010-5555-6666", "Bo").await.unwrap();
    assert_eq!(bo.name, "Bo");
    assert!(contact(&first.node, "Bo").await.is_some());
    second.node.add_contact("010-7777-8888", "Cy").await.unwrap();
    let renamed = second.node.rename_contact(&friend.phone, "친구").await.unwrap();
    assert_eq!(renamed.name, "친구");
    assert_eq!(contact(&first.node, "친구").await.unwrap().phone, friend.phone);
    assert!(second.node.block_contact("Bo", true).await.unwrap().blocked);
    assert!(contact(&first.node, "Bo").await.unwrap().blocked);
    // What the first device's person does reaches the laptop.
    first.node.rename_contact("Cy", "Cyan").await.unwrap();
    eventually(&second.node, "Cy renamed on the laptop", || async {
        contact(&second.node, "Cyan").await.map(|_| ())
    })
    .await;
    // A contact removed while the laptop is off is gone when it comes back; and the
    // laptop, started again on new ports too, dials the first device where the first
    // device last said it listens, and keeps up.
    second.node.shutdown().await.unwrap();
    first.node.remove_contact("Bo").await.unwrap();
    // The friend reads n1's texts meanwhile: their state changes on the phone, and the
    // laptop hears of it when it is back.
    let read_by_friend = |node: NodeHandle, phone: String| async move {
        let page = node.history_page(&phone, 100, None, None).await.ok()?;
        let hello = page.messages.iter().find(|m| m.text == "다시 안녕")?;
        (hello.state == MessageState::Read).then_some(())
    };
    friend.node.mark_read(&first.phone).await.unwrap();
    eventually(&first.node, "the friend's read marks on the phone", || {
        read_by_friend(first.node.clone(), friend.phone.clone())
    })
    .await;
    let second = lone::restart(dir.path(), 2, &[LOOPBACK], &[]).await;
    eventually(&second.node, "the friend's read marks on the laptop", || {
        read_by_friend(second.node.clone(), friend.phone.clone())
    })
    .await;
    friend.node.send(&first.phone, "둘 다 이사").await.unwrap();
    assert!(messages(&second.node, &friend.phone, 13)
        .await
        .contains(&"둘 다 이사".to_owned()));
    eventually(&second.node, "Bo gone from the laptop", || async {
        contact(&second.node, "Bo").await.is_none().then_some(())
    })
    .await;
    assert!(contact(&second.node, "Cyan").await.is_some());
    // A contact removed while it is on goes at once.
    first.node.remove_contact("Cyan").await.unwrap();
    eventually(&second.node, "Cyan gone from the laptop", || async {
        contact(&second.node, "Cyan").await.is_none().then_some(())
    })
    .await;
    // Reading on the laptop: the first device sends the read receipts (the friend sees
    // its messages read) and both devices count nothing unread.
    for i in 0..2 {
        friend.node.send(&first.phone, &format!("읽어 {i}")).await.unwrap();
    }
    let on_laptop = messages(&second.node, &friend.phone, 15).await;
    // The text the laptop sent while the phone was off is one message everywhere (the
    // phone sent it again as its own; the friend kept one copy).
    let on_friend = messages(&friend.node, &first.phone, 15).await;
    for held in [&on_laptop, &on_friend] {
        assert_eq!(held.iter().filter(|m| *m == "폰 없이").count(), 1, "{held:?}");
    }
    assert!(second.node.mark_read("친구").await.unwrap() >= 2);
    assert_eq!(unread(&first.node).await, 0);
    eventually(&second.node, "the laptop's unread count", || async {
        (unread(&second.node).await == 0).then_some(())
    })
    .await;
    eventually(&friend.node, "the friend's messages read", || async {
        let page = friend.node.history_page(&first.phone, 100, None, None).await.ok()?;
        page.messages
            .iter()
            .filter(|m| m.text.starts_with("읽어"))
            .all(|m| m.state == MessageState::Read)
            .then_some(())
    })
    .await;
    // Meetups are made on the first device: the laptop says so.
    assert_eq!(
        refusal_reason(second.node.meetup_create("번개", 600).await.unwrap_err()),
        "linked_device"
    );
    // Only the first device links and removes.
    assert_eq!(
        refusal_reason(
            second
                .node
                .link_offer(chingu::account::history::DEFAULT_HISTORY_DAYS)
                .await
                .unwrap_err()
        ),
        "not_the_account_device"
    );

    assert_eq!(
        refusal_reason(first.node.remove_device("main").await.unwrap_err()),
        "account_device"
    );
    assert_eq!(
        refusal_reason(first.node.remove_device("desk").await.unwrap_err()),
        "no_such_device"
    );
    let mut on_second = second.node.events();
    let after = first.node.remove_device("laptop").await.unwrap();
    assert_eq!((after.version, after.devices.len(), after.removed), (3, 1, 1));
    // The laptop hears at once that it was removed (the first device sends it the list).
    tokio::time::timeout(DEADLINE, async {
        while let Some(event) = on_second.next().await {
            if let Event::DeviceRemoved { name } = event {
                assert_eq!(name, "laptop");
                return;
            }
        }
    })
    .await
    .expect("the laptop never heard it was removed");
    let on_laptop = second.node.devices().await.unwrap();
    assert_eq!(on_laptop.version, 3);
    // And friends' lookups no longer find it.
    eventually(&friend.node, "the laptop gone from the friend's view of n1", || async {
        let view = friend.node.lookup_contact(&first.phone).await.ok()?;
        view.devices.is_empty().then_some(())
    })
    .await;
    assert!(!on_laptop.devices.iter().any(|d| d.this_device));
    // Removed, it cannot send through the first device any more.
    assert_eq!(
        refusal_reason(second.node.send(&friend.phone, "still me?").await.unwrap_err()),
        "revoked_device"
    );
}

/// Waits until `check` gives a value (tried at each of `node`'s events, and every second).
async fn eventually<T, F, Fut>(node: &NodeHandle, what: &str, check: F) -> T
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    tokio::time::timeout(DEADLINE, async {
        let mut events = node.events();
        loop {
            if let Some(value) = check().await {
                return value;
            }
            let _ = tokio::time::timeout(std::time::Duration::from_secs(1), events.next()).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("{what}: not there in time"))
}

/// Waits until `node`'s conversation with `contact` holds a message `text` in `state`.
async fn in_state(node: &NodeHandle, contact: &str, text: &str, state: MessageState) {
    eventually(
        node,
        &format!("{text:?} {state:?} on {contact}'s conversation"),
        || async {
            let page = node.history_page(contact, 100, None, None).await.ok()?;
            page.messages
                .iter()
                .any(|m| m.text == text && m.state == state)
                .then_some(())
        },
    )
    .await
}

/// The contact `name` names on `node`, if any.
async fn contact(node: &NodeHandle, name: &str) -> Option<chingu::node::ContactView> {
    node.contacts().await.unwrap().into_iter().find(|c| c.name == name)
}

/// Unread messages in every conversation of `node`.
async fn unread(node: &NodeHandle) -> u32 {
    node.conversations().await.unwrap().iter().map(|c| c.unread).sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_code_a_no_on_either_side_or_a_replaced_offer_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let first = first_device(dir.path()).await;

    // A code whose secret is not the offer's: refused at message 3, counted; the offer
    // stays open.
    let code = offer(&first.node).await;
    let mut wrong = code.clone();
    wrong.secret.0[0] ^= 1;
    let (joined, shown) = join_with(&wrong, &Identity::generate(), true).await;
    assert_eq!(joined.unwrap_err(), AccountError::WrongCode);
    assert_eq!(shown, None);
    assert_eq!(rejected(&first.node, "wrong_link_code", 1).await, 1);

    // The first device's person says no: nothing stored, the offer withdrawn.
    let answered = answer_on(&first.node, false);
    let (joined, _) = join_with(&code, &Identity::generate(), true).await;
    assert_eq!(joined.unwrap_err(), AccountError::NotConfirmed);
    answered.await.unwrap();
    rejected(&first.node, "link_not_confirmed", 1).await;
    let (joined, _) = join_with(&code, &Identity::generate(), true).await;
    assert_eq!(joined.unwrap_err(), AccountError::NoOffer);

    // The new device's person says no.
    let code = offer(&first.node).await;
    let (joined, shown) = join_with(&code, &Identity::generate(), false).await;
    assert_eq!(joined.unwrap_err(), AccountError::NotConfirmed);
    assert!(shown.is_some());
    rejected(&first.node, "link_not_confirmed", 2).await;

    // A run of an offer replaced while it waited ends without touching the new offer.
    let replaced = offer(&first.node).await;
    let (shown_tx, mut shown) = mpsc::unbounded_channel();
    let (release, released) = tokio::sync::oneshot::channel::<()>();
    let stale = tokio::spawn(async move {
        let identity = Identity::generate();
        let confirm = |prompt: JoinPrompt| {
            let _ = shown_tx.send(prompt);
            async move {
                let _ = released.await;
                false
            }
        };
        join(&replaced, &identity, "laptop", confirm).await
    });
    tokio::time::timeout(DEADLINE, shown.recv())
        .await
        .expect("the replaced offer's run never showed its string");
    let code = offer(&first.node).await;
    release.send(()).unwrap();
    assert_eq!(stale.await.unwrap().unwrap_err(), AccountError::NotConfirmed);
    rejected(&first.node, "link_not_confirmed", 3).await;
    let answered = answer_on(&first.node, true);
    let (joined, _) = join_with(&code, &Identity::generate(), true).await;
    joined.expect("the offer that replaced the stale one still links");
    answered.await.unwrap();

    // An expired code is refused before anything is sent.
    let mut expired = code.clone();
    expired.expires_ms = chingu::model::now_ms() - 1;
    assert_eq!(
        LinkCode::parse(&expired.encode(), chingu::model::now_ms()),
        Err(AccountError::CodeExpired)
    );

    let devices = first.node.devices().await.unwrap();
    // Only the run of the live offer added a device.
    assert_eq!((devices.version, devices.devices.len()), (2, 2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_cut_while_its_history_streams_resumes_without_asking_again() {
    let dir = tempfile::tempdir().unwrap();
    let (first, friend) = first_device_with_friend(dir.path()).await;
    // Enough history for several batches (each holds at most 48,000 bytes).
    let filler = "가".repeat(100);
    for i in 0..400 {
        first
            .node
            .send(&friend.phone, &format!("{i:03} {filler}"))
            .await
            .unwrap();
    }
    let code = offer(&first.node).await;
    let answered = answer_on(&first.node, true);
    let mut asked = first.node.events();
    let identity = Identity::generate();
    // Three runs are cut after their first batch: the fourth ends the link. Cut runs
    // count against the offer no more than they ask either person again.
    let confirm = |_| async { true };
    let joined = tokio::time::timeout(
        DEADLINE,
        join_with_cuts(&code, &identity, "laptop", confirm, &[1, 1, 1]),
    )
    .await
    .expect("the link did not end in time")
    .unwrap();
    answered.await.unwrap();
    let mut pending = 0;
    while let Ok(Some(event)) = tokio::time::timeout(std::time::Duration::from_millis(100), asked.next()).await {
        pending += usize::from(matches!(event, Event::DeviceLinkPending { .. }));
    }
    assert_eq!(pending, 1, "the person was asked once");
    // Every message came, once.
    let keys: Vec<&[u8]> = joined
        .history
        .iter()
        .filter(|e| e.tree == 3 && e.key.first() == Some(&b'm'))
        .map(|e| e.key.as_ref())
        .collect();
    let distinct: std::collections::HashSet<&[u8]> = keys.iter().copied().collect();
    assert_eq!((keys.len(), distinct.len()), (400, 400));
    assert_eq!(first.node.devices().await.unwrap().devices.len(), 2);
    let laptop = start_linked(dir.path(), joined, identity).await;
    let page = laptop.node.history_page(&friend.phone, 500, None, None).await.unwrap();
    assert_eq!(page.messages.len(), 400);
}

/// Waits until `node`'s group `group` holds a message `text`; returns the group's page.
async fn group_text(node: &NodeHandle, group: &str, text: &str) -> Vec<chingu::node::MessageView> {
    eventually(node, &format!("{text:?} in {group}"), || async {
        let page = node.group_history(group, 100, None).await.ok()?;
        page.iter().any(|m| m.text == text).then_some(page)
    })
    .await
}

/// `from` sends `bytes` as a file to `group`; `to` gets it whole, and its saved copy is
/// the same bytes.
async fn file_crosses(dir: &Path, from: &NodeHandle, group: &str, bytes: &[u8], to: &NodeHandle) {
    let (path, saved) = (dir.join("sent.bin"), dir.join("saved.bin"));
    std::fs::write(&path, bytes).unwrap();
    let file = from.send_file(group, &path).await.unwrap().file.unwrap();
    file_here(to, &file.id, "a file sent to the group").await;
    to.save_file(&file.id, &saved).await.unwrap();
    assert!(std::fs::read(&saved).unwrap() == bytes, "the saved copy is the file");
}

/// Waits until `node` has the whole file `id`.
async fn file_here(node: &NodeHandle, id: &str, what: &str) {
    eventually(node, what, || async {
        let files = node.files().await.ok()?;
        files.iter().any(|f| f.id == id && f.state == "here").then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_linked_device_shows_the_accounts_groups_and_writes_to_them_through_the_first_device() {
    let dir = tempfile::tempdir().unwrap();
    let (first, friend) = first_device_with_friend(dir.path()).await;
    let group = first.node.group_create("등산", &[&friend.phone], None).await.unwrap();
    first.node.group_send("등산", "before the laptop").await.unwrap();
    group_text(&friend.node, "등산", "before the laptop").await;
    // A file from before the link: the laptop fetches it from the first device too.
    let earlier_path = dir.path().join("earlier.bin");
    std::fs::write(&earlier_path, vec![7u8; 50_000]).unwrap();
    let earlier = friend
        .node
        .send_file(&group.group_id, &earlier_path)
        .await
        .unwrap()
        .file
        .unwrap();
    file_here(&first.node, &earlier.id, "the earlier file on the first device").await;
    let laptop = linked_laptop(dir.path(), &first).await;
    file_here(&laptop.node, &earlier.id, "the earlier file on the laptop").await;

    // The group shows on the laptop as on the first device, with the history linked.
    let groups = eventually(&laptop.node, "the group on the laptop", || async {
        let groups = laptop.node.groups().await.ok()?;
        (!groups.is_empty()).then_some(groups)
    })
    .await;
    assert_eq!(groups, first.node.groups().await.unwrap());
    assert_eq!(
        (groups[0].group_id.as_str(), groups[0].members),
        (group.group_id.as_str(), 2)
    );
    let members = laptop.node.group_members("등산").await.unwrap();
    assert_eq!(members, first.node.group_members("등산").await.unwrap());
    assert!(members.iter().any(|m| m.me && m.phone == first.phone));
    group_text(&laptop.node, "등산", "before the laptop").await;

    // A member's message reaches the laptop through the first device, named as in the
    // group.
    friend.node.group_send("등산", "from the friend").await.unwrap();
    let page = group_text(&laptop.node, "등산", "from the friend").await;
    let on_first = group_text(&first.node, "등산", "from the friend").await;
    let name = |page: &[chingu::node::MessageView]| {
        let message = page.iter().find(|m| m.text == "from the friend").unwrap();
        message.sender_name.clone()
    };
    assert_eq!(name(&page), name(&on_first));
    assert!(!name(&page).is_empty());
    // A reply and a reaction from the laptop are composed by the first device.
    let friends = page.iter().find(|m| m.text == "from the friend").unwrap().id.clone();
    let reply = chingu::node::Compose::Reply {
        message: friends.clone(),
        text: "좋아요".into(),
    };
    let replied = laptop.node.compose(reply).await.unwrap();
    assert_eq!(replied.reply_to.as_deref(), Some(friends.as_str()));
    group_text(&friend.node, "등산", "좋아요").await;
    let react = chingu::node::Compose::React {
        message: friends.clone(),
        emoji: "👍".into(),
    };
    laptop.node.compose(react).await.unwrap();
    eventually(&friend.node, "the laptop's reaction at the friend", || async {
        let page = friend.node.group_history("등산", 100, None).await.ok()?;
        let reacted = page.iter().find(|m| m.id == friends)?;
        (!reacted.reactions.is_empty()).then_some(())
    })
    .await;
    // A file a member sends reaches the laptop too: fetched from the first device. One
    // sent from the laptop goes as the first device's message; the first device fetches
    // it from the laptop and serves it to the friend.
    let bytes: Vec<u8> = (0..100_000u32).map(|i| (i * 7 % 251) as u8).collect();
    file_crosses(dir.path(), &friend.node, &group.group_id, &bytes, &laptop.node).await;
    let photo: Vec<u8> = bytes.iter().rev().copied().collect();
    file_crosses(dir.path(), &laptop.node, &group.group_id, &photo, &friend.node).await;

    // The laptop writes to the group: the first device posts it as the person's member.
    let sent = laptop.node.group_send(&group.group_id, "노트북에서").await.unwrap();
    assert_eq!(sent.text, "노트북에서");
    for node in [&friend.node, &first.node, &laptop.node] {
        group_text(node, "등산", "노트북에서").await;
    }
    // Groups count people: the friend's group still has two members.
    assert_eq!(friend.node.group_members("등산").await.unwrap().len(), 2);

    // Reading the group on the laptop reads it on the first device.
    let conversation = |node: NodeHandle| async move {
        let rows = node.conversations().await.unwrap();
        rows.into_iter().find(|c| c.title == "등산").unwrap()
    };
    assert!(conversation(first.node.clone()).await.unread > 0);
    assert!(laptop.node.group_read("등산").await.unwrap() > 0);
    assert_eq!(conversation(first.node.clone()).await.unread, 0);
    eventually(&laptop.node, "the group read on the laptop", || async {
        (conversation(laptop.node.clone()).await.unread == 0).then_some(())
    })
    .await;

    // A change of the group reaches the laptop.
    first.node.group_rename("등산", "설악산").await.unwrap();
    eventually(&laptop.node, "the new name on the laptop", || async {
        let groups = laptop.node.groups().await.ok()?;
        (groups.first()?.name == "설악산").then_some(())
    })
    .await;
    // The laptop makes a group and renames it through the first device: the friend is
    // in it with the person's member, and each answer is the laptop's copy.
    let made = laptop
        .node
        .group_create("새 모임", &[&friend.phone], None)
        .await
        .unwrap();
    assert_eq!((made.name.as_str(), made.members, made.is_admin), ("새 모임", 2, true));
    let renamed = laptop.node.group_rename(&made.group_id, "새 모임 2").await.unwrap();
    assert_eq!(
        (renamed.group_id.as_str(), renamed.name.as_str()),
        (made.group_id.as_str(), "새 모임 2")
    );
    eventually(&friend.node, "the laptop's group at the friend", || async {
        let groups = friend.node.groups().await.ok()?;
        groups
            .iter()
            .any(|g| g.group_id == made.group_id && g.name == "새 모임 2" && g.members == 2)
            .then_some(())
    })
    .await;
    let on_first = first.node.groups().await.unwrap();
    assert!(on_first.iter().any(|g| g.group_id == made.group_id));

    // The laptop keeps the copies: started again with the first device away, it still
    // shows the group and its history, and keeps a text written now, queued.
    let first_addr = first.addr.clone().unwrap().to_string();
    first.node.shutdown().await.unwrap();
    laptop.node.shutdown().await.unwrap();
    let laptop = lone::restart(dir.path(), 2, &[LOOPBACK], &[]).await;
    let groups = laptop.node.groups().await.unwrap();
    assert_eq!(groups.len(), 2);
    assert!(groups.iter().any(|g| g.name == "설악산"));
    group_text(&laptop.node, "설악산", "노트북에서").await;
    let kept = laptop.node.group_send("설악산", "anyone?").await.unwrap();
    assert_eq!(kept.state, MessageState::Queued);
    // So is a change of a contact: made here, passed on later.
    let renamed = laptop.node.rename_contact(&friend.phone, "산악회 총무").await.unwrap();
    assert_eq!(renamed.name, "산악회 총무");
    // The first device comes back (where it listened): the laptop hands the text over,
    // the first device posts it under the same id, and the friend gets it.
    let listen = first_addr.split("/p2p/").next().unwrap();
    let first = lone::restart(dir.path(), 1, &[listen], &[]).await;
    for node in [&friend.node, &first.node] {
        let page = group_text(node, "설악산", "anyone?").await;
        assert!(page.iter().any(|m| m.id == kept.id));
    }
    eventually(&first.node, "the laptop's rename on the first device", || async {
        let contact = contact(&first.node, "산악회 총무").await?;
        (contact.phone == friend.phone).then_some(())
    })
    .await;
    eventually(&laptop.node, "the handed text sent", || async {
        let page = laptop.node.group_history("설악산", 100, None).await.ok()?;
        let copies: Vec<_> = page.iter().filter(|m| m.text == "anyone?").collect();
        (copies.len() == 1 && copies[0].state != MessageState::Queued).then_some(())
    })
    .await;
}
