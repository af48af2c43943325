/*
 * worktree.c: libgit2 lives here and nowhere else; see worktree.h.
 * libgit2 is initialised and shut down around each call, so a command
 * that never clones never pays for it, and LeakSanitizer stays quiet.
 */
#include <git2.h>

#include "common.h"
#include "worktree.h"

static int
local_url(const char *url)
{
	return !strncmp(url, "file://", 7) || !strstr(url, "://");
}

int
worktree_clone(const char *url, const char *dir, char **head,
    struct buf *err)
{
	git_clone_options opts;
	git_repository *repo = NULL;
	const git_error *e;
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
		e = git_error_last();
		rc = hm_fail(err, HM_EFAIL, "cannot clone '%s': %s", url,
		    e && e->message ? e->message : "unknown libgit2 error");
		goto out;
	}
	if (head && git_reference_name_to_id(&oid, repo, "HEAD") == 0)
		*head = xstrdup(git_oid_tostr_s(&oid));
out:
	git_repository_free(repo);
	git_libgit2_shutdown();
	return rc;
}
