#!/usr/bin/env python3
"""A fake of the signal-cli REST API (bbernhard/signal-cli-rest-api, in
MODE=normal or native) for the gateway tests (stdlib only).
Not named signal.py: a script's directory comes first on sys.path, and
that name would shadow the signal module for every fake beside it.

  signal_api.py --script FILE --log FILE --port-file FILE [--account NUMBER]
            [--timeout S] [--watch-pid P]

Binds 127.0.0.1:0, writes the port to --port-file (atomically) and serves
until --timeout seconds pass (120), SIGTERM, or process --watch-pid is
gone.

--script is JSON (every key optional):
  {"account": "+15550001",          the registered number (else --account)
   "messages": [MSG, ...],          queued at start
   "fail": {"receive": [500, 429, 400, {"status": 429, "retry_after": 1,
            "error": "..."}, ...], "send": [...]},
   "down": S}                       unreachable for the first S seconds
MSG is {"text", "from": "+15550002", "name"?, "uuid"?, "hide_number"?:
true (no sourceNumber, source is the uuid), "group"?: NAME} or {"kind":
"receipt" | "typing" | "sync" | "empty", "from"?} (what a gateway must
skip) or {"raw": ENVELOPE} (queued as it is).  A group NAME stands for
the group id signal-cli prints, base64(sha256(NAME)) (a real one is 32
bytes); its recipient for /v2/send is "group." + base64(that id), as the
API has it.  Timestamps count up from 1700000000001.

GET /v1/receive/<number>?timeout=N hands over and forgets every queued
message (as signal-cli does), holding the request up to N seconds (at
most 10) while there is none; a number that is not the account is a 400,
like a non-numeric timeout.  POST /v2/send {"message", "number",
"recipients", "quote_timestamp"?, "quote_author"?} answers 201
{"timestamp": "..."}; 400 {"error": "..."} for a wrong number, no or an
invalid recipient (a number +digits, a uuid, or a group recipient as
above), an empty message, or numbers and a group together.  Each status
in fail answers one call of that endpoint first ({"error": ...}; a 429
also sends Retry-After when the entry gives retry_after).  While down,
every API request has its connection closed without an answer.

Control (not logged): POST /_push with one MSG queues it; POST /_down
{"seconds": S} makes the API unreachable for S seconds from now.

--log gets one JSON line per API request:
  {"endpoint": "receive" | "send", "path", "query", "body"?, "status",
   "count"? (messages handed over)}
"""
import argparse
import base64
import hashlib
import json
import os
import re
import signal
import socket
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

cond = threading.Condition()
queue = []              # envelopes not yet received
counters = {"ts": 1700000000000}
fails = {}
opts = {"account": None, "log": None, "down_until": 0.0}
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-"
                  r"[0-9a-f]{12}$")


def dumps(obj):
    return json.dumps(obj, ensure_ascii=False)


def group_id(name):
    """signal-cli's id of the group called name (base64 of 32 bytes)."""
    return base64.b64encode(hashlib.sha256(name.encode()).digest()).decode()


def fake_uuid(number):
    h = hashlib.sha256(number.encode()).hexdigest()
    return "%s-%s-%s-%s-%s" % (h[:8], h[8:12], h[12:16], h[16:20], h[20:32])


def envelope(msg, ts):
    num = str(msg.get("from", "+15550002"))
    uuid = msg.get("uuid") or fake_uuid(num)
    env = {"source": num, "sourceNumber": num, "sourceUuid": uuid,
           "sourceName": msg.get("name", "user%s" % num[-4:]),
           "sourceDevice": 1, "timestamp": ts,
           "serverReceivedTimestamp": ts + 5,
           "serverDeliveredTimestamp": ts + 9}
    if msg.get("hide_number"):
        env["source"] = uuid
        env["sourceNumber"] = None
    kind = msg.get("kind", "text")
    if kind == "receipt":
        env["receiptMessage"] = {"when": ts, "isDelivery": True,
                                 "isRead": False, "isViewed": False,
                                 "timestamps": [ts - 1000]}
    elif kind == "typing":
        env["typingMessage"] = {"action": "STARTED", "timestamp": ts}
    elif kind == "sync":
        env["syncMessage"] = {"sentMessage": {
            "destination": num, "destinationNumber": num,
            "timestamp": ts, "message": "sent from my phone"}}
    else:
        dm = {"timestamp": ts, "message": msg.get("text", ""),
              "expiresInSeconds": 0, "viewOnce": False}
        if kind == "empty":
            dm["message"] = None
        if "group" in msg:
            dm["groupInfo"] = {"groupId": group_id(str(msg["group"])),
                               "groupName": str(msg["group"]),
                               "revision": 1, "type": "DELIVER"}
        env["dataMessage"] = dm
    return env


def add(msg):
    with cond:
        counters["ts"] += 1
        if "raw" in msg:
            env = dict(msg["raw"])
        else:
            env = envelope(msg, counters["ts"])
        queue.append({"envelope": env, "account": opts["account"]})
        cond.notify_all()


def log(entry):
    with cond:
        opts["log"].write(dumps(entry) + "\n")
        opts["log"].flush()


def valid_recipient(r):
    """'number', 'group' or None, as the API tells them apart."""
    if not isinstance(r, str) or not r:
        return None
    if r.startswith("group."):
        try:
            inner = base64.b64decode(r[6:], validate=True)
            raw = base64.b64decode(inner, validate=True)
        except (ValueError, TypeError):
            return None
        return "group" if len(raw) == 32 else None
    if re.match(r"^\+[0-9]{6,15}$", r) or UUID.match(r):
        return "number"
    return None


def receive(number, query):
    if number != opts["account"]:
        return 400, {"error": "User %s is not registered." % number}, 0
    try:
        wait = min(float(query.get("timeout", ["1"])[0]), 10.0)
    except ValueError:
        return 400, {"error": "Couldn't process request - timeout needs "
                              "to be numeric!"}, 0
    end = time.time() + wait
    with cond:
        while not queue and time.time() < end:
            cond.wait(max(0.0, end - time.time()))
        got = list(queue)
        queue[:] = []
    return 200, got, len(got)


def send(body):
    if not isinstance(body, dict):
        return 400, {"error": "Couldn't process request - invalid request"}
    if body.get("number") != opts["account"]:
        return 400, {"error": "Couldn't process request - please provide "
                              "a valid number"}
    recps = body.get("recipients")
    if not isinstance(recps, list) or not recps:
        return 400, {"error": "Couldn't process request - please provide "
                              "at least one recipient"}
    kinds = set()
    for r in recps:
        k = valid_recipient(r)
        if k is None:
            return 400, {"error": "Invalid identifier %s" % r}
        kinds.add(k)
    if len(kinds) > 1:
        return 400, {"error": "Signal Messenger Groups and phone numbers "
                              "cannot be specified together in one "
                              "request!"}
    msg = body.get("message")
    if not isinstance(msg, str) or not msg:
        return 400, {"error": "Failed to send message: message is empty"}
    qt = body.get("quote_timestamp")
    if qt is not None and (not isinstance(qt, int) or
                           not isinstance(body.get("quote_author"), str)):
        return 400, {"error": "Couldn't process request - invalid request"}
    with cond:
        counters["ts"] += 1
        ts = counters["ts"]
    return 201, {"timestamp": str(ts)}


def failure(f):
    if isinstance(f, dict):
        code = int(f.get("status", 500))
        msg = f.get("error", "fake %d" % code)
        ra = f.get("retry_after")
    else:
        code, msg, ra = int(f), "fake %d" % int(f), None
    if code == 429 and not isinstance(f, dict):
        msg = ("Failed to send message due to rate limiting. Use the "
               "attached challenge tokens to lift the rate limit "
               "restrictions.")
    body = {"error": msg}
    if code == 429:
        body["challenge_tokens"] = ["fake-token"]
        body["account"] = opts["account"]
    return code, body, ra


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def reply(self, status, obj, retry_after=None):
        data = dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        if retry_after is not None:
            self.send_header("Retry-After", str(retry_after))
        self.end_headers()
        self.wfile.write(data)

    def hang_up(self):
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.close_connection = True

    def do_GET(self):
        self.handle_any(None)

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        try:
            body = json.loads(raw or b"null")
        except ValueError:
            body = ValueError
        self.handle_any(body)

    def handle_any(self, body):
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        if url.path == "/_push":
            if not isinstance(body, dict):
                return self.reply(400, {"error": "bad push"})
            add(body)
            return self.reply(200, {"ok": True})
        if url.path == "/_down":
            secs = float((body or {}).get("seconds", 1))
            with cond:
                opts["down_until"] = time.time() + secs
            return self.reply(200, {"ok": True})
        with cond:
            down = time.time() < opts["down_until"]
        if down:
            return self.hang_up()
        m = re.match(r"^/v1/receive/([^/]+)$", url.path)
        if m and self.command == "GET":
            endpoint = "receive"
        elif url.path == "/v2/send" and self.command == "POST":
            endpoint = "send"
        else:
            return self.reply(404, {"error": "404 page not found"})
        with cond:
            q = fails.get(endpoint) or []
            f = q.pop(0) if q else None
        count, ra = None, None
        if f is not None:
            status, ans, ra = failure(f)
        elif endpoint == "receive":
            status, ans, count = receive(
                urllib.parse.unquote(m.group(1)), query)
        elif body is ValueError:
            status, ans = 400, {"error": "Couldn't process request - "
                                         "invalid request"}
        else:
            status, ans = send(body)
        entry = {"endpoint": endpoint, "path": url.path,
                 "query": {k: v[0] for k, v in query.items()},
                 "status": status}
        if endpoint == "send":
            entry["body"] = None if body is ValueError else body
        if count is not None:
            entry["count"] = count
        log(entry)
        return self.reply(status, ans, ra)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--script", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--account", default="+15550001")
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--watch-pid", type=int)
    a = ap.parse_args()
    with open(a.script, encoding="utf-8") as f:
        script = json.load(f)
    opts["account"] = script.get("account", a.account)
    for msg in script.get("messages", []):
        add(msg)
    fails.update({k: list(v) for k, v in script.get("fail", {}).items()})
    opts["down_until"] = time.time() + float(script.get("down", 0))
    opts["log"] = open(a.log, "a", encoding="utf-8")
    srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
    srv.daemon_threads = True
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
