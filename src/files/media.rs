//! What a photo's sender does before sealing it (SPEC.md §6.11): strip the metadata that
//! can say where and on what it was taken (EXIF with its GPS position, XMP, IPTC, text
//! chunks), without touching the pixels, and draw a small preview that travels inside the
//! message, so the receiver sees the photo before fetching it. And what a receiver does
//! with a preview: decode it, within limits, for the chat to draw.

use std::io::Cursor;

use image::{DynamicImage, ImageFormat, ImageReader, RgbImage};
use img_parts::jpeg::{markers, Jpeg};
use img_parts::png::Png;
use img_parts::webp::WebP;
use img_parts::ImageEXIF;

/// Largest preview, in bytes (a JPEG).
pub const MAX_PREVIEW_BYTES: usize = 8 * 1024;
/// Longest side of a preview, in pixels.
pub const PREVIEW_SIDE: u32 = 96;
/// Largest photo whose metadata is stripped and preview drawn (read whole into memory);
/// a bigger one is sent as it is.
pub const MAX_PHOTO_BYTES: u64 = 64 << 20;
/// Largest image the decoder accepts, in pixels per side (a hostile preview or a huge
/// photo is refused, not decoded).
const MAX_DECODE_SIDE: u32 = 16_384;
/// Most memory the decoder may allocate.
const MAX_DECODE_ALLOC: u64 = 512 << 20;

/// The image formats handled here, by media type.
fn format(mime: &str) -> Option<ImageFormat> {
    match mime {
        "image/jpeg" => Some(ImageFormat::Jpeg),
        "image/png" => Some(ImageFormat::Png),
        "image/webp" => Some(ImageFormat::WebP),
        "image/gif" => Some(ImageFormat::Gif),
        _ => None,
    }
}

/// Whether `mime` names a photo this module prepares.
pub fn is_photo(mime: &str) -> bool {
    format(mime).is_some()
}

/// `bytes` of a photo without metadata: JPEG APP1 (EXIF, XMP) and APP13 (IPTC) segments,
/// PNG `eXIf`, `tEXt`, `iTXt` and `zTXt` chunks, WebP EXIF and XMP. The image data is
/// untouched. `None` when the bytes are not the format `mime` says (sent as they are).
pub fn strip_metadata(mime: &str, bytes: Vec<u8>) -> Option<Vec<u8>> {
    let bytes = bytes::Bytes::from(bytes);
    match format(mime)? {
        ImageFormat::Jpeg => {
            let mut jpeg = Jpeg::from_bytes(bytes).ok()?;
            jpeg.remove_segments_by_marker(markers::APP1);
            jpeg.remove_segments_by_marker(markers::APP13);
            Some(jpeg.encoder().bytes().to_vec())
        }
        ImageFormat::Png => {
            let mut png = Png::from_bytes(bytes).ok()?;
            for kind in [*b"eXIf", *b"tEXt", *b"iTXt", *b"zTXt"] {
                png.remove_chunks_by_type(kind);
            }
            Some(png.encoder().bytes().to_vec())
        }
        ImageFormat::WebP => {
            let mut webp = WebP::from_bytes(bytes).ok()?;
            webp.set_exif(None);
            webp.remove_chunks_by_id(*b"XMP ");
            Some(webp.encoder().bytes().to_vec())
        }
        // GIF carries no EXIF.
        _ => Some(bytes.to_vec()),
    }
}

fn decode(bytes: &[u8], format: Option<ImageFormat>) -> Option<DynamicImage> {
    let mut reader = ImageReader::new(Cursor::new(bytes));
    match format {
        Some(format) => reader.set_format(format),
        None => reader = reader.with_guessed_format().ok()?,
    }
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_DECODE_SIDE);
    limits.max_image_height = Some(MAX_DECODE_SIDE);
    limits.max_alloc = Some(MAX_DECODE_ALLOC);
    reader.limits(limits);
    reader.decode().ok()
}

/// A preview of a photo: its longest side [`PREVIEW_SIDE`] pixels, as a JPEG of at most
/// [`MAX_PREVIEW_BYTES`]. `None` when it cannot be decoded.
pub fn preview(mime: &str, bytes: &[u8]) -> Option<Vec<u8>> {
    let image = decode(bytes, format(mime))?
        .thumbnail(PREVIEW_SIDE, PREVIEW_SIDE)
        .into_rgb8();
    [70u8, 50, 30, 15].into_iter().find_map(|quality| {
        let mut out = Vec::new();
        let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality);
        image.write_with_encoder(encoder).ok()?;
        (out.len() <= MAX_PREVIEW_BYTES).then_some(out)
    })
}

/// A received preview's pixels, for the chat to draw. `None` for anything that is not a
/// small JPEG.
pub fn decode_preview(bytes: &[u8]) -> Option<RgbImage> {
    if bytes.len() > MAX_PREVIEW_BYTES {
        return None;
    }
    let image = decode(bytes, Some(ImageFormat::Jpeg))?;
    (image.width() <= 2 * PREVIEW_SIDE && image.height() <= 2 * PREVIEW_SIDE).then(|| image.into_rgb8())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 200×120 JPEG carrying an EXIF segment with a GPS tag.
    fn photo_with_gps() -> Vec<u8> {
        let image = RgbImage::from_fn(200, 120, |x, y| image::Rgb([(x % 256) as u8, (y * 2) as u8, 90]));
        let mut plain = Vec::new();
        image
            .write_with_encoder(image::codecs::jpeg::JpegEncoder::new_with_quality(&mut plain, 80))
            .unwrap();
        let mut jpeg = Jpeg::from_bytes(plain.into()).unwrap();
        // "Exif\0\0" + a little-endian TIFF header whose IFD0 holds a GPSInfo pointer.
        let mut exif = b"II*\0\x08\0\0\0\x01\0\x25\x88\x04\0\x01\0\0\0\x1a\0\0\0\0\0\0\0".to_vec();
        exif.extend_from_slice(b"GPS 37.5665N 126.9780E");
        jpeg.set_exif(Some(exif.into()));
        jpeg.encoder().bytes().to_vec()
    }

    #[test]
    fn gps_metadata_is_stripped_and_the_pixels_kept() {
        let photo = photo_with_gps();
        assert!(photo.windows(3).any(|w| w == b"GPS"));
        let stripped = strip_metadata("image/jpeg", photo.clone()).unwrap();
        assert!(!stripped.windows(3).any(|w| w == b"GPS"), "the position is gone");
        let (before, after) = (decode(&photo, None).unwrap(), decode(&stripped, None).unwrap());
        assert_eq!(before.into_rgb8(), after.into_rgb8(), "not one pixel changed");
        assert_eq!(strip_metadata("image/jpeg", b"not a jpeg".to_vec()), None);
    }

    #[test]
    fn a_preview_is_a_small_jpeg_that_decodes_and_junk_is_refused() {
        let small = preview("image/jpeg", &photo_with_gps()).unwrap();
        assert!(small.len() <= MAX_PREVIEW_BYTES);
        let pixels = decode_preview(&small).unwrap();
        assert_eq!((pixels.width(), pixels.height()), (96, 58));
        assert!(!small.windows(3).any(|w| w == b"GPS"));
        assert_eq!(decode_preview(b"\xff\xd8junk"), None);
        assert_eq!(decode_preview(&vec![0u8; MAX_PREVIEW_BYTES + 1]), None);
        assert_eq!(preview("image/png", b"junk"), None);
    }
}
