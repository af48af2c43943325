#!/bin/sh
test_description='web_extract and web_search against a fake web: the daily brief, redirects, refusals, caps'
. "${0%/*}/lib.sh"
. "$TEST_ROOT/fakes/llm.sh"

# The fake web (tests/fakes/web.py) lives as long as this shell.
"$FAKE_LLM_PYTHON" -S "$TEST_ROOT/fakes/web.py" --port-file "$TEST_TMP/web.port" \
	--log "$TEST_TMP/web.log" --timeout 120 --watch-pid $$ \
	</dev/null >"$TEST_TMP/web.err" 2>&1 &
test_bg_pid $!
i=0
while [ ! -s "$TEST_TMP/web.port" ] && [ $i -lt 200 ]; do
	sleep 0.05
	i=$((i + 1))
done
W="http://127.0.0.1:$(cat "$TEST_TMP/web.port")"

# results N: the tool results of the Nth model call, one file each
# (r1, r2, ...), in the order of the calls.
results() {
	fake_llm_jq "$1" "[m[\"content\"] for m in b[\"messages\"] if m[\"role\"] == \"tool\"]" |
		"$FAKE_LLM_PYTHON" -S -c '
import json, sys
for i, r in enumerate(json.load(sys.stdin)):
    open("r%d" % (i + 1), "w", encoding="utf-8").write(r + "\n")
'
}

test_expect_success 'setup' '
	test -s "$TEST_TMP/web.port" &&
	mkdir -p "$HERMES_HOME" &&
	printf "provider.retry_delay_ms = 10\nweb.search_url = %s/search\nweb.allow_private = true\n" \
		"$W" >"$HERMES_HOME/config"
'

test_expect_success 'the daily brief: web_extract on the front page, web_search' '
	cat >s.json <<-EOT &&
	[{"tool_calls": [
	   {"name": "web_extract", "arguments": {"urls": ["$W/news"]}},
	   {"name": "web_search", "arguments": {"query": "hacker news & C: 100%"}}]},
	 {"text": "Your brief: compilers, SQLite and Unix pipes."}]
	EOT
	fake_llm_start openai s.json &&
	hermes-ask -t web summarise the front page >out 2>err &&
	grep -q "^Your brief" out &&
	test "$(fake_llm_jq 1 "\",\".join(t[\"function\"][\"name\"] for t in b[\"tools\"])")" = web_extract,web_search &&
	results 2 &&
	head -n 1 r1 >got && echo "== $W/news" >want && test_cmp want got &&
	grep -qx "# Hacker News" r1 &&
	grep -Fq "1. [Show HN: A <tiny> C compiler in 500 lines](https://site0.example.com/posts/0?ref=hn&x=1) ([site0.example.com]($W/from?site=site0.example.com))" r1 &&
	grep -Fq "2. [Ask HN: What'"'"'s your daily-driver editor in 2024?]($W/item?id=40001)" r1 &&
	grep -Fq "11. [Debian 13 \"Trixie\" released](https://site3.example.com/posts/10?ref=hn&x=1)" r1 &&
	grep -Fq "30. [How Git stores your data](https://site1.example.com/posts/29?ref=hn&x=1)" r1 &&
	test "$(grep -cE "^[0-9]+\. \[[^]]+\]\(https?://" r1)" = 30 &&
	grep -Fq "300 points by [user0]($W/user?id=user0)" r1 &&
	grep -Fq "[10 comments]($W/item?id=40000)" r1 &&
	! grep -E "NOISE|fake row|upvote|track\(|font-size" r1 &&
	! grep "[<>]" r1 | grep -v "<tiny>" &&
	test "$(wc -c <r1)" -lt 20000
'

test_expect_success 'the daily brief: search results echo the query, URL-encoded' '
	grep -Fqx "1. Result 1 for hacker news & C: 100%" r2 &&
	grep -Fqx "   A snippet about hacker news & C: 100%, number 1." r2 &&
	grep -Fqx "10. Result 10 for hacker news & C: 100%" r2 &&
	! grep -q "Result 11" r2 &&
	grep -Fq "/search?q=hacker%20news%20%26%20C%3A%20100%25&format=json" \
		"$TEST_TMP/web.log"
'

test_expect_success 'an article: headings, lists, entities, relative links, no furniture' '
	cat >s.json <<-EOT &&
	[{"tool_calls": [{"name": "web_extract", "arguments": {"urls": "$W/blog/2024/post.html"}}]},
	 {"text": "ok"}]
	EOT
	fake_llm_start openai s.json &&
	hermes-ask -q -t web read it >/dev/null &&
	results 2 &&
	sed -n 2,3p r1 >got &&
	printf "# Notes on the Unix & C tradition \342\200\224 a blog\n\n" >want &&
	test_cmp want got &&
	grep -qx "# The Unix & C tradition" r1 &&
	grep -qx "## Principles" r1 &&
	grep -qx "### Code" r1 &&
	grep -qx -e "- Write programs that do one thing" r1 &&
	grep -qx "  2. second" r1 &&
	grep -Fq "[pipes]($W/docs/pipes.html)" r1 &&
	grep -Fq "[plain text]($W/about)" r1 &&
	grep -Fq "[the paper](http://cdn.example.org/paper.pdf)" r1 &&
	grep -Fq "[a reference](https://example.org/ref?a=1&b=2)" r1 &&
	grep -Fq "$(printf "caf\303\251 \342\200\224 and \342\230\272 and <tags>.")" r1 &&
	grep -qx "  42" r1 &&
	! grep -E "NOISE|analytics|font:" r1
'

test_expect_success 'redirects are followed (3 hops); loops, 404, binaries, protocols fail alone' '
	cat >s.json <<-EOT &&
	[{"tool_calls": [
	   {"name": "web_extract", "arguments": {"urls": ["$W/redirect/3"]}},
	   {"name": "web_extract", "arguments": {"urls": ["$W/loop"]}},
	   {"name": "web_extract", "arguments": {"urls": ["$W/missing"]}},
	   {"name": "web_extract", "arguments": {"urls": ["$W/image.png"]}},
	   {"name": "web_extract", "arguments": {"urls": ["ftp://127.0.0.1/pub/x"]}},
	   {"name": "web_extract", "arguments": {"urls": ["file:///etc/passwd"]}},
	   {"name": "web_extract", "arguments": {"urls": ["$W/to-file"]}},
	   {"name": "web_extract", "arguments": {"urls": ["$W/plain.txt"]}}]},
	 {"text": "ok"}]
	EOT
	fake_llm_start openai s.json &&
	hermes-ask -q -t web fetch all that >/dev/null &&
	results 2 &&
	head -n 1 r1 >got && echo "== $W/blog/2024/post.html" >want &&
	test_cmp want got && grep -qx "## Principles" r1 &&
	grep -q "^error: cannot fetch .$W/loop.: .*redirects" r2 &&
	grep -qx "error: cannot fetch .$W/missing.: HTTP 404" r3 &&
	grep -q "^error: cannot fetch .*image.png.: image/png content (.* bytes) not shown" r4 &&
	grep -q "^error: cannot fetch .ftp://127.0.0.1/pub/x.: only http and https" r5 &&
	grep -q "^error: cannot fetch .file:///etc/passwd.: only http and https" r6 &&
	grep -q "^error: cannot fetch .$W/to-file.: .*[Pp]rotocol" r7 &&
	! grep -q "root:" r7 &&
	printf "== %s\nplain text,\n  kept as it is\n" "$W/plain.txt" >want &&
	test_cmp want r8 &&
	test "$(grep -c "^/loop" "$TEST_TMP/web.log")" -le 6
'

test_expect_success 'one bad URL among good ones is reported inline, the call succeeds' '
	cat >s.json <<-EOT &&
	[{"tool_calls": [{"name": "web_extract", "arguments": {"urls": ["$W/missing", "$W/blog/2024/post.html", "gopher://x/"]}}]},
	 {"text": "ok"}]
	EOT
	fake_llm_start openai s.json &&
	hermes-ask -q -t web mixed >/dev/null &&
	results 2 &&
	! grep -q "^error: cannot" r1 &&
	grep -A1 -x "== $W/missing" r1 | grep -qx "error: HTTP 404" &&
	grep -qx "== $W/blog/2024/post.html" r1 &&
	grep -A1 -x "== gopher://x/" r1 | grep -q "^error: only http and https" &&
	test "$(grep -c "^== " r1)" = 3
'

test_expect_success 'a page past 2 MB is cut, not failed; the result stays under the cap' '
	cat >s.json <<-EOT &&
	[{"tool_calls": [{"name": "web_extract", "arguments": {"urls": ["$W/huge"]}}]},
	 {"text": "ok"}]
	EOT
	fake_llm_start openai s.json &&
	hermes-ask -q -t web huge >/dev/null &&
	results 2 &&
	grep -qx "# HUGE START" r1 &&
	grep -q "page cut at 2 MB" r1 &&
	! grep -q "HUGE END" r1 &&
	test "$(wc -c <r1)" -le 50100
'

test_expect_success 'bad arguments: no urls, more than 5, not strings' '
	cat >s.json <<-EOT &&
	[{"tool_calls": [
	   {"name": "web_extract", "arguments": {}},
	   {"name": "web_extract", "arguments": {"urls": ["$W/a", "$W/b", "$W/c", "$W/d", "$W/e", "$W/f"]}},
	   {"name": "web_extract", "arguments": {"urls": [42]}},
	   {"name": "web_search", "arguments": {}}]},
	 {"text": "ok"}]
	EOT
	fake_llm_start openai s.json &&
	hermes-ask -q -t web bad >/dev/null &&
	results 2 &&
	grep -q "^error: .urls. is required" r1 &&
	grep -q "^error: at most 5 urls" r2 &&
	grep -q "^error: .urls. holds strings" r3 &&
	grep -q "^error: .query. is required" r4
'

test_expect_success 'a slow page hits web.timeout' '
	cat >s.json <<-EOT &&
	[{"tool_calls": [{"name": "web_extract", "arguments": {"urls": ["$W/slow?s=5"]}}]},
	 {"text": "ok"}]
	EOT
	fake_llm_start openai s.json &&
	HERMES_WEB_TIMEOUT=1 hermes-ask -q -t web slow >/dev/null &&
	results 2 &&
	grep -q "^error: cannot fetch .*: Timeout" r1
'

test_expect_success 'web_search without web.search_url says how to set it' '
	sed -i /web.search_url/d "$HERMES_HOME/config" &&
	cat >s.json <<-EOT &&
	[{"tool_calls": [{"name": "web_search", "arguments": {"query": "x"}}]},
	 {"text": "ok"}]
	EOT
	fake_llm_start openai s.json &&
	hermes-ask -q -t web search >/dev/null &&
	results 2 &&
	echo "error: web search is not configured: set web.search_url" >want &&
	test_cmp want r1
'

test_expect_success 'without web.allow_private, loopback and LAN addresses are refused' '
	sed -i /web.allow_private/d "$HERMES_HOME/config" &&
	cat >s.json <<-EOT &&
	[{"tool_calls": [{"name": "web_extract", "arguments": {"urls": ["$W/article", "http://10.255.255.1/", "http://[::1]:9/"]}}]},
	 {"text": "ok"}]
	EOT
	fake_llm_start openai s.json &&
	hermes-ask -q -t web go >/dev/null &&
	fake_llm_jq 2 "b[\"messages\"][-1][\"content\"]" >r &&
	test "$(grep -c "refused to connect to a private address" r)" = 3
'

test_done
