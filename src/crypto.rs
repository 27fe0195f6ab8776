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
/// counts as a failed signature. Every protocol verifies Ed25519 through this function
/// (vectors: `protocol/vectors/ed25519.json`).
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

/// Whether `public` is a public key a signature could verify under: a curve point, not
/// of small order.
pub fn is_usable_key(public: &[u8; 32]) -> bool {
    ed25519_dalek::VerifyingKey::from_bytes(public).is_ok_and(|key| !key.is_weak())
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

    #[test]
    fn edge_case_vectors_hold_for_every_protocol() {
        let file: serde_json::Value =
            serde_json::from_str(include_str!("../protocol/vectors/ed25519.json")).expect("valid JSON");
        let vectors = file["vectors"].as_array().expect("vectors");
        assert!(vectors.len() >= 7);
        for v in vectors {
            let field = |name: &str| hex::decode(v[name].as_str().unwrap()).unwrap();
            let public: [u8; 32] = field("public_key").try_into().unwrap();
            let sig: [u8; 64] = field("signature").try_into().unwrap();
            let message = field("message");
            let valid = v["valid"].as_bool().unwrap();
            let name = v["name"].as_str().unwrap();
            assert_eq!(verify(&public, &message, &sig), valid, "{name}");
            // The group and mailbox protocols verify the same way.
            let (pk, signature) = (crate::wire::Fixed(public), crate::wire::Fixed(sig));
            assert_eq!(crate::group::verify(&pk, &message, &signature), valid, "group: {name}");
            assert_eq!(
                crate::mailbox::wire::verify(&public, &message, &signature),
                valid,
                "mailbox: {name}"
            );
        }
    }
}
