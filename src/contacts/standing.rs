//! What a contact's state means to its owner, in words: every state explains itself and
//! names the next step ("waiting for Yuki to add you back — or send an invite"). The API
//! returns the stable [`Standing::reason`] and the English [`Standing::explain`]; the CLI
//! and the chat UI show the reason in the user's language.

use crate::model::{Contact, ContactState};

/// Where a contact stands, from the owner's point of view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Added; the first lookup has not finished.
    LookingUp,
    /// Looked up, nothing found: they have not added us (or do not use chingu).
    WaitingForThem,
    /// Found and pinned on first use; the key is not verified.
    Found,
    /// The key was verified (safety numbers, or an invite code).
    Verified,
    /// Another key claims their number where one was pinned: messages wait.
    KeyChanged,
    /// Several keys claimed the number at first sight: the owner must choose.
    SeveralKeys,
    /// The owner blocked them.
    Blocked,
}

impl Standing {
    /// The standing of `contact`.
    pub fn of(contact: &Contact) -> Self {
        if contact.blocked {
            return Standing::Blocked;
        }
        match contact.state {
            ContactState::Pending => Standing::LookingUp,
            ContactState::NotFound => Standing::WaitingForThem,
            ContactState::Found => Standing::Found,
            ContactState::Verified => Standing::Verified,
            ContactState::Conflict if contact.pinned.is_some() => Standing::KeyChanged,
            ContactState::Conflict => Standing::SeveralKeys,
        }
    }

    /// A stable snake_case name for programs (and the CLI's translations).
    pub fn reason(self) -> &'static str {
        match self {
            Standing::LookingUp => "looking_up",
            Standing::WaitingForThem => "waiting_for_them",
            Standing::Found => "found_unverified",
            Standing::Verified => "verified",
            Standing::KeyChanged => "key_changed",
            Standing::SeveralKeys => "several_keys",
            Standing::Blocked => "blocked",
        }
    }

    /// Whether messages to the contact wait for the owner to act.
    pub fn holds_messages(self) -> bool {
        matches!(self, Standing::KeyChanged | Standing::SeveralKeys | Standing::Blocked)
    }

    /// One English sentence saying what this means and what to do, about `name`.
    pub fn explain(self, name: &str) -> String {
        match self {
            Standing::LookingUp => format!("Looking for {name} on the network…"),
            Standing::WaitingForThem => {
                format!("Waiting for {name} to add you back — or send an invite (chingu invite).")
            }
            Standing::Found => format!(
                "{name} is your friend. Compare safety numbers to verify the key (chingu contacts verify {name})."
            ),
            Standing::Verified => format!("{name} is your friend; the key is verified."),
            Standing::KeyChanged => format!(
                "{name}'s key changed (new install?). Messages wait until you compare safety numbers and \
                 accept the new key (chingu contacts accept {name})."
            ),
            Standing::SeveralKeys => format!(
                "Several keys claim {name}'s number. Compare safety numbers and choose one \
                 (chingu contacts verify {name} --candidate N --confirm)."
            ),
            Standing::Blocked => format!(
                "You blocked {name}: no messages either way, and they cannot find you (chingu contacts unblock {name})."
            ),
        }
    }
}

/// The sentence for a standing's `reason` (as the API sends it) in the user's language,
/// about `name`; `fallback` (the API's English sentence) for a reason this version does
/// not know.
pub fn localized(reason: &str, name: &str, fallback: &str) -> String {
    let name = name.to_owned();
    match reason {
        "looking_up" => crate::tr!("standing-looking-up", name = name),
        "waiting_for_them" => crate::tr!("standing-waiting", name = name),
        "found_unverified" => crate::tr!("standing-found", name = name),
        "verified" => crate::tr!("standing-verified", name = name),
        "key_changed" => crate::tr!("standing-key-changed", name = name),
        "several_keys" => crate::tr!("standing-several-keys", name = name),
        "blocked" => crate::tr!("standing-blocked", name = name),
        _ => fallback.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ContactSource, PeerKeys};

    #[test]
    fn every_state_explains_itself() {
        let mut c = Contact::new("+819012345678".parse().unwrap(), "Yuki", ContactSource::Manual);
        assert_eq!(Standing::of(&c), Standing::LookingUp);
        c.state = ContactState::NotFound;
        let s = Standing::of(&c);
        assert_eq!(s.reason(), "waiting_for_them");
        assert_eq!(
            s.explain(&c.display_name()),
            "Waiting for Yuki to add you back — or send an invite (chingu invite)."
        );
        c.state = ContactState::Conflict;
        assert_eq!(Standing::of(&c), Standing::SeveralKeys);
        c.pinned = Some(PeerKeys {
            identity_pk: [1; 32],
            noise_pk: [2; 32],
            peer_id: "p".into(),
            name: String::new(),
            first_seen_ms: 0,
            record: Default::default(),
        });
        assert_eq!(Standing::of(&c), Standing::KeyChanged);
        assert!(Standing::KeyChanged
            .explain("Yuki")
            .starts_with("Yuki's key changed (new install?)"));
        assert!(Standing::of(&c).holds_messages());
        c.blocked = true;
        assert_eq!(Standing::of(&c).reason(), "blocked");
    }
}
