#!/usr/bin/env python3
"""A fake of the Telegram Bot API for the gateway tests (stdlib only).

  telegram.py --script FILE --log FILE --port-file FILE [--token T]
              [--timeout S] [--watch-pid P]

Binds 127.0.0.1:0 and writes the port to --port-file (atomically).
--script is JSON: {"updates": [{"text", "chat", "user", "type":
"private"|"group", "thread"?}], "fail": {"getUpdates": [status, ...]}}:
the updates are queued with rising update_ids (from the time, so a
fake started again goes on past the offset a gateway kept); each status in fail
answers one getUpdates first (429 carries retry_after 1).
POST /bot<token>/getUpdates honours offset (confirmed updates are
dropped) and long-polls up to its timeout; sendMessage is logged and
answered with a message_id; a wrong token is 401.  POST /control/push
with one update object queues it at once.  Every request is one JSON
line in --log: {"method", "body"}.
"""
import argparse
import json
import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Condition()
updates = []            # [update dict]
next_id = [int(time.time() * 10)]   # rising across restarts, as Telegram's
fails = {}
log_file = None
token = None
sent_id = [1000]


def add(u):
    with lock:
        msg = {"message_id": next_id[0] + 100,
               "from": {"id": u["user"], "is_bot": False,
                        "first_name": "user%s" % u["user"],
                        "username": "user%s" % u["user"]},
               "chat": {"id": u["chat"], "type": u.get("type", "private")},
               "date": int(time.time()), "text": u["text"]}
        if "thread" in u:
            msg["message_thread_id"] = u["thread"]
        updates.append({"update_id": next_id[0], "message": msg})
        next_id[0] += 1
        lock.notify_all()


def log(method, body):
    with lock:
        log_file.write(json.dumps({"method": method, "body": body}) + "\n")
        log_file.flush()


class H(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def reply(self, status, obj):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = {}
        if self.path == "/control/push":
            add(body)
            return self.reply(200, {"ok": True})
        parts = self.path.split("/")
        if len(parts) != 3 or not parts[1].startswith("bot"):
            return self.reply(404, {"ok": False, "error_code": 404,
                                    "description": "Not Found"})
        method = parts[2]
        log(method, body)
        if parts[1][3:] != token:
            return self.reply(401, {"ok": False, "error_code": 401,
                                    "description": "Unauthorized"})
        with lock:
            queue = fails.get(method) or []
            status = queue.pop(0) if queue else None
        if status:
            extra = {"parameters": {"retry_after": 1}} if status == 429 else {}
            return self.reply(status, dict({"ok": False, "error_code": status,
                                            "description": "fake %d" % status},
                                           **extra))
        if method == "getUpdates":
            off = int(body.get("offset") or 0)
            end = time.time() + min(float(body.get("timeout") or 0), 30)
            with lock:
                while True:
                    updates[:] = [u for u in updates if u["update_id"] >= off]
                    if updates or time.time() >= end:
                        break
                    lock.wait(max(0.0, end - time.time()))
                res = list(updates)
            return self.reply(200, {"ok": True, "result": res})
        if method == "sendMessage":
            with lock:
                sent_id[0] += 1
                mid = sent_id[0]
            return self.reply(200, {"ok": True, "result": {
                "message_id": mid, "chat": {"id": body.get("chat_id")},
                "text": body.get("text")}})
        return self.reply(200, {"ok": True, "result": True})


def main():
    global log_file, token
    ap = argparse.ArgumentParser()
    ap.add_argument("--script", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--token", default="123:fake")
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--watch-pid", type=int)
    a = ap.parse_args()
    token = a.token
    script = json.load(open(a.script))
    for u in script.get("updates", []):
        add(u)
    fails.update({k: list(v) for k, v in script.get("fail", {}).items()})
    log_file = open(a.log, "a")
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
            time.sleep(0.5)
        os._exit(0)
    threading.Thread(target=watch, daemon=True).start()
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
