//! Text on its way to a person: the one sanitiser that the CLI and the chat UI share, the
//! limits on names the owner chooses, and short quotes of input inside error messages.
//!
//! Everything others write — message texts, names, group names, previews, and error
//! messages that may quote them — can carry terminal control sequences (`ESC ]0;…BEL`
//! retitles the window, `ESC [2J` clears the screen, OSC 52 writes the clipboard) and
//! Unicode direction overrides that reorder what follows on the line. [`for_terminal`]
//! removes them whole, before text reaches a terminal (SPEC.md §9.3).

use std::borrow::Cow;

/// Most characters in a name the owner gives (their profile name, a contact's, a group's).
pub const MAX_NAME_CHARS: usize = 32;
/// Most UTF-8 bytes in such a name: what the wire carries for a display name
/// (SPEC.md §5.3, `name`, and group names in protocol/group.md).
pub const MAX_NAME_BYTES: usize = 64;
/// Most characters of an input quoted back inside an error message.
pub const MAX_QUOTE_CHARS: usize = 40;
/// Most characters of an error message shown or answered (the rest is cut with `…`).
pub const MAX_ERROR_CHARS: usize = 400;

/// Why a name is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    /// Longer than [`MAX_NAME_CHARS`] characters or [`MAX_NAME_BYTES`] bytes.
    #[error("names are at most {MAX_NAME_CHARS} characters and {MAX_NAME_BYTES} bytes; this one has {chars} characters, {bytes} bytes")]
    TooLong {
        /// Its length in characters.
        chars: usize,
        /// Its length in UTF-8 bytes.
        bytes: usize,
    },
    /// It holds control characters, escape sequences or direction overrides.
    #[error("names cannot contain control characters or direction overrides")]
    Unprintable,
}

impl NameError {
    /// A stable name for the API and metrics.
    pub fn reason(&self) -> &'static str {
        match self {
            NameError::TooLong { .. } => "name_too_long",
            NameError::Unprintable => "name_unprintable",
        }
    }
}

/// Checks a name the owner chose (empty is allowed: "no name").
pub fn check_name(name: &str) -> Result<(), NameError> {
    let (chars, bytes) = (name.chars().count(), name.len());
    if chars > MAX_NAME_CHARS || bytes > MAX_NAME_BYTES {
        return Err(NameError::TooLong { chars, bytes });
    }
    if name.chars().any(|c| is_unsafe(c) || is_line_break(c)) {
        return Err(NameError::Unprintable);
    }
    Ok(())
}

/// Whether `c` must never reach a terminal: C0 and C1 controls (ESC among them), DEL,
/// and the bidirectional marks, embeddings, overrides and isolates.
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        )
}

fn is_line_break(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r' | '\t' | '\u{0B}' | '\u{0C}' | '\u{85}' | '\u{2028}' | '\u{2029}'
    )
}

/// What an introducer starts: the kinds of ECMA-48 sequence the sanitiser drops whole.
#[derive(Clone, Copy)]
enum Sequence {
    /// `ESC [` / CSI: parameters and intermediates, then one final byte.
    Control,
    /// `ESC ]`, `ESC P`, `ESC X`, `ESC ^`, `ESC _` and their C1 forms: a string ended by
    /// BEL or ST (`ESC \` or U+009C).
    String,
    /// `ESC` then intermediates (0x20–0x2F) and one final character (the first
    /// intermediate already consumed).
    Escape,
}

/// The sequence a C1 control introduces, if any.
fn c1_sequence(c: char) -> Option<Sequence> {
    match c {
        '\u{9B}' => Some(Sequence::Control),
        '\u{90}' | '\u{98}' | '\u{9D}' | '\u{9E}' | '\u{9F}' => Some(Sequence::String),
        _ => None,
    }
}

/// The sequence `ESC next` introduces: `None` when `next` is a final character (a
/// two-character escape such as `ESC c`).
fn escape_sequence(next: char) -> Option<Sequence> {
    match next {
        '[' => Some(Sequence::Control),
        ']' | 'P' | 'X' | '^' | '_' => Some(Sequence::String),
        '\u{20}'..='\u{2F}' => Some(Sequence::Escape),
        _ => None,
    }
}

/// Skips the rest of a sequence of `kind` (its introducer already consumed).
fn skip_sequence(kind: Sequence, chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    match kind {
        Sequence::Control => {
            while chars.next_if(|c| ('\u{20}'..='\u{3F}').contains(c)).is_some() {}
            chars.next_if(|c| ('\u{40}'..='\u{7E}').contains(c));
        }
        Sequence::String => {
            while let Some(c) = chars.next() {
                match c {
                    '\u{07}' | '\u{9C}' => return,
                    '\u{1B}' => {
                        chars.next_if_eq(&'\\');
                        return;
                    }
                    _ => {}
                }
            }
        }
        Sequence::Escape => {
            while chars.next_if(|c| ('\u{20}'..='\u{2F}').contains(c)).is_some() {}
            chars.next_if(|c| ('\u{30}'..='\u{7E}').contains(c));
        }
    }
}

/// `text` made safe for one line of a terminal: escape and control sequences are removed
/// whole (introducer, parameters and string), other control characters and direction
/// marks are dropped, and line breaks and tabs become spaces so a text cannot fake a line
/// of its own. Borrowed when nothing had to change.
pub fn for_terminal(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| is_unsafe(c) || is_line_break(c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if is_line_break(c) {
            out.push(' ');
        } else if c == '\u{1B}' {
            // ESC and what it introduces go; an ESC before text that cannot continue a
            // sequence goes alone.
            if let Some(next) = chars.next_if(|n| ('\u{20}'..='\u{7E}').contains(n)) {
                if let Some(kind) = escape_sequence(next) {
                    skip_sequence(kind, &mut chars);
                }
            }
        } else if let Some(kind) = c1_sequence(c) {
            skip_sequence(kind, &mut chars);
        } else if !is_unsafe(c) {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `text` cut to at most `max` characters, ending in `…` when cut.
pub fn shorten(text: &str, max: usize) -> Cow<'_, str> {
    match text.char_indices().nth(max) {
        None => Cow::Borrowed(text),
        Some(_) => {
            let keep = text
                .char_indices()
                .nth(max.saturating_sub(1))
                .map_or(text.len(), |(i, _)| i);
            Cow::Owned(format!("{}…", &text[..keep]))
        }
    }
}

/// An input quoted inside an error message: Rust-escaped (controls shown as `\u{…}`) and
/// at most [`MAX_QUOTE_CHARS`] characters, so an error never echoes a huge or hostile
/// input back whole.
pub fn quote(input: &str) -> String {
    let quoted = format!("{:?}", shorten(input, MAX_QUOTE_CHARS));
    if input.chars().count() > MAX_QUOTE_CHARS {
        format!("{quoted} ({} bytes)", input.len())
    } else {
        quoted
    }
}

/// An error message made fit to show: sanitised and cut to [`MAX_ERROR_CHARS`].
pub fn error_message(message: &str) -> String {
    shorten(&for_terminal(message), MAX_ERROR_CHARS).into_owned()
}

/// A size for people: `512 B`, `1.5 KiB`, `10.0 MiB`, `2.0 GiB`.
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// A file name from someone else made safe to create: its last path component only,
/// without controls, separators or a leading dot; `file` when nothing is left.
pub fn safe_file_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && !is_unsafe(*c))
        .collect::<String>()
        .trim()
        .trim_start_matches('.')
        .chars()
        .take(128)
        .collect();
    if cleaned.is_empty() {
        "file".into()
    } else {
        cleaned
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_file_names_are_made_fit_for_people_and_disks() {
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(10 << 20), "10.0 MiB");
        assert_eq!(human_bytes(2 << 30), "2.0 GiB");
        assert_eq!(safe_file_name("../../etc/passwd"), "passwd");
        assert_eq!(safe_file_name("..\\boot.ini"), "boot.ini");
        assert_eq!(safe_file_name(".hidden"), "hidden");
        assert_eq!(safe_file_name("photo\u{1b}[2J.jpg"), "photo[2J.jpg");
        assert_eq!(safe_file_name("/"), "file");
    }

    #[test]
    fn escape_sequences_are_removed_whole() {
        assert_eq!(for_terminal("plain 민지"), "plain 민지");
        assert!(matches!(for_terminal("plain"), Cow::Borrowed(_)));
        // CSI (clear screen, colours), OSC (window title) with BEL and with ST, DCS.
        assert_eq!(for_terminal("a\x1b[2Jb\x1b[1;31mc"), "abc");
        assert_eq!(for_terminal("x\x1b]0;pwned\x07y"), "xy");
        assert_eq!(for_terminal("x\x1b]52;c;aGk=\x1b\\y"), "xy");
        assert_eq!(for_terminal("x\x1bPq#0;2;0;0;0\x1b\\y"), "xy");
        // Two-character escapes (reset, keypad) and nF escapes (charset selection).
        assert_eq!(for_terminal("a\x1bcb\x1b=c\x1b(0d"), "abcd");
        // C1 forms of CSI and OSC, and a lone C1 control.
        assert_eq!(for_terminal("a\u{9b}2Jb\u{9d}0;t\u{9c}c\u{85}d\u{84}e"), "abc de");
        // An unterminated OSC swallows the rest of its text, never the next one's.
        assert_eq!(for_terminal("ok\x1b]0;title"), "ok");
        // A lone ESC at the end, and before text that cannot continue a sequence.
        assert_eq!(for_terminal("end\x1b"), "end");
        assert_eq!(for_terminal("a\x1b가b"), "a가b");
    }

    #[test]
    fn controls_breaks_and_direction_marks() {
        assert_eq!(for_terminal("a\nb\r\nc\td\u{7}e\u{7f}f"), "a b  c def");
        assert_eq!(for_terminal("evil\u{202E}txt.exe"), "eviltxt.exe");
        assert_eq!(for_terminal("\u{2066}a\u{2069}\u{200f}\u{61c}b\u{2028}c"), "ab c");
        // Joiners that emoji need stay.
        assert_eq!(for_terminal("👩\u{200d}💻"), "👩\u{200d}💻");
    }

    #[test]
    fn names_have_limits_in_chars_and_bytes() {
        assert_eq!(check_name(""), Ok(()));
        assert_eq!(check_name(&"가".repeat(MAX_NAME_BYTES / 3)), Ok(()));
        assert_eq!(
            check_name(&"가".repeat(MAX_NAME_CHARS)),
            Err(NameError::TooLong {
                chars: MAX_NAME_CHARS,
                bytes: 3 * MAX_NAME_CHARS
            })
        );
        assert!(matches!(
            check_name(&"a".repeat(MAX_NAME_CHARS + 1)),
            Err(NameError::TooLong { .. })
        ));
        assert_eq!(check_name("a\x1b[2Jb"), Err(NameError::Unprintable));
        assert_eq!(check_name("a\nb"), Err(NameError::Unprintable));
        assert_eq!(check_name("\u{202e}abc"), Err(NameError::Unprintable));
    }

    #[test]
    fn quotes_and_errors_stay_short() {
        assert_eq!(quote("abc"), "\"abc\"");
        assert_eq!(quote("a\x1b]0;x\x07"), "\"a\\u{1b}]0;x\\u{7}\"");
        let huge = "1".repeat(900_000);
        let quoted = quote(&huge);
        assert!(quoted.len() < 80, "{quoted}");
        assert!(quoted.contains('…') && quoted.ends_with("(900000 bytes)"));
        let message = error_message(&format!("bad \x1b[2J{huge}"));
        assert_eq!(message.chars().count(), MAX_ERROR_CHARS);
        assert!(message.starts_with("bad 1") && message.ends_with('…'));
        assert_eq!(shorten("abc", 3), "abc");
        assert_eq!(shorten("abcd", 3), "ab…");
    }
}
