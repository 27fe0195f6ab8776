//! Signatures used across protocols, in one place: Ed25519 signing with an identity (or
//! derived) key, and **strict** verification (RFC 8032 with canonical encodings; weak,
//! small-order public keys and small-order `R` are rejected), so a forged "any message
//! verifies" key cannot slip through any protocol.

use libp2p::identity::ed25519;

/// Signs `message`.
pub fn sign(key: &ed25519::Keypair, message: &[u8]) -> [u8; 64] {
    key.sign(message).try_into().expect("an ed25519 signature is 64 bytes")
}

/// Verifies `sig` over `message` by `public`, strictly. An invalid or weak public key
/// counts as a failed signature.
pub fn verify(public: &[u8; 32], message: &[u8], sig: &[u8; 64]) -> bool {
    let Ok(key) = ed25519_dalek::VerifyingKey::from_bytes(public) else {
        return false;
    };
    if key.is_weak() {
        return false;
    }
    key.verify_strict(message, &ed25519_dalek::Signature::from_bytes(sig))
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn genuine_signatures_verify_and_weak_keys_never_do() {
        let key = ed25519::Keypair::generate();
        let sig = sign(&key, b"hello");
        assert!(verify(&key.public().to_bytes(), b"hello", &sig));
        assert!(!verify(&key.public().to_bytes(), b"hullo", &sig));
        // The identity point as a public key, with R = identity and S = 0, "verifies"
        // every message under non-strict verification.
        let mut weak = [0u8; 32];
        weak[0] = 1;
        let mut forged = [0u8; 64];
        forged[0] = 1;
        assert!(!verify(&weak, b"anything", &forged));
    }
}
