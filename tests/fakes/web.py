#!/usr/bin/env python3
"""A fake web for the web tools' tests: real-world-shaped pages on 127.0.0.1.

  web.py --port-file FILE [--log FILE] [--timeout S] [--watch-pid P]

Binds 127.0.0.1:0, writes the port to --port-file (atomically) and serves
until --timeout seconds pass (60), SIGTERM, or process --watch-pid is gone.
Each request's path is appended to --log, one line each.

  /news                 a Hacker-News-like front page: 30 stories in a table,
                        with script, style, nav and vote-arrow noise
  /blog/2024/post.html  an article: headings, lists, entities, relative links
  /redirect/N           302 to /redirect/N-1, ..., /redirect/0 is the article
  /loop                 302 to itself
  /to-file              302 to file:///etc/passwd
  /missing              404 with an HTML body
  /image.png            a PNG
  /plain.txt            text/plain
  /huge                 3 MB of HTML
  /slow?s=N             the article after N seconds
  /search?q=Q&format=json  SearXNG-shaped JSON, 12 results echoing Q
"""
import argparse
import json
import os
import signal
import sys
import threading
import time
import urllib.parse
import zlib
import struct
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TITLES = [
    "Show HN: A &lt;tiny&gt; C compiler in 500 lines",
    "Ask HN: What&#x27;s your daily-driver editor in 2024?",
    "The unreasonable effectiveness of plain text",
    "SQLite is not a toy database",
    "Why we moved off Kubernetes",
    "A visual guide to TLS 1.3",
    "Rust 1.80 released",
    "The history of the Unix pipe",
    "Launch HN: Widgets (YC W24) &ndash; widgets for everyone",
    "How io_uring changes Linux I/O",
    "Debian 13 &quot;Trixie&quot; released",
    "An illustrated guide to B-trees",
    "Writing a Lisp interpreter in a weekend",
    "Postgres 17 performance notes",
    "The cost of a cache miss",
    "Notes on structured concurrency",
    "Show HN: I built a terminal spreadsheet",
    "What every programmer should know about memory (2007)",
    "OpenBSD&#39;s pledge and unveil, five years on",
    "Gleam 1.0",
    "The quiet death of the RSS reader",
    "Ask HN: Who is hiring? (March 2024)",
    "A 1980s font renderer, reverse engineered",
    "Zig&rsquo;s comptime explained",
    "Making a CPU from 7400-series chips",
    "We replaced our CI with a Makefile",
    "Lessons from 10 years of on-call",
    "The Mandelbrot set in 100 bytes of x86",
    "Static site generators are back",
    "How Git stores your data",
]


def story_url(i):
    if TITLES[i].startswith("Ask HN"):
        return "item?id=%d" % (40000 + i)
    return "https://site%d.example.com/posts/%d?ref=hn&amp;x=1" % (i % 7, i)


def news_page():
    rows = []
    for i, title in enumerate(TITLES):
        n = i + 1
        sid = 40000 + i
        url = story_url(i)
        site = "" if url.startswith("item") else (
            '<span class="sitebit comhead"> (<a href="from?site=site%d.example.com">'
            '<span class="sitestr">site%d.example.com</span></a>)</span>' % (i % 7, i % 7))
        rows.append(
            '<tr class=\'athing\' id=\'%d\'>\n'
            '  <td align="right" valign="top" class="title"><span class="rank">%d.</span></td>'
            '<td valign="top" class="votelinks"><center><a id=\'up_%d\' href=\'vote?id=%d&amp;how=up&amp;goto=news\'>'
            '<div class=\'votearrow\' title=\'upvote\'></div></a></center></td>'
            '<td class="title"><span class="titleline"><a href="%s">%s</a>%s</span></td></tr>\n'
            '<tr><td colspan="2"></td><td class="subtext"><span class="subline">\n'
            '  <span class="score" id="score_%d">%d points</span> by <a href="user?id=user%d" class="hnuser">user%d</a>'
            ' <span class="age" title="2024-03-01T10:00:00"><a href="item?id=%d">%d hours ago</a></span>'
            ' <span id="unv_%d"></span> | <a href="hide?id=%d&amp;goto=news">hide</a> |'
            ' <a href="item?id=%d">%d&nbsp;comments</a>\n'
            '</span></td></tr>\n<tr class="spacer" style="height:5px"></tr>\n'
            % (sid, n, sid, sid, url, title, site, sid, 300 - 7 * i, i, i, sid,
               1 + i % 12, sid, sid, sid, 10 + 3 * i))
    return """<html lang="en" op="news"><head><meta name="referrer" content="origin">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" type="text/css" href="news.css?abc">
<style>.NOISE_CSS { color: #828282 } td > a { font-size: 10pt }</style>
<script>var NOISE_JS = "<tr><td>fake row</td></tr>"; if (a < b && c > d) track();</script>
<title>Hacker News</title></head><body><center>
<nav class="NAVNOISE"><a href="/login">NAVNOISE login</a> <a href="/submit">NAVNOISE submit</a></nav>
<table id="hnmain" border="0" cellpadding="0" cellspacing="0" width="85%" bgcolor="#f6f6ef">
<tr><td bgcolor="#ff6600"><table border="0" cellpadding="0" cellspacing="0" width="100%" style="padding:2px">
<tr><td style="width:18px;padding-right:4px"><a href="https://news.ycombinator.com"><img src="y18.svg" width="18" height="18" style="border:1px white solid; display:block"></a></td>
<td style="line-height:12pt; height:10px;"><span class="pagetop"><b class="hnname"><a href="news">Hacker News</a></b>
<a href="newest">new</a> | <a href="front">past</a> | <a href="newcomments">comments</a></span></td></tr></table></td></tr>
<tr id="pagespace" title="" style="height:10px"></tr><tr><td><table border="0" cellpadding="0" cellspacing="0">
%s
<tr class="morespace" style="height:10px"></tr><tr><td colspan="2"></td><td class="title"><a href="?p=2" class="morelink" rel="next">More</a></td></tr>
</table></td></tr>
<tr><td><img src="s.gif" height="10" width="0"><table width="100%%" cellspacing="0" cellpadding="1"><tr><td bgcolor="#ff6600"></td></tr></table><br>
<center><span class="yclinks"><a href="newsguidelines.html">Guidelines</a> | <a href="newsfaq.html">FAQ</a></span><br><br>
<form method="get" action="//hn.algolia.com/">Search: <input type="text" name="q" size="17" autocorrect="off" spellcheck="false" autocapitalize="off" autocomplete="false"></form></center></td></tr>
</table></center>
<script type="text/javascript" src="hn.js?xyz"></script>
<script>window.NOISE_JS2 = {"</script":1};</script></body></html>
""".replace("%s", "".join(rows), 1).replace("%%", "%")


ARTICLE = """<!DOCTYPE html>
<HTML><HEAD><TITLE>Notes on  the
  Unix &amp; C tradition &mdash; a blog</TITLE>
<meta charset=utf-8><script async src="/analytics.js"></script>
<style>body{font:16px/1.5 serif}</style></HEAD>
<BODY>
<header class=site><a href="/">HEADERNOISE blog home</a></header>
<main>
<article>
<h1>The Unix &amp; C tradition</h1>
<p class=byline>By Ada &middot; 3&nbsp;min read</p>
<p>Small programs that do one thing, joined by <a href="../../docs/pipes.html">pipes</a>
and <a href=/about title="x > y">plain text</a>. See also <a href='//cdn.example.org/paper.pdf'>the paper</a>
and <a href="https://example.org/ref?a=1&amp;b=2">a reference</a>.
<p>Unclosed paragraph with caf&eacute; &#8212; and &#x263A; and &lt;tags&gt;.
<h2>Principles</h2>
<ul>
  <li>Write programs that do one thing
  <li>Expect the output of every program to become the input of another
  <li>Nested:
    <ol><li>first</li><li>second</li></ol>
</ul>
<h3>Code</h3>
<pre>$ ls | wc -l
  42</pre>
<!-- a comment with <a href="/hidden">COMMENTNOISE</a> -->
<div class="share"><button>SHARENOISE</button><svg><title>SVGNOISE</title></svg></div>
</article>
</main>
<aside>ASIDENOISE related posts</aside>
<footer>FOOTERNOISE &copy; 2024</footer>
</BODY></HTML>
"""


def png():
    def chunk(kind, data):
        c = struct.pack(">I", len(data)) + kind + data
        return c + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * 16 for _ in range(16))
    return (b"\x89PNG\r\n\x1a\n" +
            chunk(b"IHDR", struct.pack(">IIBBBBB", 16, 16, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def huge():
    para = "<p>" + "filler text for the size cap " * 30 + "</p>\n"
    body = "<html><head><title>Huge</title></head><body><h1>HUGE START</h1>\n"
    body += para * (3 * 1024 * 1024 // len(para) + 1)
    return body + "<p>HUGE END</p></body></html>\n"


def search(q):
    results = []
    for i in range(12):
        results.append({
            "title": "Result %d for %s" % (i + 1, q),
            "url": "https://r%d.example.net/%s" % (i + 1, urllib.parse.quote(q)),
            "content": "A snippet about %s,\n  number %d." % (q, i + 1),
            "engine": "fake", "score": 1.0 / (i + 1)})
    return json.dumps({"query": q, "number_of_results": len(results),
                       "results": results, "answers": [], "infoboxes": []})


class Handler(BaseHTTPRequestHandler):
    server_version = "fakeweb/1"

    def log_message(self, fmt, *args):
        pass

    def send(self, status, data, ctype="text/html; charset=utf-8", headers=None):
        if isinstance(data, str):
            data = data.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        try:
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def redirect(self, where):
        self.send(302, "<p>Moved to <a href='%s'>%s</a></p>" % (where, where),
                  headers={"Location": where})

    def do_GET(self):
        log = self.server.log
        if log:
            with self.server.lock:
                log.write(self.path + "\n")
                log.flush()
        u = urllib.parse.urlsplit(self.path)
        qs = urllib.parse.parse_qs(u.query)
        p = u.path
        if p == "/news":
            return self.send(200, news_page())
        if p == "/blog/2024/post.html":
            return self.send(200, ARTICLE)
        if p.startswith("/redirect/"):
            n = int(p.rsplit("/", 1)[1] or 0)
            if n <= 0:
                return self.redirect("/blog/2024/post.html")
            return self.redirect("/redirect/%d" % (n - 1))
        if p == "/loop":
            return self.redirect("/loop")
        if p == "/to-file":
            return self.redirect("file:///etc/passwd")
        if p == "/image.png":
            return self.send(200, png(), "image/png")
        if p == "/plain.txt":
            return self.send(200, "plain text,\n  kept as it is\n",
                             "text/plain; charset=utf-8")
        if p == "/huge":
            return self.send(200, huge())
        if p == "/slow":
            time.sleep(float(qs.get("s", ["5"])[0]))
            return self.send(200, ARTICLE)
        if p == "/search":
            if qs.get("format") != ["json"]:
                return self.send(400, "format=json is required", "text/plain")
            return self.send(200, search(qs.get("q", [""])[0]),
                             "application/json")
        return self.send(404, "<html><head><title>404 Not Found</title></head>"
                              "<body><h1>Not Found</h1></body></html>")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log")
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("--watch-pid", type=int, default=0)
    a = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    srv.log = open(a.log, "a", encoding="utf-8") if a.log else None
    srv.lock = threading.Lock()
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
    sys.exit(main())
