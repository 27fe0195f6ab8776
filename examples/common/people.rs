//! Helpers shared by the examples where people on 127.0.0.1 find each other: a person's
//! home and node, and waiting until a contact's record is found.

use chingu::home::{Home, InitOptions};
use chingu::{Node, NodeConfig, NodeHandle};

type Error = Box<dyn std::error::Error>;

/// Starts the node of `home` on 127.0.0.1 (an ephemeral port, no mDNS), bootstrapping
/// from `bootstrap`.
pub async fn start_home(home: &Home, bootstrap: Option<libp2p::Multiaddr>) -> Result<NodeHandle, Error> {
    let mut config = NodeConfig::from_home(home)?;
    config.listen = vec!["/ip4/127.0.0.1/tcp/0".parse()?];
    config.bootstrap = bootstrap.into_iter().collect();
    config.mdns = false;
    Ok(Node::start(config).await?)
}

/// Makes the home of `name` with the Korean `phone` under `dir` and starts its node.
pub async fn person(
    dir: &std::path::Path,
    phone: &str,
    name: &str,
    bootstrap: Option<libp2p::Multiaddr>,
) -> Result<NodeHandle, Error> {
    let home = Home::at(dir.join(name));
    let region = "KR".parse()?;
    home.init(&InitOptions {
        phone: chingu::phone::normalize(phone, &region)?,
        name: name.into(),
        region,
        force: false,
    })?;
    start_home(&home, bootstrap).await
}

/// Looks `contact` up until its record is found (within a minute).
pub async fn find(node: &NodeHandle, contact: &str) -> Result<(), Error> {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(60);
    while node.lookup_contact(contact).await?.state != "found" {
        if tokio::time::Instant::now() > deadline {
            return Err(format!("{contact} not found").into());
        }
    }
    Ok(())
}

/// Where another node dials `node`: its first listening address, with its peer id.
pub async fn dial_addr(node: &NodeHandle) -> Result<libp2p::Multiaddr, Error> {
    let addr = node.listen_addrs().await?.into_iter().next().ok_or("not listening")?;
    Ok(addr
        .with_p2p(node.peer_id())
        .map_err(|_| "an address with another peer id")?)
}
