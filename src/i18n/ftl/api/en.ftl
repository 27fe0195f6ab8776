## The API's own errors (SPEC.md §9.3) and the client's, described from their reason and
## details (chingu::i18n::api_errors). Loaded after refusals/en.ftl, in the same bundle.

# The node's own words, in English, after a translated sentence.
err-with-detail = { $sentence } (detail: { $detail })

## A call's parameters (invalid_params).
err-param-missing = { $method } needs the parameter “{ $param }”.
err-param-wrong-type = The parameter “{ $param }” of { $method } must be { $expected ->
    [string] a text
    [number] a number
    [boolean] true or false
    [list] a list
    [object] an object
   *[other] of another type
}.
err-param-out-of-range = The parameter “{ $param }” of { $method } is out of range.
err-param-unknown = { $method } has no parameter “{ $param }”.
err-param-unknown-value = The parameter “{ $param }” of { $method } must be one of: { $expected }.
err-param-invalid-value = The parameter “{ $param }” of { $method } has a value that cannot be used.
err-param-choose-one = { $method } takes exactly one of these parameters: { $params }.
err-params-not-object = The parameters of { $method } must be a JSON object.
err-params-invalid = The parameters of { $method } are not valid.
err-params-invalid-any = The call's parameters are not valid.

## Calls, app tokens and connections.
err-method-not-found = The node has no method “{ $method }”: it may run an older chingu than this one.
err-forbidden-scope = This app may not call { $method }: that needs the “{ $scope }” scope (the node's owner can add the app again with it: chingu apps add NAME --scopes { $scope }).
err-forbidden-owner = Only the node's owner may call { $method }.
err-forbidden-any = This app is not allowed to do that.
err-no-token = This connection needs an app token: send it as Authorization: Bearer TOKEN, or as ?token=TOKEN (the node's owner makes one with chingu apps add).
err-unknown-token = This app token is unknown or was revoked: ask the node's owner for a new one (chingu apps add).
err-parse-error = The request is not valid JSON (line { $line }, column { $column }).
err-not-utf8 = The request is not UTF-8 text.
err-binary-frame = Binary WebSocket frames are not accepted: send each request as a text frame.
err-invalid-request = That is not a JSON-RPC 2.0 request: check its “{ $field }” member.
err-invalid-request-any = That is not a JSON-RPC 2.0 request.
err-request-timeout = The request did not arrive whole within { $seconds } s, so the node closed the connection.
err-evicted = The node closed this connection to make room for others (too many connections): try again.

## The node's failures: what to do, then the node's words.
err-stopped = The node is shutting down: start it again with chingu run.
err-stopped-panic = The node stopped after an internal error: see the log of chingu run, then start it again.
err-invalid-address = “{ $address }” is not an address the node can use (a multiaddr such as /ip4/192.0.2.7/tcp/4001/p2p/12D3KooW…).
err-cannot-listen = Cannot listen on { $address }: another program may be using that port, or the address is not one of this machine's. Choose another with --listen (or network.listen in config.toml).
err-unreachable = Cannot reach { $peer }: they may be offline or behind a firewall; try again later.
err-dht-failed = The node could not { $op ->
    [put] publish to
   *[other] look up in
} the network's directory (DHT): check the internet connection and try again.
err-storage = { $problem ->
    [no_space] The node's disk is full: free some space, then try again.
    [damaged] The node's database is damaged: see the log of chingu run; it may need restoring from a backup (chingu restore).
    [newer_schema] The node's database was written by a newer chingu: upgrade chingu.
   *[other] The node could not read or write its database: check that its disk has free space, and see the log of chingu run.
}
# The database the CLI opened itself (chingu run, history, init, restore): named by its path.
err-storage-at = { $problem ->
    [damaged] The database at { $path } is damaged: restore it from a backup if you have one (chingu restore); otherwise move it aside (mv { $path } { $path }.damaged) and make the home again with chingu init --force --phone NUMBER (contacts and history are lost; the old keys are kept in a backup folder).
    [locked] The database at { $path } is in use by another program: stop it, then try again.
    [no_space] The disk holding the database at { $path } is full: free some space, then try again.
   *[other] Cannot open the database at { $path }: check that its disk has free space and that its files belong to you.
}
err-task-failed = A task of the node failed ({ $task }): see the log of chingu run, and restart the node if it keeps failing.
err-node-failed = The node failed: see the log of chingu run.
err-internal = Something went wrong inside the node: see the log of chingu run (and report it if it happens again).
err-not-found = The node did not find what was asked for.
err-invalid-input = The node cannot use this input.
err-blocked = The node refuses this for safety until you act.

## The client's own errors.
err-cannot-connect = Cannot connect to the node at { $socket } ({ $problem }).
err-answer-too-large = The node's answer was larger than { $mib } MiB: ask for less at a time (such as a smaller --limit).
