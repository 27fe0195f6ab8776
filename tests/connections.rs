//! Connection lifetime: a connection nobody uses is closed after the configured idle
//! timeout, although gossipsub greets every peer on a stream of its own (rust-libp2p
//! issue #5190: before `node::gossip`, no connection of a chingu node ever closed).

use std::time::Duration;

use futures::StreamExt;

use chingu::home::{Home, InitOptions};
use chingu::{Event, Node, NodeConfig, NodeHandle};

const DEADLINE: Duration = Duration::from_secs(30);

async fn start(dir: &std::path::Path, phone: &str, idle_timeout: Duration) -> NodeHandle {
    let home = Home::at(dir.join(phone));
    let region = "KR".parse().unwrap();
    let report = home
        .init(&InitOptions {
            phone: chingu::phone::normalize(phone, &region).unwrap(),
            name: phone.into(),
            region,
            force: false,
        })
        .unwrap();
    let mut config = NodeConfig::from_home(&home).unwrap();
    config.listen = vec!["/ip4/127.0.0.1/tcp/0".parse().unwrap()];
    config.mdns = false;
    config.idle_timeout = idle_timeout;
    config.open_store = Some(report.store);
    Node::start(config).await.unwrap()
}

/// A node's first listen address, with its peer id.
async fn address_of(node: &NodeHandle) -> libp2p::Multiaddr {
    let addr = node.listen_addrs().await.unwrap().remove(0);
    addr.with_p2p(node.peer_id()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_connection_is_closed_after_the_idle_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let alice = start(dir.path(), "010-1111-0001", Duration::from_secs(1)).await;
    let bob = start(dir.path(), "010-1111-0002", Duration::from_secs(1)).await;
    let mut events = alice.events();
    bob.dial(address_of(&alice).await).await.unwrap();
    let bob_id = bob.peer_id().to_string();
    let closed = tokio::time::timeout(DEADLINE, async {
        let mut connected = false;
        while let Some(event) = events.next().await {
            match event {
                Event::PeerConnected { peer_id } if peer_id == bob_id => connected = true,
                Event::PeerDisconnected { peer_id } if peer_id == bob_id && connected => return true,
                _ => {}
            }
        }
        false
    })
    .await;
    assert_eq!(closed, Ok(true), "the idle connection to Bob was not closed");
    // Both nodes keep running and can connect again.
    alice.dial(address_of(&bob).await).await.unwrap();
    alice.shutdown().await.unwrap();
    bob.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_handshakes_from_one_address_leave_room_for_honest_peers() {
    use chingu::testnet::scenarios::attacks::{inbound_flood, node_settings};
    use chingu::testnet::{TestNet, TestNetOptions};

    // One node that applies its per-address limits to loopback too: the attacker comes
    // from 127.0.0.2, honest peers from 127.0.0.1.
    let mut net = TestNet::start(TestNetOptions::new(0), |_| {}).await.unwrap();
    net.add_node_with(node_settings(0, &chingu::config::Config::default()))
        .await
        .unwrap();
    let node = net.nodes[0].node().clone();
    // 150 connections that never start their handshake (more than the 128 slots), opened
    // as fast as the node closes them, while 20 fresh honest peers connect and ping.
    let report = inbound_flood(&node, &net.nodes[0].addr, 150, 200.0, 20, 0.0)
        .await
        .unwrap();
    assert!(report.attack_connections >= 150, "the attack ran: {report:?}");
    assert!(
        report.honest_served >= 19,
        "at least 95 % of honest peers are served: {report:?}"
    );
    assert!(
        report.rejected.get("net.pending_per_ip").copied().unwrap_or(0) > 0,
        "the attack is counted: {report:?}"
    );
    net.shutdown().await;
}
