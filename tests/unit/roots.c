/*
 * roots.c: unit tests for libcommon/roots.c: the default roots, custom
 * tools.roots, symlink escapes, "..", the /a/bc-is-not-in-/a/b trick,
 * targets that do not exist yet, dangling links, the .env refusal (also
 * through links), the refusal of $HERMES_HOME state and the worktrees
 * exception.
 * Files: a mkdtemp tree B with B/work (the cwd), B/outside, B/a/b,
 * B/a/bc, B/secrets/env and B/home (HERMES_HOME), whose .env is a link
 * to B/secrets/env.  Removed at the end.
 */
#include <sys/stat.h>
#include <ftw.h>

#include "common.h"
#include "config.h"
#include "roots.h"
#include "tap.h"

static char base[] = "/tmp/hermes-unit-roots.XXXXXX";
static char *B;		/* base, resolved */

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* B/rel, the caller frees. */
static char *
at(const char *rel)
{
	struct buf b = BUF_INIT;

	buf_addf(&b, "%s/%s", B, rel);
	return buf_detach(&b);
}

static void
mk(const char *rel, int dir)
{
	char *p = at(rel);
	FILE *f;

	if (dir) {
		if (mkdir(p, 0755) < 0)
			printf("# cannot mkdir %s\n", p);
	} else if ((f = fopen(p, "w"))) {
		fputs("x\n", f);
		fclose(f);
	}
	free(p);
}

static void
ln(const char *target, const char *rel)
{
	char *p = at(rel);

	if (symlink(target, p) < 0)
		printf("# cannot link %s\n", p);
	free(p);
}

/* Resolve path from B/work; rc, and *got (or NULL) to compare. */
static int
res(const struct roots *r, const char *path, int w, char **got,
    struct buf *err)
{
	char *cwd = at("work");
	int rc;

	buf_reset(err);
	rc = roots_resolve(r, cwd, path, w, got, err);
	free(cwd);
	return rc;
}

static void
accepts(const struct roots *r, const char *path, int w, const char *want,
    const char *msg)
{
	struct buf err = BUF_INIT;
	char *got = NULL, *exp = at(want);
	int rc = res(r, path, w, &got, &err);

	is_int(rc, 0, "%s: rc", msg);
	if (rc)
		printf("#   %s\n", buf_str(&err));
	is_str(got, exp, "%s: resolved", msg);
	free(got);
	free(exp);
	buf_release(&err);
}

static void
refuses(const struct roots *r, const char *path, int w, int code,
    const char *needle, const char *msg)
{
	struct buf err = BUF_INIT;
	char *got = (char *)"x";
	int rc = res(r, path, w, &got, &err), hit;

	is_int(rc, -code, "%s: rc", msg);
	hit = strstr(buf_str(&err), needle) != NULL;
	ok(hit, "%s: says why", msg);
	if (!hit)
		printf("#   want '%s' in '%s'\n", needle, buf_str(&err));
	ok(got == NULL, "%s: no path out", msg);
	buf_release(&err);
}

static int
init_with(struct roots *r, const char *val, struct buf *err)
{
	struct config c = CONFIG_INIT;
	char *cwd = at("work");
	int rc;

	if (val)
		config_set_flag(&c, "tools.roots", val);
	buf_reset(err);
	rc = roots_init(r, &c, cwd, err);
	config_release(&c);
	free(cwd);
	return rc;
}

static void
test_default(void)
{
	struct roots r = ROOTS_INIT;
	struct buf err = BUF_INIT, msg = BUF_INIT;
	char *w = at("work"), *wt = at("home/worktrees");

	is_int(init_with(&r, NULL, &err), 0, "default roots");
	is_int(r.n, 2, "default: two roots");
	is_str(r.n > 0 ? r.dir[0] : NULL, w, "default: the cwd first");
	is_str(r.n > 1 ? r.dir[1] : NULL, wt, "default: then worktrees");

	accepts(&r, "file.txt", 0, "work/file.txt", "relative file");
	accepts(&r, "sub/../file.txt", 0, "work/file.txt", "'..' inside");
	accepts(&r, "./sub/", 0, "work/sub", "a directory, trailing /");
	accepts(&r, ".", 0, "work", "the root itself");
	buf_addf(&msg, "%s/work/file.txt", B);
	accepts(&r, msg.s, 0, "work/file.txt", "absolute inside");

	refuses(&r, "../outside/f", 0, HM_EINVAL, "outside the allowed roots",
	    "'..' out of the root");
	buf_reset(&msg);
	buf_addf(&msg, "(%s, %s)", w, wt);
	refuses(&r, "../outside/f", 0, HM_EINVAL, msg.s,
	    "the error names the roots");
	refuses(&r, "../outside/f", 0, HM_EINVAL, "path '../outside/f'",
	    "the error names the path as given");
	refuses(&r, "esc/f", 0, HM_EINVAL, "outside", "symlink escape");
	refuses(&r, "esc/new", 1, HM_EINVAL, "outside",
	    "symlink escape, new file");
	refuses(&r, "esc", 0, HM_EINVAL, "outside", "the link itself");
	refuses(&r, "/etc/passwd", 0, HM_EINVAL, "outside", "/etc/passwd");
	refuses(&r, "/", 0, HM_EINVAL, "outside", "/");

	accepts(&r, "new/dir/f.txt", 1, "work/new/dir/f.txt",
	    "a missing file, for write");
	accepts(&r, "new//./f.txt", 1, "work/new/f.txt",
	    "a missing file, '.' and '//' dropped");
	refuses(&r, "new/f.txt", 0, HM_ENOTFOUND, "cannot open",
	    "a missing file, for read");
	refuses(&r, "new/../f.txt", 1, HM_EINVAL, "'..' after a directory",
	    "'..' after a missing directory");
	refuses(&r, "new/../../outside/f", 1, HM_EINVAL, "'..'",
	    "'..' out through a missing directory");
	refuses(&r, "dangle", 1, HM_EINVAL, "dangling",
	    "a dangling link, for write");
	refuses(&r, "dangle/f", 1, HM_EINVAL, "dangling",
	    "below a dangling link");
	refuses(&r, "file.txt/x", 1, HM_EIO, "Not a directory",
	    "below a file");
	refuses(&r, "", 0, HM_EINVAL, "empty", "an empty path");

	refuses(&r, "envlink", 0, HM_EINVAL, ".env",
	    "a link to .env, read");
	refuses(&r, "envlink", 1, HM_EINVAL, ".env",
	    "a link to .env, write");
	refuses(&r, "statelink/MEMORY.md", 0, HM_EINVAL, "$HERMES_HOME",
	    "a link into hermes state");
	accepts(&r, "../home/worktrees/w1/f.c", 1, "home/worktrees/w1/f.c",
	    "worktrees are allowed");
	accepts(&r, "wtlink/f.c", 1, "home/worktrees/w1/f.c",
	    "worktrees through a link");
	roots_release(&r);
	ok(r.n == 0 && r.dir == NULL, "release clears");
	free(w);
	free(wt);
	buf_release(&err);
	buf_release(&msg);
}

static void
test_custom(void)
{
	struct roots r = ROOTS_INIT;
	struct buf err = BUF_INIT, v = BUF_INIT;
	char *ab = at("a/b");

	buf_addf(&v, "%s/a/b", B);
	is_int(init_with(&r, v.s, &err), 0, "tools.roots = B/a/b");
	is_int(r.n, 1, "custom: one root");
	is_str(r.n ? r.dir[0] : NULL, ab, "custom: the root");
	accepts(&r, v.s, 0, "a/b", "the root itself");
	accepts(&r, "../a/b/f", 1, "a/b/f", "below the root");
	refuses(&r, "../a/bc/f", 0, HM_EINVAL, "outside",
	    "/a/bc is not inside /a/b");
	refuses(&r, "../a/bc", 0, HM_EINVAL, "outside", "nor is /a/bc itself");
	refuses(&r, "f", 1, HM_EINVAL, "outside", "the cwd is not a root now");
	roots_release(&r);

	buf_reset(&v);
	buf_addf(&v, "::%s/a/b:%s/a/bc/:%s/later/x:", B, B, B);
	is_int(init_with(&r, v.s, &err), 0, "empty entries, a missing root");
	is_int(r.n, 3, "three roots");
	accepts(&r, "../a/bc/f", 1, "a/bc/f", "now /a/bc is a root");
	accepts(&r, "../later/x/y", 1, "later/x/y", "a root not made yet");
	roots_release(&r);

	is_int(init_with(&r, "rel/dir", &err), -HM_EINVAL, "relative root");
	ok(strstr(buf_str(&err), "not an absolute path"), "says why");
	is_int(init_with(&r, "~/src", &err), -HM_EINVAL, "~ is not expanded");
	is_int(init_with(&r, ":", &err), -HM_EINVAL, "only colons");
	ok(r.n == 0 && r.dir == NULL, "a failed init leaves nothing");

	/* A root that holds HERMES_HOME: the state stays out of reach. */
	is_int(init_with(&r, B, &err), 0, "tools.roots = B");
	refuses(&r, "../home/.env", 0, HM_EINVAL, "secrets file",
	    ".env refused");
	refuses(&r, "../secrets/env", 0, HM_EINVAL, "secrets file",
	    "where .env points, refused");
	refuses(&r, "../home/memories/MEMORY.md", 0, HM_EINVAL,
	    "hermes state", "memories refused");
	refuses(&r, "../home/config", 1, HM_EINVAL, "hermes state",
	    "a new state file refused");
	refuses(&r, "../home", 0, HM_EINVAL, "hermes state",
	    "HERMES_HOME itself refused");
	accepts(&r, "../home/worktrees", 0, "home/worktrees",
	    "the worktrees directory");
	accepts(&r, "../home/worktrees/w1/new/f", 1, "home/worktrees/w1/new/f",
	    "a new file in a worktree");
	accepts(&r, "../outside/f", 0, "outside/f", "elsewhere in B");
	roots_release(&r);

	is_int(init_with(&r, "/", &err), 0, "tools.roots = /");
	ok(r.n == 1 && !strcmp(r.dir[0], "/"), "the root is /");
	accepts(&r, "../outside/f", 0, "outside/f", "/ allows the rest");
	refuses(&r, "../home/.env", 0, HM_EINVAL, "secrets",
	    "but never .env");
	roots_release(&r);
	free(ab);
	buf_release(&err);
	buf_release(&v);
}

static void
test_inside(void)
{
	ok(roots_inside("/a/b", "/a/b"), "a dir is inside itself");
	ok(roots_inside("/a/b/c", "/a/b"), "a child is inside");
	ok(!roots_inside("/a/bc", "/a/b"), "/a/bc is not inside /a/b");
	ok(!roots_inside("/a", "/a/b"), "a parent is not inside");
	ok(roots_inside("/anything", "/"), "everything is inside /");
}

int
main(void)
{
	struct buf b = BUF_INIT;

	if (!mkdtemp(base)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	B = realpath(base, NULL);
	buf_addf(&b, "%s/home", B);
	setenv("HERMES_HOME", b.s, 1);
	unsetenv("HERMES_PROFILE");
	unsetenv("HERMES_TOOLS_ROOTS");
	mk("work", 1);
	mk("work/sub", 1);
	mk("work/file.txt", 0);
	mk("outside", 1);
	mk("outside/f", 0);
	mk("a", 1);
	mk("a/b", 1);
	mk("a/bc", 1);
	mk("a/bc/f", 0);
	mk("secrets", 1);
	mk("secrets/env", 0);
	mk("home", 1);
	mk("home/memories", 1);
	mk("home/memories/MEMORY.md", 0);
	mk("home/worktrees", 1);
	mk("home/worktrees/w1", 1);
	ln("../secrets/env", "home/.env");
	ln("../outside", "work/esc");
	ln("../nowhere", "work/dangle");
	ln("../home/.env", "work/envlink");
	ln("../home/memories", "work/statelink");
	ln("../home/worktrees/w1", "work/wtlink");

	test_inside();
	test_default();
	test_custom();

	nftw(base, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(B);
	buf_release(&b);
	return done_testing();
}
