//! The chat client's state and its update logic, free of I/O: [`App::update`] takes an
//! [`Input`] (a key, a paste, an API answer, a node event, a clock tick) and returns the
//! [`Effect`]s to carry out (API calls, reading a file to import, quitting). The I/O loop
//! in [`super::io`] runs the effects and feeds their answers back; [`super::view`] draws
//! the state. Everything that matters lives in the node, so this state is a cache: it
//! can be dropped and rebuilt from the API at any time.

use std::collections::{HashMap, HashSet, VecDeque};

use serde::Deserialize;
use serde_json::{json, Value};

use super::input::{Key, LineEditor};
use crate::model::{ConvId, Direction, MessageState};
use crate::node::{ContactView, ConversationView, ImportSummary, InviteView, MessageView, SearchPage, Verification};
use crate::phone::PhoneNumber;
use crate::text::for_terminal as clean;
use crate::tr;

/// Most messages of one conversation kept in memory; older ones are fetched again from
/// the node when scrolled back to.
pub const MAX_WINDOW: usize = 10_000;
/// Messages fetched per history page.
pub const PAGE: usize = 200;
/// How long a typing indicator shows without a fresh signal.
pub const TYPING_SHOWN_MS: u64 = 6_000;
/// How often "I am typing" is re-sent while typing.
pub const TYPING_RESEND_MS: u64 = 3_000;
/// Messages scrolled per Page Up / Page Down.
pub const SCROLL_PAGE: usize = 10;
/// Delivery states kept for messages not on screen yet (a state can overtake the answer
/// to the send that created the message).
pub const EARLY_STATES: usize = 256;
/// JSON-RPC "method not found": the node does not offer a method (an older node).
pub const METHOD_NOT_FOUND: i64 = crate::api::codes::METHOD_NOT_FOUND;

/// What a conversation is with.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Target {
    /// A friend, by E.164 number.
    Contact(String),
    /// A group or meetup, by group id (hex).
    Group(String),
}

impl Target {
    /// The conversation id the node uses for this target.
    pub fn conv_id(&self) -> String {
        match self {
            Target::Contact(phone) => PhoneNumber::canonical(phone)
                .map(|p| ConvId::direct(&p).to_string())
                .unwrap_or_default(),
            Target::Group(id) => id.clone(),
        }
    }
}

/// Which API call an answer belongs to (carried through the I/O loop untouched).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// `node.status`.
    Status,
    /// `contacts.list`.
    Contacts,
    /// `conversations.list`.
    Conversations,
    /// `groups.list`.
    Groups,
    /// `messages.history` / `groups.history`: a page before the oldest message held
    /// (`older`) or the newest page.
    History {
        /// The conversation.
        target: Target,
        /// Whether this is an older page.
        older: bool,
    },
    /// `messages.send` / `groups.send` of `text` (or `messages.reply`).
    Send {
        /// The conversation.
        target: Target,
        /// The text (put back in the composer if sending fails).
        text: String,
    },
    /// A reaction, edit or delete (`messages.react` …): the change shows when the node
    /// reports it.
    Act {
        /// The composer line (put back if it fails).
        text: String,
    },
    /// `messages.read` / `groups.read`.
    Read,
    /// `messages.typing`.
    Typing,
    /// `contacts.add`.
    AddContact,
    /// `contacts.import`.
    Import,
    /// `invite.create`.
    Invite,
    /// `contacts.verify` without confirming: show the safety numbers.
    SafetyNumbers,
    /// `contacts.verify` confirming a key.
    ConfirmVerified,
    /// `groups.members` of a group.
    Members {
        /// The group id.
        group: String,
    },
    /// A group change (`groups.create|invite|remove|admins|rename|leave`,
    /// `meetups.join|close`): report and refresh.
    GroupChange,
    /// `meetups.create`: show the code.
    MeetupCreate,
    /// `history.search` for `query`: show the results.
    Search {
        /// What was searched.
        query: String,
    },
}

/// An API call failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The JSON-RPC error code, when the node answered one.
    pub code: Option<i64>,
    /// What went wrong.
    pub message: String,
}

impl Failure {
    /// Whether the node does not know the method called.
    pub fn is_method_not_found(&self) -> bool {
        self.code == Some(METHOD_NOT_FOUND)
    }
}

/// Something that happened, fed to [`App::update`].
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// A key press.
    Key(Key),
    /// Text pasted into the terminal.
    Paste(String),
    /// The clock (ms since the epoch), ticked about once a second.
    Tick(u64),
    /// The answer to an API call.
    Reply {
        /// Which call.
        request: Request,
        /// Its result.
        result: Result<Value, Failure>,
    },
    /// A node event (from `events.subscribe`).
    Event(crate::node::Event),
    /// The terminal's size (columns, rows): at start and after every resize.
    Resize(u16, u16),
    /// The connection to the node broke.
    Disconnected,
    /// The node is reachable again (after [`Input::Disconnected`]).
    Reconnected,
}

/// Something for the I/O loop to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Call an API method; answer with [`Input::Reply`] carrying `request`.
    Call {
        /// Passed back with the answer.
        request: Request,
        /// The method.
        method: &'static str,
        /// Its parameters (by name).
        params: Value,
    },
    /// Read the address book at `path`, parse it and send its persons with
    /// `contacts.import` (answer with [`Request::Import`]).
    Import {
        /// The file.
        path: String,
    },
    /// Leave the chat client.
    Quit,
}

fn call(request: Request, method: &'static str, params: Value) -> Effect {
    Effect::Call {
        request,
        method,
        params,
    }
}

pub use crate::node::{GroupView, MemberView};

#[derive(Deserialize)]
struct MeetupCreated {
    code: String,
    #[serde(default)]
    link: String,
    #[serde(default)]
    expires_ms: Option<u64>,
}

/// Where keys go when no dialog is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    /// The friend list.
    List,
    /// The open conversation's composer.
    Chat,
}

/// One row of the friend list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// What it opens.
    pub target: Target,
    /// Its title (name, cleaned for the screen).
    pub title: String,
    /// The badge: a contact's discovery/verification state or a group's kind.
    pub badge: Badge,
    /// Unread messages.
    pub unread: u32,
    /// The newest message, shortened.
    pub preview: String,
}

/// What a list row's badge says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Badge {
    /// A contact in this discovery/verification state.
    Contact(String),
    /// A group.
    Group,
    /// A meetup (closed or not).
    Meetup {
        /// Whether it is closed.
        closed: bool,
    },
}

/// The open conversation.
#[derive(Debug, Clone, PartialEq)]
pub struct Chat {
    /// With whom.
    pub target: Target,
    /// Its conversation id.
    pub conv_id: String,
    /// The messages held, oldest first (at most [`MAX_WINDOW`]).
    pub messages: VecDeque<MessageView>,
    /// Messages hidden below the bottom of the view (0: following the newest).
    pub scroll: usize,
    /// Whether the newest page is being fetched.
    pub loading: bool,
    /// Whether an older page is being fetched.
    pub loading_older: bool,
    /// Whether the oldest message of the conversation is held.
    pub reached_start: bool,
    /// Whether newer messages were dropped from the window to make room for older ones.
    pub newer_trimmed: bool,
    /// Messages that arrived while scrolled up.
    pub unseen: usize,
    read_in_flight: bool,
    read_again: bool,
}

impl Chat {
    fn new(target: Target) -> Self {
        Self {
            conv_id: target.conv_id(),
            target,
            messages: VecDeque::new(),
            scroll: 0,
            loading: true,
            loading_older: false,
            reached_start: false,
            newer_trimmed: false,
            unseen: 0,
            read_in_flight: false,
            read_again: false,
        }
    }

    fn holds(&self, id: &str) -> bool {
        self.messages.iter().rev().take(64).any(|m| m.id == id)
    }

    /// Appends a new message unless it is already held; trims the oldest beyond the cap.
    fn push(&mut self, message: MessageView) {
        if self.newer_trimmed || self.holds(&message.id) {
            self.unseen += usize::from(self.newer_trimmed);
            return;
        }
        self.messages.push_back(message);
        if self.scroll > 0 {
            self.scroll += 1;
            self.unseen += 1;
        }
        if self.messages.len() > MAX_WINDOW {
            self.messages.pop_front();
            self.reached_start = false;
            self.scroll = self.scroll.min(self.messages.len().saturating_sub(1));
        }
    }
}

/// A text-entry dialog.
#[derive(Debug, Clone, PartialEq)]
pub struct Form {
    /// What it does.
    pub kind: FormKind,
    /// Its fields: label and editor.
    pub fields: Vec<(String, LineEditor)>,
    /// The field with the cursor.
    pub active: usize,
}

/// What a [`Form`] does when submitted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormKind {
    /// Add a contact by number or invite code.
    AddContact,
    /// Import an address book file.
    Import,
    /// Create a group.
    GroupCreate,
    /// Create a meetup.
    MeetupCreate,
    /// Join a meetup by code.
    MeetupJoin,
    /// Invite a contact into a group.
    GroupInvite(String),
    /// Rename a group.
    GroupRename(String),
    /// Search the history.
    Search,
}

impl FormKind {
    /// The dialog's title.
    pub fn title(&self) -> String {
        match self {
            FormKind::AddContact => tr!("tui-form-add-title"),
            FormKind::Import => tr!("tui-form-import-title"),
            FormKind::GroupCreate => tr!("tui-form-group-title"),
            FormKind::MeetupCreate => tr!("tui-form-meetup-title"),
            FormKind::MeetupJoin => tr!("tui-form-join-title"),
            FormKind::GroupInvite(_) => tr!("tui-form-invite-member-title"),
            FormKind::GroupRename(_) => tr!("tui-form-rename-title"),
            FormKind::Search => tr!("tui-form-search-title"),
        }
    }

    fn labels(&self) -> Vec<String> {
        match self {
            FormKind::AddContact => vec![tr!("tui-field-number-or-code"), tr!("tui-field-name")],
            FormKind::Import => vec![tr!("tui-field-path")],
            FormKind::GroupCreate => vec![tr!("tui-field-group-name"), tr!("tui-field-members")],
            FormKind::MeetupCreate => vec![tr!("tui-field-meetup-name"), tr!("tui-field-duration")],
            FormKind::MeetupJoin => vec![tr!("tui-field-meetup-code")],
            FormKind::GroupInvite(_) => vec![tr!("tui-field-contact")],
            FormKind::GroupRename(_) => vec![tr!("tui-field-group-name")],
            FormKind::Search => vec![tr!("tui-field-search")],
        }
    }
}

/// A read-only panel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Info {
    /// Its title.
    pub title: String,
    /// Its lines.
    pub lines: Vec<String>,
    /// For a safety-number panel: the contact (Enter or a digit confirms a key).
    pub verify: Option<String>,
}

/// A group's member list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Members {
    /// The group id.
    pub group: String,
    /// The members.
    pub members: Vec<MemberView>,
    /// The selected row.
    pub selected: usize,
}

/// A yes/no question before a change that cannot be undone.
#[derive(Debug, Clone, PartialEq)]
pub struct Confirm {
    /// The question.
    pub question: String,
    /// What "yes" does.
    pub effect: Effect,
    /// The dialog to return to afterwards (the member list after removing a member).
    pub back: Option<Box<Overlay>>,
}

/// What covers the main screen.
#[derive(Debug, Clone, PartialEq)]
pub enum Overlay {
    /// The keyboard help.
    Help,
    /// A text-entry dialog.
    Form(Form),
    /// A read-only panel (invite code, safety numbers, meetup code).
    Info(Info),
    /// A group's members.
    Members(Members),
    /// A question.
    Confirm(Confirm),
}

/// A line in the status bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// The text.
    pub text: String,
    /// Whether it reports a failure.
    pub error: bool,
}

/// The chat client's whole state.
#[derive(Debug, Clone)]
pub struct App {
    /// The owner's name and number, once `node.status` answered.
    pub me: Option<(String, String)>,
    /// The address book.
    pub contacts: Vec<ContactView>,
    /// Conversations, newest first.
    pub conversations: Vec<ConversationView>,
    /// Groups and meetups.
    pub groups: Vec<GroupView>,
    /// `false` once the node answered that it has no group methods.
    pub groups_available: bool,
    /// The selected list row.
    pub selected: Option<Target>,
    /// Where keys go.
    pub focus: Focus,
    /// The open conversation.
    pub chat: Option<Chat>,
    /// The message being written.
    pub composer: LineEditor,
    /// A dialog over the screen.
    pub overlay: Option<Overlay>,
    /// The status bar's message.
    pub notice: Option<Notice>,
    /// Friends typing now: number → until when (ms).
    pub typing: HashMap<String, u64>,
    /// Whether the connection to the node is up.
    pub connected: bool,
    /// The terminal's size (columns, rows), once known.
    pub terminal: Option<(u16, u16)>,
    /// States reported for messages not held yet, by message id (bounded).
    early_states: VecDeque<(String, MessageState)>,
    now_ms: u64,
    typing_sent_ms: Option<u64>,
    conversations_loading: bool,
    conversations_again: bool,
    quit: bool,
}

impl Default for App {
    fn default() -> Self {
        Self::new()
    }
}

impl App {
    /// A client with nothing loaded yet; call [`App::start`] for the first calls.
    pub fn new() -> Self {
        Self {
            me: None,
            contacts: Vec::new(),
            conversations: Vec::new(),
            groups: Vec::new(),
            groups_available: true,
            selected: None,
            focus: Focus::List,
            chat: None,
            composer: LineEditor::default(),
            overlay: None,
            notice: None,
            typing: HashMap::new(),
            connected: true,
            terminal: None,
            early_states: VecDeque::new(),
            now_ms: 0,
            typing_sent_ms: None,
            conversations_loading: false,
            conversations_again: false,
            quit: false,
        }
    }

    /// The calls that load everything.
    pub fn start(&mut self) -> Vec<Effect> {
        let mut effects = vec![
            call(Request::Status, "node.status", json!({})),
            call(Request::Contacts, "contacts.list", json!({})),
        ];
        effects.extend(self.refresh_conversations());
        effects.extend(self.refresh_groups());
        effects
    }

    /// Everything loaded again, the open conversation's newest page included (after
    /// missed events or a reconnection).
    fn reload(&mut self) -> Vec<Effect> {
        self.conversations_loading = false;
        let mut effects = self.start();
        if let Some(chat) = &mut self.chat {
            chat.loading = true;
            effects.push(history(chat.target.clone(), None));
        }
        effects
    }

    /// Whether the client should exit.
    pub fn should_quit(&self) -> bool {
        self.quit
    }

    /// The clock as last ticked (ms since the epoch).
    pub fn now_ms(&self) -> u64 {
        self.now_ms
    }

    fn say(&mut self, text: String) {
        self.notice = Some(Notice { text, error: false });
    }

    fn complain(&mut self, text: String) {
        self.notice = Some(Notice { text, error: true });
    }

    fn refresh_conversations(&mut self) -> Vec<Effect> {
        if self.conversations_loading {
            self.conversations_again = true;
            return Vec::new();
        }
        self.conversations_loading = true;
        vec![call(Request::Conversations, "conversations.list", json!({}))]
    }

    fn refresh_groups(&mut self) -> Vec<Effect> {
        if !self.groups_available {
            return Vec::new();
        }
        vec![call(Request::Groups, "groups.list", json!({}))]
    }

    /// The friend list: conversations newest first, then contacts and groups without
    /// messages.
    pub fn entries(&self) -> Vec<Entry> {
        let mut entries: Vec<Entry> = Vec::with_capacity(self.contacts.len() + self.groups.len());
        let mut listed: HashSet<Target> = HashSet::new();
        for conv in &self.conversations {
            let entry = match conv.phone.as_deref() {
                Some(phone) if conv.kind == "direct" => self.contact_entry(phone, &conv.title),
                _ => self.group_entry(&conv.id, &conv.title, &conv.kind),
            };
            if listed.insert(entry.target.clone()) {
                entries.push(Entry {
                    unread: conv.unread,
                    preview: clean(&conv.preview).into_owned(),
                    ..entry
                });
            }
        }
        for contact in &self.contacts {
            if listed.insert(Target::Contact(contact.phone.clone())) {
                entries.push(self.contact_entry(&contact.phone, &contact.name));
            }
        }
        for group in &self.groups {
            if listed.insert(Target::Group(group.group_id.clone())) {
                entries.push(self.group_entry(&group.group_id, &group.name, &group.kind));
            }
        }
        entries
    }

    fn contact_entry(&self, phone: &str, fallback: &str) -> Entry {
        let contact = self.contacts.iter().find(|c| c.phone == phone);
        let title = match contact {
            Some(c) if !c.name.is_empty() => c.name.clone(),
            // A contact the owner never named shows the name the friend chose.
            Some(ContactView {
                profile_name: Some(own),
                ..
            }) => own.clone(),
            _ if !fallback.is_empty() => fallback.to_owned(),
            _ => phone.to_owned(),
        };
        Entry {
            target: Target::Contact(phone.to_owned()),
            title: clean(&title).into_owned(),
            badge: Badge::Contact(contact.map(|c| c.state.clone()).unwrap_or_else(|| "request".into())),
            unread: 0,
            preview: String::new(),
        }
    }

    fn group_entry(&self, id: &str, fallback: &str, kind: &str) -> Entry {
        let group = self.groups.iter().find(|g| g.group_id == id);
        let name = group.map_or(fallback, |g| g.name.as_str());
        let kind = group.map_or(kind, |g| g.kind.as_str());
        Entry {
            target: Target::Group(id.to_owned()),
            title: clean(name).into_owned(),
            badge: if kind == "meetup" {
                Badge::Meetup {
                    closed: group.is_some_and(|g| g.closed),
                }
            } else {
                Badge::Group
            },
            unread: 0,
            preview: String::new(),
        }
    }

    /// The index of the selected row in `entries`.
    pub fn selected_index(&self, entries: &[Entry]) -> usize {
        self.selected
            .as_ref()
            .and_then(|t| entries.iter().position(|e| &e.target == t))
            .unwrap_or(0)
    }

    /// The list row of `target` (title and badge; counts are in [`App::entries`]).
    pub fn entry_of(&self, target: &Target) -> Entry {
        let conv_id = target.conv_id();
        let conv = self.conversations.iter().find(|c| c.id == conv_id);
        let fallback = conv.map_or("", |c| c.title.as_str());
        match target {
            Target::Contact(phone) => self.contact_entry(phone, fallback),
            Target::Group(id) => self.group_entry(id, fallback, conv.map_or("group", |c| c.kind.as_str())),
        }
    }

    /// The title of a conversation target, for headers.
    pub fn title_of(&self, target: &Target) -> String {
        self.entry_of(target).title
    }

    /// The names of the friends typing in the open conversation.
    pub fn typing_names(&self) -> Vec<String> {
        let Some(Target::Contact(phone)) = self.chat.as_ref().map(|c| &c.target) else {
            return Vec::new();
        };
        match self.typing.get(phone) {
            Some(until) if *until > self.now_ms => vec![self.title_of(&Target::Contact(phone.clone()))],
            _ => Vec::new(),
        }
    }

    /// The group of the open conversation or the selected row, if it is one.
    pub fn group(&self, id: &str) -> Option<&GroupView> {
        self.groups.iter().find(|g| g.group_id == id)
    }

    /// Advances the state by one input.
    pub fn update(&mut self, input: Input) -> Vec<Effect> {
        match input {
            Input::Key(key) => self.key(key),
            Input::Paste(text) => self.paste(&text),
            Input::Tick(now) => {
                self.now_ms = now;
                self.typing.retain(|_, until| *until > now);
                Vec::new()
            }
            Input::Reply { request, result } => self.reply(request, result),
            Input::Event(event) => self.event(event),
            Input::Resize(width, height) => {
                self.terminal = Some((width, height));
                self.clamp_scroll();
                Vec::new()
            }
            Input::Disconnected => {
                self.connected = false;
                self.complain(tr!("tui-disconnected"));
                Vec::new()
            }
            Input::Reconnected => {
                self.connected = true;
                self.say(tr!("tui-reconnected"));
                self.reload()
            }
        }
    }

    fn paste(&mut self, text: &str) -> Vec<Effect> {
        match &mut self.overlay {
            Some(Overlay::Form(form)) => {
                form.fields[form.active].1.insert(text);
                Vec::new()
            }
            Some(_) => Vec::new(),
            None => {
                if self.chat.is_none() {
                    return Vec::new();
                }
                self.focus = Focus::Chat;
                self.composer.insert(text);
                self.typing_effects()
            }
        }
    }

    fn key(&mut self, key: Key) -> Vec<Effect> {
        if key == Key::Ctrl('c') {
            self.quit = true;
            return vec![Effect::Quit];
        }
        if self.connected {
            // A key press dismisses the last notice (except "disconnected").
            self.notice = None;
        }
        if key == Key::Help {
            self.overlay = match self.overlay {
                Some(Overlay::Help) => None,
                _ => Some(Overlay::Help),
            };
            return Vec::new();
        }
        match self.overlay.take() {
            Some(overlay) => self.overlay_key(overlay, key),
            None => match self.focus {
                Focus::List => self.list_key(key),
                Focus::Chat => self.chat_key(key),
            },
        }
    }

    fn list_key(&mut self, key: Key) -> Vec<Effect> {
        let entries = self.entries();
        let index = self.selected_index(&entries);
        let selected = entries.get(index).map(|e| e.target.clone());
        match key {
            Key::Char('q') => {
                self.quit = true;
                return vec![Effect::Quit];
            }
            Key::Char('?') => self.overlay = Some(Overlay::Help),
            Key::Up | Key::Char('k') => {
                self.selected = entries.get(index.saturating_sub(1)).map(|e| e.target.clone());
            }
            Key::Down | Key::Char('j') => {
                self.selected = entries
                    .get((index + 1).min(entries.len().saturating_sub(1)))
                    .map(|e| e.target.clone());
            }
            Key::Home => self.selected = entries.first().map(|e| e.target.clone()),
            Key::End => self.selected = entries.last().map(|e| e.target.clone()),
            Key::Enter | Key::Right | Key::Tab | Key::Char('l') => {
                if let Some(target) = selected {
                    return self.open(target);
                }
            }
            Key::Char('a') => self.form(FormKind::AddContact),
            Key::Char('/') => self.form(FormKind::Search),
            Key::Char('i') => self.form(FormKind::Import),
            Key::Char('n') => return vec![call(Request::Invite, "invite.create", json!({}))],
            Key::Char('v') => match selected {
                Some(Target::Contact(phone)) => return self.safety_numbers(phone),
                _ => self.complain(tr!("tui-verify-needs-contact")),
            },
            Key::Char('g') => return self.group_form(FormKind::GroupCreate),
            Key::Char('m') => return self.group_form(FormKind::MeetupCreate),
            Key::Char('J') => return self.group_form(FormKind::MeetupJoin),
            Key::Char('e') => match selected {
                Some(Target::Group(group)) => return self.members(group),
                _ => self.complain(tr!("tui-members-needs-group")),
            },
            Key::Char('r') => {
                self.say(tr!("tui-refreshing"));
                return self.reload();
            }
            _ => {}
        }
        Vec::new()
    }

    fn chat_key(&mut self, key: Key) -> Vec<Effect> {
        match key {
            Key::Esc => {
                self.focus = Focus::List;
                return self.stop_typing();
            }
            Key::Enter => return self.send(),
            Key::PageUp | Key::Up => {
                let step = if key == Key::Up { 1 } else { SCROLL_PAGE };
                return self.scroll_up(step);
            }
            Key::PageDown | Key::Down => {
                let step = if key == Key::Down { 1 } else { SCROLL_PAGE };
                return self.scroll_down(step);
            }
            Key::Ctrl('g') => {
                if let Some(Target::Group(group)) = self.chat.as_ref().map(|c| c.target.clone()) {
                    return self.members(group);
                }
                self.complain(tr!("tui-members-needs-group"));
            }
            Key::Ctrl('s') => {
                if let Some(Target::Contact(phone)) = self.chat.as_ref().map(|c| c.target.clone()) {
                    return self.safety_numbers(phone);
                }
                self.complain(tr!("tui-verify-needs-contact"));
            }
            // A terminal that sends Ctrl-V as a key (no bracketed paste) keeps the
            // clipboard to itself: say how to paste.
            Key::Ctrl('v') => self.say(tr!("tui-paste-hint")),
            other => {
                if self.composer.edit(other) {
                    return self.typing_effects();
                }
            }
        }
        Vec::new()
    }

    fn overlay_key(&mut self, overlay: Overlay, key: Key) -> Vec<Effect> {
        match overlay {
            Overlay::Help => {
                if !matches!(key, Key::Esc | Key::Enter | Key::Char('?') | Key::Char('q')) {
                    self.overlay = Some(Overlay::Help);
                }
                Vec::new()
            }
            Overlay::Info(info) => match (key, &info.verify) {
                (Key::Char('c'), Some(phone)) => vec![call(
                    Request::ConfirmVerified,
                    "contacts.verify",
                    json!({ "contact": phone, "confirm": true }),
                )],
                (Key::Char(d @ '1'..='9'), Some(phone)) => vec![call(
                    Request::ConfirmVerified,
                    "contacts.verify",
                    json!({ "contact": phone, "candidate": d as usize - '0' as usize }),
                )],
                (Key::Esc | Key::Enter | Key::Char('q'), _) => Vec::new(),
                _ => {
                    self.overlay = Some(Overlay::Info(info));
                    Vec::new()
                }
            },
            Overlay::Confirm(confirm) => {
                self.overlay = confirm.back.map(|back| *back);
                match key {
                    Key::Char('y') | Key::Char('Y') | Key::Enter => vec![confirm.effect],
                    _ => Vec::new(),
                }
            }
            Overlay::Form(form) => self.form_key(form, key),
            Overlay::Members(members) => self.members_key(members, key),
        }
    }

    fn form(&mut self, kind: FormKind) {
        let fields = kind.labels().into_iter().map(|l| (l, LineEditor::default())).collect();
        self.overlay = Some(Overlay::Form(Form {
            kind,
            fields,
            active: 0,
        }));
    }

    fn group_form(&mut self, kind: FormKind) -> Vec<Effect> {
        if self.groups_available {
            self.form(kind);
        } else {
            self.complain(tr!("tui-groups-unavailable"));
        }
        Vec::new()
    }

    fn form_key(&mut self, mut form: Form, key: Key) -> Vec<Effect> {
        match key {
            Key::Esc => return Vec::new(),
            Key::Tab | Key::Down => form.active = (form.active + 1) % form.fields.len(),
            Key::BackTab | Key::Up => form.active = (form.active + form.fields.len() - 1) % form.fields.len(),
            Key::Enter if form.active + 1 < form.fields.len() => form.active += 1,
            Key::Enter => {
                let values: Vec<String> = form.fields.iter().map(|(_, e)| e.text().trim().to_owned()).collect();
                match submit(&form.kind, &values) {
                    Ok(effect) => {
                        self.say(tr!("tui-working"));
                        return vec![effect];
                    }
                    Err(problem) => self.complain(problem),
                }
            }
            other => {
                form.fields[form.active].1.edit(other);
            }
        }
        self.overlay = Some(Overlay::Form(form));
        Vec::new()
    }

    fn members_key(&mut self, mut members: Members, key: Key) -> Vec<Effect> {
        let group = members.group.clone();
        let admin = self.group(&group).is_some_and(|g| g.is_admin);
        let meetup = self.group(&group).is_some_and(|g| g.kind == "meetup");
        let chosen = members.members.get(members.selected).cloned();
        let name = self.title_of(&Target::Group(group.clone()));
        let needs_admin = matches!(key, Key::Char('a' | 'd' | 'o' | 'r' | 'x'));
        if needs_admin && !admin {
            self.complain(tr!("tui-admin-only"));
            self.overlay = Some(Overlay::Members(members));
            return Vec::new();
        }
        match key {
            Key::Esc | Key::Char('q') => return Vec::new(),
            Key::Up | Key::Char('k') => members.selected = members.selected.saturating_sub(1),
            Key::Down | Key::Char('j') => {
                members.selected = (members.selected + 1).min(members.members.len().saturating_sub(1));
            }
            Key::Char('a') => {
                self.form(FormKind::GroupInvite(group));
                return Vec::new();
            }
            Key::Char('r') => {
                self.form(FormKind::GroupRename(group));
                return Vec::new();
            }
            Key::Char('d') => {
                if let Some(member) = chosen.filter(|m| !m.me) {
                    let who = clean(&member.name).into_owned();
                    let effect = call(
                        Request::GroupChange,
                        "groups.remove",
                        json!({ "group": group, "member": member.peer_id }),
                    );
                    self.overlay = Some(Overlay::Confirm(Confirm {
                        question: tr!("tui-confirm-remove", name = who, group = name),
                        effect,
                        back: Some(Box::new(Overlay::Members(members))),
                    }));
                    return Vec::new();
                }
            }
            Key::Char('o') => {
                if let Some(member) = chosen.filter(|m| !m.me) {
                    let action = if member.admin { "remove" } else { "add" };
                    return vec![call(
                        Request::GroupChange,
                        "groups.admins",
                        json!({ "group": group, "action": action, "member": member.peer_id }),
                    )];
                }
            }
            Key::Char('x') if meetup => {
                return self.confirm(
                    tr!("tui-confirm-close", group = name),
                    call(Request::GroupChange, "meetups.close", json!({ "group": group })),
                );
            }
            Key::Char('l') => {
                return self.confirm(
                    tr!("tui-confirm-leave", group = name),
                    call(Request::GroupChange, "groups.leave", json!({ "group": group })),
                );
            }
            _ => {}
        }
        self.overlay = Some(Overlay::Members(members));
        Vec::new()
    }

    fn confirm(&mut self, question: String, effect: Effect) -> Vec<Effect> {
        self.overlay = Some(Overlay::Confirm(Confirm {
            question,
            effect,
            back: None,
        }));
        Vec::new()
    }

    fn members(&mut self, group: String) -> Vec<Effect> {
        if !self.groups_available {
            self.complain(tr!("tui-groups-unavailable"));
            return Vec::new();
        }
        vec![call(
            Request::Members { group: group.clone() },
            "groups.members",
            json!({ "group": group }),
        )]
    }

    fn safety_numbers(&mut self, phone: String) -> Vec<Effect> {
        vec![call(
            Request::SafetyNumbers,
            "contacts.verify",
            json!({ "contact": phone }),
        )]
    }

    fn open(&mut self, target: Target) -> Vec<Effect> {
        self.focus = Focus::Chat;
        self.selected = Some(target.clone());
        let mut effects = self.stop_typing();
        if self.chat.as_ref().is_some_and(|c| c.target == target) {
            effects.extend(self.mark_read());
            return effects;
        }
        if let Target::Contact(phone) = &target {
            // A friend not reachable yet: say why, and what to do.
            if let Some(contact) = self.contacts.iter().find(|c| &c.phone == phone) {
                if !matches!(contact.reason.as_str(), "found_unverified" | "verified" | "") {
                    let name = if contact.name.is_empty() {
                        &contact.phone
                    } else {
                        &contact.name
                    };
                    self.say(crate::contacts::standing::localized(
                        &contact.reason,
                        name,
                        &contact.explanation,
                    ));
                }
            }
        }
        self.chat = Some(Chat::new(target.clone()));
        effects.push(history(target, None));
        effects.extend(self.mark_read());
        effects
    }

    fn mark_read(&mut self) -> Vec<Effect> {
        let Some(chat) = &mut self.chat else {
            return Vec::new();
        };
        if let Some(conv) = self.conversations.iter_mut().find(|c| c.id == chat.conv_id) {
            conv.unread = 0;
        }
        if chat.read_in_flight {
            chat.read_again = true;
            return Vec::new();
        }
        chat.read_in_flight = true;
        // Groups too: the node keeps their unread count, which a reload would bring back.
        match &chat.target {
            Target::Contact(phone) => vec![call(Request::Read, "messages.read", json!({ "contact": phone }))],
            Target::Group(group) if self.groups_available => {
                vec![call(Request::Read, "groups.read", json!({ "group": group }))]
            }
            Target::Group(_) => {
                chat.read_in_flight = false;
                Vec::new()
            }
        }
    }

    fn typing_effects(&mut self) -> Vec<Effect> {
        let Some(Target::Contact(phone)) = self.chat.as_ref().map(|c| &c.target) else {
            return Vec::new();
        };
        if self.composer.is_empty() {
            return self.stop_typing();
        }
        if self
            .typing_sent_ms
            .is_some_and(|at| self.now_ms < at + TYPING_RESEND_MS)
        {
            return Vec::new();
        }
        self.typing_sent_ms = Some(self.now_ms);
        vec![call(
            Request::Typing,
            "messages.typing",
            json!({ "contact": phone, "active": true }),
        )]
    }

    fn stop_typing(&mut self) -> Vec<Effect> {
        match (self.typing_sent_ms.take(), self.chat.as_ref().map(|c| &c.target)) {
            (Some(_), Some(Target::Contact(phone))) => vec![call(
                Request::Typing,
                "messages.typing",
                json!({ "contact": phone, "active": false }),
            )],
            _ => Vec::new(),
        }
    }

    fn send(&mut self) -> Vec<Effect> {
        let Some(chat) = &self.chat else {
            return Vec::new();
        };
        if self.composer.text().trim().is_empty() {
            return Vec::new();
        }
        let target = chat.target.clone();
        let command = super::commands::parse(self.composer.text(), &chat.messages);
        let mut effects = self.stop_typing();
        let line = self.composer.take();
        let effect = match command {
            super::commands::Command::Text(text) => {
                let (method, params) = match &target {
                    Target::Contact(phone) => ("messages.send", json!({ "contact": phone, "text": text })),
                    Target::Group(group) => ("groups.send", json!({ "group": group, "text": text })),
                };
                call(Request::Send { target, text: line }, method, params)
            }
            super::commands::Command::Call {
                method,
                params,
                shows: true,
            } => call(Request::Send { target, text: line }, method, params),
            super::commands::Command::Call { method, params, .. } => call(Request::Act { text: line }, method, params),
            super::commands::Command::Nothing(whose) => {
                self.composer.insert(&line);
                self.complain(match whose {
                    Direction::Incoming => tr!("tui-nothing-theirs"),
                    Direction::Outgoing => tr!("tui-nothing-mine"),
                });
                return effects;
            }
        };
        effects.push(effect);
        effects.extend(self.scroll_to_bottom());
        effects
    }

    /// How far the open conversation can scroll: until its first message is at the top
    /// of the pane once the start is held, else (more will load) to the oldest held.
    fn max_scroll(&self) -> usize {
        let Some(chat) = &self.chat else {
            return 0;
        };
        let held = chat.messages.len().saturating_sub(1);
        match self.terminal {
            Some((width, height)) if chat.reached_start => {
                let (columns, rows) = super::view::message_pane(width, height);
                super::view::max_scroll(chat, columns, rows).min(held)
            }
            _ => held,
        }
    }

    fn clamp_scroll(&mut self) {
        let max = self.max_scroll();
        if let Some(chat) = &mut self.chat {
            chat.scroll = chat.scroll.min(max);
        }
    }

    fn scroll_up(&mut self, step: usize) -> Vec<Effect> {
        let max = self.max_scroll();
        let Some(chat) = &mut self.chat else {
            return Vec::new();
        };
        let held = chat.messages.len();
        chat.scroll = (chat.scroll + step).min(max);
        if chat.scroll + PAGE / 4 >= held && !chat.reached_start && !chat.loading_older && !chat.loading {
            if let Some(oldest) = chat.messages.front() {
                chat.loading_older = true;
                return vec![history(chat.target.clone(), Some(oldest.id.clone()))];
            }
        }
        Vec::new()
    }

    fn scroll_down(&mut self, step: usize) -> Vec<Effect> {
        let Some(chat) = &mut self.chat else {
            return Vec::new();
        };
        chat.scroll = chat.scroll.saturating_sub(step);
        if chat.scroll == 0 {
            return self.scroll_to_bottom();
        }
        Vec::new()
    }

    fn scroll_to_bottom(&mut self) -> Vec<Effect> {
        let Some(chat) = &mut self.chat else {
            return Vec::new();
        };
        chat.scroll = 0;
        chat.unseen = 0;
        if chat.newer_trimmed && !chat.loading {
            chat.loading = true;
            return vec![history(chat.target.clone(), None)];
        }
        Vec::new()
    }

    fn reply(&mut self, request: Request, result: Result<Value, Failure>) -> Vec<Effect> {
        let value = match result {
            Ok(value) => value,
            Err(failure) => return self.failed(request, failure),
        };
        match request {
            Request::Status => {
                let name = value["name"].as_str().unwrap_or_default();
                let phone = value["phone"].as_str().unwrap_or_default();
                self.me = Some((clean(name).into_owned(), phone.to_owned()));
            }
            Request::Contacts => match serde_json::from_value(value) {
                Ok(contacts) => self.contacts = contacts,
                Err(e) => self.complain(tr!("tui-bad-answer", message = e.to_string())),
            },
            Request::Conversations => {
                self.conversations_loading = false;
                match serde_json::from_value(value) {
                    Ok(conversations) => self.conversations = conversations,
                    Err(e) => self.complain(tr!("tui-bad-answer", message = e.to_string())),
                }
                if let Some(chat) = &self.chat {
                    let id = chat.conv_id.clone();
                    if let Some(conv) = self.conversations.iter_mut().find(|c| c.id == id) {
                        conv.unread = 0;
                    }
                }
                if std::mem::take(&mut self.conversations_again) {
                    return self.refresh_conversations();
                }
            }
            Request::Groups => match serde_json::from_value(value) {
                Ok(groups) => self.groups = groups,
                Err(e) => self.complain(tr!("tui-bad-answer", message = e.to_string())),
            },
            Request::History { target, older } => return self.history_page(target, older, value),
            Request::Send { target, .. } => {
                if let Ok(mut message) = serde_json::from_value::<MessageView>(value) {
                    if let Some(at) = self.early_states.iter().position(|(id, _)| *id == message.id) {
                        let (_, state) = self.early_states.remove(at).expect("found");
                        message.state = message.state.max(state);
                    }
                    let effects = self.note_message(&message, false);
                    if let Some(chat) = self.chat.as_mut().filter(|c| c.target == target) {
                        chat.push(message);
                    }
                    return effects;
                }
            }
            Request::Read => {
                if let Some(chat) = &mut self.chat {
                    chat.read_in_flight = false;
                    if std::mem::take(&mut chat.read_again) {
                        return self.mark_read();
                    }
                }
            }
            Request::Typing | Request::Act { .. } => {}
            Request::AddContact => {
                if let Ok(contact) = serde_json::from_value::<ContactView>(value) {
                    let name = clean(&contact.name).into_owned();
                    self.selected = Some(Target::Contact(contact.phone.clone()));
                    self.say(tr!("tui-contact-added", name = name));
                }
                return vec![call(Request::Contacts, "contacts.list", json!({}))];
            }
            Request::Import => {
                if let Ok(summary) = serde_json::from_value::<ImportSummary>(value) {
                    self.say(tr!(
                        "tui-imported",
                        added = summary.added,
                        persons = summary.persons,
                        skipped = summary.issues.len()
                    ));
                }
                return vec![call(Request::Contacts, "contacts.list", json!({}))];
            }
            Request::Search { query } => match serde_json::from_value::<SearchPage>(value) {
                Ok(page) => self.overlay = Some(Overlay::Info(search_panel(&query, &page))),
                Err(e) => self.complain(tr!("tui-bad-answer", message = e.to_string())),
            },
            Request::Invite => match serde_json::from_value::<InviteView>(value) {
                Ok(invite) => {
                    let hours = invite.expires.saturating_sub(self.now_ms / 1000).div_ceil(3600);
                    self.overlay = Some(code_panel(
                        tr!("tui-invite-title"),
                        invite.code,
                        invite.link,
                        tr!("tui-invite-howto", hours = hours),
                    ));
                }
                Err(e) => self.complain(tr!("tui-bad-answer", message = e.to_string())),
            },
            Request::SafetyNumbers => match serde_json::from_value::<Verification>(value) {
                Ok(verification) => self.overlay = Some(Overlay::Info(safety_panel(&verification))),
                Err(e) => self.complain(tr!("tui-bad-answer", message = e.to_string())),
            },
            Request::ConfirmVerified => {
                if let Ok(verification) = serde_json::from_value::<Verification>(value) {
                    let name = clean(&verification.contact.name).into_owned();
                    self.say(tr!("tui-verified", name = name));
                }
                return vec![call(Request::Contacts, "contacts.list", json!({}))];
            }
            Request::Members { group } => match serde_json::from_value::<Vec<MemberView>>(value) {
                Ok(members) => {
                    let selected = match &self.overlay {
                        Some(Overlay::Members(m)) if m.group == group => {
                            m.selected.min(members.len().saturating_sub(1))
                        }
                        _ => 0,
                    };
                    self.overlay = Some(Overlay::Members(Members {
                        group,
                        members,
                        selected,
                    }));
                }
                Err(e) => self.complain(tr!("tui-bad-answer", message = e.to_string())),
            },
            Request::GroupChange => {
                self.say(tr!("tui-group-done"));
                let mut effects = self.refresh_groups();
                effects.extend(self.refresh_conversations());
                if let Some(Overlay::Members(m)) = &self.overlay {
                    effects.extend(self.members(m.group.clone()));
                }
                return effects;
            }
            Request::MeetupCreate => match serde_json::from_value::<MeetupCreated>(value) {
                Ok(meetup) => {
                    let minutes = meetup
                        .expires_ms
                        .map_or(0, |ms| ms.saturating_sub(self.now_ms).div_ceil(60_000));
                    self.overlay = Some(code_panel(
                        tr!("tui-meetup-title"),
                        meetup.code,
                        meetup.link,
                        tr!("tui-meetup-howto", minutes = minutes),
                    ));
                    return self.refresh_groups();
                }
                Err(e) => self.complain(tr!("tui-bad-answer", message = e.to_string())),
            },
        }
        Vec::new()
    }

    fn failed(&mut self, request: Request, failure: Failure) -> Vec<Effect> {
        let group_call = matches!(
            request,
            Request::Groups | Request::Members { .. } | Request::GroupChange | Request::MeetupCreate
        ) || matches!(
            &request,
            Request::History {
                target: Target::Group(_),
                ..
            } | Request::Send {
                target: Target::Group(_),
                ..
            }
        );
        if failure.is_method_not_found() && group_call {
            self.groups_available = false;
            if request != Request::Groups {
                self.complain(tr!("tui-groups-unavailable"));
            }
            return Vec::new();
        }
        match request {
            Request::Conversations => self.conversations_loading = false,
            Request::Read => {
                if let Some(chat) = &mut self.chat {
                    chat.read_in_flight = false;
                }
                if failure.is_method_not_found() {
                    // An older node without groups.read: the count is only zeroed here.
                    return Vec::new();
                }
            }
            Request::History { ref target, older } => {
                if let Some(chat) = self.chat.as_mut().filter(|c| &c.target == target) {
                    chat.loading = false;
                    chat.loading_older &= !older;
                }
            }
            Request::Send { ref text, .. } | Request::Act { ref text } if self.composer.is_empty() => {
                self.composer.insert(text)
            }
            Request::Typing => return Vec::new(),
            _ => {}
        }
        self.complain(tr!("tui-failed", message = clean(&failure.message).into_owned()));
        Vec::new()
    }

    fn history_page(&mut self, target: Target, older: bool, value: Value) -> Vec<Effect> {
        let page: Vec<MessageView> = match serde_json::from_value(value) {
            Ok(page) => page,
            Err(e) => {
                self.complain(tr!("tui-bad-answer", message = e.to_string()));
                return Vec::new();
            }
        };
        let Some(chat) = self.chat.as_mut().filter(|c| c.target == target) else {
            return Vec::new();
        };
        let short = page.len() < PAGE;
        if older {
            chat.loading_older = false;
            chat.reached_start = short;
            for message in page.into_iter().rev() {
                if !chat.messages.iter().take(PAGE).any(|m| m.id == message.id) {
                    chat.messages.push_front(message);
                }
            }
            while chat.messages.len() > MAX_WINDOW {
                chat.messages.pop_back();
                chat.newer_trimmed = true;
                chat.scroll = chat.scroll.saturating_sub(1);
            }
        } else {
            chat.loading = false;
            chat.reached_start = short;
            chat.newer_trimmed = false;
            chat.scroll = 0;
            chat.unseen = 0;
            chat.messages = page.into();
        }
        self.clamp_scroll();
        Vec::new()
    }

    /// Updates the conversation list for a message in conversation `conv`; asks for the
    /// list again when the conversation is new to it.
    fn note_message(&mut self, message: &MessageView, incoming: bool) -> Vec<Effect> {
        let open = self.chat.as_ref().is_some_and(|c| c.conv_id == message.conv);
        match self.conversations.iter().position(|c| c.id == message.conv) {
            Some(at) => {
                let mut conv = self.conversations.remove(at);
                conv.preview = message.text.chars().take(80).collect();
                if incoming && !open {
                    conv.unread += 1;
                }
                self.conversations.insert(0, conv);
                Vec::new()
            }
            None => self.refresh_conversations(),
        }
    }

    fn event(&mut self, event: crate::node::Event) -> Vec<Effect> {
        use crate::node::Event;
        match event {
            Event::MessageReceived { message } => {
                let mut effects = self.note_message(&message, message.direction == Direction::Incoming);
                let phone = message.sender.clone();
                self.typing.remove(&phone);
                if let Some(chat) = self.chat.as_mut().filter(|c| c.conv_id == message.conv) {
                    chat.push(message);
                    effects.extend(self.mark_read());
                }
                effects
            }
            Event::MessageChanged { message } => {
                if let Some(held) = self
                    .chat
                    .as_mut()
                    .filter(|c| c.conv_id == message.conv)
                    .and_then(|chat| chat.messages.iter_mut().rev().find(|m| m.id == message.id))
                {
                    let state = held.state;
                    *held = message;
                    held.state = state;
                }
                Vec::new()
            }
            Event::MessageState { id, conv, state, .. } => {
                let held = self
                    .chat
                    .as_mut()
                    .filter(|c| c.conv_id == conv)
                    .and_then(|chat| chat.messages.iter_mut().rev().find(|m| m.id == id));
                match held {
                    Some(m) => {
                        if m.state < state || state == MessageState::Read {
                            m.state = state;
                        }
                    }
                    // The answer to our send may still be on its way: keep the state for it.
                    None => {
                        if self.early_states.len() == EARLY_STATES {
                            self.early_states.pop_front();
                        }
                        self.early_states.push_back((id, state));
                    }
                }
                Vec::new()
            }
            Event::Typing { phone, active, .. } => {
                if active {
                    self.typing.insert(phone, self.now_ms + TYPING_SHOWN_MS);
                } else {
                    self.typing.remove(&phone);
                }
                Vec::new()
            }
            Event::ContactUpdated { phone, state, .. } => {
                match self.contacts.iter_mut().find(|c| c.phone == phone) {
                    Some(contact) => contact.state = state,
                    None => return vec![call(Request::Contacts, "contacts.list", json!({}))],
                }
                Vec::new()
            }
            Event::KeyChanged { name, .. } => {
                self.complain(tr!("tui-key-changed", name = clean(&name).into_owned()));
                vec![call(Request::Contacts, "contacts.list", json!({}))]
            }
            Event::GroupChanged { .. } => {
                let mut effects = self.refresh_groups();
                effects.extend(self.refresh_conversations());
                effects
            }
            Event::Lagged { .. } => self.reload(),
            _ => Vec::new(),
        }
    }
}

/// A history call for `target`: the newest page, or the page before message `before`.
fn history(target: Target, before: Option<String>) -> Effect {
    let older = before.is_some();
    let request = Request::History {
        target: target.clone(),
        older,
    };
    match target {
        Target::Contact(phone) => call(
            request,
            "messages.history",
            json!({ "contact": phone, "limit": PAGE, "before": before }),
        ),
        Target::Group(group) => call(
            request,
            "groups.history",
            json!({ "group": group, "limit": PAGE, "before": before }),
        ),
    }
}

/// The effect of submitting a form with `values` (trimmed), or what is wrong with them.
fn submit(kind: &FormKind, values: &[String]) -> Result<Effect, String> {
    let first = values.first().cloned().unwrap_or_default();
    if first.is_empty() {
        return Err(tr!("tui-field-required"));
    }
    let second = values.get(1).cloned().unwrap_or_default();
    Ok(match kind {
        FormKind::AddContact if first.to_ascii_uppercase().starts_with("CHINGU-") || first.starts_with("chingu://") => {
            call(
                Request::AddContact,
                "contacts.add",
                json!({ "invite": first, "name": second }),
            )
        }
        FormKind::AddContact => call(
            Request::AddContact,
            "contacts.add",
            json!({ "phone": first, "name": second }),
        ),
        FormKind::Import => Effect::Import { path: first },
        FormKind::GroupCreate => {
            let members: Vec<&str> = second.split(',').map(str::trim).filter(|m| !m.is_empty()).collect();
            call(
                Request::GroupChange,
                "groups.create",
                json!({ "name": first, "members": members }),
            )
        }
        FormKind::MeetupCreate => {
            let minutes = if second.is_empty() {
                120
            } else {
                parse_minutes(&second)?
            };
            call(
                Request::MeetupCreate,
                "meetups.create",
                json!({ "name": first, "expires_s": minutes * 60 }),
            )
        }
        FormKind::MeetupJoin => call(Request::GroupChange, "meetups.join", json!({ "code": first })),
        FormKind::GroupInvite(group) => call(
            Request::GroupChange,
            "groups.invite",
            json!({ "group": group, "contact": first }),
        ),
        FormKind::GroupRename(group) => call(
            Request::GroupChange,
            "groups.rename",
            json!({ "group": group, "name": first }),
        ),
        FormKind::Search => call(
            Request::Search { query: first.clone() },
            "history.search",
            json!({ "query": first, "limit": SEARCH_RESULTS }),
        ),
    })
}

/// Results shown for a search.
const SEARCH_RESULTS: usize = 50;

/// The results of a search, one line per message (newest first).
fn search_panel(query: &str, page: &SearchPage) -> Info {
    let mut lines: Vec<String> = page
        .results
        .iter()
        .map(|hit| {
            let who = match hit.message.direction {
                crate::model::Direction::Outgoing => tr!("msg-me"),
                crate::model::Direction::Incoming if hit.message.sender_name.is_empty() => hit.message.sender.clone(),
                crate::model::Direction::Incoming => hit.message.sender_name.clone(),
            };
            tr!(
                "search-hit",
                time = super::view::clock(hit.message.sent_ms),
                title = clean(&hit.title).into_owned(),
                who = clean(&who).into_owned(),
                text = clean(&hit.message.text).into_owned()
            )
        })
        .collect();
    if lines.is_empty() {
        lines.push(tr!("search-none"));
    }
    Info {
        title: tr!("tui-search-title", query = clean(query).into_owned()),
        lines,
        verify: None,
    }
}

/// A meetup duration such as `90`, `90m` or `2h`, in minutes (at most a week).
fn parse_minutes(text: &str) -> Result<u64, String> {
    let (number, unit) = match text.strip_suffix('h') {
        Some(hours) => (hours, 60),
        None => (text.strip_suffix('m').unwrap_or(text), 1),
    };
    number
        .trim()
        .parse::<u64>()
        .ok()
        .map(|n| n * unit)
        .filter(|m| (1..=7 * 24 * 60).contains(m))
        .ok_or_else(|| tr!("tui-duration-invalid", text = text.to_owned()))
}

/// A panel showing a code to pass on (invite, meetup), its link and how to use it.
fn code_panel(title: String, code: String, link: String, howto: String) -> Overlay {
    Overlay::Info(Info {
        title,
        lines: vec![code, link, String::new(), howto],
        verify: None,
    })
}

/// The safety-number panel of a verification answer.
fn safety_panel(verification: &Verification) -> Info {
    let contact = &verification.contact;
    let mut lines = vec![tr!(
        "tui-safety-contact",
        name = clean(&contact.name).into_owned(),
        phone = contact.phone.clone()
    )];
    if let Some(pinned) = &verification.pinned {
        lines.push(String::new());
        lines.push(tr!("tui-safety-pinned"));
        lines.extend(blocks(&pinned.safety_number));
    }
    for candidate in &verification.candidates {
        lines.push(String::new());
        lines.push(tr!(
            "tui-safety-candidate",
            index = candidate.index,
            name = clean(&candidate.profile_name).into_owned()
        ));
        lines.extend(blocks(&candidate.safety_number));
    }
    if verification.pinned.is_none() && verification.candidates.is_empty() {
        lines.push(tr!("tui-safety-none"));
    }
    lines.push(String::new());
    lines.push(tr!("tui-safety-howto"));
    Info {
        title: tr!("tui-safety-title"),
        lines,
        verify: Some(contact.phone.clone()),
    }
}

/// A 60-digit safety number as three lines of four 5-digit blocks.
fn blocks(number: &str) -> Vec<String> {
    let groups: Vec<&str> = number.split_whitespace().collect();
    groups.chunks(4).map(|line| format!("  {}", line.join(" "))).collect()
}

#[cfg(test)]
mod tests;
