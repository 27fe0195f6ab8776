//! What the `chaos` scenario sent, and the check against the stored histories: every
//! message whose send was answered (so it was on its sender's disk) must be in the
//! history of its sender and of each recipient exactly once — on every device of each,
//! for a person with linked devices; a message whose send failed when its sender was
//! killed may be anywhere or nowhere, but never twice.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::{json, Value};

use super::cluster::User;
use crate::node::messages::MAX_HISTORY_LIMIT;

/// Who is who among the scenario's nodes: `0..people` are people, friends in pairs
/// (0–1, 2–3, …); the `devices` after them are linked devices of person 0.
#[derive(Debug, Clone, Copy)]
pub struct Roster {
    /// People (an even number).
    pub people: usize,
    /// Person 0's linked devices.
    pub devices: usize,
}

impl Roster {
    /// The person node `i` is a device of (itself for a person).
    pub fn person_of(&self, i: usize) -> usize {
        if i < self.people {
            i
        } else {
            0
        }
    }

    /// The friend of node `i`'s person.
    pub fn friend_of(&self, i: usize) -> usize {
        self.person_of(i) ^ 1
    }

    /// Person `p`'s nodes: itself, and person 0's linked devices.
    pub fn nodes_of(&self, p: usize) -> Vec<usize> {
        let devices = if p == 0 {
            self.people..self.people + self.devices
        } else {
            0..0
        };
        std::iter::once(p).chain(devices).collect()
    }

    /// Whether node `i` is a linked device.
    pub fn is_device(&self, i: usize) -> bool {
        i >= self.people
    }
}

/// Where a message went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum To {
    /// User `.0`, a friend of the sender.
    Friend(usize),
    /// The group (every member).
    Group,
}

/// One message offered.
#[derive(Debug, Clone)]
pub struct Sent {
    /// Its sender.
    pub from: usize,
    /// Its recipients.
    pub to: To,
    /// Its text (unique in the run).
    pub text: String,
    /// Whether the send was answered (the message is on the sender's disk).
    pub acked: bool,
}

/// Lost and duplicated messages of one path.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PathCheck {
    /// Sends answered.
    pub acked: usize,
    /// Sends that failed because the sender was killed meanwhile.
    pub uncertain: usize,
    /// Of those, stored anyway (by the sender before it died).
    pub uncertain_kept: usize,
    /// Copies an answered message is missing from (sender's or a recipient's history).
    pub lost: usize,
    /// Extra copies of any message in any history.
    pub duplicates: usize,
}

impl PathCheck {
    /// Counts one message's copies in the histories it should be in (`kept`: a cut send
    /// was stored anyway).
    fn count(&mut self, copies: &[usize], acked: bool, kept: bool) {
        self.duplicates += copies.iter().map(|c| c.saturating_sub(1)).sum::<usize>();
        if acked {
            self.acked += 1;
            self.lost += copies.iter().filter(|&&c| c == 0).count();
        } else {
            self.uncertain += 1;
            self.uncertain_kept += usize::from(kept);
        }
    }
}

/// The check over both paths.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Check {
    /// 1:1 between friends (the people's first devices).
    pub one_to_one: PathCheck,
    /// The copies of person 0's 1:1 messages on its linked devices (`acked`: answered
    /// sends to or from person 0).
    pub linked_devices: PathCheck,
    /// The group.
    pub group: PathCheck,
}

impl Check {
    /// Whether nothing answered is missing.
    pub fn complete(&self) -> bool {
        self.one_to_one.lost == 0 && self.linked_devices.lost == 0 && self.group.lost == 0
    }
}

/// A history a message should be in: a node's conversation.
type Holder = (usize, To);

/// How often each text is in each history: `(node, conversation)` → text → copies.
type Histories = HashMap<Holder, HashMap<String, usize>>;

/// Reads every history the sent messages should be in, and checks them.
pub async fn check(
    users: &[User],
    roster: Roster,
    sent: &[Sent],
    group: &str,
    members: &[usize],
) -> Result<Check, String> {
    let mut histories = Histories::new();
    for (index, user) in users.iter().enumerate() {
        let friend = roster.friend_of(index);
        let texts = history(user, "messages.history", json!({ "contact": users[friend].label })).await?;
        histories.insert((index, To::Friend(friend)), texts);
        if members.contains(&index) {
            let texts = history(user, "groups.history", json!({ "group": group })).await?;
            histories.insert((index, To::Group), texts);
        }
    }
    let mut check = Check::default();
    let copies_at =
        |holder: &(usize, To), text: &str| histories.get(holder).and_then(|t| t.get(text)).copied().unwrap_or(0);
    for message in sent {
        let holders: Vec<Holder> = match message.to {
            To::Friend(friend) => {
                let sender = roster.person_of(message.from);
                let at_sender = roster.nodes_of(sender).into_iter().map(|n| (n, To::Friend(friend)));
                let at_friend = roster.nodes_of(friend).into_iter().map(|n| (n, To::Friend(sender)));
                at_sender.chain(at_friend).collect()
            }
            To::Group => members.iter().map(|&m| (m, To::Group)).collect(),
        };
        let (on_devices, on_people): (Vec<Holder>, Vec<Holder>) =
            holders.into_iter().partition(|(node, _)| roster.is_device(*node));
        let path = match message.to {
            To::Friend(_) => &mut check.one_to_one,
            To::Group => &mut check.group,
        };
        let copies: Vec<usize> = on_people.iter().map(|h| copies_at(h, &message.text)).collect();
        // Whether the sender's person stored it before a cut answer.
        let sender = roster.person_of(message.from);
        let kept = on_people
            .iter()
            .zip(&copies)
            .any(|(&(node, _), &c)| node == sender && c > 0);
        path.count(&copies, message.acked, kept);
        if !on_devices.is_empty() {
            let copies: Vec<usize> = on_devices.iter().map(|h| copies_at(h, &message.text)).collect();
            let kept = copies.iter().any(|&c| c > 0);
            check.linked_devices.count(&copies, message.acked, kept);
        }
    }
    Ok(check)
}

/// The texts of one conversation's whole history, with their copies, page by page.
async fn history(user: &User, method: &str, mut params: Value) -> Result<HashMap<String, usize>, String> {
    let mut texts = HashMap::new();
    params["limit"] = json!(MAX_HISTORY_LIMIT);
    loop {
        let page = user.call(method, params.clone()).await?;
        let messages = page.as_array().ok_or_else(|| format!("{method}: not a list: {page}"))?;
        for message in messages {
            let text = message["text"].as_str().unwrap_or_default().to_owned();
            *texts.entry(text).or_default() += 1;
        }
        match messages.first().and_then(|m| m["id"].as_str()) {
            Some(oldest) if messages.len() == MAX_HISTORY_LIMIT => params["before"] = json!(oldest),
            _ => return Ok(texts),
        }
    }
}
