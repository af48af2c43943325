/*
 * skill_edit.c: changes to skills through the API: create (from fields
 * or a whole SKILL.md), write or patch a file, remove a file, delete a
 * skill; and what they share with skill_install.c: the root's lock, the
 * ".tmp-*" staging directories, skill_hash and .lock.json.
 *
 * Protocol: every change holds flock on the root's sidecar
 * ".skills.lock" (skill_lock_root) for its whole read-modify-write and
 * first sweeps the ".tmp-*" debris a killed writer left in the root.
 * Files are written with atomic_write; a new skill is built in a
 * ".tmp-new-*" directory and renamed into place; a deleted one is
 * renamed to ".tmp-del-*" and then removed, so readers see a skill whole
 * or not at all.  A SKILL.md is validated before it replaces the old
 * one.  After a change to a home skill recorded in .lock.json its sha256
 * there is re-recorded (or the entry dropped on delete), still under the
 * lock, so skill_check reports only changes made behind the API's back.
 */
#include <sys/stat.h>
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "common.h"
#include "atomic.h"
#include "frontmatter.h"
#include "lock.h"
#include "path.h"
#include "sha256.h"
#include "skill.h"
#include "skill_int.h"

static const char *const file_dirs[] = { "references", "templates",
    "scripts", "assets" };

/* ---- locking and staging ---- */

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

void
skill_rm_rf(const char *path)
{
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Remove ".tmp-*" debris of writers that died; under the root's lock. */
static void
sweep(const char *root)
{
	struct dirent *d;
	DIR *dp = opendir(root);
	char *p;

	if (!dp)
		return;
	while ((d = readdir(dp))) {
		if (strncmp(d->d_name, ".tmp-", 5))
			continue;
		p = skill_join(root, d->d_name);
		skill_rm_rf(p);
		free(p);
	}
	closedir(dp);
}

int
skill_lock_root(const char *root, struct buf *err)
{
	char *lp = lock_sidecar(root);
	int fd;

	if (hm_mkdir_p(root, 0700, err) < 0) {
		free(lp);
		return -HM_EIO;
	}
	fd = lock_take(lp, LOCK_EX, err);
	free(lp);
	if (fd >= 0)
		sweep(root);
	return fd;
}

char *
skill_temp_dir(const char *root, const char *what, struct buf *err)
{
	struct buf p = BUF_INIT;

	buf_addf(&p, "%s/.tmp-%s-XXXXXX", root, what);
	if (!mkdtemp(p.s)) {
		hm_fail(err, HM_EIO, "cannot create a directory in '%s': %s",
		    root, strerror(errno));
		buf_release(&p);
		return NULL;
	}
	return buf_detach(&p);
}

/* ---- hashes ---- */

static int
not_dots(const struct dirent *d)
{
	return strcmp(d->d_name, ".") && strcmp(d->d_name, "..");
}

/*
 * Call fn for every entry under base (sorted, dot-files included, no
 * symlink followed), with its relative path and lstat.
 */
int
skill_each_file(const char *base, const char *rel, int depth,
    int (*fn)(const char *base, const char *rel, const struct stat *st,
    void *ctx), void *ctx, struct buf *err)
{
	struct dirent **ents;
	struct buf sub = BUF_INIT;
	struct stat st;
	char *full;
	int i, n, rc = 0;

	if (depth > WALK_MAX_DEPTH)
		return hm_fail(err, HM_EFAIL, "'%s' nests directories too "
		    "deep", base);
	full = *rel ? skill_join(base, rel) : xstrdup(base);
	n = scandir(full, &ents, not_dots, alphasort);
	if (n < 0)
		rc = hm_fail(err, HM_EIO, "cannot read directory '%s': %s",
		    full, strerror(errno));
	free(full);
	for (i = 0; i < n; i++) {
		if (rc == 0) {
			buf_reset(&sub);
			buf_addf(&sub, "%s%s%s", rel, *rel ? "/" : "",
			    ents[i]->d_name);
			full = skill_join(base, sub.s);
			if (lstat(full, &st) < 0)
				rc = hm_fail(err, HM_EIO, "cannot stat '%s': "
				    "%s", full, strerror(errno));
			else
				rc = fn(base, sub.s, &st, ctx);
			if (rc == 0 && S_ISDIR(st.st_mode))
				rc = skill_each_file(base, sub.s, depth + 1, fn, ctx,
				    err);
			free(full);
		}
		free(ents[i]);
	}
	if (n > 0)
		free(ents);
	buf_release(&sub);
	return rc;
}

static int
hash_one(const char *base, const char *rel, const struct stat *st,
    void *ctx)
{
	struct sha256 *c = ctx, fc;
	struct buf data = BUF_INIT;
	char hex[65], *full;
	int rc = 0;

	if (S_ISDIR(st->st_mode)) {
		sha256_update(c, "D ", 2);
		sha256_update(c, rel, strlen(rel) + 1);
		return 0;
	}
	full = skill_join(base, rel);
	if (S_ISLNK(st->st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlink(full, target, sizeof(target));

		sha256_update(c, "L ", 2);
		sha256_update(c, rel, strlen(rel) + 1);
		if (n > 0)
			sha256_update(c, target, (size_t)n);
		sha256_update(c, "\n", 1);
	} else if (S_ISREG(st->st_mode)) {
		if (buf_read_file(&data, full) < 0) {
			rc = -1;
		} else {
			sha256_init(&fc);
			sha256_update(&fc, buf_str(&data), data.len);
			sha256_hex(&fc, hex);
			sha256_update(c, st->st_mode & 0111 ? "X " : "F ", 2);
			sha256_update(c, rel, strlen(rel) + 1);
			sha256_update(c, hex, 64);
			sha256_update(c, "\n", 1);
		}
	}
	free(full);
	buf_release(&data);
	return rc < 0 ? -HM_EIO : 0;
}

int
skill_hash(const char *dir, char hex[65], struct buf *err)
{
	struct sha256 c;
	int rc;

	sha256_init(&c);
	rc = skill_each_file(dir, "", 0, hash_one, &c, err);
	if (rc == -HM_EIO && !err->len)
		hm_fail(err, HM_EIO, "cannot read the files of '%s'", dir);
	sha256_hex(&c, hex);
	return rc;
}

/* ---- .lock.json: the record of installed skills ---- */

static char *
lock_json_path(void)
{
	return hm_path("skills/.lock.json");
}

cJSON *
skill_lock_json_load(void)
{
	struct buf text = BUF_INIT;
	char *p = lock_json_path();
	cJSON *o = NULL;

	if (buf_read_file(&text, p) == 0)
		o = cJSON_Parse(buf_str(&text));
	if (!cJSON_IsObject(o)) {
		cJSON_Delete(o);
		o = cJSON_CreateObject();
	}
	if (!cJSON_IsObject(cJSON_GetObjectItem(o, "skills"))) {
		cJSON_DeleteItemFromObject(o, "skills");
		cJSON_AddObjectToObject(o, "skills");
	}
	buf_release(&text);
	free(p);
	return o;
}

int
skill_lock_json_save(cJSON *o, struct buf *err)
{
	char *p = lock_json_path(), *s = cJSON_Print(o);
	struct buf text = BUF_INIT;
	int rc;

	buf_adds(&text, s);
	buf_addc(&text, '\n');
	rc = atomic_write(p, text.s, text.len, 0644, err);
	buf_release(&text);
	cJSON_free(s);
	free(p);
	return rc;
}

/* After a change through the API: re-record the hash of a home skill
 * that was installed.  Under the home root's lock. */
static int
lock_json_rehash(const char *name, const char *dir, struct buf *err)
{
	cJSON *o = skill_lock_json_load(), *e;
	char hex[65];
	int rc = 0;

	e = cJSON_GetObjectItem(cJSON_GetObjectItem(o, "skills"), name);
	if (e && dir && (rc = skill_hash(dir, hex, err)) == 0) {
		cJSON_DeleteItemFromObject(e, "sha256");
		cJSON_AddStringToObject(e, "sha256", hex);
		rc = skill_lock_json_save(o, err);
	} else if (e && !dir) {
		cJSON_DeleteItemFromObject(cJSON_GetObjectItem(o, "skills"),
		    name);
		rc = skill_lock_json_save(o, err);
	}
	cJSON_Delete(o);
	return rc;
}

/* ---- changes ---- */

struct target {
	struct skill_set set;
	const struct skill *sk;
	char *root;
	int lockfd;
};

static void
target_release(struct target *t)
{
	lock_release(t->lockfd);
	skill_set_release(&t->set);
	free(t->root);
	memset(t, 0, sizeof(*t));
	t->lockfd = -1;
}

/* Find NAME among the writable skills and lock its root. */
static int
target_open(struct target *t, const char *name, struct buf *err)
{
	char *file;
	int rc;

	memset(t, 0, sizeof(*t));
	t->lockfd = -1;
	if (!name || !*name)
		return hm_fail(err, HM_EINVAL, "a skill name is required");
	if ((rc = skill_set_load(&t->set, err)) < 0)
		return rc;
	if (!(t->sk = skill_set_find(&t->set, name))) {
		rc = hm_fail(err, HM_ENOTFOUND, "no skill '%s'", name);
		goto bad;
	}
	if (t->sk->source == SKILL_BUNDLED) {
		rc = hm_fail(err, HM_EFAIL, "skill '%s' is bundled with "
		    "hermes and read-only; create your own skill instead",
		    name);
		goto bad;
	}
	t->root = skill_root(t->sk->source);
	if ((rc = t->lockfd = skill_lock_root(t->root, err)) < 0)
		goto bad;
	file = skill_join(t->sk->dir, "SKILL.md");
	rc = skill_is_file(file) ? 0 : hm_fail(err, HM_ENOTFOUND, "skill '%s' "
	    "was removed meanwhile", name);
	free(file);
	if (rc == 0)
		return 0;
bad:
	target_release(t);
	return rc;
}

static int
target_done(struct target *t, int rc, struct buf *err)
{
	if (rc == 0 && t->sk->source == SKILL_HOME)
		rc = lock_json_rehash(t->sk->name, t->sk->dir, err);
	target_release(t);
	return rc;
}

int
skill_check_category(const char *category, struct buf *err)
{
	if (category && *category && !skill_valid_name(category))
		return hm_fail(err, HM_EINVAL, "invalid category '%s': use "
		    "lowercase letters, digits and single hyphens", category);
	return 0;
}

int
skill_create_text(const char *name, const char *category, const char *text,
    char **path, struct buf *err)
{
	struct frontmatter fm = FRONTMATTER_INIT;
	struct skill_set set = SKILL_SET_INIT;
	const struct skill *old;
	struct buf dest = BUF_INIT;
	char *root = NULL, *tmp = NULL, *file;
	int rc, fd = -1;

	*path = NULL;
	if ((rc = skill_check_category(category, err)) < 0 ||
	    (rc = skill_parse("SKILL.md", text, strlen(text), NULL, &fm,
	    err)) < 0)
		return rc;
	if (name && strcmp(name, frontmatter_get(&fm, "name"))) {
		rc = hm_fail(err, HM_EINVAL, "the SKILL.md is named '%s', not "
		    "'%s'", frontmatter_get(&fm, "name"), name);
		frontmatter_release(&fm);
		return rc;
	}
	root = skill_root(SKILL_HOME);
	if ((rc = fd = skill_lock_root(root, err)) < 0)
		goto out;
	skill_set_load(&set, err);
	old = skill_set_find(&set, frontmatter_get(&fm, "name"));
	if (old && old->source == SKILL_HOME) {
		rc = hm_fail(err, HM_EFAIL, "skill '%s' already exists at "
		    "'%s'", old->name, old->dir);
		goto out;
	}
	buf_addf(&dest, "%s/%s%s%s", root, category ? category : "",
	    category && *category ? "/" : "", frontmatter_get(&fm, "name"));
	if (!(tmp = skill_temp_dir(root, "new", err))) {
		rc = -HM_EIO;
		goto out;
	}
	file = skill_join(tmp, "SKILL.md");
	rc = atomic_write(file, text, strlen(text), 0644, err);
	free(file);
	if (rc == 0 && (rc = hm_mkparents(dest.s, err)) == 0 &&
	    rename(tmp, dest.s) < 0)
		rc = hm_fail(err, HM_EIO, "cannot rename '%s' to '%s': %s",
		    tmp, dest.s, strerror(errno));
	if (rc == 0) {
		chmod(dest.s, 0755);
		*path = skill_join(dest.s, "SKILL.md");
	} else {
		skill_rm_rf(tmp);
	}
out:
	lock_release(fd);
	skill_set_release(&set);
	frontmatter_release(&fm);
	buf_release(&dest);
	free(tmp);
	free(root);
	return rc;
}

int
skill_create(const char *name, const char *description,
    const char *category, const char *body, char **path, struct buf *err)
{
	struct buf text = BUF_INIT;
	int rc;

	*path = NULL;
	if (!skill_valid_name(name))
		return hm_fail(err, HM_EINVAL, "invalid name '%s': use "
		    "lowercase letters, digits and single hyphens, at most %d",
		    name, SKILL_NAME_MAX);
	if (!description || skill_blank(description))
		return hm_fail(err, HM_EINVAL, "a description is required");
	buf_addf(&text, "---\nname: %s\ndescription: ", name);
	frontmatter_quote(&text, description);
	buf_adds(&text, "\n---\n\n");
	if (body && !skill_blank(body))
		buf_adds(&text, body);
	else
		buf_addf(&text, "# %s\n\n## When to use\n\n## Procedure\n\n"
		    "1.\n\n## Pitfalls\n\n## Verification\n", name);
	if (text.s[text.len - 1] != '\n')
		buf_addc(&text, '\n');
	rc = skill_create_text(name, category, text.s, path, err);
	buf_release(&text);
	return rc;
}

/* A path for writing inside dir: relative, no "..", no symlink on the
 * way, under one of file_dirs.  Malloc'd or NULL. */
static char *
write_path(const char *dir, const char *rel, struct buf *err)
{
	struct buf p = BUF_INIT;
	struct stat st;
	const char *c;
	size_t i, n;
	int ok = 0;

	if (skill_check_rel(rel, err) < 0)
		return NULL;
	n = strcspn(rel, "/");
	for (i = 0; i < HM_ARRAY_SIZE(file_dirs); i++)
		ok |= strlen(file_dirs[i]) == n && !strncmp(rel, file_dirs[i],
		    n) && rel[n] == '/' && rel[n + 1];
	if (!ok) {
		hm_fail(err, HM_EINVAL, "'%s': files go under references/, "
		    "templates/, scripts/ or assets/", rel);
		return NULL;
	}
	buf_adds(&p, dir);
	for (c = rel; *c; c += n + (c[n] == '/')) {
		n = strcspn(c, "/");
		buf_addf(&p, "/%.*s", (int)n, c);
		if (lstat(p.s, &st) == 0 && S_ISLNK(st.st_mode)) {
			hm_fail(err, HM_EINVAL, "'%s' goes through a symbolic "
			    "link; refused", rel);
			buf_release(&p);
			return NULL;
		}
	}
	return buf_detach(&p);
}

int
skill_write(const char *name, const char *file, const char *text,
    const char *expect, struct buf *err)
{
	struct frontmatter fm = FRONTMATTER_INIT;
	struct buf cur = BUF_INIT;
	struct target t;
	char *p = NULL, *shown;
	int rc, main_file = !file || !strcmp(file, "SKILL.md");

	if ((rc = target_open(&t, name, err)) < 0)
		return rc;
	p = main_file ? skill_join(t.sk->dir, "SKILL.md") :
	    write_path(t.sk->dir, file, err);
	shown = main_file ? p : (char *)file;
	if (!p) {
		rc = -HM_EINVAL;
	} else if (main_file && (rc = skill_parse(p, text, strlen(text),
	    hm_basename(t.sk->dir), &fm, err)) < 0) {
		;
	} else if (expect && (buf_read_file(&cur, p) < 0 ? errno != ENOENT
	    || *expect : strcmp(buf_str(&cur), expect))) {
		rc = hm_fail(err, HM_ECONFLICT, "'%s' changed meanwhile",
		    shown);
	} else if (skill_is_dir(p)) {
		rc = hm_fail(err, HM_EINVAL, "'%s' is a directory", shown);
	} else {
		rc = atomic_write(p, text, strlen(text), 0644, err);
	}
	frontmatter_release(&fm);
	buf_release(&cur);
	free(p);
	return target_done(&t, rc, err);
}

/* Replace old by new in text, once (unique) or everywhere. */
static int
replace_in(struct buf *out, const char *text, const char *old,
    const char *new, int all, const char *what, struct buf *err)
{
	size_t n = strlen(old), hits = 0;
	const char *p, *q;

	if (!n)
		return hm_fail(err, HM_EINVAL, "old_string is empty");
	for (p = text; (p = strstr(p, old)); p += n)
		hits++;
	if (!hits)
		return hm_fail(err, HM_ENOTFOUND, "old_string not found in "
		    "'%s'", what);
	if (hits > 1 && !all)
		return hm_fail(err, HM_EAMBIG, "old_string matches %zu places "
		    "in '%s'; give more context or replace all", hits, what);
	for (p = text; (q = strstr(p, old)); p = q + n) {
		buf_add(out, p, (size_t)(q - p));
		buf_adds(out, new);
	}
	buf_adds(out, p);
	return 0;
}

int
skill_patch(const char *name, const char *file, const char *old,
    const char *new, int all, struct buf *err)
{
	struct skill_set set = SKILL_SET_INIT;
	struct buf text = BUF_INIT, out = BUF_INIT;
	const struct skill *sk;
	int rc;

	if ((rc = skill_set_load(&set, err)) < 0)
		return rc;
	if (!(sk = skill_set_find(&set, name)))
		rc = hm_fail(err, HM_ENOTFOUND, "no skill '%s'", name ? name :
		    "");
	else if ((rc = skill_read(sk, file, &text, err)) == 0 &&
	    (rc = replace_in(&out, buf_str(&text), old ? old : "",
	    new ? new : "", all, file ? file : "SKILL.md", err)) == 0)
		rc = skill_write(name, file, buf_str(&out), buf_str(&text),
		    err);
	skill_set_release(&set);
	buf_release(&text);
	buf_release(&out);
	return rc;
}

int
skill_remove_file(const char *name, const char *file, struct buf *err)
{
	struct target t;
	char *p;
	int rc;

	if (!file || !strcmp(file, "SKILL.md"))
		return hm_fail(err, HM_EINVAL, "SKILL.md cannot be removed "
		    "alone; delete the skill");
	if ((rc = target_open(&t, name, err)) < 0)
		return rc;
	if (!(p = write_path(t.sk->dir, file, err)))
		rc = -HM_EINVAL;
	else if (unlink(p) < 0)
		rc = hm_fail(err, errno == ENOENT ? HM_ENOTFOUND : HM_EIO,
		    "cannot remove '%s' from skill '%s': %s", file, name,
		    strerror(errno));
	if (p) {
		char *d = hm_dirname(p);

		while (rc == 0 && strcmp(d, t.sk->dir) && rmdir(d) == 0) {
			char *up = hm_dirname(d);

			free(d);
			d = up;
		}
		free(d);
	}
	free(p);
	return target_done(&t, rc, err);
}

/* Move dir out of the way into a ".tmp-" directory of root, then remove
 * it: readers see the skill whole or gone. */
int
skill_remove_dir(const char *root, const char *dir, struct buf *err)
{
	char *tmp = skill_temp_dir(root, "del", err);
	int rc = 0;

	if (!tmp)
		return -HM_EIO;
	if (rename(dir, tmp) < 0)
		rc = hm_fail(err, HM_EIO, "cannot remove '%s': %s", dir,
		    strerror(errno));
	skill_rm_rf(tmp);
	free(tmp);
	return rc;
}

int
skill_delete(const char *name, struct buf *err)
{
	struct target t;
	char *parent;
	int rc;

	if ((rc = target_open(&t, name, err)) < 0)
		return rc;
	rc = skill_remove_dir(t.root, t.sk->dir, err);
	if (rc == 0 && *t.sk->category) {
		parent = hm_dirname(t.sk->dir);
		rmdir(parent);	/* only when the category is now empty */
		free(parent);
	}
	if (rc == 0 && t.sk->source == SKILL_HOME)
		rc = lock_json_rehash(t.sk->name, NULL, err);
	target_release(&t);
	return rc;
}
