//! Embedding chingu: two nodes in one program, driven through `NodeHandle`.
//!
//! Shows every basic handle method: starting from a home, `events`, `status`,
//! `listen_addrs`, `dial`, `peers`, `wait_routing_table`, `dht_put`/`dht_get` with a
//! genuine rendezvous record, `shutdown` and `stopped`.
//!
//! ```text
//! cargo run --example embed
//! ```

use futures::StreamExt;

use chingu::home::{Home, InitOptions};
use chingu::rendezvous::record::DEFAULT_LIFETIME_SECS;
use chingu::rendezvous::{seal_entry, Epoch, InnerBody, RendezvousKeys, RendezvousValue};
use chingu::session::Prekey;
use chingu::wire::{List, Text};
use chingu::{Event, Node, NodeConfig, NodeHandle};

async fn start(
    dir: &std::path::Path,
    phone: &str,
    name: &str,
) -> Result<(Home, NodeHandle), Box<dyn std::error::Error>> {
    let home = Home::at(dir.join(name));
    let region = "KR".parse()?;
    let phone = chingu::phone::normalize(phone, &region)?;
    let report = home.init(&InitOptions {
        phone,
        name: name.into(),
        region,
        force: false,
    })?;
    let mut config = NodeConfig::from_home(&home)?;
    config.listen = vec!["/ip4/127.0.0.1/tcp/0".parse()?];
    config.open_store = Some(report.store);
    Ok((home, Node::start(config).await?))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let (_, minji) = start(dir.path(), "010-1234-5678", "minji").await?;
    let (yuki_home, yuki) = start(dir.path(), "010-8765-4321", "yuki").await?;
    let mut events = minji.events();

    // Connect Yuki to Minji.
    let addr = minji
        .listen_addrs()
        .await?
        .remove(0)
        .with_p2p(minji.peer_id())
        .expect("no /p2p yet");
    let peer = yuki.dial(addr).await?;
    println!("yuki connected to {peer}");
    while let Some(event) = events.next().await {
        if let Event::PeerConnected { peer_id } = event {
            println!("minji sees {peer_id}");
            break;
        }
    }
    minji.wait_routing_table(1).await?;
    println!("minji's status: {:?}", minji.status().await?);
    println!("minji's peers: {:?}", minji.peers().await?);

    // Yuki publishes a rendezvous record for her number; Minji looks it up.
    let identity = yuki_home.load_identity()?;
    let now = chingu::model::now_ms() / 1000;
    let epoch = Epoch::at(now);
    let keys = RendezvousKeys::single("+821087654321", epoch);
    let prekey = Prekey::generate(1, now, &mut rand::rngs::OsRng)?.sign(identity.ed25519());
    let body = InnerBody::new(
        &identity.ed25519().public(),
        identity.noise().public,
        prekey,
        List::default(),
        List::default(),
        Text::new("yuki")?,
    );
    let entry = seal_entry(
        identity.ed25519(),
        &keys,
        epoch,
        now,
        now + DEFAULT_LIFETIME_SECS,
        &body,
        &mut rand::rngs::OsRng,
    )?;
    yuki.dht_put(keys.dht_key.to_vec(), RendezvousValue::new(vec![entry])?.encode()?)
        .await?;
    let found = minji.dht_get(keys.dht_key.to_vec(), 1).await?;
    println!("minji found {} value(s) under Yuki's key", found.len());

    yuki.shutdown().await?;
    minji.shutdown().await?;
    minji.stopped().await;
    println!("both nodes stopped");
    Ok(())
}
