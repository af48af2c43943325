/*
 * frontmatter.h: a small, strict reader of the YAML front matter of a
 * SKILL.md (the Agent Skills format), and the writer of the same subset.
 *
 * The text must be valid UTF-8 without NUL.  It starts with a line "---"
 * (a UTF-8 BOM is skipped) and the front matter ends at the next line
 * "---"; the rest is the body.  Between them, only this subset of YAML:
 *   # comment lines and blank lines
 *   key: plain value          (a plain scalar may not hold ": " or " #",
 *     continued               indented lines continue it, folded)
 *   key: 'single ''quoted'''  key: "double \"quoted\" \n \u00e9"
 *   key: >   key: |  (-/+ chomping)  folded / literal indented blocks
 *   key: [a, 'b', "c"]        a flow list on one line
 *   key:                      a block list ("- a" lines) or, indented,
 *     sub: value              a one-level mapping whose values are
 *     tags: [a, b]            scalars or flow lists
 * Keys are letters, digits, '_', '-' and '.', each at most once.  Anything
 * else (tabs in indentation, anchors, tags, flow mappings, nesting
 * deeper than one mapping, an unterminated quote or front matter) is an
 * error "FILE:LINE: what", -HM_EINVAL, and the reader never reads past
 * the text it was given.  Which keys are allowed is the caller's business.
 *
 * Entries keep file order.  A mapping's children follow their parent as
 * entries named "parent.child" with depth 1; the parent itself is an
 * entry of type FM_MAP.  Strings are malloc'd and freed by
 * frontmatter_release.
 */
#ifndef HM_FRONTMATTER_H
#define HM_FRONTMATTER_H

#include <stddef.h>

struct buf;

enum fm_type { FM_SCALAR, FM_LIST, FM_MAP };

struct fm_entry {
	char *key;		/* "name", or "metadata.author" */
	enum fm_type type;
	char *value;		/* FM_SCALAR: the text ("" when empty) */
	char **items;		/* FM_LIST */
	size_t nitems;
	int line;		/* where the key is, 1-based */
	int depth;		/* 0 top level, 1 inside a mapping */
};

struct frontmatter {
	struct fm_entry *v;
	size_t n;
	size_t body;		/* byte offset of the body in the text */
	int body_line;		/* line number of the body's first line */
	int end_line;		/* line number of the closing "---" */
};

#define FRONTMATTER_INIT { NULL, 0, 0, 0, 0 }

/* Parse text[0..len); file names the text in errors.  0 or -HM_EINVAL. */
int frontmatter_parse(struct frontmatter *fm, const char *file,
    const char *text, size_t len, struct buf *err);
void frontmatter_release(struct frontmatter *fm);
const struct fm_entry *frontmatter_find(const struct frontmatter *fm,
    const char *key);
/* A scalar's value, or NULL when absent or not a scalar. */
const char *frontmatter_get(const struct frontmatter *fm, const char *key);

/* Append s as a scalar that frontmatter_parse reads back unchanged:
 * plain when that is safe, else double-quoted with escapes. */
void frontmatter_quote(struct buf *out, const char *s);

#endif
