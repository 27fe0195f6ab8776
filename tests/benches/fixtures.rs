//! Inputs shared by the micro-benchmarks: a typical rendezvous record, the kind a node
//! publishes (two addresses, no mailbox, a short name, a signed prekey).

use libp2p::identity::ed25519;

use chingu::rendezvous::record::DEFAULT_LIFETIME_SECS;
use chingu::rendezvous::{seal_entry, Entry, Epoch, InnerBody, RendezvousKeys};
use chingu::session::Prekey;
use chingu::wire::{Bytes, List, Text};

/// A publisher, its keys for one epoch and the body it publishes.
pub struct Record {
    /// The publisher's identity.
    pub identity: ed25519::Keypair,
    /// The rendezvous keys (fixed secret: the benchmarks must not pay the KDF).
    pub keys: RendezvousKeys,
    /// The epoch of `now`.
    pub epoch: Epoch,
    /// Unix seconds, one hour into epoch 2901.
    pub now: u64,
    /// The inner body.
    pub body: InnerBody,
}

impl Record {
    /// The fixture: two TCP/QUIC multiaddrs on public addresses, name "민지".
    pub fn new() -> Self {
        let now = 1_754_524_800 + 3_600;
        let identity = ed25519::Keypair::generate();
        let mut rng = rand::rngs::OsRng;
        let prekey = Prekey::generate(1, now, &mut rng).expect("a prekey").sign(&identity);
        let addrs = ["/ip4/203.0.113.7/tcp/4001", "/ip4/203.0.113.7/udp/4001/quic-v1"]
            .iter()
            .map(|a| {
                let addr: libp2p::Multiaddr = a.parse().expect("a multiaddr");
                Bytes::new(addr.to_vec()).expect("a short address")
            })
            .collect();
        let body = InnerBody::new(
            &identity.public(),
            [0x11; 32],
            prekey,
            List::new(addrs).expect("two addresses"),
            List::default(),
            Text::new("민지").expect("a short name"),
        );
        Self {
            identity,
            keys: RendezvousKeys::from_secret(&[7; 32]),
            epoch: Epoch::at(now),
            now,
            body,
        }
    }

    /// A freshly sealed entry of the publisher.
    pub fn seal(&self) -> Entry {
        seal_entry(
            &self.identity,
            &self.keys,
            self.epoch,
            self.now,
            self.now + DEFAULT_LIFETIME_SECS,
            &self.body,
            &mut rand::rngs::OsRng,
        )
        .expect("a valid entry")
    }
}
