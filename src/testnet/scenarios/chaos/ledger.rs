//! What the `chaos` scenario sent, and the check against the stored histories: every
//! message whose send was answered (so it was on its sender's disk) must be in the
//! history of its sender and of each recipient exactly once; a message whose send
//! failed when its sender was killed may be anywhere or nowhere, but never twice.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::{json, Value};

use super::cluster::User;
use crate::node::messages::MAX_HISTORY_LIMIT;

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

/// The check over both paths.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Check {
    /// 1:1 between friends.
    pub one_to_one: PathCheck,
    /// The group.
    pub group: PathCheck,
}

impl Check {
    /// Whether nothing answered is missing.
    pub fn complete(&self) -> bool {
        self.one_to_one.lost == 0 && self.group.lost == 0
    }
}

/// How often each text is in each history: `(user, conversation)` → text → copies.
type Histories = HashMap<(usize, To), HashMap<String, usize>>;

/// Reads every history the sent messages should be in, and checks them.
pub async fn check(
    users: &[User],
    sent: &[Sent],
    friend_of: impl Fn(usize) -> usize,
    group: &str,
    members: &[usize],
) -> Result<Check, String> {
    let mut histories = Histories::new();
    for (index, user) in users.iter().enumerate() {
        let friend = friend_of(index);
        let texts = history(user, "messages.history", json!({ "contact": users[friend].label })).await?;
        histories.insert((index, To::Friend(friend)), texts);
        if members.contains(&index) {
            let texts = history(user, "groups.history", json!({ "group": group })).await?;
            histories.insert((index, To::Group), texts);
        }
    }
    let mut check = Check::default();
    for message in sent {
        let holders: Vec<(usize, To)> = match message.to {
            To::Friend(friend) => vec![(message.from, To::Friend(friend)), (friend, To::Friend(message.from))],
            To::Group => members.iter().map(|&m| (m, To::Group)).collect(),
        };
        let path = match message.to {
            To::Friend(_) => &mut check.one_to_one,
            To::Group => &mut check.group,
        };
        let copies: Vec<usize> = holders
            .iter()
            .map(|h| {
                histories
                    .get(h)
                    .and_then(|t| t.get(&message.text))
                    .copied()
                    .unwrap_or(0)
            })
            .collect();
        path.duplicates += copies.iter().map(|c| c.saturating_sub(1)).sum::<usize>();
        if message.acked {
            path.acked += 1;
            path.lost += copies.iter().filter(|&&c| c == 0).count();
        } else {
            path.uncertain += 1;
            // Whether the sender itself stored it before its answer was cut.
            let at_sender = holders.iter().position(|&(user, _)| user == message.from);
            path.uncertain_kept += usize::from(at_sender.is_some_and(|i| copies[i] > 0));
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
