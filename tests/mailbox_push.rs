//! Push from mailboxes (`protocol/mailbox.md` §5.7–§5.8, §8.6) between real nodes on
//! loopback: two friends who cannot reach each other (no listener, no relay) and whose
//! periodic pickup waits 10 minutes get each other's messages and receipts within the
//! usual deadline, because the mailbox tells each of a deposit for it; and notices from a
//! node that is not our mailbox, or for a box we do not watch, are refused and counted.
//! Every wait is on an event or a state, with a deadline.

use std::path::Path;

use libp2p::identity::ed25519;

use crate::common::lone::{befriend, start, start_configured, status_until, LoneNode};
use crate::common::net::{wait_event, wait_states, DEADLINE};
use crate::common::rogue::{ask_raw, framed, rogue};
use chingu::config::{Config, Discoverable, ReachabilityMode, Role};
use chingu::mailbox::wire::{MboxNotice, MboxNoticeResponse};
use chingu::mailbox::MAILBOX_NOTICE_PROTOCOL;
use chingu::model::MessageState;
use chingu::wire::Fixed;
use chingu::Event;

/// Far longer than any wait here: only a notice makes these nodes pick up in time.
const SLOW_PICKUP_SECS: u64 = 600;

/// A person's node that nobody can dial, picking up only every [`SLOW_PICKUP_SECS`].
fn unreachable_and_slow() -> Config {
    let mut settings = Config::default();
    settings.discovery.discoverable = Discoverable::Contacts;
    settings.network.reachability = ReachabilityMode::Private;
    settings.mailbox.pickup_secs = SLOW_PICKUP_SECS;
    settings
}

/// A mailbox node and two friends, Alice and Bob, who can reach it but not each other,
/// with `settings`; returns once both registered (and, with push, watch their box).
async fn friends_apart(dir: &Path, settings: Config) -> (LoneNode, LoneNode, LoneNode) {
    // A mailbox that relays nothing: its users stay unreachable to each other.
    let mailbox = start_configured(
        dir,
        0,
        Config::default(),
        &["/ip4/127.0.0.1/tcp/0"],
        &[],
        Some(Role::Mailbox),
        |config| config.settings.relay.serve = false,
    )
    .await;
    let mailbox_addr = mailbox.addr.clone().unwrap();
    let alice = start(dir, 1, settings.clone(), &[], &[&mailbox_addr], None).await;
    let bob = start(dir, 2, settings.clone(), &[], &[&mailbox_addr], None).await;
    assert!(alice.addr.is_none() && bob.addr.is_none());
    let watches = if settings.mailbox.push { 2 } else { 0 };
    status_until(&mailbox.node, "both registered", |s| {
        s.mailbox.is_some_and(|m| m.tags == 2 && m.watches == watches)
    })
    .await;
    befriend(&alice, &bob, 1).await;
    (mailbox, alice, bob)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deposit_for_a_connected_owner_is_picked_up_at_once_through_push() {
    let dir = tempfile::tempdir().unwrap();
    // Both registered, picked up once, and now watch their box on the mailbox.
    let (mailbox, alice, bob) = friends_apart(dir.path(), unreachable_and_slow()).await;

    let (mut alice_events, mut bob_events) = (alice.node.events(), bob.node.events());
    let sent = alice.node.send(&bob.phone, "푸시로 왔어").await.unwrap();
    // Alice cannot dial Bob: the message goes to Bob's mailbox…
    wait_states(&mut alice_events, std::slice::from_ref(&sent.id), MessageState::Sent).await;
    // …which tells Bob, who picks it up long before his next periodic pickup.
    let text = wait_event(&mut bob_events, |e| match e {
        Event::MessageReceived { message } if message.id == sent.id => Some(message.text.clone()),
        _ => None,
    })
    .await;
    assert_eq!(text, "푸시로 왔어");
    // Bob's `delivered` receipt travels the same way back to Alice.
    wait_states(&mut alice_events, &[sent.id], MessageState::Delivered).await;
    let status = mailbox.node.status().await.unwrap();
    assert_eq!(status.mailbox.unwrap().watches, 2, "the watches stay");
    for node in [&alice.node, &bob.node] {
        let status = node.status().await.unwrap();
        assert!(
            !status.rejected.keys().any(|k| k.starts_with("mailbox")),
            "{:?}",
            status.rejected
        );
    }
    for node in [alice.node, bob.node, mailbox.node] {
        node.shutdown().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notices_from_strangers_or_for_unwatched_boxes_are_refused_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    // The node's configured mailbox: a peer that serves nothing, so no watch is ever held.
    let configured = ed25519::Keypair::generate();
    let configured_id = libp2p::PeerId::from_public_key(&configured.public().into());
    let mut settings = Config::default();
    settings.mailbox.use_nodes = vec![format!("/ip4/127.0.0.1/tcp/9/p2p/{configured_id}")];
    let owner = start(dir.path(), 1, settings, &["/ip4/127.0.0.1/tcp/0"], &[], None).await;
    let (owner_id, owner_addr) = (owner.node.peer_id(), owner.addr.clone().unwrap());
    let notice = framed(&chingu::wire::encode(&MboxNotice::Arrived { tag: Fixed([7; 32]) }).unwrap());
    let refusal = |raw: Option<Vec<u8>>| match chingu::wire::decode::<MboxNoticeResponse>(&raw.expect("an answer")) {
        Ok(MboxNoticeResponse::Refused { reason }) => reason.as_str().to_owned(),
        other => panic!("not refused: {other:?}"),
    };

    // A stranger.
    let mut stranger = rogue(ed25519::Keypair::generate(), MAILBOX_NOTICE_PROTOCOL);
    let answer = ask_raw(&mut stranger, owner_id, &owner_addr, notice.clone()).await;
    assert_eq!(refusal(answer), "not_my_mailbox");

    // The configured mailbox, which holds no watch of ours (once the node took it on).
    let mut mailbox = rogue(configured, MAILBOX_NOTICE_PROTOCOL);
    tokio::time::timeout(DEADLINE, async {
        loop {
            let answer = ask_raw(&mut mailbox, owner_id, &owner_addr, notice.clone()).await;
            if refusal(answer) == "not_watching" {
                return;
            }
        }
    })
    .await
    .expect("the configured mailbox is taken on");

    // Garbage is refused too; each refusal is counted, by reason.
    let garbage = ask_raw(&mut stranger, owner_id, &owner_addr, framed(b"not an envelope")).await;
    assert_eq!(refusal(garbage), "malformed");
    let status = owner.node.status().await.unwrap();
    assert!(
        status.rejected["mailbox_notice.not_my_mailbox"] >= 1,
        "{:?}",
        status.rejected
    );
    assert!(status.rejected["mailbox_notice.not_watching"] >= 1);
    let counted: u64 = (status.rejected.iter())
        .filter(|(k, _)| k.starts_with("mailbox_notice."))
        .map(|(_, n)| n)
        .sum();
    assert!(counted >= 3, "{:?}", status.rejected);
    assert!(status.messages.received == 0, "no pickup brought anything");
    owner.node.shutdown().await.unwrap();
}

/// The latency figure of `protocol/mailbox.md` §8.6, measured by hand (not a check):
/// send → received for `ROUNDS` messages one after another, with push and without (the
/// 15-s schedule alone). Run with
/// `cargo test --test integration mailbox_push::push_latency -- --ignored --nocapture`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn push_latency_by_hand() {
    const ROUNDS: usize = 8;
    for push in [true, false] {
        let dir = tempfile::tempdir().unwrap();
        let mut settings = unreachable_and_slow();
        settings.mailbox.pickup_secs = 15;
        settings.mailbox.push = push;
        let (mailbox, alice, bob) = friends_apart(dir.path(), settings).await;
        let mut bob_events = bob.node.events();
        let mut ms = Vec::new();
        for round in 0..ROUNDS {
            let started = std::time::Instant::now();
            let sent = alice.node.send(&bob.phone, &format!("{round}")).await.unwrap();
            wait_event(&mut bob_events, |e| match e {
                Event::MessageReceived { message } if message.id == sent.id => Some(()),
                _ => None,
            })
            .await;
            ms.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        ms.sort_by(f64::total_cmp);
        let mean = ms.iter().sum::<f64>() / ms.len() as f64;
        println!(
            "push = {push}: send -> received over {ROUNDS} messages: median {:.0} ms, mean {mean:.0} ms, \
             min {:.0} ms, max {:.0} ms",
            ms[ROUNDS / 2],
            ms[0],
            ms[ROUNDS - 1]
        );
        for node in [alice.node, bob.node, mailbox.node] {
            node.shutdown().await.unwrap();
        }
    }
}
