//! The vCard reader (2.1, 3.0, 4.0; protocol/phone.md §4): a small RFC 6350 line parser —
//! unfolding, groups, parameters, escapes, vCard 2.1 quoted-printable.

use super::*;

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

pub(super) fn import_vcard(content: &str, out: &mut Collector<'_>) {
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
