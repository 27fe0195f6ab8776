//! Rendezvous records written by hand, as an attacker or a broken node would publish
//! them.

use chingu::identity::Identity;
use chingu::rendezvous::record::{Addr, DEFAULT_LIFETIME_SECS};
use chingu::rendezvous::{seal_entry, Epoch, InnerBody, RendezvousKeys, RendezvousValue};
use chingu::session::Prekey;
use chingu::wire::{List, Text};

/// The DHT key and value of a record in which `identity` claims `phone` (the
/// number-alone key of `everyone` mode, this epoch), listing `addrs` and `name`.
pub fn claim(identity: &Identity, phone: &str, addrs: Vec<Addr>, name: &str) -> (Vec<u8>, Vec<u8>) {
    let now = chingu::model::now_ms() / 1000;
    let epoch = Epoch::at(now);
    let keys = RendezvousKeys::single(phone, epoch);
    let prekey = Prekey::generate(1, now, &mut rand::rngs::OsRng)
        .unwrap()
        .sign(identity.ed25519());
    let body = InnerBody::new(
        &identity.ed25519().public(),
        identity.noise().public,
        prekey,
        List::truncating(addrs),
        List::default(),
        Text::new(name).unwrap(),
    );
    let entry = seal_entry(
        identity.ed25519(),
        &keys,
        epoch,
        now * 1000,
        now + DEFAULT_LIFETIME_SECS,
        &body,
        &mut rand::rngs::OsRng,
    )
    .unwrap();
    let value = RendezvousValue::new(vec![entry]).unwrap().encode().unwrap();
    (keys.dht_key.to_vec(), value)
}
