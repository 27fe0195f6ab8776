//! The integration tests: real nodes on loopback and in network namespaces, the `chingu`
//! binary driven as users drive it. One module per area, all in this one test binary: it
//! is linked once instead of once per area, and its tests share one queue, so a long test
//! of one area runs beside short ones of others (`cargo test --test integration dht::`
//! runs one area).

mod common;

mod api_limits;
mod apps;
mod backup;
mod chaos;
mod chat;
mod cli;
mod cli_everyday;
mod cli_node;
mod cli_operator;
mod connections;
mod content;
mod daemon;
mod demo;
mod devices;
mod dht;
mod discovery;
mod dm;
mod dm_attacks;
mod durability;
mod files;
mod friends;
mod fuzz_corpora;
mod group;
mod group_attacks;
mod group_iroh;
mod group_scenario;
mod lab;
mod mailbox_push;
mod nat;
mod relay_load;
mod seed_day;
mod terminal_text;
