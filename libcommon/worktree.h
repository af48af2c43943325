/*
 * worktree.h: git repositories through libgit2; worktree.c is the only
 * file that includes git2.h.  Cloning a repository to install a skill
 * from it, and the kanban dispatcher's per-task worktrees.  Every
 * function opens and frees its own libgit2 state (no handle to keep);
 * strings returned through char ** are malloc'd, the caller frees them.
 * Errors name the repository or path and end with libgit2's message.
 *
 * worktree_clone(url, dir, head, err): clones url (https://, ssh://,
 *   git://, file:// or a local path) into dir, which must not exist or be
 *   empty, and checks out its default branch.  Remote URLs are cloned
 *   shallow (depth 1) when the libgit2 in use supports it (1.7 and
 *   later); local ones in full (the local transport cannot be shallow,
 *   and costs no network).  No hook or filter of the repository runs.
 *   When head is not NULL it receives the checked-out commit id, 40 hex
 *   digits, malloc'd.  Returns 0, or -HM_EFAIL with libgit2's reason.
 */
#ifndef HM_WORKTREE_H
#define HM_WORKTREE_H

struct buf;

int worktree_clone(const char *url, const char *dir, char **head,
    struct buf *err);

/*
 * Kanban: task ID works on branch kanban/ID in a linked worktree named
 * kanban-ID (COMMONDIR/worktrees/kanban-ID), at a directory the caller
 * chooses, normally $HERMES_HOME/worktrees/ID.  The layout is git's own:
 * git status, commit and worktree list work there, and a commit made in
 * the worktree moves kanban/ID for the repository.  ID is 1 to 64 of
 * [A-Za-z0-9_.-], not starting with '.' or '-', no "..", not ending in
 * '.' or ".lock" (else -HM_EINVAL).  Nothing here locks: the caller
 * holds the task's claim.  No hook or filter driver runs.
 *
 * worktree_find_repo(path, root, err): the repository containing path,
 *   found as git does (path, then its parents, not across file systems);
 *   *root is its work tree root (a linked worktree's own root), without
 *   a trailing '/'.  -HM_ENOTFOUND when path is in no repository or
 *   does not exist, -HM_EFAIL for a bare repository.
 * worktree_for_task(repo, id, dir, branch, err): repo is a work tree
 *   root (as found above).  Creates branch kanban/ID at the commit of
 *   repo's HEAD unless it exists (then it is used as it is), and adds
 *   the worktree at dir (which must be absent or empty; its parents are
 *   made, mode 0700) checked out on it.  When dir already is a worktree
 *   of repo on kanban/ID, a second attempt of the task, it is reused as
 *   it is, uncommitted changes included.  A stale kanban-ID entry whose
 *   directory is gone is pruned first.  *branch (may be NULL) receives
 *   "kanban/ID".  Errors: -HM_EFAIL "repository 'R' has no commits"
 *   when the branch must be made and HEAD is unborn; -HM_ECONFLICT when
 *   dir is a worktree of repo on another branch, or kanban-ID lives at
 *   another directory; -HM_EFAIL when dir holds files or another
 *   repository, or the branch is checked out elsewhere.  A failed add
 *   leaves nothing behind (and no branch it made).
 * worktree_remove(repo, id, dir, err): prunes the entry kanban-ID (or
 *   whichever entry of repo dir is) and deletes dir with whatever is in
 *   it, uncommitted work included; the branch stays.  0 also when there
 *   was nothing to remove.  Refuses (-HM_ECONFLICT) when kanban-ID lives
 *   at another directory, (-HM_EFAIL) when dir holds another repository
 *   or the worktree is locked (git worktree lock).
 * worktree_branch_head(repo, branch, hex, err): the commit at the tip of
 *   local branch ("kanban/ID" or "refs/heads/kanban/ID"), 40 hex digits;
 *   -HM_ENOTFOUND when there is no such branch.
 */
int worktree_find_repo(const char *path, char **root, struct buf *err);
int worktree_for_task(const char *repo, const char *id, const char *dir,
    char **branch, struct buf *err);
int worktree_remove(const char *repo, const char *id, const char *dir,
    struct buf *err);
int worktree_branch_head(const char *repo, const char *branch, char **hex,
    struct buf *err);

#endif
