/*
 * ws_frame.c: RFC 6455 section 5 framing, for ws.c and its unit tests
 * (contract in ws.h).  A frame: byte 0 is FIN, three RSV bits and the
 * opcode; byte 1 is MASK and a 7-bit length, where 126 means a 16-bit
 * length follows and 127 a 64-bit one (its top bit 0), both big-endian;
 * then the 4-byte masking key when MASK is set, then the payload, XORed
 * with key[i % 4] when masked.  We use no extensions, so RSV bits are a
 * protocol error; control frames (opcode 8 and up) carry at most 125
 * bytes and are never fragmented.  A frame longer than WS_MAX_MESSAGE is
 * refused as soon as its header says so, before its bytes are waited for.
 */
#include "common.h"
#include "ws.h"

void
ws_frame_encode(struct buf *out, int fin, int opcode,
    const unsigned char *key, const void *payload, size_t len)
{
	size_t at;
	int i;

	buf_addc(out, (fin ? 0x80 : 0) | (opcode & 0x0f));
	if (len < 126) {
		buf_addc(out, (key ? 0x80 : 0) | (int)len);
	} else if (len <= 0xffff) {
		buf_addc(out, (key ? 0x80 : 0) | 126);
		buf_addc(out, (int)(len >> 8) & 0xff);
		buf_addc(out, (int)len & 0xff);
	} else {
		buf_addc(out, (key ? 0x80 : 0) | 127);
		for (i = 7; i >= 0; i--)
			buf_addc(out, (int)((uint64_t)len >> (8 * i)) & 0xff);
	}
	if (key)
		buf_add(out, key, 4);
	at = out->len;
	buf_add(out, payload, len);
	if (key)
		for (i = 0; (size_t)i < len; i++)
			out->s[at + (size_t)i] ^= (char)key[i % 4];
}

long
ws_frame_parse(unsigned char *p, size_t n, struct ws_frame *f,
    struct buf *err)
{
	uint64_t len;
	size_t head, i;

	memset(f, 0, sizeof(*f));
	if (n < 2)
		return 0;
	f->fin = p[0] >> 7;
	f->opcode = p[0] & 0x0f;
	f->masked = p[1] >> 7;
	len = p[1] & 0x7f;
	if (p[0] & 0x70)
		return hm_fail(err, HM_EFAIL, "frame with RSV bits set "
		    "(no extension was negotiated)");
	if ((f->opcode > 2 && f->opcode < 8) || f->opcode > 10)
		return hm_fail(err, HM_EFAIL, "frame with the reserved "
		    "opcode %d", f->opcode);
	if (f->opcode >= 8 && !f->fin)
		return hm_fail(err, HM_EFAIL, "fragmented control frame "
		    "(opcode %d)", f->opcode);
	if (f->opcode >= 8 && len > 125)
		return hm_fail(err, HM_EFAIL, "control frame over 125 bytes "
		    "(opcode %d)", f->opcode);
	head = 2;
	if (len == 126) {
		if (n < 4)
			return 0;
		len = (uint64_t)p[2] << 8 | p[3];
		head = 4;
	} else if (len == 127) {
		if (n < 10)
			return 0;
		if (p[2] & 0x80)
			return hm_fail(err, HM_EFAIL, "frame with a 64-bit "
			    "length whose top bit is set");
		for (len = 0, i = 2; i < 10; i++)
			len = len << 8 | p[i];
		head = 10;
	}
	if (len > WS_MAX_MESSAGE)
		return hm_fail(err, HM_EFAIL, "frame of %llu bytes, over the "
		    "limit of %u", (unsigned long long)len, WS_MAX_MESSAGE);
	if (f->masked)
		head += 4;
	if (n < head || n - head < len)
		return 0;
	f->len = (size_t)len;
	f->payload = p + head;
	if (f->masked) {
		memcpy(f->key, p + head - 4, 4);
		for (i = 0; i < f->len; i++)
			p[head + i] ^= f->key[i % 4];
	}
	return (long)(head + f->len);
}
