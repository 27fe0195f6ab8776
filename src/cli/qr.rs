//! QR codes drawn in the terminal with Unicode half blocks (two modules per character
//! cell), for invite links and safety numbers a phone camera can scan. Drawn for the usual
//! light-on-dark terminal: the code's light modules are the block characters.

use qrcode::render::unicode::Dense1x2;
use qrcode::{EcLevel, QrCode};

/// `data` as a QR code (error correction level M, with its quiet zone).
pub fn draw(data: &str) -> anyhow::Result<String> {
    let code = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::M)?;
    Ok(code
        .render::<Dense1x2>()
        .dark_color(Dense1x2::Light)
        .light_color(Dense1x2::Dark)
        .quiet_zone(true)
        .build())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_is_square_blocks_with_a_quiet_zone() {
        let drawn = draw("chingu://invite/ABCDEFGHIJKLMNOP").unwrap();
        let lines: Vec<&str> = drawn.lines().collect();
        let width = lines[0].chars().count();
        assert!(lines.iter().all(|l| l.chars().count() == width));
        // Two modules per line: about half as many lines as columns.
        assert!(
            lines.len() * 2 >= width && lines.len() * 2 <= width + 2,
            "{}x{}",
            width,
            lines.len()
        );
        assert!(drawn.chars().all(|c| matches!(c, '█' | '▀' | '▄' | ' ' | '\n')));
        // The quiet zone (light) is drawn as full blocks on the first line.
        assert!(lines[0].chars().all(|c| c == '█' || c == '▀'), "{}", lines[0]);
        assert_ne!(draw("a").unwrap(), draw("b").unwrap());
    }
}
