/*
 * jobs.c: cron/jobs.json (jobs.h).  Loading parses every entry into a
 * struct job, schedule included, and fails on the first bad key with the
 * file and the key path.  Edits work on the cJSON tree of the file, so
 * unknown keys survive, under flock(cron/.jobs.json.lock), and write the
 * whole file with atomic_write.
 */
#include <sys/random.h>
#include <cjson/cJSON.h>
#include <ctype.h>

#include "common.h"
#include "atomic.h"
#include "jobs.h"
#include "lock.h"
#include "outbox.h"
#include "path.h"
#include "timeutil.h"

#define REL	"cron/jobs.json"

static void
free_strv(char **v)
{
	char **p;

	for (p = v; p && *p; p++)
		free(*p);
	free(v);
}

static void
job_release(struct job *j)
{
	free(j->id);
	free(j->name);
	free(j->schedule);
	free(j->canon);
	free(j->prompt);
	free(j->deliver);
	free_strv(j->skills);
	free(j->script);
	free(j->model);
	memset(j, 0, sizeof(*j));
}

void
jobs_release(struct jobs *j)
{
	size_t i;

	for (i = 0; i < j->n; i++)
		job_release(&j->v[i]);
	free(j->v);
	free(j->path);
	memset(j, 0, sizeof(*j));
}

int
jobs_valid_target(const char *t, struct buf *err)
{
	struct outbox_msg m;
	struct buf why = BUF_INIT;
	int rc = 0;

	if (!strcmp(t, "local"))
		return 0;
	if (outbox_parse_target(t, &m, &why) < 0)
		rc = hm_fail(err, HM_EINVAL, "'%s' is not a delivery target "
		    "(local, or PLATFORM:CHAT[:THREAD] such as "
		    "telegram:12345)", t);
	outbox_msg_release(&m);
	buf_release(&why);
	return rc;
}

/* Read the file; a missing one is an empty list.  *root is the tree. */
static int
read_tree(const char *path, cJSON **root, struct buf *err)
{
	struct buf text = BUF_INIT;
	const char *ep;
	size_t line = 1;
	int rc;

	*root = NULL;
	rc = buf_read_file(&text, path);
	if (rc < 0 && errno == ENOENT) {
		*root = cJSON_Parse("{\"jobs\": []}");
		buf_release(&text);
		return 0;
	}
	if (rc < 0) {
		rc = hm_fail(err, HM_EIO, "cannot read '%s': %s", path,
		    strerror(errno));
		buf_release(&text);
		return rc;
	}
	*root = cJSON_ParseWithOpts(text.s, &ep, 1);
	if (!*root) {
		ep = cJSON_GetErrorPtr();
		for (const char *p = text.s; ep && p < ep && *p; p++)
			line += *p == '\n';
		buf_release(&text);
		return hm_fail(err, HM_EFAIL, "%s: not valid JSON at line %zu",
		    REL, line);
	}
	buf_release(&text);
	if (!cJSON_IsObject(*root) || (cJSON_GetObjectItem(*root, "jobs") &&
	    !cJSON_IsArray(cJSON_GetObjectItem(*root, "jobs")))) {
		cJSON_Delete(*root);
		*root = NULL;
		return hm_fail(err, HM_EFAIL, "%s: %s", REL,
		    "expected {\"jobs\": [...]}");
	}
	if (!cJSON_GetObjectItem(*root, "jobs"))
		cJSON_AddArrayToObject(*root, "jobs");
	return 0;
}

static int
bad(struct buf *err, size_t i, const char *key, const char *what)
{
	return hm_fail(err, HM_EFAIL, "%s: jobs[%zu].%s: %s", REL, i, key,
	    what);
}

static int
str(const cJSON *o, const char *key, size_t i, int need, char **out,
    struct buf *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	*out = NULL;
	if (!v || cJSON_IsNull(v))
		return need ? bad(err, i, key, "missing") : 0;
	if (!cJSON_IsString(v) || (need && !*v->valuestring))
		return bad(err, i, key, "not a non-empty string");
	*out = xstrdup(v->valuestring);
	return 0;
}

static int
parse_job(const cJSON *o, size_t i, struct job *j, struct buf *err)
{
	struct buf why = BUF_INIT;
	const cJSON *v, *it;
	size_t n = 0;
	time_t t;
	int rc;

	memset(j, 0, sizeof(*j));
	if (!cJSON_IsObject(o))
		return hm_fail(err, HM_EFAIL, "%s: jobs[%zu]: not an object",
		    REL, i);
	if ((rc = str(o, "id", i, 1, &j->id, err)) < 0 ||
	    (rc = str(o, "schedule", i, 1, &j->schedule, err)) < 0 ||
	    (rc = str(o, "prompt", i, 1, &j->prompt, err)) < 0 ||
	    (rc = str(o, "name", i, 0, &j->name, err)) < 0 ||
	    (rc = str(o, "canon", i, 0, &j->canon, err)) < 0 ||
	    (rc = str(o, "deliver", i, 0, &j->deliver, err)) < 0 ||
	    (rc = str(o, "script", i, 0, &j->script, err)) < 0 ||
	    (rc = str(o, "model", i, 0, &j->model, err)) < 0)
		return rc;
	if (!j->name)
		j->name = xstrdup("");
	if (!j->deliver)
		j->deliver = xstrdup("local");
	if (jobs_valid_target(j->deliver, &why) < 0) {
		rc = bad(err, i, "deliver", why.s);
		buf_release(&why);
		return rc;
	}
	v = cJSON_GetObjectItemCaseSensitive(o, "paused");
	if (v && !cJSON_IsBool(v))
		return bad(err, i, "paused", "not true or false");
	j->paused = cJSON_IsTrue(v);
	j->skills = xcalloc(1, sizeof(char *));
	v = cJSON_GetObjectItemCaseSensitive(o, "skills");
	if (v && !cJSON_IsArray(v))
		return bad(err, i, "skills", "not an array of names");
	cJSON_ArrayForEach(it, v) {
		if (!cJSON_IsString(it))
			return bad(err, i, "skills", "not an array of names");
		j->skills = xrealloc(j->skills, (n + 2) * sizeof(char *));
		j->skills[n++] = xstrdup(it->valuestring);
		j->skills[n] = NULL;
	}
	v = cJSON_GetObjectItemCaseSensitive(o, "created");
	j->created = 0;
	if (cJSON_IsString(v) && tu_parse_iso(v->valuestring, &t, &why) == 0)
		j->created = t;
	buf_reset(&why);
	/* the canonical form is what runs; the typed one if it is missing
	 * (a hand-written entry) */
	if (schedule_parse(j->canon ? j->canon : j->schedule, j->created ?
	    j->created : tu_now(), &j->sched, NULL, &why) < 0) {
		rc = bad(err, i, j->canon ? "canon" : "schedule", why.s);
		buf_release(&why);
		return rc;
	}
	buf_release(&why);
	return 0;
}

static int
by_id(const void *a, const void *b)
{
	const struct job *x = *(const struct job *const *)a;
	const struct job *y = *(const struct job *const *)b;

	return strcmp(x->id, y->id);
}

/* The index of a job whose id an earlier one has, or j->n.  Sorted, so
 * a thousand jobs cost a thousand compares, not half a million. */
static size_t
dup_id(const struct jobs *j)
{
	const struct job **v = xcalloc(j->n + 1, sizeof(*v));
	size_t i, r = j->n;

	for (i = 0; i < j->n; i++)
		v[i] = &j->v[i];
	qsort(v, j->n, sizeof(*v), by_id);
	for (i = 1; i < j->n; i++)
		if (!strcmp(v[i - 1]->id, v[i]->id)) {
			r = (size_t)((v[i] > v[i - 1] ? v[i] : v[i - 1]) -
			    j->v);
			break;
		}
	free(v);
	return r;
}

int
jobs_load(struct jobs *j, struct buf *err)
{
	cJSON *root, *it;
	size_t i = 0, k;
	int rc;

	memset(j, 0, sizeof(*j));
	j->path = hm_path(REL);
	if ((rc = read_tree(j->path, &root, err)) < 0) {
		jobs_release(j);
		return rc;
	}
	j->v = xcalloc((size_t)cJSON_GetArraySize(cJSON_GetObjectItem(root,
	    "jobs")) + 1, sizeof(*j->v));
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(root, "jobs")) {
		if ((rc = parse_job(it, i, &j->v[i], err)) < 0) {
			job_release(&j->v[i]);
			break;
		}
		j->n = ++i;
	}
	cJSON_Delete(root);
	if (rc == 0 && (k = dup_id(j)) < j->n)
		rc = bad(err, k, "id", "used twice");
	if (rc < 0)
		jobs_release(j);	/* nothing to free after a failure */
	return rc;
}

const struct job *
jobs_find(const struct jobs *j, const char *key)
{
	size_t i;

	for (i = 0; i < j->n; i++)
		if (!strcmp(j->v[i].id, key))
			return &j->v[i];
	for (i = 0; i < j->n; i++)
		if (*j->v[i].name && !strcmp(j->v[i].name, key))
			return &j->v[i];
	return NULL;
}

/* ---- edits ---- */

struct edit {
	char *path;
	int lock;
	cJSON *root;
	cJSON *jobs;
};

static int
edit_begin(struct edit *e, struct buf *err)
{
	struct jobs check;
	char *lockp;
	int rc;

	memset(e, 0, sizeof(*e));
	e->lock = -1;
	e->path = hm_path(REL);
	if ((rc = hm_mkparents(e->path, err)) < 0)
		return rc;
	lockp = lock_sidecar(e->path);
	e->lock = lock_take(lockp, LOCK_EX, err);
	free(lockp);
	if (e->lock < 0)
		return e->lock;
	atomic_sweep(e->path);
	/* the whole file must be good before we write it back */
	if ((rc = jobs_load(&check, err)) < 0)
		return rc;
	jobs_release(&check);
	if ((rc = read_tree(e->path, &e->root, err)) < 0)
		return rc;
	e->jobs = cJSON_GetObjectItem(e->root, "jobs");
	return 0;
}

static int
edit_commit(struct edit *e, struct buf *err)
{
	char *text = cJSON_Print(e->root);
	struct buf b = BUF_INIT;
	int rc;

	if (!text)
		hm_oom();
	buf_adds(&b, text);
	buf_addc(&b, '\n');
	cJSON_free(text);
	rc = atomic_write(e->path, b.s, b.len, 0600, err);
	buf_release(&b);
	return rc;
}

static void
edit_end(struct edit *e)
{
	if (e->lock >= 0)
		lock_release(e->lock);
	cJSON_Delete(e->root);
	free(e->path);
}

static cJSON *
find_item(cJSON *jobs, const char *key, int *index)
{
	cJSON *it;
	const char *s;
	int i = 0;

	cJSON_ArrayForEach(it, jobs) {
		s = cJSON_GetStringValue(cJSON_GetObjectItem(it, "id"));
		if (s && !strcmp(s, key))
			break;
		i++;
	}
	if (!it) {
		i = 0;
		cJSON_ArrayForEach(it, jobs) {
			s = cJSON_GetStringValue(cJSON_GetObjectItem(it,
			    "name"));
			if (s && *s && !strcmp(s, key))
				break;
			i++;
		}
	}
	*index = i;
	return it;
}

static char *
new_id(void)
{
	unsigned char r[4];
	struct buf b = BUF_INIT;

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r)) {
		unsigned long x = (unsigned long)tu_now() ^
		    ((unsigned long)getpid() << 16);

		memcpy(r, &x, sizeof(r));
	}
	buf_addf(&b, "c_%02x%02x%02x%02x", r[0], r[1], r[2], r[3]);
	return buf_detach(&b);
}

int
jobs_add(const struct job *def, time_t now, char **id, struct buf *err)
{
	struct buf canon = BUF_INIT, created = BUF_INIT;
	struct schedule s;
	struct edit e;
	cJSON *o, *sk;
	char **p;
	int rc, idx;

	*id = NULL;
	if ((rc = schedule_parse(def->schedule, now, &s, &canon, err)) < 0)
		return rc;
	if ((rc = jobs_valid_target(def->deliver ? def->deliver : "local",
	    err)) < 0)
		goto out;
	if ((rc = edit_begin(&e, err)) < 0)
		goto end;
	if (def->name && *def->name && find_item(e.jobs, def->name, &idx)) {
		rc = hm_fail(err, HM_ECONFLICT, "a job named '%s' exists",
		    def->name);
		goto end;
	}
	do {
		free(*id);
		*id = new_id();
	} while (find_item(e.jobs, *id, &idx));
	tu_format_iso(now, &created);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "id", *id);
	if (def->name && *def->name)
		cJSON_AddStringToObject(o, "name", def->name);
	cJSON_AddStringToObject(o, "schedule", def->schedule);
	cJSON_AddStringToObject(o, "canon", canon.s);
	cJSON_AddStringToObject(o, "prompt", def->prompt);
	cJSON_AddStringToObject(o, "deliver", def->deliver ? def->deliver :
	    "local");
	sk = cJSON_AddArrayToObject(o, "skills");
	for (p = def->skills; p && *p; p++)
		cJSON_AddItemToArray(sk, cJSON_CreateString(*p));
	if (def->script)
		cJSON_AddStringToObject(o, "script", def->script);
	if (def->model)
		cJSON_AddStringToObject(o, "model", def->model);
	cJSON_AddBoolToObject(o, "paused", def->paused);
	cJSON_AddStringToObject(o, "created", created.s);
	cJSON_AddItemToArray(e.jobs, o);
	rc = edit_commit(&e, err);
end:
	edit_end(&e);
out:
	if (rc < 0) {
		free(*id);
		*id = NULL;
	}
	buf_release(&canon);
	buf_release(&created);
	return rc;
}

static int
change(const char *key, int what, char **id, struct buf *err)
{
	struct edit e;
	cJSON *it;
	int rc, idx;

	if (id)
		*id = NULL;
	if ((rc = edit_begin(&e, err)) < 0)
		goto out;
	if (!(it = find_item(e.jobs, key, &idx))) {
		rc = hm_fail(err, HM_ENOTFOUND, "no job '%s'", key);
		goto out;
	}
	if (id)
		*id = xstrdup(cJSON_GetStringValue(cJSON_GetObjectItem(it,
		    "id")));
	if (what < 0) {
		cJSON_DeleteItemFromArray(e.jobs, idx);
	} else {
		cJSON_DeleteItemFromObjectCaseSensitive(it, "paused");
		cJSON_AddBoolToObject(it, "paused", what);
	}
	rc = edit_commit(&e, err);
out:
	edit_end(&e);
	return rc;
}

int
jobs_rm(const char *key, char **id, struct buf *err)
{
	return change(key, -1, id, err);
}

int
jobs_set_paused(const char *key, int paused, char **id, struct buf *err)
{
	return change(key, paused ? 1 : 0, id, err);
}
