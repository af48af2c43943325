/*
 * html.c: HTML to readable text (see html.h).  One pass over the bytes:
 * a tag tokenizer that never fails (a '<' that starts no tag is text, an
 * unclosed quote ends at the next '>', an unclosed comment eats the
 * rest) feeds a writer that keeps "pending" state instead of writing
 * eagerly: the newlines due (0-2), a space due, a list marker due and an
 * open link whose '[' is only written with its first visible character,
 * so empty links, empty items and trailing blanks never reach the text.
 * Dropped elements are skipped by counting nested tags of the same name
 * (a </body> ends the skip, so an unclosed <nav> loses little); raw-text
 * elements (script, style, ...) jump to their end tag.  Link targets
 * are resolved by url.c.
 */
#include <strings.h>

#include "common.h"
#include "html.h"
#include "url.h"

#define HTML_LISTS	16

struct conv {
	struct buf b;		/* the body text */
	struct buf title;
	struct buf base;	/* absolute base URL, or empty */
	struct buf href;	/* the open link's target */
	int nl, space, pre, pre_start, in_a, a_started;
	char prefix[48];	/* list marker or heading hashes, due */
	char skip[16];		/* element being dropped */
	int skip_depth;
	int lists, ltype[HTML_LISTS], lcount[HTML_LISTS];
	int article;		/* inside <article> or <main> */
	size_t cell;		/* b.len when the open cell began, or -1 */
	int keep;		/* second pass: keep nav, header, ... */
	int dropped;		/* some of those were dropped */
};

struct tag {
	char name[16];
	int end, selfclose, hidden;
	const char *href;
	size_t hreflen;
};

static const struct {
	const char *name;
	unsigned cp;
} entities[] = {
	{ "amp", '&' }, { "lt", '<' }, { "gt", '>' }, { "quot", '"' },
	{ "apos", '\'' }, { "nbsp", ' ' }, { "copy", 0xA9 }, { "reg", 0xAE },
	{ "trade", 0x2122 }, { "hellip", 0x2026 }, { "mdash", 0x2014 },
	{ "ndash", 0x2013 }, { "lsquo", 0x2018 }, { "rsquo", 0x2019 },
	{ "sbquo", 0x201A }, { "ldquo", 0x201C }, { "rdquo", 0x201D },
	{ "bdquo", 0x201E }, { "laquo", 0xAB }, { "raquo", 0xBB },
	{ "lsaquo", 0x2039 }, { "rsaquo", 0x203A }, { "bull", 0x2022 },
	{ "middot", 0xB7 }, { "deg", 0xB0 }, { "plusmn", 0xB1 },
	{ "times", 0xD7 }, { "divide", 0xF7 }, { "micro", 0xB5 },
	{ "para", 0xB6 }, { "sect", 0xA7 }, { "cent", 0xA2 },
	{ "pound", 0xA3 }, { "yen", 0xA5 }, { "euro", 0x20AC },
	{ "iexcl", 0xA1 }, { "iquest", 0xBF }, { "shy", 0 },
	{ "ensp", ' ' }, { "emsp", ' ' }, { "thinsp", ' ' }, { "zwj", 0x200D },
	{ "zwnj", 0 }, { "lrm", 0 }, { "rlm", 0 }, { "dagger", 0x2020 },
	{ "Dagger", 0x2021 }, { "permil", 0x2030 }, { "prime", 0x2032 },
	{ "larr", 0x2190 }, { "uarr", 0x2191 }, { "rarr", 0x2192 },
	{ "darr", 0x2193 }, { "harr", 0x2194 }, { "frac12", 0xBD },
	{ "frac14", 0xBC }, { "frac34", 0xBE }, { "sup2", 0xB2 },
	{ "sup3", 0xB3 }, { "agrave", 0xE0 }, { "aacute", 0xE1 },
	{ "acirc", 0xE2 }, { "atilde", 0xE3 }, { "auml", 0xE4 },
	{ "aring", 0xE5 }, { "aelig", 0xE6 }, { "ccedil", 0xE7 },
	{ "egrave", 0xE8 }, { "eacute", 0xE9 }, { "ecirc", 0xEA },
	{ "euml", 0xEB }, { "igrave", 0xEC }, { "iacute", 0xED },
	{ "icirc", 0xEE }, { "iuml", 0xEF }, { "ntilde", 0xF1 },
	{ "ograve", 0xF2 }, { "oacute", 0xF3 }, { "ocirc", 0xF4 },
	{ "otilde", 0xF5 }, { "ouml", 0xF6 }, { "oslash", 0xF8 },
	{ "ugrave", 0xF9 }, { "uacute", 0xFA }, { "ucirc", 0xFB },
	{ "uuml", 0xFC }, { "yacute", 0xFD }, { "yuml", 0xFF },
	{ "szlig", 0xDF }, { "Agrave", 0xC0 }, { "Aacute", 0xC1 },
	{ "Auml", 0xC4 }, { "Ccedil", 0xC7 }, { "Eacute", 0xC9 },
	{ "Ntilde", 0xD1 }, { "Ouml", 0xD6 }, { "Uuml", 0xDC },
};

/* &#128; .. &#159; mean what windows-1252 puts there. */
static const unsigned short cp1252[32] = {
	0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD,
	0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178,
};

static int
is_alpha(int ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

static int
is_alnum(int ch)
{
	return is_alpha(ch) || (ch >= '0' && ch <= '9');
}

static int
is_space(int ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' ||
	    ch == '\f';
}

static void
put_cp(struct buf *b, unsigned long cp)
{
	char u[4];

	if (cp < 0x80) {
		buf_addc(b, (int)cp);
		return;
	}
	if (cp < 0x800) {
		u[0] = (char)(0xC0 | cp >> 6);
		u[1] = (char)(0x80 | (cp & 0x3F));
		buf_add(b, u, 2);
	} else if (cp < 0x10000) {
		u[0] = (char)(0xE0 | cp >> 12);
		u[1] = (char)(0x80 | (cp >> 6 & 0x3F));
		u[2] = (char)(0x80 | (cp & 0x3F));
		buf_add(b, u, 3);
	} else {
		u[0] = (char)(0xF0 | cp >> 18);
		u[1] = (char)(0x80 | (cp >> 12 & 0x3F));
		u[2] = (char)(0x80 | (cp >> 6 & 0x3F));
		u[3] = (char)(0x80 | (cp & 0x3F));
		buf_add(b, u, 4);
	}
}

/* Length of the well-formed UTF-8 sequence at s, or 0. */
static size_t
seqlen(const unsigned char *s, size_t n)
{
	unsigned lo = 0x80, hi = 0xBF;
	size_t len, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		len = 2;
	else if (s[0] >= 0xE0 && s[0] <= 0xEF)
		len = 3;
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
		len = 4;
	else
		return 0;
	if (s[0] == 0xE0)
		lo = 0xA0;
	else if (s[0] == 0xED)
		hi = 0x9F;
	else if (s[0] == 0xF0)
		lo = 0x90;
	else if (s[0] == 0xF4)
		hi = 0x8F;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 0;
	return len;
}

/* The entity after '&' at p: its code point (0: nothing), or -1. */
static long
entity(const char *p, size_t n, size_t *used)
{
	unsigned long v = 0;
	size_t i = 0, k;
	int hex, d, ch;

	if (n && p[0] == '#') {
		hex = n > 1 && (p[1] == 'x' || p[1] == 'X');
		for (i = hex ? 2 : 1; i < n && i < 12; i++) {
			ch = p[i] | 0x20;
			if (p[i] >= '0' && p[i] <= '9')
				d = p[i] - '0';
			else if (hex && ch >= 'a' && ch <= 'f')
				d = ch - 'a' + 10;
			else
				break;
			v = v * (hex ? 16 : 10) + (unsigned)d;
		}
		if (i == (hex ? 2u : 1u))
			return -1;
		*used = i + (i < n && p[i] == ';');
		if (v >= 0x80 && v < 0xA0)
			return cp1252[v - 0x80];
		if (!v || v > 0x10FFFF || (v >= 0xD800 && v < 0xE000))
			return 0xFFFD;
		return (long)v;
	}
	while (i < n && i < 10 && is_alnum(p[i]))
		i++;
	for (k = 0; k < HM_ARRAY_SIZE(entities); k++) {
		if (strlen(entities[k].name) != i ||
		    strncmp(entities[k].name, p, i))
			continue;
		if (i < n && p[i] == ';')
			*used = i + 1;
		else if (k < 6 && k != 4)	/* amp lt gt quot nbsp */
			*used = i;
		else
			return -1;
		return entities[k].cp;
	}
	return -1;
}

/* Append p[0..n) as clean UTF-8, entities decoded when ent is set. */
static void
clean(const char *p, size_t n, struct buf *out, int ent)
{
	const unsigned char *u = (const unsigned char *)p;
	size_t i = 0, k, used;
	long cp;

	while (i < n) {
		if (ent && u[i] == '&' && (cp = entity(p + i + 1, n - i - 1,
		    &used)) >= 0) {
			if (cp)
				put_cp(out, (unsigned long)cp);
			i += 1 + used;
		} else if (u[i] == '\r') {
			if (i + 1 >= n || u[i + 1] != '\n')
				buf_addc(out, '\n');
			i++;
		} else if (u[i] < 0x20 && u[i] != '\t' && u[i] != '\n') {
			i++;
		} else if ((k = seqlen(u + i, n - i))) {
			buf_add(out, p + i, k);
			i += k;
		} else {
			put_cp(out, u[i++]);	/* Latin-1 */
		}
	}
}

void
html_utf8_clean(const char *s, size_t len, struct buf *out)
{
	clean(s, len, out, 0);
}

int
html_url_resolve(const char *base, const char *ref, struct buf *out)
{
	return url_resolve(base, ref, out);
}

/* The writer: what is due is written before the next visible text. */
static void
put(struct conv *c, const char *s, size_t n)
{
	if (c->b.len && c->nl) {
		while (c->b.len && c->b.s[c->b.len - 1] == ' ')
			c->b.len--;
		buf_setlen(&c->b, c->b.len);
		buf_add(&c->b, "\n\n", (size_t)c->nl);
	} else if (c->b.len && c->space) {
		buf_addc(&c->b, ' ');
	}
	c->nl = c->space = 0;
	if (*c->prefix) {
		buf_adds(&c->b, c->prefix);
		*c->prefix = '\0';
	}
	if (c->in_a && !c->a_started) {
		buf_addc(&c->b, '[');
		c->a_started = 1;
	}
	buf_add(&c->b, s, n);
}

static void
block(struct conv *c, int k)
{
	if (c->cell == c->b.len)
		return;		/* <td><center><div>: no text yet */
	if (c->in_a && c->a_started)
		c->space = 1;		/* a card link stays on one line */
	else if (k > c->nl)
		c->nl = k;
}

static void
link_close(struct conv *c)
{
	if (c->in_a && c->a_started)
		buf_addf(&c->b, "](%s)", buf_str(&c->href));
	c->in_a = c->a_started = 0;
}

static void
text(struct conv *c, const char *p, size_t n)
{
	struct buf t = BUF_INIT;
	size_t i = 0, e;

	if (c->skip_depth)
		return;
	clean(p, n, &t, 1);
	if (c->pre && c->pre_start && t.len && t.s[0] == '\n')
		i = 1;
	if (t.len)
		c->pre_start = 0;
	while (i < t.len) {
		if (c->pre) {
			put(c, t.s + i, t.len - i);
			break;
		}
		if (is_space(t.s[i])) {
			c->space = 1;
			i++;
			continue;
		}
		for (e = i; e < t.len && !is_space(t.s[e]); e++)
			;
		put(c, t.s + i, e - i);
		i = e;
	}
	buf_release(&t);
}

/* Offset just past the end tag </name> at or after i (or n); *body is
 * where the end tag starts. */
static size_t
raw_end(const char *p, size_t n, size_t i, const char *name, size_t *body)
{
	size_t k = strlen(name);

	*body = n;
	for (; i + 1 < n; i++) {
		if (p[i] != '<' || p[i + 1] != '/' || n - i - 2 < k ||
		    strncasecmp(p + i + 2, name, k) ||
		    (i + 2 + k < n && is_alnum(p[i + 2 + k])))
			continue;
		*body = i;
		while (i < n && p[i] != '>')
			i++;
		return i < n ? i + 1 : n;
	}
	return n;
}

/* Parse the tag at p[i] == '<'; return the offset past it, or 0 when it
 * is not a tag.  Comments and declarations come back with no name. */
static size_t
tag_parse(const char *p, size_t n, size_t i, struct tag *t)
{
	size_t j = i + 1, k = 0, a, al;
	const char *e;
	char q;

	memset(t, 0, sizeof(*t));
	if (j < n && p[j] == '!' && n - j >= 3 && !strncmp(p + j, "!--", 3)) {
		if (n - j > 3 && p[j + 3] == '>')
			return j + 4;		/* <!--> */
		if (n - j > 4 && p[j + 3] == '-' && p[j + 4] == '>')
			return j + 5;		/* <!---> */
		e = memmem(p + j + 3, n - j - 3, "-->", 3);
		return e ? (size_t)(e - p) + 3 : n;
	}
	if (j < n && (p[j] == '!' || p[j] == '?' || (p[j] == '/' &&
	    (j + 1 >= n || !is_alpha(p[j + 1]))))) {
		e = memchr(p + j, '>', n - j);
		return e ? (size_t)(e - p) + 1 : n;
	}
	if (j < n && p[j] == '/') {
		t->end = 1;
		j++;
	}
	if (j >= n || !is_alpha(p[j]))
		return 0;
	for (; j < n && (is_alnum(p[j]) || p[j] == '-' || p[j] == ':'); j++)
		if (k + 1 < sizeof(t->name))
			t->name[k++] = (char)(is_alpha(p[j]) ? p[j] | 0x20 :
			    p[j]);
	for (;;) {
		while (j < n && (is_space(p[j]) || p[j] == '/')) {
			t->selfclose = p[j] == '/' && j + 1 < n &&
			    p[j + 1] == '>';
			j++;
		}
		if (j >= n || p[j] == '>')
			break;
		for (a = j++; j < n && !is_space(p[j]) && p[j] != '/' &&
		    p[j] != '>' && p[j] != '='; j++)
			;
		al = j - a;
		while (j < n && is_space(p[j]))
			j++;
		if (al == 6 && !strncasecmp(p + a, "hidden", 6))
			t->hidden = 1;
		if (j >= n || p[j] != '=')
			continue;
		for (j++; j < n && is_space(p[j]); j++)
			;
		if (j < n && (p[j] == '"' || p[j] == '\'')) {
			q = p[j++];
			e = memchr(p + j, q, n - j);
			if (!e)		/* unclosed: the value ends at '>' */
				e = memchr(p + j, '>', n - j);
			k = e ? (size_t)(e - p) : n;
		} else {
			k = j;
			while (k < n && !is_space(p[k]) && p[k] != '>')
				k++;
		}
		if (al == 4 && !strncasecmp(p + a, "href", 4)) {
			t->href = p + j;
			t->hreflen = k - j;
		}
		j = k < n && (p[k] == '"' || p[k] == '\'') ? k + 1 : k;
	}
	return j < n ? j + 1 : n;
}

static int
in_set(const char *name, const char *set)
{
	size_t k = strlen(name);
	const char *s;

	for (s = set; (s = strstr(s, name)); s += k)
		if ((s == set || s[-1] == ' ') && (s[k] == ' ' || !s[k]))
			return 1;
	return 0;
}

static void
open_link(struct conv *c, const struct tag *t)
{
	struct buf h = BUF_INIT;

	link_close(c);
	if (!t->href)
		return;
	clean(t->href, t->hreflen, &h, 1);
	buf_reset(&c->href);
	if (h.len && h.s[0] != '#' && strncasecmp(h.s, "javascript:", 11) &&
	    url_resolve(buf_str(&c->base), h.s, &c->href) == 0)
		c->in_a = 1;
	buf_release(&h);
}

static void
start_tag(struct conv *c, const struct tag *t)
{
	const char *n = t->name;
	int lv;

	if (in_set(n, "li tr td th table ul ol"))
		link_close(c);	/* an unclosed <a> ends with its row */
	if (!strcmp(n, "tr") || !strcmp(n, "table"))
		c->cell = (size_t)-1;
	if (!strcmp(n, "a")) {
		open_link(c, t);
	} else if (!strcmp(n, "base") && t->href) {
		struct buf h = BUF_INIT, u = BUF_INIT;

		clean(t->href, t->hreflen, &h, 1);
		if (url_resolve(buf_str(&c->base), h.s ? h.s : "", &u) == 0) {
			buf_release(&c->base);
			c->base = u;
		} else {
			buf_release(&u);
		}
		buf_release(&h);
	} else if (!strcmp(n, "br")) {
		if (c->pre)
			put(c, "\n", 1);
		else if (c->in_a && c->a_started)
			c->space = 1;
		else if (c->nl < 2)
			c->nl++;
	} else if (n[0] == 'h' && n[1] >= '1' && n[1] <= '6' && !n[2]) {
		block(c, 2);
		lv = n[1] - '0';
		memset(c->prefix, '#', (size_t)lv);
		c->prefix[lv] = ' ';
		c->prefix[lv + 1] = '\0';
	} else if (!strcmp(n, "ul") || !strcmp(n, "ol")) {
		block(c, c->lists ? 1 : 2);
		if (c->lists < HTML_LISTS) {
			c->ltype[c->lists] = n[0] == 'o';
			c->lcount[c->lists] = 0;
		}
		c->lists++;
	} else if (!strcmp(n, "li")) {
		block(c, 1);
		lv = c->lists > HTML_LISTS ? HTML_LISTS : c->lists;
		if (lv && c->ltype[lv - 1])
			snprintf(c->prefix, sizeof(c->prefix), "%*s%d. ",
			    2 * (lv - 1), "", ++c->lcount[lv - 1]);
		else
			snprintf(c->prefix, sizeof(c->prefix), "%*s- ",
			    2 * (lv ? lv - 1 : 0), "");
	} else if (!strcmp(n, "pre")) {
		block(c, 2);
		put(c, "```", 3);
		c->nl = 1;
		c->pre++;
		c->pre_start = 1;
	} else if (!strcmp(n, "td") || !strcmp(n, "th")) {
		c->space = 1;
		c->cell = c->b.len;
	} else if (in_set(n, "p blockquote table dl figure hr section "
	    "article main")) {
		block(c, 2);
	} else if (in_set(n, "div tr dt dd caption figcaption summary "
	    "details address center")) {
		block(c, 1);
	}
	if (!strcmp(n, "article") || !strcmp(n, "main"))
		c->article++;
}

static void
end_tag(struct conv *c, const struct tag *t)
{
	const char *n = t->name;

	if (in_set(n, "a li tr td th table ul ol body html"))
		link_close(c);
	if (in_set(n, "tr td th table"))
		c->cell = (size_t)-1;
	if (!strcmp(n, "pre") && c->pre) {
		c->pre--;
		c->nl = 1;
		put(c, "```", 3);
		block(c, 2);
	} else if (!strcmp(n, "ul") || !strcmp(n, "ol")) {
		if (c->lists)
			c->lists--;
		block(c, c->lists ? 1 : 2);
		*c->prefix = '\0';
	} else if (!strcmp(n, "td") || !strcmp(n, "th")) {
		c->space = 1;
	} else if ((n[0] == 'h' && n[1] >= '1' && n[1] <= '6' && !n[2]) ||
	    in_set(n, "p blockquote table dl figure section article main")) {
		block(c, 2);
		*c->prefix = '\0';
	} else if (in_set(n, "div li tr dt dd caption figcaption summary "
	    "details address center")) {
		block(c, 1);
		if (!strcmp(n, "li"))
			*c->prefix = '\0';
	}
	if ((!strcmp(n, "article") || !strcmp(n, "main")) && c->article)
		c->article--;
}

/* Is the element opened by t dropped with its content? */
static int
dropped(struct conv *c, const struct tag *t)
{
	if (t->hidden || in_set(t->name, "svg math template select button "
	    "object canvas dialog"))
		return 1;
	if (!in_set(t->name, "nav aside form header footer"))
		return 0;
	if (c->article && (!strcmp(t->name, "header") ||
	    !strcmp(t->name, "footer")))
		return 0;	/* an article's own header holds its h1 */
	c->dropped = 1;
	return !c->keep;
}

static void
convert(struct conv *c, const char *p, size_t n)
{
	size_t i = 0, j, e, body;
	struct tag t;

	while (i < n) {
		if (p[i] != '<' || !(j = tag_parse(p, n, i, &t))) {
			e = i + 1;
			while (e < n && p[e] != '<')
				e++;
			text(c, p + i, e - i);
			i = e;
			continue;
		}
		i = j;
		if (!t.name[0])
			continue;
		if (!t.end && in_set(t.name, "script style textarea xmp "
		    "iframe noembed noframes noscript title")) {
			e = raw_end(p, n, i, t.name, &body);
			if (!strcmp(t.name, "title") && !c->title.len &&
			    !c->skip_depth)
				clean(p + i, body - i, &c->title, 1);
			i = e;
		} else if (c->skip_depth) {
			if (!strcmp(t.name, c->skip) && !t.selfclose)
				c->skip_depth += t.end ? -1 : 1;
			else if (t.end && in_set(t.name, "body html"))
				c->skip_depth = 0;
		} else if (t.end) {
			end_tag(c, &t);
		} else if (!t.selfclose && !in_set(t.name, "area base br col "
		    "embed hr img input link meta param source track wbr") &&
		    dropped(c, &t)) {
			memcpy(c->skip, t.name, sizeof(c->skip));
			c->skip_depth = 1;
		} else {
			start_tag(c, &t);
		}
	}
	link_close(c);
}

static void
conv_run(struct conv *c, const char *html, size_t len, const char *base,
    int keep)
{
	memset(c, 0, sizeof(*c));
	c->keep = keep;
	c->cell = (size_t)-1;
	if (base)
		buf_adds(&c->base, base);
	convert(c, html, len);
	buf_rtrim(&c->b);
}

static void
conv_release(struct conv *c)
{
	buf_release(&c->b);
	buf_release(&c->title);
	buf_release(&c->base);
	buf_release(&c->href);
}

int
html_to_text(const char *html, size_t len, const char *base_url,
    struct buf *out)
{
	struct conv c, k;
	struct conv *use = &c;
	size_t i;
	int sp = 0;

	conv_run(&c, html, len, base_url, 0);
	if (c.dropped && c.b.len < 200) {
		conv_run(&k, html, len, base_url, 1);
		if (c.b.len ? k.b.len > 4 * c.b.len + 40 : k.b.len > 0)
			use = &k;
		else
			conv_release(&k);
	}
	if (use->title.len) {
		buf_adds(out, "# ");
		for (i = 0; i < use->title.len; i++) {
			if (is_space(use->title.s[i])) {
				sp = 1;
			} else {
				if (sp && out->s[out->len - 1] != ' ')
					buf_addc(out, ' ');
				sp = 0;
				buf_addc(out, use->title.s[i]);
			}
		}
		if (use->b.len)
			buf_adds(out, "\n\n");
	}
	buf_add(out, buf_str(&use->b), use->b.len);
	if (use == &k)
		conv_release(&k);
	conv_release(&c);
	return 0;
}
