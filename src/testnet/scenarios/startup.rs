//! `--scenario startup`: how long a node with a large history takes from start to
//! listening. One extra node's store is filled with `--messages` messages (in batches,
//! flushed), closed, and the node is started from it.

use std::time::Instant;

use serde_json::{json, Map, Value};

use super::super::{TestNet, TestNetError};
use crate::home::{Home, InitOptions};
use crate::model::{
    now_ms, Body, ConvId, Conversation, ConversationKind, Direction, Hlc, MessageState, MsgId, StoredMessage,
};
use crate::node::{Node, NodeConfig};
use crate::phone::{synthetic, Region};
use crate::store::Store;

/// Messages written per batch while filling the store.
const FILL_BATCH: usize = 1_000;
/// Conversations the messages are spread over.
const CONVERSATIONS: u32 = 50;

fn scenario_error(reason: impl ToString) -> TestNetError {
    TestNetError::Scenario {
        scenario: "startup",
        reason: reason.to_string(),
    }
}

fn fill(store: &Store, owner: &crate::phone::PhoneNumber, messages: usize) -> Result<(), TestNetError> {
    let mut clocks = vec![Hlc::default(); CONVERSATIONS as usize];
    let peers: Vec<_> = (0..CONVERSATIONS).map(|i| synthetic(1_000_000 + i)).collect();
    let mut written = 0;
    while written < messages {
        let mut batch = store.batch();
        for _ in 0..FILL_BATCH.min(messages - written) {
            let c = written % CONVERSATIONS as usize;
            clocks[c] = clocks[c].tick(now_ms());
            let conv = ConvId::direct(&peers[c]);
            batch.put_message(&StoredMessage {
                id: MsgId::generate(),
                conv,
                hlc: clocks[c].0,
                direction: if written % 2 == 0 {
                    Direction::Outgoing
                } else {
                    Direction::Incoming
                },
                sender: if written % 2 == 0 {
                    owner.clone()
                } else {
                    peers[c].clone()
                },
                body: Body::Text { text: "x".repeat(200) },
                state: MessageState::Delivered,
                sent_ms: now_ms(),
                stored_ms: now_ms(),
                annotations: Default::default(),
            });
            batch.put_conversation(&Conversation {
                id: conv,
                kind: ConversationKind::Direct {
                    phone: peers[c].clone(),
                },
                title: format!("peer {c}"),
                last_hlc: clocks[c].0,
                unread: 0,
                preview: "x".into(),
            });
            written += 1;
        }
        store.apply(batch).map_err(scenario_error)?;
    }
    store.flush().map_err(scenario_error)
}

/// Runs the scenario; `messages` is the history size.
pub async fn run(net: &mut TestNet, messages: usize) -> Result<Map<String, Value>, TestNetError> {
    let home = Home::at(net.root().join("startup-node"));
    let phone = synthetic(9_999_999);
    let report = home
        .init(&InitOptions {
            phone: phone.clone(),
            name: "startup".into(),
            region: Region::default(),
            force: false,
        })
        .map_err(scenario_error)?;
    let started = Instant::now();
    let store = report.store;
    let owner = phone.clone();
    let store = tokio::task::spawn_blocking(move || fill(&store, &owner, messages).map(|()| store))
        .await
        .map_err(scenario_error)??;
    let fill_ms = started.elapsed().as_millis();
    let disk_bytes = store.size_on_disk().map_err(scenario_error)?;
    drop(store);

    let mut config = NodeConfig::from_home(&home).map_err(scenario_error)?;
    config.listen = vec!["/ip4/127.0.0.1/tcp/0".parse().expect("valid multiaddr")];
    if let Some(first) = net.nodes.first() {
        config.bootstrap = vec![first.addr.clone()];
    }
    let started = Instant::now();
    let node = Node::start(config).await.map_err(scenario_error)?;
    let start_ms = started.elapsed().as_secs_f64() * 1000.0;
    node.shutdown().await.map_err(scenario_error)?;

    let figures = json!({
        "messages": messages,
        "fill_ms": fill_ms,
        "disk_bytes": disk_bytes,
        "start_to_listening_ms": super::super::stats::round(start_ms),
    });
    Ok(figures.as_object().cloned().unwrap_or_default())
}
