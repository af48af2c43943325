#!/usr/bin/env python3
"""A fake of the Telegram Bot API for the gateway tests (stdlib only).

  telegram.py --script FILE --log FILE --port-file FILE [--token T]
              [--id-file FILE] [--timeout S] [--watch-pid P]

Binds 127.0.0.1:0, writes the port to --port-file (atomically) and serves
until --timeout seconds pass (120), SIGTERM, or process --watch-pid is
gone.

--script is JSON (every key optional):
  {"updates": [UPDATE, ...],
   "token": "123:fake",            the token it accepts (else --token)
   "first_update_id": 1,           (else the number in --id-file, else 1)
   "fail": {"getUpdates": [500, 429, {"status": 429, "retry_after": 3,
            "description": "..."}, 409, ...], "sendMessage": [...]}}
UPDATE is {"text", "chat", "user", "type": "private" (default) | "group" |
"supergroup", "thread"?, "name"?} (a "thread" makes it a forum topic
message); without "text" it is a sticker (not a text message); {"raw":
{...}} is queued as it is.  Updates get update_ids 1, 2, ... and
message_ids update_id + 100.  Like one real bot's, update_ids only grow
across the fakes of one test file when they share an --id-file: it holds
the next id, read at start and rewritten (atomically) after each update,
so a gateway's persisted offset never hides a new fake's updates.

POST /bot<token>/getUpdates answers (at most "limit" updates, 100 unless
asked for fewer, as Telegram does) after the confirmed updates (below
its offset) are dropped, holding the request up to its timeout (at most
30 s) while there are none; each status in fail answers one call of that
method first, with {"ok": false, "error_code": status, ...} (429 with
parameters.retry_after, 1 unless given).  sendMessage answers
{"ok": true, "result": {"message_id": 1001, ...}} (400 for a missing
chat_id, an empty text or one past 4096 characters).  A wrong token gets
401 Unauthorized.  POST /control/push with one UPDATE queues it at once.

--log gets one JSON line per request to the Bot API:
  {"method": "sendMessage", "body": {...}, "status": 200, "token_ok": true}
"""
import argparse
import json
import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

cond = threading.Condition()
updates = []            # queued, not yet confirmed
counters = {"update": 1, "sent": 1000}
fails = {}
opts = {"token": None, "log": None, "id_file": None}


def dumps(obj):
    return json.dumps(obj, ensure_ascii=False)


def add(u):
    with cond:
        uid = counters["update"]
        counters["update"] += 1
        if "raw" in u:
            upd = dict(u["raw"])
            upd["update_id"] = uid
        else:
            user = u.get("user", 222)
            name = u.get("name", "user%s" % user)
            kind = u.get("type", "private")
            msg = {"message_id": uid + 100,
                   "from": {"id": user, "is_bot": False, "first_name": name,
                            "username": name},
                   "chat": {"id": u.get("chat", user), "type": kind},
                   "date": int(time.time())}
            if kind == "private":
                msg["chat"]["first_name"] = name
            else:
                msg["chat"]["title"] = "group %s" % u.get("chat")
            if "text" in u:
                msg["text"] = u["text"]
            else:
                msg["sticker"] = {"file_id": "s%d" % uid, "emoji": "x"}
            if "thread" in u:
                msg["chat"]["is_forum"] = True
                msg["message_thread_id"] = u["thread"]
                msg["is_topic_message"] = True
            upd = {"update_id": uid, "message": msg}
        updates.append(upd)
        if opts["id_file"]:
            tmp = opts["id_file"] + ".tmp"
            with open(tmp, "w") as f:
                f.write("%d\n" % counters["update"])
            os.rename(tmp, opts["id_file"])
        cond.notify_all()


def log(entry):
    with cond:
        opts["log"].write(dumps(entry) + "\n")
        opts["log"].flush()


def failure(status):
    if isinstance(status, dict):
        code = int(status.get("status", 500))
        desc = status.get("description", "fake %d" % code)
        ra = status.get("retry_after", 1)
    else:
        code, desc, ra = int(status), "fake %d" % int(status), 1
    body = {"ok": False, "error_code": code, "description": desc}
    if code == 429:
        body["description"] = "Too Many Requests: retry after %s" % ra
        body["parameters"] = {"retry_after": ra}
    elif code == 409 and not isinstance(status, dict):
        body["description"] = ("Conflict: can't use getUpdates method "
                               "while webhook is active; use deleteWebhook "
                               "to delete the webhook first")
    return code, body


def get_updates(body):
    try:
        off = int(body.get("offset") or 0)
        wait = min(float(body.get("timeout") or 0), 30.0)
        limit = max(1, min(int(body.get("limit") or 100), 100))
    except (TypeError, ValueError):
        return 400, {"ok": False, "error_code": 400,
                     "description": "Bad Request: wrong parameters"}
    end = time.time() + wait
    with cond:
        while True:
            if off > 0:
                updates[:] = [u for u in updates if u["update_id"] >= off]
            if updates or time.time() >= end:
                break
            cond.wait(max(0.0, end - time.time()))
        res = updates[:limit]
    return 200, {"ok": True, "result": res}


def send_message(body):
    text = body.get("text")
    if body.get("chat_id") in (None, ""):
        return 400, {"ok": False, "error_code": 400,
                     "description": "Bad Request: chat_id is empty"}
    if not isinstance(text, str) or not text:
        return 400, {"ok": False, "error_code": 400,
                     "description": "Bad Request: message text is empty"}
    if len(text) > 4096:
        return 400, {"ok": False, "error_code": 400,
                     "description": "Bad Request: message is too long"}
    with cond:
        counters["sent"] += 1
        mid = counters["sent"]
    res = {"message_id": mid, "from": {"id": 1, "is_bot": True,
                                       "first_name": "fakebot"},
           "chat": {"id": body["chat_id"]}, "date": int(time.time()),
           "text": text}
    return 200, {"ok": True, "result": res}


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # headers and body go out in two writes: without this, Nagle and the
    # client's delayed ACK add 40 ms to every keep-alive request
    disable_nagle_algorithm = True

    def log_message(self, *a):
        pass

    def reply(self, status, obj):
        data = dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.do_POST()

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = None
        if self.path == "/control/push":
            if not isinstance(body, dict):
                return self.reply(400, {"ok": False})
            add(body)
            return self.reply(200, {"ok": True})
        parts = self.path.split("?")[0].split("/")
        if len(parts) != 3 or not parts[1].startswith("bot"):
            return self.reply(404, {"ok": False, "error_code": 404,
                                    "description": "Not Found"})
        method, token_ok = parts[2], parts[1][3:] == opts["token"]
        if not token_ok:
            status, ans = 401, {"ok": False, "error_code": 401,
                                "description": "Unauthorized"}
        elif not isinstance(body, dict):
            status, ans = 400, {"ok": False, "error_code": 400,
                                "description": "Bad Request: bad JSON"}
        else:
            with cond:
                queue = fails.get(method) or []
                f = queue.pop(0) if queue else None
            if f is not None:
                status, ans = failure(f)
            elif method == "getUpdates":
                status, ans = get_updates(body)
            elif method == "sendMessage":
                status, ans = send_message(body)
            else:
                status, ans = 200, {"ok": True, "result": True}
        log({"method": method, "body": body, "status": status,
             "token_ok": token_ok})
        return self.reply(status, ans)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--script", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--token", default="123:fake")
    ap.add_argument("--id-file")
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--watch-pid", type=int)
    a = ap.parse_args()
    with open(a.script, encoding="utf-8") as f:
        script = json.load(f)
    opts["token"] = script.get("token", a.token)
    opts["id_file"] = a.id_file
    if "first_update_id" in script:
        counters["update"] = int(script["first_update_id"])
    elif a.id_file and os.path.exists(a.id_file):
        with open(a.id_file) as f:
            counters["update"] = int(f.read().strip() or 1)
    for u in script.get("updates", []):
        add(u)
    fails.update({k: list(v) for k, v in script.get("fail", {}).items()})
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
