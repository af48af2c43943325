/*
 * worktree.c: unit tests for the kanban half of libcommon/worktree.c,
 * against repositories made and checked by the real git CLI (run with
 * proc_spawn, HOME and the system config out of the way).  find_repo
 * from a subdirectory, the root, a linked worktree and outside any
 * repository; for_task makes branch kanban/ID at HEAD and the worktree
 * kanban-ID, which git status, worktree list and commit accept, and a
 * commit there moves kanban/ID; a second attempt reuses the tree with
 * its uncommitted work; an empty or stale directory is taken over; bad
 * ids, a busy directory, another branch, a branch checked out elsewhere
 * and a repository with no commits fail and leave nothing behind;
 * remove deletes the tree and entry but keeps the branch, twice.
 * Files: everything lives in one mkdtemp directory, removed at the end.
 */
#include <sys/stat.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <ftw.h>

#include "common.h"
#include "path.h"
#include "proc.h"
#include "worktree.h"
#include "tap.h"

static char top[] = "/tmp/hermes-unit-worktree.XXXXXX";
static struct buf err;
static char *repo, *wt1, *out;

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static char *
at(const char *rel)
{
	struct buf p = BUF_INIT;

	buf_addf(&p, "%s/%s", top, rel);
	return buf_detach(&p);
}

static int
exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static void
put(const char *path, const char *text)
{
	FILE *fp;

	if ((fp = fopen(path, "w"))) {
		fputs(text, fp);
		fclose(fp);
	}
}

/* Run git with the NULL-terminated arguments, stdout and stderr to the
 * file out; its exit status, or -1. */
static int
git(const char *arg, ...)
{
	const char *argv[16];
	struct proc_spec ps = { 0 };
	va_list ap;
	int n = 0, fd, pid, st;

	argv[n++] = "git";
	va_start(ap, arg);
	for (; arg && n < 15; arg = va_arg(ap, const char *))
		argv[n++] = arg;
	va_end(ap);
	argv[n] = NULL;
	if ((fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) < 0)
		return -1;
	ps.argv = (char *const *)argv;
	ps.in = -1;
	ps.out = fd;
	ps.errfd = fd;
	pid = proc_spawn(&ps, NULL);
	close(fd);
	if (pid < 0 || proc_wait(pid, -1, &st) != 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* git's stdout from the last run, trimmed; malloc'd. */
static char *
output(void)
{
	struct buf b = BUF_INIT;
	char *s;

	buf_read_file(&b, out);
	buf_rtrim(&b);
	s = xstrdup(buf_str(&b));
	buf_release(&b);
	return s;
}

static int
out_has(const char *s)
{
	char *o = output();
	int r = strstr(o, s) != NULL;

	free(o);
	return r;
}

static char *
head_of(const char *dir, const char *rev)
{
	if (git("-C", dir, "rev-parse", rev, NULL) != 0)
		return xstrdup("");
	return output();
}

static char *
real(const char *path)
{
	char *r = realpath(path, NULL);

	return r ? r : xstrdup(path);
}

static void
setup(void)
{
	char *p = at("repo/sub/deep");

	hm_mkdir_p(p, 0700, NULL);
	free(p);
	repo = at("repo");
	p = at("repo/hello.txt");
	put(p, "hello\n");
	free(p);
	is_int(git("-C", repo, "init", "-q", "-b", "main", NULL), 0,
	    "git init");
	is_int(git("-C", repo, "add", "hello.txt", NULL), 0, "git add");
	is_int(git("-C", repo, "commit", "-q", "-m", "first", NULL), 0,
	    "git commit");
}

static void
find_repo(void)
{
	char *root = NULL, *p, *want = real(repo);
	int rc;

	p = at("repo/sub/deep");
	is_int(worktree_find_repo(p, &root, &err), 0,
	    "find_repo from a subdirectory");
	is_str(root, want, "its root is the work tree root");
	free(root);
	free(p);
	is_int(worktree_find_repo(repo, &root, &err), 0, "find_repo at root");
	is_str(root, want, "same root");
	free(root);
	p = at("outside");
	hm_mkdir_p(p, 0700, NULL);
	rc = worktree_find_repo(p, &root, &err);
	is_int(rc, -HM_ENOTFOUND, "outside any repository: -HM_ENOTFOUND");
	ok(root == NULL, "no root");
	ok(strstr(buf_str(&err), p) != NULL, "the error names the path: %s",
	    buf_str(&err));
	free(p);
	free(want);
}

static void
first_attempt(void)
{
	char *branch = NULL, *hex = NULL, *main_head, *p, *o;
	struct stat st;
	int rc;

	main_head = head_of(repo, "main");
	is_int(worktree_branch_head(repo, "main", &hex, &err), 0,
	    "branch_head of main");
	is_str(hex, main_head, "it matches git rev-parse");
	ok(hex && strlen(hex) == 40, "40 hex digits");
	free(hex);
	is_int(worktree_branch_head(repo, "kanban/t_1", &hex, &err),
	    -HM_ENOTFOUND, "no kanban/t_1 yet: -HM_ENOTFOUND");
	ok(hex == NULL, "and no hex");

	rc = worktree_for_task(repo, "t_1", wt1, &branch, &err);
	is_int(rc, 0, "for_task t_1: %s", rc ? buf_str(&err) : "made");
	is_str(branch, "kanban/t_1", "the branch is kanban/t_1");
	free(branch);
	p = at("home/worktrees/t_1/hello.txt");
	ok(exists(p), "the committed file is checked out");
	free(p);
	p = at("home/worktrees/t_1/.git");
	ok(stat(p, &st) == 0 && S_ISREG(st.st_mode), "DIR/.git is a file");
	free(p);
	p = at("repo/.git/worktrees/kanban-t_1");
	ok(exists(p), "the entry is named kanban-t_1");
	free(p);
	is_int(worktree_branch_head(repo, "kanban/t_1", &hex, &err), 0,
	    "kanban/t_1 exists");
	is_str(hex, main_head, "at HEAD's commit");
	free(hex);
	o = head_of(wt1, "HEAD");
	is_str(o, main_head, "git sees the same HEAD");
	free(o);
	is_int(git("-C", wt1, "symbolic-ref", "HEAD", NULL), 0,
	    "git symbolic-ref HEAD in the worktree");
	o = output();
	is_str(o, "refs/heads/kanban/t_1", "HEAD is on kanban/t_1");
	free(o);
	is_int(git("-C", wt1, "status", "--porcelain", NULL), 0,
	    "git status works in the worktree");
	o = output();
	is_str(o, "", "and the tree is clean (index written)");
	free(o);
	is_int(git("-C", repo, "worktree", "list", "--porcelain", NULL), 0,
	    "git worktree list");
	p = real(wt1);
	ok(out_has(p), "lists the worktree");
	ok(out_has("branch refs/heads/kanban/t_1"), "on its branch");
	is_int(git("-C", repo, "worktree", "prune", "-n", "-v", NULL), 0,
	    "git worktree prune -n");
	o = output();
	is_str(o, "", "finds nothing to prune");
	free(o);
	free(p);
	free(main_head);
}

static void
commit_there(void)
{
	char *before = NULL, *after = NULL, *p, *cli;

	worktree_branch_head(repo, "kanban/t_1", &before, &err);
	p = at("home/worktrees/t_1/work.txt");
	put(p, "done\n");
	free(p);
	is_int(git("-C", wt1, "add", "work.txt", NULL), 0, "git add there");
	is_int(git("-C", wt1, "commit", "-q", "-m", "work", NULL), 0,
	    "git commit in the worktree");
	is_int(worktree_branch_head(repo, "refs/heads/kanban/t_1", &after,
	    &err), 0, "branch_head by full ref name");
	ok(before && after && strcmp(before, after), "kanban/t_1 moved");
	cli = head_of(wt1, "HEAD");
	is_str(after, cli, "to the commit made in the worktree");
	free(cli);
	cli = head_of(repo, "kanban/t_1");
	is_str(after, cli, "and the repository sees it");
	free(cli);
	cli = head_of(repo, "main");
	ok(strcmp(cli, after) != 0, "main did not move");
	free(cli);
	free(before);
	free(after);
}

static void
second_attempt(void)
{
	char *branch = NULL, *before = NULL, *after = NULL, *p, *o;
	int rc;

	p = at("home/worktrees/t_1/wip.txt");
	put(p, "in progress\n");
	worktree_branch_head(repo, "kanban/t_1", &before, &err);
	rc = worktree_for_task(repo, "t_1", wt1, &branch, &err);
	is_int(rc, 0, "second for_task t_1: %s", rc ? buf_str(&err) : "reused");
	is_str(branch, "kanban/t_1", "same branch");
	ok(exists(p), "uncommitted work is kept");
	worktree_branch_head(repo, "kanban/t_1", &after, &err);
	is_str(after, before, "the branch did not move");
	git("-C", wt1, "status", "--porcelain", NULL);
	o = output();
	is_str(o, "?? wip.txt", "git status shows the work in progress");
	free(o);
	free(p);
	free(branch);
	free(before);
	free(after);
	p = at("home/elsewhere");
	rc = worktree_for_task(repo, "t_1", p, NULL, &err);
	is_int(rc, -HM_ECONFLICT, "t_1 at another directory: -HM_ECONFLICT");
	ok(strstr(buf_str(&err), "kanban-t_1"), "names the worktree: %s",
	    buf_str(&err));
	ok(!exists(p), "and makes nothing there");
	free(p);
	p = real(wt1);
	o = NULL;
	is_int(worktree_find_repo(wt1, &o, &err), 0, "find_repo in it");
	is_str(o, p, "the worktree's own root");
	free(o);
	free(p);
}

static void
refusals(void)
{
	static const char *const bad[] = { "", "../x", "a/b", ".a", "-a",
	    "a.", "a..b", "a.lock", "a b" };
	char *d2 = at("home/worktrees/t_2"), *p, *e, *hex = NULL;
	size_t i;
	int rc;

	for (i = 0; i < HM_ARRAY_SIZE(bad); i++)
		is_int(worktree_for_task(repo, bad[i], d2, NULL, &err),
		    -HM_EINVAL, "invalid id '%s'", bad[i]);
	hm_mkdir_p(d2, 0700, NULL);
	p = at("home/worktrees/t_2/junk");
	put(p, "x");
	rc = worktree_for_task(repo, "t_2", d2, NULL, &err);
	is_int(rc, -HM_EFAIL, "a directory with files: -HM_EFAIL: %s",
	    buf_str(&err));
	e = at("repo/.git/worktrees/kanban-t_2");
	ok(!exists(e), "no entry left");
	is_int(worktree_branch_head(repo, "kanban/t_2", &hex, &err),
	    -HM_ENOTFOUND, "no branch made");
	remove(p);
	free(p);
	rc = worktree_for_task(repo, "t_2", d2, NULL, &err);
	is_int(rc, 0, "an empty directory is taken: %s",
	    rc ? buf_str(&err) : "ok");
	is_int(git("-C", d2, "checkout", "-q", "-b", "other", NULL), 0,
	    "switch t_2's tree to another branch");
	rc = worktree_for_task(repo, "t_2", d2, NULL, &err);
	is_int(rc, -HM_ECONFLICT, "on another branch: -HM_ECONFLICT: %s",
	    buf_str(&err));
	ok(strstr(buf_str(&err), "refs/heads/other") != NULL,
	    "says which branch");
	git("-C", d2, "checkout", "-q", "kanban/t_2", NULL);
	is_int(worktree_remove(repo, "t_2", d2, &err), 0, "remove t_2");

	p = at("home/worktrees/t_3");
	is_int(git("-C", repo, "branch", "kanban/t_3", NULL), 0,
	    "branch kanban/t_3 by hand");
	is_int(git("-C", repo, "checkout", "-q", "kanban/t_3", NULL), 0,
	    "checked out in the main tree");
	rc = worktree_for_task(repo, "t_3", p, NULL, &err);
	is_int(rc, -HM_EFAIL, "a branch checked out elsewhere: -HM_EFAIL");
	ok(strstr(buf_str(&err), "already checked out") &&
	    strstr(buf_str(&err), repo), "libgit2's reason, and the repo: %s",
	    buf_str(&err));
	ok(!exists(p), "no directory left");
	free(e);
	e = at("repo/.git/worktrees/kanban-t_3");
	ok(!exists(e), "no entry left");
	ok(worktree_branch_head(repo, "kanban/t_3", &hex, &err) == 0,
	    "the existing branch is kept");
	free(hex);
	git("-C", repo, "checkout", "-q", "main", NULL);
	free(p);
	free(e);
	free(d2);
}

static void
no_commits(void)
{
	char *empty = at("empty"), *d = at("home/worktrees/t_4"), *e;
	char *hex = NULL;
	struct buf want = BUF_INIT;
	int rc;

	is_int(git("init", "-q", empty, NULL), 0, "git init an empty repo");
	rc = worktree_for_task(empty, "t_4", d, NULL, &err);
	is_int(rc, -HM_EFAIL, "no commits: -HM_EFAIL");
	buf_addf(&want, "repository '%s' has no commits", empty);
	is_str(buf_str(&err), want.s, "says so");
	ok(!exists(d), "no directory made");
	e = at("empty/.git/worktrees");
	ok(!exists(e), "no entry made");
	free(e);
	e = at("outside");
	is_int(worktree_for_task(e, "t_4", d, NULL, &err), -HM_ENOTFOUND,
	    "not a repository: -HM_ENOTFOUND");
	is_int(worktree_branch_head(e, "main", &hex, &err), -HM_ENOTFOUND,
	    "branch_head outside a repository: -HM_ENOTFOUND");
	free(e);
	buf_release(&want);
	free(empty);
	free(d);
}

static void
removal(void)
{
	char *hex = NULL, *tip = NULL, *e, *p, *o, *branch = NULL;
	int rc;

	worktree_branch_head(repo, "kanban/t_1", &tip, &err);
	rc = worktree_remove(repo, "t_1", wt1, &err);
	is_int(rc, 0, "remove t_1: %s", rc ? buf_str(&err) : "gone");
	ok(!exists(wt1), "the directory is gone");
	e = at("repo/.git/worktrees/kanban-t_1");
	ok(!exists(e), "the entry is gone");
	is_int(worktree_branch_head(repo, "kanban/t_1", &hex, &err), 0,
	    "the branch is kept");
	is_str(hex, tip, "at the work's commit");
	free(hex);
	git("-C", repo, "worktree", "list", "--porcelain", NULL);
	ok(!out_has("kanban/t_1"), "git worktree list forgot it");
	is_int(worktree_remove(repo, "t_1", wt1, &err), 0,
	    "a second remove is a no-op");

	rc = worktree_for_task(repo, "t_1", wt1, &branch, &err);
	is_int(rc, 0, "for_task on the kept branch: %s",
	    rc ? buf_str(&err) : "ok");
	p = at("home/worktrees/t_1/work.txt");
	ok(exists(p), "checks out the branch's work, not main");
	free(p);
	free(branch);
	/* The directory deleted by hand: the entry is stale. */
	nftw(wt1, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	ok(exists(e), "a stale entry");
	rc = worktree_for_task(repo, "t_1", wt1, NULL, &err);
	is_int(rc, 0, "is pruned and the tree made again: %s",
	    rc ? buf_str(&err) : "ok");
	is_int(git("-C", wt1, "status", "--porcelain", NULL), 0,
	    "git status there");
	o = output();
	is_str(o, "", "clean");
	free(o);
	is_int(worktree_remove(repo, "t_1", wt1, &err), 0, "remove again");
	ok(!exists(wt1) && !exists(e), "tree and entry gone");
	free(e);

	p = at("other");
	git("init", "-q", p, NULL);
	rc = worktree_remove(repo, "t_9", p, &err);
	is_int(rc, -HM_EFAIL, "dir holding another repository: -HM_EFAIL");
	e = at("other/.git");
	ok(exists(e), "it is left alone");
	free(e);
	free(p);
	free(tip);
}

int
main(void)
{
	if (!mkdtemp(top))
		return 1;
	setenv("HOME", top, 1);
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	setenv("GIT_AUTHOR_NAME", "t", 1);
	setenv("GIT_AUTHOR_EMAIL", "t@t", 1);
	setenv("GIT_COMMITTER_NAME", "t", 1);
	setenv("GIT_COMMITTER_EMAIL", "t@t", 1);
	unsetenv("GIT_DIR");
	unsetenv("GIT_WORK_TREE");
	unsetenv("GIT_INDEX_FILE");
	unsetenv("GIT_CEILING_DIRECTORIES");
	out = at("git.out");
	wt1 = at("home/worktrees/t_1");
	setup();
	find_repo();
	first_attempt();
	commit_there();
	second_attempt();
	refusals();
	no_commits();
	removal();
	if (chdir("/") == 0)
		nftw(top, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(repo);
	free(wt1);
	free(out);
	buf_release(&err);
	return done_testing();
}
