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
