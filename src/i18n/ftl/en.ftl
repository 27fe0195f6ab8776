## Common
yes = yes
no = no
error-prefix = error: { $message }
lang-unavailable = note: language "{ $lang }" is not available; using English
error-not-running = no chingu node is running for this home ({ $socket } does not answer); start one with `chingu run`

## init
init-done = Created a chingu home in { $home }
    phone:   { $phone }
    peer id: { $peer_id }
init-backup = The previous home was moved to { $path }
init-done-role = Created the home of a { $role } node in { $home }
    peer id: { $peer_id }
    It has no phone number, keeps no contacts or messages and publishes no personal record; start it with: chingu run

## run
run-started = chingu node { $peer_id } ({ $phone })
run-listening = listening on { $addr }
run-socket = control socket: { $path }
run-stopping = stopping…
run-stopped = stopped; the store is flushed
run-api = WebSocket API for app tokens: { $url }
run-metrics = Prometheus metrics: { $url }
run-not-loopback = { $flag } { $addr } is not a loopback address: anyone who can reach it could connect. Use 127.0.0.1 (or ::1), or add --allow-remote if you really mean it.

## status
status-peer-id = peer id
status-phone = phone
status-name = name
status-uptime = uptime
status-listening = listening
status-peers = peers
status-peers-value = { $connected } connected, { $routing } in the routing table
status-dht-records = DHT records
status-rejected = rejected
status-role = role
status-reachability = reachability
status-external = external address
status-relays = relays

## peers
peers-none = no peers connected
peers-col-peer = PEER
peers-col-rtt = RTT
peers-col-dht = DHT
peers-col-addr = ADDRESS
peers-col-path = PATH
peers-count = { $count ->
    [one] { $count } peer
   *[other] { $count } peers
}

## testnet
testnet-progress = test net: { $started }/{ $total } nodes started, { $ready } ready
testnet-keeping-up = keeping the nodes up for { $secs } s (Ctrl-C ends early)

## lab
lab-building = building the lab…
lab-selftest-line = { $host } ({ $nat }): mapping { $mapping }, filtering { $filtering }, inbound TCP { $inbound } — { $verdict }
lab-pair-line = { $a } ↔ { $b }: { $verdict } — found in { $found }, first message { $first }, path { $path }, lost { $lost }, duplicates { $duplicates }
lab-repeat-line = { $a } ↔ { $b }: { $ok }/{ $runs } runs ok, direct in { $direct } %, first message p50 { $first } ms, lost { $lost }, duplicates { $duplicates }
lab-ok = ok
lab-failed = FAILED
lab-none = —
lab-note = note: { $note }
lab-summary = { $ok }/{ $total } pairs ok; topology built in { $build_ms } ms ({ $links } links); run { $id }
lab-up-ready = Lab { $id } is up ({ $links } links). Talk to a node with `chingu --home HOME …`, run tools in its network with `ip netns exec NETNS …`; Ctrl-C here or `chingu lab down { $id }` tears it down.
lab-up-node = { $label }  { $nat }  { $netns }  { $ip } (outside { $public_ip })  { $phone }  { $home }
lab-down-done = Lab { $id } stopped and removed
lab-clean-done = { $count ->
    [0] nothing to clean
   *[other] removed the leftovers of { $count } crashed runs: { $ids }
}
lab-list-none = no lab runs on this machine
lab-list-line = { $id }  { $state }  pid { $pid }  { $purpose }  { $namespaces } namespaces  { $dir }

## contacts
state-pending = pending
state-found = found (unverified)
state-verified = verified
state-conflict = CONFLICT — verify before messaging
state-not-found = not found
contact-line = { $name } { $phone }: { $state }
contact-removed = Removed { $name } ({ $phone })
contacts-none = No contacts yet: add one with `chingu contacts add NUMBER` or import an address book.
contacts-col-name = NAME
contacts-col-phone = PHONE
contacts-col-state = STATE
contacts-with-candidates = { $state } (+{ $count } unverified { $count ->
    [one] key
   *[other] keys
})
import-issue = line { $line }: skipped { $input } ({ $reason })
import-summary = Read { $persons ->
    [one] one person
   *[other] { $persons } persons
} with { $read ->
    [one] one number
   *[other] { $read } numbers
}: { $added } new, { $merged } duplicates merged, { $skipped } skipped.
import-sending = sending to the node
import-discovering = finding your friends
import-discovered = { $found } of { $total } found on chingu (the rest are looked up again later).
verify-pinned = Pinned key { $peer_id }; safety number:
verify-candidate = Candidate { $index }: { $peer_id } ({ $name }); safety number:
verify-confirmed = Marked as verified.
verify-howto = Compare this number with your friend's screen (in person or on a call), then run again with --confirm (or --candidate N).
invite-howto = Give this code to a friend; it works for { $hours ->
    [one] { $hours } hour
   *[other] { $hours } hours
}. They run: chingu contacts add --invite CODE
invite-needs-name = An invite code carries no name: give the contact one with --name NAME.
invite-name-prompt = Name for this contact:
region-invalid = "{ $region }" is not a region: use an ISO 3166 code such as KR, JP or US.
duration-invalid = "{ $text }" is not a duration (try 30m, 2h or 7d)

## Messages
msg-me = me
msg-line = [{ $time }] { $who }: { $text }  ({ $state })
msg-queued = Queued to { $name }: “{ $text }” — on disk, delivery in progress (chingu watch shows when it arrives).
paper-started = Started the rolling paper “{ $name }” with { $writers } writers. Add your note with chingu paper write; it is delivered on its date.
paper-written = Your note is in “{ $name }”.
msg-forwarded = [forwarded]
msg-edited = (edited)
msg-paper-start = [✉ rolling paper for { $recipient }]
msg-paper = [✉ rolling paper]
msg-deleted = (this message was deleted)
msg-card = [{ $template ->
    [birthday] 🎂 birthday card
    [thanks] 🙏 thank-you card
    [congrats] 🎉 congratulations card
    [love] 💌 love card
   *[other] card
}]
compose-none = No message in { $conversation } to do that with.
compose-none-mine = You have sent nothing in { $conversation } yet.
compose-emoji-or-remove = Give one emoji, or --remove to withdraw your reaction.
compose-reacted = Reacted { $emoji } in { $title }.
compose-unreacted = Withdrew your reaction in { $title }.
compose-edited = Edited in { $title }: “{ $text }” — everyone who has it will see the new text.
compose-deleted = Deleted in { $title } — removed for everyone who has it.
compose-card = Card sent to { $title }.
msg-marked-read = { $count ->
    [one] Marked one message read.
   *[other] Marked { $count } messages read.
}
msg-state-queued = queued
msg-state-sent = sent
msg-state-delivered = delivered
msg-state-read = read
msg-state-received = received
msg-state-request = message request
msg-state-seen = seen
msg-state-changed = to { $name }: “{ $text }” { $state }
msg-typing = { $name } is typing…
msg-key-changed = WARNING: the key of { $name } changed. Messages are held until you verify (chingu contacts verify { $name }).
msg-contact-updated = { $name }: { $state }
history-none = No messages yet.
inbox-none = No conversations yet: send a message with chingu send NAME TEXT.
inbox-col-name = CONVERSATION
inbox-col-unread = UNREAD
inbox-col-last = LAST MESSAGE
inbox-unread = { $count ->
    [one] One unread message.
   *[other] { $count } unread messages.
}
watch-ended = The node stopped.
group-created = Created the group “{ $name }” ({ $id }) with { $members ->
    [one] one member
   *[other] { $members } members
}. Members are told over 1:1 sessions as soon as they are reachable.
group-changed = “{ $name }” is now at epoch { $epoch } with { $members ->
    [one] one member
   *[other] { $members } members
}.
group-left = You left “{ $name }”. Its history stays on this device.
group-none = No groups yet. Create one with: chingu group create NAME --members A,B
group-invitations-none = No invitations are waiting. (Invitations wait only with auto_join = false under [groups] in config.toml.)
group-joined = You joined “{ $name }” ({ $members } members).
group-declined = You declined “{ $name }”.
group-col-from = Invited by
group-sent = Sent to “{ $name }”: “{ $text }” (on disk; members that miss it fetch it by history sync).
group-kind-group = group
group-kind-meetup = meetup
group-col-name = Name
group-col-kind = Kind
group-col-members = Members
group-col-role = Role
group-col-id = Id
group-col-phone = Number
group-col-fingerprint = Fingerprint
group-role-admin = admin
group-role-member = member
group-role-gone = left
group-role-me = { $role } (you)

## apps
apps-added = Added app { $name } with scopes { $scopes }. Its token follows; it is shown only this once, so store it now:
apps-none = No apps yet: add one with `chingu apps add NAME --scopes read,send`.
apps-col-name = NAME
apps-col-scopes = SCOPES
apps-col-created = ADDED
apps-revoked = Revoked app { $name }: its token no longer works, also on open connections.
apps-duplicate = An app named { $name } already exists; revoke it first to give it a new token.
apps-unknown = There is no app named { $name } (`chingu apps list` shows them).
apps-invalid-name = "{ $name }" cannot be an app name: use 1 to 64 letters, digits, '-', '_' or '.'.
apps-no-scopes = Give at least one scope: --scopes read,send,contacts,groups
apps-unknown-scope = Unknown scope "{ $scope }": the scopes are read, send, contacts and groups.

## Chat client (chingu chat)
chat-needs-terminal = chingu chat needs an interactive terminal (stdin and stdout must be a TTY).
chat-no-json = chingu chat is a full-screen program and has no JSON output: use chingu watch --json for events, and inbox, history and send with --json.
tui-too-small = Terminal too small: { $width }×{ $height }. chingu chat needs at least { $min_width }×{ $min_height }; enlarge the window.
tui-connected = ● connected
tui-disconnected-short = ○ offline
tui-disconnected = Lost the connection to the node; reconnecting… (q quits)
tui-reconnected = Connected to the node again.
tui-help-hint = ? help
tui-hint-list = ↑↓ choose · Enter open · a add · n invite · v verify · g group · ? help · q quit
tui-hint-chat = Enter send · PgUp/PgDn scroll · Esc friend list · F1 help · Ctrl-C quit
tui-paste-hint = To paste, use your terminal's paste (Ctrl-Shift-V, Shift-Insert or the mouse); Ctrl-S shows the safety number.
tui-friends-title = { " " }{ $friends ->
    [one] One friend
   *[other] { $friends } friends
}{ $groups ->
    [0] { "" }
    [one] { " · " }one group
   *[other] { " · " }{ $groups } groups
}{ " " }
tui-no-friends = No friends yet. Press a to add one by number or invite code, or i to import an address book.
tui-no-chat = Choose a friend or group on the left and press Enter to chat.
tui-badge-verified = ✔
tui-badge-found = ●
tui-badge-pending = …
tui-badge-conflict = !
tui-badge-not-found = ?
tui-badge-request = ✉
tui-badge-group = #
tui-badge-meetup = @
tui-badge-closed = ×
tui-kind-group = group
tui-kind-meetup = meetup
tui-kind-meetup-closed = meetup (closed)
tui-members-count = { $count ->
    [one] one member
   *[other] { $count } members
}
tui-mark-queued = ○
tui-mark-sent = ✓
tui-mark-delivered = ✓✓
tui-mark-read = ✓✓ read
tui-loading = Loading…
tui-start-of-conversation = — start of the conversation —
tui-new-below = { $count ->
    [one] ↓ one new message
   *[other] ↓ { $count } new messages
}
tui-scrolled = { $count ->
    [one] ↓ one more message below
   *[other] ↓ { $count } more messages below
}
tui-compose-title = { " " }Message (Enter sends){ " " }
tui-compose-hint = { " " }Press Enter on a conversation to write{ " " }
tui-help-title = Keys
tui-help-list = Friend list
tui-help-list-move = ↑↓ or j/k choose · Enter open the conversation · r reload
tui-help-list-people = a add a friend (number or invite code) · i import contacts
tui-help-list-invite = n create an invite code · v safety number of the chosen friend
tui-help-list-groups = g new group · m new meetup · J join a meetup · e group members
tui-help-list-devices = D your devices (link a new one with chingu link)
tui-help-list-quit = ? or F1 this help · q or Ctrl-C quit
tui-help-chat = Conversation
tui-help-chat-send = type, Enter to send · paste works · Esc back to the list
tui-help-chat-scroll = PgUp/PgDn or ↑↓ scroll; older messages load as you scroll back
tui-help-chat-more = Ctrl-S safety number · Ctrl-G members · ○ queued ✓ sent ✓✓ delivered
tui-help-chat-actions = /reply text · /react 👍 · /edit text · /delete: on the newest
tui-help-chat-files = /file path: send a photo or file · /save dir: keep the newest file
tui-nothing-theirs = No message from them here to answer or react to yet.
tui-nothing-mine = You have sent nothing here to edit or delete yet.
tui-help-members = Group members
tui-help-members-keys = a invite · d remove · o admin on/off · r rename · x end meetup · l leave
tui-help-close = Esc, Enter or ? closes this help.
tui-close-hint = Esc closes.
tui-form-keys = Enter next/OK · Tab switch field · Esc cancel
tui-form-add-title = Add a friend
tui-form-import-title = Import contacts
tui-form-group-title = New group
tui-form-meetup-title = New flash meetup
tui-form-join-title = Join a meetup
tui-form-invite-member-title = Invite into the group
tui-form-rename-title = Rename the group
tui-field-number-or-code = Phone number or invite code (CHINGU-…)
tui-field-name = Name (optional)
tui-field-path = vCard or CSV file (path)
tui-field-group-name = Group name
tui-field-members = Members: names or numbers, separated by commas
tui-field-duration = Lasts (e.g. 90m or 2h; empty: 2h)
tui-field-meetup-name = Meetup name
tui-field-meetup-code = Meetup code
tui-field-contact = Friend (name or number)
tui-field-required = Fill in the first field.
tui-duration-invalid = "{ $text }" is not a duration (try 90m or 2h, at most a week).
tui-working = Working…
tui-refreshing = Reloading…
tui-failed = Failed: { $message }
tui-bad-answer = The node sent an answer this client does not understand: { $message }
tui-groups-unavailable = This node does not offer group chats yet (update chingu and restart the node).
tui-verify-needs-contact = Safety numbers are for friends: choose a friend first.
tui-members-needs-group = Choose a group or meetup first.
tui-admin-only = Only group admins can do that.
tui-contact-added = Added { $name }; looking them up.
tui-imported = { $added ->
    [one] Imported one new contact
   *[other] Imported { $added } new contacts
} from { $persons ->
    [one] one person
   *[other] { $persons } persons
}{ $skipped ->
    [0] .
    [one] ; one entry skipped.
   *[other] ; { $skipped } entries skipped.
}
tui-import-unreadable = Cannot read { $path }: { $message }
tui-import-too-big = { $path } is larger than { $limit } MiB; that is not an address book.
tui-invite-title = Invite code
tui-invite-howto = { $hours ->
    [one] Valid for one hour.
   *[other] Valid for { $hours } hours.
} Your friend adds it with a (in chingu chat) or chingu contacts add --invite CODE.
tui-meetup-title = Flash meetup
tui-meetup-howto = { $minutes ->
    [one] Open for one more minute.
   *[other] Open for { $minutes } minutes.
} Others join with J (in chingu chat) and this code.
tui-safety-title = Safety number
tui-safety-contact = { $name } ({ $phone })
tui-safety-pinned = The key you use now:
tui-safety-candidate = Candidate { $index }: { $name }
tui-safety-none = No key found for this number yet.
tui-safety-howto = Compare with your friend's screen, then press c to confirm (or the candidate's number).
tui-verified = { $name } is verified.
tui-key-changed = WARNING: the key of { $name } changed. Press v on them to compare safety numbers.
tui-confirm-title = Are you sure?
tui-confirm-keys = y or Enter: yes · any other key: no
tui-confirm-remove = Remove { $name } from { $group }?
tui-confirm-leave = Leave { $group }? You will stop receiving its messages.
tui-confirm-close = Close the meetup { $group } for everyone?
tui-group-done = Done.
tui-member-admin = (admin)
tui-member-me = (me)
tui-members-keys = ↑↓ choose · l leave · Esc close
tui-members-keys-admin = a invite · d remove · o admin on/off · r rename · l leave · Esc close
tui-members-keys-meetup-admin = a invite · d remove · o admin · r rename · x close · l leave · Esc
meetup-created = Flash meetup “{ $name }” is open until { $until }. Share the code { $code } (or { $link }); whoever types it in time joins.
meetup-joined = You joined “{ $name }” ({ $members ->
    [one] one member
   *[other] { $members } members
}).
meetup-closed = Closed “{ $name }”. Members stop sending and forget its keys; the history stays.

## demo
demo-stage-meet = They find each other by phone number
demo-stage-invite = A friend by invite code
demo-stage-online = 1:1 chat, everyone online
demo-stage-offline = 1:1 chat while the friend is offline
demo-stage-group = A group chat
demo-stage-meetup = A flash meetup by code
demo-stage-devices = A second device
demo-starting = Starting a local net on 127.0.0.1 in this process: a bootstrap node, a mailbox node and three people…
demo-net-up = [{ $at }] { $nodes } nodes are up and have joined the DHT
demo-online = { $name } ({ $city }) is online as { $local } ({ $phone })
demo-city-seoul = Seoul
demo-city-tokyo = Tokyo
demo-city-san-francisco = San Francisco
demo-contact-added = { $name } adds { $friend } to the address book as “{ $typed }” → { $phone }
demo-found = [{ $at }] { $name } found { $friend } by phone number
demo-invite-created = { $name } shares an invite code: { $code }
demo-invite-accepted = [{ $at }] { $name } adds { $inviter } from the code: verified friends from the start
demo-inviter-found = [{ $at }] { $name }'s node found { $inviter }'s node from the key in the code
demo-message = [{ $path }] { $from } → { $to }: “{ $text }” — { $outcome }
demo-delivered = delivered to { $name } in { $ms } ms
demo-not-delivered = NOT delivered to { $name }
demo-offline = { $name } goes offline (the node stops)
demo-deposited = [{ $at }] { $count ->
        [one] one message
       *[other] { $count } messages
    } from { $from } to { $to } sealed on the mailbox
demo-back-online = [{ $at }] { $name } is back online and fetches the mailbox
demo-group-created = { $name } creates the group “{ $group }” ({ $members } members)
demo-joined = [{ $at }] { $name } is in “{ $group }”
demo-meetup-created = { $name } starts the flash meetup “{ $meetup }”: code { $code }
demo-meetup-closed = { $name } closes “{ $meetup }” for everyone
demo-link-shown = { $name }'s phone shows a one-time link code ({ $code }…)
demo-device-linked = [{ $at }] { $name }'s { $device } joined her account: both screens showed { $sas }; its node lists { $devices } devices and shows { $messages } 1:1 messages
demo-sent-from-device = { $name } writes from her { $device } to { $to }: “{ $text }” — through her phone, { $reader } has it in { $ms } ms
demo-read-on-device = { $name } reads { $friend }’s reply on her { $device }: her phone marks it read ({ $unread } unread there) and { $friend } sees it read in { $ms } ms
demo-first-device-off = { $name }'s phone goes off: { $friend }'s next message reaches her { $device } in { $ms } ms, her answer from the { $device } reaches { $friend } in { $answer_ms } ms; her phone, back on, has both from the { $device } within { $handed_ms } ms
demo-path-online = 1:1 online
demo-path-mailbox = 1:1 offline, via mailbox
demo-path-group = group
demo-path-meetup = meetup
demo-summary = Summary (a copy is one message to one recipient; latency from send to the recipient's message_received event)
demo-col-path = PATH
demo-col-sent = SENT
demo-col-delivered = DELIVERED
demo-col-lost = LOST
demo-col-p50 = P50 MS
demo-col-max = MAX MS
demo-total = Done in { $secs } s, { $lost } lost.
demo-lost-error = { $lost } message copies were not delivered
demo-interactive-ready = You are { $name }. Opening chingu chat: { $friends } answer what you send them or your group. Quit the chat to stop the net.
demo-chat-failed = chingu chat exited with code { $code }
demo-stopped = The demo net is stopped.

## friends, profiles, requests, search and export
standing-looking-up = Looking for { $name } on the network…
standing-waiting = Waiting for { $name } to add you back — or send an invite (chingu invite).
standing-found = { $name } is your friend. Compare safety numbers to verify the key (chingu contacts verify { $name }).
standing-verified = { $name } is your friend; the key is verified.
standing-key-changed = { $name }'s key changed (new install?). Messages wait until you compare safety numbers and accept the new key (chingu contacts accept { $name }).
standing-several-keys = Several keys claim { $name }'s number. Compare safety numbers and choose one (chingu contacts verify { $name } --candidate N --confirm).
standing-blocked = You blocked { $name }: no messages either way, and they cannot find you (chingu contacts unblock { $name }).
standing-next-lookup = Next try in { $time }.
contact-status = Status: “{ $status }”
contact-numbers = Other numbers: { $numbers }
contact-devices = Also uses: { $devices } (devices linked to their account)
contact-renamed = Renamed to { $name }.
contact-blocked = Blocked { $name }: no messages either way, and they can no longer find you.
contact-unblocked = Unblocked { $name }.
contact-muted = Muted { $name }: their messages arrive without notification.
contact-unmuted = Unmuted { $name }.
contact-accepted = Accepted { $name }'s new key: waiting messages go to it now. Compare safety numbers to verify it.
requests-none = No message requests.
requests-col-from = CLAIMS NUMBER
requests-col-messages = MESSAGES
requests-col-preview = LAST
requests-col-peer = PEER ID
request-accepted = { $name } is now a contact; their messages are in your chats.
request-blocked = Blocked { $phone } and deleted their messages.
profile-phone = Number
profile-name = Name
profile-status = Status
profile-updated = Profile changed; your friends see it now.
profile-nothing-to-set = Give --name, --status or both.
search-none = Nothing found.
search-hit = [{ $time }] { $title } · { $who }: { $text }
search-more = More results: chingu search "{ $query }" --before { $id }
export-written = Exported { $messages } messages of { $conversations } conversations to { $file }.
tui-form-search-title = Search messages
tui-field-search = Words (every one must appear)
tui-search-title = Messages with “{ $query }”
tui-help-search = / search every conversation

## Errors
err-no-home = Cannot tell where the home is: pass --home DIR or set CHINGU_HOME.
err-not-initialized = { $home } is not a chingu home yet: run chingu init --phone NUMBER first.
err-already-initialized = { $home } already holds a chingu identity; add --force to replace it (the old home is kept as a backup).
err-wrong-owner = { $path } is owned by uid { $owner }, but you are uid { $me }: refusing to use another user's home.
err-insecure-key = { $path } has mode { $mode }; key files must be private: run chmod 600 { $path }
err-insecure-home = { $path } has mode { $mode }; a chingu home must be private to you: run chmod 700 { $path }
err-name-too-long = Names are at most { $chars } characters and { $bytes } bytes; choose a shorter one.
err-name-unprintable = Names cannot contain control characters or direction overrides.
err-already-running = A chingu node is already running on { $home } (pid { $pid }).
err-socket-too-long = The control socket path { $path } is longer than { $max } bytes, too long for a Unix socket; use a shorter --home.
err-bad-key-file = { $path } is not a valid chingu key file ({ $problem }).
err-file = { $path }: { $problem }
err-cannot-serve-api = Cannot serve the app API on { $address }: { $problem }. Choose another address with --api.
err-cannot-serve-metrics = Cannot serve metrics on { $address }: { $problem }. Choose another address with --metrics.
err-cannot-serve-socket = Cannot open the control socket { $path }: { $problem }.
err-config = { $path } is not a valid chingu configuration: { $message }
err-config-at = { $path } is not a valid chingu configuration (line { $line }, column { $column }): { $message }
err-socket-denied = Permission denied on { $socket }: that node belongs to another user.
err-connection-lost = Lost the connection to the node ({ $problem }).
err-protocol = The node sent an answer this chingu does not understand: check that the node runs this version of chingu (chingu --version).
err-no-such-contact = There is no contact “{ $contact }” (chingu contacts list shows them; add one with chingu contacts add).
err-ambiguous-contact = More than one contact is called “{ $contact }”: { $candidates }. Use the number instead.
err-own-number = That is your own number.
err-own-invite = That is your own invite code: give it to a friend.
err-empty-message = The message is empty: write something to send.
err-is-a-group = “{ $group }” is a { $kind ->
    [meetup] meetup
   *[other] group
}, not a contact: use the group commands, such as chingu group send “{ $group }” TEXT or chingu group read “{ $group }”.
err-no-such-group = There is no group or meetup “{ $group }” (chingu group list shows them).
err-too-large = The request was too large for the node (more than { $limit } KiB).
err-node = The node refused: { $message }
err-invalid-phone = “{ $input }” is not a phone number in { $region } ({ $problem }). Numbers without a country code are read in { $region }: write it with its country code (such as +81 90-1234-5678), or give its region with --region.
err-invalid-phone-elsewhere = “{ $input }” is not a phone number in { $region }, where numbers without a country code are read ({ $problem }), but it is one in { $regions }: add --region { $first }, or write it with its country code.
err-import-empty = The file is empty.
err-import-too-large = The file is larger than { $limit } MiB; that is not an address book.
err-import-binary = The file is not a text address book (export vCard or CSV).
err-import-no-header = The CSV file's first row names no phone column (a header such as name,phone is needed).
phone-empty = nothing was given
phone-too-long = longer than { $max } characters
phone-invalid-characters = it contains characters that cannot be in a phone number
phone-extension = it has an extension
phone-not-a-number = it is not a phone number
phone-invalid-for-region = not a valid number there
phone-unknown-region = unknown region
phone-not-e164 = not an international number (+ and digits)
import-missing-end = a card without END:VCARD
import-malformed-line = not a vCard line
import-outside-card = outside any card
import-bad-record = a CSV row that cannot be read
io-not-found = no such file or directory
io-permission-denied = permission denied
io-is-a-directory = it is a directory
io-closed = the connection closed
io-no-space = the disk is full
io-timed-out = it timed out
io-addr-in-use = another program is already using that port
io-addr-not-available = the address is not one of this machine's

## Usage errors and help
usage-invalid-value = “{ $value }” is not a valid value for { $arg }.
usage-invalid-choice = “{ $value }” is not a valid value for { $arg } (choose from: { $valid }).
usage-invalid-value-because = “{ $value }” is not a valid value for { $arg }: { $reason }
usage-needs-value = { $arg } needs a value.
usage-unknown-argument = Unknown option { $arg }.
usage-unknown-command = Unknown command “{ $command }”.
usage-conflict = { $arg } cannot be used with { $other }.
usage-missing = Missing: { $args }
usage-missing-command = A command is missing.
usage-wrong-count = Wrong number of values for { $arg }.
usage-not-utf8 = An argument is not valid UTF-8 text.
usage-generic = The command line is not valid.
usage-did-you-mean = Did you mean { $suggestion }?
usage-more-info = For more information, try --help.
help-heading-usage = Usage:
help-heading-commands = Commands
help-heading-options = Options
help-heading-arguments = Arguments
help-flag = Print help
help-version-flag = Print version
help-subcommand = Print this message or the help of the given command(s)
help-possible-values = { "[" }possible values: { $values }]
help-default = { "[" }default: { $value }]
help-env = { "[" }env: { $var }]

## Manual pages
man-written = Wrote { $count } manual pages to { $dir }.
man-exit-success = Success.
man-exit-failure = The command failed; the error is on standard error.
man-exit-usage = The command line is not valid (usage error).
man-exit-not-running = No chingu node is running for the home.
man-env-home = The home directory when --home is not given.
man-env-lang = The language of messages, help and manual pages (ko, ja or English) when --lang is not given.
man-env-log = Which logs chingu run and chingu testnet write to standard error (default: warn,chingu=info).
man-env-no-color = When set, logs have no colours even on a terminal.

## Command-line help (one message per command; attributes: its arguments)
cmd-chingu = chingu (친구): a peer-to-peer messenger. Your contacts are your friend list
    .home = Home directory of the node [default: the platform data dir]
    .lang = Language of messages and help: en, ko or ja [default: from LC_ALL/LANG]
    .json = Print JSON instead of text
cmd-init = Create a node's home: identity, Noise key, config and database
    .phone = Your phone number (any local format; normalised to E.164)
    .name = The name your friends see
    .region = Region for numbers without a country code (ISO 3166 code, e.g. KR, JP, US)
    .role = An operator's always-on node with no phone number: bootstrap, mailbox or relay
    .link = Join your account as a new device with the code chingu link shows on your first device
    .device = This device's name in your account (with --link) [default: this machine's host name]
    .force = Replace an existing home (the old one is kept in a backup folder)
cmd-run = Run a node in the foreground (Ctrl-C stops it)
    .listen = Listen on this multiaddr (repeatable; replaces the configured ones)
    .bootstrap = Bootstrap from this peer (repeatable; added to the configured ones)
    .mdns = Find peers on the local network with mDNS
    .mailbox = Serve as a mailbox: hold sealed messages for offline users who register here
    .role = Preset for an operator's always-on node [default: the home's, from init --role]
    .reachability = Do not test reachability: take this node as reachable (public) or not (private)
    .api = Serve the API over WebSocket at ws://ADDR/api for app tokens (see chingu apps)
    .metrics = Serve Prometheus metrics at http://ADDR/metrics, and /health and /ready
    .allow_remote = Allow --api and --metrics on addresses other than loopback (reachable from the network)
    .log_format = Log line format on stderr: text or json
cmd-status = Show the running node's status
cmd-peers = List the running node's connected peers
cmd-contacts = Manage your contacts: add, import, list, verify, rename, block, mute
cmd-contacts-add = Add a contact by number, or by an invite code someone gave you
    .number = The number, in any local format (or with +country code)
    .invite = An invite code (CHINGU-… or chingu://invite/…)
    .name = The name to show (asked for when adding by invite without one)
    .region = Read the number in this region (ISO 3166 code such as JP, US) instead of the node's
    .to = Add the number to this existing contact (one person, several numbers)
cmd-contacts-import = Import a vCard (.vcf) or CSV address book
    .file = The file (vCard 2.1/3.0/4.0 or CSV with a header row)
    .region = Read numbers without a country code in this region instead of the node's
    .no_wait = Return at once instead of following discovery
cmd-contacts-list = List contacts and whether they were found
cmd-contacts-remove = Remove a contact
    .contact = Name or number
cmd-contacts-verify = Show a contact's safety numbers; --confirm marks the key verified
    .contact = Name or number
    .confirm = Mark the key verified (after comparing the safety number in person)
    .candidate = Verify candidate N instead of the pinned key (after a key change or a conflict)
    .qr = Also draw the safety number as a QR code for the other phone to scan
cmd-contacts-lookup = Look a contact up now
    .contact = Name or number
cmd-contacts-show = Show a contact: numbers, state, what it means and what to do
    .contact = Name or number
cmd-contacts-rename = Rename a contact (every number)
    .contact = Name or number
    .name = The new name
cmd-contacts-block = Block a contact: no messages either way, and they can no longer find you
    .contact = Name or number
cmd-contacts-unblock = Unblock a contact
    .contact = Name or number
cmd-contacts-mute = Mute a contact: messages arrive without notification
    .contact = Name or number
cmd-contacts-unmute = Unmute a contact
    .contact = Name or number
cmd-contacts-accept = Accept a contact's new key after they reinstalled (compare safety numbers first)
    .contact = Name or number
cmd-invite = Create an invite code a friend can add you with (already verified)
    .valid = How long the code works: 30m, 12h, 7d
    .qr = Draw the link as a QR code (the default on a terminal)
    .no_qr = Do not draw the QR code
cmd-inbox = Your conversations, newest first, with their unread counts
cmd-send = Send a message to a contact (by name or number)
    .contact = The contact: name or number
    .text = The text
    .file = Send this photo or file instead of a text
    .sticker = Send a sticker instead: an installed pack (name or id) and the sticker's number, as PACK:INDEX
cmd-reply = Answer a message (the newest from the others, or --message ID)
    .conversation = The conversation: a contact (name or number) or a group (name or id)
    .message = The message, by id (default: the newest one the command applies to)
    .text = The text
cmd-react = React to a message with one emoji (the newest from the others, or --message ID)
    .conversation = The conversation: a contact (name or number) or a group (name or id)
    .message = The message, by id (default: the newest one the command applies to)
    .emoji = One emoji (e.g. 👍 ❤️ 😂); with --remove, leave it out
    .remove = Withdraw your reaction
cmd-edit = Change the text of one of your messages, everywhere (your newest, or --message ID)
    .conversation = The conversation: a contact (name or number) or a group (name or id)
    .message = The message, by id (default: the newest one the command applies to)
    .text = The new text
cmd-delete = Delete one of your messages, everywhere (your newest, or --message ID)
    .conversation = The conversation: a contact (name or number) or a group (name or id)
    .message = The message, by id (default: the newest one the command applies to)
cmd-forward = Pass a message on to a contact or a group (the newest, or --message ID)
    .conversation = The conversation: a contact (name or number) or a group (name or id)
    .message = The message, by id (default: the newest one the command applies to)
    .to = Where to: a contact or a group
cmd-card = Send a mobile card: birthday, thanks, congrats, love or plain
    .to = To whom: a contact or a group
    .template = birthday, thanks, congrats, love or plain
    .title = The card's title
    .text = The card's text
cmd-files = Photos and files sent and received, and whether each is here
cmd-save = Write a received file to a path (fetching it first if needed)
    .id = The file: its id from `chingu files` (8+ digits are enough) or the id of the message naming it
    .path = Where to write it (a directory: under the sender's name for it)
cmd-stickers = Emoticon packs: make one from images, install one, list them
cmd-stickers-create = Make a pack of the images in a directory (PNG, JPEG, WebP, GIF; up to 64 of 64 KiB), signed by you
    .name = The pack's name
    .dir = The directory of images (each sticker is named after its file)
cmd-stickers-install = Install a pack from a file (a friend's files/packs/<id>.pack)
    .file = The pack file
cmd-stickers-list = List the installed packs
cmd-vouchers = Gifts and vouchers: issue (a shop's node), list, give on, redeem
cmd-vouchers-issue = Mint a voucher in this node's name (a shop's node) and send it to a friend in a card
    .to = The friend: name or number
    .item = What it is for
    .value = What it is worth ("₩10,000", "1 coffee")
    .days = Days it stays valid
    .text = The card's text
cmd-vouchers-list = The vouchers you hold or held
cmd-vouchers-give = Pass a voucher you hold on to a friend
    .serial = The voucher's serial (from `chingu vouchers list`)
    .to = The friend: name or number
    .text = The card's text
cmd-vouchers-redeem = Redeem a voucher you hold at the node that issued it
    .serial = The voucher's serial
cmd-paper = Rolling papers (롤링페이퍼): start one for a friend, add your note
cmd-paper-start = Start a rolling paper for a friend; the writers add notes until it is delivered
    .recipient = Who it is for: a friend (name or number)
    .title = Its title
    .deliver_in = When it is delivered, from now: e.g. 3d, 12h, 90m
    .writers = The writers: contacts, comma-separated (never the recipient)
cmd-paper-write = Add your note to a rolling paper (its group: name or id)
    .paper = The paper
    .text = Your note
cmd-history = Show the messages with a contact (works with no node running)
    .contact = The contact: name or number
    .limit = How many messages (the newest; fetched in pages of 1,000)
    .before = Only messages before this message id
cmd-watch = Follow incoming messages and delivery states as they happen
cmd-read = Mark the conversation with a contact read
    .contact = The contact: name or number
cmd-search = Search your message history (every conversation, or one)
    .query = Words to find (every one must appear; any language, no spaces needed)
    .conversation = Only in this conversation: a contact, a group, or a conversation id
    .limit = How many results
    .before = Only results older than this message id (the next page)
cmd-export = Export one conversation or all of them, as JSON or plain text
    .conversation = One conversation (a contact, a group, or a conversation id); every one if absent
    .format = Output format [default: text, or json with --json]
    .output = Write to this file instead of standard output
cmd-requests = Messages from people not in your contacts: list, accept, block
cmd-requests-list = List message requests
cmd-requests-accept = Accept a request: the sender becomes a contact and its messages join your chats
    .request = The number it claims, its peer id, or the start of its conversation id
    .name = The name to give the new contact
cmd-requests-block = Block a request's sender and delete its messages
    .request = The number it claims, its peer id, or the start of its conversation id
cmd-profile = Your name and status, shared with friends only
cmd-profile-show = Show your profile
cmd-profile-set = Change your name and/or status; friends see it at once
    .name = Your display name
    .status = Your status message ("" clears it)
cmd-group = Group chats: create, invite, remove, admins, send, history
cmd-group-create = Create a group with contacts (you are its admin)
    .name = The group's name
    .members = Contacts to add (names or numbers, comma-separated)
cmd-group-invite = Add a contact to a group (admins)
    .group = The group: name or id
    .contact = The contact: name or number
cmd-group-remove = Remove a member from a group (admins); they can read nothing sent after
    .group = The group: name or id
    .member = The member: name, number or peer id
cmd-group-rename = Rename a group (admins)
    .group = The group: name or id
    .name = The new name
cmd-group-admins = Promote or demote admins (admins)
cmd-group-admins-add = Make a member an admin
    .group = The group: name or id
    .member = The member: name, number or peer id
cmd-group-admins-remove = Take admin rights from a member
    .group = The group: name or id
    .member = The member: name, number or peer id
cmd-group-invitations = List invitations waiting for an answer (with auto_join = false in [groups])
cmd-group-join = Accept an invitation
    .group = The group: name, id or the first digits of its id
cmd-group-decline = Decline an invitation
    .group = The group: name, id or the first digits of its id
cmd-group-leave = Leave a group (its history stays on this device)
    .group = The group: name or id
cmd-group-close = Close a group for everyone (admins)
    .group = The group: name or id
cmd-group-list = List your groups
cmd-group-members = List a group's members
    .group = The group: name or id
cmd-group-send = Send a text, photo, file or sticker to a group
    .group = The group: name or id
    .text = The text
    .file = Send this photo or file instead of a text
    .sticker = Send a sticker instead: an installed pack (name or id) and the sticker's number, as PACK:INDEX
cmd-group-history = Show a group's messages
    .group = The group: name or id
    .limit = How many messages (the newest; fetched in pages of 1,000)
    .before = Only messages before this message id
cmd-group-read = Mark a group's messages read
    .group = The group: name or id
cmd-meetup = Flash meetups (번개): create one with a short code, join by code, close
cmd-meetup-create = Start a flash meetup and print its code (and link) to share
    .name = Its name
    .expires = How long it lasts, e.g. 90m, 2h (at most 24h)
    .forget = Delete its history on this device when it ends (kept otherwise)
cmd-meetup-join = Join a flash meetup by its code (XXXXX-XXXXX or chingu://meetup/… link)
    .code = The code
    .forget = Delete its history on this device when it ends (kept otherwise)
cmd-meetup-close = Close a meetup early (its creator)
    .group = The meetup: name or id
cmd-backup = Write an encrypted backup of you: keys, contacts, groups and history
    .path = Where to write the backup (an existing file is replaced once the new one is whole)
    .passphrase_file = Read the passphrase from this file (its first line) instead of asking for it
    .recovery_code_file = Lock it with this 24-word recovery code (read from the file) instead of a passphrase
    .new_recovery_code = Lock it with a new 24-word recovery code, shown once: write it down
cmd-restore = Bring yourself back from a backup on this machine (no node may be running)
    .path = The backup file
    .force = Replace the home's present contents (they are moved aside, not deleted)
    .passphrase_file = Read the passphrase from this file (its first line) instead of asking for it
    .recovery_code_file = Read the 24-word recovery code from this file instead of asking for it
cmd-apps = Third-party apps: tokens for the WebSocket API (add, list, revoke)
cmd-apps-add = Register an app and print its token (shown only once)
    .name = The app's name (letters, digits, '-', '_', '.')
    .scopes = What the app may do, comma-separated: read, send, contacts, groups
cmd-apps-list = List the registered apps and their scopes (never their tokens)
cmd-apps-revoke = Revoke an app's token: calls with it are refused and its open connections closed
    .name = The app's name
cmd-chat = Chat in the terminal with the running node's friends and groups
cmd-testnet = Start a local test net of many nodes in this process
    .nodes = Number of nodes
    .duration = Keep the nodes up this many seconds after the checks (Ctrl-C ends early)
    .scenario = Scenario to run after start-up
    .messages = Messages to send (message scenarios)
    .rate = Messages per second in total (0 = as fast as possible)
    .group_size = Members of the group (group scenarios)
    .seed = Seed for the harness's random choices
    .reservations = Reservations the relay holds (relay-load: its cap; a tenth more are asked for)
    .circuits = Circuits streaming through the relay (relay-load)
    .churn = Share of users away at any time, on average, from 0 to 1 (seed-day as a soak)
    .processes = Users run as separate processes (chaos)
    .kill_every = Mean seconds between two kills (chaos)
    .devices = Devices linked to user 0’s account, each a process killed like the users (chaos)
    .workers = Worker processes the nodes are spread over (start-up and the DHT check only)
    .log_format = Log line format on stderr: text or json
cmd-testnet-worker = One worker process of a spread test net (started by chingu testnet)
    .root = The directory holding every node’s home
    .first = Number of its first node
    .count = How many nodes it runs
    .nodes = Nodes in the whole net
    .workers = Workers in the whole net
    .seed = Seed of its random choices
cmd-lab = Real nodes on emulated networks behind NATs (network namespaces; needs root)
cmd-lab-run = Run pairs of friends behind every pair of NAT types and report each
    .matrix = Which pairs: small (public↔public, port-restricted↔port-restricted) or full (all 15)
    .pair = Run this pair instead (repeatable), e.g. `--pair full-cone:symmetric`
    .messages = 1:1 messages each way per pair
    .group_messages = Group and meetup messages each way per pair
    .pace_ms = Time between two sends
    .deadline = Longest wait of each step
    .repeat = Run each pair this many times, with fresh nodes each time
    .delay_ms = One-way delay of every uplink, per direction
    .jitter_ms = Extra delay, uniform in 0..=MS (packets are never reordered)
    .loss_pct = Packets lost per uplink and direction
    .links = How links are emulated: netem (kernel) or userspace (TUN) [default: netem when the kernel has it]
    .keep = Keep the run's directory (homes, node logs) afterwards
cmd-lab-group = A group whose members sit behind every kind of network, all sending (JSON report)
    .members = Members, the creator included
    .messages = Messages in total, sent by the members in turn
    .rate = Messages per second, all members together
    .nat = Networks to spread the members over, round-robin (repeatable) [default: every type]
    .deadline = Longest wait of each step
    .delay_ms = One-way delay of every uplink, per direction
    .jitter_ms = Extra delay, uniform in 0..=MS (packets are never reordered)
    .loss_pct = Packets lost per uplink and direction
    .links = How links are emulated: netem (kernel) or userspace (TUN) [default: netem when the kernel has it]
    .keep = Keep the run's directory (homes, node logs) afterwards
cmd-lab-selftest = Check that each emulated NAT behaves as named (UDP and TCP probes)
    .delay_ms = One-way delay of every uplink, per direction
    .jitter_ms = Extra delay, uniform in 0..=MS (packets are never reordered)
    .loss_pct = Packets lost per uplink and direction
    .links = How links are emulated: netem (kernel) or userspace (TUN) [default: netem when the kernel has it]
    .keep = Keep the run's directory (homes, node logs) afterwards
cmd-lab-up = Build a lab with a node on each network and keep it up until Ctrl-C or `lab down`
    .nat = Networks to put a user's node on (repeatable) [default: one of each type]
    .delay_ms = One-way delay of every uplink, per direction
    .jitter_ms = Extra delay, uniform in 0..=MS (packets are never reordered)
    .loss_pct = Packets lost per uplink and direction
    .links = How links are emulated: netem (kernel) or userspace (TUN) [default: netem when the kernel has it]
    .keep = Keep the run's directory (homes, node logs) afterwards
cmd-lab-down = Stop a lab kept up by `lab up` (or a running `lab run`)
    .id = The run's id (`chingu lab list`); optional when only one runs
cmd-lab-list = List the lab runs on this machine
cmd-lab-clean = Remove what crashed lab runs left behind (namespaces, processes, directories)
cmd-demo = Watch three people meet and chat on a local net in this process (or join them)
    .interactive = Chat with the others yourself in chingu chat instead of the scripted tour
    .player = Who you are in the interactive demo
cmd-completions = Print a shell completion script (bash, zsh, fish, elvish, powershell)
    .shell = The shell
cmd-man = Print the man page (roff), or write one page per command with --dir
    .dir = Write one page per command into this directory instead of printing the top page

# Files (chingu send --file, files, save)
file-sent = Sent { $file } ({ $size }) to { $name } — encrypted and on disk; they fetch it from you.
files-none = No files yet.
files-col-id = ID
files-col-name = NAME
files-col-size = SIZE
files-col-state = STATE
file-state-here = here
file-state-fetching = fetching { $percent }%
file-state-not-fetched = not fetched (chingu save fetches it)
file-fetching = fetching
file-saved = Saved { $path } ({ $size }).
msg-file = [file]

# Sticker packs (chingu stickers, send --sticker)
stickers-created = Made the sticker pack “{ $name }” ({ $count } stickers, id { $id }), signed by you and installed.
stickers-installed = Installed the sticker pack “{ $name }” ({ $count } stickers, id { $id }).
stickers-none = No sticker packs installed.
stickers-col-name = PACK
stickers-col-id = ID
stickers-col-stickers = STICKERS
stickers-bad-choice = { $given } is not PACK:INDEX (a pack's name or id, a colon, a sticker's number from 0).
stickers-sent = Sent { $sticker } to { $name }.
msg-sticker = [sticker]

# Gifts and vouchers (chingu vouchers)
msg-gift = [🎁 gift]
vouchers-sent = Sent to { $name }: { $text }
vouchers-redeemed = Redeemed: { $item } ({ $value }). The issuer recorded it as spent.
vouchers-none = No vouchers.
vouchers-col-serial = SERIAL
vouchers-col-item = ITEM
vouchers-col-value = VALUE
vouchers-col-state = STATE

# Backups (chingu backup, restore)
backup-passphrase-prompt = Passphrase for the backup:{" "}
backup-passphrase-again = The same passphrase again:{" "}
backup-passphrase-mismatch = the two passphrases differ; nothing was written
backup-recovery-prompt = Recovery code (24 words):{" "}
backup-secret-needed = no terminal to ask for the secret on: give --passphrase-file, --recovery-code-file or --new-recovery-code
backup-written = Backup written to { $path }: { $messages } messages, { $size } (the node paused { $paused } ms).
backup-recovery-code = Your recovery code. Write it down: chingu does not keep it, and nothing else opens this backup.
restore-done = Restored { $name } ({ $phone }) into { $home }: { $messages } messages. Start it with `chingu run`: friends see the same account.
restore-moved-aside = The home's previous contents were moved to { $path }.
backup-the-file = the file
err-backup-wrong-secret = wrong passphrase or recovery code; nothing was restored
err-backup-damaged = the backup is damaged or cut short; nothing was restored
err-backup-not-a-backup = { $path } is not a chingu backup
err-backup-weak = the passphrase is too short: use at least { $chars } characters
err-backup-bad-code = not a valid recovery code ({ $problem }): give the 24 words as they were shown
err-backup-wrong-kind = this backup is locked with { $needed ->
    [passphrase] a passphrase
   *[code] a recovery code
}; give that instead
err-backup-home-exists = { $home } already holds a chingu home: pass --force to replace it (its contents are moved aside)
err-backup-newer = this backup was written by a newer chingu; upgrade chingu to restore it
err-backup-malformed = the backup's contents are not valid ({ $problem }); nothing was restored
devices-removed = Removed { $name } from your account.
devices-this = this device
devices-account = holds the account key
link-code = Link code (valid 10 minutes; on the new device run chingu init --link CODE, or scan the QR code):
    { $code }
link-waiting = Waiting for the new device…
link-expired = The link code expired before a device joined.
link-compare = A device called “{ $name }” wants to join your account. Does its screen show { $sas }? [y/N]
link-done = { $name } joined your account.
link-failed = A link attempt failed ({ $reason }).
link-withdrawn = The link offer ended: show a new code with chingu link.
link-join-compare = Joining the account of { $name } ({ $phone }). Does the other device show { $sas }? [y/N]
link-joined = This device ({ $device }) joined the account of { $name } ({ $phone }); its home is { $home }. Start it with chingu run.
cmd-link = Show a one-time code a new device joins your account with (chingu init --link)
    .history_days = Days of history the new device gets (0: none)
cmd-devices = Your account's devices; remove one with chingu devices remove NAME
cmd-devices-remove = Remove a device from your account (it stops being yours at once)
    .name = The device's name (chingu devices lists them)
tui-devices-title = Your devices ({ $count })
tui-devices-howto = Link a new device: chingu link · remove one: chingu devices remove NAME
