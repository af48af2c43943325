#!/usr/bin/env python3
"""Drive a stdio MCP server from a script, for shell tests (stdlib only).

  mcp_drive.py [--timeout S] -- COMMAND [ARG...]  <SCRIPT

starts COMMAND with pipes and runs SCRIPT, one step a line (blank lines
and lines starting with # are skipped):

  send JSON       write JSON (one line) to the server
  raw TEXT        write TEXT and a newline as they are (not JSON)
  call ID TOOL JSON   send tools/call of TOOL with arguments JSON, id ID
  init            initialize (protocol 2025-11-25), check the answer,
                  send notifications/initialized
  expect PYEXPR   read the next message into m, and check PYEXPR is
                  true (r = m["result"], s = its structuredContent, if
                  any; v = the variables kept with let)
  let NAME PYEXPR keep a value for later steps (v["NAME"]), e.g. a cursor
  sub TEXT        (prefix) a step with {NAME} replaced by v[NAME] first:
                  "sub call 3 events_poll {{\"after_cursor\": {c}}}"
  run SHELL       run SHELL (sh -c) and wait for it; non-zero fails
  bg SHELL        start SHELL after 0.5 s, in the background
  close           close the server's stdin
  exit N          the server must exit with status N

Each read waits at most S seconds (default 20) for the server.  The
first failing step prints what happened on stderr and exits 1; at the end
it prints "ok" and exits 0.  The server is killed if still running.
"""
import json
import os
import select
import subprocess
import sys
import threading
import time


def fail(msg):
    sys.stderr.write("mcp_drive: %s\n" % msg)
    sys.exit(1)


def main():
    args = sys.argv[1:]
    timeout = 20.0
    if args[:1] == ["--timeout"]:
        timeout = float(args[1])
        args = args[2:]
    if args[:1] == ["--"]:
        args = args[1:]
    if not args:
        fail("no command")
    p = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    buf = b""
    v = {}
    bgs = []

    def read_msg():
        nonlocal buf
        end = time.monotonic() + timeout
        while b"\n" not in buf:
            left = end - time.monotonic()
            if left <= 0:
                fail("no message within %g s" % timeout)
            r, _, _ = select.select([p.stdout], [], [], left)
            if r:
                chunk = os.read(p.stdout.fileno(), 65536)
                if not chunk:
                    fail("the server closed its output")
                buf += chunk
        line, buf = buf.split(b"\n", 1)
        try:
            return json.loads(line)
        except ValueError:
            fail("not JSON from the server: %r" % line[:200])

    def write(text):
        p.stdin.write(text.encode() + b"\n")
        p.stdin.flush()

    try:
        for n, step in enumerate(sys.stdin.read().splitlines(), 1):
            step = step.strip()
            if not step or step.startswith("#"):
                continue
            if step.startswith("sub "):
                step = step[4:].format(**v)
            op, _, rest = step.partition(" ")
            if op == "send":
                json.loads(rest)
                write(rest)
            elif op == "raw":
                write(rest)
            elif op == "call":
                cid, tool, a = rest.split(" ", 2)
                write(json.dumps({"jsonrpc": "2.0", "id": int(cid),
                                  "method": "tools/call",
                                  "params": {"name": tool,
                                             "arguments": json.loads(a)}}))
            elif op == "init":
                write(json.dumps({"jsonrpc": "2.0", "id": 0,
                                  "method": "initialize",
                                  "params": {"protocolVersion": "2025-11-25",
                                             "capabilities": {},
                                             "clientInfo": {"name": "drive",
                                                            "version": "1"}}}))
                m = read_msg()
                if m.get("result", {}).get("protocolVersion") != "2025-11-25":
                    fail("step %d: initialize: %r" % (n, m))
                write(json.dumps({"jsonrpc": "2.0",
                                  "method": "notifications/initialized"}))
            elif op in ("expect", "let"):
                if op == "expect":
                    m = read_msg()
                    r = m.get("result") or {}
                    s = r.get("structuredContent") if isinstance(r, dict) else None
                    env = {"m": m, "r": r, "s": s, "v": v}
                    v["_m"] = env
                    if not eval(rest, {}, env):
                        fail("step %d: %s\n  got %s" % (n, rest,
                                                        json.dumps(m)[:2000]))
                else:
                    name, _, expr = rest.partition(" ")
                    v[name] = eval(expr, {}, dict(v.get("_m", {}), v=v))
            elif op == "run":
                if subprocess.call(["sh", "-c", rest]) != 0:
                    fail("step %d: %s failed" % (n, rest))
            elif op == "bg":
                t = threading.Timer(0.5, subprocess.call, [["sh", "-c", rest]])
                t.start()
                bgs.append(t)
            elif op == "close":
                p.stdin.close()
            elif op == "exit":
                try:
                    rc = p.wait(timeout)
                except subprocess.TimeoutExpired:
                    fail("step %d: the server did not exit" % n)
                if rc != int(rest):
                    fail("step %d: exit %d, wanted %s" % (n, rc, rest))
            else:
                fail("step %d: unknown step %r" % (n, op))
    finally:
        for t in bgs:
            t.join()
        if p.poll() is None:
            p.kill()
            p.wait()
    print("ok")


if __name__ == "__main__":
    main()
