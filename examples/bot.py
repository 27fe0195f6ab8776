#!/usr/bin/env python3
"""An echo bot for chingu, Python 3 standard library only, over the WebSocket API.

    chingu apps add echo --scopes read,send          # prints the token once
    chingu run --api 127.0.0.1:7878                  # in another terminal
    CHINGU_TOKEN=chg_... python3 examples/bot.py ws://127.0.0.1:7878/api

Every message a friend sends is answered with "echo: <text>". The standard library has
no WebSocket client, so the first half is a minimal RFC 6455 client (handshake, masked
text frames out, unfragmented frames in); the bot itself is the loop in main().
"""
import base64, hashlib, json, os, socket, struct, sys
from urllib.parse import urlparse


def connect(url, token):
    u = urlparse(url)
    sock = socket.create_connection((u.hostname, u.port or 80))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(f"GET {u.path or '/'} HTTP/1.1\r\nHost: {u.netloc}\r\nUpgrade: websocket\r\n"
                 f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                 f"Authorization: Bearer {token}\r\n\r\n".encode())
    head = b""
    while not head.endswith(b"\r\n\r\n"):  # byte by byte: frames may follow the headers
        head += sock.recv(1) or sys.exit("connection closed during the handshake")
    accept = base64.b64encode(hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest())
    if b" 101 " not in head.split(b"\r\n")[0] or accept not in head:
        sys.exit("refused: " + head.decode(errors="replace").split("\r\n")[0])
    return sock


def send(sock, message):
    data, mask = json.dumps(message).encode(), os.urandom(4)
    n = len(data)
    length = bytes([0x80 | n]) if n < 126 else (
        bytes([0x80 | 126]) + struct.pack("!H", n) if n < 1 << 16 else bytes([0x80 | 127]) + struct.pack("!Q", n))
    sock.sendall(b"\x81" + length + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))


def exactly(sock, n):
    data = b""
    while len(data) < n:
        data += sock.recv(n - len(data)) or sys.exit("the node closed the connection")
    return data


def receive(sock):
    """The next text message, decoded; None when the node closes the connection."""
    while True:
        opcode, n = exactly(sock, 2)
        n &= 0x7F
        n = struct.unpack("!H", exactly(sock, 2))[0] if n == 126 else (
            struct.unpack("!Q", exactly(sock, 8))[0] if n == 127 else n)
        payload = exactly(sock, n)
        if opcode & 0x0F == 0x8:
            return None
        if opcode & 0x0F == 0x1:
            return json.loads(payload)


def main():
    url = sys.argv[1] if len(sys.argv) > 1 else "ws://127.0.0.1:7878/api"
    sock = connect(url, os.environ["CHINGU_TOKEN"])
    send(sock, {"jsonrpc": "2.0", "id": 0, "method": "events.subscribe"})
    if "error" in (answer := receive(sock)):
        sys.exit("cannot subscribe: " + answer["error"]["message"])
    print("echo bot ready on", url, flush=True)
    next_id = 1
    while (message := receive(sock)) is not None:
        if "error" in message:
            print("error:", message["error"]["message"], file=sys.stderr, flush=True)
        event = message.get("params", {}) if message.get("method") == "event" else {}
        if event.get("type") != "message_received":
            continue
        received = event["message"]
        if received["direction"] == "incoming" and received["state"] != "request":
            send(sock, {"jsonrpc": "2.0", "id": next_id, "method": "messages.send",
                        "params": {"contact": received["sender"], "text": "echo: " + received["text"]}})
            next_id += 1


if __name__ == "__main__":
    main()
