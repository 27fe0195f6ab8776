//! Emoticon (sticker) packs (SPEC.md §6.12, `protocol/content.md` §5): a pack is a signed
//! set of small images with a manifest — name, author key, version — named by the BLAKE3
//! hash of its bytes. It travels as a file (`protocol/files.md`) and a sticker message
//! names the pack, the sticker's index and carries its preview, so the receiver shows it at
//! once and fetches a pack it lacks from the sender. Pure: bytes in, checked packs out.

use serde::{Deserialize, Serialize};

use crate::group::Transcript;
use crate::wire::{from_cbor, to_cbor, Bytes, Fixed, List, Text};

/// Most stickers in a pack.
pub const MAX_STICKERS: usize = 64;
/// Largest sticker image.
pub const MAX_STICKER_IMAGE: usize = 64 * 1024;
/// Longest pack name, in bytes of UTF-8.
pub const MAX_PACK_NAME: usize = 64;
/// Longest sticker name, in bytes of UTF-8.
pub const MAX_STICKER_NAME: usize = 32;
/// Largest encoded pack.
pub const MAX_PACK_BYTES: usize = MAX_STICKERS * (MAX_STICKER_IMAGE + 128) + 512;
/// The media type of a pack travelling as a file.
pub const PACK_MIME: &str = "application/vnd.chingu.stickers";
/// The image types a sticker may be.
pub const STICKER_TYPES: [&str; 4] = ["image/png", "image/jpeg", "image/webp", "image/gif"];

const LABEL: &[u8] = b"chingu/stickers/v1/pack";

/// One sticker of a pack.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireSticker {
    /// Its name (what a chat shows beside it, and what text-only views print).
    pub name: Text<MAX_STICKER_NAME>,
    /// Its image type: one of [`STICKER_TYPES`].
    pub mime: Text<32>,
    /// The image.
    pub image: Bytes<MAX_STICKER_IMAGE>,
}

/// What a pack's author signs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackContent {
    /// The pack's name.
    pub name: Text<MAX_PACK_NAME>,
    /// The author's Ed25519 identity key.
    pub author: Fixed<32>,
    /// The author's version of it (a newer version is another pack, with another id).
    pub version: u32,
    /// The stickers, in order: a message names one by its index.
    pub stickers: List<WireSticker, MAX_STICKERS>,
}

/// A pack as it travels and is kept: its content and the author's signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedPack {
    /// The content.
    pub pack: PackContent,
    /// Ed25519 by `pack.author` over [`signed_bytes`].
    pub sig: Fixed<64>,
}

/// Why a pack was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StickerError {
    /// Over [`MAX_PACK_BYTES`].
    #[error("a sticker pack is at most {MAX_PACK_BYTES} bytes")]
    TooLarge,
    /// Not a pack (bad CBOR, a field over its limit).
    #[error("not a sticker pack: {0}")]
    Malformed(String),
    /// The signature does not verify under the author key.
    #[error("the sticker pack's signature does not verify")]
    BadSignature,
    /// No stickers.
    #[error("a sticker pack holds at least one sticker")]
    Empty,
    /// A sticker that is not a small image of a known type.
    #[error("sticker {name:?}: {why}")]
    BadImage {
        /// The sticker's name.
        name: String,
        /// What is wrong.
        why: String,
    },
}

/// `label || var(CBOR(content))`: what the author signs.
pub fn signed_bytes(content: &PackContent) -> Vec<u8> {
    Transcript::new(LABEL).var(&to_cbor(content)).into_bytes()
}

/// A pack's id: BLAKE3 of its bytes.
pub fn pack_id(bytes: &[u8]) -> [u8; 32] {
    *blake3::hash(bytes).as_bytes()
}

/// A new pack of `stickers` (name, media type, image), signed by `author`: its bytes.
pub fn create(
    author: &libp2p_identity::ed25519::Keypair,
    name: &str,
    version: u32,
    stickers: Vec<(String, String, Vec<u8>)>,
) -> Result<Vec<u8>, StickerError> {
    let too_long = |what: &str| StickerError::Malformed(format!("the {what} is too long"));
    if stickers.is_empty() {
        return Err(StickerError::Empty);
    }
    if stickers.len() > MAX_STICKERS {
        return Err(StickerError::Malformed(format!("more than {MAX_STICKERS} stickers")));
    }
    let mut wire = Vec::with_capacity(stickers.len());
    for (name, mime, image) in stickers {
        let bad = |why: String| StickerError::BadImage {
            name: name.clone(),
            why,
        };
        if !STICKER_TYPES.contains(&mime.as_str()) {
            return Err(bad(format!("{mime} is not a sticker image type")));
        }
        if crate::files::media::preview(&mime, &image).is_none() {
            return Err(bad("the image does not decode".into()));
        }
        let len = image.len();
        wire.push(WireSticker {
            name: Text::new(name.clone()).map_err(|_| too_long("sticker name"))?,
            mime: Text::new(mime).map_err(|_| too_long("media type"))?,
            image: Bytes::new(image).map_err(|_| bad(format!("{len} bytes; the limit is {MAX_STICKER_IMAGE}")))?,
        });
    }
    let content = PackContent {
        name: Text::new(name).map_err(|_| too_long("pack name"))?,
        author: Fixed(author.public().to_bytes()),
        version,
        stickers: List::new(wire).map_err(|_| StickerError::Empty)?,
    };
    let sig = crate::crypto::sign(author, &signed_bytes(&content));
    Ok(to_cbor(&SignedPack {
        pack: content,
        sig: Fixed(sig),
    }))
}

/// A pack's bytes, checked: size, shape, at least one sticker of a known type, and the
/// author's signature.
pub fn open(bytes: &[u8]) -> Result<SignedPack, StickerError> {
    if bytes.len() > MAX_PACK_BYTES {
        return Err(StickerError::TooLarge);
    }
    let signed: SignedPack = from_cbor(bytes, MAX_PACK_BYTES).map_err(|e| StickerError::Malformed(e.to_string()))?;
    if signed.pack.stickers.is_empty() {
        return Err(StickerError::Empty);
    }
    if let Some(bad) = signed
        .pack
        .stickers
        .iter()
        .find(|s| !STICKER_TYPES.contains(&s.mime.as_str()))
    {
        return Err(StickerError::BadImage {
            name: bad.name.to_string(),
            why: format!("{} is not a sticker image type", bad.mime.as_str()),
        });
    }
    if !crate::crypto::verify(&signed.pack.author.0, &signed_bytes(&signed.pack), &signed.sig.0) {
        return Err(StickerError::BadSignature);
    }
    Ok(signed)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A small PNG of one colour.
    pub(crate) fn png(rgb: [u8; 3]) -> Vec<u8> {
        let image = image::RgbImage::from_pixel(64, 64, image::Rgb(rgb));
        let mut out = std::io::Cursor::new(Vec::new());
        image.write_to(&mut out, image::ImageFormat::Png).unwrap();
        out.into_inner()
    }

    #[test]
    fn a_pack_opens_only_as_its_author_signed_it() {
        let author = libp2p_identity::ed25519::Keypair::generate();
        let stickers = vec![
            ("하하".to_owned(), "image/png".to_owned(), png([250, 200, 0])),
            ("ㅠㅠ".to_owned(), "image/png".to_owned(), png([0, 120, 250])),
        ];
        let bytes = create(&author, "기분", 1, stickers).unwrap();
        let pack = open(&bytes).unwrap();
        assert_eq!(pack.pack.name.as_str(), "기분");
        assert_eq!(pack.pack.stickers.len(), 2);
        assert_eq!(pack.pack.author.0, author.public().to_bytes());

        // Another name under the same signature, or another author's key: refused.
        let mut renamed = pack.clone();
        renamed.pack.name = Text::new("hacked").unwrap();
        assert_eq!(open(&to_cbor(&renamed)), Err(StickerError::BadSignature));
        let mut stolen = pack.clone();
        stolen.pack.author = Fixed(libp2p_identity::ed25519::Keypair::generate().public().to_bytes());
        assert_eq!(open(&to_cbor(&stolen)), Err(StickerError::BadSignature));
        assert!(matches!(open(b"junk"), Err(StickerError::Malformed(_))));
        assert_eq!(open(&vec![0; MAX_PACK_BYTES + 1]), Err(StickerError::TooLarge));
    }

    #[test]
    fn stickers_must_be_small_images_of_known_types() {
        let author = libp2p_identity::ed25519::Keypair::generate();
        assert_eq!(create(&author, "x", 1, vec![]), Err(StickerError::Empty));
        let text = vec![("a".to_owned(), "text/plain".to_owned(), b"hi".to_vec())];
        assert!(matches!(
            create(&author, "x", 1, text),
            Err(StickerError::BadImage { .. })
        ));
        let junk = vec![("a".to_owned(), "image/png".to_owned(), b"not a png".to_vec())];
        assert!(matches!(
            create(&author, "x", 1, junk),
            Err(StickerError::BadImage { .. })
        ));
        let huge = vec![("a".to_owned(), "image/png".to_owned(), vec![0; MAX_STICKER_IMAGE + 1])];
        assert!(matches!(
            create(&author, "x", 1, huge),
            Err(StickerError::BadImage { .. })
        ));
    }
}
