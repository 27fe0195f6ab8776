//! libFuzzer entry of [`body::run`] (see `bodies/content.rs`, which the main crate's
//! `tests/fuzz_corpora.rs` also replays over the committed corpus).

#![no_main]

#[path = "../bodies/content.rs"]
mod body;

libfuzzer_sys::fuzz_target!(|data: &[u8]| body::run(data));
