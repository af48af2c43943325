#!/usr/bin/env python3
"""A fake Discord (REST API and Gateway) for the gateway tests (stdlib
only: the WebSocket server side is written here, RFC 6455 unmasked server
frames, masked client frames required).

  discord.py --log FILE --port-file FILE [--script FILE] [--token T]
             [--timeout S] [--watch-pid P]

Binds 127.0.0.1:0, writes the port to --port-file (atomically) and serves
until --timeout seconds pass (120), SIGTERM, or process --watch-pid is
gone.  One port serves everything:

REST (any path prefix, e.g. /api/v10; "Authorization: Bot TOKEN" or 401):
  GET  .../gateway/bot  -> {"url": "ws://127.0.0.1:PORT", "shards": 1, ...}
  POST .../channels/ID/messages {"content", "message_reference"?,
       "allowed_mentions"?} -> 200 a message object, also dispatched as
       a MESSAGE_CREATE (the bot's own, as Discord does); 400 for an
       empty content or one past 2000 characters.
The Gateway: a GET with "Upgrade: websocket" (the path is logged; the
resume_gateway_url READY names is ws://127.0.0.1:PORT/resume).  It sends
HELLO {"heartbeat_interval"}, checks IDENTIFY's token (else close 4004),
answers with READY (session_id, resume_gateway_url, user.id = the bot),
acks heartbeats with op 11, answers RESUME (op 6) for the live session
by replaying every event after its seq and then RESUMED (a wrong session
gets op 9 false), and answers op 1 with op 11.

--script is JSON (every key optional):
  {"token": "...",                the token it accepts (else --token)
   "heartbeat_interval": 500,     ms, in HELLO
   "bot_id": "900",
   "close_on_identify": 4014,     close the connection with this code
   "no_ack": 0,                   leave this many heartbeats unacked
                                  (a zombie connection)
   "fail": {"send": [429, {"status": 429, "retry_after": 0.5}, 401, 500],
            "gateway_bot": [401, 500]}}
Each status in fail answers one request of that kind first (429 with
{"message", "retry_after" (1 unless given; null leaves it out),
"global": false} and a Retry-After header: "header", else retry_after
rounded up).

Control (POST, JSON body, no token):
  /_push {"content", "user", "channel"?, "guild"?, "mention"?, "bot"?,
          "name"?, "global_name"?, "type"?}  a MESSAGE_CREATE (a DM
          unless guild; mention puts the bot in mentions[]); sent at
          once when a session is live, kept for the replay when the
          connection is down, held for the next READY when there is no
          session.
          Answers {"s": S or null, "id": MESSAGE_ID}.
  /_op {"op": 7} | {"op": 9, "d": false} | {"op": 1}   sent now (op 9
          false also ends the session: later pushes wait for READY)
  /_drop {"push"?: PUSH}   cut the connection (no close frame); with
          push, then a MESSAGE_CREATE as /_push, at once (before the
          client can resume), so only the resume's replay brings it
  /_close {"code": 4014}   a close frame with the code, then cut
  /_set {...}   change script keys (close_on_identify, no_ack, fail)

--log gets one JSON line per event:
  {"kind": "rest", "method", "path", "auth_ok", "body", "status"}
  {"kind": "connect", "path"}
  {"kind": "identify", "token_ok", "intents", "properties"}
  {"kind": "heartbeat", "d", "last_s"}     last_s: the last s sent
  {"kind": "resume", "session_id", "seq", "ok", "replayed"}
  {"kind": "dispatch", "t", "s"}
  {"kind": "client_close", "code"}   {"kind": "server_close", "code"}
  {"kind": "eof"}  the client's side of the connection ended
"""
import argparse
import base64
import hashlib
import json
import os
import re
import signal
import socket
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
lock = threading.RLock()
st = {"token": "fake-discord-token", "hb": 500, "bot_id": "900",
      "close_on_identify": None, "no_ack": False, "fail": {},
      "session": None, "conn": None, "pending": [], "msg_id": 5000,
      "sent_id": 8000, "sessions": 0, "port": 0, "log": None}


def dumps(obj):
    return json.dumps(obj, ensure_ascii=False)


def log(entry):
    with lock:
        st["log"].write(dumps(entry) + "\n")
        st["log"].flush()


class Conn:
    def __init__(self, sock, rfile):
        self.sock = sock
        self.rfile = rfile
        self.wlock = threading.Lock()
        self.live = False       # identified or resumed
        self.open = True

    def frame(self, opcode, payload):
        n = len(payload)
        if n < 126:
            head = struct.pack("!BB", 0x80 | opcode, n)
        elif n < 65536:
            head = struct.pack("!BBH", 0x80 | opcode, 126, n)
        else:
            head = struct.pack("!BBQ", 0x80 | opcode, 127, n)
        with self.wlock:
            if not self.open:
                return False
            try:
                self.sock.sendall(head + payload)
                return True
            except OSError:
                self.open = False
                return False

    def send(self, obj):
        return self.frame(1, dumps(obj).encode())

    def cut(self):
        with self.wlock:
            self.open = False
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def close(self, code):
        log({"kind": "server_close", "code": code})
        self.frame(8, struct.pack("!H", code) + b"fake close")
        time.sleep(0.05)
        self.cut()

    def read_exact(self, n):
        data = self.rfile.read(n)
        if data is None or len(data) < n:
            raise EOFError
        return data

    def read_message(self):
        """(opcode, payload) of one whole message; pings answered."""
        parts, first = [], None
        while True:
            b0, b1 = self.read_exact(2)
            fin, opcode = b0 & 0x80, b0 & 0x0F
            if not b1 & 0x80:
                raise ValueError("an unmasked client frame")
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack("!H", self.read_exact(2))[0]
            elif n == 127:
                n = struct.unpack("!Q", self.read_exact(8))[0]
            key = self.read_exact(4)
            data = bytes(c ^ key[i % 4] for i, c in
                         enumerate(self.read_exact(n)))
            if opcode == 9:
                self.frame(10, data)
                continue
            if opcode == 10:
                continue
            if opcode == 8:
                return 8, data
            if opcode != 0:
                first = opcode
            parts.append(data)
            if fin:
                return first, b"".join(parts)


def dispatch(conn, t, d):
    """Send one event under the session's next s (lock held)."""
    sess = st["session"]
    sess["seq"] += 1
    s = sess["seq"]
    sess["history"].append((s, t, d))
    if conn is not None and conn.live:
        conn.send({"op": 0, "t": t, "s": s, "d": d})
        log({"kind": "dispatch", "t": t, "s": s})
    return s


def new_session(conn):
    with lock:
        st["sessions"] += 1
        sid = "sess%d" % st["sessions"]
        st["session"] = {"id": sid, "seq": 0, "history": []}
        conn.live = True
        dispatch(conn, "READY", {
            "v": 10, "session_id": sid,
            "resume_gateway_url": "ws://127.0.0.1:%d/resume" % st["port"],
            "user": {"id": st["bot_id"], "username": "hermesbot",
                     "bot": True},
            "guilds": [], "application": {"id": st["bot_id"]}})
        pend, st["pending"] = st["pending"], []
        for t, d in pend:
            dispatch(conn, t, d)


def resume(conn, d):
    with lock:
        sess = st["session"]
        ok = (isinstance(d, dict) and d.get("token") == st["token"] and
              sess is not None and d.get("session_id") == sess["id"] and
              isinstance(d.get("seq"), int) and d["seq"] <= sess["seq"])
        replayed = 0
        if ok:
            conn.live = True
            for s, t, x in sess["history"]:
                if s > d["seq"]:
                    conn.send({"op": 0, "t": t, "s": s, "d": x})
                    log({"kind": "dispatch", "t": t, "s": s})
                    replayed += 1
            dispatch(conn, "RESUMED", {})
        log({"kind": "resume", "session_id": d.get("session_id")
             if isinstance(d, dict) else None,
             "seq": d.get("seq") if isinstance(d, dict) else None,
             "ok": ok, "replayed": replayed})
        if not ok:
            conn.send({"op": 9, "d": False})


def serve_gateway(conn):
    conn.send({"op": 10, "d": {"heartbeat_interval": st["hb"]}})
    while True:
        try:
            op, data = conn.read_message()
        except (EOFError, OSError, ValueError):
            log({"kind": "eof"})
            break
        if op == 8:
            code = struct.unpack("!H", data[:2])[0] if len(data) >= 2 \
                else None
            log({"kind": "client_close", "code": code})
            conn.frame(8, data[:2])
            conn.cut()
            break
        try:
            j = json.loads(data)
        except ValueError:
            conn.close(4002)
            break
        o, d = j.get("op"), j.get("d")
        if o == 1:
            with lock:
                sess = st["session"]
                log({"kind": "heartbeat", "d": d,
                     "last_s": sess["seq"] if sess else None})
                no_ack = st["no_ack"] > 0
                if no_ack:
                    st["no_ack"] -= 1
            if not no_ack:
                conn.send({"op": 11})
        elif o == 2:
            d = d if isinstance(d, dict) else {}
            token_ok = d.get("token") == st["token"]
            log({"kind": "identify", "token_ok": token_ok,
                 "intents": d.get("intents"),
                 "properties": d.get("properties")})
            if not token_ok:
                conn.close(4004)
                break
            if st["close_on_identify"]:
                conn.close(int(st["close_on_identify"]))
                break
            new_session(conn)
        elif o == 6:
            resume(conn, d)
        else:
            conn.close(4001)
            break
    with lock:
        conn.live = False
        conn.open = False
        if st["conn"] is conn:
            st["conn"] = None


def failure(code, kind):
    head = None
    if isinstance(code, dict):
        ra = code.get("retry_after", 1)
        head = code.get("header")
        code = int(code.get("status", 500))
    else:
        code, ra = int(code), 1
    hdr = {}
    if code == 429:
        body = {"message": "You are being rate limited.", "global": False}
        if ra is not None:
            body["retry_after"] = ra
        hdr["Retry-After"] = str(head if head is not None else
                                 int((ra or 1) + 0.999))
    elif code == 401:
        body = {"message": "401: Unauthorized", "code": 0}
    elif code == 403:
        body = {"message": "Missing Access", "code": 50001}
    elif code == 404:
        body = {"message": "Unknown Channel", "code": 10003}
    else:
        body = {"message": "fake %d for %s" % (code, kind), "code": 0}
    return code, body, hdr


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def reply(self, status, obj, hdr=None):
        data = dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (hdr or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.headers.get("Upgrade", "").lower() == "websocket":
            return self.upgrade()
        return self.rest("GET", None)

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = None
        if self.path.startswith("/_"):
            return self.control(body if isinstance(body, dict) else {})
        return self.rest("POST", body)

    def upgrade(self):
        key = self.headers.get("Sec-WebSocket-Key", "")
        acc = base64.b64encode(hashlib.sha1((key + GUID).encode())
                               .digest()).decode()
        log({"kind": "connect", "path": self.path})
        self.send_response(101, "Switching Protocols")
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", acc)
        self.end_headers()
        self.wfile.flush()
        conn = Conn(self.connection, self.rfile)
        with lock:
            old, st["conn"] = st["conn"], conn
        if old is not None:
            old.cut()
        serve_gateway(conn)
        self.close_connection = True

    def rest(self, method, body):
        auth_ok = self.headers.get("Authorization") == "Bot " + st["token"]
        path = self.path.split("?")[0]
        hdr = None
        m = re.search(r"/channels/([^/]+)/messages$", path)
        kind = ("gateway_bot" if path.endswith("/gateway/bot") and
                method == "GET" else "send" if m and method == "POST"
                else None)
        if kind is None:
            status, ans = 404, {"message": "404: Not Found", "code": 0}
        elif not auth_ok:
            status, ans = 401, {"message": "401: Unauthorized", "code": 0}
        else:
            with lock:
                queue = st["fail"].get(kind) or []
                f = queue.pop(0) if queue else None
            if f is not None:
                status, ans, hdr = failure(f, kind)
            elif kind == "gateway_bot":
                status, ans = 200, {
                    "url": "ws://127.0.0.1:%d" % st["port"], "shards": 1,
                    "session_start_limit": {"total": 1000,
                                            "remaining": 999,
                                            "reset_after": 0,
                                            "max_concurrency": 1}}
            else:
                status, ans = self.create(m.group(1), body)
        log({"kind": "rest", "method": method, "path": path,
             "auth_ok": auth_ok, "body": body, "status": status})
        return self.reply(status, ans, hdr)

    def create(self, channel, body):
        text = body.get("content") if isinstance(body, dict) else None
        if not isinstance(text, str) or not text or len(text) > 2000:
            return 400, {"message": "Invalid Form Body", "code": 50035}
        with lock:
            st["sent_id"] += 1
            msg = {"id": str(st["sent_id"]), "channel_id": channel,
                   "content": text, "type": 0, "mentions": [],
                   "author": {"id": st["bot_id"], "username": "hermesbot",
                              "bot": True}}
            if st["session"] is not None:   # the bot hears itself too
                dispatch(st["conn"], "MESSAGE_CREATE", msg)
        return 200, msg

    def control(self, body):
        what = self.path.split("?")[0]
        with lock:
            conn = st["conn"]
            if what == "/_push":
                return self.reply(200, self.push(conn, body))
            if what == "/_set":
                for k in ("close_on_identify", "no_ack"):
                    if k in body:
                        st[k] = body[k]
                for k, v in body.get("fail", {}).items():
                    st["fail"].setdefault(k, []).extend(v)
                return self.reply(200, {"ok": True})
            if conn is None:
                return self.reply(409, {"message": "not connected"})
            if what == "/_op":
                if body.get("op") == 9 and not body.get("d"):
                    st["session"] = None
                    conn.live = False
                conn.send({"op": body.get("op"), "d": body.get("d")})
                log({"kind": "server_op", "op": body.get("op"),
                     "d": body.get("d")})
            elif what == "/_drop":
                conn.live = False
                st["conn"] = None
                log({"kind": "server_drop"})
                conn.cut()
                if "push" in body:      # missed, for the resume
                    return self.reply(200, self.push(None, body["push"]))
            elif what == "/_close":
                conn.live = False
                st["conn"] = None
                threading.Thread(target=conn.close,
                                 args=(int(body.get("code", 4000)),),
                                 daemon=True).start()
            else:
                return self.reply(404, {"message": "no such control"})
        return self.reply(200, {"ok": True})

    def push(self, conn, b):
        st["msg_id"] += 1
        mid = str(st["msg_id"])
        user = str(b.get("user", "222"))
        author = {"id": user, "username": b.get("name", "user" + user),
                  "global_name": b.get("global_name"),
                  "discriminator": "0"}
        if b.get("bot"):
            author["bot"] = True
        d = {"id": mid, "channel_id": str(b.get("channel", "D" + user)),
             "author": author, "content": b.get("content", ""),
             "type": b.get("type", 0),
             "timestamp": "2026-01-01T00:00:00+00:00",
             "mentions": [], "tts": False, "attachments": [],
             "embeds": []}
        if b.get("guild"):
            d["guild_id"] = str(b["guild"])
            d["member"] = {"roles": []}
        if b.get("mention"):
            d["mentions"].append({"id": st["bot_id"],
                                  "username": "hermesbot", "bot": True})
        if st["session"] is None:
            st["pending"].append(("MESSAGE_CREATE", d))
            return {"s": None, "id": mid}
        return {"s": dispatch(conn, "MESSAGE_CREATE", d), "id": mid}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--script")
    ap.add_argument("--log", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--token", default="fake-discord-token")
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--watch-pid", type=int)
    a = ap.parse_args()
    script = {}
    if a.script:
        with open(a.script, encoding="utf-8") as f:
            script = json.load(f)
    st["token"] = script.get("token", a.token)
    st["hb"] = int(script.get("heartbeat_interval", 500))
    st["bot_id"] = str(script.get("bot_id", "900"))
    st["close_on_identify"] = script.get("close_on_identify")
    st["no_ack"] = int(script.get("no_ack", 0))
    st["fail"] = {k: list(v) for k, v in script.get("fail", {}).items()}
    st["log"] = open(a.log, "a", encoding="utf-8")
    srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
    srv.daemon_threads = True
    st["port"] = srv.server_address[1]
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(st["port"]))
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
