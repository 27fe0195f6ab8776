//! Slash commands in the chat's composer (SPEC.md §6.9, §6.11): `/reply TEXT` answers the
//! newest message from the others, `/react EMOJI` reacts to it (`/react` alone withdraws),
//! `/edit TEXT` and `/delete` change your own newest message, `/file PATH` sends a photo or
//! file, `/save DIR` saves the newest file from the others there. `//` starts a text that
//! begins with a slash. Pure: the composer's text and the messages held in, the API call
//! out.

use std::collections::VecDeque;

use serde_json::{json, Value};

use crate::model::Direction;
use crate::node::MessageView;

/// What a composer line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Send this text (a plain message; `//x` becomes `/x`).
    Text(String),
    /// Send the file at this path to the open conversation.
    File(String),
    /// Call `method` with `params`; `shows` when its answer is a new message to list
    /// (a reply), not an action on one.
    Call {
        /// The API method.
        method: &'static str,
        /// Its parameters.
        params: Value,
        /// Whether the answer is a message to show.
        shows: bool,
    },
    /// A command with nothing to apply to: no message from the others (`Incoming`), or
    /// none of yours (`Outgoing`).
    Nothing(Direction),
}

/// The newest held message from `direction` that an action can apply to.
fn newest(messages: &VecDeque<MessageView>, direction: Direction, files_only: bool) -> Option<&MessageView> {
    messages.iter().rev().find(|m| {
        m.direction == direction
            && !matches!(m.kind.as_str(), "deleted" | "paper_start" | "paper")
            && (!files_only || m.kind == "file")
    })
}

/// Reads a composer line.
pub fn parse(line: &str, messages: &VecDeque<MessageView>) -> Command {
    if let Some(text) = line.strip_prefix("//") {
        return Command::Text(format!("/{text}"));
    }
    let Some(rest) = line.strip_prefix('/') else {
        return Command::Text(line.to_owned());
    };
    let (word, arg) = rest.split_once(' ').unwrap_or((rest, ""));
    let arg = arg.trim();
    if word == "file" && !arg.is_empty() {
        return Command::File(arg.to_owned());
    }
    let (direction, method, shows) = match word {
        "reply" => (Direction::Incoming, "messages.reply", true),
        "react" => (Direction::Incoming, "messages.react", false),
        "edit" => (Direction::Outgoing, "messages.edit", false),
        "delete" => (Direction::Outgoing, "messages.delete", false),
        "save" if !arg.is_empty() => (Direction::Incoming, "files.save", false),
        _ => return Command::Text(line.to_owned()),
    };
    let Some(target) = newest(messages, direction, word == "save") else {
        return Command::Nothing(direction);
    };
    let params = match word {
        "react" => json!({ "message": target.id, "emoji": arg }),
        "delete" => json!({ "message": target.id }),
        "save" => json!({ "id": target.id, "path": std::path::absolute(arg).unwrap_or_else(|_| arg.into()) }),
        _ => json!({ "message": target.id, "text": arg }),
    };
    Command::Call { method, params, shows }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::testkit::message;

    #[test]
    fn commands_apply_to_the_newest_fitting_message() {
        let held: VecDeque<MessageView> = [
            message(1, "+821012345678", true, "theirs, older"),
            message(2, "+821012345678", true, "theirs"),
            message(3, "+821012345678", false, "mine"),
        ]
        .into();
        let id = |n: u32| format!("{n:032x}");
        assert_eq!(
            parse("/react 👍", &held),
            Command::Call {
                method: "messages.react",
                params: json!({ "message": id(2), "emoji": "👍" }),
                shows: false
            }
        );
        assert_eq!(
            parse("/reply 좋아", &held),
            Command::Call {
                method: "messages.reply",
                params: json!({ "message": id(2), "text": "좋아" }),
                shows: true
            }
        );
        assert_eq!(
            parse("/edit mine!", &held),
            Command::Call {
                method: "messages.edit",
                params: json!({ "message": id(3), "text": "mine!" }),
                shows: false
            }
        );
        assert_eq!(
            parse("/delete", &held),
            Command::Call {
                method: "messages.delete",
                params: json!({ "message": id(3) }),
                shows: false
            }
        );
        assert_eq!(parse("/file ~/사진.jpg", &held), Command::File("~/사진.jpg".into()));
        assert_eq!(
            parse("/save /tmp", &held),
            Command::Nothing(Direction::Incoming),
            "no file held"
        );
        let mut with_file = held.clone();
        let mut photo = message(4, "+821012345678", true, "사진.jpg");
        photo.kind = "file".into();
        with_file.push_back(photo);
        with_file.push_back(message(5, "+821012345678", true, "later text"));
        assert_eq!(
            parse("/save /tmp", &with_file),
            Command::Call {
                method: "files.save",
                params: json!({ "id": id(4), "path": "/tmp" }),
                shows: false
            }
        );
        assert_eq!(parse("//react", &held), Command::Text("/react".into()));
        assert_eq!(parse("/shrug", &held), Command::Text("/shrug".into()));
        assert_eq!(parse("hello", &held), Command::Text("hello".into()));
        let only_theirs: VecDeque<MessageView> = [message(1, "+821012345678", true, "x")].into();
        assert_eq!(parse("/delete", &only_theirs), Command::Nothing(Direction::Outgoing));
    }
}
