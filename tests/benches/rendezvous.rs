//! Micro-benchmarks of rendezvous records (SPEC.md §5): the slow key derivation of one
//! number (argon2id, V1 parameters), sealing and opening a typical entry, the storing
//! node's check of an entry and of a whole PUT.
//!
//! ```text
//! cargo bench --bench rendezvous -- --warm-up-time 1 --measurement-time 3
//! ```

#[path = "fixtures.rs"]
mod fixtures;

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};

use chingu::rendezvous::{open_entry, validate_put, Epoch, RendezvousKeys, RendezvousValue};

fn kdf(c: &mut Criterion) {
    let mut group = c.benchmark_group("rendezvous/kdf");
    // Each derivation takes tens of milliseconds: the fewest samples criterion accepts.
    group.sample_size(10);
    group.bench_function("derive one number (argon2id m=16MiB t=4 p=1)", |b| {
        b.iter(|| RendezvousKeys::single(black_box("+821012345678"), Epoch(2901)))
    });
    group.finish();
}

fn record(c: &mut Criterion) {
    let record = fixtures::Record::new();
    let entry = record.seal();
    let value = RendezvousValue::new(vec![entry.clone()])
        .and_then(|v| v.encode())
        .expect("one entry");
    let mut group = c.benchmark_group("rendezvous/record");
    group.bench_function("seal entry", |b| b.iter(|| record.seal()));
    group.bench_function("open entry", |b| {
        b.iter(|| open_entry(black_box(&entry), &record.keys, record.now).expect("opens"))
    });
    group.bench_function("verify entry (storing node)", |b| {
        b.iter(|| {
            black_box(&entry)
                .check(&record.keys.dht_key, record.now)
                .expect("valid")
        })
    });
    group.bench_function("validate PUT (decode, verify, merge, encode)", |b| {
        b.iter(|| validate_put(&record.keys.dht_key, black_box(&value), None, record.now).expect("accepted"))
    });
    group.finish();
}

criterion_group!(benches, kdf, record);
criterion_main!(benches);
