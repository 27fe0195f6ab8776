//! The fuzz targets' corpora, replayed on the stable toolchain: every input the fuzzers
//! kept (`fuzz/corpus/<target>/`, minimised with `cargo fuzz cmin` and committed) goes
//! through the same body the libFuzzer target runs (`fuzz/bodies/<target>.rs`), so a
//! change that makes a decoder panic, or breaks a round trip, on anything fuzzing once
//! reached fails here. Fuzzing itself (nightly, cargo-fuzz) is a benchmark: BENCHMARKS.md.

use std::path::Path;

#[path = "../fuzz/bodies/backup.rs"]
mod backup;
#[path = "../fuzz/bodies/content.rs"]
mod content;
#[path = "../fuzz/bodies/files.rs"]
mod files;
#[path = "../fuzz/bodies/network_input.rs"]
mod network_input;

/// Runs `body` over every input of `target`'s corpus; returns how many there were.
fn replay(target: &str, body: fn(&[u8])) -> usize {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus").join(target);
    let mut inputs: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("a corpus entry").path())
        .collect();
    inputs.sort();
    for input in &inputs {
        let data = std::fs::read(input).expect("a corpus input");
        let outcome = std::panic::catch_unwind(|| body(&data));
        assert!(outcome.is_ok(), "{target}: {} fails", input.display());
    }
    inputs.len()
}

#[test]
fn network_input_corpus() {
    assert!(replay("network_input", network_input::run) > 100);
}

#[test]
fn content_corpus() {
    assert!(replay("content", content::run) > 100);
}

#[test]
fn files_corpus() {
    assert!(replay("files", files::run) > 100);
}

#[test]
fn backup_corpus() {
    assert!(replay("backup", backup::run) > 100);
}
