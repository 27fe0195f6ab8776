//! The backup archive format (SPEC.md §8.4): a fixed header, then length-prefixed CBOR
//! records encrypted with ChaCha20-Poly1305 in the STREAM construction (the `aead`
//! crate's `StreamBE32`), 64 KiB of plaintext per chunk, the header as every chunk's
//! associated data. The key comes from a passphrase (argon2id, parameters in the header)
//! or from a 24-word recovery code (BIP-39 entropy, HKDF-SHA256). The last chunk is
//! marked as last by the construction itself, so a truncated archive, a reordered chunk
//! or a changed header byte fails authentication: nothing of it is trusted until the end.
//!
//! [`ArchiveWriter`] and [`ArchiveReader`] work over any `Write` / `Read`; what the
//! records hold and how a home is rebuilt from them is `super`'s business.

use std::io::{BufRead, BufReader, Read, Write};

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::stream::{DecryptorBE32, EncryptorBE32};
use chacha20poly1305::aead::{KeyInit, Payload};
use chacha20poly1305::ChaCha20Poly1305;
use rand::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;
use zeroize::Zeroizing;

use crate::wire::{from_cbor, to_cbor};

/// The archive's first bytes.
pub const MAGIC: &[u8; 8] = b"CHINGUBK";
/// The format version this code writes and reads.
pub const FORMAT_VERSION: u8 = 1;
/// Length of the header.
pub const HEADER_LEN: usize = 48;
/// Plaintext bytes per chunk (the last chunk may be shorter, or empty).
pub const CHUNK: usize = 64 * 1024;
/// Poly1305 tag per chunk.
const TAG: usize = 16;
/// Largest record (a sticker pack, with room to spare).
pub const MAX_RECORD: usize = 32 << 20;
/// argon2id parameters written: 64 MiB, 3 passes, 1 lane.
pub const ARGON2_M_KIB: u32 = 64 * 1024;
/// argon2id passes written.
pub const ARGON2_T: u32 = 3;
/// argon2id lanes written.
pub const ARGON2_P: u32 = 1;
/// Most argon2id memory a reader accepts from a header (1 GiB).
const MAX_ARGON2_M_KIB: u32 = 1 << 20;
/// Most argon2id passes a reader accepts.
const MAX_ARGON2_T: u32 = 16;
/// Most argon2id lanes a reader accepts.
const MAX_ARGON2_P: u32 = 8;
/// Shortest passphrase accepted when writing.
pub const MIN_PASSPHRASE_CHARS: usize = 10;
/// HKDF info turning a recovery code's entropy into the archive key.
pub const RECOVERY_INFO: &[u8] = b"chingu/backup/v1/recovery-code";

/// What an archive's key comes from.
pub enum BackupSecret {
    /// A passphrase the person chose (stretched with argon2id).
    Passphrase(Zeroizing<String>),
    /// A recovery code (full-entropy: HKDF only).
    RecoveryCode(RecoveryCode),
}

/// Which kind of secret an archive needs (header byte 9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SecretKind {
    /// A passphrase.
    Passphrase,
    /// A 24-word recovery code.
    RecoveryCode,
}

impl SecretKind {
    fn byte(self) -> u8 {
        match self {
            SecretKind::Passphrase => 1,
            SecretKind::RecoveryCode => 2,
        }
    }
}

impl BackupSecret {
    /// The kind of this secret.
    pub fn kind(&self) -> SecretKind {
        match self {
            BackupSecret::Passphrase(_) => SecretKind::Passphrase,
            BackupSecret::RecoveryCode(_) => SecretKind::RecoveryCode,
        }
    }
}

/// 256 bits shown to the person as 24 BIP-39 English words.
#[derive(Clone)]
pub struct RecoveryCode(Zeroizing<[u8; 32]>);

impl RecoveryCode {
    /// A fresh random code.
    pub fn generate(rng: &mut (impl RngCore + CryptoRng)) -> Self {
        let mut entropy = Zeroizing::new([0u8; 32]);
        rng.fill_bytes(entropy.as_mut());
        Self(entropy)
    }

    /// Parses 24 words (any case and spacing; the checksum word is checked).
    pub fn parse(words: &str) -> Result<Self, ArchiveError> {
        let normal = words.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
        let mnemonic = bip39::Mnemonic::parse_in_normalized(bip39::Language::English, &normal)
            .map_err(|e| ArchiveError::BadRecoveryCode(e.to_string()))?;
        let entropy = mnemonic.to_entropy();
        let entropy: [u8; 32] = entropy.as_slice().try_into().map_err(|_| {
            ArchiveError::BadRecoveryCode(format!("{} words: a recovery code has 24", normal.split(' ').count()))
        })?;
        Ok(Self(Zeroizing::new(entropy)))
    }

    /// The 24 words, space-separated.
    pub fn words(&self) -> String {
        bip39::Mnemonic::from_entropy_in(bip39::Language::English, self.0.as_ref())
            .expect("32 bytes are valid BIP-39 entropy")
            .to_string()
    }
}

/// Why an archive cannot be written or read.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    /// Not a chingu backup at all.
    #[error("not a chingu backup (it does not start with the backup header)")]
    NotABackup,
    /// Written by a newer chingu.
    #[error("backup format {0} is newer than this chingu understands ({FORMAT_VERSION}); upgrade chingu")]
    NewerFormat(u8),
    /// The header asks for key-stretching parameters out of bounds.
    #[error("the backup header asks for argon2id parameters out of bounds (m={m} KiB, t={t}, p={p})")]
    BadParameters {
        /// Memory, KiB.
        m: u32,
        /// Passes.
        t: u32,
        /// Lanes.
        p: u32,
    },
    /// A passphrase given for a recovery-code archive, or the other way round.
    #[error("this backup is locked with {needed}, not {given}")]
    WrongSecretKind {
        /// What the archive needs.
        needed: &'static str,
        /// What was given.
        given: &'static str,
    },
    /// A passphrase too short to protect an archive.
    #[error("the passphrase is too short: use at least {MIN_PASSPHRASE_CHARS} characters")]
    WeakPassphrase,
    /// Not 24 valid words.
    #[error("not a valid recovery code: {0}")]
    BadRecoveryCode(String),
    /// The first chunk does not open: the secret is wrong (or the start is damaged).
    #[error("wrong passphrase or recovery code (or the backup's first bytes are damaged)")]
    WrongSecret,
    /// A later chunk does not open, or the stream ends before its last chunk.
    #[error("the backup is damaged or truncated (chunk {chunk} does not verify); nothing was restored")]
    Damaged {
        /// The chunk that failed (from 0).
        chunk: u32,
    },
    /// Authentic bytes that are not a valid record sequence.
    #[error("the backup's contents are malformed: {0}")]
    Malformed(String),
    /// Reading or writing failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// The fixed header: everything needed to derive the key, and the stream's nonce prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// What the key comes from.
    pub kind: SecretKind,
    /// Salt of argon2id or HKDF.
    pub salt: [u8; 16],
    /// argon2id memory (KiB), passes and lanes (zero for a recovery code).
    pub argon2: (u32, u32, u32),
    /// The STREAM nonce prefix.
    pub nonce: [u8; 7],
}

impl Header {
    /// A fresh header for `kind`.
    pub fn new(kind: SecretKind, rng: &mut (impl RngCore + CryptoRng)) -> Self {
        let mut salt = [0u8; 16];
        let mut nonce = [0u8; 7];
        rng.fill_bytes(&mut salt);
        rng.fill_bytes(&mut nonce);
        let argon2 = match kind {
            SecretKind::Passphrase => (ARGON2_M_KIB, ARGON2_T, ARGON2_P),
            SecretKind::RecoveryCode => (0, 0, 0),
        };
        Self {
            kind,
            salt,
            argon2,
            nonce,
        }
    }

    /// Its 48 bytes: magic | version | kind | salt(16) | m | t | p (u32 BE) | nonce(7) | 0,0,0.
    pub fn encode(&self) -> [u8; HEADER_LEN] {
        let mut out = [0u8; HEADER_LEN];
        out[..8].copy_from_slice(MAGIC);
        out[8] = FORMAT_VERSION;
        out[9] = self.kind.byte();
        out[10..26].copy_from_slice(&self.salt);
        out[26..30].copy_from_slice(&self.argon2.0.to_be_bytes());
        out[30..34].copy_from_slice(&self.argon2.1.to_be_bytes());
        out[34..38].copy_from_slice(&self.argon2.2.to_be_bytes());
        out[38..45].copy_from_slice(&self.nonce);
        out
    }

    /// Parses and bounds a header.
    pub fn decode(bytes: &[u8; HEADER_LEN]) -> Result<Self, ArchiveError> {
        if &bytes[..8] != MAGIC {
            return Err(ArchiveError::NotABackup);
        }
        if bytes[8] != FORMAT_VERSION {
            return Err(ArchiveError::NewerFormat(bytes[8]));
        }
        let kind = match bytes[9] {
            1 => SecretKind::Passphrase,
            2 => SecretKind::RecoveryCode,
            other => return Err(ArchiveError::Malformed(format!("unknown secret kind {other}"))),
        };
        let word = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().expect("4 bytes"));
        let (m, t, p) = (word(26), word(30), word(34));
        let in_bounds = match kind {
            SecretKind::Passphrase => {
                (8..=MAX_ARGON2_M_KIB).contains(&m)
                    && (1..=MAX_ARGON2_T).contains(&t)
                    && (1..=MAX_ARGON2_P).contains(&p)
            }
            SecretKind::RecoveryCode => (m, t, p) == (0, 0, 0),
        };
        if !in_bounds || bytes[45..] != [0, 0, 0] {
            return Err(ArchiveError::BadParameters { m, t, p });
        }
        Ok(Self {
            kind,
            salt: bytes[10..26].try_into().expect("16 bytes"),
            argon2: (m, t, p),
            nonce: bytes[38..45].try_into().expect("7 bytes"),
        })
    }

    /// The archive key from `secret` (slow for a passphrase: argon2id).
    pub fn key(&self, secret: &BackupSecret) -> Result<Zeroizing<[u8; 32]>, ArchiveError> {
        let mut key = Zeroizing::new([0u8; 32]);
        match (self.kind, secret) {
            (SecretKind::Passphrase, BackupSecret::Passphrase(passphrase)) => {
                let (m, t, p) = self.argon2;
                let params = Params::new(m, t, p, Some(32)).map_err(|_| ArchiveError::BadParameters { m, t, p })?;
                let normal: Zeroizing<String> = Zeroizing::new(passphrase.nfc().collect());
                Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
                    .hash_password_into(normal.as_bytes(), &self.salt, key.as_mut())
                    .map_err(|_| ArchiveError::BadParameters { m, t, p })?;
            }
            (SecretKind::RecoveryCode, BackupSecret::RecoveryCode(code)) => {
                hkdf::Hkdf::<sha2::Sha256>::new(Some(&self.salt), code.0.as_ref())
                    .expand(RECOVERY_INFO, key.as_mut())
                    .expect("HKDF-SHA256 can expand 32 bytes");
            }
            (needed, given) => {
                let name = |kind| match kind {
                    SecretKind::Passphrase => "a passphrase",
                    SecretKind::RecoveryCode => "a recovery code",
                };
                return Err(ArchiveError::WrongSecretKind {
                    needed: name(needed),
                    given: name(given.kind()),
                });
            }
        }
        Ok(key)
    }
}

/// One record of the plaintext stream (CBOR, each preceded by its length, u32 BE).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Record {
    /// First: what the archive is.
    Manifest(Manifest),
    /// A file of the home, by its path relative to the home.
    File {
        /// The relative path (checked against the allowed names on restore).
        path: String,
        /// Its bytes.
        #[serde(with = "serde_bytes")]
        bytes: Vec<u8>,
    },
    /// One database entry.
    Entry {
        /// The tree (SPEC.md §8.4: 1 meta, 2 contacts, 3 history, 4 groups).
        tree: u8,
        /// The key.
        #[serde(with = "serde_bytes")]
        key: Vec<u8>,
        /// The value.
        #[serde(with = "serde_bytes")]
        value: Vec<u8>,
    },
    /// Last: how many records came before it, to catch anything dropped.
    End {
        /// Entries written.
        entries: u64,
        /// Files written.
        files: u64,
    },
}

/// What an archive holds, in its first record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// The database schema of the entries.
    pub schema: u32,
    /// When the backup was taken (unix ms).
    pub created_ms: u64,
    /// The person's peer id.
    pub peer_id: String,
    /// The person's number (E.164), if any.
    pub phone: Option<String>,
    /// The person's display name.
    pub name: String,
    /// The chingu version that wrote it.
    pub chingu: String,
}

/// Writes an archive: records in, encrypted chunks out.
pub struct ArchiveWriter<W: Write> {
    out: W,
    header: [u8; HEADER_LEN],
    stream: EncryptorBE32<ChaCha20Poly1305>,
    buffer: Vec<u8>,
    written: u64,
}

impl<W: Write> ArchiveWriter<W> {
    /// Starts an archive on `out` under `secret`, writing its header.
    pub fn new(out: W, secret: &BackupSecret, rng: &mut (impl RngCore + CryptoRng)) -> Result<Self, ArchiveError> {
        Self::with_header(out, secret, Header::new(secret.kind(), rng))
    }

    /// Starts an archive with a given header (test vectors fix it).
    pub fn with_header(mut out: W, secret: &BackupSecret, header: Header) -> Result<Self, ArchiveError> {
        if let BackupSecret::Passphrase(p) = secret {
            if p.trim().chars().count() < MIN_PASSPHRASE_CHARS {
                return Err(ArchiveError::WeakPassphrase);
            }
        }
        let key = header.key(secret)?;
        let aead = ChaCha20Poly1305::new(key.as_ref().into());
        let stream = EncryptorBE32::from_aead(aead, header.nonce.as_ref().into());
        let header = header.encode();
        out.write_all(&header)?;
        Ok(Self {
            out,
            header,
            stream,
            buffer: Vec::with_capacity(CHUNK),
            written: HEADER_LEN as u64,
        })
    }

    /// Appends one record.
    pub fn push(&mut self, record: &Record) -> Result<(), ArchiveError> {
        let bytes = to_cbor(record);
        if bytes.len() > MAX_RECORD {
            return Err(ArchiveError::Malformed(format!("a record of {} bytes", bytes.len())));
        }
        self.write_plain(&(bytes.len() as u32).to_be_bytes())?;
        self.write_plain(&bytes)
    }

    fn write_plain(&mut self, mut bytes: &[u8]) -> Result<(), ArchiveError> {
        while !bytes.is_empty() {
            let take = (CHUNK - self.buffer.len()).min(bytes.len());
            self.buffer.extend_from_slice(&bytes[..take]);
            bytes = &bytes[take..];
            if self.buffer.len() == CHUNK && !bytes.is_empty() {
                self.seal_chunk()?;
            }
        }
        Ok(())
    }

    fn seal_chunk(&mut self) -> Result<(), ArchiveError> {
        let sealed = self
            .stream
            .encrypt_next(Payload {
                msg: &self.buffer,
                aad: &self.header,
            })
            .map_err(|_| ArchiveError::Malformed("too many chunks".into()))?;
        self.out.write_all(&sealed)?;
        self.written += sealed.len() as u64;
        self.buffer.clear();
        Ok(())
    }

    /// Seals the last chunk; returns the writer and the archive's size.
    pub fn finish(mut self) -> Result<(W, u64), ArchiveError> {
        let sealed = self
            .stream
            .encrypt_last(Payload {
                msg: &self.buffer,
                aad: &self.header,
            })
            .map_err(|_| ArchiveError::Malformed("too many chunks".into()))?;
        self.out.write_all(&sealed)?;
        self.out.flush()?;
        Ok((self.out, self.written + sealed.len() as u64))
    }
}

/// Reads an archive: encrypted chunks in, records out.
pub struct ArchiveReader<R: Read> {
    input: BufReader<R>,
    header: [u8; HEADER_LEN],
    stream: Option<DecryptorBE32<ChaCha20Poly1305>>,
    plain: Vec<u8>,
    at: usize,
    chunk: u32,
}

/// Reads the header of `input` (to learn which secret it needs before asking for it).
pub fn read_header(input: &mut impl Read) -> Result<Header, ArchiveError> {
    let mut bytes = [0u8; HEADER_LEN];
    input.read_exact(&mut bytes).map_err(|e| match e.kind() {
        std::io::ErrorKind::UnexpectedEof => ArchiveError::NotABackup,
        _ => e.into(),
    })?;
    Header::decode(&bytes)
}

impl<R: Read> ArchiveReader<R> {
    /// Opens the archive after its header (read with [`read_header`]) with `secret`.
    pub fn new(input: R, header: &Header, secret: &BackupSecret) -> Result<Self, ArchiveError> {
        let key = header.key(secret)?;
        let aead = ChaCha20Poly1305::new(key.as_ref().into());
        Ok(Self {
            input: BufReader::with_capacity(CHUNK + TAG, input),
            header: header.encode(),
            stream: Some(DecryptorBE32::from_aead(aead, header.nonce.as_ref().into())),
            plain: Vec::new(),
            at: 0,
            chunk: 0,
        })
    }

    /// The next record; `None` after the last chunk is used up.
    pub fn next_record(&mut self) -> Result<Option<Record>, ArchiveError> {
        let mut length = [0u8; 4];
        if !self.read_plain(&mut length)? {
            return Ok(None);
        }
        let length = u32::from_be_bytes(length) as usize;
        if length > MAX_RECORD {
            return Err(ArchiveError::Malformed(format!("a record of {length} bytes")));
        }
        let mut bytes = vec![0u8; length];
        if !self.read_plain(&mut bytes)? {
            return Err(ArchiveError::Malformed("the last record is cut short".into()));
        }
        from_cbor(&bytes, MAX_RECORD)
            .map(Some)
            .map_err(|e| ArchiveError::Malformed(e.to_string()))
    }

    /// Fills `out` from the plaintext; `false` if the stream ended first (cleanly, at a
    /// record boundary, only when nothing of `out` was read).
    fn read_plain(&mut self, out: &mut [u8]) -> Result<bool, ArchiveError> {
        let mut filled = 0;
        while filled < out.len() {
            if self.at == self.plain.len() && !self.open_chunk()? {
                if filled == 0 {
                    return Ok(false);
                }
                return Err(ArchiveError::Malformed("the last record is cut short".into()));
            }
            let take = (self.plain.len() - self.at).min(out.len() - filled);
            out[filled..filled + take].copy_from_slice(&self.plain[self.at..self.at + take]);
            self.at += take;
            filled += take;
        }
        Ok(true)
    }

    /// Decrypts the next chunk; `false` once the last one has been used.
    fn open_chunk(&mut self) -> Result<bool, ArchiveError> {
        if self.stream.is_none() {
            return Ok(false);
        }
        let mut sealed = Vec::with_capacity(CHUNK + TAG);
        (&mut self.input).take((CHUNK + TAG) as u64).read_to_end(&mut sealed)?;
        let last = self.input.fill_buf()?.is_empty();
        let failed = |chunk| {
            if chunk == 0 {
                ArchiveError::WrongSecret
            } else {
                ArchiveError::Damaged { chunk }
            }
        };
        let payload = Payload {
            msg: &sealed,
            aad: &self.header,
        };
        self.plain = if last {
            let stream = self.stream.take().expect("checked above");
            stream.decrypt_last(payload).map_err(|_| failed(self.chunk))?
        } else {
            let stream = self.stream.as_mut().expect("checked above");
            stream.decrypt_next(payload).map_err(|_| failed(self.chunk))?
        };
        self.at = 0;
        self.chunk += 1;
        Ok(true)
    }
}

#[cfg(test)]
#[path = "vectors.rs"]
mod vectors;

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn rng() -> rand::rngs::StdRng {
        rand::rngs::StdRng::seed_from_u64(7)
    }

    fn code() -> RecoveryCode {
        RecoveryCode(Zeroizing::new([9; 32]))
    }

    fn entry(i: u32, len: usize) -> Record {
        Record::Entry {
            tree: 3,
            key: i.to_be_bytes().to_vec(),
            value: vec![i as u8; len],
        }
    }

    fn archive(records: &[Record], secret: &BackupSecret) -> Vec<u8> {
        let mut writer = ArchiveWriter::new(Vec::new(), secret, &mut rng()).unwrap();
        for record in records {
            writer.push(record).unwrap();
        }
        let (bytes, size) = writer.finish().unwrap();
        assert_eq!(bytes.len() as u64, size);
        bytes
    }

    fn read_all(bytes: &[u8], secret: &BackupSecret) -> Result<Vec<Record>, ArchiveError> {
        let mut input = bytes;
        let header = read_header(&mut input)?;
        let mut reader = ArchiveReader::new(input, &header, secret)?;
        let mut out = Vec::new();
        while let Some(record) = reader.next_record()? {
            out.push(record);
        }
        Ok(out)
    }

    /// Spans several chunks, with records across chunk boundaries.
    fn records() -> Vec<Record> {
        (0..40).map(|i| entry(i, 5_000 + i as usize * 97)).collect()
    }

    #[test]
    fn round_trips_across_chunks_with_either_secret() {
        let secret = BackupSecret::RecoveryCode(code());
        let bytes = archive(&records(), &secret);
        assert!(bytes.len() > 3 * CHUNK);
        assert_eq!(read_all(&bytes, &secret).unwrap(), records());
        // Exactly one chunk of plaintext: the last chunk is empty and still marked last.
        let exact = vec![entry(1, CHUNK - 4 - 20)];
        let one = archive(&exact, &secret);
        assert_eq!(read_all(&one, &secret).unwrap().len(), 1);
        assert_eq!(read_all(&archive(&[], &secret), &secret).unwrap(), vec![]);
    }

    #[test]
    fn a_passphrase_archive_needs_that_passphrase() {
        let secret = BackupSecret::Passphrase(Zeroizing::new("correct horse battery".into()));
        let bytes = archive(&records()[..3], &secret);
        assert_eq!(read_all(&bytes, &secret).unwrap(), records()[..3]);
        let wrong = BackupSecret::Passphrase(Zeroizing::new("correct horse battery!".into()));
        assert!(matches!(read_all(&bytes, &wrong), Err(ArchiveError::WrongSecret)));
        assert!(matches!(
            read_all(&bytes, &BackupSecret::RecoveryCode(code())),
            Err(ArchiveError::WrongSecretKind { .. })
        ));
        let weak = BackupSecret::Passphrase(Zeroizing::new("short".into()));
        assert!(matches!(
            ArchiveWriter::new(Vec::new(), &weak, &mut rng()),
            Err(ArchiveError::WeakPassphrase)
        ));
    }

    #[test]
    fn truncation_flipped_bits_reordering_and_header_changes_are_detected() {
        let secret = BackupSecret::RecoveryCode(code());
        let bytes = archive(&records(), &secret);
        let damaged = |bytes: &[u8]| match read_all(bytes, &secret) {
            Err(ArchiveError::Damaged { .. } | ArchiveError::WrongSecret) => {}
            other => panic!("not detected: {:?}", other.map(|r| r.len())),
        };
        // Cut at a chunk boundary (the cut chunk then looks last, and is not) and inside one.
        damaged(&bytes[..HEADER_LEN + 2 * (CHUNK + TAG)]);
        damaged(&bytes[..bytes.len() - 1]);
        let mut flipped = bytes.clone();
        flipped[HEADER_LEN + CHUNK + 100] ^= 1;
        damaged(&flipped);
        let mut swapped = bytes.clone();
        let (a, b) = (HEADER_LEN, HEADER_LEN + CHUNK + TAG);
        let first = bytes[a..b].to_vec();
        swapped.copy_within(b..b + CHUNK + TAG, a);
        swapped[b..b + CHUNK + TAG].copy_from_slice(&first);
        damaged(&swapped);
        let mut salted = bytes.clone();
        salted[20] ^= 1;
        damaged(&salted);
        let mut nonce = bytes.clone();
        nonce[40] ^= 1;
        damaged(&nonce);
    }

    #[test]
    fn bad_headers_are_refused_before_any_work() {
        assert!(matches!(
            read_all(b"hello", &BackupSecret::RecoveryCode(code())),
            Err(ArchiveError::NotABackup)
        ));
        let mut header = Header::new(SecretKind::Passphrase, &mut rng()).encode();
        header[26..30].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(matches!(
            Header::decode(&header),
            Err(ArchiveError::BadParameters { .. })
        ));
        header[8] = 2;
        assert!(matches!(Header::decode(&header), Err(ArchiveError::NewerFormat(2))));
    }

    #[test]
    fn recovery_codes_are_24_checked_words() {
        let code = RecoveryCode::generate(&mut rng());
        let words = code.words();
        assert_eq!(words.split(' ').count(), 24);
        let again = RecoveryCode::parse(&format!("  {}\n", words.to_uppercase())).unwrap();
        assert_eq!(again.0, code.0);
        let mut list: Vec<&str> = words.split(' ').collect();
        list.swap(0, 1);
        if list[0] != list[1] {
            assert!(RecoveryCode::parse(&list.join(" ")).is_err(), "checksum");
        }
        assert!(RecoveryCode::parse(&words.split(' ').take(12).collect::<Vec<_>>().join(" ")).is_err());
    }
}
