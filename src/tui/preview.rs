//! A photo's preview drawn inline in the chat (SPEC.md §6.11): the small JPEG its message
//! carries, scaled to at most [`COLUMNS`] × [`ROWS`] cells and drawn with upper half
//! blocks — each cell two pixels, the top one as the character's colour and the bottom
//! one as its background — which every colour terminal shows. Sixel, kitty and iTerm2
//! image protocols are not used.

use image::imageops::FilterType;
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};

use crate::files::media::decode_preview;

/// Widest preview, in terminal columns.
pub const COLUMNS: u32 = 24;
/// Tallest preview, in terminal rows.
pub const ROWS: u32 = 8;

/// The preview's lines, each starting with `indent` spaces; none when the preview does
/// not decode or there is no room.
pub fn lines(preview_base64: &str, indent: usize, width: usize) -> Vec<Line<'static>> {
    let columns = COLUMNS.min(width.saturating_sub(indent) as u32);
    let Some(image) = data_encoding::BASE64
        .decode(preview_base64.as_bytes())
        .ok()
        .and_then(|bytes| decode_preview(&bytes))
    else {
        return Vec::new();
    };
    if columns == 0 || image.width() == 0 || image.height() == 0 {
        return Vec::new();
    }
    // Cells are about twice as tall as wide: one cell is one pixel across, two down.
    let scale = (f64::from(columns) / f64::from(image.width())).min(f64::from(ROWS * 2) / f64::from(image.height()));
    let (w, h) = (
        ((f64::from(image.width()) * scale).round() as u32).max(1),
        ((f64::from(image.height()) * scale).round() as u32).max(2),
    );
    let pixels = image::imageops::resize(&image, w, h + h % 2, FilterType::Triangle);
    let rgb = |x: u32, y: u32| {
        let p = pixels.get_pixel(x, y).0;
        Color::Rgb(p[0], p[1], p[2])
    };
    (0..pixels.height() / 2)
        .map(|row| {
            let mut spans = vec![Span::raw(" ".repeat(indent))];
            spans.extend(
                (0..pixels.width())
                    .map(|x| Span::styled("▀", Style::new().fg(rgb(x, 2 * row)).bg(rgb(x, 2 * row + 1)))),
            );
            Line::from(spans)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn preview_of(width: u32, height: u32) -> String {
        let image = image::RgbImage::from_fn(width, height, |x, _| {
            image::Rgb([if x < width / 2 { 255 } else { 0 }, 0, 0])
        });
        let mut jpeg = Vec::new();
        image
            .write_with_encoder(image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90))
            .unwrap();
        data_encoding::BASE64.encode(&jpeg)
    }

    #[test]
    fn a_preview_is_drawn_in_half_blocks_within_its_box() {
        let drawn = lines(&preview_of(96, 58), 2, 80);
        assert_eq!(drawn.len(), 8);
        for line in &drawn {
            assert_eq!(line.spans[0].content, "  ");
            assert!(line.spans.len() - 1 <= COLUMNS as usize);
            assert!(line.spans[1..].iter().all(|s| s.content == "▀"));
        }
        // Red on the left, black on the right.
        let first = &drawn[3].spans[1];
        let last = drawn[3].spans.last().unwrap();
        assert!(matches!(first.style.fg, Some(Color::Rgb(r, _, _)) if r > 200));
        assert!(matches!(last.style.fg, Some(Color::Rgb(r, _, _)) if r < 60));
        // A narrow pane gets a narrower preview; junk gets none.
        assert!(lines(&preview_of(96, 58), 2, 12)
            .iter()
            .all(|l| l.spans.len() - 1 <= 10));
        assert!(lines("not base64!", 2, 80).is_empty());
        assert!(lines(&data_encoding::BASE64.encode(b"\xff\xd8junk"), 2, 80).is_empty());
    }
}
