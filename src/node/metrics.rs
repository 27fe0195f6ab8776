//! libp2p's own Prometheus metrics for a node: the swarm's connection events and the
//! identify, Kademlia and ping protocols, recorded as the actor sees them. Counters are
//! atomics shared with the registry the metrics endpoint encodes, so recording takes no
//! lock and needs nothing from the actor but the event.

use std::sync::Arc;

use libp2p::metrics::{Metrics, Recorder, Registry};
use libp2p::swarm::SwarmEvent;

use super::behaviour::BehaviourEvent;

/// Recorder of a node's libp2p metrics (cheap to clone).
#[derive(Clone)]
pub struct SwarmMetrics(Arc<Metrics>);

impl std::fmt::Debug for SwarmMetrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SwarmMetrics")
    }
}

impl SwarmMetrics {
    /// Registers libp2p's metric families (prefixed `libp2p_`) in `registry`.
    pub fn register(registry: &mut Registry) -> Self {
        Self(Arc::new(Metrics::new(registry)))
    }

    /// Records one swarm event (and the protocol event inside it, for the protocols
    /// libp2p has metrics for).
    pub(super) fn record(&self, event: &SwarmEvent<BehaviourEvent>) {
        self.0.record(event);
        if let SwarmEvent::Behaviour(event) = event {
            match event {
                BehaviourEvent::Identify(event) => self.0.record(event),
                BehaviourEvent::Kad(event) => self.0.record(event),
                BehaviourEvent::Ping(event) => self.0.record(event),
                BehaviourEvent::Gossipsub(super::gossip::Event::Gossipsub(event)) => self.0.record(event),
                _ => {}
            }
        }
    }
}
