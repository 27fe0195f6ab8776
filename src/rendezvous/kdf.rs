//! Rendezvous key derivation, version 1 (protocol/rendezvous.md §2).
//!
//! A phone number has ~10¹⁰ possible values, so hashing it is no secret: the number is
//! stretched with argon2id under a weekly public salt into a 32-byte secret `S`, and `S`
//! is split with HKDF into the DHT key (where the record lives) and the encryption key
//! (what opens its entries). Whoever knows the number can compute both: the slow hash
//! only makes *enumerating* numbers expensive, once per number per epoch.
//!
//! Three inputs share the construction:
//! - one number ([`RendezvousKeys::single`]) or two ([`RendezvousKeys::mutual`]: a record
//!   findable only by someone who knows both numbers);
//! - a 128-bit invite secret ([`RendezvousKeys::from_invite_secret`]): high entropy, so
//!   HKDF alone, no argon2;
//! - a short meetup code ([`CodeSecret`]): low entropy, so argon2id under its own salt,
//!   plus a third key that proves knowledge of the code.

use std::fmt;

use argon2::{Algorithm, Argon2, Block, Params, Version};
use serde::{Deserialize, Serialize};

use super::{hkdf32, labelled_salt, RecordError};

/// Length of an epoch, in seconds (one week).
pub const EPOCH_SECS: u64 = 604_800;
/// Label of the public per-epoch argon2 salt for numbers.
pub const SALT_LABEL: &[u8] = b"chingu/rdv/v1/salt";
/// Label of the public per-epoch argon2 salt for meetup codes.
pub const CODE_SALT_LABEL: &[u8] = b"chingu/rdv/v1/code-salt";
/// HKDF info of the DHT key (numbers and meetup codes).
pub const DHT_KEY_INFO: &[u8] = b"chingu/rdv/v1/dht-key";
/// HKDF info of the encryption key (numbers and meetup codes).
pub const ENC_KEY_INFO: &[u8] = b"chingu/rdv/v1/enc-key";
/// HKDF info of the DHT key of an invite.
pub const INVITE_DHT_INFO: &[u8] = b"chingu/rdv/v1/invite-dht";
/// HKDF info of the encryption key of an invite.
pub const INVITE_ENC_INFO: &[u8] = b"chingu/rdv/v1/invite-enc";
/// HKDF info of the meetup code's authentication key.
pub const CODE_AUTH_INFO: &[u8] = b"chingu/rdv/v1/code-auth";
/// The byte between the two numbers of a mutual-mode input.
pub const MUTUAL_SEPARATOR: u8 = 0x00;
/// A publisher also writes the next epoch's record this long before that epoch starts.
pub const PUBLISH_AHEAD_SECS: u64 = 24 * 60 * 60;

/// A rendezvous epoch: `floor(unix_secs / EPOCH_SECS)`. Keys change every epoch, so a
/// record cannot be linked to the same number's record of another week.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Epoch(pub u32);

impl Epoch {
    /// The epoch containing `unix_secs` (saturating at `u32::MAX`, year 82 million).
    pub fn at(unix_secs: u64) -> Self {
        Self(u32::try_from(unix_secs / EPOCH_SECS).unwrap_or(u32::MAX))
    }

    /// Unix seconds at which this epoch starts.
    pub fn start(self) -> u64 {
        u64::from(self.0) * EPOCH_SECS
    }

    /// The previous epoch (epoch 0 is its own predecessor).
    pub fn prev(self) -> Self {
        Self(self.0.saturating_sub(1))
    }

    /// The next epoch (saturating).
    pub fn next(self) -> Self {
        Self(self.0.saturating_add(1))
    }

    /// The epochs a publisher writes at `now`: the current one, and the next one too
    /// during the last [`PUBLISH_AHEAD_SECS`] of the current one.
    pub fn to_publish(now: u64) -> Vec<Epoch> {
        let current = Self::at(now);
        let next = current.next();
        if next != current && now.saturating_add(PUBLISH_AHEAD_SECS) >= next.start() {
            vec![current, next]
        } else {
            vec![current]
        }
    }

    /// The epochs a reader looks up at `now`: the current one, then the previous one
    /// (a publisher that has been offline since last week) — but only during the first
    /// [`MAX_LIFETIME_SECS`](crate::rendezvous::record::MAX_LIFETIME_SECS) of the current
    /// epoch: an entry of the previous epoch expires at most that long after it was
    /// written, so later it cannot be alive.
    pub fn to_look_up(now: u64) -> Vec<Epoch> {
        let current = Self::at(now);
        let previous_alive = now
            < current
                .start()
                .saturating_add(crate::rendezvous::record::MAX_LIFETIME_SECS);
        if current.0 == 0 || !previous_alive {
            vec![current]
        } else {
            vec![current, current.prev()]
        }
    }
}

/// argon2id cost parameters. Fields are private so that every value is one argon2
/// accepts ([`KdfParams::new`] checks); [`KdfParams::V1`] is the protocol's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KdfParams {
    m_kib: u32,
    t_cost: u32,
    p_cost: u32,
}

impl KdfParams {
    /// Version 1: argon2id, m = 16 MiB, t = 4, p = 1, 32-byte output. About 25 ms per
    /// hash on one core of the reference machine (protocol/rendezvous.md §2.3).
    pub const V1: KdfParams = KdfParams {
        m_kib: 16_384,
        t_cost: 4,
        p_cost: 1,
    };

    /// Other parameters (tests use cheap ones); `None` if argon2 refuses them.
    pub fn new(m_kib: u32, t_cost: u32, p_cost: u32) -> Option<Self> {
        Params::new(m_kib, t_cost, p_cost, Some(32)).ok()?;
        Some(Self { m_kib, t_cost, p_cost })
    }

    /// Memory cost in KiB.
    pub fn m_kib(&self) -> u32 {
        self.m_kib
    }

    /// Number of passes.
    pub fn t_cost(&self) -> u32 {
        self.t_cost
    }

    /// Degree of parallelism.
    pub fn p_cost(&self) -> u32 {
        self.p_cost
    }

    /// argon2id over `input` with a 16-byte `salt`, 32-byte output.
    /// Runs argon2id in a per-thread working memory that is reused from one hash to the
    /// next (16 MiB allocated once per thread instead of once per hash: the allocator
    /// would otherwise keep a freed 16 MiB region in every thread's arena).
    fn hash(&self, input: &[u8], salt: &[u8; 16]) -> [u8; 32] {
        let params = Params::new(self.m_kib, self.t_cost, self.p_cost, Some(32))
            .expect("KdfParams only holds parameters argon2 accepted");
        let blocks = params.block_count();
        let mut out = [0u8; 32];
        MEMORY.with_borrow_mut(|memory| {
            if memory.len() != blocks {
                memory.clear();
                memory.resize(blocks, Block::default());
            }
            Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
                .hash_password_into_with_memory(input, salt, &mut out, &mut memory[..])
                .expect("a 16-byte salt, a 32-byte output and a bounded input are always accepted");
        });
        out
    }
}

thread_local! {
    /// This thread's argon2 working memory (see [`KdfParams::hash`]).
    static MEMORY: std::cell::RefCell<Vec<Block>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Gives this thread's argon2 working memory back to the operating system (a KDF thread
/// going idle): a node then holds none of it between bursts of derivations. The next
/// derivation allocates it again (a few milliseconds against 25 for the hash).
pub fn release_working_memory() {
    let held = MEMORY.with_borrow_mut(|memory| std::mem::take(memory).capacity() > 0);
    // glibc keeps a freed block this large in the thread's arena; trimming returns it.
    if held {
        crate::allocator::return_free_memory();
    }
}

/// The public argon2 salt of `epoch`: SHA-256(`"chingu/rdv/v1/salt"` || u32be(epoch))[0..16].
pub fn salt(epoch: Epoch) -> [u8; 16] {
    labelled_salt(SALT_LABEL, epoch)
}

/// The 32-byte rendezvous secret `S` = argon2id(password = `input`, salt = [`salt`]`(epoch)`).
/// `input` is an E.164 number (single mode) or [`mutual_input`] (mutual mode).
pub fn derive_secret(input: &[u8], epoch: Epoch, params: KdfParams) -> [u8; 32] {
    params.hash(input, &salt(epoch))
}

/// The mutual-mode argon2 input: min(a, b) || 0x00 || max(a, b), bytewise order, so both
/// parties compute the same bytes. The same number twice is [`RecordError::SameNumber`].
pub fn mutual_input(a: &str, b: &str) -> Result<Vec<u8>, RecordError> {
    let (low, high) = match a.as_bytes().cmp(b.as_bytes()) {
        std::cmp::Ordering::Less => (a, b),
        std::cmp::Ordering::Greater => (b, a),
        std::cmp::Ordering::Equal => return Err(RecordError::SameNumber),
    };
    Ok([low.as_bytes(), &[MUTUAL_SEPARATOR], high.as_bytes()].concat())
}

/// The two keys of one rendezvous point: where the record lives and what opens it.
/// Derivation is slow (argon2id): cache them per (number, epoch).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RendezvousKeys {
    /// The Kademlia record key (`"dht"`).
    #[serde(rename = "dht", with = "serde_bytes")]
    pub dht_key: [u8; 32],
    /// The XChaCha20-Poly1305 key of the entries' ciphertexts (`"enc"`).
    #[serde(rename = "enc", with = "serde_bytes")]
    pub enc_key: [u8; 32],
}

impl fmt::Debug for RendezvousKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RendezvousKeys")
            .field("dht_key", &hex::encode(self.dht_key))
            .finish_non_exhaustive()
    }
}

impl RendezvousKeys {
    /// Keys of one number (E.164, e.g. `"+821012345678"`) in `epoch`, with [`KdfParams::V1`].
    pub fn single(e164: &str, epoch: Epoch) -> Self {
        Self::single_with(e164, epoch, KdfParams::V1)
    }

    /// [`RendezvousKeys::single`] with other argon2 parameters.
    pub fn single_with(e164: &str, epoch: Epoch, params: KdfParams) -> Self {
        Self::from_secret(&derive_secret(e164.as_bytes(), epoch, params))
    }

    /// Keys shared by the owners of two numbers in `epoch` (order-independent), with
    /// [`KdfParams::V1`].
    pub fn mutual(a: &str, b: &str, epoch: Epoch) -> Result<Self, RecordError> {
        Self::mutual_with(a, b, epoch, KdfParams::V1)
    }

    /// [`RendezvousKeys::mutual`] with other argon2 parameters.
    pub fn mutual_with(a: &str, b: &str, epoch: Epoch, params: KdfParams) -> Result<Self, RecordError> {
        Ok(Self::from_secret(&derive_secret(&mutual_input(a, b)?, epoch, params)))
    }

    /// The split of a rendezvous secret `S`: HKDF-SHA256(ikm = S, salt = empty) expanded
    /// with info `"chingu/rdv/v1/dht-key"` and `"chingu/rdv/v1/enc-key"`.
    pub fn from_secret(secret: &[u8; 32]) -> Self {
        Self {
            dht_key: hkdf32(&[], secret, DHT_KEY_INFO),
            enc_key: hkdf32(&[], secret, ENC_KEY_INFO),
        }
    }

    /// Keys of an invite in `epoch`: HKDF-SHA256(ikm = secret, salt = u32be(epoch)) with
    /// info `"chingu/rdv/v1/invite-dht"` and `"chingu/rdv/v1/invite-enc"`. No argon2: the
    /// secret has 128 bits of entropy.
    pub fn from_invite_secret(secret: &[u8; 16], epoch: Epoch) -> Self {
        let salt = epoch.0.to_be_bytes();
        Self {
            dht_key: hkdf32(&salt, secret, INVITE_DHT_INFO),
            enc_key: hkdf32(&salt, secret, INVITE_ENC_INFO),
        }
    }

    /// Keys of a meetup code in `epoch` ([`CodeSecret::derive`] then [`CodeSecret::keys`]).
    /// Use [`CodeSecret`] directly to get the authentication key from the same argon2 run.
    pub fn from_code(code: &[u8], epoch: Epoch) -> Self {
        CodeSecret::derive(code, epoch).keys()
    }
}

/// The argon2 output of a short (≈50-bit) meetup code: the source of the code's
/// rendezvous keys and of the key that proves knowledge of the code.
#[derive(Clone, PartialEq, Eq)]
pub struct CodeSecret([u8; 32]);

impl fmt::Debug for CodeSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CodeSecret(..)")
    }
}

impl CodeSecret {
    /// argon2id(password = `code`, salt = SHA-256(`"chingu/rdv/v1/code-salt"` ||
    /// u32be(epoch))[0..16]) with [`KdfParams::V1`].
    pub fn derive(code: &[u8], epoch: Epoch) -> Self {
        Self::derive_with(code, epoch, KdfParams::V1)
    }

    /// [`CodeSecret::derive`] with other argon2 parameters.
    pub fn derive_with(code: &[u8], epoch: Epoch, params: KdfParams) -> Self {
        Self(params.hash(code, &labelled_salt(CODE_SALT_LABEL, epoch)))
    }

    /// The code's rendezvous keys (same split as a number's, [`RendezvousKeys::from_secret`]).
    pub fn keys(&self) -> RendezvousKeys {
        RendezvousKeys::from_secret(&self.0)
    }

    /// HKDF-SHA256(ikm = secret, salt = empty, info = `"chingu/rdv/v1/code-auth"`): the
    /// key with which the meetup protocol proves knowledge of the code.
    pub fn auth_key(&self) -> [u8; 32] {
        hkdf32(&[], &self.0, CODE_AUTH_INFO)
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn an_idle_thread_gives_its_working_memory_back() {
        let held = || MEMORY.with_borrow(|memory| memory.capacity());
        derive_secret(b"+821012345678", Epoch(1), KdfParams::V1);
        assert!(held() >= 16 * 1024 * 1024 / std::mem::size_of::<Block>());
        release_working_memory();
        assert_eq!(held(), 0);
        // And the next derivation takes it again, with the same answer.
        let again = derive_secret(b"+821012345678", Epoch(1), KdfParams::V1);
        assert_eq!(again, derive_secret(b"+821012345678", Epoch(1), KdfParams::V1));
    }
    use std::time::Instant;

    use super::*;

    /// The cheapest parameters argon2 accepts: keeps tests fast.
    fn cheap() -> KdfParams {
        KdfParams::new(8, 1, 1).expect("valid")
    }

    #[test]
    fn epochs_are_weekly() {
        assert_eq!(Epoch::at(0), Epoch(0));
        assert_eq!(Epoch::at(EPOCH_SECS - 1), Epoch(0));
        assert_eq!(Epoch::at(EPOCH_SECS), Epoch(1));
        // 2025-08-07T00:00:00Z is the first second of epoch 2901.
        assert_eq!(Epoch::at(1_754_524_800), Epoch(2901));
        assert_eq!(Epoch(2901).start(), 1_754_524_800);
        assert_eq!(Epoch::at(u64::MAX), Epoch(u32::MAX));
        assert_eq!(Epoch(0).prev(), Epoch(0));
        assert_eq!(Epoch(u32::MAX).next(), Epoch(u32::MAX));
    }

    #[test]
    fn publish_ahead_and_look_back() {
        let start = Epoch(2901).start();
        assert_eq!(Epoch::to_publish(start), vec![Epoch(2901)]);
        assert_eq!(
            Epoch::to_publish(start + EPOCH_SECS - PUBLISH_AHEAD_SECS - 1),
            vec![Epoch(2901)]
        );
        assert_eq!(
            Epoch::to_publish(start + EPOCH_SECS - PUBLISH_AHEAD_SECS),
            vec![Epoch(2901), Epoch(2902)]
        );
        assert_eq!(Epoch::to_look_up(start), vec![Epoch(2901), Epoch(2900)]);
        assert_eq!(
            Epoch::to_look_up(start + 172_799),
            vec![Epoch(2901), Epoch(2900)],
            "an entry of last week may live 48 h into this one"
        );
        assert_eq!(Epoch::to_look_up(start + 172_800), vec![Epoch(2901)], "then none can");
        assert_eq!(Epoch::to_look_up(0), vec![Epoch(0)]);
        assert_eq!(Epoch::to_publish(u64::MAX), vec![Epoch(u32::MAX)]);
    }

    #[test]
    fn params_are_validated() {
        assert!(KdfParams::new(8, 1, 1).is_some());
        assert!(KdfParams::new(16_384, 0, 1).is_none(), "t = 0");
        assert!(KdfParams::new(4, 1, 1).is_none(), "m below 8 KiB per lane");
        assert!(KdfParams::new(8, 1, 0).is_none(), "p = 0");
        let v1 = KdfParams::V1;
        assert_eq!(KdfParams::new(v1.m_kib(), v1.t_cost(), v1.p_cost()), Some(v1));
    }

    #[test]
    fn salts_differ_per_epoch_and_purpose() {
        assert_ne!(salt(Epoch(2900)), salt(Epoch(2901)));
        assert_ne!(salt(Epoch(2900)), labelled_salt(CODE_SALT_LABEL, Epoch(2900)));
    }

    #[test]
    fn mutual_keys_are_order_independent() {
        let (a, b) = ("+821012345678", "+14155550123");
        let ab = RendezvousKeys::mutual_with(a, b, Epoch(2900), cheap()).unwrap();
        let ba = RendezvousKeys::mutual_with(b, a, Epoch(2900), cheap()).unwrap();
        assert_eq!(ab, ba);
        assert_eq!(mutual_input(a, b).unwrap(), b"+14155550123\x00+821012345678");
        // Neither single key, nor the next epoch's.
        assert_ne!(ab, RendezvousKeys::single_with(a, Epoch(2900), cheap()));
        assert_ne!(ab, RendezvousKeys::mutual_with(a, b, Epoch(2901), cheap()).unwrap());
    }

    #[test]
    fn same_number_twice_is_an_error() {
        let n = "+821012345678";
        assert_eq!(
            RendezvousKeys::mutual_with(n, n, Epoch(2900), cheap()),
            Err(RecordError::SameNumber)
        );
        assert_eq!(RecordError::SameNumber.reason(), "same_number");
    }

    #[test]
    fn every_derivation_is_separated() {
        let secret16 = [9u8; 16];
        let secret32 = [9u8; 32];
        let invite = RendezvousKeys::from_invite_secret(&secret16, Epoch(1));
        assert_ne!(invite, RendezvousKeys::from_invite_secret(&secret16, Epoch(2)));
        let code = CodeSecret::derive_with(b"123-456-789", Epoch(1), cheap());
        let code_keys = code.keys();
        let keys = RendezvousKeys::from_secret(&secret32);
        let all = [
            invite.dht_key,
            invite.enc_key,
            code_keys.dht_key,
            code_keys.enc_key,
            code.auth_key(),
            keys.dht_key,
            keys.enc_key,
        ];
        for (i, x) in all.iter().enumerate() {
            for y in &all[i + 1..] {
                assert_ne!(x, y);
            }
        }
        // The code's keys are not the keys of a number spelled like the code.
        assert_ne!(code_keys, RendezvousKeys::single_with("123-456-789", Epoch(1), cheap()));
    }

    #[test]
    fn secrets_stay_out_of_debug_output() {
        let keys = RendezvousKeys::from_secret(&[1; 32]);
        let shown = format!("{keys:?}");
        assert!(shown.contains(&hex::encode(keys.dht_key)));
        assert!(!shown.contains(&hex::encode(keys.enc_key)));
        assert_eq!(format!("{:?}", CodeSecret([1; 32])), "CodeSecret(..)");
        let restored: RendezvousKeys = crate::wire::from_cbor(&crate::wire::to_cbor(&keys), 100).unwrap();
        assert_eq!(restored, keys);
    }

    #[test]
    fn vectors_hold() {
        use crate::rendezvous::testutil::{hex32, hex_of, int, text, vectors};
        let epoch_of = |v: &serde_json::Value| Epoch(u32::try_from(int(&v["epoch"])).expect("u32"));
        let keys_of = |v: &serde_json::Value| RendezvousKeys {
            dht_key: hex32(&v["dht_key"]),
            enc_key: hex32(&v["enc_key"]),
        };
        for v in vectors("single") {
            let epoch = epoch_of(&v);
            let e164 = text(&v["e164"]);
            assert_eq!(hex_of(&v["argon2_input"]), e164.as_bytes());
            assert_eq!(salt(epoch), hex_of(&v["salt"]).as_slice());
            let secret = derive_secret(e164.as_bytes(), epoch, KdfParams::V1);
            assert_eq!(secret, hex32(&v["secret"]));
            assert_eq!(RendezvousKeys::from_secret(&secret), keys_of(&v));
        }
        for v in vectors("mutual") {
            let (a, b, epoch) = (text(&v["a"]), text(&v["b"]), epoch_of(&v));
            assert_eq!(mutual_input(a, b).unwrap(), hex_of(&v["argon2_input"]));
            assert_eq!(mutual_input(b, a).unwrap(), hex_of(&v["argon2_input"]));
            assert_eq!(salt(epoch), hex_of(&v["salt"]).as_slice());
            assert_eq!(RendezvousKeys::mutual(b, a, epoch).unwrap(), keys_of(&v));
            assert_eq!(RendezvousKeys::from_secret(&hex32(&v["secret"])), keys_of(&v));
        }
        for v in vectors("invite_keys") {
            let secret: [u8; 16] = hex_of(&v["secret"]).try_into().expect("16 bytes");
            assert_eq!(epoch_of(&v).0.to_be_bytes().as_slice(), hex_of(&v["hkdf_salt"]));
            assert_eq!(RendezvousKeys::from_invite_secret(&secret, epoch_of(&v)), keys_of(&v));
        }
        for v in vectors("code") {
            let epoch = epoch_of(&v);
            assert_eq!(labelled_salt(CODE_SALT_LABEL, epoch), hex_of(&v["salt"]).as_slice());
            let code = CodeSecret::derive(text(&v["code"]).as_bytes(), epoch);
            assert_eq!(code.0, hex32(&v["secret"]));
            assert_eq!(code.keys(), keys_of(&v));
            assert_eq!(code.auth_key(), hex32(&v["auth_key"]));
        }
    }

    /// Prints the cost of one V1 hash and of neighbouring `t` values. Run in release:
    /// `cargo test --release -- --ignored --nocapture argon2_timing`.
    #[test]
    #[ignore]
    fn argon2_timing() {
        for t in [1, 3, 4, 5, 6] {
            let params = KdfParams::new(16_384, t, 1).expect("valid");
            derive_secret(b"+821012345678", Epoch(2900), params);
            let runs = 20u32;
            let started = Instant::now();
            for i in 0..runs {
                derive_secret(format!("+8210{i:08}").as_bytes(), Epoch(2900), params);
            }
            let ms = started.elapsed().as_secs_f64() * 1000.0 / f64::from(runs);
            println!("argon2id m=16MiB p=1 t={t}: {ms:.1} ms per hash");
        }
    }
}
