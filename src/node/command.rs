//! Messages from [`super::NodeHandle`]s to the actor. Each carries a oneshot sender for
//! its reply.

use libp2p::{Multiaddr, PeerId};
use tokio::sync::oneshot;

use super::{NodeError, PeerInfo, Status};

/// A request to the node's task.
pub(crate) enum Command {
    Status(oneshot::Sender<Status>),
    Peers(oneshot::Sender<Vec<PeerInfo>>),
    Dial { addr: Multiaddr, reply: oneshot::Sender<Result<PeerId, NodeError>> },
    DhtPut { key: Vec<u8>, value: Vec<u8>, reply: oneshot::Sender<Result<(), NodeError>> },
    DhtGet { key: Vec<u8>, quorum: usize, reply: oneshot::Sender<Result<Vec<Vec<u8>>, NodeError>> },
    WaitRoutingTable { min: usize, reply: oneshot::Sender<usize> },
    WaitJoined(oneshot::Sender<()>),
    Shutdown(oneshot::Sender<Result<(), NodeError>>),
}
