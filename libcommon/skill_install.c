/*
 * skill_install.c: skill_install, from a directory, a single SKILL.md
 * file, an http(s) URL of a .md file (http.c) or a git repository
 * (worktree.c, cloned at its default branch; SRC#DIR picks a directory
 * in it), and skill_check, which compares the home skills with their
 * record in .lock.json.  libgit2 and libcurl reach the skills only
 * through this file, so a program that never installs does not link it.
 *
 * Install protocol, under flock(.skills.lock) of the home root: fetch
 * into ".tmp-install-*" (a clone beside a "stage" copy; no symlinks, no
 * .git, at most INSTALL_MAX_FILES files and INSTALL_MAX_BYTES bytes),
 * validate its SKILL.md, hash and scan the stage (skill_scan.c), let
 * the caller show it, then rename it into place (RENAME_EXCHANGE with an
 * old copy, which is then removed) and record it in .lock.json with
 * atomic_write.  The ".tmp-" directory is removed on every path out.
 */
#include <sys/stat.h>
#include <fcntl.h>
#include <stdio.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "common.h"
#include "atomic.h"
#include "frontmatter.h"
#include "http.h"
#include "lock.h"
#include "path.h"
#include "skill.h"
#include "skill_int.h"
#include "worktree.h"
#include "timeutil.h"

#define INSTALL_MAX_FILES 1000
#define INSTALL_MAX_BYTES (20 * 1024 * 1024)

/* ---- install ---- */

struct copy {
	const char *dest;
	size_t files, bytes;
	struct buf *err;
};

static int
in_git(const char *rel)
{
	return !strcmp(rel, ".git") || !strncmp(rel, ".git/", 5);
}

static int
copy_file(const char *from, const char *to, mode_t mode, struct buf *err)
{
	struct buf data = BUF_INIT;
	int fd, rc = 0;

	if (buf_read_file(&data, from) < 0) {
		rc = hm_fail(err, HM_EIO, "cannot read '%s': %s", from,
		    strerror(errno));
		goto out;
	}
	fd = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0 || write(fd, buf_str(&data), data.len) !=
	    (ssize_t)data.len || fsync(fd) < 0 || fchmod(fd, mode) < 0) {
		rc = hm_fail(err, HM_EIO, "cannot write '%s': %s", to,
		    strerror(errno));
	}
	if (fd >= 0 && close(fd) < 0 && rc == 0)
		rc = hm_fail(err, HM_EIO, "cannot write '%s': %s", to,
		    strerror(errno));
out:
	buf_release(&data);
	return rc;
}

static int
copy_one(const char *base, const char *rel, const struct stat *st,
    void *ctx)
{
	struct copy *c = ctx;
	char *from, *to;
	int rc = 0;

	if (in_git(rel))
		return 0;
	if (S_ISLNK(st->st_mode))
		return hm_fail(c->err, HM_EFAIL, "'%s' is a symbolic link: "
		    "skills are installed without links", rel);
	if (!S_ISDIR(st->st_mode) && !S_ISREG(st->st_mode))
		return hm_fail(c->err, HM_EFAIL, "'%s' is not a regular file",
		    rel);
	if (++c->files > INSTALL_MAX_FILES ||
	    (c->bytes += (size_t)st->st_size) > INSTALL_MAX_BYTES)
		return hm_fail(c->err, HM_EFAIL, "the skill is too large "
		    "(more than %d files or %d bytes)", INSTALL_MAX_FILES,
		    INSTALL_MAX_BYTES);
	from = skill_join(base, rel);
	to = skill_join(c->dest, rel);
	if (S_ISDIR(st->st_mode)) {
		if (mkdir(to, 0755) < 0)
			rc = hm_fail(c->err, HM_EIO, "cannot create directory "
			    "'%s': %s", to, strerror(errno));
	} else {
		rc = copy_file(from, to, st->st_mode & 0100 ? 0755 : 0644,
		    c->err);
	}
	free(from);
	free(to);
	return rc;
}

struct found {
	char **v;
	size_t n;
};

static int
find_skill_md(const char *base, const char *rel, const struct stat *st,
    void *ctx)
{
	struct found *f = ctx;

	(void)base;
	if (!in_git(rel) && S_ISREG(st->st_mode) &&
	    !strcmp(hm_basename(rel), "SKILL.md"))
		skill_push_str(&f->v, &f->n, hm_dirname(rel));
	return 0;
}

/* The skill directory inside a fetched tree: src#sub, src, or the one
 * directory below holding a SKILL.md; malloc'd into *out. */
static int
pick(const char *src, const char *sub, const char *what, char **out,
    struct buf *err)
{
	struct found f = { NULL, 0 };
	struct buf names = BUF_INIT;
	char *md;
	size_t i;
	int rc = 0;

	*out = NULL;
	if (sub) {
		if ((rc = skill_check_rel(sub, err)) < 0)
			return rc;
		*out = skill_join(src, sub);
		md = skill_join(*out, "SKILL.md");
		if (!skill_is_file(md)) {
			rc = hm_fail(err, HM_ENOTFOUND, "no SKILL.md in '%s' "
			    "of '%s'", sub, what);
			free(*out);
			*out = NULL;
		}
		free(md);
		return rc;
	}
	md = skill_join(src, "SKILL.md");
	if (skill_is_file(md)) {
		free(md);
		*out = xstrdup(src);
		return 0;
	}
	free(md);
	if ((rc = skill_each_file(src, "", 0, find_skill_md, &f, err)) < 0)
		goto out;
	if (f.n == 1) {
		*out = skill_join(src, f.v[0]);
		goto out;
	}
	for (i = 0; i < f.n && i < 10; i++)
		buf_addf(&names, "%s%s", i ? ", " : "", f.v[i]);
	if (f.n == 0)
		rc = hm_fail(err, HM_ENOTFOUND, "no SKILL.md in '%s'", what);
	else
		rc = hm_fail(err, HM_EFAIL, "%zu skills in '%s' (%s%s); name "
		    "one as %s#DIR", f.n, what, names.s, f.n > 10 ? ", ..." :
		    "", what);
out:
	skill_free_strs(f.v, f.n);
	buf_release(&names);
	return rc;
}

static int
fetch_url(const char *url, const char *stage, struct buf *err)
{
	struct http_req req = { 0 };
	struct http_resp resp = { 0 };
	char *file;
	int rc;

	req.method = "GET";
	req.url = url;
	req.timeout = 60;
	req.max_redirs = 5;
	req.web_only = 1;
	req.max_body = SKILL_FILE_MAX + 1;
	if ((rc = http_request(&req, &resp, err)) < 0)
		goto out;
	if (resp.status != 200) {
		rc = hm_fail(err, HM_EFAIL, "cannot fetch '%s': HTTP %ld", url,
		    resp.status);
		goto out;
	}
	if (resp.truncated || resp.body.len > SKILL_FILE_MAX) {
		rc = hm_fail(err, HM_EFAIL, "'%s' is larger than %d bytes", url,
		    SKILL_FILE_MAX);
		goto out;
	}
	if (mkdir(stage, 0755) < 0) {
		rc = hm_fail(err, HM_EIO, "cannot create directory '%s': %s",
		    stage, strerror(errno));
		goto out;
	}
	file = skill_join(stage, "SKILL.md");
	rc = atomic_write(file, buf_str(&resp.body), resp.body.len, 0644,
	    err);
	free(file);
out:
	http_resp_release(&resp);
	return rc;
}

static int
is_url(const char *s)
{
	const char *at = strchr(s, '@'), *colon, *slash;

	if (strstr(s, "://"))
		return 1;
	/* scp-like git: user@host:path */
	if (!at || !(colon = strchr(at, ':')))
		return 0;
	slash = strchr(s, '/');
	return !slash || colon < slash;
}

static int
is_md_url(const char *s)
{
	size_t n;

	if (strncmp(s, "http://", 7) && strncmp(s, "https://", 8))
		return 0;
	n = strcspn(s, "?#");
	return n >= 3 && !strncmp(s + n - 3, ".md", 3);
}

/* Fill stage from the source; sets in->kind and in->commit. */
static int
fetch(struct skill_install *in, const char *tmp, const char *stage,
    struct buf *err)
{
	char *src = xstrdup(in->source), *hash = strrchr(src, '#');
	char *sub = NULL, *clone = NULL, *picked = NULL, *dotgit;
	struct copy c = { stage, 0, 0, err };
	struct stat st;
	int rc = 0;

	if (is_md_url(src)) {
		in->kind = xstrdup("url");
		rc = fetch_url(src, stage, err);
		goto out;
	}
	if (hash) {
		*hash = '\0';
		sub = hash + 1;
		if (!*sub)
			sub = NULL;
	}
	dotgit = skill_join(src, ".git");
	if (is_url(src) || access(dotgit, F_OK) == 0) {
		in->kind = xstrdup("git");
		clone = skill_join(tmp, "clone");
		rc = worktree_clone(src, clone, &in->commit, err);
	} else if (stat(src, &st) < 0) {
		rc = hm_fail(err, HM_ENOTFOUND, "cannot install '%s': %s", src,
		    strerror(errno));
	} else if (S_ISREG(st.st_mode)) {
		in->kind = xstrdup("file");
		rc = mkdir(stage, 0755) < 0 ? hm_fail(err, HM_EIO, "cannot "
		    "create directory '%s': %s", stage, strerror(errno)) : 0;
		free(dotgit);
		dotgit = skill_join(stage, "SKILL.md");
		if (rc == 0 && st.st_size > SKILL_FILE_MAX)
			rc = hm_fail(err, HM_EFAIL, "'%s' is larger than %d "
			    "bytes", src, SKILL_FILE_MAX);
		else if (rc == 0)
			rc = copy_file(src, dotgit, 0644, err);
	} else {
		in->kind = xstrdup("directory");
	}
	free(dotgit);
	if (rc < 0 || !strcmp(in->kind, "file"))
		goto out;
	if ((rc = pick(clone ? clone : src, sub, in->source, &picked,
	    err)) < 0)
		goto out;
	if (mkdir(stage, 0755) < 0)
		rc = hm_fail(err, HM_EIO, "cannot create directory '%s': %s",
		    stage, strerror(errno));
	if (rc == 0)
		rc = skill_each_file(picked, "", 0, copy_one, &c, err);
out:
	free(picked);
	free(clone);
	free(src);
	return rc;
}

static int
list_one(const char *base, const char *rel, const struct stat *st,
    void *ctx)
{
	struct skill_install *in = ctx;
	struct buf b = BUF_INIT;

	(void)base;
	if (!S_ISREG(st->st_mode))
		return 0;
	buf_addf(&b, "%s\t%lld\t%s", rel, (long long)st->st_size,
	    st->st_mode & 0111 ? "0755" : "0644");
	skill_push_str(&in->files, &in->nfiles, buf_detach(&b));
	return 0;
}

static int
record(struct skill_install *in, const char *rel, struct buf *err)
{
	cJSON *o = skill_lock_json_load(), *skills, *e;
	char stamp[32];
	time_t now = tu_now();
	struct tm tm;
	int rc;

	skills = cJSON_GetObjectItem(o, "skills");
	cJSON_DeleteItemFromObject(skills, in->name);
	e = cJSON_AddObjectToObject(skills, in->name);
	cJSON_AddStringToObject(e, "path", rel);
	cJSON_AddStringToObject(e, "source", in->source);
	cJSON_AddStringToObject(e, "kind", in->kind);
	if (in->commit)
		cJSON_AddStringToObject(e, "commit", in->commit);
	cJSON_AddStringToObject(e, "sha256", in->sha256);
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	cJSON_AddStringToObject(e, "installed", stamp);
	rc = skill_lock_json_save(o, err);
	cJSON_Delete(o);
	return rc;
}

/* Rename stage to dest, swapping with an old dest when there is one. */
static int
land(const char *stage, const char *dest, struct buf *err)
{
	int rc;

	if ((rc = hm_mkparents(dest, err)) < 0)
		return rc;
	if (access(dest, F_OK) == 0) {
		if (renameat2(AT_FDCWD, stage, AT_FDCWD, dest,
		    RENAME_EXCHANGE) < 0)
			return hm_fail(err, HM_EIO, "cannot replace '%s': %s",
			    dest, strerror(errno));
		skill_rm_rf(stage);
		return 0;
	}
	if (rename(stage, dest) < 0)
		return hm_fail(err, HM_EIO, "cannot rename '%s' to '%s': %s",
		    stage, dest, strerror(errno));
	return 0;
}

int
skill_install(struct skill_install *in, struct buf *err)
{
	struct frontmatter fm = FRONTMATTER_INIT;
	struct skill_set set = SKILL_SET_INIT;
	struct buf text = BUF_INIT, rel = BUF_INIT;
	const struct skill *old;
	char *root, *tmp = NULL, *stage = NULL, *md = NULL;
	int rc, fd;

	if ((rc = skill_check_category(in->category, err)) < 0)
		return rc;
	root = skill_root(SKILL_HOME);
	if ((rc = fd = skill_lock_root(root, err)) < 0)
		goto out;
	if (!(tmp = skill_temp_dir(root, "install", err))) {
		rc = -HM_EIO;
		goto out;
	}
	stage = skill_join(tmp, "stage");
	if ((rc = fetch(in, tmp, stage, err)) < 0)
		goto out;
	md = skill_join(stage, "SKILL.md");
	if ((rc = skill_read_text(md, &text, err)) < 0 ||
	    (rc = skill_parse(in->source, buf_str(&text), text.len, NULL,
	    &fm, err)) < 0) {
		rc = rc == -HM_EINVAL ? -HM_EFAIL : rc;
		goto out;
	}
	in->name = xstrdup(frontmatter_get(&fm, "name"));
	buf_addf(&rel, "%s%s%s", in->category ? in->category : "",
	    in->category && *in->category ? "/" : "", in->name);
	in->path = skill_join(root, rel.s);
	skill_set_load(&set, err);
	old = skill_set_find(&set, in->name);
	if (old && !in->force) {
		rc = hm_fail(err, HM_EFAIL, "skill '%s' already exists (%s: "
		    "'%s'); use --force to replace it", in->name,
		    skill_source_name(old->source), old->dir);
		goto out;
	}
	in->replaced = old != NULL;
	if ((rc = skill_each_file(stage, "", 0, list_one, in, err)) < 0 ||
	    (rc = skill_hash(stage, in->sha256, err)) < 0 ||
	    (rc = skill_scan(stage, &in->flags, &in->nflags, err)) < 0)
		goto out;
	if (in->show)
		in->show(in, in->ctx);
	if (in->nflags && !in->force) {
		rc = hm_fail(err, HM_EFAIL, "refusing to install '%s': %zu "
		    "warning%s; review them and use --force to install anyway",
		    in->name, in->nflags, in->nflags == 1 ? "" : "s");
		goto out;
	}
	chmod(stage, 0755);
	if ((rc = land(stage, in->path, err)) < 0)
		goto out;
	if (old && old->source == SKILL_HOME && strcmp(old->dir, in->path))
		rc = skill_remove_dir(root, old->dir, err);
	if (rc == 0)
		rc = record(in, rel.s, err);
out:
	if (tmp)
		skill_rm_rf(tmp);
	if (fd >= 0)
		lock_release(fd);
	skill_set_release(&set);
	frontmatter_release(&fm);
	buf_release(&text);
	buf_release(&rel);
	free(md);
	free(stage);
	free(tmp);
	free(root);
	return rc;
}

void
skill_install_release(struct skill_install *in)
{
	free(in->name);
	free(in->path);
	free(in->kind);
	free(in->commit);
	skill_free_strs(in->files, in->nfiles);
	skill_free_strs(in->flags, in->nflags);
	in->name = in->path = in->kind = in->commit = NULL;
	in->files = in->flags = NULL;
	in->nfiles = in->nflags = 0;
}

/* ---- check ---- */

int
skill_check(struct buf *report, struct buf *err)
{
	struct skill_set set = SKILL_SET_INIT;
	cJSON *o, *e, *v;
	char hex[65], *root, *dir, *md;
	const char *want, *path;
	int rc, bad = 0;
	size_t i;

	if ((rc = skill_set_load(&set, err)) < 0)
		return rc;
	for (i = 0; i < set.nbad; i++, bad++)
		buf_addf(report, "%s\n", set.bad[i]);
	o = skill_lock_json_load();
	root = skill_root(SKILL_HOME);
	cJSON_ArrayForEach(e, cJSON_GetObjectItem(o, "skills")) {
		v = cJSON_GetObjectItem(e, "path");
		path = cJSON_IsString(v) ? v->valuestring : e->string;
		v = cJSON_GetObjectItem(e, "sha256");
		want = cJSON_IsString(v) ? v->valuestring : "";
		if (!path || *path == '/' || strstr(path, ".."))
			continue;
		dir = skill_join(root, path);
		md = skill_join(dir, "SKILL.md");
		if (!skill_is_file(md)) {
			buf_addf(report, "%s: recorded in skills/.lock.json "
			    "but not installed\n", e->string);
			bad++;
		} else if (skill_hash(dir, hex, err) < 0 ||
		    strcmp(hex, want)) {
			buf_addf(report, "%s: files changed since it was "
			    "installed (sha256 %.12s, recorded %.12s)\n",
			    e->string, hex, want);
			bad++;
		}
		free(md);
		free(dir);
	}
	cJSON_Delete(o);
	free(root);
	skill_set_release(&set);
	return bad;
}
