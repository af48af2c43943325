#!/usr/bin/python3
"""A fake Slack for the gateway tests: the Web API and Socket Mode.

  slack.py --log FILE --port-file FILE [--script FILE] [--bot-token T]
           [--app-token T] [--timeout S] [--watch-pid P]

Needs python3-websockets (Debian's, 10.4: run it with /usr/bin/python3).
One asyncio process: the Web API is an HTTP server on 127.0.0.1:PORT (a
thread), Socket Mode a WebSocket server on another port; PORT goes to
--port-file (atomically).  It serves until --timeout seconds (120),
SIGTERM, or process --watch-pid is gone.

Web API (POST /METHOD, "Authorization: Bearer TOKEN"):
  auth.test              bot token -> {"ok", "user_id": "UBOT", ...}
  apps.connections.open  app token -> {"ok", "url": "ws://127.0.0.1:W/
                         link/?ticket=tN"}; a ticket works once
  chat.postMessage       bot token -> {"ok", "channel", "ts", "message"};
                         channel_not_found for a channel not starting
                         C, D or G, no_text for an empty text, then (like
                         Slack) the bot's own message comes back as a
                         message event with bot_id ("echo": false to stop)
A wrong token is {"ok": false, "error": "invalid_auth"}, the app token
where the bot's belongs "not_allowed_token_type".

--script is JSON, every key optional:
  {"bot_token": "xoxb-...", "app_token": "xapp-...", "echo": true,
   "fail": {"chat.postMessage": [429, {"status": 429, "retry_after": 2},
            500, "channel_not_found"], "auth.test": ["invalid_auth"],
            "apps.connections.open": [...]}}
Each entry of fail answers one call of that method first: a number is an
HTTP status (429 with Retry-After, 1 unless given), a string an HTTP 200
{"ok": false, "error": STRING}; {"ticket": "T"} (apps.connections.open)
a URL with ticket T-secret, which the socket server refuses (401).

Socket Mode: {"type": "hello", ...} on connect, then the envelopes queued
while no connection was open, then those pushed.  An envelope's
{"envelope_id"} back is an ack: the fake notes the delay, and counts it
late past 3 s; an envelope still unacked 3 s after it was sent, on a
connection that was open that long, is "missed".  Envelopes unacked when
a connection drops are delivered again on the next one (retry_attempt
+ 1), as Slack does.

Control (POST, JSON body):
  /_push        {"text", "channel", "user", "channel_type"?, "thread_ts"?,
                "bot_id"?, "subtype"?} a message event; in a channel a
                text holding <@UBOT> comes as a message and an
                app_mention (one ts), as Slack sends both.  {"event":
                {...}} sends that event; {"envelope_type":
                "slash_commands", ...} an envelope of that type.
                -> {"ok", "ts", "envelope_ids"}
  /_redeliver   the last events_api envelope again (new id, retry_attempt
                1), as after a missed ack
  /_disconnect  {"reason": "refresh_requested"} a disconnect message
  /_drop        cut the connection (no close frame)
  /_fail        {"method", "with": [...]} more failures, as in the script
  /_state       -> {"connections", "open", "envelopes", "acks", "late",
                "missed", "unacked"}

--log gets one JSON line per Web API call and per socket event:
  {"kind": "api", "method", "body", "status", "token": "bot"|"app"|"bad"}
  {"kind": "connect", "conn": N}  {"kind": "close", "conn": N, "why"}
  {"kind": "envelope", "conn", "envelope_id", "type", "retry_attempt"}
  {"kind": "ack", "conn", "envelope_id", "delay", "late"}
"""
import argparse
import asyncio
import http
import json
import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import websockets

BOT_USER = "UBOT"
BOT_ID = "BBOT"
DEADLINE = 3.0

st = {
    "loop": None, "ws_port": 0, "log": None, "bot_token": None,
    "app_token": None, "echo": True, "fails": {}, "tickets": set(),
    "ntickets": 0, "nconn": 0, "conn": None, "queue": [], "nenv": 0,
    "ts": 1700000000, "sent": {}, "late": 0, "missed": 0, "acks": 0,
    "last_events": None,
}
lock = threading.Lock()


def log(entry):
    with lock:
        st["log"].write(json.dumps(entry, ensure_ascii=False) + "\n")
        st["log"].flush()


def next_ts():
    with lock:
        st["ts"] += 1
        return "%d.%06d" % (st["ts"], st["ts"] % 1000000)


# ---- Socket Mode (runs in the loop) ----

class Conn:
    def __init__(self, ws, n):
        self.ws, self.n, self.opened = ws, n, time.time()


def envelope(etype, payload, retry=0):
    st["nenv"] += 1
    return {"envelope_id": "env-%d" % st["nenv"], "type": etype,
            "payload": payload, "accepts_response_payload": False,
            "retry_attempt": retry,
            "retry_reason": "timeout" if retry else ""}


async def deliver(env):
    c = st["conn"]
    if c is None:
        st["queue"].append(env)
        return
    st["sent"][env["envelope_id"]] = {"t": time.time(), "conn": c.n,
                                      "env": env, "acked": False}
    log({"kind": "envelope", "conn": c.n, "envelope_id": env["envelope_id"],
         "type": env["type"], "retry_attempt": env["retry_attempt"]})
    try:
        await c.ws.send(json.dumps(env))
    except websockets.ConnectionClosed:
        pass


def close_conn(c, why):
    """Book-keeping for a connection that ended: misses and redelivery."""
    if st["conn"] is not c:
        return
    st["conn"] = None
    now = time.time()
    log({"kind": "close", "conn": c.n, "why": why})
    for eid, s in list(st["sent"].items()):
        if s["conn"] != c.n or s["acked"]:
            continue
        if now - s["t"] >= DEADLINE:
            st["missed"] += 1
        del st["sent"][eid]
        e = s["env"]
        st["queue"].append(envelope(e["type"], e["payload"],
                                    e["retry_attempt"] + 1))


async def process_request(path, headers):
    ticket = path.split("ticket=")[-1].split("&")[0] if "ticket=" in path \
        else None
    if ticket not in st["tickets"]:
        return (http.HTTPStatus.UNAUTHORIZED,
                [("Content-Type", "text/plain")], b"bad ticket\n")
    st["tickets"].discard(ticket)
    return None


async def ws_handler(ws, path=None):
    st["nconn"] += 1
    c = Conn(ws, st["nconn"])
    if st["conn"] is not None:
        # Slack allows several; the fake keeps the newest.
        close_conn(st["conn"], "replaced")
    st["conn"] = c
    log({"kind": "connect", "conn": c.n})
    try:
        await ws.send(json.dumps({
            "type": "hello", "num_connections": 1,
            "debug_info": {"host": "fake", "approximate_connection_time":
                           18060},
            "connection_info": {"app_id": "AFAKE"}}))
        queued, st["queue"] = st["queue"], []
        for env in queued:
            await deliver(env)
        async for raw in ws:
            try:
                msg = json.loads(raw)
            except ValueError:
                log({"kind": "garbage", "conn": c.n, "data": str(raw)})
                continue
            eid = msg.get("envelope_id") if isinstance(msg, dict) else None
            s = st["sent"].get(eid)
            if s is None or s["acked"]:
                log({"kind": "stray", "conn": c.n, "data": msg})
                continue
            s["acked"] = True
            delay = time.time() - s["t"]
            late = delay > DEADLINE
            st["acks"] += 1
            st["late"] += late
            log({"kind": "ack", "conn": c.n, "envelope_id": eid,
                 "delay": round(delay, 3), "late": late})
    except websockets.ConnectionClosed:
        pass
    finally:
        close_conn(c, "closed")


def message_event(b, ts):
    ev = {"type": "message", "channel": b.get("channel", "D1"),
          "user": b.get("user", "U1"), "text": b.get("text", ""),
          "ts": ts, "event_ts": ts, "team": "T1",
          "channel_type": b.get("channel_type", "im")}
    for k in ("thread_ts", "bot_id", "subtype"):
        if k in b:
            ev[k] = b[k]
    if "bot_id" in b:
        ev["bot_profile"] = {"id": b["bot_id"], "name": "somebot"}
    return ev


def payload(ev):
    return {"token": "verification-token", "team_id": "T1",
            "api_app_id": "AFAKE", "event": ev, "type": "event_callback",
            "event_id": "Ev%d" % (st["nenv"] + 1),
            "event_time": int(time.time())}


async def push(b):
    if "envelope_type" in b and b["envelope_type"] != "events_api":
        env = envelope(b["envelope_type"], {"command": "/hermes",
                                            "text": b.get("text", "")})
        await deliver(env)
        return {"ok": True, "envelope_ids": [env["envelope_id"]]}
    if "event" in b:
        evs, ts = [b["event"]], b["event"].get("ts")
    else:
        ts = b.get("ts") or next_ts()
        ev = message_event(b, ts)
        evs = [ev]
        if ev["channel_type"] != "im" and "<@%s>" % BOT_USER in ev["text"] \
                and "bot_id" not in ev and "subtype" not in ev:
            m = {k: ev[k] for k in ("user", "text", "ts", "channel",
                                    "event_ts", "team") if k in ev}
            m["type"] = "app_mention"
            if "thread_ts" in ev:
                m["thread_ts"] = ev["thread_ts"]
            evs.append(m)
    ids = []
    st["last_events"] = evs
    for ev in evs:
        env = envelope("events_api", payload(ev))
        ids.append(env["envelope_id"])
        await deliver(env)
    return {"ok": True, "ts": ts, "envelope_ids": ids}


async def redeliver(b):
    ids = []
    for ev in st["last_events"] or []:
        env = envelope("events_api", payload(ev), 1)
        ids.append(env["envelope_id"])
        await deliver(env)
    return {"ok": True, "envelope_ids": ids}


async def disconnect(b):
    c = st["conn"]
    if c is None:
        return {"ok": False, "error": "not connected"}
    await c.ws.send(json.dumps({
        "type": "disconnect", "reason": b.get("reason", "refresh_requested"),
        "debug_info": {"host": "fake"}}))
    return {"ok": True}


async def drop(b):
    c = st["conn"]
    if c is None:
        return {"ok": False, "error": "not connected"}
    close_conn(c, "dropped")
    c.ws.transport.abort()
    return {"ok": True}


async def state(b):
    now = time.time()
    unacked = [e for e, s in st["sent"].items() if not s["acked"]]
    missed = st["missed"] + sum(
        1 for s in st["sent"].values()
        if not s["acked"] and now - s["t"] >= DEADLINE)
    return {"connections": st["nconn"], "open": st["conn"] is not None,
            "envelopes": st["nenv"], "acks": st["acks"], "late": st["late"],
            "missed": missed, "unacked": unacked,
            "queued": len(st["queue"])}


async def echo(channel, text, ts, thread):
    ev = {"type": "message", "channel": channel, "user": BOT_USER,
          "bot_id": BOT_ID, "text": text, "ts": ts, "event_ts": ts,
          "team": "T1", "app_id": "AFAKE",
          "channel_type": "im" if channel.startswith("D") else "channel"}
    if thread:
        ev["thread_ts"] = thread
    await deliver(envelope("events_api", payload(ev)))


def in_loop(coro, timeout=10):
    return asyncio.run_coroutine_threadsafe(coro, st["loop"]).result(timeout)


# ---- Web API (HTTP threads) ----

def failure(f):
    if isinstance(f, str):
        return 200, {"ok": False, "error": f}, {}
    if isinstance(f, dict):
        code, ra = int(f.get("status", 500)), f.get("retry_after", 1)
    else:
        code, ra = int(f), 1
    if code == 429:
        return 429, {"ok": False, "error": "ratelimited"}, \
            {"Retry-After": str(ra)}
    return code, {"ok": False, "error": "fake_%d" % code}, {}


def post_message(body):
    chan, text = body.get("channel"), body.get("text")
    if not isinstance(chan, str) or chan[:1] not in ("C", "D", "G"):
        return {"ok": False, "error": "channel_not_found"}
    if not isinstance(text, str) or not text:
        return {"ok": False, "error": "no_text"}
    if len(text) > 40000:
        return {"ok": False, "error": "msg_too_long"}
    ts = next_ts()
    thread = body.get("thread_ts")
    if st["echo"]:
        in_loop(echo(chan, text, ts, thread))
    msg = {"type": "message", "user": BOT_USER, "bot_id": BOT_ID,
           "text": text, "ts": ts}
    if thread:
        msg["thread_ts"] = thread
    return {"ok": True, "channel": chan, "ts": ts, "message": msg}


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def reply(self, status, obj, headers=None):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.do_POST()

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        ctype = self.headers.get("Content-Type") or ""
        try:
            body = json.loads(raw) if raw and "json" in ctype else {}
        except ValueError:
            body = None
        path = self.path.split("?")[0]
        ctl = {"/_push": push, "/_redeliver": redeliver,
               "/_disconnect": disconnect, "/_drop": drop,
               "/_state": state}
        if path in ctl:
            return self.reply(200, in_loop(ctl[path](body or {})))
        if path == "/_fail":
            with lock:
                st["fails"].setdefault(body["method"], []).extend(
                    body["with"])
            return self.reply(200, {"ok": True})
        method = path.strip("/")
        auth = self.headers.get("Authorization") or ""
        tok = auth[7:] if auth.startswith("Bearer ") else None
        who = "bot" if tok == st["bot_token"] else \
            "app" if tok == st["app_token"] else "bad"
        hdrs = {}
        want = "app" if method == "apps.connections.open" else "bot"
        if method not in ("auth.test", "apps.connections.open",
                          "chat.postMessage"):
            status, ans = 200, {"ok": False, "error": "unknown_method"}
        elif who == "bad":
            status, ans = 200, {"ok": False, "error": "invalid_auth"}
        elif who != want:
            status, ans = 200, {"ok": False,
                                "error": "not_allowed_token_type"}
        elif body is None:
            status, ans = 200, {"ok": False, "error": "invalid_json"}
        else:
            with lock:
                q = st["fails"].get(method) or []
                f = q.pop(0) if q else None
            if isinstance(f, dict) and "ticket" in f:
                # a URL whose ticket the socket server will refuse
                status, ans = 200, {"ok": True, "url":
                                    "ws://127.0.0.1:%d/link/?ticket=%s"
                                    "-secret" % (st["ws_port"],
                                                 f["ticket"])}
            elif f is not None:
                status, ans, hdrs = failure(f)
            elif method == "auth.test":
                status, ans = 200, {"ok": True, "url": "https://fake/",
                                    "team": "Fake", "user": "hermes",
                                    "team_id": "T1", "user_id": BOT_USER,
                                    "bot_id": BOT_ID}
            elif method == "apps.connections.open":
                with lock:
                    st["ntickets"] += 1
                    t = "t%d-secret" % st["ntickets"]
                    st["tickets"].add(t)
                status, ans = 200, {"ok": True, "url":
                                    "ws://127.0.0.1:%d/link/?ticket=%s"
                                    "&app_id=AFAKE" % (st["ws_port"], t)}
            else:
                status, ans = 200, post_message(body)
        log({"kind": "api", "method": method, "body": body,
             "status": status, "ok": ans.get("ok"), "token": who})
        return self.reply(status, ans, hdrs)


async def main_async(a):
    st["loop"] = asyncio.get_running_loop()
    server = await websockets.serve(
        ws_handler, "127.0.0.1", 0, process_request=process_request,
        compression=None, ping_interval=2, ping_timeout=15)
    st["ws_port"] = server.sockets[0].getsockname()[1]
    srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(tmp, a.port_file)
    start = time.time()
    while time.time() - start < a.timeout:
        if a.watch_pid:
            try:
                os.kill(a.watch_pid, 0)
            except OSError:
                break
        await asyncio.sleep(0.2)
    os._exit(0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--script")
    ap.add_argument("--log", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--bot-token", default="xoxb-fake-BOT")
    ap.add_argument("--app-token", default="xapp-fake-APP")
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--watch-pid", type=int)
    a = ap.parse_args()
    script = {}
    if a.script:
        with open(a.script, encoding="utf-8") as f:
            script = json.load(f)
    st["bot_token"] = script.get("bot_token", a.bot_token)
    st["app_token"] = script.get("app_token", a.app_token)
    st["echo"] = script.get("echo", True)
    st["fails"] = {k: list(v) for k, v in script.get("fail", {}).items()}
    st["log"] = open(a.log, "a", encoding="utf-8")
    signal.signal(signal.SIGTERM, lambda *x: os._exit(0))
    asyncio.run(main_async(a))


if __name__ == "__main__":
    sys.exit(main())
