//! `chingu chat`: starts the terminal chat client ([`chingu::tui`]) on the running node.

use chingu::home::Home;
use chingu::tr;
use chingu::tui::TuiError;

/// Runs the chat client until the user quits.
pub async fn run(home: &Home) -> anyhow::Result<()> {
    match chingu::tui::run(&home.socket_path()).await {
        Ok(()) => Ok(()),
        Err(TuiError::Api(e)) => Err(e.into()),
        Err(TuiError::NotATerminal) => Err(anyhow::anyhow!(tr!("chat-needs-terminal"))),
        Err(e) => Err(e.into()),
    }
}
