//! What peers send about files (SPEC.md §6.11, §6.12), behind one selector byte: file
//! protocol requests and answers, a holder's encoding of a real file (the receiver keeps
//! only what verifies), mailbox parts, sticker packs and image previews. Nothing may
//! panic; a decoded request or answer encodes back to itself.

use std::sync::OnceLock;

use bao_tree::ChunkRanges;
use chingu::content::sticker;
use chingu::files::blob::{BlobDir, Sealed};
use chingu::files::media;
use chingu::files::parts::Assemblies;
use chingu::files::wire::{FileAnswer, FileRequest, MAX_ANSWER, MAX_REQUEST};
use chingu::files::Root;
use chingu::wire::{from_cbor, to_cbor};

/// A 40 KiB file sealed once: the target of fuzzed encodings.
fn sealed() -> &'static (tempfile::TempDir, Sealed) {
    static SEALED: OnceLock<(tempfile::TempDir, Sealed)> = OnceLock::new();
    SEALED.get_or_init(|| {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let blobs = BlobDir::open(dir.path().join("from")).expect("a files directory");
        let plain: Vec<u8> = (0..40_000u32).map(|i| (i % 251) as u8).collect();
        let sealed = blobs.seal(&plain[..], plain.len() as u64).expect("sealed");
        (dir, sealed)
    })
}

/// One input.
pub fn run(data: &[u8]) {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    match selector % 6 {
        0 => {
            if let Ok(request) = from_cbor::<FileRequest>(bytes, MAX_REQUEST) {
                let _ = request.chunk_ranges();
                assert_eq!(
                    from_cbor::<FileRequest>(&to_cbor(&request), MAX_REQUEST).expect("decodes"),
                    request
                );
            }
        }
        1 => {
            if let Ok(answer) = from_cbor::<FileAnswer>(bytes, MAX_ANSWER) {
                assert_eq!(
                    from_cbor::<FileAnswer>(&to_cbor(&answer), MAX_ANSWER).expect("decodes"),
                    answer
                );
            }
        }
        2 => {
            // A holder's answer for the whole file: whatever is kept verifies.
            let (dir, file) = sealed();
            let receiver = tempfile::tempdir_in(dir.path()).expect("a receiver directory");
            let blobs = BlobDir::open(receiver.path()).expect("a files directory");
            let mut part = blobs.partial(&file.root, file.size).expect("a part file");
            let _ = part.receive(bytes, &ChunkRanges::all());
            let _ = part.missing().expect("the part hashes");
        }
        3 => {
            let mut assemblies = Assemblies::default();
            for chunk in bytes.chunks(64) {
                if chunk.len() < 4 {
                    continue;
                }
                let size = u64::from(u16::from_be_bytes([chunk[0], chunk[1]])) * 8;
                let _ = assemblies.add(
                    Root([chunk[2]; 32]),
                    size,
                    u64::from(chunk[3] % 8),
                    1 + u64::from(chunk[3] / 32),
                    chunk[4..].to_vec(),
                );
            }
        }
        4 => {
            let _ = sticker::open(bytes);
        }
        _ => {
            let _ = media::decode_preview(bytes);
        }
    }
}
