/*
 * hmac.c: unit tests for libcommon/hmac.c: the seven test cases of
 * RFC 4231 (HMAC-SHA-256), among them keys longer than the 64-byte
 * block, case 5 compared on its 128-bit truncation as the RFC gives it;
 * an empty key and message; and hmac_equal.
 */
#include "common.h"
#include "hmac.h"
#include "tap.h"

static void
fill(unsigned char *p, int c, size_t n)
{
	memset(p, c, n);
}

static void
check(const char *name, const void *key, size_t klen, const void *msg,
    size_t n, const char *want)
{
	char hex[65];

	hmac_sha256_hex(key, klen, msg, n, hex);
	hex[strlen(want)] = '\0';	/* case 5: truncated */
	is_str(hex, want, "%s", name);
}

int
main(void)
{
	unsigned char key[131], data[50], raw[HMAC_SHA256_LEN];
	char hex[65];
	size_t i;

	fill(key, 0x0b, 20);
	check("RFC 4231 case 1", key, 20, "Hi There", 8,
	    "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
	check("RFC 4231 case 2 (a key shorter than the output)", "Jefe", 4,
	    "what do ya want for nothing?", 28, "5bdcc146bf60754e6a0424260895"
	    "75c75a003f089d2739839dec58b964ec3843");
	fill(key, 0xaa, 20);
	fill(data, 0xdd, 50);
	check("RFC 4231 case 3", key, 20, data, 50,
	    "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
	for (i = 0; i < 25; i++)
		key[i] = (unsigned char)(i + 1);
	fill(data, 0xcd, 50);
	check("RFC 4231 case 4", key, 25, data, 50,
	    "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");
	fill(key, 0x0c, 20);
	check("RFC 4231 case 5 (truncated to 128 bits)", key, 20,
	    "Test With Truncation", 20, "a3b6167473100ee06e0c796c2955552b");
	fill(key, 0xaa, 131);
	check("RFC 4231 case 6 (a 131-byte key, hashed first)", key, 131,
	    "Test Using Larger Than Block-Size Key - Hash Key First", 54,
	    "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
	check("RFC 4231 case 7 (a long key and a long message)", key, 131,
	    "This is a test using a larger than block-size key and a larger "
	    "than block-size data. The key needs to be hashed before being "
	    "used by the HMAC algorithm.", 152, "9b09ffa71b942fcb27635fbcd5b0"
	    "e944bfdc63644f0713938a7f51535c3a35e2");
	check("an empty key and message", "", 0, "", 0, "b613679a0814d9ec772f"
	    "95d778c35fc5ff1697c493715653c6c712144292c5ad");
	fill(key, 0x0b, 20);
	hmac_sha256(key, 20, "Hi There", 8, raw);
	ok(raw[0] == 0xb0 && raw[31] == 0xf7, "raw digest bytes");
	/* a 64-byte key is used as it is, a 65-byte one hashed */
	fill(key, 'k', 65);
	hmac_sha256_hex(key, 64, "m", 1, hex);
	is_str(hex, "3b7a8d453e76edb519238a515105a57508d0f169f480ebeee120a9e7"
	    "803289fa", "a key of exactly one block");
	hmac_sha256_hex(key, 65, "m", 1, hex);
	is_str(hex, "c2d7d4c2256ddb097409ec0c67e1d58fa1a007fc6932cac0d892a525"
	    "d08af7cc", "a key one byte past the block");

	ok(hmac_equal("abc", "abc"), "equal strings are equal");
	ok(hmac_equal("", ""), "empty strings are equal");
	ok(!hmac_equal("abc", "abd"), "the last byte differs");
	ok(!hmac_equal("xbc", "abc"), "the first byte differs");
	ok(!hmac_equal("abc", "abcd"), "a prefix is not equal");
	ok(!hmac_equal("abcd", "abc"), "nor a longer string");
	ok(!hmac_equal(NULL, "abc") && !hmac_equal("abc", NULL),
	    "NULL is never equal");
	return done_testing();
}
