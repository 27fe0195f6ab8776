//! The open conversation: marking it read, typing indicators, sending what the composer
//! holds (a text or a slash command), scrolling, and the history calls that page it in.

use super::*;

impl App {
    pub(super) fn mark_read(&mut self) -> Vec<Effect> {
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

    pub(super) fn typing_effects(&mut self) -> Vec<Effect> {
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

    pub(super) fn stop_typing(&mut self) -> Vec<Effect> {
        match (self.typing_sent_ms.take(), self.chat.as_ref().map(|c| &c.target)) {
            (Some(_), Some(Target::Contact(phone))) => vec![call(
                Request::Typing,
                "messages.typing",
                json!({ "contact": phone, "active": false }),
            )],
            _ => Vec::new(),
        }
    }

    pub(super) fn send(&mut self) -> Vec<Effect> {
        let Some(chat) = &self.chat else {
            return Vec::new();
        };
        if self.composer.text().trim().is_empty() {
            return Vec::new();
        }
        let target = chat.target.clone();
        let command = crate::tui::commands::parse(self.composer.text(), &chat.messages);
        let mut effects = self.stop_typing();
        let line = self.composer.take();
        let effect = match command {
            crate::tui::commands::Command::Text(text) => {
                let (method, params) = match &target {
                    Target::Contact(phone) => ("messages.send", json!({ "contact": phone, "text": text })),
                    Target::Group(group) => ("groups.send", json!({ "group": group, "text": text })),
                };
                call(Request::Send { target, text: line }, method, params)
            }
            crate::tui::commands::Command::File(path) => {
                let to = match &target {
                    Target::Contact(phone) => phone.clone(),
                    Target::Group(group) => group.clone(),
                };
                let path = std::path::absolute(&path).unwrap_or_else(|_| path.into());
                let params = json!({ "to": to, "path": path });
                call(Request::Send { target, text: line }, "messages.file", params)
            }
            crate::tui::commands::Command::Call {
                method,
                params,
                shows: true,
            } => call(Request::Send { target, text: line }, method, params),
            crate::tui::commands::Command::Call { method, params, .. } => {
                call(Request::Act { text: line }, method, params)
            }
            crate::tui::commands::Command::Nothing(whose) => {
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
    pub(super) fn max_scroll(&self) -> usize {
        let Some(chat) = &self.chat else {
            return 0;
        };
        let held = chat.messages.len().saturating_sub(1);
        match self.terminal {
            Some((width, height)) if chat.reached_start => {
                let (columns, rows) = crate::tui::view::message_pane(width, height);
                crate::tui::view::max_scroll(chat, columns, rows).min(held)
            }
            _ => held,
        }
    }

    pub(super) fn clamp_scroll(&mut self) {
        let max = self.max_scroll();
        if let Some(chat) = &mut self.chat {
            chat.scroll = chat.scroll.min(max);
        }
    }

    pub(super) fn scroll_up(&mut self, step: usize) -> Vec<Effect> {
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

    pub(super) fn scroll_down(&mut self, step: usize) -> Vec<Effect> {
        let Some(chat) = &mut self.chat else {
            return Vec::new();
        };
        chat.scroll = chat.scroll.saturating_sub(step);
        if chat.scroll == 0 {
            return self.scroll_to_bottom();
        }
        Vec::new()
    }

    pub(super) fn scroll_to_bottom(&mut self) -> Vec<Effect> {
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
}

/// A history call for `target`: the newest page, or the page before message `before`.
pub(super) fn history(target: Target, before: Option<String>) -> Effect {
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
