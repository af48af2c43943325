#!/usr/bin/env python3
"""Scripted fake of the OpenAI chat-completions and Anthropic Messages APIs.

  llm.py --script FILE --log FILE --port-file FILE [--timeout S] [--watch-pid P]

Binds 127.0.0.1:0, writes the port to --port-file (atomically) and serves
until --timeout seconds pass, SIGTERM, or process --watch-pid is gone.
Each POST to an API endpoint consumes the next step of --script (a JSON
array; see tests/fakes/llm.sh for the step keys).  Every request is logged
to --log as one JSON line.  Streams use chunked transfer encoding, so a
"cut" stream is a detectable truncation (curl error 18).

A step with "replay" sends a recorded-shape body file instead (see
tests/fakes/streams/README): its header block, a blank line, then the body
bytes as the provider sends them, optionally with CRLF line ends, gzip'd
(only to a client that accepts gzip), cut, or framed by Content-Length.
"""
import argparse
import json
import os
import signal
import socket
import sys
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

OPENAI_PATHS = ("/v1/chat/completions", "/chat/completions")
ANTHROPIC_PATHS = ("/v1/messages", "/messages")
MODELS_PATHS = ("/models", "/v1/models")
STREAMS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "streams")
ERROR_TYPES = {400: "invalid_request_error", 401: "authentication_error",
               403: "permission_error", 404: "not_found_error",
               413: "request_too_large", 429: "rate_limit_error",
               529: "overloaded_error"}


def dumps(obj):
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def pieces(s, n):
    return [s[i:i + n] for i in range(0, len(s), n)]


def error_body(api, status, message):
    etype = ERROR_TYPES.get(status, "api_error")
    if api == "anthropic":
        return dumps({"type": "error", "error": {"type": etype, "message": message}})
    if status >= 500:
        etype = "server_error"
    return dumps({"error": {"message": message, "type": etype, "param": None,
                            "code": None}})


def load_replay(name):
    """(headers, body) of a replay file: "Name: value" lines ("#" lines are
    notes), a blank line, then the body, byte for byte."""
    path = name if os.path.isabs(name) else os.path.join(STREAMS_DIR, name)
    with open(path, "rb") as f:
        raw = f.read()
    head, sep, body = raw.partition(b"\n\n")
    if not sep:
        raise ValueError("%s: no blank line after the headers" % path)
    headers = []
    for line in head.decode("utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            k, _, v = line.partition(":")
            headers.append((k.strip(), v.strip()))
    return headers, body


def replay_pieces(body, step):
    """The body as the writes that go out: one per event ("split": N bytes
    a piece instead), CRLF line ends if asked, then gzip'd if asked (a
    sync flush after each piece, as a streaming server does)."""
    if step.get("split"):
        evs = [body]
    else:
        evs = [e + b"\n\n" for e in body.split(b"\n\n")]
        evs[-1] = evs[-1][:-2]
    if step.get("crlf"):
        evs = [e.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n") for e in evs]
    if step.get("split"):
        n = int(step["split"])
        evs = [evs[0][i:i + n] for i in range(0, len(evs[0]), n)]
    evs = [e for e in evs if e]
    if step.get("gzip"):
        co = zlib.compressobj(6, zlib.DEFLATED, 31)
        evs = [co.compress(e) + co.flush(zlib.Z_SYNC_FLUSH) for e in evs]
        evs.append(co.flush())
    return evs


class State:
    def __init__(self, steps, log):
        self.lock = threading.Lock()
        self.steps = []
        for st in steps:
            if isinstance(st, str):
                st = {"text": st}
            self.steps.extend([st] * int(st.get("repeat", 1)))
        self.next = 0
        self.n = 0
        self.calls = 0
        self.log = log

    def take(self, is_api, entry):
        """Log the request; for an API POST also pop a step and reserve ids."""
        with self.lock:
            self.n += 1
            entry["n"] = self.n
            step = None
            seq = self.n
            if is_api:
                if self.next < len(self.steps):
                    step = self.steps[self.next]
                    self.next += 1
                    entry["step"] = self.next
                else:
                    entry["step"] = None
                ids = []
                for _ in (step or {}).get("tool_calls", []):
                    self.calls += 1
                    ids.append(self.calls)
            else:
                ids = []
            self.log.write(dumps(entry) + "\n")
            self.log.flush()
            return step, ids, seq


def norm_calls(step, ids, api):
    out = []
    for tc, k in zip(step.get("tool_calls", []), ids):
        args = tc.get("arguments", {})
        raw = args if isinstance(args, str) else dumps(args)
        dflt = ("toolu_%02d" if api == "anthropic" else "call_%d") % k
        out.append({"id": tc.get("id", dflt), "name": tc["name"], "args": raw,
                    "obj": args})
    return out


def openai_events(step, calls, model, seq, include_usage):
    """Yield (event_name, data_text) pairs; the last is the terminator."""
    n = int(step.get("chunk", 7))
    base = {"id": "chatcmpl-%d" % seq, "object": "chat.completion.chunk",
            "created": 1700000000, "model": model}

    def chunk(delta, finish=None):
        return None, dumps(dict(base, choices=[{"index": 0, "delta": delta,
                                                "finish_reason": finish}]))
    has_text = "text" in step or not calls
    yield chunk({"role": "assistant", "content": "" if has_text else None})
    for p in pieces(step.get("text", ""), n):
        yield chunk({"content": p})
    for i, c in enumerate(calls):
        yield chunk({"tool_calls": [{"index": i, "id": c["id"], "type": "function",
                                     "function": {"name": c["name"], "arguments": ""}}]})
        for p in pieces(c["args"], n):
            yield chunk({"tool_calls": [{"index": i, "function": {"arguments": p}}]})
    yield chunk({}, step.get("finish", "tool_calls" if calls else "stop"))
    if include_usage:
        yield None, dumps(dict(base, choices=[], usage=openai_usage(step)))
    yield None, "[DONE]"


def anthropic_events(step, calls, model, seq):
    n = int(step.get("chunk", 7))
    u = step.get("usage", {})

    def ev(name, **kw):
        return name, dumps(dict(type=name, **kw))
    yield ev("message_start", message={
        "id": "msg_%02d" % seq, "type": "message", "role": "assistant",
        "model": model, "content": [], "stop_reason": None, "stop_sequence": None,
        "usage": {"input_tokens": u.get("input", 10), "output_tokens": 1,
                  "cache_creation_input_tokens": 0,
                  "cache_read_input_tokens": u.get("cached", 0)}})
    yield ev("ping")
    idx = 0
    if "text" in step or not calls:
        yield ev("content_block_start", index=0, content_block={"type": "text", "text": ""})
        for p in pieces(step.get("text", ""), n):
            yield ev("content_block_delta", index=0, delta={"type": "text_delta", "text": p})
        yield ev("content_block_stop", index=0)
        idx = 1
    for i, c in enumerate(calls, idx):
        yield ev("content_block_start", index=i, content_block={
            "type": "tool_use", "id": c["id"], "name": c["name"], "input": {}})
        for p in pieces(c["args"], n):
            yield ev("content_block_delta", index=i,
                     delta={"type": "input_json_delta", "partial_json": p})
        yield ev("content_block_stop", index=i)
    yield ev("message_delta", delta={
        "stop_reason": step.get("finish", "tool_use" if calls else "end_turn"),
        "stop_sequence": None}, usage={"output_tokens": u.get("output", 5)})
    yield ev("message_stop")


def is_text(data):
    """Is this event (our own, valid JSON or [DONE]) a non-empty text delta?"""
    try:
        d = json.loads(data)
    except ValueError:
        return False
    delta = d.get("delta") or ((d.get("choices") or [{}])[0].get("delta") or {})
    return bool(delta.get("content") or delta.get("text"))


def openai_usage(step):
    u = step.get("usage", {})
    i, o = u.get("input", 10), u.get("output", 5)
    return {"prompt_tokens": i, "completion_tokens": o, "total_tokens": i + o,
            "prompt_tokens_details": {"cached_tokens": u.get("cached", 0)}}


def full_response(api, step, calls, model, seq):
    text = step.get("text", "")
    if api == "openai":
        msg = {"role": "assistant", "content": text if ("text" in step or not calls) else None}
        if calls:
            msg["tool_calls"] = [{"id": c["id"], "type": "function", "function": {
                "name": c["name"], "arguments": c["args"]}} for c in calls]
        return dumps({"id": "chatcmpl-%d" % seq, "object": "chat.completion",
                      "created": 1700000000, "model": model,
                      "choices": [{"index": 0, "message": msg, "finish_reason":
                                   step.get("finish", "tool_calls" if calls else "stop")}],
                      "usage": openai_usage(step)})
    u = step.get("usage", {})
    content = []
    if "text" in step or not calls:
        content.append({"type": "text", "text": text})
    for c in calls:
        obj = c["obj"]
        if isinstance(obj, str):
            try:
                obj = json.loads(obj)
            except ValueError:
                pass
        content.append({"type": "tool_use", "id": c["id"], "name": c["name"], "input": obj})
    return dumps({"id": "msg_%02d" % seq, "type": "message", "role": "assistant",
                  "model": model, "content": content,
                  "stop_reason": step.get("finish", "tool_use" if calls else "end_turn"),
                  "stop_sequence": None,
                  "usage": {"input_tokens": u.get("input", 10),
                            "output_tokens": u.get("output", 5),
                            "cache_creation_input_tokens": 0,
                            "cache_read_input_tokens": u.get("cached", 0)}})


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # headers and body go out in two writes: without this, Nagle and the
    # client's delayed ACK add 40 ms to every keep-alive request
    disable_nagle_algorithm = True
    server_version = "fake-llm/1"

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

    def handle_any(self):
        self.close_connection = True
        raw = self.read_body().decode("utf-8", "replace")
        try:
            body = json.loads(raw) if raw else None
            rawtext = None
        except ValueError:
            body, rawtext = None, raw
        path = self.path.split("?")[0]
        api = ("openai" if path in OPENAI_PATHS else
               "anthropic" if path in ANTHROPIC_PATHS else None)
        is_api = self.command == "POST" and api is not None
        entry = {"n": 0, "method": self.command, "path": self.path,
                 "headers": {k.lower(): v for k, v in self.headers.items()},
                 "body": body, "raw": rawtext}
        step, ids, seq = self.server.state.take(is_api, entry)
        try:
            if is_api:
                self.api(api, step, ids, seq, raw, body if isinstance(body, dict) else {})
            elif self.command == "GET" and path in MODELS_PATHS:
                self.send(200, dumps({"object": "list", "data": [
                    {"id": "fake-model", "object": "model", "owned_by": "fake"}]}))
            else:
                self.send(404, error_body("openai", 404, "fake: no route %s %s"
                                          % (self.command, path)))
        except (BrokenPipeError, ConnectionResetError):
            pass

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = handle_any

    def send(self, status, text, headers=None, ctype="application/json"):
        data = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        for k, v in (headers or {}).items():
            self.send_header(k, str(v))
        self.end_headers()
        self.wfile.write(data)

    def api(self, api, step, ids, seq, raw, body):
        if step is None:
            return self.send(500, error_body(api, 500, "fake script exhausted"))
        time.sleep(float(step.get("delay", 0)))
        hdrs = step.get("headers", {})
        status = int(step.get("status", 200))
        expect = step.get("expect", [])
        for want in [expect] if isinstance(expect, str) else expect:
            if want not in raw:
                return self.send(400, error_body(
                    api, 400, "fake expect: request body lacks %r" % want), hdrs)
        if "replay" in step:
            return self.replay(step, hdrs, status)
        if status != 200:
            return self.send(status, step.get("body") or error_body(
                api, status, "fake error status %d" % status), hdrs)
        model = body.get("model") or "fake-model"
        calls = norm_calls(step, ids, api)
        if not body.get("stream"):
            text = full_response(api, step, calls, model, seq)
            if step.get("malformed"):
                text = "{not json"
            if step.get("cut"):
                data = text.encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(data[:len(data) // 2])
                return None
            return self.send(200, text, hdrs)
        if api == "openai":
            want_usage = bool((body.get("stream_options") or {}).get("include_usage"))
            events = list(openai_events(step, calls, model, seq, want_usage))
        else:
            events = list(anthropic_events(step, calls, model, seq))
        self.stream(api, step, events, hdrs)
        return None

    def replay(self, step, hdrs, status):
        headers, body = load_replay(step["replay"])
        if step.get("gzip") and "gzip" not in self.headers.get("Accept-Encoding", ""):
            return self.send(400, error_body("openai", 400, "fake: the client "
                                             "does not accept gzip"))
        pieces = replay_pieces(body, step)
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        if step.get("gzip"):
            self.send_header("Content-Encoding", "gzip")
        length = step.get("length")
        if length:
            self.send_header("Content-Length", str(sum(len(p) for p in pieces)))
        else:
            self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Connection", "close")
        for k, v in hdrs.items():
            self.send_header(k, str(v))
        self.end_headers()
        cut = max(1, len(pieces) // 2) if step.get("cut") else None
        delay = float(step.get("chunk_delay", 0))
        for i, p in enumerate(pieces):
            if i == cut:
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_RDWR)
                return None
            if i and delay:
                time.sleep(delay)
            if length:
                self.wfile.write(p)
            else:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(p), p))
            self.wfile.flush()
        if not length:
            self.wfile.write(b"0\r\n\r\n")
        return None

    def chunk(self, text):
        data = text.encode()
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))

    def stream(self, api, step, events, hdrs):
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Connection", "close")
        for k, v in hdrs.items():
            self.send_header(k, str(v))
        self.end_headers()
        cut = len(events) // 2 if step.get("cut") else None
        bad = len(events) // 2 if step.get("malformed") else None
        delay = float(step.get("chunk_delay", 0))
        first_text = None
        if step.get("error_event"):
            texts = [i for i, (_, d) in enumerate(events) if is_text(d)]
            first_text = texts[0] if texts else (1 if api == "anthropic" else 0)
        for i, (name, data) in enumerate(events):
            if i == cut:
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            if i == bad:
                self.chunk("data: {not json\n\n")
            if i and delay:
                time.sleep(delay)
            self.chunk(("event: %s\n" % name if name else "") + "data: %s\n\n" % data)
            if i == first_text:
                if api == "anthropic":
                    self.chunk("event: error\ndata: %s\n\n" % dumps(
                        {"type": "error", "error": {"type": "overloaded_error",
                                                    "message": "Overloaded"}}))
                else:
                    self.chunk("data: %s\n\n" % dumps(
                        {"error": {"message": "overloaded", "type": "server_error"}}))
                break
        self.wfile.write(b"0\r\n\r\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--script", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("--watch-pid", type=int, default=0)
    a = ap.parse_args()
    with open(a.script, encoding="utf-8") as f:
        steps = json.load(f)
    if not isinstance(steps, list):
        sys.exit("llm.py: --script must hold a JSON array")
    log = open(a.log, "a", encoding="utf-8")
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    srv.state = State(steps, log)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, a.port_file)
    end = time.monotonic() + a.timeout
    while time.monotonic() < end:
        time.sleep(min(0.2, max(0, end - time.monotonic())))
        if a.watch_pid:
            try:
                os.kill(a.watch_pid, 0)
            except ProcessLookupError:
                break
            except PermissionError:
                pass
    os._exit(0)


if __name__ == "__main__":
    main()
