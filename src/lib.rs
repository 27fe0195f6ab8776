//! # chingu (친구) — a peer-to-peer, serverless messenger
//!
//! Every user runs a node. Nodes join a Kademlia DHT, find each other by phone number
//! through encrypted rendezvous records, talk end to end with Noise, publish group
//! messages over gossipsub and leave messages for offline friends in mailboxes. Each node
//! keeps its own history in sled.
//!
//! ## Layers (data flows down on send, up on receive)
//! ```text
//! cli · api (JSON-RPC server + client)          people, bots and scripts
//!         │  NodeHandle (commands) / events
//! node    the actor: owns the Swarm and the Store; one event loop that sleeps
//!         │ until the next command, network event, flush or engine deadline (each
//!         │ engine's `poll_timeout`: no fixed tick)
//! protocols: each = wire types + a pure state machine (+ thin libp2p glue)
//!         │
//! wire (envelope, codec, limits)               store (the only module touching sled)
//! identity · home · config · phone              testnet (N nodes, one process or several)
//!                                               lab (processes on emulated NATs)
//! ```
//!
//! ## Where to start reading
//! - [`node::Node`] and [`node::NodeHandle`]: the library API embedders use.
//! - [`wire`]: the envelope every message travels in (SPEC.md §3).
//! - [`store::Store`]: what a node keeps on disk and when it is durable.
//! - [`testnet`]: many nodes in one process (or spread over worker processes), the macro
//!   benchmark.
//! - [`lab`]: real node processes behind emulated NATs, in network namespaces.

pub mod account;
pub mod allocator;
pub mod api;
pub mod backup;
pub mod config;
pub mod contacts;
pub mod content;
pub mod crypto;
pub mod dm;
pub mod files;
pub mod group;
pub mod home;
pub mod i18n;
pub mod identity;
#[cfg(feature = "testnet")]
pub mod lab;
pub mod mailbox;
pub mod metrics;
pub mod model;
pub mod node;
pub mod phone;
pub mod ratelimit;
pub mod rendezvous;
pub mod session;
pub mod store;
#[cfg(feature = "testnet")]
pub mod testnet;
pub mod text;
#[cfg(feature = "tui")]
pub mod tui;
pub mod wire;

pub use node::{Event, Node, NodeConfig, NodeError, NodeHandle};

/// The version of this crate, as reported by `chingu status` and identify.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
