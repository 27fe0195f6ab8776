//! The chat client's state and its update logic, free of I/O: [`App::update`] takes an
//! [`Input`] (a key, a paste, an API answer, a node event, a clock tick) and returns the
//! [`Effect`]s to carry out (API calls, reading a file to import, quitting). The I/O loop
//! in [`super::io`] runs the effects and feeds their answers back; [`super::view`] draws
//! the state. Everything that matters lives in the node, so this state is a cache: it
//! can be dropped and rebuilt from the API at any time.
//!
//! Here: [`App`] and its key handling. `state` holds the nouns, `incoming` what comes
//! back (answers, history, events), `panels` what a form submits and the panels' text.

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
            Key::Char('D') => return vec![call(Request::Devices, "devices.list", json!({}))],
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
}

mod conversation;
mod incoming;
mod panels;
mod state;

use conversation::history;
use panels::*;
pub use state::*;

#[cfg(test)]
mod tests;
