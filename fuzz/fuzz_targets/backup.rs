//! libFuzzer entry of [`body::run`] (see `bodies/backup.rs`, which the main crate's
//! `tests/fuzz_corpora.rs` also replays over the committed corpus).

#![no_main]

#[path = "../bodies/backup.rs"]
mod body;

libfuzzer_sys::fuzz_target!(|data: &[u8]| body::run(data));
