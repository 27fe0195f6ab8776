//! Every decoder of bytes from the network, behind one selector byte: envelopes of the
//! 1:1, mailbox, group, join, sync and rendezvous protocols, group control messages,
//! commits, Noise frames and sealed boxes. A decoder must answer every input with a
//! value or a typed error — never panic — and whatever decodes must encode and decode
//! back to itself.

use chingu::dm::wire::{DmPayload, DmRequest, DmResponse};
use chingu::group::control::GroupControl;
use chingu::group::join::{JoinRequest, JoinResponse};
use chingu::group::log::Commit;
use chingu::group::message::GroupMessage;
use chingu::group::sync::{SyncRequest, SyncResponse};
use chingu::mailbox::wire::{MboxRequest, MboxResponse};
use chingu::rendezvous::record::RendezvousValue;
use chingu::wire::{decode, encode, WireMessage};

/// Decodes an envelope of kind `M`; what decodes re-encodes to a value that decodes equal.
fn round_trip<M: WireMessage + PartialEq + std::fmt::Debug>(bytes: &[u8]) {
    if let Ok(message) = decode::<M>(bytes) {
        let again = encode(&message).expect("a decoded message encodes");
        assert_eq!(decode::<M>(&again).expect("its encoding decodes"), message);
    }
}

/// One input.
pub fn run(data: &[u8]) {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    match selector % 14 {
        0 => round_trip::<DmRequest>(bytes),
        1 => round_trip::<DmResponse>(bytes),
        2 => round_trip::<MboxRequest>(bytes),
        3 => round_trip::<MboxResponse>(bytes),
        4 => round_trip::<GroupMessage>(bytes),
        5 => round_trip::<JoinRequest>(bytes),
        6 => round_trip::<JoinResponse>(bytes),
        7 => round_trip::<SyncRequest>(bytes),
        8 => round_trip::<SyncResponse>(bytes),
        9 => round_trip::<RendezvousValue>(bytes),
        10 => {
            if let Ok(control) = GroupControl::decode(bytes) {
                let again = control.encode().expect("a decoded control message encodes");
                assert_eq!(GroupControl::decode(&again).expect("its encoding decodes"), control);
            }
        }
        11 => {
            if let Ok(commit) = Commit::decode(bytes) {
                assert_eq!(Commit::decode(&commit.encode()).expect("its encoding decodes"), commit);
            }
        }
        12 => {
            if let Ok(payload) = DmPayload::from_bytes(bytes) {
                assert_eq!(
                    DmPayload::from_bytes(&payload.to_bytes()).expect("its encoding decodes"),
                    payload
                );
            }
        }
        _ => {
            let _ = chingu::session::transport::Frame::from_bytes(bytes);
            let _ = chingu::session::seal::Sealed::from_bytes(bytes);
        }
    }
}
