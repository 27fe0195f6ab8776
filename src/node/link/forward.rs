//! What a linked device's person does goes to the account's first device, which does it
//! for the account (`protocol/devices.md` §6): friends take messages, receipts and
//! typing only from the key they pinned, and the first device keeps the account's
//! address book. On the linked device, [`Actor::forward_to_first`] turns those commands
//! into [`sync::Forward`]s and answers each caller once the first device did it and what
//! changed is written here; on the first device, [`Actor::act_for_device`] carries an
//! action out and answers once its changes are on disk (and went to the linked devices
//! as notes first).

use tokio::sync::mpsc;

use super::sync::{self, Forward, Then};
use crate::account::sync::{Action, MAX_CONTACT_QUERY};
use crate::account::AccountError;
use crate::group::GroupId;
use crate::model::{ConvId, ConversationKind};
use crate::node::actor::Actor;
use crate::node::command::{Command, HistoryCommand, PeopleCommand, Reply};
use crate::node::contacts::ContactView;
use crate::node::refusal::Refusal;
use crate::node::NodeError;
use crate::wire::Text;

/// `value` as a bounded text of the protocol, or a refusal naming what is too long.
pub(super) fn bounded<const N: usize>(value: &str, what: &'static str) -> Result<Text<N>, NodeError> {
    Text::new(value).map_err(|_| {
        Refusal::invalid("too_long", format!("the {what} is over its limit of {N} bytes"))
            .with("max", N.to_string())
            .into()
    })
}

/// The refusal of what a linked device does not forward to its first device.
pub(in crate::node) fn linked_device() -> NodeError {
    Refusal::invalid(
        "linked_device",
        "this device is linked to an account: its texts, reads, contacts and groups go through the account's first device; meetups, group invitations, vouchers and invites are done on the first device",
    )
    .into()
}

fn contact_text(query: &str) -> Result<Text<MAX_CONTACT_QUERY>, NodeError> {
    bounded(query, "contact")
}

impl Actor {
    /// On a linked device, runs the commands the first device does for the account by
    /// sending them there; gives any other command back.
    pub(in crate::node) fn forward_to_first(&mut self, command: Command) -> Option<Command> {
        if !self.is_linked_device() {
            return Some(command);
        }
        match command {
            // With no stream to the first device, a text goes to the friend from here.
            Command::Send { query, text, reply } if !self.links.first_up => {
                self.send_without_first(&query, text, reply);
            }
            Command::Send { query, text, reply } => match (contact_text(&query), bounded(&text, "text")) {
                (Ok(contact), Ok(text)) => self.forward(Forward::Send { contact, text, reply }),
                (Err(e), _) | (_, Err(e)) => {
                    let _ = reply.send(Err(e));
                }
            },
            // With no stream to the first device, typing goes to the friend from here.
            Command::Typing { query, active, reply } if !self.links.first_up => {
                let _ = reply.send(self.cmd_typing(&query, active));
            }
            Command::Read { query, reply } => self.read_for_account(&query, reply),
            Command::Browse(HistoryCommand::MarkRead { conversation, reply }) => {
                match self.conversation_named(&conversation).map(|row| row.kind) {
                    Ok(ConversationKind::Direct { phone }) => self.read_for_account(phone.as_str(), reply),
                    Ok(ConversationKind::Group { group_id } | ConversationKind::Meetup { group_id }) => {
                        self.read_group_for_account(&hex::encode(group_id), reply)
                    }
                    Err(e) => {
                        let _ = reply.send(Err(e));
                    }
                }
            }
            Command::Group(command) => self.group_command_on_linked(command),
            // Replies, reactions, edits, deletes, forwards, cards, stickers and notes are
            // composed by the first device, as its person's.
            Command::Compose { reply, .. } if !self.links.first_up => {
                let _ = reply.send(Err(sync::first_unreachable()));
            }
            Command::Compose { compose, reply } => self.forward(Forward::Compose { compose, reply }),
            Command::Typing { query, active, reply } => {
                let action = contact_text(&query).map(|contact| Action::Typing { contact, active });
                self.act(
                    action,
                    Box::new(move |_, done| {
                        let _ = reply.send(done.map(|_| true));
                    }),
                );
            }
            Command::AddContact { input, name, to, reply } => {
                let action = (|| {
                    Ok(Action::AddContact {
                        number: contact_text(&input)?,
                        name: bounded(&name, "name")?,
                        to: to.as_deref().map(contact_text).transpose()?,
                    })
                })();
                self.act(action, view_of(input, reply));
            }
            Command::RemoveContact { query, reply } => {
                // The view is of the contact as it was (as on the first device).
                let before = self.resolve_contact(&query).and_then(|c| self.person_view(&c));
                let action = contact_text(&query).map(|contact| Action::RemoveContact { contact });
                self.act(
                    action,
                    Box::new(move |_, done| {
                        let _ = reply.send(done.and(before));
                    }),
                );
            }
            Command::People(PeopleCommand::Rename { query, name, reply }) => {
                self.act_on_contact(&query, reply, |contact| {
                    Ok(Action::Rename {
                        contact,
                        name: bounded(&name, "name")?,
                    })
                })
            }
            Command::People(PeopleCommand::Block { query, blocked, reply }) => {
                self.act_on_contact(&query, reply, |contact| Ok(Action::Block { contact, blocked }))
            }
            Command::People(PeopleCommand::Mute { query, muted, reply }) => {
                self.act_on_contact(&query, reply, |contact| Ok(Action::Mute { contact, muted }))
            }
            other => return Some(other),
        }
        None
    }

    /// Reads the 1:1 conversation with `query`: through the first device, or here (passed
    /// on later) while there is no stream to it.
    fn read_for_account(&mut self, query: &str, reply: Reply<usize>) {
        if !self.links.first_up {
            return self.read_without_first(query, reply);
        }
        let action = contact_text(query).map(|contact| Action::Read { contact });
        self.act(action, counted(reply));
    }

    /// Sends an action on a contact this device knows, named by its number (a name may
    /// change with the action), and answers with the person's view afterwards.
    fn act_on_contact(
        &mut self,
        query: &str,
        reply: Reply<ContactView>,
        action: impl FnOnce(Text<MAX_CONTACT_QUERY>) -> Result<Action, NodeError>,
    ) {
        let action = self
            .resolve_contact(query)
            .and_then(|contact| action(contact_text(contact.phone.as_str())?).map(|a| (a, contact.phone)));
        match action {
            Ok((action, phone)) => self.act(Ok(action), view_of(phone.to_string(), reply)),
            Err(e) => {
                let _ = reply.send(Err(e));
            }
        }
    }

    /// Sends `action` to the first device; `then` gets its answer (or the refusal). With
    /// no stream to it, a change of a contact is made here and passed on later.
    pub(super) fn act(&mut self, action: Result<Action, NodeError>, then: Then) {
        match action {
            Ok(action) if !self.links.first_up && self.links.forwards.is_some() && changes_a_contact(&action) => {
                self.change_contact_without_first(action, then)
            }
            Ok(action) => self.forward(Forward::Act { action, then }),
            Err(e) => then(self, Err(e)),
        }
    }

    /// Hands `forward` to the task following the first device, or refuses it at once.
    pub(in crate::node) fn forward(&mut self, forward: Forward) {
        let refusal = match &self.links.forwards {
            Some(forwards) => match forwards.try_send(forward) {
                Ok(()) => return,
                Err(mpsc::error::TrySendError::Full(f) | mpsc::error::TrySendError::Closed(f)) => {
                    (f, sync::first_unreachable())
                }
            },
            None if self.links.list.device(&self.config.identity.public_key()).is_none() => {
                (forward, super::refused(AccountError::RevokedDevice))
            }
            None => (forward, sync::first_unreachable()),
        };
        match refusal {
            (
                Forward::Send { reply, .. }
                | Forward::SendGroup { reply, .. }
                | Forward::Compose { reply, .. }
                | Forward::SendFile { reply, .. },
                refusal,
            ) => {
                let _ = reply.send(Err(refusal));
            }
            (Forward::Act { then, .. } | Forward::Hand { then, .. } | Forward::HandGroup { then, .. }, refusal) => {
                then(self, Err(refusal))
            }
        }
    }

    /// Carries out what a linked device's person did, as this (first) device's own; the
    /// answer goes once what changed is on disk, after the notes that carry it to the
    /// linked devices.
    pub(super) fn act_for_device(&mut self, action: Action, reply: Reply<u64>) {
        let done = self.carry_out(&action);
        self.durability.after_flush(Box::new(move |_: &mut Actor| {
            let _ = reply.send(done);
        }));
    }

    /// Does `action` as this device's person; what it counts.
    pub(super) fn carry_out(&mut self, action: &Action) -> Result<u64, NodeError> {
        let contact = |text: &Text<MAX_CONTACT_QUERY>| text.as_str().to_owned();
        match action {
            Action::Read { contact: c } => self.cmd_read(&contact(c)).map(|n| n as u64),
            Action::Typing { contact: c, active } => self.cmd_typing(&contact(c), *active).map(|_| 0),
            Action::AddContact { number, name, to } => self
                .cmd_add_contact(number.as_str(), name.as_str().to_owned(), to.as_ref().map(contact))
                .map(|_| 0),
            Action::RemoveContact { contact: c } => self.cmd_remove_contact(&contact(c)).map(|_| 0),
            Action::Rename { contact: c, name } => self.cmd_rename(&contact(c), name.as_str()).map(|_| 0),
            Action::Block { contact: c, blocked } => self.cmd_block(&contact(c), *blocked).map(|_| 0),
            Action::Mute { contact: c, muted } => self.cmd_mute(&contact(c), *muted).map(|_| 0),
            Action::ReadGroup { group } => self
                .group_id_for(group.as_str())
                .and_then(|id| self.mark_conversation_read(&ConvId::group(*id.as_bytes())))
                .map(|ids| ids.len() as u64),
            Action::CreateGroup { id, name, members } => {
                let members: Vec<String> = members.iter().map(|m| m.as_str().to_owned()).collect();
                self.create_group(GroupId(*id), name.as_str(), &members, None)
                    .map(|_| 0)
            }
            Action::ChangeGroup { group, change } => self
                .group_id_for(group.as_str())
                .and_then(|id| self.cmd_group_change(id, super::groups::change_of(change.clone())))
                .map(|_| 0),
        }
    }

    /// Whether any linked device is being served (notes for them are made only then).
    pub(in crate::node) fn linked_devices_listen(&self) -> bool {
        self.links.notes.receiver_count() > 0
    }

    /// Tells the servers of the linked devices what `note` says (made only if any listen).
    pub(in crate::node) fn note_devices(&self, note: impl FnOnce() -> super::DeviceNote) {
        if self.linked_devices_listen() {
            let _ = self.links.notes.send(note());
        }
    }
}

/// Whether `action` changes the address book (a linked device makes such a change itself
/// while its first device is away).
fn changes_a_contact(action: &Action) -> bool {
    matches!(
        action,
        Action::AddContact { .. }
            | Action::RemoveContact { .. }
            | Action::Rename { .. }
            | Action::Block { .. }
            | Action::Mute { .. }
    )
}

/// Answers `reply` with what the first device's action counted.
pub(super) fn counted(reply: Reply<usize>) -> Then {
    Box::new(move |_: &mut Actor, counted: Result<u64, NodeError>| {
        let _ = reply.send(counted.map(|n| n as usize));
    })
}

/// Answers `reply` with the view of the person `query` names, once the first device's
/// changes are written here.
fn view_of(query: String, reply: Reply<ContactView>) -> Then {
    Box::new(move |actor: &mut Actor, done: Result<u64, NodeError>| {
        let view = done.and_then(|_| actor.resolve_contact(&query).and_then(|c| actor.person_view(&c)));
        let _ = reply.send(view);
    })
}
