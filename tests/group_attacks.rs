//! Attacks on the group protocols from the network: history-sync requests from someone
//! who is not a member (garbage, unknown epoch), meetup joins with a wrong code, with
//! someone else's identity, and guessing past the rate limit, and a stranger flooding a
//! group's topic with garbage. Each is refused with a
//! typed reason, counted in the node's status, and the node keeps serving.

mod common;

use libp2p::identity::ed25519;

use chingu::group::{GroupId, JoinRequest, JoinResponse, Member, SyncRequest, SyncResponse};
use chingu::node::groups::{GROUP_SYNC_PROTOCOL, MEETUP_PROTOCOL};
use chingu::wire::{Fixed, Text};
use chingu::NodeHandle;
use common::net::{befriend, net, still_serves, wait_event};
use common::rogue::{ask_raw, framed, rogue};

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
    assert_eq!(alice.group_history(&group.group_id, 10, None).await.unwrap().len(), 1);
    still_serves(&mut net, 0).await;
    net.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_codes_and_borrowed_identities_cannot_join_a_meetup_and_guessing_is_rate_limited() {
    let mut net = net(1, false).await;
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_flooding_invalid_group_messages_is_rejected_and_scored_down_while_members_talk() {
    use futures::StreamExt;
    use libp2p::gossipsub;
    use libp2p::swarm::SwarmEvent;

    let mut net = net(2, false).await;
    befriend(&net, 0, 1).await;
    let (alice, bob) = (net.nodes[0].node().clone(), net.nodes[1].node().clone());
    let mut bob_events = bob.events();
    let group = alice.group_create("club", &["n1"], None).await.unwrap();
    wait_event(&mut bob_events, |e| match e {
        chingu::Event::GroupChanged { change, .. } if change == "joined" => Some(()),
        _ => None,
    })
    .await;

    // A stranger speaking plain gossipsub connects to Alice and learns her topics from
    // her subscription announcements (topics reveal neither group nor members).
    let mut rogue = libp2p::SwarmBuilder::with_new_identity()
        .with_tokio()
        .with_tcp(
            libp2p::tcp::Config::default(),
            libp2p::noise::Config::new,
            libp2p::yamux::Config::default,
        )
        .unwrap()
        .with_behaviour(|_| {
            let config = gossipsub::ConfigBuilder::default()
                .validation_mode(gossipsub::ValidationMode::Anonymous)
                // Anonymous messages have no source or sequence number: without a
                // content id every garbage message would be the same message.
                .message_id_fn(|m: &gossipsub::Message| gossipsub::MessageId::from(m.data.clone()))
                .build()
                .unwrap();
            gossipsub::Behaviour::<gossipsub::IdentityTransform, gossipsub::AllowAllSubscriptionFilter>::new(
                gossipsub::MessageAuthenticity::Anonymous,
                config,
            )
            .unwrap()
        })
        .unwrap()
        .build();
    rogue.dial(net.nodes[0].addr.clone()).unwrap();
    let topic = tokio::time::timeout(common::net::DEADLINE, async {
        loop {
            if let SwarmEvent::Behaviour(gossipsub::Event::Subscribed { topic, .. }) = rogue.select_next_some().await {
                return topic;
            }
        }
    })
    .await
    .expect("alice announces her group topic");
    rogue
        .behaviour_mut()
        .subscribe(&gossipsub::IdentTopic::new(topic.as_str()))
        .unwrap();
    let flooder = *rogue.local_peer_id();

    // 300 distinct garbage messages, one every 10 ms, while the rogue's swarm runs.
    let driver = tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_millis(10));
        let mut sent = 0u32;
        loop {
            tokio::select! {
                _ = tick.tick(), if sent < 300 => {
                    let mut garbage = vec![0xa5; 64];
                    garbage.extend_from_slice(&sent.to_be_bytes());
                    let _ = rogue.behaviour_mut().publish(topic.clone(), garbage);
                    sent += 1;
                }
                _ = rogue.select_next_some() => {}
            }
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
    tokio::time::timeout(common::net::DEADLINE, async {
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
            let _ = tokio::time::timeout(std::time::Duration::from_millis(500), alice_events.next()).await;
        }
    })
    .await
    .expect("the garbage is rejected and counted, and the flooder's score falls");
    driver.abort();
    still_serves(&mut net, 0).await;
    net.shutdown().await;
}
