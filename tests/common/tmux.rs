//! Driving a real terminal for the integration tests: a tmux server of its own, keys
//! sent to it, and its screen polled with a deadline.

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// Longest wait for the screen to show something.
const DEADLINE: Duration = Duration::from_secs(60);

/// A tmux server of its own (its own socket), killed on drop.
pub struct Tmux {
    socket: String,
}

impl Tmux {
    /// Starts `command` in a detached 100×30 session of a server listening on
    /// `dir/name`.
    pub fn start(dir: &Path, name: &str, command: &str) -> Tmux {
        let tmux = Tmux {
            socket: dir.join(name).display().to_string(),
        };
        let out = tmux.run(&["new-session", "-d", "-x", "100", "-y", "30", "-s", "chat", command]);
        assert!(out.status.success(), "tmux: {}", String::from_utf8_lossy(&out.stderr));
        tmux
    }

    /// Runs a tmux command on this server.
    pub fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .args(["-u", "-f", "/dev/null", "-S", &self.socket])
            .args(args)
            .env("LANG", "en_US.UTF-8")
            .output()
            .expect("tmux is installed (apt-get install -y tmux)")
    }

    /// Sends keys (tmux key names) to the session.
    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "chat"];
        args.extend(keys);
        assert!(self.run(&args).status.success());
    }

    /// Types `text` literally.
    pub fn type_text(&self, text: &str) {
        assert!(self.run(&["send-keys", "-t", "chat", "-l", text]).status.success());
    }

    /// The visible screen, as text.
    pub fn screen(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", "chat"]).stdout).into_owned()
    }

    /// A tmux format (`#{alternate_on}`…) evaluated on the session.
    pub fn format(&self, format: &str) -> String {
        let out = self.run(&["display-message", "-p", "-t", "chat", format]);
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    /// Polls the screen until `ready` accepts it.
    pub fn wait(&self, what: &str, ready: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + DEADLINE;
        loop {
            let screen = self.screen();
            if ready(&screen) {
                return screen;
            }
            assert!(Instant::now() < deadline, "the screen never showed {what}:\n{screen}");
            // Polling interval of a deadline loop, not a synchronisation.
            std::thread::park_timeout(Duration::from_millis(50));
        }
    }

    /// Polls the screen until it shows `needle`.
    pub fn wait_for(&self, needle: &str) -> String {
        self.wait(needle, |screen| screen.contains(needle))
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

/// `path` quoted for a POSIX shell.
pub fn shell_quote(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', r"'\''"))
}
