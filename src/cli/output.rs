//! Everything the CLI prints: lines and JSON on stdout through one writer that turns a
//! closed pipe (`chingu contacts list | head -1`) into a normal end, aligned tables that
//! make their cells safe for the terminal ([`chingu::text::for_terminal`]) and measure text
//! by display width (Hangul and kanji take two columns), durations, and logging set-up.

use std::fmt;
use std::io::{self, IsTerminal, Write};

use serde::Serialize;
use unicode_width::UnicodeWidthStr;

/// Writing to stdout failed. [`OutputError::Closed`] is not a failure: whoever read the
/// output has seen enough (`| head`, `| true`), and `main` ends with exit code 0.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The reader closed the pipe.
    #[error("standard output was closed")]
    Closed,
    /// Any other write error (a full disk…).
    #[error("cannot write the output: {0}")]
    Io(io::Error),
}

impl From<io::Error> for OutputError {
    fn from(error: io::Error) -> Self {
        if error.kind() == io::ErrorKind::BrokenPipe {
            OutputError::Closed
        } else {
            OutputError::Io(error)
        }
    }
}

/// Writes one line to stdout (what `outln!` expands to).
pub fn line(args: fmt::Arguments<'_>) -> Result<(), OutputError> {
    let mut out = io::stdout().lock();
    out.write_fmt(args)?;
    out.write_all(b"\n")?;
    Ok(())
}

/// Writes bytes as they are to stdout (generated scripts and pages).
pub fn raw(bytes: &[u8]) -> Result<(), OutputError> {
    let mut out = io::stdout().lock();
    out.write_all(bytes)?;
    out.flush()?;
    Ok(())
}

/// `println!` for the CLI's output: writes a line to stdout and returns a
/// `Result<(), OutputError>`, so a closed pipe ends the command instead of panicking.
macro_rules! outln {
    () => {
        $crate::cli::output::line(format_args!(""))
    };
    ($($arg:tt)*) => {
        $crate::cli::output::line(format_args!($($arg)*))
    };
}
pub(crate) use outln;

/// `eprintln!` for notes and errors: a closed stderr loses the line instead of panicking.
macro_rules! errln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}
pub(crate) use errln;

/// Which log line format `chingu run` and `chingu testnet` write to stderr.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// One line per event, for people (colours only on a terminal).
    #[default]
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Sets up logging to stderr, filtered by `RUST_LOG` (default: chingu at info, the rest
/// at warn), in `format`. Colours only when stderr is a terminal (and `NO_COLOR` is unset).
pub fn init_logging(format: LogFormat) {
    use io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,chingu=info,libp2p_kad=error"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(io::stderr);
    let _ = match format {
        LogFormat::Text => {
            let ansi = io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            builder.with_ansi(ansi).try_init()
        }
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_ansi(false)
            .try_init(),
    };
}

/// Prints `value` as pretty JSON on stdout.
pub fn print_json<T: Serialize>(value: &T) -> anyhow::Result<()> {
    outln!("{}", serde_json::to_string_pretty(value)?)?;
    Ok(())
}

/// Prints `value` as one line of JSON (streams: `watch`, `run`).
pub fn print_json_line<T: Serialize>(value: &T) -> anyhow::Result<()> {
    outln!("{}", serde_json::to_string(value)?)?;
    Ok(())
}

/// Prints a listing the way every `… list` command does: pretty JSON with `--json`;
/// otherwise `none` when there is nothing, else a table of `header` and one row per item.
pub fn print_list<T: Serialize, const N: usize>(
    items: &[T],
    json: bool,
    none: String,
    header: [String; N],
    row: impl Fn(&T) -> [String; N],
) -> anyhow::Result<()> {
    if json {
        return print_json(&items);
    }
    if items.is_empty() {
        outln!("{none}")?;
        return Ok(());
    }
    let mut table = Table::new();
    table.header(header);
    for item in items {
        table.row(row(item));
    }
    table.print()?;
    Ok(())
}

/// `3h 02m`, `5m 07s`, `42s`.
pub fn duration(secs: u64) -> String {
    match secs {
        s if s >= 3600 => format!("{}h {:02}m", s / 3600, s % 3600 / 60),
        s if s >= 60 => format!("{}m {:02}s", s / 60, s % 60),
        s => format!("{s}s"),
    }
}

/// A wall-clock time (ms since the epoch) as `YYYY-MM-DD HH:MM` in UTC.
pub fn clock(ms: u64) -> String {
    let secs = ms / 1000;
    let (days, rest) = (secs / 86_400, secs % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}",
        rest / 3600,
        rest % 3600 / 60
    )
}

/// Pads `text` with spaces to `width` display columns.
pub fn pad(text: &str, width: usize) -> String {
    let shown = text.width();
    format!("{text}{}", " ".repeat(width.saturating_sub(shown)))
}

/// A plain text table with columns aligned by display width.
#[derive(Default)]
pub struct Table {
    header: Option<Vec<String>>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn header<const N: usize>(&mut self, cells: [String; N]) {
        self.header = Some(cells.into());
    }

    /// Adds a row; every cell is made safe for the terminal (cells show names and text
    /// from others).
    pub fn row<const N: usize>(&mut self, cells: [String; N]) {
        self.rows.push(
            cells
                .into_iter()
                .map(|cell| chingu::text::for_terminal(&cell).into_owned())
                .collect(),
        );
    }

    pub fn print(&self) -> Result<(), OutputError> {
        let all: Vec<&Vec<String>> = self.header.iter().chain(self.rows.iter()).collect();
        let columns = all.iter().map(|r| r.len()).max().unwrap_or(0);
        let widths: Vec<usize> = (0..columns)
            .map(|c| {
                all.iter()
                    .filter_map(|r| r.get(c))
                    .map(|s| s.width())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        for row in all {
            let line: Vec<String> = row
                .iter()
                .enumerate()
                .map(|(c, cell)| {
                    if c + 1 == row.len() {
                        cell.clone()
                    } else {
                        pad(cell, widths[c])
                    }
                })
                .collect();
            outln!("{}", line.join("  ").trim_end())?;
        }
        Ok(())
    }
}

/// A progress bar on stderr (hidden with `--json` and when stderr is not a terminal).
pub fn progress_bar(total: u64, json: bool, template: &str) -> indicatif::ProgressBar {
    if json || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(total);
    bar.set_style(
        indicatif::ProgressStyle::with_template(template)
            .expect("valid template")
            .progress_chars("=> "),
    );
    bar
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_characters_align() {
        assert_eq!(pad("민지", 6), "민지  ");
        assert_eq!(pad("Yuki", 6), "Yuki  ");
        assert_eq!(duration(3725), "1h 02m");
    }

    #[test]
    fn table_cells_are_sanitised() {
        let mut table = Table::new();
        table.row(["evil\x1b]0;title\x07name".to_owned(), "a\nb".to_owned()]);
        assert_eq!(table.rows[0], ["evilname", "a b"]);
    }
}
