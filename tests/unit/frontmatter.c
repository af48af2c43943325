/*
 * frontmatter.c: unit tests for libcommon/frontmatter.c, the SKILL.md
 * front matter reader: every value form it accepts, and a long list of
 * malformed inputs, each of which must fail with "FILE:LINE:" naming the
 * right line and never crash (run under ASan by make check).  Random
 * and truncated inputs at the end.
 */
#include "common.h"
#include "frontmatter.h"
#include "tap.h"

static struct frontmatter fm;
static struct buf err;

static int
parse(const char *text)
{
	buf_reset(&err);
	frontmatter_release(&fm);
	return frontmatter_parse(&fm, "S.md", text, strlen(text), &err);
}

static void
good(const char *text, const char *key, const char *want, const char *msg)
{
	int rc = parse(text);

	if (!ok(rc == 0, "%s", msg)) {
		printf("#   error: %s\n", buf_str(&err));
		return;
	}
	if (key)
		is_str(frontmatter_get(&fm, key), want, "%s: value", msg);
}

/* Fails, and the message starts with "S.md:LINE: " and holds what. */
static void
bad(const char *text, int line, const char *what, const char *msg)
{
	char pre[32];
	int rc = parse(text);

	snprintf(pre, sizeof(pre), "S.md:%d: ", line);
	if (!ok(rc == -HM_EINVAL && !strncmp(buf_str(&err), pre,
	    strlen(pre)) && strstr(buf_str(&err), what), "%s", msg))
		printf("#   rc %d, error '%s', want '%s...%s'\n", rc,
		    buf_str(&err), pre, what);
}

static void
lists(void)
{
	const struct fm_entry *e;

	good("---\nallowed-tools: [a, 'b c', \"d\"]\n---\n", NULL, NULL,
	    "flow list");
	e = frontmatter_find(&fm, "allowed-tools");
	ok(e && e->type == FM_LIST && e->nitems == 3 &&
	    !strcmp(e->items[1], "b c") && !strcmp(e->items[2], "d"),
	    "flow list items");
	good("---\nallowed-tools: []\n---\n", NULL, NULL, "empty flow list");
	e = frontmatter_find(&fm, "allowed-tools");
	ok(e && e->type == FM_LIST && e->nitems == 0, "no items");
	bad("---\nallowed-tools:\n  - a\n  - 'b'\n# c\n- x\n---\n", 6,
	    "list item", "an item after a list's end");
	good("---\nallowed-tools:\n- a\n- b # note\nname: n\n---\n", "name",
	    "n", "block list at the key's indent");
	e = frontmatter_find(&fm, "allowed-tools");
	ok(e && e->nitems == 2 && !strcmp(e->items[1], "b"), "items, "
	    "comment dropped");
	good("---\nmetadata:\n  author: me\n  tags: [x, y]\n  list:\n"
	    "    - p\nname: n\n---\nbody\n", "metadata.author", "me",
	    "one-level mapping");
	e = frontmatter_find(&fm, "metadata");
	ok(e && e->type == FM_MAP, "metadata is a mapping");
	e = frontmatter_find(&fm, "metadata.tags");
	ok(e && e->type == FM_LIST && e->nitems == 2 && e->depth == 1,
	    "list inside the mapping");
	e = frontmatter_find(&fm, "metadata.list");
	ok(e && e->type == FM_LIST && e->nitems == 1, "block list inside");
	is_int(fm.body_line, 9, "body line");
}

static void
scalars(void)
{
	good("---\nname: x\n---\n", "name", "x", "plain");
	is_int(fm.body, 16, "body offset at the end");
	good("\357\273\277---\r\nname: x\r\n---\r\nbody", "name", "x",
	    "BOM and CRLF");
	good("---\nd: 'it''s: fine'\n---\n", "d", "it's: fine", "single");
	good("---\nd: \"t\\tq\\\"\\\\ \\u00e9\\x41\\U0001F600\"\n---\n", "d",
	    "t\tq\"\\ \303\251A\360\237\230\200", "double escapes");
	good("---\nd: a # comment\n---\n", "d", "a", "comment after plain");
	good("---\nd: a#b\n---\n", "d", "a#b", "# inside a word");
	good("---\nd: first\n  second\n   third\nn: 1\n---\n", "d",
	    "first second third", "continued plain");
	good("---\nd: >\n  one\n  two\n\n  three\n---\n", "d",
	    "one two\nthree\n", "folded");
	good("---\nd: |\n  one\n    two\n  three\n\n---\n", "d",
	    "one\n  two\nthree\n", "literal keeps inner indent");
	good("---\nd: >-\n  one\n  two\n---\n", "d", "one two", "strip");
	good("---\nd: |+\n  one\n\n---\n", "d", "one\n\n", "keep");
	good("---\nd: |\n---\n", "d", "", "empty block");
	good("---\nd:\n---\n", "d", "", "empty value");
	good("---\n# only a comment\n\n---\n", NULL, NULL, "no keys");
	is_int(fm.n, 0, "nothing");
	good("---\n---\n", NULL, NULL, "empty front matter");
	good("---\nd: x\n---", "d", "x", "no newline after the end");
	good("---\nd: x   \n---  \n", "d", "x", "trailing blanks");
	good("---\nd: \"a: b # c\"\n---\n", "d", "a: b # c", "quoted hides");
	good("---\nd: url http://x/y\n---\n", "d", "url http://x/y",
	    "colon without a space");
}

static void
malformed(void)
{
	bad("", 1, "no front matter", "empty text");
	bad("name: x\n", 1, "no front matter", "no opening line");
	bad("---\nname: x\n", 1, "not closed", "unterminated");
	bad("---", 1, "not closed", "only the opening");
	bad("---\n\tname: x\n---\n", 2, "tab", "tab indentation");
	bad("---\nm:\n  a: 1\n\t b: 2\n---\n", 4, "tab", "tab in mapping");
	bad("---\nname x\n---\n", 2, "expected 'key: value'", "no colon");
	bad("---\nname:x\n---\n", 2, "expected", "no space after colon");
	bad("---\n: x\n---\n", 2, "expected", "empty key");
	bad("---\nna me: x\n---\n", 2, "expected", "space in key");
	bad("---\n\"k\": x\n---\n", 2, "quoted keys", "quoted key");
	bad("---\na: 1\nb: 2\na: 3\n---\n", 4, "duplicate key 'a'",
	    "duplicate");
	bad("---\n  a: 1\n---\n", 2, "unexpected indentation", "indented");
	bad("---\n- a\n---\n", 2, "list item", "orphan item");
	bad("---\nd: a: b\n---\n", 2, "quote it", "colon space in plain");
	bad("---\nd: a:\n---\n", 2, "quote it", "ends with colon");
	bad("---\nd: 'open\n---\n", 2, "unterminated single", "open single");
	bad("---\nd: \"open\n---\n", 2, "unterminated double", "open double");
	bad("---\nd: \"a\\\n---\n", 2, "unterminated", "backslash at end");
	bad("---\nd: \"\\q\"\n---\n", 2, "unknown escape", "bad escape");
	bad("---\nd: \"\\0\"\n---\n", 2, "NUL", "NUL escape");
	bad("---\nd: \"\\u0000\"\n---\n", 2, "invalid character", "u0000");
	bad("---\nd: \"\\ud800\"\n---\n", 2, "invalid character",
	    "surrogate");
	bad("---\nd: \"\\U00110000\"\n---\n", 2, "invalid", "past U+10FFFF");
	bad("---\nd: \"\\u12\"\n---\n", 2, "hex digits", "short \\u");
	bad("---\nd: \"\\xZZ\"\n---\n", 2, "hex digits", "bad \\x");
	bad("---\nd: 'a' b\n---\n", 2, "after the closing quote", "junk");
	bad("---\nd: [a, b\n---\n", 2, "unterminated flow list", "open [");
	bad("---\nd: [a,, b]\n---\n", 2, "cannot start with ','",
	    "empty item");
	bad("---\nd: [a] x\n---\n", 2, "after the closing ']'", "junk ]");
	bad("---\nd: [[a]]\n---\n", 2, "scalars", "nested flow");
	bad("---\nd: [a, {b: c}]\n---\n", 2, "flow mappings", "map in list");
	bad("---\nd: {a: b}\n---\n", 2, "flow mappings", "flow mapping");
	bad("---\nd: &x a\n---\n", 2, "anchor", "anchor");
	bad("---\nd: *x\n---\n", 2, "alias", "alias");
	bad("---\nd: !!str a\n---\n", 2, "tag", "tag");
	bad("---\nd: @a\n---\n", 2, "reserved", "reserved");
	bad("---\nd: - a\n---\n", 2, "cannot start with '-'", "dash");
	bad("---\nd: |2\n  x\n---\n", 2, "indentation indicators", "|2");
	bad("---\nd: | x\n---\n", 2, "after a block", "text after |");
	bad("---\nd: |\n    a\n  b\n---\n", 4, "indented less", "ragged");
	bad("---\nm:\n  a:\n    b: 1\n---\n", 4, "nesting deeper", "nested");
	bad("---\nm:\n  a: 1\n    b: 2\n---\n", 4, "quote it",
	    "over-indented child continues a plain value with a colon");
	good("---\nm:\n  a: 1\n   - b\n---\n", "m.a", "1 - b",
	    "a deeper dash line continues a plain value");
	bad("---\nm:\n  a: 1\n  - b\n---\n", 4, "list item",
	    "item among keys");
	bad("---\nl:\n- a\n  x: 1\n---\n", 4, "unexpected indentation",
	    "junk after a list");
	bad("---\nm:\n  a:\n  - b\n---\n", 4, "indented under its key",
	    "list inside mapping at the same indent");
	bad("---\nd: a\n\xff\n---\n", 3, "not valid UTF-8", "bad UTF-8");
	bad("---\nd: a\n\300\200\n---\n", 3, "not valid UTF-8", "overlong");
}

static void
binary_and_huge(void)
{
	static const char nul[] = "---\nd: a\0b\n---\n";
	struct buf big = BUF_INIT;
	unsigned seed = 12345;
	char *rnd;
	size_t i, k;
	int rc;

	buf_reset(&err);
	rc = frontmatter_parse(&fm, "S.md", nul, sizeof(nul) - 1, &err);
	ok(rc == -HM_EINVAL && strstr(buf_str(&err), "S.md:2: a NUL byte"),
	    "a NUL byte is an error on its line");
	buf_adds(&big, "---\nd: ");
	for (i = 0; i < 70000; i++)
		buf_addc(&big, 'x');
	buf_adds(&big, "\n---\n");
	buf_reset(&err);
	rc = frontmatter_parse(&fm, "S.md", big.s, big.len, &err);
	ok(rc == -HM_EINVAL && strstr(buf_str(&err), "longer than"),
	    "front matter over 64 KiB is refused");
	buf_reset(&big);
	buf_adds(&big, "---\nd: x\n---\n");
	for (i = 0; i < 2000000; i++)
		buf_addc(&big, 'y');
	buf_reset(&err);
	rc = frontmatter_parse(&fm, "S.md", big.s, big.len, &err);
	ok(rc == 0 && fm.body == 13, "a 2 MB body is fine");
	frontmatter_release(&fm);
	/* every prefix of a rich document: no crash, and a clean result */
	buf_reset(&big);
	buf_adds(&big, "---\nname: n\ndescription: >-\n  a\n  b\nm:\n  k: "
	    "'v'\n  t: [a, \"b\"]\nl:\n  - x\n---\nbody\n");
	for (k = 0, i = 0; i <= big.len; i++) {
		buf_reset(&err);
		rc = frontmatter_parse(&fm, "S.md", big.s, i, &err);
		k += rc == 0 || (rc == -HM_EINVAL && !strncmp(err.s, "S.md:",
		    5));
		frontmatter_release(&fm);
	}
	is_int(k, big.len + 1, "every truncation parses or fails cleanly");
	/* random printable soup with structure characters */
	rnd = xmalloc(400);
	for (k = 0, i = 0; i < 3000; i++) {
		size_t j, n = 4 + (seed = seed * 1103515245 + 12345) % 390;
		static const char alpha[] = "-:'\"[]{},#|>&*!\\ \t\nab\300";

		memcpy(rnd, "---\n", 4);
		for (j = 4; j < n; j++) {
			seed = seed * 1103515245 + 12345;
			rnd[j] = alpha[(seed >> 16) % (sizeof(alpha) - 1)];
		}
		buf_reset(&err);
		rc = frontmatter_parse(&fm, "S.md", rnd, n, &err);
		k += rc == 0 || (rc == -HM_EINVAL && err.len);
		frontmatter_release(&fm);
	}
	is_int(k, 3000, "3000 random inputs: no crash, always an answer");
	free(rnd);
	buf_release(&big);
}

static void
quote_round_trip(void)
{
	static const char *const v[] = { "plain", "a: b", "- x", "true",
	    "12", "'q'", "\"d\"", "tab\there", "line\nbreak", " lead",
	    "trail ", "#x", "a #b", "x:", "\\back", "\001ctl", "é ok", "" };
	struct buf text = BUF_INIT;
	size_t i;

	for (i = 0; i < HM_ARRAY_SIZE(v); i++) {
		buf_reset(&text);
		buf_adds(&text, "---\nk: ");
		frontmatter_quote(&text, v[i]);
		buf_adds(&text, "\n---\n");
		good(text.s, "k", v[i], "quote round trip");
	}
	buf_release(&text);
}

int
main(void)
{
	scalars();
	lists();
	malformed();
	binary_and_huge();
	quote_round_trip();
	frontmatter_release(&fm);
	buf_release(&err);
	return done_testing();
}
