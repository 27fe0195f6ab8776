//! Reaching friends behind NATs, on loopback: nodes that listen only through a relay
//! find each other by number and exchange 1:1 messages, receipts, typing and group
//! messages through it; DCUtR upgrades a relayed connection; a relay refuses what is over
//! its limits with a reason, counted, while it keeps serving honest users; dials back off
//! from a record full of bogus addresses; reachability and external addresses in status.
//! (Real NATs are the lab's: `chingu lab`.) Every wait is on an event or a state, with a
//! deadline.

use crate::common;
use std::path::Path;

use futures::StreamExt;
use libp2p::swarm::SwarmEvent;
use libp2p::{noise, tcp, yamux, Multiaddr, PeerId};

use crate::common::lone::{befriend, restart, start, status_until, LoneNode};
use crate::common::net::{wait_event, wait_states, DEADLINE};
use chingu::config::{Config, Discoverable, ReachabilityMode, Role};
use chingu::home::{Home, InitOptions};
use chingu::model::MessageState;
use chingu::node::Status;
use chingu::{Event, NodeHandle};

/// A relay (`--role relay`) with `relay` settings.
async fn relay(dir: &Path, settings: Config) -> LoneNode {
    start(dir, 0, settings, &["/ip4/127.0.0.1/tcp/0"], &[], Some(Role::Relay)).await
}

/// Settings of a node that takes itself as private and reserves on `relay`.
fn behind(relay: &Multiaddr) -> Config {
    let mut settings = Config::default();
    settings.discovery.discoverable = Discoverable::Contacts;
    settings.network.reachability = ReachabilityMode::Private;
    settings.relay.use_nodes = vec![relay.to_string()];
    settings
}

/// Waits until `node` holds an accepted reservation and publishes a circuit address.
async fn reserved(node: &NodeHandle) -> Status {
    status_until(node, "a relay reservation", |s| {
        s.nat.relays.iter().any(|r| r.state == "active") && s.external_addrs.iter().any(|a| a.contains("p2p-circuit"))
    })
    .await
}

/// The best path `node` reports for `peer`, once it is connected.
async fn path_to(node: &NodeHandle, peer: PeerId) -> String {
    tokio::time::timeout(DEADLINE, async {
        loop {
            let peers = node.peers().await.unwrap();
            if let Some(path) = peers
                .iter()
                .find(|p| p.peer_id == peer.to_string())
                .and_then(|p| p.path.clone())
            {
                return path;
            }
            tokio::task::yield_now().await;
        }
    })
    .await
    .expect("connected in time")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodes_listening_only_through_a_relay_find_each_other_and_talk_through_it() {
    let dir = tempfile::tempdir().unwrap();
    let relay = relay(dir.path(), Config::default()).await;
    let relay_addr = relay.addr.clone().unwrap();
    // No direct listener at all: reachable only through the relay.
    let alice = start(dir.path(), 1, behind(&relay_addr), &[], &[&relay_addr], None).await;
    let bob = start(dir.path(), 2, behind(&relay_addr), &[], &[&relay_addr], None).await;
    assert!(alice.addr.is_none() && bob.addr.is_none());
    for node in [&alice.node, &bob.node] {
        let status = reserved(node).await;
        assert_eq!(status.reachability, "private");
        assert!(status.listen_addrs.iter().all(|a| a.contains("p2p-circuit")));
    }
    befriend(&alice, &bob, 0).await;
    let (a, b) = (&alice.node, &bob.node);
    let (mut alice_events, mut bob_events) = (a.events(), b.events());

    // 1:1 messages, delivered through the relay.
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(a.send(&bob.phone, &format!("릴레이 {i}")).await.unwrap().id);
    }
    wait_states(&mut alice_events, &ids, MessageState::Delivered).await;
    assert_eq!(b.history(&alice.phone, 10, None).await.unwrap().len(), 5);
    assert_eq!(path_to(a, b.peer_id()).await, "relayed");
    let peers = a.peers().await.unwrap();
    let to_bob = peers.iter().find(|p| p.peer_id == b.peer_id().to_string()).unwrap();
    assert!(to_bob
        .connections
        .iter()
        .all(|c| c.path == "relayed" && c.addr.contains("p2p-circuit")));

    // Read receipts and typing come back the same way.
    assert_eq!(b.mark_read(&alice.phone).await.unwrap(), 5);
    wait_states(&mut alice_events, &ids, MessageState::Read).await;
    assert!(b.typing(&alice.phone, true).await.unwrap());
    wait_event(&mut alice_events, |e| {
        matches!(e, Event::Typing { active: true, .. }).then_some(())
    })
    .await;

    // A group of the two: gossipsub's mesh forms over the relayed connection.
    let group = a.group_create("relayed", &[&bob.phone], None).await.unwrap();
    wait_event(&mut bob_events, |e| match e {
        Event::GroupChanged { group: g, change } if change == "joined" && g.group_id == group.group_id => Some(()),
        _ => None,
    })
    .await;
    a.group_send(&group.group_id, "모두 안녕").await.unwrap();
    let received = wait_event(&mut bob_events, |e| match e {
        Event::MessageReceived { message } if message.text == "모두 안녕" => Some(message.text.clone()),
        _ => None,
    })
    .await;
    assert_eq!(received, "모두 안녕");

    // The relay: public on loopback, its circuits counted; the ends count relayed bytes.
    let relay_status = status_until(&relay.node, "the relay's own reachability", |s| {
        s.reachability == "public"
    })
    .await;
    assert_eq!(relay_status.role.as_deref(), Some("relay"));
    let service = relay_status.nat.relay_service.unwrap();
    assert_eq!(service.reservations, 2);
    assert!(service.circuits_accepted >= 1);
    let alice_status = a.status().await.unwrap();
    assert!(alice_status.nat.relayed_bytes.sent > 0 && alice_status.nat.relayed_bytes.received > 0);
    assert!(alice_status.nat.hole_punch.succeeded == 0, "no direct path exists here");
    for node in [a, b, &relay.node] {
        node.shutdown().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dcutr_upgrades_a_relayed_connection_to_a_direct_one() {
    let dir = tempfile::tempdir().unwrap();
    let relay = relay(dir.path(), Config::default()).await;
    let relay_addr = relay.addr.clone().unwrap();
    // Both listen, but take themselves as private (as behind NATs that forward nothing):
    // their records carry only their circuit addresses, so neither finding the other
    // nor the first message can take a direct path (a public Alice would be dialled
    // directly by Bob's hello).
    let alice = start(
        dir.path(),
        1,
        behind(&relay_addr),
        &["/ip4/127.0.0.1/tcp/0"],
        &[&relay_addr],
        None,
    )
    .await;
    let bob = start(
        dir.path(),
        2,
        behind(&relay_addr),
        &["/ip4/127.0.0.1/tcp/0"],
        &[&relay_addr],
        None,
    )
    .await;
    reserved(&alice.node).await;
    reserved(&bob.node).await;
    let (a, b) = (&alice.node, &bob.node);
    // Their first connection may come with finding each other (a hello): watched from
    // before that.
    let mut alice_events = a.events();
    befriend(&alice, &bob, 0).await;
    let mut alice_states = a.events();
    // Alice can reach Bob only through the relay; DCUtR then dials the addresses each
    // observed for the other, which on loopback succeeds.
    let sent = a.send(&bob.phone, "hole punch?").await.unwrap();
    let mut paths = Vec::new();
    wait_event(&mut alice_events, |e| match e {
        Event::PathChanged { peer_id, path } if *peer_id == b.peer_id().to_string() => {
            paths.push(path.clone());
            (path == "hole_punched").then_some(())
        }
        _ => None,
    })
    .await;
    assert_eq!(paths, ["relayed", "hole_punched"], "relayed first, then upgraded");
    wait_states(&mut alice_states, &[sent.id], MessageState::Delivered).await;
    let status = status_until(b, "a counted hole punch", |s| s.nat.hole_punch.succeeded >= 1).await;
    assert!(status.nat.hole_punch.attempts >= 1);
    assert_eq!(path_to(a, b.peer_id()).await, "hole_punched");
    for node in [a, b, &relay.node] {
        node.shutdown().await.unwrap();
    }
}

/// A stranger's bare libp2p swarm with a relay client.
fn stranger() -> libp2p::Swarm<libp2p::relay::client::Behaviour> {
    libp2p::SwarmBuilder::with_new_identity()
        .with_tokio()
        .with_tcp(tcp::Config::default(), noise::Config::new, yamux::Config::default)
        .unwrap()
        .with_relay_client(noise::Config::new, yamux::Config::default)
        .unwrap()
        .with_behaviour(|_, relay| relay)
        .unwrap()
        .build()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_refuses_over_limit_requests_with_reasons_and_keeps_serving_its_users() {
    let dir = tempfile::tempdir().unwrap();
    let mut limits = Config::default();
    limits.relay.max_reservations = 2;
    limits.relay.circuit_rate_per_peer = 3;
    // Everyone here shares 127.0.0.1: the per-IP caps are exercised in unit tests.
    limits.relay.max_reservations_per_ip = 100;
    limits.relay.max_circuits_per_ip = 100;
    let relay = relay(dir.path(), limits).await;
    let relay_addr = relay.addr.clone().unwrap();
    let alice = start(dir.path(), 1, behind(&relay_addr), &[], &[&relay_addr], None).await;
    let bob = start(dir.path(), 2, behind(&relay_addr), &[], &[&relay_addr], None).await;
    reserved(&alice.node).await;
    reserved(&bob.node).await;
    befriend(&alice, &bob, 0).await;

    // A stranger asks for a third reservation: refused, the relay is full.
    let mut stranger = stranger();
    stranger
        .listen_on(relay_addr.clone().with(libp2p::multiaddr::Protocol::P2pCircuit))
        .unwrap();
    tokio::time::timeout(DEADLINE, async {
        loop {
            if let SwarmEvent::ListenerClosed { reason: Err(_), .. } = stranger.select_next_some().await {
                return;
            }
        }
    })
    .await
    .expect("the reservation is refused");
    status_until(&relay.node, "the refusal counted", |s| {
        s.rejected.get("relay.reservations_full") == Some(&1)
    })
    .await;

    // Then it opens circuits to a peer that holds no reservation until its rate runs out.
    let nobody = PeerId::random();
    let target = relay_addr
        .clone()
        .with(libp2p::multiaddr::Protocol::P2pCircuit)
        .with(libp2p::multiaddr::Protocol::P2p(nobody));
    for _ in 0..6 {
        stranger.dial(target.clone()).unwrap();
        tokio::time::timeout(DEADLINE, async {
            loop {
                if let SwarmEvent::OutgoingConnectionError { .. } = stranger.select_next_some().await {
                    return;
                }
            }
        })
        .await
        .expect("the circuit is refused");
    }
    let status = status_until(&relay.node, "six counted refusals", |s| {
        s.nat
            .relay_service
            .as_ref()
            .is_some_and(|r| r.circuits_refused.values().sum::<u64>() >= 6)
    })
    .await;
    let service = status.nat.relay_service.unwrap();
    assert_eq!(service.circuits_refused.get("no_reservation"), Some(&3));
    assert_eq!(service.circuits_refused.get("rate_limited"), Some(&3));
    assert_eq!(service.reservations_refused.get("reservations_full"), Some(&1));
    assert_eq!(status.rejected.get("relay.rate_limited"), Some(&3));

    // Meanwhile the relay's users are served end to end: a lookup through its DHT and a
    // message through a new circuit.
    assert_eq!(alice.node.lookup_contact(&bob.phone).await.unwrap().state, "found");
    let mut alice_events = alice.node.events();
    let sent = alice.node.send(&bob.phone, "still there?").await.unwrap();
    wait_states(&mut alice_events, &[sent.id], MessageState::Delivered).await;
    let history = bob.node.history(&alice.phone, 10, None).await.unwrap();
    assert_eq!(history.last().unwrap().text, "still there?");
    let service = relay.node.status().await.unwrap().nat.relay_service.unwrap();
    assert!(service.circuits_accepted >= 1);
    for node in [&alice.node, &bob.node, &relay.node] {
        node.shutdown().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dials_back_off_from_a_record_of_bogus_addresses() {
    use chingu::rendezvous::record::Addr;
    use chingu::wire::Bytes;

    let dir = tempfile::tempdir().unwrap();
    let mut settings = Config::default();
    settings.discovery.discoverable = Discoverable::Everyone;
    let helper = start(dir.path(), 0, settings.clone(), &["/ip4/127.0.0.1/tcp/0"], &[], None).await;
    let helper_addr = helper.addr.clone().unwrap();
    let alice = start(
        dir.path(),
        1,
        settings,
        &["/ip4/127.0.0.1/tcp/0"],
        &[&helper_addr],
        None,
    )
    .await;
    alice.node.wait_joined().await.unwrap();

    // A "friend" whose record lists only addresses nobody can use: unspecified, DNS
    // (not spoken), UDP without QUIC, and a loopback port nobody listens on.
    let ghost_home = Home::at(dir.path().join("ghost"));
    let ghost_phone = chingu::phone::synthetic(99);
    ghost_home
        .init(&InitOptions {
            phone: ghost_phone.clone(),
            name: "ghost".into(),
            region: "KR".parse().unwrap(),
            force: false,
        })
        .unwrap();
    let identity = ghost_home.load_identity().unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addrs: Vec<Addr> = [
        "/ip4/0.0.0.0/tcp/4001".to_owned(),
        "/dns4/nowhere.invalid/tcp/4001".to_owned(),
        "/ip4/127.0.0.1/udp/4001".to_owned(),
        format!("/ip4/127.0.0.1/tcp/{closed}"),
    ]
    .iter()
    .map(|a| Bytes::new(a.parse::<Multiaddr>().unwrap().to_vec()).unwrap())
    .collect();
    let (key, value) = common::forge::claim(&identity, ghost_phone.as_str(), addrs, "ghost");
    helper.node.dht_put(key, value).await.unwrap();
    alice.node.add_contact(ghost_phone.as_str(), "ghost").await.unwrap();
    tokio::time::timeout(DEADLINE, async {
        while alice.node.lookup_contact("ghost").await.unwrap().state != "found" {}
    })
    .await
    .expect("the ghost's record is found");

    // Twenty messages keep asking for the ghost; its one dialable address is tried, fails,
    // and is then held back on an exponential schedule instead of being dialled each time.
    for i in 0..20 {
        alice.node.send("ghost", &format!("boo {i}")).await.unwrap();
    }
    let status = status_until(&alice.node, "dials held back", |s| {
        s.nat.dial_failures >= 2 && s.nat.dials_held_back >= 2 * s.nat.dial_failures
    })
    .await;
    assert!(status.nat.addrs_backing_off >= 1);
    // The unusable addresses were refused before any dial, with their reasons.
    assert!(status.rejected.get("dial.addr_no_host").copied().unwrap_or(0) >= 1);
    assert!(status.rejected.get("dial.addr_transport").copied().unwrap_or(0) >= 2);
    assert_eq!(
        status.messages.outbox, 20,
        "nothing is lost: every message waits for delivery"
    );
    for node in [&alice.node, &helper.node] {
        node.shutdown().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reachability_and_external_addresses_in_status() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = Config::default();
    settings.discovery.discoverable = Discoverable::Contacts;
    let first = start(dir.path(), 1, settings.clone(), &["/ip4/127.0.0.1/tcp/0"], &[], None).await;
    // Alone, nothing can be tested: unknown, and no external address yet.
    let alone = first.node.status().await.unwrap();
    assert_eq!(alone.reachability, "unknown");
    assert!(alone.external_addrs.is_empty());
    assert_eq!(alone.role, None);

    // A node that dials another has it dial its observed address back (AutoNAT v2 asks
    // only peers it dialled): public, with its listen address confirmed.
    let first_addr = first.addr.clone().unwrap();
    let second = start(dir.path(), 2, settings, &["/ip4/127.0.0.1/tcp/0"], &[&first_addr], None).await;
    let listen = chingu::node::nat::addrs::without_peer(second.addr.as_ref().unwrap()).to_string();
    let status = status_until(&second.node, "public with its address confirmed", |s| {
        s.reachability == "public" && s.external_addrs.contains(&listen) && s.nat.autonat.confirmed == 1
    })
    .await;
    assert_eq!(status.external_addrs, [listen]);
    // The first node served the probe. Only dialled, never dialling, it has nobody to ask
    // and stays unknown: it behaves as before, publishing its listen address.
    let first_status = status_until(&first.node, "the probe served", |s| s.nat.autonat.served == 1).await;
    assert_eq!(first_status.reachability, "unknown");
    for node in [&first.node, &second.node] {
        node.shutdown().await.unwrap();
    }
}

/// A friend who moved (here: started again on other ports) is reached at the new address:
/// the old one refuses, so the sender looks the friend's record up again at once instead
/// of waiting for the hourly refresh. Neither serves the DHT, so the record is the only
/// place the sender learns addresses from; the friend has not added the sender, so nothing
/// makes it call first.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_friend_who_moved_is_looked_up_again_when_its_old_address_fails() {
    let dir = tempfile::tempdir().unwrap();
    let boot = start(
        dir.path(),
        0,
        Config::default(),
        &["/ip4/127.0.0.1/tcp/0"],
        &[],
        Some(Role::Bootstrap),
    )
    .await;
    let boot_addr = boot.addr.clone().unwrap();
    let mut settings = Config::default();
    settings.network.dht_mode = chingu::config::DhtMode::Client;
    settings.discovery.discoverable = Discoverable::Everyone;
    let alice = start(
        dir.path(),
        1,
        settings.clone(),
        &["/ip4/127.0.0.1/tcp/0"],
        &[&boot_addr],
        None,
    )
    .await;
    let bob = start(dir.path(), 2, settings, &["/ip4/127.0.0.1/tcp/0"], &[&boot_addr], None).await;
    alice.node.add_contact(&bob.phone, "bob").await.unwrap();
    tokio::time::timeout(DEADLINE, async {
        while alice.node.lookup_contact(&bob.phone).await.unwrap().state != "found" {}
    })
    .await
    .expect("Alice finds Bob");

    bob.node.shutdown().await.unwrap();
    let bob = restart(dir.path(), 2, &["/ip4/127.0.0.1/tcp/0"], &[&boot_addr]).await;
    status_until(&bob.node, "Bob's record at his new address", |s| {
        s.discovery.records_published >= 1
    })
    .await;

    let mut bob_events = bob.node.events();
    let sent = alice.node.send(&bob.phone, "moved?").await.unwrap();
    // Alice is not Bob's contact: her message reaches him as a request.
    let received = wait_event(&mut bob_events, |e| match e {
        Event::MessageReceived { message } => Some(message.clone()),
        _ => None,
    })
    .await;
    assert_eq!((received.id, received.text.as_str()), (sent.id, "moved?"));
    let status = alice.node.status().await.unwrap();
    assert!(
        status.nat.dial_failures >= 1,
        "the old address was tried first: {status:?}"
    );
    for node in [&alice.node, &bob.node, &boot.node] {
        node.shutdown().await.unwrap();
    }
}
