//! Reading local history beyond the last few messages: pages that say whether more
//! exist, full-text search (the store's n-gram index, Korean and Japanese included), and
//! export of one conversation or all of them, a page at a time (the CLI writes JSON or
//! plain text from it). A conversation is named by a contact (name or number), a group
//! (name or id), or its conversation id (hex).

use serde::{Deserialize, Serialize};

use super::actor::Actor;
use super::command::{Command, HistoryCommand, Reply};
use super::messages::{ConversationView, MessageView, MAX_HISTORY_LIMIT};
use super::refusal::Refusal;
use super::NodeError;
use crate::model::{ConvId, Conversation, Direction, MsgId, StoredMessage};

/// Most results of one search page.
pub const MAX_SEARCH_LIMIT: usize = 200;

/// One page of a conversation, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryPage {
    /// The conversation.
    pub conversation: ConversationView,
    /// The messages, oldest first.
    pub messages: Vec<MessageView>,
    /// Whether more messages exist beyond this page: older ones (a page read backwards,
    /// the default) or newer ones (a page read forwards with `after`).
    pub more: bool,
}

/// One search result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchHit {
    /// The message.
    pub message: MessageView,
    /// The title of its conversation.
    pub title: String,
}

/// One page of search results, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchPage {
    /// The matches, newest first.
    pub results: Vec<SearchHit>,
    /// Whether older matches exist (ask again with the last id as `before`).
    pub more: bool,
}

/// A conversation and some of its messages, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportedConversation {
    /// The conversation.
    pub conversation: ConversationView,
    /// Its messages in this page, oldest first.
    pub messages: Vec<MessageView>,
}

/// One page of an export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportPage {
    /// Conversations in this page, in storage order; one may continue on the next page.
    pub conversations: Vec<ExportedConversation>,
    /// Where the next page starts (the last message's id); `None` when this was the last.
    pub cursor: Option<String>,
}

impl super::NodeHandle {
    async fn history_request<T>(&self, make: impl FnOnce(Reply<T>) -> HistoryCommand) -> Result<T, NodeError> {
        self.request(|reply| Command::Browse(make(reply))).await?
    }

    /// A page of a conversation (a contact, a group or a conversation id), oldest first:
    /// the newest `limit` messages, or those before `before` or after `after` (message
    /// ids); `more` says whether the history goes on beyond the page.
    pub async fn history_page(
        &self,
        conversation: &str,
        limit: usize,
        before: Option<&str>,
        after: Option<&str>,
    ) -> Result<HistoryPage, NodeError> {
        let conversation = conversation.to_owned();
        let (before, after) = (before.map(str::to_owned), after.map(str::to_owned));
        self.history_request(|reply| HistoryCommand::Page {
            conversation,
            limit,
            before,
            after,
            reply,
        })
        .await
    }

    /// Searches local history (every conversation, or one) for messages containing every
    /// word of `query`, newest first; Korean and Japanese work without spaces.
    pub async fn search(
        &self,
        query: &str,
        conversation: Option<&str>,
        limit: usize,
        before: Option<&str>,
    ) -> Result<SearchPage, NodeError> {
        let (query, conversation) = (query.to_owned(), conversation.map(str::to_owned));
        let before = before.map(str::to_owned);
        self.history_request(|reply| HistoryCommand::Search {
            query,
            conversation,
            limit,
            before,
            reply,
        })
        .await
    }

    /// Marks a conversation read — a contact's, a group's, a meetup's or a request's
    /// (named as for [`NodeHandle::history_page`]) — and returns how many messages changed.
    pub async fn mark_conversation_read(&self, conversation: &str) -> Result<usize, NodeError> {
        let conversation = conversation.to_owned();
        self.history_request(|reply| HistoryCommand::MarkRead { conversation, reply })
            .await
    }

    /// One page of an export of one conversation (or every one), starting after
    /// `cursor` (the previous page's).
    pub async fn export(
        &self,
        conversation: Option<&str>,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<ExportPage, NodeError> {
        let (conversation, cursor) = (conversation.map(str::to_owned), cursor.map(str::to_owned));
        self.history_request(|reply| HistoryCommand::Export {
            conversation,
            cursor,
            limit,
            reply,
        })
        .await
    }
}

fn parse_id(text: Option<&str>) -> Result<Option<MsgId>, NodeError> {
    text.map(|t| t.parse::<MsgId>().map_err(NodeError::from)).transpose()
}

impl Actor {
    pub(super) fn on_history_command(&mut self, command: HistoryCommand) {
        // Rows changed this turn are read back from the store.
        self.write_pending();
        match command {
            HistoryCommand::Page {
                conversation,
                limit,
                before,
                after,
                reply,
            } => {
                let _ = reply.send(self.history_page(&conversation, limit, before.as_deref(), after.as_deref()));
            }
            HistoryCommand::Search {
                query,
                conversation,
                limit,
                before,
                reply,
            } => {
                let _ = reply.send(self.search(&query, conversation.as_deref(), limit, before.as_deref()));
            }
            HistoryCommand::Export {
                conversation,
                cursor,
                limit,
                reply,
            } => {
                let _ = reply.send(self.export_page(conversation.as_deref(), cursor.as_deref(), limit));
            }
            HistoryCommand::MarkRead { conversation, reply } => {
                let _ = reply.send(self.mark_named_read(&conversation));
            }
        }
    }

    /// Marks any conversation read — a friend's (read receipts go as for `messages.read`),
    /// a group's, a meetup's or a request's — and returns how many messages changed.
    fn mark_named_read(&mut self, query: &str) -> Result<usize, NodeError> {
        let row = self.conversation_named(query)?;
        if let crate::model::ConversationKind::Direct { phone } = &row.kind {
            if ConvId::direct(phone) == row.id {
                return self.cmd_read(phone.as_str());
            }
        }
        Ok(self.mark_conversation_read(&row.id)?.len())
    }

    /// The conversation named by `query`: a conversation id, a contact or a group.
    pub(in crate::node) fn conversation_named(&self, query: &str) -> Result<Conversation, NodeError> {
        let query = query.trim();
        if let Ok(id) = query.parse::<ConvId>() {
            if let Some(row) = self.store.conversation(&id)? {
                return Ok(row);
            }
        }
        let id = match self.resolve_contact(query) {
            Ok(contact) => ConvId::direct(&contact.phone),
            Err(contact_error) => match self.group_id_for(query) {
                Ok(group) => ConvId::group(*group.as_bytes()),
                Err(_) => return Err(contact_error),
            },
        };
        self.store.conversation(&id)?.ok_or_else(|| {
            Refusal::not_found("no_messages", format!("no messages with {query:?} yet"))
                .with("contact", query)
                .into()
        })
    }

    /// A message as shown: incoming ones carry the sender's name when it is a contact.
    pub(super) fn view_of(&self, message: &StoredMessage) -> MessageView {
        let name = match message.direction {
            Direction::Outgoing => String::new(),
            Direction::Incoming => self
                .store
                .contact(&message.sender)
                .ok()
                .flatten()
                .map(|c| c.display_name())
                .unwrap_or_default(),
        };
        MessageView::new(message, &name)
    }

    fn history_page(
        &self,
        query: &str,
        limit: usize,
        before: Option<&str>,
        after: Option<&str>,
    ) -> Result<HistoryPage, NodeError> {
        let row = self.conversation_named(query)?;
        let limit = limit.clamp(1, MAX_HISTORY_LIMIT);
        let (messages, more) = match (parse_id(before)?, parse_id(after)?) {
            (Some(_), Some(_)) => {
                return Err(Refusal::invalid("before_and_after", "give before or after, not both").into())
            }
            (before, None) => {
                let mut messages = self.store.last_messages(&row.id, limit + 1, before.as_ref())?;
                let more = messages.len() > limit;
                if more {
                    messages.remove(0);
                }
                (messages, more)
            }
            (None, Some(after)) => self.store.messages_after(Some(&row.id), Some(&after), limit)?,
        };
        Ok(HistoryPage {
            conversation: ConversationView::from(&row),
            messages: messages.iter().map(|m| self.view_of(m)).collect(),
            more,
        })
    }

    fn search(
        &self,
        query: &str,
        conversation: Option<&str>,
        limit: usize,
        before: Option<&str>,
    ) -> Result<SearchPage, NodeError> {
        let conv = conversation.map(|c| self.conversation_named(c)).transpose()?;
        let found = self.store.search(
            query,
            conv.as_ref().map(|c| &c.id),
            limit.clamp(1, MAX_SEARCH_LIMIT),
            parse_id(before)?.as_ref(),
        )?;
        let mut titles = std::collections::HashMap::new();
        let results = found
            .messages
            .iter()
            .map(|m| {
                let title = titles
                    .entry(m.conv)
                    .or_insert_with(|| {
                        self.store
                            .conversation(&m.conv)
                            .ok()
                            .flatten()
                            .map(|c| c.title)
                            .unwrap_or_default()
                    })
                    .clone();
                SearchHit {
                    message: self.view_of(m),
                    title,
                }
            })
            .collect();
        Ok(SearchPage {
            results,
            more: found.more,
        })
    }

    fn export_page(
        &self,
        conversation: Option<&str>,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<ExportPage, NodeError> {
        let conv = conversation.map(|c| self.conversation_named(c)).transpose()?;
        let (messages, more) = self.store.messages_after(
            conv.as_ref().map(|c| &c.id),
            parse_id(cursor)?.as_ref(),
            limit.clamp(1, MAX_HISTORY_LIMIT),
        )?;
        let cursor = more.then(|| messages.last().map(|m| m.id.to_string())).flatten();
        let mut conversations: Vec<ExportedConversation> = Vec::new();
        for message in &messages {
            if conversations
                .last()
                .is_none_or(|c| c.conversation.id != message.conv.to_string())
            {
                let row = self
                    .store
                    .conversation(&message.conv)?
                    .map(|row| ConversationView::from(&row))
                    .unwrap_or_else(|| ConversationView::unknown(message.conv));
                conversations.push(ExportedConversation {
                    conversation: row,
                    messages: Vec::new(),
                });
            }
            let view = self.view_of(message);
            conversations.last_mut().expect("just pushed").messages.push(view);
        }
        Ok(ExportPage { conversations, cursor })
    }
}
