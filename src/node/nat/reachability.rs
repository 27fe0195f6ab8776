//! Reachability: can others dial this node directly? A sans-IO state machine: the actor
//! feeds it what libp2p reports (identify's observed addresses, AutoNAT v2 probe results,
//! confirmed and expired external addresses, listen addresses, inbound connections) with
//! the time, and executes the [`Effect`]s it returns. Rules (SPEC.md §12.2):
//!
//! - **public** once a direct external address is confirmed: by an AutoNAT dial-back, by
//!   UPnP, or by an inbound connection from another network segment to a port an observed
//!   address maps to;
//! - **private** once an AutoNAT probe failed and nothing was confirmed for
//!   [`PRIVATE_GRACE_MS`] after (another candidate may still succeed) — at once when every
//!   observed address has failed —, or as soon as [`NAT_EVIDENCE`] observations show the
//!   node behind a NAT (peers see it at an IP address none of its listen addresses has),
//!   until a direct address is confirmed;
//! - **unknown** otherwise: the node behaves as before reachability existed (serves the DHT,
//!   publishes its listen addresses), so loopback and one-LAN nets work with no flag —
//!   unless it is *unproven*: a peer it dialled on another network segment sees it at its
//!   own address, so it is a routed host that only a probe can tell from one behind a
//!   firewall. An unproven node does not serve the DHT, publishes no listen address and
//!   takes relay reservations, as a private one does, until the probe answers.
//!
//! `network.reachability = "public"` or `"private"` skips detection. The DHT serves unless
//! the node is private or unproven (`network.dht_mode = "auto"`, operators' roles force
//! `server`).

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use libp2p::Multiaddr;
use serde::{Deserialize, Serialize};

use super::addrs::{ip_of, is_relayed, port_of, same_segment, scope, Scope};
use crate::config::{DhtMode, ReachabilityMode};

/// How long a failed probe must stand unanswered by a success before the node calls
/// itself private (ms).
pub const PRIVATE_GRACE_MS: u64 = 5_000;
/// Observations of an IP address that is none of ours which show a node behind a NAT
/// (more than one, so one peer's word is not enough).
pub const NAT_EVIDENCE: u32 = 2;
/// Observed addresses remembered (the most often seen are kept).
pub const MAX_CANDIDATES: usize = 16;
/// Failed addresses remembered.
pub const MAX_FAILED: usize = 16;

/// Whether this node can be dialled from outside.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Reachability {
    /// Not known yet (or nothing could be tested).
    #[default]
    Unknown,
    /// A direct address is confirmed.
    Public,
    /// Only relayed addresses reach this node.
    Private,
}

impl Reachability {
    /// The name used in status and events.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unknown => "unknown",
            Self::Public => "public",
            Self::Private => "private",
        }
    }
}

/// What the actor must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Add a confirmed external address to the swarm.
    Confirm(Multiaddr),
    /// Remove an external address the swarm holds.
    Unconfirm(Multiaddr),
    /// Reachability changed: tell subscribers, republish, adjust relays.
    Changed(Reachability),
    /// Serve the DHT (`true`) or only query it.
    DhtServer(bool),
    /// Keep relay reservations (`true`: private or unproven) or release them.
    WantRelays(bool),
}

#[derive(Debug, Clone, Copy)]
struct Candidate {
    seen: u32,
}

/// The reachability decision.
#[derive(Debug)]
pub struct ReachabilityState {
    mode: ReachabilityMode,
    dht_mode: DhtMode,
    candidates: BTreeMap<Multiaddr, Candidate>,
    /// Direct external addresses the swarm holds as confirmed.
    confirmed: BTreeSet<Multiaddr>,
    /// Addresses an AutoNAT server could not dial back, and when.
    failed: BTreeMap<Multiaddr, u64>,
    /// Listen addresses (direct ones), for the forced `public` mode.
    listening: BTreeSet<Multiaddr>,
    /// Addresses announced by the owner (`network.announce`): external without tests.
    announced: BTreeSet<Multiaddr>,
    /// A peer we dialled on another network segment saw us at one of our own addresses.
    routed: bool,
    /// Some peer told us how it sees us (or nobody will: no peers to dial at start).
    heard: bool,
    current: Reachability,
    dht_server: Option<bool>,
    relays_wanted: bool,
    effects: VecDeque<Effect>,
}

impl ReachabilityState {
    /// Starts in `mode` with the owner's `announced` addresses; the first effects confirm
    /// those and set the DHT mode (and the verdict if forced). `dials_at_start`: the node
    /// dials bootstrap peers, whose identify will say how they see it — until the first
    /// word, it does not serve the DHT (it may turn out unproven or behind a NAT); a node
    /// with nobody to dial serves from the start.
    pub fn new(
        mode: ReachabilityMode,
        dht_mode: DhtMode,
        announced: &[Multiaddr],
        dials_at_start: bool,
        now_ms: u64,
    ) -> Self {
        let mut state = Self {
            mode,
            dht_mode,
            candidates: BTreeMap::new(),
            confirmed: BTreeSet::new(),
            failed: BTreeMap::new(),
            listening: BTreeSet::new(),
            announced: announced.iter().filter(|a| !is_relayed(a)).cloned().collect(),
            routed: false,
            heard: !dials_at_start,
            current: Reachability::Unknown,
            dht_server: None,
            relays_wanted: false,
            effects: VecDeque::new(),
        };
        for addr in state.announced.clone() {
            state.effects.push_back(Effect::Confirm(addr));
        }
        state.evaluate(now_ms);
        state
    }

    /// The verdict now.
    pub fn reachability(&self) -> Reachability {
        self.current
    }

    /// Whether detection runs (the mode is `auto`).
    pub fn detecting(&self) -> bool {
        self.mode == ReachabilityMode::Auto
    }

    /// Whether detection runs and too little was observed yet to tell a node behind a NAT
    /// from one on a LAN or on loopback ([`NAT_EVIDENCE`] observations).
    pub fn undecided(&self) -> bool {
        let observed: u32 = self.candidates.values().map(|c| c.seen).sum();
        self.mode == ReachabilityMode::Auto && self.current == Reachability::Unknown && observed < NAT_EVIDENCE
    }

    /// Whether the node is `unknown` while a peer it dialled on another network segment
    /// sees it at its own address: a routed host, reachable or firewalled — only an AutoNAT
    /// probe tells, and until it does the node acts as a private one (it may not be
    /// dialled: friends who try would wait out a dial timeout).
    pub fn unproven(&self) -> bool {
        self.mode == ReachabilityMode::Auto && self.current == Reachability::Unknown && self.routed
    }

    /// The next effect to execute.
    pub fn poll_effect(&mut self) -> Option<Effect> {
        self.effects.pop_front()
    }

    /// When [`ReachabilityState::handle_timeout`] must run next.
    pub fn poll_timeout(&self) -> Option<u64> {
        if self.mode != ReachabilityMode::Auto || !self.confirmed.is_empty() || self.current == Reachability::Private {
            return None;
        }
        self.failed.values().min().map(|first| first + PRIVATE_GRACE_MS)
    }

    /// Time passed.
    pub fn handle_timeout(&mut self, now_ms: u64) {
        self.evaluate(now_ms);
    }

    /// A peer told us (identify) how it sees us.
    pub fn on_candidate(&mut self, addr: Multiaddr, now_ms: u64) {
        if is_relayed(&addr) {
            return;
        }
        if !self.candidates.contains_key(&addr) && self.candidates.len() >= MAX_CANDIDATES {
            let least = self
                .candidates
                .iter()
                .min_by_key(|(_, c)| c.seen)
                .map(|(a, _)| a.clone());
            if let Some(least) = least {
                self.candidates.remove(&least);
            }
        }
        self.candidates.entry(addr).or_insert(Candidate { seen: 0 }).seen += 1;
        self.evaluate(now_ms);
    }

    /// Identify over a connection to `observer` (`outbound`: we dialled it) says the peer
    /// sees us at `observed`.
    pub fn on_observed(&mut self, observed: &Multiaddr, observer: &Multiaddr, outbound: bool, now_ms: u64) {
        if is_relayed(observed) {
            return;
        }
        let (before, heard) = (self.routed, self.heard);
        self.heard = true;
        // Once routed, it stays so (until a listen address goes): no need to look again.
        self.routed = self.routed || self.routed_by(observed, observer, outbound);
        if self.routed != before || !heard {
            self.evaluate(now_ms);
        }
    }

    /// Whether a peer at `observer` seeing us at `observed` shows a routed host: we dialled
    /// it (only those can be asked for a probe: libp2p's AutoNAT v2 client — a node only
    /// ever dialled, a lone first node, stays as it was), it is on another network segment,
    /// and it sees one of our own addresses.
    fn routed_by(&self, observed: &Multiaddr, observer: &Multiaddr, outbound: bool) -> bool {
        if !outbound || is_relayed(observer) {
            return false;
        }
        let (Some(seen), Some(from)) = (ip_of(observed), ip_of(observer)) else {
            return false;
        };
        self.listening.iter().filter_map(ip_of).any(|ip| ip == seen) && !same_segment(seen, from)
    }

    /// An AutoNAT server dialled `addr` back (`ok`) or could not.
    pub fn on_probe(&mut self, addr: Multiaddr, ok: bool, now_ms: u64) {
        if ok {
            self.failed.remove(&addr);
        } else if !self.confirmed.contains(&addr) {
            if !self.failed.contains_key(&addr) && self.failed.len() >= MAX_FAILED {
                let oldest = self.failed.iter().min_by_key(|(_, at)| **at).map(|(a, _)| a.clone());
                if let Some(oldest) = oldest {
                    self.failed.remove(&oldest);
                }
            }
            self.failed.entry(addr).or_insert(now_ms);
        }
        self.evaluate(now_ms);
    }

    /// The swarm now holds `addr` as a confirmed external address (from any source).
    pub fn on_confirmed(&mut self, addr: Multiaddr, now_ms: u64) {
        if is_relayed(&addr) {
            return;
        }
        self.failed.remove(&addr);
        self.confirmed.insert(addr);
        self.evaluate(now_ms);
    }

    /// The swarm dropped the external address `addr`.
    pub fn on_expired(&mut self, addr: &Multiaddr, now_ms: u64) {
        if self.confirmed.remove(addr) {
            self.evaluate(now_ms);
        }
    }

    /// A listener reported a new address.
    pub fn on_listen_addr(&mut self, addr: Multiaddr, now_ms: u64) {
        if is_relayed(&addr) {
            return;
        }
        self.listening.insert(addr);
        self.evaluate(now_ms);
    }

    /// A listen address went away (e.g. the network changed): what was learnt about its
    /// port no longer holds.
    pub fn on_listen_addr_expired(&mut self, addr: &Multiaddr, now_ms: u64) {
        if !self.listening.remove(addr) {
            return;
        }
        self.routed = false;
        let port = port_of(addr);
        self.candidates.retain(|a, _| port_of(a) != port);
        self.failed.retain(|a, _| port_of(a) != port);
        let gone: Vec<Multiaddr> = self.confirmed.iter().filter(|a| port_of(a) == port).cloned().collect();
        for addr in gone {
            self.effects.push_back(Effect::Unconfirm(addr));
        }
        self.evaluate(now_ms);
    }

    /// A direct inbound connection arrived on `local` from `remote`. Outside a hole punch
    /// and from another network segment, it proves the observed addresses mapping to
    /// `local`'s port reachable.
    pub fn on_inbound(&mut self, local: &Multiaddr, remote: &Multiaddr, hole_punch: bool, now_ms: u64) {
        if hole_punch || is_relayed(local) || is_relayed(remote) || self.mode != ReachabilityMode::Auto {
            return;
        }
        let (Some(local_ip), Some(remote_ip), Some(port)) = (ip_of(local), ip_of(remote), port_of(local)) else {
            return;
        };
        if same_segment(local_ip, remote_ip) {
            return;
        }
        let proven: Vec<Multiaddr> = self
            .candidates
            .keys()
            .filter(|a| port_of(a) == Some(port) && !self.confirmed.contains(*a))
            .filter(|a| ip_of(a).is_some_and(|ip| scope(ip) >= scope(remote_ip).min(Scope::Global)))
            .cloned()
            .collect();
        for addr in proven {
            self.effects.push_back(Effect::Confirm(addr));
        }
        self.evaluate(now_ms);
    }

    /// Whether peers see this node at an IP address none of its listen addresses has,
    /// [`NAT_EVIDENCE`] times or more: its packets pass a NAT, and nobody outside can dial
    /// it until a probe or an inbound connection shows otherwise.
    fn behind_nat(&self) -> bool {
        let ours: BTreeSet<_> = self.listening.iter().filter_map(ip_of).collect();
        if ours.is_empty() {
            return false;
        }
        let elsewhere: u32 = self
            .candidates
            .iter()
            .filter(|(addr, _)| ip_of(addr).is_some_and(|ip| !ours.contains(&ip)))
            .map(|(_, c)| c.seen)
            .sum();
        elsewhere >= NAT_EVIDENCE
    }

    /// Whether every address peers see us at (loopback aside) failed a probe: no other
    /// candidate is left to succeed.
    fn every_candidate_failed(&self) -> bool {
        let mut tested = self
            .candidates
            .keys()
            .filter(|a| ip_of(a).is_some_and(|ip| !ip.is_loopback()))
            .peekable();
        tested.peek().is_some() && tested.all(|a| self.failed.contains_key(a))
    }

    fn verdict(&self, now_ms: u64) -> Reachability {
        match self.mode {
            ReachabilityMode::Public => Reachability::Public,
            ReachabilityMode::Private => Reachability::Private,
            ReachabilityMode::Auto if !self.confirmed.is_empty() => Reachability::Public,
            ReachabilityMode::Auto => match self.failed.values().min() {
                Some(_) if self.current == Reachability::Private => Reachability::Private,
                Some(first) if now_ms >= first + PRIVATE_GRACE_MS => Reachability::Private,
                Some(_) if self.every_candidate_failed() => Reachability::Private,
                _ if self.behind_nat() => Reachability::Private,
                _ => Reachability::Unknown,
            },
        }
    }

    fn evaluate(&mut self, now_ms: u64) {
        if self.mode == ReachabilityMode::Public && self.announced.is_empty() {
            self.confirm_listen_addrs();
        }
        let verdict = self.verdict(now_ms);
        if verdict != self.current {
            self.current = verdict;
            self.effects.push_back(Effect::Changed(verdict));
        }
        let server = match self.dht_mode {
            DhtMode::Server => true,
            DhtMode::Client => false,
            DhtMode::Auto => verdict != Reachability::Private && !self.unproven() && self.heard,
        };
        if self.dht_server != Some(server) {
            self.dht_server = Some(server);
            self.effects.push_back(Effect::DhtServer(server));
        }
        let relays = verdict == Reachability::Private || self.unproven();
        if self.relays_wanted != relays {
            self.relays_wanted = relays;
            self.effects.push_back(Effect::WantRelays(relays));
        }
    }

    /// Forced `public` without announced addresses: the listen addresses of the widest
    /// scope are the external ones (an operator's host listening on 0.0.0.0 also listens
    /// on loopback, which nobody else can dial).
    fn confirm_listen_addrs(&mut self) {
        let widest = self.listening.iter().filter_map(ip_of).map(scope).max();
        let wanted: BTreeSet<Multiaddr> = self
            .listening
            .iter()
            .filter(|a| ip_of(a).map(scope) == widest)
            .cloned()
            .collect();
        for addr in wanted.difference(&self.confirmed) {
            if !self.effects.contains(&Effect::Confirm(addr.clone())) {
                self.effects.push_back(Effect::Confirm(addr.clone()));
            }
        }
        for addr in self.confirmed.difference(&wanted) {
            if !self.effects.contains(&Effect::Unconfirm(addr.clone())) {
                self.effects.push_back(Effect::Unconfirm(addr.clone()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(text: &str) -> Multiaddr {
        text.parse().unwrap()
    }

    fn drain(state: &mut ReachabilityState) -> Vec<Effect> {
        std::iter::from_fn(|| state.poll_effect()).collect()
    }

    /// Executes effects as the actor does: a confirmation comes back as `on_confirmed`.
    fn run(state: &mut ReachabilityState, now: u64) -> Vec<Effect> {
        let mut all = Vec::new();
        while let Some(effect) = state.poll_effect() {
            match &effect {
                Effect::Confirm(addr) => state.on_confirmed(addr.clone(), now),
                Effect::Unconfirm(addr) => state.on_expired(addr, now),
                _ => {}
            }
            all.push(effect);
        }
        all
    }

    #[test]
    fn starts_unknown_and_serving() {
        let mut state = ReachabilityState::new(ReachabilityMode::Auto, DhtMode::Auto, &[], false, 0);
        assert_eq!(drain(&mut state), [Effect::DhtServer(true)]);
        assert_eq!(state.reachability(), Reachability::Unknown);
        assert_eq!(state.poll_timeout(), None);
    }

    #[test]
    fn a_dial_back_makes_the_node_public() {
        let mut state = ReachabilityState::new(ReachabilityMode::Auto, DhtMode::Auto, &[], false, 0);
        drain(&mut state);
        state.on_candidate(a("/ip4/203.0.113.5/tcp/4001"), 50);
        state.on_probe(a("/ip4/203.0.113.5/tcp/4001"), true, 100);
        assert_eq!(drain(&mut state), [], "the probe's success alone changes nothing");
        state.on_confirmed(a("/ip4/203.0.113.5/tcp/4001"), 110);
        assert_eq!(drain(&mut state), [Effect::Changed(Reachability::Public)]);
        // Relay addresses confirmed by a reservation do not make a node public.
        let mut other = ReachabilityState::new(ReachabilityMode::Auto, DhtMode::Auto, &[], false, 0);
        drain(&mut other);
        other.on_confirmed(a("/ip4/198.51.100.1/tcp/1/p2p-circuit"), 10);
        assert_eq!(other.reachability(), Reachability::Unknown);
    }

    #[test]
    fn failed_probes_make_it_private_after_the_grace_period() {
        let mut state = ReachabilityState::new(ReachabilityMode::Auto, DhtMode::Auto, &[], false, 0);
        drain(&mut state);
        state.on_probe(a("/ip4/203.0.113.5/tcp/50123"), false, 1_000);
        assert_eq!(drain(&mut state), []);
        assert_eq!(state.poll_timeout(), Some(1_000 + PRIVATE_GRACE_MS));
        state.on_probe(a("/ip4/203.0.113.5/tcp/50999"), false, 2_000);
        assert_eq!(
            state.poll_timeout(),
            Some(1_000 + PRIVATE_GRACE_MS),
            "the first failure counts"
        );
        state.handle_timeout(1_000 + PRIVATE_GRACE_MS - 1);
        assert_eq!(state.reachability(), Reachability::Unknown);
        state.handle_timeout(1_000 + PRIVATE_GRACE_MS);
        assert_eq!(
            drain(&mut state),
            [
                Effect::Changed(Reachability::Private),
                Effect::DhtServer(false),
                Effect::WantRelays(true)
            ]
        );
        assert_eq!(state.poll_timeout(), None);
        // A later confirmation (e.g. a UPnP mapping) makes it public again.
        state.on_confirmed(a("/ip4/203.0.113.5/tcp/4001"), 60_000);
        assert_eq!(
            drain(&mut state),
            [
                Effect::Changed(Reachability::Public),
                Effect::DhtServer(true),
                Effect::WantRelays(false)
            ]
        );
        state.on_expired(&a("/ip4/203.0.113.5/tcp/4001"), 70_000);
        assert_eq!(
            drain(&mut state),
            [
                Effect::Changed(Reachability::Private),
                Effect::DhtServer(false),
                Effect::WantRelays(true)
            ],
            "the failures still stand"
        );
    }

    #[test]
    fn seen_from_outside_at_an_address_not_ours_it_is_private_at_once() {
        let mut state = ReachabilityState::new(ReachabilityMode::Auto, DhtMode::Auto, &[], false, 0);
        state.on_listen_addr(a("/ip4/192.168.1.20/udp/4001/quic-v1"), 0);
        drain(&mut state);
        state.on_candidate(a("/ip4/203.0.113.5/udp/4001/quic-v1"), 10);
        assert_eq!(drain(&mut state), [], "one peer's word is not enough");
        state.on_candidate(a("/ip4/203.0.113.5/udp/4001/quic-v1"), 20);
        assert_eq!(
            drain(&mut state),
            [
                Effect::Changed(Reachability::Private),
                Effect::DhtServer(false),
                Effect::WantRelays(true)
            ]
        );
        // Behind a full-cone NAT the AutoNAT dial-back then succeeds.
        state.on_confirmed(a("/ip4/203.0.113.5/udp/4001/quic-v1"), 3_000);
        assert_eq!(
            drain(&mut state),
            [
                Effect::Changed(Reachability::Public),
                Effect::DhtServer(true),
                Effect::WantRelays(false)
            ]
        );
    }

    #[test]
    fn seen_at_its_own_address_it_stays_unknown() {
        // Loopback and one-LAN nets: peers see the node where it listens.
        let mut state = ReachabilityState::new(ReachabilityMode::Auto, DhtMode::Auto, &[], false, 0);
        state.on_listen_addr(a("/ip4/127.0.0.1/tcp/4001"), 0);
        state.on_listen_addr(a("/ip4/192.168.1.20/tcp/4001"), 0);
        drain(&mut state);
        for at in 1..10 {
            state.on_candidate(a("/ip4/127.0.0.1/tcp/4001"), at);
            state.on_candidate(a("/ip4/192.168.1.20/tcp/4001"), at);
        }
        assert_eq!(drain(&mut state), []);
        assert_eq!(state.reachability(), Reachability::Unknown);
    }

    #[test]
    fn a_routed_host_acts_private_until_its_probe_answers() {
        let listen = a("/ip4/172.18.4.2/tcp/4005");
        let boot = a("/ip4/172.16.1.2/tcp/4001/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN");
        let mut state = ReachabilityState::new(ReachabilityMode::Auto, DhtMode::Auto, &[], true, 0);
        state.on_listen_addr(a("/ip4/127.0.0.1/tcp/4005"), 0);
        state.on_listen_addr(listen.clone(), 0);
        assert_eq!(
            drain(&mut state),
            [Effect::DhtServer(false)],
            "not before a peer's word"
        );
        // A peer we dialled elsewhere sees us where we listen: firewalled or reachable.
        state.on_candidate(listen.clone(), 20);
        state.on_observed(&listen, &boot, true, 20);
        assert!(state.unproven());
        assert_eq!(state.reachability(), Reachability::Unknown);
        assert_eq!(drain(&mut state), [Effect::WantRelays(true)]);
        // The only address seen failed its probe: private at once, no grace to wait out.
        state.on_probe(listen.clone(), false, 7_500);
        assert_eq!(drain(&mut state), [Effect::Changed(Reachability::Private)]);
        assert!(!state.unproven());

        // Reachable instead: the dial-back makes it public, a DHT server without relays.
        let mut public = ReachabilityState::new(ReachabilityMode::Auto, DhtMode::Auto, &[], true, 0);
        public.on_listen_addr(listen.clone(), 0);
        public.on_candidate(listen.clone(), 20);
        public.on_observed(&listen, &boot, true, 20);
        drain(&mut public);
        public.on_probe(listen.clone(), true, 600);
        public.on_confirmed(listen.clone(), 600);
        assert_eq!(
            drain(&mut public),
            [
                Effect::Changed(Reachability::Public),
                Effect::DhtServer(true),
                Effect::WantRelays(false)
            ]
        );
    }

    #[test]
    fn on_a_lan_or_loopback_it_serves_once_a_peer_said_how_it_sees_it() {
        let listen = a("/ip4/192.168.1.20/tcp/4001");
        let mut state = ReachabilityState::new(ReachabilityMode::Auto, DhtMode::Auto, &[], true, 0);
        state.on_listen_addr(listen.clone(), 0);
        assert_eq!(drain(&mut state), [Effect::DhtServer(false)]);
        // A peer that dialled us, or one we dialled on our own segment, proves nothing
        // about the outside; the node serves as before reachability existed.
        state.on_observed(&listen, &a("/ip4/172.16.1.2/tcp/50000"), false, 5);
        assert_eq!(drain(&mut state), [Effect::DhtServer(true)]);
        state.on_observed(&listen, &a("/ip4/192.168.1.1/tcp/4001"), true, 10);
        assert!(!state.unproven());
        assert_eq!(drain(&mut state), []);
        // A node with nobody to dial at start serves at once.
        let mut lone = ReachabilityState::new(ReachabilityMode::Auto, DhtMode::Auto, &[], false, 0);
        assert_eq!(drain(&mut lone), [Effect::DhtServer(true)]);
    }

    #[test]
    fn one_failed_candidate_of_two_waits_for_the_other() {
        let mut state = ReachabilityState::new(ReachabilityMode::Auto, DhtMode::Auto, &[], false, 0);
        drain(&mut state);
        state.on_candidate(a("/ip4/203.0.113.5/tcp/4001"), 0);
        state.on_candidate(a("/ip4/203.0.113.5/udp/4001/quic-v1"), 0);
        state.on_probe(a("/ip4/203.0.113.5/tcp/4001"), false, 1_000);
        assert_eq!(drain(&mut state), [], "the QUIC address may still succeed");
        state.on_probe(a("/ip4/203.0.113.5/udp/4001/quic-v1"), false, 2_000);
        assert_eq!(
            drain(&mut state),
            [
                Effect::Changed(Reachability::Private),
                Effect::DhtServer(false),
                Effect::WantRelays(true)
            ]
        );
    }

    #[test]
    fn a_success_within_the_grace_period_wins() {
        let mut state = ReachabilityState::new(ReachabilityMode::Auto, DhtMode::Auto, &[], false, 0);
        drain(&mut state);
        state.on_probe(a("/ip4/203.0.113.5/tcp/50123"), false, 1_000);
        state.on_confirmed(a("/ip4/203.0.113.5/tcp/4001"), 3_000);
        state.handle_timeout(10_000);
        assert_eq!(drain(&mut state), [Effect::Changed(Reachability::Public)]);
    }

    #[test]
    fn operators_roles_keep_serving_the_dht_when_private() {
        let mut state = ReachabilityState::new(ReachabilityMode::Auto, DhtMode::Server, &[], false, 0);
        drain(&mut state);
        state.on_probe(a("/ip4/203.0.113.5/tcp/1"), false, 0);
        state.handle_timeout(PRIVATE_GRACE_MS);
        assert_eq!(
            drain(&mut state),
            [Effect::Changed(Reachability::Private), Effect::WantRelays(true)]
        );
    }

    #[test]
    fn forced_modes() {
        let mut private = ReachabilityState::new(ReachabilityMode::Private, DhtMode::Auto, &[], false, 0);
        assert_eq!(
            drain(&mut private),
            [
                Effect::Changed(Reachability::Private),
                Effect::DhtServer(false),
                Effect::WantRelays(true)
            ]
        );
        assert!(!private.detecting());
        let mut public = ReachabilityState::new(ReachabilityMode::Public, DhtMode::Auto, &[], false, 0);
        assert_eq!(
            run(&mut public, 0),
            [Effect::Changed(Reachability::Public), Effect::DhtServer(true)]
        );
        // An operator's node listening on all interfaces: loopback first, then the host's
        // public address replaces it as the external one.
        public.on_listen_addr(a("/ip4/127.0.0.1/tcp/4001"), 1);
        assert_eq!(run(&mut public, 1), [Effect::Confirm(a("/ip4/127.0.0.1/tcp/4001"))]);
        public.on_listen_addr(a("/ip4/203.0.113.5/tcp/4001"), 2);
        assert_eq!(
            run(&mut public, 2),
            [
                Effect::Confirm(a("/ip4/203.0.113.5/tcp/4001")),
                Effect::Unconfirm(a("/ip4/127.0.0.1/tcp/4001"))
            ]
        );
        public.on_listen_addr(
            a("/ip4/198.51.100.7/tcp/4001/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN/p2p-circuit"),
            3,
        );
        assert_eq!(run(&mut public, 3), [], "circuit addresses are never direct ones");
    }

    #[test]
    fn announced_addresses_are_confirmed_at_once() {
        let announced = [a("/ip4/203.0.113.5/tcp/4001")];
        let mut public = ReachabilityState::new(ReachabilityMode::Public, DhtMode::Server, &announced, false, 0);
        assert_eq!(
            run(&mut public, 0),
            [
                Effect::Confirm(announced[0].clone()),
                Effect::Changed(Reachability::Public),
                Effect::DhtServer(true)
            ]
        );
        // A 1:1-NATed host's private listen address is not taken as external.
        public.on_listen_addr(a("/ip4/172.31.5.9/tcp/4001"), 1);
        assert_eq!(run(&mut public, 1), []);
        let mut auto = ReachabilityState::new(ReachabilityMode::Auto, DhtMode::Auto, &announced, false, 0);
        run(&mut auto, 0);
        assert_eq!(auto.reachability(), Reachability::Public);
    }

    #[test]
    fn an_inbound_connection_from_elsewhere_confirms_the_mapped_address() {
        let mut state = ReachabilityState::new(ReachabilityMode::Auto, DhtMode::Auto, &[], false, 0);
        drain(&mut state);
        state.on_candidate(a("/ip4/203.0.113.5/tcp/4001"), 0);
        state.on_candidate(a("/ip4/203.0.113.5/tcp/4999"), 0);
        let local = a("/ip4/192.168.1.20/tcp/4001");
        // From the same LAN: proves nothing.
        state.on_inbound(&local, &a("/ip4/192.168.1.30/tcp/50000"), false, 1);
        // During a hole punch: proves nothing either.
        state.on_inbound(&local, &a("/ip4/198.51.100.9/tcp/50000"), true, 2);
        assert_eq!(drain(&mut state), []);
        state.on_inbound(&local, &a("/ip4/198.51.100.9/tcp/50000"), false, 3);
        assert_eq!(
            run(&mut state, 3),
            [
                Effect::Confirm(a("/ip4/203.0.113.5/tcp/4001")),
                Effect::Changed(Reachability::Public)
            ]
        );
    }

    #[test]
    fn a_lost_listen_address_forgets_what_was_learnt_about_its_port() {
        let mut state = ReachabilityState::new(ReachabilityMode::Auto, DhtMode::Auto, &[], false, 0);
        drain(&mut state);
        state.on_listen_addr(a("/ip4/192.168.1.20/tcp/4001"), 0);
        state.on_confirmed(a("/ip4/203.0.113.5/tcp/4001"), 1);
        drain(&mut state);
        state.on_listen_addr_expired(&a("/ip4/192.168.1.20/tcp/4001"), 2);
        assert_eq!(
            run(&mut state, 2),
            [
                Effect::Unconfirm(a("/ip4/203.0.113.5/tcp/4001")),
                Effect::Changed(Reachability::Unknown)
            ]
        );
    }

    #[test]
    fn memory_is_bounded() {
        let mut state = ReachabilityState::new(ReachabilityMode::Auto, DhtMode::Auto, &[], false, 0);
        for port in 1..1000u16 {
            state.on_candidate(a(&format!("/ip4/203.0.113.5/tcp/{port}")), u64::from(port));
            state.on_probe(a(&format!("/ip4/203.0.113.5/tcp/{port}")), false, u64::from(port));
        }
        assert!(state.candidates.len() <= MAX_CANDIDATES);
        assert!(state.failed.len() <= MAX_FAILED);
    }
}
