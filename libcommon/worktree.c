/*
 * worktree.c: libgit2 lives here and nowhere else; see worktree.h.
 * libgit2 is initialised and shut down around each call (its init
 * counts), so a command that never touches git never pays for it, and
 * LeakSanitizer stays quiet.
 *
 * Kanban worktrees keep git's own layout, so the git CLI sees them as
 * its own.  Task ID gets the branch refs/heads/kanban/ID, created at
 * HEAD's commit, and a linked worktree named kanban-ID: the entry
 * COMMONDIR/worktrees/kanban-ID/ (HEAD "ref: refs/heads/kanban/ID",
 * commondir, gitdir, index) and the caller's directory DIR, whose .git
 * file says "gitdir: COMMONDIR/worktrees/kanban-ID".  A second attempt
 * of the task finds DIR/.git leading back to this repository with HEAD
 * on kanban/ID, and keeps the tree as it is, work in progress included.
 *
 * libgit2 1.5 quirks handled here: git_worktree_add makes the entry and
 * DIR with mkdir(O_EXCL) semantics, so an empty DIR is removed first and
 * a stale entry (DIR gone) is pruned first; when it fails half way (DIR
 * busy, branch checked out elsewhere, checkout error) it leaves the entry
 * and DIR behind, which we remove, and the branch, when we made it.  It
 * writes absolute paths into .git and commondir, which git accepts.  With
 * opts.ref NULL it would make a branch named after the worktree, so the
 * branch is made first and passed in.  No hook or filter driver runs.
 */
#include <sys/stat.h>
#include <ftw.h>

#include <git2.h>

#include "common.h"
#include "path.h"
#include "worktree.h"

#define TASK_ID_MAX	64
#define TASK_ID_CHARS	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" \
	"0123456789_.-"

/* The names of task ID's things. */
struct task {
	char name[TASK_ID_MAX + 8];	/* kanban-ID: the worktree */
	char branch[TASK_ID_MAX + 8];	/* kanban/ID */
	char ref[TASK_ID_MAX + 20];	/* refs/heads/kanban/ID */
};

/* What a directory is to a repository (dir_kind). */
enum { DIR_NONE, DIR_OURS, DIR_OTHER };

static int
local_url(const char *url)
{
	return !strncmp(url, "file://", 7) || !strstr(url, "://");
}

/* hm_fail with fmt, then ": " and libgit2's last message. */
static int __attribute__((format(printf, 3, 4)))
fail_git(struct buf *err, int code, const char *fmt, ...)
{
	const git_error *e = git_error_last();
	struct buf m = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(&m, fmt, ap);
	va_end(ap);
	code = hm_fail(err, code, "%s: %s", buf_str(&m),
	    e && e->message ? e->message : "unknown libgit2 error");
	buf_release(&m);
	return code;
}

static int
open_repo(git_repository **r, const char *path, struct buf *err)
{
	int e;

	e = git_repository_open_ext(r, path, GIT_REPOSITORY_OPEN_NO_SEARCH,
	    NULL);
	if (e < 0)
		return fail_git(err, e == GIT_ENOTFOUND ? HM_ENOTFOUND :
		    HM_EFAIL, "cannot open repository '%s'", path);
	return 0;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) < 0 && errno != ENOENT ? -1 : 0;
}

static int
rm_rf(const char *path, struct buf *err)
{
	if (nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS) < 0 &&
	    errno != ENOENT)
		return hm_fail(err, HM_EIO, "cannot remove '%s': %s", path,
		    strerror(errno));
	return 0;
}

static int
same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 &&
	    sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static int
task_names(struct task *t, const char *id, struct buf *err)
{
	size_t n = strlen(id);

	if (n == 0 || n > TASK_ID_MAX || strspn(id, TASK_ID_CHARS) != n ||
	    id[0] == '.' || id[0] == '-' || id[n - 1] == '.' ||
	    strstr(id, "..") || (n >= 5 && !strcmp(id + n - 5, ".lock")))
		return hm_fail(err, HM_EINVAL, "invalid task id '%s'", id);
	snprintf(t->name, sizeof(t->name), "kanban-%s", id);
	snprintf(t->branch, sizeof(t->branch), "kanban/%s", id);
	snprintf(t->ref, sizeof(t->ref), "refs/heads/kanban/%s", id);
	return 0;
}

/*
 * What dir is to r: DIR_NONE (dir itself holds no repository), DIR_OURS
 * (a linked worktree of r: *head gets the ref its HEAD names, NULL when
 * detached, and *wt its entry when wt is not NULL) or DIR_OTHER.
 */
static int
dir_kind(git_repository *r, const char *dir, char **head, git_worktree **wt)
{
	git_repository *d = NULL;
	git_reference *h = NULL;
	int kind = DIR_OTHER;

	*head = NULL;
	if (wt)
		*wt = NULL;
	if (git_repository_open_ext(&d, dir, GIT_REPOSITORY_OPEN_NO_SEARCH,
	    NULL) < 0)
		return DIR_NONE;
	if (git_repository_is_worktree(d) && same_file(
	    git_repository_commondir(d), git_repository_commondir(r)) &&
	    (!wt || git_worktree_open_from_repository(wt, d) == 0)) {
		kind = DIR_OURS;
		if (git_reference_lookup(&h, d, "HEAD") == 0 &&
		    git_reference_type(h) == GIT_REFERENCE_SYMBOLIC)
			*head = xstrdup(git_reference_symbolic_target(h));
	}
	git_reference_free(h);
	git_repository_free(d);
	return kind;
}

/* The entry's directory, COMMONDIR/worktrees/NAME, malloc'd. */
static char *
entry_path(git_repository *r, const char *name)
{
	struct buf p = BUF_INIT;
	const char *c = git_repository_commondir(r);

	buf_addf(&p, "%s%sworktrees/%s", c,
	    *c && c[strlen(c) - 1] == '/' ? "" : "/", name);
	return buf_detach(&p);
}

/*
 * Clear the way for worktree t at dir: prune its entry when the work
 * tree is gone, remove an entry left half made, refuse one that lives
 * elsewhere.
 */
static int
clear_entry(git_repository *r, const char *repo, const struct task *t,
    const char *dir, struct buf *err)
{
	git_worktree *wt = NULL;
	char *p;
	int rc = 0;

	if (git_worktree_lookup(&wt, r, t->name) == 0) {
		if (git_worktree_validate(wt) == 0)
			rc = hm_fail(err, HM_ECONFLICT, "worktree '%s' of '%s' "
			    "is at '%s', not '%s'", t->name, repo,
			    git_worktree_path(wt), dir);
		else if (git_worktree_prune(wt, NULL) < 0)
			rc = fail_git(err, HM_EFAIL, "cannot prune worktree "
			    "'%s' of '%s'", t->name, repo);
		git_worktree_free(wt);
		return rc;
	}
	p = entry_path(r, t->name);
	rc = rm_rf(p, err);
	free(p);
	return rc;
}

static int
branch_at_head(git_reference **ref, git_repository *r, const char *repo,
    const struct task *t, struct buf *err)
{
	git_reference *head = NULL;
	git_object *c = NULL;
	int e, rc = 0;

	e = git_repository_head(&head, r);
	if (e == GIT_EUNBORNBRANCH || e == GIT_ENOTFOUND)
		return hm_fail(err, HM_EFAIL, "repository '%s' has no commits",
		    repo);
	if (e < 0)
		return fail_git(err, HM_EFAIL, "cannot read HEAD of '%s'",
		    repo);
	if (git_reference_peel(&c, head, GIT_OBJECT_COMMIT) < 0 ||
	    git_branch_create(ref, r, t->branch, (git_commit *)c, 0) < 0)
		rc = fail_git(err, HM_EFAIL, "cannot create branch '%s' in "
		    "'%s'", t->branch, repo);
	git_object_free(c);
	git_reference_free(head);
	return rc;
}

static int
task_add(git_repository *r, const char *repo, const struct task *t,
    const char *dir, struct buf *err)
{
	git_worktree_add_options opts;
	struct buf scratch = BUF_INIT;
	git_reference *ref = NULL;
	git_worktree *wt = NULL;
	char *head = NULL, *p;
	int e, rc, made = 0;

	switch (dir_kind(r, dir, &head, NULL)) {
	case DIR_OURS:
		if (head && !strcmp(head, t->ref))
			rc = 0;
		else
			rc = hm_fail(err, HM_ECONFLICT, "worktree '%s' of '%s' "
			    "is on '%s', not '%s'", dir, repo,
			    head ? head : "a detached HEAD", t->ref);
		free(head);
		return rc;
	case DIR_OTHER:
		return hm_fail(err, HM_EFAIL, "'%s' already holds another "
		    "git repository", dir);
	}
	if (rmdir(dir) < 0 && errno != ENOENT)
		return hm_fail(err, HM_EFAIL, "cannot make a worktree at '%s': "
		    "%s", dir, strerror(errno));
	if ((rc = clear_entry(r, repo, t, dir, err)) < 0)
		return rc;
	e = git_branch_lookup(&ref, r, t->branch, GIT_BRANCH_LOCAL);
	if (e == GIT_ENOTFOUND) {
		if ((rc = branch_at_head(&ref, r, repo, t, err)) < 0)
			return rc;
		made = 1;
	} else if (e < 0) {
		return fail_git(err, HM_EFAIL, "cannot read branch '%s' of "
		    "'%s'", t->branch, repo);
	}
	if ((rc = hm_mkparents(dir, err)) < 0)
		goto undo;
	git_worktree_add_options_init(&opts, GIT_WORKTREE_ADD_OPTIONS_VERSION);
	opts.ref = ref;
	if (git_worktree_add(&wt, r, t->name, dir, &opts) == 0)
		goto out;
	rc = fail_git(err, HM_EFAIL, "cannot add worktree '%s' to '%s'", dir,
	    repo);
undo:
	/* Undo what the failed add made; dir was absent or empty before. */
	p = entry_path(r, t->name);
	rm_rf(p, &scratch);
	free(p);
	rm_rf(dir, &scratch);
	buf_release(&scratch);
	if (made)
		git_branch_delete(ref);
out:
	git_worktree_free(wt);
	git_reference_free(ref);
	return rc;
}

/* Prune wt, its entry and its work tree. */
static int
prune(git_worktree *wt, const char *repo, struct buf *err)
{
	git_worktree_prune_options po;

	git_worktree_prune_options_init(&po,
	    GIT_WORKTREE_PRUNE_OPTIONS_VERSION);
	po.flags = GIT_WORKTREE_PRUNE_VALID | GIT_WORKTREE_PRUNE_WORKING_TREE;
	if (git_worktree_prune(wt, &po) < 0)
		return fail_git(err, HM_EFAIL, "cannot remove worktree '%s' "
		    "of '%s'", git_worktree_name(wt), repo);
	return 0;
}

static int
task_remove(git_repository *r, const char *repo, const struct task *t,
    const char *dir, struct buf *err)
{
	git_worktree *wt = NULL;
	struct stat st;
	char *head = NULL, *p;
	int rc = 0;

	if (git_worktree_lookup(&wt, r, t->name) == 0) {
		if (git_worktree_validate(wt) == 0 &&
		    !same_file(git_worktree_path(wt), dir))
			rc = hm_fail(err, HM_ECONFLICT, "worktree '%s' of '%s' "
			    "is at '%s', not '%s'", t->name, repo,
			    git_worktree_path(wt), dir);
		else
			rc = prune(wt, repo, err);
		git_worktree_free(wt);
		wt = NULL;
	} else {
		p = entry_path(r, t->name);
		rc = rm_rf(p, err);
		free(p);
	}
	if (rc < 0 || lstat(dir, &st) < 0)
		return rc;
	/* Still there: registered under another name, or debris. */
	switch (dir_kind(r, dir, &head, &wt)) {
	case DIR_OURS:
		rc = prune(wt, repo, err);
		break;
	case DIR_OTHER:
		rc = hm_fail(err, HM_EFAIL, "'%s' holds another git "
		    "repository; not removing it", dir);
		break;
	}
	free(head);
	git_worktree_free(wt);
	return rc < 0 ? rc : rm_rf(dir, err);
}

int
worktree_clone(const char *url, const char *dir, char **head,
    struct buf *err)
{
	git_clone_options opts;
	git_repository *repo = NULL;
	git_oid oid;
	int rc = 0;

	if (head)
		*head = NULL;
	git_libgit2_init();
	git_clone_options_init(&opts, GIT_CLONE_OPTIONS_VERSION);
	opts.checkout_opts.checkout_strategy = GIT_CHECKOUT_SAFE;
#if LIBGIT2_VER_MAJOR > 1 || (LIBGIT2_VER_MAJOR == 1 && LIBGIT2_VER_MINOR >= 7)
	if (!local_url(url))
		opts.fetch_opts.depth = 1;
#else
	(void)local_url;
#endif
	if (git_clone(&repo, url, dir, &opts) < 0) {
		rc = fail_git(err, HM_EFAIL, "cannot clone '%s'", url);
		goto out;
	}
	if (head && git_reference_name_to_id(&oid, repo, "HEAD") == 0)
		*head = xstrdup(git_oid_tostr_s(&oid));
out:
	git_repository_free(repo);
	git_libgit2_shutdown();
	return rc;
}

int
worktree_find_repo(const char *path, char **root, struct buf *err)
{
	git_repository *r = NULL;
	const char *wd;
	size_t n;
	int e, rc = 0;

	*root = NULL;
	git_libgit2_init();
	e = git_repository_open_ext(&r, path, 0, NULL);
	if (e == GIT_ENOTFOUND)
		rc = hm_fail(err, HM_ENOTFOUND, "'%s' is not in a git "
		    "repository", path);
	else if (e < 0)
		rc = fail_git(err, HM_EFAIL, "cannot open the repository of "
		    "'%s'", path);
	else if (!(wd = git_repository_workdir(r)))
		rc = hm_fail(err, HM_EFAIL, "repository '%s' has no work tree",
		    git_repository_path(r));
	else {
		n = strlen(wd);
		if (n > 1 && wd[n - 1] == '/')
			n--;
		*root = xstrndup(wd, n);
	}
	git_repository_free(r);
	git_libgit2_shutdown();
	return rc;
}

int
worktree_for_task(const char *repo, const char *id, const char *dir,
    char **branch, struct buf *err)
{
	git_repository *r = NULL;
	struct task t;
	int rc;

	if (branch)
		*branch = NULL;
	if ((rc = task_names(&t, id, err)) < 0)
		return rc;
	git_libgit2_init();
	if ((rc = open_repo(&r, repo, err)) == 0)
		rc = task_add(r, repo, &t, dir, err);
	if (rc == 0 && branch)
		*branch = xstrdup(t.branch);
	git_repository_free(r);
	git_libgit2_shutdown();
	return rc;
}

int
worktree_remove(const char *repo, const char *id, const char *dir,
    struct buf *err)
{
	git_repository *r = NULL;
	struct task t;
	int rc;

	if ((rc = task_names(&t, id, err)) < 0)
		return rc;
	git_libgit2_init();
	if ((rc = open_repo(&r, repo, err)) == 0)
		rc = task_remove(r, repo, &t, dir, err);
	git_repository_free(r);
	git_libgit2_shutdown();
	return rc;
}

int
worktree_branch_head(const char *repo, const char *branch, char **hex,
    struct buf *err)
{
	git_repository *r = NULL;
	git_reference *ref = NULL, *res = NULL;
	int e, rc;

	*hex = NULL;
	if (!strncmp(branch, "refs/heads/", 11))
		branch += 11;
	git_libgit2_init();
	if ((rc = open_repo(&r, repo, err)) < 0)
		goto out;
	e = git_branch_lookup(&ref, r, branch, GIT_BRANCH_LOCAL);
	if (e == GIT_ENOTFOUND)
		rc = hm_fail(err, HM_ENOTFOUND, "no branch '%s' in '%s'",
		    branch, repo);
	else if (e == GIT_EINVALIDSPEC)
		rc = hm_fail(err, HM_EINVAL, "invalid branch name '%s'",
		    branch);
	else if (e < 0 || git_reference_resolve(&res, ref) < 0)
		rc = fail_git(err, HM_EFAIL, "cannot read branch '%s' of "
		    "'%s'", branch, repo);
	else
		*hex = xstrdup(git_oid_tostr_s(git_reference_target(res)));
out:
	git_reference_free(res);
	git_reference_free(ref);
	git_repository_free(r);
	git_libgit2_shutdown();
	return rc;
}
