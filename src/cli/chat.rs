//! `chingu chat`: starts the terminal chat client ([`chingu::tui`]) on the running node.

use chingu::home::Home;
use chingu::tr;
use chingu::tui::TuiError;

use super::errors::UsageError;

/// Runs the chat client until the user quits. The chat is a full-screen terminal program:
/// with `--json` it says which commands give the same in JSON.
pub async fn run(home: &Home, json: bool) -> anyhow::Result<()> {
    if json {
        return Err(UsageError(tr!("chat-no-json")).into());
    }
    let region = home.load_config()?.region;
    match chingu::tui::run(&home.socket_path(), region).await {
        Ok(()) => Ok(()),
        Err(TuiError::Api(e)) => Err(e.into()),
        Err(TuiError::NotATerminal) => Err(anyhow::anyhow!(tr!("chat-needs-terminal"))),
        Err(e) => Err(e.into()),
    }
}
