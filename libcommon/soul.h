/*
 * soul.h: SOUL.md, who the agent is.  soul_ensure() writes the default
 * identity when the file (profile-aware, via hm_path) does not exist, and
 * never replaces one: the new file is linked into place with link(2),
 * which fails if a SOUL.md appeared meanwhile.  Returns 1 when it wrote
 * the default, 0 when one was there, or -HM_EIO.
 */
#ifndef HM_SOUL_H
#define HM_SOUL_H

struct buf;

extern const char soul_default[];

int soul_ensure(struct buf *err);

#endif
