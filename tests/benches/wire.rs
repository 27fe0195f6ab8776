//! Micro-benchmarks of the envelope (SPEC.md §3): encoding and decoding a typical
//! rendezvous value (kind `rdv.value`, one sealed entry) and a `dm.req` carrying one
//! frame of the largest plaintext a session encrypts (the largest DM frame).
//!
//! ```text
//! cargo bench --bench wire -- --warm-up-time 1 --measurement-time 3
//! ```

#[path = "fixtures.rs"]
mod fixtures;

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

use chingu::dm::wire::DmRequest;
use chingu::rendezvous::RendezvousValue;
use chingu::session::transport::MAX_PLAINTEXT;
use chingu::session::{Frame, TAG_LEN};
use chingu::wire::{self, Bytes, Fixed, List};

fn rendezvous_value(c: &mut Criterion) {
    let value = RendezvousValue::new(vec![fixtures::Record::new().seal()]).expect("one entry");
    let bytes = value.encode().expect("fits");
    let mut group = c.benchmark_group(format!("wire/rdv.value ({} bytes)", bytes.len()));
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    group.bench_function("encode", |b| b.iter(|| black_box(&value).encode().expect("fits")));
    group.bench_function("decode", |b| {
        b.iter(|| RendezvousValue::decode(black_box(&bytes)).expect("valid"))
    });
    group.finish();
}

fn largest_dm_frame(c: &mut Criterion) {
    // The ciphertext of a full frame: the plaintext limit plus the tag. Its content does
    // not matter to the envelope.
    let ct: Vec<u8> = (0..MAX_PLAINTEXT + TAG_LEN).map(|i| (i * 31 % 251) as u8).collect();
    let frame = Frame {
        sid: Fixed([0x5a; 16]),
        n: 1_000_000,
        ct: Bytes::new(ct).expect("a full frame"),
    };
    let request = DmRequest::Frames {
        frames: List::new(vec![frame]).expect("one frame"),
    };
    let bytes = wire::encode(&request).expect("fits in an envelope");
    let mut group = c.benchmark_group(format!("wire/dm.req, largest frame ({} bytes)", bytes.len()));
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    group.bench_function("encode", |b| {
        b.iter(|| wire::encode(black_box(&request)).expect("fits"))
    });
    group.bench_function("decode", |b| {
        b.iter(|| wire::decode::<DmRequest>(black_box(&bytes)).expect("valid"))
    });
    group.finish();
}

criterion_group!(benches, rendezvous_value, largest_dm_frame);
criterion_main!(benches);
