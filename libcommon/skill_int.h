/*
 * skill_int.h: private to the skills (skill.c, skill_edit.c,
 * skill_scan.c, skill_install.c); nothing else includes it.
 *
 * The split follows what a program links: libcommon.a is linked per
 * object, and the agent (tool_skills.c, prompt.c) calls only the reading
 * and editing functions, so nothing in skill.c or skill_edit.c may call
 * into skill_install.c, which alone brings in worktree.c (libgit2) and
 * http.c.
 *
 * skill.c: skill_is_dir and skill_is_file stat (following links);
 * skill_join is "a/b", malloc'd; skill_push_str appends s (taken over)
 * to a growable vector, skill_free_strs frees one; skill_read_text reads
 * a text file of at most SKILL_FILE_MAX bytes; skill_check_rel accepts a
 * relative path without "..", else -HM_EINVAL; skill_blank is 1 when s
 * holds only white space.
 *
 * skill_edit.c: skill_rm_rf removes a tree without following links;
 * skill_lock_root takes flock on the root's ".skills.lock" (making the
 * root) and sweeps ".tmp-*" debris, returning the fd for lock_release;
 * skill_temp_dir makes ROOT/.tmp-WHAT-XXXXXX (malloc'd, or NULL);
 * skill_remove_dir renames dir to a ".tmp-" directory of root and
 * removes it; skill_check_category validates an optional category;
 * skill_each_file calls fn for every entry under base/rel, sorted,
 * dot-files included, no link followed, with its relative path and
 * lstat, and stops at the first fn that fails; skill_lock_json_load
 * returns the home root's .lock.json (an empty {"skills": {}} when
 * missing or bad; the caller's to cJSON_Delete) and skill_lock_json_save
 * writes it atomically.  All writers hold the root's lock.
 */
#ifndef HM_SKILL_INT_H
#define HM_SKILL_INT_H

#include <sys/stat.h>
#include <stddef.h>

#include <cjson/cJSON.h>

struct buf;

#define WALK_MAX_DEPTH 16

/* skill.c */
int skill_is_dir(const char *path);
int skill_is_file(const char *path);
char *skill_join(const char *a, const char *b);
void skill_push_str(char ***v, size_t *n, char *s);
void skill_free_strs(char **v, size_t n);
int skill_read_text(const char *path, struct buf *out, struct buf *err);
int skill_check_rel(const char *rel, struct buf *err);
int skill_blank(const char *s);

/* skill_edit.c */
void skill_rm_rf(const char *path);
int skill_lock_root(const char *root, struct buf *err);
char *skill_temp_dir(const char *root, const char *what, struct buf *err);
int skill_remove_dir(const char *root, const char *dir, struct buf *err);
int skill_check_category(const char *category, struct buf *err);
int skill_each_file(const char *base, const char *rel, int depth,
    int (*fn)(const char *base, const char *rel, const struct stat *st,
    void *ctx), void *ctx, struct buf *err);
cJSON *skill_lock_json_load(void);
int skill_lock_json_save(cJSON *o, struct buf *err);

#endif
