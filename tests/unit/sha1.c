/*
 * sha1.c: unit tests for libcommon/sha1.c: the FIPS 180-1 test vectors
 * ("abc", the 448-bit message, a million "a"), the empty message, the
 * padding edges (55, 56, 63, 64 bytes), updates in odd pieces, and the
 * Sec-WebSocket-Accept example of RFC 6455 section 1.3.
 */
#include "common.h"
#include "base64.h"
#include "sha1.h"
#include "tap.h"

static void
hex(const unsigned char d[SHA1_LEN], char out[2 * SHA1_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";
	int i;

	for (i = 0; i < SHA1_LEN; i++) {
		out[2 * i] = digits[d[i] >> 4];
		out[2 * i + 1] = digits[d[i] & 15];
	}
	out[2 * SHA1_LEN] = '\0';
}

/* The hex digest of p[0..n), fed step bytes at a time (0: at once). */
static const char *
digest(const void *p, size_t n, size_t step)
{
	static char out[2 * SHA1_LEN + 1];
	const unsigned char *s = p;
	unsigned char d[SHA1_LEN];
	struct sha1 c;
	size_t k;

	sha1_init(&c);
	if (!step)
		step = n ? n : 1;
	for (; n; s += k, n -= k) {
		k = n < step ? n : step;
		sha1_update(&c, s, k);
	}
	sha1_final(&c, d);
	hex(d, out);
	return out;
}

int
main(void)
{
	static const struct {
		size_t n;
		const char *want;
	} edges[] = {	/* n times "a", from sha1sum */
		{ 55, "c1c8bbdc22796e28c0e15163d20899b65621d65a" },
		{ 56, "c2db330f6083854c99d4b5bfb6e8f29f201be699" },
		{ 57, "f08f24908d682555111be7ff6f004e78283d989a" },
		{ 63, "03f09f5b158a7a8cdad920bddc29b81c18a551f5" },
		{ 64, "0098ba824b5c16427bd7a1122a5a442a25ec644d" },
		{ 65, "11655326c708d70319be2610e8a57d9a5b959d3b" },
	};
	const char *m448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomno"
	    "pnopq";
	const char *ws = "dGhlIHNhbXBsZSBub25jZQ=="
	    "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
	struct buf b = BUF_INIT;
	unsigned char d[SHA1_LEN];
	struct sha1 c;
	char *a;
	size_t i;

	is_str(digest("abc", 3, 0), "a9993e364706816aba3e25717850c26c9cd0d89d",
	    "FIPS 180-1 A.1: abc");
	is_str(digest(m448, strlen(m448), 0),
	    "84983e441c3bd26ebaae4aa1f95129e5e54670f1",
	    "FIPS 180-1 A.2: the 448-bit message");
	is_str(digest(m448, strlen(m448), 7),
	    "84983e441c3bd26ebaae4aa1f95129e5e54670f1",
	    "the same, 7 bytes an update");
	is_str(digest("", 0, 0), "da39a3ee5e6b4b0d3255bfef95601890afd80709",
	    "the empty message");
	a = xmalloc(1000000);
	memset(a, 'a', 1000000);
	is_str(digest(a, 1000000, 0),
	    "34aa973cd4c4daa4f61eeb2bdbad27316534016f",
	    "FIPS 180-1 A.3: a million a");
	is_str(digest(a, 1000000, 4099),
	    "34aa973cd4c4daa4f61eeb2bdbad27316534016f",
	    "the same, 4099 bytes an update");
	for (i = 0; i < HM_ARRAY_SIZE(edges); i++)
		is_str(digest(a, edges[i].n, 1), edges[i].want,
		    "%zu bytes, 1 byte an update (padding edge)", edges[i].n);
	free(a);
	sha1_init(&c);
	sha1_update(&c, ws, strlen(ws));
	sha1_final(&c, d);
	base64_encode(&b, d, sizeof(d));
	is_str(b.s, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=",
	    "RFC 6455 1.3: the Sec-WebSocket-Accept example");
	buf_release(&b);
	return done_testing();
}
