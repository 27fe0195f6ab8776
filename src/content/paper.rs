//! Rolling papers (롤링페이퍼, SPEC.md §6.10, `protocol/content.md` §4): one person starts
//! a paper for a friend and a date; the writers — a group the recipient is not in — each
//! add one signed note; on the date any writer who is the recipient's friend delivers the
//! whole paper as one message. Pure rules here: what a note signs, which notes a paper
//! keeps, the delivery's message id, and the checks a recipient makes.

use crate::group::{sha256, Transcript};
use crate::model::{Body, MsgId, PaperNote, Stamp};
use crate::phone::PhoneNumber;

/// Longest note, in bytes of UTF-8.
pub const MAX_NOTE: usize = 500;
/// Most notes a paper carries (one per writer, the starter included).
pub const MAX_NOTES: usize = 20;
/// Most writers a starter invites (so every note fits).
pub const MAX_WRITERS: usize = MAX_NOTES - 1;
/// Latest delivery date a paper may set, from its start.
pub const MAX_LEAD_MS: u64 = 366 * 24 * 3600 * 1000;

const NOTE_LABEL: &[u8] = b"chingu/paper/v1/note";
const DELIVERY_LABEL: &[u8] = b"chingu/paper/v1/delivery";

/// Why a note or a paper was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PaperError {
    /// The paper was delivered (its date passed): no more notes.
    #[error("the rolling paper was delivered; notes are closed")]
    TooLate,
    /// A note whose signature does not verify under its author's identity key.
    #[error("a note's signature does not verify")]
    BadSignature,
    /// A paper start from someone other than the group's creator, or a second one.
    #[error("only the paper's starter starts it, once")]
    NotTheStarter,
    /// A note outside a rolling paper's group.
    #[error("not a rolling paper")]
    NotAPaper,
}

/// The bytes a note's author signs with their identity key:
/// `label || paper(16) || var(recipient E.164) || var(author E.164) || var(text)`.
pub fn note_signed_bytes(paper: &[u8; 16], recipient: &PhoneNumber, author: &PhoneNumber, text: &str) -> Vec<u8> {
    Transcript::new(NOTE_LABEL)
        .fixed(paper)
        .var(recipient.as_str().as_bytes())
        .var(author.as_str().as_bytes())
        .var(text.as_bytes())
        .into_bytes()
}

/// Whether `note` is signed by its key for `paper` to `recipient`.
pub fn verify_note(paper: &[u8; 16], recipient: &PhoneNumber, note: &PaperNote) -> bool {
    let Ok(sig) = <[u8; 64]>::try_from(note.sig.as_slice()) else {
        return false;
    };
    crate::crypto::verify(
        &note.key,
        &note_signed_bytes(paper, recipient, &note.author, &note.text),
        &sig,
    )
}

/// The id of a paper's delivery: the same whoever delivers it, so the recipient keeps
/// one copy (`SHA-256(label || paper)[0..16]`).
pub fn delivery_id(paper: &[u8; 16]) -> MsgId {
    let hash = sha256(&Transcript::new(DELIVERY_LABEL).fixed(paper).into_bytes());
    MsgId(hash[..16].try_into().expect("16 of 32 bytes"))
}

/// The notes a paper keeps from its writers' notes (in any order): each author's newest
/// (by clock, then id), at most [`MAX_NOTES`], oldest first.
pub fn collect(notes: impl IntoIterator<Item = (Stamp, PaperNote)>) -> Vec<PaperNote> {
    let mut newest: Vec<(Stamp, PaperNote)> = Vec::new();
    for (at, note) in notes {
        match newest.iter_mut().find(|(_, n)| n.author == note.author) {
            Some(kept) if kept.0 < at => *kept = (at, note),
            Some(_) => {}
            None => newest.push((at, note)),
        }
    }
    newest.sort_by_key(|(at, _)| *at);
    newest.truncate(MAX_NOTES);
    newest.into_iter().map(|(_, note)| note).collect()
}

/// What a recipient keeps of a delivered paper: the notes whose signatures verify (the
/// others are counted by the caller), each marked `verified` when `pinned` — the
/// identity key the recipient pinned for that number, if any — is the note's key.
pub fn receive(
    paper: &[u8; 16],
    recipient: &PhoneNumber,
    notes: Vec<PaperNote>,
    pinned: impl Fn(&PhoneNumber) -> Option<[u8; 32]>,
) -> (Vec<PaperNote>, usize) {
    let before = notes.len();
    let kept: Vec<PaperNote> = notes
        .into_iter()
        .filter(|n| verify_note(paper, recipient, n))
        .map(|mut n| {
            n.verified = pinned(&n.author) == Some(n.key);
            n
        })
        .collect();
    let dropped = before - kept.len();
    (kept, dropped)
}

/// Whether a body belongs in a paper's group (a start or a note).
pub fn is_paper_body(body: &Body) -> bool {
    matches!(body, Body::PaperStart { .. } | Body::Note { .. })
}

#[cfg(test)]
mod tests {
    use super::*;
    use libp2p::identity::ed25519;

    fn note(key: &ed25519::Keypair, paper: &[u8; 16], to: &PhoneNumber, author: &str, text: &str) -> PaperNote {
        let author: PhoneNumber = author.parse().unwrap();
        let sig = crate::crypto::sign(key, &note_signed_bytes(paper, to, &author, text));
        PaperNote {
            author,
            name: String::new(),
            key: key.public().to_bytes(),
            text: text.into(),
            sig: sig.to_vec(),
            verified: false,
        }
    }

    #[test]
    fn a_recipient_keeps_genuine_notes_and_marks_the_ones_it_can_attribute() {
        let paper = [5; 16];
        let to: PhoneNumber = "+821012345678".parse().unwrap();
        let (friend, stranger) = (ed25519::Keypair::generate(), ed25519::Keypair::generate());
        let mut forged = note(&stranger, &paper, &to, "+819012345678", "original");
        forged.text = "changed".into();
        let elsewhere = note(&friend, &[6; 16], &to, "+821055556666", "other paper");
        let notes = vec![
            note(&friend, &paper, &to, "+821055556666", "생일 축하해!"),
            note(&stranger, &paper, &to, "+819012345678", "おめでとう"),
            forged,
            elsewhere,
        ];
        let friend_pk = friend.public().to_bytes();
        let pinned = |p: &PhoneNumber| (p.as_str() == "+821055556666").then_some(friend_pk);
        let (kept, dropped) = receive(&paper, &to, notes, pinned);
        assert_eq!(dropped, 2);
        assert_eq!(kept.len(), 2);
        assert!(kept[0].verified && !kept[1].verified);
    }

    #[test]
    fn each_author_keeps_their_newest_note_and_delivery_ids_agree() {
        let key = ed25519::Keypair::generate();
        let to: PhoneNumber = "+821012345678".parse().unwrap();
        let at = |hlc| Stamp {
            hlc,
            id: MsgId([hlc as u8; 16]),
        };
        let notes = vec![
            (at(30), note(&key, &[1; 16], &to, "+819012345678", "second")),
            (at(10), note(&key, &[1; 16], &to, "+819012345678", "first")),
            (at(20), note(&key, &[1; 16], &to, "+821055556666", "other")),
        ];
        let kept = collect(notes);
        let texts: Vec<&str> = kept.iter().map(|n| n.text.as_str()).collect();
        assert_eq!(texts, ["other", "second"]);
        assert_eq!(delivery_id(&[1; 16]), delivery_id(&[1; 16]));
        assert_ne!(delivery_id(&[1; 16]), delivery_id(&[2; 16]));
    }
}
