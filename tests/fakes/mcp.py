#!/usr/bin/env python3
"""Fake MCP server for bad-input tests of the hermes MCP client (stdlib only).

  mcp.py stdio MODE             newline-delimited JSON-RPC 2.0 on stdin/stdout
  mcp.py http MODE PORTFILE     Streamable HTTP on 127.0.0.1:<free port>/mcp;
                                the port goes to PORTFILE (atomically) once
                                the server listens

MODE is one mode or several joined by commas (jsononly,chatty):
  ok           normal
  nonjson      "hello, this is not JSON" instead of the initialize reply
  wrongid      tools/call is answered with id+1000
  chatty       (alias outoforder) before answering any request but
               initialize and ping: notifications/message, then server
               requests ping (id "s1"), roots/list ("s2") and
               sampling/createMessage ("s3"; ids go on s4.. next time);
               waits up to 10 s (MCP_FAKE_ANSWER_WAIT) for the client's
               answers, or until stdin EOF, then answers anyway (a tools/call
               with text "client did not answer: s1 s2 s3")
  listchanged  after the first tools/call: notifications/tools/list_changed
               (stdio: after that reply; HTTP: in its SSE stream, before the
               reply) and tools/list lists one more tool, `added`
  hang         tools/call is never answered
  http500      HTTP: every POST after initialize gets 500 "boom"
  call500      HTTP: every tools/call gets 500 "boom"
  sessionlost  HTTP: after the first tools/call the session is forgotten
               (404 from then on); a new initialize is accepted
  jsononly     HTTP: application/json replies (default: SSE, with an empty
               priming event first; chatty and listchanged extras need SSE)
  getstream    HTTP: GET /mcp (with a known session) is the standalone SSE
               stream, held open until the session ends; listchanged's
               notification goes there (before the POST's reply; without
               a GET stream it is lost), and so do elicit's requests
  getlate      with getstream: a GET before notifications/initialized is
               400 "Bad Request: Server not initialized"
  elicit       before answering a tools/call: elicitation/create ("e1", a
               form whose one required field "name" has the default "Ada")
               and sampling/createMessage ("e2"); waits for the answers as
               chatty does, then answers with text "client answered:
               e1=ACTION[:CONTENT] e2=ERRORCODE" (and "missing: IDS")
  sseretry     HTTP: a tools/call's SSE stream is a priming event with an
               id and "retry: 100", then ends without the reply; a GET with
               Last-Event-ID gets it (a GET without one is 405)
  stderr       some log lines on stderr at start
  oldproto     initialize always answers protocolVersion 2025-03-26
  badproto     initialize answers protocolVersion "1999-01-01"
(else initialize echoes a supported protocolVersion, or answers 2025-11-25)

Tools (tools/list gives 3 a page, with nextCursor): add {a,b}, echo {message},
fail, image, links, structured, slow {seconds}, die, big {bytes}.  `die`
exits the process at once (over HTTP it kills the server).  An unknown tool
is a JSON-RPC error -32602; a bad argument an isError result.

HTTP: POST /mcp needs Accept with application/json and text/event-stream
(else 406) and Content-Type application/json (415); initialize gets a new
Mcp-Session-Id, every other POST needs a known one (none: 400; unknown: 404);
an MCP-Protocol-Version header, when sent, must be a supported version (400);
notifications and responses get 202 with an empty body; DELETE /mcp ends the
session (200); GET /mcp is 405 (no server-initiated stream) but with
getstream or sseretry (above).

Env: MCP_FAKE_LOG  file to append one JSON line per message received:
       {"n", "transport": "stdio"|"http", "method": HTTP method or null,
        "path", "headers": {mcp-session-id, mcp-protocol-version, accept,
        authorization, last-event-id,
        content-type: those sent}, "body": JSON or null, "raw": text if not
        JSON}; plus {"n", "transport", "event": "eof"|"sigterm"}
     MCP_FAKE_TIMEOUT  seconds before it exits by itself (120)
     MCP_FAKE_ANSWER_WAIT  seconds chatty waits for the client's answers (10)
     MCP_FAKE_WATCH_PID  exit when this process is gone
"""
import base64
import json
import os
import queue
import signal
import struct
import sys
import threading
import time
import uuid
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SUPPORTED = ("2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05")
LATEST = SUPPORTED[0]
PAGE = 3
CHATTY_WAIT = float(os.environ.get("MCP_FAKE_ANSWER_WAIT") or 10)
NOT_JSON = "hello, this is not JSON"


def png_1x1():
    """A valid 1x1 red PNG, base64."""
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data +
                struct.pack(">I", zlib.crc32(kind + data)))
    return base64.b64encode(
        b"\x89PNG\r\n\x1a\n" +
        chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)) +
        chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) +
        chunk(b"IEND", b"")).decode()


PNG = png_1x1()
OBJ = {"type": "object"}


def schema(props, required=()):
    return dict(OBJ, properties=props, required=list(required))


TOOLS = [
    {"name": "add", "description": "Add two numbers",
     "inputSchema": schema({"a": {"type": "number"}, "b": {"type": "number"}},
                           ("a", "b"))},
    {"name": "echo", "description": "Echo a message",
     "inputSchema": schema({"message": {"type": "string"}}, ("message",))},
    {"name": "fail", "description": "Always fails (isError)",
     "inputSchema": schema({})},
    {"name": "image", "description": "A tiny PNG and a caption",
     "inputSchema": schema({})},
    {"name": "links", "description": "A resource link and an embedded resource",
     "inputSchema": schema({})},
    {"name": "structured", "description": "Structured content {x: 1}",
     "inputSchema": schema({}),
     "outputSchema": schema({"x": {"type": "number"}}, ("x",))},
    {"name": "slow", "description": "Sleep, then answer",
     "inputSchema": schema({"seconds": {"type": "number"}}, ("seconds",))},
    {"name": "die", "description": "The server exits at once",
     "inputSchema": schema({})},
    {"name": "big", "description": "A text of that many bytes of x",
     "inputSchema": schema({"bytes": {"type": "integer"}}, ("bytes",))},
]
ADDED = {"name": "added", "description": "Appears after list_changed",
         "inputSchema": schema({})}


def dumps(obj):
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


class Log:
    def __init__(self, transport):
        self.transport = transport
        self.lock = threading.Lock()
        self.n = 0
        path = os.environ.get("MCP_FAKE_LOG")
        # one write(2) a line on an O_APPEND file: fakes may share the log
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT,
                          0o644) if path else None

    def write(self, **entry):
        with self.lock:
            self.n += 1
            if self.fd is not None:
                os.write(self.fd, (dumps(dict(n=self.n, transport=self.transport,
                                              **entry)) + "\n").encode())


def text(t, **kw):
    return dict(content=[{"type": "text", "text": t}], **kw)


def is_num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def error(mid, code, message):
    return {"jsonrpc": "2.0", "id": mid, "error": {"code": code, "message": message}}


def result(mid, res):
    return {"jsonrpc": "2.0", "id": mid, "result": res}


class Fake:
    """One MCP session's state and logic, transport-independent.

    request() may call send(msg) for messages that precede the reply, and
    returns (reply or None, [messages to send after the reply])."""

    def __init__(self, modes, transport):
        self.modes = modes
        self.transport = transport
        self.calls = 0
        self.added = False
        self.sreq = 0
        self.answers = {}
        self.cond = threading.Condition()
        self.closed = False
        self.get_out = None         # the standalone GET stream (getstream)
        self.pending = None         # sseretry: the reply a GET resumes
        self.initialized = False    # notifications/initialized came

    # a response from the client to one of our requests
    def deliver(self, msg):
        with self.cond:
            self.answers[msg.get("id")] = msg
            self.cond.notify_all()

    def close(self):
        with self.cond:
            self.closed = True
            self.cond.notify_all()

    def wait_answers(self, ids, timeout):
        end = time.monotonic() + timeout
        with self.cond:
            while True:
                missing = [i for i in ids if i not in self.answers]
                left = end - time.monotonic()
                if not missing or left <= 0 or self.closed:
                    return missing
                self.cond.wait(left)

    def chatty(self, send):
        send({"jsonrpc": "2.0", "method": "notifications/message",
              "params": {"level": "info", "logger": "fake",
                         "data": "the fake is chatty"}})
        ids = []
        for method, params in (("ping", None), ("roots/list", None),
                               ("sampling/createMessage", {
                                   "messages": [{"role": "user", "content": {
                                       "type": "text", "text": "hi"}}],
                                   "maxTokens": 10})):
            self.sreq += 1
            sid = "s%d" % self.sreq
            msg = {"jsonrpc": "2.0", "id": sid, "method": method}
            if params:
                msg["params"] = params
            send(msg)
            ids.append(sid)
        return self.wait_answers(ids, CHATTY_WAIT)

    def elicit(self, send):
        """elicit: ask what a client may not support; a summary."""
        ids = []
        for method, params in (
                ("elicitation/create", {
                    "message": "Who are you?",
                    "requestedSchema": schema({"name": {
                        "type": "string", "default": "Ada"}}, ("name",))}),
                ("sampling/createMessage", {
                    "messages": [{"role": "user", "content": {
                        "type": "text", "text": "hi"}}],
                    "maxTokens": 10})):
            self.sreq += 1
            sid = "e%d" % self.sreq
            send({"jsonrpc": "2.0", "id": sid, "method": method,
                  "params": params})
            ids.append(sid)
        missing = self.wait_answers(ids, CHATTY_WAIT)
        said = []
        for i in ids:
            a = self.answers.get(i)
            if a is None:
                continue
            if "error" in a:
                said.append("%s=%s" % (i, a["error"].get("code")))
                continue
            r = a.get("result") or {}
            said.append("%s=%s%s" % (i, r.get("action"), ":" + dumps(
                r["content"]) if "content" in r else ""))
        return "client answered: " + " ".join(said) + (
            " missing: " + " ".join(missing) if missing else "")

    def tools(self):
        return TOOLS + ([ADDED] if self.added else [])

    def initialize(self, params):
        asked = params.get("protocolVersion") if isinstance(params, dict) else None
        if "oldproto" in self.modes:
            version = "2025-03-26"
        elif "badproto" in self.modes:
            version = "1999-01-01"
        else:
            version = asked if asked in SUPPORTED else LATEST
        return {"protocolVersion": version,
                "capabilities": {"tools": {"listChanged": True}},
                "serverInfo": {"name": "fake", "version": "1.0"}}

    def request(self, msg, send):
        mid, method = msg.get("id"), msg.get("method")
        params = msg.get("params") or {}
        after = []
        if method == "initialize":
            return result(mid, self.initialize(params)), after
        if method == "ping":
            return result(mid, {}), after
        missing = []
        if self.modes & {"chatty", "outoforder"} and send is not None:
            missing = self.chatty(send)
        if method == "tools/list":
            tools = self.tools()
            cursor = params.get("cursor")
            start = 0
            if cursor is not None:
                try:
                    start = int(str(cursor).lstrip("c"))
                except ValueError:
                    start = -1
                if not 0 < start < len(tools):
                    return error(mid, -32602, "Invalid cursor: %s" % cursor), after
            res = {"tools": tools[start:start + PAGE]}
            if start + PAGE < len(tools):
                res["nextCursor"] = "c%d" % (start + PAGE)
            return result(mid, res), after
        if method != "tools/call":
            return error(mid, -32601, "Method not found: %s" % method), after
        if "hang" in self.modes:
            return None, after
        self.calls += 1
        if self.calls == 1 and "listchanged" in self.modes:
            self.added = True
            after.append({"jsonrpc": "2.0",
                          "method": "notifications/tools/list_changed"})
        if "wrongid" in self.modes:
            mid = mid + 1000 if is_num(mid) else "%s1000" % mid
        if "elicit" in self.modes:
            to = send
            if "getstream" in self.modes:
                to = self.get_out.send if self.get_out else None
            if to is None:
                return result(mid, text("elicit: no stream to ask on")), after
            return result(mid, text(self.elicit(to))), after
        if missing:
            return result(mid, text("client did not answer: " + " ".join(missing))), after
        name = params.get("name")
        args = params.get("arguments") or {}
        if name not in [t["name"] for t in self.tools()]:
            return error(mid, -32602, "Unknown tool: %s" % name), after
        return result(mid, self.call(name, args)), after

    def call(self, name, a):
        if name == "add":
            if not (is_num(a.get("a")) and is_num(a.get("b"))):
                return text("add: a and b must be numbers", isError=True)
            s = a["a"] + a["b"]
            return text(str(int(s)) if float(s).is_integer() else repr(s))
        if name == "echo":
            return text(str(a.get("message", "")))
        if name == "fail":
            return text("it failed", isError=True)
        if name == "image":
            return {"content": [
                {"type": "image", "data": PNG, "mimeType": "image/png"},
                {"type": "text", "text": "a 1x1 red pixel"}]}
        if name == "links":
            return {"content": [
                {"type": "resource_link", "uri": "file:///fake/readme.txt",
                 "name": "readme.txt", "mimeType": "text/plain",
                 "description": "a linked file"},
                {"type": "resource", "resource": {
                    "uri": "fake://notes/1", "mimeType": "text/plain",
                    "text": "embedded note text"}}]}
        if name == "structured":
            return text('{"x":1}', structuredContent={"x": 1})
        if name == "slow":
            secs = a.get("seconds", 1)
            if not is_num(secs) or not 0 <= secs <= 60:
                return text("slow: seconds must be 0..60", isError=True)
            time.sleep(secs)
            return text("slept %g" % secs)
        if name == "die":
            os._exit(3)
        if name == "big":
            n = a.get("bytes", 0)
            if not isinstance(n, int) or not 0 <= n <= 64 << 20:
                return text("big: bytes must be 0..67108864", isError=True)
            return text("x" * n)
        return text("%s: ok" % name)


def lifetime(log):
    """Exit after MCP_FAKE_TIMEOUT s, or when MCP_FAKE_WATCH_PID is gone."""
    end = time.monotonic() + float(os.environ.get("MCP_FAKE_TIMEOUT") or 120)
    watch = int(os.environ.get("MCP_FAKE_WATCH_PID") or 0)

    def run():
        while time.monotonic() < end:
            time.sleep(min(0.2, max(0, end - time.monotonic())))
            if watch:
                try:
                    os.kill(watch, 0)
                except ProcessLookupError:
                    break
                except PermissionError:
                    pass
        os._exit(0)
    threading.Thread(target=run, daemon=True).start()

    def term(*_):
        log.write(event="sigterm")
        os._exit(0)
    signal.signal(signal.SIGTERM, term)


# ---------------------------------------------------------------- stdio

def serve_stdio(modes):
    log = Log("stdio")
    lifetime(log)
    fake = Fake(modes, "stdio")
    out = sys.stdout.buffer
    wlock = threading.Lock()
    inbox = queue.Queue()
    EOF = object()

    def send(msg):
        data = msg if isinstance(msg, str) else dumps(msg)
        with wlock:
            out.write(data.encode() + b"\n")
            out.flush()

    def reader():
        for line in sys.stdin.buffer:
            raw = line.decode("utf-8", "replace").rstrip("\r\n")
            if not raw.strip():
                continue
            try:
                body, rawtext = json.loads(raw), None
            except ValueError:
                body, rawtext = None, raw
            log.write(method=None, path=None, headers={}, body=body, raw=rawtext)
            if isinstance(body, dict) and "method" not in body and "id" in body:
                fake.deliver(body)          # answer to a server request
            else:
                inbox.put((body, rawtext))
        log.write(event="eof")
        fake.close()
        inbox.put(EOF)

    threading.Thread(target=reader, daemon=True).start()
    workers = []

    def reply(resp_after):
        # the reply and what follows it in one write: a notification
        # sent "after" must not depend on how this process is scheduled
        resp, after = resp_after
        msgs = ([resp] if resp is not None else []) + list(after)
        if msgs:
            send("\n".join(m if isinstance(m, str) else dumps(m)
                           for m in msgs))

    while True:
        item = inbox.get()
        if item is EOF:
            break
        body, rawtext = item
        if rawtext is not None:
            send(error(None, -32700, "Parse error"))
            continue
        if not isinstance(body, dict) or body.get("jsonrpc") != "2.0" \
                or not isinstance(body.get("method"), str):
            send(error(body.get("id") if isinstance(body, dict) else None,
                       -32600, "Invalid Request"))
            continue
        if "id" not in body:
            continue                        # a notification
        if body["method"] == "initialize" and "nonjson" in modes:
            send(NOT_JSON)
            continue
        if body["method"] == "tools/call" and \
                (body.get("params") or {}).get("name") == "slow":
            t = threading.Thread(target=lambda b=body: reply(fake.request(b, send)),
                                 daemon=True)
            t.start()
            workers.append(t)
            continue
        reply(fake.request(body, send))
    for t in workers:
        t.join(65)
    os._exit(0)


# ----------------------------------------------------------------- http

class Sessions:
    def __init__(self, modes):
        self.modes = modes
        self.lock = threading.Lock()
        self.by_id = {}

    def new(self):
        sid = uuid.uuid4().hex
        with self.lock:
            self.by_id[sid] = Fake(self.modes, "http")
        return sid

    def get(self, sid):
        with self.lock:
            return self.by_id.get(sid)

    def drop(self, sid):
        with self.lock:
            fake = self.by_id.pop(sid, None)
        if fake:
            fake.close()


class SSE:
    """The reply to one POST: an SSE stream (chunked) or one JSON body."""

    def __init__(self, h, sse, sid, retry=None):
        self.h, self.sse, self.sid, self.retry = h, sse, sid, retry
        self.started = False
        self.events = 0
        self.lock = threading.Lock()

    def chunk(self, s):
        data = s.encode()
        self.h.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.h.wfile.flush()

    def start(self):
        if self.started:
            return
        self.started = True
        h = self.h
        h.send_response(200)
        h.send_header("Content-Type", "text/event-stream")
        h.send_header("Cache-Control", "no-cache")
        h.send_header("Transfer-Encoding", "chunked")
        if self.sid:
            h.send_header("Mcp-Session-Id", self.sid)
        h.end_headers()
        self.events += 1
        self.chunk("id: %d\n%sdata: \n\n" % (self.events, "retry: %d\n" %
                   self.retry if self.retry is not None else ""))  # priming

    def send(self, msg):
        """Send one message on the stream (SSE only)."""
        with self.lock:
            self.start()
            self.events += 1
            data = msg if isinstance(msg, str) else dumps(msg)
            self.chunk("event: message\nid: %d\ndata: %s\n\n" % (self.events, data))

    def end(self):
        """End the stream (chunked: the last chunk)."""
        with self.lock:
            self.start()
            self.h.wfile.write(b"0\r\n\r\n")
            self.h.wfile.flush()

    def finish(self, msg):
        """The reply itself: the last event of the stream, or the JSON body."""
        if self.sse:
            self.send(msg)
            self.end()
            return
        data = (msg if isinstance(msg, str) else dumps(msg)).encode()
        h = self.h
        h.send_response(200)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(data)))
        if self.sid:
            h.send_header("Mcp-Session-Id", self.sid)
        h.end_headers()
        h.wfile.write(data)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # headers and body go out in two writes: without this, Nagle and the
    # client's delayed ACK add 40 ms to every keep-alive request
    disable_nagle_algorithm = True
    server_version = "fake-mcp/1"

    def log_message(self, *args):
        pass

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def plain(self, status, body="", ctype="text/plain", headers=None):
        data = body.encode()
        self.send_response(status)
        if data:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def rpc_error(self, status, code, message, mid=None):
        self.plain(status, dumps(error(mid, code, message)), "application/json")

    def log_request_(self):
        raw = self.read_body().decode("utf-8", "replace")
        try:
            body, rawtext = (json.loads(raw), None) if raw else (None, None)
        except ValueError:
            body, rawtext = None, raw
        hdrs = {k: self.headers[k] for k in ("Mcp-Session-Id", "MCP-Protocol-Version",
                                             "Accept", "Content-Type", "Authorization",
                                             "Last-Event-ID")
                if self.headers.get(k) is not None}
        self.server.log.write(method=self.command, path=self.path,
                              headers={k.lower(): v for k, v in hdrs.items()},
                              body=body, raw=rawtext)
        return body, rawtext

    def handle_any(self):
        body, rawtext = self.log_request_()
        try:
            self.route(body, rawtext)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = handle_any

    def route(self, body, rawtext):
        if self.path.split("?")[0] != "/mcp":
            return self.plain(404, "fake-mcp: no route %s %s" % (self.command, self.path))
        sessions = self.server.sessions
        sid = self.headers.get("Mcp-Session-Id")
        if self.command == "GET":
            return self.get(sessions, sid)
        if self.command == "DELETE":
            if not sid:
                return self.rpc_error(400, -32000, "Bad Request: Mcp-Session-Id header is required")
            if not sessions.get(sid):
                return self.rpc_error(404, -32001, "Session not found")
            sessions.drop(sid)
            return self.plain(200)
        if self.command != "POST":
            return self.plain(405, "", headers={"Allow": "POST, DELETE"})
        modes = self.server.modes
        accept = self.headers.get("Accept", "")
        if "application/json" not in accept or "text/event-stream" not in accept:
            return self.rpc_error(406, -32000, "Not Acceptable: Client must accept "
                                  "both application/json and text/event-stream")
        if not self.headers.get("Content-Type", "").startswith("application/json"):
            return self.rpc_error(415, -32000, "Unsupported Media Type: "
                                  "Content-Type must be application/json")
        if rawtext is not None or body is None:
            return self.rpc_error(400, -32700, "Parse error")
        if not isinstance(body, dict) or body.get("jsonrpc") != "2.0":
            return self.rpc_error(400, -32600, "Invalid Request")
        method = body.get("method")
        if method == "initialize":
            sid = sessions.new()
            fake = sessions.get(sid)
        else:
            if not sid:
                return self.rpc_error(400, -32000, "Bad Request: No valid session ID provided")
            fake = sessions.get(sid)
            if fake is None:
                return self.rpc_error(404, -32001, "Session not found")
            proto = self.headers.get("MCP-Protocol-Version")
            if proto is not None and proto not in SUPPORTED:
                return self.rpc_error(400, -32000, "Bad Request: Unsupported protocol "
                                      "version: %s" % proto)
            if "http500" in modes or ("call500" in modes and
                                      method == "tools/call"):
                return self.plain(500, "boom")
        if method is None:
            if "id" in body:
                fake.deliver(body)          # answer to a server request
            return self.plain(202)
        if "id" not in body:               # a notification
            if method == "notifications/initialized":
                fake.initialized = True
            return self.plain(202)
        sse = "jsononly" not in modes
        out = SSE(self, sse, sid if method == "initialize" else None)
        if method == "initialize" and "nonjson" in modes:
            return out.finish(NOT_JSON)
        if method == "tools/call" and "hang" in modes:
            if sse:
                out.start()
            while True:
                time.sleep(1)
        if method == "tools/call" and "sseretry" in modes:
            fake.pending = fake.request(body, None)[0]
            out.retry = 100
            return out.end()        # no reply: the client must resume
        resp, after = fake.request(body, out.send if sse else None)
        if sse:
            for m in after:
                if "getstream" not in modes:
                    out.send(m)
                elif fake.get_out:   # else lost, as the TypeScript SDK does
                    fake.get_out.send(m)
        out.finish(resp)
        if method == "tools/call" and "sessionlost" in modes and fake.calls == 1:
            sessions.drop(sid)


    def get(self, sessions, sid):
        """GET /mcp: 405, the standalone stream, or a resumption."""
        modes = self.server.modes
        last = self.headers.get("Last-Event-ID")
        if not (modes & {"getstream", "sseretry"}) or \
                ("getstream" not in modes and not last):
            return self.plain(405, "", headers={"Allow": "POST, DELETE"})
        if "text/event-stream" not in self.headers.get("Accept", ""):
            return self.rpc_error(406, -32000, "Not Acceptable: Client must "
                                  "accept text/event-stream")
        if not sid:
            return self.rpc_error(400, -32000, "Bad Request: No valid session ID provided")
        fake = sessions.get(sid)
        if fake is None:
            return self.rpc_error(404, -32001, "Session not found")
        out = SSE(self, True, None)
        if last:
            out.start()
            if fake.pending is not None:
                out.send(fake.pending)
                fake.pending = None
            return out.end()
        if "getlate" in modes and not fake.initialized:
            return self.rpc_error(400, -32000, "Bad Request: Server not initialized")
        if fake.get_out is not None:
            return self.rpc_error(409, -32000, "Conflict: Only one SSE "
                                  "stream is allowed per session")
        out.start()
        fake.get_out = out
        with fake.cond:
            while not fake.closed:
                fake.cond.wait(1)
        self.close_connection = True


def serve_http(modes, portfile):
    log = Log("http")
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    srv.modes = modes
    srv.log = log
    srv.sessions = Sessions(modes)
    lifetime(log)
    tmp = portfile + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, portfile)
    srv.serve_forever()


def main():
    argv = sys.argv[1:]
    if len(argv) < 2 or argv[0] not in ("stdio", "http") or \
            (argv[0] == "http") != (len(argv) == 3) or len(argv) > 3:
        sys.exit("usage: mcp.py stdio MODE | mcp.py http MODE PORTFILE")
    modes = set(argv[1].split(","))
    known = {"ok", "nonjson", "wrongid", "outoforder", "chatty", "listchanged",
             "hang", "http500", "call500", "sessionlost", "jsononly", "stderr", "oldproto",
             "badproto", "getstream", "getlate", "elicit", "sseretry"}
    if modes - known:
        sys.exit("mcp.py: unknown mode %s" % ",".join(sorted(modes - known)))
    if "stderr" in modes:
        for line in ("fake-mcp: starting up", "fake-mcp: loading 9 tools",
                     "fake-mcp: this is a log line, not an error"):
            print(line, file=sys.stderr, flush=True)
    if argv[0] == "stdio":
        serve_stdio(modes)
    else:
        serve_http(modes, argv[2])


if __name__ == "__main__":
    main()
