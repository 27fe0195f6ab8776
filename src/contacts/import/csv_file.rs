//! The CSV reader (protocol/phone.md §4): which columns hold names and numbers, whatever
//! the exporter (Google, Outlook, Apple, Korean and Japanese headers), and the delimiter.

use super::*;

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

pub(super) fn import_csv(content: &str, out: &mut Collector<'_>) -> Result<(), ImportError> {
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
pub(super) fn detect_delimiter(content: &str) -> u8 {
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
