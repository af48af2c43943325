/*
 * sha256.h: SHA-256 (FIPS 180-4), self-contained, for the content hashes
 * of installed skills (skills/.lock.json).  Not for secrets: nothing here
 * is constant-time.  No third-party crypto outside http.c.
 *
 *   struct sha256 c; sha256_init(&c); sha256_update(&c, p, n); ...
 *   sha256_hex(&c, hex);	hex is 65 bytes: 64 digits and a NUL
 */
#ifndef HM_SHA256_H
#define HM_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct sha256 {
	uint32_t h[8];
	uint64_t len;		/* bytes so far */
	unsigned char blk[64];
	size_t used;
};

void sha256_init(struct sha256 *c);
void sha256_update(struct sha256 *c, const void *data, size_t n);
void sha256_final(struct sha256 *c, unsigned char out[32]);
void sha256_hex(struct sha256 *c, char hex[65]);

#endif
