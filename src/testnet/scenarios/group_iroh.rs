//! `--scenario group-iroh` (cargo feature `iroh-baseline`): the iroh-gossip baseline for
//! `group` — the Rust broadcast layer a developer would pick instead. `--group-size`
//! members, each an iroh endpoint (QUIC, TLS with raw public keys) running iroh-gossip
//! with its default settings (HyParView membership, Plumtree broadcast), subscribed to
//! one topic through up to 8 earlier members. The same texts as `group` and `group-raw`
//! go out round-robin over the members at the same pacing; each is expected at every
//! other member. No end-to-end encryption beyond the transport, no store, no repair.
//!
//! Nothing leaves the machine: every endpoint binds 127.0.0.1 only, relays are off
//! (`RelayMode::Disabled`, no relay transport), there is no address lookup but an
//! in-memory table of the members' loopback addresses (iroh's default n0 DNS and pkarr
//! lookup is never added), port mapping is not even built (iroh without its
//! `portmapper` feature), and net reports run no HTTPS probes and no captive-portal
//! check (they would only target relays, of which there are none).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use futures::StreamExt;
use iroh::address_lookup::memory::MemoryLookup;
use iroh::endpoint::{presets, NetReportConfig, PortmapperConfig};
use iroh::protocol::Router;
use iroh::{Endpoint, EndpointAddr, EndpointId, RelayMode};
use iroh_gossip::api::{Event, GossipSender};
use iroh_gossip::{Gossip, TopicId};
use serde_json::{Map, Value};
use tokio::sync::mpsc;

use super::super::resources::UsageMeter;
use super::super::TestNetError;
use super::group_raw::{baseline_report, collect_arrivals, payload, poll_until_formed, publish_all, seq_of};

/// The baseline's topic.
const TOPIC: [u8; 32] = *b"chingu group-iroh baseline topic";
/// Earlier members each member joins through.
const BOOTSTRAP: usize = 8;
/// Neighbours each member must have before sending starts (or all the others, if fewer).
const NEIGHBOURS: usize = 3;

fn scenario_error(reason: impl ToString) -> TestNetError {
    super::dm::scenario_error("group-iroh")(reason.to_string())
}

/// An endpoint that only ever talks to 127.0.0.1 (see the module notes).
async fn loopback_endpoint(lookup: &MemoryLookup) -> Result<Endpoint, TestNetError> {
    let endpoint = Endpoint::builder(presets::Minimal)
        .relay_mode(RelayMode::Disabled)
        .clear_relay_transports()
        .clear_address_lookup()
        .clear_ip_transports()
        .bind_addr("127.0.0.1:0")
        .map_err(scenario_error)?
        .portmapper_config(PortmapperConfig::Disabled)
        .net_report_config(NetReportConfig::minimal())
        .alpns(vec![iroh_gossip::ALPN.to_vec()])
        .bind()
        .await
        .map_err(scenario_error)?;
    endpoint.address_lookup().map_err(scenario_error)?.add(lookup.clone());
    Ok(endpoint)
}

/// One member: its router (endpoint + gossip), its sender on the topic, and its
/// neighbour count.
struct Member {
    router: Router,
    sender: GossipSender,
    neighbours: Arc<AtomicUsize>,
}

/// Starts a member that joins through `bootstrap` and reports `(member, seq, arrival)`
/// for every message received.
async fn member(
    index: usize,
    lookup: &MemoryLookup,
    bootstrap: Vec<EndpointId>,
    arrivals: mpsc::UnboundedSender<(usize, u64, Instant)>,
) -> Result<(Member, EndpointAddr), TestNetError> {
    let endpoint = loopback_endpoint(lookup).await?;
    let mut addr = EndpointAddr::new(endpoint.id());
    for socket in endpoint.bound_sockets() {
        addr = addr.with_ip_addr(socket);
    }
    let gossip = Gossip::builder().spawn(endpoint.clone());
    let router = Router::builder(endpoint)
        .accept(iroh_gossip::ALPN, gossip.clone())
        .spawn();
    let topic = gossip
        .subscribe(TopicId::from_bytes(TOPIC), bootstrap)
        .await
        .map_err(scenario_error)?;
    let (sender, mut receiver) = topic.split();
    let neighbours = Arc::new(AtomicUsize::new(0));
    let count = neighbours.clone();
    tokio::spawn(async move {
        while let Some(event) = receiver.next().await {
            match event {
                Ok(Event::Received(message)) => {
                    if let Some(seq) = seq_of(&message.content) {
                        let _ = arrivals.send((index, seq, Instant::now()));
                    }
                }
                Ok(Event::NeighborUp(_)) => {
                    count.fetch_add(1, Ordering::Relaxed);
                }
                Ok(Event::NeighborDown(_)) => {
                    count.fetch_sub(1, Ordering::Relaxed);
                }
                Ok(Event::Lagged) => tracing::warn!(index, "group-iroh member lagged"),
                Err(e) => {
                    tracing::warn!(index, error = %e, "group-iroh subscription ended");
                    return;
                }
            }
        }
    });
    Ok((
        Member {
            router,
            sender,
            neighbours,
        },
        addr,
    ))
}

/// Runs the baseline with `group_size` members.
pub async fn run(group_size: usize, messages: usize, rate: f64) -> Result<Map<String, Value>, TestNetError> {
    if group_size < 2 {
        return Err(scenario_error("needs --group-size ≥ 2"));
    }
    let lookup = MemoryLookup::new();
    let (arrivals_tx, arrivals_rx) = mpsc::unbounded_channel();
    let mut members: Vec<Member> = Vec::with_capacity(group_size);
    let mut ids: Vec<EndpointId> = Vec::with_capacity(group_size);
    for index in 0..group_size {
        let bootstrap = ids[ids.len().saturating_sub(BOOTSTRAP)..].to_vec();
        let (member, addr) = member(index, &lookup, bootstrap, arrivals_tx.clone()).await?;
        ids.push(addr.id);
        lookup.add_endpoint_info(addr);
        members.push(member);
    }
    drop(arrivals_tx);
    let want = (group_size - 1).min(NEIGHBOURS);
    let formed = poll_until_formed(|| {
        let ready = members.iter().all(|m| m.neighbours.load(Ordering::Relaxed) >= want);
        std::future::ready(ready)
    })
    .await;
    if !formed {
        return Err(scenario_error("the overlay did not form in time"));
    }

    let meter = UsageMeter::start();
    let started = Instant::now();
    let sent_at = publish_all(messages, rate, |seq| {
        let sender = members[seq as usize % group_size].sender.clone();
        async move {
            match sender.broadcast(payload(seq).into()).await {
                Ok(()) => true,
                Err(e) => {
                    tracing::warn!(seq, error = %e, "group-iroh broadcast failed");
                    false
                }
            }
        }
    })
    .await;
    let arrivals = collect_arrivals(arrivals_rx, messages * (group_size - 1)).await;
    let usage = meter.finish();
    for member in &members {
        if let Err(e) = member.router.shutdown().await {
            tracing::warn!(error = %e, "group-iroh router shutdown");
        }
    }
    Ok(baseline_report(group_size, messages, started, sent_at, arrivals, usage))
}
