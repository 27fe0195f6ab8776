//! A local test net through the library: start N nodes in this process, wait until
//! their routing tables are ready, run the DHT check, print the report.
//!
//! ```text
//! cargo run --release --example testnet -- 50
//! ```

use std::time::Duration;

use chingu::testnet::scenarios::{self, ScenarioOptions};
use chingu::testnet::{TestNet, TestNetOptions};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let nodes: usize = std::env::args().nth(1).map(|n| n.parse()).transpose()?.unwrap_or(20);
    let mut net = TestNet::start(TestNetOptions::new(nodes), |p| {
        eprintln!("started {}/{}", p.started, p.total)
    })
    .await?;
    let readiness = net
        .wait_ready(Duration::from_secs(60), |p| eprintln!("ready {}/{}", p.ready, p.total))
        .await;
    let options = ScenarioOptions {
        messages: 0,
        ..ScenarioOptions::default()
    };
    let report = scenarios::run(&mut net, readiness, None, &options).await?;
    net.shutdown().await;
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}
