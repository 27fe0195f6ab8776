//! User-facing text in Korean, Japanese and English, from Fluent files embedded in the
//! binary (`src/i18n/ftl/{en,ko,ja}.ftl`, the node's refusals in
//! `src/i18n/ftl/refusals/{en,ko,ja}.ftl` and the API's own errors in
//! `src/i18n/ftl/api/{en,ko,ja}.ftl`, one bundle per language).
//!
//! The language is chosen once per process by [`init`]: an explicit `--lang`, else
//! `LC_ALL`, `LC_MESSAGES` or `LANG`, else English. Text is fetched with the [`tr!`]
//! macro: `tr!("peers-count", count = 3)`. A message missing in the chosen language falls
//! back to English. en.ftl is the source of truth; the tests check that every locale has
//! exactly its ids, attributes and variables, that every message formats without errors,
//! and that en.ftl and the code agree: every id the code looks up exists, every id is used
//! (by a `tr!` call or a reference from another message), and every `tr!` call passes
//! exactly the variables its message uses. Ids must be string literals in the `tr!` call
//! so the tests can see them. Text for someone other than the user (the WebSocket API's
//! answer to a refused upgrade, in the language the request asks for) is said inside
//! [`in_lang`].
//!
//! [`tr!`]: crate::tr

use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

/// A language chingu speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    /// English.
    En,
    /// Korean.
    Ko,
    /// Japanese.
    Ja,
}

impl Lang {
    /// Every language, English first (the fallback).
    pub const ALL: [Lang; 3] = [Lang::En, Lang::Ko, Lang::Ja];

    /// The language's code.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ko => "ko",
            Lang::Ja => "ja",
        }
    }

    /// The Fluent source for the language (its main file, then its refusals', then the
    /// API's own errors').
    pub fn source(self) -> &'static str {
        match self {
            Lang::En => concat!(
                include_str!("ftl/en.ftl"),
                "\n",
                include_str!("ftl/refusals/en.ftl"),
                "\n",
                include_str!("ftl/api/en.ftl")
            ),
            Lang::Ko => concat!(
                include_str!("ftl/ko.ftl"),
                "\n",
                include_str!("ftl/refusals/ko.ftl"),
                "\n",
                include_str!("ftl/api/ko.ftl")
            ),
            Lang::Ja => concat!(
                include_str!("ftl/ja.ftl"),
                "\n",
                include_str!("ftl/refusals/ja.ftl"),
                "\n",
                include_str!("ftl/api/ja.ftl")
            ),
        }
    }

    /// Parses a locale name such as `ko`, `ko_KR.UTF-8` or `ja-JP`.
    pub fn from_locale(locale: &str) -> Option<Lang> {
        let primary = locale.split(['_', '-', '.', '@']).next()?.to_ascii_lowercase();
        Lang::ALL.into_iter().find(|l| l.code() == primary)
    }

    /// The language an HTTP `Accept-Language` header prefers among ours (`ko-KR,ko;q=0.9,
    /// en;q=0.8`: Korean): the highest `q` first, the earlier one among equals; ranges
    /// with `q=0`, `*` and languages we do not speak are passed over.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut ranges: Vec<(Lang, u16)> = header
            .split(',')
            .filter_map(|range| {
                let mut parts = range.split(';');
                let lang = Lang::from_locale(parts.next()?.trim())?;
                let q = parts
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())?;
                // Thousandths, as the header writes them (at most three decimals).
                let q = (q.clamp(0.0, 1.0) * 1000.0).round() as u16;
                (q > 0).then_some((lang, q))
            })
            .collect();
        ranges.sort_by_key(|(_, q)| std::cmp::Reverse(*q));
        ranges.first().map(|(lang, _)| *lang)
    }
}

struct Localizer {
    lang: Lang,
    bundle: FluentBundle<FluentResource>,
    fallback: FluentBundle<FluentResource>,
}

static LOCALIZER: OnceLock<Localizer> = OnceLock::new();

/// Builds the bundle of one language.
pub fn bundle(lang: Lang) -> FluentBundle<FluentResource> {
    let id: LanguageIdentifier = lang.code().parse().expect("language codes are valid");
    let resource = FluentResource::try_new(lang.source().to_owned())
        .unwrap_or_else(|(_, errors)| panic!("{}.ftl does not parse: {errors:?}", lang.code()));
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    // Terminals show Unicode isolation marks as garbage.
    bundle.set_use_isolating(false);
    bundle
        .add_resource(resource)
        .unwrap_or_else(|e| panic!("{}.ftl has duplicate ids: {e:?}", lang.code()));
    bundle
}

/// The outcome of choosing a language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    /// The language in use.
    pub lang: Lang,
    /// The requested locale, when it was not available (we fell back to English).
    pub unavailable: Option<String>,
}

/// Chooses the language: `requested` (from `--lang`), else the environment's locale,
/// else English. The first call wins; later calls return the language in use.
pub fn init(requested: Option<&str>) -> Choice {
    let env_locale = ["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .filter_map(|var| std::env::var(var).ok())
        .find(|v| !v.is_empty() && v != "C" && v != "POSIX" && !v.starts_with("C."));
    let (lang, unavailable) = match requested {
        Some(locale) => match Lang::from_locale(locale) {
            Some(lang) => (lang, None),
            None => (Lang::En, Some(locale.to_owned())),
        },
        None => (
            env_locale.as_deref().and_then(Lang::from_locale).unwrap_or(Lang::En),
            None,
        ),
    };
    let localizer = LOCALIZER.get_or_init(|| Localizer {
        lang,
        bundle: bundle(lang),
        fallback: bundle(Lang::En),
    });
    Choice {
        lang: localizer.lang,
        unavailable,
    }
}

/// The language in use.
pub fn lang() -> Lang {
    init(None).lang
}

thread_local! {
    /// The language [`in_lang`] chose for this thread, if any.
    static SCOPED_LANG: std::cell::Cell<Option<Lang>> = const { std::cell::Cell::new(None) };
}

/// Runs `f` with [`text`] and [`help_text`] in `lang` on this thread, whatever the
/// process chose: the WebSocket API refuses an upgrade in the language the request asks
/// for, and tests check every language in one process.
#[cfg(any(test, feature = "websocket"))]
pub(crate) fn in_lang<T>(lang: Lang, f: impl FnOnce() -> T) -> T {
    struct Restore(Option<Lang>);
    impl Drop for Restore {
        fn drop(&mut self) {
            SCOPED_LANG.with(|l| l.set(self.0));
        }
    }
    let _restore = Restore(SCOPED_LANG.with(|l| l.replace(Some(lang))));
    f()
}

/// The chosen language's bundle, then English's.
fn bundles() -> [&'static FluentBundle<FluentResource>; 2] {
    if let Some(lang) = SCOPED_LANG.with(std::cell::Cell::get) {
        static ALL: OnceLock<Vec<FluentBundle<FluentResource>>> = OnceLock::new();
        let all = ALL.get_or_init(|| Lang::ALL.into_iter().map(bundle).collect());
        let at = Lang::ALL
            .iter()
            .position(|l| *l == lang)
            .expect("every language is in ALL");
        return [&all[at], &all[0]];
    }
    init(None);
    let localizer = LOCALIZER.get().expect("init fills the localizer");
    [&localizer.bundle, &localizer.fallback]
}

/// Formats message `id` with `args`, in the chosen language (English if missing there;
/// the id itself if missing everywhere).
pub fn text(id: &str, args: Option<&FluentArgs>) -> String {
    for bundle in bundles() {
        if let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) {
            let mut errors = Vec::new();
            return bundle.format_pattern(pattern, args, &mut errors).into_owned();
        }
    }
    id.to_owned()
}

/// Command-line help: the value of message `id` (a command's description) or of its
/// `attribute` (an argument's help), in the chosen language, else English. The ids come
/// from the command tree (`cmd-contacts-add`, attribute `name`), so this is not `tr!`; the
/// CLI's tests check that every command and argument has its text.
pub fn help_text(id: &str, attribute: Option<&str>) -> Option<String> {
    bundles()
        .into_iter()
        .find_map(|bundle| pattern_text(bundle, id, attribute))
}

/// [`help_text`] in `lang` only (for tests and tools).
pub fn help_text_in(lang: Lang, id: &str, attribute: Option<&str>) -> Option<String> {
    pattern_text(&bundle(lang), id, attribute)
}

fn pattern_text(bundle: &FluentBundle<FluentResource>, id: &str, attribute: Option<&str>) -> Option<String> {
    let message = bundle.get_message(id)?;
    let pattern = match attribute {
        None => message.value()?,
        Some(name) => message.get_attribute(name)?.value(),
    };
    let mut errors = Vec::new();
    Some(bundle.format_pattern(pattern, None, &mut errors).into_owned())
}

/// Every help message (`cmd-…`) of `lang` and its attributes, as `(id, None)` and
/// `(id, Some(attribute))`, read from the file's lines.
pub fn help_ids(lang: Lang) -> Vec<(String, Option<String>)> {
    let mut ids = Vec::new();
    let mut current: Option<String> = None;
    for line in lang.source().lines() {
        if line.starts_with(|c: char| c.is_ascii_alphabetic()) {
            current = line
                .split_once('=')
                .map(|(id, _)| id.trim().to_owned())
                .filter(|id| id.starts_with("cmd-"));
            if let Some(id) = &current {
                ids.push((id.clone(), None));
            }
        } else if let (Some(id), Some(rest)) = (&current, line.trim_start().strip_prefix('.')) {
            if let Some((attribute, _)) = rest.split_once('=') {
                ids.push((id.clone(), Some(attribute.trim().to_owned())));
            }
        }
    }
    ids
}

/// Builds Fluent arguments (used by [`crate::tr!`]). Every string argument passes through
/// [`crate::text::for_terminal`]: names, message texts and errors quoted into a localised
/// line can neither carry escape sequences nor break the line.
pub fn args<'a>(pairs: Vec<(&'a str, FluentValue<'a>)>) -> FluentArgs<'a> {
    let mut args = FluentArgs::new();
    for (k, v) in pairs {
        let v = match v {
            FluentValue::String(s) if matches!(crate::text::for_terminal(&s), std::borrow::Cow::Owned(_)) => {
                FluentValue::String(crate::text::for_terminal(&s).into_owned().into())
            }
            other => other,
        };
        args.set(k, v);
    }
    args
}

/// Localised text: `tr!("id")` or `tr!("id", name = value, …)`. Values may be strings or
/// numbers (numbers select plural forms).
#[macro_export]
macro_rules! tr {
    ($id:literal) => {
        $crate::i18n::text($id, None)
    };
    ($id:literal, $($key:ident = $value:expr),+ $(,)?) => {
        $crate::i18n::text($id, Some(&$crate::i18n::args(vec![
            $((stringify!($key), ::fluent_bundle::FluentValue::from($value))),+
        ])))
    };
}

pub mod api_errors;
pub mod refusals;

#[cfg(test)]
mod tests;
