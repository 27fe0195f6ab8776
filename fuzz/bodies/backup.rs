//! Backup archives (SPEC.md §8.4), which may come from anywhere: behind one selector
//! byte, a whole archive read under a fixed recovery code (header bounds, chunk
//! authentication, truncation), a record's CBOR, and a header. Nothing may panic; a
//! decoded record encodes back to itself.

use chingu::backup::archive::{read_header, ArchiveReader, Header, Record, HEADER_LEN, MAX_RECORD};
use chingu::backup::{BackupSecret, RecoveryCode};
use chingu::wire::{from_cbor, to_cbor};

/// The recovery code every fuzzed archive is opened with (BIP-39's all-zero entropy).
const CODE: &str = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon \
                    abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon \
                    abandon abandon abandon art";

/// One input.
pub fn run(data: &[u8]) {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    match selector % 3 {
        0 => {
            let secret = BackupSecret::RecoveryCode(RecoveryCode::parse(CODE).expect("a valid code"));
            let mut input = bytes;
            let Ok(header) = read_header(&mut input) else {
                return;
            };
            let Ok(mut reader) = ArchiveReader::new(input, &header, &secret) else {
                return;
            };
            while let Ok(Some(_)) = reader.next_record() {}
        }
        1 => {
            if let Ok(record) = from_cbor::<Record>(bytes, MAX_RECORD) {
                assert_eq!(from_cbor::<Record>(&to_cbor(&record), MAX_RECORD).ok(), Some(record));
            }
        }
        _ => {
            if let Ok(header) = <[u8; HEADER_LEN]>::try_from(bytes) {
                if let Ok(parsed) = Header::decode(&header) {
                    assert_eq!(parsed.encode(), header);
                }
            }
        }
    }
}
