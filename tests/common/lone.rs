//! Nodes started one by one from their own homes (not a [`chingu::testnet::TestNet`]),
//! for tests that choose each node's listen addresses, role and settings: nodes behind a
//! relay, nodes nobody can dial.

use std::path::Path;
use std::time::Duration;

use futures::StreamExt;
use libp2p::Multiaddr;

use chingu::config::{Config, Role};
use chingu::home::{Home, InitOptions};
use chingu::node::Status;
use chingu::{Node, NodeConfig, NodeHandle};

use super::net::{found, DEADLINE};

/// One node of a test: its handle, its number and its dialable address (none when it
/// listens nowhere).
pub struct LoneNode {
    pub node: NodeHandle,
    pub phone: String,
    pub addr: Option<Multiaddr>,
}

/// Starts node `index` in `dir` with `settings`, listening on `listen` (none: nobody can
/// dial it) and bootstrapping from `bootstrap`; `role` applies an operator's preset.
pub async fn start(
    dir: &Path,
    index: u32,
    settings: Config,
    listen: &[&str],
    bootstrap: &[&Multiaddr],
    role: Option<Role>,
) -> LoneNode {
    start_configured(dir, index, settings, listen, bootstrap, role, |_| {}).await
}

/// [`start`], with `configure` applied to the node's configuration last (after the role's
/// preset).
pub async fn start_configured(
    dir: &Path,
    index: u32,
    settings: Config,
    listen: &[&str],
    bootstrap: &[&Multiaddr],
    role: Option<Role>,
    configure: impl FnOnce(&mut NodeConfig),
) -> LoneNode {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
    let home = Home::at(dir.join(format!("node-{index}")));
    let report = home
        .init(&InitOptions {
            phone: chingu::phone::synthetic(index),
            name: format!("n{index}"),
            region: settings.region.clone(),
            force: false,
        })
        .unwrap();
    settings.save(&home.config_path()).unwrap();
    let mut config = NodeConfig::from_home(&home).unwrap();
    config.open_store = Some(report.store);
    if let Some(role) = role {
        config.apply_role(role);
    }
    configure(&mut config);
    launch(config, index, listen, bootstrap).await
}

/// Starts node `index` again from its home in `dir` (as after a move to another network:
/// new ports), listening on `listen`.
pub async fn restart(dir: &Path, index: u32, listen: &[&str], bootstrap: &[&Multiaddr]) -> LoneNode {
    let home = Home::at(dir.join(format!("node-{index}")));
    launch(NodeConfig::from_home(&home).unwrap(), index, listen, bootstrap).await
}

async fn launch(mut config: NodeConfig, index: u32, listen: &[&str], bootstrap: &[&Multiaddr]) -> LoneNode {
    config.listen = listen.iter().map(|a| a.parse().unwrap()).collect();
    config.bootstrap = bootstrap.iter().map(|a| (*a).clone()).collect();
    let node = Node::start(config).await.unwrap();
    let addr = node
        .listen_addrs()
        .await
        .unwrap()
        .into_iter()
        .next()
        .map(|a| a.with_p2p(node.peer_id()).unwrap());
    LoneNode {
        node,
        phone: chingu::phone::synthetic(index).to_string(),
        addr,
    }
}

/// Polls `node`'s status until `ready` holds (waking on its events, at least each
/// second); on a timeout, panics with the last status seen.
pub async fn status_until(node: &NodeHandle, what: &str, ready: impl Fn(&Status) -> bool) -> Status {
    let last = std::sync::Mutex::new(None);
    tokio::time::timeout(DEADLINE, async {
        let mut events = node.events();
        loop {
            let status = node.status().await.unwrap();
            if ready(&status) {
                return status;
            }
            *last.lock().unwrap() = Some(status);
            let _ = tokio::time::timeout(Duration::from_secs(1), events.next()).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("{what}: not reached in time; last status: {:#?}", last.lock().unwrap()))
}

/// Makes `a` and `b` mutual contacts (named by their numbers) and waits until each found
/// the other's record with at least `mailboxes` mailboxes in it.
pub async fn befriend(a: &LoneNode, b: &LoneNode, mailboxes: usize) {
    a.node.add_contact(&b.phone, &b.phone).await.unwrap();
    b.node.add_contact(&a.phone, &a.phone).await.unwrap();
    found(&a.node, &b.phone, mailboxes).await;
    found(&b.node, &a.phone, mailboxes).await;
}
