/*
 * path.h: where state lives.  Every path in hermes comes from hm_path();
 * nothing else reads HOME or HERMES_HOME.
 *
 * The state directory is $HERMES_HOME, else $HOME/.hermes, made absolute
 * (children started in other directories must find it).  hm_home_init()
 * resolves it, checks HERMES_PROFILE, and creates the directory mode 0700
 * if it is missing; call it once before hm_path().  It never changes the
 * mode of a directory that exists.
 *
 * With HERMES_PROFILE=NAME, the per-identity parts (SOUL.md, memories/,
 * skills/) resolve under profiles/NAME/; everything else stays shared.
 */
#ifndef HM_PATH_H
#define HM_PATH_H

#include <sys/types.h>

struct buf;

int hm_home_init(struct buf *err);
const char *hm_home(void);
const char *hm_profile(void);
char *hm_path(const char *rel);
int hm_mkdir_p(const char *dir, mode_t mode, struct buf *err);
int hm_mkparents(const char *path, struct buf *err);
/* Open logs/NAME under the state directory for appending (mode 0600,
 * close-on-exec, logs/ made when missing); -1 when it cannot be: a log
 * that cannot be written never stops the work.  *path (may be NULL)
 * gets its path, malloc'd. */
int hm_open_log(const char *name, char **path);
char *hm_dirname(const char *path);
const char *hm_basename(const char *path);
int hm_valid_name(const char *name, size_t max);

#endif
