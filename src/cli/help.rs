//! Help and usage errors in the chosen language. The clap tree (from the derive
//! definitions) gets every command's description and every argument's help from the i18n
//! bundle: message `cmd-<path>` (`cmd-chingu`, `cmd-contacts-add`) holds the command's, its
//! attributes the arguments' (`.name`, `.no_wait`). clap's own words (headings, the help
//! and version flags, usage errors) are translated here too. The tests check that every
//! command and argument has its text in en.ftl (and so, by the i18n tests, in ko and ja).

use std::ffi::OsString;
use std::process::ExitCode;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Arg, ArgAction, Command, CommandFactory};

use chingu::i18n::{self, Lang};
use chingu::tr;

use super::Cli;

/// The `--lang` given on the command line, found before parsing (help and parse errors
/// need the language first).
pub fn requested_lang(argv: &[OsString]) -> Option<String> {
    let mut args = argv.iter().skip(1).map(|a| a.to_string_lossy());
    while let Some(arg) = args.next() {
        if arg == "--" {
            return None;
        }
        if arg == "--lang" {
            return args.next().map(|v| v.into_owned());
        }
        if let Some(value) = arg.strip_prefix("--lang=") {
            return Some(value.to_owned());
        }
    }
    None
}

/// The command tree with its help in the chosen language, built (ready to parse).
pub fn command() -> Command {
    let mut command = localized();
    command.build();
    name_help_subcommands(command)
}

/// The command tree with its help in the chosen language, not built yet.
pub fn localized() -> Command {
    localize(Cli::command(), "cmd-chingu", true)
}

fn localize(mut command: Command, id: &str, root: bool) -> Command {
    if let Some(about) = i18n::help_text(id, None) {
        command = command.about(about).long_about(None);
    }
    let args: Vec<String> = command.get_arguments().map(|a| a.get_id().to_string()).collect();
    for arg in args {
        let text = i18n::help_text(id, Some(&arg));
        command = command.mut_arg(&arg, |a| {
            let heading = if a.is_positional() {
                tr!("help-heading-arguments")
            } else {
                tr!("help-heading-options")
            };
            let text = text.or_else(|| a.get_help().map(ToString::to_string));
            let (a, notes) = value_notes(a.help_heading(heading));
            match text {
                Some(text) if notes.is_empty() => a.help(text).long_help(None),
                Some(text) => a.help(format!("{text} {}", notes.join(" "))).long_help(None),
                None if notes.is_empty() => a,
                None => a.help(notes.join(" ")).long_help(None),
            }
        });
    }
    command = command
        .disable_help_flag(true)
        .arg(
            Arg::new("help")
                .short('h')
                .long("help")
                .action(ArgAction::Help)
                .help(tr!("help-flag"))
                .help_heading(tr!("help-heading-options")),
        )
        .subcommand_help_heading(tr!("help-heading-commands"))
        .help_template(format!(
            "{{before-help}}{{about-with-newline}}\n{} {{usage}}\n\n{{all-args}}{{after-help}}",
            tr!("help-heading-usage")
        ));
    if root {
        command = command.disable_version_flag(true).arg(
            Arg::new("version")
                .short('V')
                .long("version")
                .action(ArgAction::Version)
                .global(true)
                .help(tr!("help-version-flag"))
                .help_heading(tr!("help-heading-options")),
        );
    }
    let subcommands: Vec<String> = command.get_subcommands().map(|s| s.get_name().to_owned()).collect();
    for name in subcommands {
        let sub_id = if root {
            format!("cmd-{name}")
        } else {
            format!("{id}-{name}")
        };
        command = command.mut_subcommand(&name, |sub| localize(sub, &sub_id, false));
    }
    command
}

/// The notes clap would append to an argument's help in English (`[env: …]`,
/// `[default: …]`, `[possible values: …]`), in the chosen language: clap's own are hidden
/// outside English. In English only the possible values of an argument whose values carry
/// descriptions are listed here (value descriptions stay untranslated in the code: the
/// values' names only).
fn value_notes(arg: Arg) -> (Arg, Vec<String>) {
    if !arg.get_action().takes_values() {
        return (arg, Vec::new());
    }
    let localized = i18n::lang() != Lang::En;
    let values = arg.get_possible_values();
    let described = values.iter().any(|v| v.get_help().is_some());
    let mut notes = Vec::new();
    let mut arg = arg.hide_possible_values(described || localized);
    if localized {
        if let Some(var) = arg.get_env().filter(|_| !arg.is_hide_env_set()) {
            notes.push(tr!("help-env", var = var.to_string_lossy().into_owned()));
            arg = arg.hide_env(true);
        }
        let defaults: Vec<String> = arg
            .get_default_values()
            .iter()
            .map(|v| v.to_string_lossy().into_owned())
            .map(|v| {
                if v.is_empty() || v.contains(char::is_whitespace) {
                    format!("{v:?}")
                } else {
                    v
                }
            })
            .collect();
        if !defaults.is_empty() && !arg.is_hide_default_value_set() {
            notes.push(tr!("help-default", value = defaults.join(" ")));
            arg = arg.hide_default_value(true);
        }
    }
    let names: Vec<&str> = values
        .iter()
        .filter(|v| !v.is_hide_set())
        .map(|v| v.get_name())
        .collect();
    if (described || localized) && !names.is_empty() {
        notes.push(tr!("help-possible-values", values = names.join(", ")));
    }
    (arg, notes)
}

/// Gives the `help` subcommands clap adds while building their text in the language.
fn name_help_subcommands(mut command: Command) -> Command {
    let names: Vec<String> = command.get_subcommands().map(|s| s.get_name().to_owned()).collect();
    for name in names {
        command = command.mut_subcommand(&name, |sub| {
            if name == "help" {
                sub.about(tr!("help-subcommand"))
            } else {
                name_help_subcommands(sub)
            }
        });
    }
    command
}

/// Reports a parse error (or prints help or the version) and returns the exit code:
/// 0 for help and version, 2 for mistakes. Errors are in the chosen language.
pub fn usage_error(error: clap::Error) -> ExitCode {
    if matches!(error.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion)
        || error.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
        || i18n::lang() == Lang::En
    {
        // Help goes to stdout, errors to stderr; a closed pipe is nobody's problem.
        let _ = error.print();
        return ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(super::EXIT_USAGE));
    }
    let mut text = tr!("error-prefix", message = describe(&error));
    if let Some(usage) = context(&error, ContextKind::Usage) {
        let usage = usage.trim_start();
        let usage = usage.split_once(':').map_or(usage, |(_, rest)| rest.trim_start());
        text.push_str(&format!("\n\n{} {usage}", tr!("help-heading-usage")));
    }
    text.push_str(&format!("\n\n{}", tr!("usage-more-info")));
    super::output::errln!("{text}");
    ExitCode::from(super::EXIT_USAGE)
}

fn context(error: &clap::Error, kind: ContextKind) -> Option<String> {
    error.get(kind).map(|value| match value {
        ContextValue::Strings(values) => values.join(", "),
        other => other.to_string(),
    })
}

/// A parse error in the chosen language, from its kind and context.
fn describe(error: &clap::Error) -> String {
    let arg = context(error, ContextKind::InvalidArg).unwrap_or_default();
    let value = context(error, ContextKind::InvalidValue).unwrap_or_default();
    let mut text = match error.kind() {
        ErrorKind::InvalidValue => match context(error, ContextKind::ValidValue) {
            Some(valid) => tr!("usage-invalid-choice", value = value, arg = arg, valid = valid),
            None if value.is_empty() => tr!("usage-needs-value", arg = arg),
            None => tr!("usage-invalid-value", value = value, arg = arg),
        },
        ErrorKind::ValueValidation => {
            let reason = std::error::Error::source(error)
                .map(ToString::to_string)
                .unwrap_or_default();
            tr!("usage-invalid-value-because", value = value, arg = arg, reason = reason)
        }
        ErrorKind::UnknownArgument => tr!("usage-unknown-argument", arg = arg),
        ErrorKind::InvalidSubcommand => tr!(
            "usage-unknown-command",
            command = context(error, ContextKind::InvalidSubcommand).unwrap_or_default()
        ),
        ErrorKind::ArgumentConflict => tr!(
            "usage-conflict",
            arg = arg,
            other = context(error, ContextKind::PriorArg).unwrap_or_default()
        ),
        ErrorKind::MissingRequiredArgument => tr!("usage-missing", args = arg),
        ErrorKind::MissingSubcommand => tr!("usage-missing-command"),
        ErrorKind::TooManyValues | ErrorKind::TooFewValues | ErrorKind::WrongNumberOfValues => {
            tr!("usage-wrong-count", arg = arg)
        }
        ErrorKind::InvalidUtf8 => tr!("usage-not-utf8"),
        _ => tr!("usage-generic"),
    };
    let suggestion = context(error, ContextKind::SuggestedArg)
        .or_else(|| context(error, ContextKind::SuggestedSubcommand))
        .or_else(|| context(error, ContextKind::SuggestedValue));
    if let Some(suggestion) = suggestion {
        text.push_str(&format!("\n\n  {}", tr!("usage-did-you-mean", suggestion = suggestion)));
    }
    text
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// Every command's id and its arguments' ids, as the localizer looks them up.
    fn ids(command: &Command, id: &str, root: bool, out: &mut BTreeSet<(String, Option<String>)>) {
        out.insert((id.to_owned(), None));
        for arg in command.get_arguments() {
            out.insert((id.to_owned(), Some(arg.get_id().to_string())));
        }
        for sub in command.get_subcommands() {
            let sub_id = if root {
                format!("cmd-{}", sub.get_name())
            } else {
                format!("{id}-{}", sub.get_name())
            };
            ids(sub, &sub_id, false, out);
        }
    }

    #[test]
    fn every_command_and_argument_has_its_help_in_the_bundle() {
        let mut wanted = BTreeSet::new();
        ids(&Cli::command(), "cmd-chingu", true, &mut wanted);
        let missing: Vec<String> = wanted
            .iter()
            .filter(|(id, attribute)| i18n::help_text_in(Lang::En, id, attribute.as_deref()).is_none())
            .map(|(id, attribute)| match attribute {
                Some(a) => format!("{id}.{a}"),
                None => id.clone(),
            })
            .collect();
        assert!(missing.is_empty(), "en.ftl lacks help for: {missing:?}");
        // And nothing stale: every cmd- message and attribute belongs to the tree.
        let stale: Vec<String> = i18n::help_ids(Lang::En)
            .into_iter()
            .filter(|(id, attribute)| !wanted.contains(&(id.clone(), attribute.clone())))
            .map(|(id, attribute)| format!("{id}{}", attribute.map(|a| format!(".{a}")).unwrap_or_default()))
            .collect();
        assert!(stale.is_empty(), "en.ftl has help for no command: {stale:?}");
    }

    #[test]
    fn the_tree_is_valid_and_the_language_is_found_before_parsing() {
        command().debug_assert();
        let argv = |args: &[&str]| args.iter().map(OsString::from).collect::<Vec<_>>();
        assert_eq!(
            requested_lang(&argv(&["chingu", "--lang", "ko", "status"])).as_deref(),
            Some("ko")
        );
        assert_eq!(
            requested_lang(&argv(&["chingu", "status", "--lang=ja"])).as_deref(),
            Some("ja")
        );
        assert_eq!(requested_lang(&argv(&["chingu", "send", "x", "--", "--lang"])), None);
        assert_eq!(requested_lang(&argv(&["chingu", "status"])), None);
    }

    #[test]
    fn every_leaf_command_accepts_json() {
        let mut built = command();
        built.build();
        let mut leaves = Vec::new();
        fn walk<'a>(command: &'a Command, path: Vec<&'a str>, leaves: &mut Vec<Vec<&'a str>>) {
            if !command.has_subcommands() {
                leaves.push(path);
                return;
            }
            for sub in command.get_subcommands().filter(|s| s.get_name() != "help") {
                let mut next = path.clone();
                next.push(sub.get_name());
                walk(sub, next, leaves);
            }
        }
        walk(&built, Vec::new(), &mut leaves);
        assert!(leaves.len() > 40, "{leaves:?}");
        for path in leaves {
            let mut node = &built;
            for part in &path {
                node = node.find_subcommand(part).expect("walked");
            }
            assert!(
                node.get_arguments().any(|a| a.get_long() == Some("json")),
                "chingu {} has no --json",
                path.join(" ")
            );
        }
    }
}
