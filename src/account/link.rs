//! Linking a new device to an account (SPEC.md §8.5, `protocol/devices.md`): the one-time
//! link code, the Noise `XXpsk3` handshake keyed by the code's secret, the short
//! authentication string both people compare, and the messages exchanged once the
//! channel is up. Sans-IO: bytes and the time in, bytes and decisions out; the node's
//! glue (`node::link`, and `init --link`'s client) carries the frames over
//! `/chingu/link/1`.
//!
//! The code's secret is never a key by itself: it is the Noise PSK, mixed into a
//! handshake whose ephemeral Diffie-Hellman keys are fresh on both sides, so a recorded
//! run cannot be replayed and a wrong code fails at message 3. What the two sides then
//! confirm (the SAS) is derived from the handshake hash, so a party in the middle that
//! somehow held the code would show different numbers on the two screens.

use data_encoding::BASE32_NOPAD;
use hkdf::Hkdf;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use snow::{HandshakeState, TransportState};

use super::devices::{device_name, possession_bytes, SignedDeviceList, MAX_DEVICE_NAME};
use super::history::{HistoryEntry, MAX_HISTORY_BATCH};
use super::AccountError;
use crate::group::Transcript;
use crate::identity::NoiseKeypair;
use crate::session::keys::noise_builder;
use crate::wire::{from_cbor, to_cbor, Bytes, Fixed, List, Text};

/// The Noise protocol of the link channel.
pub const LINK_PATTERN: &str = "Noise_XXpsk3_25519_ChaChaPoly_BLAKE2s";
/// The libp2p stream protocol that carries it.
pub const LINK_PROTOCOL: &str = "/chingu/link/1";
/// The only link code version.
pub const LINK_CODE_VERSION: u8 = 1;
/// Text form prefix of a link code.
pub const LINK_PREFIX: &str = "CHINGU-LINK-";
/// Bytes of secret in a code.
pub const LINK_SECRET_LEN: usize = 16;
/// How long a code is valid after it is shown (ms).
pub const LINK_LIFETIME_MS: u64 = 10 * 60 * 1000;
/// Wrong attempts after which an offer is withdrawn.
pub const MAX_LINK_FAILURES: u32 = 3;
/// Most addresses a code carries.
pub const MAX_LINK_ADDRS: usize = 4;
/// Longest text a code is parsed from.
pub const MAX_LINK_TEXT: usize = 1_024;
/// Largest Noise message on the link stream (a batch of history, sealed).
pub const MAX_LINK_FRAME: usize = 60_000;

const PSK_INFO: &[u8] = b"chingu/link/v1/psk";
const SAS_INFO: &[u8] = b"chingu/link/v1/sas";
const PROLOGUE_LABEL: &[u8] = b"chingu/link/v1";
const HELLO_LABEL: &[u8] = b"chingu/link/v1/hello";
const CHECKSUM_LEN: usize = 4;

/// What a link code carries: where the existing device listens and the one-time secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkCode {
    /// [`LINK_CODE_VERSION`].
    pub v: u8,
    /// The existing device's peer id (binary).
    pub peer: Bytes<64>,
    /// Its addresses (binary multiaddrs).
    pub addrs: List<Bytes<256>, MAX_LINK_ADDRS>,
    /// The one-time secret.
    pub secret: Fixed<LINK_SECRET_LEN>,
    /// After this the existing device refuses it (ms).
    pub expires_ms: u64,
}

impl LinkCode {
    /// The text form: [`LINK_PREFIX`] + base32 of CBOR(code) || SHA-256(CBOR)[..4].
    pub fn encode(&self) -> String {
        let mut bytes = to_cbor(self);
        let sum = Sha256::digest(&bytes);
        bytes.extend_from_slice(&sum[..CHECKSUM_LEN]);
        format!("{LINK_PREFIX}{}", BASE32_NOPAD.encode(&bytes))
    }

    /// Parses the text form (case, spaces and dashes ignored) and checks the checksum,
    /// version and expiry against `now_ms`.
    pub fn parse(text: &str, now_ms: u64) -> Result<Self, AccountError> {
        if text.len() > MAX_LINK_TEXT {
            return Err(AccountError::BadCode);
        }
        let compact: String = text
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect::<String>()
            .to_ascii_uppercase();
        let prefix: String = LINK_PREFIX.chars().filter(|c| *c != '-').collect();
        let data = compact.strip_prefix(&prefix).ok_or(AccountError::BadCode)?;
        let bytes = BASE32_NOPAD
            .decode(data.as_bytes())
            .map_err(|_| AccountError::BadCode)?;
        if bytes.len() <= CHECKSUM_LEN {
            return Err(AccountError::BadCode);
        }
        let (body, sum) = bytes.split_at(bytes.len() - CHECKSUM_LEN);
        if Sha256::digest(body)[..CHECKSUM_LEN] != *sum {
            return Err(AccountError::BadCode);
        }
        let code: LinkCode = from_cbor(body, MAX_LINK_TEXT).map_err(|_| AccountError::BadCode)?;
        if code.v != LINK_CODE_VERSION {
            return Err(AccountError::BadCode);
        }
        if now_ms >= code.expires_ms {
            return Err(AccountError::CodeExpired);
        }
        Ok(code)
    }

    /// The Noise PSK: HKDF-SHA256(ikm = secret, info = label || peer).
    pub fn psk(&self) -> [u8; 32] {
        let mut psk = [0u8; 32];
        let info = Transcript::new(PSK_INFO).fixed(self.peer.as_ref()).into_bytes();
        Hkdf::<Sha256>::new(None, self.secret.as_bytes())
            .expand(&info, &mut psk)
            .expect("32 bytes is a valid HKDF-SHA256 length");
        psk
    }

    fn prologue(&self) -> Vec<u8> {
        Transcript::new(PROLOGUE_LABEL).var(self.peer.as_ref()).into_bytes()
    }
}

/// A frame on `/chingu/link/1`: a Noise message, or a refusal in clear (before or
/// instead of the channel).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkFrame {
    /// A handshake or transport message.
    Noise(Bytes<MAX_LINK_FRAME>),
    /// Why the existing device stops (an [`AccountError::reason`]).
    Refused(Text<32>),
}

/// What travels inside the channel once it is up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkMessage {
    /// New → existing: the device to certify, proven by its identity key's signature over
    /// `"chingu/link/v1/hello" || handshake hash || possession_bytes(…)`.
    Hello {
        /// Its Ed25519 identity key.
        device: Fixed<32>,
        /// The name its owner gave it.
        name: Text<MAX_DEVICE_NAME>,
        /// The signature.
        sig: Fixed<64>,
    },
    /// Existing → new: whose account this is.
    Account {
        /// The account key.
        account: Fixed<32>,
        /// The account's number (E.164; empty for none).
        phone: Text<16>,
        /// The account's display name.
        name: Text<128>,
    },
    /// New → existing: its owner confirmed the SAS.
    Confirm,
    /// New → existing, before its hello: both people confirmed this device in an earlier
    /// run of this code whose history was cut; it holds that run's entries up to the
    /// message whose key is `after` (empty: none), and asks for the rest.
    Resume {
        /// The key of the last message entry it holds (`'m' || conv || hlc || id`).
        after: Bytes<64>,
    },
    /// Existing → new: a batch of the history the new device gets.
    History(List<HistoryEntry, MAX_HISTORY_BATCH>),
    /// Existing → new: the history is whole — this many entries, this digest.
    HistoryEnd {
        /// How many entries were sent.
        entries: u64,
        /// [`super::history::HistoryDigest`] of them, in order.
        digest: Fixed<32>,
    },
    /// New → existing: the history arrived whole.
    HistoryOk,
    /// Existing → new: the device list with the new device in it.
    Granted(SignedDeviceList),
}

/// The six digits both screens show, as `"123 456"`: HKDF-SHA256 of the handshake hash.
pub fn sas(handshake_hash: &[u8]) -> String {
    let mut out = [0u8; 4];
    Hkdf::<Sha256>::new(None, handshake_hash)
        .expand(SAS_INFO, &mut out)
        .expect("4 bytes is a valid HKDF-SHA256 length");
    let n = u32::from_be_bytes(out) % 1_000_000;
    format!("{:03} {:03}", n / 1000, n % 1000)
}

/// What a new device's hello signs: `"chingu/link/v1/hello" || var(h) ||
/// possession_bytes(account, device, noise)`.
pub fn hello_bytes(handshake_hash: &[u8], account: &[u8; 32], device: &[u8; 32], noise: &[u8; 32]) -> Vec<u8> {
    Transcript::new(HELLO_LABEL)
        .var(handshake_hash)
        .fixed(&possession_bytes(account, device, noise))
        .into_bytes()
}

fn noise_err(e: snow::Error) -> AccountError {
    AccountError::Handshake(e.to_string())
}

fn write(state: &mut HandshakeState) -> Result<Vec<u8>, AccountError> {
    let mut buf = vec![0u8; MAX_LINK_FRAME];
    let len = state.write_message(&[], &mut buf).map_err(noise_err)?;
    buf.truncate(len);
    Ok(buf)
}

fn read(state: &mut HandshakeState, msg: &[u8]) -> Result<(), AccountError> {
    let mut buf = vec![0u8; MAX_LINK_FRAME];
    state
        .read_message(msg, &mut buf)
        .map(|_| ())
        .map_err(|_| AccountError::WrongCode)
}

/// An established link channel.
pub struct LinkChannel {
    transport: TransportState,
    handshake_hash: Vec<u8>,
    remote_noise: [u8; 32],
}

impl std::fmt::Debug for LinkChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LinkChannel")
            .field("sas", &self.sas())
            .finish_non_exhaustive()
    }
}

impl LinkChannel {
    fn from(state: HandshakeState) -> Result<Self, AccountError> {
        let handshake_hash = state.get_handshake_hash().to_vec();
        let remote_noise = state
            .get_remote_static()
            .and_then(|k| <[u8; 32]>::try_from(k).ok())
            .ok_or_else(|| AccountError::Handshake("no remote static key".into()))?;
        let transport = state.into_transport_mode().map_err(noise_err)?;
        Ok(Self {
            transport,
            handshake_hash,
            remote_noise,
        })
    }

    /// The handshake hash `h` after message 3.
    pub fn handshake_hash(&self) -> &[u8] {
        &self.handshake_hash
    }

    /// The string both people compare.
    pub fn sas(&self) -> String {
        sas(&self.handshake_hash)
    }

    /// The other side's Noise static key.
    pub fn remote_noise(&self) -> [u8; 32] {
        self.remote_noise
    }

    /// `message` as a Noise transport message.
    pub fn seal(&mut self, message: &LinkMessage) -> Result<Vec<u8>, AccountError> {
        let plain = to_cbor(message);
        let mut buf = vec![0u8; plain.len() + 16];
        let len = self.transport.write_message(&plain, &mut buf).map_err(noise_err)?;
        buf.truncate(len);
        Ok(buf)
    }

    /// The message inside a transport message.
    pub fn open(&mut self, bytes: &[u8]) -> Result<LinkMessage, AccountError> {
        let mut buf = vec![0u8; bytes.len()];
        let len = self
            .transport
            .read_message(bytes, &mut buf)
            .map_err(|_| AccountError::Malformed("a link message that does not decrypt"))?;
        from_cbor(&buf[..len], MAX_LINK_FRAME)
            .map_err(|_| AccountError::Malformed("a link message that does not decode"))
    }

    /// The new device's [`LinkMessage::Hello`], signed with its identity key for
    /// `account` (the key its code's device will name in [`LinkMessage::Account`]: the
    /// hello binds the handshake, so it is sent after that).
    pub fn hello(
        &self,
        device: &libp2p_identity::ed25519::Keypair,
        own_noise: &[u8; 32],
        account: &[u8; 32],
        name: &str,
    ) -> Result<LinkMessage, AccountError> {
        let device_pk = device.public().to_bytes();
        let signed = hello_bytes(&self.handshake_hash, account, &device_pk, own_noise);
        Ok(LinkMessage::Hello {
            device: Fixed(device_pk),
            name: device_name(name)?,
            sig: Fixed(crate::crypto::sign(device, &signed)),
        })
    }

    /// Checks a hello received by the existing device of `account`: the signature binds
    /// this handshake, the device key and the Noise key the handshake authenticated.
    pub fn check_hello(&self, account: &[u8; 32], hello: &LinkMessage) -> Result<super::Device, AccountError> {
        let LinkMessage::Hello { device, name, sig } = hello else {
            return Err(AccountError::Malformed("expected the new device's hello"));
        };
        let signed = hello_bytes(&self.handshake_hash, account, device.as_bytes(), &self.remote_noise);
        if !crate::crypto::verify(device.as_bytes(), &signed, sig.as_bytes()) {
            return Err(AccountError::BadSignature);
        }
        Ok(super::Device {
            device: *device,
            noise: Fixed(self.remote_noise),
            name: name.clone(),
            added_ms: 0,
        })
    }
}

/// A handshake state for `code` with the local static key `noise` (the new device is the
/// initiator); `entropy` seeds the ephemeral key.
fn handshake(
    code: &LinkCode,
    noise: &NoiseKeypair,
    entropy: [u8; 32],
    initiator: bool,
) -> Result<HandshakeState, AccountError> {
    let (psk, prologue) = (code.psk(), code.prologue());
    noise_builder(LINK_PATTERN, Some(entropy))
        .and_then(|b| {
            let b = b.local_private_key(&noise.private)?.psk(3, &psk)?.prologue(&prologue)?;
            Ok(if initiator {
                b.build_initiator()?
            } else {
                b.build_responder()?
            })
        })
        .map_err(|e| AccountError::Handshake(e.to_string()))
}

/// The new device's side of the handshake (the initiator: it dials the code's address).
pub struct Joiner {
    state: HandshakeState,
}

impl Joiner {
    /// Starts: returns the state and message 1. `entropy` seeds the ephemeral key.
    pub fn start(code: &LinkCode, noise: &NoiseKeypair, entropy: [u8; 32]) -> Result<(Self, Vec<u8>), AccountError> {
        let mut state = handshake(code, noise, entropy, true)?;
        let msg1 = write(&mut state)?;
        Ok((Self { state }, msg1))
    }

    /// Reads message 2, writes message 3; the channel is up.
    pub fn finish(mut self, msg2: &[u8]) -> Result<(LinkChannel, Vec<u8>), AccountError> {
        let mut buf = vec![0u8; MAX_LINK_FRAME];
        self.state
            .read_message(msg2, &mut buf)
            .map_err(|e| AccountError::Handshake(e.to_string()))?;
        let msg3 = write(&mut self.state)?;
        Ok((LinkChannel::from(self.state)?, msg3))
    }
}

/// The existing device's side (the responder).
pub struct Admitter {
    state: HandshakeState,
}

impl Admitter {
    /// Reads message 1 of a joiner holding `code`; returns the state and message 2.
    pub fn start(
        code: &LinkCode,
        noise: &NoiseKeypair,
        msg1: &[u8],
        entropy: [u8; 32],
    ) -> Result<(Self, Vec<u8>), AccountError> {
        let mut state = handshake(code, noise, entropy, false)?;
        let mut buf = vec![0u8; MAX_LINK_FRAME];
        state
            .read_message(msg1, &mut buf)
            .map_err(|e| AccountError::Handshake(e.to_string()))?;
        let msg2 = write(&mut state)?;
        Ok((Self { state }, msg2))
    }

    /// Reads message 3: fails with [`AccountError::WrongCode`] when the joiner's code (its
    /// PSK) is not this one, or the message belongs to another run.
    pub fn finish(mut self, msg3: &[u8]) -> Result<LinkChannel, AccountError> {
        read(&mut self.state, msg3)?;
        LinkChannel::from(self.state)
    }
}

#[cfg(test)]
mod tests {
    use libp2p_identity::ed25519::Keypair;

    use super::*;

    const NOW: u64 = 1_764_892_800_000;

    fn code(secret: u8) -> LinkCode {
        LinkCode {
            v: LINK_CODE_VERSION,
            peer: Bytes::new(libp2p::PeerId::random().to_bytes()).unwrap(),
            addrs: List::truncating(vec![Bytes::new(b"/ip4/127.0.0.1/tcp/1".to_vec()).unwrap()]),
            secret: Fixed([secret; LINK_SECRET_LEN]),
            expires_ms: NOW + LINK_LIFETIME_MS,
        }
    }

    fn run(joiner_code: &LinkCode, admitter_code: &LinkCode) -> Result<(LinkChannel, LinkChannel), AccountError> {
        let (new, old) = (NoiseKeypair::generate(), NoiseKeypair::generate());
        let (joiner, msg1) = Joiner::start(joiner_code, &new, [1; 32])?;
        let (admitter, msg2) = Admitter::start(admitter_code, &old, &msg1, [2; 32])?;
        let (joined, msg3) = joiner.finish(&msg2)?;
        Ok((joined, admitter.finish(&msg3)?))
    }

    #[test]
    fn a_code_round_trips_and_bad_or_old_text_is_refused() {
        let code = code(9);
        let text = code.encode();
        assert!(text.starts_with(LINK_PREFIX));
        let spaced = text.to_lowercase().replace("chingu-link-", "chingu-link- ");
        assert_eq!(LinkCode::parse(&spaced, NOW).unwrap(), code);
        assert_eq!(LinkCode::parse(&text, code.expires_ms), Err(AccountError::CodeExpired));
        let mut flipped = text.into_bytes();
        let last = flipped.len() - 3;
        flipped[last] = if flipped[last] == b'A' { b'B' } else { b'A' };
        assert_eq!(
            LinkCode::parse(std::str::from_utf8(&flipped).unwrap(), NOW),
            Err(AccountError::BadCode)
        );
        assert_eq!(LinkCode::parse("CHINGU-ABCD", NOW), Err(AccountError::BadCode));
    }

    #[test]
    fn both_sides_show_one_sas_and_the_hello_binds_the_device() {
        let code = code(3);
        let (mut new, mut old) = run(&code, &code).unwrap();
        assert_eq!(new.sas(), old.sas());
        assert_eq!(new.sas().len(), 7);
        let account = Keypair::generate().public().to_bytes();
        let device = Keypair::generate();
        let own_noise = old.remote_noise();
        let hello = new.hello(&device, &own_noise, &account, "laptop").unwrap();
        let sealed = new.seal(&hello).unwrap();
        let opened = old.open(&sealed).unwrap();
        let certified = old.check_hello(&account, &opened).unwrap();
        assert_eq!(certified.device.as_bytes(), &device.public().to_bytes());
        // A hello signed for another account (or copied from another run) fails.
        let other = Keypair::generate().public().to_bytes();
        assert_eq!(old.check_hello(&other, &opened), Err(AccountError::BadSignature));
    }

    #[test]
    fn a_wrong_code_or_a_replayed_message_3_fails_at_the_existing_device() {
        let right = code(3);
        let mut wrong = right.clone();
        wrong.secret = Fixed([4; LINK_SECRET_LEN]);
        assert_eq!(run(&wrong, &right).unwrap_err(), AccountError::WrongCode);
        // A recorded run's messages 1 and 3 replayed: the fresh message 2 does not match.
        let (new, old) = (NoiseKeypair::generate(), NoiseKeypair::generate());
        let (joiner, msg1) = Joiner::start(&right, &new, [1; 32]).unwrap();
        let (_, msg2) = Admitter::start(&right, &old, &msg1, [2; 32]).unwrap();
        let (_, msg3) = joiner.finish(&msg2).unwrap();
        let (again, _) = Admitter::start(&right, &old, &msg1, [5; 32]).unwrap();
        assert_eq!(again.finish(&msg3).unwrap_err(), AccountError::WrongCode);
    }
}
