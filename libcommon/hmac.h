/*
 * hmac.h: HMAC-SHA256 (RFC 2104 over sha256.h), for the signatures of
 * the gateway's HTTP platforms (X-Hermes-Signature, WhatsApp's
 * X-Hub-Signature-256: "sha256=" + the hex digest of the raw body).
 *
 *   char hex[65]; hmac_sha256_hex(secret, strlen(secret), body, len, hex);
 *   if (!hmac_equal(hex, their_hex)) refuse;
 *
 * hmac_equal compares in time that depends on the lengths only, never
 * on where the strings differ, so a forger learns nothing from timing.
 * The key's copies on the stack are wiped before the functions return.
 */
#ifndef HM_HMAC_H
#define HM_HMAC_H

#include <stddef.h>

#define HMAC_SHA256_LEN	32

void hmac_sha256(const void *key, size_t klen, const void *msg, size_t n,
    unsigned char out[HMAC_SHA256_LEN]);
/* hex: 64 lowercase digits and a NUL. */
void hmac_sha256_hex(const void *key, size_t klen, const void *msg, size_t n,
    char hex[65]);
/* 1 when a and b are the same string, else 0 (NULL is never equal). */
int hmac_equal(const char *a, const char *b);

#endif
