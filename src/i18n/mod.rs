//! User-facing text in Korean, Japanese and English, from Fluent files embedded in the
//! binary (`src/i18n/ftl/{en,ko,ja}.ftl`).
//!
//! The language is chosen once per process by [`init`]: an explicit `--lang`, else
//! `LC_ALL`, `LC_MESSAGES` or `LANG`, else English. Text is fetched with the [`tr!`]
//! macro: `tr!("status-peers", count = 3)`. A message missing in the chosen language falls
//! back to English; a test checks that no id is missing in any locale and that no locale
//! carries ids the code never uses.
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

    /// The Fluent source for the language.
    pub fn source(self) -> &'static str {
        match self {
            Lang::En => include_str!("ftl/en.ftl"),
            Lang::Ko => include_str!("ftl/ko.ftl"),
            Lang::Ja => include_str!("ftl/ja.ftl"),
        }
    }

    /// Parses a locale name such as `ko`, `ko_KR.UTF-8` or `ja-JP`.
    pub fn from_locale(locale: &str) -> Option<Lang> {
        let primary = locale.split(['_', '-', '.', '@']).next()?.to_ascii_lowercase();
        Lang::ALL.into_iter().find(|l| l.code() == primary)
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

/// Formats message `id` with `args`, in the chosen language (English if missing there;
/// the id itself if missing everywhere).
pub fn text(id: &str, args: Option<&FluentArgs>) -> String {
    init(None);
    let localizer = LOCALIZER.get().expect("init fills the localizer");
    for bundle in [&localizer.bundle, &localizer.fallback] {
        if let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) {
            let mut errors = Vec::new();
            return bundle.format_pattern(pattern, args, &mut errors).into_owned();
        }
    }
    id.to_owned()
}

/// Builds Fluent arguments (used by [`crate::tr!`]).
pub fn args<'a>(pairs: Vec<(&'a str, FluentValue<'a>)>) -> FluentArgs<'a> {
    let mut args = FluentArgs::new();
    for (k, v) in pairs {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locales_parse() {
        assert_eq!(Lang::from_locale("ko_KR.UTF-8"), Some(Lang::Ko));
        assert_eq!(Lang::from_locale("ja-JP"), Some(Lang::Ja));
        assert_eq!(Lang::from_locale("en_US"), Some(Lang::En));
        assert_eq!(Lang::from_locale("fr_FR"), None);
    }

    #[test]
    fn every_bundle_loads() {
        for lang in Lang::ALL {
            bundle(lang);
        }
    }
}
