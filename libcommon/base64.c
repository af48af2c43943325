/*
 * base64.c: RFC 4648 base64, standard alphabet with padding (base64.h).
 */
#include "common.h"
#include "base64.h"

static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void
base64_encode(struct buf *out, const void *p, size_t n)
{
	const unsigned char *s = p;
	char q[4];
	uint32_t v;

	buf_grow(out, (n + 2) / 3 * 4);
	for (; n >= 3; s += 3, n -= 3) {
		v = (uint32_t)s[0] << 16 | (uint32_t)s[1] << 8 | s[2];
		q[0] = alphabet[v >> 18];
		q[1] = alphabet[(v >> 12) & 63];
		q[2] = alphabet[(v >> 6) & 63];
		q[3] = alphabet[v & 63];
		buf_add(out, q, 4);
	}
	if (n) {
		v = (uint32_t)s[0] << 16 | (n > 1 ? (uint32_t)s[1] << 8 : 0);
		q[0] = alphabet[v >> 18];
		q[1] = alphabet[(v >> 12) & 63];
		q[2] = n > 1 ? alphabet[(v >> 6) & 63] : '=';
		q[3] = '=';
		buf_add(out, q, 4);
	}
	buf_add(out, "", 0);	/* NUL-terminated, even when n is 0 */
}

/* The value of base64 digit c, or -1. */
static int
digit(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int
base64_decode(struct buf *out, const char *s, size_t n)
{
	size_t i, j, len0 = out->len;
	unsigned char b[3];
	uint32_t v;
	int d, pad;

	if (n % 4)
		return -HM_EINVAL;
	buf_grow(out, n / 4 * 3);
	for (i = 0; i < n; i += 4) {
		v = 0;
		pad = 0;
		for (j = 0; j < 4; j++) {
			if (s[i + j] == '=' && i + 4 == n && j >= 2) {
				pad++;
				v <<= 6;
				continue;
			}
			if (pad || (d = digit((unsigned char)s[i + j])) < 0) {
				buf_setlen(out, len0);
				return -HM_EINVAL;
			}
			v = v << 6 | (uint32_t)d;
		}
		b[0] = (unsigned char)(v >> 16);
		b[1] = (unsigned char)(v >> 8);
		b[2] = (unsigned char)v;
		buf_add(out, b, (size_t)(3 - pad));
	}
	buf_add(out, "", 0);
	return 0;
}
