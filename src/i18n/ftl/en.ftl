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
group-sent = Sent { $id } to the group (on disk; members that miss it fetch it by history sync).
group-kind-group = group
group-kind-meetup = meetup
group-col-name = Name
group-col-kind = Kind
group-col-members = Members
group-col-role = Role
group-col-id = Id
group-col-phone = Number
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
