#!/usr/bin/env python3
"""An HTTP sink for the gateway tests (stdlib only): the webhook
platform's reply URL, or (--graph) a fake of WhatsApp's Graph API.

  sink.py --log FILE --port-file FILE [--port N] [--script FILE]
          [--secret S] [--token T] [--graph] [--timeout S] [--watch-pid P]

Binds 127.0.0.1:PORT (0, the default: any), writes the port to
--port-file (atomically) and serves until --timeout seconds pass (120),
SIGTERM, or process --watch-pid is gone.

Every request but /control/* is logged to --log as one JSON line:
  {"method", "path", "query", "headers": {NAME: VALUE} (lowercased
   names: content-type, authorization, x-hermes-signature,
   x-hub-signature-256), "body": the JSON body or null, "raw": the body
   as text, "status": the status answered, "sig_ok": true/false when
   --secret is given (X-Hermes-Signature or X-Hub-Signature-256 is
   "sha256=" + the hex HMAC-SHA256 of the raw body), else null,
   "auth_ok": true/false when --token is given (Authorization: Bearer
   TOKEN), else null}

Answers, in order: a wrong token (with --token) 401; the next entry of
the fail list, if any; else 200.  --script is JSON {"fail": [STATUS or
{"status", "retry_after", "message", "code"}, ...]}; POST
/control/fail with the same object appends to the list at run time.
A 429 (or an entry with retry_after) carries a Retry-After header.

Plain mode answers {"ok": true} or {"ok": false, "error": "fake N"}.
--graph answers like the Graph API: POST [/VERSION]/ID/messages gets
{"messaging_product": "whatsapp", "contacts": [{"input", "wa_id"}],
"messages": [{"id": "wamid.fakeN"}]} (400 without "to" or a text body
past 4096 characters); a failure is {"error": {"message", "type":
"OAuthException", "code", "fbtrace_id"}} (429: code 130429, 401: 190).
"""
import argparse
import hashlib
import hmac
import json
import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()
fails = []
counter = {"sent": 0}
opts = {}
KEEP = ("content-type", "authorization", "x-hermes-signature",
        "x-hub-signature-256")


def failure(f):
    if isinstance(f, dict):
        return (int(f.get("status", 500)), f.get("retry_after"),
                f.get("message"), f.get("code"))
    return int(f), (1 if int(f) == 429 else None), None, None


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def reply(self, status, obj, retry_after=None):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if retry_after is not None:
            self.send_header("Retry-After", str(retry_after))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.do_POST()

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        path, _, query = self.path.partition("?")
        if path == "/control/fail":
            with lock:
                fails.extend((body or {}).get("fail", []))
            return self.reply(200, {"ok": True})
        hdrs = {k: self.headers[k] for k in KEEP if self.headers.get(k)}
        sig_ok = auth_ok = None
        if opts["secret"] is not None:
            sig = (self.headers.get("x-hermes-signature") or
                   self.headers.get("x-hub-signature-256") or "")
            want = "sha256=" + hmac.new(opts["secret"].encode(), raw,
                                        hashlib.sha256).hexdigest()
            sig_ok = hmac.compare_digest(sig, want)
        if opts["token"] is not None:
            auth_ok = (self.headers.get("authorization") ==
                       "Bearer " + opts["token"])
        status, ans, ra = self.answer(path, body, auth_ok)
        with lock:
            opts["log"].write(json.dumps({
                "method": self.command, "path": path, "query": query,
                "headers": hdrs, "body": body,
                "raw": raw.decode("utf-8", "replace"), "status": status,
                "sig_ok": sig_ok, "auth_ok": auth_ok},
                ensure_ascii=False) + "\n")
            opts["log"].flush()
        return self.reply(status, ans, ra)

    def answer(self, path, body, auth_ok):
        graph = opts["graph"]
        if auth_ok is False:
            return (401, self.error(401, "Invalid OAuth access token", 190),
                    None)
        with lock:
            f = fails.pop(0) if fails else None
        if f is not None:
            status, ra, msg, code = failure(f)
            if status == 429 and code is None:
                code = 130429
            msg = msg or "fake %d" % status
            if not graph:
                return status, {"ok": False, "error": msg}, ra
            return status, self.error(status, msg, code or status), ra
        if not graph:
            return 200, {"ok": True}, None
        parts = path.strip("/").split("/")
        if len(parts) < 2 or parts[-1] != "messages":
            return (404, self.error(404, "Unknown path components", 2500),
                    None)
        text = ((body or {}).get("text") or {}).get("body")
        if not isinstance(body, dict) or not body.get("to") or \
                not isinstance(text, str) or len(text) > 4096:
            return (400, self.error(400, "(#100) Invalid parameter", 100),
                    None)
        with lock:
            counter["sent"] += 1
            mid = "wamid.fake%d" % counter["sent"]
        return 200, {"messaging_product": "whatsapp",
                     "contacts": [{"input": body["to"],
                                   "wa_id": body["to"]}],
                     "messages": [{"id": mid}]}, None

    @staticmethod
    def error(status, msg, code):
        return {"error": {"message": msg, "type": "OAuthException",
                          "code": code, "fbtrace_id": "Afake%d" % status}}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--log", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--script")
    ap.add_argument("--secret")
    ap.add_argument("--token")
    ap.add_argument("--graph", action="store_true")
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--watch-pid", type=int)
    a = ap.parse_args()
    if a.script:
        with open(a.script, encoding="utf-8") as f:
            fails.extend(json.load(f).get("fail", []))
    opts.update(secret=a.secret, token=a.token, graph=a.graph,
                log=open(a.log, "a", encoding="utf-8"))
    ThreadingHTTPServer.allow_reuse_address = True
    srv = ThreadingHTTPServer(("127.0.0.1", a.port), H)
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
