//! A node's long-term keys: the ed25519 identity (which is also its libp2p peer id) and a
//! separate X25519 static key for end-to-end Noise sessions.
//!
//! Key files are small text files (SPEC.md §8.1): a header line naming the format, then
//! the secret as hex. They are written with mode 0600 and checked before loading.

use std::fs;
use std::path::Path;

use libp2p::identity::{ed25519, Keypair};
use libp2p::PeerId;
use snow::params::DHChoice;
use snow::resolvers::{CryptoResolver, DefaultResolver};

use crate::home::{write_private, HomeError};

const IDENTITY_HEADER: &str = "chingu-identity-ed25519-v1";
const NOISE_HEADER: &str = "chingu-noise-x25519-v1";

/// An X25519 key pair for Noise.
#[derive(Clone)]
pub struct NoiseKeypair {
    /// The private key.
    pub private: [u8; 32],
    /// The public key.
    pub public: [u8; 32],
}

impl std::fmt::Debug for NoiseKeypair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "NoiseKeypair {{ public: {} }}", hex::encode(self.public))
    }
}

impl NoiseKeypair {
    /// Generates a fresh key pair.
    pub fn generate() -> Self {
        let mut private = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut private);
        Self::from_private(private)
    }

    /// Rebuilds the pair from its private key.
    pub fn from_private(private: [u8; 32]) -> Self {
        let mut dh = DefaultResolver
            .resolve_dh(&DHChoice::Curve25519)
            .expect("the default resolver always provides Curve25519");
        dh.set(&private);
        let mut public = [0u8; 32];
        public.copy_from_slice(dh.pubkey());
        Self { private, public }
    }
}

/// The libp2p peer id of the node whose Ed25519 identity key is `identity_pk` (`None` for
/// bytes that are no Ed25519 key).
pub fn peer_id_of(identity_pk: &[u8; 32]) -> Option<PeerId> {
    ed25519::PublicKey::try_from_bytes(identity_pk)
        .ok()
        .map(|pk| PeerId::from_public_key(&pk.into()))
}

/// The node's identity and Noise keys.
#[derive(Clone)]
pub struct Identity {
    ed25519: ed25519::Keypair,
    noise: NoiseKeypair,
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Identity {{ peer_id: {} }}", self.peer_id())
    }
}

impl Identity {
    /// Generates fresh keys.
    pub fn generate() -> Self {
        Self {
            ed25519: ed25519::Keypair::generate(),
            noise: NoiseKeypair::generate(),
        }
    }

    /// Builds an identity from existing secrets (deterministic test nets, vectors).
    pub fn from_secrets(identity_secret: [u8; 32], noise_private: [u8; 32]) -> Self {
        let mut secret = identity_secret;
        let secret = ed25519::SecretKey::try_from_bytes(&mut secret).expect("any 32 bytes are a valid ed25519 secret");
        Self {
            ed25519: secret.into(),
            noise: NoiseKeypair::from_private(noise_private),
        }
    }

    /// The ed25519 identity key pair.
    pub fn ed25519(&self) -> &ed25519::Keypair {
        &self.ed25519
    }

    /// The identity as a libp2p key pair.
    pub fn keypair(&self) -> Keypair {
        Keypair::from(self.ed25519.clone())
    }

    /// The public identity key.
    pub fn public_key(&self) -> [u8; 32] {
        self.ed25519.public().to_bytes()
    }

    /// The Noise static key pair.
    pub fn noise(&self) -> &NoiseKeypair {
        &self.noise
    }

    /// The libp2p peer id derived from the identity key.
    pub fn peer_id(&self) -> PeerId {
        PeerId::from_public_key(&self.keypair().public())
    }

    /// The contents of the two key files: `identity.key`, then `noise.key`.
    pub fn key_files(&self) -> (zeroize::Zeroizing<String>, zeroize::Zeroizing<String>) {
        let secret = self.ed25519.secret();
        let identity = format!("{IDENTITY_HEADER}\n{}\n", hex::encode(secret.as_ref()));
        let noise = format!("{NOISE_HEADER}\n{}\n", hex::encode(self.noise.private));
        (identity.into(), noise.into())
    }

    /// Writes both key files with mode 0600.
    pub fn save(&self, identity_path: &Path, noise_path: &Path) -> Result<(), HomeError> {
        let (identity, noise) = self.key_files();
        write_private(identity_path, identity.as_bytes())?;
        write_private(noise_path, noise.as_bytes())
    }

    /// Reads both key files (permissions are checked by the caller, see
    /// [`crate::home::Home::load_identity`]).
    pub fn load(identity_path: &Path, noise_path: &Path) -> Result<Self, HomeError> {
        let identity = read_key(identity_path, IDENTITY_HEADER)?;
        let noise = read_key(noise_path, NOISE_HEADER)?;
        Ok(Self::from_secrets(identity, noise))
    }
}

fn read_key(path: &Path, header: &str) -> Result<[u8; 32], HomeError> {
    let bad = |reason: &str| HomeError::BadKeyFile {
        path: path.to_owned(),
        reason: reason.into(),
    };
    let text = fs::read_to_string(path).map_err(|source| HomeError::Io {
        action: "reading",
        path: path.to_owned(),
        source,
    })?;
    let mut lines = text.lines();
    if lines.next() != Some(header) {
        return Err(bad(&format!("the first line must be {header}")));
    }
    let secret = hex::decode(lines.next().unwrap_or_default().trim()).map_err(|_| bad("the secret is not hex"))?;
    secret.try_into().map_err(|_| bad("the secret must be 32 bytes"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_through_files() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("i"), dir.path().join("n"));
        let identity = Identity::generate();
        identity.save(&a, &b).unwrap();
        let loaded = Identity::load(&a, &b).unwrap();
        assert_eq!(loaded.peer_id(), identity.peer_id());
        assert_eq!(loaded.noise().public, identity.noise().public);
    }

    #[test]
    fn foreign_key_files_are_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("i"), dir.path().join("n"));
        Identity::generate().save(&a, &b).unwrap();
        fs::write(&a, "-----BEGIN OPENSSH PRIVATE KEY-----\n").unwrap();
        assert!(matches!(Identity::load(&a, &b), Err(HomeError::BadKeyFile { .. })));
        fs::write(&a, format!("{IDENTITY_HEADER}\nzz\n")).unwrap();
        assert!(matches!(Identity::load(&a, &b), Err(HomeError::BadKeyFile { .. })));
    }
}
