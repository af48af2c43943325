/*
 * base64.c: unit tests for libcommon/base64.c: the RFC 4648 section 10
 * vectors both ways, every byte value round trip, appending to a
 * non-empty buffer, and the inputs decode refuses (leaving out as it
 * was): a length not a multiple of 4, misplaced or excess padding,
 * characters outside the alphabet (URL-safe ones, spaces, NUL).
 */
#include "common.h"
#include "base64.h"
#include "tap.h"

int
main(void)
{
	static const char *const vec[][2] = {
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" },
		{ "foo", "Zm9v" }, { "foob", "Zm9vYg==" },
		{ "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
	};
	static const char *const bad[] = {
		"Zg=", "Zg", "Z", "Zg=a", "Z===", "====", "=Zg=", "Zm9v!A==",
		"Zm 9", "Zm9v\n", "-_-_", "Zm9vYmFy=", "Zg==Zg==", "Zm=v",
	};
	struct buf b = BUF_INIT, back = BUF_INIT;
	unsigned char all[256];
	size_t i;
	int rc;

	for (i = 0; i < HM_ARRAY_SIZE(vec); i++) {
		buf_reset(&b);
		base64_encode(&b, vec[i][0], strlen(vec[i][0]));
		is_str(b.s, vec[i][1], "encode '%s'", vec[i][0]);
		buf_reset(&b);
		rc = base64_decode(&b, vec[i][1], strlen(vec[i][1]));
		ok(rc == 0 && b.s && b.len == strlen(vec[i][0]) &&
		    !memcmp(b.s, vec[i][0], b.len), "decode '%s'", vec[i][1]);
	}
	for (i = 0; i < 256; i++)
		all[i] = (unsigned char)i;
	buf_reset(&b);
	base64_encode(&b, all, sizeof(all));
	is_int(b.len, 344, "256 bytes encode to 344 characters");
	ok(base64_decode(&back, b.s, b.len) == 0 && back.len == 256 &&
	    !memcmp(back.s, all, 256), "every byte value round trips");
	buf_reset(&b);
	buf_adds(&b, "key: ");
	base64_encode(&b, "hi", 2);
	is_str(b.s, "key: aGk=", "encode appends");
	buf_reset(&b);
	buf_adds(&b, "keep");
	rc = base64_decode(&b, "aGk=", 4);
	ok(rc == 0 && !strcmp(b.s, "keephi"), "decode appends");
	for (i = 0; i < HM_ARRAY_SIZE(bad); i++) {
		buf_reset(&b);
		buf_adds(&b, "keep");
		rc = base64_decode(&b, bad[i], strlen(bad[i]));
		ok(rc == -HM_EINVAL && !strcmp(b.s, "keep"),
		    "decode refuses '%s' and leaves out alone", bad[i]);
	}
	buf_reset(&b);
	buf_adds(&b, "keep");
	ok(base64_decode(&b, "Zg\0=", 4) == -HM_EINVAL &&
	    !strcmp(b.s, "keep"), "decode refuses a NUL");
	buf_release(&b);
	buf_release(&back);
	return done_testing();
}
