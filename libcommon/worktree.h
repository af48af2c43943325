/*
 * worktree.h: git repositories through libgit2, the only file that
 * includes git2.h.  Today: cloning a repository to install a skill from
 * it; the kanban worktrees come here too.
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

#endif
