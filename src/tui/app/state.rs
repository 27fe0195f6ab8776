//! The chat client's nouns: conversations, the API calls it makes and their answers,
//! the inputs it takes and the effects it asks for, the list's entries, the open chat,
//! forms and overlays.

use super::*;

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
    /// `devices.list`: show the account's devices.
    Devices,
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

pub(super) fn call(request: Request, method: &'static str, params: Value) -> Effect {
    Effect::Call {
        request,
        method,
        params,
    }
}

pub use crate::node::{GroupView, MemberView};

#[derive(Deserialize)]
pub(super) struct MeetupCreated {
    pub(super) code: String,
    #[serde(default)]
    pub(super) link: String,
    #[serde(default)]
    pub(super) expires_ms: Option<u64>,
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
    pub(super) read_in_flight: bool,
    pub(super) read_again: bool,
}

impl Chat {
    pub(super) fn new(target: Target) -> Self {
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

    pub(super) fn holds(&self, id: &str) -> bool {
        self.messages.iter().rev().take(64).any(|m| m.id == id)
    }

    /// Appends a new message unless it is already held; trims the oldest beyond the cap.
    pub(super) fn push(&mut self, message: MessageView) {
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

    pub(super) fn labels(&self) -> Vec<String> {
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
