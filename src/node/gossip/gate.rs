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

/// What the glue must do to gossipsub.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Effect {
    /// Hand the connection to gossipsub (it greets the peer with our subscriptions).
    Activate(ConnectionId),
    /// Take the connection away from gossipsub (as if it had closed).
    Deactivate(ConnectionId),
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
    /// connection order, so the effects are deterministic).
    fn apply(&mut self) -> Vec<Effect> {
        let mut ids: Vec<ConnectionId> = self.connections.keys().copied().collect();
        ids.sort();
        let mut deactivate = Vec::new();
        let mut activate = Vec::new();
        for id in ids {
            let admitted = self.admits(&self.connections[&id].peer);
            let conn = self.connections.get_mut(&id).expect("listed above");
            if conn.active && !admitted {
                conn.active = false;
                deactivate.push(Effect::Deactivate(id));
            } else if !conn.active && admitted {
                conn.active = true;
                activate.push(Effect::Activate(id));
            }
        }
        deactivate.extend(activate);
        deactivate
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
        assert_eq!(effects, [Effect::Activate(c)], "joined: its connection starts gossip");
        assert!(gate.is_active(&c));
        assert_eq!(gate.active_count(&stranger), 1);
        assert_eq!(gate.set_members(members(&[stranger]), HashMap::new()), []);

        let effects = gate.set_members(HashSet::new(), HashMap::new());
        assert_eq!(effects, [Effect::Deactivate(c)], "removed: gossip stops");
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

        assert_eq!(gate.shut_out(carol), [Effect::Deactivate(c)]);
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
        assert_eq!(effects, [Effect::Activate(c), Effect::Activate(again)]);
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
        assert_eq!(effects, [Effect::Deactivate(ca), Effect::Activate(cb)]);
        assert_eq!(gate.connection(&cb).map(|c| c.peer), Some(b));
    }
}
