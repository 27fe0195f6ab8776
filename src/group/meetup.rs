//! Flash-meetup codes: short, human-typable secrets that let strangers find and join a
//! meetup group (protocol/group.md §8).
//!
//! A code is 10 symbols of Crockford base32 (`0-9`, `A-Z` without `I L O U`): 50 random
//! bits, shown as `XXXXX-XXXXX` or as the link `chingu://meetup/XXXXX-XXXXX`. Parsing is
//! forgiving the way Crockford intended: any case, spaces and dashes anywhere, `O` read
//! as `0`, `I` and `L` as `1`. The node derives the meetup's DHT key from
//! [`MeetupCode::as_bytes`] with a slow KDF; group.md §8.3 gives the guessing odds.

use rand::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};

/// Symbols in a code.
pub const MEETUP_SYMBOLS: usize = 10;
/// Random bits in a code.
pub const MEETUP_BITS: u32 = 50;
/// Prefix of the link form.
pub const MEETUP_LINK_PREFIX: &str = "chingu://meetup/";
/// Crockford's base32 alphabet, value order.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Why a typed code was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MeetupCodeError {
    /// A character that is neither a symbol, a separator nor a known confusable (`U` and
    /// punctuation are refused rather than guessed).
    #[error("{0:?} is not a code symbol")]
    InvalidSymbol(char),
    /// Not exactly [`MEETUP_SYMBOLS`] symbols.
    #[error("{0} symbols, expected 10")]
    WrongLength(usize),
}

impl MeetupCodeError {
    /// A short stable name for counting failures by reason.
    pub fn reason(&self) -> &'static str {
        match self {
            MeetupCodeError::InvalidSymbol(_) => "invalid_symbol",
            MeetupCodeError::WrongLength(_) => "wrong_length",
        }
    }
}

/// A meetup code, held as its 10 canonical upper-case symbols. Persisted as its display
/// form.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct MeetupCode([u8; MEETUP_SYMBOLS]);

impl MeetupCode {
    /// Draws a fresh code: the top 50 bits of 8 random bytes read big-endian.
    pub fn generate(rng: &mut (impl RngCore + CryptoRng)) -> Self {
        let mut bytes = [0u8; 8];
        rng.fill_bytes(&mut bytes);
        Self::from_value(u64::from_be_bytes(bytes) >> (64 - MEETUP_BITS))
    }

    /// The code of a 50-bit value (higher bits are ignored).
    pub fn from_value(value: u64) -> Self {
        let mut symbols = [0u8; MEETUP_SYMBOLS];
        for (i, symbol) in symbols.iter_mut().enumerate() {
            let shift = 5 * (MEETUP_SYMBOLS - 1 - i);
            *symbol = ALPHABET[((value >> shift) & 31) as usize];
        }
        Self(symbols)
    }

    /// The 50-bit value.
    pub fn value(&self) -> u64 {
        self.0
            .iter()
            .fold(0, |acc, s| (acc << 5) | u64::from(symbol_value(*s).unwrap_or(0)))
    }

    /// Reads a typed or pasted code, or its link.
    pub fn parse(input: &str) -> Result<Self, MeetupCodeError> {
        let trimmed = input.trim();
        let code = match trimmed.get(..MEETUP_LINK_PREFIX.len()) {
            Some(prefix) if prefix.eq_ignore_ascii_case(MEETUP_LINK_PREFIX) => {
                trimmed.get(MEETUP_LINK_PREFIX.len()..).unwrap_or_default()
            }
            _ => trimmed,
        };
        let mut symbols = [0u8; MEETUP_SYMBOLS];
        let mut count = 0;
        for c in code.chars() {
            if c == '-' || c.is_whitespace() {
                continue;
            }
            let value = u8::try_from(c)
                .ok()
                .map(|b| match b.to_ascii_uppercase() {
                    b'O' => b'0',
                    b'I' | b'L' => b'1',
                    other => other,
                })
                .filter(|b| symbol_value(*b).is_some())
                .ok_or(MeetupCodeError::InvalidSymbol(c))?;
            if let Some(slot) = symbols.get_mut(count) {
                *slot = value;
            }
            count += 1;
        }
        if count != MEETUP_SYMBOLS {
            return Err(MeetupCodeError::WrongLength(count));
        }
        Ok(Self(symbols))
    }

    /// `XXXXX-XXXXX`.
    pub fn display(&self) -> String {
        let (a, b) = self.0.split_at(MEETUP_SYMBOLS / 2);
        format!("{}-{}", String::from_utf8_lossy(a), String::from_utf8_lossy(b))
    }

    /// `chingu://meetup/XXXXX-XXXXX`.
    pub fn link(&self) -> String {
        format!("{MEETUP_LINK_PREFIX}{}", self.display())
    }

    /// The canonical 10 ASCII symbols, no dash: the input to the DHT-key KDF.
    pub fn as_bytes(&self) -> &[u8; MEETUP_SYMBOLS] {
        &self.0
    }
}

/// The value of a canonical (upper-case) symbol.
fn symbol_value(symbol: u8) -> Option<u8> {
    ALPHABET
        .iter()
        .position(|s| *s == symbol)
        .and_then(|p| u8::try_from(p).ok())
}

impl std::fmt::Display for MeetupCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.display())
    }
}

impl std::fmt::Debug for MeetupCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MeetupCode({})", self.display())
    }
}

impl TryFrom<String> for MeetupCode {
    type Error = MeetupCodeError;
    fn try_from(s: String) -> Result<Self, MeetupCodeError> {
        Self::parse(&s)
    }
}

impl From<MeetupCode> for String {
    fn from(code: MeetupCode) -> String {
        code.display()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rand::SeedableRng;

    #[test]
    fn generate_display_parse_round_trip() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        for _ in 0..1000 {
            let code = MeetupCode::generate(&mut rng);
            assert!(code.value() < 1 << MEETUP_BITS);
            let shown = code.display();
            assert_eq!(shown.len(), 11);
            assert_eq!(&shown[5..6], "-");
            assert!(!shown.contains(['I', 'L', 'O', 'U']));
            assert_eq!(MeetupCode::parse(&shown), Ok(code));
            assert_eq!(MeetupCode::parse(&code.link()), Ok(code));
            assert_eq!(MeetupCode::from_value(code.value()), code);
        }
        assert_eq!(MeetupCode::from_value(0).display(), "00000-00000");
        assert_eq!(MeetupCode::from_value((1 << 50) - 1).display(), "ZZZZZ-ZZZZZ");
        assert_eq!(MeetupCode::from_value(1 << 50), MeetupCode::from_value(0));
    }

    #[test]
    fn forgiving_parsing() {
        let code = MeetupCode::parse("AB1C0-DEF9Z").unwrap();
        for typed in [
            "ab1c0-def9z",
            "AB1C0DEF9Z",
            " ab 1c0 - def 9z ",
            "aBlCo-dEf9z",  // l -> 1, o -> 0
            "ABIC0--DEF9Z", // I -> 1, doubled dash
            "CHINGU://MEETUP/ab1c0-def9z",
            "chingu://meetup/AB1C0 DEF9Z",
            "AB1C0\tDEF9Z\n",
        ] {
            assert_eq!(MeetupCode::parse(typed), Ok(code), "{typed:?}");
        }
        assert_eq!(code.as_bytes(), b"AB1C0DEF9Z");
        assert_eq!(code.to_string(), "AB1C0-DEF9Z");
        assert_eq!(format!("{code:?}"), "MeetupCode(AB1C0-DEF9Z)");
    }

    #[test]
    fn typos_are_refused() {
        let cases = [
            ("AB1C0-DEF9", MeetupCodeError::WrongLength(9)),
            ("AB1C0-DEF9ZZ", MeetupCodeError::WrongLength(11)),
            ("", MeetupCodeError::WrongLength(0)),
            ("chingu://meetup/", MeetupCodeError::WrongLength(0)),
            ("AB1C0-DEF9U", MeetupCodeError::InvalidSymbol('U')),
            ("AB1C0_DEF9Z", MeetupCodeError::InvalidSymbol('_')),
            ("AB1C0-DEF9Ü", MeetupCodeError::InvalidSymbol('Ü')),
            ("https://x/AB1C0-DEF9Z", MeetupCodeError::InvalidSymbol(':')),
        ];
        for (typed, err) in cases {
            assert_eq!(MeetupCode::parse(typed), Err(err.clone()), "{typed:?}");
        }
        assert_eq!(MeetupCodeError::WrongLength(0).reason(), "wrong_length");
        assert_eq!(MeetupCodeError::InvalidSymbol('U').reason(), "invalid_symbol");
    }

    #[test]
    fn persists_as_text() {
        let code = MeetupCode::from_value(123_456_789);
        let bytes = crate::wire::to_cbor(&code);
        assert_eq!(crate::wire::from_cbor::<MeetupCode>(&bytes, 100).unwrap(), code);
        assert!(crate::wire::from_cbor::<MeetupCode>(&crate::wire::to_cbor("nope"), 100).is_err());
    }

    proptest! {
        #[test]
        fn parse_never_panics(s in ".{0,40}") {
            let _ = MeetupCode::parse(&s);
        }

        #[test]
        fn parse_inverts_display(value in 0u64..(1 << 50)) {
            let code = MeetupCode::from_value(value);
            prop_assert_eq!(MeetupCode::parse(&code.display().to_lowercase()).unwrap().value(), value);
        }
    }
}
