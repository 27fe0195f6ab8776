//! Real nodes on loopback form one DHT: ten nodes bootstrap from each other and a
//! rendezvous record put by one node is read by another.

use crate::common;
use std::time::Duration;

use futures::StreamExt;
use libp2p::kad::{self, store::MemoryStore, Quorum, Record, RecordKey};
use libp2p::swarm::SwarmEvent;
use libp2p::{noise, tcp, yamux, StreamProtocol, Swarm};

use crate::common::lone;
use crate::common::net::still_serves;
use chingu::config::Config;
use chingu::node::behaviour::KAD_PROTOCOL;
use chingu::rendezvous::RecordError;
use chingu::testnet::scenarios::{self, ScenarioOptions};
use chingu::testnet::spread::{self, SpreadOptions};
use chingu::testnet::{FdPlan, TestNet, TestNetOptions, READY_PEERS};
use chingu::Event;
use chingu::NodeError;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_nodes_bootstrap_and_share_records() {
    let mut net = TestNet::start(TestNetOptions::new(10), |_| {}).await.unwrap();
    let readiness = net.wait_ready(Duration::from_secs(60), |_| {}).await;
    assert_eq!(
        readiness.ready, 10,
        "every node joined with min(N-1, {READY_PEERS}) peers"
    );
    for node in &net.nodes {
        let status = node.node().status().await.unwrap();
        assert!(status.routing_table_size >= READY_PEERS.min(9));
    }
    let options = ScenarioOptions {
        messages: 0,
        ..ScenarioOptions::default()
    };
    let report = scenarios::run(&mut net, readiness, None, &options).await.unwrap();
    assert_eq!(report.kad_put_get.ok, 10, "{:?}", report.kad_put_get);
    assert_eq!(report.kad_put_get.failed, 0);
    net.shutdown().await;
}

/// Large-net mode at a small size, what nets of hundreds of nodes run: idle connections
/// closed after 3 s, nodes joining eight at a time, full k-buckets not probed (peers are
/// inserted by the node while there is room). At 48 nodes a node's farthest bucket (half
/// the key space, 20 entries) is full for most nodes, so newcomers are turned away there.
/// Every node still joins, and every record put is read back by another node.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_net_in_large_mode_joins_and_shares_records() {
    const NODES: usize = 48;
    let mut options = TestNetOptions::new(NODES);
    // Planned as if the process had 1,024 descriptors: a full mesh does not fit.
    let plan = FdPlan::new(NODES, 1_024);
    assert!(plan.large, "{plan:?}");
    options.plan = Some(plan);
    let mut net = TestNet::start(options, |_| {}).await.unwrap();
    let readiness = net.wait_ready(Duration::from_secs(120), |_| {}).await;
    assert_eq!(
        readiness.ready, NODES,
        "every node has {READY_PEERS} peers in its routing table"
    );
    let options = ScenarioOptions {
        messages: 0,
        ..ScenarioOptions::default()
    };
    let report = scenarios::run(&mut net, readiness, None, &options).await.unwrap();
    assert_eq!(report.kad_put_get.ok, NODES, "{:?}", report.kad_put_get);
    assert_eq!(report.kad_put_get.failed, 0);
    net.shutdown().await;
}

/// A net spread over three worker processes (what nets too large for one process's
/// descriptors run as): nodes of later workers bootstrap from nodes of earlier ones, all
/// get ready, and each worker's records are read back through the one DHT of all 36.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_net_spread_over_worker_processes_is_one_dht() {
    const NODES: usize = 36;
    let options = SpreadOptions {
        program: common::bin(),
        nodes: NODES,
        workers: 3,
        seed: 1,
        keep_up: Duration::ZERO,
    };
    let mut seen = Vec::new();
    let report = spread::run(options, |progress| seen.push(progress.started))
        .await
        .unwrap();
    assert_eq!(report.ready, NODES, "every node of every worker is ready");
    assert_eq!(seen.last(), Some(&NODES), "every start was passed on");
    assert_eq!(report.kad_put_get.ok, NODES, "{:?}", report.kad_put_get);
    assert_eq!(report.kad_put_get.failed, 0);
    assert_eq!(report.figures["workers"], 3);
    assert_eq!(report.figures["joined"], NODES, "every first bootstrap finished");
    assert!(report.figures["dht_rejoins"].is_u64(), "counted");
    let idle = |figure: &str| report.figures[figure].as_u64().unwrap();
    assert!(idle("idle_rss_bytes") > 0 && report.rss_bytes >= idle("idle_rss_bytes"));
    assert!(idle("idle_heap_bytes") > 0, "glibc says how much heap is in use");
    assert!(idle("trimmed_rss_bytes") > 0);
    assert!(idle("trimmed_pss_bytes") > 0 && idle("trimmed_pss_bytes") <= idle("trimmed_rss_bytes"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_records_are_refused_and_counted_and_the_node_keeps_running() {
    let net = TestNet::start(TestNetOptions::new(3), |_| {}).await.unwrap();
    net.wait_ready(Duration::from_secs(60), |_| {}).await;
    let node = net.nodes[1].node().clone();
    // Garbage under a well-formed key, and a key of the wrong length: refused locally,
    // before anything is sent, with storage validation's typed reasons.
    for (key, value, reason) in [
        (vec![7; 32], b"not a rendezvous value".to_vec(), "malformed"),
        (vec![7; 5], Vec::new(), "bad_key"),
    ] {
        match node.dht_put(key, value).await {
            Err(NodeError::Dht { op: "put", source }) => {
                let error = source
                    .downcast_ref::<RecordError>()
                    .expect("a storage validation error");
                assert_eq!(error.reason(), reason, "{error}");
            }
            other => panic!("expected a refused put, got {other:?}"),
        }
    }
    // A fresh honest peer is still served: a real record put and read back through it.
    let mut net = net;
    still_serves(&mut net, 1).await;
    net.shutdown().await;
}

/// A plain libp2p node speaking our DHT protocol, without any record validation: the
/// kind of peer that sends garbage.
fn rogue_swarm() -> Swarm<kad::Behaviour<MemoryStore>> {
    libp2p::SwarmBuilder::with_new_identity()
        .with_tokio()
        .with_tcp(tcp::Config::default(), noise::Config::new, yamux::Config::default)
        .unwrap()
        .with_behaviour(|key| {
            let peer = key.public().to_peer_id();
            let mut kad = kad::Behaviour::with_config(
                peer,
                MemoryStore::new(peer),
                kad::Config::new(StreamProtocol::new(KAD_PROTOCOL)),
            );
            kad.set_mode(Some(kad::Mode::Server));
            kad
        })
        .unwrap()
        .build()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_put_by_a_remote_peer_is_refused_counted_and_not_stored() {
    let net = TestNet::start(TestNetOptions::new(1), |_| {}).await.unwrap();
    let node = net.nodes[0].node().clone();
    let mut events = node.events();
    let mut rogue = rogue_swarm();
    rogue
        .behaviour_mut()
        .add_address(&node.peer_id(), net.nodes[0].addr.clone());
    let garbage = Record::new(
        RecordKey::new(&[9u8; 32]),
        b"definitely not a rendezvous value".to_vec(),
    );
    rogue.behaviour_mut().put_record(garbage, Quorum::One).unwrap();

    // Drive the rogue swarm until the node reports the rejection and the rogue's PUT
    // has its answer (so the node is done with it either way).
    let mut rejected = None;
    let mut answered = false;
    tokio::time::timeout(Duration::from_secs(30), async {
        while rejected.is_none() || !answered {
            tokio::select! {
                event = rogue.select_next_some() => match event {
                    SwarmEvent::OutgoingConnectionError { error, .. } => {
                        panic!("the rogue could not reach the node: {error}")
                    }
                    SwarmEvent::Behaviour(kad::Event::OutboundQueryProgressed {
                        result: kad::QueryResult::PutRecord(_),
                        ..
                    }) => answered = true,
                    _ => {}
                },
                event = events.next() => if let Some(Event::Rejected { protocol, reason, .. }) = event {
                    rejected = Some((protocol, reason));
                },
            }
        }
    })
    .await
    .expect("a rejection and the PUT's answer within 30 s");
    assert_eq!(
        rejected,
        Some(("kad".to_owned(), "malformed".to_owned())),
        "not an rdv.value envelope"
    );
    let status = node.status().await.unwrap();
    assert_eq!(status.rejected.get("kad.malformed"), Some(&1), "{:?}", status.rejected);
    assert_eq!(status.dht_records, 0, "nothing unvalidated is stored");
    net.shutdown().await;
}

/// A node whose bootstrap peer is down when it starts joins once the peer is back: its
/// thin routing table is tried again, backing off (SPEC.md §5.5): within seconds, not at
/// Kademlia's next refresh (5 min; never, once failed dials have emptied the table).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_whose_bootstrap_peer_was_down_joins_once_the_peer_is_back() {
    let dir = tempfile::tempdir().unwrap();
    let loopback = "/ip4/127.0.0.1/tcp/0";
    let first = lone::start(dir.path(), 0, Config::default(), &[loopback], &[], None).await;
    let addr = first.addr.clone().expect("listens");
    first.node.shutdown().await.unwrap();

    let late = lone::start(dir.path(), 1, Config::default(), &[loopback], &[&addr], None).await;
    let tried = lone::status_until(&late.node, "a first try again", |s| s.dht_rejoins >= 1).await;
    assert_eq!(tried.connected_peers, 0, "nobody to ask while the peer is down");

    // Back at the same address.
    let listen = addr.to_string();
    let listen = listen.split("/p2p/").next().unwrap();
    let _first = lone::restart(dir.path(), 0, &[listen], &[]).await;
    let joined = lone::status_until(&late.node, "joined", |s| {
        s.connected_peers >= 1 && s.routing_table_size >= 1
    })
    .await;
    assert!(joined.dht_rejoins >= 2, "joined by a later try: {}", joined.dht_rejoins);
    late.node.shutdown().await.unwrap();
}
