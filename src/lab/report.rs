//! The lab's JSON reports: one per pair of NAT types, and the matrix around them.
//!
//! Figures the nodes know about their network are read from the control API with the
//! JSON pointers in [`fields`]; a node that does not report one (an older build) leaves
//! the report's field `null`, and the path is then inferred from the connection's
//! addresses.

use serde::Serialize;
use serde_json::Value;

use super::link::{Backend, LinkParams};
use super::nat::NatType;
use super::probe::ProbeReport;
use crate::testnet::stats::Summary;

/// The node API fields the reports read (JSON pointers).
pub mod fields {
    /// `node.status`: `public`, `private` or `unknown`.
    pub const REACHABILITY: &str = "/reachability";
    /// `node.status`: confirmed external addresses (multiaddrs).
    pub const EXTERNAL_ADDRS: &str = "/external_addrs";
    /// `node.status`: hole punches this node attempted (DCUtR), as a count.
    pub const HOLE_PUNCH_ATTEMPTS: &str = "/nat/hole_punch/attempts";
    /// `node.status`: hole punches that gave a direct connection.
    pub const HOLE_PUNCH_SUCCESSES: &str = "/nat/hole_punch/succeeded";
    /// `node.status`: bytes this node sent through relay circuits since it started.
    pub const RELAYED_SENT: &str = "/nat/relayed_bytes/sent";
    /// An entry of `node.peers`: `direct`, `relayed` or `hole_punched`.
    pub const PEER_PATH: &str = "/path";
    /// An entry of `node.peers`: the remote addresses of its connections.
    pub const PEER_ADDRS: &str = "/addrs";
}

/// A count read from `value` at `pointer`, if the node reports it.
pub fn count_at(value: &Value, pointer: &str) -> Option<u64> {
    value.pointer(pointer).and_then(Value::as_u64)
}

/// One node of a pair.
#[derive(Debug, Clone, Serialize)]
pub struct NodeReport {
    /// Its label.
    pub label: String,
    /// Its network.
    pub nat: NatType,
    /// Its own address.
    pub ip: String,
    /// The address the internet sees (its router's, or its own).
    pub public_ip: String,
    /// Its peer id.
    pub peer_id: String,
    /// `node.status` `reachability` at the end of the pair's run.
    pub reachability: Option<String>,
    /// `node.status` `external_addrs` at the end of the pair's run.
    pub external_addrs: Option<Vec<String>>,
}

/// How one node is connected to the other.
#[derive(Debug, Clone, Serialize)]
pub struct PathReport {
    /// `direct`, `relayed`, `hole_punched`, or `none` (not connected).
    pub path: String,
    /// Whether the node said so (`node.peers` `path`) or it was inferred from the
    /// addresses (`/p2p-circuit` means relayed).
    pub source: &'static str,
    /// The connection's remote addresses.
    pub addrs: Vec<String>,
}

impl PathReport {
    /// The path to `peer_id` in a `node.peers` answer.
    pub fn from_peers(peers: &Value, peer_id: &str) -> Self {
        let entry = peers.as_array().and_then(|list| {
            list.iter()
                .find(|p| p.get("peer_id").and_then(Value::as_str) == Some(peer_id))
        });
        let Some(entry) = entry else {
            return Self {
                path: "none".into(),
                source: "inferred",
                addrs: Vec::new(),
            };
        };
        let addrs: Vec<String> = entry
            .pointer(fields::PEER_ADDRS)
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
            .unwrap_or_default();
        match entry.pointer(fields::PEER_PATH).and_then(Value::as_str) {
            Some(path) => Self {
                path: path.to_owned(),
                source: "node",
                addrs,
            },
            None => Self {
                path: if addrs.iter().any(|a| a.contains("/p2p-circuit")) {
                    "relayed"
                } else {
                    "direct"
                }
                .into(),
                source: "inferred",
                addrs,
            },
        }
    }
}

/// Messages of one kind, counted per copy (a group message sent to n others is n copies).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Delivery {
    /// Messages sent (answered by the sender's node).
    pub sent: usize,
    /// Copies that should arrive: each message at every other node.
    pub expected: usize,
    /// Copies received within the deadline.
    pub delivered: usize,
    /// Copies not received within the deadline.
    pub lost: usize,
    /// Copies reported to the receiving app more than once (extra reports).
    pub duplicates: usize,
    /// Per copy, from the `send` call to the receiver's `message_received` event.
    pub latency: Summary,
    /// Why the step could not run or stopped, if it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Where copies went missing: `[sender, receiver, copies]`, by the nodes' labels.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<(String, String, usize)>,
    /// The slowest copies, slowest first (at most [`SLOWEST_SHOWN`]): `[sender, receiver,
    /// message, ms]`, messages numbered from 0 in the order they were sent.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub slowest: Vec<(String, String, usize, f64)>,
}

/// How many of the slowest copies a [`Delivery`] names.
pub const SLOWEST_SHOWN: usize = 12;

impl Delivery {
    /// A step that could not run at all.
    pub fn failed(error: String) -> Self {
        Self {
            error: Some(error),
            ..Self::default()
        }
    }
}

/// Finding each other by number.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Discovery {
    /// Both found the other.
    pub ok: bool,
    /// From adding the contacts until A found B.
    pub a_found_b_ms: Option<f64>,
    /// From adding the contacts until B found A.
    pub b_found_a_ms: Option<f64>,
    /// Why not, if not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The first message after discovery.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FirstMessage {
    /// B received it within the deadline.
    pub delivered: bool,
    /// From A's `send` to B's `message_received`.
    pub ms: Option<f64>,
    /// Why not, if not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Hole punching, summed over both nodes (`null` when the nodes do not report it).
#[derive(Debug, Clone, Default, Serialize)]
pub struct HolePunch {
    /// Attempts.
    pub attempts: Option<u64>,
    /// Successes.
    pub successes: Option<u64>,
}

/// One pair of NAT types: what two friends there managed.
#[derive(Debug, Clone, Serialize)]
pub struct PairReport {
    /// A's and B's network.
    pub pair: [NatType; 2],
    /// Both friends' nodes.
    pub nodes: [NodeReport; 2],
    /// Finding each other by number.
    pub discovery: Discovery,
    /// A's connection to B and B's to A, after the messages.
    pub path: [PathReport; 2],
    /// The first message, A to B.
    pub first_message: FirstMessage,
    /// 1:1 messages both ways.
    pub exchange: Delivery,
    /// A group of the two.
    pub group: Delivery,
    /// A meetup A created and B joined by its code.
    pub meetup: Delivery,
    /// Hole punching.
    pub hole_punch: HolePunch,
    /// Bytes the public nodes relayed during the pair's run (`null` if none reports it).
    pub relayed_bytes: Option<u64>,
    /// Lost messages, all kinds.
    pub lost: usize,
    /// Duplicated messages, all kinds.
    pub duplicates: usize,
    /// Everything found, delivered once.
    pub ok: bool,
    /// How long the pair took.
    pub duration_ms: u64,
}

impl PairReport {
    /// Fills in the totals and the verdict.
    pub fn finish(&mut self) {
        let steps = [&self.exchange, &self.group, &self.meetup];
        let first_lost = usize::from(!self.first_message.delivered);
        self.lost = first_lost + steps.iter().map(|d| d.lost).sum::<usize>();
        self.duplicates = steps.iter().map(|d| d.duplicates).sum();
        self.ok = self.discovery.ok
            && self.first_message.delivered
            && self.lost == 0
            && self.duplicates == 0
            && steps.iter().all(|d| d.error.is_none() && d.sent > 0);
    }
}

/// A pair of NAT types over its repeated runs (`lab run --repeat`).
#[derive(Debug, Clone, Serialize)]
pub struct PairSummary {
    /// A's and B's network.
    pub pair: [NatType; 2],
    /// Runs, each with fresh nodes.
    pub runs: usize,
    /// Runs fully ok.
    pub ok: usize,
    /// Runs that ended with the friends connected directly (dialled or hole-punched),
    /// as both saw it.
    pub direct: usize,
    /// `direct` in percent of `runs`.
    pub direct_pct: f64,
    /// Time to find each other (the slower of the two), over the runs where both did.
    pub discovery: Summary,
    /// First message, send → `message_received`, over the runs where it arrived.
    pub first_message: Summary,
    /// Lost copies, all runs.
    pub lost: usize,
    /// Duplicated copies, all runs.
    pub duplicates: usize,
}

impl PairSummary {
    /// Summarises `runs` (all of one pair of types).
    pub fn of(runs: &[&PairReport]) -> Self {
        let direct = runs
            .iter()
            .filter(|r| {
                r.path
                    .iter()
                    .all(|p| matches!(p.path.as_str(), "direct" | "hole_punched"))
            })
            .count();
        let discovery: Vec<f64> = runs
            .iter()
            .filter_map(|r| Some(r.discovery.a_found_b_ms?.max(r.discovery.b_found_a_ms?)))
            .collect();
        let first: Vec<f64> = runs.iter().filter_map(|r| r.first_message.ms).collect();
        Self {
            pair: runs.first().map(|r| r.pair).unwrap_or([NatType::Public; 2]),
            runs: runs.len(),
            ok: runs.iter().filter(|r| r.ok).count(),
            direct,
            direct_pct: crate::testnet::stats::round(100.0 * direct as f64 / runs.len().max(1) as f64),
            discovery: Summary::of(&discovery),
            first_message: Summary::of(&first),
            lost: runs.iter().map(|r| r.lost).sum(),
            duplicates: runs.iter().map(|r| r.duplicates).sum(),
        }
    }
}

/// A whole matrix run.
#[derive(Debug, Clone, Serialize)]
pub struct MatrixReport {
    /// The run's id.
    pub run_id: String,
    /// How links were emulated.
    pub links: Backend,
    /// Delay, jitter and loss per uplink and direction.
    pub link: LinkParams,
    /// Building namespaces, links and routers.
    pub topology_build_ms: f64,
    /// Starting the operators' nodes.
    pub infra_start_ms: f64,
    /// The operators' nodes that run (a role this build lacks is left out, and said so in
    /// `notes`).
    pub infra: Vec<String>,
    /// The NAT self-test.
    pub selftest: Vec<ProbeReport>,
    /// Per pair of types, over its runs.
    pub summary: Vec<PairSummary>,
    /// One report per run of a pair.
    pub pairs: Vec<PairReport>,
    /// Pairs that were fully ok.
    pub pairs_ok: usize,
    /// Remarks on the run.
    pub notes: Vec<String>,
}
