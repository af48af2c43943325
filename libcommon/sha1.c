/*
 * sha1.c: SHA-1 after FIPS 180-1 (the 80-word schedule of section 7),
 * written for hermes.  Checked against the standard's test vectors in
 * tests/unit/sha1.c.
 */
#include "common.h"
#include "sha1.h"

#define ROL(x, n) (((x) << (n)) | ((x) >> (32 - (n))))

static void
block(struct sha1 *c, const unsigned char *p)
{
	uint32_t w[80], a, b, cc, d, e, f, k, t;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		    (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
	for (i = 16; i < 80; i++)
		w[i] = ROL(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
	a = c->h[0]; b = c->h[1]; cc = c->h[2]; d = c->h[3]; e = c->h[4];
	for (i = 0; i < 80; i++) {
		if (i < 20) {
			f = (b & cc) | (~b & d);
			k = 0x5a827999;
		} else if (i < 40) {
			f = b ^ cc ^ d;
			k = 0x6ed9eba1;
		} else if (i < 60) {
			f = (b & cc) | (b & d) | (cc & d);
			k = 0x8f1bbcdc;
		} else {
			f = b ^ cc ^ d;
			k = 0xca62c1d6;
		}
		t = ROL(a, 5) + f + e + k + w[i];
		e = d; d = cc; cc = ROL(b, 30); b = a; a = t;
	}
	c->h[0] += a; c->h[1] += b; c->h[2] += cc; c->h[3] += d;
	c->h[4] += e;
}

void
sha1_init(struct sha1 *c)
{
	static const uint32_t iv[5] = { 0x67452301, 0xefcdab89, 0x98badcfe,
	    0x10325476, 0xc3d2e1f0 };

	memset(c, 0, sizeof(*c));
	memcpy(c->h, iv, sizeof(iv));
}

void
sha1_update(struct sha1 *c, const void *data, size_t n)
{
	const unsigned char *p = data;
	size_t k;

	c->len += n;
	while (n) {
		k = 64 - c->used < n ? 64 - c->used : n;
		memcpy(c->blk + c->used, p, k);
		c->used += k;
		p += k;
		n -= k;
		if (c->used == 64) {
			block(c, c->blk);
			c->used = 0;
		}
	}
}

void
sha1_final(struct sha1 *c, unsigned char out[SHA1_LEN])
{
	uint64_t bits = c->len * 8;
	int i;

	c->blk[c->used++] = 0x80;
	if (c->used > 56) {
		memset(c->blk + c->used, 0, 64 - c->used);
		block(c, c->blk);
		c->used = 0;
	}
	memset(c->blk + c->used, 0, 56 - c->used);
	for (i = 0; i < 8; i++)
		c->blk[56 + i] = (unsigned char)(bits >> (56 - 8 * i));
	block(c, c->blk);
	for (i = 0; i < SHA1_LEN; i++)
		out[i] = (unsigned char)(c->h[i / 4] >> (24 - 8 * (i % 4)));
}
