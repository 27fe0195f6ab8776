//! What comes back to the chat client: answers to its API calls (and failures), history
//! pages, and the node's events.

use super::*;

impl App {
    pub(super) fn reply(&mut self, request: Request, result: Result<Value, Failure>) -> Vec<Effect> {
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
            Request::Devices => match serde_json::from_value::<crate::node::link::DevicesView>(value) {
                Ok(devices) => self.overlay = Some(Overlay::Info(devices_panel(&devices))),
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

    pub(super) fn failed(&mut self, request: Request, failure: Failure) -> Vec<Effect> {
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

    pub(super) fn history_page(&mut self, target: Target, older: bool, value: Value) -> Vec<Effect> {
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
    pub(super) fn note_message(&mut self, message: &MessageView, incoming: bool) -> Vec<Effect> {
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

    pub(super) fn event(&mut self, event: crate::node::Event) -> Vec<Effect> {
        use crate::node::Event;
        match event {
            Event::MessageReceived { message } => {
                let mut effects = self.note_message(&message, message.direction == Direction::Incoming);
                let phone = message.sender.clone();
                self.typing.remove(&phone);
                if let Some(chat) = self.chat.as_mut().filter(|c| c.conv_id == message.conv) {
                    chat.push(*message);
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
                    *held = *message;
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
