/*
 * gwlisten.c: the listener of the HTTP platforms (gwlisten.h): started
 * lazily, advertised in gateway/NAME.addr, its answers held for ack.
 */
#include <cjson/cJSON.h>
#include <strings.h>
#include <time.h>

#include "common.h"
#include "atomic.h"
#include "gwlisten.h"
#include "hmac.h"
#include "httpd.h"
#include "path.h"
#include "platform.h"
#include "timeutil.h"

static char *
addr_path(const struct gwlisten *l)
{
	struct buf rel = BUF_INIT;
	char *p;

	buf_addf(&rel, "gateway/%s.addr", l->name);
	p = hm_path(rel.s);
	buf_release(&rel);
	return p;
}

int
gwlisten_init(struct gwlisten *l, const char *name, const char *key,
    const char *spec, const char *allow, struct buf *err)
{
	memset(l, 0, sizeof(*l));
	if (httpd_check_addr(spec, err) < 0) {
		struct buf why = BUF_INIT;
		int rc;

		buf_adds(&why, buf_str(err));
		rc = hm_fail(err, HM_EINVAL, "%s: %s: %s", name, key,
		    why.s);
		buf_release(&why);
		return rc;
	}
	l->name = xstrdup(name);
	l->spec = xstrdup(spec);
	l->allow = allow;
	return 0;
}

static int
start(struct gwlisten *l, struct buf *err)
{
	struct buf line = BUF_INIT, why = BUF_INIT;
	char *path;
	int rc;

	if ((rc = httpd_listen(l->spec, &l->srv, &why)) < 0) {
		rc = hm_fail(err, HM_EIO, "%s: %s", l->name, why.s);
		buf_release(&why);
		return rc;
	}
	path = addr_path(l);
	buf_addf(&line, "%s\n", httpd_addr(l->srv));
	if (atomic_write(path, line.s, line.len, 0600, &why) < 0) {
		rc = hm_fail(err, HM_EIO, "%s: %s", l->name, why.s);
		httpd_close(l->srv);
		l->srv = NULL;
	}
	free(path);
	buf_release(&line);
	buf_release(&why);
	return rc;
}

int
gwlisten_poll(struct gwlisten *l, long timeout_ms, gwlisten_fn fn,
    void *ctx, struct gw_msg **v, size_t *n, struct buf *err)
{
	double end = tu_mono() + (timeout_ms > 0 ? timeout_ms : 0) / 1000.0;
	struct httpd_req *r;
	long left;
	int rc = 0;

	*v = NULL;
	*n = 0;
	if (!l->srv)
		rc = start(l, err);
	while (rc == 0) {
		left = (long)((end - tu_mono()) * 1000);
		rc = httpd_next(l->srv, left > 0 ? left : 0, &r, err);
		if (rc <= 0 || fn(ctx, r) > 0 || left <= 0)
			break;
		rc = 0;
	}
	if (rc < 0) {
		gw_msgs_free(l->v, l->n);
	} else {
		rc = 0;
		*v = l->v;
		*n = l->n;
	}
	l->v = NULL;
	l->n = 0;
	return rc;
}

void
gwlisten_add(struct gwlisten *l, struct gw_msg *m)
{
	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	l->v[l->n++] = *m;
	memset(m, 0, sizeof(*m));
}

void
gwlisten_hold(struct gwlisten *l, struct httpd_req *r)
{
	l->held = xrealloc(l->held, (l->nheld + 1) * sizeof(*l->held));
	l->held[l->nheld++] = r;
}

void
gwlisten_ack(struct gwlisten *l)
{
	static const char ok[] = "{\"ok\":true}";
	size_t i;

	for (i = 0; i < l->nheld; i++) {
		httpd_respond(l->held[i], 200, "application/json", ok,
		    sizeof(ok) - 1, NULL);
		httpd_req_free(l->held[i]);
	}
	free(l->held);
	l->held = NULL;
	l->nheld = 0;
}

void
gwlisten_refuse(const struct gwlisten *l, struct httpd_req *r, int status,
    const char *msg)
{
	struct buf allow = BUF_INIT;
	const char *hdr[2] = { NULL, NULL };
	cJSON *o = cJSON_CreateObject();
	char *s;

	if (status == 405) {
		buf_addf(&allow, "Allow: %s", l->allow);
		hdr[0] = allow.s;
	}
	cJSON_AddFalseToObject(o, "ok");
	cJSON_AddStringToObject(o, "error", msg ? msg : status == 401 ?
	    "bad or missing signature" : status == 404 ? "not found" :
	    status == 405 ? "method not allowed" : "refused");
	s = cJSON_PrintUnformatted(o);
	httpd_respond(r, status, "application/json", s, strlen(s), hdr);
	buf_release(&allow);
	cJSON_free(s);
	cJSON_Delete(o);
	httpd_req_free(r);
}

int
gwlisten_signed(const struct httpd_req *r, const char *header,
    const char *secret)
{
	const char *sig = httpd_header(r, header);
	char want[65], got[65];
	size_t i, n;

	if (!sig || strncasecmp(sig, "sha256=", 7) || !secret || !*secret)
		return 0;
	sig += 7;
	n = strlen(sig);
	if (n != 64)
		return 0;
	for (i = 0; i < n; i++)
		got[i] = (char)(sig[i] >= 'A' && sig[i] <= 'F' ?
		    sig[i] + ('a' - 'A') : sig[i]);
	got[n] = '\0';
	hmac_sha256_hex(secret, strlen(secret), r->body, r->len, want);
	return hmac_equal(want, got);
}

void
gwlisten_release(struct gwlisten *l)
{
	size_t i;
	char *path;

	for (i = 0; i < l->nheld; i++)
		httpd_req_free(l->held[i]);	/* unanswered: resent */
	free(l->held);
	gw_msgs_free(l->v, l->n);
	if (l->srv) {
		httpd_close(l->srv);
		path = addr_path(l);
		unlink(path);
		free(path);
	}
	free(l->name);
	free(l->spec);
	memset(l, 0, sizeof(*l));
}

void
gwlisten_scrub(struct buf *err, const char *secret)
{
	buf_scrub(err, secret, "<secret>");
}

void
gwlisten_excerpt(struct buf *out, const struct buf *body, size_t max)
{
	size_t i, n = body->len < max ? body->len : max;
	unsigned char c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)body->s[i];
		buf_addc(out, c < ' ' || c == 0x7f ? ' ' : c);
	}
	if (body->len > max)
		buf_adds(out, "...");
}
