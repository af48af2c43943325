/*
 * sha1.h: SHA-1 (FIPS 180-1), self-contained, for the WebSocket
 * handshake (Sec-WebSocket-Accept, ws.c).  SHA-1 is broken for
 * collisions: use it only where a protocol demands it, never for content
 * hashes (sha256.h) or secrets.
 *
 *   struct sha1 c; sha1_init(&c); sha1_update(&c, p, n); ...
 *   sha1_final(&c, digest);	digest is 20 bytes
 */
#ifndef HM_SHA1_H
#define HM_SHA1_H

#include <stddef.h>
#include <stdint.h>

#define SHA1_LEN	20

struct sha1 {
	uint32_t h[5];
	uint64_t len;		/* bytes so far */
	unsigned char blk[64];
	size_t used;
};

void sha1_init(struct sha1 *c);
void sha1_update(struct sha1 *c, const void *data, size_t n);
void sha1_final(struct sha1 *c, unsigned char out[SHA1_LEN]);

#endif
