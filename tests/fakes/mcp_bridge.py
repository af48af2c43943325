#!/usr/bin/env python3
"""Put a stdio MCP server behind Streamable HTTP, for clients that only
speak HTTP (the conformance suite's server scenarios).  Stdlib only.

  mcp_bridge.py --port-file F [--timeout S] [--watch-pid P] -- CMD [ARG...]

Listens on 127.0.0.1:<free port>/mcp and writes the port to F (atomically)
once it listens.  Each initialize starts CMD afresh as a new session (a
new Mcp-Session-Id); a POST of a request is written to that session's
stdin as one line, and the line with the same id from its stdout is the
answer (application/json); notifications and responses get 202.  GET is
405 (no server-initiated stream); DELETE ends the session (closes its
stdin, waits for it).  A POST with no or an unknown session (other than
initialize) is 400 or 404.  CMD's stderr goes to ours.  Exits after S
seconds (120) or when process P is gone, killing what it started.
"""
import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sessions = {}
lock = threading.Lock()
command = []


class Session:
    def __init__(self):
        self.p = subprocess.Popen(command, stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE)
        self.lock = threading.Lock()

    def ask(self, body):
        """Write one message; for a request, read until its answer."""
        with self.lock:
            self.p.stdin.write(json.dumps(body).encode() + b"\n")
            self.p.stdin.flush()
            if not isinstance(body, dict) or "id" not in body or \
                    "method" not in body:
                return None
            while True:
                line = self.p.stdout.readline()
                if not line:
                    return {"jsonrpc": "2.0", "id": body["id"],
                            "error": {"code": -32603,
                                      "message": "the server exited"}}
                m = json.loads(line)
                if isinstance(m, dict) and m.get("id") == body["id"] and \
                        ("result" in m or "error" in m):
                    return m

    def end(self):
        try:
            self.p.stdin.close()
            self.p.wait(5)
        except (OSError, subprocess.TimeoutExpired):
            self.p.kill()
            self.p.wait()


class H(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def reply(self, code, body=None, sid=None):
        data = json.dumps(body).encode() if body is not None else b""
        self.send_response(code)
        if body is not None:
            self.send_header("Content-Type", "application/json")
        if sid:
            self.send_header("Mcp-Session-Id", sid)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.reply(405)

    def do_DELETE(self):
        with lock:
            s = sessions.pop(self.headers.get("Mcp-Session-Id", ""), None)
        if not s:
            return self.reply(404)
        s.end()
        self.reply(200)

    def do_POST(self):
        if self.path.split("?")[0] != "/mcp":
            return self.reply(404)
        n = int(self.headers.get("Content-Length") or 0)
        try:
            body = json.loads(self.rfile.read(n))
        except ValueError:
            return self.reply(400, {"jsonrpc": "2.0", "id": None,
                                    "error": {"code": -32700,
                                              "message": "Parse error"}})
        sid = self.headers.get("Mcp-Session-Id")
        if isinstance(body, dict) and body.get("method") == "initialize":
            sid = uuid.uuid4().hex
            with lock:
                sessions[sid] = Session()
        with lock:
            s = sessions.get(sid or "")
        if not s:
            return self.reply(404 if sid else 400)
        answer = s.ask(body)
        if answer is None:
            return self.reply(202, sid=sid)
        self.reply(200, answer, sid)


def main():
    global command
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--watch-pid", type=int)
    ap.add_argument("cmd", nargs="+")
    a = ap.parse_args()
    command = a.cmd
    srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
    srv.daemon_threads = True
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(tmp, a.port_file)

    def bye(*_):
        with lock:
            for s in sessions.values():
                s.p.kill()
        os._exit(0)
    signal.signal(signal.SIGTERM, bye)
    start = time.time()

    def watch():
        while time.time() - start < a.timeout:
            if a.watch_pid:
                try:
                    os.kill(a.watch_pid, 0)
                except OSError:
                    break
            time.sleep(0.2)
        bye()
    threading.Thread(target=watch, daemon=True).start()
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
