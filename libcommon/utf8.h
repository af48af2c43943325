/*
 * utf8.h: UTF-8 checks and counts.  Caps in hermes count characters
 * (code points), like the original's len() on a Python string.
 *
 * utf8_valid: 1 when s[0..n) is well-formed UTF-8 (no overlongs, no
 * surrogates, nothing past U+10FFFF) and holds no NUL.  On 0, *bad (if
 * given) is the byte offset of the first bad byte.
 */
#ifndef HM_UTF8_H
#define HM_UTF8_H

#include <stddef.h>

int utf8_valid(const char *s, size_t n, size_t *bad);
size_t utf8_count(const char *s, size_t n);

#endif
