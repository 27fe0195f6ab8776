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

## peers
peers-none = no peers connected
peers-col-peer = PEER
peers-col-rtt = RTT
peers-col-dht = DHT
peers-col-addr = ADDRESS
peers-count = { $count ->
    [one] { $count } peer
   *[other] { $count } peers
}

## testnet
testnet-progress = test net: { $started }/{ $total } nodes started, { $ready } ready
testnet-keeping-up = keeping the nodes up for { $secs } s (Ctrl-C ends early)

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
import-not-utf8 = { $file } is not UTF-8 text; export the address book as UTF-8 vCard or CSV
import-issue = line { $line }: skipped { $input } ({ $reason })
import-summary = Read { $read ->
    [one] { $read } number
   *[other] { $read } numbers
}: { $added } new, { $merged } duplicates merged, { $skipped } skipped.
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
duration-invalid = "{ $text }" is not a duration (try 30m, 2h or 7d)

## Messages
msg-me = me
msg-line = [{ $time }] { $who }: { $text }  ({ $state })
msg-queued = Queued { $id }: on disk, delivery in progress (chingu watch shows when it arrives).
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
msg-state-changed = { $id } is now { $state }
msg-typing = { $name } is typing…
msg-key-changed = WARNING: the key of { $name } changed. Messages are held until you verify (chingu contacts verify { $name }).
msg-contact-updated = { $name }: { $state }
history-none = No messages yet.
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
group-sent = Sent { $id } to the group (on disk; members that miss it fetch it by history sync).
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
tui-too-small = Terminal too small: { $width }×{ $height }. chingu chat needs at least { $min_width }×{ $min_height }; enlarge the window.
tui-connected = ● connected
tui-disconnected-short = ○ offline
tui-disconnected = Lost the connection to the node; reconnecting… (q quits)
tui-reconnected = Connected to the node again.
tui-help-hint = ? help
tui-hint-list = ↑↓ choose · Enter open · a add · n invite · v verify · g group · ? help · q quit
tui-hint-chat = Enter send · PgUp/PgDn scroll · Esc friend list · F1 help · Ctrl-C quit
tui-friends-title = { $count ->
    [one] { " " }One friend{ " " }
   *[other] { " " }{ $count } friends{ " " }
}
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
tui-help-list-quit = ? or F1 this help · q or Ctrl-C quit
tui-help-chat = Conversation
tui-help-chat-send = type, Enter to send · paste works · Esc back to the list
tui-help-chat-scroll = PgUp/PgDn or ↑↓ scroll; older messages load as you scroll back
tui-help-chat-more = Ctrl-V safety number · Ctrl-G members · ○ queued ✓ sent ✓✓ delivered
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
} from { $read } numbers{ $skipped ->
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
