//! Commands that ask the running node something: `status`, `peers`.

use serde_json::json;

use chingu::home::Home;
use chingu::node::{PeerInfo, Status};
use chingu::text::for_terminal;
use chingu::tr;

use super::output::{duration, outln, print_json, print_list, Table};

pub async fn status(home: &Home, json: bool) -> anyhow::Result<()> {
    let mut client = super::connect(home).await?;
    let status: Status = client.call_as("node.status", json!({})).await?;
    if json {
        return print_json(&status);
    }
    let mut table = Table::new();
    table.row([tr!("status-peer-id"), status.peer_id.clone()]);
    if !status.phone.is_empty() {
        table.row([tr!("status-phone"), status.phone.clone()]);
    }
    if !status.name.is_empty() {
        table.row([tr!("status-name"), for_terminal(&status.name).into_owned()]);
    }
    table.row([tr!("status-uptime"), duration(status.uptime_s)]);
    if let Some(role) = &status.role {
        table.row([tr!("status-role"), role.clone()]);
    }
    table.row([tr!("status-reachability"), status.reachability.clone()]);
    for (i, addr) in status.listen_addrs.iter().enumerate() {
        let label = if i == 0 { tr!("status-listening") } else { String::new() };
        table.row([label, addr.clone()]);
    }
    for (i, addr) in status.external_addrs.iter().enumerate() {
        let label = if i == 0 { tr!("status-external") } else { String::new() };
        table.row([label, addr.clone()]);
    }
    if !status.nat.relays.is_empty() {
        let relays = status
            .nat
            .relays
            .iter()
            .map(|r| format!("{} ({})", r.peer_id, r.state))
            .collect::<Vec<_>>()
            .join(", ");
        table.row([tr!("status-relays"), relays]);
    }
    table.row([
        tr!("status-peers"),
        tr!(
            "status-peers-value",
            connected = status.connected_peers,
            routing = status.routing_table_size
        ),
    ]);
    table.row([tr!("status-dht-records"), status.dht_records.to_string()]);
    let rejected: u64 = status.rejected.values().sum();
    if rejected > 0 {
        let detail = status
            .rejected
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(", ");
        table.row([tr!("status-rejected"), format!("{rejected} ({detail})")]);
    }
    table.print()?;
    Ok(())
}

pub async fn peers(home: &Home, json: bool) -> anyhow::Result<()> {
    let mut client = super::connect(home).await?;
    let peers: Vec<PeerInfo> = client.call_as("node.peers", json!({})).await?;
    print_list(
        &peers,
        json,
        tr!("peers-none"),
        [
            tr!("peers-col-peer"),
            tr!("peers-col-rtt"),
            tr!("peers-col-dht"),
            tr!("peers-col-path"),
            tr!("peers-col-addr"),
        ],
        |peer| {
            [
                peer.peer_id.clone(),
                peer.rtt_ms
                    .map(|ms| format!("{ms:.1} ms"))
                    .unwrap_or_else(|| "-".into()),
                if peer.in_routing_table { tr!("yes") } else { tr!("no") },
                peer.path.clone().unwrap_or_else(|| "-".into()),
                peer.addrs.first().cloned().unwrap_or_default(),
            ]
        },
    )?;
    if !json && !peers.is_empty() {
        outln!("{}", tr!("peers-count", count = peers.len()))?;
    }
    Ok(())
}
