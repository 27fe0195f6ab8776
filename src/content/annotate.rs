//! What a reaction, an edit or a delete does to the message it names (SPEC.md §6.9):
//! pure rules, no I/O. The node stores every action like a message (deduplicated by id,
//! retried until acknowledged), then applies it here to the target it loaded; an action
//! whose target has not arrived yet waits for it.
//!
//! The author of an action is who sent it, as the channel proved it: the peer of the
//! Noise session or sealed box (1:1), the member whose sender key signed it (groups).
//! Only a message's author may edit or delete it; anyone in the conversation may react.
//! Actions commute: the newest edit (by clock, then id) is shown whatever the arrival
//! order, each person's newest reaction (or withdrawal) counts, and a delete is final.

use crate::model::{Body, Reaction, Stamp, StoredMessage};

/// Most people whose reactions one message keeps; later ones are refused.
pub const MAX_REACTIONS: usize = 256;

/// Why an action was not applied. Every case is refused and counted; none changes the
/// target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ActionError {
    /// An edit or delete from someone who did not write the message.
    #[error("only its author may edit or delete a message")]
    NotTheAuthor,
    /// The action names a message of another conversation.
    #[error("the message is in another conversation")]
    OtherConversation,
    /// The target cannot take this action: an edit of a card or a forward, any action on
    /// an action.
    #[error("this message cannot be edited or reacted to")]
    NotEditable,
    /// The target was deleted.
    #[error("the message was deleted")]
    Deleted,
    /// The target already holds [`MAX_REACTIONS`] people's reactions.
    #[error("the message has too many reactions")]
    TooManyReactions,
    /// The target has not arrived and too many actions wait for theirs already.
    #[error("too many reactions, edits and deletes wait for their message")]
    TooManyWaiting,
}

/// What applying an action did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// The target changed: store and show it again.
    Changed,
    /// A newer action of the same kind was applied already (or this one was): nothing to
    /// do.
    Stale,
}

/// Applies `action` (a stored reaction, edit or delete) to `target`.
pub fn apply(target: &mut StoredMessage, action: &StoredMessage) -> Result<Applied, ActionError> {
    let at = Stamp {
        hlc: action.hlc,
        id: action.id,
    };
    if target.conv != action.conv {
        return Err(ActionError::OtherConversation);
    }
    if target.body.is_action() {
        return Err(ActionError::NotEditable);
    }
    let deleted = target.body == Body::Deleted;
    match &action.body {
        Body::Delete { .. } => {
            if action.sender != target.sender {
                return Err(ActionError::NotTheAuthor);
            }
            if deleted {
                return Ok(Applied::Stale);
            }
            target.body = Body::Deleted;
            target.annotations = Default::default();
            Ok(Applied::Changed)
        }
        Body::Edit { text, .. } => {
            if action.sender != target.sender {
                return Err(ActionError::NotTheAuthor);
            }
            if deleted {
                return Err(ActionError::Deleted);
            }
            let current = match &mut target.body {
                Body::Text { text } | Body::Reply { text, .. } => text,
                _ => return Err(ActionError::NotEditable),
            };
            if target.annotations.edit.is_some_and(|shown| at <= shown) {
                return Ok(Applied::Stale);
            }
            text.clone_into(current);
            target.annotations.edit = Some(at);
            Ok(Applied::Changed)
        }
        Body::React { emoji, .. } => {
            if deleted {
                return Err(ActionError::Deleted);
            }
            let reactions = &mut target.annotations.reactions;
            match reactions.iter().position(|r| r.by == action.sender) {
                Some(i) if reactions[i].at >= at => Ok(Applied::Stale),
                Some(i) => {
                    reactions[i].emoji.clone_from(emoji);
                    reactions[i].at = at;
                    Ok(Applied::Changed)
                }
                None if reactions.len() >= MAX_REACTIONS => Err(ActionError::TooManyReactions),
                None => {
                    // A withdrawal of a reaction not seen yet is kept too: the reaction
                    // may still arrive, older.
                    reactions.push(Reaction {
                        by: action.sender.clone(),
                        emoji: emoji.clone(),
                        at,
                    });
                    Ok(Applied::Changed)
                }
            }
        }
        _ => Err(ActionError::NotEditable),
    }
}

/// The reactions of a message counted by emoji, most frequent first (then by emoji);
/// withdrawn ones are not counted.
pub fn tally(reactions: &[Reaction]) -> Vec<(String, usize)> {
    let mut counts: Vec<(String, usize)> = Vec::new();
    for reaction in reactions.iter().filter(|r| !r.emoji.is_empty()) {
        match counts.iter_mut().find(|(e, _)| *e == reaction.emoji) {
            Some((_, n)) => *n += 1,
            None => counts.push((reaction.emoji.clone(), 1)),
        }
    }
    counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    counts
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::model::{ConvId, Direction, MessageState, MsgId};

    fn message(sender: &str, hlc: u64, body: Body) -> StoredMessage {
        StoredMessage {
            id: MsgId::generate(),
            conv: ConvId([1; 16]),
            hlc,
            direction: Direction::Incoming,
            sender: sender.parse().unwrap(),
            body,
            state: MessageState::Received,
            sent_ms: 0,
            stored_ms: 0,
            annotations: Default::default(),
        }
    }

    const MINJI: &str = "+821012345678";
    const YUKI: &str = "+819012345678";
    const AOI: &str = "+821055556666";

    fn text(m: &StoredMessage) -> &str {
        m.body.text().unwrap_or("")
    }

    #[test]
    fn the_newest_edit_wins_whatever_the_order() {
        let original = message(MINJI, 10, Body::Text { text: "helo".into() });
        let to = original.id;
        let first = message(
            MINJI,
            20,
            Body::Edit {
                to,
                text: "hello".into(),
            },
        );
        let second = message(
            MINJI,
            30,
            Body::Edit {
                to,
                text: "hello!".into(),
            },
        );
        for order in [[&first, &second], [&second, &first]] {
            let mut target = original.clone();
            for edit in order {
                apply(&mut target, edit).unwrap();
            }
            assert_eq!(text(&target), "hello!");
            assert_eq!(target.annotations.edit.map(|e| e.hlc), Some(30));
        }
    }

    #[test]
    fn only_the_author_edits_or_deletes() {
        let mut target = message(MINJI, 10, Body::Text { text: "mine".into() });
        let to = target.id;
        for action in [
            Body::Edit {
                to,
                text: "yours".into(),
            },
            Body::Delete { to },
        ] {
            assert_eq!(
                apply(&mut target, &message(YUKI, 20, action)),
                Err(ActionError::NotTheAuthor)
            );
        }
        assert_eq!(text(&target), "mine");
        let mut elsewhere = message(MINJI, 20, Body::Delete { to });
        elsewhere.conv = ConvId([2; 16]);
        assert_eq!(apply(&mut target, &elsewhere), Err(ActionError::OtherConversation));
    }

    #[test]
    fn a_delete_is_final_and_clears_everything() {
        let mut target = message(
            MINJI,
            10,
            Body::Reply {
                to: MsgId([9; 16]),
                text: "secret".into(),
            },
        );
        let to = target.id;
        apply(
            &mut target,
            &message(
                YUKI,
                11,
                Body::React {
                    to, emoji: "👍".into()
                },
            ),
        )
        .unwrap();
        assert_eq!(
            apply(&mut target, &message(MINJI, 12, Body::Delete { to })),
            Ok(Applied::Changed)
        );
        assert_eq!(target.body, Body::Deleted);
        assert!(target.annotations.is_empty());
        // A late edit (clock before the delete or after) cannot bring the text back.
        for hlc in [5, 50] {
            let edit = message(
                MINJI,
                hlc,
                Body::Edit {
                    to,
                    text: "back".into(),
                },
            );
            assert_eq!(apply(&mut target, &edit), Err(ActionError::Deleted));
        }
        let react = message(
            YUKI,
            60,
            Body::React {
                to, emoji: "👍".into()
            },
        );
        assert_eq!(apply(&mut target, &react), Err(ActionError::Deleted));
        assert_eq!(
            apply(&mut target, &message(MINJI, 70, Body::Delete { to })),
            Ok(Applied::Stale)
        );
    }

    #[test]
    fn one_reaction_per_person_the_newest_counts() {
        let mut target = message(MINJI, 10, Body::Text { text: "hi".into() });
        let to = target.id;
        let react = |who, hlc, emoji: &str| {
            message(
                who,
                hlc,
                Body::React {
                    to,
                    emoji: emoji.into(),
                },
            )
        };
        apply(&mut target, &react(YUKI, 20, "👍")).unwrap();
        apply(&mut target, &react(MINJI, 21, "👍")).unwrap();
        apply(&mut target, &react(YUKI, 30, "❤️")).unwrap();
        assert_eq!(apply(&mut target, &react(YUKI, 25, "😂")), Ok(Applied::Stale));
        assert_eq!(
            tally(&target.annotations.reactions),
            [("❤️".into(), 1), ("👍".into(), 1)]
        );
        apply(&mut target, &react(YUKI, 40, "")).unwrap();
        assert_eq!(tally(&target.annotations.reactions), [("👍".to_owned(), 1)]);
        // A withdrawal seen before its reaction still wins over it.
        apply(&mut target, &react(AOI, 60, "")).unwrap();
        assert_eq!(apply(&mut target, &react(AOI, 50, "😂")), Ok(Applied::Stale));
        assert_eq!(tally(&target.annotations.reactions), [("👍".to_owned(), 1)]);
    }

    #[test]
    fn reactions_are_capped() {
        let mut target = message(MINJI, 10, Body::Text { text: "hi".into() });
        let to = target.id;
        for i in 0..MAX_REACTIONS {
            let who = format!("+8210{:08}", 10_000_000 + i);
            apply(
                &mut target,
                &message(
                    &who,
                    20,
                    Body::React {
                        to, emoji: "👍".into()
                    },
                ),
            )
            .unwrap();
        }
        let late = message(
            YUKI,
            30,
            Body::React {
                to, emoji: "👍".into()
            },
        );
        assert_eq!(apply(&mut target, &late), Err(ActionError::TooManyReactions));
        assert_eq!(target.annotations.reactions.len(), MAX_REACTIONS);
    }

    #[test]
    fn cards_forwards_and_actions_are_not_edited() {
        let mut card = message(
            MINJI,
            10,
            Body::Card {
                template: "thanks".into(),
                title: "고마워".into(),
                text: String::new(),
            },
        );
        let to = card.id;
        let edit = message(MINJI, 20, Body::Edit { to, text: "x".into() });
        assert_eq!(apply(&mut card, &edit), Err(ActionError::NotEditable));
        let mut action = message(MINJI, 10, Body::Delete { to: MsgId([5; 16]) });
        let react = message(
            YUKI,
            20,
            Body::React {
                to: action.id,
                emoji: "👍".into(),
            },
        );
        assert_eq!(apply(&mut action, &react), Err(ActionError::NotEditable));
    }

    fn arbitrary_action(to: MsgId) -> impl Strategy<Value = StoredMessage> {
        let authors = prop::sample::select(vec![MINJI, YUKI, AOI]);
        let body = prop_oneof![
            prop::sample::select(vec!["👍", "❤️", "😂", ""]).prop_map(move |e| Body::React { to, emoji: e.into() }),
            "[a-c]{1,3}".prop_map(move |text| Body::Edit { to, text }),
            Just(Body::Delete { to }),
        ];
        // Few distinct clocks, so ties (broken by id) are common.
        (authors, 1u64..6, body).prop_map(|(author, hlc, body)| message(author, hlc * 10, body))
    }

    proptest! {
        /// Whatever order actions arrive in, the message ends the same.
        #[test]
        fn actions_commute(
            (actions, order) in prop::collection::vec(arbitrary_action(MsgId([7; 16])), 1..12)
                .prop_flat_map(|actions| {
                    let n = actions.len();
                    (Just(actions), Just((0..n).collect::<Vec<usize>>()).prop_shuffle())
                })
        ) {
            let mut original = message(MINJI, 5, Body::Text { text: "start".into() });
            original.id = MsgId([7; 16]);
            let mut in_order = original.clone();
            for action in &actions {
                let _ = apply(&mut in_order, action);
            }
            let mut shuffled = original;
            for &i in &order {
                let _ = apply(&mut shuffled, &actions[i]);
            }
            let mut a = in_order.annotations.reactions.clone();
            let mut b = shuffled.annotations.reactions.clone();
            a.sort_by(|x, y| x.by.as_str().cmp(y.by.as_str()));
            b.sort_by(|x, y| x.by.as_str().cmp(y.by.as_str()));
            prop_assert_eq!(a, b);
            prop_assert_eq!(in_order.body, shuffled.body);
            prop_assert_eq!(in_order.annotations.edit, shuffled.annotations.edit);
        }
    }
}
