//! Attacks on the group protocols from the network: history-sync requests from someone
//! who is not a member (garbage, unknown epoch, heads out of order), meetup joins with a wrong code, with
//! someone else's identity, and guessing past the rate limit; a stranger speaking
//! gossipsub to a member (it learns no topic and receives nothing), a member of one group
//! subscribing to another group's topic (shut out of gossip), and a member flooding a
//! group's topic with garbage. Each is refused with a typed reason, counted in the node's
//! status, and the node keeps serving.

use std::time::Duration;

use futures::StreamExt;
use libp2p::gossipsub::{self, TopicHash};
use libp2p::identity::{ed25519, Keypair};
use libp2p::swarm::SwarmEvent;
use libp2p::{Multiaddr, PeerId};
use tokio::sync::mpsc;

use crate::common::net::{
    befriend, group_changed, group_of_three, net, still_serves, wait_event, wait_history, DEADLINE,
};
use crate::common::rogue::{ask_raw, framed, gossip_rogue, rogue};
use chingu::group::{GroupId, Head, HeadsRequest, JoinRequest, JoinResponse, Member, SyncRequest, SyncResponse};
use chingu::node::groups::{GROUP_SYNC_PROTOCOL, MEETUP_PROTOCOL};
use chingu::wire::{Fixed, List, Text};
use chingu::NodeHandle;

async fn rejected(node: &NodeHandle, key: &str) -> u64 {
    node.status().await.unwrap().rejected.get(key).copied().unwrap_or(0)
}

/// A valid member entry for `identity` (its own peer id).
fn member(identity: &ed25519::Keypair) -> Member {
    let pk = Fixed(identity.public().to_bytes());
    Member {
        identity_pk: pk,
        noise_pk: Fixed([9; 32]),
        peer_id: Member::peer_id_of(&pk).unwrap(),
        phone: Text::new("+821099990000").unwrap(),
        name: Text::new("mallory").unwrap(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_sync_from_a_non_member_is_refused_and_counted() {
    let mut net = net(2, false).await;
    befriend(&net, 0, 1).await;
    let alice = net.nodes[0].node().clone();
    let mut bob_events = net.nodes[1].node().events();
    let group = alice.group_create("club", &["n1"], None).await.unwrap();
    wait_event(&mut bob_events, |e| {
        matches!(e, chingu::Event::GroupChanged { .. }).then_some(())
    })
    .await;
    alice.group_send(&group.group_id, "members only").await.unwrap();

    let (peer, addr) = (alice.peer_id(), net.nodes[0].addr.clone());
    let mut mallory = rogue(ed25519::Keypair::generate(), GROUP_SYNC_PROTOCOL);
    let empty = |answer: Option<Vec<u8>>| {
        let response: SyncResponse = chingu::wire::decode(&answer.expect("an answer")).unwrap();
        response.messages.is_empty()
    };

    assert!(empty(
        ask_raw(&mut mallory, peer, &addr, framed(b"\xa1\x00garbage")).await
    ));
    assert_eq!(rejected(&alice, "group_sync.malformed").await, 1);

    // Mallory knows the group id but not the epoch secret: a guessed epoch and MAC.
    let id: [u8; 16] = hex::decode(&group.group_id).unwrap().try_into().unwrap();
    let request = SyncRequest {
        group: GroupId(Fixed(id)),
        epoch: Fixed([1; 32]),
        key_id: Fixed([2; 8]),
        from_seq: 0,
        to_seq: 10,
        mac: Fixed([3; 32]),
    };
    let bytes = framed(&chingu::wire::encode(&request).unwrap());
    assert!(
        empty(ask_raw(&mut mallory, peer, &addr, bytes).await),
        "nothing handed out"
    );
    assert_eq!(rejected(&alice, "group_sync.unknown_epoch").await, 1);
    // The same guess as a heads request; heads out of order are refused before any lookup.
    let head = |n: u8| Head {
        key_id: Fixed([n; 8]),
        next: 0,
    };
    let heads = HeadsRequest {
        group: GroupId(Fixed(id)),
        epoch: Fixed([1; 32]),
        heads: List::new(vec![head(2)]).unwrap(),
        mac: Fixed([3; 32]),
    };
    let bytes = framed(&chingu::wire::encode(&heads).unwrap());
    assert!(empty(ask_raw(&mut mallory, peer, &addr, bytes).await));
    assert_eq!(rejected(&alice, "group_sync.unknown_epoch").await, 2);
    let unsorted = HeadsRequest {
        heads: List::new(vec![head(5), head(2)]).unwrap(),
        ..heads
    };
    let bytes = framed(&chingu::wire::encode(&unsorted).unwrap());
    assert!(empty(ask_raw(&mut mallory, peer, &addr, bytes).await));
    assert_eq!(rejected(&alice, "group_sync.unsorted").await, 1);
    assert_eq!(alice.group_history(&group.group_id, 10, None).await.unwrap().len(), 1);
    still_serves(&mut net, 0).await;
    net.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_codes_and_borrowed_identities_cannot_join_a_meetup_and_guessing_is_rate_limited() {
    // A second node stores the code's entry (a code is handed out only once stored).
    let mut net = net(2, false).await;
    let creator = net.nodes[0].node().clone();
    let meetup = creator.meetup_create("번개", 3600).await.unwrap();
    let (peer, addr) = (creator.peer_id(), net.nodes[0].addr.clone());
    let identity = ed25519::Keypair::generate();
    let mut mallory = rogue(identity.clone(), MEETUP_PROTOCOL);
    let answer = |raw: Option<Vec<u8>>| -> JoinResponse { chingu::wire::decode(&raw.expect("an answer")).unwrap() };

    // Someone else's member entry with a proof: the identity is not the requester's.
    let other = ed25519::Keypair::generate();
    let borrowed = JoinRequest::new(&[1; 32], member(&other));
    let refused = answer(
        ask_raw(
            &mut mallory,
            peer,
            &addr,
            framed(&chingu::wire::encode(&borrowed).unwrap()),
        )
        .await,
    );
    assert_eq!((refused.accepted, refused.reason.as_str()), (false, "invalid_member"));

    // Guessing the code: each guess refused, and the sixth within a minute rate-limited.
    let mut reasons = Vec::new();
    for guess in 0..5u8 {
        let request = JoinRequest::new(&[guess; 32], member(&identity));
        let raw = framed(&chingu::wire::encode(&request).unwrap());
        reasons.push(
            answer(ask_raw(&mut mallory, peer, &addr, raw).await)
                .reason
                .as_str()
                .to_owned(),
        );
    }
    assert_eq!(
        reasons,
        ["bad_code", "bad_code", "bad_code", "bad_code", "rate_limited"],
        "5 attempts per peer per minute, the borrowed identity included"
    );
    assert!(rejected(&creator, "meetup.bad_code").await >= 4);
    assert_eq!(rejected(&creator, "meetup.rate_limited").await, 1);
    assert_eq!(
        creator.group_members(&meetup.group_id).await.unwrap().len(),
        1,
        "nobody got in"
    );
    // The creator keeps serving: a fresh honest peer is served, and joins with the code.
    still_serves(&mut net, 0).await;
    let honest = net.nodes.last().unwrap().node().clone();
    let joined = honest.meetup_join(&meetup.code).await.unwrap();
    assert_eq!(joined.group_id, meetup.group_id);
    net.shutdown().await;
}

/// What a gossipsub rogue sees of the node it is connected to.
#[derive(Debug)]
enum Seen {
    /// The node announced a subscription to this topic.
    Topic(TopicHash),
    /// A group message arrived.
    Message(TopicHash),
    /// The node refused to speak gossipsub.
    Refused(PeerId),
}

/// A gossipsub rogue running in the background.
struct RunningRogue {
    /// What it sees.
    seen: mpsc::UnboundedReceiver<Seen>,
    /// Garbage for it to publish on a topic.
    publish: mpsc::UnboundedSender<(TopicHash, Vec<u8>)>,
    driver: tokio::task::JoinHandle<()>,
}

/// Runs a gossipsub rogue under `identity` connected to `addr` in the background. With
/// `subscribe`, it subscribes to every topic it hears of.
fn run_gossip_rogue(identity: Keypair, addr: Multiaddr, subscribe: bool) -> RunningRogue {
    let mut rogue = gossip_rogue(identity);
    rogue.dial(addr).unwrap();
    let (seen_tx, seen) = mpsc::unbounded_channel();
    let (publish, mut to_publish) = mpsc::unbounded_channel::<(TopicHash, Vec<u8>)>();
    let driver = tokio::spawn(async move {
        loop {
            tokio::select! {
                Some((topic, data)) = to_publish.recv() => {
                    let _ = rogue.behaviour_mut().publish(topic, data);
                }
                event = rogue.select_next_some() => {
                    let SwarmEvent::Behaviour(event) = event else { continue };
                    let seen = match event {
                        gossipsub::Event::Subscribed { topic, .. } => {
                            if subscribe {
                                let _ = rogue.behaviour_mut().subscribe(&gossipsub::IdentTopic::new(topic.as_str()));
                            }
                            Seen::Topic(topic)
                        }
                        gossipsub::Event::Message { message, .. } => Seen::Message(message.topic),
                        gossipsub::Event::GossipsubNotSupported { peer_id } => Seen::Refused(peer_id),
                        _ => continue,
                    };
                    let _ = seen_tx.send(seen);
                }
            }
        }
    });
    RunningRogue { seen, publish, driver }
}

/// Waits until `node` counted at least `min` rejections under `key`.
async fn wait_rejected(node: &NodeHandle, key: &str, min: u64) {
    tokio::time::timeout(DEADLINE, async {
        let mut events = node.events();
        while rejected(node, key).await < min {
            let _ = tokio::time::timeout(Duration::from_secs(1), events.next()).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("{key} not counted"))
}

/// Waits out a few gossipsub heartbeats and returns the first topic or message the
/// rogue saw in that time, if any.
async fn leak_within(seen: &mut mpsc::UnboundedReceiver<Seen>, wait: Duration) -> Option<Seen> {
    tokio::time::timeout(wait, async {
        while let Some(event) = seen.recv().await {
            if matches!(event, Seen::Topic(_) | Seen::Message(_)) {
                return event;
            }
        }
        std::future::pending().await
    })
    .await
    .ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stranger_connected_to_a_member_learns_no_topic_and_receives_no_group_message() {
    let net = net(2, false).await;
    befriend(&net, 0, 1).await;
    let (alice, bob) = (net.nodes[0].node().clone(), net.nodes[1].node().clone());
    let mut bob_events = bob.events();
    let group = alice.group_create("club", &["n1"], None).await.unwrap();
    group_changed(&mut bob_events, "joined").await;

    // A stranger (a DHT neighbour, a bootstrap node, a relay…) connects to Alice and
    // speaks gossipsub: Alice does not, so its gossipsub gives up on her.
    let RunningRogue { mut seen, driver, .. } =
        run_gossip_rogue(Keypair::generate_ed25519(), net.nodes[0].addr.clone(), true);
    let refused = match tokio::time::timeout(DEADLINE, seen.recv()).await {
        Ok(Some(Seen::Refused(peer))) => peer,
        other => panic!("alice does not refuse gossipsub to a stranger: {other:?}"),
    };
    assert_eq!(refused, alice.peer_id());

    // The members talk; the stranger stays connected and sees nothing of it.
    for i in 0..5 {
        bob.group_send(&group.group_id, &format!("members only {i}"))
            .await
            .unwrap();
    }
    wait_history(&alice, &group.group_id, 5).await;
    if let Some(leak) = leak_within(&mut seen, Duration::from_secs(3)).await {
        panic!("the stranger learned something: {leak:?}");
    }
    let peers = alice.peers().await.unwrap();
    assert!(
        peers
            .iter()
            .all(|p| p.peer_id == bob.peer_id().to_string() || p.gossip_score.is_none()),
        "only fellow members have a gossip score: {peers:?}"
    );
    driver.abort();
    net.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_subscribing_to_another_groups_topic_is_shut_out_and_receives_nothing() {
    let (mut net, _club) = group_of_three("club").await;
    let (alice, bob, carol) = (
        net.nodes[0].node().clone(),
        net.nodes[1].node().clone(),
        net.nodes[2].node().clone(),
    );
    let mut bob_events = bob.events();
    let family = alice.group_create("family", &["n1"], None).await.unwrap();
    group_changed(&mut bob_events, "joined").await;

    // Carol's node is taken over: it is a club member, and subscribes to every topic
    // Alice announces, the family's among them.
    let carol_key = net.nodes[2].home.load_identity().unwrap().keypair();
    net.stop_node(2).await.unwrap();
    let RunningRogue { mut seen, driver, .. } = run_gossip_rogue(carol_key, net.nodes[0].addr.clone(), true);
    wait_rejected(&alice, "gossip.foreign_topic", 1).await;

    // The family talks; Carol's impostor receives none of it.
    for i in 0..3 {
        bob.group_send(&family.group_id, &format!("family only {i}"))
            .await
            .unwrap();
    }
    wait_history(&alice, &family.group_id, 3).await;
    let message = tokio::time::timeout(Duration::from_secs(3), async {
        loop {
            if let Some(Seen::Message(topic)) = seen.recv().await {
                return topic;
            }
        }
    })
    .await;
    assert!(message.is_err(), "a message reached the shut-out member: {message:?}");
    assert!(
        alice
            .peers()
            .await
            .unwrap()
            .iter()
            .any(|p| p.peer_id == carol.peer_id().to_string()),
        "shut out of gossip, not disconnected"
    );
    driver.abort();
    net.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_flooding_invalid_group_messages_is_rejected_and_scored_down_while_others_talk() {
    let (mut net, group) = group_of_three("club").await;
    let (alice, bob) = (net.nodes[0].node().clone(), net.nodes[1].node().clone());

    // Carol's node is taken over by a flooder speaking plain gossipsub under her key: as
    // a member it hears the club's topic from Alice.
    let carol_key = net.nodes[2].home.load_identity().unwrap().keypair();
    let flooder = carol_key.public().to_peer_id();
    net.stop_node(2).await.unwrap();
    let RunningRogue {
        mut seen,
        publish,
        driver,
    } = run_gossip_rogue(carol_key, net.nodes[0].addr.clone(), true);
    let topic = tokio::time::timeout(DEADLINE, async {
        loop {
            if let Some(Seen::Topic(topic)) = seen.recv().await {
                return topic;
            }
        }
    })
    .await
    .expect("alice announces the club's topic to a member");

    // 300 distinct garbage messages, one every 10 ms.
    let flood = tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_millis(10));
        for sent in 0..300u32 {
            tick.tick().await;
            let mut garbage = vec![0xa5; 64];
            garbage.extend_from_slice(&sent.to_be_bytes());
            let _ = publish.send((topic.clone(), garbage));
        }
    });

    // Members still talk.
    let mut alice_events = alice.events();
    bob.group_send(&group.group_id, "still here").await.unwrap();
    wait_event(&mut alice_events, |e| match e {
        chingu::Event::MessageReceived { message } if message.text == "still here" => Some(()),
        _ => None,
    })
    .await;

    // Alice rejected the garbage (counted) and the flooder's score fell below the graylist
    // threshold (−80: its further messages are not even read).
    tokio::time::timeout(DEADLINE, async {
        loop {
            let status = alice.status().await.unwrap();
            let rejected: u64 = status
                .rejected
                .iter()
                .filter(|(k, _)| k.starts_with("group."))
                .map(|(_, n)| *n)
                .sum();
            let score = alice
                .peers()
                .await
                .unwrap()
                .into_iter()
                .find(|p| p.peer_id == flooder.to_string())
                .and_then(|p| p.gossip_score);
            if rejected >= 2 && score.is_some_and(|s| s < -80.0) {
                return;
            }
            let _ = tokio::time::timeout(Duration::from_millis(500), alice_events.next()).await;
        }
    })
    .await
    .expect("the garbage is rejected and counted, and the flooder's score falls");
    flood.abort();
    driver.abort();
    still_serves(&mut net, 0).await;
    net.shutdown().await;
}
