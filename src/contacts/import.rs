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
// vCard

/// The card being read.
struct Card {
    begin_line: usize,
    formatted_name: Option<String>,
    /// Decoded N and ORG values, assembled only if no FN names the card.
    structured_names: Vec<String>,
    organizations: Vec<String>,
    numbers: Vec<(usize, String)>,
}

impl Card {
    fn new(begin_line: usize) -> Self {
        Self {
            begin_line,
            formatted_name: None,
            structured_names: Vec::new(),
            organizations: Vec::new(),
            numbers: Vec::new(),
        }
    }

    /// Hands the card to `out` as one person named by FN, else N, else ORG.
    fn finish(self, out: &mut Collector<'_>) {
        let name = self
            .formatted_name
            .or_else(|| self.structured_names.iter().find_map(|value| structured_name(value)))
            .or_else(|| self.organizations.iter().find_map(|value| organization(value)));
        let numbers = self.numbers.iter().map(|(line, number)| (*line, number.as_str()));
        out.add_person(self.begin_line, name, numbers);
    }
}

fn import_vcard(content: &str, out: &mut Collector<'_>) {
    let mut card: Option<Card> = None;
    for line in LogicalLines::new(content) {
        let Some(property) = Property::parse(&line.text) else {
            out.issue(line.number, &line.text, Problem::MalformedLine);
            continue;
        };
        let is_vcard = property.value.trim().eq_ignore_ascii_case("VCARD");
        let Some(open) = card.as_mut() else {
            if property.is("BEGIN") && is_vcard {
                card = Some(Card::new(line.number));
            } else {
                out.issue(line.number, &line.text, Problem::OutsideCard);
            }
            continue;
        };
        if property.is("BEGIN") && is_vcard {
            out.issue(open.begin_line, "BEGIN:VCARD", Problem::MissingEnd);
            if let Some(done) = card.replace(Card::new(line.number)) {
                done.finish(out);
            }
        } else if property.is("END") && is_vcard {
            if let Some(done) = card.take() {
                done.finish(out);
            }
        } else if property.is("FN") {
            open.formatted_name = open
                .formatted_name
                .take()
                .or_else(|| clean_name(&unescape(&property.decoded())));
        } else if property.is("N") {
            open.structured_names.push(property.decoded().into_owned());
        } else if property.is("ORG") {
            open.organizations.push(property.decoded().into_owned());
        } else if property.is("TEL") {
            open.numbers.push((line.number, property.decoded().into_owned()));
        }
    }
    if let Some(open) = card {
        out.issue(open.begin_line, "BEGIN:VCARD", Problem::MissingEnd);
        open.finish(out);
    }
}

/// One unfolded content line and the physical line it starts on.
struct LogicalLine<'a> {
    number: usize,
    text: Cow<'a, str>,
}

/// Unfolds physical lines (RFC 6350 §3.2: CRLF or LF followed by one space or tab is
/// removed) and joins vCard 2.1 quoted-printable soft line breaks (a value ending in `=`).
struct LogicalLines<'a> {
    physical: Peekable<Enumerate<Split<'a, char>>>,
}

impl<'a> LogicalLines<'a> {
    fn new(content: &'a str) -> Self {
        Self {
            physical: content.split('\n').enumerate().peekable(),
        }
    }
}

impl<'a> Iterator for LogicalLines<'a> {
    type Item = LogicalLine<'a>;

    fn next(&mut self) -> Option<LogicalLine<'a>> {
        let (index, first) = loop {
            let (index, raw) = self.physical.next()?;
            let line = without_cr(raw);
            if !line.trim().is_empty() {
                break (index, line);
            }
        };
        // A stray continuation line with nothing before it stands on its own.
        let first = first.strip_prefix([' ', '\t']).unwrap_or(first);
        let mut text = Cow::Borrowed(first);
        // Whether the property is quoted-printable matters only once the text ends in '='
        // (most lines never do, and are parsed only once, by the caller).
        let mut quoted_printable = None;
        while let Some(&(_, raw)) = self.physical.peek() {
            let next = without_cr(raw);
            let soft_break = text.ends_with('=')
                && *quoted_printable
                    .get_or_insert_with(|| Property::parse(first).is_some_and(|p| p.is_quoted_printable()));
            if soft_break {
                text.to_mut().pop();
                text.to_mut().push_str(next);
            } else if let Some(rest) = next.strip_prefix([' ', '\t']).filter(|_| !next.trim().is_empty()) {
                text.to_mut().push_str(rest);
            } else {
                break;
            }
            self.physical.next();
        }
        Some(LogicalLine {
            number: index + 1,
            text,
        })
    }
}

fn without_cr(line: &str) -> &str {
    line.strip_suffix('\r').unwrap_or(line)
}

/// `[group "."] name *(";" param) ":" value`, borrowed from a logical line.
struct Property<'a> {
    /// The name without its group ("item1.TEL" → "TEL").
    name: &'a str,
    /// Everything between the name and the value separator, leading ';' included.
    params: &'a str,
    value: &'a str,
}

impl<'a> Property<'a> {
    fn parse(line: &'a str) -> Option<Self> {
        let name_end = line.find([';', ':'])?;
        let full_name = line.get(..name_end)?;
        let valid_name = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if !full_name.split('.').all(valid_name) {
            return None;
        }
        let name = full_name.rsplit('.').next()?;
        let mut quoted = false;
        for (index, byte) in line.bytes().enumerate().skip(name_end) {
            match byte {
                b'"' => quoted = !quoted,
                b':' if !quoted => {
                    let params = line.get(name_end..index)?;
                    let value = line.get(index + 1..)?;
                    return Some(Self { name, params, value });
                }
                _ => {}
            }
        }
        None
    }

    fn is(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name)
    }

    /// `ENCODING=QUOTED-PRINTABLE` (or the bare vCard 2.1 form `;QUOTED-PRINTABLE`).
    fn is_quoted_printable(&self) -> bool {
        !self.params.is_empty()
            && self
                .params
                .split([';', '=', ','])
                .any(|token| token.trim_matches('"').eq_ignore_ascii_case("QUOTED-PRINTABLE"))
    }

    /// The value with any quoted-printable encoding undone (assumed UTF-8).
    fn decoded(&self) -> Cow<'a, str> {
        if self.is_quoted_printable() {
            Cow::Owned(decode_quoted_printable(self.value))
        } else {
            Cow::Borrowed(self.value)
        }
    }
}

fn decode_quoted_printable(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while let Some(&byte) = bytes.get(index) {
        let escaped = match (byte, bytes.get(index + 1..index + 3)) {
            (b'=', Some(hex)) if hex.iter().all(u8::is_ascii_hexdigit) => std::str::from_utf8(hex)
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok()),
            _ => None,
        };
        match escaped {
            Some(value) => {
                decoded.push(value);
                index += 3;
            }
            None => {
                decoded.push(byte);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

/// Undoes vCard text escapes: `\n`/`\N` → newline, `\x` → `x` (`\\`, `\,`, `\;`…).
fn unescape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n' | 'N') => out.push('\n'),
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

/// Splits on `separator` where it is not escaped by a backslash.
fn split_unescaped(value: &str, separator: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut escaped = false;
    for (index, c) in value.char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == separator {
            parts.push(value.get(start..index).unwrap_or_default());
            start = index + c.len_utf8();
        }
    }
    parts.push(value.get(start..).unwrap_or_default());
    parts
}

/// `N:family;given;additional;prefix;suffix` (each possibly a comma list) → a display name.
fn structured_name(value: &str) -> Option<String> {
    let components: Vec<String> = split_unescaped(value, ';')
        .into_iter()
        .map(|component| {
            split_unescaped(component, ',')
                .into_iter()
                .map(unescape)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    let part = |index: usize| components.get(index).map_or("", String::as_str);
    assemble_name(part(0), part(1), part(2), part(3), part(4))
}

/// `ORG:name;unit;…` → the organisation name.
fn organization(value: &str) -> Option<String> {
    split_unescaped(value, ';')
        .first()
        .and_then(|name| clean_name(&unescape(name)))
}

// ---------------------------------------------------------------------------------------
// CSV

/// Which CSV columns mean what.
struct Columns {
    names: Vec<usize>,
    given: Option<usize>,
    middle: Option<usize>,
    family: Option<usize>,
    organizations: Vec<usize>,
    phones: Vec<usize>,
}

impl Columns {
    /// Classifies the header row; `None` when no column holds phone numbers.
    fn recognise(header: &csv::StringRecord) -> Option<Self> {
        let mut columns = Self {
            names: vec![],
            given: None,
            middle: None,
            family: None,
            organizations: vec![],
            phones: vec![],
        };
        for (index, title) in header.iter().enumerate() {
            let key = header_key(title);
            if is_phone_header(&key) {
                columns.phones.push(index);
            } else if NAME_HEADERS.contains(&key.as_str()) {
                columns.names.push(index);
            } else if GIVEN_HEADERS.contains(&key.as_str()) {
                columns.given = columns.given.or(Some(index));
            } else if MIDDLE_HEADERS.contains(&key.as_str()) {
                columns.middle = columns.middle.or(Some(index));
            } else if FAMILY_HEADERS.contains(&key.as_str()) {
                columns.family = columns.family.or(Some(index));
            } else if ORG_HEADERS.contains(&key.as_str()) {
                columns.organizations.push(index);
            }
        }
        (!columns.phones.is_empty()).then_some(columns)
    }

    /// The row's name: a full-name column, else the name parts, else the organisation.
    fn name(&self, record: &csv::StringRecord) -> Option<String> {
        let cell = |index: Option<usize>| index.and_then(|i| record.get(i)).unwrap_or("");
        let first_of = |indexes: &[usize]| indexes.iter().find_map(|&i| record.get(i).and_then(clean_name));
        first_of(&self.names)
            .or_else(|| assemble_name(cell(self.family), cell(self.given), cell(self.middle), "", ""))
            .or_else(|| first_of(&self.organizations))
    }

    fn import_row(&self, record: &csv::StringRecord, line: usize, out: &mut Collector<'_>) {
        let numbers = self
            .phones
            .iter()
            .filter_map(|&i| record.get(i))
            .flat_map(|cell| cell.split(CSV_MULTI_VALUE))
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(|number| (line, number));
        out.add_person(line, self.name(record), numbers);
    }
}

fn import_csv(content: &str, out: &mut Collector<'_>) -> Result<(), ImportError> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(detect_delimiter(content))
        .has_headers(false)
        .flexible(true)
        .from_reader(content.as_bytes());
    let mut records = reader.records();
    let header = match records.next() {
        Some(Ok(header)) => header,
        _ => return Err(ImportError::NoHeader),
    };
    let columns = Columns::recognise(&header).ok_or(ImportError::NoHeader)?;
    let mut lines = LineCounter::default();
    for record in records {
        match record {
            Ok(record) => columns.import_row(&record, lines.at(content, record.position()), out),
            Err(error) => {
                let line = lines.at(content, error.position());
                out.issue(line, "", Problem::BadRecord);
            }
        }
    }
    Ok(())
}

/// 1-based line numbers of CSV records, counted from their byte offsets (the csv crate's
/// own count, and its offsets, are one line early after CRLF line ends). Records come in order, so each call
/// counts only the newlines since the previous one.
#[derive(Default)]
struct LineCounter {
    byte: usize,
    newlines: usize,
}

impl LineCounter {
    fn at(&mut self, content: &str, position: Option<&csv::Position>) -> usize {
        let Some(byte) = position.and_then(|p| usize::try_from(p.byte()).ok()) else {
            return 0;
        };
        // With CRLF ends the reported start is the LF that ends the previous line.
        let bytes = content.as_bytes();
        let mut byte = byte.min(bytes.len());
        while matches!(bytes.get(byte), Some(b'\r' | b'\n')) {
            byte += 1;
        }
        if byte > self.byte {
            self.newlines += bytecount(bytes.get(self.byte..byte).unwrap_or_default());
            self.byte = byte;
        }
        self.newlines + 1
    }
}

fn bytecount(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b == b'\n').count()
}

/// The most frequent of `,` `;` tab outside quotes on the first non-blank line (ties and
/// single-column files: `,`).
fn detect_delimiter(content: &str) -> u8 {
    let header = content.lines().find(|line| !line.trim().is_empty()).unwrap_or("");
    let mut counts = [(b',', 0usize), (b';', 0), (b'\t', 0)];
    let mut quoted = false;
    for byte in header.bytes() {
        if byte == b'"' {
            quoted = !quoted;
        } else if !quoted {
            if let Some(entry) = counts.iter_mut().find(|(delimiter, _)| *delimiter == byte) {
                entry.1 += 1;
            }
        }
    }
    // max_by_key keeps the last maximum: scan in reverse so ',' wins ties.
    counts
        .iter()
        .rev()
        .max_by_key(|(_, count)| *count)
        .map_or(b',', |(delimiter, _)| *delimiter)
}

/// Lower case, `_` as space, whitespace collapsed.
fn header_key(title: &str) -> String {
    title
        .trim_start_matches('\u{FEFF}')
        .to_lowercase()
        .replace('_', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A listed phone header, Google's "phone <n> - value", or any header ending in "phone"
/// (optionally numbered): "phone", "telephone", "mobile phone", "business phone 2"…
fn is_phone_header(key: &str) -> bool {
    let google = key
        .strip_prefix("phone ")
        .and_then(|rest| rest.strip_suffix(" - value"))
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
    let unnumbered = key.trim_end_matches(|c: char| c.is_ascii_digit()).trim_end();
    google || unnumbered.ends_with("phone") || PHONE_HEADERS.contains(&key)
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
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn kr() -> Region {
        Region::default()
    }

    fn run(content: &str) -> ImportReport {
        import(content, &kr()).unwrap()
    }

    /// (name, number) for every number of every person, in order.
    fn pairs(report: &ImportReport) -> Vec<(&str, &str)> {
        report
            .persons
            .iter()
            .flat_map(|p| p.numbers.iter().map(|n| (p.name.as_str(), n.as_str())))
            .collect()
    }

    /// (line, name, numbers) of every person.
    fn persons(report: &ImportReport) -> Vec<(usize, &str, Vec<&str>)> {
        report
            .persons
            .iter()
            .map(|p| {
                (
                    p.line,
                    p.name.as_str(),
                    p.numbers.iter().map(PhoneNumber::as_str).collect(),
                )
            })
            .collect()
    }

    fn issues(report: &ImportReport) -> Vec<(usize, &str)> {
        report.issues.iter().map(|i| (i.line, i.error.as_str())).collect()
    }

    #[test]
    fn vcard_3_sample() {
        let content = "BEGIN:VCARD\r\n\
            VERSION:3.0\r\n\
            N:홍;길동;;;\r\n\
            FN:홍길동\r\n\
            ORG:Chingu Inc.\r\n\
            TEL;TYPE=CELL:010-1234-5678\r\n\
            TEL;TYPE=WORK,VOICE:+82 2-312-3456\r\n\
            EMAIL:gildong@example.com\r\n\
            END:VCARD\r\n\
            BEGIN:VCARD\r\n\
            VERSION:3.0\r\n\
            N:Kim;Minji;;;\r\n\
            item1.TEL;type=pref:+1 (201) 555-0123\r\n\
            item1.X-ABLabel:_$!<Mobile>!$_\r\n\
            END:VCARD\r\n";
        let report = run(content);
        assert_eq!(
            persons(&report),
            [
                (1, "홍길동", vec!["+821012345678", "+8223123456"]),
                (10, "Minji Kim", vec!["+12015550123"])
            ]
        );
        assert!(report.issues.is_empty());
        assert_eq!(report.duplicates_merged, 0);
        assert_eq!(report.numbers(), 3);
    }

    #[test]
    fn vcard_4_sample() {
        // After RFC 6350 §8, with numbers libphonenumber accepts.
        let content = "BEGIN:VCARD\n\
            VERSION:4.0\n\
            FN:Simon Perreault\n\
            N:Perreault;Simon;;;ing. jr,M.Sc.\n\
            BDAY:--0203\n\
            GENDER:M\n\
            LANG;PREF=1:fr\n\
            ORG;TYPE=work:Viagenie\n\
            ADR;TYPE=work:;Suite D2-630;2875 Laurier;\n \
            Quebec;QC;G1V 2M2;Canada\n\
            TEL;VALUE=uri;TYPE=\"work,voice\";PREF=1:tel:+1-418-656-9254;ext=102\n\
            TEL;VALUE=uri;TYPE=\"work,cell,voice,video,text\":tel:+1-418-262-6501\n\
            EMAIL;TYPE=work:simon.perreault@viagenie.ca\n\
            GEO;TYPE=work:geo:46.772673,-71.282945\n\
            KEY;TYPE=work;VALUE=uri:\n \
            http://www.viagenie.ca/simon.perreault/simon.asc\n\
            TZ:-0500\n\
            URL;TYPE=home:http://nomis80.org\n\
            END:VCARD\n";
        let report = run(content);
        // The extension is dropped, the number kept.
        assert_eq!(
            persons(&report),
            [(1, "Simon Perreault", vec!["+14186569254", "+14182626501"])]
        );
        assert!(report.issues.is_empty(), "{:?}", report.issues);
        assert_eq!(report.extensions_dropped, 1);
    }

    #[test]
    fn vcard_folding_escapes_and_name_fallbacks() {
        let content = "\u{FEFF}BEGIN:VCARD\r\n\
            VERSION:3.0\r\n\
            FN:Doe\\, John\\;\\nJr.\r\n\
            TEL:010-1111-\r\n 2222\r\n\
            \t \r\n\
            END:VCARD\r\n\
            BEGIN:VCARD\r\n\
            N:Ivanova;Anna;;Dr.;\r\n\
            TEL:010-3333-4444\r\n\
            END:VCARD\r\n\
            BEGIN:VCARD\r\n\
            ORG:Pizza\\, Inc.;Delivery\r\n\
            TEL:010-5555-6666\r\n\
            END:VCARD\r\n\
            BEGIN:VCARD\r\n\
            FN:   \r\n\
            TEL:010-7777-8888\r\n\
            END:VCARD\r\n\
            BEGIN:VCARD\r\n\
            FN:山田 太郎 🎉\r\n\
            TEL:+81 90-1234-5678\r\n\
            END:VCARD\r\n\
            begin:vcard\r\n\
            n:山田;花子\r\n\
            tel:+81 90 1111 2222\r\n\
            end:vcard\r\n";
        let report = run(content);
        assert_eq!(
            pairs(&report),
            [
                ("Doe, John; Jr.", "+821011112222"),
                ("Dr. Anna Ivanova", "+821033334444"),
                ("Pizza, Inc.", "+821055556666"),
                ("+82 10-7777-8888", "+821077778888"),
                ("山田 太郎 🎉", "+819012345678"),
                ("山田 花子", "+819011112222"),
            ]
        );
        assert!(report.issues.is_empty(), "{:?}", report.issues);
    }

    #[test]
    fn vcard_2_1_quoted_printable() {
        let content = "BEGIN:VCARD\r\n\
            VERSION:2.1\r\n\
            N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=EA=B9=80;=EC=B2=A0=EC=88=98;;;\r\n\
            FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=EA=B9=80=EC=B2=A0=EC=88=98=20=\r\n\
            =ED=8C=80=EC=9E=A5\r\n\
            TEL;CELL;PREF:010-2222-3333\r\n\
            END:VCARD\r\n\
            BEGIN:VCARD\r\n\
            VERSION:2.1\r\n\
            N;QUOTED-PRINTABLE:=EB=B0=95;=EC=98=81=ED=9D=AC\r\n\
            TEL;HOME:02-312-3456\r\n\
            END:VCARD\r\n";
        let report = run(content);
        assert_eq!(
            pairs(&report),
            [("김철수 팀장", "+821022223333"), ("박영희", "+8223123456")]
        );
        assert!(report.issues.is_empty(), "{:?}", report.issues);
    }

    #[test]
    fn vcard_mixed_valid_and_malformed() {
        let content = [
            "BEGIN:VCARD",                    // 1
            "VERSION:3.0",                    // 2
            "FN:Good One",                    // 3
            "TEL:010-1000-2000",              // 4
            "TEL:010-1234",                   // 5  too short
            "END:VCARD",                      // 6
            "BEGIN:VCARD",                    // 7  never ended
            "FN:No End",                      // 8
            "TEL:010-3000-4000",              // 9
            "BEGIN:VCARD",                    // 10
            "FN:Garbage Inside",              // 11
            "this line is garbage",           // 12
            ";;;",                            // 13
            "TEL;TYPE=cell:010-ABCD-5678",    // 14 letters
            "TEL;TYPE=cell:+82 10 5000 6000", // 15
            "END:VCARD",                      // 16
            "stray text between cards",       // 17
            "NOTE:between cards",             // 18
            "",                               // 19
            "BEGIN:VCARD",                    // 20
            "FN:Truncated",                   // 21
            "TEL:+82-10-7000-8000",           // 22
        ]
        .join("\n");
        let report = run(&content);
        assert_eq!(
            pairs(&report),
            [
                ("Good One", "+821010002000"),
                ("No End", "+821030004000"),
                ("Garbage Inside", "+821050006000"),
                ("Truncated", "+821070008000"),
            ]
        );
        assert_eq!(
            issues(&report),
            [
                (5, "invalid_for_region"),
                (7, "missing_end"),
                (12, "malformed_line"),
                (13, "malformed_line"),
                (14, "invalid_characters"),
                (17, "malformed_line"),
                (18, "outside_card"),
                (20, "missing_end"),
            ]
        );
        assert_eq!(report.issues[0].input, "010-1234");
        assert_eq!(report.issues[3].input, ";;;");
    }

    #[test]
    fn csv_english_and_duplicates() {
        let content = "Name,Phone,Email\n\
            Alice,010-1234-5678,alice@example.com\n\
            \"Bob, Jr.\",\"+82 10 2222 3333\",\n\
            ,010 1234 5678,\n\
            Carol,not a number,\n\
            \n\
            Dave,,dave@example.com\n\
            Alice Again,+821012345678,\n";
        let report = run(content);
        assert_eq!(
            pairs(&report),
            [("Alice", "+821012345678"), ("Bob, Jr.", "+821022223333")]
        );
        assert_eq!(report.duplicates_merged, 2);
        assert_eq!(issues(&report), [(5, "invalid_characters")]);
    }

    #[test]
    fn duplicates_keep_the_first_non_empty_name() {
        let content = "BEGIN:VCARD\nTEL:010-1234-5678\nEND:VCARD\n\
            BEGIN:VCARD\nFN:Named Later\nTEL:+82 10 1234 5678\nTEL:01012345678\nEND:VCARD\n\
            BEGIN:VCARD\nFN:Ignored\nTEL:010.1234.5678\nEND:VCARD\n";
        let report = run(content);
        assert_eq!(pairs(&report), [("Named Later", "+821012345678")]);
        assert_eq!(report.duplicates_merged, 3);
    }

    #[test]
    fn csv_korean_and_japanese_headers() {
        let korean = "\u{FEFF}이름,휴대폰,메모\n홍길동,010-1234-5678,친구\n김영희,010 9876 5432,\n";
        let report = run(korean);
        assert_eq!(
            pairs(&report),
            [("홍길동", "+821012345678"), ("김영희", "+821098765432")]
        );
        let japanese = "氏名,電話番号\n山田太郎,090-1234-5678\n";
        let report = import(japanese, &"JP".parse().unwrap()).unwrap();
        assert_eq!(pairs(&report), [("山田太郎", "+819012345678")]);
        let split = "성,이름,전화번호\n홍,길동,010-1234-5678\n";
        // "이름" alone is a full-name column; the family column is then unused.
        assert_eq!(pairs(&run(split)), [("길동", "+821012345678")]);
        let parts = "Last Name,First Name,Mobile Phone\n홍,길동,010-1234-5678\nSmith,John,010-2222-3333\n";
        assert_eq!(
            pairs(&run(parts)),
            [("홍길동", "+821012345678"), ("John Smith", "+821022223333")]
        );
    }

    #[test]
    fn csv_google_export() {
        let content = "First Name,Middle Name,Last Name,Organization Name,E-mail 1 - Label,E-mail 1 - Value,\
            Phone 1 - Label,Phone 1 - Value,Phone 2 - Label,Phone 2 - Value\n\
            Minji,,Kim,,* Home,minji@example.com,Mobile,+82 10-1234-5678 ::: 010-2345-6789,Work,02-312-3456\n\
            ,,,Chingu Café,,,Work,+82 2-3123-4567,,\n\
            Broken,,,,,,Mobile,12 ::: 010-3456-7890,,\n";
        let report = run(content);
        assert_eq!(
            pairs(&report),
            [
                ("Minji Kim", "+821012345678"),
                ("Minji Kim", "+821023456789"),
                ("Minji Kim", "+8223123456"),
                ("Chingu Café", "+82231234567"),
                ("Broken", "+821034567890"),
            ]
        );
        assert_eq!(issues(&report), [(4, "invalid_for_region")]);
        assert_eq!(report.issues[0].input, "12");
    }

    #[test]
    fn csv_semicolon_tab_and_multiline_records() {
        let content = "Display Name;Telephone\r\n\"Müller; Hans\";\"0170 1234567\"\r\n";
        let report = import(content, &"DE".parse().unwrap()).unwrap();
        assert_eq!(pairs(&report), [("Müller; Hans", "+491701234567")]);
        let tabbed = "full_name\tmobile\nAlice\t010-1234-5678\n";
        assert_eq!(pairs(&run(tabbed)), [("Alice", "+821012345678")]);
        let multiline = "name,phone\n\"Two\nLines\",010-1234\nOk,010-1234-5678\n";
        let report = run(multiline);
        assert_eq!(pairs(&report), [("Ok", "+821012345678")]);
        assert_eq!(issues(&report), [(2, "invalid_for_region")]);
    }

    #[test]
    fn fatal_errors() {
        assert_eq!(import("", &kr()), Err(ImportError::Empty));
        assert_eq!(import("\u{FEFF} \r\n\t\n", &kr()), Err(ImportError::Empty));
        assert_eq!(
            import("name,email\nAlice,a@example.com\n", &kr()),
            Err(ImportError::NoHeader)
        );
        assert_eq!(import("Alice,010-1234-5678\n", &kr()), Err(ImportError::NoHeader));
        assert_eq!(
            import("PK\u{3}\u{4}\u{14}\0\0\0\u{8}\0", &kr()),
            Err(ImportError::Binary)
        );
        let replaced: String = "\u{FFFD}\u{FFFD}x\u{1}".repeat(50);
        assert_eq!(import(&replaced, &kr()), Err(ImportError::Binary));
        let huge = " ".repeat(MAX_IMPORT_BYTES + 1);
        assert_eq!(import(&huge, &kr()), Err(ImportError::TooLarge));
        let reasons = [
            ImportError::Empty,
            ImportError::TooLarge,
            ImportError::Binary,
            ImportError::NoHeader,
        ];
        assert_eq!(
            reasons.map(|e| e.reason()),
            ["empty", "too_large", "binary", "no_header"]
        );
    }

    #[test]
    fn detection() {
        assert_eq!(detect_format("\u{FEFF}\r\n  begin:vcard\r\n"), Format::VCard);
        assert_eq!(detect_format("BEGIN:VCARD"), Format::VCard);
        assert_eq!(detect_format("name,phone\n"), Format::Csv);
        assert_eq!(detect_format("BEGIN:VCALENDAR\n"), Format::Csv);
        assert_eq!(detect_delimiter("a;b;\"c,d,e\"\n"), b';');
        assert_eq!(detect_delimiter("a,b;c\n"), b',');
        assert_eq!(detect_delimiter("single\n"), b',');
    }

    #[test]
    fn names_are_cleaned_and_bounded() {
        assert_eq!(clean_name("  Kim \t\n Minji  "), Some("Kim Minji".into()));
        assert_eq!(clean_name(" \u{7} "), None);
        let long = "가".repeat(30); // 90 bytes
        let cut = clean_name(&long).unwrap();
        assert_eq!(cut.len(), 63);
        assert!(cut.chars().all(|c| c == '가'));
        let words = format!("{} tail", "a".repeat(63));
        assert_eq!(clean_name(&words).unwrap(), "a".repeat(crate::text::MAX_NAME_CHARS));
        assert_eq!(clean_name("evil\u{202e}name").as_deref(), Some("evil name"));
        assert_eq!(clean_name("👨‍👩‍👧 family").as_deref(), Some("👨‍👩‍👧 family"));
        assert_eq!(assemble_name("", "", "", "", ""), None);
    }

    #[test]
    fn issue_input_is_truncated() {
        let content = format!("name,phone\nX,{}\n", "9".repeat(100));
        let report = run(&content);
        assert_eq!(report.issues[0].input.chars().count(), MAX_ISSUE_INPUT_CHARS);
        assert_eq!(report.issues[0].error, "too_long");
    }

    #[test]
    fn report_serialises() {
        let report = run("name,phone\nAlice,010-1234-5678\nBob,1\n");
        let json = serde_json::to_string(&report).unwrap();
        assert_eq!(serde_json::from_str::<ImportReport>(&json).unwrap(), report);
    }

    fn sample(file: &str) -> ImportReport {
        let path = format!("{}/tests/data/{file}", env!("CARGO_MANIFEST_DIR"));
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        import(&decode(&bytes), &kr()).unwrap()
    }

    #[test]
    fn android_vcard_2_1_export() {
        let report = sample("android-2.1.vcf");
        assert_eq!(
            persons(&report),
            [
                (1, "김민지", vec!["+821012345678", "+8223123456", "+82231234567"]),
                (
                    10,
                    "박서준 (회사 동기) 이름이 아주 길어서 두 줄로",
                    vec!["+821022223333"]
                ),
                (21, "Pizza Place", vec!["+8215881234", "+821011112222"]),
                (34, "Bad\u{FFFD} Byte", vec!["+821044445555"]),
            ]
        );
        // The bad byte spoils one number; the garbage line and a short number are reported.
        assert_eq!(
            issues(&report),
            [
                (31, "invalid_for_region"),
                (33, "malformed_line"),
                (38, "invalid_characters")
            ]
        );
        assert_eq!(report.extensions_dropped, 1);
    }

    #[test]
    fn ios_vcard_3_0_export() {
        let report = sample("ios-3.0.vcf");
        assert_eq!(
            persons(&report),
            [
                (1, "山田 太郎", vec!["+819012345678", "+81312345678"]),
                (15, "Yuki Kim", vec!["+821098765432", "+12015550123"]),
            ]
        );
        // 090‐1234‐5678 (U+2010 hyphens) has no country code: read in KR it is no number.
        assert_eq!(issues(&report), [(11, "invalid_for_region")]);
        assert_eq!(report.extensions_dropped, 2);
    }

    #[test]
    fn vcard_4_0_export() {
        let report = sample("vcard-4.0.vcf");
        assert_eq!(
            persons(&report),
            [
                (
                    1,
                    "Simon Perreault",
                    vec!["+14186569254", "+14182626501", "+12015550123"]
                ),
                (10, "이서연", vec!["+821055556666"]),
            ]
        );
        assert!(report.issues.is_empty(), "{:?}", report.issues);
    }

    #[test]
    fn google_csv_export() {
        let report = sample("google.csv");
        assert_eq!(
            persons(&report),
            [
                (2, "김민지", vec!["+821012345678", "+821023456789", "+8223123456"]),
                (3, "Chingu Café", vec!["+82231234567"]),
                (4, "Yuki Tanaka", vec!["+819011112222"]),
                (7, "Sam Lee", vec!["+12015550199"]),
            ]
        );
        assert_eq!(issues(&report), [(6, "invalid_for_region")]);
    }

    #[test]
    fn outlook_csv_export() {
        let report = sample("outlook.csv");
        assert_eq!(
            persons(&report),
            [
                (2, "Jiho Choi", vec!["+8223123456", "+821033334444"]),
                (3, "Corner Shop", vec!["+821055556666"]),
                (4, "Hana Yoon", vec!["+821077778888"]),
            ]
        );
        assert!(report.issues.is_empty(), "{:?}", report.issues);
        assert_eq!(report.duplicates_merged, 1);
    }

    #[test]
    fn a_person_is_one_entry_and_keeps_numbers_others_do_not_have() {
        let content = "name,mobile,home phone,work phone\n\
            Alice,010-1111-2222,02-312-3456,010-1111-2222\n\
            Bob,010-3333-4444,02-312-3456,\n\
            Carol,02-312-3456,,\n";
        let report = run(content);
        assert_eq!(
            persons(&report),
            [
                (2, "Alice", vec!["+821011112222", "+8223123456"]),
                (3, "Bob", vec!["+821033334444"]),
            ]
        );
        assert_eq!(report.duplicates_merged, 3);
    }

    #[test]
    fn extensions_are_dropped_and_numbers_kept() {
        let content = "name,phone\n\
            A,+1 201-555-0123 ext. 4321\n\
            B,+1 201-555-0124 x123\n\
            C,+1 201-555-0125;ext=101\n\
            D,tel:+1-201-555-0126;ext=9\n\
            E,02-312-3456 (내선 204)\n";
        let report = run(content);
        assert_eq!(
            pairs(&report),
            [
                ("A", "+12015550123"),
                ("B", "+12015550124"),
                ("C", "+12015550125"),
                ("D", "+12015550126"),
                ("E", "+8223123456"),
            ]
        );
        assert_eq!(report.extensions_dropped, 5);
        assert!(report.issues.is_empty(), "{:?}", report.issues);
    }

    #[test]
    fn decoding_never_fails_the_file() {
        let mut bytes = b"name,phone\nAlice,010-1234-5678\nBo".to_vec();
        bytes.push(0xFF);
        bytes.extend_from_slice(b"b,010-2222-3333\nCarol,010-44\xC3\x28-5555\n");
        let report = import(&decode(&bytes), &kr()).unwrap();
        assert_eq!(
            pairs(&report),
            [("Alice", "+821012345678"), ("Bo\u{FFFD}b", "+821022223333")]
        );
        assert_eq!(issues(&report), [(4, "invalid_characters")]);
        // UTF-16 with a byte-order mark, as some Windows tools write.
        let text = "\u{FEFF}이름,전화번호\r\n홍길동,010-1234-5678\r\n";
        let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        for bytes in [le, be] {
            assert_eq!(pairs(&run(&decode(&bytes))), [("홍길동", "+821012345678")]);
        }
        assert_eq!(decode(b"plain"), "plain");
        assert_eq!(decode(&[0xFF, 0xFE, 0x41]), "\u{FFFD}");
    }

    #[test]
    fn persons_from_a_client_are_checked() {
        let input: Vec<PersonInput> = serde_json::from_str(
            r#"[
                {"name": "  Kim\tMinji ", "numbers": ["+821012345678", "010-2222-3333", "+821012345678"], "line": 3},
                {"name": "", "numbers": ["+821044445555"]},
                {"name": "Nobody", "numbers": ["+8210"], "line": 9}
            ]"#,
        )
        .unwrap();
        let report = checked_persons(input);
        assert_eq!(
            persons(&report),
            [
                (3, "Kim Minji", vec!["+821012345678"]),
                (0, "+82 10-4444-5555", vec!["+821044445555"])
            ]
        );
        assert_eq!(issues(&report), [(3, "not_e164"), (9, "invalid_for_region")]);
        assert_eq!(report.duplicates_merged, 1);
        let unknown = serde_json::from_str::<Vec<PersonInput>>(r#"[{"name": "x", "numbers": [], "phone": "1"}]"#);
        assert!(unknown.is_err(), "unknown fields are refused");
    }

    /// A vCard file of `count` cards with one synthetic number each.
    pub(crate) fn synthetic_vcard(count: u32) -> String {
        let mut content = String::new();
        for i in 0..count {
            let phone = crate::phone::synthetic(i);
            content.push_str(&format!(
                "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Person;Number {i};;;\r\nFN:Number {i} Person\r\n\
                 TEL;TYPE=CELL:{}\r\nEMAIL:p{i}@example.com\r\nEND:VCARD\r\n",
                crate::phone::format_national(&phone)
            ));
        }
        content
    }

    /// This thread's CPU time (user + system) in seconds, from `/proc/thread-self/stat`
    /// (clock ticks of 10 ms): unlike wall time, it does not grow when other processes
    /// share the cores.
    fn thread_cpu_secs() -> f64 {
        let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap_or_default();
        let fields: Vec<&str> = stat.rsplit(')').next().unwrap_or_default().split_whitespace().collect();
        let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
        // After the command name: state is field 0, utime 11, stime 12.
        (ticks(11) + ticks(12)) / 100.0
    }

    /// `cargo test --lib -- --ignored --nocapture import_speed` (BENCHMARKS.md).
    #[test]
    #[ignore]
    fn import_speed() {
        let content = synthetic_vcard(100_000);
        let (started, cpu) = (std::time::Instant::now(), thread_cpu_secs());
        let report = run(&content);
        let (elapsed, cpu) = (started.elapsed(), thread_cpu_secs() - cpu);
        assert_eq!(report.persons.len(), 100_000);
        println!(
            "100 000-card vCard ({} KiB) parsed in {:.2} s wall, {cpu:.2} s CPU",
            content.len() / 1024,
            elapsed.as_secs_f64()
        );
    }

    proptest! {
        #[test]
        fn arbitrary_text_never_panics(content in "\\PC{0,400}") {
            let _ = import(&content, &kr());
        }

        #[test]
        fn vcard_like_text_never_panics(lines in prop::collection::vec(
            prop::sample::select(vec![
                "BEGIN:VCARD", "END:VCARD", "FN:A\\", "N:;;", "N:a\\;b;c", "TEL:010-1234-5678", "TEL:+",
                "TEL;ENCODING=QUOTED-PRINTABLE:=3", "FN;QUOTED-PRINTABLE:=E", "=", " folded", "\t", "",
                "item1.TEL;TYPE=\"a:b\":tel:+82-10-1234-5678", "x.y.:z", ":", ";", "\r", "ORG:\\",
            ]),
            0..40,
        )) {
            let _ = import(&lines.join("\n"), &kr());
        }

        #[test]
        fn csv_like_text_never_panics(rows in prop::collection::vec("[a-z0-9 ,;\"\n:+-]{0,30}", 0..20)) {
            let _ = import(&format!("name,phone 1 - value\n{}", rows.join("\n")), &kr());
        }
    }
}
