#!/usr/bin/env python3
"""A scriptable WebSocket server for the ws.c tests (stdlib only).

  ws.py --log FILE --port-file FILE [--timeout S] [--watch-pid P]

Binds 127.0.0.1:0, writes the port to --port-file (atomically) and serves
until --timeout seconds pass (60), SIGTERM, or process --watch-pid is
gone.  Hand-written (RFC 6455) rather than python3-websockets, so it can
break the protocol on purpose and needs no Debian package.

The first segment of the request path picks what the server does after
a good upgrade (the rest of the path and the query are only logged):
  /echo        echo each message (text or binary, fragments joined)
  /ping        ping "hb-1", then echo
  /big         a 70,000-byte text message, then echo
  /sizes       text messages of 0, 125, 126, 65535 and 65536 bytes
  /frag        "hel" (text, fin 0), ping "mid", "lo " (continuation),
               "world" (continuation, fin 1), then echo
  /two         "one" and "two" in one write, sent with the 101 answer
  /slow        "slow frame" one byte a write, 20 ms apart, then echo
  /pause       "ab" (text, fin 0) and 3 bytes of "cd" (continuation,
               fin 1), the rest of it 0.5 s later, then echo
  /flood       pings, 100 a write, as fast as they go, until the client
               hangs up; what it sends is read and dropped unparsed
  /deaf        reads and logs frames, never answers, not even a close
  /close       close 4000 "bye", then wait for the client's close
  /closefrag   "par" (text, fin 0), then close 1001 "going away"
  /drop        the TCP connection closed without a close frame
  /masked      a masked text frame
  /rsv         a text frame with RSV1 set
  /opcode3     a frame with the reserved opcode 3
  /bigping     a ping of 126 bytes
  /fragping    a ping with fin 0
  /toobig      a text frame whose header says 16 MiB + 1 bytes
  /fragbig     17 fragments of 1 MiB (over WS_MAX_MESSAGE)
  /badcont     a continuation frame with no message begun
and without a good upgrade:
  /reject      403 Forbidden
  /badaccept   101 with a wrong Sec-WebSocket-Accept
  /mute        reads the request, never answers
In every mode but /deaf a client's ping gets a pong, and a client's
close gets a close with the same code before the connection ends.

--log gets one JSON line per event, flushed at once:
  {"conn": 1, "event": "request", "target": "/echo?x=1",
   "headers": {"host": "127.0.0.1:4242", ...}}          (names lowercased)
  {"conn": 1, "event": "frame", "opcode": 1, "fin": true, "masked": true,
   "len": 5, "data": "hello"}   (data: the first 200 bytes, as text;
                                 a close frame's code is in "code")
  {"conn": 1, "event": "eof"}
"""
import argparse
import base64
import hashlib
import json
import os
import signal
import socket
import socketserver
import struct
import sys
import threading
import time

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
lock = threading.Lock()
state = {"log": None, "conn": 0}


def log(obj):
    with lock:
        state["log"].write(json.dumps(obj) + "\n")
        state["log"].flush()


def frame(op, payload=b"", fin=True, mask=None, rsv=0, length=None):
    """One frame; length overrides the length field (for lies)."""
    n = len(payload) if length is None else length
    b0 = (0x80 if fin else 0) | rsv | op
    m = 0x80 if mask else 0
    if n < 126:
        head = struct.pack("!BB", b0, m | n)
    elif n < 65536:
        head = struct.pack("!BBH", b0, m | 126, n)
    else:
        head = struct.pack("!BBQ", b0, m | 127, n)
    if mask:
        payload = bytes(c ^ mask[i % 4] for i, c in enumerate(payload))
        head += mask
    return head + payload


class Conn:
    def __init__(self, sock, n):
        self.s = sock
        self.n = n
        self.buf = b""
        self.wlock = threading.Lock()
        self.stop = threading.Event()

    def read(self, k):
        while len(self.buf) < k:
            d = self.s.recv(65536)
            if not d:
                raise EOFError
            self.buf += d
        out, self.buf = self.buf[:k], self.buf[k:]
        return out

    def read_head(self):
        while b"\r\n\r\n" not in self.buf:
            d = self.s.recv(65536)
            if not d:
                raise EOFError
            self.buf += d
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        return head.decode("latin-1")

    def next_frame(self):
        b0, b1 = self.read(2)
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack("!H", self.read(2))[0]
        elif n == 127:
            n = struct.unpack("!Q", self.read(8))[0]
        key = self.read(4) if b1 & 0x80 else None
        p = self.read(n)
        if key:
            p = bytes(c ^ key[i % 4] for i, c in enumerate(p))
        op, fin = b0 & 0x0F, bool(b0 & 0x80)
        ev = {"conn": self.n, "event": "frame", "opcode": op, "fin": fin,
              "masked": key is not None, "rsv": (b0 >> 4) & 7, "len": n,
              "data": p[:200].decode("utf-8", "replace")}
        if op == 8 and n >= 2:
            ev["code"] = struct.unpack("!H", p[:2])[0]
        log(ev)
        return op, fin, p

    def send(self, data):
        with self.wlock:
            self.s.sendall(data)

    def serve(self, until_close=False):
        """Echo messages, answer pings and the close."""
        msg, mop = b"", 0
        while True:
            op, fin, p = self.next_frame()
            if op == 9:
                self.send(frame(10, p))
            elif op == 8:
                self.send(frame(8, p[:2]))
                return
            elif op in (0, 1, 2) and not until_close:
                if op:
                    mop = op
                msg += p
                if fin:
                    self.send(frame(mop, msg))
                    msg, mop = b"", 0


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        with lock:
            state["conn"] += 1
            n = state["conn"]
        c = Conn(self.request, n)
        try:
            self.run(c)
        except (EOFError, OSError):
            pass
        log({"conn": n, "event": "eof"})

    def run(self, c):
        lines = c.read_head().split("\r\n")
        target = lines[0].split(" ")[1] if " " in lines[0] else ""
        hdrs = {}
        for ln in lines[1:]:
            k, _, v = ln.partition(":")
            hdrs[k.strip().lower()] = v.strip()
        log({"conn": c.n, "event": "request", "line": lines[0],
             "target": target, "headers": hdrs})
        mode = target.split("?")[0].strip("/").split("/")[0]
        key = hdrs.get("sec-websocket-key", "").encode()
        acc = base64.b64encode(hashlib.sha1(key + GUID).digest()).decode()
        if mode == "mute":
            time.sleep(30)
            return
        if mode == "reject":
            c.send(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 9\r\n"
                   b"Connection: close\r\n\r\nforbidden")
            return
        if mode == "badaccept":
            acc = base64.b64encode(b"x" * 20).decode()
        ok = ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
              "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n"
              % acc).encode()
        if mode == "two":
            c.send(ok + frame(1, b"one") + frame(1, b"two"))
            return c.serve()
        c.send(ok)
        if mode == "badaccept":
            time.sleep(2)
            return
        modes = {
            "ping": [frame(9, b"hb-1")],
            "big": [frame(1, bytes(ord("a") + i % 26 for i in
                                   range(70000)))],
            "sizes": [frame(1, b"s" * k) for k in
                      (0, 125, 126, 65535, 65536)],
            "frag": [frame(1, b"hel", fin=False), frame(9, b"mid"),
                     frame(0, b"lo ", fin=False), frame(0, b"world")],
            "masked": [frame(1, b"hidden", mask=b"\x01\x02\x03\x04")],
            "rsv": [frame(1, b"rsv", rsv=0x40)],
            "opcode3": [frame(3, b"three")],
            "bigping": [frame(9, b"p" * 126)],
            "fragping": [frame(9, b"p", fin=False)],
            "toobig": [frame(1, b"", length=(16 << 20) + 1)],
            "badcont": [frame(0, b"orphan")],
            "closefrag": [frame(1, b"par", fin=False),
                          frame(8, struct.pack("!H", 1001) +
                                b"going away")],
        }
        if mode in modes:
            for f in modes[mode]:
                c.send(f)
        elif mode == "fragbig":
            chunk = b"f" * (1 << 20)
            for i in range(17):
                c.send(frame(1 if i == 0 else 0, chunk, fin=i == 16))
        elif mode == "pause":
            rest = frame(0, b"cd")
            c.send(frame(1, b"ab", fin=False) + rest[:3])
            time.sleep(0.5)
            c.send(rest[3:])
        elif mode == "flood":
            def drain():
                try:
                    while self.request.recv(65536):
                        pass
                except OSError:
                    pass
                c.stop.set()
            threading.Thread(target=drain, daemon=True).start()
            burst = frame(9, b"flood") * 100
            while not c.stop.is_set():
                c.send(burst)
            return
        elif mode == "deaf":
            while True:
                c.next_frame()
        elif mode == "slow":
            for b in frame(1, b"slow frame"):
                c.send(bytes([b]))
                time.sleep(0.02)
        elif mode == "close":
            c.send(frame(8, struct.pack("!H", 4000) + b"bye"))
            return c.serve(until_close=True)
        elif mode == "drop":
            self.request.shutdown(socket.SHUT_RDWR)
            return
        c.serve(until_close=mode == "closefrag")


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--log", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("--watch-pid", type=int)
    a = ap.parse_args()
    state["log"] = open(a.log, "a", encoding="utf-8")
    srv = Server(("127.0.0.1", 0), Handler)
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(tmp, a.port_file)
    signal.signal(signal.SIGTERM, lambda *x: os._exit(0))
    start = time.time()

    def watch():
        while time.time() - start < a.timeout:
            if a.watch_pid:
                try:
                    os.kill(a.watch_pid, 0)
                except OSError:
                    break
            time.sleep(0.2)
        os._exit(0)
    threading.Thread(target=watch, daemon=True).start()
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
