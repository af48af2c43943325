/*
 * roots.c: where the file tools may go.  A path is judged only after
 * realpath(3) has removed symlinks and "..", so a link inside a root
 * that points outside leads outside and is refused.  For a path that does
 * not exist yet (write_file, patch creating a file) the longest existing
 * prefix is resolved and the missing components are appended as they
 * are: they cannot be links, and ".." among them is refused, since its
 * meaning would depend on links that do not exist yet.
 */
#include <sys/stat.h>

#include "common.h"
#include "config.h"
#include "path.h"
#include "roots.h"

int
roots_inside(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	if (n == 1 && dir[0] == '/')
		return path[0] == '/';
	return !strncmp(path, dir, n) && (path[n] == '\0' || path[n] == '/');
}

/*
 * Resolve the absolute path abs.  loose: a missing tail is allowed (see
 * the top).  Returns 0 with *out set, or -HM_E* naming shown (the path as
 * the caller gave it) in err.
 */
static int
resolve(const char *abs, const char *shown, int loose, char **out,
    struct buf *err)
{
	struct buf pre = BUF_INIT, res = BUF_INIT;
	const char *tail, *c, *e;
	struct stat st;
	char *real;
	size_t n = strlen(abs);
	int rc = 0;

	while (n > 1 && abs[n - 1] == '/')
		n--;
	for (;;) {
		buf_reset(&pre);
		buf_add(&pre, abs, n ? n : 1);
		if ((real = realpath(pre.s, NULL)))
			break;
		if (!loose || errno != ENOENT) {
			rc = hm_fail(err, errno == ENOENT ? HM_ENOTFOUND :
			    HM_EIO, "cannot open '%s': %s", shown,
			    strerror(errno));
			goto out;
		}
		if (lstat(pre.s, &st) == 0) {
			rc = hm_fail(err, HM_EINVAL, "path '%s' goes through "
			    "a dangling symbolic link", shown);
			goto out;
		}
		while (n > 0 && abs[n - 1] != '/')
			n--;
		while (n > 1 && abs[n - 1] == '/')
			n--;
		if (n == 1 && abs[0] == '/')
			n = 0;
	}
	buf_adds(&res, real);
	free(real);
	tail = abs + n;
	for (c = tail; *c; c = e) {
		while (*c == '/')
			c++;
		if (!*c)
			break;
		e = strchr(c, '/');
		if (!e)
			e = c + strlen(c);
		if (e - c == 1 && c[0] == '.')
			continue;
		if (e - c == 2 && c[0] == '.' && c[1] == '.') {
			rc = hm_fail(err, HM_EINVAL, "path '%s' has '..' "
			    "after a directory that does not exist", shown);
			goto out;
		}
		if (res.len > 1)
			buf_addc(&res, '/');
		buf_add(&res, c, (size_t)(e - c));
	}
	*out = buf_detach(&res);
out:
	buf_release(&pre);
	buf_release(&res);
	return rc;
}

static char *
absolute(const char *cwd, const char *path)
{
	struct buf b = BUF_INIT;
	char here[PATH_MAX];

	if (path[0] != '/') {
		if (!cwd)
			cwd = getcwd(here, sizeof(here)) ? here : "/";
		buf_adds(&b, cwd);
		if (b.len && b.s[b.len - 1] != '/')
			buf_addc(&b, '/');
	}
	buf_adds(&b, path);
	return buf_detach(&b);
}

static int
add_root(struct roots *r, const char *dir, struct buf *err)
{
	char *real;
	int rc;

	if (dir[0] != '/')
		return hm_fail(err, HM_EINVAL, "tools.roots: '%s' is not an "
		    "absolute path", dir);
	rc = resolve(dir, dir, 1, &real, err);
	if (rc < 0)
		return rc;
	r->dir = xrealloc(r->dir, (r->n + 1) * sizeof(*r->dir));
	r->dir[r->n++] = real;
	return 0;
}

int
roots_init(struct roots *r, const struct config *cfg, const char *cwd,
    struct buf *err)
{
	const char *v = cfg ? config_get(cfg, "tools.roots", NULL) : NULL;
	struct buf b = BUF_INIT, why = BUF_INIT;
	const char *p, *e;
	char *s, *cw;
	int rc = 0;

	memset(r, 0, sizeof(*r));
	s = hm_path("");
	rc = resolve(s, s, 1, &r->home, err);
	free(s);
	if (rc < 0)
		return rc;
	buf_addf(&b, "%s/worktrees", r->home);
	rc = resolve(b.s, b.s, 1, &r->keep, err);
	buf_reset(&b);
	buf_addf(&b, "%s/.env", r->home);
	if (rc == 0 && resolve(b.s, b.s, 1, &r->dotenv, &why) < 0)
		r->dotenv = buf_detach(&b);
	buf_release(&b);
	buf_release(&why);
	if (v && *v) {
		for (p = v; rc == 0 && *p; p = *e ? e + 1 : e) {
			e = strchr(p, ':');
			if (!e)
				e = p + strlen(p);
			if (e == p)
				continue;
			s = xstrndup(p, (size_t)(e - p));
			rc = add_root(r, s, err);
			free(s);
		}
		if (rc == 0 && !r->n)
			rc = hm_fail(err, HM_EINVAL, "tools.roots names no "
			    "directory");
	} else if (rc == 0) {
		cw = absolute(cwd, ".");
		rc = add_root(r, cw, err);
		free(cw);
		if (rc == 0)
			rc = add_root(r, r->keep, err);
	}
	if (rc < 0)
		roots_release(r);
	return rc;
}

static int
outside(const struct roots *r, const char *path, struct buf *err)
{
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < r->n; i++)
		buf_addf(&b, "%s%s", i ? ", " : "", r->dir[i]);
	hm_fail(err, HM_EINVAL, "path '%s' is outside the allowed roots (%s)",
	    path, buf_str(&b));
	buf_release(&b);
	return -HM_EINVAL;
}

int
roots_resolve(const struct roots *r, const char *cwd, const char *path,
    int for_write, char **out, struct buf *err)
{
	char *abs, *real = NULL;
	size_t i;
	int rc;

	*out = NULL;
	if (!path || !*path)
		return hm_fail(err, HM_EINVAL, "the path is empty");
	abs = absolute(cwd, path);
	rc = resolve(abs, path, for_write, &real, err);
	free(abs);
	if (rc < 0)
		return rc;
	if (r->dotenv && !strcmp(real, r->dotenv)) {
		rc = hm_fail(err, HM_EINVAL, "path '%s' is the secrets file "
		    "$HERMES_HOME/.env: refused", path);
	} else if (r->home && roots_inside(real, r->home) &&
	    !(r->keep && roots_inside(real, r->keep))) {
		rc = hm_fail(err, HM_EINVAL, "path '%s' is hermes state under "
		    "$HERMES_HOME: use the agent's own tools", path);
	} else {
		for (i = 0; i < r->n; i++)
			if (roots_inside(real, r->dir[i]))
				break;
		if (i == r->n)
			rc = outside(r, path, err);
	}
	if (rc < 0) {
		free(real);
		return rc;
	}
	*out = real;
	return 0;
}

void
roots_release(struct roots *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		free(r->dir[i]);
	free(r->dir);
	free(r->home);
	free(r->keep);
	free(r->dotenv);
	memset(r, 0, sizeof(*r));
}
