//! `chingu backup FILE` (through the running node, which pauses its writes while it
//! copies) and `chingu restore FILE` (with no node running: it rebuilds the home).
//! Secrets come from a file given on the command line or, on a terminal, from a prompt
//! that does not echo (SPEC.md §8.4).

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use clap::Args;
use serde_json::json;
use zeroize::Zeroizing;

use chingu::backup::archive::read_header;
use chingu::backup::{BackupReport, BackupSecret, RecoveryCode, RestoreOptions, SecretKind};
use chingu::home::Home;
use chingu::text::{for_terminal, human_bytes};
use chingu::tr;

use super::errors::{FileError, UsageError};
use super::output::{outln, print_json};

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// Where to write the backup (an existing file is replaced once the new one is whole)
    path: PathBuf,
    /// Read the passphrase from this file (its first line) instead of asking for it
    #[arg(long, value_name = "FILE", conflicts_with_all = ["recovery_code_file", "new_recovery_code"])]
    passphrase_file: Option<PathBuf>,
    /// Lock it with this 24-word recovery code (read from the file) instead of a passphrase
    #[arg(long, value_name = "FILE", conflicts_with = "new_recovery_code")]
    recovery_code_file: Option<PathBuf>,
    /// Lock it with a new 24-word recovery code, shown once: write it down
    #[arg(long)]
    new_recovery_code: bool,
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// The backup file
    path: PathBuf,
    /// Replace the home's present contents (they are moved aside, not deleted)
    #[arg(long)]
    force: bool,
    /// Read the passphrase from this file (its first line) instead of asking for it
    #[arg(long, value_name = "FILE", conflicts_with = "recovery_code_file")]
    passphrase_file: Option<PathBuf>,
    /// Read the 24-word recovery code from this file instead of asking for it
    #[arg(long, value_name = "FILE")]
    recovery_code_file: Option<PathBuf>,
}

/// The text of a secret's file.
fn read_secret(path: &Path) -> anyhow::Result<Zeroizing<String>> {
    Ok(Zeroizing::new(std::fs::read_to_string(path).map_err(|source| {
        FileError {
            path: path.to_owned(),
            source,
        }
    })?))
}

/// The first line of `path`, without its line end.
fn first_line(path: &Path) -> anyhow::Result<Zeroizing<String>> {
    Ok(Zeroizing::new(
        read_secret(path)?.lines().next().unwrap_or_default().to_owned(),
    ))
}

/// Asks on the terminal without echo; refuses when there is no terminal to ask on.
fn ask(prompt: &str) -> anyhow::Result<Zeroizing<String>> {
    if !std::io::stdin().is_terminal() {
        return Err(UsageError(tr!("backup-secret-needed")).into());
    }
    Ok(Zeroizing::new(rpassword::prompt_password(prompt)?))
}

/// `chingu backup FILE`.
pub async fn backup(home: &Home, args: BackupArgs, json: bool) -> anyhow::Result<()> {
    let path = std::path::absolute(&args.path)?;
    let secret = match (&args.passphrase_file, &args.recovery_code_file, args.new_recovery_code) {
        (Some(file), _, _) => json!({ "passphrase": *first_line(file)? }),
        (None, Some(file), _) => json!({ "recovery_code": *read_secret(file)? }),
        (None, None, true) => json!({ "new_recovery_code": true }),
        (None, None, false) => {
            let passphrase = ask(&tr!("backup-passphrase-prompt"))?;
            if *ask(&tr!("backup-passphrase-again"))? != *passphrase {
                return Err(UsageError(tr!("backup-passphrase-mismatch")).into());
            }
            json!({ "passphrase": *passphrase })
        }
    };
    let mut params = secret;
    params["path"] = json!(path);
    let mut client = super::connect(home).await?;
    let report: BackupReport = client.call_as("backup.create", params).await?;
    if json {
        return print_json(&report);
    }
    outln!(
        "{}",
        tr!(
            "backup-written",
            path = for_terminal(&report.path).into_owned(),
            messages = report.messages,
            size = human_bytes(report.bytes),
            paused = report.paused_ms
        )
    )?;
    if let Some(words) = &report.recovery_code {
        outln!("{}", tr!("backup-recovery-code"))?;
        outln!("  {words}")?;
    }
    Ok(())
}

/// `chingu restore FILE`.
pub async fn restore(home: &Home, args: RestoreArgs, json: bool) -> anyhow::Result<()> {
    let mut file = std::fs::File::open(&args.path).map_err(|source| FileError {
        path: args.path.clone(),
        source,
    })?;
    let kind = read_header(&mut file)?.kind;
    drop(file);
    let secret = match (kind, &args.passphrase_file, &args.recovery_code_file) {
        (SecretKind::Passphrase, Some(file), _) => BackupSecret::Passphrase(first_line(file)?),
        (SecretKind::RecoveryCode, _, Some(file)) => {
            BackupSecret::RecoveryCode(RecoveryCode::parse(&read_secret(file)?)?)
        }
        (SecretKind::Passphrase, None, _) => BackupSecret::Passphrase(ask(&tr!("backup-passphrase-prompt"))?),
        (SecretKind::RecoveryCode, _, None) => {
            BackupSecret::RecoveryCode(RecoveryCode::parse(&ask(&tr!("backup-recovery-prompt"))?)?)
        }
    };
    let (home_for_task, path) = (home.clone(), args.path.clone());
    let options = RestoreOptions { force: args.force };
    let restored =
        tokio::task::spawn_blocking(move || chingu::backup::restore(&home_for_task, &path, &secret, &options))
            .await??;
    if json {
        return print_json(&restored);
    }
    outln!(
        "{}",
        tr!(
            "restore-done",
            name = for_terminal(&restored.name).into_owned(),
            phone = restored.phone.clone().unwrap_or_default(),
            home = restored.home.clone(),
            messages = restored.messages
        )
    )?;
    if let Some(aside) = &restored.moved_aside {
        outln!("{}", tr!("restore-moved-aside", path = aside.clone()))?;
    }
    Ok(())
}
