/*
 * url.h: URL references resolved against a base URL (url.c); used by
 * html.c for links and <base href>.
 *
 * url_resolve: ref against base (RFC 3986 section 5.2: absolute,
 * //host, /path, ?query, #frag, relative with . and ..), appended to out.
 * Spaces and parentheses become %20 %28 %29 so the URL survives inside
 * a Markdown link.  Returns 0, or -1 when base is not absolute and ref
 * is relative (out unchanged).
 */
#ifndef HM_URL_H
#define HM_URL_H

struct buf;

int url_resolve(const char *base, const char *ref, struct buf *out);

#endif
