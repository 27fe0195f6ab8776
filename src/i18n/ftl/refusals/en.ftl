## The node's refusals (SPEC.md §9.3), described from their reason and details
## (chingu::i18n::refusals). Loaded after en.ftl, as part of the same bundle.
err-no-phone = This node has no phone number (an operator's bootstrap, mailbox or relay node): it keeps no contacts, messages or groups.
err-empty-name = The name cannot be empty.
err-status-too-long = A status is at most { $max } bytes: shorten it.
err-too-many-persons = At most { $max } persons can be imported in one call: send the rest in another.
err-invalid-id = “{ $id }” is not a message id (32 hex digits).
err-no-messages = There are no messages with “{ $contact }” yet.
err-before-and-after = Give a message to read before or after, not both.
err-too-many-numbers = { $contact } already has { $max } numbers: remove one first.
err-bad-invite = That invite code cannot be used ({ $problem ->
    [bad_format] it is not an invite code
    [bad_length] it is too short or too long
    [bad_checksum] it has a typo
    [bad_version] it was made by a newer chingu
   *[other] it is damaged
}): check it, or ask your friend for a new one.
err-invite-expired = That invite code has expired: ask your friend for a new one.
err-bad-invite-validity = An invite is valid for 1 second to { $days } days.
err-bad-import = { $problem ->
    [empty] The address book is empty.
    [too_large] The address book is too large for one import.
    [no_header] The CSV file's first row names no phone column (a header such as name,phone is needed).
   *[other] The file is not a text address book (export vCard or CSV).
}
err-contact-blocked = You blocked { $contact }: unblock them first (chingu contacts unblock { $contact }).
err-nothing-to-verify = No key of { $contact } is known yet: wait until they are found, or add them with an invite code.
err-no-key-change = No new key of { $contact } waits to be accepted.
err-choose-candidate = Several keys claim { $contact }'s number: compare safety numbers and choose one with --candidate N.
err-no-such-candidate = { $contact } has no candidate { $candidate } (chingu contacts verify { $contact } lists them).
err-no-such-request = No message request matches “{ $request }” (chingu requests list shows them).
err-ambiguous-request = “{ $request }” matches several message requests: use the peer id.
err-request-gone = That message request is gone.
err-request-claims-contact = This request claims the number of your contact { $contact }, whose key is another: block the request, or verify { $contact } (chingu contacts verify { $contact }).
err-group-needs-name = A group needs a name.
err-group-exists = A group with the id { $group } exists already: nothing was created.
err-not-a-member = You are no longer a member of “{ $group }”.
err-no-such-member = There is no member “{ $member }” in this group (chingu group members shows them).
err-group-closed = “{ $group }” is closed, or you are no longer in it.
err-no-epoch = The group has no keys yet: try again in a moment.
err-invitation-invalid = The invitation is no longer valid: ask for a new one.
err-ambiguous-invitation = More than one invitation matches “{ $group }”: use the group id (chingu group invitations shows it).
err-no-such-invitation = There is no invitation to “{ $group }” (chingu group invitations shows them).
err-ambiguous-group = More than one group is called “{ $group }”: use its id (chingu group list shows it).
err-not-a-meetup = “{ $group }” is a group, not a meetup: only a meetup's history is forgotten when it ends.
err-bad-meetup-duration = A meetup lasts from 1 second to 24 hours.
err-bad-meetup-code = That is not a meetup code: it has 10 letters and digits, such as 7K3QD-M9XAF.
err-no-such-meetup = No meetup has this code: it is mistyped, expired or closed.
err-meetup-refused = The meetup refused to add you ({ $problem }).
err-text-too-long = The { $what ->
    [group_name] group name
    [number] number
   *[other] name
} is longer than { $max } bytes.
err-group-rules = The group's rules refuse this: { $rule ->
    [not_admin] only an admin may do it
    [already_member] they are a member already
    [already_admin] they are an admin already
    [not_member] they are not a member
    [last_admin] the last admin cannot leave or step down; make someone else an admin first
    [too_many_members] the group is full
    [closed] the group is closed
   *[other] { $rule }
}.
err-meetup-acquaintance = { $contact } is only a meetup acquaintance, not a contact: add them with their number first.
err-contact-not-ready = { $contact } has not been found on chingu yet, or their key needs verifying (chingu contacts show { $contact }).
err-not-a-friend = They are not your friend yet: this needs a friend whose key is known.
err-no-such-voucher = You hold no voucher with that serial (chingu vouchers list shows them).
err-not-held = You no longer hold that voucher: it was { $state ->
    [redeemed] redeemed
    [given] given away
    [expired] expired
   *[other] { $state }
} already.
err-voucher-refused = The voucher's issuer refused it ({ $problem }).
err-malformed-answer = The voucher's issuer sent an answer this chingu cannot read ({ $problem }).
err-too-long = The text is too long: shorten it.
err-bad-signature = The signature does not verify: it was not made by whom it claims.
err-voucher-expired = The voucher has expired.
err-voucher-spent = The voucher was redeemed already.
err-not-the-holder = You do not hold this voucher.
err-too-many-hops = The voucher was passed on too many times to be given again.
err-not-ours = This node did not issue the voucher.
err-stale-request = The request's time is too far from the issuer's clock: check this device's clock.
err-no-such-message = There is no message “{ $id }” (chingu history --json shows the ids).
err-not-forwardable = This message cannot be forwarded.
err-not-writable = Accept the message request before answering it (chingu requests accept).
err-not-the-author = Only its author may edit or delete a message.
err-other-conversation = The message is in another conversation.
err-not-editable = This message cannot be edited or reacted to.
err-deleted = The message was deleted.
err-too-many-reactions = The message has too many reactions.
err-too-many-waiting = Too many reactions, edits and deletes wait for their message: try again once it arrives.
err-unknown-template = There is no card template “{ $template }”: choose birthday, thanks, congrats, love or plain.
err-not-an-emoji = A reaction is one emoji, not “{ $text }”.
err-not-sendable = This kind of message cannot be sent.
err-paper-bad-date = The delivery date must be within the next year.
err-paper-bad-writers = Invite 1 to { $max } writers.
err-paper-recipient-invited = The paper is hidden from its recipient: they cannot be one of its writers.
err-paper-too-late = The rolling paper was delivered: notes are closed.
err-paper-not-the-starter = Only the paper's starter starts it, once.
err-not-a-paper = That is not a rolling paper.
err-no-such-file = No file matches “{ $file }” (chingu files shows them).
err-file-missing = The file does not exist.
err-ambiguous = { $what ->
    [file] More than one file starts with “{ $query }”: give more digits.
    [sticker_pack] More than one sticker pack is called “{ $query }”: use its id (chingu stickers list shows it).
   *[other] “{ $query }” matches more than one: be more precise.
}
err-file-changed = The file changed while it was read: try again.
err-bad-file-id = A file id is 64 hex digits (chingu files shows them).
err-unreadable = The file cannot be read or written ({ $problem }).
err-file-too-large = The file is too large: at most { $gib } GiB can be sent.
err-pack-too-large = A sticker pack is at most { $kib } KiB.
err-no-such-pack = There is no sticker pack “{ $pack }” (chingu stickers list shows them).
err-no-such-sticker = The pack “{ $pack }” has { $count } stickers, numbered from 0.
err-bad-pack = That is not a sticker pack, or it is damaged.
err-empty-pack = A sticker pack holds at least one sticker.
err-bad-image = The sticker “{ $sticker }” is not a PNG, JPEG, WebP or GIF image that can be read.
err-backup-relative-path = The backup's path must be absolute.
err-backup-busy = A backup is being taken already: try again when it is done.
err-backup-cannot-write-to = The backup was not written ({ $path }: { $problem }).
err-backup-cannot-write = The backup was not written ({ $problem }).
err-backup-failed = The backup was not written: { $message }
err-bad-link-code = That is not a chingu link code: copy the whole code chingu link shows (it starts with CHINGU-LINK-).
err-link-code-expired = The link code has expired: show a new one with chingu link on your first device.
err-wrong-link-code = The link code does not match: it was mistyped, or a newer code replaced it. Show a new one with chingu link.
err-no-link-offer = That device is not offering a link now (the code was used, withdrawn or never shown): show a new one with chingu link.
err-link-not-confirmed = The link was not confirmed on both devices: nothing changed.
err-link-failed = The link did not complete: nothing changed. Try again with a new code.
err-link-malformed = The other device sent something that is not a valid link message: nothing changed.
err-other-account = The device list belongs to another account: nothing changed.
err-too-many-devices = Your account has { $max } devices already: remove one with chingu devices remove NAME first.
err-device-name-taken = Another of your devices is called “{ $device }”: choose another name with --device.
err-no-such-device = None of your devices is called “{ $device }” (chingu devices lists them).
err-account-device = The first device holds your account key and cannot be removed.
err-not-the-account-device = Only your account's first device can link or remove devices.
err-bad-device-name = A device name is 1 to 64 bytes of printable text.
err-no-link-waiting = No new device is waiting for a confirmation.
err-not-listening = This node has no address a new device could reach: start it with --listen.
err-bad-history-days = A new device gets at most { $max } days of history.
err-linked-device = This device is linked to your account: texts, reading, typing, contacts and groups go through your first device; meetups, group invitations, vouchers and invites are done from your first device for now.
err-history-too-large = The history of that window is more than a new device takes: link again with fewer days (chingu link --history-days N).
err-revoked-device = This device was removed from the account: it gets nothing more from the account's first device.
err-not-a-device = That peer is not a device of this account.
err-first-device-unreachable = Your first device cannot be reached now: nothing was sent or changed. A linked device changes contacts through your first device (texts, reads and typing go from here meanwhile), so start it (or check its network) and try again.
