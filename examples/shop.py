#!/usr/bin/env python3
"""A coffee shop's app for chingu vouchers, Python 3 standard library only, over the
WebSocket API of the shop's own node (SPEC.md §6.13).

    chingu apps add shop --scopes read,issue         # prints the token once
    chingu run --api 127.0.0.1:7878                  # the shop's node, in another terminal
    CHINGU_TOKEN=chg_... python3 examples/shop.py ws://127.0.0.1:7878/api issue Minji 아메리카노 ₩4,500
    CHINGU_TOKEN=chg_... python3 examples/shop.py ws://127.0.0.1:7878/api counter

`issue` mints a voucher in the shop node's name for a customer who is the shop's friend
and sends it to them in a card; it prints the serial. `counter` waits at the counter:
each time a holder redeems a voucher (the shop's node checks it, refuses a spent one and
records it as spent before answering) it prints what to hand over. The WebSocket client
is the one of examples/bot.py.
"""
import json, os, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bot import connect, receive, send  # noqa: E402


def call(sock, method, params, call_id=1):
    """Calls `method` and returns its result, passing over events that come first."""
    send(sock, {"jsonrpc": "2.0", "id": call_id, "method": method, "params": params})
    while (message := receive(sock)) is not None:
        if message.get("id") != call_id:
            continue
        if "error" in message:
            sys.exit(f"{method} refused: {message['error']['message']}")
        return message["result"]
    sys.exit("the node closed the connection")


def main():
    if len(sys.argv) < 3 or sys.argv[2] not in ("issue", "counter"):
        sys.exit(__doc__)
    url, command = sys.argv[1], sys.argv[2]
    sock = connect(url, os.environ["CHINGU_TOKEN"])
    if command == "issue":
        to, item, value = sys.argv[3:6]
        message = call(sock, "vouchers.issue", {"to": to, "item": item, "value": value,
                                                "valid_days": 30, "text": "Thank you for visiting!"})
        print("sent", message["text"], "to", to, flush=True)
        return
    call(sock, "events.subscribe", {})
    print("counter open", flush=True)
    while (message := receive(sock)) is not None:
        event = message.get("params", {}) if message.get("method") == "event" else {}
        if event.get("type") == "voucher_redeemed":
            print(f"redeemed {event['serial']}: hand over {event['item']} ({event['value']})", flush=True)


if __name__ == "__main__":
    main()
