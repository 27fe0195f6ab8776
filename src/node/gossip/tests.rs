//! [`Gossip`] with gossipsub itself, on real swarms over loopback TCP: what the gate
//! decides must reach gossipsub with the counts it relies on.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use futures::StreamExt;
use libp2p::gossipsub::{IdentTopic, MessageAcceptance};
use libp2p::swarm::{Swarm, SwarmEvent};
use libp2p::{noise, tcp, yamux, Multiaddr, PeerId};

use super::{Event, Gossip};

fn swarm() -> Swarm<Gossip> {
    libp2p::SwarmBuilder::with_new_identity()
        .with_tokio()
        .with_tcp(tcp::Config::default(), noise::Config::new, yamux::Config::default)
        .expect("tcp transport")
        .with_behaviour(|_| Gossip::new(crate::node::behaviour::gossipsub_behaviour().expect("gossipsub")))
        .expect("behaviour")
        .with_swarm_config(|c| c.with_idle_connection_timeout(Duration::from_secs(60)))
        .build()
}

async fn listening(swarm: &mut Swarm<Gossip>) -> Multiaddr {
    swarm
        .listen_on("/ip4/127.0.0.1/tcp/0".parse().expect("address"))
        .expect("listen");
    loop {
        if let SwarmEvent::NewListenAddr { address, .. } = swarm.select_next_some().await {
            return address;
        }
    }
}

fn subscribed(swarm: &Swarm<Gossip>, peer: &PeerId, topic: &IdentTopic) -> bool {
    swarm
        .behaviour()
        .all_peers()
        .any(|(p, topics)| p == peer && topics.contains(&&topic.hash()))
}

/// Two nodes that dialled each other at once hold two connections when they become
/// fellow members, and both connections start gossip in one step. Each must still hear
/// the other's subscription and get its messages (gossipsub greets a peer only on what
/// it is told is the first connection; telling it both were second connections left each
/// side believing the other subscribed to nothing).
#[tokio::test]
async fn members_connected_twice_hear_each_others_subscriptions_and_messages() {
    let (mut alice, mut bob) = (swarm(), swarm());
    let (alice_id, bob_id) = (*alice.local_peer_id(), *bob.local_peer_id());
    let alice_addr = listening(&mut alice).await;
    let bob_addr = listening(&mut bob).await;
    alice.dial(bob_addr).expect("dial bob");
    bob.dial(alice_addr).expect("dial alice");
    let topic = IdentTopic::new("chingu/g/test");
    alice.behaviour_mut().subscribe(&topic).expect("subscribe");
    bob.behaviour_mut().subscribe(&topic).expect("subscribe");

    let run = async {
        let mut connections = 0;
        while connections < 4 {
            tokio::select! {
                e = alice.select_next_some() => connections += usize::from(matches!(e, SwarmEvent::ConnectionEstablished { .. })),
                e = bob.select_next_some() => connections += usize::from(matches!(e, SwarmEvent::ConnectionEstablished { .. })),
            }
        }
        assert_eq!(
            alice.network_info().connection_counters().num_established(),
            2,
            "both dials stand"
        );
        assert!(
            !alice.behaviour().is_gossiping_with(&bob_id),
            "strangers: no gossip yet"
        );
        alice.behaviour_mut().set_members(
            HashSet::from([bob_id]),
            HashMap::from([(topic.hash(), HashSet::from([bob_id]))]),
        );
        bob.behaviour_mut().set_members(
            HashSet::from([alice_id]),
            HashMap::from([(topic.hash(), HashSet::from([alice_id]))]),
        );

        let mut retry = tokio::time::interval(Duration::from_millis(100));
        let mut published = false;
        loop {
            tokio::select! {
                _ = alice.select_next_some() => {}
                event = bob.select_next_some() => {
                    if let SwarmEvent::Behaviour(Event::Gossipsub(libp2p::gossipsub::Event::Message { message_id, propagation_source, message })) = event {
                        assert_eq!(message.data, b"hello");
                        bob.behaviour_mut().report_message_validation_result(&message_id, &propagation_source, MessageAcceptance::Accept);
                        break;
                    }
                }
                _ = retry.tick() => {
                    if !published && subscribed(&alice, &bob_id, &topic) {
                        published = alice.behaviour_mut().publish(topic.clone(), b"hello".to_vec()).is_ok();
                    }
                }
            }
        }
        assert!(subscribed(&alice, &bob_id, &topic) && subscribed(&bob, &alice_id, &topic));
    };
    tokio::time::timeout(Duration::from_secs(30), run)
        .await
        .expect("both sides subscribed and the message delivered within 30 s");
}
