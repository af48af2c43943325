/*
 * pairing.c: the gateway's allowlist and pairing codes (pairing.h).  The
 * file is small and read whole; every change is a locked read, a cJSON
 * edit and an atomic write.  Expired codes are dropped on every change.
 */
#include <sys/random.h>
#include <cjson/cJSON.h>

#include "common.h"
#include "atomic.h"
#include "config.h"
#include "lock.h"
#include "pairing.h"
#include "path.h"
#include "timeutil.h"

#define REL	"gateway/pairing.json"

/* No 0, O, 1, I: a code read aloud or copied by hand stays right. */
static const char alphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

struct pstate {
	char *path;
	int lock;
	cJSON *root;
};

static cJSON *
arr(cJSON *root, const char *key)
{
	cJSON *a = cJSON_GetObjectItem(root, key);

	if (!cJSON_IsArray(a)) {
		cJSON_DeleteItemFromObject(root, key);
		a = cJSON_AddArrayToObject(root, key);
	}
	return a;
}

static int
load(struct pstate *s, int lock, struct buf *err)
{
	struct buf text = BUF_INIT;
	char *lp;

	memset(s, 0, sizeof(*s));
	s->lock = -1;
	s->path = hm_path(REL);
	if (lock) {
		if (hm_mkparents(s->path, err) < 0)
			return -HM_EIO;
		lp = lock_sidecar(s->path);
		s->lock = lock_take(lp, LOCK_EX, err);
		free(lp);
		if (s->lock < 0)
			return s->lock;
	}
	if (buf_read_file(&text, s->path) == 0) {
		s->root = cJSON_Parse(text.s);
		if (!cJSON_IsObject(s->root)) {
			buf_release(&text);
			return hm_fail(err, HM_EFAIL, "%s: not a JSON object; "
			    "fix or remove it", REL);
		}
	} else if (errno != ENOENT) {
		buf_release(&text);
		return hm_fail(err, HM_EIO, "cannot read '%s': %s", s->path,
		    strerror(errno));
	}
	buf_release(&text);
	if (!s->root)
		s->root = cJSON_CreateObject();
	arr(s->root, "pending");
	arr(s->root, "allowed");
	return 0;
}

static int
save(struct pstate *s, struct buf *err)
{
	char *t = cJSON_Print(s->root);
	struct buf b = BUF_INIT;
	int rc;

	if (!t)
		hm_oom();
	buf_addf(&b, "%s\n", t);
	cJSON_free(t);
	rc = atomic_write(s->path, b.s, b.len, 0600, err);
	buf_release(&b);
	return rc;
}

static void
unload(struct pstate *s)
{
	lock_release(s->lock);
	cJSON_Delete(s->root);
	free(s->path);
}

static const char *
str(const cJSON *o, const char *k)
{
	const char *v = cJSON_GetStringValue(cJSON_GetObjectItem(o, k));

	return v ? v : "";
}

static int
is(const cJSON *o, const char *platform, const char *user)
{
	return !strcmp(str(o, "platform"), platform) &&
	    !strcmp(str(o, "user"), user);
}

static void
expire(cJSON *pending, time_t now)
{
	cJSON *it = pending->child, *next;

	for (; it; it = next) {
		next = it->next;
		if (now - (time_t)cJSON_GetNumberValue(cJSON_GetObjectItem(it,
		    "created")) >= PAIRING_TTL)
			cJSON_Delete(cJSON_DetachItemViaPointer(pending, it));
	}
}

/* Is user in the comma-separated list? */
static int
listed(const char *list, const char *user)
{
	size_t n = strlen(user);
	const char *p = list;

	while (p && *p) {
		while (*p == ' ' || *p == ',')
			p++;
		if (!strncmp(p, user, n) && (!p[n] || p[n] == ',' ||
		    p[n] == ' '))
			return 1;
		p = strchr(p, ',');
	}
	return 0;
}

int
pairing_allowed(const struct config *cfg, const char *platform,
    const char *user, struct buf *err)
{
	struct buf key = BUF_INIT;
	struct pstate s;
	const cJSON *it;
	int all = 0, rc;

	config_get_bool(cfg, "gateway.allow_all", &all, NULL);
	if (all)
		return 1;
	buf_addf(&key, "gateway.%s.allow", platform);
	rc = listed(config_get(cfg, key.s, NULL), user);
	buf_release(&key);
	if (rc)
		return 1;
	if ((rc = load(&s, 0, err)) < 0) {
		unload(&s);
		return rc;
	}
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(s.root, "allowed"))
		if (is(it, platform, user))
			rc = 1;
	unload(&s);
	return rc;
}

static void
new_code(char *code)
{
	unsigned char r[8];
	int i;

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		for (i = 0; i < 8; i++)
			r[i] = (unsigned char)(rand() ^ (int)tu_now() >> i);
	for (i = 0; i < 8; i++)
		code[i] = alphabet[r[i] % (sizeof(alphabet) - 1)];
	code[8] = '\0';
}

int
pairing_request(const char *platform, const char *user, const char *name,
    const char *chat, time_t now, char *code, struct buf *err)
{
	struct pstate s;
	cJSON *pending, *it, *o;
	int rc, n = 0;

	if ((rc = load(&s, 1, err)) < 0)
		goto out;
	pending = arr(s.root, "pending");
	expire(pending, now);
	cJSON_ArrayForEach(it, pending) {
		if (is(it, platform, user)) {
			snprintf(code, 9, "%s", str(it, "code"));
			rc = save(&s, err);
			goto out;
		}
		n += !strcmp(str(it, "platform"), platform);
	}
	if (n >= PAIRING_PENDING) {
		rc = hm_fail(err, HM_EFULL, "%s: %d pairing codes are pending "
		    "already", platform, n);
		goto out;
	}
	new_code(code);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "platform", platform);
	cJSON_AddStringToObject(o, "user", user);
	cJSON_AddStringToObject(o, "name", name ? name : "");
	cJSON_AddStringToObject(o, "chat", chat ? chat : "");
	cJSON_AddStringToObject(o, "code", code);
	cJSON_AddNumberToObject(o, "created", (double)now);
	cJSON_AddItemToArray(pending, o);
	rc = save(&s, err);
out:
	unload(&s);
	return rc;
}

int
pairing_approve(const char *platform, const char *code, time_t now,
    char **user, struct buf *err)
{
	cJSON *pending, *it, *bad, *b, *o;
	struct pstate s;
	int rc;

	*user = NULL;
	if ((rc = load(&s, 1, err)) < 0)
		goto out;
	pending = arr(s.root, "pending");
	expire(pending, now);
	if (!cJSON_IsObject(bad = cJSON_GetObjectItem(s.root, "bad"))) {
		cJSON_DeleteItemFromObject(s.root, "bad");
		bad = cJSON_AddObjectToObject(s.root, "bad");
	}
	b = cJSON_GetObjectItem(bad, platform);
	if (b && now - (time_t)cJSON_GetNumberValue(cJSON_GetObjectItem(b,
	    "since")) >= PAIRING_TTL) {
		cJSON_DeleteItemFromObject(bad, platform);
		b = NULL;
	}
	if (b && cJSON_GetNumberValue(cJSON_GetObjectItem(b, "count")) >=
	    PAIRING_BAD) {
		rc = hm_fail(err, HM_ECONFLICT, "%s: %d wrong codes; approvals "
		    "are refused for an hour", platform, PAIRING_BAD);
		goto out;
	}
	cJSON_ArrayForEach(it, pending)
		if (!strcmp(str(it, "platform"), platform) &&
		    !strcasecmp(str(it, "code"), code))
			break;
	if (!it) {
		if (!b) {
			b = cJSON_AddObjectToObject(bad, platform);
			cJSON_AddNumberToObject(b, "count", 0);
			cJSON_AddNumberToObject(b, "since", (double)now);
		}
		cJSON_SetNumberValue(cJSON_GetObjectItem(b, "count"),
		    cJSON_GetNumberValue(cJSON_GetObjectItem(b, "count")) + 1);
		save(&s, err);
		rc = hm_fail(err, HM_ENOTFOUND, "%s: no pending code '%s' (wrong "
		    "or expired)", platform, code);
		goto out;
	}
	*user = xstrdup(str(it, "user"));
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "platform", platform);
	cJSON_AddStringToObject(o, "user", *user);
	cJSON_AddStringToObject(o, "name", str(it, "name"));
	cJSON_AddNumberToObject(o, "approved", (double)now);
	cJSON_AddItemToArray(arr(s.root, "allowed"), o);
	cJSON_Delete(cJSON_DetachItemViaPointer(pending, it));
	rc = save(&s, err);
out:
	if (rc < 0) {
		free(*user);
		*user = NULL;
	}
	unload(&s);
	return rc;
}

int
pairing_revoke(const char *platform, const char *user, struct buf *err)
{
	cJSON *allowed, *it;
	struct pstate s;
	int rc;

	if ((rc = load(&s, 1, err)) < 0)
		goto out;
	allowed = arr(s.root, "allowed");
	cJSON_ArrayForEach(it, allowed)
		if (is(it, platform, user))
			break;
	if (!it) {
		rc = hm_fail(err, HM_ENOTFOUND, "%s: user %s is not paired",
		    platform, user);
		goto out;
	}
	cJSON_Delete(cJSON_DetachItemViaPointer(allowed, it));
	rc = save(&s, err);
out:
	unload(&s);
	return rc;
}

int
pairing_list(time_t now, struct buf *out, struct buf *err)
{
	struct buf t = BUF_INIT;
	struct pstate s;
	const cJSON *it;
	int rc;

	if ((rc = load(&s, 0, err)) == 0) {
		expire(arr(s.root, "pending"), now);
		cJSON_ArrayForEach(it, cJSON_GetObjectItem(s.root, "pending"))
			buf_addf(out, "pending\t%s\t%s\t%s\t%s\n",
			    str(it, "platform"), str(it, "user"),
			    str(it, "name"), str(it, "code"));
		cJSON_ArrayForEach(it, cJSON_GetObjectItem(s.root, "allowed")) {
			buf_reset(&t);
			tu_format_iso((time_t)cJSON_GetNumberValue(
			    cJSON_GetObjectItem(it, "approved")), &t);
			buf_addf(out, "allowed\t%s\t%s\t%s\t%s\n",
			    str(it, "platform"), str(it, "user"),
			    str(it, "name"), t.s);
		}
	}
	buf_release(&t);
	unload(&s);
	return rc;
}
