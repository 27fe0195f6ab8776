//! Micro-benchmarks of end-to-end sessions (SPEC.md §6, protocol/session.md): a full
//! Noise IK handshake (both sides), transport encryption plus decryption of 256 B and
//! 16 KiB messages, and sealing to / opening with a prekey (offline messages).
//!
//! ```text
//! cargo bench --bench session -- --warm-up-time 1 --measurement-time 3
//! ```

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use libp2p::identity::ed25519;

use chingu::session::keys::generate_keypair;
use chingu::session::transport::NONCE_LIMIT;
use chingu::session::{
    open, seal, HandshakePayload, Initiator, LocalKeys, PrekeyRing, ReplayGuard, Responder, Session,
};

const NOW: u64 = 1_754_524_800;

/// A user: key set and handshake payload.
fn user(phone: &str) -> (LocalKeys, HandshakePayload) {
    let (noise_private, _) = generate_keypair(&mut rand::rngs::OsRng).expect("a key pair");
    let keys = LocalKeys::new(ed25519::Keypair::generate(), noise_private);
    let payload = HandshakePayload::new(&keys, phone, None).expect("a payload");
    (keys, payload)
}

/// Runs a whole IK handshake from `a` to `b`; returns both sessions.
fn handshake(a: &(LocalKeys, HandshakePayload), b: &(LocalKeys, HandshakePayload)) -> (Session, Session) {
    let mut rng = rand::rngs::OsRng;
    let (initiator, msg1) =
        Initiator::new(&a.0, &b.0.noise_public(), &b.0.identity_pk(), &a.1, &mut rng).expect("message 1");
    let mut guard = ReplayGuard::new();
    let (responder, _, msg2) = Responder::respond(&b.0, &mut guard, &msg1, &b.1, NOW, &mut rng).expect("message 2");
    let (initiator, _) = initiator.finish(&msg2, NOW).expect("finished");
    (initiator, responder)
}

fn ik_handshake(c: &mut Criterion) {
    let (a, b) = (user("+821012345678"), user("+821087654321"));
    c.bench_function("session/IK handshake (both sides)", |bench| {
        bench.iter(|| handshake(black_box(&a), black_box(&b)))
    });
}

fn transport(c: &mut Criterion) {
    let (a, b) = (user("+821012345678"), user("+821087654321"));
    let (mut sender, mut receiver) = handshake(&a, &b);
    sender.reserve(NONCE_LIMIT);
    let mut group = c.benchmark_group("session/transport encrypt+decrypt");
    for size in [256usize, 16 * 1024] {
        let plaintext = vec![0x42u8; size];
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_function(format!("{size} B"), |bench| {
            bench.iter(|| {
                let frame = sender.encrypt(black_box(&plaintext)).expect("encrypted");
                receiver.decrypt(&frame).expect("decrypted")
            })
        });
    }
    group.finish();
}

fn prekey_seal(c: &mut Criterion) {
    let mut rng = rand::rngs::OsRng;
    let (sender, sender_payload) = user("+821012345678");
    let recipient = ed25519::Keypair::generate();
    let recipient_pk = recipient.public().to_bytes();
    let ring = PrekeyRing::new(NOW, &mut rng).expect("a prekey ring");
    let prekey = ring.current().sign(&recipient);
    let body = vec![0x42u8; 256];
    let mut group = c.benchmark_group("session/prekey (256 B body)");
    group.bench_function("seal", |bench| {
        bench.iter(|| {
            seal(
                &sender,
                &recipient_pk,
                &prekey,
                &sender_payload,
                black_box(&body),
                &mut rng,
            )
            .expect("sealed")
        })
    });
    let sealed = seal(&sender, &recipient_pk, &prekey, &sender_payload, &body, &mut rng).expect("sealed");
    group.bench_function("open", |bench| {
        bench.iter(|| open(&ring, &recipient_pk, black_box(&sealed)).expect("opened"))
    });
    group.finish();
}

criterion_group!(benches, ik_handshake, transport, prekey_seal);
criterion_main!(benches);
