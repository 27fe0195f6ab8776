//! Address-book import: vCard (2.1, 3.0, 4.0) and CSV exports turned into persons, each
//! with a name and every number they have (E.164).
//!
//! Sans-IO: callers read the file, turn its bytes into text with [`decode`] (which never
//! fails: a bad byte spoils only the entry it is in) and pass the text. Only a file that is
//! unusable as a whole is an error ([`ImportError`]); every bad entry becomes an
//! [`ImportIssue`] carrying the 1-based line where it starts, and the rest is imported.
//! Numbers keep their digits and lose any extension (`ext. 12`, `;ext=12`, `x12`). The vCard reader is a small
//! RFC 6350 line parser (unfolding, groups, parameters, escapes, vCard 2.1
//! quoted-printable) written here because the `ical` crate abandons every following card
//! after one malformed line and reports no per-card line numbers. The accepted formats are
//! normative and described in `protocol/phone.md` §4.

use std::borrow::Cow;
use std::collections::HashMap;
use std::iter::{Enumerate, Peekable};
use std::str::Split;

use serde::{Deserialize, Serialize};

use crate::phone::{format_international, normalize, split_extension, PhoneError, PhoneNumber, Region};

mod csv_file;
mod vcard_file;

use csv_file::import_csv;
use vcard_file::import_vcard;

/// Largest file accepted, in bytes.
pub const MAX_IMPORT_BYTES: usize = 32 * 1024 * 1024;

/// Longest contact name kept, in UTF-8 bytes (cut on a character boundary); names are
/// also cut to [`crate::text::MAX_NAME_CHARS`] characters.
pub const MAX_NAME_BYTES: usize = crate::text::MAX_NAME_BYTES;

/// Longest offending input quoted in an [`ImportIssue`], in characters.
pub const MAX_ISSUE_INPUT_CHARS: usize = 64;

/// Content is binary when more than one character in this many is suspicious (a control
/// character other than tab, line feed, form feed and carriage return, or U+FFFD).
const BINARY_ONE_IN: usize = 20;

/// Separator between several numbers in one CSV cell (Google Contacts exports).
const CSV_MULTI_VALUE: &str = ":::";

/// CSV headers (normalised: lower case, `_` as space, single spaces) naming the full name.
const NAME_HEADERS: &[&str] = &[
    "name",
    "full name",
    "fullname",
    "display name",
    "contact name",
    "이름",
    "성명",
    "名前",
    "氏名",
    "お名前",
    "表示名",
];

/// CSV headers naming the given name.
const GIVEN_HEADERS: &[&str] = &["first name", "given name", "名"];

/// CSV headers naming middle names.
const MIDDLE_HEADERS: &[&str] = &["middle name", "additional name"];

/// CSV headers naming the family name.
const FAMILY_HEADERS: &[&str] = &["last name", "family name", "surname", "성", "姓"];

/// CSV headers naming the organisation (name of last resort).
const ORG_HEADERS: &[&str] = &[
    "organization",
    "organisation",
    "company",
    "organization name",
    "organization 1 - name",
    "회사",
    "회사명",
    "会社",
    "会社名",
];

/// CSV headers holding phone numbers, besides "… phone [n]" and Google's "phone n - value".
const PHONE_HEADERS: &[&str] = &[
    "phone number",
    "mobile",
    "mobile number",
    "cell",
    "tel",
    "전화번호",
    "전화",
    "휴대폰",
    "휴대폰 번호",
    "휴대폰번호",
    "휴대전화",
    "핸드폰",
    "電話番号",
    "電話",
    "携帯",
    "携帯電話",
    "携帯番号",
    "携帯電話番号",
];

/// One person read from the address book: a vCard, or a CSV row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportedPerson {
    /// Cleaned display name (never empty: falls back to the first number, formatted).
    pub name: String,
    /// Every number of the person, normalised, distinct, in file order; never empty. A
    /// number an earlier person already has is left to that person.
    pub numbers: Vec<PhoneNumber>,
    /// 1-based line in the file where the entry starts (`BEGIN:VCARD`, or the CSV record).
    pub line: usize,
}

/// An entry that was skipped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportIssue {
    /// 1-based line in the file where the offending entry starts.
    pub line: usize,
    /// The offending text, cut to [`MAX_ISSUE_INPUT_CHARS`] characters.
    pub input: String,
    /// Stable reason: a [`PhoneError::reason`] for a rejected number, or `missing_end`,
    /// `malformed_line`, `outside_card` (vCard), `bad_record` (CSV).
    pub error: String,
}

/// What an import produced.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    /// The persons with at least one usable number, in file order.
    pub persons: Vec<ImportedPerson>,
    /// Skipped entries, in line order.
    pub issues: Vec<ImportIssue>,
    /// How many repeated numbers were folded into an earlier person (or repeated within one).
    pub duplicates_merged: usize,
    /// How many numbers lost an extension (`ext. 12`): the number itself was kept.
    #[serde(default)]
    pub extensions_dropped: usize,
}

impl ImportReport {
    /// How many distinct numbers the persons hold.
    pub fn numbers(&self) -> usize {
        self.persons.iter().map(|p| p.numbers.len()).sum()
    }
}

/// The file formats [`import`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// vCard 2.1, 3.0 or 4.0 (one or more `BEGIN:VCARD` … `END:VCARD`).
    VCard,
    /// Comma, semicolon or tab separated values with a header row.
    Csv,
}

/// Why a whole file could not be imported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    /// The file holds nothing but whitespace.
    #[error("the file is empty")]
    Empty,
    /// The file is larger than [`MAX_IMPORT_BYTES`].
    #[error("the file is larger than {MAX_IMPORT_BYTES} bytes")]
    TooLarge,
    /// The file is not text (NUL bytes, many control or replacement characters).
    #[error("the file is not a text address book")]
    Binary,
    /// A CSV file whose first row names no phone column.
    #[error("no phone column found in the CSV header row")]
    NoHeader,
}

impl ImportError {
    /// A stable snake_case name for counters and logs.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::Empty => "empty",
            Self::TooLarge => "too_large",
            Self::Binary => "binary",
            Self::NoHeader => "no_header",
        }
    }
}

/// A person as a client sends it (`contacts.import` with `persons`, after parsing a file
/// itself with [`import`]): the numbers in E.164.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonInput {
    /// The name (cleaned like a parsed one).
    pub name: String,
    /// The numbers, each canonical valid E.164 (`+821012345678`).
    pub numbers: Vec<String>,
    /// The line the person starts on in the client's file (0 if unknown).
    #[serde(default)]
    pub line: usize,
}

/// Checks persons a client sent: a number that is not canonical valid E.164 is an issue
/// at its person's line, a number seen before (in this call) is merged, a person left
/// without numbers is dropped, and names are cleaned as in a file.
pub fn checked_persons(input: Vec<PersonInput>) -> ImportReport {
    let mut report = ImportReport::default();
    let mut seen = std::collections::HashSet::new();
    for person in input {
        let mut numbers = Vec::new();
        for text in &person.numbers {
            match text.parse::<PhoneNumber>() {
                Ok(phone) if seen.insert(phone.clone()) => numbers.push(phone),
                Ok(_) => report.duplicates_merged += 1,
                Err(error) => report.issues.push(ImportIssue {
                    line: person.line,
                    input: text.chars().take(MAX_ISSUE_INPUT_CHARS).collect(),
                    error: error.reason().to_owned(),
                }),
            }
        }
        let Some(first) = numbers.first() else {
            continue;
        };
        let name = clean_name(&person.name).unwrap_or_else(|| format_international(first));
        report.persons.push(ImportedPerson {
            name,
            numbers,
            line: person.line,
        });
    }
    report
}

/// Turns a file's bytes into text:/// Turns a file's bytes into text: UTF-16 when it starts with a UTF-16 byte-order mark
/// (some Windows exports), UTF-8 otherwise (a UTF-8 BOM is kept for [`import`] to strip).
/// Invalid sequences become U+FFFD instead of failing the file: one bad byte spoils at most
/// the entry it is in (a number containing it is reported as an issue).
pub fn decode(bytes: &[u8]) -> Cow<'_, str> {
    let utf16 = |big_endian: bool| {
        let units = bytes[2..].chunks(2).map(|pair| match (pair, big_endian) {
            ([a, b], true) => u16::from_be_bytes([*a, *b]),
            ([a, b], false) => u16::from_le_bytes([*a, *b]),
            _ => 0xFFFD,
        });
        Cow::Owned(
            char::decode_utf16(units)
                .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
                .collect(),
        )
    };
    match bytes {
        [0xFF, 0xFE, ..] => utf16(false),
        [0xFE, 0xFF, ..] => utf16(true),
        _ => String::from_utf8_lossy(bytes),
    }
}

/// Which format `content` is: vCard when its first non-blank line (after an optional BOM)
/// is `BEGIN:VCARD` (any case), CSV otherwise.
pub fn detect_format(content: &str) -> Format {
    let first = strip_bom(content).lines().map(str::trim).find(|line| !line.is_empty());
    match first.and_then(|line| line.get(..11)) {
        Some(head) if head.eq_ignore_ascii_case("BEGIN:VCARD") => Format::VCard,
        _ => Format::Csv,
    }
}

/// Imports an address book, reading numbers without a country code in `default_region`.
pub fn import(content: &str, default_region: &Region) -> Result<ImportReport, ImportError> {
    if content.len() > MAX_IMPORT_BYTES {
        return Err(ImportError::TooLarge);
    }
    let content = strip_bom(content);
    if content.trim().is_empty() {
        return Err(ImportError::Empty);
    }
    if looks_binary(content) {
        return Err(ImportError::Binary);
    }
    let mut out = Collector::new(default_region);
    match detect_format(content) {
        Format::VCard => import_vcard(content, &mut out),
        Format::Csv => import_csv(content, &mut out)?,
    }
    Ok(out.finish())
}

/// Why a single entry was skipped (besides a rejected number).
#[derive(Debug, Clone, Copy)]
enum Problem {
    /// A number `normalize` rejected.
    Phone(PhoneError),
    /// A card not closed by `END:VCARD` before the next card or the end of the file.
    MissingEnd,
    /// A vCard line that is not `[group.]name[;params]:value`.
    MalformedLine,
    /// A vCard property outside `BEGIN:VCARD` … `END:VCARD`.
    OutsideCard,
    /// A CSV record the CSV reader rejected.
    BadRecord,
}

impl Problem {
    fn reason(self) -> &'static str {
        match self {
            Self::Phone(error) => error.reason(),
            Self::MissingEnd => "missing_end",
            Self::MalformedLine => "malformed_line",
            Self::OutsideCard => "outside_card",
            Self::BadRecord => "bad_record",
        }
    }
}

/// Accumulates persons (merging repeated numbers) and issues, whatever the format.
struct Collector<'r> {
    region: &'r Region,
    persons: Vec<Draft>,
    by_phone: HashMap<PhoneNumber, usize>,
    issues: Vec<ImportIssue>,
    duplicates_merged: usize,
    extensions_dropped: usize,
}

/// A person being collected (a name may still come from a later duplicate entry).
struct Draft {
    name: Option<String>,
    numbers: Vec<PhoneNumber>,
    line: usize,
}

impl<'r> Collector<'r> {
    fn new(region: &'r Region) -> Self {
        Self {
            region,
            persons: Vec::new(),
            by_phone: HashMap::new(),
            issues: Vec::new(),
            duplicates_merged: 0,
            extensions_dropped: 0,
        }
    }

    /// Adds one person starting at `line`, with `numbers` (each as written in the file,
    /// with the line it is on). Numbers an earlier person has stay with that person (who
    /// takes this name if it had none); a person left with no number is dropped.
    fn add_person<'n>(
        &mut self,
        line: usize,
        name: Option<String>,
        numbers: impl IntoIterator<Item = (usize, &'n str)>,
    ) {
        let index = self.persons.len();
        let mut draft = Draft {
            name,
            numbers: Vec::new(),
            line,
        };
        for (number_line, written) in numbers {
            let (number, extension) = split_extension(written);
            let phone = match normalize(&number, self.region) {
                Ok(phone) => phone,
                Err(error) => {
                    self.issue(number_line, written, Problem::Phone(error));
                    continue;
                }
            };
            self.extensions_dropped += usize::from(extension.is_some());
            match self.by_phone.get(&phone) {
                Some(&earlier) => {
                    self.duplicates_merged += 1;
                    if let Some(kept @ Draft { name: None, .. }) = self.persons.get_mut(earlier) {
                        kept.name.clone_from(&draft.name);
                    }
                }
                None => {
                    self.by_phone.insert(phone.clone(), index);
                    draft.numbers.push(phone);
                }
            }
        }
        if !draft.numbers.is_empty() {
            self.persons.push(draft);
        }
    }

    fn issue(&mut self, line: usize, input: &str, problem: Problem) {
        let input = input.chars().take(MAX_ISSUE_INPUT_CHARS).collect();
        self.issues.push(ImportIssue {
            line,
            input,
            error: problem.reason().to_owned(),
        });
    }

    fn finish(mut self) -> ImportReport {
        self.issues.sort_by_key(|issue| issue.line);
        let persons = self
            .persons
            .into_iter()
            .map(|draft| ImportedPerson {
                name: draft.name.unwrap_or_else(|| format_international(&draft.numbers[0])),
                numbers: draft.numbers,
                line: draft.line,
            })
            .collect();
        ImportReport {
            persons,
            issues: self.issues,
            duplicates_merged: self.duplicates_merged,
            extensions_dropped: self.extensions_dropped,
        }
    }
}

fn strip_bom(content: &str) -> &str {
    content.strip_prefix('\u{FEFF}').unwrap_or(content)
}

fn looks_binary(content: &str) -> bool {
    let mut total = 0usize;
    let mut suspicious = 0usize;
    for c in content.chars() {
        if c == '\0' {
            return true;
        }
        total += 1;
        if (c.is_control() && !matches!(c, '\t' | '\n' | '\u{0C}' | '\r')) || c == '\u{FFFD}' {
            suspicious += 1;
        }
    }
    suspicious * BINARY_ONE_IN > total
}

// ---------------------------------------------------------------------------------------
// Names (shared by both formats)

/// Builds a display name from parts. East Asian names (Hangul, kana, Han) put the family
/// name first, joined without a space when both parts are Hangul ("홍길동"); others read
/// "prefix given middle family suffix".
fn assemble_name(family: &str, given: &str, middle: &str, prefix: &str, suffix: &str) -> Option<String> {
    let (family, given) = (family.trim(), given.trim());
    let east_asian = family.chars().chain(given.chars()).any(is_east_asian);
    let joined = if east_asian
        && family
            .chars()
            .chain(given.chars())
            .all(|c| is_hangul(c) || c.is_whitespace())
    {
        format!("{family}{given}")
    } else if east_asian {
        format!("{family} {given}")
    } else {
        [prefix, given, middle, family, suffix].join(" ")
    };
    clean_name(&joined)
}

fn is_hangul(c: char) -> bool {
    matches!(c, '\u{AC00}'..='\u{D7A3}' | '\u{1100}'..='\u{11FF}' | '\u{3130}'..='\u{318F}')
}

fn is_east_asian(c: char) -> bool {
    is_hangul(c) || matches!(c, '\u{3040}'..='\u{30FF}' | '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}')
}

/// Trims, collapses whitespace, control characters and direction marks to single spaces,
/// and cuts to [`MAX_NAME_BYTES`] and [`crate::text::MAX_NAME_CHARS`] on a character
/// boundary. `None` when nothing is left.
fn clean_name(raw: &str) -> Option<String> {
    let mut name = String::new();
    for word in raw
        .split(|c: char| c.is_whitespace() || crate::text::is_unsafe(c))
        .filter(|w| !w.is_empty())
    {
        if name.len() >= MAX_NAME_BYTES {
            break;
        }
        if !name.is_empty() {
            name.push(' ');
        }
        name.push_str(word);
    }
    if name.len() > MAX_NAME_BYTES {
        let mut end = MAX_NAME_BYTES;
        while !name.is_char_boundary(end) {
            end -= 1;
        }
        name.truncate(end);
        name.truncate(name.trim_end().len());
    }
    if let Some((end, _)) = name.char_indices().nth(crate::text::MAX_NAME_CHARS) {
        name.truncate(end);
        name.truncate(name.trim_end().len());
    }
    (!name.is_empty()).then_some(name)
}

#[cfg(test)]
mod tests;
