/*
 * html.h: HTML to compact readable text for the model, with no parser
 * library: a small forgiving tokenizer (unclosed tags, unquoted
 * attributes, '>' inside quoted values, any case) drives a text writer.
 *
 * html_to_text appends to out: "# Title" first, then the body with
 * script, style, noscript, svg, template, iframe, form controls, nav,
 * header, footer, aside, form, [hidden] elements and comments dropped;
 * headings as "# " .. "###### ", paragraphs and blocks as blank lines,
 * <br> and table rows as line breaks, cells a space apart, list items as
 * "- " (or "N. " in an <ol>) indented two spaces a level, <pre> fenced
 * with ```, links as [text](absolute-url) resolved against base_url (or
 * a <base href>), javascript: and #fragment links as bare text.
 * Entities are decoded, whitespace collapsed, and the result is valid
 * UTF-8: bytes that are not UTF-8 are read as Latin-1.  When dropping
 * the page furniture leaves almost nothing (a page inside one <form>),
 * the page is converted again with nav, header, footer, aside and form
 * kept.  Returns 0; html may be cut anywhere (a size cap).
 *
 * html_url_resolve: url_resolve (url.h, which holds the contract) under
 * the name html.h has always offered; links are resolved with it.
 *
 * html_utf8_clean: append s to out as valid UTF-8 (non-UTF-8 bytes read
 * as Latin-1), without NUL and C0 controls other than tab and newline;
 * for text/plain pages and search results.
 */
#ifndef HM_HTML_H
#define HM_HTML_H

#include <stddef.h>

struct buf;

int html_to_text(const char *html, size_t len, const char *base_url,
    struct buf *out);
int html_url_resolve(const char *base, const char *ref, struct buf *out);
void html_utf8_clean(const char *s, size_t len, struct buf *out);

#endif
