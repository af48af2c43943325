/*
 * ws_frame.c: unit tests for libcommon/ws_frame.c, the RFC 6455 frame
 * encoder and parser: the three length encodings at their edges (0,
 * 125, 126, 65535, 65536 bytes), a masked round trip, a frame cut at
 * every byte (parse wants more until it is whole, and touches nothing),
 * a fragmented text message with a ping and then a close between its
 * pieces, two frames back to back, and the frames a client must refuse
 * (RSV bits, opcodes 3 and 11, a 126-byte ping, a fragmented ping, a
 * 64-bit length with its top bit set, a frame over WS_MAX_MESSAGE),
 * refused as soon as the header shows it.
 */
#include "common.h"
#include "ws.h"
#include "tap.h"

static const unsigned char key[4] = { 0x37, 0xfa, 0x21, 0x3d };

/* Encode a frame of n bytes (a pattern), parse it back, check both. */
static void
round_trip(size_t n, int masked)
{
	struct buf out = BUF_INIT, err = BUF_INIT;
	unsigned char *pat = xmalloc(n + 1), *p;
	struct ws_frame f;
	size_t head, i;
	long got;

	for (i = 0; i < n; i++)
		pat[i] = (unsigned char)('a' + i % 26);
	ws_frame_encode(&out, 1, 1, masked ? key : NULL, pat, n);
	p = (unsigned char *)out.s;
	head = (n < 126 ? 2 : n < 65536 ? 4 : 10) + (masked ? 4 : 0);
	is_int(out.len, head + n, "%zu bytes%s: the frame is %zu + %zu", n,
	    masked ? " masked" : "", head, n);
	is_int(p[0], 0x81, "%zu bytes: FIN and text", n);
	is_int(p[1] & 0x7f, n < 126 ? (int)n : n < 65536 ? 126 : 127,
	    "%zu bytes: the 7-bit length field", n);
	ok(!!(p[1] & 0x80) == masked, "%zu bytes: the mask bit", n);
	if (n >= 126 && n < 65536)
		is_int(p[2] << 8 | p[3], n, "%zu bytes: the 16-bit length", n);
	if (n >= 65536)
		ok(!p[2] && !p[3] && !p[4] && !p[5] && p[6] == 0 &&
		    p[7] == (n >> 16 & 0xff) && p[8] == (n >> 8 & 0xff) &&
		    p[9] == (n & 0xff), "%zu bytes: the 64-bit length", n);
	if (masked && n)
		ok(memcmp(p + head, pat, n) != 0, "%zu bytes: the payload "
		    "is masked on the wire", n);
	got = ws_frame_parse(p, out.len, &f, &err);
	is_int(got, out.len, "%zu bytes: parse takes the whole frame", n);
	ok(f.fin == 1 && f.opcode == 1 && f.masked == masked && f.len == n,
	    "%zu bytes: parse reads fin, opcode, mask, length", n);
	ok(f.payload && !memcmp(f.payload, pat, n), "%zu bytes: the payload "
	    "comes back%s", n, masked ? " unmasked" : "");
	if (masked)
		ok(!memcmp(f.key, key, 4), "%zu bytes: the key is read", n);
	buf_release(&out);
	buf_release(&err);
	free(pat);
}

/* Parse every proper prefix of a frame: all want more, none changed. */
static void
cut_everywhere(int masked)
{
	struct buf out = BUF_INIT, err = BUF_INIT;
	struct ws_frame f;
	unsigned char *copy;
	size_t k, bad = 0;
	char big[300];

	memset(big, 'z', sizeof(big));
	ws_frame_encode(&out, 1, 2, masked ? key : NULL, big, sizeof(big));
	copy = xmalloc(out.len);
	for (k = 0; k < out.len; k++) {
		memcpy(copy, out.s, out.len);
		if (ws_frame_parse(copy, k, &f, &err) != 0 ||
		    memcmp(copy, out.s, out.len))
			bad++;
	}
	is_int(bad, 0, "a%s frame cut anywhere: parse wants more bytes and "
	    "changes none", masked ? " masked" : "");
	memcpy(copy, out.s, out.len);
	is_int(ws_frame_parse(copy, out.len, &f, &err), out.len,
	    "and takes it once it is whole");
	free(copy);
	buf_release(&out);
	buf_release(&err);
}

/* Frames in one buffer: fragments of "hello world" with a ping and a
 * close between them, then one more text frame. */
static void
sequence(void)
{
	struct buf in = BUF_INIT, err = BUF_INIT, msg = BUF_INIT;
	struct ws_frame f;
	unsigned char *p;
	size_t n;
	long got;
	int i;
	static const struct {
		int fin, op;
		const char *data;
	} want[] = {
		{ 0, 1, "hel" }, { 1, 9, "mid" }, { 0, 0, "lo " },
		{ 1, 8, "\x03\xe9" "away" }, { 1, 0, "world" }, { 1, 1, "x" },
	};

	for (i = 0; i < (int)HM_ARRAY_SIZE(want); i++)
		ws_frame_encode(&in, want[i].fin, want[i].op, NULL,
		    want[i].data, strlen(want[i].data));
	p = (unsigned char *)in.s;
	n = in.len;
	for (i = 0; i < (int)HM_ARRAY_SIZE(want); i++) {
		got = ws_frame_parse(p, n, &f, &err);
		ok(got == 2 + (long)strlen(want[i].data) &&
		    f.fin == want[i].fin && f.opcode == want[i].op &&
		    f.len == strlen(want[i].data) &&
		    !memcmp(f.payload, want[i].data, f.len),
		    "frame %d of 6 in one buffer: fin %d, opcode %d", i + 1,
		    want[i].fin, want[i].op);
		if (got <= 0)
			break;
		if (f.opcode == 0 || f.opcode == 1)
			buf_add(&msg, f.payload, f.len);
		if (f.opcode == 8)
			is_int(f.payload[0] << 8 | f.payload[1], 1001,
			    "the close in the middle carries its code");
		p += got;
		n -= (size_t)got;
	}
	is_str(msg.s, "hello worldx", "the data frames' payloads in order");
	is_int(n, 0, "nothing left over");
	buf_release(&in);
	buf_release(&err);
	buf_release(&msg);
}

/* A header that parse must refuse, given only its first n bytes. */
static void
refuse(const unsigned char *h, size_t n, const char *why, const char *what)
{
	struct buf err = BUF_INIT;
	struct ws_frame f;
	unsigned char b[16];
	long rc;

	memcpy(b, h, n);
	rc = ws_frame_parse(b, n, &f, &err);
	is_int(rc, -HM_EFAIL, "refused: %s", what);
	ok(err.s && strstr(err.s, why), "err says '%s' (%s)", why,
	    buf_str(&err));
	buf_release(&err);
}

int
main(void)
{
	static const size_t sizes[] = { 0, 1, 125, 126, 65535, 65536 };
	static const unsigned char rsv1[] = { 0xc1, 0x00 },
	    rsv3[] = { 0x91, 0x00 }, op3[] = { 0x83, 0x00 },
	    op11[] = { 0x8b, 0x00 }, ping126[] = { 0x89, 0x7e, 0x00, 0x7e },
	    fragping[] = { 0x09, 0x00 }, fragclose[] = { 0x08, 0x02 },
	    top[] = { 0x81, 0x7f, 0x80, 0, 0, 0, 0, 0, 0, 1 },
	    huge[] = { 0x82, 0x7f, 0, 0, 0, 0, 0x01, 0, 0, 0x01 };
	unsigned char max[] = { 0x82, 0x7f, 0, 0, 0, 0, 0x01, 0, 0, 0 };
	struct buf err = BUF_INIT;
	unsigned char two[] = { 0x81 }, ok126[4 + 125];
	struct ws_frame f;
	size_t i;

	for (i = 0; i < HM_ARRAY_SIZE(sizes); i++) {
		round_trip(sizes[i], 0);
		round_trip(sizes[i], 1);
	}
	cut_everywhere(0);
	cut_everywhere(1);
	sequence();
	is_int(ws_frame_parse(two, 1, &f, &err), 0, "1 byte: wants more");
	refuse(rsv1, 2, "RSV", "RSV1 set");
	refuse(rsv3, 2, "RSV", "RSV3 set");
	refuse(op3, 2, "reserved opcode 3", "opcode 3");
	refuse(op11, 2, "reserved opcode 11", "opcode 11");
	refuse(ping126, 2, "control frame over 125", "a ping of 126 bytes, "
	    "from its first 2 bytes");
	refuse(fragping, 2, "fragmented control", "a ping with fin 0");
	refuse(fragclose, 2, "fragmented control", "a close with fin 0");
	refuse(top, 10, "top bit", "a 64-bit length with the top bit set");
	refuse(huge, 10, "over the limit", "a frame over WS_MAX_MESSAGE");
	ok126[0] = 0x89;
	ok126[1] = 125;
	memset(ok126 + 2, 'p', 125);
	is_int(ws_frame_parse(ok126, 2 + 125, &f, &err), 127,
	    "a ping of 125 bytes is fine");
	is_int(ws_frame_parse(max, sizeof(max), &f, &err), 0,
	    "a frame of exactly WS_MAX_MESSAGE bytes is waited for");
	buf_release(&err);
	return done_testing();
}
