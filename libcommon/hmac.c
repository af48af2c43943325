/*
 * hmac.c: HMAC-SHA256 after RFC 2104: H((K ^ opad) || H((K ^ ipad) || m)),
 * with a key longer than the 64-byte block hashed first.  Checked
 * against RFC 4231's test cases in tests/unit/hmac.c.
 */
#include "common.h"
#include "hmac.h"
#include "sha256.h"

#define BLOCK	64

/* memset that the compiler may not drop as a dead store. */
static void
wipe(void *p, size_t n)
{
	volatile unsigned char *v = p;

	while (n--)
		*v++ = 0;
}

void
hmac_sha256(const void *key, size_t klen, const void *msg, size_t n,
    unsigned char out[HMAC_SHA256_LEN])
{
	unsigned char k[BLOCK], pad[BLOCK], inner[HMAC_SHA256_LEN];
	struct sha256 c;
	size_t i;

	memset(k, 0, sizeof(k));
	if (klen > BLOCK) {
		sha256_init(&c);
		sha256_update(&c, key, klen);
		sha256_final(&c, k);
	} else if (klen) {
		memcpy(k, key, klen);
	}
	for (i = 0; i < BLOCK; i++)
		pad[i] = k[i] ^ 0x36;
	sha256_init(&c);
	sha256_update(&c, pad, BLOCK);
	sha256_update(&c, msg, n);
	sha256_final(&c, inner);
	for (i = 0; i < BLOCK; i++)
		pad[i] = k[i] ^ 0x5c;
	sha256_init(&c);
	sha256_update(&c, pad, BLOCK);
	sha256_update(&c, inner, sizeof(inner));
	sha256_final(&c, out);
	wipe(k, sizeof(k));
	wipe(pad, sizeof(pad));
	wipe(inner, sizeof(inner));
	wipe(&c, sizeof(c));
}

void
hmac_sha256_hex(const void *key, size_t klen, const void *msg, size_t n,
    char hex[65])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char mac[HMAC_SHA256_LEN];
	size_t i;

	hmac_sha256(key, klen, msg, n, mac);
	for (i = 0; i < sizeof(mac); i++) {
		hex[2 * i] = digits[mac[i] >> 4];
		hex[2 * i + 1] = digits[mac[i] & 15];
	}
	hex[64] = '\0';
	wipe(mac, sizeof(mac));
}

int
hmac_equal(const char *a, const char *b)
{
	size_t na, nb, i;
	unsigned char d;

	if (!a || !b)
		return 0;
	na = strlen(a);
	nb = strlen(b);
	d = na != nb;
	/* every byte of the longer string is looked at, whatever differs */
	for (i = 0; i < (na > nb ? na : nb); i++)
		d |= (unsigned char)(i < na ? a[i] : 0) ^
		    (unsigned char)(i < nb ? b[i] : 0);
	return d == 0;
}
