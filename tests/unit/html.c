/*
 * html.c: unit tests for libcommon/html.c.  html_to_text on small pages:
 * entities, links resolved against the base URL, broken HTML, dropped
 * script/style/nav, headings, lists, tables, pre, whitespace, bytes that
 * are not UTF-8; html_url_resolve on the RFC 3986 section 5.4 examples.
 * No files, no network.
 */
#include "common.h"
#include "html.h"
#include "utf8.h"
#include "tap.h"

#define BASE "http://a/b/c/d;p?q"

/* html_to_text of s against base, as a static-free malloc'd string. */
static char *
conv(const char *s, const char *base)
{
	struct buf b = BUF_INIT;

	html_to_text(s, strlen(s), base, &b);
	buf_addc(&b, '\0');
	b.len--;
	return buf_detach(&b);
}

#define IS(html, base, want, ...) do { char *g = conv((html), (base)); \
	is_str(g, (want), __VA_ARGS__); free(g); } while (0)
#define HAS(html, base, needle, msg) has((html), (base), (needle), 1, msg)
#define LACKS(html, base, needle, msg) has((html), (base), (needle), 0, msg)

static void
has(const char *html, const char *base, const char *needle, int want,
    const char *msg)
{
	char *g = conv(html, base);

	if (!ok((strstr(g, needle) != NULL) == want, "%s", msg))
		printf("#   in '%s'\n", g);
	free(g);
}

static void
resolve(const char *ref, const char *want)
{
	struct buf b = BUF_INIT;

	html_url_resolve(BASE, ref, &b);
	is_str(buf_str(&b), want, "resolve '%s'", ref);
	buf_release(&b);
}

static void
test_resolve(void)
{
	struct buf b = BUF_INIT;

	resolve("g:h", "g:h");
	resolve("g", "http://a/b/c/g");
	resolve("./g", "http://a/b/c/g");
	resolve("g/", "http://a/b/c/g/");
	resolve("/g", "http://a/g");
	resolve("//g", "http://g");
	resolve("?y", "http://a/b/c/d;p?y");
	resolve("g?y", "http://a/b/c/g?y");
	resolve("#s", "http://a/b/c/d;p?q#s");
	resolve("g#s", "http://a/b/c/g#s");
	resolve("", "http://a/b/c/d;p?q");
	resolve(".", "http://a/b/c/");
	resolve("./", "http://a/b/c/");
	resolve("..", "http://a/b/");
	resolve("../g", "http://a/b/g");
	resolve("../..", "http://a/");
	resolve("../../g", "http://a/g");
	resolve("../../../g", "http://a/g");
	resolve("/./g", "http://a/g");
	resolve("g.", "http://a/b/c/g.");
	resolve("..g", "http://a/b/c/..g");
	resolve("./../g", "http://a/b/g");
	resolve("g/../h", "http://a/b/c/h");
	resolve("  g h(1)\n", "http://a/b/c/g%20h%281%29");
	resolve("HTTPS://X.org/", "HTTPS://X.org/");
	is_int(html_url_resolve("", "g", &b), -1, "no base: relative fails");
	is_int(html_url_resolve("http://h", "g", &b), 0, "host-only base");
	is_str(buf_str(&b), "http://h/g", "host-only base gets a /");
	buf_release(&b);
}

static void
test_entities(void)
{
	IS("<p>a &amp; b &lt;c&gt; &quot;d&quot; &#39;e&#39;</p>", NULL,
	    "a & b <c> \"d\" 'e'", "the basic five");
	IS("x&nbsp;y &copy; &eacute;t&eacute; &hellip;", NULL,
	    "x y \xc2\xa9 \xc3\xa9t\xc3\xa9 \xe2\x80\xa6", "named ones");
	IS("&#8364;&#x20AC;&#X20ac; &#150; &#0; &#x110000;", NULL,
	    "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac \xe2\x80\x93 "
	    "\xef\xbf\xbd \xef\xbf\xbd", "numeric, cp1252, out of range");
	IS("AT&T &unknown; & &amp &copy=2 &;", NULL,
	    "AT&T &unknown; & & &copy=2 &;", "unknown and bare & kept");
	IS("caf\xe9 \xc3\xa9", NULL, "caf\xc3\xa9 \xc3\xa9",
	    "non-UTF-8 bytes read as Latin-1");
	IS("a\x01" "b\x7f", NULL, "ab\x7f", "controls dropped");
}

static void
test_links(void)
{
	IS("<a href=\"/x?a=1&amp;b=2\">one</a> <a href='../y'>two</a> "
	    "<a href=//cdn.example/z>three</a> <a href=\"https://o.org\">"
	    "four</a>", "https://ex.com/p/q/r.html",
	    "[one](https://ex.com/x?a=1&b=2) [two](https://ex.com/p/y) "
	    "[three](https://cdn.example/z) [four](https://o.org)",
	    "root-relative, ../, scheme-relative, absolute");
	IS("<a href=\"#top\">Top</a> <a href=\"javascript:void(0)\">Do</a> "
	    "<a name=x>anchor</a> <a href=/i><img src=i.png></a>end",
	    "http://h/", "Top Do anchor end", "links with nothing to follow");
	IS("see<a href=a> the  <b>docs</b> </a>now", "http://h/d/",
	    "see [the docs](http://h/d/a) now", "spaces move out of links");
	IS("<base href=\"http://other/dir/\"><a href=x>x</a>", "http://h/",
	    "[x](http://other/dir/x)", "<base href> wins");
	IS("<a href=\"/card\"><h3>Title</h3><p>Blurb</p></a>", "http://h/",
	    "### [Title Blurb](http://h/card)",
	    "a card link stays on one line");
	IS("<a href=/1>one<a href=/2>two", "http://h/",
	    "[one](http://h/1)[two](http://h/2)", "unclosed links close");
}

static void
test_broken(void)
{
	IS("<P>One<P>Two<BR>Three", NULL, "One\n\nTwo\nThree",
	    "uppercase, unclosed paragraphs");
	IS("<a title=\"x > y\" href=\"/q\">Q</a>", "http://h/",
	    "[Q](http://h/q)", "'>' inside a quoted attribute");
	IS("<a href=/q title=\"oops>Q</a> rest", "http://h/",
	    "[Q](http://h/q) rest", "unclosed quote ends at '>'");
	IS("1 < 2 and 3 > 2 <> <3", NULL, "1 < 2 and 3 > 2 <> <3",
	    "stray angle brackets are text");
	IS("a<!-- <p>hidden</p> -->b<!--->c<!DOCTYPE html><?xml x?>d", NULL,
	    "abcd", "comments and declarations");
	IS("ok<!-- never closed <p>lost", NULL, "ok", "unclosed comment");
	IS("<div><span>x</div></span>y</p></li>", NULL, "x\ny",
	    "misnested and stray end tags");
	IS("<p>cut in the mid", NULL, "cut in the mid", "truncated input");
	IS("<p>cut <a hr", NULL, "cut", "truncated inside a tag");
	IS("", NULL, "", "empty page");
}

static void
test_dropped(void)
{
	const char *page = "<html><head><title>T</title>"
	    "<style>p { color: red } </p></style>"
	    "<script>var s = '</div><p>not me</p>'; if (a<b) x();</script>"
	    "</head><body><nav><ul><li><a href=/>Home</a></ul></nav>"
	    "<header>Site header</header><aside>Ad</aside>"
	    "<noscript>Enable JS</noscript><svg><title>icon</title>"
	    "<path d=M0/></svg><form><input name=q><button>Go</button>"
	    "</form><p>Body text that is long enough to stand on its own "
	    "without the page furniture around it, well over the limit "
	    "under which hermes tries the page again with navigation kept "
	    "in case the whole page sat inside a form.</p><div hidden>h</div>"
	    "<input hidden><p>after</p><footer>(c) site</footer>"
	    "<template><p>tpl</p></template></body></html>";

	HAS(page, NULL, "# T\n\nBody text", "title first, then the body");
	LACKS(page, NULL, "color", "style dropped");
	LACKS(page, NULL, "not me", "script dropped, even with tags inside");
	LACKS(page, NULL, "Home", "nav dropped");
	LACKS(page, NULL, "Site header", "header dropped");
	LACKS(page, NULL, "Ad", "aside dropped");
	LACKS(page, NULL, "Enable", "noscript dropped");
	LACKS(page, NULL, "icon", "svg dropped, its title too");
	LACKS(page, NULL, "Go", "form dropped");
	LACKS(page, NULL, "\nh\n", "[hidden] dropped");
	HAS(page, NULL, "\n\nafter",
	    "a void element with hidden drops nothing");
	LACKS(page, NULL, "(c)", "footer dropped");
	LACKS(page, NULL, "tpl", "template dropped");
	IS("<article><header><h1>Post</h1></header><p>x</p></article>", NULL,
	    "# Post\n\nx", "an article's header is kept");
	IS("<body><form id=aspnetForm><h1>All</h1><p>The whole page sits "
	    "inside one form.</p></form></body>", NULL,
	    "# All\n\nThe whole page sits inside one form.",
	    "a page inside a form is converted again, form kept");
	IS("<nav>menu<p>x</p>", NULL, "menu\n\nx",
	    "an unclosed nav holding everything comes back too");
	IS("<script>never closed <p>x", NULL, "", "unclosed script");
}

static void
test_blocks(void)
{
	IS("<h1>One</h1><h2>Two</h2>text<h6>Six</h6>", NULL,
	    "# One\n\n## Two\n\ntext\n\n###### Six", "headings");
	IS("<ul><li>a<li>b<ul><li>b1</li></ul></li><li>c</ul>after", NULL,
	    "- a\n- b\n  - b1\n- c\n\nafter", "nested lists, unclosed <li>");
	IS("<ol><li>first</li><li>second</li></ol>", NULL,
	    "1. first\n2. second", "ordered lists are numbered");
	IS("<ul><li></li><li>  </li><li>x</li></ul><p>y", NULL, "- x\n\ny",
	    "empty items leave nothing");
	IS("<table><tr><th>Name</th><th>N</th></tr><tr><td>a</td>"
	    "<td>1</td></tr></table>", NULL, "Name N\na 1",
	    "table rows are lines, cells spaced");
	IS("<p>x</p><pre>\n  int\n    y;</pre><p>z", NULL,
	    "x\n\n```\n  int\n    y;\n```\n\nz", "pre kept and fenced");
	IS("a<br>b<br><br><br>c", NULL, "a\nb\n\nc", "<br> breaks, at most 2");
	IS("<title> The\n  Title </title>", NULL, "# The Title",
	    "title whitespace collapsed");
	IS("<title>A</title><title>B</title>x", NULL, "# A\n\nx",
	    "only the first title");
}

static void
test_whitespace(void)
{
	IS("  \n\t<p>  lots\n\n of   \t space  </p>  \n ", NULL,
	    "lots of space", "runs collapse, ends trimmed");
	IS("<b>bold</b><i>it</i> <span>s</span>", NULL, "boldit s",
	    "inline tags join without spaces");
	IS("<div><div><p>deep</p></div></div><div>next</div>", NULL,
	    "deep\n\nnext", "nested blocks give one blank line");
}

static void
test_utf8(void)
{
	char page[300];
	char *g;
	size_t i;

	for (i = 0; i < sizeof(page) - 1; i++)
		page[i] = (char)(1 + (i * 37) % 255);
	page[sizeof(page) - 1] = '\0';
	g = conv(page, "http://h/");
	ok(utf8_valid(g, strlen(g), NULL), "any bytes give valid UTF-8");
	free(g);
}

int
main(void)
{
	test_resolve();
	test_entities();
	test_links();
	test_broken();
	test_dropped();
	test_blocks();
	test_whitespace();
	test_utf8();
	return done_testing();
}
