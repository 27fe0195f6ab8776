//! The node's refusals, and the API's own errors, in the user's language. An error reaches
//! a client as a stable reason and details (SPEC.md §9.3) and is described from those,
//! never from its English text: the CLI (`chingu::cli`'s errors) and the chat UI
//! ([`crate::tui`]) both ask [`describe`] (through [`api_errors::client`]). [`REASONS`] is
//! the one list of the reasons described and how; the tests check that each has its own
//! text in every language, and that every reason the node and the API give is in it.

use super::api_errors::{self, with_detail};
use crate::api::ApiError;
use crate::phone::{regions_where_valid, LIKELY_REGIONS};
use crate::text::for_terminal;

/// How one reason is said, from the error's details.
pub type Say = fn(&ApiError) -> String;

/// A detail of the error, safe for a terminal (`""` when absent).
pub(super) fn detail(error: &ApiError, key: &str) -> String {
    for_terminal(error.detail(key).unwrap_or_default()).into_owned()
}

/// The error's English message, safe for a terminal (for the few reasons whose message is
/// the detail: a recovery code's problem, a backup's failure).
fn message(error: &ApiError) -> String {
    for_terminal(&error.message).into_owned()
}

/// Every reason described, and how.
pub const REASONS: &[(&str, Say)] = &[
    // Contacts and numbers.
    ("no_such_contact", |e| {
        tr!("err-no-such-contact", contact = detail(e, "contact"))
    }),
    ("ambiguous_contact", |e| {
        tr!(
            "err-ambiguous-contact",
            contact = detail(e, "contact"),
            candidates = detail(e, "candidates")
        )
    }),
    ("invalid_phone", |e| {
        phone_hint(
            e.detail("input").unwrap_or_default(),
            e.detail("region").unwrap_or_default(),
            e.detail("problem").unwrap_or_default(),
        )
    }),
    ("own_number", |_| tr!("err-own-number")),
    ("own_invite", |_| tr!("err-own-invite")),
    ("no_phone", |_| tr!("err-no-phone")),
    ("linked_device", |_| tr!("err-linked-device")),
    ("first_device_unreachable", |_| tr!("err-first-device-unreachable")),
    ("empty_name", |_| tr!("err-empty-name")),
    ("name_too_long", |_| name("name_too_long")),
    ("name_unprintable", |_| name("name_unprintable")),
    ("status_too_long", |_| {
        tr!("err-status-too-long", max = crate::dm::wire::MAX_STATUS)
    }),
    ("too_many_persons", |_| {
        tr!(
            "err-too-many-persons",
            max = crate::node::contacts::MAX_PERSONS_PER_IMPORT
        )
    }),
    ("too_many_numbers", |e| {
        tr!(
            "err-too-many-numbers",
            contact = detail(e, "contact"),
            max = detail(e, "max")
        )
    }),
    ("bad_invite", |e| tr!("err-bad-invite", problem = detail(e, "problem"))),
    ("invite_expired", |_| tr!("err-invite-expired")),
    ("bad_invite_validity", |e| {
        tr!("err-bad-invite-validity", days = detail(e, "max_days"))
    }),
    ("bad_import", |e| tr!("err-bad-import", problem = detail(e, "problem"))),
    ("contact_blocked", |e| {
        tr!("err-contact-blocked", contact = detail(e, "contact"))
    }),
    ("key_changed", |e| standing(e, "key_changed")),
    ("several_keys", |e| standing(e, "several_keys")),
    ("nothing_to_verify", |e| {
        tr!("err-nothing-to-verify", contact = detail(e, "contact"))
    }),
    ("no_key_change", |e| {
        tr!("err-no-key-change", contact = detail(e, "contact"))
    }),
    ("choose_candidate", |e| {
        tr!("err-choose-candidate", contact = detail(e, "contact"))
    }),
    ("no_such_candidate", |e| {
        tr!(
            "err-no-such-candidate",
            contact = detail(e, "contact"),
            candidate = detail(e, "candidate")
        )
    }),
    // Message requests.
    ("no_such_request", |e| {
        tr!("err-no-such-request", request = detail(e, "request"))
    }),
    ("ambiguous_request", |e| {
        tr!("err-ambiguous-request", request = detail(e, "request"))
    }),
    ("request_gone", |_| tr!("err-request-gone")),
    ("request_claims_contact", |e| {
        tr!("err-request-claims-contact", contact = detail(e, "contact"))
    }),
    // Messages and history.
    ("empty_message", |_| tr!("err-empty-message")),
    ("invalid_id", |e| tr!("err-invalid-id", id = detail(e, "id"))),
    ("no_messages", |e| {
        tr!("err-no-messages", contact = detail(e, "contact"))
    }),
    ("before_and_after", |_| tr!("err-before-and-after")),
    // Groups and meetups.
    ("is_a_group", |e| {
        tr!("err-is-a-group", group = detail(e, "group"), kind = detail(e, "kind"))
    }),
    ("no_such_group", |e| {
        tr!("err-no-such-group", group = detail(e, "group"))
    }),
    ("ambiguous_group", |e| {
        tr!("err-ambiguous-group", group = detail(e, "group"))
    }),
    ("group_needs_name", |_| tr!("err-group-needs-name")),
    ("group_exists", |e| tr!("err-group-exists", group = detail(e, "group"))),
    ("text_too_long", |e| {
        tr!("err-text-too-long", what = detail(e, "what"), max = detail(e, "max"))
    }),
    ("group_rules", |e| tr!("err-group-rules", rule = detail(e, "rule"))),
    ("not_a_member", |e| tr!("err-not-a-member", group = detail(e, "group"))),
    ("no_such_member", |e| {
        tr!("err-no-such-member", member = detail(e, "member"))
    }),
    ("group_closed", |e| tr!("err-group-closed", group = detail(e, "group"))),
    ("no_epoch", |_| tr!("err-no-epoch")),
    ("meetup_acquaintance", |e| {
        tr!("err-meetup-acquaintance", contact = detail(e, "contact"))
    }),
    ("contact_not_ready", |e| {
        tr!("err-contact-not-ready", contact = detail(e, "contact"))
    }),
    ("invitation_invalid", |_| tr!("err-invitation-invalid")),
    ("ambiguous_invitation", |e| {
        tr!("err-ambiguous-invitation", group = detail(e, "group"))
    }),
    ("no_such_invitation", |e| {
        tr!("err-no-such-invitation", group = detail(e, "group"))
    }),
    ("not_a_meetup", |e| tr!("err-not-a-meetup", group = detail(e, "group"))),
    ("bad_meetup_duration", |_| tr!("err-bad-meetup-duration")),
    ("bad_meetup_code", |_| tr!("err-bad-meetup-code")),
    ("no_such_meetup", |_| tr!("err-no-such-meetup")),
    ("meetup_refused", |e| {
        tr!("err-meetup-refused", problem = detail(e, "problem"))
    }),
    // Vouchers.
    ("not_a_friend", |_| tr!("err-not-a-friend")),
    ("no_such_voucher", |_| tr!("err-no-such-voucher")),
    ("not_held", |e| tr!("err-not-held", state = detail(e, "state"))),
    ("refused", |e| {
        tr!("err-voucher-refused", problem = detail(e, "problem"))
    }),
    ("malformed_answer", |e| {
        tr!("err-malformed-answer", problem = detail(e, "problem"))
    }),
    ("too_long", |_| tr!("err-too-long")),
    ("bad_signature", |_| tr!("err-bad-signature")),
    ("expired", |_| tr!("err-voucher-expired")),
    ("spent", |_| tr!("err-voucher-spent")),
    ("not_the_holder", |_| tr!("err-not-the-holder")),
    ("too_many_hops", |_| tr!("err-too-many-hops")),
    ("not_ours", |_| tr!("err-not-ours")),
    ("stale_request", |_| tr!("err-stale-request")),
    // Replies, reactions, edits, deletes, forwards and cards.
    ("no_such_message", |e| tr!("err-no-such-message", id = detail(e, "id"))),
    ("not_forwardable", |_| tr!("err-not-forwardable")),
    ("not_writable", |_| tr!("err-not-writable")),
    ("not_the_author", |_| tr!("err-not-the-author")),
    ("other_conversation", |_| tr!("err-other-conversation")),
    ("not_editable", |_| tr!("err-not-editable")),
    ("deleted", |_| tr!("err-deleted")),
    ("too_many_reactions", |_| tr!("err-too-many-reactions")),
    ("too_many_waiting", |_| tr!("err-too-many-waiting")),
    ("unknown_template", |e| {
        tr!("err-unknown-template", template = detail(e, "template"))
    }),
    ("not_an_emoji", |e| tr!("err-not-an-emoji", text = detail(e, "text"))),
    ("not_sendable", |_| tr!("err-not-sendable")),
    // Rolling papers.
    ("bad_date", |_| tr!("err-paper-bad-date")),
    ("bad_writers", |e| tr!("err-paper-bad-writers", max = detail(e, "max"))),
    ("recipient_invited", |_| tr!("err-paper-recipient-invited")),
    ("too_late", |_| tr!("err-paper-too-late")),
    ("not_the_starter", |_| tr!("err-paper-not-the-starter")),
    ("not_a_paper", |_| tr!("err-not-a-paper")),
    // Files and sticker packs.
    ("no_such_file", |e| match error_detail(e, "file") {
        Some(file) => tr!("err-no-such-file", file = file),
        None => tr!("err-file-missing"),
    }),
    ("ambiguous", |e| {
        tr!("err-ambiguous", what = detail(e, "what"), query = detail(e, "query"))
    }),
    ("changed", |_| tr!("err-file-changed")),
    ("bad_id", |_| tr!("err-bad-file-id")),
    ("unreadable", |e| tr!("err-unreadable", problem = io_words(e))),
    ("no_such_pack", |e| tr!("err-no-such-pack", pack = detail(e, "pack"))),
    ("no_such_sticker", |e| {
        tr!(
            "err-no-such-sticker",
            pack = detail(e, "pack"),
            count = detail(e, "count")
        )
    }),
    ("bad_pack", |_| tr!("err-bad-pack")),
    ("empty_pack", |_| tr!("err-empty-pack")),
    ("bad_image", |e| tr!("err-bad-image", sticker = detail(e, "sticker"))),
    // Requests (a file or a sticker pack too) and backups.
    ("too_large", |e| match e.detail("what") {
        Some("file") => tr!("err-file-too-large", gib = crate::files::MAX_FILE_BYTES >> 30),
        Some("sticker_pack") => tr!(
            "err-pack-too-large",
            kib = crate::content::sticker::MAX_PACK_BYTES >> 10
        ),
        // A request: the limit it went over (older nodes do not say; theirs is ours).
        _ => {
            let max = e.detail("max").and_then(|max| max.parse().ok());
            tr!(
                "err-too-large",
                limit = max.unwrap_or(crate::api::MAX_REQUEST_BYTES) >> 10
            )
        }
    }),
    ("weak_passphrase", |_| {
        tr!("err-backup-weak", chars = crate::backup::archive::MIN_PASSPHRASE_CHARS)
    }),
    ("bad_recovery_code", |e| {
        tr!("err-backup-bad-code", problem = message(e))
    }),
    ("relative_path", |_| tr!("err-backup-relative-path")),
    // Devices and linking (crate::account).
    ("bad_link_code", |_| tr!("err-bad-link-code")),
    ("link_code_expired", |_| tr!("err-link-code-expired")),
    ("wrong_link_code", |_| tr!("err-wrong-link-code")),
    ("no_link_offer", |_| tr!("err-no-link-offer")),
    ("link_not_confirmed", |_| tr!("err-link-not-confirmed")),
    ("link_failed", |e| with_detail(tr!("err-link-failed"), e)),
    ("link_malformed", |e| with_detail(tr!("err-link-malformed"), e)),
    ("other_account", |_| tr!("err-other-account")),
    ("too_many_devices", |_| {
        tr!("err-too-many-devices", max = crate::account::MAX_DEVICES)
    }),
    ("device_name_taken", |e| {
        tr!("err-device-name-taken", device = detail(e, "device"))
    }),
    ("no_such_device", |e| {
        tr!("err-no-such-device", device = detail(e, "device"))
    }),
    ("account_device", |_| tr!("err-account-device")),
    ("not_the_account_device", |_| tr!("err-not-the-account-device")),
    ("bad_device_name", |_| tr!("err-bad-device-name")),
    ("no_link_waiting", |_| tr!("err-no-link-waiting")),
    ("not_listening", |_| tr!("err-not-listening")),
    ("bad_history_days", |e| {
        tr!("err-bad-history-days", max = detail(e, "max"))
    }),
    ("history_too_large", |_| tr!("err-history-too-large")),
    ("revoked_device", |_| tr!("err-revoked-device")),
    ("not_a_device", |_| tr!("err-not-a-device")),
    ("busy", |_| tr!("err-backup-busy")),
    ("cannot_write", |e| match error_detail(e, "path") {
        Some(path) => tr!("err-backup-cannot-write-to", path = path, problem = io_words(e)),
        None => tr!("err-backup-cannot-write", problem = io_words(e)),
    }),
    ("backup_failed", |e| tr!("err-backup-failed", message = message(e))),
    // The API itself: calls, app tokens and connections (crate::api::params, dispatch).
    ("invalid_params", api_errors::params),
    ("method_not_found", |e| {
        tr!("err-method-not-found", method = detail(e, "method"))
    }),
    ("forbidden", api_errors::forbidden),
    ("no_token", |_| tr!("err-no-token")),
    ("unknown_token", |_| tr!("err-unknown-token")),
    ("parse_error", |e| {
        tr!(
            "err-parse-error",
            line = detail(e, "line"),
            column = detail(e, "column")
        )
    }),
    ("not_utf8", |_| tr!("err-not-utf8")),
    ("binary_frame", |_| tr!("err-binary-frame")),
    ("invalid_request", |e| match error_detail(e, "field") {
        Some(field) => tr!("err-invalid-request", field = field),
        None => tr!("err-invalid-request-any"),
    }),
    ("request_timeout", |e| {
        tr!("err-request-timeout", seconds = detail(e, "seconds"))
    }),
    ("evicted", |_| tr!("err-evicted")),
    // The node's failures (crate::api::error): what to do, then the node's words.
    ("stopped", |e| match error_detail(e, "detail") {
        Some(_) => with_detail(tr!("err-stopped-panic"), e),
        None => tr!("err-stopped"),
    }),
    ("invalid_address", |e| {
        with_detail(tr!("err-invalid-address", address = detail(e, "address")), e)
    }),
    ("cannot_listen", |e| {
        with_detail(tr!("err-cannot-listen", address = detail(e, "address")), e)
    }),
    ("unreachable", |e| {
        with_detail(tr!("err-unreachable", peer = detail(e, "peer")), e)
    }),
    ("dht_failed", |e| {
        with_detail(tr!("err-dht-failed", op = detail(e, "op")), e)
    }),
    ("storage", |e| {
        let problem = detail(e, "problem");
        match error_detail(e, "path") {
            Some(path) => with_detail(tr!("err-storage-at", problem = problem, path = path), e),
            None => with_detail(tr!("err-storage", problem = problem), e),
        }
    }),
    ("task_failed", |e| {
        with_detail(tr!("err-task-failed", task = detail(e, "task")), e)
    }),
    ("node_error", |e| with_detail(tr!("err-node-failed"), e)),
    ("internal", |e| with_detail(tr!("err-internal"), e)),
    ("not_found", |e| with_detail(tr!("err-not-found"), e)),
    ("invalid_input", |e| with_detail(tr!("err-invalid-input"), e)),
    ("blocked", |e| with_detail(tr!("err-blocked"), e)),
];

/// The error's detail `key` when it is there and not empty, safe for a terminal.
fn error_detail(error: &ApiError, key: &str) -> Option<String> {
    Some(detail(error, key)).filter(|value| !value.is_empty())
}

/// A file's `problem` ([`crate::node::refusal::io_problem`]) in words: the OS's own
/// words for a rare one.
fn io_words(error: &ApiError) -> String {
    match error.detail("problem").unwrap_or_default() {
        "not_found" => tr!("io-not-found"),
        "permission_denied" => tr!("io-permission-denied"),
        "is_a_directory" => tr!("io-is-a-directory"),
        "no_space" => tr!("io-no-space"),
        _ => detail(error, "problem"),
    }
}

/// The node's refusal `error` in the user's language, from its reason and details; `None`
/// for a reason not in [`REASONS`] (the caller shows the English message then).
pub fn describe(error: &ApiError) -> Option<String> {
    let reason = error.reason()?;
    REASONS
        .iter()
        .find(|(known, _)| *known == reason)
        .map(|(_, say)| say(error))
}

/// A contact whose key changed or is contested, as its standing says it.
fn standing(error: &ApiError, reason: &str) -> String {
    crate::contacts::standing::localized(reason, &detail(error, "contact"), &error.message)
}

/// A name refused for its length (`name_too_long`) or its characters
/// ([`crate::text::NameError::reason`]).
pub fn name(reason: &str) -> String {
    match reason {
        "name_too_long" => tr!(
            "err-name-too-long",
            chars = crate::text::MAX_NAME_CHARS,
            bytes = crate::text::MAX_NAME_BYTES
        ),
        _ => tr!("err-name-unprintable"),
    }
}

/// Why a number was refused, and how to write it: with its country code, or with
/// `--region` for the regions where it is valid.
pub fn phone_hint(input: &str, region: &str, problem: &str) -> String {
    let input = for_terminal(input).into_owned();
    let problem = phone_reason(problem);
    // Only likely regions are suggested: a Korean number that happens to be valid in
    // Finland helps nobody.
    let elsewhere: Vec<String> = regions_where_valid(&input)
        .into_iter()
        .map(|r| r.to_string())
        .filter(|r| r != region && LIKELY_REGIONS.contains(&r.as_str()))
        .take(3)
        .collect();
    match elsewhere.first() {
        Some(first) => tr!(
            "err-invalid-phone-elsewhere",
            input = input.clone(),
            region = region.to_owned(),
            problem = problem,
            regions = elsewhere.join(", "),
            first = first.clone()
        ),
        None => tr!(
            "err-invalid-phone",
            input = input,
            region = region.to_owned(),
            problem = problem
        ),
    }
}

/// A number's or an import entry's refusal reason in words.
pub fn phone_reason(reason: &str) -> String {
    match reason {
        "empty" => tr!("phone-empty"),
        "too_long" => tr!("phone-too-long", max = crate::phone::MAX_INPUT_CHARS),
        "invalid_characters" => tr!("phone-invalid-characters"),
        "extension" => tr!("phone-extension"),
        "not_a_number" => tr!("phone-not-a-number"),
        "invalid_for_region" => tr!("phone-invalid-for-region"),
        "unknown_region" => tr!("phone-unknown-region"),
        "not_e164" => tr!("phone-not-e164"),
        "missing_end" => tr!("import-missing-end"),
        "malformed_line" => tr!("import-malformed-line"),
        "outside_card" => tr!("import-outside-card"),
        "bad_record" => tr!("import-bad-record"),
        other => other.to_owned(),
    }
}

#[cfg(test)]
mod tests;
