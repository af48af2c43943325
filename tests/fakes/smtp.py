#!/usr/bin/python3
"""A fake SMTP server, an aiosmtpd sink, for the email gateway tests.

  smtp.py --log FILE --port-file FILE [--port N] [--fail-file FILE]
          [--timeout S] [--watch-pid P]

Runs under Debian's /usr/bin/python3 (python3-aiosmtpd).  Binds
127.0.0.1:--port (0, the default: any free port), writes the port to
--port-file (atomically) and serves until --timeout seconds pass (120),
SIGTERM, or process --watch-pid is gone.

Every message it accepts is one JSON line in --log:
  {"mail_from": "bot@example.com", "rcpt_tos": ["ann@example.com"],
   "data": "the message as sent, CRLF lines"}
While --fail-file exists and holds a reply code (451, 554, ...), every
message is refused with that code at the end of DATA (a 4xx says "try
again later", a 5xx "never"), and nothing is logged.
"""
import argparse
import asyncio
import json
import os
import signal
import sys
import time

from aiosmtpd.smtp import SMTP

REASONS = {4: "4.3.0 try again later (fake)", 5: "5.7.1 refused (fake)"}


class Sink:
    def __init__(self, log, fail_file):
        self.log = log
        self.fail_file = fail_file

    def failing(self):
        try:
            with open(self.fail_file) as f:
                code = int(f.read().strip() or "0")
        except (OSError, ValueError, TypeError):
            return None
        return code if 400 <= code < 600 else None

    async def handle_DATA(self, server, session, envelope):
        code = self.failing()
        if code:
            return "%d %s" % (code, REASONS[code // 100])
        data = envelope.original_content or envelope.content
        if isinstance(data, bytes):
            data = data.decode("utf-8", "replace")
        entry = {"mail_from": envelope.mail_from,
                 "rcpt_tos": list(envelope.rcpt_tos), "data": data}
        with open(self.log, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry, ensure_ascii=False) + "\n")
        return "250 2.0.0 OK queued (fake)"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--log", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--fail-file")
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--watch-pid", type=int)
    a = ap.parse_args()

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    sink = Sink(a.log, a.fail_file)
    server = loop.run_until_complete(loop.create_server(
        lambda: SMTP(sink, hostname="fake-smtp", ident="fake-smtp"),
        host="127.0.0.1", port=a.port, reuse_address=True))
    port = server.sockets[0].getsockname()[1]
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.rename(tmp, a.port_file)
    signal.signal(signal.SIGTERM, lambda *x: os._exit(0))
    start = time.time()

    def watch():
        if time.time() - start >= a.timeout:
            os._exit(0)
        if a.watch_pid:
            try:
                os.kill(a.watch_pid, 0)
            except OSError:
                os._exit(0)
        loop.call_later(0.5, watch)

    loop.call_soon(watch)
    loop.run_forever()


if __name__ == "__main__":
    sys.exit(main())
