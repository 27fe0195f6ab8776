//! The chat client's I/O: the terminal (raw mode, alternate screen, bracketed paste,
//! restored on every exit path including panics), a thread reading keys, the control-API
//! connections, and the loop that feeds all of it to [`App::update`] and draws with
//! [`view`]. API calls never block the loop: each runs in its own task on a pooled
//! connection (sends and typing signals go through one ordered lane so messages leave in
//! the order they were written), and answers come back as inputs. Redraws are coalesced
//! to at most one per [`FRAME`].

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crossterm::event::{DisableBracketedPaste, EnableBracketedPaste, Event as TermEvent};
use crossterm::terminal::{disable_raw_mode, enable_raw_mode, EnterAlternateScreen, LeaveAlternateScreen};
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;
use serde_json::Value;
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::app::{App, Effect, Failure, Input, Request};
use super::input::Key;
use super::view::view;
use crate::api::client::{ApiClient, ClientError};
use crate::phone::Region;

/// Shortest time between two redraws.
pub const FRAME: Duration = Duration::from_millis(16);
/// Largest address book file `contacts import` reads.
pub const MAX_IMPORT_BYTES: u64 = crate::contacts::import::MAX_IMPORT_BYTES as u64;
/// Node events queued for the loop before the event reader waits (the node then counts
/// the client as lagging and the app reloads).
const EVENT_QUEUE: usize = 4096;
/// Idle API connections kept for reuse.
const IDLE_CONNECTIONS: usize = 4;
/// How often the event reader tries to reach a node that went away.
const RECONNECT_EVERY: Duration = Duration::from_secs(1);

/// Why the chat client could not run.
#[derive(Debug, thiserror::Error)]
pub enum TuiError {
    /// The node could not be reached.
    #[error(transparent)]
    Api(#[from] ClientError),
    /// Standard input or output is not a terminal.
    #[error("chingu chat needs a terminal")]
    NotATerminal,
    /// The terminal failed.
    #[error("terminal: {0}")]
    Terminal(#[from] std::io::Error),
}

/// Whether the terminal is in chat mode (so the panic hook knows to restore it).
static ACTIVE: AtomicBool = AtomicBool::new(false);

/// Puts the terminal back: raw mode off, main screen, cursor shown. Does nothing unless
/// [`TerminalGuard`] set it up; safe to call twice.
fn restore_terminal() {
    if ACTIVE.swap(false, Ordering::SeqCst) {
        let _ = disable_raw_mode();
        let mut out = std::io::stdout();
        let _ = crossterm::execute!(
            out,
            DisableBracketedPaste,
            LeaveAlternateScreen,
            crossterm::cursor::Show
        );
        let _ = out.flush();
    }
}

/// Chat mode for the terminal while it lives; dropping it (also while unwinding)
/// restores the terminal.
struct TerminalGuard;

impl TerminalGuard {
    fn enter() -> std::io::Result<Self> {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore_terminal();
            previous(info);
        }));
        ACTIVE.store(true, Ordering::SeqCst);
        let guard = TerminalGuard;
        enable_raw_mode()?;
        crossterm::execute!(std::io::stdout(), EnterAlternateScreen, EnableBracketedPaste)?;
        Ok(guard)
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore_terminal();
    }
}

/// What the terminal thread reports.
enum TermInput {
    Input(Box<Input>),
    Resize(u16, u16),
}

/// Reads terminal events on a thread of its own until the loop goes away.
fn spawn_terminal_reader(tx: mpsc::Sender<TermInput>) {
    std::thread::spawn(move || {
        while !tx.is_closed() {
            match crossterm::event::poll(Duration::from_millis(100)) {
                Ok(false) => continue,
                Ok(true) => {}
                Err(_) => return,
            }
            let input = match crossterm::event::read() {
                Ok(TermEvent::Key(key)) => match Key::from_terminal(key) {
                    Some(key) => TermInput::Input(Box::new(Input::Key(key))),
                    None => continue,
                },
                Ok(TermEvent::Paste(text)) => TermInput::Input(Box::new(Input::Paste(text))),
                Ok(TermEvent::Resize(width, height)) => TermInput::Resize(width, height),
                Ok(_) => continue,
                Err(_) => return,
            };
            if tx.blocking_send(input).is_err() {
                return;
            }
        }
    });
}

/// Runs API calls for the loop.
#[derive(Clone)]
struct Caller {
    socket: PathBuf,
    /// Where numbers without a country code are read when importing.
    region: Region,
    idle: Arc<Mutex<Vec<ApiClient>>>,
    ordered: mpsc::UnboundedSender<(Request, &'static str, Value)>,
    replies: mpsc::UnboundedSender<Input>,
}

/// A failed call as the UI shows it: in the user's language, a refusal from its reason
/// and details, like the CLI's errors ([`crate::i18n::api_errors::client`]).
fn failure(error: ClientError) -> Failure {
    Failure {
        code: match &error {
            ClientError::Rpc(e) => Some(e.code),
            _ => None,
        },
        message: crate::i18n::api_errors::client(&error),
    }
}

impl Caller {
    fn new(socket: &Path, region: Region, replies: mpsc::UnboundedSender<Input>) -> Self {
        let (ordered, mut lane) = mpsc::unbounded_channel::<(Request, &'static str, Value)>();
        let caller = Self {
            socket: socket.to_owned(),
            region,
            idle: Arc::new(Mutex::new(Vec::new())),
            ordered,
            replies,
        };
        let lane_caller = caller.clone();
        tokio::spawn(async move {
            let mut client: Option<ApiClient> = None;
            while let Some((request, method, params)) = lane.recv().await {
                let result = match client.take() {
                    Some(c) => Ok(c),
                    None => ApiClient::connect(&lane_caller.socket).await,
                };
                let result = match result {
                    Ok(mut c) => {
                        let result = c.call(method, params).await;
                        if !result.as_ref().is_err_and(ClientError::breaks_connection) {
                            client = Some(c);
                        }
                        result
                    }
                    Err(e) => Err(e),
                };
                if lane_caller
                    .replies
                    .send(Input::Reply {
                        request,
                        result: result.map_err(failure),
                    })
                    .is_err()
                {
                    return;
                }
            }
        });
        caller
    }

    /// Starts `effect` (never waits for it).
    fn run(&self, effect: Effect) {
        match effect {
            Effect::Quit => {}
            Effect::Call {
                request: request @ (Request::Send { .. } | Request::Typing),
                method,
                params,
            } => {
                let _ = self.ordered.send((request, method, params));
            }
            Effect::Call {
                request,
                method,
                params,
            } => {
                let caller = self.clone();
                tokio::spawn(async move {
                    let result = caller.call(method, params).await;
                    let _ = caller.replies.send(Input::Reply { request, result });
                });
            }
            Effect::Import { path } => {
                let caller = self.clone();
                tokio::spawn(async move {
                    let result = caller.import(&path).await;
                    let _ = caller.replies.send(Input::Reply {
                        request: Request::Import,
                        result,
                    });
                });
            }
        }
    }

    /// Reads, parses and imports an address book (in parts, on a connection of its own).
    async fn import(&self, path: &str) -> Result<Value, Failure> {
        let bytes = read_address_book(path)
            .await
            .map_err(|message| Failure { code: None, message })?;
        let text = crate::contacts::import::decode(&bytes);
        let report = crate::contacts::import::import(&text, &self.region).map_err(|e| Failure {
            code: None,
            message: crate::tr!("err-bad-import", problem = e.reason()),
        })?;
        let mut client = ApiClient::connect(&self.socket).await.map_err(failure)?;
        let summary = client.import_persons(report, |_, _| {}).await.map_err(failure)?;
        serde_json::to_value(summary).map_err(|e| Failure {
            code: None,
            message: e.to_string(),
        })
    }

    async fn call(&self, method: &str, params: Value) -> Result<Value, Failure> {
        let pooled = self.idle.lock().map(|mut idle| idle.pop()).unwrap_or(None);
        let mut client = match pooled {
            Some(client) => client,
            None => ApiClient::connect(&self.socket).await.map_err(failure)?,
        };
        let result = client.call(method, params).await;
        if !result.as_ref().is_err_and(ClientError::breaks_connection) {
            if let Ok(mut idle) = self.idle.lock() {
                if idle.len() < IDLE_CONNECTIONS {
                    idle.push(client);
                }
            }
        }
        result.map_err(failure)
    }
}

/// The bytes of the address book at `path` (`~/` is the home directory).
async fn read_address_book(path: &str) -> Result<Vec<u8>, String> {
    let path = match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => Path::new(&home).join(rest),
        _ => PathBuf::from(path),
    };
    let cannot = |e: &dyn std::fmt::Display| {
        crate::tr!(
            "tui-import-unreadable",
            path = path.display().to_string(),
            message = e.to_string()
        )
    };
    let meta = tokio::fs::metadata(&path).await.map_err(|e| cannot(&e))?;
    if meta.len() > MAX_IMPORT_BYTES {
        return Err(crate::tr!(
            "tui-import-too-big",
            path = path.display().to_string(),
            limit = MAX_IMPORT_BYTES >> 20
        ));
    }
    tokio::fs::read(&path).await.map_err(|e| cannot(&e))
}

/// Follows the node's events; when the node goes away, reports it and reconnects.
async fn follow_events(socket: PathBuf, mut client: ApiClient, events: mpsc::Sender<Input>) {
    loop {
        loop {
            let event = match client.next_event().await {
                Ok(Some(event)) => event,
                Ok(None) | Err(_) => break,
            };
            // Events this version does not know are skipped.
            if let Ok(event) = serde_json::from_value::<crate::node::Event>(event) {
                if events.send(Input::Event(event)).await.is_err() {
                    return;
                }
            }
        }
        if events.send(Input::Disconnected).await.is_err() {
            return;
        }
        client = loop {
            tokio::time::sleep(RECONNECT_EVERY).await;
            if events.is_closed() {
                return;
            }
            if let Ok(mut c) = ApiClient::connect(&socket).await {
                if c.subscribe().await.is_ok() {
                    break c;
                }
            }
        };
        if events.send(Input::Reconnected).await.is_err() {
            return;
        }
    }
}

fn now_ms() -> u64 {
    crate::model::now_ms()
}

/// Runs the chat client against the node whose control socket is `socket` until the
/// user quits; address books are read in `region`.
pub async fn run(socket: &Path, region: Region) -> Result<(), TuiError> {
    let mut events_client = ApiClient::connect(socket).await?;
    events_client.subscribe().await?;
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Err(TuiError::NotATerminal);
    }
    let (keys_tx, mut keys) = mpsc::channel(256);
    let (replies_tx, mut replies) = mpsc::unbounded_channel();
    let (events_tx, mut events) = mpsc::channel(EVENT_QUEUE);
    let caller = Caller::new(socket, region, replies_tx);
    tokio::spawn(follow_events(socket.to_owned(), events_client, events_tx));

    let _guard = TerminalGuard::enter()?;
    let mut terminal = Terminal::new(CrosstermBackend::new(std::io::stdout()))?;
    terminal.clear()?;
    spawn_terminal_reader(keys_tx);
    let (mut terminate, mut interrupt, mut hangup) = (
        signal(SignalKind::terminate())?,
        signal(SignalKind::interrupt())?,
        signal(SignalKind::hangup())?,
    );

    let mut app = App::new();
    app.update(Input::Tick(now_ms()));
    if let Ok((width, height)) = crossterm::terminal::size() {
        app.update(Input::Resize(width, height));
    }
    for effect in app.start() {
        caller.run(effect);
    }
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let mut dirty = true;
    let mut last_draw = Instant::now() - FRAME;
    while !app.should_quit() {
        if dirty && last_draw.elapsed() >= FRAME {
            terminal.draw(|frame| view(&app, frame))?;
            dirty = false;
            last_draw = Instant::now();
            // Fault injection for the test that the terminal survives a panic; debug
            // builds only.
            #[cfg(debug_assertions)]
            if std::env::var_os("CHINGU_CHAT_TEST_PANIC").is_some() {
                panic!("the panic CHINGU_CHAT_TEST_PANIC asked for");
            }
        }
        let input = tokio::select! {
            biased;
            key = keys.recv() => match key {
                Some(TermInput::Input(input)) => Some(*input),
                Some(TermInput::Resize(width, height)) => {
                    terminal.autoresize()?;
                    Some(Input::Resize(width, height))
                }
                None => break,
            },
            _ = terminate.recv() => break,
            _ = interrupt.recv() => break,
            _ = hangup.recv() => break,
            Some(reply) = replies.recv() => Some(reply),
            Some(event) = events.recv() => Some(event),
            _ = tick.tick() => Some(Input::Tick(now_ms())),
            _ = tokio::time::sleep_until(last_draw + FRAME), if dirty => None,
        };
        dirty = true;
        if let Some(input) = input {
            for effect in app.update(input) {
                caller.run(effect);
            }
        }
    }
    drop(terminal);
    Ok(())
}
