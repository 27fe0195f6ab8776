#!/usr/bin/env python3
"""Queues many 1:1 messages to one contact through the control socket, Python 3
standard library only: a load generator, and an example of pipelining JSON-RPC requests
on the Unix socket (SPEC.md §9: up to 8 requests in flight per connection).

    chingu run --home H                                   # the node, in another terminal
    chingu contacts add --home H +821055509876 --name Nobody
    python3 examples/queue_messages.py H/chingu.sock Nobody 100000

Four connections with eight requests in flight each; every `messages.send` is answered
once the message is durably in the outbox. BENCHMARKS.md ("No fixed tick") uses it to
give an idle node a large outbox.
"""
import json
import socket
import sys
import threading

CONNECTIONS = 4
IN_FLIGHT = 8


def queue(path, contact, count, worker):
    """Sends `count` messages to `contact` on one connection, `IN_FLIGHT` at a time."""
    sock = socket.socket(socket.AF_UNIX)
    sock.connect(path)
    stream = sock.makefile("rwb")
    sent = answered = 0
    while answered < count:
        while sent < count and sent - answered < IN_FLIGHT:
            text = f"queued {worker}-{sent}"
            request = {"jsonrpc": "2.0", "id": sent, "method": "messages.send",
                       "params": {"contact": contact, "text": text}}
            stream.write((json.dumps(request) + "\n").encode())
            sent += 1
        stream.flush()
        line = stream.readline()
        if not line:
            raise RuntimeError("the node closed the connection")
        answer = json.loads(line)
        if "error" in answer:
            raise RuntimeError(f"messages.send refused: {answer['error']['message']}")
        answered += 1


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    path, contact, total = sys.argv[1], sys.argv[2], int(sys.argv[3])
    shares = [total // CONNECTIONS + (1 if i < total % CONNECTIONS else 0) for i in range(CONNECTIONS)]
    failures = []

    def run(n, i):
        try:
            queue(path, contact, n, i)
        except (OSError, RuntimeError) as e:
            failures.append(str(e))

    workers = [threading.Thread(target=run, args=(n, i)) for i, n in enumerate(shares)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    if failures:
        sys.exit(failures[0])
    print(f"queued {total}")


if __name__ == "__main__":
    main()
