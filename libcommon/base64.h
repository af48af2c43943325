/*
 * base64.h: base64 (RFC 4648 section 4: the standard alphabet, "="
 * padding), for the WebSocket handshake (ws.c) and anyone else.
 *
 * base64_encode appends the encoding of p[0..n) to out (padded, no line
 * breaks).  base64_decode appends the bytes that s[0..n) encodes; the
 * input must be whole 4-character groups of the alphabet, "=" only as
 * padding at the end (no whitespace, no URL-safe alphabet, no missing
 * padding).  It returns 0, or -HM_EINVAL with out unchanged.
 */
#ifndef HM_BASE64_H
#define HM_BASE64_H

#include <stddef.h>

struct buf;

void base64_encode(struct buf *out, const void *p, size_t n);
int base64_decode(struct buf *out, const char *s, size_t n);

#endif
