/*
 * frontmatter.c: the SKILL.md front matter subset; see frontmatter.h.
 *
 * Two passes.  The first splits the text into lines up to the closing
 * "---" (and checks UTF-8, the opening line and the size); the second
 * walks those lines with an index, one top-level key at a time, and a
 * value may consume the lines after its key (blocks, lists, mappings,
 * continued plain scalars).  Every read is bounded by a line's length, so
 * no input can run the reader off the end.
 */
#include "common.h"
#include "frontmatter.h"
#include "utf8.h"

#define FM_MAX_BYTES 65536	/* front matter, not the body */

struct line {
	const char *s;
	size_t n;		/* without the newline and a trailing CR */
};

struct parser {
	const char *file;
	struct line *l;
	size_t nl;		/* l[0] is the opening "---" */
	size_t i;		/* the line being read */
	struct frontmatter *fm;
	struct buf *err;
};

static int __attribute__((format(printf, 3, 4)))
fail(struct parser *p, size_t li, const char *fmt, ...)
{
	struct buf msg = BUF_INIT;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	buf_vaddf(&msg, fmt, ap);
	va_end(ap);
	rc = hm_fail(p->err, HM_EINVAL, "%s:%zu: %s", p->file, li + 1,
	    msg.s);
	buf_release(&msg);
	return rc;
}

static size_t
indent_of(const struct line *l)
{
	size_t k = 0;

	while (k < l->n && l->s[k] == ' ')
		k++;
	return k;
}

/* Blank, or a comment: no content. */
static int
is_empty(const struct line *l)
{
	size_t k = 0;

	while (k < l->n && (l->s[k] == ' ' || l->s[k] == '\t'))
		k++;
	return k == l->n || l->s[k] == '#';
}

static int
is_blank(const struct line *l)
{
	size_t k = 0;

	while (k < l->n && (l->s[k] == ' ' || l->s[k] == '\t'))
		k++;
	return k == l->n;
}

/* A tab among the leading blanks of a line with content. */
static int
tab_indent(const struct line *l)
{
	size_t k = 0;

	while (k < l->n && (l->s[k] == ' ' || l->s[k] == '\t')) {
		if (l->s[k] == '\t')
			return k + 1 < l->n;
		k++;
	}
	return 0;
}

static int
is_dashes(const char *s, size_t n)
{
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return n == 3 && !memcmp(s, "---", 3);
}

static struct fm_entry *
push(struct frontmatter *fm, const char *key, size_t klen, int line,
    int depth)
{
	struct fm_entry *e;

	fm->v = xrealloc(fm->v, (fm->n + 1) * sizeof(*fm->v));
	e = &fm->v[fm->n++];
	memset(e, 0, sizeof(*e));
	e->key = xstrndup(key, klen);
	e->line = line;
	e->depth = depth;
	e->type = FM_SCALAR;
	return e;
}

static void
add_item(struct fm_entry *e, char *s)
{
	e->type = FM_LIST;
	e->items = xrealloc(e->items, (e->nitems + 1) * sizeof(*e->items));
	e->items[e->nitems++] = s;
}

static void
put_utf8(struct buf *b, unsigned long c)
{
	if (c < 0x80) {
		buf_addc(b, (int)c);
	} else if (c < 0x800) {
		buf_addc(b, (int)(0xC0 | (c >> 6)));
		buf_addc(b, (int)(0x80 | (c & 0x3F)));
	} else if (c < 0x10000) {
		buf_addc(b, (int)(0xE0 | (c >> 12)));
		buf_addc(b, (int)(0x80 | ((c >> 6) & 0x3F)));
		buf_addc(b, (int)(0x80 | (c & 0x3F)));
	} else {
		buf_addc(b, (int)(0xF0 | (c >> 18)));
		buf_addc(b, (int)(0x80 | ((c >> 12) & 0x3F)));
		buf_addc(b, (int)(0x80 | ((c >> 6) & 0x3F)));
		buf_addc(b, (int)(0x80 | (c & 0x3F)));
	}
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * A quoted scalar starting at s[*k] (the quote) on line li, ending on the
 * same line.  Appends the value to out, leaves *k after the closing quote.
 */
static int
quoted(struct parser *p, size_t li, const char *s, size_t n, size_t *k,
    struct buf *out)
{
	char q = s[*k];
	size_t j = *k + 1, m, d;
	unsigned long c;
	int h;

	buf_add(out, "", 0);
	for (; j < n; j++) {
		if (s[j] == q) {
			if (q == '\'' && j + 1 < n && s[j + 1] == '\'') {
				buf_addc(out, '\'');
				j++;
				continue;
			}
			*k = j + 1;
			return 0;
		}
		if (q == '\'' || s[j] != '\\') {
			buf_addc(out, s[j]);
			continue;
		}
		if (++j >= n)
			break;
		switch (s[j]) {
		case 'n': buf_addc(out, '\n'); break;
		case 't': case '\t': buf_addc(out, '\t'); break;
		case 'r': buf_addc(out, '\r'); break;
		case 'a': buf_addc(out, '\a'); break;
		case 'b': buf_addc(out, '\b'); break;
		case 'v': buf_addc(out, '\v'); break;
		case 'f': buf_addc(out, '\f'); break;
		case 'e': buf_addc(out, 0x1b); break;
		case ' ': case '"': case '/': case '\\':
			buf_addc(out, s[j]);
			break;
		case 'N': put_utf8(out, 0x85); break;
		case '_': put_utf8(out, 0xA0); break;
		case 'L': put_utf8(out, 0x2028); break;
		case 'P': put_utf8(out, 0x2029); break;
		case 'x': case 'u': case 'U':
			m = s[j] == 'x' ? 2 : s[j] == 'u' ? 4 : 8;
			for (c = 0, d = 0; d < m; d++) {
				if (j + 1 + d >= n || (h = hexval(
				    (unsigned char)s[j + 1 + d])) < 0)
					return fail(p, li, "bad escape '\\%c': "
					    "it needs %zu hex digits", s[j], m);
				c = c * 16 + (unsigned long)h;
			}
			if (c == 0 || (c >= 0xD800 && c <= 0xDFFF) ||
			    c > 0x10FFFF)
				return fail(p, li, "escape '\\%c' gives an "
				    "invalid character (U+%04lX)", s[j], c);
			put_utf8(out, c);
			j += m;
			break;
		case '0':
			return fail(p, li, "escape '\\0' would put a NUL "
			    "byte in the value");
		default:
			return fail(p, li, "unknown escape '\\%c' in a "
			    "double-quoted string", s[j]);
		}
	}
	return fail(p, li, "unterminated %s-quoted string (it must close "
	    "on the same line)", q == '"' ? "double" : "single");
}

/* After a value: blanks, then nothing or a comment. */
static int
rest_is_empty(const char *s, size_t n, size_t k)
{
	while (k < n && (s[k] == ' ' || s[k] == '\t'))
		k++;
	return k == n || (s[k] == '#' && k > 0 && (s[k - 1] == ' ' ||
	    s[k - 1] == '\t'));
}

static int
bad_start(struct parser *p, size_t li, char c)
{
	if (c == '{')
		return fail(p, li, "flow mappings ('{...}') are not "
		    "supported");
	if (strchr("&*!%@`", c))
		return fail(p, li, "'%c' starts a YAML feature that is not "
		    "supported here (anchor, alias, tag or reserved); quote "
		    "the value", c);
	if (c == '-' || c == '?' || c == ':' || c == ',' || c == ']' ||
	    c == '}')
		return fail(p, li, "a value cannot start with '%c' here; "
		    "quote it", c);
	return 0;
}

/* The end of a plain scalar on this line: before " #", trimmed. */
static size_t
plain_end(const char *s, size_t n, size_t k)
{
	size_t j;

	for (j = k; j < n; j++)
		if (s[j] == '#' && j > k && (s[j - 1] == ' ' ||
		    s[j - 1] == '\t'))
			break;
	while (j > k && (s[j - 1] == ' ' || s[j - 1] == '\t'))
		j--;
	return j;
}

static int
check_plain(struct parser *p, size_t li, const char *s, size_t n)
{
	size_t j;

	for (j = 0; j < n; j++)
		if (s[j] == ':' && (j + 1 == n || s[j + 1] == ' ' ||
		    s[j + 1] == '\t'))
			return fail(p, li, "a plain value cannot hold ': ' "
			    "or end with ':'; quote it");
	return 0;
}

/* One scalar item of a list ("- ITEM" or "[ITEM, ...]"); in a flow list
 * stop at ',' and ']'.  *k moves past the item. */
static int
item(struct parser *p, size_t li, const char *s, size_t n, size_t *k,
    int flow, struct buf *out)
{
	size_t j;
	int rc;

	while (*k < n && (s[*k] == ' ' || s[*k] == '\t'))
		(*k)++;
	if (*k < n && (s[*k] == '"' || s[*k] == '\''))
		return quoted(p, li, s, n, k, out);
	if (*k < n && (s[*k] == '[' || s[*k] == '|' || s[*k] == '>'))
		return fail(p, li, "list items must be scalars");
	if (*k < n && (rc = bad_start(p, li, s[*k])) < 0)
		return rc;
	if (!flow) {
		j = plain_end(s, n, *k);
		if ((rc = check_plain(p, li, s + *k, j - *k)) < 0)
			return rc;
		buf_add(out, s + *k, j - *k);
		*k = n;
		return 0;
	}
	for (j = *k; j < n && s[j] != ',' && s[j] != ']'; j++)
		if (s[j] == '[' || s[j] == '{' || s[j] == '}' ||
		    (s[j] == '#' && (s[j - 1] == ' ' || s[j - 1] == '\t')))
			return fail(p, li, "'%c' inside a flow list; quote "
			    "the item", s[j]);
	n = j;
	while (j > *k && (s[j - 1] == ' ' || s[j - 1] == '\t'))
		j--;
	if ((rc = check_plain(p, li, s + *k, j - *k)) < 0)
		return rc;
	buf_add(out, s + *k, j - *k);
	*k = n;
	return 0;
}

/* "[a, b]" at s[k], all on line li. */
static int
flow_list(struct parser *p, size_t li, const char *s, size_t n, size_t k,
    struct fm_entry *e)
{
	struct buf b = BUF_INIT;
	int rc, q;

	e->type = FM_LIST;
	for (k++;;) {
		while (k < n && (s[k] == ' ' || s[k] == '\t'))
			k++;
		if (k < n && s[k] == ']')
			break;
		q = k < n && (s[k] == '"' || s[k] == '\'');
		if (k >= n)
			return fail(p, li, "unterminated flow list (it must "
			    "close with ']' on the same line)");
		buf_reset(&b);
		if ((rc = item(p, li, s, n, &k, 1, &b)) < 0) {
			buf_release(&b);
			return rc;
		}
		if (!b.len && !q) {
			buf_release(&b);
			return fail(p, li, "empty item in a flow list");
		}
		add_item(e, xstrndup(buf_str(&b), b.len));
		while (k < n && (s[k] == ' ' || s[k] == '\t'))
			k++;
		if (k < n && s[k] == ',') {
			k++;
			continue;
		}
		if (k < n && s[k] == ']')
			break;
		buf_release(&b);
		return fail(p, li, "unterminated flow list (it must close "
		    "with ']' on the same line)");
	}
	buf_release(&b);
	if (!rest_is_empty(s, n, k + 1))
		return fail(p, li, "text after the closing ']'");
	return 0;
}

/* "|" or ">" block: lines after li indented more than pind. */
static int
block(struct parser *p, size_t li, const char *s, size_t n, size_t k,
    size_t pind, struct fm_entry *e)
{
	struct buf b = BUF_INIT;
	int folded = s[k] == '>', chomp = 0, prev_more = -1, more;
	size_t bind = 0, nblank = 0, j, r;
	const struct line *l;

	k++;
	if (k < n && (s[k] == '-' || s[k] == '+'))
		chomp = s[k++] == '-' ? -1 : 1;
	if (k < n && s[k] >= '1' && s[k] <= '9')
		return fail(p, li, "block indentation indicators are not "
		    "supported");
	if (!rest_is_empty(s, n, k))
		return fail(p, li, "text after a block scalar indicator");
	for (p->i = li + 1; p->i < p->nl; p->i++) {
		l = &p->l[p->i];
		if (is_blank(l)) {
			nblank++;
			continue;
		}
		j = indent_of(l);
		if (!bind) {
			if (j <= pind)
				break;
			bind = j;
		}
		if (j < bind) {
			if (j > pind) {
				buf_release(&b);
				return fail(p, p->i, "a line in a block is "
				    "indented less than the block's first");
			}
			break;
		}
		more = j > bind || l->s[j] == '\t' || l->s[j] == ' ';
		if (prev_more >= 0) {
			if (!folded)
				for (r = 0; r <= nblank; r++)
					buf_addc(&b, '\n');
			else if (nblank == 0)
				buf_addc(&b, prev_more || more ? '\n' : ' ');
			else
				for (r = 0; r < nblank + (prev_more || more);
				    r++)
					buf_addc(&b, '\n');
		} else {
			for (r = 0; r < nblank; r++)
				buf_addc(&b, '\n');
		}
		buf_add(&b, l->s + bind, l->n - bind);
		prev_more = more;
		nblank = 0;
	}
	if (b.len && chomp >= 0)
		buf_addc(&b, '\n');
	if (chomp > 0)
		for (r = 0; r < nblank; r++)
			buf_addc(&b, '\n');
	e->value = xstrndup(buf_str(&b), b.len);
	buf_release(&b);
	return 0;
}

/* A plain scalar at s[k], continued by lines indented more than pind. */
static int
plain(struct parser *p, size_t li, const char *s, size_t n, size_t k,
    size_t pind, struct fm_entry *e)
{
	struct buf b = BUF_INIT;
	const struct line *l;
	size_t j, end;
	int rc;

	end = plain_end(s, n, k);
	if ((rc = check_plain(p, li, s + k, end - k)) < 0)
		return rc;
	buf_add(&b, s + k, end - k);
	for (p->i = li + 1; p->i < p->nl; p->i++) {
		l = &p->l[p->i];
		j = indent_of(l);
		if (is_blank(l) || j <= pind || l->s[j] == '#')
			break;
		if (tab_indent(l)) {
			buf_release(&b);
			return fail(p, p->i, "tab in indentation");
		}
		end = plain_end(l->s, l->n, j);
		if ((rc = check_plain(p, p->i, l->s + j, end - j)) < 0) {
			buf_release(&b);
			return rc;
		}
		buf_addc(&b, ' ');
		buf_add(&b, l->s + j, end - j);
	}
	e->value = xstrndup(buf_str(&b), b.len);
	buf_release(&b);
	return 0;
}

/* The next line with content after li, or p->nl. */
static size_t
next_content(struct parser *p, size_t li)
{
	for (li++; li < p->nl && is_empty(&p->l[li]); li++)
		;
	return li;
}

/* "- item" lines starting at line first, all indented lind. */
static int
block_list(struct parser *p, size_t first, size_t lind, struct fm_entry *e)
{
	struct buf b = BUF_INIT;
	const struct line *l;
	size_t k;
	int rc = 0;

	e->type = FM_LIST;
	for (p->i = first; p->i < p->nl; p->i++) {
		l = &p->l[p->i];
		if (is_empty(l))
			continue;
		if (tab_indent(l))
			return fail(p, p->i, "tab in indentation");
		if (indent_of(l) != lind || l->s[lind] != '-')
			break;
		k = lind + 1;
		if (k < l->n && l->s[k] != ' ' && l->s[k] != '\t')
			break;
		buf_reset(&b);
		if ((rc = item(p, p->i, l->s, l->n, &k, 0, &b)) < 0)
			break;
		if (!rest_is_empty(l->s, l->n, k)) {
			rc = fail(p, p->i, "text after the closing quote");
			break;
		}
		add_item(e, xstrndup(buf_str(&b), b.len));
	}
	buf_release(&b);
	return rc;
}

static int parse_key(struct parser *p, size_t li, size_t ind,
    const char *prefix, int depth);

/* Indented "key: value" lines starting at first, all indented mind. */
static int
mapping(struct parser *p, size_t first, size_t mind, struct fm_entry *e)
{
	const char *prefix = e->key;
	size_t li = first;
	int rc;

	e->type = FM_MAP;
	while (li < p->nl) {
		if (is_empty(&p->l[li])) {
			li++;
			continue;
		}
		if (tab_indent(&p->l[li]))
			return fail(p, li, "tab in indentation");
		if (indent_of(&p->l[li]) < mind)
			break;
		if (indent_of(&p->l[li]) > mind)
			return fail(p, li, "unexpected indentation (only one "
			    "level of mapping is supported)");
		if ((rc = parse_key(p, li, mind, prefix, 1)) < 0)
			return rc;
		li = p->i;
	}
	p->i = li;
	return 0;
}

/* The value of entry e, whose key sits on line li at indent ind; the
 * value text starts at s[k].  Leaves p->i at the next unread line. */
static int
value(struct parser *p, size_t li, size_t ind, size_t k, size_t ei)
{
	const char *s = p->l[li].s;
	size_t n = p->l[li].n, nx, nind;
	struct fm_entry *e = &p->fm->v[ei];
	struct buf b = BUF_INIT;
	int rc;

	p->i = li + 1;
	if (rest_is_empty(s, n, k) || k == n) {
		nx = next_content(p, li);
		if (nx >= p->nl) {
			e->value = xstrdup("");
			return 0;
		}
		if (tab_indent(&p->l[nx]))
			return fail(p, nx, "tab in indentation");
		nind = indent_of(&p->l[nx]);
		if (p->l[nx].s[nind] == '-' && nind >= ind &&
		    (nind + 1 == p->l[nx].n || p->l[nx].s[nind + 1] == ' ' ||
		    p->l[nx].s[nind + 1] == '\t')) {
			if (nind == ind && ind > 0)
				return fail(p, nx, "a list inside a mapping "
				    "must be indented under its key");
			return block_list(p, nx, nind, e);
		}
		if (nind > ind) {
			if (e->depth > 0)
				return fail(p, nx, "nesting deeper than one "
				    "mapping is not supported");
			return mapping(p, nx, nind, e);
		}
		e->value = xstrdup("");
		return 0;
	}
	if (s[k] == '[')
		return flow_list(p, li, s, n, k, e);
	if (s[k] == '|' || s[k] == '>')
		return block(p, li, s, n, k, ind, e);
	if (s[k] == '"' || s[k] == '\'') {
		if ((rc = quoted(p, li, s, n, &k, &b)) == 0 &&
		    !rest_is_empty(s, n, k))
			rc = fail(p, li, "text after the closing quote");
		if (rc == 0)
			e->value = xstrndup(buf_str(&b), b.len);
		buf_release(&b);
		return rc;
	}
	if ((rc = bad_start(p, li, s[k])) < 0)
		return rc;
	return plain(p, li, s, n, k, ind, e);
}

static int
key_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
}

/* "key: value" on line li at indent ind. */
static int
parse_key(struct parser *p, size_t li, size_t ind, const char *prefix,
    int depth)
{
	const struct line *l = &p->l[li];
	struct buf key = BUF_INIT;
	size_t k = ind, i;
	int rc;

	if (l->s[k] == '-')
		return fail(p, li, "a list item needs a key above it");
	if (l->s[k] == '"' || l->s[k] == '\'')
		return fail(p, li, "quoted keys are not supported");
	while (k < l->n && key_char((unsigned char)l->s[k]))
		k++;
	if (k == ind || k >= l->n || l->s[k] != ':' ||
	    (k + 1 < l->n && l->s[k + 1] != ' ' && l->s[k + 1] != '\t'))
		return fail(p, li, "expected 'key: value'");
	if (prefix)
		buf_addf(&key, "%s.", prefix);
	buf_add(&key, l->s + ind, k - ind);
	for (i = 0; i < p->fm->n; i++) {
		if (!strcmp(p->fm->v[i].key, key.s)) {
			rc = fail(p, li, "duplicate key '%s' (first on line "
			    "%d)", key.s, p->fm->v[i].line);
			buf_release(&key);
			return rc;
		}
	}
	push(p->fm, key.s, key.len, (int)li + 1, depth);
	buf_release(&key);
	for (k++; k < l->n && (l->s[k] == ' ' || l->s[k] == '\t'); k++)
		;
	return value(p, li, ind, k, p->fm->n - 1);
}

static size_t
line_of(const char *text, size_t off)
{
	size_t li = 0, k;

	for (k = 0; k < off; k++)
		if (text[k] == '\n')
			li++;
	return li;
}

/* Split text into lines up to the closing "---". */
static int
split(struct parser *p, const char *text, size_t len)
{
	size_t off = 0, cap = 0, n, e;
	const char *nl;

	if (len >= 3 && !memcmp(text, "\357\273\277", 3))
		off = 3;
	for (;;) {
		if (off >= len && p->nl > 0)
			break;
		nl = off < len ? memchr(text + off, '\n', len - off) : NULL;
		e = nl ? (size_t)(nl - text) : len;
		n = e - off;
		if (n && text[off + n - 1] == '\r')
			n--;
		if (p->nl == cap) {
			cap = cap ? cap * 2 : 32;
			p->l = xrealloc(p->l, cap * sizeof(*p->l));
		}
		p->l[p->nl].s = text + off;
		p->l[p->nl].n = n;
		if (p->nl == 0 && !is_dashes(text + off, n))
			return fail(p, 0, "no front matter: the first line "
			    "must be '---'");
		if (p->nl > 0 && is_dashes(text + off, n)) {
			p->fm->end_line = (int)p->nl + 1;
			p->fm->body_line = (int)p->nl + 2;
			p->fm->body = nl ? e + 1 : len;
			return 0;
		}
		p->nl++;
		if (e > FM_MAX_BYTES)
			return fail(p, p->nl - 1, "front matter longer than "
			    "%d bytes", FM_MAX_BYTES);
		if (!nl)
			break;
		off = e + 1;
	}
	return fail(p, 0, "front matter not closed: no '---' line after "
	    "line 1");
}

int
frontmatter_parse(struct frontmatter *fm, const char *file,
    const char *text, size_t len, struct buf *err)
{
	struct parser p = { file, NULL, 0, 0, fm, err };
	size_t bad, li;
	int rc = 0;

	memset(fm, 0, sizeof(*fm));
	if (!utf8_valid(text, len, &bad)) {
		p.nl = 0;
		return fail(&p, line_of(text, bad), "%s (byte %zu)",
		    text[bad] ? "not valid UTF-8" : "a NUL byte", bad);
	}
	if ((rc = split(&p, text, len)) < 0)
		goto out;
	for (li = 1; li < p.nl;) {
		if (is_empty(&p.l[li])) {
			li++;
			continue;
		}
		if (tab_indent(&p.l[li]) || p.l[li].s[0] == '\t') {
			rc = fail(&p, li, "tab in indentation");
			goto out;
		}
		if (indent_of(&p.l[li]) > 0) {
			rc = fail(&p, li, "unexpected indentation");
			goto out;
		}
		if ((rc = parse_key(&p, li, 0, NULL, 0)) < 0)
			goto out;
		li = p.i > li ? p.i : li + 1;
	}
out:
	free(p.l);
	if (rc < 0)
		frontmatter_release(fm);
	return rc;
}

void
frontmatter_release(struct frontmatter *fm)
{
	size_t i, k;

	for (i = 0; i < fm->n; i++) {
		free(fm->v[i].key);
		free(fm->v[i].value);
		for (k = 0; k < fm->v[i].nitems; k++)
			free(fm->v[i].items[k]);
		free(fm->v[i].items);
	}
	free(fm->v);
	memset(fm, 0, sizeof(*fm));
}

const struct fm_entry *
frontmatter_find(const struct frontmatter *fm, const char *key)
{
	size_t i;

	for (i = 0; i < fm->n; i++)
		if (!strcmp(fm->v[i].key, key))
			return &fm->v[i];
	return NULL;
}

const char *
frontmatter_get(const struct frontmatter *fm, const char *key)
{
	const struct fm_entry *e = frontmatter_find(fm, key);

	return e && e->type == FM_SCALAR ? e->value : NULL;
}

static int
looks_typed(const char *s)
{
	static const char *const words[] = { "true", "false", "null", "yes",
	    "no", "on", "off", "~" };
	size_t i;
	char *end;

	for (i = 0; i < HM_ARRAY_SIZE(words); i++)
		if (!strcasecmp(s, words[i]))
			return 1;
	(void)strtod(s, &end);
	return *end == '\0';
}

void
frontmatter_quote(struct buf *out, const char *s)
{
	size_t n = strlen(s), k;
	int safe = n > 0 && !strchr("-?:,[]{}#&*!|>'\"%@` \t", s[0]) &&
	    s[n - 1] != ' ' && s[n - 1] != ':' && !looks_typed(s);

	for (k = 0; safe && k < n; k++)
		if ((unsigned char)s[k] < 0x20 || s[k] == 0x7f ||
		    (s[k] == ':' && s[k + 1] == ' ') ||
		    (s[k] == '#' && k && s[k - 1] == ' '))
			safe = 0;
	if (safe) {
		buf_adds(out, s);
		return;
	}
	buf_addc(out, '"');
	for (k = 0; k < n; k++) {
		unsigned char c = (unsigned char)s[k];

		if (c == '"' || c == '\\')
			buf_addf(out, "\\%c", c);
		else if (c == '\n')
			buf_adds(out, "\\n");
		else if (c == '\t')
			buf_adds(out, "\\t");
		else if (c == '\r')
			buf_adds(out, "\\r");
		else if (c < 0x20 || c == 0x7f)
			buf_addf(out, "\\x%02x", c);
		else
			buf_addc(out, c);
	}
	buf_addc(out, '"');
}
