//! The calls a submitted form makes (with what is wrong with its fields), and the text of
//! the panels that show search results, invite and meetup codes, and safety numbers.

use super::*;

/// The effect of submitting a form with `values` (trimmed), or what is wrong with them.
pub(super) fn submit(kind: &FormKind, values: &[String]) -> Result<Effect, String> {
    let first = values.first().cloned().unwrap_or_default();
    if first.is_empty() {
        return Err(tr!("tui-field-required"));
    }
    let second = values.get(1).cloned().unwrap_or_default();
    Ok(match kind {
        FormKind::AddContact if first.to_ascii_uppercase().starts_with("CHINGU-") || first.starts_with("chingu://") => {
            call(
                Request::AddContact,
                "contacts.add",
                json!({ "invite": first, "name": second }),
            )
        }
        FormKind::AddContact => call(
            Request::AddContact,
            "contacts.add",
            json!({ "phone": first, "name": second }),
        ),
        FormKind::Import => Effect::Import { path: first },
        FormKind::GroupCreate => {
            let members: Vec<&str> = second.split(',').map(str::trim).filter(|m| !m.is_empty()).collect();
            call(
                Request::GroupChange,
                "groups.create",
                json!({ "name": first, "members": members }),
            )
        }
        FormKind::MeetupCreate => {
            let minutes = if second.is_empty() {
                120
            } else {
                parse_minutes(&second)?
            };
            call(
                Request::MeetupCreate,
                "meetups.create",
                json!({ "name": first, "expires_s": minutes * 60 }),
            )
        }
        FormKind::MeetupJoin => call(Request::GroupChange, "meetups.join", json!({ "code": first })),
        FormKind::GroupInvite(group) => call(
            Request::GroupChange,
            "groups.invite",
            json!({ "group": group, "contact": first }),
        ),
        FormKind::GroupRename(group) => call(
            Request::GroupChange,
            "groups.rename",
            json!({ "group": group, "name": first }),
        ),
        FormKind::Search => call(
            Request::Search { query: first.clone() },
            "history.search",
            json!({ "query": first, "limit": SEARCH_RESULTS }),
        ),
    })
}

/// Results shown for a search.
const SEARCH_RESULTS: usize = 50;

/// The results of a search, one line per message (newest first).
pub(super) fn search_panel(query: &str, page: &SearchPage) -> Info {
    let mut lines: Vec<String> = page
        .results
        .iter()
        .map(|hit| {
            let who = match hit.message.direction {
                crate::model::Direction::Outgoing => tr!("msg-me"),
                crate::model::Direction::Incoming if hit.message.sender_name.is_empty() => hit.message.sender.clone(),
                crate::model::Direction::Incoming => hit.message.sender_name.clone(),
            };
            tr!(
                "search-hit",
                time = crate::tui::view::clock(hit.message.sent_ms),
                title = clean(&hit.title).into_owned(),
                who = clean(&who).into_owned(),
                text = clean(&hit.message.text).into_owned()
            )
        })
        .collect();
    if lines.is_empty() {
        lines.push(tr!("search-none"));
    }
    Info {
        title: tr!("tui-search-title", query = clean(query).into_owned()),
        lines,
        verify: None,
    }
}

/// A meetup duration such as `90`, `90m` or `2h`, in minutes (at most a week).
pub(super) fn parse_minutes(text: &str) -> Result<u64, String> {
    let (number, unit) = match text.strip_suffix('h') {
        Some(hours) => (hours, 60),
        None => (text.strip_suffix('m').unwrap_or(text), 1),
    };
    number
        .trim()
        .parse::<u64>()
        .ok()
        .map(|n| n * unit)
        .filter(|m| (1..=7 * 24 * 60).contains(m))
        .ok_or_else(|| tr!("tui-duration-invalid", text = text.to_owned()))
}

/// A panel showing a code to pass on (invite, meetup), its link and how to use it.
pub(super) fn code_panel(title: String, code: String, link: String, howto: String) -> Overlay {
    Overlay::Info(Info {
        title,
        lines: vec![code, link, String::new(), howto],
        verify: None,
    })
}

/// The account's devices, one line each, with how to link and remove them.
pub(super) fn devices_panel(view: &crate::node::link::DevicesView) -> Info {
    let mut lines: Vec<String> = view
        .devices
        .iter()
        .map(|device| {
            let mut marks = Vec::new();
            if device.this_device {
                marks.push(tr!("devices-this"));
            }
            if device.account_device {
                marks.push(tr!("devices-account"));
            }
            let peer: String = device
                .peer_id
                .chars()
                .rev()
                .take(8)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            format!("{}  …{peer}  {}", clean(&device.name), marks.join(", "))
        })
        .collect();
    lines.push(String::new());
    lines.push(tr!("tui-devices-howto"));
    Info {
        title: tr!("tui-devices-title", count = view.devices.len()),
        lines,
        verify: None,
    }
}

/// The safety-number panel of a verification answer.
pub(super) fn safety_panel(verification: &Verification) -> Info {
    let contact = &verification.contact;
    let mut lines = vec![tr!(
        "tui-safety-contact",
        name = clean(&contact.name).into_owned(),
        phone = contact.phone.clone()
    )];
    if let Some(pinned) = &verification.pinned {
        lines.push(String::new());
        lines.push(tr!("tui-safety-pinned"));
        lines.extend(blocks(&pinned.safety_number));
    }
    for candidate in &verification.candidates {
        lines.push(String::new());
        lines.push(tr!(
            "tui-safety-candidate",
            index = candidate.index,
            name = clean(&candidate.profile_name).into_owned()
        ));
        lines.extend(blocks(&candidate.safety_number));
    }
    if verification.pinned.is_none() && verification.candidates.is_empty() {
        lines.push(tr!("tui-safety-none"));
    }
    lines.push(String::new());
    lines.push(tr!("tui-safety-howto"));
    Info {
        title: tr!("tui-safety-title"),
        lines,
        verify: Some(contact.phone.clone()),
    }
}

/// A 60-digit safety number as three lines of four 5-digit blocks.
pub(super) fn blocks(number: &str) -> Vec<String> {
    let groups: Vec<&str> = number.split_whitespace().collect();
    groups.chunks(4).map(|line| format!("  {}", line.join(" "))).collect()
}
