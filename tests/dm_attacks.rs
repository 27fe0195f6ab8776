//! Attacks on the 1:1 protocol from the network: garbage, oversized and unknown-session
//! frames, a replayed handshake (0-RTT replay), someone claiming a friend's number,
//! messages from strangers, and a flood of sessions from fresh identities. Each is refused with a typed reason, counted in the node's
//! status, and the node keeps serving.

use std::time::Duration;

use futures::StreamExt;
use libp2p::identity::ed25519;
use libp2p::{Multiaddr, PeerId};

use crate::common::net::{befriend, never, still_serves, wait_states};
use crate::common::rogue::{ask_raw, framed, rogue, Rogue};
use chingu::config::{Config, Discoverable};
use chingu::dm::wire::{DmRequest, DmResponse};
use chingu::dm::DM_PROTOCOL;
use chingu::model::MessageState;
use chingu::session::Frame;
use chingu::session::Initiator;
use chingu::testnet::scenarios::attacks::{hello_request, opening, session_flood};
use chingu::testnet::{TestNet, TestNetOptions};
use chingu::wire::{Bytes, Fixed, List};
use chingu::{Event, NodeHandle};

const DEADLINE: Duration = Duration::from_secs(60);
/// Long enough for a sender to retry an unacknowledged message a few times (its first
/// retries come within seconds).
const RETRY_WINDOW: Duration = Duration::from_secs(8);

/// Sends one raw request and returns the decoded response, or None if the stream failed.
async fn ask(rogue: &mut Rogue, peer: PeerId, addr: &Multiaddr, raw: Vec<u8>) -> Option<DmResponse> {
    ask_raw(rogue, peer, addr, raw)
        .await
        .map(|r| chingu::wire::decode::<DmResponse>(&r).unwrap())
}

fn refusal(response: Option<DmResponse>) -> String {
    match response {
        Some(DmResponse::Refused { reason }) => reason.to_string(),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

async fn rejected(node: &NodeHandle, key: &str) -> u64 {
    node.status().await.unwrap().rejected.get(key).copied().unwrap_or(0)
}

async fn single_node() -> (TestNet, NodeHandle, Multiaddr) {
    let mut net = TestNet::start(TestNetOptions::new(0), |_| {}).await.unwrap();
    let mut settings = Config::default();
    settings.discovery.discoverable = Discoverable::Everyone;
    net.add_node_with(settings.clone()).await.unwrap();
    net.add_node_with(settings).await.unwrap();
    let node = net.nodes[0].node().clone();
    let addr = net.nodes[0].addr.clone();
    (net, node, addr)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_oversized_and_unknown_session_frames_are_refused_and_counted() {
    let (mut net, node, addr) = single_node().await;
    let peer = node.peer_id();
    let mut rogue = rogue(ed25519::Keypair::generate(), DM_PROTOCOL);

    assert_eq!(
        refusal(ask(&mut rogue, peer, &addr, framed(b"\xa1\x00garbage")).await),
        "malformed"
    );
    assert_eq!(rejected(&node, "dm.malformed").await, 1);

    // A frame header announcing 16 MiB: refused without reading it.
    let mut oversized = (16u32 << 20).to_be_bytes().to_vec();
    oversized.extend_from_slice(&[0u8; 1024]);
    assert_eq!(refusal(ask(&mut rogue, peer, &addr, oversized).await), "oversized");
    assert_eq!(rejected(&node, "dm.oversized").await, 1);

    let frame = Frame {
        sid: Fixed([7; 16]),
        n: 0,
        ct: Bytes::new(vec![0u8; 48]).unwrap(),
    };
    let request = DmRequest::Frames {
        frames: List::new(vec![frame]).unwrap(),
    };
    let bytes = chingu::wire::encode(&request).unwrap();
    assert_eq!(
        refusal(ask(&mut rogue, peer, &addr, framed(&bytes)).await),
        "unknown_session"
    );
    assert_eq!(rejected(&node, "dm.unknown_session").await, 1);
    // A fresh honest peer is served: friends, and a message delivered.
    still_serves(&mut net, 0).await;
    net.shutdown().await;
}

/// The identity and Noise keys of node `index`'s owner.
fn keys_of(net: &TestNet, index: usize) -> ([u8; 32], [u8; 32]) {
    let identity = net.nodes[index].home.load_identity().unwrap();
    (identity.public_key(), identity.noise().public)
}

/// A genuine Hello from `identity` claiming `phone`, to the owner of node `index`.
fn hello(net: &TestNet, index: usize, identity: &ed25519::Keypair, phone: &str) -> Vec<u8> {
    framed(&hello_request(identity, phone, keys_of(net, index)).unwrap())
}

/// A handshake from `identity` claiming `phone` to the owner of node `index`: the
/// initiator's state and its framed Hello.
fn handshake(net: &TestNet, index: usize, identity: &ed25519::Keypair, phone: &str) -> (Initiator, Vec<u8>) {
    let (initiator, hello) = opening(identity, phone, keys_of(net, index)).unwrap();
    (initiator, framed(&hello))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_captured_frame_replayed_through_the_node_is_refused_and_counted() {
    let (net, node, addr) = single_node().await;
    let peer = node.peer_id();
    let identity = ed25519::Keypair::generate();
    let mut rogue = rogue(identity.clone(), DM_PROTOCOL);
    // A genuine session and a genuine message frame, as a stranger's node sends them.
    let (initiator, hello) = handshake(&net, 0, &identity, "+821099990001");
    let Some(DmResponse::Welcome { msg2 }) = ask(&mut rogue, peer, &addr, hello).await else {
        panic!("no welcome");
    };
    let now = chingu::model::now_ms() / 1000;
    let (mut session, _) = initiator.finish(&msg2, now).unwrap();
    session.reserve(16);
    let body = chingu::content::body::WireBody::from_body(&chingu::model::Body::Text {
        text: "captured".into(),
    })
    .unwrap();
    let payload = chingu::dm::wire::DmPayload::message(chingu::model::MsgId::generate(), 1, now * 1000, &body);
    let frame = session.encrypt(&payload.to_bytes()).unwrap();
    let request = DmRequest::Frames {
        frames: List::new(vec![frame]).unwrap(),
    };
    let captured = framed(&chingu::wire::encode(&request).unwrap());
    let outcome = |response: Option<DmResponse>| match response {
        Some(DmResponse::Acks { acks }) => acks[0].outcome,
        other => panic!("expected acks, got {other:?}"),
    };
    assert_eq!(
        outcome(ask(&mut rogue, peer, &addr, captured.clone()).await),
        chingu::dm::wire::Outcome::Held,
        "a stranger's message is held"
    );
    // The same bytes again: refused — nothing is stored twice — and counted.
    ask(&mut rogue, peer, &addr, captured).await;
    assert_eq!(rejected(&node, "dm.replay").await, 1);
    let status = node.status().await.unwrap();
    assert_eq!(status.messages.requests, 1, "held once");
    let conversations = node.conversations().await.unwrap();
    assert_eq!(conversations.len(), 1);
    net.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replayed_handshake_is_refused() {
    let (net, node, addr) = single_node().await;
    let identity = ed25519::Keypair::generate();
    let mut rogue = rogue(identity.clone(), DM_PROTOCOL);
    let msg = hello(&net, 0, &identity, "+821099990000");
    assert!(matches!(
        ask(&mut rogue, node.peer_id(), &addr, msg.clone()).await,
        Some(DmResponse::Welcome { .. })
    ));
    assert_eq!(
        refusal(ask(&mut rogue, node.peer_id(), &addr, msg).await),
        "handshake_failed"
    );
    assert_eq!(rejected(&node, "dm.handshake_replay").await, 1);
    net.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn someone_claiming_a_pinned_friends_number_is_refused_with_a_warning() {
    let (net, alice, addr) = single_node().await;
    let bob_phone = net.nodes[1].phone.to_string();
    alice.add_contact(&bob_phone, "Bob").await.unwrap();
    tokio::time::timeout(DEADLINE, async {
        while alice.lookup_contact("Bob").await.unwrap().state != "found" {}
    })
    .await
    .expect("Bob found");
    let mut events = alice.events();
    let mallory = ed25519::Keypair::generate();
    let mut rogue = rogue(mallory.clone(), DM_PROTOCOL);
    let msg = hello(&net, 0, &mallory, &bob_phone);
    assert_eq!(
        refusal(ask(&mut rogue, alice.peer_id(), &addr, msg).await),
        "handshake_failed"
    );
    assert_eq!(rejected(&alice, "dm.identity_mismatch").await, 1);
    let warned = tokio::time::timeout(DEADLINE, async {
        while let Some(event) = events.next().await {
            if let Event::CandidateSeen { phone, .. } = event {
                return phone;
            }
        }
        String::new()
    })
    .await
    .unwrap();
    assert_eq!(warned, bob_phone);
    assert_eq!(alice.contacts().await.unwrap()[0].state, "found", "Bob stays pinned");
    net.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_from_strangers_are_held_as_requests_and_never_acknowledged() {
    let (net, alice, _) = single_node().await;
    let carol = net.nodes[1].node().clone();
    // Carol knows Alice's number (Alice is discoverable by everyone); Alice never added Carol.
    carol
        .add_contact(&net.nodes[0].phone.to_string(), "Alice")
        .await
        .unwrap();
    tokio::time::timeout(DEADLINE, async {
        while carol.lookup_contact("Alice").await.unwrap().state != "found" {}
    })
    .await
    .expect("Alice found");
    let mut alice_events = alice.events();
    let sent = carol.send("Alice", "hi, it's Carol").await.unwrap();
    let held = tokio::time::timeout(DEADLINE, async {
        while let Some(event) = alice_events.next().await {
            if let Event::MessageReceived { message } = event {
                return message;
            }
        }
        panic!("no message")
    })
    .await
    .unwrap();
    assert_eq!(held.id, sent.id);
    assert_eq!(held.state, MessageState::Request);
    assert_eq!(alice.status().await.unwrap().messages.requests, 1);
    let conversations = alice.conversations().await.unwrap();
    assert_eq!(conversations.len(), 1);
    // Never acknowledged: Carol keeps retrying, and through several of her retries the
    // message stays in her outbox, never delivered.
    let mut carol_events = carol.events();
    never(
        &mut carol_events,
        RETRY_WINDOW,
        "a stranger's message was acknowledged",
        |e| matches!(e, Event::MessageState { id, state, .. } if *id == sent.id && *state >= MessageState::Delivered),
    )
    .await;
    let status = carol.status().await.unwrap();
    assert_eq!(status.messages.outbox, 1, "not acknowledged: still in Carol's outbox");
    assert_eq!(status.messages.delivered, 0);
    net.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_fresh_identities_keeps_few_sessions_and_never_evicts_a_friends() {
    let (mut net, alice, addr) = single_node().await;
    befriend(&net, 0, 1).await;
    let bob = net.nodes[1].node().clone();
    let mut bob_events = bob.events();
    let first = bob.send("n0", "before the flood").await.unwrap();
    wait_states(&mut bob_events, &[first.id], MessageState::Delivered).await;
    let bob_handshakes = bob.status().await.unwrap().messages.handshakes;

    // 300 fresh identities (peer ids cost nothing) each open a session with Alice.
    let report = session_flood(&alice, &addr, keys_of(&net, 0), 300, 0.0).await.unwrap();
    assert_eq!(report.welcomed, 300, "every newcomer is answered: {report:?}");
    assert_eq!(
        report.stranger_sessions, 256,
        "strangers' sessions are bounded: {report:?}"
    );
    assert!(report.sessions_evicted >= 44, "the oldest went: {report:?}");
    assert!(report.sessions <= 256 + 2, "{report:?}");

    // Bob's session was never evicted: his next message goes through on it.
    let second = bob.send("n0", "after the flood").await.unwrap();
    wait_states(&mut bob_events, &[second.id], MessageState::Delivered).await;
    assert_eq!(
        bob.status().await.unwrap().messages.handshakes,
        bob_handshakes,
        "Bob did not need a new session"
    );
    assert_eq!(rejected(&alice, "dm.unknown_session").await, 0);

    // Strangers' sessions were never written: after a restart only Bob's is left.
    net.stop_node(0).await.unwrap();
    net.restart_node(0).await.unwrap();
    let sessions = net.nodes[0].node().status().await.unwrap().messages.sessions;
    assert!(sessions <= 2, "{sessions} sessions on disk");
    net.shutdown().await;
}
