//! Keyboard input for the chat client: the [`Key`]s the app understands (decoupled from
//! the terminal library so the state machine can be driven by tests), the one-line
//! [`LineEditor`] used by the composer and dialogs. Pasted text, typed text and everything
//! that arrives from the network passes through [`crate::text::for_terminal`] (the one
//! sanitiser the CLI shares) before it is shown or sent.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// Longest text the composer and the dialogs accept, in characters.
pub const MAX_INPUT_CHARS: usize = 4_000;

/// A key press, as the app sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// A printable character.
    Char(char),
    /// A letter with Ctrl held (lowercase).
    Ctrl(char),
    /// Enter.
    Enter,
    /// Escape.
    Esc,
    /// Backspace.
    Backspace,
    /// Delete.
    Delete,
    /// Arrow up.
    Up,
    /// Arrow down.
    Down,
    /// Arrow left.
    Left,
    /// Arrow right.
    Right,
    /// Page up.
    PageUp,
    /// Page down.
    PageDown,
    /// Home.
    Home,
    /// End.
    End,
    /// Tab.
    Tab,
    /// Shift-Tab.
    BackTab,
    /// F1.
    Help,
}

impl Key {
    /// The app's key for a terminal key event; `None` for releases and keys it ignores.
    pub fn from_terminal(event: KeyEvent) -> Option<Key> {
        if event.kind == KeyEventKind::Release {
            return None;
        }
        let ctrl = event.modifiers.contains(KeyModifiers::CONTROL);
        Some(match event.code {
            KeyCode::Char(c) if ctrl => Key::Ctrl(c.to_ascii_lowercase()),
            KeyCode::Char(c) if c.is_control() => return None,
            KeyCode::Char(c) => Key::Char(c),
            KeyCode::Enter => Key::Enter,
            KeyCode::Esc => Key::Esc,
            KeyCode::Backspace => Key::Backspace,
            KeyCode::Delete => Key::Delete,
            KeyCode::Up => Key::Up,
            KeyCode::Down => Key::Down,
            KeyCode::Left => Key::Left,
            KeyCode::Right => Key::Right,
            KeyCode::PageUp => Key::PageUp,
            KeyCode::PageDown => Key::PageDown,
            KeyCode::Home => Key::Home,
            KeyCode::End => Key::End,
            KeyCode::Tab => Key::Tab,
            KeyCode::BackTab => Key::BackTab,
            KeyCode::F(1) => Key::Help,
            _ => return None,
        })
    }
}

/// A one-line text editor with a cursor (counted in characters).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineEditor {
    text: String,
    cursor: usize,
}

impl LineEditor {
    /// An editor holding `text`, cursor at the end.
    pub fn with_text(text: &str) -> Self {
        let mut editor = Self::default();
        editor.insert(text);
        editor
    }

    /// The text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The cursor position in characters.
    pub fn cursor(&self) -> usize {
        self.cursor
    }

    /// Whether nothing is typed.
    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    fn byte_at(&self, chars: usize) -> usize {
        self.text.char_indices().nth(chars).map_or(self.text.len(), |(i, _)| i)
    }

    /// Inserts `text` (cleaned, and cut at [`MAX_INPUT_CHARS`]) at the cursor.
    pub fn insert(&mut self, text: &str) {
        let room = MAX_INPUT_CHARS.saturating_sub(self.text.chars().count());
        let cleaned: String = crate::text::for_terminal(text).chars().take(room).collect();
        let at = self.byte_at(self.cursor);
        self.text.insert_str(at, &cleaned);
        self.cursor += cleaned.chars().count();
    }

    /// Takes the text out, leaving the editor empty.
    pub fn take(&mut self) -> String {
        self.cursor = 0;
        std::mem::take(&mut self.text)
    }

    /// Applies an editing key; returns whether the key was one.
    pub fn edit(&mut self, key: Key) -> bool {
        let len = self.text.chars().count();
        match key {
            Key::Char(c) => self.insert(c.encode_utf8(&mut [0; 4])),
            Key::Backspace if self.cursor > 0 => {
                self.cursor -= 1;
                let at = self.byte_at(self.cursor);
                self.text.remove(at);
            }
            Key::Delete if self.cursor < len => {
                let at = self.byte_at(self.cursor);
                self.text.remove(at);
            }
            Key::Ctrl('u') => {
                self.take();
            }
            Key::Left => self.cursor = self.cursor.saturating_sub(1),
            Key::Right => self.cursor = (self.cursor + 1).min(len),
            Key::Home | Key::Ctrl('a') => self.cursor = 0,
            Key::End | Key::Ctrl('e') => self.cursor = len,
            Key::Backspace | Key::Delete => {}
            _ => return false,
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_editor_handles_wide_characters_and_limits() {
        let mut editor = LineEditor::default();
        editor.insert("안녕");
        editor.edit(Key::Left);
        editor.edit(Key::Char('x'));
        assert_eq!(editor.text(), "안x녕");
        editor.edit(Key::Backspace);
        editor.edit(Key::Delete);
        assert_eq!(editor.text(), "안");
        editor.insert("paste\x1b[31m\nline");
        assert_eq!(editor.text(), "안paste line");
        editor.edit(Key::Home);
        assert_eq!(editor.cursor(), 0);
        assert_eq!(editor.take(), "안paste line");
        editor.insert(&"a".repeat(MAX_INPUT_CHARS + 10));
        assert_eq!(editor.text().len(), MAX_INPUT_CHARS);
        assert!(editor.edit(Key::Ctrl('u')));
        assert!(editor.is_empty());
        assert!(!editor.edit(Key::Enter));
    }
}
