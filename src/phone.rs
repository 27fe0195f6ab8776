//! Phone numbers: turning what people type into the canonical E.164 key chingu uses
//! everywhere (contacts, conversation ids, derived DHT keys).
//!
//! [`normalize`] accepts the formats people actually type or export ("010-1234-5678",
//! "+82 10 1234 5678", "(201) 555-0123", "tel:+1-201-555-0123", full-width and other
//! Unicode digits…), reduces them to an optional `+` and ASCII digits, and lets the
//! `phonenumber` crate (libphonenumber metadata) decide what the digits mean and whether
//! they form a valid number. No numbering rule is hand-written here. The exact rules are
//! normative and written down in `protocol/phone.md`; `protocol/vectors/phone.json` pins them.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use phonenumber::metadata::DATABASE;
use phonenumber::{country, Mode};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Longest accepted input, in Unicode scalar values (before any trimming).
pub const MAX_INPUT_CHARS: usize = 32;

/// Longest accepted `tel:` URI, parameters included, in Unicode scalar values (its number
/// part alone is still held to [`MAX_INPUT_CHARS`]).
pub const MAX_URI_CHARS: usize = 96;

/// Most digits an E.164 number has (country code included).
pub const MAX_E164_DIGITS: usize = 15;

/// How many distinct numbers [`synthetic`] can produce (indexes `0..SYNTHETIC_CAPACITY`).
///
/// Slightly below 10^8 because libphonenumber treats 010-5970-0000 … 010-5999-9999 as
/// unassigned; [`synthetic`] skips that block.
pub const SYNTHETIC_CAPACITY: u32 = 100_000_000 - SYNTHETIC_GAP_LEN;

/// First 8-digit subscriber part (after "+8210") that libphonenumber rejects.
const SYNTHETIC_GAP_START: u32 = 59_700_000;

/// Size of the rejected block starting at [`SYNTHETIC_GAP_START`].
const SYNTHETIC_GAP_LEN: u32 = 300_000;

/// The first code point (digit zero) of every Unicode 14.0 decimal-digit (`Nd`) run; each
/// run is exactly ten consecutive code points with values 0..=9.
const DIGIT_ZEROS: [u32; 66] = [
    0x0030, 0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66, 0x0CE6, 0x0D66, 0x0DE6,
    0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90, 0x1B50, 0x1BB0, 0x1C40,
    0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10, 0x104A0, 0x10D30, 0x11066, 0x110F0,
    0x11136, 0x111D0, 0x112F0, 0x11450, 0x114D0, 0x11650, 0x116C0, 0x11730, 0x118E0, 0x11950, 0x11C50, 0x11D50,
    0x11DA0, 0x16A60, 0x16AC0, 0x16B50, 0x1D7CE, 0x1D7D8, 0x1D7E2, 0x1D7EC, 0x1D7F6, 0x1E140, 0x1E2F0, 0x1E950,
    0x1FBF0,
];

/// Why a phone number (or region code) was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    /// Nothing but whitespace was given.
    #[error("no phone number given")]
    Empty,
    /// The input is longer than [`MAX_INPUT_CHARS`].
    #[error("longer than {MAX_INPUT_CHARS} characters")]
    TooLong,
    /// A character that is neither a digit, a leading `+`, nor a visual separator
    /// (letters, `*`, `#`, a second or misplaced `+`…).
    #[error("contains characters that cannot appear in a phone number")]
    InvalidCharacters,
    /// A `tel:` URI with an `ext` parameter: an extension does not identify a person.
    #[error("has an extension; only whole numbers can be contacts")]
    Extension,
    /// The digits could not be parsed as a phone number at all.
    #[error("not a phone number")]
    NotANumber,
    /// The digits parse but do not form a valid number of the country they belong to.
    #[error("not a valid number for its country")]
    InvalidForRegion,
    /// The region is not an ISO 3166 alpha-2 code known to the numbering metadata.
    #[error("unknown region (expected an ISO 3166 alpha-2 code such as KR, JP, US)")]
    UnknownRegion,
    /// Not a canonical E.164 string ("+" then digits, exactly as [`normalize`] produces).
    #[error("not a normalised E.164 number")]
    NotE164,
}

impl PhoneError {
    /// A stable snake_case name for counters, logs and import issues.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::Empty => "empty",
            Self::TooLong => "too_long",
            Self::InvalidCharacters => "invalid_characters",
            Self::Extension => "extension",
            Self::NotANumber => "not_a_number",
            Self::InvalidForRegion => "invalid_for_region",
            Self::UnknownRegion => "unknown_region",
            Self::NotE164 => "not_e164",
        }
    }
}

/// The region whose national conventions apply to numbers typed without a country code:
/// an ISO 3166 alpha-2 code the numbering metadata knows. Defaults to `KR`.
///
/// Parses case-insensitively ("kr" → `KR`); displays and serialises as the upper-case code.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Region(country::Id);

impl Region {
    /// The upper-case ISO 3166 alpha-2 code.
    pub fn as_str(&self) -> &str {
        self.0.as_ref()
    }
}

impl Default for Region {
    fn default() -> Self {
        Self(country::KR)
    }
}

impl FromStr for Region {
    type Err = PhoneError;

    fn from_str(s: &str) -> Result<Self, PhoneError> {
        let code = s.trim().to_ascii_uppercase();
        if code.len() != 2 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(PhoneError::UnknownRegion);
        }
        let id = country::Id::from_str(&code).map_err(|_| PhoneError::UnknownRegion)?;
        match DATABASE.by_id(id.as_ref()) {
            Some(_) => Ok(Self(id)),
            None => Err(PhoneError::UnknownRegion),
        }
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Region {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Region {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = String::deserialize(deserializer)?;
        code.parse().map_err(serde::de::Error::custom)
    }
}

/// A valid phone number in canonical E.164 form ("+821012345678"): the key of a contact.
///
/// Only [`normalize`], [`FromStr`] (which accepts exactly what `normalize` outputs) and
/// [`synthetic`] create one. Serialises as the E.164 string. Deserialisation is
/// deliberately more lenient than `FromStr`: it checks only the E.164 shape (`+` and 2–15
/// digits, no leading zero), not libphonenumber's parsing and range validation, so stored
/// contacts keep loading after a metadata update retires a number range, and cheaply (it
/// is on every message's path). Only the node's own store is decoded this way; numbers
/// from the network or from people always go through [`normalize`] or `FromStr`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// The E.164 string, e.g. "+821012345678".
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A number already in canonical E.164 form, checked by shape only (no range
    /// validation): for looking up stored contacts cheaply. To accept user input, use
    /// [`normalize`].
    pub fn canonical(s: &str) -> Option<Self> {
        is_e164_shape(s).then(|| Self(s.to_owned()))
    }

    /// Checks the canonical E.164 shape without re-running libphonenumber (see the type
    /// docs): stored numbers were normalised when they were written, and decoding them
    /// sits on the hot path of every message.
    fn from_stored(s: String) -> Result<Self, PhoneError> {
        if is_e164_shape(&s) {
            Ok(Self(s))
        } else {
            Err(PhoneError::NotE164)
        }
    }

    /// Formats with libphonenumber; falls back to the E.164 string if it cannot reparse it.
    fn format(&self, mode: Mode) -> String {
        match phonenumber::parse(None, &self.0) {
            Ok(parsed) => parsed.format().mode(mode).to_string(),
            Err(_) => self.0.clone(),
        }
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for PhoneNumber {
    type Err = PhoneError;

    /// Accepts only a valid number already in canonical E.164 form.
    fn from_str(s: &str) -> Result<Self, PhoneError> {
        if !is_e164_shape(s) {
            return Err(PhoneError::NotE164);
        }
        let number = normalize(s, &Region::default())?;
        if number.0 == s {
            Ok(number)
        } else {
            Err(PhoneError::NotE164)
        }
    }
}

impl Serialize for PhoneNumber {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for PhoneNumber {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::from_stored(text).map_err(serde::de::Error::custom)
    }
}

/// Normalises a number as typed or exported into its E.164 key.
///
/// Numbers without a country code are read with `default_region`'s national conventions
/// (trunk prefix, international dialling prefix). The steps are normative
/// (`protocol/phone.md` §2): length limit, trimming, optional `tel:` URI, character mapping
/// (Unicode digits, separators, one leading `+`), interpretation, validation.
pub fn normalize(input: &str, default_region: &Region) -> Result<PhoneNumber, PhoneError> {
    let limit = if is_tel_uri(input.trim_start()) {
        MAX_URI_CHARS
    } else {
        MAX_INPUT_CHARS
    };
    if input.chars().nth(limit).is_some() {
        return Err(PhoneError::TooLong);
    }
    let text = input.trim();
    if text.is_empty() {
        return Err(PhoneError::Empty);
    }
    let (plus, digits) = match parse_tel_uri(text)? {
        Some(uri) => uri.scan()?,
        None => scan(text)?,
    };
    if digits.is_empty() {
        return Err(PhoneError::NotANumber);
    }
    if plus {
        return parse_international(&digits);
    }
    let primary = match after_idd(&digits, default_region) {
        Some(rest) => parse_international(rest),
        None => validated(phonenumber::parse(Some(default_region.0), &digits), None),
    };
    // "00" is the ITU-recommended international prefix; accept it even where the region's
    // own prefix differs (KR 001/002…, JP 010, US 011), but only when the region's reading
    // of the digits failed.
    match (primary, digits.strip_prefix("00")) {
        (Err(error), Some(rest)) => parse_international(rest).map_err(|_| error),
        (result, _) => result,
    }
}

/// Regions suggested first when a number is valid in several (chingu's users' most
/// likely regions), in this order; the others follow by code.
pub const LIKELY_REGIONS: &[&str] = &[
    "KR", "JP", "US", "CN", "TW", "HK", "SG", "VN", "TH", "PH", "ID", "IN", "GB", "DE", "FR", "CA", "AU",
];

/// The regions in which `input` reads as a valid number, for hints such as "did you mean
/// --region JP?" when it is not valid in the default region: the likely ones first, then
/// by code. Empty when the input is valid nowhere (or has a country code, which no region
/// changes).
pub fn regions_where_valid(input: &str) -> Vec<Region> {
    let mut regions: Vec<Region> = DATABASE
        .iter()
        .filter_map(|metadata| metadata.id().parse::<Region>().ok())
        .filter(|region| normalize(input, region).is_ok())
        .collect();
    let rank = |region: &Region| {
        LIKELY_REGIONS
            .iter()
            .position(|likely| *likely == region.as_str())
            .unwrap_or(LIKELY_REGIONS.len())
    };
    regions.sort_by(|a, b| rank(a).cmp(&rank(b)).then_with(|| a.as_str().cmp(b.as_str())));
    regions.dedup();
    regions
}

/// Formats a number the way its own country writes it nationally ("010-1234-5678").
pub fn format_national(number: &PhoneNumber) -> String {
    number.format(Mode::National)
}

/// Formats a number in international notation ("+82 10-1234-5678").
pub fn format_international(number: &PhoneNumber) -> String {
    number.format(Mode::International)
}

/// A distinct, valid Korean mobile number (+8210xxxxxxxx) for each index, for test nets.
///
/// # Panics
/// If `index >= SYNTHETIC_CAPACITY` (test-net sizes are far below it).
pub fn synthetic(index: u32) -> PhoneNumber {
    assert!(index < SYNTHETIC_CAPACITY, "synthetic phone index {index} out of range");
    let subscriber = if index >= SYNTHETIC_GAP_START {
        index + SYNTHETIC_GAP_LEN
    } else {
        index
    };
    PhoneNumber(format!("+8210{subscriber:08}"))
}

/// The start of every pseudonym: country code 999, which ITU-T reserves and no number
/// uses (libphonenumber refuses it, so no typed number is ever read as one).
const PSEUDONYM_PREFIX: &str = "+999";

impl PhoneNumber {
    /// The private number under which a node files a meetup member who shared no number
    /// (SPEC.md §7.5): `+999` and 12 digits from SHA-256 of its identity key. It only
    /// names the member in the node's own store: it is never shown, looked up or sent.
    pub fn pseudonym(identity_pk: &[u8; 32]) -> Self {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(identity_pk);
        let value = u64::from_be_bytes(digest[..8].try_into().expect("8 bytes")) % 1_000_000_000_000;
        Self(format!("{PSEUDONYM_PREFIX}{value:012}"))
    }

    /// Whether this is a [`PhoneNumber::pseudonym`] rather than a number.
    pub fn is_pseudonym(&self) -> bool {
        self.0.starts_with(PSEUDONYM_PREFIX) && self.0.len() == PSEUDONYM_PREFIX.len() + 12
    }
}

/// "+" followed by 2 to 15 ASCII digits, the first not zero.
fn is_e164_shape(s: &str) -> bool {
    match s.strip_prefix('+') {
        Some(digits) => {
            (2..=MAX_E164_DIGITS).contains(&digits.len())
                && digits.bytes().all(|b| b.is_ascii_digit())
                && !digits.starts_with('0')
        }
        None => false,
    }
}

/// Whether `text` starts with the `tel:` scheme (ASCII case-insensitive).
fn is_tel_uri(text: &str) -> bool {
    text.get(..4).is_some_and(|scheme| scheme.eq_ignore_ascii_case("tel:"))
}

/// The parts of a `tel:` URI (RFC 3966) that say which number it is.
struct TelUri<'a> {
    /// The number as written after the scheme.
    number: &'a str,
    /// A `phone-context` that is a global number prefix (`+1-914-555`), if any.
    context: Option<&'a str>,
}

impl TelUri<'_> {
    /// (leading plus?, digits): a local number with a global `phone-context` becomes the
    /// context's digits followed by the number's.
    fn scan(&self) -> Result<(bool, String), PhoneError> {
        if self.number.chars().nth(MAX_INPUT_CHARS).is_some() {
            return Err(PhoneError::TooLong);
        }
        let (plus, digits) = scan(self.number)?;
        match self.context {
            Some(context) if !plus => {
                let (context_plus, prefix) = scan(context)?;
                Ok((context_plus, prefix + &digits))
            }
            _ => Ok((plus, digits)),
        }
    }
}

/// Splits a `tel:` URI into its number and a global `phone-context`; `None` when `text` is
/// not a `tel:` URI. An `ext` parameter is refused: an extension does not identify a person.
fn parse_tel_uri(text: &str) -> Result<Option<TelUri<'_>>, PhoneError> {
    if !is_tel_uri(text) {
        return Ok(None);
    }
    let mut parts = text[4..].split(';');
    let number = parts.next().unwrap_or_default();
    let mut context = None;
    for param in parts {
        let (name, value) = param.split_once('=').unwrap_or((param, ""));
        let name = name.trim();
        if name.eq_ignore_ascii_case("ext") {
            return Err(PhoneError::Extension);
        }
        let value = value.trim();
        if name.eq_ignore_ascii_case("phone-context") && value.starts_with('+') {
            context = Some(value);
        }
    }
    Ok(Some(TelUri { number, context }))
}

/// Splits an extension off a number as address books write it: a `tel:` URI's `ext`
/// parameter, or a trailing `ext. 4321`, `ext 4321`, `extension 12`, `x123`, `#123`,
/// `내선 12` or `内線 12` (optionally in brackets). Returns the number without it (the text
/// unchanged when there is none) and the extension, if one was found. Import keeps the
/// number and drops the extension (`protocol/phone.md` §4.2); typed input does not use this.
pub fn split_extension(text: &str) -> (Cow<'_, str>, Option<String>) {
    let trimmed = text.trim();
    if is_tel_uri(trimmed) {
        let mut pieces = trimmed[4..].split(';');
        let number = pieces.next().unwrap_or_default();
        let mut kept = vec![number];
        let mut extension = None;
        for param in pieces {
            match param.split_once('=') {
                Some((name, value)) if name.trim().eq_ignore_ascii_case("ext") => {
                    extension = Some(value.trim().to_owned());
                }
                _ => kept.push(param),
            }
        }
        return match extension {
            Some(extension) => (Cow::Owned(format!("tel:{}", kept.join(";"))), Some(extension)),
            None => (Cow::Borrowed(text), None),
        };
    }
    match typed_extension(trimmed) {
        Some((number, extension)) => (Cow::Borrowed(number), Some(extension.to_owned())),
        None => (Cow::Borrowed(text), None),
    }
}

/// Words that introduce a typed extension, longest first where one ends another.
const EXTENSION_MARKERS: &[&str] = &["extension", "ext", "x", "ｘ", "#", "＃", "내선", "内線"];

/// `(number, extension digits)` when `text` ends in an extension marker and digits.
fn typed_extension(text: &str) -> Option<(&str, &str)> {
    // Every marker is a letter, '#' or not ASCII: most numbers have none of those.
    if !text
        .bytes()
        .any(|b| b.is_ascii_alphabetic() || b == b'#' || !b.is_ascii())
    {
        return None;
    }
    let text = text.trim_end_matches([')', ']', '）']).trim_end();
    let digits_start = text
        .char_indices()
        .rev()
        .take_while(|&(_, c)| decimal_digit(c).is_some())
        .last()?
        .0;
    let extension = &text[digits_start..];
    let before =
        text[..digits_start].trim_end_matches(|c: char| c.is_whitespace() || matches!(c, '.' | ':' | '=' | '：'));
    for marker in EXTENSION_MARKERS {
        let Some(start) = before.len().checked_sub(marker.len()) else {
            continue;
        };
        if !before.is_char_boundary(start) || !before[start..].eq_ignore_ascii_case(marker) {
            continue;
        }
        let prefix = &before[..start];
        // "fax 123" is not "x 123": an ASCII marker must not end a longer word.
        if marker.is_ascii() && prefix.chars().next_back().is_some_and(char::is_alphabetic) {
            continue;
        }
        let number = prefix.trim_end_matches(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '(' | '[' | '（'));
        if number.chars().any(|c| decimal_digit(c).is_some()) {
            return Some((number, extension));
        }
    }
    None
}

/// Maps the number text to (leading plus?, ASCII digits), dropping separators.
fn scan(number: &str) -> Result<(bool, String), PhoneError> {
    let mut plus = false;
    let mut digits = String::with_capacity(number.len());
    for c in number.chars() {
        if let Some(digit) = decimal_digit(c) {
            digits.push(digit);
        } else if c == '+' || c == '\u{FF0B}' {
            if plus || !digits.is_empty() {
                return Err(PhoneError::InvalidCharacters);
            }
            plus = true;
        } else if !is_separator(c) {
            return Err(PhoneError::InvalidCharacters);
        }
    }
    Ok((plus, digits))
}

/// The ASCII digit for any Unicode decimal digit (`Nd`), e.g. '０' or '٣'.
fn decimal_digit(c: char) -> Option<char> {
    if c.is_ascii() {
        return c.is_ascii_digit().then_some(c);
    }
    let code = u32::from(c);
    let zero = DIGIT_ZEROS.iter().find(|&&zero| (zero..zero + 10).contains(&code))?;
    char::from_digit(code - zero, 10)
}

/// Characters people put between digits: Unicode White_Space, libphonenumber's
/// punctuation set (without its extension marker 'x'), every Unicode dash (General
/// Category Pd, Unicode 15.1), the minus sign and tildes, and invisible format characters that phone
/// exports wrap numbers in (bidi marks, zero-width characters, BOM).
fn is_separator(c: char) -> bool {
    c.is_whitespace()
        || is_dash(c)
        || matches!(
            c,
            '.' | '('
                | ')'
                | '['
                | ']'
                | '/'
                | '~'
                | '\u{00AD}'
                | '\u{2212}'
                | '\u{223C}'
                | '\u{30FC}'
                | '\u{FF08}'
                | '\u{FF09}'
                | '\u{FF0E}'
                | '\u{FF0F}'
                | '\u{FF3B}'
                | '\u{FF3D}'
                | '\u{FF5E}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2053}'
                | '\u{2060}'
                | '\u{2066}'..='\u{2069}'
                | '\u{FEFF}'
        )
}

/// Unicode dash punctuation (General Category Pd, Unicode 15.1).
fn is_dash(c: char) -> bool {
    matches!(
        c,
        '-' | '\u{058A}' | '\u{05BE}' | '\u{1400}' | '\u{1806}' | '\u{2010}'
            ..='\u{2015}'
                | '\u{2E17}'
                | '\u{2E1A}'
                | '\u{2E3A}'
                | '\u{2E3B}'
                | '\u{2E40}'
                | '\u{2E5D}'
                | '\u{301C}'
                | '\u{3030}'
                | '\u{30A0}'
                | '\u{FE31}'
                | '\u{FE32}'
                | '\u{FE58}'
                | '\u{FE63}'
                | '\u{FF0D}'
                | '\u{10EAD}'
    )
}

/// The digits after `region`'s international dialling prefix, if the digits start with it
/// and the country code that follows does not start with 0.
fn after_idd<'a>(digits: &'a str, region: &Region) -> Option<&'a str> {
    let found = DATABASE.by_id(region.as_str())?.international_prefix()?.find(digits)?;
    if found.start() != 0 {
        return None;
    }
    digits.get(found.end()..).filter(|rest| !rest.starts_with('0'))
}

/// Parses digits that start with a country code, without any default region.
///
/// Never pass a default region here: phonenumber 0.3 would strip that region's trunk
/// prefix from the foreign national number ("+39 06…" with KR loses Rome's 0).
fn parse_international(digits: &str) -> Result<PhoneNumber, PhoneError> {
    let text = format!("+{digits}");
    validated(phonenumber::parse(None, &text), Some(&text))
}

/// Keeps parsed numbers that libphonenumber considers valid, that fit E.164's
/// [`MAX_E164_DIGITS`] (libphonenumber allows a few longer ones, e.g. in Germany) and
/// whose E.164 string reads back as the same valid number. The last check matters because
/// libphonenumber's trunk-prefix stripping is not idempotent: `+7 888 030 000 000` parses
/// as the valid `+78030000000`, which on its own is not valid; a key that [`FromStr`]
/// would refuse must never be produced. `read_without_region` is the text when it was
/// parsed without a default region: if the key is that text, it was just read back.
fn validated(
    parsed: Result<phonenumber::PhoneNumber, phonenumber::ParseError>,
    read_without_region: Option<&str>,
) -> Result<PhoneNumber, PhoneError> {
    let parsed = parsed.map_err(|_| PhoneError::NotANumber)?;
    let key = e164(&parsed);
    let reads_back = |key: &str| read_without_region == Some(key) || reads_back_as_itself(key);
    if parsed.is_valid() && is_e164_shape(&key) && reads_back(&key) {
        Ok(PhoneNumber(key))
    } else {
        Err(PhoneError::InvalidForRegion)
    }
}

/// Whether an E.164 string parses (without a default region) as a valid number whose
/// E.164 string is itself.
fn reads_back_as_itself(key: &str) -> bool {
    match phonenumber::parse(None, key) {
        Ok(again) => again.is_valid() && e164(&again) == key,
        Err(_) => false,
    }
}

/// The E.164 rendering of a parsed number.
fn e164(parsed: &phonenumber::PhoneNumber) -> String {
    parsed.format().mode(Mode::E164).to_string()
}

#[cfg(test)]
mod tests;
