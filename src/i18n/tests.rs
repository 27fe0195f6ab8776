use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use fluent_bundle::FluentError;

use super::*;

// ---- Reading the Fluent files -------------------------------------------------------
//
// fluent-syntax is not a direct dependency, so its AST (reachable through
// `FluentResource::entries` and `FluentMessage::value`) can be printed but not matched on.
// The tests read names from the AST's `Debug` dump: a name follows `Identifier { name: "`.
// Text is escaped in the dump (`\"`), so message text can't fake a match. Two checks
// keep this honest: the number of messages found must equal the number of message lines,
// and formatting with arguments for exactly the variables found must give no errors.

const MESSAGE: &str = "Message(Message { id: Identifier { name: \"";
const VARIABLE: &str = "VariableReference { id: Identifier { name: \"";
const REFERENCE: &str = "MessageReference { id: Identifier { name: \"";

/// The variables a message's value or attribute uses, and the messages it references.
#[derive(Debug, Default)]
struct Part {
    vars: BTreeSet<String>,
    refs: BTreeSet<String>,
}

/// The messages of a locale: id → part (`""` for the value, `".name"` for an attribute).
type Messages = BTreeMap<String, BTreeMap<String, Part>>;

/// The names that follow `needle` in a `Debug` dump of the Fluent AST.
fn names_after(dump: &str, needle: &str) -> BTreeSet<String> {
    dump.match_indices(needle)
        .filter_map(|(at, _)| {
            let rest = &dump[at + needle.len()..];
            rest.find('"').map(|end| rest[..end].to_owned())
        })
        .collect()
}

fn part(pattern: &impl std::fmt::Debug) -> Part {
    let dump = format!("{pattern:?}");
    Part {
        vars: names_after(&dump, VARIABLE),
        refs: names_after(&dump, REFERENCE),
    }
}

/// Every message of `lang` with its parts. Terms (`-name`) are locale-private and skipped.
fn messages(lang: Lang) -> Messages {
    let code = lang.code();
    let resource = FluentResource::try_new(lang.source().to_owned())
        .unwrap_or_else(|(_, errors)| panic!("{code}.ftl does not parse: {errors:?}"));
    let bundle = bundle(lang);
    let mut messages = Messages::new();
    for entry in resource.entries() {
        let dump = format!("{entry:?}");
        assert!(!dump.starts_with("Junk"), "{code}.ftl has junk: {dump}");
        let Some(rest) = dump.strip_prefix(MESSAGE) else {
            continue;
        };
        let id = rest[..rest.find('"').expect("a quoted id")].to_owned();
        let message = bundle.get_message(&id).expect("the bundle holds every parsed message");
        let mut parts = BTreeMap::new();
        if let Some(value) = message.value() {
            parts.insert(String::new(), part(value));
        }
        for attribute in message.attributes() {
            parts.insert(format!(".{}", attribute.id()), part(attribute.value()));
        }
        assert!(
            messages.insert(id.clone(), parts).is_none(),
            "{code}.ftl defines {id} twice"
        );
    }
    let message_lines = lang
        .source()
        .lines()
        .filter(|line| line.starts_with(|c: char| c.is_ascii_alphabetic()) && line.contains('='))
        .count();
    assert_eq!(
        messages.len(),
        message_lines,
        "{code}.ftl: the AST dump and the line count disagree on the number of messages"
    );
    messages
}

/// The variables a part needs: its own and those of the messages it references (Fluent
/// passes the arguments on).
fn needed_vars(messages: &Messages, id: &str, part: &str) -> BTreeSet<String> {
    let mut vars = BTreeSet::new();
    let mut seen = BTreeSet::from([id.to_owned()]);
    let mut todo: Vec<&Part> = messages.get(id).and_then(|parts| parts.get(part)).into_iter().collect();
    while let Some(part) = todo.pop() {
        vars.extend(part.vars.iter().cloned());
        for reference in &part.refs {
            if seen.insert(reference.clone()) {
                todo.extend(messages.get(reference).into_iter().flat_map(|parts| parts.values()));
            }
        }
    }
    vars
}

/// Formats one part with every variable it needs set to `sample`.
fn format_part(
    bundle: &FluentBundle<FluentResource>,
    messages: &Messages,
    id: &str,
    part: &str,
    sample: &FluentValue<'static>,
) -> (String, Vec<FluentError>) {
    let message = bundle.get_message(id).expect("the message exists");
    let pattern = match part.strip_prefix('.') {
        None => message.value().expect("the message has a value"),
        Some(name) => message.get_attribute(name).expect("the attribute exists").value(),
    };
    let mut args = FluentArgs::new();
    for var in needed_vars(messages, id, part) {
        args.set(var, sample.clone());
    }
    let mut errors = Vec::new();
    let text = bundle.format_pattern(pattern, Some(&args), &mut errors).into_owned();
    (text, errors)
}

/// Dummy arguments: numbers that hit every CLDR plural category of en, ko and ja, a
/// fraction and a string.
fn samples() -> Vec<(String, FluentValue<'static>)> {
    let mut samples: Vec<(String, FluentValue<'static>)> = [0, 1, 2, 3, 5, 11, 21, 101]
        .into_iter()
        .map(|n| (n.to_string(), FluentValue::from(n)))
        .collect();
    samples.push(("1.5".into(), FluentValue::from(1.5)));
    samples.push(("\"Ab\"".into(), FluentValue::from("Ab")));
    samples
}

fn assert_none(problems: Vec<String>) {
    assert!(
        problems.is_empty(),
        "{} problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

// ---- Reading the Rust sources -------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    Punct(char),
}

/// Splits Rust source into identifiers, string literals and punctuation, each with its
/// line, skipping comments, char literals, lifetimes and numbers: just enough lexing to
/// find lookups without being fooled by comments or strings that mention `tr!`.
fn rust_tokens(src: &str) -> Vec<(usize, Tok)> {
    let c: Vec<char> = src.chars().collect();
    let n = c.len();
    let at = |i: usize| c.get(i).copied().unwrap_or('\0');
    let mut lines = Vec::with_capacity(n);
    let mut line = 1;
    for &ch in &c {
        lines.push(line);
        if ch == '\n' {
            line += 1;
        }
    }
    // A string literal with escapes, starting after its opening quote; returns the
    // content (escapes roughly undone) and the index after the closing quote.
    let cooked = |mut i: usize| {
        let mut s = String::new();
        while i < n {
            match c[i] {
                '\\' => {
                    s.push(at(i + 1));
                    i += 2;
                }
                '"' => return (s, i + 1),
                ch => {
                    s.push(ch);
                    i += 1;
                }
            }
        }
        (s, n)
    };
    // A char literal or a lifetime/label, starting at its quote; returns the index after.
    let quote = |i: usize| {
        if at(i + 1) == '\\' {
            let mut j = i + 3;
            while j < n && c[j] != '\'' {
                j += 1;
            }
            j + 1
        } else if at(i + 2) == '\'' {
            i + 3
        } else {
            i + 1
        }
    };
    let mut toks = Vec::new();
    let mut i = 0;
    while i < n {
        let ch = c[i];
        if ch.is_whitespace() {
            i += 1;
        } else if ch == '/' && at(i + 1) == '/' {
            while i < n && c[i] != '\n' {
                i += 1;
            }
        } else if ch == '/' && at(i + 1) == '*' {
            let mut depth = 0;
            while i < n {
                if c[i] == '/' && at(i + 1) == '*' {
                    depth += 1;
                    i += 2;
                } else if c[i] == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if ch == '"' {
            let (s, end) = cooked(i + 1);
            toks.push((lines[i], Tok::Str(s)));
            i = end;
        } else if ch == '\'' {
            i = quote(i);
        } else if ch.is_alphabetic() || ch == '_' {
            let start = i;
            while i < n && (c[i].is_alphanumeric() || c[i] == '_') {
                i += 1;
            }
            let word: String = c[start..i].iter().collect();
            let hashes = c[i..].iter().take_while(|&&h| h == '#').count();
            if matches!(word.as_str(), "r" | "br" | "cr") && at(i + hashes) == '"' {
                // Raw string: ends at a quote followed by as many hashes.
                let mut j = i + hashes + 1;
                while j < n && !(c[j] == '"' && c[j + 1..].iter().take(hashes).filter(|&&h| h == '#').count() == hashes)
                {
                    j += 1;
                }
                toks.push((lines[start], Tok::Str(c[i + hashes + 1..j.min(n)].iter().collect())));
                i = j + 1 + hashes;
            } else if word == "r" && hashes == 1 {
                i += 1; // raw identifier `r#name`: the name follows as an identifier
            } else if matches!(word.as_str(), "b" | "c") && at(i) == '"' {
                let (s, end) = cooked(i + 1);
                toks.push((lines[start], Tok::Str(s)));
                i = end;
            } else if word == "b" && at(i) == '\'' {
                i = quote(i);
            } else {
                toks.push((lines[start], Tok::Ident(word)));
            }
        } else if ch.is_ascii_digit() {
            while i < n && (c[i].is_alphanumeric() || c[i] == '_') {
                i += 1;
            }
        } else {
            toks.push((lines[i], Tok::Punct(ch)));
            i += 1;
        }
    }
    toks
}

/// A message lookup in the code: `tr!(…)` or `i18n::text(…)`.
#[derive(Debug, PartialEq)]
struct Lookup {
    line: usize,
    /// The id, when it is a string literal.
    id: Option<String>,
    /// For `tr!`: the argument names passed.
    keys: Option<BTreeSet<String>>,
}

fn lookups(src: &str) -> Vec<Lookup> {
    let toks = rust_tokens(src);
    let tok = |i: usize| toks.get(i).map(|(_, t)| t);
    let is = |i: usize, p: char| tok(i) == Some(&Tok::Punct(p));
    let mut found = Vec::new();
    for (i, (line, t)) in toks.iter().enumerate() {
        let Tok::Ident(word) = t else { continue };
        let first = if word == "tr" && is(i + 1, '!') && (is(i + 2, '(') || is(i + 2, '[') || is(i + 2, '{')) {
            i + 3
        } else if word == "text"
            && is(i + 1, '(')
            && i >= 3
            && is(i - 1, ':')
            && is(i - 2, ':')
            && tok(i - 3) == Some(&Tok::Ident("i18n".into()))
        {
            i + 2
        } else {
            continue;
        };
        if is(first, '$') {
            continue; // inside a macro definition, forwarding its caller's literal
        }
        let id = match tok(first) {
            Some(Tok::Str(s)) => Some(s.clone()),
            _ => None,
        };
        let keys = (word == "tr").then(|| {
            // `name = value` pairs at the macro's own nesting level.
            let mut keys = BTreeSet::new();
            let mut depth = 1;
            let mut j = first;
            while j < toks.len() && depth > 0 {
                match &toks[j].1 {
                    Tok::Punct('(' | '[' | '{') => depth += 1,
                    Tok::Punct(')' | ']' | '}') => depth -= 1,
                    Tok::Punct(',') if depth == 1 => {
                        if let (Some(Tok::Ident(key)), true, false) = (tok(j + 1), is(j + 2, '='), is(j + 3, '=')) {
                            keys.insert(key.clone());
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            keys
        });
        found.push(Lookup { line: *line, id, keys });
    }
    found
}

fn rust_files(dir: &Path, files: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, files);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            files.push(path);
        }
    }
}

/// Every lookup in the crate's sources, with its file.
fn source_lookups() -> Vec<(PathBuf, Lookup)> {
    let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src"));
    let mut files = Vec::new();
    rust_files(root, &mut files);
    files.sort();
    let mut all = Vec::new();
    for file in files {
        let src = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let short = file.strip_prefix(root).unwrap_or(&file).to_path_buf();
        all.extend(lookups(&src).into_iter().map(|lookup| (short.clone(), lookup)));
    }
    assert!(!all.is_empty(), "found no tr! calls under {}", root.display());
    all
}

// ---- Tests --------------------------------------------------------------------------

#[test]
fn locales_parse() {
    assert_eq!(Lang::from_locale("ko_KR.UTF-8"), Some(Lang::Ko));
    assert_eq!(Lang::from_locale("ja-JP"), Some(Lang::Ja));
    assert_eq!(Lang::from_locale("en_US"), Some(Lang::En));
    assert_eq!(Lang::from_locale("KO"), Some(Lang::Ko));
    assert_eq!(Lang::from_locale("ja_JP@calendar=japanese"), Some(Lang::Ja));
    assert_eq!(Lang::from_locale("fr_FR"), None);
}

#[test]
fn every_bundle_loads() {
    for lang in Lang::ALL {
        if let Err((_, errors)) = FluentResource::try_new(lang.source().to_owned()) {
            panic!("{}.ftl does not parse: {errors:?}", lang.code());
        }
        bundle(lang);
        assert!(!messages(lang).is_empty(), "{}.ftl has no messages", lang.code());
    }
}

#[test]
fn every_locale_has_exactly_the_english_ids() {
    let en = messages(Lang::En);
    let mut problems = Vec::new();
    for lang in Lang::ALL {
        let code = lang.code();
        let other = messages(lang);
        for id in en.keys().filter(|id| !other.contains_key(*id)) {
            problems.push(format!("{code}.ftl lacks {id}"));
        }
        for id in other.keys().filter(|id| !en.contains_key(*id)) {
            problems.push(format!("{code}.ftl has {id}, which en.ftl lacks"));
        }
        for (id, parts) in &en {
            let Some(other_parts) = other.get(id) else { continue };
            let want: Vec<_> = parts.keys().collect();
            let have: Vec<_> = other_parts.keys().collect();
            if want != have {
                problems.push(format!(
                    "{code}.ftl {id}: value and attributes {have:?}, en.ftl has {want:?} (\"\" is the value)"
                ));
            }
        }
    }
    assert_none(problems);
}

#[test]
fn variables_match_english_in_every_locale() {
    let en = messages(Lang::En);
    let mut problems = Vec::new();
    for lang in Lang::ALL {
        let other = messages(lang);
        for (id, parts) in &en {
            for part in parts.keys() {
                if !other.get(id).is_some_and(|p| p.contains_key(part)) {
                    continue; // reported by every_locale_has_exactly_the_english_ids
                }
                let want = needed_vars(&en, id, part);
                let have = needed_vars(&other, id, part);
                if want != have {
                    problems.push(format!(
                        "{}.ftl {id}{part}: uses {have:?}, en.ftl {want:?}",
                        lang.code()
                    ));
                }
            }
        }
    }
    assert_none(problems);
}

#[test]
fn every_message_formats_without_errors() {
    let mut problems = Vec::new();
    for lang in Lang::ALL {
        let bundle = bundle(lang);
        let messages = messages(lang);
        for (id, parts) in &messages {
            for part in parts.keys() {
                // The first failing sample is enough to show what is wrong.
                for (label, sample) in samples() {
                    let (text, errors) = format_part(&bundle, &messages, id, part, &sample);
                    let problem = if !errors.is_empty() {
                        format!("{errors:?}")
                    } else if text.trim().is_empty() {
                        "empty text".to_owned()
                    } else {
                        continue;
                    };
                    problems.push(format!(
                        "{}.ftl {id}{part} with variables = {label}: {problem}",
                        lang.code()
                    ));
                    break;
                }
            }
        }
    }
    assert_none(problems);
}

/// Messages that may read the same in every language although they contain lowercase
/// ASCII words (none yet).
const SAME_IN_EVERY_LANGUAGE: &[&str] = &[];

#[test]
fn translations_are_not_english_copies() {
    let en_bundle = bundle(Lang::En);
    let en = messages(Lang::En);
    let sample = FluentValue::from(7);
    let mut problems = Vec::new();
    for lang in [Lang::Ko, Lang::Ja] {
        let bundle = bundle(lang);
        let other = messages(lang);
        for (id, parts) in &en {
            for part in parts.keys() {
                if SAME_IN_EVERY_LANGUAGE.contains(&id.as_str()) || !other.get(id).is_some_and(|p| p.contains_key(part))
                {
                    continue;
                }
                let (english, _) = format_part(&en_bundle, &en, id, part, &sample);
                let (text, _) = format_part(&bundle, &other, id, part, &sample);
                let has_words = english.split(|c: char| !c.is_ascii_lowercase()).any(|w| w.len() >= 3);
                if has_words && text == english {
                    problems.push(format!("{}.ftl {id}{part} is still English: {text:?}", lang.code()));
                }
            }
        }
    }
    assert_none(problems);
}

#[test]
fn code_and_english_use_the_same_ids() {
    let en = messages(Lang::En);
    let mut used: BTreeSet<String> = en
        .values()
        .flat_map(|parts| parts.values())
        .flat_map(|part| part.refs.iter().cloned())
        .collect();
    let mut problems = Vec::new();
    for (file, lookup) in source_lookups() {
        let place = format!("src/{}:{}", file.display(), lookup.line);
        match lookup.id {
            None => problems.push(format!("{place}: the message id is not a string literal")),
            Some(id) if !en.contains_key(&id) => problems.push(format!("{place}: {id} is not in en.ftl")),
            Some(id) => {
                used.insert(id);
            }
        }
    }
    // Command-line help (`cmd-…`) is looked up by the command tree (the CLI tests it).
    for id in en.keys().filter(|id| !used.contains(*id) && !id.starts_with("cmd-")) {
        problems.push(format!("en.ftl: {id} is never used"));
    }
    assert_none(problems);
}

#[test]
fn tr_calls_pass_exactly_the_message_variables() {
    let en = messages(Lang::En);
    let mut problems = Vec::new();
    for (file, lookup) in source_lookups() {
        let (Some(id), Some(keys)) = (lookup.id, lookup.keys) else {
            continue;
        };
        if !en.contains_key(&id) {
            continue; // reported by code_and_english_use_the_same_ids
        }
        let want = needed_vars(&en, &id, "");
        if keys != want {
            problems.push(format!(
                "src/{}:{}: tr!(\"{id}\") passes {keys:?}; the message uses {want:?}",
                file.display(),
                lookup.line
            ));
        }
    }
    assert_none(problems);
}

#[test]
fn source_scan_sees_calls_but_not_comments_or_strings() {
    let src = r####"
            // tr!("line-comment")
            /* tr!("block /* nested */ comment") */
            let a = "tr!(\"string\")";
            let b = r#"tr!("raw-string")"#;
            let c = ['"', '\'', b'"'];
            let d: &'static str = include_str!("file.ftl");
            let e = tr!("plain");
            let f = crate::tr!(
                "with-args",
                name = format!("{x}, {y}"),
                count = if a == b { 1 } else { 2 },
            );
            let g = chingu::i18n::text("direct", None);
            let h = i18n::text(id, None);
            macro_rules! t { ($id:literal) => { $crate::i18n::text($id, None) }; }
        "####;
    let keys = |names: &[&str]| Some(names.iter().map(|k| k.to_string()).collect());
    assert_eq!(
        lookups(src),
        vec![
            Lookup {
                line: 8,
                id: Some("plain".into()),
                keys: keys(&[])
            },
            Lookup {
                line: 9,
                id: Some("with-args".into()),
                keys: keys(&["count", "name"])
            },
            Lookup {
                line: 14,
                id: Some("direct".into()),
                keys: None
            },
            Lookup {
                line: 15,
                id: None,
                keys: None
            },
        ]
    );
}

/// The only test that touches the process-wide localizer: `init` is first-call-wins, so
/// a second such test (or any test calling `tr!`, `text` or `lang`) could race with it.
#[test]
fn unknown_locale_falls_back_to_english_with_a_note() {
    for locale in ["xx", "xx_YY.UTF-8", "fr-FR", "", "C"] {
        assert_eq!(Lang::from_locale(locale), None, "{locale:?}");
    }
    let first = LOCALIZER.get().is_none();
    let choice = init(Some("xx"));
    assert_eq!(choice.unavailable.as_deref(), Some("xx"), "the note names the locale");
    if first {
        assert_eq!(choice.lang, Lang::En);
    }
    // Later calls keep the first choice; an available language is no cause for a note.
    assert_eq!(
        init(Some("ko")),
        Choice {
            lang: choice.lang,
            unavailable: None
        }
    );
    assert_eq!(lang(), choice.lang);
    if choice.lang == Lang::En {
        // The note is the English one (what the CLI prints after falling back).
        let note = text("lang-unavailable", Some(&args(vec![("lang", FluentValue::from("xx"))])));
        let en = bundle(Lang::En);
        let pattern = en
            .get_message("lang-unavailable")
            .and_then(|m| m.value())
            .expect("en has the note");
        let mut note_args = FluentArgs::new();
        note_args.set("lang", "xx");
        let mut errors = Vec::new();
        assert_eq!(note, en.format_pattern(pattern, Some(&note_args), &mut errors));
        assert!(errors.is_empty(), "{errors:?}");
        assert!(note.contains("xx"), "{note}");
    }
    assert_eq!(text("no-such-message", None), "no-such-message");
}

#[test]
fn accept_language_picks_the_most_wanted_language_we_speak() {
    for (header, expected) in [
        ("ko-KR,ko;q=0.9,en;q=0.8", Some(Lang::Ko)),
        ("fr, ja;q=0.5, ko;q=0.4", Some(Lang::Ja)),
        ("en;q=0.2, ja;q=0.7", Some(Lang::Ja)),
        ("ko;q=0.5, en;q=0.5", Some(Lang::Ko)),
        ("ko;q=0, en", Some(Lang::En)),
        ("ja;q=many, ko", Some(Lang::Ko)),
        ("ko;q=0", None),
        ("*", None),
        ("fr-FR", None),
        ("", None),
    ] {
        assert_eq!(Lang::from_accept_language(header), expected, "{header:?}");
    }
}
