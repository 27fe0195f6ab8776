//! The membership rule of group gossip, without I/O: which connections may carry
//! gossipsub, and which peers may subscribe to which of our topics (SPEC.md §7.2).
//!
//! A connection carries gossipsub only while its peer is a current member of at least one
//! group this node is in ("allowed"); on every other connection gossipsub does not exist:
//! no stream is accepted or opened, so the peer learns no topic and receives nothing. A
//! peer that becomes a member later has its connections *activated*; one that stops being
//! a member (removed, left, or its group ended) has them *deactivated*.
//!
//! Members of one group hear the topics of this node's other groups (gossipsub announces
//! every subscription to every peer it speaks with), so a second rule applies per topic:
//! only a member of the epoch a topic belongs to may subscribe to it. A peer that
//! subscribes to one of our topics without being entitled to it is *shut out*: all its
//! connections are deactivated at once, before anything else can be sent to it, and it
//! stays out while it remains a member (honest nodes never do this: they only know the
//! topics of epochs they were given the secret of).
//!
//! [`Gate`] takes connection events and membership updates and answers with
//! [`Effect`]s that the behaviour glue (`super::Gossip`) carries out on gossipsub.

use std::collections::{HashMap, HashSet};

use libp2p::core::ConnectedPoint;
use libp2p::gossipsub::TopicHash;
use libp2p::swarm::ConnectionId;
use libp2p::PeerId;

/// What the glue must do to gossipsub, in order. The counts are those gossipsub must be
/// told at that step: when a peer's connections change together, only the first one
/// activated is its first connection (the one gossipsub greets the peer on with our
/// subscriptions), and only the last one deactivated leaves none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Effect {
    /// Hand the connection to gossipsub, which already knows `others` active
    /// connections to the peer (with none, it greets the peer with our subscriptions).
    Activate { id: ConnectionId, others: usize },
    /// Take the connection away from gossipsub (as if it had closed), leaving
    /// `remaining` active connections to the peer.
    Deactivate { id: ConnectionId, remaining: usize },
}

/// One established connection.
#[derive(Debug, Clone)]
pub(crate) struct Conn {
    pub(crate) peer: PeerId,
    pub(crate) endpoint: ConnectedPoint,
    /// Gossipsub knows this connection.
    pub(crate) active: bool,
}

/// Who may speak gossipsub with us, and on which topics.
#[derive(Debug, Default)]
pub(crate) struct Gate {
    /// Current members of our groups (us excluded).
    allowed: HashSet<PeerId>,
    /// For each topic we subscribe to: the members of its epoch.
    entitled: HashMap<TopicHash, HashSet<PeerId>>,
    /// Members that subscribed to a topic they are not entitled to.
    shut_out: HashSet<PeerId>,
    connections: HashMap<ConnectionId, Conn>,
}

impl Gate {
    /// Whether connections to `peer` carry gossipsub now.
    pub(crate) fn admits(&self, peer: &PeerId) -> bool {
        self.allowed.contains(peer) && !self.shut_out.contains(peer)
    }

    /// Records an established connection; returns whether it is active (decided, like
    /// its handler, by [`Gate::admits`]).
    pub(crate) fn established(&mut self, id: ConnectionId, peer: PeerId, endpoint: ConnectedPoint) -> bool {
        let active = self.admits(&peer);
        self.connections.insert(id, Conn { peer, endpoint, active });
        active
    }

    /// Forgets a closed connection; returns it if gossipsub knew it.
    pub(crate) fn closed(&mut self, id: &ConnectionId) -> Option<Conn> {
        self.connections.remove(id).filter(|c| c.active)
    }

    /// A connection, if established.
    pub(crate) fn connection(&self, id: &ConnectionId) -> Option<&Conn> {
        self.connections.get(id)
    }

    /// Whether gossipsub knows the connection.
    pub(crate) fn is_active(&self, id: &ConnectionId) -> bool {
        self.connections.get(id).is_some_and(|c| c.active)
    }

    /// Active connections to `peer`.
    pub(crate) fn active_count(&self, peer: &PeerId) -> usize {
        self.connections
            .values()
            .filter(|c| c.active && c.peer == *peer)
            .count()
    }

    /// Peers with at least one active connection.
    pub(crate) fn active_peers(&self) -> HashSet<PeerId> {
        self.connections.values().filter(|c| c.active).map(|c| c.peer).collect()
    }

    /// Whether `peer` may subscribe to `topic`: any topic that is not ours, and ours only
    /// if it was a member of the topic's epoch.
    pub(crate) fn entitled(&self, peer: &PeerId, topic: &TopicHash) -> bool {
        self.entitled.get(topic).is_none_or(|members| members.contains(peer))
    }

    /// Takes the current members and topic entitlements; activates and deactivates
    /// connections to match. Peers shut out stay out while they remain members.
    pub(crate) fn set_members(
        &mut self,
        allowed: HashSet<PeerId>,
        entitled: HashMap<TopicHash, HashSet<PeerId>>,
    ) -> Vec<Effect> {
        self.shut_out.retain(|p| allowed.contains(p));
        self.allowed = allowed;
        self.entitled = entitled;
        self.apply()
    }

    /// Shuts `peer` out of gossip: every connection to it is deactivated.
    pub(crate) fn shut_out(&mut self, peer: PeerId) -> Vec<Effect> {
        self.shut_out.insert(peer);
        self.apply()
    }

    /// Brings every connection in line with [`Gate::admits`], deactivations first (in
    /// connection order, so the effects are deterministic), each effect counting the
    /// peer's active connections as they stand at its step.
    fn apply(&mut self) -> Vec<Effect> {
        let mut ids: Vec<ConnectionId> = self.connections.keys().copied().collect();
        ids.sort();
        let (mut deactivate, mut activate) = (Vec::new(), Vec::new());
        for id in ids {
            let conn = &self.connections[&id];
            let admitted = self.admits(&conn.peer);
            if conn.active && !admitted {
                deactivate.push(id);
            } else if !conn.active && admitted {
                activate.push(id);
            }
        }
        let mut effects = Vec::with_capacity(deactivate.len() + activate.len());
        for id in deactivate {
            let peer = self.set_active(&id, false);
            effects.push(Effect::Deactivate {
                id,
                remaining: self.active_count(&peer),
            });
        }
        for id in activate {
            let peer = self.connections[&id].peer;
            effects.push(Effect::Activate {
                id,
                others: self.active_count(&peer),
            });
            self.set_active(&id, true);
        }
        effects
    }

    /// Marks a listed connection active or not; returns its peer.
    fn set_active(&mut self, id: &ConnectionId, active: bool) -> PeerId {
        let conn = self.connections.get_mut(id).expect("a listed connection");
        conn.active = active;
        conn.peer
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listener() -> ConnectedPoint {
        ConnectedPoint::Listener {
            local_addr: "/ip4/127.0.0.1/tcp/1".parse().unwrap(),
            send_back_addr: "/ip4/127.0.0.1/tcp/2".parse().unwrap(),
        }
    }

    fn topic(name: &str) -> TopicHash {
        TopicHash::from_raw(name)
    }

    fn members(peers: &[PeerId]) -> HashSet<PeerId> {
        peers.iter().copied().collect()
    }

    #[test]
    fn a_stranger_gets_no_gossip_until_it_becomes_a_member_and_none_after_it_leaves() {
        let mut gate = Gate::default();
        let stranger = PeerId::random();
        let c = ConnectionId::new_unchecked(1);
        assert!(!gate.admits(&stranger));
        assert!(
            !gate.established(c, stranger, listener()),
            "a stranger's connection stays dormant"
        );
        assert!(gate.closed(&c).is_none(), "gossipsub never knew it");
        let c = ConnectionId::new_unchecked(2);
        gate.established(c, stranger, listener());

        let effects = gate.set_members(members(&[stranger]), HashMap::new());
        assert_eq!(
            effects,
            [Effect::Activate { id: c, others: 0 }],
            "joined: its connection starts gossip"
        );
        assert!(gate.is_active(&c));
        assert_eq!(gate.active_count(&stranger), 1);
        assert_eq!(gate.set_members(members(&[stranger]), HashMap::new()), []);

        let effects = gate.set_members(HashSet::new(), HashMap::new());
        assert_eq!(
            effects,
            [Effect::Deactivate { id: c, remaining: 0 }],
            "removed: gossip stops"
        );
        assert!(gate.closed(&c).is_none(), "gossipsub no longer knows the connection");
    }

    #[test]
    fn a_member_subscribing_to_another_groups_topic_is_shut_out_while_it_stays_a_member() {
        let mut gate = Gate::default();
        let (bob, carol) = (PeerId::random(), PeerId::random());
        let (club, family) = (topic("chingu/g/club"), topic("chingu/g/family"));
        let entitled = HashMap::from([
            (club.clone(), members(&[bob, carol])),
            (family.clone(), members(&[bob])),
        ]);
        gate.set_members(members(&[bob, carol]), entitled.clone());
        let (b, c) = (ConnectionId::new_unchecked(1), ConnectionId::new_unchecked(2));
        assert!(gate.established(b, bob, listener()));
        assert!(gate.established(c, carol, listener()));

        assert!(gate.entitled(&bob, &family) && gate.entitled(&carol, &club));
        assert!(!gate.entitled(&carol, &family), "carol is not in the family group");
        assert!(
            gate.entitled(&carol, &topic("someone else's")),
            "topics not ours are no concern"
        );

        assert_eq!(gate.shut_out(carol), [Effect::Deactivate { id: c, remaining: 0 }]);
        assert!(!gate.admits(&carol));
        let again = ConnectionId::new_unchecked(3);
        assert!(
            !gate.established(again, carol, listener()),
            "a new connection stays dormant"
        );
        assert_eq!(gate.set_members(members(&[bob, carol]), entitled.clone()), []);
        assert_eq!(gate.active_peers(), members(&[bob]));

        // Once she is no longer a member the record goes; if she is added again, she is in.
        gate.set_members(members(&[bob]), HashMap::new());
        let effects = gate.set_members(members(&[bob, carol]), entitled);
        assert_eq!(
            effects,
            [
                Effect::Activate { id: c, others: 0 },
                Effect::Activate { id: again, others: 1 }
            ]
        );
    }

    #[test]
    fn deactivations_come_before_activations() {
        let mut gate = Gate::default();
        let (a, b) = (PeerId::random(), PeerId::random());
        gate.set_members(members(&[a]), HashMap::new());
        let (ca, cb) = (ConnectionId::new_unchecked(5), ConnectionId::new_unchecked(1));
        gate.established(ca, a, listener());
        gate.established(cb, b, listener());
        let effects = gate.set_members(members(&[b]), HashMap::new());
        assert_eq!(
            effects,
            [
                Effect::Deactivate { id: ca, remaining: 0 },
                Effect::Activate { id: cb, others: 0 }
            ]
        );
        assert_eq!(gate.connection(&cb).map(|c| c.peer), Some(b));
    }

    /// Two nodes that dialled each other at once hold two connections; when they become
    /// fellow members both connections start gossip in one step. Gossipsub greets a peer
    /// with our subscriptions only on what it is told is the first connection, so exactly
    /// one activation may say "no others" (telling both "one other" left each side
    /// believing the other subscribed to nothing: their messages reached nobody).
    #[test]
    fn a_peer_with_two_connections_is_greeted_once_and_dropped_once() {
        let mut gate = Gate::default();
        let (bob, carol) = (PeerId::random(), PeerId::random());
        let (b1, c1, b2) = (
            ConnectionId::new_unchecked(1),
            ConnectionId::new_unchecked(2),
            ConnectionId::new_unchecked(3),
        );
        gate.established(b1, bob, listener());
        gate.established(c1, carol, listener());
        gate.established(b2, bob, listener());

        let effects = gate.set_members(members(&[bob, carol]), HashMap::new());
        assert_eq!(
            effects,
            [
                Effect::Activate { id: b1, others: 0 },
                Effect::Activate { id: c1, others: 0 },
                Effect::Activate { id: b2, others: 1 },
            ]
        );
        assert_eq!(gate.active_count(&bob), 2);

        let effects = gate.set_members(members(&[carol]), HashMap::new());
        assert_eq!(
            effects,
            [
                Effect::Deactivate { id: b1, remaining: 1 },
                Effect::Deactivate { id: b2, remaining: 0 },
            ]
        );
        assert_eq!(gate.active_count(&bob), 0);
    }
}
