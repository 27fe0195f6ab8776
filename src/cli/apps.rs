//! `chingu apps add|list|revoke`: third-party apps' tokens for the WebSocket API. The
//! commands edit the home's apps file directly, whether or not a node runs; a running
//! node re-reads it at the next call (see `chingu::api::apps`).

use clap::{Args, Subcommand};

use chingu::api::apps::{AppError, AppStore};
use chingu::api::Scope;
use chingu::home::Home;
use chingu::tr;

use super::output::{clock, errln, outln, print_json, print_list};

#[derive(Debug, Subcommand)]
pub enum AppsCommand {
    /// Register an app and print its token (shown only once)
    Add(AddArgs),
    /// List the registered apps and their scopes (never their tokens)
    List,
    /// Revoke an app's token: calls with it are refused and its open connections closed
    Revoke {
        /// The app's name
        name: String,
    },
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// The app's name (letters, digits, '-', '_', '.')
    name: String,
    /// What the app may do, comma-separated: read, send, contacts, groups
    #[arg(long, value_delimiter = ',', required = true, value_name = "SCOPES")]
    scopes: Vec<String>,
}

/// Scopes as names joined by commas.
fn scope_list(scopes: &[Scope]) -> String {
    scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(",")
}

/// The localised message for an apps error.
fn describe(error: AppError) -> anyhow::Error {
    let text = match &error {
        AppError::Duplicate(name) => tr!("apps-duplicate", name = name.clone()),
        AppError::Unknown(name) => tr!("apps-unknown", name = name.clone()),
        AppError::InvalidName(name) => tr!("apps-invalid-name", name = name.clone()),
        AppError::NoScopes => tr!("apps-no-scopes"),
        AppError::Corrupt { .. } | AppError::Io { .. } => return error.into(),
    };
    anyhow::anyhow!(text)
}

pub fn run(home: &Home, command: AppsCommand, json: bool) -> anyhow::Result<()> {
    home.check_ownership()?;
    let store = AppStore::at(home.apps_path());
    match command {
        AppsCommand::Add(args) => {
            let scopes = args
                .scopes
                .iter()
                .map(|name| {
                    let name = name.trim();
                    name.parse::<Scope>()
                        .map_err(|_| anyhow::anyhow!(tr!("apps-unknown-scope", scope = name.to_owned())))
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            let app = store.add(&args.name, &scopes).map_err(describe)?;
            if json {
                return print_json(&serde_json::json!({
                    "name": app.info.name,
                    "scopes": app.info.scopes,
                    "created_ms": app.info.created_ms,
                    "token": app.token,
                }));
            }
            errln!(
                "{}",
                tr!(
                    "apps-added",
                    name = app.info.name.clone(),
                    scopes = scope_list(&app.info.scopes)
                )
            );
            outln!("{}", app.token)?;
        }
        AppsCommand::List => {
            let apps = store.list().map_err(describe)?;
            print_list(
                &apps,
                json,
                tr!("apps-none"),
                [tr!("apps-col-name"), tr!("apps-col-scopes"), tr!("apps-col-created")],
                |app| [app.name.clone(), scope_list(&app.scopes), clock(app.created_ms)],
            )?;
        }
        AppsCommand::Revoke { name } => {
            let app = store.revoke(&name).map_err(describe)?;
            if json {
                return print_json(&app);
            }
            outln!("{}", tr!("apps-revoked", name = app.name))?;
        }
    }
    Ok(())
}
